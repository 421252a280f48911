"""Findings: small rules that turn one cell's measurements into a diagnosis and a fix.

Each rule is declared once with :func:`~.registry.rule` (id, severity, the
measurements it needs, its thresholds) and returns ``None`` or a
``(message, fix)`` pair. ``after`` is the
state after the cell (``{"tf": ..., "mpl": ..., "guard": ..., "live": ...}``);
``before`` holds only the counters and whether TensorFlow was imported
(:func:`~tfplotguard.check.cell.opening_state`: a rule that needs more from
before the cell must add it there), and ``report`` is the :class:`~tfplotguard.check.report.Report` with everything
measured during it. Rules are pure: they read data, never TensorFlow itself,
so each one is tested with a real cell that triggers it and one that does not
(and, where this machine cannot produce the data, with constructed data).

Every rule rests on behaviour a test reproduces on TensorFlow 2.21 (CPU),
not on lore: for instance ``.numpy()`` on a CPU tensor is a full copy while
``np.asarray`` is a read-only view (200 MB: 510 ms vs 0.65 ms), and matplotlib's
interactive mode costs the time of the redraws and pauses it causes, nothing
more (the Agg backend redraws only on ``plt.pause`` / ``plt.draw``).
"""

from __future__ import annotations

from ..report import format_bytes, format_seconds
from .registry import rule

_TF_GROUPS = ("tf_pool", "tf_named", "tf_data")
#: Owners of traced functions that are not the user's (``OpWatch.origins``).
_LIBRARIES = ("keras", "tensorflow", "tfplotguard")

# Rules are tried in the order they are declared here (warnings are shown first either way).


@rule(id="retracing", needs=("traces", "trace_signatures", "trace_origins"))
def retracing(before, after, report) -> tuple | None:
    """One of the user's own ``tf.function``s traced more than once in one cell, and what caused it.

    Only functions whose Python code is the user's count: Keras and tf.data
    trace functions of their own (``one_step_on_data``, ``Dataset_map_*``),
    and "create the tf.function once" is advice the user cannot follow there.
    A first trace that created variables is not counted: TensorFlow traces
    such a function a second time by design.
    """
    retraced = {}
    for name, count in report.traces.items():
        origin = report.trace_origins.get(name, {})
        # "unknown" (the traced function was not found on the stack) keeps the rule as it was.
        if " (" in name or origin.get("owner") in _LIBRARIES or origin.get("via") == "tf.data":
            continue
        count -= origin.get("variable_traces", 0)
        if count > 1:
            retraced[name] = count
    if not retraced:
        return None
    name, count = max(retraced.items(), key=lambda kv: kv[1])
    objects = report.trace_origins.get(name, {}).get("objects", 0)
    cause, fix = explain_retrace(report.trace_signatures.get(name, []), objects=objects, traces=count)
    return (f"tf.function {name} was traced {count} times in this cell: {cause}.", fix)


def explain_retrace(signatures: list[dict], objects: int = 0, traces: int = 0) -> tuple[str, str]:
    """Why a function was traced again, from its input signatures: ``(cause, fix)``.

    ``signatures`` are ``{argument: description}`` dicts as
    :meth:`tfplotguard.check.tfwatch.OpWatch.signatures` gives them: ``"python int 3"``
    or ``"tensor float32(2,)"``. ``objects`` is how many distinct
    ``tf.function`` objects made the ``traces``: when the signatures do not
    differ, only one object per trace establishes the cause.
    """
    if len(signatures) < 2:
        return ("its input signatures were not available",
                "call it with tensors of one shape and dtype; pass Python values as tensors")
    keys = set().union(*signatures)
    if any(set(sig) != keys for sig in signatures):
        return ("the number or nesting of its arguments changed between calls",
                "call it with one argument structure, or give it an input_signature")
    for key in sorted(keys):
        values = [sig[key] for sig in signatures]
        if len(set(values)) < 2:
            continue
        kinds = {v.split(" ", 2)[1] if v.startswith("python") else "tensor" for v in values}
        if all(v.startswith("python") for v in values):
            shown = ", ".join(v.split(" ", 2)[2] for v in values[:4])
            return (f"argument {key} is a Python {'/'.join(sorted(kinds))} and every new value is a new trace "
                    f"(values {shown}{', …' if len(values) > 4 else ''})",
                    f"pass {key} as a tensor (tf.constant(value)) so one trace serves every value; keep Python "
                    "values for settings that rarely change")
        if all(v.startswith("tensor") for v in values):
            dtypes = {v.split(" ")[1].split("(")[0] for v in values}
            if len(dtypes) > 1:
                return (f"tensor argument {key} changed dtype ({', '.join(sorted(dtypes))})",
                        f"cast {key} to one dtype before the call")
            shown = " → ".join(v[v.index("("):] if "(" in v else v for v in values[:3])
            return (f"tensor argument {key} changed shape ({shown})",
                    "give the function input_signature=[tf.TensorSpec(shape=[None, ...], dtype=...)] or "
                    "@tf.function(reduce_retracing=True), or pad / batch to one shape")
        return (f"argument {key} switched between a Python value and a tensor",
                f"always pass {key} as a tensor")
    if objects and objects >= traces:
        return ("its arguments looked the same each time, so a new tf.function object was traced each time "
                "(decorated or wrapped inside a loop or a function)",
                "create the tf.function once, outside the loop, and call that object")
    return ("its input signatures looked the same each time and one tf.function object traced again; "
            "what made it retrace is not in these measurements",
            "print f.pretty_printed_concrete_signatures() after the cell to see every trace TensorFlow kept")


