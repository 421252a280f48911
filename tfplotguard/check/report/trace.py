"""A cell's timeline as Chrome trace-event JSON (``%%tfcheck --trace FILE``), for ui.perfetto.dev and chrome://tracing.

The file is the trace-event format's JSON object form, ``{"traceEvents": [...]}``,
with times in microseconds since the cell started:

- process 1, "%%tfcheck: <first line>": its thread 1 is the cell's thread
  (the main thread), with one complete event (``ph: "X"``) for the whole cell
  and, inside it, one per stretch of time in each category of the stack
  sampler's category timeline (the same data as ``--plot``'s second panel).
  A timeline bucket holds seconds per category, not their order: inside a
  bucket the categories are laid end to end, so a stretch says how much time
  went where in that bucket, not exactly when;
- process 2, "CPU per thread group": one counter track (``ph: "C"``) per
  thread group, cores busy over time (``--plot``'s first panel);
- metadata events (``ph: "M"``) name the processes and the thread.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .render import GROUP_LABELS

if TYPE_CHECKING:
    from .model import Report

__all__ = ["chrome_trace", "CELL_PID", "GROUPS_PID", "CELL_TID"]

CELL_PID, GROUPS_PID, CELL_TID = 1, 2, 1
_US = 1e6


def chrome_trace(report: Report) -> dict[str, Any]:
    """The trace-event JSON object of ``report`` (a :class:`~tfplotguard.check.report.Report`): see the module doc."""
    wall_us = max(0.0, report.wall_s) * _US
    events = [
        _meta("process_name", CELL_PID, {"name": f"%%tfcheck: {report.source or 'cell'}"}),
        _meta("process_sort_index", CELL_PID, {"sort_index": 0}),
        _meta("thread_name", CELL_PID, {"name": "main thread (the cell)"}, tid=CELL_TID),
        {"name": report.source or "cell", "cat": "cell", "ph": "X", "ts": 0.0, "dur": wall_us,
         "pid": CELL_PID, "tid": CELL_TID,
         "args": {"ok": report.ok, "error": report.error, "wall_s": report.wall_s, "cpu_s": report.cpu_s}},
    ]
    events += category_events(report, wall_us)
    counters = group_counters(report, wall_us)
    if counters:
        events += [_meta("process_name", GROUPS_PID, {"name": "CPU per thread group (cores busy)"}),
                   _meta("process_sort_index", GROUPS_PID, {"sort_index": 1})]
        events += counters
    return {
        "traceEvents": events,
        "displayTimeUnit": "ms",
        "otherData": {"source": report.source, "started_epoch_s": report.started, "wall_s": report.wall_s,
                      "cores": report.cores, "thread_groups": report.thread_groups or []},
    }


def category_events(report: Report, wall_us: float) -> list[dict[str, Any]]:
    """Complete events of the cell thread's categories, each within its bucket and within the cell."""
    from ..attribution import category  # lazily: import tfplotguard stays light

    timeline = (report.attribution or {}).get("timeline") or {}
    starts, per_category = timeline.get("t") or [], timeline.get("categories") or {}
    width_us = (timeline.get("width_s") or 0.0) * _US
    events: list[dict[str, Any]] = []
    for i, start_s in enumerate(starts):
        cursor = start_s * _US
        limit = min(cursor + width_us, wall_us)
        for cid, seconds in per_category.items():
            value = seconds[i] if i < len(seconds) else 0.0
            end = min(cursor + max(0.0, value) * _US, limit)
            if end <= cursor:
                continue
            last = events[-1] if events else None
            if last is not None and last["args"]["category"] == cid and abs(last["ts"] + last["dur"] - cursor) < 1e-6:
                last["dur"] = end - last["ts"]  # the same category across a bucket edge: one stretch
            else:
                events.append({"name": category(cid).label, "cat": "category", "ph": "X", "ts": cursor,
                               "dur": end - cursor, "pid": CELL_PID, "tid": CELL_TID, "args": {"category": cid}})
            cursor = end
    return events


def group_counters(report: Report, wall_us: float) -> list[dict[str, Any]]:
    """Counter events, one track per thread group: cores busy from each sample on (0 at the cell's end)."""
    timeline = report.timeline or {}
    starts, groups = timeline.get("t") or [], timeline.get("groups") or {}
    order = [g for g in GROUP_LABELS if g in groups] + [g for g in groups if g not in GROUP_LABELS]
    events = []
    for group in order:
        name = GROUP_LABELS.get(group, group)
        ys = groups[group]
        for start_s, value in zip(starts, ys):
            ts = min(start_s * _US, wall_us)
            events.append({"name": name, "cat": "cpu", "ph": "C", "ts": ts, "pid": GROUPS_PID,
                           "args": {"cores": value}})
        if ys:
            events.append({"name": name, "cat": "cpu", "ph": "C", "ts": wall_us, "pid": GROUPS_PID,
                           "args": {"cores": 0.0}})
    return events


def _meta(name: str, pid: int, args: dict[str, Any], tid: int = 0) -> dict[str, Any]:
    return {"name": name, "ph": "M", "pid": pid, "tid": tid, "args": args}
