"""The table of constructs whose cost is known, and how a busy cell line is read for them.

The other rules recognise a cause from what was measured (traces, ops, calls
of a library). Many slow cells are slow for a reason that can be read from the
line itself once the time is known to be there: ``queue.pop(0)`` on a list
moves every item, ``x = np.append(x, v)`` copies the array, ``ax.pcolor``
makes one polygon per cell. ``costly_idiom`` reads the source of each of the cell's
busiest lines (its AST) and what the line's names held after the cell (their
types and sizes, measured by :mod:`..attribution.names`), and names the
construct when one of the table below is there, weighed by that line's time
(:mod:`.rules_idioms`). Rules that would give generic advice about such a line
(``python_hot_loop``, ``eager_op_loop``, ``plot_call_per_point``) ask
:func:`idiom_on` first and leave the line to it.

Every entry is a cost the library documents or that follows from its data
structure (Python's list is an array; NumPy arrays have a fixed size; a
matplotlib artist is an object drawn on its own), so the cause it names is
true wherever the line is busy; and every entry names the fix that keeps the
cell's result.
"""

from __future__ import annotations

import ast
from collections.abc import Callable
from typing import TYPE_CHECKING

from .known_calls import DRAWN_CALLS, KNOWN_CALLS, carried_names
from ..format import format_seconds
from .lines import (LINES_LOOKED_AT, LIST, NDARRAY, TUPLE, Line, Said, dotted, helper_facts, is_long, is_tensor, is_zero,
                    line_facts, open_ended, repeats, sized)

if TYPE_CHECKING:
    from ..report.model import Report
    from ..summaries import HelperRow

__all__ = ["IDIOMS", "LINES_LOOKED_AT", "idiom_on", "repeats", "spans_per_call"]

#: Plotting calls from one line from which one artist per call is the line's cost.
MANY_CALLS = 50
#: Eager ops dispatched one by one from which a Keras model's steps really ran eagerly (a traced step
#: dispatches one call op per step, an eager one tens of ops).
EAGER_STEP_OPS = 200
#: Steps of Keras's default batch size (32) from which a predict call is "many small steps".
DEFAULT_STEPS = 200


# -- the idioms: each reads a Line and returns (message, fix) or None ------------------------------
def _list_shift(line: Line) -> Said:
    for call in line.calls():
        func = call.func
        if (isinstance(func, ast.Attribute) and func.attr in ("pop", "insert") and is_zero(call.args)
                and line.type_of(func.value) == LIST):
            name = dotted(func.value)
            what = f"{name}.{func.attr}(0{', …' if func.attr == 'insert' else ''})"
            return (f"`{what}` on a list{sized(line.size_of(func.value), 'items')} moves every other item one "
                    "place, each call: the loop's cost grows with the square of the list's length",
                    f"use a collections.deque: `{name} = collections.deque(...)`, then `{name}.popleft()` / "
                    f"`{name}.appendleft(x)` take constant time at either end")
    return None


def _linear_search(line: Line) -> Said:
    for node in line.nodes:
        if isinstance(node, ast.Compare):
            for op, right in zip(node.ops, node.comparators):
                kind = line.type_of(right)
                if isinstance(op, (ast.In, ast.NotIn)) and kind in (LIST, TUPLE) and is_long(line.size_of(right)):
                    name = dotted(right)
                    return (f"`… in {name}` scans the {kind.split('.')[-1]}{sized(line.size_of(right), 'items')} "
                            "item by item, each time",
                            f"test membership in a set (or dict) made once: `{name}_set = set({name})`, then "
                            f"`… in {name}_set` is one hash lookup")
        if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                and node.func.attr in ("index", "count", "remove") and line.in_loop
                and line.type_of(node.func.value) == LIST and is_long(line.size_of(node.func.value))):
            name = dotted(node.func.value)
            return (f"`{name}.{node.func.attr}(…)` in a loop scans the list"
                    f"{sized(line.size_of(node.func.value), 'items')} item by item, each call",
                    "keep a dict made once (value → position, or collections.Counter for counts) or a set, "
                    "and look values up in it")
    return None


