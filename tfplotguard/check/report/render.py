"""A :class:`~tfplotguard.check.report.model.Report` rendered: aligned text, HTML, one line, a figure.

Each public function takes the report; ``Report``'s own display methods call them.
"""

from __future__ import annotations

import html as _html
import time
from collections.abc import Sequence
from typing import TYPE_CHECKING

from . import theme
from ..findings import catalogue
from ..format import format_bytes, format_seconds, plural

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from ..summaries import CategoryTimeline
    from .model import Report

#: Human labels of the thread groups, in display order.
GROUP_LABELS = {
    "main": "main thread",
    "tf_pool": "TensorFlow pool (native threads)",
    "tf_named": "TensorFlow named threads (tf_*)",
    "tf_data": "tf.data threads",
    "tf_python": "Python inside TensorFlow's threads (tf.data)",
    "python": "other Python threads",
    "other": "other native threads",
    "exited": "threads that exited",
    "sampler": "tfcheck sampler",
}



def _rows(report: Report) -> list[tuple[str, str]]:
    rows = []
    cores = f"{report.utilisation:.2f} of {report.cores} cores busy on average"
    if report.peak_utilisation is not None:
        cores += (f", sampled peak {report.peak_utilisation:.2f} "
                  f"({plural(report.samples, 'sample')}, interval {report.interval_ms:g} ms)")
    rows.append(("wall", format_seconds(report.wall_s)))
    rows.append((
        "CPU",
        f"{format_seconds(report.cpu_s)} (user {format_seconds(report.cpu_user_s)}, "
        f"system {format_seconds(report.cpu_system_s)})",
    ))
    rows.append(("utilisation", cores))
    rows.append((
        "memory",
        f"RSS {format_bytes(report.rss_before)} → {format_bytes(report.rss_after)} "
        f"({format_bytes(report.rss_after - report.rss_before, signed=True)}), peak {format_bytes(report.rss_peak)}",
    ))
    for device, info in sorted(report.gpu_memory.items()):
        rows.append((f"{device} memory", f"peak {format_bytes(info.get('peak'))}, now {format_bytes(info.get('current'))}"))
    rows.append(("guard", _guard_text(report)))
    rows.append((".numpy()", _numpy_text(report)))
    rows.append(("traces", _traces_text(report)))
    if report.ops is not None:
        rows.append(("ops", _ops_text(report)))
    if report.live.get("redraws") or report.live.get("throttled"):
        rows.append(("live plot", _live_text(report)))
    from .attribution import counts_text  # lazily: import tfplotguard stays light

    counted = counts_text(report.counts)  # traces have their row above
    if counted and not report.attribution:  # with attribution they sit in "where the time went"
        rows.append(("counted", counted))
    return rows

def _counts(report: Report) -> dict[str, object]:
    """The exact counts of the cell (``counts``) with its traces."""
    return {**(report.counts or {}), "traces": report.total_traces()}

def _live_text(report: Report) -> str:
    seconds = report.live.get("seconds", 0.0)
    share = f" ({100 * seconds / report.wall_s:.1f}% of the cell)" if report.wall_s > 0 else ""
    return (f"{plural(report.live.get('redraws', 0), 'redraw')} in {format_seconds(seconds)}{share}, "
            f"{report.live.get('throttled', 0)} skipped by the throttle")

def _guard_text(report: Report) -> str:
    g = report.guard
    if not g:
        return "–"
    by_device = ", ".join(f"{format_bytes(n)} from {d}" for d, n in sorted(g.get("bytes_by_device", {}).items()))
    text = f"{plural(g.get('conversions', 0), 'conversion')}"
    if by_device:
        text += f" ({by_device})"
    text += f", {plural(g.get('cache_hits', 0), 'cache hit')}, {plural(g.get('errors', 0), 'error')}"
    if not g.get("enabled", True):
        text += " (guard disabled)"
    return text

def _numpy_text(report: Report) -> str:
    n = report.numpy
    if not n:
        return "–" if report.tf.get("imported") else "TensorFlow not imported"
    text = f"{plural(n.get('calls', 0), 'call')}"
    if n.get("calls"):
        text += f", {format_bytes(n.get('bytes', 0))} copied in {format_seconds(n.get('seconds', 0.0))}"
        if n.get("max_same_tensor", 0) > 1:
            text += f", up to {n['max_same_tensor']}× on the same tensor"
    return text

