"""matplotlib and host memory: figures per iteration, one call per point, redraws, pyplot from threads,
tensors handed to matplotlib, memory growing cell after cell.

What a rule receives, returns and must rest on: :mod:`tfplotguard.check.findings`.
The counts come from :mod:`tfplotguard.check.probes.mpl` (figures and plotting
calls per site, redraws, open figures and their canvas buffers) and
:mod:`tfplotguard.check.inspect.holders` (containers of tensors in the namespace).
Measured on matplotlib 3.11 Agg: ``plt.subplots()`` costs about 10 ms, a drawn
640×480 figure holds a 1.2 MB canvas buffer, ``ax.plot`` of one point about
0.3 ms, like one of 1000 points.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from .. import history
from ..format import format_bytes, format_seconds
from . import weight
from .registry import Found, rule
from .idioms import spans_per_call

if TYPE_CHECKING:
    from ..report.model import Report
    from ..summaries import Holder, MplSection, SiteRow

_MIB = 1 << 20


def _where(site: SiteRow) -> str:
    """How a message names a site row ``[filename, line, function, ...]``: the cell or the user's function."""
    if site[2] == "<module>":
        return "one line of the cell"
    return f"one line of `{site[2]}` ({os.path.basename(site[0])}:{site[1]})"


@rule(id="figure_per_iteration", needs=("mpl",), thresholds={"same_site": 10})
def figure_per_iteration(report: Report, *, same_site: int) -> Found | None:
    """A new matplotlib figure per iteration: many figures created by one line; how many stay open, what they hold.

    Weighed by the time spent creating figures and axes (``mpl_figure``).

    Detects: many figures created by one line of the cell: a new figure per iteration; says how many stay
    open and their canvas buffers' bytes.

    Why it costs: creating a figure and its axes takes milliseconds (tens with subplots), and each figure
    left open keeps its canvas in memory.

    Fix: create one figure before the loop and update it (``line.set_data(x, y)``; ``ax.clear()`` and
    plotting again saves the open figures, not time); when one figure per item is needed,
    ``plt.close(fig)`` when done with it.

    Thresholds:
        same_site: the least number of figures created by one line
    """
    mpl = report.mpl
    sites = mpl.get("figure_sites") or ()
    if not sites or sites[0][3] < same_site:
        return None
    site = sites[0]
    opened = mpl.get("open_figures", 0) - mpl.get("open_before", 0)
    if opened > 0:
        drawn = mpl.get("open_drawn", 0)
        held = (f"the {drawn} drawn ones hold {format_bytes(mpl.get('open_bytes', 0))} of Agg canvas buffers, "
                "their artists more" if drawn else "none drawn yet, so no canvas buffers, only their artists")
        kept = (f"{mpl['open_figures']} pyplot figures are open after the cell, {opened} more than before "
                f"(never closed): {held}.")
    else:
        kept = "none of them is left open."
    return Found(
        f"{site[3]} of the cell's {report.counts.get('figures', site[3])} new figures were created by "
        f"{_where(site)}: a new figure per iteration; {kept}",
        # Measured (benchmarks/fixes.py, Agg, nothing displayed): set_data 0.05× the time of a figure per
        # iteration, ax.clear() and plotting again 1.2×: it saves the figures' memory and display, not time.
        "create the figure once before the loop (fig, ax = plt.subplots()) and update it in the loop "
        "(line.set_data(x, y); ax.clear() and plot again saves the open figures but not time: it costs about "
        "what a new figure does); if you do need one figure per item, close each one when done with it "
        "(plt.close(fig)).",
        seconds=weight.category_seconds(report, "mpl_figure"),
        line=weight.line_for(report, "mpl_figure"),
    )


