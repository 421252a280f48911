"""Global switches of TensorFlow and Keras that an earlier cell can leave on and that slow later cells.

``tf.config.run_functions_eagerly(True)`` is the best known one; the others are
debugging aids (``tf.debugging.enable_check_numerics()``, tf.data's debug
mode, a profiler left running), settings that trade speed for something else
(op determinism, a mixed-precision policy on a CPU, float64 as Keras's
``floatx``) and thread settings that TensorFlow fixes at its first op. Which of
them really slow a cell, and by how much, is measured by
``python -m benchmarks.global_switches`` (``benchmarks/RESULTS_global_switches.md``).

Every switch is read here **without changing anything**: most of them have a
setter only, so the reader looks at the field the setter writes (TensorFlow's
eager context, a module global, a thread-local), never calls a getter that
would create state (Keras's ``dtype_policy()`` stores the default policy when
none is set) or initialise TensorFlow's runtime. Nothing is imported: a
module that is not in ``sys.modules`` has nothing switched on. Each read is
guarded, so an attribute that a later TensorFlow renames makes that switch
unreadable, never the panel fail. All reads together take microseconds: auto
mode reads them after every cell.

Some switches are per thread (check-numerics, dumping, the eager executor's
mode, Keras's dtype policy): they are read in the calling thread, which for
``%tfcheck`` and ``%%tfcheck`` is the thread that runs the cells.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from dataclasses import dataclass

__all__ = ["Switch", "SWITCHES", "read", "switch"]


@dataclass(frozen=True)
class Switch:
    """One global switch: how it is set, what it slows, how to switch it off, and its reader.

    ``read()`` returns None when the switch is at its default (or cannot be
    read), else a short text of its value (``"on"``, ``"mixed_float16"``).
    ``off`` is the fix, with ``{value}`` standing for that text.
    """

    id: str
    label: str
    slows: str
    off: str
    read: Callable[[], str | None]

    def fix(self, value: str) -> str:
        """How to switch it off, for the value read."""
        return self.off.replace("{value}", value).replace("{defaults}", _defaults_of(value))


def _module(name: str):
    return sys.modules.get(name)


def _context():
    """TensorFlow's eager context object if it exists (never creates it)."""
    return getattr(_module("tensorflow.python.eager.context"), "_context", None)


def _run_functions_eagerly() -> str | None:
    module = _module("tensorflow.python.eager.polymorphic_function.eager_function_run")
    return "on" if getattr(module, "RUN_FUNCTIONS_EAGERLY", False) is True else None


def _data_debug_mode() -> str | None:
    return "on" if getattr(_module("tensorflow.python.data.ops.debug_mode"), "DEBUG_MODE", False) is True else None


def _thread_local_attr(module_name: str, attr: str):
    state = getattr(_module(module_name), "_state", None)
    return getattr(state, attr, None) if state is not None else None


def _check_numerics() -> str | None:
    found = _thread_local_attr("tensorflow.python.debug.lib.check_numerics_callback", "check_numerics_callback")
    return "on" if found is not None else None


def _dump_debug_info() -> str | None:
    callback = _thread_local_attr("tensorflow.python.debug.lib.dumping_callback", "dumping_callback")
    if callback is None:
        return None
    root = getattr(callback, "dump_root", None)
    return f"on, to {root}" if isinstance(root, str) else "on"


def _op_determinism() -> str | None:
    config = _module("tensorflow.python.framework.config")
    enabled = getattr(config, "is_op_determinism_enabled", None)
    return "on" if enabled is not None and enabled() is True else None


def _log_device_placement() -> str | None:
    return "on" if getattr(_context(), "_log_device_placement", None) is True else None


def _jit() -> str | None:
    return "autoclustering" if getattr(_context(), "_optimizer_jit", None) is True else None


#: Grappler's options that are off by default (the others are on; TensorFlow 2.21's set_experimental_options).
_DEFAULT_OFF = ("disable_model_pruning", "disable_meta_optimizer", "auto_mixed_precision",
                "auto_mixed_precision_onednn_bfloat16", "auto_mixed_precision_mkl", "scoped_allocator_optimization",
                "pin_to_host_optimization", "auto_parallel")


def _defaults_of(value: str) -> str:
    """``"a=True, b=False"`` → ``"{'a': False, 'b': True}"``: the options read, each at its default."""
    names = [part.split("=", 1)[0].strip() for part in value.split(",") if "=" in part]
    return "{" + ", ".join(f"'{name}': {name not in _DEFAULT_OFF}" for name in names) + "}"


