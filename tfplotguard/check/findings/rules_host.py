"""Python and the host: tensors copied to NumPy, Python values turned into tensors, Python loops.

What a rule receives, returns and must rest on: :mod:`tfplotguard.check.findings`.
"""

from __future__ import annotations

from ..report import format_bytes, format_seconds
from .registry import Found, rule


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