def _copy_to_grow(line: Line) -> Said:
    if not line.in_loop:
        return None
    for node in line.nodes:
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            target, value = node.targets[0].id, node.value
        elif isinstance(node, ast.AugAssign) and isinstance(node.target, ast.Name) and isinstance(node.op, ast.Add):
            target, value = node.target.id, None
        else:
            continue
        kind = line.names.get(target, ("", None))[0]
        if isinstance(value, ast.Call):
            func = dotted(value.func)
            used = {n.id for n in ast.walk(value) if isinstance(n, ast.Name)}
            short = func.rsplit(".", 1)[-1]
            lazy = func.split(".")[0] == target and kind.startswith("tensorflow.python.data.")
            if target in used and short in ("append", "concatenate", "vstack", "hstack", "row_stack",
                                            "column_stack", "insert", "concat", "stack") and "." in func \
                    and not lazy:  # a dataset's own concatenate copies nothing: known_calls names its chain
                joined = "tf.concat" if func.startswith("tf.") else f"{func.split('.')[0]}.concatenate"
                return (f"`{target} = {func}({target}, …)` copies the whole of `{target}` into a new array every "
                        "iteration: the loop's cost grows with the square of the final size",
                        f"collect the pieces in a Python list and call {joined} once after the loop, or allocate "
                        "the full array first and fill its slices")
        is_self_add = (isinstance(value, ast.BinOp) and isinstance(value.op, ast.Add)
                       and isinstance(value.left, ast.Name) and value.left.id == target)
        if kind in (LIST, TUPLE) and (is_self_add or (value is None and kind == TUPLE)):
            return (f"`{target} = {target} + …` builds a new {kind.split('.')[-1]} and copies every item into it, "
                    "each iteration: the loop's cost grows with the square of its length",
                    f"append to one list (`{target}.append(x)` or `{target}.extend(xs)`), converting at the end if "
                    "a tuple is needed")
        if kind in ("builtins.bytes",) and (is_self_add or value is None):
            return (f"`{target} += …` on bytes copies all of `{target}` each iteration",
                    "collect the pieces in a list and `b''.join(pieces)` once (or write into a bytearray)")
    return None


_ARRAY_METHODS = {"sum": "{a}.sum()", "max": "{a}.max()", "min": "{a}.min()", "sorted": "np.sort({a})",
                  "any": "{a}.any()", "all": "{a}.all()", "list": "{a}.tolist()"}
_TENSOR_OPS = {"sum": "tf.reduce_sum({a})", "max": "tf.reduce_max({a})", "min": "tf.reduce_min({a})",
               "sorted": "tf.sort({a})", "any": "tf.reduce_any({a})", "all": "tf.reduce_all({a})",
               "list": "{a}.numpy().tolist()"}


def _builtin_over_array(line: Line) -> Said:
    for call in line.calls():
        if not (isinstance(call.func, ast.Name) and call.func.id in _ARRAY_METHODS and call.args):
            continue
        if call.func.id in line.names:  # shadowed by the user's own function
            continue
        arg = call.args[0]
        kind = line.type_of(arg)
        name = dotted(arg)
        if kind == NDARRAY:
            better = _ARRAY_METHODS[call.func.id].format(a=name)
            what = f"a NumPy array{sized(line.size_of(arg), 'elements')}"
        elif is_tensor(kind):
            better = _TENSOR_OPS[call.func.id].format(a=name)
            what = "a tensor"
        else:
            continue
        return (f"the built-in `{call.func.id}({name})` walks {what} one element at a time, making a Python "
                "object of each", f"`{better}`: one call that runs in compiled code")
    return None


def _python_per_element(line: Line) -> Said:
    for call in line.calls():
        func = dotted(call.func)
        short = func.rsplit(".", 1)[-1]
        named = short in ("vectorize", "frompyfunc", "apply_along_axis", "apply_over_axes") and "." in func
        if named or line.type_of(call.func) == "numpy.vectorize":
            shown = func if named else f"{func} (an np.vectorize)"
            return (f"`{shown}` calls its Python function once per element (or row): NumPy documents np.vectorize "
                    "as a for loop, provided for convenience, not performance",
                    "write the function with whole-array operations (arithmetic, ufuncs such as np.exp, "
                    "np.where for branches, broadcasting) and call it once on the array")
    return None


