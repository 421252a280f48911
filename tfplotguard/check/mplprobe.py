"""What matplotlib did during a cell: figures created, redraws and ``plt.pause`` time.

Only during a measured cell, ``pyplot.pause``, ``Figure.draw`` and
``Figure.__init__`` are wrapped (the last counts figures created, in any
thread, ``pyplot``'s and object-API ones alike; a subclass's ``__init__``
reaches it through ``super()``); each is put back as the identical original object afterwards
(unless someone else replaced the wrapper meanwhile, whose change is then
left alone). Neither is a guard entry point, so the guard's own patches are
never wrapped or undone here. pyplot use from other threads is counted by the
guard itself (``stats()["pyplot_thread_calls"]``). matplotlib is never
imported: what is not loaded is not watched.
"""

from __future__ import annotations

import functools
import sys
import threading
import time

from ..core.patch import Patches, counting_init

NOT_IMPORTED = "matplotlib not imported"


def state() -> dict:
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


class MplWatch:
    """Counts figures created, figure redraws and ``plt.pause`` calls (with the time they took) during a cell."""

    def __init__(self):
        self.figures = 0
        self.draws = 0
        self.draw_s = 0.0
        self.pauses = 0
        self.pause_s = 0.0
        self._patches = Patches()
        self._pausing = threading.local()

    def start(self):
        """Install the wrappers on whatever of matplotlib is loaded."""
        pyplot = sys.modules.get("matplotlib.pyplot")
        if pyplot is not None:
            self._patches.install(pyplot, "pause", self._wrap_pause)
        figure = sys.modules.get("matplotlib.figure")
        if figure is not None:
            self._patches.install(figure.Figure, "draw", self._wrap_draw)
            self._patches.install(figure.Figure, "__init__", self._wrap_init)
        return self

    def stop(self):
        """Restore every wrapped attribute, in reverse order (a wrapper installed over ours is kept)."""
        self._patches.restore()

    def _wrap_pause(self, original, patch):
        watch = self

        @functools.wraps(original)
        def wrapper(*args, **kwargs):
            if not patch.active:
                return original(*args, **kwargs)
            watch._pausing.active = True
            t0 = time.perf_counter()
            try:
                return original(*args, **kwargs)
            finally:
                watch.pause_s += time.perf_counter() - t0
                watch.pauses += 1
                watch._pausing.active = False

        return wrapper

    def _wrap_draw(self, original, patch):
        watch = self

        @functools.wraps(original)  # keeps the draw method's rasterization markers
        def wrapper(*args, **kwargs):
            if not patch.active:
                return original(*args, **kwargs)
            t0 = time.perf_counter()
            try:
                return original(*args, **kwargs)
            finally:
                watch.draws += 1
                if not getattr(watch._pausing, "active", False):  # time inside pause() is counted there
                    watch.draw_s += time.perf_counter() - t0

        return wrapper

    def _wrap_init(self, original, patch):
        def count():
            self.figures += 1

        return counting_init(original, patch, count)

    def summary(self) -> dict:
        """Counts for the report."""
        return {
            "draws": self.draws,
            "draw_s": self.draw_s,
            "pauses": self.pauses,
            "pause_s": self.pause_s,
        }