def _traces_text(report: Report) -> str:
    if not report.tf.get("imported"):
        return "TensorFlow not imported"
    if not report.traces:
        return "none"
    return ", ".join(f"{name} ×{count}" for name, count in sorted(report.traces.items(), key=lambda kv: -kv[1]))

def _ops_text(report: Report) -> str:
    if not report.ops:
        return "none"
    parts = []
    for device, counts in sorted(report.ops.items()):
        top = sorted(counts.items(), key=lambda kv: -kv[1])
        shown = ", ".join(f"{op} {n}" for op, n in top[:4]) + (", …" if len(top) > 4 else "")
        parts.append(f"{sum(counts.values())} on {device} ({shown})")
    return "; ".join(parts)

def _group_table(report: Report) -> list[tuple[str, str, str, str, str]]:
    total = sum(row["cpu_s"] for row in report.thread_groups or ()) or 1.0
    table = []
    for row in sorted(report.thread_groups or (), key=lambda r: -r["cpu_s"]):
        names = ", ".join(row.get("names", [])[:4])
        table.append((
            GROUP_LABELS.get(row["group"], row["group"]),
            format_seconds(row["cpu_s"]),
            f"{100 * row['cpu_s'] / total:.0f}%",
            str(row.get("threads", "")),
            names,
        ))
    return table

def _tensor_table(report: Report) -> list[tuple[str, ...]]:
    return [
        (t["name"], str(tuple(t["shape"])) if t.get("shape") is not None else "?", t.get("dtype", "?"),
         t.get("device", "?"), format_bytes(t.get("bytes")), t.get("change", ""))
        for t in report.tensors
    ]

def _title(report: Report) -> str:
    magic = "%%tfcheck" if report.kind == "cell" else "%tfcheck on"
    status = "ok" if report.ok else f"FAILED ({report.error})"
    return f"{magic}: {status}"

def text(report: Report) -> str:
    """The aligned plain-text report."""
    lines = [_title(report)]
    rows = _rows(report)
    width = max(len(label) for label, _ in rows)
    lines += [f"  {label:<{width}}  {text}" for label, text in rows]
    if report.attribution:
        from ..attribution import Attribution
        from .attribution import render_text  # lazily: import tfplotguard stays light

        attribution = render_text(Attribution.from_dict(report.attribution), counts=_counts(report))
        lines += ["  " + line for line in attribution.splitlines()]
    if report.thread_groups is not None:
        lines.append("  CPU per thread group:")
        lines += _aligned(("group", "CPU", "share", "threads", "names"), _group_table(report), indent=4)
    if report.tensors:
        lines.append("  new or changed tensors:")
        lines += _aligned(("name", "shape", "dtype", "device", "size", ""), _tensor_table(report), indent=4)
    shown = report.shown_findings()
    if shown:
        lines.append("  findings (warnings first, each by the share of the cell it explains):")
        for f in shown:
            mark = "!" if f.is_warning else "·"
            weight = f"[{f.weight}] " if f.weight else ""
            lines.append(f"    {mark} {weight}{f.message}")
            lines.append(f"      fix: {f.fix}")
            lines.append(f"      rule: {f.rule} (%tfcheck --explain {f.rule})")
    hidden = _hidden_findings(report)
    if hidden:
        lines.append(f"  {hidden}")
    lines += [f"  note: {note}" for note in report.notes]
    return "\n".join(lines)