@rule(id="plot_call_per_point", needs=("mpl",), thresholds={"calls": 50, "points_per_call": 2.0})
def plot_call_per_point(report: Report, *, calls: int, points_per_call: float) -> Found | None:
    """One plotting call per data point: many tiny artists from one line where one call with arrays would do.

    Weighed by the time spent creating artists (``mpl_artists``).

    Detects: many plotting calls from one line, each adding an artist of a point or two.

    Why it costs: every call makes an artist of its own, with its own transform, style and draw call:
    thousands of tiny artists draw far slower than one artist with thousands of points.

    Fix: one call with arrays: ``ax.plot(xs, ys, 'o')`` or ``ax.scatter(xs, ys)``.

    Thresholds:
        calls: the least number of plotting calls from one line
        points_per_call: the most data points a call may add on average
    """
    for site in report.mpl.get("call_sites") or ():
        n_calls, artists, points = site[3], site[4], site[5]
        line = weight.line_for(report, "mpl_artists")
        if n_calls >= calls and points <= points_per_call * n_calls and not spans_per_call(report, line):
            return Found(
                f"{n_calls} plotting calls from {_where(site)} added {artists} artists carrying {points} data "
                "points in all: one call (and one or more artists) per data point, each with its own "
                "autoscaling and, at draw time, its own rendering.",
                "collect the points in arrays and make one call: ax.plot(xs, ys, 'o') or ax.scatter(xs, ys) "
                "(per-point colours and sizes: scatter's c= and s=).",
                seconds=weight.category_seconds(report, "mpl_artists"), line=line,
            )
    return None


#: Backends that draw only when asked to (files, Agg): interactive mode redraws nothing there. Measured
#: (``benchmarks/fixes.py``): twelve ``plt.pause`` steps under ``plt.ion()`` on Agg took as long inside
#: ``with plt.ioff():`` as outside it.
_NON_INTERACTIVE_BACKENDS = frozenset(("agg", "cairo", "pdf", "pgf", "ps", "svg", "template"))


def _redraws_on_change(mpl: MplSection) -> bool:
    """Interactive mode on with a backend that redraws on every pyplot change (not Agg or a file backend)."""
    return bool(mpl.get("interactive")) and str(mpl.get("backend", "")).lower() not in _NON_INTERACTIVE_BACKENDS


@rule(id="interactive_redraws", needs=("mpl",), thresholds={"min_redraws": 3})
def interactive_redraws(report: Report, *, min_redraws: int) -> Found | None:
    """Redrawing every step: the same figure drawn again and again, or plt.pause, inside one cell.

    Weighed by the measured time of the redraws (draws of a figure already
    drawn in the cell: ``canvas.draw``, ``savefig``, ``display(fig)``) and of
    every ``plt.pause`` (its sleep and its draw), whatever interactive mode
    says. A figure drawn once is no redraw; ``LivePlot``'s throttled frames are
    not counted (see :mod:`~tfplotguard.check.probes.mpl`).

    Detects: the same figure redrawn three times or more in the cell (``canvas.draw``, ``savefig``,
    ``display(fig)``), or ``plt.pause`` called as often, whatever interactive mode says. A figure drawn once
    never counts; ``LivePlot`` frames are not counted.

    Why it costs: each redraw renders the whole figure again, and each ``plt.pause`` also sleeps: per
    training step that is often more than the step itself.

    Fix: draw once after the loop, or every *k* steps; for a live view of training use
    ``tfplotguard.LivePlot`` / ``live()``, whose frames are throttled to a time budget; with interactive
    mode on and a GUI backend, wrap the loop in ``with plt.ioff():`` (on Agg it changes nothing).

    Thresholds:
        min_redraws: the least number of redraws, or of ``plt.pause`` calls
    """
    mpl = report.mpl
    redraws, pauses = mpl.get("redraws", 0), mpl.get("pauses", 0)
    if max(redraws, pauses) < min_redraws:
        return None
    parts = []
    if redraws:
        parts.append(f"a figure already drawn in this cell was drawn {redraws} more times (canvas.draw, savefig "
                     f"or display in a loop), taking {format_seconds(mpl.get('redraw_s', 0.0))}")
    if pauses:
        parts.append(f"{pauses} plt.pause calls took {format_seconds(mpl.get('pause_s', 0.0))} "
                     "(their sleeps and draws)")
    redraws_on_change = _redraws_on_change(mpl)
    mode = " Interactive mode is on: with this GUI backend every pyplot change redraws too." \
        if redraws_on_change else ""
    fix = ("draw once after the loop, or every k steps (if step % 100 == 0: ...); for a live view of a "
           "training loop use tfplotguard's LivePlot or live(), whose frames are throttled to a time budget")
    if redraws_on_change:
        fix += "; with interactive mode on, wrap the loop in `with plt.ioff():`"
    return Found("; ".join(parts) + "." + mode, fix + ".",
                 seconds=mpl.get("redraw_s", 0.0) + mpl.get("pause_s", 0.0),
                 line=weight.line_for(report, "mpl_draw"))


