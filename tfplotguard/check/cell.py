"""One measured cell: start every probe before it, stop them all after it, build the report.

Used by ``%%tfcheck`` (with the sampler thread and the namespace scan) and by
auto mode (without either, and with probes kept installed between its cells,
:mod:`.probes`, so that it stays within about a millisecond a cell). ``stop()``
undoes every ``start()`` step even when one of them fails.
"""

from __future__ import annotations

import functools
import threading
import time
from typing import TYPE_CHECKING, Any, Callable

from .. import guard as _guard
from ..core import seams
from ..live import counters as live_counters
from . import findings
from .cpu import meter, threads as cpu
from .cpu.ticker import TICKER
from .inspect import holders, tfstate
from .probes import mpl as mplprobe
from .probes import Probes
from .report import Report, error_text
from .probes.ops import OpProbe

if TYPE_CHECKING:
    from typing import TypedDict

    from .attribution import Attribution, StackSampler
    from .summaries import GpuMemory, GuardDelta, LiveDelta, MplState, TfState

    class ClosingState(TypedDict):
        """The state after a cell (:func:`state`); the guard's and live plotting's counters as they give them."""

        tf: TfState
        mpl: MplState
        guard: dict[str, Any]
        live: dict[str, Any]

    class OpeningState(TypedDict):
        """The state before a cell (:func:`opening_state`): TensorFlow imported or not, and the counters."""

        tf: TfState
        guard: dict[str, Any]
        live: dict[str, Any]


def state() -> ClosingState:
    """The state after a cell: TensorFlow, matplotlib, the guard's and live plotting's counters."""
    return {"tf": tfstate.quick_state(), "mpl": mplprobe.state(), "guard": _guard.stats(), "live": live_counters()}


def opening_state() -> OpeningState:
    """The state before a cell: only what the report and the findings compare (counters, TensorFlow imported).

    Leaner than :func:`state`: while TensorFlow's context is not initialised,
    reading its thread settings builds a config proto each time.
    """
    return {"tf": {"imported": tfstate.tensorflow_module() is not None}, "guard": _guard.stats(),
            "live": live_counters()}


def live_delta(before: dict[str, Any], after: dict[str, Any]) -> LiveDelta:
    """What LivePlot / live() did between two counter snapshots."""
    def change(key: str) -> Any:
        return after[key] - before.get(key, 0)

    return {"seconds": change("seconds"), "redraws": change("redraws"), "throttled": change("throttled"),
            "deferred": change("deferred")}


def guard_delta(before: dict[str, Any], after: dict[str, Any]) -> GuardDelta:
    """What the guard did between two ``stats()`` snapshots."""
    def change(key: str) -> Any:
        return after.get(key, 0) - before.get(key, 0)

    delta: GuardDelta = {"calls": change("calls"), "conversions": change("conversions"),
                         "cache_hits": change("cache_hits"), "errors": change("errors"),
                         "pyplot_thread_calls": change("pyplot_thread_calls")}
    old = before.get("bytes_by_device", {})
    delta["bytes_by_device"] = {
        device: n - old.get(device, 0) for device, n in after.get("bytes_by_device", {}).items()
        if n - old.get(device, 0) > 0
    }
    delta["enabled"] = bool(after.get("enabled"))
    # the cache as it stands after the cell
    if "cache_bytes" in after:
        delta["cache_bytes"] = after["cache_bytes"]
    if "cache_limit_bytes" in after:
        delta["cache_limit_bytes"] = after["cache_limit_bytes"]
    return delta


class LateStacks:
    """Stack sampling that starts once the cell has run ``after_s`` seconds: auto mode's.

    A job of the parked :data:`~.cpu.ticker.TICKER` thread, which starts the
    sampler for the cell's thread when the time comes: a cell that ends sooner
    never gets a sampler thread, a lowered switch interval or a collector
    callback.
    """

    per_thread = False
    wants_snapshot = False

    def __init__(self, make_sampler: Callable[[], StackSampler], after_s: float):
        self.make_sampler = make_sampler
        self.sampler: StackSampler | None = None  # made when the time comes: a fast cell never builds one
        self.after_s = after_s
        self.interval_s = after_s
        self.next_due = float("inf")
        self.error: BaseException | None = None
        self._target = threading.get_ident()
        self._lock = threading.Lock()  # the ticker starting the sampler and the cell stopping it
        self._state = "new"  # → "waiting" → "sampling"; "stopped" at the end, whichever came first

    def start(self) -> None:
        """From the cell's thread: start sampling it ``after_s`` from now."""
        self._target = threading.get_ident()
        self.next_due = time.perf_counter() + self.after_s
        with self._lock:
            self._state = "waiting"
        TICKER.attach(self)

    def sample(self, snap: object = None) -> None:
        """The ticker thread, when due: start the sampler on the cell's thread, once."""
        with self._lock:
            if self._state == "waiting":
                self.sampler = self.make_sampler()
                self.sampler.start(self._target)
                self._state = "sampling"
        TICKER.detach(self)

    def fail(self, exc: BaseException) -> None:
        """The sampler did not start (the ticker detaches this job): the cell gets no attribution."""
        self.error = exc.with_traceback(None)

    def cell_ended(self) -> None:
        """From the cell's thread: its code has returned (:meth:`StackSampler.cell_ended`); a sampler not
        started yet never starts."""
        with self._lock:
            if self._state == "waiting":
                self._state = "stopped"
            sampler = self.sampler if self._state == "sampling" else None
        if sampler is not None:
            sampler.cell_ended()

    def stop(self) -> Attribution | None:
        """From the cell's thread: the attribution, if sampling had started; None for a faster cell."""
        TICKER.detach(self)
        with self._lock:
            state, self._state = self._state, "stopped"
        return self.sampler.stop() if state == "sampling" and self.sampler is not None else None


