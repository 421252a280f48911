"""``costly_idiom``: a busy line's construct of known cost, named with its fix (the table: :mod:`.idioms`)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..format import format_seconds
from . import weight
from .idioms import LINES_LOOKED_AT, idiom_on
from .registry import Found, rule

if TYPE_CHECKING:
    from ..report.model import Report


@rule(id="costly_idiom", needs=("attribution",), thresholds={"min_seconds": 0.2}, fallback=True)
def costly_idiom(report: Report, *, min_seconds: float) -> list[Found]:
    """A busy line uses a construct whose cost is known: ``list.pop(0)``, ``np.append`` in a loop, ``pcolor``, ….

    Detects: one of the cell's busiest lines (at least ``min_seconds``) whose time no other shown
    finding explains for the most part uses a construct of a fixed table: `list.pop(0)` / `insert(0, x)`; `x in a_list`;
    `a_list.index(x)` in a loop; `a = np.append(a, …)` (or concatenate, vstack, tf.concat) in a loop;
    `a_list = a_list + […]`; the built-in `sum` / `max` / `sorted` over a NumPy array or a tensor;
    `np.vectorize`; a NumPy function called per element (or pair) in a loop; `hist` with hundreds of
    bins; `pcolor`; one matplotlib artist per loop iteration, 50 calls or more (`axvline`, `plot`,
    `scatter`, …); a variable assigned element by element; a tf.data pipeline or iterator made per
    step; Keras `fit` per batch, `predict` at its default batch size, or a model compiled with
    `run_eagerly=True`; a file opened per iteration; polling with `time.sleep`. Names are told apart
    by what they held after the cell (a list, a set, a NumPy array and its dtype, a tensor, a
    dataset, a Keras model, a logger and its level). Then the functions the line's time went
    through (:mod:`.known_calls`): `tf.map_fn`, a full `tape.jacobian`, a Keras callback working at
    every batch, `adapt` on an unbatched dataset, `datetime` objects or many strings on an axis,
    `legend(loc="best")`, `np.einsum` without `optimize`, `strptime` per string, `copy.deepcopy`,
    `np.genfromtxt`, a model saved per iteration, `tape.gradient` once per source, `np.unique` to count
    integers, a recurrent layer built `unroll=True`, patches made one by one, a recursion of your own,
    a whole array scanned per item of a loop, a call whose arguments the loop never changes, `np.linalg` on one
    small matrix per iteration (where it takes a stack), a long list converted again at every call, a library
    call at each iteration of a loop of known length on that iteration's data (a recurrence is not one), a
    scatter drawn with most of its points outside the view, `np.unique` of rows, `np.busday_count`'s calendar
    per call, a sliding window re-read at each step, a pass over one long text per table entry,
    `tf.ragged.constant` of nested lists, `isinstance` against a runtime-checkable Protocol per item, `tell()` on a
    text file per line read;
    and an object array, an integer matrix product, a dropped log record formatted anyway, `window` +
    `flat_map`, a dataset counted by reading it, and more.

    Why it costs: each construct's cost grows with its data or with the number of calls in a way the
    library documents (a list shifts its items, a NumPy array is copied to grow, each artist is drawn
    on its own); the finding says which, for the line where the time went.

    Fix: the construct's known replacement that gives the same result (a deque, a set, one concatenate
    after the loop, the array method, pcolormesh, `ax.vlines`, one iterator, one `fit` call,
    `batch_jacobian`, `optimize=True`, …); the finding names the one for its line.

    Thresholds:
        min_seconds: the least seconds the construct must explain (its line, and for artists their drawing)
    """
    attribution = report.attribution
    if not attribution:
        return []
    spoken: dict[int, float] = {}  # line → seconds the shown findings about it explain (a cell-wide one names no line)
    for f in report.findings:
        if not f.minor and f.line is not None and f.rule not in weight.APART_FROM_LINES:
            spoken[f.line] = spoken.get(f.line, 0.0) + (f.seconds or 0.0)
    found: dict[str, Found] = {}  # by entry of the table: one cause on several lines is one finding
    for row in (attribution.get("lines") or [])[:LINES_LOOKED_AT]:
        if spoken.get(row["line"], 0.0) >= 0.5 * row["seconds"] or row["line"] in spoken and not spoken[row["line"]]:
            continue  # another finding explains most of the line (or speaks of it without a measure)
        idiom = idiom_on(report, row["line"])
        if idiom is None:
            continue
        message, fix, drawn, key, helper_s = idiom
        seconds, drawing = row["seconds"] if helper_s is None else min(helper_s, row["seconds"]), ""
        if drawn:  # the artists made here are drawn later, on the line that draws the figure
            draw_s = sum(r["seconds"] * r["category_share"] for r in attribution.get("lines") or []
                         if r["category"] == "mpl_draw" and r["line"] != row["line"])
            if draw_s > 0:
                drawing = f"; drawing those artists took {format_seconds(draw_s)} more, on the line that draws the figure"
                seconds += draw_s
        if key in found:  # the same cause on another busy line: its time joins the first line's finding
            first = found[key]
            found[key] = Found(first.message, first.fix, seconds=(first.seconds or 0.0) + seconds, line=first.line)
            continue
        found[key] = Found(f"{message}{drawing}.", fix + ".", seconds=seconds, line=row["line"])
    kept = []
    for candidate in found.values():
        seconds = min(candidate.seconds or 0.0, report.wall_s)  # the sampled span can overrun the meter's wall by a look
        if seconds >= min_seconds:
            kept.append(Found(candidate.message, candidate.fix, seconds=seconds, line=candidate.line))
    return kept