@rule(id="pyplot_off_main_thread", needs=("guard",), min_share=0.0)
def pyplot_off_main_thread(report: Report) -> Found | None:
    """pyplot used from a thread other than the main thread (counted by the guard).

    A crash risk, not a cost: it is given the full weight (``share`` 1.0, no
    seconds) and ``min_share`` 0, so it is shown, first, whatever time it took.

    Detects: pyplot used from a thread other than the main thread.

    Why it costs: not time: pyplot and GUI backends are not thread-safe, and drawing from another thread can
    crash the kernel. It is shown first, whatever time it took.

    Fix: plot in the main thread, handing data over through a ``queue.Queue``, or use the ``Figure`` object
    API (``matplotlib.figure.Figure``, no pyplot) in the thread.
    """
    calls = report.guard.get("pyplot_thread_calls", 0)
    if not calls:
        return None
    return Found(
        f"pyplot reached its global figure state {calls} time(s) from a thread other than the main thread: "
        "that state is shared and not thread-safe, and GUI backends fail outside the main thread.",
        "plot in the main thread (hand the results over with a queue.Queue), or build figures in the thread "
        "with the object API (fig = matplotlib.figure.Figure(); ax = fig.add_subplot()), without pyplot.",
        share=1.0,
    )


#: "Nothing to do" information is shown only when the guard's own work is a good part of the cell:
#: on a loop re-plotting one cached tensor the guard's wrapper measured 11-14 % of the time.
_GUARD_INFO_SHARE = 0.25


@rule(id="same_tensor_replotted", severity="info", needs=("guard",), thresholds={"repeat_plots": 2},
      min_share=_GUARD_INFO_SHARE)
def same_tensor_replotted(report: Report, *, repeat_plots: int) -> Found | None:
    """The same live tensor plotted again: the convert-once cache served it (weighed by the guard's own time).

    Detects: the guard served re-plots of the same live tensors from its convert-once cache.

    Why it costs: nothing to fix: it says what the guard saved (a host copy per re-plot on a GPU); shown
    when the guard's own work was a quarter of the cell.

    Fix: nothing to do while tfplotguard is loaded.

    Thresholds:
        repeat_plots: the least number of cache hits
    """
    hits = report.guard.get("cache_hits", 0)
    if hits < repeat_plots:
        return None
    return Found(
        f"the same tensor(s) were plotted again {hits} times; tfplotguard served them from its convert-once cache.",
        "fine as it is; without tfplotguard, convert once before the loop (a = np.asarray(t)) and plot a.",
        seconds=weight.category_seconds(report, "tfplotguard"),
    )


@rule(id="tensors_plotted", severity="info", needs=("guard",), min_share=_GUARD_INFO_SHARE)
def tensors_plotted(report: Report) -> Found | None:
    """Tensors handed straight to matplotlib: what the guard converted, weighed by the guard's own time.

    Detects: tensors handed straight to matplotlib, which the guard converted.

    Why it costs: nothing to fix: it says what the guard converted and what that took; shown when the
    guard's own work was a quarter of the cell.

    Fix: nothing to do while tfplotguard is loaded.
    """
    g = report.guard
    if not g.get("conversions"):
        return None
    devices = ", ".join(f"{format_bytes(n)} from {d}" for d, n in sorted(g.get("bytes_by_device", {}).items()))
    return Found(
        f"{g['conversions']} tensor conversion(s) for {g.get('calls', 0)} plotting call(s) ({devices}): "
        "each tensor was converted once per call, a read-only view on CPU, one host copy on an accelerator.",
        "nothing to do while tfplotguard is loaded; without it, matplotlib reads every tensor several times "
        "per call (each a device→host copy on a GPU), so pass np.asarray(t) yourself.",
        seconds=weight.category_seconds(report, "tfplotguard"),
    )