def _numpy_per_element(line: Line) -> Said:
    if not line.in_loop or not line.category.startswith("other:numpy"):
        return None
    carried = carried_names(line)
    for call in line.calls():
        func = dotted(call.func)
        if func.split(".")[0] not in ("np", "numpy") or isinstance(call.func, ast.Name):
            continue
        if carried & {n.id for n in ast.walk(call) if isinstance(n, ast.Name)}:
            continue  # a recurrence (x = f(x, u[t])): each call needs the one before, no array form replaces them
        picked = [ast.unparse(n) for arg in call.args for n in ast.walk(arg)
                  if isinstance(n, ast.Subscript) and any(isinstance(i, ast.Name) for i in ast.walk(n.slice))
                  and not open_ended(n.slice)]  # x[:t] grows with the loop: not a small slice
        if picked:
            return (f"`{func}(…)` is called once per element in a loop, on `{picked[0]}`: each call on a small slice "
                    "pays NumPy's fixed cost per call (argument checks, a new array), far more than its arithmetic",
                    f"call {func} once on whole arrays: broadcast the pairs or rows (`a[:, None, :] - b[None, :, :]`) "
                    "and use its axis= argument, so the loop runs inside NumPy")
    return None


_PER_ARTIST = {
    "axvline": ("a full-height Line2D per call", "one `ax.vlines(xs, 0, 1, transform=ax.get_xaxis_transform())` "
                "for all positions (a single LineCollection)"),
    "axhline": ("a full-width Line2D per call", "one `ax.hlines(ys, 0, 1, transform=ax.get_yaxis_transform())` "
                "for all positions (a single LineCollection)"),
    "plot": ("one Line2D per call", "one matplotlib.collections.LineCollection of all the curves, a single artist: "
             "`ax.add_collection(LineCollection(curves))`, then `ax.autoscale()`"),
    "add_patch": ("one Patch per call", "one matplotlib.collections.PatchCollection of the patches, added once"),
    "scatter": ("one PathCollection per call", "one `ax.scatter(xs, ys, c=colours)` over all points"),
    "bar": ("one BarContainer per call", "one `ax.bar(xs, heights)` with arrays"),
    "imshow": ("one AxesImage per call, stacked on the ones before (each resampled and drawn)",
               "make the image once (`im = ax.imshow(first)`) and show each new frame with `im.set_data(frame)`"),
}


def _artist_per_call(line: Line) -> Said:
    # Many calls, not a few heavy ones: three curves of 60,000 points each are data, not per-call cost.
    if not line.in_loop or not line.category.startswith("mpl") or line.plot_calls < MANY_CALLS:
        return None
    # A receiver the loop gives a new value (`ax = plt.subplot(…)`, `for ax in axes.flat`) is a new Axes each
    # time: one artist per Axes is a grid of plots, not artists piling up on one.
    loops = [n for n in line.cell if isinstance(n, (ast.For, ast.AsyncFor, ast.While))
             and n.lineno <= line.number <= (n.end_lineno or n.lineno)]
    renewed = {n.id for loop in loops for n in ast.walk(loop)
               if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)}
    for call in line.calls():
        func = call.func
        if isinstance(func, ast.Attribute) and func.attr in _PER_ARTIST:
            if isinstance(func.value, ast.Name) and func.value.id in renewed:
                continue
            made, fix = _PER_ARTIST[func.attr]
            return (f"`{dotted(func)}(…)` ran {line.plot_calls:,} times in a loop, adding {made}: each artist is "
                    "autoscaled, stored and drawn "
                    "on its own, so the figure's cost grows with the number of calls", fix)
    return None


def spans_per_call(report: Report, number: int | None) -> bool:
    """True when cell line ``number`` draws a full-height or full-width line per call (``axvline``, ``axhline``).

    :func:`.rules_mpl.plot_call_per_point` leaves such lines to this rule: its fix (markers) does not draw
    the same picture.
    """
    line = line_facts(report, number) if number is not None else None
    return line is not None and any(isinstance(c.func, ast.Attribute) and c.func.attr in ("axvline", "axhline")
                                    for c in line.calls())


def _many_bins(line: Line) -> Said:
    for call in line.calls():
        if isinstance(call.func, ast.Attribute) and call.func.attr == "hist":
            bins = next((k.value for k in call.keywords if k.arg == "bins"), None)
            if isinstance(bins, ast.Constant) and isinstance(bins.value, int) and bins.value >= 200 \
                    and not any(k.arg == "histtype" for k in call.keywords):
                return (f"`hist(…, bins={bins.value})` draws one Rectangle patch per bin ({bins.value} patches)",
                        "one artist for the whole histogram: `ax.stairs(*np.histogram(data, bins=...))`, or "
                        "`hist(..., histtype='step')`")
    return None


