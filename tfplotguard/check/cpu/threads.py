"""Process and per-thread CPU, resident memory, and the thread groups a cell's CPU is split into.

Thread names do not identify TensorFlow's compute threads (measured with
TensorFlow 2.21 on Linux: the threads that burn an eager matmul, and the
tf.data workers, inherit the process name ``python``), so threads are grouped
by exclusion:

- ``main``: the thread that started the measurement, i.e. the thread that
  runs the cell (the interpreter's main thread, or the thread of an
  ipykernel 7 subshell);
- ``python``: the other threads ``threading.enumerate()`` knows (the
  interpreter's main thread too, when the cell runs elsewhere);
- ``tf_python``: TensorFlow's native threads that ran the user's Python
  during the measurement (``Dataset.from_generator``, ``tf.py_function``,
  ``tf.numpy_function``; see ``tfwatch.TfPythonProbe``): Python work under
  the GIL, not TensorFlow's compute pool. The whole thread's CPU counts;
- ``tf_data`` / ``tf_named``: threads whose OS name starts with ``tf_data`` / ``tf_``;
- ``tf_pool``: every remaining native thread that carries the process's own
  name, when TensorFlow is imported (its intra-op / inter-op / Eigen / oneDNN
  pools; a NumPy BLAS pool would look the same);
- ``other``: remaining native threads with a name of their own (``ZMQbg/IO/0``
  in a Jupyter kernel, for instance), or every one without TensorFlow;
- ``exited``: process CPU delta minus the threads still alive and those the
  sampler saw before they ended — threads that started and ended unseen;
- ``sampler``: the sampler thread itself (one per process, parked between cells).

Per-thread figures need ``/proc/self/task/<tid>/comm`` (Linux); elsewhere
only whole-process figures are reported, with a note.
"""

from __future__ import annotations

import os
import threading
import time

import psutil

from . import procfs

try:
    import resource
except ImportError:  # Windows
    resource = None  # type: ignore[assignment]

THREAD_NAMES_AVAILABLE = procfs.AVAILABLE

_PROCESS: psutil.Process | None = None
_NAMES: dict[int, str] = {}  # tid → OS thread name; tids of dead threads are dropped per snapshot


def process() -> psutil.Process:
    """This process's ``psutil.Process`` (created once, renewed after a fork)."""
    global _PROCESS
    if _PROCESS is None or _PROCESS.pid != os.getpid():
        _PROCESS = psutil.Process()
    return _PROCESS


