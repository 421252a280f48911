"""What a cell cost the process: wall time, CPU (per thread group), resident memory (:class:`CpuMeter`)."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

from .procfs import machine_idle_s, runqueue_s
from .threads import THREAD_NAMES_AVAILABLE, Grouper, Snapshot, cpu_count, forget_dead_names
from .ticker import TICKER, CpuSamples
from ..probes.tf_python import TfPythonProbe

if TYPE_CHECKING:
    from ..summaries import CpuTimeline, GroupCpu, TfPythonCall

DEFAULT_INTERVAL_MS = 100.0


#: The least wall time over which the machine's idle cores are told (``/proc/stat`` counts 10 ms ticks).
MIN_IDLE_WALL_S = 0.1


class CpuCost:
    """The measured cost of one cell: plain numbers, ready for the report."""

    def __init__(self, **fields):
        self.wall_s = 0.0
        self.cpu_user_s = self.cpu_system_s = 0.0
        self.rss_before = self.rss_after = self.rss_peak = 0
        self.groups: dict[str, GroupCpu] | None = None
        self.peak_utilisation: float | None = None
        self.samples = 0
        self.ticker_waited_s = 0.0  # how long the ticker waited runnable for a CPU other work held
        self.idle_cores: float | None = None  # cores the whole machine left idle on average (None: unknown)
        self.timeline: CpuTimeline | None = None
        self.tf_python_calls: list[TfPythonCall] = []  # TfPythonProbe.calls()
        self.notes: list[str] = []
        self.__dict__.update(fields)

    @property
    def cpu_s(self) -> float:
        """User + system CPU seconds of the process."""
        return self.cpu_user_s + self.cpu_system_s


class CpuMeter:
    """Measures a cell: ``start()`` before it, ``stop()`` after it (always, e.g. in ``finally``).

    ``interval_ms=None`` measures without a sampler thread (auto mode): no
    peak, no timeline, exited threads only as a remainder.
    """

    def __init__(self, interval_ms: float | None = DEFAULT_INTERVAL_MS, tf_imported=None, per_thread=THREAD_NAMES_AVAILABLE):
        self.interval_ms = interval_ms
        self.per_thread = per_thread
        self._tf_imported = tf_imported or (lambda: "tensorflow" in sys.modules)
        self._before: Snapshot | None = None
        self._grouper: Grouper | None = None
        self._sampler: CpuSamples | None = None
        self._tf_python: TfPythonProbe | None = None
        self._ticker_waited: float | None = None
        self._idle0: float | None = None

    def start(self):
        """Take the opening snapshot and start the sampler."""
        # Before the opening snapshot: the first sampled cell starts the thread outside its own figures.
        sampler_id = TICKER.start() if self.interval_ms is not None else TICKER.native_id
        self._ticker_waited = runqueue_s(sampler_id)
        self._idle0 = machine_idle_s()
        self._before = before = Snapshot(self.per_thread)
        if self.per_thread:
            watch = TfPythonProbe()
            self._grouper = Grouper(before, self._tf_imported, watch.native_ids)
            self._grouper.sampler_id = sampler_id
        if self.interval_ms is not None:
            self._sampler = CpuSamples(self.interval_ms / 1000.0, self._grouper, before)
            self._sampler.start()
        if self.per_thread:
            self._tf_python = watch  # before it starts: stop() undoes a start that was interrupted too
            watch.start()
        return self

    def stop(self) -> CpuCost:
        """Stop the sampler, take the closing snapshot, and return the :class:`CpuCost`.

        What :meth:`start` installed is undone first, also after a start that was interrupted
        (no opening snapshot: then it raises, with nothing left installed).
        """
        watch, self._tf_python = self._tf_python, None
        tf_python_calls = []
        if watch is not None:
            watch.stop()
            tf_python_calls = watch.calls()
        sampler = self._sampler
        if sampler is not None:
            sampler.stop()
        after = Snapshot(self.per_thread)
        idle1 = machine_idle_s()
        before = self._before
        if before is None:  # start() was interrupted before its opening snapshot
            raise RuntimeError("the CPU meter has no opening snapshot: its start() was interrupted")
        wall = after.t - before.t
        cost = CpuCost(
            wall_s=wall,
            cpu_user_s=max(0.0, after.cpu_user - before.cpu_user),
            cpu_system_s=max(0.0, after.cpu_system - before.cpu_system),
            rss_before=before.rss,
            rss_after=after.rss,
            rss_peak=max(before.rss, after.rss, sampler.rss_peak if sampler else 0),
            tf_python_calls=tf_python_calls,
        )
        # /proc/stat counts in clock ticks (10 ms): over a shorter cell the figure says little.
        if idle1 is not None and self._idle0 is not None and wall >= MIN_IDLE_WALL_S:
            cost.idle_cores = max(0.0, idle1 - self._idle0) / wall
        if self._grouper is not None:
            assert after.threads is not None  # a grouper exists only per thread
            self._grouper.observe(after.threads)  # the timeline's last interval ends with the closing snapshot
        if sampler is not None:
            if sampler.error:
                cost.notes.append(sampler.error)
            self._add_samples(cost, sampler, after)
            # What the machine withheld is not the cell's doing: time the ticker waited runnable for a CPU.
            waited, waited_before = runqueue_s(TICKER.native_id), self._ticker_waited
            if waited is not None and waited_before is not None:
                cost.ticker_waited_s = max(0.0, waited - waited_before)
            due = int(wall / sampler.interval_s)
            free = int(max(0.0, wall - cost.ticker_waited_s) / sampler.interval_s)
            if not sampler.error and free >= 3 and cost.samples < free / 2:
                cost.notes.append(
                    f"the sampler took {cost.samples} of about {due} samples: it runs only when it gets the GIL "
                    "(which the cell's pure-Python code holds) and a free core; the totals are exact, the "
                    "timeline is coarse")
            elif not sampler.error and due >= 3 and cost.samples < due / 2:
                cost.notes.append(
                    f"the sampler took {cost.samples} of about {due} samples: the machine was busy (it waited "
                    f"{cost.ticker_waited_s:.2f} s for a CPU); the totals are exact, the timeline is coarse")
        if self._grouper is not None:
            cost.groups = self._groups(cost, after)
            forget_dead_names(after.threads)
        else:
            cost.notes.append("per-thread CPU needs Linux /proc/self/task: whole-process figures only")
        return cost

    def _groups(self, cost: CpuCost, after: Snapshot) -> dict[str, GroupCpu]:
        grouper = self._grouper
        assert grouper is not None  # called only per thread
        groups: dict[str, GroupCpu] = {}
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

    def _add_samples(self, cost: CpuCost, sampler: CpuSamples, after: Snapshot):
        points = list(sampler.points)
        end_groups = self._grouper.cumulative() if self._grouper is not None else {}
        points.append((after.t - sampler.t0, after.cpu, end_groups))
        cost.samples = len(points) - 2
        peak = 0.0
        t_axis: list[float] = []
        series: dict[str, list[float]] = {}
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