class CellCheck:
    """Measures one cell: ``start()`` right before running it, ``stop(error)`` right after (always)."""

    def __init__(self, namespace: dict, *, kind: str = "cell", source: str = "",
                 interval_ms: float | None = meter.DEFAULT_INTERVAL_MS, ops: bool = False,
                 scan_namespace: bool = True, disabled_rules=(), thresholds=None, stacks_ms: float | None = None,
                 cell_filename: str | None = None, kept: Probes | None = None, stacks_after_s: float = 0.0):
        """``stacks_ms``: sample the cell's stacks every so many milliseconds (None: no attribution);
        ``stacks_after_s``: start sampling only once the cell has run that long (auto mode: a faster
        cell pays nothing for it; the report's attribution then covers the rest of the cell);
        ``cell_filename``: the name the cell's code was compiled under (its lines are attributed);
        ``kept``: a :class:`~.probes.Probes` to count with (auto mode's), paused, not removed, after the cell;
        without it the cell gets a set of its own, released after it."""
        self.namespace = namespace
        self.kind = kind
        self.source = source
        self.interval_ms = interval_ms
        self.scan_namespace = scan_namespace
        self.disabled_rules = frozenset(disabled_rules)
        self.thresholds = thresholds or {}  # {rule_id: {name: value}}: the rules' defaults replaced
        self.opwatch = OpProbe(ops=ops, cell_filename=cell_filename)
        self.probes = kept if kept is not None else Probes()
        self._end_probes = self.probes.pause if kept is not None else self.probes.release
        self.meter = meter.CpuMeter(interval_ms)
        self.stacks: StackSampler | None = None
        self._late: LateStacks | None = None
        if stacks_ms is not None:
            from .attribution import StackSampler  # on first use: %load_ext stays within its 50 ms

            make = functools.partial(StackSampler, cell_filename, interval_s=stacks_ms / 1000.0, namespace=namespace)
            if stacks_after_s > 0:
                self._late = LateStacks(make, stacks_after_s)
            else:
                self.stacks = make()
        self._attribution: Attribution | None = None
        self._undo: list = []
        self._before: OpeningState | dict[str, Any] = {}
        self._ns_ids: dict | None = None
        self._started = 0.0
        self._gpu_before: dict[str, GpuMemory] = {}

    def start(self) -> "CellCheck":
        """Snapshot the state and start every probe (the CPU meter last, closest to the cell)."""
        try:
            self._before = opening_state()
            if self.scan_namespace:
                self._ns_ids = tfstate.namespace_ids(self.namespace)
            if self.kind == "cell":  # auto mode never resets: the user's own peak readings stay true
                self._gpu_before = tfstate.reset_gpu_peaks()
            # Each undo is registered before its step acts (and tolerates a step that never ran), so
            # an interrupt between any two steps, or inside one, leaves nothing installed.
            self._undo.append(self._end_probes)
            seams.at("cell: probes")
            self.probes.begin()
            self._undo.append(self.opwatch.stop)
            seams.at("cell: op probe")
            self.opwatch.start()
            self._started = time.time()
            if self.stacks is not None or self._late is not None:
                self._undo.append(self._stop_stacks)
                seams.at("cell: stack sampler")
                if self._late is not None:
                    self._late.start()
                elif self.stacks is not None:
                    self.stacks.start()
            self._undo.append(self.meter.stop)
            seams.at("cell: cpu meter")
            self.meter.start()
            seams.at("cell: started")
        except BaseException:
            self._unwind()
            raise
        return self

    @property
    def _stack_source(self) -> LateStacks | StackSampler | None:
        """What samples this cell's stacks: auto mode's late sampler, the sampler itself, or nothing."""
        return self._late if self._late is not None else self.stacks

    def _stop_stacks(self) -> None:
        source = self._stack_source
        if source is not None:  # registered only when there is a sampler
            self._attribution = source.stop()

    def _unwind(self) -> list[str]:
        """Run every undo, newest first, past a failing one; an interrupt in one is raised after the rest ran."""
        errors = []
        interrupted: BaseException | None = None
        while self._undo:
            undo = self._undo.pop()
            try:
                seams.undo("cell: undo", undo)
            except Exception as exc:
                errors.append(f"{getattr(undo, '__qualname__', undo)} failed: {type(exc).__name__}: {exc}")
            except BaseException as exc:
                interrupted = interrupted or exc
        if interrupted is not None:
            raise interrupted
        return errors

    def cancel(self) -> None:
        """Stop every probe without building a report."""
        self._unwind()

    def stop(self, error: BaseException | None = None) -> Report:
        """Stop every probe (CPU meter first) and return the cell's :class:`Report`."""
        cost = None
        if self._stop_stacks in self._undo:  # the cell's code is done: the stack sampler's looks end here
            source = self._stack_source
            if source is not None:
                source.cell_ended()
        if self._undo and self._undo[-1] == self.meter.stop:
            self._undo.pop()
            try:
                cost = seams.undo("cell: stop meter", self.meter.stop)
            except Exception:
                cost = None
            except BaseException:
                self._unwind()
                raise
        notes = self._unwind()
        if cost is None:
            cost = meter.CpuCost()
            notes.append("the CPU meter failed: no cost figures")
        before, after, probes = self._before, state(), self.probes
        report = Report(
            kind=self.kind,
            source=self.source,
            ok=error is None,
            error=None if error is None else error_text(error),
            started=self._started,
            wall_s=cost.wall_s,
            cpu_user_s=cost.cpu_user_s,
            cpu_system_s=cost.cpu_system_s,
            cores=cpu.cpu_count(),
            utilisation=cost.cpu_s / cost.wall_s if cost.wall_s > 0 else 0.0,
            peak_utilisation=cost.peak_utilisation,
            idle_cores=cost.idle_cores,
            interval_ms=self.interval_ms,
            samples=cost.samples,
            thread_groups=None if cost.groups is None else [
                {"group": g, "cpu_s": row["cpu_s"], "threads": row["threads"], "names": row["names"]}
                for g, row in sorted(cost.groups.items(), key=lambda kv: -kv[1]["cpu_s"])
            ],
            tf_python_calls=cost.tf_python_calls,
            rss_before=cost.rss_before,
            rss_after=cost.rss_after,
            rss_peak=cost.rss_peak,
            gpu_memory=self._gpu_memory(),
            guard=guard_delta(before.get("guard", {}), after["guard"]),
            tf=after["tf"],
            mpl={**after["mpl"], **probes.mplwatch.summary()},
            live=live_delta(before.get("live", {}), after["live"]),
            timeline=cost.timeline,
            counts={"figures": probes.mplwatch.figures, **probes.callcounts.summary()},
            keras_calls=list(probes.callcounts.arguments),
            notes=notes + cost.notes,
        )
        if self._attribution is not None:
            report.attribution = self._attribution.to_dict()
            if self._late is not None:
                report.notes.append(f"the stacks were sampled from {self._late.after_s:g} s into the cell on "
                                    f"(auto mode); the findings weigh that part")
        if self._gpu_before:
            report.notes.append("GPU memory peaks were reset for this cell (tf.config.experimental.reset_memory_stats); "
                                "the peaks before it are kept in the report as peak_before")
        if after["tf"].get("imported"):
            if not before.get("tf", {}).get("imported"):
                report.notes.append("TensorFlow was imported during this cell: traces, ops and .numpy() "
                                    "calls are counted from the next cell on")
            report.numpy = probes.numpywatch.summary()
            report.pipelines = probes.pipelines.summary()
            report.pyvalues = probes.pyvalues.summary()
            report.traces = dict(self.opwatch.traces)
            report.trace_signatures = self.opwatch.signatures(self.namespace)
            report.trace_origins = self.opwatch.origins()
            report.tf_times = self.opwatch.times()
            if self.opwatch.count_ops:
                report.ops = self.opwatch.ops_by_device()
                report.notes.append("ops are counted in the main thread only (TensorFlow's op callbacks are per thread)")
            if self.opwatch.errors:
                report.notes.append(f"{self.opwatch.errors} op callback error(s) ignored")
            if self._ns_ids is not None:
                report.tensors = tfstate.changed_tensors(self.namespace, self._ns_ids)
        else:
            report.notes.append(tfstate.NOT_IMPORTED)
        if report.rss_after - report.rss_before >= holders.SCAN_GROWTH:
            report.held = holders.scan(self.namespace)
        report.findings, rule_notes = findings.evaluate(report, disabled=self.disabled_rules,
                                                           thresholds=self.thresholds)
        report.notes += rule_notes
        return report


    def _gpu_memory(self) -> dict[str, GpuMemory]:
        """Each GPU's memory now; a %%tfcheck cell's peak is its own, with the reset-away peak beside it."""
        memory = tfstate.gpu_memory()
        for device, info in memory.items():
            if device in self._gpu_before:
                info["peak_before"] = self._gpu_before[device]["peak"]
        return memory


def first_line(cell: str, width: int = 80) -> str:
    """The first non-blank line of a cell, shortened to ``width``."""
    for line in cell.splitlines():
        if line.strip():
            line = line.strip()
            return line if len(line) <= width else line[: width - 1] + "…"
    return ""
