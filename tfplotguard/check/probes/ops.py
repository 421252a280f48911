"""What TensorFlow does during a cell: ``tf.function`` traces (``FuncGraph``s made), eager ops (an op callback)."""

from __future__ import annotations

import functools
import inspect
import re
import sys
import threading
import time
import weakref
from collections import Counter
from typing import TYPE_CHECKING, Any

from ...core.convert import short_device
from ...core.patch import Patches
from ..inspect import tfstate
from ..inspect.tfstate import gpu_names, tf_submodule
from .dataflow import Products, graph_waste
from .keras import creates_variable

if TYPE_CHECKING:
    from ..summaries import FunctionCalls, GraphOps, OpsByDevice, TfTimes, TraceOrigin, TraceSignature

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
#: TensorFlow's functions that make the FuncGraph of a trace (``tracing_options`` or ``python_func`` in their locals).
_GRAPH_CREATORS = ("_maybe_define_function", "func_graph_from_py_func")
#: Where TensorFlow calls back with each new ConcreteFunction (the end of a trace).
_TRANSFORM = "tensorflow.python.eager.polymorphic_function.transform"
_POLYMORPHIC = "tensorflow.python.eager.polymorphic_function.polymorphic_function"
_EAGER_RUN = "tensorflow.python.eager.polymorphic_function.eager_function_run"
_FUNC_GRAPH = "tensorflow.python.framework.func_graph"
_VARIABLES = "tensorflow.python.ops.resource_variable_ops"
_CONTEXT = "tensorflow.python.eager.context"
#: Eager ops counted per cell (unless every op is asked for): past this the op callback takes itself out.
EAGER_OPS_COUNTED = 2000
#: tf.function names whose calls are counted per cell, and distinct batch sizes kept per name.
FUNCTIONS_COUNTED = 32
BATCH_SIZES_KEPT = 8
#: Distinct whole shapes of a function's first shaped argument counted per name (XLA compiles per shape).
SHAPES_KEPT = 64


def function_name(graph_name: str) -> str:
    """``__backward_f_81`` → ``f (backward)``; other FuncGraph names unchanged."""
    match = _BACKWARD.match(graph_name)
    return f"{match.group(2)} ({match.group(1)})" if match else graph_name


#: A trace at least this long gets its graph's ops counted (:meth:`OpProbe.times`); faster ones are not read.
SLOW_TRACE_S = 0.2
#: Traces per function whose input signature is described when the trace ends.
SIGNATURES_KEPT = 6
#: Op types that carry no work of their own, left out of a graph's commonest ops.
_PLUMBING = frozenset(("Const", "Identity", "NoOp", "Placeholder", "ReadVariableOp", "StopGradient"))


def _const_bytes(op) -> int:
    """The bytes of a ``Const`` op's value, from its static shape and dtype (0 where not known)."""
    try:
        out = op.outputs[0]
        n = out.shape.num_elements()
        return int(n * out.dtype.size) if n is not None else 0
    except Exception:  # a string or variant constant, or no static shape: not counted
        return 0


def _graph_ops(graph) -> GraphOps | None:
    """How many ops a traced graph holds, its commonest working op types and its largest constant, or None
    (the graph is gone)."""
    if graph is None:
        return None
    try:
        operations = graph.get_operations()
        types = Counter(op.type for op in operations)
        largest = max((_const_bytes(op) for op in operations if op.type == "Const"), default=0)
    except Exception:  # a graph TensorFlow has torn down: not counted
        return None
    most = [[kind, n] for kind, n in types.most_common() if kind not in _PLUMBING][:3]
    return {"ops": sum(types.values()), "most": most, "const_bytes": largest}


#: Keras's saving code builds throwaway objects (an optimizer per save, to list the attributes it skips):
#: their variables are Keras's own bookkeeping, not the user's models or layers built again.
_SAVING = ("/keras/src/saving/", "\\keras\\src\\saving\\")
#: Frames looked at, from a variable's constructor outwards, for Keras's saving code.
_SAVING_DEPTH = 40


def _made_while_saving(frame) -> bool:
    """True when a variable is being made inside Keras's saving code (a checkpoint, ``save_weights``)."""
    for _ in range(_SAVING_DEPTH):
        if frame is None:
            return False
        if any(part in frame.f_code.co_filename for part in _SAVING):
            return True
        frame = frame.f_back
    return False