def html(report: Report) -> str:
    """The HTML report (Jupyter's ``text/html``)."""
    e = _html.escape
    out = [
        '<div class="tfcheck-report" style="font-family: monospace, monospace; font-size: 12px">',
        f'<b style="color:{theme.OK if report.ok else theme.ERROR}">{e(_title(report))}</b>',
        '<table style="border-collapse: collapse">',
    ]
    out += [f"<tr><th style='text-align:left; padding-right:1em'>{e(k)}</th><td style='text-align:left'>{e(v)}</td></tr>"
            for k, v in _rows(report)]
    out.append("</table>")
    if report.attribution:
        from ..attribution import Attribution
        from .attribution import render_html

        out.append(render_html(Attribution.from_dict(report.attribution), counts=_counts(report)))
    if report.thread_groups is not None:
        out.append(_html_table(("CPU per thread group", "CPU", "share", "threads", "names"), _group_table(report)))
    if report.tensors:
        out.append(_html_table(("new or changed tensor", "shape", "dtype", "device", "size", ""), _tensor_table(report)))
    shown = report.shown_findings()
    if shown:
        out.append("<ul style='margin: 0.3em 0'>")
        for f in shown:
            color = theme.WARN if f.is_warning else theme.MUTED
            weight = f"<b>{e(f.weight)}</b>: " if f.weight else ""
            link = (f"<a href='{e(catalogue.url(f.rule))}' target='_blank' rel='noopener' "
                    f"title='what it detects, why it costs time, the fix'>{e(f.rule)}</a>")
            out.append(f"<li>{weight}<span style='color:{color}'>{e(f.message)}</span><br><i>fix:</i> {e(f.fix)}"
                       f"<br><span style='color:{theme.MUTED}'>rule {link}</span></li>")
        out.append("</ul>")
    hidden = _hidden_findings(report)
    if hidden:
        out.append(f"<div style='color:{theme.MUTED}'>{e(hidden)}</div>")
    out += [f"<div style='color:{theme.MUTED}'>note: {e(n)}</div>" for n in report.notes]
    out.append("</div>")
    return "\n".join(out)

def compact(report: Report) -> str:
    """The one-line form auto mode shows: a failure or the first warning first, then the cost and the clock.

    ``tfcheck: ! tf.function f was traced 12 times … [38% of the cell (1.2 s)] (+1 more warning) —
    1.50 s wall, 3.00 s CPU (2.00 cores), 12 traces, 10:42:07 → 10:42:09``. Information findings
    are left out: a line that leads with "TensorFlow's pools did the work" says nothing to act on.
    """
    lead = []
    if not report.ok:
        lead.append(f"FAILED ({report.error})")
    warnings = [f for f in report.findings if f.is_warning]
    if warnings:
        first = warnings[0]
        text = f"! {first.message}" + (f" [{first.weight}]" if first.weight else "")
        if len(warnings) > 1:
            text += f" (+{plural(len(warnings) - 1, 'more warning')})"
        lead.append(text)
    return "tfcheck: " + " — ".join(lead + [_compact_cost(report)])

def _compact_cost(report: Report) -> str:
    """``1.50 s wall, 3.00 s CPU (2.00 cores), 2 conversions, 3 traces, 10:42:07 → 10:42:09``."""
    parts = [f"{format_seconds(report.wall_s)} wall",
             f"{format_seconds(report.cpu_s)} CPU ({report.utilisation:.2f} cores)"]
    conversions = report.guard.get("conversions", 0)
    if conversions:
        parts.append(plural(conversions, "conversion"))
    traces = report.total_traces()
    if traces:
        parts.append(plural(traces, "trace"))
    when = clock(report)
    if when:
        parts.append(when)
    return ", ".join(parts)

def clock(report: Report) -> str:
    """The cell's start and end on the wall clock, local time: ``10:42:07 → 10:42:09`` ("" if unknown)."""
    if not report.started or report.started <= 0:
        return ""
    start = time.localtime(report.started)
    end = time.localtime(report.started + max(0.0, report.wall_s))
    return f"{time.strftime('%H:%M:%S', start)} → {time.strftime('%H:%M:%S', end)}"

def _hidden_findings(report: Report) -> str:
    """``"2 minor findings not shown (…): --all shows them"``, or ``""``."""
    hidden = len(report.findings) - len(report.shown_findings())
    if not hidden:
        return ""
    return (f"{plural(hidden, 'minor finding')} not shown (each explains under 10% of the cell or under 50 ms, "
            "or could not be weighed): --all shows them")

def mimebundle(report: Report, one_line: bool = False) -> dict[str, str]:
    """``{"text/plain", "text/html"}`` for ``display(..., raw=True)``."""
    if one_line:
        return {"text/plain": compact(report), "text/html": _compact_html(report)}
    return {"text/plain": text(report), "text/html": html(report)}

