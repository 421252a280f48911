"""What a cell cost the process: CPU (per thread group), wall time, resident memory.

Thread names do not identify TensorFlow's compute threads (measured with
TensorFlow 2.21 on Linux: the threads that burn an eager matmul, and the
tf.data workers, inherit the process name ``python``), so threads are grouped
by exclusion:

- ``main``: ``threading.main_thread().native_id``;
- ``python``: the other threads ``threading.enumerate()`` knows;
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
import sys
import threading
import time

import psutil

from . import procfs

try:
    import resource
except ImportError:  # Windows
    resource = None

THREAD_NAMES_AVAILABLE = procfs.AVAILABLE
DEFAULT_INTERVAL_MS = 100.0
#: Timeline points kept for ``--plot``; longer cells are thinned to this.
TIMELINE_LIMIT = 2000

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
             process_name: str | None = None) -> str:
    """The thread group of one thread (see the module docstring for the rules).

    ``process_name`` is the name threads inherit when nobody names them
    (``python``); None accepts any name as inherited.
    """
    if tid == main_id:
        return "main"
    if tid == sampler_id:
        return "sampler"
    if tid in python_ids:
        return "python"
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

    __slots__ = ("t", "cpu_user", "cpu_system", "rss", "threads")

    def __init__(self, per_thread: bool = THREAD_NAMES_AVAILABLE):
        self.threads: dict[int, float] | None = procfs.READER.thread_cpu_times() if per_thread else None
        # Stamped between the thread and the process reads: under GIL contention each read can wait
        # several milliseconds, and the stamp should sit close to both.
        self.t = time.perf_counter()
        self.cpu_user, self.cpu_system, self.rss = _process_cpu_rss()

    @property
    def cpu(self) -> float:
        """User + system seconds of the whole process."""
        return self.cpu_user + self.cpu_system


class _Grouper:
    """Remembers each thread's group and its CPU at the start, for one measurement."""

    def __init__(self, before: Snapshot, tf_imported):
        self.base = dict(before.threads or {})
        self.tf_imported = tf_imported  # a callable: TensorFlow may be imported during the cell
        self.main_id = threading.main_thread().native_id
        # Threads nobody named inherit the name of the thread that created them, ultimately the
        # process's: the main thread's name is the best witness of it.
        self.process_name = thread_name(self.main_id)
        self.sampler_id = None
        self.groups: dict[int, tuple[str, str]] = {}  # tid → (group, name)
        self.last_seen: dict[int, float] = {}  # tid → CPU at its last observation

    def observe(self, threads: dict[int, float]):
        unknown = [tid for tid in threads if tid not in self.groups]
        if unknown:
            python_ids = {t.native_id for t in threading.enumerate()}
            tf_imported = self.tf_imported()
            for tid in unknown:
                name = thread_name(tid)
                group = classify(name, tid, self.main_id, python_ids, self.sampler_id, tf_imported, self.process_name)
                self.groups[tid] = (group, name)
        self.last_seen.update(threads)

    def cumulative(self) -> dict[str, float]:
        """CPU seconds per group since the start, over every thread observed so far."""
        totals: dict[str, float] = {}
        for tid, cpu in self.last_seen.items():
            group = self.groups[tid][0]
            totals[group] = totals.get(group, 0.0) + max(0.0, cpu - self.base.get(tid, 0.0))
        return totals


class Sampler:
    """The samples of one measurement: CPU per thread group and RSS, every ``interval_s`` seconds.

    The sampling runs on the shared :data:`SAMPLER_THREAD`; ``stop()`` detaches
    this measurement without waiting for the thread, and a sample that was
    being taken at that moment is dropped.
    """

    def __init__(self, interval_s: float, grouper: _Grouper | None, start: Snapshot):
        self.interval_s = interval_s
        self._grouper = grouper
        self._lock = threading.Lock()  # the sampler thread and stop() both touch the points and the grouper
        self._stopped = False
        self.next_due = start.t + interval_s  # perf_counter time of the next sample (the thread's to move)
        self.t0 = start.t
        self.points: list[tuple[float, float, dict]] = [(0.0, start.cpu, {})]  # (t, process CPU, group CPU)
        self.rss_peak = start.rss
        self.error: str | None = None

    @property
    def per_thread(self) -> bool:
        """True when the samples need per-thread CPU."""
        return self._grouper is not None

    def start(self):
        """Start sampling."""
        SAMPLER_THREAD.attach(self)

    def stop(self):
        """Stop sampling at once (safe to call more than once); later samples are ignored."""
        with self._lock:
            self._stopped = True
        SAMPLER_THREAD.detach(self)

    def sample(self, snap: Snapshot | None = None):
        """Record one sample: ``snap``, or a snapshot taken now."""
        if snap is None:
            snap = Snapshot(per_thread=self.per_thread)
        with self._lock:
            if self._stopped:
                return
            groups = {}
            if self._grouper is not None:
                self._grouper.observe(snap.threads)
                groups = self._grouper.cumulative()
            self.points.append((snap.t - self.t0, snap.cpu, groups))
            if len(self.points) > 2 * TIMELINE_LIMIT:
                self.points = self.points[:1] + self.points[2::2]  # thin: keep the start, every other point
            self.rss_peak = max(self.rss_peak, snap.rss)

    def fail(self, exc: BaseException):
        """Record why sampling stopped (``/proc`` may fail on exotic systems; the cell is unharmed)."""
        with self._lock:
            self.error = f"sampler stopped: {type(exc).__name__}: {exc}"