@rule(id="pipelines_rebuilt", severity="info", needs=("traces", "trace_origins"),
      thresholds={"many": 10})
def pipelines_rebuilt(before, after, report, *, many) -> tuple | None:
    """An input pipeline built again and again in one cell: tf.data traced its functions every time."""
    built = {name: origin.get("objects", 0) for name, origin in report.trace_origins.items()
             if origin.get("via") == "tf.data" and origin.get("objects", 0) >= many}
    if not built:
        return None
    name, count = max(built.items(), key=lambda kv: kv[1])
    if report.trace_origins[name].get("owner") == "keras":
        return (f"Keras built a new tf.data input pipeline {count} times in this cell ({name} traced once per "
                "pipeline): every fit / evaluate / predict call builds one for its input.",
                "call predict once on all inputs stacked into one array, or, for a small batch in a loop, "
                "call model(x, training=False) directly (it builds no pipeline).")
    if report.trace_origins[name].get("owner") == "user":
        return (f"tf.data traced the function given to a Dataset transformation {count} times in this cell "
                f"({name}): once per dataset built.",
                "build the dataset once, outside the loop, and iterate over it again.")
    return None


@rule(id="functions_run_eagerly", needs=("tf",))
def functions_run_eagerly(before, after, report) -> tuple | None:
    """``tf.config.run_functions_eagerly(True)`` is on: every ``tf.function`` runs as plain Python."""
    if after.get("tf", {}).get("functions_run_eagerly") is not True:
        return None
    return (
        "tf.config.run_functions_eagerly(True) is on: every tf.function runs as plain Python, op by op, "
        "without graph optimisation (a global switch; an earlier cell may have left it on).",
        "tf.config.run_functions_eagerly(False) once you are done debugging.",
    )


@rule(id="numpy_copy_large_cpu", needs=("numpy",), thresholds={"large_bytes": 8 * 2**20})
def numpy_copy_large_cpu(before, after, report, *, large_bytes) -> tuple | None:
    """``.numpy()`` on a large CPU tensor: a full copy where a read-only view would do."""
    largest = report.numpy.get("largest_host")
    if not largest or largest["bytes"] < large_bytes:
        return None
    return (
        f".numpy() copied {format_bytes(largest['bytes'])} from {largest['device']} in "
        f"{format_seconds(largest['seconds'])}; np.asarray(t) is a zero-copy read-only view of a CPU tensor "
        "(measured for 200 MB: 510 ms vs 0.65 ms).",
        "use np.asarray(t) when you only read the values (plotting, statistics); keep .numpy() only when "
        "you need a writable copy.",
    )


@rule(id="numpy_in_loop", needs=("numpy",), thresholds={"repeat": 3, "many": 100})
def numpy_in_loop(before, after, report, *, repeat, many) -> tuple | None:
    """``.numpy()`` called on the same tensor again and again, or very often, in one cell."""
    n = report.numpy
    same, calls = n.get("max_same_tensor", 0), n.get("calls", 0)
    if same < repeat and calls < many:
        return None
    what = (f".numpy() was called {same} times on the same tensor" if same >= repeat
            else f".numpy() was called {calls} times")
    copied = f"{calls} calls, {format_bytes(n.get('bytes', 0))} copied, {format_seconds(n.get('seconds', 0.0))}"
    fix = ("convert once outside the loop (a = np.asarray(t), read-only and free on CPU), or collect results "
           "in a tensor (tf.stack / tf.TensorArray) and convert that once at the end.")
    return f"{what} ({copied}); every call is a new full copy.", fix


