"""The history of cell reports behind ``tfplotguard.last_report()`` and ``reports()``.

Process-wide, not per shell: ``last_report()`` takes no shell, and a kernel
runs one shell; two shells in one process (tests, embedded shells) share it.
"""

from __future__ import annotations

import collections
import threading

from ..core import state

#: How many reports :func:`reports` keeps (the oldest are dropped first).
HISTORY_LIMIT = 100


class History:
    """The last ``HISTORY_LIMIT`` reports, oldest first, safe to use from several threads."""

    def __init__(self, limit: int = HISTORY_LIMIT):
        self._reports: collections.deque = collections.deque(maxlen=limit)
        self._lock = threading.Lock()

    def record(self, report) -> None:
        """Append ``report``."""
        with self._lock:
            self._reports.append(report)

    def last(self):
        """The most recent report, or None."""
        with self._lock:
            return self._reports[-1] if self._reports else None

    def all(self) -> list:
        """Every kept report, oldest first."""
        with self._lock:
            return list(self._reports)

    def reset(self) -> None:
        """Forget every report."""
        with self._lock:
            self._reports.clear()


HISTORY = state.own("report history", History())


def record(report) -> None:
    """Append ``report`` to the history behind :func:`last_report` and :func:`reports`."""
    HISTORY.record(report)


def last_report():
    """The most recent ``%tfcheck`` cell report, or None."""
    return HISTORY.last()


def reports() -> list:
    """The last reports, oldest first (at most ``HISTORY_LIMIT``)."""
    return HISTORY.all()


def clear_history() -> None:
    """Forget every stored report."""
    HISTORY.reset()