def _compact_html(report: Report) -> str:
    """The compact line as HTML: the failure and the warning in the theme's colours."""
    text = _html.escape(compact(report))
    if not report.ok:
        failed = _html.escape(f"FAILED ({report.error})")
        text = text.replace(failed, f"<span style='color:{theme.ERROR}'>{failed}</span>", 1)
    warning = next((f for f in report.findings if f.is_warning), None)
    if warning is not None:
        mark = _html.escape(f"! {warning.message}")
        text = text.replace(mark, f"<span style='color:{theme.WARN}'>{mark}</span>", 1)
    return f"<code class='tfcheck-line'>{text}</code>"

def plot(report: Report) -> Figure:
    """A matplotlib ``Figure`` of cores busy per thread group over the cell (needs ``--plot`` data).

    With a stack-sampled ``attribution`` that has a timeline, a second panel
    below shares the time axis: the cell's thread (the main thread) by
    category over time, each bucket's sampled seconds as a share of its width
    (what is left up to 1 was not sampled), in the category table's colours.
    """
    from matplotlib.figure import Figure  # a pyplot-free figure: it never joins pyplot's state

    categories = (report.attribution or {}).get("timeline") or {}
    two = bool(categories.get("t") and categories.get("categories"))
    fig = Figure(figsize=(7, 5.4 if two else 2.8), layout="constrained")
    if two:
        ax, ax2 = fig.subplots(2, 1, sharex=True, height_ratios=(1, 1))
    else:
        ax = fig.add_subplot()
    timeline = report.timeline or {}
    t = timeline.get("t") or []
    groups = {g: ys for g, ys in (timeline.get("groups") or {}).items() if any(ys)}
    if t and groups:
        order = [g for g in GROUP_LABELS if g in groups] + [g for g in groups if g not in GROUP_LABELS]
        ax.stackplot(t, *[groups[g] for g in order], labels=[GROUP_LABELS.get(g, g) for g in order], step="post")
        ax.legend(loc="upper left", fontsize="small", frameon=False)
    else:
        ax.text(0.5, 0.5, "no samples (cell shorter than one interval)", ha="center", va="center",
                transform=ax.transAxes)
    ax.axhline(report.cores, color="0.5", lw=0.8, ls="--")
    ax.set_xlabel("" if two else "seconds since the cell started")
    ax.set_ylabel("cores busy")
    ax.set_ylim(0, max(report.cores, report.peak_utilisation or 0) * 1.15)
    ax.set_title(f"CPU per thread group: {report.source[:60]}", fontsize="medium", loc="left")
    if two:
        _plot_categories(ax2, categories)
    return fig


def _plot_categories(ax: Axes, timeline: CategoryTimeline) -> None:
    """The cell thread's categories over time, stacked (a share of each bucket's wall time)."""
    width = timeline.get("width_s") or 1.0
    t = list(timeline["t"])
    rows = [(cid, ys) for cid, ys in timeline["categories"].items() if any(ys)]
    if rows:
        edges = t + [t[-1] + width]  # step="post": repeat the last bucket up to its end
        from ..attribution import category

        cats = [category(cid) for cid, _ in rows]
        ax.stackplot(edges, *[[y / width for y in ys] + [ys[-1] / width] for _, ys in rows],
                     labels=[c.label for c in cats], colors=[c.colour for c in cats], step="post")
        ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize="x-small", frameon=False)
    ax.set_ylim(0, 1.05)
    ax.set_xlabel("seconds since the cell started")
    ax.set_ylabel("share of the time")
    ax.set_title("main thread: where the time went", fontsize="medium", loc="left")


def _aligned(header: Sequence[str], rows: Sequence[Sequence[str]], indent: int = 0) -> list[str]:
    widths = [max(len(str(cell)) for cell in column) for column in zip(header, *rows)]
    pad = " " * indent
    return [pad + "  ".join(str(cell).ljust(w) for cell, w in zip(row, widths)).rstrip() for row in (header, *rows)]


def _html_table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    e = _html.escape
    head = "".join(f"<th style='text-align:left; padding-right:1em'>{e(h)}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td style='text-align:left; padding-right:1em'>{e(str(c))}</td>" for c in row)
                   + "</tr>" for row in rows)
    return f"<table style='border-collapse: collapse; margin-top: 0.3em'><tr>{head}</tr>{body}</table>"