def _pcolor(line: Line) -> Said:
    for call in line.calls():
        if isinstance(call.func, ast.Attribute) and call.func.attr == "pcolor":
            return ("`pcolor` makes one polygon per grid cell; matplotlib's docs point to pcolormesh for large "
                    "arrays, which draws the same grid as one quad mesh",
                    "`pcolormesh` with the same arguments (or `imshow` for a regular grid)")
    return None


def _assign_per_element(line: Line) -> Said:
    if not line.in_loop:
        return None
    for call in line.calls():
        func = call.func
        if (isinstance(func, ast.Attribute) and func.attr in ("assign", "assign_add", "assign_sub")
                and isinstance(func.value, ast.Subscript)):
            var = dotted(func.value.value)
            return (f"`{var}[…].{func.attr}(…)` in a loop is one strided-slice assign op per element, "
                    "dispatched from Python one at a time",
                    f"compute all the new values as one tensor and assign once (`{var}.assign(values)`), or "
                    f"`{var}.scatter_nd_update(indices, updates)` for scattered positions")
    return None


def _dataset_per_step(line: Line) -> Said:
    if not line.in_loop:
        return None
    for call in line.calls():
        func = call.func
        if isinstance(func, ast.Attribute) and func.attr in ("skip", "take", "shard"):
            base = func.value
            while isinstance(base, ast.Call) and isinstance(base.func, ast.Attribute):
                base = base.func.value
            kind = line.type_of(base) or ""
            if kind.startswith("tensorflow.python.data."):
                return (f"`{dotted(base)}.{func.attr}(…)` in a loop builds a new pipeline and a new iterator each "
                        "iteration (and skip reads and throws away the elements before the one wanted)",
                        f"make one iterator before the loop (`it = iter({dotted(base)})`) and take `next(it)` per "
                        "step, or iterate the dataset in the for statement itself")
        if isinstance(func, ast.Name) and func.id == "iter" and call.args and \
                (line.type_of(call.args[0]) or "").startswith("tensorflow.python.data."):
            return (f"`iter({dotted(call.args[0])})` in a loop starts a new iterator each iteration: the pipeline "
                    "is set up again, its buffers filled from the start",
                    "make the iterator once before the loop and take `next(it)` per step")
    return None


def _keras_call(line: Line) -> Said:
    for call in line.calls():
        func = call.func
        if not isinstance(func, ast.Attribute) or not (line.type_of(func.value) or "").startswith("keras."):
            continue
        model = dotted(func.value)
        if func.attr == "fit" and line.in_loop:
            return (f"`{model}.fit(…)` is called once per batch in a loop: every call sets up its data adapter, "
                    "callbacks and epoch loop again for a few steps of work",
                    f"one `{model}.fit(X, Y, batch_size=..., epochs=...)` over all the data; for a custom schedule, "
                    f"`{model}.train_on_batch` or a callback")
        if func.attr in ("fit", "predict", "evaluate", "train_on_batch", "predict_on_batch", "test_on_batch") \
                and dotted(func.value) in line.eager_models and line.eager_ops >= EAGER_STEP_OPS:
            return (f"`{model}` was compiled with run_eagerly=True: Keras ran each of its steps as eager Python, "
                    f"op by op ({line.eager_ops:,} eager ops or more), instead of one traced tf.function",
                    f"compile it again without run_eagerly=True (`{model}.compile(...)` with your optimizer and "
                    f"loss): Keras keeps the step it has built, so setting `{model}.run_eagerly = False` after a "
                    "fit changes nothing; keep eager steps for debugging only")
        rows = line.size_of(call.args[0]) if call.args else None
        if (func.attr == "predict" and not line.in_loop
                and not any(k.arg == "batch_size" for k in call.keywords) and rows and rows >= 32 * DEFAULT_STEPS):
            return (f"`{model}.predict(…)` ran its {rows:,} rows in batches of 32 (its default batch_size): "
                    f"{-(-rows // 32):,} steps, each paying Keras's fixed cost per step",
                    f"`{model}.predict(x, batch_size=1024)` (as large as memory allows), or `{model}(x, "
                    "training=False)` when the input fits in one batch")
    return None