def _optimizer_options() -> str | None:
    options = getattr(_context(), "_optimizer_experimental_options", None)
    if not isinstance(options, dict):
        return None
    changed = {k: v for k, v in options.items()
               if k != "min_graph_nodes" and isinstance(v, bool) and v != (k not in _DEFAULT_OFF)}
    return ", ".join(f"{k}={v}" for k, v in sorted(changed.items())) or None


def _synchronous() -> str | None:
    ctx = _context()
    if ctx is None:
        return None
    # Not ctx.executor: each read makes an Executor whose __del__ waits for every pending op. The setter keeps
    # the executor it made for this thread here, or, before TensorFlow initialises, the mode for the default one.
    executor = getattr(getattr(ctx, "_thread_local_data", None), "executor", None)
    is_async = executor.is_async() if executor is not None else getattr(ctx, "_default_is_async", False)
    return "off (asynchronous)" if is_async is True else None


def _threads(attr: str) -> str | None:
    value = getattr(_context(), attr, None)
    cores = _cores()
    if isinstance(value, int) and 0 < value < cores:
        return f"{value} of {cores} cores"
    return None


def _cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def _profiler() -> str | None:
    module = _module("tensorflow.python.profiler.profiler_v2")
    return "running" if getattr(module, "_profiler", None) is not None else None


def _summary_trace() -> str | None:
    trace = getattr(_module("tensorflow.python.ops.summary_ops_v2"), "_current_trace_context", None)
    if trace is None:
        return None
    return "on (with the profiler)" if getattr(trace, "profiler", False) else "on"


def _autograph_verbosity() -> str | None:
    module = _module("tensorflow.python.autograph.utils.ag_logging")
    level = getattr(module, "verbosity_level", None)
    if level is None:  # the environment variable is read when no level was set
        try:
            level = int(os.environ.get("AUTOGRAPH_VERBOSITY", "0") or 0)
        except ValueError:
            level = 0
    return f"level {level}" if isinstance(level, int) and level > 0 and module is not None else None


def _keras_policy() -> str | None:
    state = _module("keras.src.backend.common.global_state")
    tracker = getattr(state, "GLOBAL_STATE_TRACKER", None)
    policy = getattr(tracker, "dtype_policy", None) if tracker is not None else None
    name = getattr(policy, "name", None)
    return name if isinstance(name, str) and name.startswith("mixed_") else None


def _keras_floatx() -> str | None:
    value = getattr(_module("keras.src.backend.config"), "_FLOATX", "float32")
    return value if isinstance(value, str) and value != "float32" else None


def _keras_image_format() -> str | None:
    value = getattr(_module("keras.src.backend.config"), "_IMAGE_DATA_FORMAT", "channels_last")
    return value if value == "channels_first" else None


def _onednn_off() -> str | None:
    if _module("tensorflow") is None:
        return None
    value = os.environ.get("TF_ENABLE_ONEDNN_OPTS", "").strip().lower()
    return "off (TF_ENABLE_ONEDNN_OPTS=0)" if value in ("0", "false") else None


def _tf32_off() -> str | None:
    module = _module("tensorflow.python.util._pywrap_tensor_float_32_execution")
    enabled = getattr(module, "is_enabled", None)
    return "off" if enabled is not None and enabled() is False else None