def _growing_holder(window: list[Report]) -> tuple[str, Holder, list[int]] | None:
    """The container name whose bytes grew in every cell of ``window`` (reports): (name, last row, bytes per cell)."""
    rows = [{row["name"]: row for row in report.held} for report in window]
    for name in rows[-1]:
        sizes = [size for r in rows if (size := r.get(name, {}).get("bytes")) is not None]
        if len(sizes) == len(rows) and all(a < b for a, b in zip(sizes, sizes[1:])):
            return name, rows[-1][name], sizes
    return None


def _figures_growing(window: list[Report]) -> bool:
    return all(r.mpl.get("open_figures", 0) > r.mpl.get("open_before", 0) for r in window)


@rule(id="host_memory_growth", needs=("mpl",), min_share=0.10,
      thresholds={"cells": 3, "cell_growth_mb": 8, "growth_mb": 64})
def host_memory_growth(report: Report, *, cells: int, cell_growth_mb: int, growth_mb: int) -> Found | None:
    """Host memory growing cell after cell, held by containers of tensors or by figures left open.

    Reads the report history: the last ``cells`` measured cells (this one
    included) must each have grown the resident memory (RSS) by
    ``cell_growth_mb``, ``growth_mb`` in all. Its weight is memory, not time:
    ``share`` = that growth / the RSS after this cell (the part of the process's
    memory these cells added), a warning from 10 %. The cause is named only when
    a holder grew in every one of those cells: a namespace container of
    tensors/arrays (:mod:`~tfplotguard.check.inspect.holders`) or the open pyplot
    figures; otherwise the growth is reported unweighed (minor), as observed.
    Importing TensorFlow, loading data and building a model grow RSS too, but
    not through a holder that grows in each cell.

    Detects: the resident memory grew in each of the last measured cells, by a large amount in all, with a
    holder that grew each time (a list of tensors or arrays in your namespace, open figures); without such a
    holder it is minor and says the cause is not established.

    Why it costs: memory kept cell after cell ends in swapping or a killed kernel; its weight is memory, not
    time (the growth over the RSS after the cell).

    Fix: keep only what each step needs; ``del`` it or ``.clear()`` the container; ``plt.close(...)``
    figures you are done with.

    Thresholds:
        cells: how many measured cells in a row (this one included) must each have grown
        cell_growth_mb: the least growth of each of those cells, in MiB
        growth_mb: the least growth of them all together, in MiB
    """
    window = [*history.reports()[-(cells - 1):], report] if cells > 1 else [report]
    if len(window) < cells or any(r.rss_after - r.rss_before < cell_growth_mb * _MIB for r in window):
        return None
    growth = sum(r.rss_after - r.rss_before for r in window)
    if growth < growth_mb * _MIB or report.rss_after <= 0:
        return None
    observed = (f"the resident memory grew in each of the last {cells} measured cells, by {format_bytes(growth)} in all, "
                f"{100 * growth / report.rss_after:.0f}% of the {format_bytes(report.rss_after)} the process holds now")
    guard = report.guard
    cache = (f"; tfplotguard's convert-once cache holds {format_bytes(guard.get('cache_bytes', 0))} "
             f"(bounded at {format_bytes(guard.get('cache_limit_bytes', 0))})") if "cache_bytes" in guard else ""
    causes = []
    holder = _growing_holder(window)
    if holder is not None:
        name, last, sizes = holder
        causes.append(f"`{name}` (a {last['type']} of {last['items']} arrays/tensors) held more after each of "
                      f"them: {', '.join(format_bytes(n) for n in sizes)}")
    if _figures_growing(window):
        mpl = report.mpl
        causes.append(f"the open pyplot figures went from {window[0].mpl.get('open_before', 0)} to "
                      f"{mpl.get('open_figures', 0)} (their Agg canvas buffers: {format_bytes(mpl.get('open_bytes', 0))})")
    if not causes:
        return Found(observed + "; no container of tensors in the namespace and no open figures grew with it, "
                     "so the cause is not established" + cache + ".",
                     "run gc.collect() and compare; look for results kept across cells (caches, histories, "
                     "models created again).")
    return Found(
        observed + ": " + "; ".join(causes) + cache + ".",
        "keep only what you need of each step (float(loss), a small slice, np.asarray(t).mean()), or write "
        "results to disk; free what is held with `del name` or name.clear(); close figures when done with them "
        "(plt.close(fig), plt.close('all')).",
        share=growth / report.rss_after,
    )
