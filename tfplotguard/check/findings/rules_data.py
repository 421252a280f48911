"""Input pipelines and Keras: tf.data, the Python that TensorFlow's threads run, Keras's per-call costs.

What a rule receives, returns and must rest on: :mod:`tfplotguard.check.findings`.
"""

from __future__ import annotations

from ..report import format_seconds
from . import weight
from .registry import Found, rule


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


@rule(id="cpu_in_tf_python", severity="info", needs=("thread_groups",),
      thresholds={"min_cpu_s": 0.2, "share": 0.4})
def cpu_in_tf_python(before, after, report, *, min_cpu_s, share) -> tuple | None:
    """TensorFlow's threads that ran the user's Python (from_generator, py_function) used the most CPU."""
    py_cpu, total = weight.cpu_share(report, ("tf_python",), min_cpu_s)
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
