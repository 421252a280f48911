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
from ..findings.finding import Finding
from ..findings.registry import MIN_SECONDS, MIN_SHARE
from ..format import format_bytes, format_seconds, plural

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from ..attribution import Attribution, ThreadShare
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



#: A cell with nothing to fix that ran faster than this is told in one line and the bar (auto mode's default
#: threshold: a cell under it is not worth a line there either).
FAST_S = 0.5

#: Other Python threads are worth a section only if they used at least this much CPU during the cell, and
#: this share of its wall time: the bar under which a finding is minor (``findings.registry``).
THREADS_MIN_S = MIN_SECONDS
THREADS_MIN_SHARE = MIN_SHARE

#: Categories of another thread's time that say it waited, or ran a Jupyter kernel's own loops (its
#: heartbeat, its output pumps and its shell channel sit there for the whole cell).
_KERNEL = frozenset(("waiting", "blocked", "ipython", "output"))

MINOR_WHY = "each explains under 10% of the cell or under 50 ms, or could not be weighed"


def _rows(report: Report) -> list[tuple[str, str]]:
    """The measurement rows that carry information: a zero count, "none" or an unmeasured probe has no row."""
    rows = []
    cores = f"{report.utilisation:.2f} of {report.cores} cores busy on average"
    if report.peak_utilisation is not None:
        cores += (f", sampled peak {report.peak_utilisation:.2f} "
                  f"({plural(report.samples, 'sample')}, interval {report.interval_ms:g} ms)")
    rows.append((
        "CPU",
        f"{format_seconds(report.cpu_s)} (user {format_seconds(report.cpu_user_s)}, "
        f"system {format_seconds(report.cpu_system_s)})",
    ))
    rows.append(("utilisation", cores))
    rows += _memory_rows(report)
    rows += _tensorflow_rows(report)
    return rows


def _memory_rows(report: Report) -> list[tuple[str, str]]:
    rows = [(
        "memory",
        f"RSS {format_bytes(report.rss_before)} → {format_bytes(report.rss_after)} "
        f"({format_bytes(report.rss_after - report.rss_before, signed=True)}), peak {format_bytes(report.rss_peak)}",
    )]
    for device, info in sorted(report.gpu_memory.items()):
        rows.append((f"{device} memory", f"peak {format_bytes(info.get('peak'))}, now {format_bytes(info.get('current'))}"))
    return rows


def _tensorflow_rows(report: Report) -> list[tuple[str, str]]:
    """guard, .numpy(), traces, ops, live plot, counted: only those with something to say."""
    rows = []
    g = report.guard
    if g and (g.get("conversions") or g.get("cache_hits") or g.get("errors") or not g.get("enabled", True)):
        rows.append(("guard", _guard_text(report)))
    if report.numpy.get("calls"):
        rows.append((".numpy()", _numpy_text(report)))
    if report.traces and report.tf.get("imported"):
        rows.append(("traces", _traces_text(report)))
    if report.ops is not None:  # asked for with --ops: "none" answers the question
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


# -- what leads, and what follows --------------------------------------------------------------
def _attribution(report: Report) -> Attribution | None:
    if not report.attribution:
        return None
    from ..attribution import Attribution  # lazily: import tfplotguard stays light

    return Attribution.from_dict(report.attribution)


def is_quiet(report: Report) -> bool:
    """True for a cell with nothing to say: it ran, nothing to show, faster than :data:`FAST_S`; ``--all`` says more.

    A cell that drew a live plot is never quiet: what the plot cost is what its user measures it for.
    """
    drew_live = bool((report.live or {}).get("redraws"))
    return (report.ok and not report.shown_findings() and report.wall_s < FAST_S and not report.show_minor
            and not drew_live)


def headline(report: Report) -> str:
    """The first line: the status and the wall time, then how many findings follow (or that none do).

    ``%%tfcheck: ok, 858 ms wall, 1 warning``; a quiet cell (:func:`is_quiet`) adds its CPU, having no
    other line to say it: ``%%tfcheck: ok, 39.7 ms wall, 45 ms CPU (1.13 of 2 cores), nothing to fix``.
    """
    parts = [_title(report), f"{format_seconds(report.wall_s)} wall"]
    shown = report.shown_findings()
    warnings = sum(1 for f in shown if f.severity == "warn")
    others = len(shown) - warnings
    if warnings:
        parts.append(plural(warnings, "warning"))
    if others:
        parts.append(plural(others, "other finding" if warnings else "finding"))
    if is_quiet(report):
        parts.insert(2, f"{format_seconds(report.cpu_s)} CPU ({report.utilisation:.2f} of {report.cores} cores)")
        hidden = len(report.findings)
        minor = f" ({plural(hidden, 'minor finding')}: --all shows {'them' if hidden > 1 else 'it'})" if hidden else ""
        parts.append("nothing to fix" + minor)
    elif report.ok and not shown:
        parts.append("nothing to fix")
    return ", ".join(parts)


