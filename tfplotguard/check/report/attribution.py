"""The "where the time went" section: aligned plain text, and HTML with one stacked bar (inline styles only)."""

from __future__ import annotations

import html
from collections.abc import Mapping
from typing import TYPE_CHECKING

from ..attribution.categories import UNATTRIBUTED, category
from . import theme  # one palette for every renderer
from ..format import format_seconds  # the report's own durations, one style throughout
from ..attribution.model import Attribution, ThreadShare

if TYPE_CHECKING:
    from ..summaries import CallNode, CallTree

__all__ = ["render_text", "render_html", "counts_text", "thread_line"]

#: Categories under this share are folded into one "other" row/segment (they stay in ``to_dict``).
MIN_SHARE = 0.005


#: How each exact count reads (singular, plural), in display order; other keys read ``<n> <key>``.
COUNT_LABELS = {
    "figures": ("figure created", "figures created"),
    "fit": ("fit call", "fit calls"),
    "predict": ("predict call", "predict calls"),
    "evaluate": ("evaluate call", "evaluate calls"),
    "variables": ("variable created", "variables created"),
    "traces": ("trace", "traces"),
}


def counts_text(counts: Mapping[str, object] | None) -> str:
    """``12 figures created, 3 predict calls, 1 trace``: the nonzero counts only ("" if none)."""
    counts = counts or {}
    keys = [k for k in COUNT_LABELS if k in counts] + [k for k in counts if k not in COUNT_LABELS]
    parts = []
    for key in keys:
        n = counts[key]
        if n:
            one, many = COUNT_LABELS.get(key, (key, key))
            parts.append(f"{n} {one if n == 1 else many}")
    return ", ".join(parts)


def _pct(share: float) -> str:
    return f"{share * 100:.0f}%" if share >= 0.01 or share == 0 else "<1%"


def _rows(att: Attribution) -> list[tuple[str, str, str, float, float]]:
    """Category rows worth showing; the small ones summed into one."""
    shown, small = [], 0.0
    for c in att.categories:
        if c.share >= MIN_SHARE or c.id == UNATTRIBUTED and c.seconds > 0:
            shown.append((c.id, c.label, c.colour, c.seconds, c.share))
        else:
            small += c.seconds
    if small > 0:
        shown.append(("small", "categories under 0.5% each", "#eeeeee", small, small / att.wall_s if att.wall_s else 0))
    return shown


def _label(att: Attribution, cid: str) -> str:
    """A category's label; one the cell's thread never had (another thread's) from the table."""
    return next((c.label for c in att.categories if c.id == cid), None) or category(cid).label


def thread_line(att: Attribution, thread: ThreadShare) -> str:
    """``Thread-1: 846 ms seen, mostly ipython (in run)``: one other thread running Python."""
    main_cat = max(thread.categories.items(), key=lambda kv: kv[1])[0] if thread.categories else "native"
    where = thread.frames[0]["function"] if thread.frames else ""
    return (f"{thread.name}: {format_seconds(thread.seconds)} seen, mostly {_label(att, main_cat)}"
            + (f" (in {where})" if where else ""))


def render_text(att: Attribution, lines: int = 5, counts: Mapping[str, object] | None = None,
                threads: bool = True, brief: bool = False) -> str:
    """Aligned plain text: one row per category (share, time), the exact ``counts`` (:func:`counts_text`),
    then the top cell lines and other threads.

    ``threads=False`` leaves the other threads out (the report decides whether they say anything);
    ``brief`` keeps the heading and the category rows only (a fast cell with nothing to fix).
    """
    out = [f"where the time went ({att.samples} samples, {format_seconds(att.interval_s)} apart at first, "
           f"{format_seconds(att.wall_s)} wall)"]
    rows = _rows(att)
    width = max((len(r[1]) for r in rows), default=0)
    for cid, label, _, secs, share in rows:
        out.append(f"  {label:<{width}}  {_pct(share):>4}  {format_seconds(secs):>8}")
    if att.error:
        out.append(f"  (the sampler stopped early: {att.error})")
    if brief:
        return "\n".join(out)
    counted = counts_text(counts)
    if counted:
        out.append(f"counted: {counted}")
    if att.lines and lines:
        out.append("top lines")
        for row in att.lines[:lines]:
            src = row.source if len(row.source) <= 48 else row.source[:47] + "…"
            out.append(f"  line {row.line:<4} {_pct(row.share):>4}  {format_seconds(row.seconds):>8}  "
                       f"{_label(att, row.category)}  {src}")
    busy = [t for t in att.threads if any(k != "waiting" for k in t.categories)] if threads else []
    if busy:
        out.append("other threads running Python")
        out += ["  " + thread_line(att, t) for t in busy[:4]]
    return "\n".join(out)


