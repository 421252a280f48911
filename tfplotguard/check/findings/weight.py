"""How much of a cell a finding's cause explains, read from the cell's stack attribution.

Every function takes the :class:`~tfplotguard.check.report.Report` and reads
``report.attribution`` (``Attribution.to_dict()``: categories, the top cell
lines, the other threads). They return None when the cell was not stack-sampled
(auto mode, ``--no-stacks``): a rule then weighs its cause with a time it
measured itself, or leaves it unweighed (and so minor).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..report.model import Report

__all__ = ["APART_FROM_LINES", "sampled", "covered", "category_seconds", "line_for", "line_seconds", "thread_seconds", "wall",
           "cpu_share"]


#: Rules whose seconds are timed apart from the cell's lines (a category of their own, such as the full garbage
#: collections): a finding of theirs names a line without explaining any of that line's time.
APART_FROM_LINES = frozenset(("garbage_collection",))


def sampled(report: Report) -> bool:
    """True when the cell's stacks were sampled (``report.attribution`` is there)."""
    return bool(report.attribution)


def wall(report: Report) -> float:
    """The cell's wall time in seconds (0 when not measured)."""
    return report.wall_s or 0.0


def covered(report: Report) -> float:
    """The share of the cell's wall time the stack attribution covers (0 unsampled; auto mode starts late)."""
    attribution = report.attribution
    if not attribution or not report.wall_s:
        return 0.0
    return min(1.0, attribution.get("wall_s", 0.0) / report.wall_s)


def category_seconds(report: Report, *categories: str) -> float | None:
    """Seconds the cell's own thread spent in ``categories`` (ids of :mod:`..attribution.categories`)."""
    attribution = report.attribution
    if not attribution:  # not sampled
        return None
    wanted = set(categories)
    return sum(c["seconds"] for c in attribution.get("categories", ()) if c["id"] in wanted)


def line_for(report: Report, *categories: str) -> int | None:
    """The cell line with the most time whose dominant category is one of ``categories``, or None."""
    attribution = report.attribution
    if not attribution:  # not sampled
        return None
    wanted = set(categories)
    for row in attribution.get("lines", ()):  # most time first
        if row["category"] in wanted:
            return row["line"]
    return None


def line_seconds(report: Report, line: int | None) -> float | None:
    """Seconds sampled on one cell line (None when not sampled or not among the top lines)."""
    attribution = report.attribution
    if not attribution or line is None:  # not sampled, or no line
        return None
    return next((row["seconds"] for row in attribution.get("lines", ()) if row["line"] == line), None)


def thread_seconds(report: Report, *categories: str, name_prefix: str = "") -> float | None:
    """Seconds other Python threads (named ``name_prefix…``) were seen in ``categories`` (all when none given)."""
    attribution = report.attribution
    if not attribution:  # not sampled
        return None
    total = 0.0
    for thread in attribution.get("threads", ()):
        if not thread["name"].startswith(name_prefix):
            continue
        per_cat = thread.get("categories", {})
        total += sum(per_cat.values()) if not categories else sum(per_cat.get(c, 0.0) for c in categories)
    return total


def cpu_share(report: Report, groups: Iterable[str], min_cpu_s: float) -> tuple[float, float]:
    """CPU seconds of ``groups`` and of all threads but the sampler; (0, 1) for a cell too cheap to judge."""
    if report.cpu_s < min_cpu_s:
        return 0.0, 1.0
    # Every caller needs "thread_groups", so they are there; `or ()` as in Report.group_cpu.
    total = sum(row["cpu_s"] for row in report.thread_groups or () if row["group"] != "sampler") or 1.0
    return sum(report.group_cpu(g) for g in groups), total