def _opened_per_iteration(line: Line) -> Said:
    if not line.in_loop:
        return None
    for call in line.calls():
        # IPython's own `open` wrapper is in the user namespace: a name `open` is open.
        if isinstance(call.func, ast.Name) and call.func.id == "open":
            return ("`open(…)` in a loop opens, flushes and closes the file every iteration (system calls each time)",
                    "open the file once before the loop and read or write every line through that one handle")
    return None


def _sleep_to_poll(line: Line) -> Said:
    if not line.in_loop:
        return None
    whiles = [n for n in line.cell if isinstance(n, ast.While)]
    for call in line.calls():
        # Polling is a while loop that sleeps until something is ready; a for loop's sleep is paced work.
        if dotted(call.func) in ("time.sleep", "sleep") and any(
                w.lineno <= call.lineno <= (w.end_lineno or w.lineno) for w in whiles):
            return ("the loop polls with `time.sleep(…)`: the cell waits out each sleep whole, even when what it "
                    "waits for was ready long before",
                    "wait on the thing itself: `thread.join()`, `future.result()`, `event.wait()` or `queue.get()` "
                    "return as soon as it is done")
    return None


#: The idioms, tried in order on each busy line; the first that matches is named.
IDIOMS: tuple[Callable[[Line], Said], ...] = (
    _list_shift, _linear_search, _copy_to_grow, _builtin_over_array, _python_per_element, _numpy_per_element,
    _many_bins, _pcolor,
    _artist_per_call, _assign_per_element, _dataset_per_step, _keras_call, _opened_per_iteration,
    _sleep_to_poll, *KNOWN_CALLS,
)

#: Idioms about artists, whose cost is paid again when the figure is drawn (on whatever line draws it).
DRAWN = frozenset((_artist_per_call, _many_bins, _pcolor)) | DRAWN_CALLS


def idiom_on(report: Report, number: int | None) -> tuple[str, str, bool, str, float | None] | None:
    """The idiom of the table on cell line ``number``: ``(message, fix, drawn, key, seconds)``, or None.

    ``drawn``: the idiom makes artists, so the figure's drawing pays for them too. ``key``: which entry
    of the table it is (one cause found on several lines is one finding). Where none is on the line
    itself, the lines of the user's own helpers that held its time are read on it (:func:`.lines.helper_facts`:
    the helper's statement in the cell's terms, inside the cell's loops); the message then says which helper
    and ``seconds`` is the time of the helper's lines it names (None: the cell line's).
    """
    line = line_facts(report, number) if number is not None else None
    if line is None or number is None:
        return None
    for idiom in IDIOMS:
        found = idiom(line)
        if found is not None:
            return (*found, idiom in DRAWN, idiom.__name__, None)
    # entry → [(said, helper row, entry), …]: one entry on two lines of a helper is one cause
    said: dict[str, list[tuple[tuple[str, str], HelperRow, Callable[[Line], Said]]]] = {}
    for inner, row in helper_facts(report, number, line):
        for idiom in IDIOMS:
            found = idiom(inner)
            if found is not None:
                said.setdefault(idiom.__name__, []).append((found, row, idiom))
                break
    if not said:
        return None
    from ..attribution.helpers import shown  # lazily, as only a helper's line needs it
    key, matches = max(said.items(), key=lambda kv: sum(row["seconds"] for _, row, _ in kv[1]))
    (message, fix), row, idiom = matches[0]
    seconds = sum(r["seconds"] for _, r, _ in matches)
    functions = row["functions"]
    where = f"in `{functions[-1]}`, which this line calls" + (
        f" (through `{functions[0]}`)" if len(functions) > 1 else "")
    others = "".join(f"; the same at its line `{r['helper_source']}` ({format_seconds(r['seconds'])})"
                     for _, r, _ in matches[1:])
    return (shown(f"{where}, its line `{row['helper_source']}` held {format_seconds(row['seconds'])} of this line's "
                  f"time{others}. Read with this line's arguments: {message}"),
            shown(f"{fix} (the call is in `{functions[-1]}`)"), idiom in DRAWN, key, seconds)
