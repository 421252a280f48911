"""The result of a stack-sampled cell: plain data, JSON-able, with a ``from_dict`` round trip."""

from __future__ import annotations

import linecache
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .categories import UNATTRIBUTED, category

if TYPE_CHECKING:
    from ..summaries import (AttributionSummary, CallPath, CallTree, CategoryTimeline, FunctionRow, GcTrigger, HelperRow,
                             NameRow, ThreadFrame)

__all__ = ["Attribution", "CategoryShare", "IDLE", "LineShare", "ThreadShare", "TOP_LINES", "TOP_FRAMES"]

#: Cell lines kept in a result, by time.
TOP_LINES = 8
#: Frames kept per other thread in a result, by time.
TOP_FRAMES = 5
#: A line whose samples were at least this share inside library calls gets its bare-frame samples moved to them.
LIBRARY_LINE_SHARE = 0.10
_OWN = frozenset(("cell", "waiting", "native", "blocked"))
#: A thread's categories that are no work: waiting on a lock, queue or thread, or off the CPU.
IDLE = frozenset(("waiting", "blocked"))


@dataclass
class CategoryShare:
    """Time of one category: ``seconds`` and ``share`` of the cell's wall time (0..1)."""

    id: str
    label: str
    colour: str
    seconds: float
    share: float


@dataclass
class LineShare:
    """One cell line: its time and share, and the category that dominated beneath it."""

    line: int
    source: str
    seconds: float
    share: float
    category: str
    category_share: float  # of this line's time


@dataclass
class ThreadShare:
    """Another thread seen running Python during the cell, by name (threads of one name are summed).

    ``seconds`` is the time it was seen holding a Python frame, at work or not: a look in a gap it
    spent off the CPU is ``blocked`` (or ``waiting``, as its stack says), whatever its frames are.
    ``cpu_s``: the CPU it used over the looks (None: its CPU clock could not be read).
    """

    name: str
    seconds: float
    categories: dict[str, float]
    frames: list[ThreadFrame]  # most time first
    cpu_s: float | None = None

    @property
    def running_s(self) -> float:
        """Seconds it was seen at work: neither waiting nor blocked."""
        return sum(s for c, s in self.categories.items() if c not in IDLE)