@rule(id="gpu_idle_ops_on_cpu", needs=("ops",), thresholds={"cpu_share": 0.5, "min_ops": 10})
def gpu_idle_ops_on_cpu(before, after, report, *, cpu_share, min_ops) -> tuple | None:
    """A GPU is present but most of the cell's eager ops ran on the CPU (needs ``--ops``)."""
    gpus = after.get("tf", {}).get("gpus") or []
    if not gpus or not report.ops:
        return None
    cpu_ops = {op: n for device, counts in report.ops.items() if device.startswith("CPU")
               for op, n in counts.items()}
    total = sum(sum(counts.values()) for counts in report.ops.values())
    on_cpu = sum(cpu_ops.values())
    if total < min_ops or on_cpu / total < cpu_share:
        return None
    top = ", ".join(f"{op} ×{n}" for op, n in sorted(cpu_ops.items(), key=lambda kv: -kv[1])[:4])
    return (
        f"{on_cpu} of {total} eager ops ran on the CPU although {', '.join(gpus)} is present (top: {top}).",
        "create the inputs on the GPU (with tf.device('/GPU:0'): ...); string and int32 ops have no GPU kernels "
        "and stay on the CPU; tf.debugging.set_log_device_placement(True) shows where each op runs.",
    )


@rule(id="pyplot_off_main_thread", needs=("guard",))
def pyplot_off_main_thread(before, after, report) -> tuple | None:
    """pyplot used from a thread other than the main thread (counted by the guard)."""
    calls = report.guard.get("pyplot_thread_calls", 0)
    if not calls:
        return None
    return (
        f"pyplot reached its global figure state {calls} time(s) from a thread other than the main thread: "
        "that state is shared and not thread-safe, and GUI backends fail outside the main thread.",
        "plot in the main thread (hand the results over with a queue.Queue), or build figures in the thread "
        "with the object API (fig = matplotlib.figure.Figure(); ax = fig.add_subplot()), without pyplot.",
    )


@rule(id="interactive_redraws", needs=("mpl", "live", "tf"), thresholds={"redraw_share": 0.1})
def interactive_redraws(before, after, report, *, redraw_share) -> tuple | None:
    """matplotlib interactive mode on while TensorFlow works: redraws and pauses stall the loop."""
    mpl = report.mpl
    if not after.get("mpl", {}).get("interactive") or not report.tf.get("imported"):
        return None
    # LivePlot's frames are Figure draws too, but throttled and budgeted: not the problem this rule is about.
    blocked = max(0.0, mpl.get("draw_s", 0.0) - report.live.get("seconds", 0.0)) + mpl.get("pause_s", 0.0)
    if report.wall_s <= 0 or blocked / report.wall_s < redraw_share:
        return None
    return (
        f"matplotlib interactive mode is on: {mpl.get('draws', 0)} redraws and {mpl.get('pauses', 0)} "
        f"plt.pause calls took {format_seconds(blocked)} ({100 * blocked / report.wall_s:.0f}% of the cell) "
        "on the main thread, and TensorFlow waits for each of them.",
        "wrap the loop in `with plt.ioff():` and draw once after it, or update the figure every k steps.",
    )


@rule(id="cpu_in_tf_pools", severity="info", needs=("thread_groups",),
      thresholds={"min_cpu_s": 0.2, "dominant_share": 0.6})
def cpu_in_tf_pools(before, after, report, *, min_cpu_s, dominant_share) -> tuple | None:
    """TensorFlow's thread pools used most of the cell's CPU: its own parallelism, and how to bound it."""
    tf_cpu, total = _cpu_share(report, _TF_GROUPS, min_cpu_s)
    if tf_cpu / total < dominant_share:
        return None
    state = after.get("tf", {})
    intra, inter = state.get("intra_op_threads"), state.get("inter_op_threads")
    return (
        f"TensorFlow's thread pools used {format_seconds(tf_cpu)} of {format_seconds(total)} CPU "
        f"({100 * tf_cpu / total:.0f}%, {report.utilisation:.2f} of {report.cores} cores busy on average): "
        f"this is TensorFlow's own parallelism, bounded by intra-op={intra} inter-op={inter} threads "
        "(0 = one per core).",
        "to leave cores free, call tf.config.threading.set_intra_op_parallelism_threads(n) and "
        "set_inter_op_parallelism_threads(n) at the top of the notebook, before the first op (they cannot "
        "change once TensorFlow has initialised: restart the kernel).",
    )