class OpProbe:
    """Counts ``tf.function`` traces, eager ops and variables created during a cell.

    Traces: every ``FuncGraph`` made in the probe's thread (``FuncGraph.__init__``
    is wrapped for the cell), but the branches and bodies of ``tf.cond`` and
    ``tf.while_loop`` (``ControlFlowFuncGraph``), is one trace, named after the
    traced function. This counts every trace, also of ``tf.function`` objects
    created anew inside a loop, of Keras's and tf.data's functions, and the
    ``__backward_…`` graphs a gradient builds. Who traced it is read from the
    stack as the graph is made (:func:`trace_origin`).

    Eager ops: an op callback (TensorFlow's ``op_callbacks``, thread-local: ops
    of other Python threads are not seen) counts them per op type, but only the
    first :data:`EAGER_OPS_COUNTED` of a cell: a registered callback costs every
    eager op about a microsecond in TensorFlow's C++ dispatch alone, ~10 % of a
    small op's, so past that it takes itself out (``eager_ops_capped``), and
    the mean time between the counted ops is kept (``eager_op_interval_s``).
    With ``ops=True`` (``--ops``), or while TensorFlow sees a GPU, every eager
    op is counted, per device too.

    Also measured, cheaply enough for auto mode: how long each trace took
    (from the ``FuncGraph`` made to the ConcreteFunction TensorFlow made of it,
    ``transform.CONCRETE_FUNCTION_CALLBACKS``), how many variables were
    created eagerly in the probe's thread (``BaseResourceVariable.__init__``
    wrapped, a handle that is an EagerTensor: what an eager ``VarHandleOp``
    made) and how many of them were garbage again by the end (a layer or model
    built and thrown away; not the ``_UnreadVariable`` every assign returns), the
    outermost ``tf.function`` calls of the probe's thread per function with the
    batch size each was given (``Function.__call__`` wrapped: about a microsecond
    a call, where the call itself costs tens), and, while
    ``tf.config.run_functions_eagerly(True)`` is on when the cell starts, the time
    the ``tf.function`` bodies ran as plain Python.
    """

    def __init__(self, ops: bool = False, cell_filename: str | None = None):
        self.count_ops = ops
        #: Matrix products whose work the next op threw away (:mod:`.dataflow`), among the counted eager ops.
        self.products = Products(cell_filename)
        self.traces: dict[str, int] = {}
        # [name, weakref to the FuncGraph, time it was made, trace seconds or None, seconds of the counted call
        # that made it or None]
        self._graphs: list[list] = []
        self._by_graph: weakref.WeakKeyDictionary[Any, list[Any]] = weakref.WeakKeyDictionary()  # FuncGraph → entry
        #: id of a ``_graphs`` entry → its input signature described when its trace ended (arguments by
        #: position), None for a variable-creating trace: what :meth:`signatures` reads once the graph is
        #: gone (a tf.function object made per call is freed by the collector, whenever it runs).
        self._described: dict[int, TraceSignature | None] = {}
        self.eager_ops: dict[str, int] = {}  # op type → eager ops dispatched (main thread)
        self._handles: list[weakref.ref] = []  # eagerly created variables' handles
        self.eager_function_calls = 0
        self.eager_function_seconds = 0.0
        self.cache_clears = 0  # eager global seeds set on the probe's thread (each clears the kernel cache)
        self._depth = 0
        self._call_depth = 0  # the probe's thread inside a counted tf.function call
        self._calls: dict[str, FunctionCalls] = {}  # tf.function name → its outermost calls
        self._shapes: dict[str, set] = {}  # tf.function name → the whole shapes its calls brought
        self._patches = Patches()
        self._transform: list[Any] | None = None
        self._placement: Any = None  # (context module, GPU name) while tfstate.CONSTRUCTED_GPUS is set
        # name → {"owner", "via", "objects", "variable_traces"}; see trace_origin()
        self._origins: dict[str, TraceOrigin] = {}
        self._functions: weakref.WeakSet[Any] = weakref.WeakSet()  # the tf.function objects seen tracing
        self._variable_graphs: list[tuple[weakref.ref, weakref.ref]] = []  # (graph, Function) of first traces
        self.ops: dict[tuple[str, str], int] = {}
        self.errors = 0
        self._module: Any = None
        self._thread: int | None = None
        self._registered: Any = None  # the bound callback while it is in TensorFlow's list (removed by identity)
        self._eager_counted = 0
        self._cap_at = EAGER_OPS_COUNTED  # the count at which the callback next tries to take itself out
        self._eager_first = self._eager_last = 0.0
        self.eager_ops_capped = False
        self._control_flow: dict[type, bool] = {}  # FuncGraph subclass → is a control-flow graph

    def start(self) -> bool:
        """Wrap ``FuncGraph.__init__`` and the variables' constructor, register the op callback; False when
        TensorFlow is not imported.

        Ops are counted per device also without ``ops=True`` while TensorFlow
        sees a GPU: where they ran is then worth reading a device per op.
        """
        module = tf_submodule("tensorflow.python.framework.op_callbacks")
        func_graph = getattr(tf_submodule(_FUNC_GRAPH), "FuncGraph", None)
        if module is None or not isinstance(func_graph, type):
            return False
        self.count_ops = self.count_ops or bool(gpu_names())
        if tfstate.CONSTRUCTED_GPUS:
            self._placement = (tf_submodule("tensorflow.python.eager.context"), tfstate.CONSTRUCTED_GPUS[0])
        self._thread = threading.get_ident()
        try:
            self._patches.install(func_graph, "__init__", self._wrap_graph_init)
            variables = getattr(sys.modules.get(_VARIABLES), "BaseResourceVariable", None)
            if isinstance(variables, type):
                self._patches.install(variables, "__init__", self._wrap_variable_init)
            self._module = module
            self._registered = self._callback
            module.add_op_callback(self._registered)
            transform = tf_submodule(_TRANSFORM)
            callbacks = getattr(transform, "CONCRETE_FUNCTION_CALLBACKS", None)
            if isinstance(callbacks, list):
                callbacks.append(self._traced)
                self._transform = callbacks
            self._watch_function_calls()
            self._watch_seed_resets()
        except BaseException:  # nothing left behind: the caller registers stop() only after a start() that returned
            self.stop()
            raise
        return True

    def _wrap_graph_init(self, original, patch):
        watch = self

        @functools.wraps(original)
        def __init__(graph, *args, **kwargs):
            original(graph, *args, **kwargs)
            if patch.active and threading.get_ident() == watch._thread:
                watch._new_graph(graph, sys._getframe(1))

        return __init__

    def _wrap_variable_init(self, original, patch):
        watch = self

        @functools.wraps(original)
        def __init__(variable, *args, **kwargs):
            original(variable, *args, **kwargs)
            if (patch.active and threading.get_ident() == watch._thread and creates_variable(variable)
                    and not _made_while_saving(sys._getframe(1))):
                handle = getattr(variable, "_handle", None)
                if type(handle).__name__ == "EagerTensor":  # its VarHandleOp ran eagerly
                    try:
                        watch._handles.append(weakref.ref(handle))
                    except TypeError:
                        pass

        return __init__

    def _watch_seed_resets(self):
        """Count ``Context._set_global_seed`` calls of the probe's thread (``tf.random.set_seed`` in eager mode,
        ``keras.utils.set_random_seed``): each also clears TensorFlow's kernel cache."""
        owner = getattr(sys.modules.get(_CONTEXT), "Context", None)
        if not isinstance(owner, type) or not hasattr(owner, "_set_global_seed"):
            return
        watch = self

        def wrap(original, patch):
            @functools.wraps(original)
            def _set_global_seed(context, *args, **kwargs):
                if patch.active and threading.get_ident() == watch._thread:
                    watch.cache_clears += 1
                return original(context, *args, **kwargs)

            return _set_global_seed

        self._patches.install(owner, "_set_global_seed", wrap)

    def _watch_function_calls(self):
        """Count the outermost ``tf.function`` calls of the probe's thread per function, with the batch
        size each was given (:meth:`_count_call`); time them while they run eagerly (only if that
        switch is on now)."""
        flag = sys.modules.get(_EAGER_RUN)
        owner = getattr(sys.modules.get(_POLYMORPHIC), "Function", None)
        if not isinstance(owner, type):
            return
        timing = bool(getattr(flag, "RUN_FUNCTIONS_EAGERLY", False))
        watch = self

        def wrap(original, patch):
            def run(function, args, kwargs):
                if not timing or watch._depth or not flag.RUN_FUNCTIONS_EAGERLY:
                    return original(function, *args, **kwargs)
                watch._depth += 1
                t0 = time.perf_counter()
                try:
                    return original(function, *args, **kwargs)
                finally:
                    watch._depth -= 1
                    watch.eager_function_calls += 1
                    watch.eager_function_seconds += time.perf_counter() - t0

            @functools.wraps(original)
            def __call__(function, *args, **kwargs):
                if not patch.active:
                    return original(function, *args, **kwargs)
                if watch._call_depth or threading.get_ident() != watch._thread:
                    return run(function, args, kwargs)
                counted = watch._count_call(function, args)
                watch._call_depth = 1  # only the probe's thread gets here
                graphs = len(watch._graphs)
                t0 = time.perf_counter()
                try:
                    return run(function, args, kwargs)
                finally:
                    watch._call_depth = 0
                    if counted is not None:
                        watch._timed_call(counted, graphs, time.perf_counter() - t0)

            return __call__

        self._patches.install(owner, "__call__", wrap)

    def _count_call(self, function, args: tuple) -> tuple[str, FunctionCalls, bool] | None:
        """One outermost call of ``function``: counted, with the first dimension of its first argument
        that has a shape (a tensor or an array; in a tuple or list argument, its first item's) and
        whether that whole shape is new in the cell. Returns ``(name, its entry, new shape)`` for
        :meth:`_timed_call`, None past :data:`FUNCTIONS_COUNTED`."""
        try:
            name = str(getattr(function, "_name", None) or getattr(function, "__name__", "?"))
            entry = self._calls.get(name)
            if entry is None:
                if len(self._calls) >= FUNCTIONS_COUNTED:
                    return None
                entry = self._calls[name] = {"calls": 0, "batch_sizes": {}, "owner": owner_of(function),
                                             "seconds": 0.0, "tracing_calls": 0, "tracing_seconds": 0.0,
                                             "jit_compile": getattr(function, "_jit_compile", None) is True,
                                             "shapes": 0, "new_shape_seconds": 0.0}
                self._shapes[name] = set()
            entry["calls"] += 1
            new_shape = False
            for arg in args:
                if isinstance(arg, (tuple, list)) and arg:
                    arg = arg[0]
                # An EagerTensor's shape as a tuple, without building a TensorShape.
                as_tuple = getattr(arg, "_shape_tuple", None)
                shape = as_tuple() if as_tuple is not None else getattr(arg, "shape", None)
                if shape is None:
                    continue
                try:
                    first = shape[0] if len(shape) else None
                except (TypeError, ValueError):  # a shape of unknown rank
                    first = None
                seen = self._shapes[name]
                whole = tuple(shape) if isinstance(shape, tuple) else str(shape)
                if whole not in seen and len(seen) < SHAPES_KEPT:
                    seen.add(whole)
                    entry["shapes"] = len(seen)
                    new_shape = True
                if isinstance(first, int):
                    sizes = entry["batch_sizes"]
                    key = str(first)
                    if key in sizes or len(sizes) < BATCH_SIZES_KEPT:
                        sizes[key] = sizes.get(key, 0) + 1
                break
            return name, entry, new_shape
        except Exception:  # never break the user's call
            self.errors += 1
            return None

    def _timed_call(self, counted: tuple[str, FunctionCalls, bool], graphs: int, seconds: float) -> None:
        """A counted call took ``seconds``; ``graphs`` were made before it. A call that traced its
        function lends its time to the last graph of that name it made: the trace, and the new
        graph's first run (its instantiation and optimisation happen then, after the trace)."""
        name, entry, new_shape = counted
        entry["seconds"] += seconds
        if new_shape:
            entry["new_shape_seconds"] = entry.get("new_shape_seconds", 0.0) + seconds
        made = [graph for graph in self._graphs[graphs:] if graph[0] == name]
        if made:
            made[-1][4] = seconds
            entry["tracing_calls"] += 1
            entry["tracing_seconds"] += seconds

    def stop(self):
        """Remove the op callback (tolerates a user who cleared all callbacks) and the wrappers."""
        self._patches.restore()
        callbacks, self._transform = self._transform, None
        if callbacks is not None and self._traced in callbacks:
            callbacks.remove(self._traced)
        module, self._module = self._module, None
        if module is None:
            return
        if threading.get_ident() != self._thread:  # callbacks are thread-local: only the owner can remove
            return
        self._unregister(module)

    def _unregister(self, module) -> None:
        registered, self._registered = self._registered, None
        if registered is None:
            return
        try:
            module.remove_op_callback(registered)
        except (KeyError, ValueError):
            pass

    def _new_graph(self, graph, creator) -> None:
        """A ``FuncGraph`` was made in the probe's thread: one trace, unless it is a control-flow graph."""
        try:
            kind = type(graph)
            control_flow = self._control_flow.get(kind)
            if control_flow is None:
                control_flow = self._control_flow[kind] = any(
                    klass.__name__ == "ControlFlowFuncGraph" for klass in kind.__mro__)
            if control_flow:
                return
            started = time.perf_counter()
            name = function_name(graph.name)
            self.traces[name] = self.traces.get(name, 0) + 1
            entry = [name, weakref.ref(graph), started, None, None]
            self._graphs.append(entry)
            self._by_graph[graph] = entry
            self._record_origin(name, graph, creator)
        except Exception:  # never break the user's trace
            self.errors += 1

    def _callback(self, op_type, inputs, attrs, outputs, op_name=None, graph=None):
        if graph is not None:  # an op added to a graph: traces are counted as their graphs are made
            return None
        try:  # lean: this runs for every eager op until the cap
            if op_type.__class__ is bytes:  # some ops report their type as bytes
                op_type = op_type.decode("utf-8", "replace")
            eager = self.eager_ops
            eager[op_type] = eager.get(op_type, 0) + 1
            self.products.see(op_type, inputs, attrs, outputs)
            counted = self._eager_counted = self._eager_counted + 1
            if counted == 1:
                self._eager_first = time.perf_counter()
            if not self.count_ops:
                if counted == self._cap_at:
                    self._cap()
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

    def _cap(self) -> None:
        """Enough eager ops counted: take the callback out, so the rest of the cell's ops pay nothing.

        Only when it is the last callback in TensorFlow's list: TensorFlow is
        iterating over that list right now, and taking out one before others
        would make it skip the next one for this op (one behind ours is the
        user's, added during the cell; the callback then stays, counting).
        """
        module, registered = self._module, self._registered
        if module is None or registered is None or threading.get_ident() != self._thread:
            return
        context = tf_submodule("tensorflow.python.eager.context")
        callbacks = context.context().op_callbacks if context is not None else None
        if not callbacks or callbacks[-1] is not registered:
            self._cap_at += EAGER_OPS_COUNTED  # try again later: the one behind ours may be gone by then
            return
        self._eager_last = time.perf_counter()
        self.eager_ops_capped = True
        self._unregister(module)

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
            graph = concrete_function.graph
            entry = self._by_graph.get(graph)
            if entry is not None and entry[3] is None:
                entry[3] = time.perf_counter() - entry[2]
                if self.traces.get(entry[0], 0) <= SIGNATURES_KEPT and " (" not in entry[0]:
                    signature = getattr(graph, "structured_input_signature", None)
                    self._described[id(entry)] = (None if signature is None or self._variable_trace(graph)
                                                  else _describe_signature(signature, []))
        except Exception:  # never break the user's trace
            self.errors += 1

    def _record_origin(self, name: str, graph, creator):
        origin = trace_origin(graph, creator, created=True)
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
        for name, ref, *_ in self._graphs:
            graph = ref()
            if graph is not None and name in out and self._variable_trace(graph):
                out[name]["variable_traces"] += 1
        return out

    def times(self) -> TfTimes:
        """What was timed and counted beside the traces, for ``Report.tf_times``.

        ``trace_seconds``: ``{name: [seconds of each trace, in order]}`` (a
        variable-creating first trace left out, as in :meth:`signatures`; a
        trace nested in another is inside that one's time too);
        ``trace_call_seconds``: the same traces' counted calls, whole (the trace and
        the new graph's first run; None for a trace no counted call made);
        ``trace_graph_ops``: for each trace that took at least :data:`SLOW_TRACE_S` (alone, or with
        its graph's first run), the ops of its graph (``{"ops", "most", "const_bytes"}``: how many, the
        commonest types with their counts, and the bytes of its largest constant; None for a faster
        trace or a graph already gone);
        ``eager_ops``: ``{op type: count}`` (the first :data:`EAGER_OPS_COUNTED`
        only, then ``eager_ops_capped`` is True); ``eager_op_interval_s``: once
        capped, the mean time from one counted eager op to the next (else
        None); ``wasted_products``: matrix products among the counted eager ops whose work the next op
        threw away (:class:`~.dataflow.Products`), and in the graphs traced during the cell
        (:func:`~.dataflow.graph_waste`, times the function's counted calls; line None);
        ``function_calls``: ``{name: {"calls", "batch_sizes", "owner", "seconds",
        "tracing_calls", "tracing_seconds"}}``, the outermost ``tf.function`` calls of the probe's
        thread, how many were given each first dimension (``{"1": 2048}``: 2,048 calls on one
        example each), ``owner`` as in :meth:`origins`, their time, and the calls that traced;
        ``variables_created`` /
        ``variables_discarded``: variables created eagerly, and how many of them
        were garbage by the end; ``eager_function_calls`` / ``…_seconds``:
        outermost ``tf.function`` calls run eagerly and their time (only
        measured when the switch was on as the cell started); ``cache_clears``: global seeds set
        eagerly (``tf.random.set_seed``), each of which clears TensorFlow's kernel cache.
        """
        seconds: dict[str, list[float]] = {}
        calls: dict[str, list[float | None]] = {}
        graph_ops: dict[str, list[GraphOps | None]] = {}
        wasted = self.products.found()
        for name, ref, _, took, call in self._graphs:
            graph = ref()
            if took is None or (graph is not None and self._variable_trace(graph)):
                continue
            seconds.setdefault(name, []).append(took)
            calls.setdefault(name, []).append(call)
            slow = took >= SLOW_TRACE_S or (call or 0.0) >= SLOW_TRACE_S  # the trace, or with its first run
            graph_ops.setdefault(name, []).append(_graph_ops(graph) if slow else None)
            entry = self._calls.get(name)
            runs = entry["calls"] if entry and entry["calls"] else 1
            for kind, what, done, needed in graph_waste(graph) if graph is not None else ():
                wasted.append({"kind": kind, "line": None, "what": f"{what}, in {name}", "count": runs,
                               "macs": done * runs, "needed_macs": needed * runs})
        wasted.sort(key=lambda row: row["needed_macs"] - row["macs"])
        counted = self._eager_counted
        interval = (self._eager_last - self._eager_first) / (counted - 1) if self.eager_ops_capped else None
        return {"trace_seconds": seconds, "trace_call_seconds": calls, "trace_graph_ops": graph_ops,
                "eager_ops": dict(self.eager_ops),
                "eager_ops_capped": self.eager_ops_capped, "eager_op_interval_s": interval,
                "wasted_products": wasted,
                "variables_created": len(self._handles),
                "variables_discarded": sum(1 for ref in self._handles if ref() is None),
                "eager_function_calls": self.eager_function_calls,
                "eager_function_seconds": self.eager_function_seconds,
                "cache_clears": self.cache_clears,
                "function_calls": {name: {**entry, "batch_sizes": dict(entry["batch_sizes"])}
                                   for name, entry in self._calls.items()}}

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
        for entry in self._graphs:
            name, ref = entry[0], entry[1]
            if self.traces.get(name, 0) > 1 and " (" not in name:
                graph = ref()
                if graph is None:  # freed: the description made when its trace ended, if any
                    described = self._described.get(id(entry))
                    if described is not None and len(by_name.setdefault(name, [])) < per_function:
                        by_name[name].append(described)
                    continue
                # A variable-creating first trace has the same signature as the retrace it causes.
                if self._variable_trace(graph):
                    continue
                if len(by_name.setdefault(name, [])) < per_function:
                    by_name[name].append(getattr(graph, "structured_input_signature", None))
        out = {}
        for name, sigs in by_name.items():
            params = _parameter_names(name, namespace)
            out[name] = [_named(sig, params) if isinstance(sig, dict) else _describe_signature(sig, params)
                         for sig in sigs if sig is not None]
        return out