class SamplerThread:
    """One daemon thread that samples every attached :class:`Sampler` at its interval.

    It starts with the first sampled measurement and is then kept, parked on a
    condition (blocked, no CPU) while no measurement is attached: starting and
    joining a thread for every cell cost about half a millisecond of the cell's
    overhead. ``shutdown()`` ends it; ``%unload_ext tfplotguard`` calls it.
    Several measurements (a ``%%tfcheck`` nested in another) share one
    snapshot when they are due together.
    """

    NAME = "tfcheck-sampler"

    def __init__(self):
        self.reset()

    def reset(self):
        """No thread, no measurement (also run in a forked child: no thread survived the fork there,
        and the condition may have been held at that moment)."""
        self._cond = threading.Condition()
        self._jobs: list[Sampler] = []
        self._thread: threading.Thread | None = None
        self.native_id: int | None = None

    @property
    def running(self) -> bool:
        """True while the thread exists (parked or sampling)."""
        thread = self._thread
        return thread is not None and thread.is_alive()

    @property
    def busy(self) -> bool:
        """True while some measurement is attached."""
        return bool(self._jobs)

    def start(self) -> int:
        """Start the thread unless it runs; return its native id."""
        with self._cond:
            if not self.running:
                thread = threading.Thread(target=self._run, name=self.NAME, daemon=True)
                thread.start()
                self._thread, self.native_id = thread, thread.native_id
            return self.native_id

    def attach(self, job: Sampler):
        """Sample ``job`` from now on, every ``job.interval_s``."""
        self.start()
        with self._cond:
            self._jobs.append(job)
            self._cond.notify()

    def detach(self, job: Sampler):
        """Stop sampling ``job`` (the thread is not woken: it finds the job gone when it next wakes)."""
        with self._cond:
            if job in self._jobs:
                self._jobs.remove(job)

    def shutdown(self, timeout: float = 1.0) -> bool:
        """End the thread; attached measurements get no more samples. True if a thread was running."""
        with self._cond:
            thread, self._thread, self.native_id = self._thread, None, None
            self._jobs.clear()
            self._cond.notify_all()
        if thread is None or not thread.is_alive():
            return False
        if thread is not threading.current_thread():
            thread.join(timeout)
        return True

    def _due(self) -> list[Sampler] | None:
        """Wait until some job is due; None once this thread has been shut down or replaced."""
        with self._cond:
            while self._thread is threading.current_thread():
                now = time.perf_counter()
                due = [job for job in self._jobs if job.next_due <= now]
                if due:
                    return due
                next_due = min((job.next_due for job in self._jobs), default=None)
                self._cond.wait(None if next_due is None else next_due - now)
        return None

    def _run(self):
        while (due := self._due()) is not None:
            try:
                snap = Snapshot(per_thread=any(job.per_thread for job in due))
            except Exception as exc:
                snap = None
                for job in due:
                    job.fail(exc)
                    self.detach(job)
            for job in due if snap is not None else ():
                try:
                    job.sample(snap)
                except Exception as exc:
                    job.fail(exc)
                    self.detach(job)
            now = time.perf_counter()
            for job in due:
                job.next_due = now + job.interval_s


#: The process's one sampler thread.
SAMPLER_THREAD = SamplerThread()
if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=SAMPLER_THREAD.reset)


def release() -> None:
    """End the sampler thread and close the ``/proc`` files measuring keeps open (``%unload_ext`` calls this)."""
    SAMPLER_THREAD.shutdown()
    procfs.READER.close()


class CellCost:
    """The measured cost of one cell: plain numbers, ready for the report."""

    def __init__(self, **fields):
        self.wall_s = 0.0
        self.cpu_user_s = self.cpu_system_s = 0.0
        self.rss_before = self.rss_after = self.rss_peak = 0
        self.groups: dict[str, dict] | None = None  # group → {"cpu_s", "threads", "names"}
        self.peak_utilisation: float | None = None
        self.samples = 0
        self.timeline: dict | None = None
        self.notes: list[str] = []
        self.__dict__.update(fields)

    @property
    def cpu_s(self) -> float:
        """User + system CPU seconds of the process."""
        return self.cpu_user_s + self.cpu_system_s


