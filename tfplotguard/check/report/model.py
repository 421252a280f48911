"""What ``%tfcheck`` measured for one cell, as plain data (``Report``), and its diagnoses (``Finding``).

A :class:`Report` holds plain data only (numbers, strings, lists, dicts), so
``to_dict()`` is JSON-able and ``Report.from_dict(report.to_dict())`` gives
an equal report back. Its renderings live in :mod:`.render`.
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..findings.finding import Finding

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from ..summaries import (
        AttributionSummary, CellCounts, ChangedTensor, CpuTimeline, GpuMemory, GuardDelta, Holder, KerasCall,
        LiveDelta, MplSection, NumpySummary, OpsByDevice, PipelineSummary, PyValuesSummary, TfPythonCall,
        TfState, TfTimes, ThreadGroup, TraceOrigin, TraceSignature,
    )


def _unmeasured() -> Any:
    """A section's value until it is measured: ``{}`` (its TypedDict, all keys optional, is the type checker's only)."""
    return {}


@dataclass
class Report:
    """Everything ``%%tfcheck`` (or auto mode) measured for one cell.

    Times are seconds, sizes bytes, ``utilisation`` is cores busy on average
    (CPU time / wall time). Sections that were not measured are None: the
    thread groups where the OS gives no per-thread figures, ``ops`` without
    ``--ops``, the sampled peak and timeline in auto mode.
    """

    kind: str = "cell"  # "cell" (%%tfcheck) or "auto" (%tfcheck on)
    source: str = ""
    ok: bool = True
    error: str | None = None
    started: float = 0.0  # epoch seconds
    wall_s: float = 0.0
    cpu_user_s: float = 0.0
    cpu_system_s: float = 0.0
    cores: int = 1
    utilisation: float = 0.0
    peak_utilisation: float | None = None
    #: Cores the whole machine (every process) left idle on average during the cell; None: not known
    #: (no /proc/stat, or a cell under 0.1 s). Whether more threads could have run at once.
    idle_cores: float | None = None
    interval_ms: float | None = None
    samples: int = 0
    thread_groups: list[ThreadGroup] | None = None
    #: The Python functions TensorFlow's threads called through tf.py_function, tf.numpy_function or
    #: Dataset.from_generator, timed per call (``tfwatch.TfPythonProbe.calls()``):
    #: [{"function", "filename", "calls", "seconds"}], most time first.
    tf_python_calls: list[TfPythonCall] = field(default_factory=list)
    rss_before: int = 0
    rss_after: int = 0
    rss_peak: int = 0
    gpu_memory: dict[str, GpuMemory] = field(default_factory=dict)  # {"GPU:0": {"current", "peak"}}
    guard: GuardDelta = field(default_factory=_unmeasured)  # deltas of tfplotguard.stats()
    numpy: NumpySummary = field(default_factory=_unmeasured)  # explicit .numpy() calls
    #: Python lists turned into tensors, tensor elements indexed / iterated, float()/int() of tensors
    #: (``check.pyvalues.PyValueProbe.summary()``).
    pyvalues: PyValuesSummary = field(default_factory=_unmeasured)
    traces: dict[str, int] = field(default_factory=dict)  # {function name: traces during the cell}
    trace_signatures: dict[str, list[TraceSignature]] = field(default_factory=dict)  # {name: [{argument: text}]}
    trace_origins: dict[str, TraceOrigin] = field(default_factory=dict)
    ops: OpsByDevice | None = None  # {device: {op type: count}}
    #: TensorFlow's timings and counts beside the traces (``OpProbe.times()``): trace seconds per function,
    #: eager ops per type, variables created / discarded, tf.function bodies run eagerly and their seconds.
    tf_times: TfTimes = field(default_factory=_unmeasured)
    tensors: list[ChangedTensor] = field(default_factory=list)
    tf: TfState = field(default_factory=_unmeasured)
    mpl: MplSection = field(default_factory=_unmeasured)
    live: LiveDelta = field(default_factory=_unmeasured)  # LivePlot / live() during the cell: seconds, redraws, ...
    timeline: CpuTimeline | None = None  # {"t": [...], "groups": {group: [cores busy, ...]}}
    attribution: AttributionSummary | None = None  # where the wall time went (Attribution.to_dict()); %%tfcheck only
    #: Exact counts of calls made during the cell: {"figures": matplotlib Figures created (matplotlib
    #: imported before the cell), "fit"/"predict"/"evaluate": outermost Keras Model calls (Keras
    #: imported before the cell), "variables": tf.Variables created (TensorFlow imported before the
    #: cell; Keras's own variables included)}; traces are in ``traces``.
    counts: CellCounts = field(default_factory=_unmeasured)
    #: The arguments of the first Keras fit/predict/evaluate calls (``callcounts.call_arguments``).
    keras_calls: list[KerasCall] = field(default_factory=list)
    #: The tf.data pipelines iterated during the cell (``pipeline.describe``, with ``iterators``); None: not watched.
    pipelines: list[PipelineSummary] | None = None
    #: The user's containers of arrays/tensors (``check.holders.scan``), taken only when the cell grew RSS by 8 MiB+.
    held: list[Holder] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)  # every finding, minor ones included (see Finding)
    notes: list[str] = field(default_factory=list)
    #: Show the minor findings too (``--all``); a rendering option, kept in ``to_dict()``.
    show_minor: bool = False
    #: The ``--plot`` figure (a matplotlib ``Figure``); not part of ``to_dict()``.
    figure: object = field(default=None, repr=False, compare=False)

    # -- data ----------------------------------------------------------------
    @property
    def cpu_s(self) -> float:
        """User + system CPU seconds of the whole process during the cell."""
        return self.cpu_user_s + self.cpu_system_s

    def group_cpu(self, group: str) -> float:
        """CPU seconds of one thread group (0 when absent or not measured)."""
        for row in self.thread_groups or ():
            if row["group"] == group:
                return row["cpu_s"]
        return 0.0

    def top_group(self) -> str | None:
        """The thread group with the most CPU time, or None."""
        rows = [row for row in self.thread_groups or () if row["group"] != "sampler"]
        return max(rows, key=lambda row: row["cpu_s"])["group"] if rows else None

    def shown_findings(self) -> list[Finding]:
        """The findings the text and HTML show: all of them with ``show_minor``, else the non-minor ones."""
        return list(self.findings) if self.show_minor else [f for f in self.findings if not f.minor]

    def warnings(self) -> list[Finding]:
        """The findings that are warnings: severity ``warn`` and not minor."""
        return [f for f in self.findings if f.is_warning]

    def total_traces(self) -> int:
        """All ``tf.function`` traces during the cell."""
        return sum(self.traces.values())

    # -- display: the renderings live in .render, and take the report ----------------------------
    def __str__(self) -> str:
        from . import render

        return render.text(self)

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        printer.text(str(self))

    def _repr_html_(self) -> str:
        from . import render

        return render.html(self)

    def compact(self) -> str:
        """The one-line form auto mode shows (:func:`.render.compact`)."""
        from . import render

        return render.compact(self)

    def clock(self) -> str:
        """The cell's start and end on the wall clock: ``10:42:07 → 10:42:09`` ("" if unknown)."""
        from . import render

        return render.clock(self)

    def mimebundle(self, compact: bool = False) -> dict[str, str]:
        """``{"text/plain", "text/html"}`` for ``display(..., raw=True)``; ``compact``: the one-line form."""
        from . import render

        return render.mimebundle(self, one_line=compact)

    def plot(self) -> Figure:
        """A matplotlib ``Figure`` of cores busy per thread group over the cell (:func:`.render.plot`)."""
        from . import render

        return render.plot(self)

    def to_dict(self) -> dict[str, Any]:
        """The report as plain JSON-able data (``Report.from_dict`` reverses it)."""
        data = {f.name: _plain(getattr(self, f.name)) for f in dataclasses.fields(self) if f.name != "figure"}
        data["cpu_s"] = self.cpu_s
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Report:
        """Rebuild a report from :meth:`to_dict` output (also after a JSON round trip)."""
        names = {f.name for f in dataclasses.fields(cls)}
        kwargs = {key: value for key, value in data.items() if key in names}
        kwargs["findings"] = [f if isinstance(f, Finding) else Finding(**f) for f in kwargs.get("findings", [])]
        return cls(**kwargs)

    def to_json(self, indent: int | None = 1) -> str:
        """The report as JSON text."""
        return json.dumps(self.to_dict(), indent=indent, default=str)


def _plain(value: Any) -> Any:
    """A deep copy made of dicts, lists and scalars only."""
    if isinstance(value, Finding):
        return dataclasses.asdict(value)
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(item) for item in value]
    return value


def error_text(error: BaseException) -> str:
    """How a report names the exception a cell raised: ``Type: message``, at most 200 characters."""
    return f"{type(error).__name__}: {error}"[:200]
