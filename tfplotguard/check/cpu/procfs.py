"""Cheap reads of this process's per-thread CPU and resident memory from Linux ``/proc``.

A ``%%tfcheck`` cell takes two snapshots, and a snapshot reads one file per
thread. Opening a ``/proc`` file costs as much as reading it, and listing
``/proc/self/task`` as much again, so the files stay open and are re-read with
``pread``: the thread count in ``/proc/self/stat`` and the reads themselves
(a file of an ended thread fails with ``ESRCH``) tell when the set of threads
changed, and only then is the directory listed again. ``close()`` releases
every file (``%unload_ext tfplotguard`` does); a forked child starts afresh.
"""

from __future__ import annotations

import os
import sys
import threading

from ...core import state

AVAILABLE = sys.platform.startswith("linux") and os.path.isdir("/proc/self/task")
CLOCK_TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
PAGE_SIZE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096


#: What an aborted read returns (see :meth:`ProcReader.thread_cpu_times`).
ABORTED = object()


def _fields(stat: bytes) -> list[bytes]:
    # The name field may hold spaces and parentheses: the fields that follow start after the last ')'.
    # Index 0 is field 3 of proc(5) (state), so field n is at index n - 3.
    return stat[stat.rfind(b")") + 2:].split()


class ProcReader:
    """Open ``/proc`` files of this process, re-read on demand; safe to use from several threads."""

    def __init__(self):
        self._reset()

    def _reset(self):
        self._lock = threading.Lock()
        self._tasks: dict[int, int] = {}  # tid → descriptor of /proc/self/task/<tid>/stat
        self._stat: int | None = None  # /proc/self/stat
        self._statm: int | None = None  # /proc/self/statm

    def reset(self):
        """Close every file (process-state reset); the next read opens them again."""
        self.close()

    def forget_in_child(self):
        """After a fork, in the child: close the inherited descriptors, which name the parent's threads."""
        self._close_all()
        self._reset()

    @property
    def open_files(self) -> int:
        """How many ``/proc`` files are held open now."""
        return len(self._tasks) + (self._stat is not None) + (self._statm is not None)

    def thread_cpu_times(self, abort=None) -> dict[int, float] | None:
        """CPU seconds (user + system) of every live thread, keyed by native thread id.

        ``abort``, a callable, is asked between files: once it answers True the
        read stops and returns None (the sampler thread's read of a cell that has
        just ended, which the cell's closing read would otherwise wait for).
        """
        with self._lock:
            if abort is not None and abort():
                return None
            if self._stat is None:
                self._stat = os.open("/proc/self/stat", os.O_RDONLY)
            times = self._read_tasks(abort=abort)
            if times is not ABORTED and (
                    times is None or len(times) != int(_fields(os.pread(self._stat, 4096, 0))[17])):  # num_threads
                self._rescan()
                times = self._read_tasks(tolerant=True, abort=abort)
            return None if times is ABORTED else times

    def rss(self) -> int:
        """Resident set size in bytes."""
        with self._lock:
            if self._statm is None:
                self._statm = os.open("/proc/self/statm", os.O_RDONLY)
            return int(os.pread(self._statm, 256, 0).split()[1]) * PAGE_SIZE

    def close(self) -> int:
        """Close every file; the next read opens them again. Returns how many were open."""
        with self._lock:
            count = self.open_files
            self._close_all()
            return count

    def _close_all(self):
        for fd in [*self._tasks.values(), self._stat, self._statm]:
            if fd is not None:
                try:
                    os.close(fd)
                except OSError:
                    pass
        self._tasks, self._stat, self._statm = {}, None, None

    def _read_tasks(self, tolerant: bool = False, abort=None):
        """Per-thread CPU from the open files; None when a thread has ended (unless ``tolerant``),
        :data:`ABORTED` when ``abort()`` said so."""
        times = {}
        for tid, fd in list(self._tasks.items()):
            if abort is not None and abort():
                return ABORTED
            try:
                fields = _fields(os.pread(fd, 4096, 0))
            except OSError:  # ESRCH: the thread ended
                if not tolerant:
                    return None
                os.close(self._tasks.pop(tid))
                continue
            times[tid] = (int(fields[11]) + int(fields[12])) / CLOCK_TICKS  # utime, stime
        return times

    def _rescan(self):
        """List the threads again: open files for new ones, close those of ended ones."""
        live = {int(entry) for entry in os.listdir("/proc/self/task")}
        for tid in [tid for tid in self._tasks if tid not in live]:
            os.close(self._tasks.pop(tid))
        for tid in live - self._tasks.keys():
            try:
                self._tasks[tid] = os.open(f"/proc/self/task/{tid}/stat", os.O_RDONLY)
            except OSError:  # ended between the listing and the open
                pass


#: The process's one reader.
READER = state.own("proc reader", ProcReader())
if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=READER.forget_in_child)


def runqueue_s(native_id: int | None) -> float | None:
    """Seconds thread ``native_id`` of this process has waited runnable for a CPU (Linux's schedstat), or None."""
    if native_id is None:
        return None
    try:
        with open(f"/proc/self/task/{native_id}/schedstat", "rb") as f:
            return int(f.read().split()[1]) / 1e9
    except (OSError, ValueError, IndexError):
        return None


def machine_idle_s() -> float | None:
    """Seconds all the machine's CPUs have spent idle (or waiting for I/O) since boot (``/proc/stat``), or None.

    The difference over a cell, divided by its wall time, is how many cores the machine left unused
    meanwhile: whether work handed to more threads could have run at once.
    """
    try:
        with open("/proc/stat", "rb") as f:
            fields = f.readline().split()
        return (int(fields[4]) + int(fields[5])) / CLOCK_TICKS  # "cpu user nice system idle iowait ..."
    except (OSError, ValueError, IndexError):
        return None