class CellMeter:
    """Measures a cell: ``start()`` before it, ``stop()`` after it (always, e.g. in ``finally``).

    ``interval_ms=None`` measures without a sampler thread (auto mode): no
    peak, no timeline, exited threads only as a remainder.
    """

    def __init__(self, interval_ms: float | None = DEFAULT_INTERVAL_MS, tf_imported=None, per_thread=THREAD_NAMES_AVAILABLE):
        self.interval_ms = interval_ms
        self.per_thread = per_thread
        self._tf_imported = tf_imported or (lambda: "tensorflow" in sys.modules)
        self._before: Snapshot | None = None
        self._grouper: _Grouper | None = None
        self._sampler: Sampler | None = None

    def start(self):
        """Take the opening snapshot and start the sampler."""
        # Before the opening snapshot: the first sampled cell starts the thread outside its own figures.
        sampler_id = SAMPLER_THREAD.start() if self.interval_ms is not None else SAMPLER_THREAD.native_id
        self._before = before = Snapshot(self.per_thread)
        if self.per_thread:
            self._grouper = _Grouper(before, self._tf_imported)
            self._grouper.sampler_id = sampler_id
        if self.interval_ms is not None:
            self._sampler = Sampler(self.interval_ms / 1000.0, self._grouper, before)
            self._sampler.start()
        return self

    def stop(self) -> CellCost:
        """Stop the sampler, take the closing snapshot, and return the :class:`CellCost`."""
        sampler = self._sampler
        if sampler is not None:
            sampler.stop()
        after = Snapshot(self.per_thread)
        before = self._before
        wall = after.t - before.t
        cost = CellCost(
            wall_s=wall,
            cpu_user_s=max(0.0, after.cpu_user - before.cpu_user),
            cpu_system_s=max(0.0, after.cpu_system - before.cpu_system),
            rss_before=before.rss,
            rss_after=after.rss,
            rss_peak=max(before.rss, after.rss, sampler.rss_peak if sampler else 0),
        )
        if self._grouper is not None:
            self._grouper.observe(after.threads)  # the timeline's last interval ends with the closing snapshot
        if sampler is not None:
            if sampler.error:
                cost.notes.append(sampler.error)
            self._add_samples(cost, sampler, after)
            due = int(wall / sampler.interval_s)
            if not sampler.error and due >= 3 and cost.samples < due / 2:
                cost.notes.append(
                    f"the sampler took {cost.samples} of about {due} samples: it runs only when it gets the GIL "
                    "(which the cell's pure-Python code holds) and a free core; the totals are exact, the "
                    "timeline is coarse")
        if self._grouper is not None:
            cost.groups = self._groups(cost, after)
            _forget_dead_names(after.threads)
        else:
            cost.notes.append("per-thread CPU needs Linux /proc/self/task: whole-process figures only")
        return cost

    def _groups(self, cost: CellCost, after: Snapshot) -> dict[str, dict]:
        grouper = self._grouper
        groups: dict[str, dict] = {}
        for tid, cpu in grouper.last_seen.items():
            group, name = grouper.groups[tid]
            delta = max(0.0, cpu - grouper.base.get(tid, 0.0))
            row = groups.setdefault(group, {"cpu_s": 0.0, "threads": 0, "names": []})
            row["cpu_s"] += delta
            row["threads"] += 1
            if name not in row["names"]:
                row["names"].append(name)
        # CPU of threads that ended unseen: the process counts it, no live thread does.
        unseen = cost.cpu_s - sum(row["cpu_s"] for row in groups.values())
        if unseen >= 0.01:  # below the kernel's 10 ms tick this is rounding, not a thread
            groups["exited"] = {"cpu_s": unseen, "threads": 0, "names": []}
        return {g: row for g, row in groups.items() if row["cpu_s"] > 0 or g == "main"}

    def _add_samples(self, cost: CellCost, sampler: Sampler, after: Snapshot):
        points = list(sampler.points)
        end_groups = self._grouper.cumulative() if self._grouper is not None else {}
        points.append((after.t - sampler.t0, after.cpu, end_groups))
        cost.samples = len(points) - 2
        peak = 0.0
        t_axis, series = [], {}
        for (t0, c0, g0), (t1, c1, g1) in zip(points, points[1:]):
            dt = t1 - t0
            if dt <= 0:
                continue
            peak = max(peak, (c1 - c0) / dt)
            t_axis.append(round(t0, 4))
            for group in set(g0) | set(g1):
                series.setdefault(group, [0.0] * (len(t_axis) - 1))
            for group, ys in series.items():
                ys.append(round(max(0.0, g1.get(group, 0.0) - g0.get(group, 0.0)) / dt, 3))
        # Thread CPU is counted in 10 ms ticks, so one short interval can show more than all cores.
        cost.peak_utilisation = min(peak, float(cpu_count())) if cost.samples > 0 else None
        cost.timeline = {"t": t_axis, "groups": series}


def _forget_dead_names(threads):
    # A tid can be reused by a new thread with another name: keep names of live threads only.
    for tid in [tid for tid in _NAMES if tid not in threads]:
        del _NAMES[tid]
