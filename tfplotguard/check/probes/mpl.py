"""What matplotlib did during a cell: figures created and left open, plotting calls, redraws, ``plt.pause``.

Only during a measured cell, ``pyplot.pause``, ``Figure.draw``,
``FigureCanvasBase.print_figure``, ``Figure.__init__`` and the ``Axes``
methods that add data artists (``add_line``, ``add_collection``,
``add_patch``) are wrapped; each is put back as the identical original object
afterwards (unless someone else replaced the wrapper meanwhile, whose change
is then left alone). Auto mode keeps them in place between its cells, passing
every call through (:mod:`.probes`), until ``%tfcheck off``. None is a guard entry point, so the guard's own patches
are never wrapped or undone here. pyplot use from other threads is counted by
the guard itself (``stats()["pyplot_thread_calls"]``). matplotlib is never
imported: what is not loaded is not watched.

*Sites.* A figure or a plotting call is counted per **site**: the innermost
frame outside matplotlib and tfplotguard that made it (a cell line, or a line
of the user's helper function). Many figures or many tiny plotting calls from
one site mean a loop, however it is written; six figures from six lines do not.
One plotting call is recognised by its outermost matplotlib frame: every artist
a single ``ax.plot`` adds comes from the same frame object.

*Redraws* are draws of a figure already drawn during the cell (a first draw,
``savefig`` or ``display`` once, is not one), with the time they took (a
``print_figure``: draw and encoding); draws inside a live-plotting hook
(``LivePlot``'s throttled frames) are not counted at all.

*Memory.* After the cell, the open pyplot figures are counted and the bytes of
the Agg canvas buffers they hold are summed (a drawn 640×480 figure at 100 dpi:
1.2 MB, exactly width × height × 4; measured with ``tracemalloc`` on
matplotlib 3.11, a figure's own artists add about 0.3 MB undrawn and 0.6 MB
drawn, which is not counted here).
"""

from __future__ import annotations

import functools
import os
import sys
import threading
import time
import weakref
from typing import TYPE_CHECKING

from ...core.patch import PatchingProbe, Patches, counting_init
from ...live.throttle import plotting_now

if TYPE_CHECKING:
    from ..summaries import MplState, MplSummary

_OWN_PACKAGES = ("matplotlib", "mpl_toolkits", "tfplotguard", "functools", "contextlib")

NOT_IMPORTED = "matplotlib not imported"


def state() -> MplState:
    """matplotlib version, backend and interactive mode (without importing or resolving anything)."""
    mpl = sys.modules.get("matplotlib")
    if mpl is None or not hasattr(mpl, "rcParams"):
        return {"imported": False}
    try:
        backend = mpl.rcParams._get_backend_or_none() or "(not chosen yet)"
    except Exception:
        backend = "?"
    return {
        "imported": True,
        "version": getattr(mpl, "__version__", "?"),
        "backend": backend,
        "interactive": bool(mpl.is_interactive()),
        "pyplot_imported": "matplotlib.pyplot" in sys.modules,
    }


def _open_count() -> int:
    """Open pyplot figures now (0 without pyplot)."""
    helpers = sys.modules.get("matplotlib._pylab_helpers")
    return len(helpers.Gcf.figs) if helpers is not None else 0


def open_figures() -> tuple[int, int, int]:
    """(open pyplot figures, how many were drawn, bytes of their Agg canvas buffers); zeros without pyplot."""
    helpers = sys.modules.get("matplotlib._pylab_helpers")
    if helpers is None:
        return 0, 0, 0
    drawn = nbytes = 0
    for manager in list(helpers.Gcf.figs.values()):
        renderer = getattr(getattr(manager, "canvas", None), "__dict__", {}).get("renderer")
        if renderer is None:  # never drawn: no canvas buffer
            continue
        try:
            nbytes += memoryview(renderer.buffer_rgba()).nbytes
            drawn += 1
        except Exception:
            continue
    return len(helpers.Gcf.figs), drawn, nbytes


