"""The fallback: a slow cell that no other rule explains still gets told where its time went.

The other rules each know one pitfall. On a slow cell whose cause none of them
knows, this one reports what the stacks showed: the cell line with the most
time, the library call that line made (the outermost library frame beneath
the user's code), the innermost function where the time went, and whether the
cell's thread was computing there or blocked (sleeping, waiting for I/O or
for other threads: its scheduler statistics at each look). It runs after the
other rules, and only when their shown findings explain less than half of a
cell that ran at least ``min_wall_s``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..attribution.categories import category
from ..format import format_seconds
from . import weight
from .known_calls import SMALL_CALL_S, runs_of
from .lines import line_facts
from .registry import Found, rule

if TYPE_CHECKING:
    from ..report.model import Report
    from ..summaries import AttributionSummary, CallPath, LineRow

#: A line's time at least this share off the CPU is "blocked", not "computing". High: on a machine with
#: more runnable threads than cores, code that computes waits for a core about half the time.
BLOCKED_SHARE = 0.9
#: Categories that are the work itself, done the efficient way: a traced step or a Keras model
#: computing is what a well-written cell spends its time on, not a place to look for waste.
WORK = frozenset(("tf_function", "keras_compute"))
#: Categories of a wait whose work other threads do (a tf.data pipeline's): the thread is off the CPU, the work is not.
HANDED_OVER = frozenset(("tf_data_wait",))


#: The share of a line a function must hold to be named on the hot path between the call and the innermost function.
HOT_SHARE = 0.5
#: Mean seconds per eager op from which the ops' time is their computing, not their dispatch (which costs
#: tens of µs an op).
BIG_OP_S = 0.001


def _seconds_per_op(report: Report, seconds: float) -> tuple[int, float] | None:
    """The cell's eager ops and the mean time of one, when ``seconds`` of eager-op time make each a big one."""
    times = report.tf_times or {}
    ops = sum(n for op, n in (times.get("eager_ops") or {}).items() if not op.startswith("__inference_"))
    if not ops:
        return None
    mean = times.get("eager_op_interval_s") if times.get("eager_ops_capped") else seconds / ops
    return (ops, mean) if mean is not None and mean >= BIG_OP_S else None


def _hot_function(attribution: AttributionSummary, top: LineRow, path: CallPath) -> str | None:
    """The deepest function on the line's hot path: the one with the least time among those holding most of it.

    Every function holding more than half of the line's time is on one chain of calls (two such could
    not both be callers of the other's time otherwise), so the one with the least is the deepest of
    them: where the time narrowed down to. None when that is the call or the innermost function.
    """
    seconds = top["seconds"]
    held = [(s, name) for name, s in ((r["function"], r["seconds"]) for r in attribution.get("functions") or ()
                                      if r["line"] == top["line"])
            if s >= HOT_SHARE * seconds and not name.startswith("tfplotguard.")]
    if not held:
        return None
    name = min(held)[1]
    return None if name in (path["call"], path["inner"]) else f"{name} ({100 * min(held)[0] / seconds:.0f}% of the line)"


@rule(id="where_the_time_went", severity="info", needs=("attribution",),
      thresholds={"min_wall_s": 0.5, "explained_share": 0.5},
      fallback=True)