def trace_origin(graph, frame, created: bool = False) -> dict:
    """Who traced ``graph``, from the stack at one of its ops: ``{"owner", "via", "function", "initializing"}``.

    Walks out from ``frame`` to the TensorFlow frame that builds this graph
    (it holds the graph in a local named ``func_graph``; with ``created``,
    ``frame`` is the one that has just made the graph, and only one of
    :data:`_GRAPH_CREATORS` is a trace's) and reads the traced
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
        if created and depth == 0:
            if code.co_name not in _GRAPH_CREATORS:
                break  # made by other code (a gradient's graph, Keras's scratch graph): not a traced function
            found = True
            local = frame.f_locals
            options = local.get("tracing_options")
            python_function = (getattr(options, "python_function", None) if options is not None
                               else local.get("python_func"))
        elif code.co_name in _GRAPH_BUILDERS and frame.f_locals.get("func_graph") is graph:
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


def _named(described: TraceSignature, params: list[str]) -> TraceSignature:
    """A signature described by position (``#1``, ``#2[0]``) with the parameters' names put in where known."""
    out: TraceSignature = {}
    for path, text in described.items():
        head, bracket, rest = path.partition("[")
        if head.startswith("#") and head[1:].isdigit() and int(head[1:]) <= len(params):
            path = params[int(head[1:]) - 1] + bracket + rest
        out[path] = text
    return out


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