SWITCHES: tuple[Switch, ...] = (
    Switch("run_functions_eagerly", "tf.config.run_functions_eagerly(True)",
           "every tf.function runs as plain Python, op by op",
           "tf.config.run_functions_eagerly(False)", _run_functions_eagerly),
    Switch("check_numerics", "tf.debugging.enable_check_numerics()",
           "every op is followed by a check of its outputs, eager ops and the ops inside tf.functions alike",
           "tf.debugging.disable_check_numerics(), in the thread that enabled it (tf.functions then run "
           "without the checks, those traced while it was on included)", _check_numerics),
    Switch("dump_debug_info", "tf.debugging.experimental.enable_dump_debug_info(...)",
           "every op and every tf.function call is logged to files",
           "tf.debugging.experimental.disable_dump_debug_info()", _dump_debug_info),
    Switch("data_debug_mode", "tf.data.experimental.enable_debug_mode()",
           "tf.data runs every map function as Python (tf.py_function), one element at a time, without "
           "parallelism or prefetching, for datasets built while it is on",
           "TensorFlow has no public switch-off: restart the kernel without it, or "
           "`from tensorflow.python.data.ops import debug_mode; debug_mode.toggle_debug_mode(False)`; "
           "then build the datasets again (a dataset built while it was on stays slow)", _data_debug_mode),
    Switch("op_determinism", "tf.config.experimental.enable_op_determinism()",
           "tf.data runs a map with random or other stateful ops serially, whatever num_parallel_calls says",
           "TensorFlow has no public switch-off: restart the kernel without it, or "
           "`from tensorflow.python.framework import config; config.disable_op_determinism()`; for "
           "deterministic runs keep it and use stateless random ops (tf.random.stateless_*) in the map",
           _op_determinism),
    Switch("log_device_placement", "tf.debugging.set_log_device_placement(True)",
           "every op's placement is logged", "tf.debugging.set_log_device_placement(False)", _log_device_placement),
    Switch("profiler", "tf.profiler.experimental.start(...) without stop()",
           "the profiler records every op", "tf.profiler.experimental.stop()", _profiler),
    Switch("summary_trace", "tf.summary.trace_on(...) without trace_export / trace_off",
           "every tf.function call collects its graph (and with profiler=True, a profile)",
           "tf.summary.trace_off() (or tf.summary.trace_export(...))", _summary_trace),
    Switch("jit", "tf.config.optimizer.set_jit(True)",
           "XLA compiles clusters of every tf.function graph",
           "tf.config.optimizer.set_jit(False)", _jit),
    Switch("optimizer_options", "tf.config.optimizer.set_experimental_options(...)",
           "Grappler's graph optimisations are changed for every tf.function",
           "tf.config.optimizer.set_experimental_options({defaults})",
           _optimizer_options),
    Switch("asynchronous", "tf.config.experimental.set_synchronous_execution(False)",
           "eager ops are queued and run asynchronously",
           "tf.config.experimental.set_synchronous_execution(True)", _synchronous),
    Switch("intra_op_threads", "tf.config.threading.set_intra_op_parallelism_threads(n)",
           "each op runs on fewer threads than the cores",
           "TensorFlow fixes its thread pools at its first op: restart the kernel without the "
           "set_intra_op_parallelism_threads call (0, the default, is one thread per core)",
           lambda: _threads("_intra_op_parallelism_threads")),
    Switch("inter_op_threads", "tf.config.threading.set_inter_op_parallelism_threads(n)",
           "fewer independent ops run at once than there are cores",
           "TensorFlow fixes its thread pools at its first op: restart the kernel without the "
           "set_inter_op_parallelism_threads call (0, the default, is one thread per core)",
           lambda: _threads("_inter_op_parallelism_threads")),
    Switch("autograph_verbosity", "tf.autograph.set_verbosity(n)",
           "autograph logs while it converts functions", "tf.autograph.set_verbosity(0)", _autograph_verbosity),
    Switch("keras_dtype_policy", "keras.config.set_dtype_policy('mixed_…')",
           "layers built while it is set compute in float16 / bfloat16: fast on a GPU, but float16 has no fast "
           "kernels on most CPUs",
           "keras.config.set_dtype_policy('float32') where there is no GPU, then build the model again (a layer "
           "keeps the policy it was built with)", _keras_policy),
    Switch("keras_floatx", "keras.config.set_floatx(...)",
           "layers built while it is set compute in that dtype",
           "keras.config.set_floatx('float32'), then build the model again", _keras_floatx),
    Switch("keras_image_format", "keras.config.set_image_data_format('channels_first')",
           "convolutions and pooling of layers built while it is set get transposed inputs on a CPU",
           "keras.config.set_image_data_format('channels_last'), then build the model again", _keras_image_format),
    Switch("onednn_off", "TF_ENABLE_ONEDNN_OPTS=0 in the environment",
           "TensorFlow's CPU kernels run without oneDNN (when it was set before TensorFlow was imported)",
           "restart the kernel without TF_ENABLE_ONEDNN_OPTS=0 in its environment", _onednn_off),
    Switch("tf32_off", "tf.config.experimental.enable_tensor_float_32_execution(False)",
           "float32 matrix products on an Ampere or newer GPU run in full float32 (no effect on a CPU)",
           "tf.config.experimental.enable_tensor_float_32_execution(True)", _tf32_off),
)

_BY_ID = {s.id: s for s in SWITCHES}


def switch(switch_id: str) -> Switch:
    """The switch ``switch_id`` (KeyError for an unknown id)."""
    return _BY_ID[switch_id]


def read() -> dict[str, str]:
    """``{switch id: value}`` of every switch not at its default; {} when none is (or nothing is imported)."""
    if _module("tensorflow") is None and _module("keras") is None:
        return {}
    found: dict[str, str] = {}
    for s in SWITCHES:
        try:
            value = s.read()
        except Exception:  # a renamed attribute makes one switch unreadable, never the caller fail
            continue
        if value is not None:
            found[s.id] = value
    return found
