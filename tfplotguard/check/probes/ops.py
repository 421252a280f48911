"""What TensorFlow does during a cell: ``tf.function`` traces and eager ops (op callbacks), ``.numpy()`` calls."""

from __future__ import annotations

import functools
import inspect
import re
import sys
import threading
import time
import weakref
from typing import TYPE_CHECKING, Any

from ...core.convert import short_device
from ...core.patch import Patches
from ..inspect import tfstate
from ..inspect.tfstate import gpu_names, tf_submodule

if TYPE_CHECKING:
    from ..summaries import OpsByDevice, TfTimes, TraceOrigin, TraceSignature

_BACKWARD = re.compile(r"^__(backward|forward)_(.+)_\d+$")
_INFERENCE = re.compile(r"^__inference_(.+)_\d+$")
#: Callers whose .numpy() calls are not the user's: TensorFlow, Keras and tfplotguard itself.
NOT_USER_CODE = ("tensorflow.", "keras.", "tf_keras.", "tfplotguard.")
#: Module prefixes of the libraries whose own functions get traced: the owner a trace is filed under.
_LIBRARY_OWNERS = (("keras.", "keras"), ("tf_keras.", "keras"), ("tensorflow.", "tensorflow"),
                   ("tfplotguard.", "tfplotguard"))
#: Frames at most this far out are searched for the trace that owns a new FuncGraph.
_STACK_LIMIT = 200
#: TensorFlow's functions that hold the FuncGraph being built in a local named ``func_graph``.
_GRAPH_BUILDERS = ("_create_concrete_function", "func_graph_from_py_func")
#: Where TensorFlow calls back with each new ConcreteFunction (the end of a trace).
_TRANSFORM = "tensorflow.python.eager.polymorphic_function.transform"
_POLYMORPHIC = "tensorflow.python.eager.polymorphic_function.polymorphic_function"
_EAGER_RUN = "tensorflow.python.eager.polymorphic_function.eager_function_run"


def function_name(graph_name: str) -> str:
    """``__backward_f_81`` → ``f (backward)``; other FuncGraph names unchanged."""
    match = _BACKWARD.match(graph_name)
    return f"{match.group(2)} ({match.group(1)})" if match else graph_name


