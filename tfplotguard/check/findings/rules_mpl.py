"""matplotlib: tensors handed to it, figures, redraws, pyplot from threads.

What a rule receives, returns and must rest on: :mod:`tfplotguard.check.findings`.
"""

from __future__ import annotations

from ..report import format_bytes, format_seconds
from .registry import Found, rule


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