def render_html(att: Attribution, lines: int = 5, counts: Mapping[str, object] | None = None,
                brief: bool = False) -> str:
    """HTML: one stacked horizontal bar (a segment per category), a legend with shares and times,
    the exact ``counts``, the lines table; ``brief``: the bar and its legend only."""
    esc = html.escape
    rows = _rows(att)
    segments = "".join(
        f'<div title="{esc(label)}: {_pct(share)}, {esc(format_seconds(secs))}" '
        f'{theme.FILL_MARK}="{esc(cid)}" style="width:{share * 100:.2f}%;background:{colour};'
        f'height:100%;display:inline-block"></div>'
        for cid, label, colour, secs, share in rows if share > 0
    )
    bar = (f'<div style="display:flex;width:100%;max-width:640px;height:18px;border:1px solid {theme.BORDER};'
           f'overflow:hidden;font-size:0">{segments}</div>')
    legend = "".join(
        f'<span style="display:inline-block;margin:2px 12px 2px 0;white-space:nowrap">'
        f'<span {theme.FILL_MARK}="{esc(cid)}" style="display:inline-block;width:10px;height:10px;background:{colour};'
        f'margin-right:4px;border:1px solid {theme.BORDER}"></span>{esc(label)} <b>{_pct(share)}</b> '
        f'{esc(format_seconds(secs))}</span>'
        for cid, label, colour, secs, share in rows
    )
    parts = [
        '<div style="font-family:sans-serif;font-size:12px">',
        '<div style="font-weight:bold;margin:4px 0">Where the time went</div>',
        bar,
        f'<div style="margin:4px 0">{legend}</div>',
    ]
    if att.error:
        parts.append(f'<div style="color:{theme.ERROR}">the sampler stopped early: {esc(att.error)}</div>')
    if brief:
        parts.append("</div>")
        return "".join(parts)
    parts += [
        f'<div style="color:{theme.MUTED}">{att.samples} samples, {esc(format_seconds(att.interval_s))} apart at first, '
        f'{esc(format_seconds(att.wall_s))} wall</div>',
    ]
    counted = counts_text(counts)
    if counted:
        parts.append(f'<div style="margin:2px 0">counted: {esc(counted)}</div>')
    if att.lines and lines:
        cell = 'style="padding:1px 8px;text-align:left"'
        num = 'style="padding:1px 8px;text-align:right"'
        body = "".join(
            f"<tr><td {num}>{row.line}</td><td {num}>{_pct(row.share)}</td><td {num}>{esc(format_seconds(row.seconds))}</td>"
            f"<td {cell}>{esc(_label(att, row.category))}</td><td {cell}><code>{esc(row.source)}</code></td></tr>"
            for row in att.lines[:lines]
        )
        parts.append(
            '<table style="border-collapse:collapse;margin-top:4px">'
            f"<tr><th {num}>line</th><th {num}>share</th><th {num}>time</th><th {cell}>mostly</th><th {cell}>code</th></tr>"
            f"{body}</table>"
        )
    parts += [_tree_html(tree) for tree in att.trees if tree["calls"]]
    parts.append("</div>")
    return "".join(parts)


#: A call holding at least this share of its line is shown unfolded (the hot path); the rest start folded.
HOT_SHARE = 0.5


def _tree_html(tree: CallTree) -> str:
    """One busy line's hot call tree as nested ``<details>``: the hot path open, the rest folded."""
    esc = html.escape
    total = tree["seconds"]

    def node(call: CallNode, depth: int) -> str:
        share = call["seconds"] / total if total else 0.0
        label = (f'<code>{esc(call["function"])}</code> <b>{_pct(share)}</b> '
                 f'<span style="color:{theme.MUTED}">{esc(format_seconds(call["seconds"]))}</span>')
        if not call["calls"]:
            return f'<div style="margin-left:{14 if depth else 0}px">{label}</div>'
        inner = "".join(node(child, depth + 1) for child in call["calls"])
        opened = " open" if share >= HOT_SHARE else ""
        return (f'<details{opened} style="margin-left:{14 if depth else 0}px"><summary>{label}</summary>'
                f"{inner}</details>")

    calls = "".join(node(call, 1) for call in tree["calls"])
    return (f'<details style="margin-top:4px"><summary>line {tree["line"]}: the hot call tree '
            f'({esc(format_seconds(total))} sampled)</summary>{calls}</details>')