class OpProbe:
    """Counts ``tf.function`` traces (and, with ``ops=True``, eager ops per device) during a cell.

    TensorFlow calls op callbacks while it builds a ``FuncGraph``, with the
    graph as an argument: each new non-control-flow ``FuncGraph`` is one trace,
    named after the traced function. This counts every trace, also of
    ``tf.function`` objects created anew inside a loop. Op callbacks are
    thread-local: ops and traces of other Python threads are not seen.

    Also measured, cheaply enough for auto mode: how long each trace took
    (from the graph's first op to the ConcreteFunction TensorFlow made of it,
    ``transform.CONCRETE_FUNCTION_CALLBACKS``: within 1 ms of TensorFlow's own
    graph-building timer on TensorFlow 2.21), eager ops per op type, how many
    variables were created eagerly and how many of them were garbage again
    by the end (a layer or model built and thrown away), and, while
    ``tf.config.run_functions_eagerly(True)`` is on when the cell starts, the
    time the ``tf.function`` bodies ran as plain Python.
    """

    def __init__(self, ops: bool = False):
        self.count_ops = ops
        self.traces: dict[str, int] = {}
        self._graphs: list[list] = []  # [name, weakref to the FuncGraph, first op's time, trace seconds or None]
        self._by_graph: weakref.WeakKeyDictionary[Any, list[Any]] = weakref.WeakKeyDictionary()  # FuncGraph → entry
        self.eager_ops: dict[str, int] = {}  # op type → eager ops dispatched (main thread)
        self._handles: list[weakref.ref] = []  # eagerly created variables' handles
        self.eager_function_calls = 0
        self.eager_function_seconds = 0.0
        self._depth = 0
        self._patches = Patches()
        self._transform: list[Any] | None = None
        self._placement: Any = None  # (context module, GPU name) while tfstate.CONSTRUCTED_GPUS is set
        self._seen: weakref.WeakSet[Any] = weakref.WeakSet()
        # name → {"owner", "via", "objects", "variable_traces"}; see trace_origin()
        self._origins: dict[str, TraceOrigin] = {}
        self._functions: weakref.WeakSet[Any] = weakref.WeakSet()  # the tf.function objects seen tracing
        self._variable_graphs: list[tuple[weakref.ref, weakref.ref]] = []  # (graph, Function) of first traces
        self.ops: dict[tuple[str, str], int] = {}
        self.errors = 0
        self._module: Any = None
        self._thread: int | None = None

    def start(self) -> bool:
        """Register the op callback; False when TensorFlow is not imported.

        Ops are counted per device also without ``ops=True`` while TensorFlow
        sees a GPU: where they ran is then worth reading a device per op.
        """
        module = tf_submodule("tensorflow.python.framework.op_callbacks")
        if module is None:
            return False
        self.count_ops = self.count_ops or bool(gpu_names())
        if tfstate.CONSTRUCTED_GPUS:
            self._placement = (tf_submodule("tensorflow.python.eager.context"), tfstate.CONSTRUCTED_GPUS[0])
        module.add_op_callback(self._callback)
        self._module = module
        self._thread = threading.get_ident()
        transform = tf_submodule(_TRANSFORM)
        callbacks = getattr(transform, "CONCRETE_FUNCTION_CALLBACKS", None)
        if isinstance(callbacks, list):
            callbacks.append(self._traced)
            self._transform = callbacks
        self._watch_eager_functions()
        return True

    def _watch_eager_functions(self):
        """Time ``tf.function`` calls while they run eagerly (only if that switch is on now: no cost otherwise)."""
        flag = sys.modules.get(_EAGER_RUN)
        owner = getattr(sys.modules.get(_POLYMORPHIC), "Function", None)
        if not getattr(flag, "RUN_FUNCTIONS_EAGERLY", False) or not isinstance(owner, type):
            return
        watch = self

        def wrap(original, patch):
            @functools.wraps(original)
            def __call__(function, *args, **kwargs):
                if not patch.active or watch._depth or not flag.RUN_FUNCTIONS_EAGERLY:
                    return original(function, *args, **kwargs)
                watch._depth += 1
                t0 = time.perf_counter()
                try:
                    return original(function, *args, **kwargs)
                finally:
                    watch._depth -= 1
                    watch.eager_function_calls += 1
                    watch.eager_function_seconds += time.perf_counter() - t0

            return __call__

        self._patches.install(owner, "__call__", wrap)

    def stop(self):
        """Remove the op callback (tolerates a user who cleared all callbacks)."""
        self._patches.restore()
        callbacks, self._transform = self._transform, None
        if callbacks is not None and self._traced in callbacks:
            callbacks.remove(self._traced)
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
                    started = time.perf_counter()
                    self._seen.add(graph)
                    name = function_name(graph.name)
                    self.traces[name] = self.traces.get(name, 0) + 1
                    entry = [name, weakref.ref(graph), started, None]
                    self._graphs.append(entry)
                    self._by_graph[graph] = entry
                    self._record_origin(name, graph)
            else:
                if isinstance(op_type, bytes):  # some ops report their type as bytes
                    op_type = op_type.decode("utf-8", "replace")
                self.eager_ops[op_type] = self.eager_ops.get(op_type, 0) + 1
                if op_type == "VarHandleOp" and outputs:
                    self._handles.append(weakref.ref(outputs[0]))
                if not self.count_ops:
                    return None
                tensor = outputs[0] if outputs else (inputs[0] if inputs else None)
                device = short_device(getattr(tensor, "device", "") or "") if tensor is not None else "?"
                if self._placement is not None:
                    device = self._constructed_device(device)
                match = _INFERENCE.match(op_type)
                key = (device, f"{match.group(1)} (tf.function)" if match else op_type)
                self.ops[key] = self.ops.get(key, 0) + 1
        except Exception:  # an op callback must never break the user's op
            self.errors += 1
        return None

    def _constructed_device(self, device: str) -> str:
        """Where an op would run beside a constructed GPU: on it, unless a ``tf.device`` scope asked for a CPU.

        TensorFlow's default placement with a GPU present; here, with no GPU,
        soft placement ran every op on the CPU (tfstate.CONSTRUCTED_GPUS).
        """
        context, gpu = self._placement
        requested = context.context().device_name or ""
        return device if "CPU" in requested.upper() else gpu

    def _traced(self, concrete_function):
        """TensorFlow's callback for each new ConcreteFunction: the trace of its graph is over."""
        try:
            entry = self._by_graph.get(concrete_function.graph)
            if entry is not None and entry[3] is None:
                entry[3] = time.perf_counter() - entry[2]
        except Exception:  # never break the user's trace
            self.errors += 1

    def _record_origin(self, name: str, graph):
        origin = trace_origin(graph, sys._getframe(2))
        entry = self._origins.setdefault(name, {"owner": origin["owner"], "via": origin["via"], "objects": 0,
                                                "variable_traces": 0})
        if origin["owner"] == "user":  # one user-owned trace makes the name the user's
            entry["owner"] = "user"
        function = origin["function"]
        if function is not None:
            try:
                if function not in self._functions:
                    self._functions.add(function)
                    entry["objects"] += 1
                if origin["initializing"]:
                    self._variable_graphs.append((weakref.ref(graph), weakref.ref(function)))
            except TypeError:  # not weak-referenceable
                pass

    def _variable_trace(self, graph) -> bool:
        """True for the first trace of a ``tf.function`` whose first call created variables.

        TensorFlow traces such a function twice by design: once allowing
        variable creation, then again without it (``polymorphic_function``'s
        ``_initialize``, then ``_call``).
        """
        for graph_ref, function_ref in self._variable_graphs:
            if graph_ref() is graph:
                function = function_ref()
                return bool(function is not None and getattr(function, "_created_variables", None))
        return False

    def origins(self) -> dict[str, TraceOrigin]:
        """Whose function each traced name is: ``{name: {"owner", "via", "objects", "variable_traces"}}``.

        ``owner`` is ``"user"``, ``"keras"``, ``"tensorflow"`` (or ``"unknown"``)
        from the traced Python function's module; ``via`` is ``"tf.function"``
        or ``"tf.data"`` (a function given to ``Dataset.map`` and the like);
        ``objects`` counts distinct ``tf.function`` objects that traced it;
        ``variable_traces`` counts traces that were a function's first,
        variable-creating trace (TensorFlow traces those functions again).
        """
        out = {name: entry.copy() for name, entry in self._origins.items()}
        for name, ref, _, _ in self._graphs:
            graph = ref()
            if graph is not None and name in out and self._variable_trace(graph):
                out[name]["variable_traces"] += 1
        return out

    def times(self) -> TfTimes:
        """What was timed and counted beside the traces, for ``Report.tf_times``.

        ``trace_seconds``: ``{name: [seconds of each trace, in order]}`` (a
        variable-creating first trace left out, as in :meth:`signatures`; a
        trace nested in another is inside that one's time too);
        ``eager_ops``: ``{op type: count}``; ``variables_created`` /
        ``variables_discarded``: variables created eagerly, and how many of them
        were garbage by the end; ``eager_function_calls`` / ``…_seconds``:
        outermost ``tf.function`` calls run eagerly and their time (only
        measured when the switch was on as the cell started).
        """
        seconds: dict[str, list[float]] = {}
        for name, ref, _, took in self._graphs:
            graph = ref()
            if took is None or (graph is not None and self._variable_trace(graph)):
                continue
            seconds.setdefault(name, []).append(took)
        return {"trace_seconds": seconds, "eager_ops": dict(self.eager_ops),
                "variables_created": len(self._handles),
                "variables_discarded": sum(1 for ref in self._handles if ref() is None),
                "eager_function_calls": self.eager_function_calls,
                "eager_function_seconds": self.eager_function_seconds}

    def ops_by_device(self) -> OpsByDevice:
        """``{device: {op type: count}}``."""
        out: dict[str, dict[str, int]] = {}
        for (device, op), count in self.ops.items():
            out.setdefault(device, {})[op] = count
        return out

    def signatures(self, namespace: dict | None = None, per_function: int = 6) -> dict[str, list[TraceSignature]]:
        """Input signatures of the functions traced more than once: ``{name: [{argument: description}]}``.

        Arguments are named from the tensor specs (TensorFlow names them after
        the parameter) or from a ``tf.function`` of that name in ``namespace``.
        """
        by_name: dict[str, list] = {}
        for name, ref, _, _ in self._graphs:
            if self.traces.get(name, 0) > 1 and " (" not in name:
                graph = ref()
                # A variable-creating first trace has the same signature as the retrace it causes.
                if graph is None or self._variable_trace(graph):
                    continue
                if len(by_name.setdefault(name, [])) < per_function:
                    by_name[name].append(getattr(graph, "structured_input_signature", None))
        out = {}
        for name, sigs in by_name.items():
            params = _parameter_names(name, namespace)
            out[name] = [_describe_signature(sig, params) for sig in sigs if sig is not None]
        return out


