"""TensorFlow itself: retracing, functions run eagerly, ops on the CPU beside a GPU, TensorFlow's pools at work.

What a rule receives, returns and must rest on: :mod:`tfplotguard.check.findings`.
"""

from __future__ import annotations

from ..report import format_seconds
from . import weight
from .registry import Found, rule

_TF_GROUPS = ("tf_pool", "tf_named", "tf_data")
#: Owners of traced functions that are not the user's (``OpWatch.origins``).
_LIBRARIES = ("keras", "tensorflow", "tfplotguard")


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


@rule(id="cpu_in_tf_pools", severity="info", needs=("thread_groups",),
      thresholds={"min_cpu_s": 0.2, "dominant_share": 0.6})
def cpu_in_tf_pools(before, after, report, *, min_cpu_s, dominant_share) -> tuple | None:
    """TensorFlow's thread pools used most of the cell's CPU: its own parallelism, and how to bound it."""
    tf_cpu, total = weight.cpu_share(report, _TF_GROUPS, min_cpu_s)
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
