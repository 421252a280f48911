"""What TensorFlow does during a cell: ``tf.function`` traces and eager ops (op callbacks), ``.numpy()`` calls."""

from __future__ import annotations

import inspect
import re
import sys
import threading
import time
import weakref

from ..core.convert import is_host_device, short_device
from ..core.patch import Patches
from .tfstate import tf_submodule

_BACKWARD = re.compile(r"^__(backward|forward)_(.+)_\d+$")
_INFERENCE = re.compile(r"^__inference_(.+)_\d+$")
#: Callers whose .numpy() calls are not the user's: TensorFlow, Keras and tfplotguard itself.
_NOT_USER_CODE = ("tensorflow.", "keras.", "tf_keras.", "tfplotguard.")


def function_name(graph_name: str) -> str:
    """``__backward_f_81`` → ``f (backward)``; other FuncGraph names unchanged."""
    match = _BACKWARD.match(graph_name)
    return f"{match.group(2)} ({match.group(1)})" if match else graph_name


class OpWatch:
    """Counts ``tf.function`` traces (and, with ``ops=True``, eager ops per device) during a cell.

    TensorFlow calls op callbacks while it builds a ``FuncGraph``, with the
    graph as an argument: each new non-control-flow ``FuncGraph`` is one trace,
    named after the traced function. This counts every trace, also of
    ``tf.function`` objects created anew inside a loop. Op callbacks are
    thread-local: ops and traces of other Python threads are not seen.
    """

    def __init__(self, ops: bool = False):
        self.count_ops = ops
        self.traces: dict[str, int] = {}
        self._graphs: list[tuple[str, weakref.ref]] = []
        self._seen = weakref.WeakSet()
        self.ops: dict[tuple[str, str], int] = {}
        self.errors = 0
        self._module = None
        self._thread = None

    def start(self) -> bool:
        """Register the op callback; False when TensorFlow is not imported."""
        module = tf_submodule("tensorflow.python.framework.op_callbacks")
        if module is None:
            return False
        module.add_op_callback(self._callback)
        self._module = module
        self._thread = threading.get_ident()
        return True

    def stop(self):
        """Remove the op callback (tolerates a user who cleared all callbacks)."""
        module, self._module = self._module, None
        if module is None:
            return
        if threading.get_ident() != self._thread:  # callbacks are thread-local: only the owner can remove
            return
        try:
            module.remove_op_callback(self._callback)
        except (KeyError, ValueError):
            pass

    def _callback(self, op_type, inputs, attrs, outputs, op_name=None, graph=None):
        try:
            if graph is not None:
                # FuncGraphs have is_control_flow_graph (False for a traced function, True for
                # cond / while branches); plain TF1 graphs lack it.
                if getattr(graph, "is_control_flow_graph", True) is False and graph not in self._seen:
                    self._seen.add(graph)
                    name = function_name(graph.name)
                    self.traces[name] = self.traces.get(name, 0) + 1
                    self._graphs.append((name, weakref.ref(graph)))
            elif self.count_ops:
                tensor = outputs[0] if outputs else (inputs[0] if inputs else None)
                device = short_device(getattr(tensor, "device", "") or "") if tensor is not None else "?"
                if isinstance(op_type, bytes):  # some ops report their type as bytes
                    op_type = op_type.decode("utf-8", "replace")
                match = _INFERENCE.match(op_type)
                key = (device, f"{match.group(1)} (tf.function)" if match else op_type)
                self.ops[key] = self.ops.get(key, 0) + 1
        except Exception:  # an op callback must never break the user's op
            self.errors += 1
        return None

    def ops_by_device(self) -> dict[str, dict[str, int]]:
        """``{device: {op type: count}}``."""
        out: dict[str, dict[str, int]] = {}
        for (device, op), count in self.ops.items():
            out.setdefault(device, {})[op] = count
        return out

    def signatures(self, namespace: dict | None = None, per_function: int = 6) -> dict[str, list[dict]]:
        """Input signatures of the functions traced more than once: ``{name: [{argument: description}]}``.

        Arguments are named from the tensor specs (TensorFlow names them after
        the parameter) or from a ``tf.function`` of that name in ``namespace``.
        """
        by_name: dict[str, list] = {}
        for name, ref in self._graphs:
            if self.traces.get(name, 0) > 1 and " (" not in name:
                graph = ref()
                if graph is not None and len(by_name.setdefault(name, [])) < per_function:
                    by_name[name].append(getattr(graph, "structured_input_signature", None))
        out = {}
        for name, sigs in by_name.items():
            params = _parameter_names(name, namespace)
            out[name] = [_describe_signature(sig, params) for sig in sigs if sig is not None]
        return out