def trace_origin(graph, frame) -> dict:
    """Who traced ``graph``, from the stack at its first op: ``{"owner", "via", "function", "initializing"}``.

    Walks out from ``frame`` to the TensorFlow frame that builds this graph
    (it holds the graph in a local named ``func_graph``) and reads the traced
    Python function there; the frames further out tell the ``tf.function``
    object and whether this is its first, variable-creating trace, and
    whether tf.data's function wrapper asked for the trace (then the function
    given to ``Dataset.map`` & co. decides the owner).
    """
    python_function = None
    function = None
    initializing = False
    via = "tf.function"
    found = False
    depth = 0
    while frame is not None and depth < _STACK_LIMIT:
        code = frame.f_code
        # f_locals builds a dict: read it only in the few TensorFlow frames that matter.
        if code.co_name in _GRAPH_BUILDERS and frame.f_locals.get("func_graph") is graph:
            if not found:
                found = True
                local = frame.f_locals
                options = local.get("tracing_options")
                python_function = (getattr(options, "python_function", None) if options is not None
                                   else local.get("python_func"))
        elif not found:
            pass  # frames of the traced function's body
        elif code.co_name in _GRAPH_BUILDERS:
            break  # the trace that encloses this one
        elif code.co_filename.endswith("polymorphic_function.py"):
            local = frame.f_locals
            if function is None and "self" in local:
                function = local["self"]
            initializing = initializing or code.co_name == "_initialize"
        elif code.co_filename.endswith("structured_function.py") and callable(frame.f_locals.get("func")):
            via = "tf.data"
            python_function = frame.f_locals["func"]
            break
        frame = frame.f_back
        depth += 1
    return {"owner": owner_of(python_function) if python_function is not None else "unknown", "via": via,
            "function": function, "initializing": initializing}


def owner_of(function) -> str:
    """``"keras"``, ``"tensorflow"``, ``"tfplotguard"`` or ``"user"``: the library that defined ``function``."""
    for _ in range(20):  # tf.function, autograph, functools and bound-method wrappers, outermost first
        if inspect.ismethod(function):
            function = function.__func__
            continue
        inner = getattr(function, "__wrapped__", None) or getattr(function, "python_function", None)
        if inner is None and isinstance(function, functools.partial):
            inner = function.func
        if inner is None or inner is function:
            break
        function = inner
    module = getattr(function, "__module__", None) or ""
    for prefix, owner in _LIBRARY_OWNERS:
        if module.startswith(prefix):
            return owner
    return "user"


def _parameter_names(function_name: str, namespace: dict | None) -> list[str]:
    for value in (namespace or {}).values():
        python_function = getattr(value, "python_function", None)
        if python_function is not None and getattr(python_function, "__name__", None) == function_name:
            try:
                return list(inspect.signature(python_function).parameters)
            except (TypeError, ValueError):
                return []
    return []


def _describe_signature(signature, params: list[str]) -> TraceSignature:
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