def cpu_count() -> int:
    """Logical CPUs this process may run on (its affinity where the OS tells)."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0)) or 1
    try:
        return len(process().cpu_affinity()) or 1
    except (AttributeError, psutil.Error, OSError):
        return psutil.cpu_count() or 1


def thread_name(tid: int) -> str:
    """The OS name of thread ``tid`` (Linux ``comm``), cached; ``"?"`` where unknown."""
    name = _NAMES.get(tid)
    if name is None:
        try:
            with open(f"/proc/self/task/{tid}/comm") as f:
                name = f.read().strip()
        except OSError:
            name = "?"
        _NAMES[tid] = name
    return name


def classify(name: str, tid: int, main_id: int, python_ids, sampler_id, tf_imported: bool,
             process_name: str | None = None, tf_python_ids=()) -> str:
    """The thread group of one thread (see the module docstring for the rules).

    ``process_name`` is the name threads inherit when nobody names them
    (``python``); None accepts any name as inherited. ``tf_python_ids`` are
    native threads known to have run Python for TensorFlow.
    """
    if tid == main_id:
        return "main"
    if tid == sampler_id:
        return "sampler"
    if tid in python_ids:
        return "python"
    if tid in tf_python_ids:
        return "tf_python"
    if name.startswith("tf_data"):
        return "tf_data"
    if name.startswith("tf_"):
        return "tf_named"
    if tf_imported and (process_name is None or name == process_name):
        return "tf_pool"
    return "other"


def _process_cpu_rss() -> tuple[float, float, int]:
    """User and system CPU seconds of the process, and its resident set size in bytes."""
    if resource is not None:
        usage = resource.getrusage(resource.RUSAGE_SELF)  # microseconds, where /proc counts 10 ms ticks
        user, system = usage.ru_utime, usage.ru_stime
    else:
        times = process().cpu_times()
        user, system = times.user, times.system
    if THREAD_NAMES_AVAILABLE:
        rss = procfs.READER.rss()
    else:
        rss = process().memory_info().rss
    return user, system, rss


class Snapshot:
    """Process CPU times, RSS and (on Linux) CPU seconds per live thread, at one instant."""

    __slots__ = ("t", "cpu_user", "cpu_system", "rss", "threads", "aborted")

    def __init__(self, per_thread: bool = THREAD_NAMES_AVAILABLE, abort=None):
        """``abort``: see :meth:`procfs.ProcReader.thread_cpu_times`; an aborted snapshot has ``aborted`` set and no figures."""
        self.threads: dict[int, float] | None = procfs.READER.thread_cpu_times(abort) if per_thread else None
        self.aborted = per_thread and self.threads is None
        if self.aborted:
            return
        # Stamped between the thread and the process reads: under GIL contention each read can wait
        # several milliseconds, and the stamp should sit close to both.
        self.t = time.perf_counter()
        self.cpu_user, self.cpu_system, self.rss = _process_cpu_rss()

    @property
    def cpu(self) -> float:
        """User + system seconds of the whole process."""
        return self.cpu_user + self.cpu_system


class Grouper:
    """Remembers each thread's group and its CPU at the start, for one measurement."""

    def __init__(self, before: Snapshot, tf_imported, tf_python_ids=None):
        self.base = dict(before.threads or {})
        self.tf_imported = tf_imported  # a callable: TensorFlow may be imported during the cell
        # The measurement starts on the cell's thread, which is not the interpreter's main thread
        # when a kernel runs cells elsewhere (ipykernel 7 subshells).
        self.main_id = threading.get_native_id()
        # Threads nobody named inherit the name of the thread that created them, ultimately the
        # process's: the interpreter's main thread's name is the best witness of it.
        self.process_name = thread_name(threading.main_thread().native_id)  # type: ignore[arg-type]  # it runs: set
        self.sampler_id = None
        # Filled while the cell runs (TfPythonProbe.native_ids): such a thread may have been
        # grouped as TensorFlow's before it first ran Python.
        self.tf_python_ids = tf_python_ids if tf_python_ids is not None else set()
        self._regrouped = 0
        self.groups: dict[int, tuple[str, str]] = {}  # tid → (group, name)
        self.last_seen: dict[int, float] = {}  # tid → CPU at its last observation

    def observe(self, threads: dict[int, float]):
        """Group the threads seen for the first time; remember every thread's latest CPU seconds."""
        unknown = [tid for tid in threads if tid not in self.groups]
        if unknown:
            python_ids = {t.native_id for t in threading.enumerate()}
            tf_imported = self.tf_imported()
            for tid in unknown:
                name = thread_name(tid)
                group = classify(name, tid, self.main_id, python_ids, self.sampler_id, tf_imported,
                                 self.process_name, self.tf_python_ids)
                self.groups[tid] = (group, name)
        if len(self.tf_python_ids) != self._regrouped:
            self._regrouped = len(self.tf_python_ids)
            for tid in list(self.tf_python_ids):
                group, name = self.groups.get(tid, ("", ""))
                if group in ("tf_pool", "tf_named", "tf_data", "other"):
                    self.groups[tid] = ("tf_python", name)
        self.last_seen.update(threads)

    def cumulative(self) -> dict[str, float]:
        """CPU seconds per group since the start, over every thread observed so far."""
        totals: dict[str, float] = {}
        for tid, cpu in self.last_seen.items():
            group = self.groups[tid][0]
            totals[group] = totals.get(group, 0.0) + max(0.0, cpu - self.base.get(tid, 0.0))
        return totals


def forget_dead_names(threads):
    """Drop the cached names of threads that are gone."""
    # A tid can be reused by a new thread with another name: keep names of live threads only.
    for tid in [tid for tid in _NAMES if tid not in threads]:
        del _NAMES[tid]