def _parameter_names(function_name: str, namespace: dict | None) -> list[str]:
    for value in (namespace or {}).values():
        python_function = getattr(value, "python_function", None)
        if python_function is not None and getattr(python_function, "__name__", None) == function_name:
            try:
                return list(inspect.signature(python_function).parameters)
            except (TypeError, ValueError):
                return []
    return []


def _describe_signature(signature, params: list[str]) -> dict[str, str]:
    args, kwargs = signature
    leaves: dict[str, str] = {}
    for index, value in enumerate(args):
        _describe_leaf(params[index] if index < len(params) else f"#{index + 1}", value, leaves)
    for key, value in sorted(kwargs.items()):
        _describe_leaf(key, value, leaves)
    return leaves


def _describe_leaf(path: str, value, leaves: dict):
    if isinstance(value, (list, tuple)):
        for index, item in enumerate(value):
            _describe_leaf(f"{path}[{index}]", item, leaves)
    elif isinstance(value, dict):
        for key, item in value.items():
            _describe_leaf(f"{path}[{key!r}]", item, leaves)
    elif hasattr(value, "shape") and hasattr(value, "dtype"):  # a TensorSpec
        dtype = getattr(value.dtype, "name", str(value.dtype))
        leaves[path] = f"tensor {dtype}{tuple(value.shape.as_list()) if value.shape.rank is not None else '(?)'}"
    else:
        leaves[path] = f"python {type(value).__name__} {value!r}"[:60]


# -- explicit .numpy() calls ------------------------------------------------------------


class NumpyWatch:
    """Counts explicit ``.numpy()`` calls on eager tensors during a cell.

    NumPy reaches tensors through the buffer protocol, so this counts only
    what user code asks for by name (``Variable.numpy()`` included). The
    class attribute is replaced for the cell only and the identical original
    object is put back (through ``core.patch``); calls made by tfplotguard itself are not counted.
    """

    def __init__(self):
        self.calls = 0
        self.bytes = 0
        self.seconds = 0.0
        self.by_tensor: dict[int, tuple[weakref.ref, int]] = {}
        self.max_same = 0
        self.largest_host: dict | None = None  # the largest copy of a host tensor: {"bytes", "seconds", "device"}
        self._patches = Patches()

    def start(self) -> bool:
        """Wrap ``_EagerTensorBase.numpy``; False when TensorFlow is not imported."""
        ops = tf_submodule("tensorflow.python.framework.ops")
        owner = getattr(ops, "_EagerTensorBase", None)
        if owner is None or "numpy" not in vars(owner):
            return False
        self._patches.install(owner, "numpy", self._wrap)
        return True

    def _wrap(self, original, patch):
        watch = self

        def numpy(tensor):
            # Only the user's own calls count: TensorFlow and Keras call .numpy()
            # internally (e.g. gradient code under run_functions_eagerly), and so may
            # we. A library method that is itself a .numpy() (Variable.numpy) only
            # passes the user's call on, so that one counts.
            caller = sys._getframe(1)
            if (not patch.active or caller.f_globals.get("__name__", "").startswith(_NOT_USER_CODE)
                    and caller.f_code.co_name != "numpy"):
                return original(tensor)
            t0 = time.perf_counter()
            result = original(tensor)
            watch._record(tensor, result, time.perf_counter() - t0)
            return result

        numpy.__doc__ = original.__doc__
        numpy.__wrapped__ = original
        return numpy

    def stop(self):
        """Put the original method back, unless someone replaced ours meanwhile (see ``core.patch``)."""
        self._patches.restore()

    def _record(self, tensor, result, seconds):
        nbytes = int(getattr(result, "nbytes", 0))
        self.calls += 1
        self.bytes += nbytes
        self.seconds += seconds
        key = id(tensor)
        entry = self.by_tensor.get(key)
        # An id is reused once a temporary dies: count repeats only for the very same object.
        count = entry[1] + 1 if entry is not None and entry[0]() is tensor else 1
        try:
            self.by_tensor[key] = (weakref.ref(tensor), count)
        except TypeError:
            return
        self.max_same = max(self.max_same, count)
        if (self.largest_host is None or nbytes > self.largest_host["bytes"]) and is_host_device(tensor.device):
            self.largest_host = {"bytes": nbytes, "seconds": seconds, "device": short_device(tensor.device)}

    def summary(self) -> dict:
        """Counts for the report."""
        return {
            "calls": self.calls,
            "bytes": self.bytes,
            "seconds": self.seconds,
            "max_same_tensor": self.max_same,
            "largest_host": self.largest_host,
        }