def other_threads(report: Report, att: Attribution) -> list[ThreadShare]:
    """The other threads running Python worth a line: none when they only waited.

    A thread whose every sample sat in a wait, or in a Jupyter kernel's own loops (its heartbeat,
    output pumps, shell channel: every kernel runs them through every cell), is left out. The rest
    are listed only if the other Python threads' CPU during the cell (their thread groups', less the
    stack sampler's own) reached :data:`THREADS_MIN_S` and :data:`THREADS_MIN_SHARE` of the wall
    time, where the thread groups were measured: a thread parked in a C call (``time.sleep``, a
    socket read) shows the same Python frames as one computing there, and only its CPU tells them apart.
    """
    busy = [t for t in att.threads if not set(t.categories) <= _KERNEL]
    if busy and report.thread_groups is not None:
        cpu = (report.group_cpu("python") + report.group_cpu("tf_python")
               - float((att.extra or {}).get("sampler_cpu_s") or 0.0))
        if cpu < max(THREADS_MIN_S, THREADS_MIN_SHARE * report.wall_s):
            return []
    return busy[:4]


def _finding_lines(f: Finding) -> list[str]:
    mark = "!" if f.is_warning else "·"
    weight = f"[{f.weight}] " if f.weight else ""
    return [f"{mark} {weight}{f.message}", f"  fix: {f.fix}", f"  rule: {f.rule} (%tfcheck --explain {f.rule})"]


def text(report: Report) -> str:
    """The aligned plain-text report: the verdict first, the measurements after a blank line.

    The first line is the status and the wall time; then each shown finding with its share, line
    and fix; then "where the time went" (the categories, the counts, the top lines). After a blank
    line, everything else that carries information: CPU, memory, the guard and TensorFlow's counts,
    the thread groups, new tensors, other threads that did something, the minor findings' count,
    the notes. A quiet cell (:func:`is_quiet`) is its headline and the categories only.
    """
    lines = [headline(report)]
    att = _attribution(report)
    if is_quiet(report):
        if att is not None:
            from .attribution import render_text  # lazily: import tfplotguard stays light

            lines += ["  " + line for line in render_text(att, brief=True).splitlines()]
        return "\n".join(lines)
    for f in report.shown_findings():
        lines += ["  " + line for line in _finding_lines(f)]
    if att is not None:
        from .attribution import render_text  # lazily: import tfplotguard stays light

        lines += ["  " + line for line in render_text(att, counts=_counts(report), threads=False).splitlines()]
    rest = []
    rows = _rows(report)
    width = max(len(label) for label, _ in rows)
    rest += [f"  {label:<{width}}  {text}" for label, text in rows]
    if report.thread_groups is not None:
        rest.append("  CPU per thread group:")
        rest += _aligned(("group", "CPU", "share", "threads", "names"), _group_table(report), indent=4)
    if report.tensors:
        rest.append("  new or changed tensors:")
        rest += _aligned(("name", "shape", "dtype", "device", "size", ""), _tensor_table(report), indent=4)
    threads = other_threads(report, att) if att is not None else []
    if threads and att is not None:
        from .attribution import thread_line

        rest.append("  other threads running Python:")
        rest += ["    " + thread_line(att, t) for t in threads]
    hidden = _hidden_findings(report)
    if hidden:
        rest.append(f"  {hidden}")
    rest += [f"  note: {note}" for note in report.notes]
    return "\n".join(lines + [""] + rest)


# -- HTML ----------------------------------------------------------------------------------------
def _section(key: str, summary: str, body: str) -> str:
    """A folded ``<details>`` section whose ``<summary>`` reads as a line of the report."""
    e = _html.escape
    return (f"<details {SECTION_MARK}='{key}' style='margin: 0.15em 0'>"
            f"<summary style='cursor: pointer; color:{theme.TEXT}'>{e(summary)}</summary>"
            f"<div style='margin: 0.2em 0 0.4em 1.2em'>{body}</div></details>")


#: The attribute that names a folded section of the HTML report (``cpu``, ``memory``, ``tensorflow``, …).
SECTION_MARK = "data-tfcheck-section"


def _cpu_summary(report: Report) -> str:
    text = f"CPU {format_seconds(report.cpu_s)}, {report.utilisation:.2f} of {report.cores} cores"
    rows = [row for row in report.thread_groups or () if row["group"] != "sampler"]
    total = sum(row["cpu_s"] for row in report.thread_groups or ())
    if rows and total > 0:
        top = max(rows, key=lambda row: row["cpu_s"])
        text += f", {100 * top['cpu_s'] / total:.0f}% in the {GROUP_LABELS.get(top['group'], top['group'])}"
    return text


def _memory_summary(report: Report) -> str:
    text = (f"memory {format_bytes(report.rss_after - report.rss_before, signed=True)}, "
            f"peak {format_bytes(report.rss_peak)}")
    for device, info in sorted(report.gpu_memory.items()):
        text += f"; {device} peak {format_bytes(info.get('peak'))}"
    return text


