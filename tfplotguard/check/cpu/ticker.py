"""The ticker: one parked daemon thread that reads CPU per thread group and RSS while cells run.

A :class:`CpuSamples` is the readings of one measurement; the one
:class:`Ticker` of the process takes them for every attached measurement at
its interval, and is parked between cells.
"""

from __future__ import annotations

import os
import threading
import time

from ...core import state
from . import procfs
from .threads import Grouper, Snapshot

#: Timeline points kept for ``--plot``; longer cells are thinned to this.
TIMELINE_LIMIT = 2000


class CpuSamples:
    """The samples of one measurement: CPU per thread group and RSS, every ``interval_s`` seconds.

    The readings are taken on the shared :data:`TICKER`; ``stop()`` detaches
    this measurement without waiting for the thread, and a sample that was
    being taken at that moment is dropped.
    """

    wants_snapshot = True

    def __init__(self, interval_s: float, grouper: Grouper | None, start: Snapshot):
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
        TICKER.attach(self)

    def stop(self):
        """Stop sampling at once (safe to call more than once); later samples are ignored."""
        with self._lock:
            self._stopped = True
        TICKER.detach(self)

    def sample(self, snap: Snapshot | None = None):
        """Record one sample: ``snap``, or a snapshot taken now."""
        if snap is None:
            snap = Snapshot(per_thread=self.per_thread)
        with self._lock:
            if self._stopped:
                return
            groups = {}
            if self._grouper is not None:
                assert snap.threads is not None  # a grouper exists only per thread
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


class Ticker:
    """One daemon thread that samples every attached :class:`CpuSamples` at its interval.

    It starts with the first sampled measurement and is then kept, parked on a
    condition (blocked, no CPU) while no measurement is attached: starting and
    joining a thread for every cell cost about half a millisecond of the cell's
    overhead. ``shutdown()`` ends it; ``%unload_ext tfplotguard`` calls it.
    Several measurements (a ``%%tfcheck`` nested in another) share one
    snapshot when they are due together.
    """

    NAME = "tfcheck-ticker"

    def __init__(self):
        self.forget_in_child()

    def reset(self):
        """End the thread (process-state reset); the next sampled measurement starts a new one."""
        self.shutdown()

    def forget_in_child(self):
        """No thread, no measurement: after a fork, in the child (no thread survived the fork there,
        and the condition may have been held at that moment)."""
        self._cond = threading.Condition()
        self._jobs: list[CpuSamples] = []
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

    @property
    def ident(self) -> int | None:
        """The thread's Python ident (the key of ``sys._current_frames()``), None while there is none."""
        thread = self._thread
        return thread.ident if thread is not None else None

    def start(self) -> int | None:
        """Start the thread unless it runs; return its native id."""
        with self._cond:
            if not self.running:
                thread = threading.Thread(target=self._run, name=self.NAME, daemon=True)
                thread.start()
                self._thread, self.native_id = thread, thread.native_id
            return self.native_id

    def attach(self, job: CpuSamples):
        """Sample ``job`` from now on, every ``job.interval_s`` (from ``job.next_due`` on).

        A job is anything with ``next_due``, ``interval_s``, ``per_thread``,
        ``wants_snapshot``, ``sample(snap)`` and ``fail(exc)`` (:class:`CpuSamples`);
        a job that wants no snapshot is called with None.
        """
        self.start()
        with self._cond:
            self._jobs.append(job)
            self._cond.notify()

    def detach(self, job: CpuSamples):
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

    def _due(self) -> list[CpuSamples] | None:
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
            for job in due:
                if not job.wants_snapshot:  # a one-off action at its time (auto mode's late stack sampling)
                    self._sample(job, None)
            self._snapshot([job for job in due if job.wants_snapshot])
            now = time.perf_counter()
            for job in due:
                job.next_due = now + job.interval_s

    def _snapshot(self, due: list) -> None:
        """One snapshot for every job in ``due``, given to each."""
        if not due:
            return
        jobs = self._jobs
        try:
            # Given up once every job it is for has been detached: a cell ending now takes
            # its closing snapshot under the same lock, and would wait for this one.
            snap = Snapshot(per_thread=any(job.per_thread for job in due),
                            abort=lambda jobs=jobs, due=due: not any(job in jobs for job in due))
        except Exception as exc:
            for job in due:
                job.fail(exc)
                self.detach(job)
        else:
            if not snap.aborted:
                for job in due:
                    self._sample(job, snap)

    def _sample(self, job, snap) -> None:
        try:
            job.sample(snap)
        except Exception as exc:
            job.fail(exc)
            self.detach(job)


#: The process's one sampler thread.
TICKER = state.own("sampler thread", Ticker())
if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=TICKER.forget_in_child)


def release() -> None:
    """End the sampler thread and close the ``/proc`` files measuring keeps open (``%unload_ext`` calls this)."""
    TICKER.shutdown()
    procfs.READER.close()