def _site(frame):
    """(filename, line, code name) of the innermost frame outside matplotlib and tfplotguard, and its callee frame."""
    callee = None
    while frame is not None:
        module = frame.f_globals.get("__name__", "") or ""
        if not module.startswith(_OWN_PACKAGES):
            return (frame.f_code.co_filename, frame.f_lineno, frame.f_code.co_name), callee
        callee, frame = frame, frame.f_back
    return None, callee


def _categories(figure) -> int:
    """The most categories on one axis of ``figure`` (an axis of strings: one tick per category), 0 for none.

    Reads the axes' unit data only (plain attributes, no user code).
    """
    most = 0
    for ax in getattr(figure, "axes", ()):
        for axis in (getattr(ax, "xaxis", None), getattr(ax, "yaxis", None)):
            units = getattr(axis, "units", None)
            mapping = getattr(units, "_mapping", None) if type(units).__name__ == "UnitData" else None
            if isinstance(mapping, dict):
                most = max(most, len(mapping))
    return most


#: Points a collection must carry for where they lie relative to the view to be read at a draw.
VIEWED_POINTS = 10_000


def _outside_view(figure) -> tuple[int, int]:
    """``(points, outside)`` over ``figure``'s big collections (scatter markers, :data:`VIEWED_POINTS` or more):
    how many offsets there are and how many lie outside their axes' view limits.

    Read after a draw, when the limits are settled: plain reads of arrays and of the view box (its attribute, not
    the property, which may autoscale), on linear rectilinear axes only, where data and view coordinates are the
    same numbers.
    """
    points = outside = 0
    for ax in getattr(figure, "axes", ()):
        try:
            if ax.name != "rectilinear" or ax.get_xscale() != "linear" or ax.get_yscale() != "linear":
                continue
            view = vars(ax).get("_viewLim")  # the box itself: the ``viewLim`` property may autoscale first
            if view is None:
                continue
            (x0, y0), (x1, y1) = view.get_points()
            x0, x1, y0, y1 = min(x0, x1), max(x0, x1), min(y0, y1), max(y0, y1)
            for coll in ax.collections:
                if coll.get_offset_transform() is not ax.transData:
                    continue  # offsets in axes or figure coordinates: not the data's
                xy = coll.get_offsets()
                if getattr(xy, "ndim", 0) != 2 or len(xy) < VIEWED_POINTS:
                    continue
                xs, ys = xy[:, 0], xy[:, 1]
                inside = (xs >= x0) & (xs <= x1) & (ys >= y0) & (ys <= y1)
                points += len(xy)
                outside += len(xy) - int(inside.sum())
        except Exception:  # noqa: BLE001 - an exotic axes or collection: not read
            continue
    return points, outside


def _gouraud_cells(figure) -> tuple[int, int]:
    """``(cells, pixels)`` of ``figure``'s largest ``QuadMesh`` drawn with ``shading='gouraud'`` (Agg rasterises two
    triangles per cell, one at a time) and of the axes it fills, in display pixels; ``(0, 0)`` without one."""
    best = (0, 0)
    for ax in getattr(figure, "axes", ()):
        try:
            for coll in ax.collections:
                if type(coll).__name__ != "QuadMesh" or getattr(coll, "_shading", None) != "gouraud":
                    continue
                rows, cols = coll.get_coordinates().shape[:2]
                cells = max(0, rows - 1) * max(0, cols - 1)
                if cells > best[0]:
                    best = (cells, int(ax.bbox.width * ax.bbox.height))
        except Exception:  # noqa: BLE001 - an exotic axes or mesh: not read
            continue
    return best


def _points(artist) -> int:
    """Data points an artist carries: a line's x values, a collection's offsets, an image's pixels, 1 for a patch."""
    try:
        if hasattr(artist, "get_xdata"):
            return len(artist.get_xdata(orig=True))
        if hasattr(artist, "get_offsets"):
            return len(artist.get_offsets())
        if hasattr(artist, "get_size"):  # an image: rows × columns
            rows, cols = artist.get_size()
            return int(rows) * int(cols)
    except Exception:
        return 0
    return 1