def _tensorflow_summary(report: Report) -> str:
    """``guard 40 conversions, 780 cache hits; 40 ops``: the nonzero counts of the TensorFlow rows."""
    parts = []
    g = report.guard
    if g and (g.get("conversions") or g.get("cache_hits") or g.get("errors")):
        guard = [plural(g.get("conversions", 0), "conversion"), plural(g.get("cache_hits", 0), "cache hit")]
        if g.get("errors"):
            guard.append(plural(g["errors"], "error"))
        parts.append("guard " + ", ".join(guard))
    if g and not g.get("enabled", True):
        parts.append("guard disabled")
    if report.numpy.get("calls"):
        parts.append(f".numpy() {plural(report.numpy['calls'], 'call')}")
    if report.traces and report.tf.get("imported"):
        parts.append(plural(report.total_traces(), "trace"))
    if report.ops is not None:
        parts.append(plural(sum(sum(c.values()) for c in report.ops.values()), "op"))
    if report.live.get("redraws") or report.live.get("throttled"):
        parts.append(f"live plot {plural(report.live.get('redraws', 0), 'redraw')}")
    from .attribution import counts_text

    if not report.attribution and counts_text(report.counts):
        parts.append(counts_text(report.counts))
    return "; ".join(parts)


def _html_rows(rows: Sequence[tuple[str, str]]) -> str:
    e = _html.escape
    return ("<table style='border-collapse: collapse'>"
            + "".join(f"<tr><th style='text-align:left; padding-right:1em'>{e(k)}</th>"
                      f"<td style='text-align:left'>{e(v)}</td></tr>" for k, v in rows)
            + "</table>")


def _html_finding(f: Finding) -> str:
    e = _html.escape
    color = theme.WARN if f.is_warning else theme.MUTED
    weight = f"<b>{e(f.weight)}</b>: " if f.weight else ""
    link = (f"<a href='{e(catalogue.url(f.rule))}' target='_blank' rel='noopener' "
            f"title='what it detects, why it costs time, the fix'>{e(f.rule)}</a>")
    return (f"<li>{weight}<span style='color:{color}'>{e(f.message)}</span><br><i>fix:</i> {e(f.fix)}"
            f"<br><span style='color:{theme.MUTED}'>rule {link}</span></li>")


def html(report: Report) -> str:
    """The HTML report (Jupyter's ``text/html``): the verdict open, the measurements folded.

    The headline, the shown findings and "where the time went" are open; CPU (with the thread
    groups), memory, the guard and TensorFlow's counts, new tensors, other threads that did
    something and the minor findings each sit in a ``<details>`` section, folded, whose summary
    is a line of its own ("CPU 1.13 s, 0.75 of 2 cores, 91% in the main thread"). A section with
    nothing to say is left out. A quiet cell (:func:`is_quiet`) shows its headline and the bar,
    with every section inside one folded "details".
    """
    e = _html.escape
    out = [
        '<div class="tfcheck-report" style="font-family: monospace, monospace; font-size: 12px">',
        f'<b style="color:{theme.OK if report.ok else theme.ERROR}">{e(headline(report))}</b>',
    ]
    att = _attribution(report)
    quiet = is_quiet(report)
    shown = report.shown_findings()
    if shown:
        out.append(f"<ul {SECTION_MARK}='findings' style='margin: 0.3em 0'>")
        out += [_html_finding(f) for f in shown]
        out.append("</ul>")
    if att is not None:
        from .attribution import render_html

        out.append(render_html(att, counts=_counts(report), brief=quiet))
    sections = []
    cpu_body = _html_rows(_rows(report)[:2])
    if report.thread_groups is not None:
        cpu_body += _html_table(("CPU per thread group", "CPU", "share", "threads", "names"), _group_table(report))
    sections.append(_section("cpu", _cpu_summary(report), cpu_body))
    sections.append(_section("memory", _memory_summary(report), _html_rows(_memory_rows(report))))
    tf_rows = _tensorflow_rows(report)
    if tf_rows:
        sections.append(_section("tensorflow", _tensorflow_summary(report), _html_rows(tf_rows)))
    if report.tensors:
        first = report.tensors[0]
        summary = (f"{plural(len(report.tensors), 'new or changed tensor')}: {first['name']} "
                   f"{tuple(first['shape']) if first.get('shape') is not None else '?'} {first.get('dtype', '?')}"
                   + (", …" if len(report.tensors) > 1 else ""))
        sections.append(_section("tensors", summary, _html_table(
            ("new or changed tensor", "shape", "dtype", "device", "size", ""), _tensor_table(report))))
    threads = other_threads(report, att) if att is not None else []
    if threads and att is not None:
        from .attribution import thread_line

        sections.append(_section(
            "threads", f"other threads running Python: {', '.join(t.name for t in threads)}",
            "".join(f"<div>{e(thread_line(att, t))}</div>" for t in threads)))
    minor = [f for f in report.findings if all(f is not s for s in shown)]
    if minor:
        sections.append(_section(
            "minor", f"{plural(len(minor), 'minor finding')} ({MINOR_WHY})",
            "<ul style='margin: 0.2em 0'>" + "".join(_html_finding(f) for f in minor) + "</ul>"))
    if quiet:
        out.append(_section("details", "details: " + _cpu_summary(report) + "; " + _memory_summary(report),
                            "".join(sections)))
    else:
        out += sections
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
    return f"{plural(hidden, 'minor finding')} not shown ({MINOR_WHY}): --all shows them"

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
