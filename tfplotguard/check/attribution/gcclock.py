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
from types import FrameType

#: Before 3.12 a collection can start inside ``sys._current_frames()`` or an ``f_back`` that
#: allocates a frame object, and hang (python/cpython#106883) or crash the process: the
#: collector is kept off for each look there. 3.12 collects only between bytecodes.
GUARD_LOOKS = sys.version_info < (3, 12)


#: Distinct places full collections started from that are kept; further ones are not counted by place.
TRIGGERS_LIMIT = 64
#: Frames walked from a collection's start to the cell's line, at most.
TRIGGER_DEPTH = 200


class GcClock:
    """Seconds spent in full collections since it was added to ``gc.callbacks``, and where each started.

    A collection runs on the thread whose allocation (or ``gc.collect()`` call) started it, so the Python frame
    under the callback is that place: :attr:`triggers` keeps ``(cell line, code, line) → [collections, seconds]``
    for the full ones (the cell line None where the cell's code is not on that stack), codes and numbers only.
    """

    __slots__ = ("total", "collections", "full", "last_end", "_began", "cell_filename", "triggers", "_at")

    def __init__(self, cell_filename: str | None = None):
        self.total = 0.0
        self.collections = 0  # every collection, young ones included
        self.full = 0
        self.last_end = 0.0
        self._began: float | None = None
        self.cell_filename = cell_filename
        self.triggers: dict[tuple, list] = {}
        self._at: tuple | None = None

    def __call__(self, phase: str, info: dict) -> None:
        if phase == "start":
            self._began = time.perf_counter() if info["generation"] == 2 else None
            self._at = self._where() if self._began is not None and self.cell_filename else None
        else:
            self.collections += 1
            if self._began is not None:
                self.last_end = time.perf_counter()
                seconds = self.last_end - self._began
                self.total += seconds
                self.full += 1
                self._began = None
                at, self._at = self._at, None
                if at is not None and (at in self.triggers or len(self.triggers) < TRIGGERS_LIMIT):
                    counted = self.triggers.setdefault(at, [0, 0.0])
                    counted[0] += 1
                    counted[1] += seconds

    def _where(self) -> tuple | None:
        """``(cell line, code, line)`` of the Python frame a starting collection interrupted (None: no frame)."""
        try:
            frame = sys._getframe(2)  # beneath this method and the callback: the code that allocated, or called collect
        except ValueError:  # a thread with no Python frame of its own (a native thread allocating through the C API)
            return None
        code, line = frame.f_code, frame.f_lineno
        cell_line = None
        f: FrameType | None = frame
        for _ in range(TRIGGER_DEPTH):
            if f is None:
                break
            if f.f_code.co_filename == self.cell_filename:
                cell_line = f.f_lineno
                break
            f = f.f_back
        del f, frame
        return cell_line, code, line

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