def where_the_time_went(report: Report, *, min_wall_s: float, explained_share: float) -> Found | None:
    """A slow cell no other rule explains: the line, the call and the function where its time went.

    Detects: a cell that ran at least ``min_wall_s`` and whose shown findings explain less than
    ``explained_share`` of it, none of them about its busiest line: the line, the library call it
    made and the innermost function where the time went, and whether the cell's thread computed
    there, was blocked, or waited for a traced step or a Keras model computing (the work itself,
    said as such: a slow cell is never left unexplained).

    Why it costs: whatever the stacks show; no rule knows this pattern, so the finding names the
    place rather than a cause.

    Fix: look at the named call first: whether it runs more often than needed (in a loop), on more
    data than needed, or waits for something that could overlap with other work.

    Thresholds:
        min_wall_s: the least wall time in seconds of a cell this rule speaks about
        explained_share: the share of the cell the other rules' shown findings must explain to keep it quiet
    """
    if report.wall_s < min_wall_s:
        return None
    shown = [f for f in report.findings if not f.minor]  # warnings and information findings alike
    explained = sum(f.share or 0.0 for f in shown)
    if explained >= explained_share:
        return None
    attribution = report.attribution
    if not attribution:  # the rule needs it: there
        return None
    lines = attribution.get("lines") or []
    if not lines:
        return None
    top = lines[0]
    if any(f.line in (None, top["line"]) for f in shown if f.rule not in weight.APART_FROM_LINES):
        return None  # a rule has named what happens on that line (or in the cell)
    work = top["category"] in WORK  # a traced function or a model computing: the work itself, said so
    paths = [p for p in attribution.get("paths") or [] if p["line"] == top["line"]]
    path = max(paths, key=lambda p: p["seconds"], default=None)
    seconds = min(top["seconds"], report.wall_s)  # the sampled span can overrun the meter's wall by a look
    label = category(top["category"]).label
    off = (attribution.get("off_cpu") or {}).get(top["category"], 0.0)
    cat_seconds = next((c["seconds"] for c in attribution.get("categories", ()) if c["id"] == top["category"]), 0.0)
    # Waiting on tf.data is off the CPU too, but the pipeline's threads do the work meanwhile.
    handed_over = top["category"] in HANDED_OVER
    big_ops = _seconds_per_op(report, cat_seconds) if top["category"] == "tf_eager_ops" else None
    capped = bool((report.tf_times or {}).get("eager_ops_capped"))
    blocked = cat_seconds > 0 and off / cat_seconds >= BLOCKED_SHARE and not handed_over
    source = top.get("source", "").strip()
    where = f"line {top['line']}" + (f" (`{source}`)" if source else "")
    chain = ""
    if path is not None and path["call"]:
        hot = _hot_function(attribution, top, path)
        chain = (f", in {path['call']}" + (f" → … → {hot}" if hot else "")
                 + (f" → {path['inner']}" if path["inner"] and path["inner"] not in (path["call"], hot) else ""))
    if work:
        how = (f"the time was {label}: the function's or the model's own work, which no rule found wasted (a "
               "trace, its first run, or the computation itself)")
    elif blocked:
        how = (f"the cell's thread was blocked there for {100 * off / cat_seconds:.0f}% of it (not computing: "
               "sleeping, waiting for I/O, a lock or other threads)")
    elif handed_over:
        how = f"the time was {label}: other threads did the work while the cell's thread waited for it"
    elif big_ops is not None:
        how = (f"the time was TensorFlow ops computing ({big_ops[0]:,}{'+' if capped else ''} eager ops, "
               f"{format_seconds(big_ops[1])} each on average: the ops' own work, not their dispatch)")
    else:
        how = f"the time was {label}"
    facts = line_facts(report, top["line"])
    runs = runs_of(facts) if facts is not None else None
    ran, short = "", False  # short: many runs, each of SMALL_CALL_S or less
    if runs is not None and runs > 1:
        short = seconds / runs <= SMALL_CALL_S
        ran = (f" The line ran {runs:,} times in its loop, {format_seconds(seconds / runs)} a run on average"
               + (": many short runs, where a call's fixed cost (argument checks, setup, dispatch) can be most of "
                  "each." if short else "."))
    message = (f"{format_seconds(seconds)} of this {format_seconds(report.wall_s)} cell went to {where}{chain}; {how}."
               f"{ran} No rule knows this pattern, so this names the place, not the cause.")
    if work:
        fix = ("the work is what the function or model computes: check how often it is called and on how much data, "
               "what it captures from outside (a large NumPy array becomes a graph constant at each trace), and "
               "whether part of it is the same at every call and could be computed once.")
    elif handed_over:
        fix = ("the work is in what the cell waited for: look at what those threads compute (a tf.data pipeline's "
               "transformations, per element), whether it can be done once, on less data, or vectorised.")
    elif blocked:
        fix = ("the time is a wait, not work: shorten or remove it, or overlap it with other work "
               "(a background thread, tf.data prefetch, asynchronous I/O).")
    elif big_ops is not None:
        fix = (f"start at {path['call'] if path and path['call'] else where}: its ops compute, so check whether part "
               "of their work is the same at every call (an input that does not change: compute what depends on it "
               "once), done on more data than needed, or whether a cheaper op gives the same result.")
    elif short:
        fix = (f"start at {path['call'] if path and path['call'] else where}: its {runs:,} runs are each short: look "
               "for a form of the call that takes all the items at once (an array argument, `axis=`, a stack of "
               "matrices, a batch) and call it once outside the loop.")
    else:
        fix = (f"start at {path['call'] if path and path['call'] else where}: check whether it runs more often than "
               "needed (inside a loop), on more data than needed, or could be done once, vectorised or batched.")
    return Found(message, fix, seconds=seconds, line=top["line"])
