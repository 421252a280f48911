"""The result of a stack-sampled cell: plain data, JSON-able, with a ``from_dict`` round trip."""

from __future__ import annotations

import linecache
from dataclasses import asdict, dataclass, field

from .categories import UNATTRIBUTED, category

__all__ = ["Attribution", "CategoryShare", "LineShare", "ThreadShare", "TOP_LINES", "TOP_FRAMES"]

#: Cell lines kept in a result, by time.
TOP_LINES = 8
#: Frames kept per other thread in a result, by time.
TOP_FRAMES = 5


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
    """Another thread seen running Python during the cell, by name (threads of one name are summed)."""

    name: str
    seconds: float
    categories: dict[str, float]
    frames: list[dict]  # {"function", "filename", "line", "seconds"}, most time first


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
    extra: dict = field(default_factory=dict)

    @classmethod
    def build(cls, wall_s: float, categories: dict[str, float], lines: dict[int, dict[str, float]],
              threads: dict[str, dict], samples: int, interval_s: float, cell_filename: str | None = None,
              error: str | None = None, top_lines: int = TOP_LINES) -> "Attribution":
        """Make the result from the sampler's counters (seconds); ``unattributed`` = wall − sampled."""
        sampled = sum(categories.values())
        wall_s = max(wall_s, sampled)
        secs = dict(categories)
        secs[UNATTRIBUTED] = max(0.0, wall_s - sampled)

        def share(s):
            return s / wall_s if wall_s > 0 else 0.0

        cats = []
        for cid, s in sorted(secs.items(), key=lambda kv: (kv[0] == UNATTRIBUTED, -kv[1])):
            c = category(cid)
            cats.append(CategoryShare(cid, c.label, c.colour, s, share(s)))
        rows = []
        for line, per_cat in lines.items():
            total = sum(per_cat.values())
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
            ))
        thread_rows.sort(key=lambda t: -t.seconds)
        return cls(wall_s, cats, rows[:top_lines], thread_rows, samples, interval_s, cell_filename, error, len(rows))

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

    def to_dict(self) -> dict:
        """Plain JSON-able data (``json.dumps`` works on it)."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> "Attribution":
        """The inverse of :meth:`to_dict`."""
        data = dict(data)
        data["categories"] = [CategoryShare(**c) for c in data["categories"]]
        data["lines"] = [LineShare(**row) for row in data["lines"]]
        data["threads"] = [ThreadShare(**t) for t in data["threads"]]
        return cls(**data)