@dataclass
class Attribution:
    """Where a cell's wall time went: categories (adding up to ``wall_s``, ``unattributed`` included),
    the top cell lines, the other threads, and how it was sampled."""

    wall_s: float
    categories: list[CategoryShare]
    lines: list[LineShare]
    threads: list[ThreadShare]
    samples: int
    interval_s: float
    cell_filename: str | None = None
    error: str | None = None
    lines_total: int = 0  # distinct cell lines sampled (``lines`` keeps the top ``TOP_LINES``)
    extra: dict[str, Any] = field(default_factory=dict)
    #: The cell thread's categories over time (``StackSampler.timeline()``): ``{"t", "width_s", "categories"}``.
    timeline: CategoryTimeline | None = None
    #: The heaviest paths from a cell line through the library call it made to the innermost function:
    #: ``{"line", "call", "inner", "seconds"}`` (call / inner ``module.function``, None where there is none).
    paths: list[CallPath] = field(default_factory=list)
    #: Seconds of each category the cell's thread spent off the CPU (its CPU clock at each look); None: unknown.
    off_cpu: dict[str, float] | None = None
    #: The names on the busiest lines and what they held after the cell (:func:`.names.line_names`).
    names: list[NameRow] = field(default_factory=list)
    #: Per busy line, the seconds inside each function beneath it, inclusive: ``{"line", "function", "seconds"}``.
    functions: list[FunctionRow] = field(default_factory=list)
    #: Per busy line, its hot call tree: ``{"line", "seconds", "calls": [{"function", "seconds", "calls"}, …]}``.
    trees: list[CallTree] = field(default_factory=list)
    #: Per busy line, the lines of the user's own helpers beneath it that held its time, in the cell's terms
    #: (:func:`.helpers.helper_rows`).
    helpers: list[HelperRow] = field(default_factory=list)
    #: Where the full garbage collections started (:meth:`.samples.Samples._gc_rows`), heaviest first.
    gc_triggers: list[GcTrigger] = field(default_factory=list)

    @classmethod
    def build(cls, wall_s: float, categories: dict[str, float], lines: dict[int, dict[str, float]],
              threads: dict[str, dict], samples: int, interval_s: float, cell_filename: str | None = None,
              error: str | None = None, top_lines: int = TOP_LINES, bare: dict[int, float] | None = None,
              callees: dict[int, set] | None = None, sampler_cpu_s: float = 0.0,
              timeline: CategoryTimeline | None = None, gaps: dict[str, Any] | None = None,
              paths: list[CallPath] | None = None, off_cpu: dict[str, float] | None = None,
              names: list[NameRow] | None = None, functions: list[FunctionRow] | None = None,
              trees: list[CallTree] | None = None, helpers: list[HelperRow] | None = None,
              gc_triggers: list[GcTrigger] | None = None) -> "Attribution":
        """Make the result from the sampler's counters (seconds); ``unattributed`` = wall − sampled.

        ``bare``: per line, the seconds of samples caught in the cell's own frame
        (a subset of that line's ``cell`` seconds). On a line where at least
        ``LIBRARY_LINE_SHARE`` of the samples were inside library calls, those
        are the tail of a GIL-holding C call made by the library (the interpreter
        could only hand the GIL over once back in the cell), so they move to the
        line's library categories in proportion. A line without such samples
        whose calls (``callees``: line → categories, from :func:`.callees.line_callees`)
        all start in one library category moves them there. Pure-Python lines,
        and lines whose calls disagree, keep theirs. ``extra["moved_s"]`` says how much moved;
        ``gaps`` (the sampler's ``first_look_s`` and ``tail_s``) are copied into ``extra``.
        """
        categories = dict(categories)
        lines = {k: dict(v) for k, v in lines.items()}
        moved = 0.0
        for line, b in (bare or {}).items():
            per_cat = lines.get(line)
            if not per_cat or b <= 0:
                continue
            lib = {c: s for c, s in per_cat.items() if c not in _OWN}
            lib_s = sum(lib.values())
            if lib_s < LIBRARY_LINE_SHARE * sum(per_cat.values()):
                called = {c for c in (callees or {}).get(line, ()) if c is not None}
                if len(called) != 1 or called & _OWN:
                    continue
                lib = {called.pop(): 1.0}
                lib_s = 1.0
                for c in lib:
                    per_cat.setdefault(c, 0.0)
            b = min(b, per_cat.get("cell", 0.0))
            per_cat["cell"] -= b
            categories["cell"] = categories.get("cell", 0.0) - b
            for c, s in lib.items():
                per_cat[c] += b * s / lib_s
                categories[c] = categories.get(c, 0.0) + b * s / lib_s
            moved += b
        if categories.get("cell", 1.0) <= 1e-12:
            categories.pop("cell", None)
        sampled = sum(categories.values())
        wall_s = max(wall_s, sampled)
        secs = dict(categories)
        secs[UNATTRIBUTED] = max(0.0, wall_s - sampled)

        def share(s):
            return s / wall_s if wall_s > 0 else 0.0

        cats = []
        for cid, s in sorted(secs.items(), key=lambda kv: (kv[0] == UNATTRIBUTED, -kv[1])):
            shown = category(cid)
            cats.append(CategoryShare(cid, shown.label, shown.colour, s, share(s)))
        rows = []
        for line, per_cat in lines.items():
            per_cat = {c: s for c, s in per_cat.items() if s > 1e-12}
            total = sum(per_cat.values())
            if not per_cat:
                continue
            top_cat, top_s = max(per_cat.items(), key=lambda kv: kv[1])
            source = linecache.getline(cell_filename, line).strip() if cell_filename else ""
            rows.append(LineShare(line, source, total, share(total), top_cat, top_s / total if total else 0.0))
        rows.sort(key=lambda r: -r.seconds)
        thread_rows = []
        for name, entry in threads.items():
            frames = sorted(entry["frames"].items(), key=lambda kv: -kv[1])[:TOP_FRAMES]
            thread_rows.append(ThreadShare(
                name, entry["seconds"], dict(sorted(entry["categories"].items(), key=lambda kv: -kv[1])),
                [{"function": f, "filename": fn, "line": ln, "seconds": s} for (fn, f, ln), s in frames],
                entry.get("cpu_s"),
            ))
        thread_rows.sort(key=lambda t: -t.seconds)
        return cls(wall_s, cats, rows[:top_lines], thread_rows, samples, interval_s, cell_filename, error, len(rows),
                   {"moved_s": moved, "sampler_cpu_s": sampler_cpu_s, **(gaps or {})}, timeline,
                   list(paths or []), off_cpu, list(names or []), list(functions or []),
                   list(trees or []), list(helpers or []), list(gc_triggers or []))

    def share(self, cid: str) -> float:
        """The share (0..1) of category ``cid``; 0 if it got no time."""
        return next((c.share for c in self.categories if c.id == cid), 0.0)

    def seconds(self, cid: str) -> float:
        """The seconds of category ``cid``; 0 if it got no time."""
        return next((c.seconds for c in self.categories if c.id == cid), 0.0)

    @property
    def top(self) -> CategoryShare | None:
        """The category with the most time, ``unattributed`` aside."""
        return max((c for c in self.categories if c.id != UNATTRIBUTED), key=lambda c: c.seconds, default=None)

    def to_dict(self) -> AttributionSummary:
        """Plain JSON-able data (``json.dumps`` works on it); nested lists and dicts are shared, not copied.

        Not ``dataclasses.asdict``: its deep copy of the timeline cost a quarter of a millisecond a cell.
        Spelled out key by key, so that the type checker holds it to :class:`AttributionSummary`.
        """
        return {
            "wall_s": self.wall_s,
            "categories": [{"id": c.id, "label": c.label, "colour": c.colour, "seconds": c.seconds, "share": c.share}
                           for c in self.categories],
            "lines": [{"line": row.line, "source": row.source, "seconds": row.seconds, "share": row.share,
                       "category": row.category, "category_share": row.category_share} for row in self.lines],
            "threads": [{"name": t.name, "seconds": t.seconds, "categories": t.categories, "frames": t.frames,
                         "cpu_s": t.cpu_s} for t in self.threads],
            "samples": self.samples,
            "interval_s": self.interval_s,
            "cell_filename": self.cell_filename,
            "error": self.error,
            "lines_total": self.lines_total,
            "extra": self.extra,
            "timeline": self.timeline,
            "paths": self.paths,
            "off_cpu": self.off_cpu,
            "names": self.names,
            "functions": self.functions,
            "trees": self.trees,
            "helpers": self.helpers,
            "gc_triggers": self.gc_triggers,
        }

    @classmethod
    def from_dict(cls, data: AttributionSummary) -> Attribution:
        """The inverse of :meth:`to_dict`."""
        fields: dict[str, Any] = dict(data)
        fields["categories"] = [CategoryShare(**c) for c in data["categories"]]
        fields["lines"] = [LineShare(**row) for row in data["lines"]]
        fields["threads"] = [ThreadShare(**t) for t in data["threads"]]
        return cls(**fields)
