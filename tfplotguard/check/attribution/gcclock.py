"""Python's garbage collector as the stack sampler sees it: a clock of full collections, and the look guard.

A collection holds the GIL from start to end, so no look can land in it. A
full collection of a large heap (tenths of a second once TensorFlow and Keras
are imported) would otherwise be weighed to whatever the next look sees.
:class:`GcClock` times the full (generation 2) ones through ``gc.callbacks``;
young collections stay with the code that allocated (they are part of its cost).
"""

from __future__ import annotations

import gc
import sys
import time

#: Before 3.12 a collection can start inside ``sys._current_frames()`` or an ``f_back`` that
#: allocates a frame object, and hang (python/cpython#106883) or crash the process: the
#: collector is kept off for each look there. 3.12 collects only between bytecodes.
GUARD_LOOKS = sys.version_info < (3, 12)


class GcClock:
    """Seconds spent in full collections since it was added to ``gc.callbacks``."""

    __slots__ = ("total", "collections", "full", "last_end", "_began")

    def __init__(self):
        self.total = 0.0
        self.collections = 0  # every collection, young ones included
        self.full = 0
        self.last_end = 0.0
        self._began: float | None = None

    def __call__(self, phase: str, info: dict) -> None:
        if phase == "start":
            self._began = time.perf_counter() if info["generation"] == 2 else None
        else:
            self.collections += 1
            if self._began is not None:
                self.last_end = time.perf_counter()
                self.total += self.last_end - self._began
                self.full += 1
                self._began = None

    def add(self) -> None:
        """Start timing collections (idempotent)."""
        if self not in gc.callbacks:
            gc.callbacks.append(self)

    def remove(self) -> None:
        """Stop timing collections (idempotent; tolerates a user who cleared ``gc.callbacks``)."""
        while self in gc.callbacks:
            gc.callbacks.remove(self)


#: The clock's own code: a look that lands inside the callback gives the time to its caller.
CALLBACK_CODE = GcClock.__call__.__code__


def pause_collector() -> bool:
    """Switch the collector off for one look where :data:`GUARD_LOOKS` says so; True if it must be switched on after."""
    if GUARD_LOOKS and gc.isenabled():
        gc.disable()
        return True
    return False