@rule(id="cpu_in_tf_python", severity="info", needs=("thread_groups",),
      thresholds={"min_cpu_s": 0.2, "share": 0.4})
def cpu_in_tf_python(before, after, report, *, min_cpu_s, share) -> tuple | None:
    """TensorFlow's threads that ran the user's Python (from_generator, py_function) used the most CPU."""
    py_cpu, total = _cpu_share(report, ("tf_python",), min_cpu_s)
    # The largest group and a good share of the total: a generator pipeline measured 51-56% here,
    # the rest spread over the main thread, TensorFlow's pools and exited threads.
    if py_cpu / total < share or report.top_group() != "tf_python":
        return None
    return (
        f"TensorFlow's threads that ran your Python (Dataset.from_generator, tf.py_function, "
        f"tf.numpy_function) used {format_seconds(py_cpu)} of {format_seconds(total)} CPU "
        f"({100 * py_cpu / total:.0f}%): that Python runs under the GIL, one call at a time; it is not "
        "TensorFlow's parallelism, and TensorFlow's thread settings do not change it.",
        "express the per-element work as TensorFlow ops (Dataset.from_tensor_slices(...).map(tf_fn, "
        "num_parallel_calls=tf.data.AUTOTUNE)), or precompute it once and cache the dataset (.cache()).",
    )


@rule(id="cpu_in_main_thread", severity="info", needs=("thread_groups",),
      thresholds={"min_cpu_s": 0.2, "dominant_share": 0.6})
def cpu_in_main_thread(before, after, report, *, min_cpu_s, dominant_share) -> tuple | None:
    """The main Python thread used most of the cell's CPU: the time is in Python code."""
    main_cpu, total = _cpu_share(report, ("main",), min_cpu_s)
    if main_cpu / total < dominant_share:
        return None
    return (
        f"the main Python thread used {format_seconds(main_cpu)} of {format_seconds(total)} CPU "
        f"({100 * main_cpu / total:.0f}%): the time is in Python code, not in TensorFlow's pools.",
        "move the Python loop into TensorFlow ops (vectorise, or wrap the step in @tf.function); "
        "%prun shows which Python lines take the time.",
    )


def _cpu_share(report, groups, min_cpu_s) -> tuple[float, float]:
    """CPU seconds of ``groups`` and of all threads but the sampler; (0, 1) for a cell too cheap to judge."""
    if report.cpu_s < min_cpu_s:
        return 0.0, 1.0
    total = sum(row["cpu_s"] for row in report.thread_groups if row["group"] != "sampler") or 1.0
    return sum(report.group_cpu(g) for g in groups), total


@rule(id="same_tensor_replotted", severity="info", needs=("guard",), thresholds={"repeat_plots": 2})
def same_tensor_replotted(before, after, report, *, repeat_plots) -> tuple | None:
    """The same live tensor plotted again: the convert-once cache served it."""
    hits = report.guard.get("cache_hits", 0)
    if hits < repeat_plots:
        return None
    return (
        f"the same tensor(s) were plotted again {hits} times; tfplotguard served them from its convert-once cache.",
        "fine as it is; without tfplotguard, convert once before the loop (a = np.asarray(t)) and plot a.",
    )


@rule(id="tensors_plotted", severity="info", needs=("guard",))
def tensors_plotted(before, after, report) -> tuple | None:
    """Tensors handed straight to matplotlib: say what the guard converted and from where."""
    g = report.guard
    if not g.get("conversions"):
        return None
    devices = ", ".join(f"{format_bytes(n)} from {d}" for d, n in sorted(g.get("bytes_by_device", {}).items()))
    return (
        f"{g['conversions']} tensor conversion(s) for {g.get('calls', 0)} plotting call(s) ({devices}): "
        "each tensor was converted once per call, a read-only view on CPU, one host copy on an accelerator.",
        "nothing to do while tfplotguard is loaded; without it, matplotlib reads every tensor several times "
        "per call (each a device→host copy on a GPU), so pass np.asarray(t) yourself.",
    )