class MplProbe(PatchingProbe):
    """Counts figures created (per site), plotting calls (per site), redraws and ``plt.pause`` calls during a cell."""

    def __init__(self):
        self._patches = Patches(unique=True)  # start() again, after a pause, adds only what is new
        self._local = threading.local()  # .pausing, .printing: time inside them is counted there
        self.reset()

    def reset(self) -> None:
        """Zero the counts (auto mode's kept probe, before its next cell)."""
        self.figures = 0
        self.figure_sites: dict = {}  # site → figures created there
        self.call_sites: dict = {}  # site → [plotting calls, artists, points]
        self.draws = 0
        self.draw_s = 0.0
        self.redraws = 0
        self.redraw_s = 0.0
        self.pauses = 0
        self.pause_s = 0.0
        self.category_ticks = 0  # the most categories on one axis of a figure drawn (one tick each)
        self.view_points = (0, 0)  # (points, outside the view) of the drawn figure with the most points outside
        self.gouraud = (0, 0)  # (cells, axes pixels) of the largest Gouraud-shaded mesh drawn
        self.open_before = _open_count()
        # The figures drawn during the cell (ids are reused: figures come and go).
        self._drawn: weakref.WeakSet[object] = weakref.WeakSet()
        self._last_call = None  # the outermost matplotlib frame of the last plotting call (kept alive till stop)

    def start(self):
        """Install the wrappers on whatever of matplotlib is loaded (the open figures are counted at ``reset()``)."""
        pyplot = sys.modules.get("matplotlib.pyplot")
        if pyplot is not None:
            self._patches.install(pyplot, "pause", self._wrap_pause)
        figure = sys.modules.get("matplotlib.figure")
        if figure is not None:
            self._patches.install(figure.Figure, "draw", self._wrap_draw)
            self._patches.install(figure.Figure, "__init__", self._wrap_init)
        bases = sys.modules.get("matplotlib.backend_bases")
        if bases is not None:
            self._patches.install(bases.FigureCanvasBase, "print_figure", self._wrap_print)
        axes = sys.modules.get("matplotlib.axes._base")
        if axes is not None:
            for name in ("add_line", "add_collection", "add_patch", "add_image"):
                self._patches.install(axes._AxesBase, name, self._wrap_add)
        return self

    def pause(self):
        """Stop counting, leave the wrappers in place passing through (auto mode, between cells)."""
        self._last_call = None
        super().pause()

    def stop(self):
        """Restore every wrapped attribute, in reverse order (a wrapper installed over ours is kept)."""
        self._last_call = None
        self._patches.restore()

    def _wrap_pause(self, original, patch):
        watch = self

        @functools.wraps(original)
        def wrapper(*args, **kwargs):
            if not patch.active:
                return original(*args, **kwargs)
            watch._local.pausing = True
            t0 = time.perf_counter()
            try:
                return original(*args, **kwargs)
            finally:
                watch.pause_s += time.perf_counter() - t0
                watch.pauses += 1
                watch._local.pausing = False

        return wrapper

    def _drew(self, figure, seconds: float, timed: bool) -> None:
        """One draw of ``figure`` that took ``seconds`` (counted in the totals when ``timed``)."""
        self.draws += 1
        self.category_ticks = max(self.category_ticks, _categories(figure))
        if timed:
            self.draw_s += seconds
            viewed = _outside_view(figure)
            if viewed[::-1] > self.view_points[::-1]:  # the most points outside, then the most points
                self.view_points = viewed
            self.gouraud = max(self.gouraud, _gouraud_cells(figure))
        if figure in self._drawn and timed:  # a draw inside plt.pause is the pause's cost, counted there
            self.redraws += 1
            self.redraw_s += seconds
        elif figure not in self._drawn:
            self._drawn.add(figure)

    def _wrap_draw(self, original, patch):
        watch = self

        @functools.wraps(original)  # keeps the draw method's rasterization markers
        def wrapper(fig, *args, **kwargs):
            if not patch.active or plotting_now() or _animating(sys._getframe(1)):
                return original(fig, *args, **kwargs)
            local = watch._local
            outer = not getattr(local, "pausing", False) and not getattr(local, "printing", False)
            if getattr(local, "printing", False):
                local.printed = fig
            t0 = time.perf_counter()
            try:
                return original(fig, *args, **kwargs)
            finally:
                if outer:
                    watch._drew(fig, time.perf_counter() - t0, True)
                elif getattr(local, "pausing", False):  # pause() is timed as a whole
                    watch._drew(fig, 0.0, False)

        return wrapper

    def _wrap_print(self, original, patch):
        watch = self

        @functools.wraps(original)
        def wrapper(canvas, *args, **kwargs):
            local = watch._local
            if not patch.active or plotting_now() or getattr(local, "printing", False) \
                    or getattr(local, "pausing", False) or _animating(sys._getframe(1)):
                return original(canvas, *args, **kwargs)
            local.printing, local.printed = True, None
            t0 = time.perf_counter()
            try:
                return original(canvas, *args, **kwargs)
            finally:
                local.printing = False
                if local.printed is not None:  # a draw and its encoding: one draw of that figure
                    watch._drew(local.printed, time.perf_counter() - t0, True)
                local.printed = None

        return wrapper

    def _wrap_init(self, original, patch):
        def count():
            self.figures += 1
            site, _ = _site(sys._getframe(1))
            self.figure_sites[site] = self.figure_sites.get(site, 0) + 1

        return counting_init(original, patch, count)

    def _wrap_add(self, original, patch):
        watch = self

        @functools.wraps(original)
        def wrapper(axes, artist, *args, **kwargs):
            result = original(axes, artist, *args, **kwargs)
            if patch.active and not plotting_now():
                watch._added(artist, sys._getframe(1))
            return result

        return wrapper

    def _added(self, artist, frame) -> None:
        site, call = _site(frame)
        row = self.call_sites.setdefault(site, [0, 0, 0])
        if call is not self._last_call:  # a new plotting call (one call's artists share its outermost frame)
            self._last_call = call
            row[0] += 1
        row[1] += 1
        row[2] += _points(artist)

    def summary(self) -> MplSummary:
        """Counts for the report (sites as ``[filename, line, function, count...]`` rows, most first)."""
        figure_sites = sorted(([*site, n] for site, n in self.figure_sites.items() if site), key=lambda r: -r[3])
        call_sites = sorted(([*site, *row] for site, row in self.call_sites.items() if site), key=lambda r: -r[3])
        open_after, drawn, nbytes = open_figures()
        return {
            "draws": self.draws,
            "draw_s": self.draw_s,
            "redraws": self.redraws,
            "redraw_s": self.redraw_s,
            "pauses": self.pauses,
            "pause_s": self.pause_s,
            "figure_sites": figure_sites[:5],
            "call_sites": call_sites[:5],
            "open_before": self.open_before,
            "open_figures": open_after,
            "open_drawn": drawn,
            "open_bytes": nbytes,
            "category_ticks": self.category_ticks,
            "view_points": list(self.view_points),
            "gouraud_cells": list(self.gouraud),
        }


_ANIMATION = os.sep + "matplotlib" + os.sep + "animation.py"


def _animating(frame, depth: int = 40) -> bool:
    """True when ``matplotlib.animation`` is on the stack: rendering an animation's frames
    (``to_jshtml``, ``save``) draws its figure once per frame, and that is the cell's job, not a redraw."""
    while frame is not None and depth:
        if frame.f_code.co_filename.endswith(_ANIMATION):
            return True
        frame, depth = frame.f_back, depth - 1
    return False
