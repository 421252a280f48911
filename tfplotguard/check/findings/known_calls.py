"""Documented costs of library calls, read from the functions a busy line's time went through.

The constructs of :mod:`.idioms` are read from a line's source. Many slow cells
are slow inside one library function whose cost its documentation states
(``tf.map_fn`` runs its function per element; ``np.einsum`` without
``optimize`` never uses BLAS; ``legend(loc="best")`` searches over every
plotted point), or because of what the line handed it (an object array, an
integer matrix, a dataset never batched). The stack sampler keeps, for each
of the busiest lines, the seconds spent inside every function beneath it
(``attribution.functions``, :meth:`.lines.Line.inside`): an entry here names
the function's documented cost when the line's time really went there, and
gives the fix that keeps the cell's result.

Each entry reads a :class:`~.lines.Line` and returns ``(message, fix)`` or None;
:mod:`.idioms` tries them after its own table. Every fix has a measured
before/after row in ``benchmarks/fixes.py``.
"""

from __future__ import annotations

import ast
import sys
from collections.abc import Callable
from typing import Any

from ..format import format_seconds
from .lines import LIST, NDARRAY, TUPLE, Line, Said, dotted, is_tensor

__all__ = ["DRAWN_CALLS", "KNOWN_CALLS", "MOST", "carried_names", "runs_of"]

#: The share of a line's time a function must hold for its cost to be the line's.
MOST = 0.5
#: Items of a Python list from which matplotlib's element-by-element check of it is a line's cost.
LONG_LIST = 10_000
#: The share a Keras callback must hold of a ``fit`` line for its work to be named.
CALLBACK_SHARE = 0.25
#: The share of a ``fit`` line its validation must hold to be named.
VALIDATION_SHARE = 0.4
#: Categories on one axis (one tick each) from which drawing the ticks is the figure's cost.
MANY_CATEGORIES = 100
#: Logging levels by method name (``logging``'s own numbers).
_LEVELS = {"debug": 10, "info": 20, "warning": 30, "warn": 30, "error": 40, "exception": 40, "critical": 50}
_BATCH_HOOKS = ("on_train_batch_end", "on_train_batch_begin", "on_test_batch_end", "on_test_batch_begin",
                "on_predict_batch_end", "on_predict_batch_begin", "on_batch_end", "on_batch_begin")
_DATASET = "tensorflow.python.data."


def _pct(share: float) -> str:
    return f"{100 * share:.0f}%"


def _traced(line: Line) -> bool:
    """The line's time went through a ``tf.function`` call (a trace or a traced step), not eager execution."""
    return any(".polymorphic_function." in name for name in line.functions)


def _map_fn(line: Line) -> Said:
    share = line.inside("tensorflow.python.ops.map_fn.map_fn")
    if share < MOST or _traced(line):
        return None  # in a tf.function, map_fn is a graph loop: its cost is not per-element dispatch
    return (f"`tf.map_fn` ran its function once per element ({_pct(share)} of the line): it is a loop, and outside "
            "a `tf.function` every op of the function is dispatched again for each element",
            "call the function once on the whole batch where its ops take a leading batch dimension (most "
            "TensorFlow ops do: `tf.image.resize`, arithmetic, `tf.linalg`); otherwise `tf.vectorized_map(fn, elems)` "
            "turns the per-element function into batched ops")


def _full_jacobian(line: Line) -> Said:
    share = line.inside("tensorflow.python.eager.backprop.GradientTape.jacobian")
    if share < MOST:
        return None
    call = next((c for c in line.calls() if isinstance(c.func, ast.Attribute) and c.func.attr == "jacobian"
                 and len(c.args) >= 2), None)
    if call is not None and _of_variables(line, call.args[1]):
        # Per-example gradients with respect to the weights: batch_jacobian needs a batch dimension in its
        # source, which weights do not have.
        target, sources = ast.unparse(call.args[0]), ast.unparse(call.args[1])
        result = _assigned_name(line, call)
        if result is not None and _averaged(line, result):
            return (f"`tape.jacobian({target}, {sources})` took {_pct(share)} of the line: one gradient per element "
                    f"of `{target}` (a backward pass each, vectorised, and a [B, *shape] tensor per variable), "
                    f"which the cell then averages or sums: the mean of the per-example gradients is the gradient "
                    "of the mean",
                    f"ask for the gradient of the mean (or sum) directly: `loss = tf.reduce_mean({target})` inside "
                    f"the tape's `with` block, then `tape.gradient(loss, {sources})`: one backward pass, the same update")
        return (f"`tape.jacobian({target}, {sources})` took {_pct(share)} of the line: one gradient per element of "
                f"`{target}`, a backward pass each (vectorised) and a [B, *shape] tensor per variable",
                f"if only their mean or sum is used, `loss = tf.reduce_mean({target})` inside the tape's `with` block "
                f"and `tape.gradient(loss, {sources})` give it in one backward pass; per-example gradients proper "
                "(for clipping or privacy) cost this much")
    return (f"`tape.jacobian` took {_pct(share)} of the line: it differentiates every output element with respect to "
            "every input element, so for a batch of B examples it computes B×B blocks, of which only the B on the "
            "diagonal are non-zero when each example's output depends only on its own input",
            "when each example's output depends only on its own input row, use `tape.batch_jacobian(y, x)`: it "
            "computes just the per-example blocks (shape [B, m, n] instead of [B, m, B, n])")


def _of_variables(line: Line, expr: ast.AST) -> bool:
    """``expr`` names a ``tf.Variable``, or a list or tuple of them (``model.trainable_variables`` included)."""
    if isinstance(expr, ast.Attribute) and expr.attr in ("trainable_variables", "trainable_weights", "weights",
                                                          "variables"):
        return True
    if isinstance(expr, (ast.List, ast.Tuple)):
        return bool(expr.elts) and all(_of_variables(line, e) for e in expr.elts)
    kind = line.type_of(expr) or ""
    if "Variable" in kind:
        return True
    return isinstance(expr, ast.Name) and "Variable" in line.items.get(expr.id, "")


def _assigned_name(line: Line, call: ast.Call) -> str | None:
    """The plain name the line assigns ``call``'s result to (``jac = tape.jacobian(…)``), or None."""
    for node in line.nodes:
        if isinstance(node, ast.Assign) and node.value is call and len(node.targets) == 1 \
                and isinstance(node.targets[0], ast.Name):
            return node.targets[0].id
    return None


def _averaged(line: Line, name: str) -> bool:
    """Whether the cell reduces ``name`` (or the items of a loop over it) with a mean or a sum."""
    derived = {name}
    for node in line.cell:
        for gen in ([node] if isinstance(node, (ast.For, ast.comprehension)) else
                    list(node.generators) if isinstance(node, (ast.ListComp, ast.GeneratorExp, ast.SetComp)) else []):
            if isinstance(gen.iter, ast.Name) and gen.iter.id in derived:
                derived |= _reads(gen.target)
    for node in line.cell:
        if isinstance(node, ast.Call) and dotted(node.func).rsplit(".", 1)[-1] in ("reduce_mean", "reduce_sum",
                                                                                    "mean", "sum", "add_n"):
            if any(_reads(arg) & derived for arg in node.args[:1]):
                return True
    return False


def _batch_callback(line: Line) -> Said:
    """A Keras callback whose per-batch hook holds a large share of a ``fit`` / ``evaluate`` / ``predict`` line."""
    if line.seconds <= 0:
        return None
    hooks = [(s, name) for name, s in line.functions.items()
             if name.endswith(_BATCH_HOOKS) and ".callback_list." not in name]
    if not hooks:
        return None
    seconds, name = max(hooks)
    share = min(1.0, seconds / line.seconds)
    owner, hook = name.rsplit(".", 2)[-2:]
    if share < CALLBACK_SHARE or owner in ("ProgbarLogger", "History"):
        return None  # the progress bar's cost is keras_verbose_flood's
    if owner == "ModelCheckpoint":
        return (f"the `ModelCheckpoint` callback saved the model at batch ends: {_pct(share)} of the line went to "
                "writing checkpoints (an integer `save_freq` counts batches, not epochs)",
                "save once per epoch (`save_freq='epoch'`, the default) or every few hundred batches (a larger "
                "integer `save_freq`); `save_best_only=True` also skips the saves that would not improve")
    if owner == "TensorBoard":
        return (f"the `TensorBoard` callback wrote summaries at batch ends: {_pct(share)} of the line",
                "log per epoch (`update_freq='epoch'`, the default) or every N batches (`update_freq=N`), and keep "
                "`histogram_freq` at 0 or a few epochs")
    return (f"the callback `{owner}.{hook}` ran at every batch and took {_pct(share)} of the line",
            f"do its work less often: in `on_epoch_end`, or every N batches (`if batch % N == 0:` in `{hook}`)")


def _adapt_unbatched(line: Line) -> Said:
    share = max((s for name, s in line.functions.items()
                 if name.startswith("keras.src.layers.preprocessing.") and name.endswith(".adapt")), default=0.0)
    share = share / line.seconds if line.seconds > 0 else 0.0
    if share < MOST:
        return None
    if not line.pipelines or any("batch" in stages or "padded_batch" in stages for stages in line.pipelines):
        return None  # adapted on arrays (adapt batches those itself), or on a batched dataset
    dataset = next((n for n, (kind, _) in line.names.items() if kind.startswith(_DATASET)), None)
    what = f"`{dataset}`" if dataset else "the dataset"
    return (f"`adapt` read {what} one element at a time ({_pct(share)} of the line): it takes each element of a "
            "dataset as a batch, and this dataset is not batched, so every element went through the layer's update "
            "step on its own",
            f"batch the dataset for adapt: `layer.adapt({dataset or 'dataset'}.batch(256))`")


def _datetime_objects(line: Line) -> Said:
    share = line.inside("matplotlib.dates.date2num")
    if share < 0.4:
        return None
    return (f"matplotlib converted dates one object at a time (`dates.date2num`, {_pct(share)} of the line): a list of "
            "Python `datetime` objects is converted element by element",
            "make the times one NumPy `datetime64` array instead of Python `datetime` objects, from the start: "
            "`np.datetime64('2024-01-01') + np.arange(n) * np.timedelta64(1, 'm')`, or "
            "`epoch_seconds.astype('datetime64[s]')`; matplotlib converts such an array in one vectorised step "
            "(converting a list of `datetime` objects with `np.asarray` is itself per element)")


def _list_to_hist(line: Line) -> Said:
    """``ax.hist`` of a long Python list: matplotlib's input check walks it element by element."""
    share = line.inside("matplotlib.cbook._reshape_2D")
    if share < MOST:
        return None
    lists = [n for n, (kind, size) in line.names.items() if kind == "builtins.list" and (size or 0) >= LONG_LIST]
    named = f"`{lists[0]}` ({line.names[lists[0]][1] or 0:,} values)" if lists else "a Python list"
    return (f"`hist` was given {named}: its input check (`cbook._reshape_2D`, {_pct(share)} of the line) takes a "
            "list as possibly a list of datasets and converts it element by element",
            "convert it once to a NumPy array first: `ax.hist(np.asarray(values), …)` takes the array as one "
            "dataset, as it is")


def _literal_eval_per_item(line: Line) -> Said:
    """``ast.literal_eval`` holding most of a line: each string parsed as Python source."""
    share = line.inside("ast.literal_eval")
    if share < MOST:
        return None
    return (f"`ast.literal_eval` took {_pct(share)} of the line: it parses each string as Python source (tokenizer, "
            "parser, one syntax-tree node per value) and then checks every node",
            "for lists and dicts of numbers and strings written as JSON (double quotes, no tuples or sets), "
            "`json.loads(text)` parses the same text in C and returns the same values, several times faster")


def _slice_by_slice(line: Line) -> Said:
    """A NumPy function the cell called that ran ``np.apply_along_axis`` underneath: a Python call per 1-D slice
    (``np.nanpercentile`` / ``np.nanquantile`` along an axis do)."""
    share = line.inside("numpy.lib._shape_base_impl.apply_along_axis")
    if share < MOST:
        return None
    for call in line.calls():
        name = dotted(call.func)
        short = name.rsplit(".", 1)[-1]
        if short in ("apply_along_axis", "apply_over_axes") or not name.startswith(("np.", "numpy.")):
            continue  # the user's own apply_along_axis is the idioms table's
        data = call.args[0] if call.args else None
        axis = next((k.value for k in call.keywords if k.arg == "axis"), None)
        slices = ""
        if isinstance(data, ast.Name) and isinstance(axis, ast.Constant) and axis.value == 0:
            rows, count = line.size_of(data), line.elements.get(data.id)
            if rows and count:
                slices = f" ({count // rows:,} slices of {rows:,} values)"
        nan_quantile = short in ("nanpercentile", "nanquantile")
        return (f"`{name}` ran `np.apply_along_axis` underneath ({_pct(share)} of the line): one Python-level call "
                f"for each 1-D slice along the axis{slices}, each with its own sort and checks",
                ("sort once along the axis instead (NaNs sort last), count the valid values of each slice "
                 "(`np.sum(~np.isnan(a), axis=0)`), and read each quantile with `np.take_along_axis` at its "
                 "interpolated position: the whole array in a few vectorised calls; without NaNs, "
                 "`np.percentile(a, q, axis=0)` is vectorised already") if nan_quantile else
                "look for the function's vectorised form along an axis, or reshape the data so that one call on "
                "the whole array does every slice")
    return None


def _densified_slices(line: Line) -> Said:
    """``tf.convert_to_tensor(g)`` of an ``IndexedSlices`` gradient in a loop: the rows a gather touched, made a
    dense tensor of the whole table at each step."""
    if not line.in_loop or not line.category.startswith("tf_"):
        return None
    for call in line.calls():
        if not dotted(call.func).endswith("convert_to_tensor") or not call.args or not isinstance(call.args[0], ast.Name):
            continue
        grad = call.args[0].id
        if (line.type_of(call.args[0]) or "").rsplit(".", 1)[-1] != "IndexedSlices":
            continue
        return (f"`{dotted(call.func)}({grad})` turned the IndexedSlices `{grad}` (a gather's gradient: only the rows "
                "it used) into a dense tensor as large as the whole table at every step, and whatever follows "
                "then works on every row",
                f"keep it sparse and update only those rows: `var.scatter_sub(tf.IndexedSlices(lr * {grad}.values, "
                f"{grad}.indices, {grad}.dense_shape))`, or `optimizer.apply_gradients`, which does that for an "
                "IndexedSlices gradient")
    return None


def _dense_sparse(line: Line) -> Said:
    """``tf.sparse.sparse_dense_matmul`` (or another sparse op) on a SparseTensor that is not sparse: 15 % or more
    of its entries stored."""
    share = line.inside("gen_sparse_ops.sparse_tensor_dense_mat_mul", "sparse_ops.sparse_tensor_dense_matmul",
                        "sparse_ops.sparse_add", "sparse_ops.sparse_reduce_sum", "gen_sparse_ops.sparse_add")
    if share < MOST:
        return None
    for name, dense in line.dense_elements.items():
        stored = line.elements.get(name)
        if not dense or stored is None or stored / dense < DENSE_ENOUGH:
            continue
        return (f"the SparseTensor `{name}` stores {stored:,} of its {dense:,} entries ({100 * stored / dense:.0f}%): "
                f"the sparse op ({_pct(share)} of the line) looks up an index for every stored value, and from about "
                "15% density a dense product of the same matrix is usually faster (TensorFlow's docs for "
                "`sparse_dense_matmul`)",
                f"keep it dense: a dense tensor instead of `tf.sparse.from_dense` (or `tf.sparse.to_dense({name})` "
                "once, before the loop), with `tf.matmul` / `@`")
    return None


def _contour_levels(line: Line) -> Said:
    """``contourf`` / ``contour`` with hundreds of levels: a set of filled polygons per level."""
    share = line.inside("matplotlib.contour.ContourSet.__init__")
    if share < MOST:
        return None
    for call in line.calls():
        if not isinstance(call.func, ast.Attribute) or call.func.attr not in ("contourf", "contour", "tricontourf"):
            continue
        levels = next((k.value for k in call.keywords if k.arg == "levels"), None)
        if levels is None and len(call.args) in (2, 4):
            levels = call.args[-1]  # contourf(Z, levels) / contourf(X, Y, Z, levels)
        count = levels.value if isinstance(levels, ast.Constant) and isinstance(levels.value, int) else \
            line.size_of(levels) if levels is not None else None
        if not count or count < MANY_LEVELS:
            continue
        return (f"`{call.func.attr}` drew {count:,} levels ({_pct(share)} of the line): it traces the polygons of "
                "every band between two levels over the whole grid, one set per level",
                "for a smooth colour map of a regular grid use `ax.imshow(Z, origin='lower', extent=(x0, x1, y0, "
                "y1), aspect='auto')` or `ax.pcolormesh(X, Y, Z)`: one image of the grid's colours; keep contourf "
                "for a few levels (10-20), where its bands say something")
    return None


#: The ``re`` functions that compile their pattern string through the module's cache.
_RE_FUNCTIONS = tuple(f"re.{name}" for name in ("search", "match", "fullmatch", "findall", "finditer", "sub", "subn",
                                                "split"))


def _regex_recompiled(line: Line) -> Said:
    """``re.search(pattern, …)`` and the like spending most of the line compiling: more patterns than the
    module's cache holds (``re._MAXCACHE``, 512), or patterns built anew."""
    share = line.inside("re._compiler.compile")
    if share < MOST or not line.inside(*_RE_FUNCTIONS):
        return None
    return (f"`re` compiled the pattern again at the calls ({_pct(share)} of the line): a pattern string given to "
            "`re.search` and the like is looked up in the module's cache, which keeps only the last 512 patterns; "
            "more patterns in turn, or one built anew each time, miss it and compile at every call",
            "compile each pattern once before the loop (`patterns = [re.compile(p, flags) for p in ...]`) and call "
            "its method (`pattern.search(text)`); for many alternatives, one compiled alternation (`a|b|c`) "
            "searches them in one pass")


def _exact_statistics(line: Line) -> Said:
    """The standard library's ``statistics`` module on long lists: exact, in Python."""
    public = ("statistics.mean", "statistics.fmean", "statistics.stdev", "statistics.pstdev", "statistics.variance",
              "statistics.pvariance", "statistics.median", "statistics.quantiles")
    # Several of them on one line (a mean and a stdev): their times add up, none calls another.
    share = min(1.0, sum(s for name, s in line.functions.items() if name in public) / line.seconds) \
        if line.seconds > 0 else 0.0
    if share < MOST:
        return None
    return (f"the `statistics` module took {_pct(share)} of the line: it computes exactly, turning each float into "
            "an integer ratio and summing those in Python, many times the work of a floating-point sum",
            "for floats, NumPy gives the same values to rounding: `a = np.asarray(values)`, then `a.mean()` and "
            "`a.std(ddof=1)` (the sample standard deviation, as `statistics.stdev`); `statistics.fmean` is a "
            "fast mean where exactness is not needed")


def _whole_stack_inspected(line: Line) -> Said:
    """``inspect.stack()`` to read one caller: a record, with source context, for every frame on the stack."""
    share = line.inside("inspect.stack", "inspect.getouterframes")
    if share < MOST:
        return None
    return (f"`inspect.stack()` took {_pct(share)} of the line: it builds a record for every frame on the stack, "
            "finding each one's module and reading its source lines from the file",
            "read only the frame you need: `sys._getframe(1)` (or `inspect.currentframe().f_back`) gives the "
            "caller, `.f_code.co_name` its function's name, without walking or reading anything else")


#: The least share of a drawn figure's scatter points outside the view for them to be the drawing's cost.
OUTSIDE_SHARE = 0.8


def _drawn_outside_view(line: Line) -> Said:
    """A figure drawn with most of its scatter points outside the axes' limits (zoomed with ``set_xlim``)."""
    points, outside = line.view_points
    if line.category != "mpl_draw" or not points or outside < OUTSIDE_SHARE * points:
        return None
    return (f"the figure drawn here holds {points:,} scatter points, {outside:,} of them ({_pct(outside / points)}) "
            "outside the axes' limits: matplotlib still transforms every marker's position and hands it to the "
            "renderer, which places each one before clipping it, so the points outside the view cost about as "
            "much as those inside",
            "select the points inside the limits before plotting, with a margin of a marker's width: "
            "`keep = (x >= x0) & (x <= x1) & (y >= y0) & (y <= y1)`, then `ax.scatter(x[keep], y[keep], "
            "c=c[keep], vmin=c.min(), vmax=c.max())`: the same picture (the full data's colour limits keep "
            "its colours)")


#: Gouraud-shaded cells a drawn mesh must have for their triangles to be the draw's cost.
GOURAUD_CELLS = 100_000


def _gouraud_mesh(line: Line) -> Said:
    """A mesh drawn with ``shading='gouraud'`` of many cells: Agg rasterises two triangles per cell, one at a time."""
    cells, pixels = line.gouraud_cells
    if line.category != "mpl_draw" or cells < GOURAUD_CELLS or line.inside(".QuadMesh.draw") < MOST:
        return None
    finer = (f", {cells / pixels:.1f} cells per pixel of its axes ({pixels:,} pixels): the smoothing between "
             "vertices is finer than a pixel" if pixels and cells >= pixels else "")
    return (f"the figure drawn here holds a `pcolormesh(..., shading='gouraud')` of {cells:,} cells "
            f"({_pct(line.inside('.QuadMesh.draw'))} of the line in its draw): matplotlib splits every cell into two "
            f"triangles and Agg rasterises the {2 * cells:,} triangles one at a time, interpolating the colours "
            f"across each{finer}",
            "on a regular grid (evenly spaced x and y), `ax.imshow(Z, extent=(x[0], x[-1], y[0], y[-1]), "
            "origin='lower', interpolation='bilinear', aspect='auto')` draws the same smooth field as one resampled "
            "image (measured here within 8 of 255 levels of the Gouraud pixels); on any grid, flat cells "
            "(`shading='nearest'`, drawn as one mesh) come close where there are more cells than pixels (they "
            "extend half a cell past the grid's edges), or give Gouraud shading a grid about the axes' size in pixels")


def _limits_rescanned(line: Line) -> Said:
    """``ax.relim()`` at every iteration of a loop: it recomputes the data limits from every vertex of every line."""
    if not line.in_loop or not any(dotted(c.func).endswith(".relim") for c in line.calls()):
        return None
    share = line.inside("._update_line_limits", ".relim")
    if share < MOST:
        return None
    runs = runs_of(line)
    return (f"`relim()` ran at {'every' if runs is None else f'each of the {runs:,}'} iteration"
            f"{'s' if runs != 1 else ''} of the loop and recomputed the data limits from every artist's full data "
            f"({_pct(share)} of the line): it reads every vertex of every line on the axes, the lines that did not "
            "change included",
            "call `ax.relim(); ax.autoscale_view()` once after the loop, before the figure is drawn (the limits are "
            "only read when it is drawn); for a plot drawn as it grows, add only the new points to the limits: "
            "`ax.update_datalim(np.column_stack([new_x, new_y]))` then `ax.autoscale_view()`")


def _correlation_of_every_lag(line: Line) -> Said:
    """``ax.acorr`` / ``ax.xcorr``: ``np.correlate(mode="full")`` over every lag, to draw ``maxlags`` of them."""
    if line.inside("matplotlib.axes._axes.Axes.xcorr") < MOST or line.inside("numpy._core.numeric.correlate") < MOST:
        return None
    if any(k.arg == "maxlags" and isinstance(k.value, ast.Constant) and k.value.value is None
           for call in line.calls() for k in call.keywords):
        return None  # every lag drawn: the full correlation is what is shown
    return ("`acorr` / `xcorr` computes the correlation at every lag, `np.correlate(x, y, mode=\"full\")`: 2N - 1 "
            f"lags by direct summation, O(N²) ({_pct(line.inside('numpy._core.numeric.correlate'))} of the line), "
            "and then draws only the `maxlags` around zero",
            "compute only the lags drawn, each a dot product of the series with its shifted self: "
            "`c = np.array([np.dot(x[k:], x[:len(x) - k]) for k in range(m + 1)])`, "
            "`ac = np.concatenate([c[:0:-1], c]) / np.dot(x, x)` (acorr's `normed=True`), then draw them as acorr "
            "does: `ax.vlines(np.arange(-m, m + 1), [0], ac)` and `ax.axhline()`")


def _ragged_from_lists(line: Line) -> Said:
    """``tf.ragged.constant`` of long nested Python lists: walked value by value in Python."""
    share = line.inside("tensorflow.python.ops.ragged.ragged_factory_ops.constant")
    if share < MOST:
        return None
    return (f"`tf.ragged.constant` walked the nested Python lists in Python ({_pct(share)} of the line): it finds "
            "their ragged rank and inner shape, then flattens them level by level, row by row, before one "
            "conversion of the flat values",
            "flatten once and build from the row lengths: `lengths = [len(r) for r in rows]`, `flat = "
            "np.fromiter(itertools.chain.from_iterable(rows), dtype=np.int32, count=sum(lengths))`, then "
            "`tf.RaggedTensor.from_row_lengths(flat, lengths)`: the same tensor, for one ragged dimension")


def _legend_best(line: Line) -> Said:
    share = line.inside("matplotlib.legend.Legend._find_best_position")
    if share < 0.3:
        return None
    return (f"the legend searched for its 'best' place ({_pct(share)} of the line): with `loc='best'` (the default "
            "for an Axes legend) each draw tests every candidate spot against every plotted point",
            "give the legend a fixed place: `ax.legend(loc='upper right')` (or any other `loc`)")


def _einsum(line: Line) -> Said:
    share = line.inside("numpy._core.einsumfunc.einsum", "numpy.core.einsumfunc.einsum")
    if share < MOST:
        return None
    for call in line.calls():
        if dotted(call.func).endswith("einsum"):
            optimize = next((k.value for k in call.keywords if k.arg == "optimize"), None)
            if optimize is None or isinstance(optimize, ast.Constant) and optimize.value is False:
                return (f"`np.einsum` without `optimize` took {_pct(share)} of the line: it then contracts the "
                        "operands in the order written, in its own loops (no BLAS, no choice of a cheaper order)",
                        "pass `optimize=True` (or a path from `np.einsum_path`, computed once): einsum then picks "
                        "the cheapest order and hands each pair to BLAS; for two operands `np.tensordot` or `@` "
                        "does the same")
    return None


def _object_array(line: Line) -> Said:
    objects = [name for name, dtype in line.dtypes.items() if dtype == "object"]
    if not objects or not (line.category == "cell" or line.category.startswith("other:")):
        return None  # the line's time went to a library that is not computing on the array
    name = objects[0]
    return (f"`{name}` is a NumPy array of dtype object (a `None` or a mix of types in the data it was made from "
            "makes one): each element is a Python object, and NumPy runs Python code for every element of every "
            "operation",
            f"if its values are numbers, make it numeric where it is made: `np.array(data, dtype=float)` turns "
            f"`None` into `nan` (or fill the missing values first), then operations on `{name}` run in compiled loops")


def _integer_matmul(line: Line) -> Said:
    def integer(expr: ast.AST) -> str | None:
        if isinstance(expr, ast.Name):
            dtype = line.dtypes.get(expr.id, "")
            if dtype.startswith(("int", "uint")) and (line.size_of(expr) or 0) >= 100:  # a small one costs nothing
                return expr.id
        return None

    for node in line.nodes:
        pairs: list[tuple[ast.AST, ast.AST]] = []
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.MatMult):
            pairs.append((node.left, node.right))
        elif isinstance(node, ast.Call) and dotted(node.func).rsplit(".", 1)[-1] in ("dot", "matmul", "tensordot") \
                and len(node.args) >= 2:
            pairs.append((node.args[0], node.args[1]))
        for left, right in pairs:
            name = integer(left) or integer(right)
            if name:
                return (f"`{name}` holds integers ({line.dtypes[name]}): NumPy's matrix products use BLAS only for "
                        "floating-point types, and multiply integer matrices in a plain loop",
                        "multiply in floating point: `(a.astype(np.float64) @ b.astype(np.float64))`, exact while "
                        "the sums stay below 2**53, and `.astype(np.int64)` on the result if integers are needed")
    return None


def _eager_log_message(line: Line) -> Said:
    for call in line.calls():
        func = call.func
        if not (isinstance(func, ast.Attribute) and func.attr in _LEVELS and call.args):
            continue
        level = line.levels.get(dotted(func.value)) if isinstance(func.value, ast.Name) else None
        if level is None or _LEVELS[func.attr] >= level:
            continue  # not a logger we know the level of, or the record is emitted: the work is needed
        first = call.args[0]
        formatted = isinstance(first, ast.JoinedStr) or (
            isinstance(first, ast.BinOp) and isinstance(first.op, ast.Mod)) or (
            isinstance(first, ast.Call) and dotted(first.func).endswith(".format"))
        computes = any(isinstance(n, ast.Call) for arg in call.args for n in ast.walk(arg))
        if formatted or computes:
            logger = dotted(func.value)
            return (f"`{logger}.{func.attr}(…)` built its message, and computed the values in it, at every call, "
                    f"though `{logger}` drops {func.attr} records (its level is above {func.attr.upper()}): Python "
                    "evaluates the arguments before the logger decides",
                    f"guard the costly part with `if {logger}.isEnabledFor(logging.{func.attr.upper()}):`, and pass "
                    f"values as arguments (`{logger}.{func.attr}('norm %s', value)`) so that formatting happens only "
                    "for records that are emitted")
    return None


def _legacy_choice(line: Line) -> Said:
    for call in line.calls():
        name = dotted(call.func)
        if not (name.endswith("random.choice") and name.split(".")[0] in ("np", "numpy")):
            continue
        replace = next((k.value for k in call.keywords if k.arg == "replace"), None)
        if isinstance(replace, ast.Constant) and replace.value is False:
            return ("the legacy `np.random.choice(n, k, replace=False)` shuffles all n candidates at every call to "
                    "keep k of them",
                    "make a Generator once (`rng = np.random.default_rng(seed)`) and call `rng.choice(n, k, "
                    "replace=False)`, which draws only what it needs (a different random stream, the same distribution)")
    return None


def _window_flat_map(line: Line) -> Said:
    if not any("window" in stages and "flat_map" in stages for stages in line.pipelines):
        return None
    if line.category not in ("tf_data_wait", "blocked", "tf_eager_ops", "cell") and not line.category.startswith("tf_"):
        return None
    return ("the pipeline cuts its windows with `window` + `flat_map`: every window is a small dataset of its own, "
            "built and read element by element",
            "cut the windows as whole tensors: `tf.signal.frame(series, window, shift, axis=0)` and "
            "`from_tensor_slices` of the result, or `keras.utils.timeseries_dataset_from_array`")


#: A pipeline with this many ``concatenate`` stages is a chain built in a loop.
CONCATENATED = 16


def _concatenate_chain(line: Line) -> Said:
    deepest = max((stages.count("concatenate") for stages in line.pipelines), default=0)
    if deepest < CONCATENATED or not line.category.startswith("tf_"):  # tf_data_wait, tf_eager_ops, …
        return None
    return (f"the dataset is a chain of {deepest}{'+' if deepest >= 100 else ''} `concatenate` calls, each "
            "wrapping the last (`ds = ds.concatenate(…)` in a loop): every element of the first pieces passes "
            "through every level's iterator, so reading it costs more the longer the chain",
            "build one flat dataset: concatenate the pieces' arrays once (`np.concatenate`) and make one "
            "`from_tensor_slices`, or make a dataset of what each piece comes from and `flat_map` it into its "
            "elements (`tf.data.Dataset.from_tensor_slices(sources).flat_map(make_piece)`): one level, whatever "
            "the count")


def _counted_by_reading(line: Line) -> Said:
    for call in line.calls():
        func = dotted(call.func)
        if func == "len" and call.args and isinstance(call.args[0], ast.Call) and dotted(call.args[0].func) == "list":
            inner = call.args[0].args[0] if call.args[0].args else None
        elif func == "sum" and call.args and isinstance(call.args[0], ast.GeneratorExp) \
                and isinstance(call.args[0].elt, ast.Constant) and call.args[0].elt.value == 1:
            inner = call.args[0].generators[0].iter  # sum(1 for _ in ds): a count (a sum of values is work)
        else:
            continue
        if inner is None:
            continue
        kind = line.type_of(inner)
        if kind and kind.startswith(_DATASET):
            name = dotted(inner)
            return (f"counting `{name}` by reading it runs the whole pipeline (every element made, then dropped)",
                    f"ask the dataset: `int({name}.cardinality())` is known without reading for datasets made from "
                    "arrays, `range`, and their `map` / `batch`; where it is unknown (-2), count once and keep the number")
    return None


def _npz_per_access(line: Line) -> Said:
    if not line.in_loop:
        return None
    for node in line.nodes:
        if isinstance(node, ast.Subscript) and isinstance(node.value, ast.Name):
            kind = line.type_of(node.value) or ""
            if kind.endswith(".NpzFile"):
                name = node.value.id
                return (f"`{name}[…]` on a loaded `.npz` file reads (and decompresses) the whole array from the "
                        "file again at every access, here in a loop",
                        f"read each array once before the loop (`x = {name}['x']`) and index that")
    return None


def _compressed_seeks(line: Line) -> Said:
    """Seeks in a gzip, bz2 or xz stream (a ``tarfile`` opened ``"r:gz"``): emulated by decompressing from the start."""
    share = line.inside("_compression.DecompressReader.seek")
    if not line.in_loop or share < MOST:
        return None
    return (f"{_pct(share)} of the line went to seeking in a compressed stream (`DecompressReader.seek`): gzip, bz2 "
            "and xz streams cannot jump, so each seek backwards rewinds to the start and decompresses everything up "
            "to the target again; reading an archive's members (or a file's records) out of their stored order does "
            "that at almost every read",
            "read in the stored order: iterate the archive once (`for member in tar:`; keep the members you want, "
            "in a dict by name) and reorder afterwards; for random access repeated over epochs, decompress once "
            "(extract the archive, or store an uncompressed or zip archive, whose members are compressed one by one)")


#: Listings of one folder, made by a loop, from which listing per item is its cost.
PER_STEP_LISTINGS = 20


def _folder_listed_per_item(line: Line) -> Said:
    """``glob.glob(pattern)`` with a wildcard in a loop: every call lists the whole folder and matches each entry."""
    share = line.inside("glob._iterdir", "glob._listdir")
    runs = runs_of(line)
    if not line.in_loop or share < MOST or (runs is not None and runs < PER_STEP_LISTINGS):
        return None
    if not any(_same_folder(line, call.args[0]) for call in line.calls()
               if dotted(call.func).endswith(("glob.glob", "glob.iglob")) and call.args):
        return None  # a folder per item (or one the pattern does not show): each listing is new
    times = "at every iteration" if runs is None else f"{runs:,} times"
    return (f"`glob` listed a folder {times} ({_pct(share)} of the line in its listing): each call with a wildcard "
            "reads every entry of the folder and matches it against the pattern, to return the few that match",
            "list the folder once before the loop into a dict keyed by the part of the name the loop matches on: "
            "`by_key = {key_of(os.path.basename(p)): p for p in glob.glob(os.path.join(folder, '*'))}`, then "
            "`by_key[key]` inside the loop (or `fnmatch.filter(names, pattern)` on one `os.listdir` for patterns "
            "that differ)")


def _same_folder(line: Line, pattern: ast.AST) -> bool:
    """Whether a glob pattern written ``os.path.join(folder…, name)`` names a folder no loop around the line changes."""
    if not (isinstance(pattern, ast.Call) and dotted(pattern.func) in ("os.path.join", "path.join") and pattern.args):
        return False
    folder = set().union(*(_reads(part) for part in pattern.args[:-1]))
    return not any(folder & _changed_by_loop(target, body) for target, _, body in _loops_around(line))


#: Containers that find an item by its hash (then ``__eq__`` among the items of equal hash).
_HASHED = ("builtins.set", "builtins.frozenset", "builtins.dict", "collections.Counter", "collections.defaultdict")


def _hashes_collide(line: Line) -> Said:
    """A set or dict built (or probed) while an ``__eq__`` holds most of the line: Python compares with ``__eq__``
    only items whose hashes are equal, so most items share a hash value: ``__hash__`` is coarser than ``__eq__``."""
    hashed = any(isinstance(n, (ast.SetComp, ast.DictComp, ast.Set, ast.Dict)) for n in line.nodes) or any(
        dotted(c.func) in ("set", "dict", "frozenset", "collections.Counter", "Counter") or
        dotted(c.func).endswith((".add", ".setdefault", ".update")) for c in line.calls()) or any(
        isinstance(n, ast.Compare) and any(isinstance(op, (ast.In, ast.NotIn)) for op in n.ops)
        and any((line.type_of(c) or "") in _HASHED for c in n.comparators) for n in line.nodes)
    if not hashed:
        return None
    eq = line.heaviest(".__eq__")
    if eq is None or line.seconds <= 0 or eq[1] < MOST * line.seconds:
        return None
    owner = eq[0].rsplit(".", 2)[-2]
    return (f"{_pct(eq[1] / line.seconds)} of the line went to `{owner}.__eq__`, called by the set or dict it fills "
            "or probes: Python compares two items with `__eq__` only when their hashes are equal, so most of these "
            f"items share a hash value: `{owner}.__hash__` is coarser than `__eq__` (it hashes fewer of the fields "
            "`__eq__` compares), and each insertion or lookup compares the item with every item of its hash, one "
            "Python call each: quadratic in the items per hash value",
            f"make `{owner}.__hash__` hash the same fields `__eq__` compares: `return hash((self.a, self.b, self.c))` "
            "(equal items still hash equal, distinct ones rarely collide); `@dataclass(frozen=True)` writes both "
            "from the same fields")


def _sum_of_lists(line: Line) -> Said:
    for call in line.calls():
        if dotted(call.func) == "sum" and len(call.args) == 2 and isinstance(call.args[1], (ast.List, ast.Tuple)):
            return ("`sum(lists, [])` concatenates by copying: each `+` makes a new list of everything so far, so the "
                    "time grows with the square of the total length",
                    "flatten in one pass: `list(itertools.chain.from_iterable(lists))` (or a comprehension)")
    return None


def _membership_in_a_new_list(line: Line) -> Said:
    if not line.in_loop:
        return None
    for node in line.nodes:
        if isinstance(node, ast.Compare):
            for op, right in zip(node.ops, node.comparators, strict=True):
                if isinstance(op, (ast.In, ast.NotIn)) and isinstance(right, ast.Call) \
                        and dotted(right.func) in ("list", "tuple", "sorted"):
                    made = dotted(right.func)
                    return (f"`… in {made}(…)` builds a new {'list' if made != 'tuple' else 'tuple'} at every test "
                            "and scans it item by item",
                            "test membership in the container itself (`x in d` looks a dict or set up by hash), or "
                            "make one set before the loop")
    return None


def _strptime_per_element(line: Line) -> Said:
    share = line.inside("_strptime._strptime_datetime", "_strptime._strptime")
    if share < MOST or not line.in_loop:
        return None
    return (f"`datetime.strptime` parsed the strings one at a time ({_pct(share)} of the line): each call runs "
            "Python's format parser again",
            "parse them all at once: ISO 8601 strings convert in one step with `np.array(strings, "
            "dtype='datetime64[s]')` (`'2024-03-01T12:00:00'`; replace the space with a `T` first); for other "
            "formats `pandas.to_datetime(strings, format=...)`")


def _many_ticks(line: Line) -> Said:
    share = line.inside("matplotlib.axis.Tick.draw", "matplotlib.axis.Axis._update_ticks")
    if share < 0.4 or line.category_ticks < MANY_CATEGORIES:
        return None
    return (f"drawing the axis ticks took {_pct(share)} of the line: an axis of strings (a category axis) gets one "
            f"tick for every distinct string, here {line.category_ticks:,}, each a line and a text artist",
            "plot numeric positions and label a few: `ax.plot(np.arange(len(labels)), values)` then "
            "`ax.set_xticks(positions[::k], labels[::k])`")


def _runtime_protocol_check(line: Line) -> Said:
    """``isinstance(v, P)`` against a ``runtime_checkable`` Protocol at every item: each check is ``typing``'s
    Python code (``_ProtocolMeta.__instancecheck__``), which gathers the protocol's members and tests the value
    for each of them."""
    share = line.inside("typing._ProtocolMeta.__instancecheck__")
    if share < MOST or not line.in_loop:
        return None
    checks = [c for c in line.calls() if dotted(c.func) == "isinstance" and len(c.args) == 2]
    against = f"`{ast.unparse(checks[0].args[1])}`" if checks else "a Protocol"
    return (f"`isinstance` against {against}, a runtime-checkable Protocol, took {_pct(share)} of the line: each such "
            "check runs `typing`'s own Python code (`_ProtocolMeta.__instancecheck__`), which gathers the protocol's "
            "members and tests the value for each of them, at every call",
            "check a concrete type where you know it (`isinstance(v, (int, float))`), or keep the answer per type: "
            "for values of built-in types (numbers, strings, None) it depends on `type(v)` alone, so a dict from "
            "`type(v)` to the check's result gives the same answer with one protocol check per type")


#: The type a name holds after the cell when it is a file opened in text mode.
_TEXT_FILE = "_io.TextIOWrapper"


def _text_file_tell(line: Line) -> Said:
    """``f.tell()`` at every line read from a file opened in text mode, the line's only call: ``TextIOWrapper.tell``
    rebuilds the byte position from the decoder's state at each call (C code calling the decoder's ``getstate`` and
    ``setstate``, the ``codecs`` module's Python for UTF-8: the line's time is "other library: codecs"); the io
    module's documentation, in its performance notes, calls text ``tell`` and ``seek`` slow."""
    if not line.in_loop:
        return None
    calls = line.calls()
    files = [c.func.value for c in calls if isinstance(c.func, ast.Attribute) and c.func.attr == "tell" and not c.args
             and line.type_of(c.func.value) == _TEXT_FILE]
    if not files or len(calls) != len(files):
        return None  # the line's time may have gone to another call on it
    name = ast.unparse(files[0])
    return (f"`{name}.tell()` on a file opened in text mode ran at every iteration and held this line's time: a "
            "text file's `tell()` works the byte position out again from its decoder's state (it goes back to where "
            "the current decoded chunk began and decodes up to the current character) at every call",
            f"open the file in binary mode (`open(path, \"rb\")`) and add up `len(line)` of each line read (the same "
            f"byte offsets, decoding each line yourself where you need the text), or call `{name}.tell()` only where "
            "you need a position")


def _pool_task_per_item(line: Line) -> Said:
    """A thread or process pool handed one tiny task per item: the line's time went into ``submit`` (a Future, a
    lock, a queue and a worker woken per item), not into waiting for the tasks. Were the tasks the cost, the
    line would wait on their results instead."""
    for qualname, pool in (("concurrent.futures.thread.ThreadPoolExecutor.submit", "thread"),
                           ("concurrent.futures.process.ProcessPoolExecutor.submit", "process")):
        share = line.inside(qualname)
        if share < MOST:
            continue
        said = (f"`{qualname.rsplit('.', 2)[-2]}.submit` took {_pct(share)} of the line: the pool made a Future, took "
                "its locks, queued a work item and woke a worker for each item, and handing a task over cost more "
                "than running it")
        if pool == "thread":
            return (said, "give each task many items (split the items into a few chunks per worker and map a "
                          "function that loops over one chunk: `map`'s `chunksize` has no effect on a thread pool), "
                          "or, for tasks of microseconds that hold the GIL, run them in a plain loop or one "
                          "vectorised call: threads only gain on work that releases the GIL")
        return (said, "pass `chunksize=` to `map` (a few thousand items per task), or give each task a chunk of items")
    return None


def _asdict_per_item(line: Line) -> Said:
    """``dataclasses.asdict`` (or ``astuple``) per item of a loop: it recurses into every field, rebuilds each list,
    tuple and dict it finds and passes every other value through ``copy.deepcopy``, at every call."""
    share = line.inside("dataclasses._asdict_inner", "dataclasses._astuple_inner")
    if share < MOST or not line.in_loop:
        return None
    which = "astuple" if line.inside("dataclasses._astuple_inner") >= MOST else "asdict"
    return (f"`dataclasses.{which}` took {_pct(share)} of the line: it recurses into every field of each record, "
            "rebuilding each list, tuple and dict it finds and passing every other value through `copy.deepcopy`, "
            "at every call",
            "where the records hold no nested dataclasses and nothing you will change in place (strings, numbers, "
            "tuples), a shallow conversion gives equal results: `names = [f.name for f in dataclasses.fields(Cls)]` "
            "once, then `{n: getattr(r, n) for n in names}` per record (or `tuple(getattr(r, n) for n in names)`)")


def _deepcopy(line: Line) -> Said:
    share = line.inside("copy.deepcopy")
    direct = any(dotted(c.func).endswith("deepcopy") for c in line.calls())
    if share < MOST or (not direct and line.category.startswith(("mpl", "tf_", "keras"))):
        return None  # a library's own deepcopy (matplotlib's tight_layout made one in a CI run) is not the cell's
    return (f"`copy.deepcopy` took {_pct(share)} of the line: it walks and copies every object the value reaches, "
            "at every call",
            "copy only what changes (a shallow `copy.copy` / `dict(d)` when the nested values are not modified, "
            "`array.copy()` for arrays), or record what changed instead of a snapshot of everything")


def _genfromtxt(line: Line) -> Said:
    share = line.inside(".genfromtxt")
    if share < MOST:
        return None
    return (f"`np.genfromtxt` took {_pct(share)} of the line: it parses the text in Python, value by value",
            "for a file without missing values `np.loadtxt` (parsed in C), or convert the text once to a binary "
            "`.npy` file (`np.save`) and `np.load` it from then on")


def _text_round_trip(line: Line) -> Said:
    """``np.savetxt`` of a large array, or ``np.loadtxt`` of what the same cell wrote with it: every value
    formatted to, or parsed from, decimal text. (``np.loadtxt`` alone reads what another tool may have written:
    it is the fix ``_genfromtxt`` gives.)"""
    wrote, read = line.inside("numpy.lib._npyio_impl.savetxt"), line.inside("numpy.lib._npyio_impl.loadtxt")
    if read and not any(isinstance(n, ast.Call) and dotted(n.func).endswith("savetxt") for n in line.cell):
        read = 0.0
    if max(wrote, read) < MOST:
        return None
    how = ("`np.savetxt` formats every value through Python string formatting, row by row" if wrote >= read else
           "`np.loadtxt` parses every value back from decimal text")
    return (f"{how} ({_pct(max(wrote, read))} of the line): a text file is the slowest way to keep an array "
            "(`savetxt`'s default format, `%.18e`, is 25 characters a value, each written and parsed one by one)",
            "when the file is only read back by NumPy (a cache between sessions), keep the array in NumPy's binary "
            "format: `np.save('x.npy', x)` and `np.load('x.npy')` copy its bytes, exactly, without formatting "
            "(`np.savez` for several arrays); keep text for files other tools must read")


def _sorted_per_iteration(line: Line) -> Said:
    if not line.in_loop:
        return None
    for call in line.calls():
        func = call.func
        if isinstance(func, ast.Attribute) and func.attr == "sort" and line.type_of(func.value) == "builtins.list" \
                and (line.size_of(func.value) or 0) >= 100:
            name = dotted(func.value)
            return (f"`{name}.sort()` in a loop sorts the whole list ({line.size_of(func.value):,} items at the "
                    "end) at every iteration",
                    f"keep it sorted as items arrive (`bisect.insort({name}, item)`), use `heapq` when only the "
                    "smallest or largest are needed, or sort once after the loop")
    return None


def _saved_per_iteration(line: Line) -> Said:
    share = line.inside("keras.src.saving.saving_api.save_model", "keras.src.saving.saving_api.save_weights")
    if share < MOST or not line.in_loop:
        return None
    return (f"the model was saved at every iteration of the loop ({_pct(share)} of the line): each save writes "
            "every weight (and, for a whole model, its configuration and optimizer) to a new file",
            "save once after the loop, or every N iterations (`if step % N == 0:`); inside `fit`, a "
            "`keras.callbacks.ModelCheckpoint` does this with `save_freq`")


def _eager_loop_op(line: Line) -> Said:
    share = line.inside("tensorflow.python.ops.functional_ops.scan", "tensorflow.python.ops.functional_ops.foldl",
                        "tensorflow.python.ops.functional_ops.foldr", "tensorflow.python.ops.while_loop.while_loop")
    if share < MOST or _traced(line):
        return None  # in a tf.function the loop is in the graph
    return (f"a TensorFlow loop (`tf.scan`, `tf.foldl` or `tf.while_loop`) ran outside a `tf.function` "
            f"({_pct(share)} of the line): eagerly, its body runs from Python once per step, each op dispatched "
            "on its own",
            "run it inside a `tf.function` (`tf.function(lambda s: tf.scan(fn, s))(elems)`: the loop then runs "
            "in the graph), or write it with a whole-tensor op where one exists (`tf.cumsum`, `tf.math.cumprod`)")


def _validation_in_fit(line: Line) -> Said:
    if line.seconds <= 0 or not any(name.endswith("Trainer.fit") for name in line.functions):
        return None
    share = line.inside("Trainer.evaluate")
    if share < VALIDATION_SHARE:
        return None
    return (f"validation took {_pct(share)} of `fit`: `validation_data` is evaluated in full after every epoch",
            "evaluate less often (`validation_freq=N`: every N epochs) or on a sample of the validation set; "
            "evaluate the whole set once at the end with `model.evaluate`")


#: NumPy's linalg functions that take a stack of matrices, an array of shape (..., M, M) or (..., M, N).
_STACKED_LINALG = frozenset(("solve", "inv", "det", "slogdet", "eig", "eigh", "eigvals", "eigvalsh", "cholesky",
                             "svd", "qr", "pinv", "matrix_rank", "cond", "matrix_power"))
#: The most rows of a matrix for one linalg call on it to be per-call overhead rather than arithmetic.
SMALL_MATRIX = 16
#: The least share of a linalg call's time its own checks and setup must take to show the call was overhead.
CHECKS_SHARE = 0.25


def _rows(line: Line, arg: ast.AST) -> int | None:
    """Rows of a matrix argument: a NumPy array name's first dimension, or a nested list literal's length."""
    if isinstance(arg, ast.Name) and line.type_of(arg) == NDARRAY:
        return line.size_of(arg)
    if isinstance(arg, ast.Call) and dotted(arg.func).endswith("array") and arg.args \
            and isinstance(arg.args[0], (ast.List, ast.Tuple)):
        return len(arg.args[0].elts)
    return None


def _linalg_per_matrix(line: Line) -> Said:
    """``np.linalg.solve`` (inv, det, eigh, …) called on one small matrix per iteration of a loop."""
    if not line.in_loop or not _loops_around(line):
        return None
    for call in line.calls():
        name = dotted(call.func)
        fn = name.rsplit(".", 1)[-1]
        if not name.endswith(f"linalg.{fn}") or fn not in _STACKED_LINALG or not call.args:
            continue
        whole = line.functions.get(f"numpy.linalg._linalg.{fn}", 0.0)
        rows = _rows(line, call.args[0])
        if whole < MOST * line.seconds or rows is None or not 0 < rows <= SMALL_MATRIX:
            continue  # not NumPy's (tf.linalg, scipy.linalg), not the line's time, or a matrix with real work
        # Its argument checks, dtype resolution and error-state context: a fixed cost per call that a tiny
        # matrix's arithmetic is far below. What the sampler saw there is the measured evidence.
        checks = sum(s for f, s in line.functions.items() if f.startswith(("numpy.linalg._linalg.",
                     "numpy._core._ufunc_config.")) and f != f"numpy.linalg._linalg.{fn}")
        if checks < CHECKS_SHARE * whole:
            continue
        shown = f"np.linalg.{fn}"
        rhs = f" (a right-hand side as (…, {rows}, 1))" if fn == "solve" else ""
        return (f"`{shown}` ran once per iteration of the loop on one {rows}×{rows} matrix: "
                f"{_pct(checks / whole)} of its time went to its argument checks, type resolution and error-state "
                "setup, a fixed cost of every call that far exceeds the arithmetic of so small a matrix",
                f"NumPy's linalg functions take a stack of matrices, an array of shape (…, {rows}, {rows}), and "
                f"work on all of them in one call: build the loop's matrices with array operations (`np.stack`) "
                f"into one array and call `{shown}` once{rhs}")
    return None


def _inverse_then_product(line: Line) -> Said:
    if line.inside("tensorflow.python.ops.gen_linalg_ops.matrix_inverse") >= MOST:
        return ("`tf.linalg.inv` computed a whole inverse (a general LU inversion) where it is only multiplied "
                "by: solving is about three times less work, and more accurate",
                "solve instead of inverting: `tf.linalg.solve(A, B)`; for a triangular or Cholesky factor "
                "`tf.linalg.triangular_solve(L, B)` or `tf.linalg.cholesky_solve(L, B)`")
    if line.inside("numpy.linalg._linalg.inv", "numpy.linalg.linalg.inv") < MOST:
        return None
    for node in line.nodes:
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.MatMult) and isinstance(node.left, ast.Call) \
                and dotted(node.left.func).endswith("linalg.inv"):
            return ("`np.linalg.inv(A) @ B` inverts the whole matrix to solve a linear system: about three times the "
                    "work of solving it, and less accurate",
                    "solve the system directly: `np.linalg.solve(A, B)` (or factor `A` once with "
                    "`scipy.linalg.lu_factor` when it is solved for many right-hand sides)")
    return None


def _vector_output(line: Line) -> Said:
    # Paths and markers written as vectors; not `draw_image`, which embeds what was rasterized (the fix itself:
    # under load it held 48% of a twin's line).
    share = max((s for name, s in line.functions.items() if name.startswith((
        "matplotlib.backends.backend_svg.RendererSVG.draw_", "matplotlib.backends.backend_pdf.RendererPdf.draw_",
        "matplotlib.backends.backend_ps.RendererPS.draw_")) and not name.endswith((".draw_image", ".draw_text"))),
        default=0.0)
    share = share / line.seconds if line.seconds > 0 else 0.0
    if share < 0.4:
        return None
    return (f"the vector (SVG / PDF / PS) output wrote every marker and path as text ({_pct(share)} of the line)",
            "rasterize the dense artists and keep the rest vector: `rasterized=True` on the scatter or line (or "
            "`ax.set_rasterization_zorder`), or save that figure as PNG")


def _commit_per_row(line: Line) -> Said:
    if not line.in_loop:
        return None
    for call in line.calls():
        func = call.func
        if isinstance(func, ast.Attribute) and func.attr == "commit" \
                and (line.type_of(func.value) or "").startswith("sqlite3."):
            name = dotted(func.value)
            return (f"`{name}.commit()` in a loop ends a transaction per iteration: SQLite writes the journal and "
                    "waits for the disk each time",
                    f"commit once after the loop (`{name}.executemany(...)` for the rows, then one `commit()`), or "
                    f"wrap the loop in `with {name}:`")
    return None


def _list_of_arrays_converted(line: Line) -> Said:
    if line.inside("tensorflow.python.framework.constant_op.convert_to_eager_tensor",
                   "tensorflow.python.framework.constant_op._constant_eager_impl") < MOST:
        return None
    for call in line.calls():
        if not call.args or not dotted(call.func).endswith(("convert_to_tensor", "constant")):
            continue
        arg = call.args[0]
        if not isinstance(arg, ast.Name):
            continue
        item = line.items.get(arg.id, "")
        if item == NDARRAY or is_tensor(item):
            stack = "np.stack" if item == NDARRAY else "tf.stack"
            return (f"`{dotted(call.func)}({arg.id})` converts a Python list of {line.size_of(arg) or 'many':,} "
                    f"{'arrays' if item == NDARRAY else 'tensors'}: TensorFlow walks it as nested Python sequences, "
                    "value by value",
                    f"stack it first: `{stack}({arg.id})` makes one contiguous "
                    f"{'array' if item == NDARRAY else 'tensor'}, converted in one copy")
    return None


#: Tensors in one Python list handed to a ``tf.function`` from which binding them one by one is named.
MANY_INPUTS = 100


def _list_of_tensors_to_a_function(line: Line) -> Said:
    """A ``tf.function`` called with a Python list of many tensors (or a slice of one): each tensor is a separate
    input of the traced function, so every call builds a type for each, checks it against the traced signature
    and flattens them all, however little the function computes."""
    if line.inside(".polymorphic_function.Function.__call__") < MOST:
        return None
    for call in line.calls():
        for arg in call.args:
            base = arg.value if isinstance(arg, ast.Subscript) else arg
            if not isinstance(base, ast.Name) or not is_tensor(line.items.get(base.id)) \
                    or line.type_of(base) not in (LIST, TUPLE):
                continue
            size = line.size_of(base) or 0
            if size < MANY_INPUTS:
                continue
            what = f"`{ast.unparse(arg)}`, a Python list of " + ("tensors from `" + base.id + f"` ({size:,} of them)"
                                                                  if isinstance(arg, ast.Subscript) else f"{size:,} tensors")
            return (f"`{ast.unparse(call.func)}` is a tf.function, and it was given {what} at every call: each tensor of "
                    "the list is a separate input of the traced function, so each call built a type for every one of "
                    "them, checked it against the traced signature and flattened them all before running the graph",
                    f"stack the list once, before the loop (`{base.id} = tf.stack({base.id})`: one tensor), and pass "
                    "that tensor (or a slice of it) to the function: one input per call, and the function's "
                    "`tf.stack` of its argument is no longer needed")
    return None


_REDUCTIONS = {"reduce_mean": "tf.nn.avg_pool2d", "reduce_max": "tf.nn.max_pool2d", "reduce_sum": "tf.nn.avg_pool2d"}


def _patches_then_reduced(line: Line) -> Said:
    """``tf.image.extract_patches`` whose patches are then reduced each to one value per channel (a mean, a max, a
    sum): the op copies every window into a vector of its own, an intermediate ``k × k`` times the input, that the
    reduction throws away. A pooling op computes the same from the input (an average pool is the mean; times
    ``k × k``, the sum)."""
    if not line.category.startswith("tf_"):
        return None
    here = {id(n) for n in line.nodes}
    made: dict[str, ast.Call] = {}  # name → the extract_patches call it was assigned from, anywhere in the cell
    for node in [*line.cell, *line.nodes]:
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Call) \
                and dotted(node.value.func).endswith("extract_patches"):
            made.update({t.id: node.value for t in node.targets if isinstance(t, ast.Name)})
    for node in [*line.cell, *line.nodes]:
        if not isinstance(node, ast.Call) or dotted(node.func).rsplit(".", 1)[-1] not in _REDUCTIONS or not node.args:
            continue
        inside = list(ast.walk(node.args[0]))
        patches = next((n for n in inside if isinstance(n, ast.Call) and dotted(n.func).endswith("extract_patches")),
                       None) or next((made[n.id] for n in inside if isinstance(n, ast.Name) and n.id in made), None)
        if patches is None or not (here & {id(node), id(patches)} or here & {id(n) for n in ast.walk(node)}):
            continue  # this line neither makes the patches nor reduces them
        reduction = dotted(node.func).rsplit(".", 1)[-1]
        pool = _REDUCTIONS[reduction]
        return (f"`tf.image.extract_patches` copied every window into a vector of its own, and `{reduction}` then "
                "reduced each of them to one value per channel: the patch tensor in between holds every pixel once "
                "for each window that covers it, made and read at every call",
                f"`{pool}(images, ksize=k, strides=1, padding=\"VALID\")` computes the same per-window "
                f"{'mean' if pool.endswith('avg_pool2d') else 'maximum'} from the images directly, without the "
                "patches" + (" (times k × k for the sum)" if reduction == "reduce_sum" else "")
                + " (the window, strides and padding as you gave `extract_patches`)")
    return None


def _time_distributed(line: Line) -> Said:
    share = line.inside("keras.src.layers.rnn.time_distributed.TimeDistributed.call")
    if share < 0.3:
        return None
    return (f"`TimeDistributed` took {_pct(share)} of the line: Keras 3 runs the wrapped layer once per timestep, "
            "a loop the graph holds as one copy of the layer per step",
            "a `Dense` (or any layer that acts on the last axis) takes [batch, time, features] directly: drop the "
            "`TimeDistributed` wrapper for it, the result is the same")


def _split_dataset(line: Line) -> Said:
    share = line.inside("keras.src.utils.dataset_utils.split_dataset")
    if share < MOST:
        return None
    return (f"`keras.utils.split_dataset` took {_pct(share)} of the line: given a tf.data dataset, it reads every "
            "element into memory, sample by sample, and builds the two halves from those copies",
            "split lazily when the order is already random: `n = int(0.8 * ds.cardinality())`, then `ds.take(n)` "
            "and `ds.skip(n)` (shuffle once, with a seed, before them if needed)")


def _diagonal_matrix(line: Line) -> Said:
    # The dense diagonal costs where it is made and where it is multiplied: either line can be the busy one.
    made = {target.id for node in line.cell if isinstance(node, ast.Assign) and isinstance(node.value, ast.Call)
            and dotted(node.value.func) in ("np.diag", "numpy.diag")
            for target in node.targets if isinstance(target, ast.Name)}
    made = {name for name in made if line.ndims.get(name) == 2 and (line.names.get(name, ("", 0))[1] or 0) >= 1000}
    for node in line.nodes:
        operands: list[ast.AST] = []
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.MatMult):
            operands = [node.left, node.right]
        elif isinstance(node, ast.Call) and dotted(node.func).rsplit(".", 1)[-1] in ("dot", "matmul"):
            operands = list(node.args)
        if _is_diag(node, line) or any(isinstance(o, ast.Name) and o.id in made or _is_diag(o, line)
                                       for o in operands):
            return ("`np.diag(w)` builds a dense n×n matrix that is all zeros off the diagonal, and every product "
                    "with it multiplies through the zeros",
                    "scale instead of multiplying by a diagonal matrix: `X * w[:, None]` for `np.diag(w) @ X`, "
                    "`X * w` for `X @ np.diag(w)` (broadcasting, n times less work)")
    return None


def _is_diag(node: ast.AST, line: Line) -> bool:
    """``np.diag(v)`` of a vector (not of a matrix, whose diagonal it reads; not of a short vector)."""
    if not (isinstance(node, ast.Call) and dotted(node.func) in ("np.diag", "numpy.diag") and node.args):
        return False
    arg = node.args[0]
    if isinstance(arg, ast.Name):
        return line.ndims.get(arg.id) == 1 and (line.size_of(arg) or 0) >= 1000
    return True  # an expression: a vector computed on the spot (`np.diag(mu * (1 - mu))`)

def _tight_layout_per_iteration(line: Line) -> Said:
    share = line.inside("matplotlib.figure.Figure.tight_layout")
    if share < MOST or not line.in_loop:
        return None
    return (f"`tight_layout()` ran at every iteration ({_pct(share)} of the line): each call measures every "
            "text of every axes (a layout pass over the whole figure)",
            "call `fig.tight_layout()` once, after the loop, or make the figure with `layout='constrained'` "
            "(laid out once, when it is drawn)")


def _weights_copied_per_iteration(line: Line) -> Said:
    share = line.inside("keras.src.layers.layer.Layer.get_weights", "keras.src.models.model.Model.get_weights")
    if share < MOST or not line.in_loop:
        return None
    return (f"`get_weights()` in a loop copies every weight of the model to new NumPy arrays at each call "
            f"({_pct(share)} of the line)",
            "read the weights once outside the loop when they do not change, or read only what is needed "
            "(`layer.kernel`, `model.trainable_variables`, as tensors)")


def _sorted_to_keep_a_few(line: Line) -> Said:
    for node in line.nodes:
        if not (isinstance(node, ast.Subscript) and isinstance(node.value, ast.Call)):
            continue
        index = node.slice.elts[-1] if isinstance(node.slice, ast.Tuple) and node.slice.elts else node.slice
        if not (isinstance(index, ast.Slice) and index.step is None and (index.lower or index.upper)):
            continue  # the whole order (`[::-1]`) or one position: not "a few of them"
        func = dotted(node.value.func)
        short = func.rsplit(".", 1)[-1]
        if func.split(".")[0] in ("np", "numpy") and short in ("sort", "argsort"):
            part = "np.partition" if short == "sort" else "np.argpartition"
            return (f"`{func}(…)[…]` sorts every element to keep a few of them",
                    f"select them without sorting the rest: `{part}(a, -k, axis=…)[..., -k:]` (then sort those k "
                    "if their order matters)")
        if func.split(".")[0] == "tf" and short in ("sort", "argsort"):
            return (f"`{func}(…)[…]` sorts every element to keep a few of them",
                    "select them without sorting the rest: `tf.math.top_k(a, k)` gives the k largest values and "
                    "their indices, in order")
    return None


def _scan_per_iteration(line: Line) -> Said:
    if not line.in_loop:
        return None
    for call in line.calls():
        func = dotted(call.func)
        if func in ("max", "min", "sum", "sorted") and len(call.args) == 1 and isinstance(call.args[0], ast.Name) \
                and line.type_of(call.args[0]) in ("builtins.list", "builtins.tuple") \
                and (line.size_of(call.args[0]) or 0) >= 100:
            name = call.args[0].id
            return (f"`{func}({name})` in a loop reads the whole of `{name}` ({line.size_of(call.args[0]):,} items at "
                    "the end) at every iteration",
                    f"keep the running {'total' if func == 'sum' else 'order' if func == 'sorted' else func} as "
                    f"items arrive (one variable updated per item, or `heapq` / `bisect` for an order) instead of "
                    f"recomputing it from all of `{name}`")
    return None


#: Items a loop must step through for a library call per item to be the line's cost.
PER_ITEM = 1000
#: The most seconds per item for a call per item to be per-call overhead rather than each item's real work.
SMALL_CALL_S = 0.0005
#: Calls per item that are the loop's own bookkeeping, not a library's per-call work.
_PLAIN = frozenset(("float", "int", "str", "len", "print", "list", "tuple", "dict", "set", "bool", "round", "abs",
                    "min", "max", "sum", "range", "enumerate", "zip", "isinstance", "repr", "format"))


def _library_call_per_item(line: Line) -> Said:
    """A library function called once per item of a long array or list, from a Python loop or comprehension,
    or once per iteration of loops of known length on data that follows the iteration."""
    if not line.in_loop or line.category == "cell" or line.category.startswith(("tf_", "keras")):
        return None  # the cell's own Python is python_hot_loop's; eager ops are eager_op_loop's
    return _per_item_of_a_name(line) or _per_iteration(line)


_PER_ITEM_FIX = ("call it once on the whole of {what} where it takes an array (many NumPy and "
                 "matplotlib functions do: `np.polyfit` takes a 2-D `y`, a colormap or `np.interp` a "
                 "whole array), or use the library's array form (`Path.contains_points` for "
                 "`contains_point`, `np.vectorize` is not one: it loops in Python too); where there "
                 "is none (a parser of one string), the per-item work is the cost itself")


def _per_item_of_a_name(line: Line) -> Said:
    for node in line.nodes:
        loops: list[ast.comprehension | ast.For | ast.AsyncFor]
        body: list[ast.AST]
        if isinstance(node, (ast.ListComp, ast.SetComp, ast.GeneratorExp)):
            loops, body = list(node.generators), [node.elt]
        elif isinstance(node, ast.DictComp):
            loops, body = list(node.generators), [node.key, node.value]
        elif isinstance(node, (ast.For, ast.AsyncFor)):
            loops, body = [node], list(node.body)
        else:
            continue
        for loop in loops:
            size = line.size_of(loop.iter) if isinstance(loop.iter, ast.Name) else None
            if not isinstance(loop.iter, ast.Name) or (size or 0) < PER_ITEM or line.seconds / (size or 1) > SMALL_CALL_S:
                continue  # a short loop, or calls that each do real work (a file read per path), not per-call overhead
            items = {n.id for n in ast.walk(loop.target) if isinstance(n, ast.Name)}
            for call in (c for part in body for c in ast.walk(part) if isinstance(c, ast.Call)):
                name = dotted(call.func)
                if name in _PLAIN or not name or name in line.own_functions:
                    continue  # a function of the user's own is no library call (its lines are read one level down)
                given = [*call.args, *(k.value for k in call.keywords)]
                if any(isinstance(n, ast.Name) and n.id in items for arg in given for n in ast.walk(arg)):
                    what = loop.iter.id
                    per_call = 1e6 * line.seconds / (size or 1)
                    return (f"`{name}(…)` ran once per item of `{what}` ({size:,} items, {per_call:.0f} µs a call "
                            "on average) from a Python loop: a library call, with its own argument checks and "
                            "setup, for every single item",
                            _PER_ITEM_FIX.format(what=f"`{what}`"))
    return None


def _holds_the_line(line: Line, calls: list[ast.Call], name: str) -> bool:
    """The line's time went to the call named ``name``: the line's only call, or one holding most of its time."""
    return len(calls) <= 1 or line.inside("." + name.rsplit(".", 1)[-1]) >= MOST


def _following(items: set[str], body: list[ast.AST]) -> tuple[set[str], set[str]]:
    """``(following, carried)``: the loop's items and the names its body assigns from them, in source order; and
    the names an iteration carries to the next (``x += …``, ``x = f(x)``), which no single call over all items
    could compute."""
    following, carried = set(items), set()
    statements = sorted((n for part in body for n in ast.walk(part) if isinstance(n, (ast.Assign, ast.AugAssign))),
                        key=lambda n: (n.lineno, n.col_offset))
    for node in statements:
        targets = {t.id for t in (node.targets if isinstance(node, ast.Assign) else [node.target])
                   if isinstance(t, ast.Name)}
        reads = _reads(node.value)
        if isinstance(node, ast.AugAssign) or targets & reads:
            carried |= targets
        elif reads & following and not reads & carried:
            following |= targets
    return following - carried, carried


def _for_loops_around(line: Line) -> list[tuple[ast.AST, ast.AST, list[ast.AST]]]:
    """The ``for`` loops of :func:`_loops_around` (a body of statements), without the comprehensions on the line."""
    return [(t, it, body) for t, it, body in _loops_around(line) if body and isinstance(body[0], ast.stmt)]


def _product_of_lengths(line: Line, scopes: list[tuple[ast.AST, ast.AST, list[ast.AST]]]) -> int | None:
    """The product of the loops' lengths (:func:`_iterations`), where there are loops and every length is known."""
    if not scopes:
        return None
    total = 1
    for _, iterable, _ in scopes:
        count = _iterations(line, iterable)
        if count is None:
            return None
        total *= count
    return total


def runs_of(line: Line) -> int | None:
    """How many times the line ran: the product of the lengths of the ``for`` loops around it and of the
    comprehensions on it, where every one is known (a sized name, ``range`` of literals or of ints); else None."""
    return _product_of_lengths(line, _loops_around(line))


def carried_names(line: Line) -> set[str]:
    """The names a ``for`` loop around the line carries from one iteration to the next (``x += …``, ``x = f(x)``):
    a call that reads one depends on the iteration before, and no one call over all items replaces it."""
    found: set[str] = set()
    for _, _, body in _for_loops_around(line):
        found |= _following(set(), body)[1]
    return found


def _per_iteration(line: Line) -> Said:
    """A library call at each iteration of loops of known length (``range(H)``, nested), on data that follows
    the iteration (the items, or names the body assigns from them), none of it carried from one to the next."""
    scopes = _for_loops_around(line)
    total = _product_of_lengths(line, scopes)
    if total is None or total < PER_ITEM or line.seconds / total > SMALL_CALL_S:
        return None
    following, carried = _following(set().union(*(_reads(t) for t, _, _ in scopes)), scopes[-1][2])
    calls = [c for c in line.calls() if dotted(c.func) not in _PLAIN and dotted(c.func)]
    for call in calls:
        name = dotted(call.func)
        if not _holds_the_line(line, calls, name):
            continue  # the line's time went to another of its calls
        reads = set().union(*(_reads(a) for a in [*call.args, *(k.value for k in call.keywords)]))
        if not reads & following or reads & carried:
            continue
        if any((line.elements.get(n) or 0) >= SCANNED for n in reads - following):
            continue  # a whole large array read at every call: real work per call (the scanned-per-item entry's)
        per_call = 1e6 * line.seconds / total
        loops = "the loop" if len(scopes) == 1 else f"{len(scopes)} nested loops"
        what = ", ".join(f"`{n}`" for n in sorted(reads & following))
        return (f"`{name}(…)` ran once per iteration of {loops} ({total:,} iterations, {per_call:.0f} µs a call on "
                f"average), each time on one iteration's data ({what}): a library call, with its own argument "
                "checks and setup, for every single item",
                _PER_ITEM_FIX.format(what="the iterations' data, built as one array"))
    return None


def _gradient_per_source(line: Line) -> Said:
    """``tape.gradient(target, v)`` in a loop over sources, for one target: the backward pass once per source."""
    if line.inside("tensorflow.python.eager.backprop.GradientTape.gradient") < MOST:
        return None
    loops = [n for n in line.cell if isinstance(n, (ast.For, ast.AsyncFor))
             and n.lineno <= line.number <= (n.end_lineno or n.lineno)]
    for call in line.calls():
        if not (isinstance(call.func, ast.Attribute) and call.func.attr == "gradient" and len(call.args) >= 2
                and isinstance(call.args[0], ast.Name)):
            continue
        target = call.args[0].id
        for loop in loops:
            items = {n.id for n in ast.walk(loop.target) if isinstance(n, ast.Name)}
            assigned = {n.id for part in loop.body for n in ast.walk(part)
                        if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)}
            if target in assigned or not any(isinstance(n, ast.Name) and n.id in items for n in ast.walk(call.args[1])):
                continue  # a new target each time (a loss per step), or sources that do not follow the loop
            tape = dotted(call.func.value)
            return (f"`{tape}.gradient({target}, …)` ran once per item of the loop for the same target `{target}`: "
                    "each call runs the backward pass from it again, down to that one source",
                    f"ask once for all the sources: `{tape}.gradient({target}, sources)` takes a list (or any nest) "
                    "of variables or tensors and runs the backward pass once; the tape then need not be persistent")
    return None


def _unique_to_count(line: Line) -> Said:
    """``np.unique(labels, return_counts=True)`` on integers: a sort of every value to count a few distinct ones."""
    if line.inside("numpy.lib._arraysetops_impl._unique1d") < MOST:
        return None
    for call in line.calls():
        counts = any(k.arg == "return_counts" and isinstance(k.value, ast.Constant) and k.value.value is True
                     for k in call.keywords)
        if not (dotted(call.func).endswith("unique") and counts and call.args and isinstance(call.args[0], ast.Name)):
            continue
        name = call.args[0].id
        dtype = line.dtypes.get(name, "")
        if not dtype.startswith(("int", "uint")):
            continue  # floats or strings: no bincount
        axis = next((k.value for k in call.keywords if k.arg == "axis"), None)
        if axis is not None and not (isinstance(axis, ast.Constant) and axis.value is None):
            # Rows counted, not values: bincount of the values would count something else.
            if line.ndims.get(name) != 2:
                continue
            return (f"`np.unique({name}, axis=…)` counts whole rows: NumPy views each row of `{name}` as one record "
                    "of a structured dtype and sorts those with a generic comparison, field by field, far slower "
                    "than its sort of plain integers",
                    f"encode each row as one integer key and count the keys: `dims = {name}.max(axis=0) + 1`, "
                    f"`keys = np.ravel_multi_index({name}.T, dims)` (non-negative values), "
                    "`uniq, counts = np.unique(keys, return_counts=True)`, and the rows back with "
                    "`np.stack(np.unravel_index(uniq, dims), axis=1)`: the same rows, in the same order")
        return (f"`np.unique({name}, return_counts=True)` sorts every value of `{name}` ({dtype}) to count "
                "them: a sort costs n·log n, where counting integers needs one pass",
                f"count with `np.bincount({name}.ravel())` when the values are small non-negative integers (labels, "
                "classes, pixel values): the count of value v is at index v, and `np.flatnonzero(counts)` gives "
                "the values present (what `np.unique` returned first)")
    return None


#: The share of a line that building a traced graph must hold for an unrolled layer to be named as its cost.
TRACING_SHARE = 0.2


def _unrolled_layer(line: Line) -> Said:
    """A Keras model with a recurrent layer built ``unroll=True``, on a line whose time went to building its graph."""
    share = line.inside("tensorflow.python.framework.func_graph.func_graph_from_py_func")
    if share < TRACING_SHARE or not line.unrolled:
        return None
    model, layers = next(iter(line.unrolled.items()))
    named = ", ".join(f"`{layer}`" for layer in layers)
    return (f"`{model}` has recurrent layers built with `unroll=True` ({named}): tracing copies the layer's step "
            f"once per time step of the sequence into the graph; building that graph took {_pct(share)} of the line, "
            "and its first run optimises every copy (both again for every new input shape)",
            "build the layer with `unroll=False` (the default): one while loop whose step is traced once; "
            "unrolling pays only for short sequences, a few steps")


#: The collection that draws many patches of one class from arrays, without one artist object each.
_PATCH_COLLECTIONS = {
    "Circle": "`EllipseCollection(2 * r, 2 * r, 0, units='xy', offsets=xy, offset_transform=ax.transData)` "
              "(circles sized in data units; `ax.scatter` if a size in points will do)",
    "Ellipse": "`EllipseCollection(widths, heights, angles, units='xy', offsets=xy, offset_transform=ax.transData)`",
    "Rectangle": "`PolyCollection` of their corner arrays, or `ax.bar` / `ax.broken_barh`",
    "Polygon": "`PolyCollection(list_of_vertex_arrays)`",
    "RegularPolygon": "`RegularPolyCollection` or `ax.scatter` with a polygon marker",
    "Wedge": "`PolyCollection` of the wedges' vertex arrays",
}


def _patch_per_item(line: Line) -> Said:
    """Many matplotlib patch objects made one by one (a comprehension of ``Circle``s), where a collection takes arrays."""
    # Making the patches, and a PatchCollection reading each of them back: both are per-object work.
    share = line.inside("matplotlib.patches.Patch.__init__") + line.inside("matplotlib.collections.PatchCollection.__init__")
    if not line.in_loop or share < MOST:
        return None
    made = [(s, name) for name, s in line.functions.items()
            if name.startswith("matplotlib.patches.") and name.endswith(".__init__") and name.count(".") == 3]
    # Only patches the line makes itself: a figure's own (its background, each Axes' patch and spines, made by
    # `plt.subplots`) held half of a short subplots line in CI's zoo twin, and the drawing time added to it
    # made a 99 % finding of a loop that closes its figures.
    named = {dotted(c.func).rsplit(".", 1)[-1] for c in line.calls()}
    kinds = [(s, kind) for s, kind in ((s, name.split(".")[2]) for s, name in made)
             if kind in _PATCH_COLLECTIONS and (kind in named or "PatchCollection" in named)]
    if not kinds:
        return None
    _, kind = max(kinds)
    return (f"`{kind}` objects were made one at a time in a loop ({_pct(min(share, 1.0))} of the line, with a "
            "`PatchCollection` reading them back): each is a full artist, with its own path, transform, colours and "
            "properties set one by one, and a `PatchCollection` of them still made every object first",
            f"make them all at once from arrays with {_PATCH_COLLECTIONS[kind]}: one artist, no object per shape")


#: Elements of an array that an elementwise operation per item must read for the loop to be a scan per item.
SCANNED = 2000


def _scanned_per_item(line: Line) -> Said:
    """A whole NumPy array combined with each item of a long loop (``[(data < q).sum() for q in queries]``)."""
    if not line.in_loop or line.category.startswith(("tf_", "keras")):
        return None
    scopes: list[tuple[list[tuple[ast.expr, ast.expr]], list[ast.AST]]] = []  # ([(target, iterable)], body)
    for node in line.nodes:
        if isinstance(node, (ast.ListComp, ast.SetComp, ast.GeneratorExp, ast.DictComp)):
            scopes.append(([(g.target, g.iter) for g in node.generators],
                           [node.key, node.value] if isinstance(node, ast.DictComp) else [node.elt]))
        elif isinstance(node, (ast.For, ast.AsyncFor)):
            scopes.append(([(node.target, node.iter)], list(node.body)))
    # The busy line inside a loop's body (its time is its own, not the header's): the loops around it.
    scopes += [([(n.target, n.iter)], list(line.nodes)) for n in line.cell if isinstance(n, (ast.For, ast.AsyncFor))
               and n.lineno < line.number <= (n.end_lineno or n.lineno)]
    for loops, body in scopes:
        for target, iterable in loops:
            items = line.size_of(iterable) if isinstance(iterable, ast.Name) else None
            if items is None or items < PER_ITEM or not isinstance(iterable, ast.Name):
                continue
            names = {n.id for n in ast.walk(target) if isinstance(n, ast.Name)}
            for op in (n for part in body for n in ast.walk(part) if isinstance(n, (ast.BinOp, ast.Compare))):
                sides = [op.left, op.right] if isinstance(op, ast.BinOp) else [op.left, *op.comparators]
                whole = [s for s in sides if isinstance(s, ast.Name) and line.type_of(s) == NDARRAY
                         and (line.size_of(s) or 0) >= SCANNED and s.id not in names]
                per_item = [s for s in sides if any(isinstance(n, ast.Name) and n.id in names for n in ast.walk(s))]
                if not whole or not per_item or not isinstance(whole[0], ast.Name):
                    continue
                array, size = whole[0].id, line.size_of(whole[0]) or 0
                return (f"each of the {items:,} items of `{iterable.id}` is combined with the whole of `{array}` "
                        f"({size:,} rows) on this line: {items * size:,} element operations, a scan of `{array}` "
                        "per item, whose cost grows as the product of the two sizes",
                        f"find what the scan looks for without scanning: on sorted data `np.searchsorted(np.sort("
                        f"{array}), {iterable.id})` answers every item at once (how many are below, the nearest "
                        "value: compare the neighbours at those positions); exact matches: a dict from value to "
                        "index, or `np.isin`; counts of small integers: `np.bincount`; otherwise all items at once by "
                        f"broadcasting ({array}[None, :] against the items[:, None], in chunks that fit in memory)")
    return None


#: Library calls whose result depends on their arguments alone (no hidden state, no output): the same
#: arguments give the same result. Their dotted names, as the cell writes them.
_PURE_PREFIXES = ("np.", "numpy.", "scipy.", "math.", "tf.linalg.", "tf.math.", "tf.signal.", "tf.matmul",
                  "tf.einsum", "tf.sort", "tf.argsort", "tf.reduce_", "tf.transpose", "tf.tensordot")
#: Parts of a name that mark a call as not one of those: random draws, I/O, state, and fresh buffers the loop
#: may fill (a hoisted `np.zeros` would be one buffer shared by every iteration).
_IMPURE_PARTS = ("random", "save", "load", "print", "fromfile", "genfromtxt", "loadtxt", "seed", "Variable", ".out",
                 "zeros", "ones", "empty", "full", "copy", "array", "eye", "identity")
#: Of those, the parts that mark a copy of an input (a helper's copy kept unchanged is the same every call).
_COPIES = frozenset(("copy", "array"))
#: A Keras model's methods that compute from its weights and their arguments alone.
_MODEL_READS = frozenset(("predict", "predict_on_batch", "evaluate"))
#: Calls that change a model's or a variable's values: a loop making any keeps its model calls.
_TRAINING = frozenset(("fit", "train_on_batch", "apply_gradients", "minimize", "set_weights", "load_weights",
                       "assign", "assign_add", "assign_sub", "compile", "reset_states", "build"))
#: NumPy array methods that return a new value computed from the array alone (and a model's reads).
_PURE_METHODS = frozenset(("sum", "mean", "std", "var", "max", "min", "argmax", "argmin", "argsort", "dot",
                           "cumsum", "reshape", "ravel", "transpose", "round", "clip")) | _MODEL_READS


def _reads(node: ast.AST) -> set[str]:
    return {n.id for n in ast.walk(node) if isinstance(n, ast.Name)}


def _changed_in(body: list[ast.AST]) -> tuple[set[str], set[str]]:
    """Names the body gives a new value (assigned, deleted), and those it may change in place (subscript- or
    attribute-stored, or a method of theirs called: ``x.append(…)``, ``x.sort()``, ``w.assign(…)``)."""
    assigned: set[str] = set()
    mutated: set[str] = set()
    for node in (n for part in body for n in ast.walk(part)):
        if isinstance(node, ast.Name) and isinstance(node.ctx, (ast.Store, ast.Del)):
            assigned.add(node.id)
        elif isinstance(node, (ast.Subscript, ast.Attribute)) and isinstance(node.ctx, (ast.Store, ast.Del)):
            mutated |= _reads(node.value)
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and isinstance(node.func.value, ast.Name) \
                and node.func.attr not in _PURE_METHODS:
            mutated.add(node.func.value.id)
    return assigned, mutated


def _changed_by_loop(target: ast.AST, body: list[ast.AST]) -> set[str]:
    """Names an iteration of a loop may give a new value: its target's, and those its body assigns or changes in
    place (:func:`_changed_in`)."""
    assigned, mutated = _changed_in(body)
    return assigned | mutated | _reads(target)


def _loops_around(line: Line) -> list[tuple[ast.AST, ast.AST, list[ast.AST]]]:
    """``(target, iterable, body)`` of each loop the line's work repeats in: a list, set or generator
    comprehension on the line (its element and conditions), or a ``for`` loop of the cell whose body holds it."""
    scopes: list[tuple[ast.AST, ast.AST, list[ast.AST]]] = []
    for node in line.nodes:
        if isinstance(node, (ast.ListComp, ast.SetComp, ast.GeneratorExp)):
            scopes += [(g.target, g.iter, [node.elt, *g.ifs]) for g in node.generators]
    scopes += [(n.target, n.iter, list(n.body)) for n in line.cell if isinstance(n, (ast.For, ast.AsyncFor))
               and n.lineno < line.number <= (n.end_lineno or n.lineno)]
    if line.helper:  # a helper's line: its locals are new at every call (so at every iteration), some changed in place
        made: list[ast.AST] = [ast.Assign(targets=[ast.Name(id=name, ctx=ast.Store()) for name in sorted(line.fresh)],
                                          value=ast.Constant(None))] if line.fresh else []
        made += [ast.Expr(ast.Call(ast.Attribute(ast.Name(id=name, ctx=ast.Load()), "changed", ast.Load()), [], []))
                 for name in sorted(line.changed)]
        scopes = [(target, iterable, [*body, *made]) for target, iterable, body in scopes]
    return scopes


def _loop_invariant_call(line: Line) -> Said:
    """A library call whose arguments no iteration changes, made at every iteration of a loop that does change."""
    if not line.in_loop or line.category in ("blocked", "output") or line.category.startswith("mpl"):
        return None
    if line.category == "cell" and not (line.helper and len([c for c in line.calls() if dotted(c.func) not in _PLAIN]) == 1):
        return None  # the cell's own Python; a helper's line making one library call spent its time in that call
    for target, _, body in _loops_around(line):
        items = _reads(target)
        if not items & set().union(*(_reads(part) for part in body)):
            continue  # the loop does the same work each time (a timing loop, a demo): nothing else changes
        assigned, mutated = _changed_in(body)
        changed = assigned | mutated | items
        kept = {t.id for n in line.nodes if isinstance(n, ast.Assign) for t in n.targets if isinstance(t, ast.Name)}
        if kept & mutated:
            continue  # the result is changed in place later in the loop: one shared copy would not do
        trains = any(isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute) and n.func.attr in _TRAINING
                     for part in body for n in ast.walk(part))
        for call in line.calls():
            name = dotted(call.func)
            receiver = call.func.value if isinstance(call.func, ast.Attribute) else None
            attr = call.func.attr if isinstance(call.func, ast.Attribute) else ""
            kind = line.type_of(receiver) or "" if isinstance(receiver, ast.Name) else ""
            method = (kind == NDARRAY and attr in _PURE_METHODS
                      or kind.startswith("keras.") and attr in _MODEL_READS and not trains)  # weights not changed
            # A fresh buffer (`np.zeros`, a copy) is impure where the loop may fill it; a helper's local the
            # helper never changes in place is not filled (`kept & mutated` above holds its changes).
            impure = [part for part in _IMPURE_PARTS if part in name]
            if not (name.startswith(_PURE_PREFIXES) or method) \
                    or impure and not (line.helper and set(impure) <= _COPIES and kept):
                continue
            reads = {n for n in _reads(call) if line.names.get(n, ("", None))[0] != "builtins.module"}
            if not reads or reads & changed or any("Variable" in line.names.get(n, ("", None))[0] for n in reads):
                continue  # reads nothing but constants (a fresh value each time), or what the loop changes
            said = (f"`{ast.unparse(call)}` ran at every iteration of the loop with the same arguments: nothing it "
                    "reads changes in the loop, so each iteration computed the same result again")
            if line.helper and name.rsplit(".", 1)[-1] == "array" and name.startswith(("np.", "numpy.")):
                # A helper's defensive copy: the call site's array comes back as it is from asarray.
                return (said + " (`np.array` copies its input by default)",
                        "in the helper, `np.asarray(…)` in place of `np.array(…)`: it returns an array that already has "
                        "the dtype as it is, without a copy (the helper never changes it); or convert once before the "
                        "loop and pass the result")
            return (said, "compute it once before the loop, keep the result in a variable, and use that inside the loop")
    return None


#: Items an unchanged argument of an object built at every iteration must have for its set-up to be the cost.
SET_UP_ITEMS = 1000


def _setters(qualified_init: str) -> list[str]:
    """The ``set…`` methods of the class whose ``__init__`` is ``qualified_init`` (``module.Class.__init__``),
    looked up among the modules already imported (never importing one); [] where it cannot be found."""
    parts = qualified_init.split(".")[:-1]
    for cut in range(len(parts) - 1, 0, -1):
        module = sys.modules.get(".".join(parts[:cut]))
        if module is None:
            continue
        target: Any = module
        for part in parts[cut:]:
            target = getattr(target, part, None)
        if isinstance(target, type):
            return sorted(n for n in vars(target) if n.startswith("set_") and callable(getattr(target, n, None)))
        return []
    return []


def _object_rebuilt_per_iteration(line: Line) -> Said:
    """An object built at every iteration of a loop, from a large argument the loop never changes, whose
    construction holds most of the line: what the object prepares from that argument is prepared again each
    time (``SequenceMatcher(None, quote, source)`` indexes ``source`` in ``__init__``)."""
    if not line.in_loop:
        return None
    for target, _, body in _loops_around(line):
        changed = _changed_by_loop(target, body)
        for call in line.calls():
            name = dotted(call.func)
            short = name.rsplit(".", 1)[-1]
            if not short[:1].isupper():
                continue  # a class, by the convention every library here follows
            init = line.heaviest(f".{short}.__init__")
            if init is None or line.seconds <= 0 or init[1] < MOST * line.seconds:
                continue
            arguments = [*call.args, *(k.value for k in call.keywords)]
            if not set().union(*(_reads(a) for a in arguments)) & changed:
                said = _same_object_per_iteration(line, call, init)
                if said is not None:
                    return said
                continue
            kept = [a for a in arguments if isinstance(a, ast.Name) and a.id not in changed
                    and (line.size_of(a) or 0) >= SET_UP_ITEMS]
            if not kept:
                continue
            arg = kept[0]
            runs = runs_of(line)
            setters = _setters(init[0])
            how = (f"the class has {', '.join(f'`{m}`' for m in setters[:4])}: build one object from `{arg.id}` "
                   "before the loop and set only what changes inside it (the library's documentation says "
                   "which of its inputs it prepares)" if setters else
                   f"build the object once from `{arg.id}` before the loop if the class lets you pass what "
                   "changes to a method instead (look for one in its documentation); otherwise look for a call "
                   "of the library that takes all the items at once")
            return (f"`{name}(…)` built a new object at {'each' if runs is None else f'each of the {runs:,}'} "
                    f"iteration{'s' if runs != 1 else ''}, and {100 * init[1] / line.seconds:.0f}% of the line's "
                    f"time went into building it (`{init[0]}`), with `{arg.id}` ({line.size_of(arg):,} items) the "
                    f"same every time: whatever the object prepares from `{arg.id}` was prepared again at "
                    "every iteration",
                    how)
    return None


#: Parts of a class's name whose objects are not the same when built twice from the same arguments (a random
#: generator seeded alike would repeat its numbers; a model or a layer holds weights that training changes).
_STATEFUL = ("random", "Random", "Generator", "seed", "tf.", "keras.", "tensorflow.", "torch.")


def _same_object_per_iteration(line: Line, call: ast.Call, init: tuple[str, float]) -> Said:
    """An object built at every iteration from arguments none of which the loop changes (``ZipFile(path)`` to read
    one member), its construction most of the line: the same preparation, done again at each iteration."""
    name = dotted(call.func)
    arguments = [*call.args, *(k.value for k in call.keywords)]
    reads = {n for a in arguments for n in _reads(a)} - line.fresh
    if not arguments or not reads or any(part in name for part in _STATEFUL):
        return None
    runs = runs_of(line)
    beneath = max(((f, s) for f, s in line.functions.items() if s <= init[1] and f.startswith(init[0].rsplit(".", 2)[0])
                   and not f.endswith(".__init__")), key=lambda kv: kv[1], default=None)
    inner = f", most in `{beneath[0]}`" if beneath and beneath[1] >= 0.5 * init[1] else ""
    shown_args = ", ".join(ast.unparse(a) for a in arguments)
    return (f"`{name}({shown_args})` built a new object at {'each' if runs is None else f'each of the {runs:,}'} "
            f"iteration{'s' if runs != 1 else ''} from the same arguments, and {100 * init[1] / line.seconds:.0f}% of "
            f"the line's time went into building it (`{init[0]}`{inner}): whatever it reads and prepares from them "
            "(a file's index, a parsed header, a table) was prepared again at every iteration",
            "build it once before the loop and use that one object inside it (a file or an archive: open it once, "
            "read every item you need from it, and close it after the loop)")


#: Functions that build a new class at each call (as the sampled stacks name them) → the name a call of them is
#: written with: `namedtuple` writes the class's source and `exec`s it, the others make the class with `type`.
_CLASS_FACTORIES = {"collections.namedtuple": "namedtuple", "dataclasses.make_dataclass": "make_dataclass",
                    "typing.NamedTuple": "NamedTuple"}


def _class_built_per_call(line: Line) -> Said:
    """A class made by a class factory (``namedtuple``, ``make_dataclass``, the functional ``NamedTuple``) at every
    iteration of a loop (often inside a helper the loop calls), from arguments the loop never changes, the factory
    holding most of the line: the same class, built again each time."""
    if not line.in_loop or line.seconds <= 0:
        return None
    factory = line.heaviest(*_CLASS_FACTORIES)
    if factory is not None and factory[0] not in _CLASS_FACTORIES:
        return None  # a name that only ends like one
    if factory is None or factory[1] < MOST * line.seconds:
        return None
    for target, _, body in _loops_around(line):
        changed = _changed_by_loop(target, body)
        for call in line.calls():
            name = dotted(call.func)
            if name.rsplit(".", 1)[-1] != _CLASS_FACTORIES.get(factory[0]):
                continue
            if set().union(*(_reads(a) for a in [*call.args, *(k.value for k in call.keywords)])) & changed:
                continue  # a class made from what the loop changes: not the same class
            runs = runs_of(line)
            where = f"in `{line.helper}`, at each of its calls" if line.helper else "at every iteration"
            return (f"`{ast.unparse(call)}` built a new class {where} ({'' if runs is None else f'{runs:,} times, '}"
                    f"{100 * min(1.0, factory[1] / line.seconds):.0f}% of the line in `{factory[0]}`): a class factory writes "
                    "and compiles the class's code each time, and every instance made since belongs to a class of its "
                    "own",
                    "define the class once, at the top level of the notebook (outside the function and the loop), and "
                    "make the instances from that one class")
    return None


#: Elements an unchanged array or tensor must have for the work a call repeats on it to be the line's cost.
WHOLE_ELEMENTS = 100_000
#: The least seconds a call must take, on average, for that work to be its own (not per-call overhead): a NumPy
#: call's fixed cost is microseconds (`searchsorted` in a float64 array: about 1 µs), while one pass over
#: WHOLE_ELEMENTS values takes 0.1 ms or more (a float32 array cast for a float64 query: 0.8 ms a call).
REPEATED_CALL_S = 0.0003


def _factor_once(call: str, matrix: str, rhs: str, per_item: bool) -> str | None:
    if per_item:  # the right-hand sides are all known before the loop
        return (f"solve them all in one call: stack the right-hand sides as the columns of one matrix, "
                f"`{call}({matrix}, B)`, which factorises `{matrix}` once")
    if not call.startswith("tf."):
        return None  # NumPy has no factor-and-reuse of its own (SciPy's lu_factor is not a dependency here)
    return (f"factor `{matrix}` once before the loop and solve with the factor inside it: `lu, perm = "
            f"tf.linalg.lu({matrix})` then `tf.linalg.lu_solve(lu, perm, {rhs})` (`tf.linalg.cholesky` and "
            f"`tf.linalg.cholesky_solve` when `{matrix}` is symmetric positive definite): each solve then costs "
            "n² multiply-adds, not n³")


def _all_ranks(call: str, data: str, q: str, per_item: bool) -> str | None:
    if not per_item:
        return None  # each q depends on the last: one call cannot take them all
    return (f"pass all of them in one call: `{call}({data}, qs)` takes a sequence (an array) of `{q}` and "
            "partitions the data once around all the ranks it needs")


_PARTITIONS = "copies and partially sorts all of `{a}` at every call, for one `{b}` each"
#: What a call does with one unchanged argument ``{a}`` alone, where its documentation says, while ``{b}``
#: changes: name → (that work, the fix given the call's dotted name, both arguments and whether ``{b}`` is
#: the loop's item (known before the loop) rather than a value each iteration computes from the last; None:
#: no fix that keeps the result).
_REPEATED_WORK: dict[str, tuple[str, Callable[[str, str, str, bool], str | None]]] = {
    "solve": ("factorises `{a}` (an LU decomposition: n³/3 multiply-adds for n rows) at every call, though only "
              "the right-hand side `{b}` changes", _factor_once),
    "percentile": (_PARTITIONS, _all_ranks),
    "quantile": (_PARTITIONS, _all_ranks),
    "nanpercentile": (_PARTITIONS, _all_ranks),
    "nanquantile": (_PARTITIONS, _all_ranks),
}


def _whole_input_per_call(line: Line) -> Said:
    """A costly library call made at every iteration of a loop on the same large input, only another argument changing."""
    if not line.in_loop or line.seconds <= 0 or line.category in ("blocked", "output") or line.category.startswith("mpl"):
        return None
    for target, iterable, body in _loops_around(line):
        items = _reads(target)
        changed = _changed_by_loop(target, body)
        count = _iterations(line, iterable)
        if count is not None and (count < 2 or line.seconds / count < REPEATED_CALL_S):
            continue  # one call, or calls that each cost little: per-call overhead, another entry's
        for call in line.calls():
            name = dotted(call.func)
            attr = name.rsplit(".", 1)[-1]
            if not name.startswith(_PURE_PREFIXES) or any(part in name for part in _IMPURE_PARTS):
                continue
            # The time went into this call. TensorFlow's own names differ from its exported ones (`tf.linalg.solve`
            # runs `matrix_solve`): for those the line's time must be TensorFlow's. A function written in C (`np.dot`)
            # has no frame of its own, its time is the cell's: milliseconds per iteration of a line making no other
            # library call are not the loop's bytecode.
            if name.startswith("tf."):
                spent = line.category.startswith("tf_")
            elif line.category == "cell":
                spent = count is not None and len([c for c in line.calls() if dotted(c.func) not in _PLAIN]) == 1
            else:
                spent = line.inside("." + attr) >= MOST
            if not spent:
                continue
            given = [*call.args, *(k.value for k in call.keywords)]
            whole = [a for a in given if isinstance(a, ast.Name) and a.id not in changed
                     and line.elements.get(a.id, 0) >= WHOLE_ELEMENTS]
            moving = [a for a in given if _reads(a) & changed]
            if not whole or not moving or not isinstance(whole[0], ast.Name):
                continue
            array, other = whole[0].id, ast.unparse(moving[0])
            rows = f"{line.size_of(whole[0]):,} rows" if line.size_of(whole[0]) else f"{line.elements[array]:,} elements"
            per_item = bool(_reads(moving[0]) & items)  # the loop's items: all known before it, one call can take them
            # The table's work is on the call's first argument (the matrix of a solve, the data of a percentile).
            known = _REPEATED_WORK.get(attr) if call.args and call.args[0] is whole[0] else None
            each = f" ({count:,} calls, {format_seconds(line.seconds / count)} each)" if count else ""
            fix = known[1](name, array, other, per_item) if known is not None else None
            if known is not None and fix is not None:
                return (f"`{name}` {known[0].format(a=array, b=other)}{each}: the same work on the same data, done "
                        "again for each iteration of the loop", fix)
            if not per_item:
                continue  # a value the loop carries (an iterate): the calls depend on each other
            return (f"`{name}` read the whole of `{array}` ({rows}) at every iteration of the loop{each}, "
                    f"while only `{other}` changed: whatever it does with `{array}` alone is done again at each call",
                    f"call it once for all of `{ast.unparse(iterable)}` where it takes an array for that argument "
                    "(many NumPy and TensorFlow functions do: quantiles, interpolation points, indices, a batch of "
                    f"right-hand sides or inputs), or compute the part that depends on `{array}` alone (a sort, a "
                    "factorisation, a normalisation) once before the loop and reuse it")
    return None


#: Functions that factorise a matrix (a decomposition, an inverse), by the end of their qualified names: NumPy's,
#: SciPy's and TensorFlow's Python entry points, as the sampled stacks name them.
_FACTORISATIONS = (".svd", ".cholesky", ".eigh", ".eig", ".qr", ".inv", ".pinv", ".lu_factor", ".cho_factor", ".lu",
                   ".matrix_inverse", ".self_adjoint_eig")


def _factorised_per_call(line: Line) -> Said:
    """A call made at every iteration of a loop whose time goes mostly into factorising a matrix, the one matrix it
    is given being the same at every iteration: the same factorisation, computed again at each call
    (``rng.multivariate_normal(mean, cov)`` factorises ``cov`` per draw)."""
    if not line.in_loop or line.seconds <= 0:
        return None
    factor = line.heaviest(*_FACTORISATIONS)
    if factor is None or factor[1] < MOST * line.seconds:
        return None
    for target, iterable, body in _loops_around(line):
        changed = _changed_by_loop(target, body)
        for call in line.calls():
            name = dotted(call.func)
            if name in _PLAIN or name.rsplit(".", 1)[-1] in ("solve", "lstsq"):
                continue  # solves: the repeated-work table's
            given = [*call.args, *(k.value for k in call.keywords)]
            matrices = [a for a in given if isinstance(a, ast.Name) and line.ndims.get(a.id) == 2]
            if len(matrices) != 1 or matrices[0].id in changed:
                continue
            matrix = matrices[0].id
            runs = runs_of(line)
            times = f"{runs:,} times" if runs else "at every iteration"
            message = (f"{100 * factor[1] / line.seconds:.0f}% of the line's time went into `{factor[0]}`, a "
                       f"factorisation, and `{matrix}` ({line.size_of(matrices[0]):,} rows) is the one matrix "
                       f"`{name}` is given, the same at every iteration: the same matrix was factorised {times}")
            receiver = call.func.value if isinstance(call.func, ast.Attribute) else None
            drawn = "random" in name or "random" in (line.type_of(receiver) or "" if receiver is not None else "")
            if drawn and isinstance(receiver, ast.Name):
                rest = [n for part in body for n in ast.walk(part) if isinstance(n, ast.Name) and n.id == receiver.id]
                modules = {n for n in changed if line.type_of(ast.Name(id=n)) == "builtins.module"}  # `np.zeros(d)`
                others = [a for a in given if _reads(a) & (changed - modules)]
                same = len(rest) <= 1 and not others  # this call is the loop's only draw, from unchanged arguments
                count = _iterations(line, iterable)
                size = f"size={count}" if count else "size=n (the loop's length)"
                return (message,
                        f"draw them all in one call before the loop, `{ast.unparse(call)[:-1]}, {size})`, which "
                        f"factorises `{matrix}` once, and use row i at iteration i"
                        + (": the same numbers in the same order, as the loop makes no other draw from "
                           f"`{receiver.id}`" if same else " (the same distribution; other numbers where the loop "
                           "makes other draws from the same generator or its arguments change: draw those "
                           "parts apart)"))
            if drawn:
                continue
            return (message,
                    f"factorise `{matrix}` once before the loop and reuse the factor inside it (`np.linalg.cholesky`, "
                    "`scipy.linalg.cho_factor` or `lu_factor`, `tf.linalg.cholesky`), or make one call for all the "
                    "items where the function takes a batch")
    return None


#: The least elements (or list items) of a container a loop recomputes over after a small change.
RECOMPUTED_ELEMENTS = 1000
#: The share of stored entries from which a SparseTensor is better dense (``sparse_dense_matmul``'s docstring).
DENSE_ENOUGH = 0.15
#: From this many levels a contour plot is a heatmap drawn as polygons.
MANY_LEVELS = 100
#: Methods that add items to a list in place.
_GROWING = frozenset(("append", "extend", "insert"))
#: Functions that return their first argument with more items joined on.
_JOINS = frozenset(("append", "concatenate", "hstack", "vstack", "concat"))


def _one_element_set(node: ast.AST, name: str) -> bool:
    """``name[i, j] = …`` (or ``op=``) with indices that pick one element: no slice among them."""
    targets = node.targets if isinstance(node, ast.Assign) else [node.target] if isinstance(node, ast.AugAssign) else []
    return any(isinstance(t, ast.Subscript) and isinstance(t.value, ast.Name) and t.value.id == name
               and not any(isinstance(n, ast.Slice) for n in ast.walk(t.slice)) for t in targets)


def _grown(node: ast.AST, name: str, is_list: bool) -> bool:
    """``name.append(…)`` / ``extend`` / ``insert``, ``name += [...]`` (any ``+=`` on a list), ``name = name + [...]``,
    or ``name = np.append(name, …)`` / ``np.concatenate([name, …])``: items added, not arithmetic on an iterate."""
    def listed(expr: ast.AST) -> bool:
        return isinstance(expr, (ast.List, ast.Tuple, ast.ListComp))

    def is_name(expr: ast.AST) -> bool:
        return isinstance(expr, ast.Name) and expr.id == name

    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in _GROWING:
        return is_name(node.func.value)
    if isinstance(node, ast.AugAssign) and is_name(node.target) and isinstance(node.op, ast.Add):
        return is_list or listed(node.value)
    if isinstance(node, ast.Assign) and any(is_name(t) for t in node.targets):
        value = node.value
        if isinstance(value, ast.BinOp) and isinstance(value.op, ast.Add):
            return (is_name(value.left) and listed(value.right)) or (listed(value.left) and is_name(value.right))
        if isinstance(value, ast.Call) and dotted(value.func).rsplit(".", 1)[-1] in _JOINS and value.args:
            first = value.args[0]
            return is_name(first) or isinstance(first, (ast.List, ast.Tuple)) and bool(first.elts) and is_name(first.elts[0])
    return False


_SHRINKING = frozenset(("pop", "popleft", "remove", "clear"))


def _bounded(line: Line, name: str, statements: list[ast.AST]) -> bool:
    """The loop also takes items out of ``name`` (``pop``, ``popleft``, ``remove``, ``del name[…]``), or the cell made
    it a ``deque`` with a ``maxlen``: a window that slides, its size bounded, not a container that grows."""
    for node in statements:
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in _SHRINKING \
                and isinstance(node.func.value, ast.Name) and node.func.value.id == name:
            return True
        if isinstance(node, ast.Delete) and any(isinstance(t, ast.Subscript) and isinstance(t.value, ast.Name)
                                                and t.value.id == name for t in node.targets):
            return True
    for node in line.cell:
        if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == name for t in node.targets) \
                and isinstance(node.value, ast.Call) and dotted(node.value.func).endswith("deque") \
                and (len(node.value.args) > 1 or any(k.arg == "maxlen" for k in node.value.keywords)):
            return True
    return False


def _prefix_of(arg: ast.AST, items: set[str]) -> str | None:
    """The name ``arg`` takes a prefix of, one that follows the loop (``x[:t]``, ``x[:, :t + 1]``), or None."""
    if not (isinstance(arg, ast.Subscript) and isinstance(arg.value, ast.Name)):
        return None
    parts = arg.slice.elts if isinstance(arg.slice, ast.Tuple) else [arg.slice]
    for part in parts:
        if isinstance(part, ast.Slice) and part.upper is not None and _reads(part.upper) & items and part.step is None \
                and (part.lower is None or isinstance(part.lower, ast.Constant) and part.lower.value == 0):
            return arg.value.id
    return None


def _shown_call(call: ast.Call, name: str) -> str:
    """The call as written, or ``name(…)`` when that is long."""
    text = ast.unparse(call)
    return text if len(text) <= 60 else f"{name}(…)"


def _recomputed_whole(line: Line) -> Said:
    """A call on the whole of a container the loop changes a little at each iteration (one element set, items
    appended, a prefix one longer): each call does again, from the start, what the last one did."""
    if not line.in_loop or line.seconds <= 0 or line.category in ("blocked", "output") or line.category.startswith("mpl"):
        return None
    calls = [c for c in line.calls() if dotted(c.func) not in _PLAIN]
    scopes = _loops_around(line)
    moving = set().union(*(_reads(target) for target, _, _ in scopes))  # every enclosing loop's items
    for target, iterable, body in scopes:
        changes = bool(body) and isinstance(body[0], ast.stmt)  # a for loop's body; a comprehension changes nothing
        items = _reads(target)
        count = _iterations(line, iterable)
        each = f" ({count:,} iterations, {format_seconds(line.seconds / count)} each)" if count else ""
        statements = [n for part in body for n in ast.walk(part)]
        for call in calls:
            name = dotted(call.func)
            if not _holds_the_line(line, calls, name):
                continue  # the line's time went elsewhere
            given = [*call.args, *(k.value for k in call.keywords)]
            for arg in given:
                prefix = _prefix_of(arg, items)
                if prefix is not None:
                    return (f"`{name}(…)` ran on every prefix of `{prefix}` (`{ast.unparse(arg)}`), one longer at each "
                            f"iteration{each}: the work grows with the prefix, quadratic in all, and each call does "
                            "again what the last one did",
                            f"where the function works position by position (a causal or recurrent model, a "
                            f"cumulative statistic), one call on the whole of `{prefix}` gives every prefix's result "
                            "at its position (a causal model's output at position t has seen only the items up to "
                            "t); for a statistic, a cumulative function (np.cumsum, np.maximum.accumulate, "
                            "tf.math.cumsum) or a kept running value")
                if not changes or not isinstance(arg, ast.Name) or any(_reads(a) & moving for a in given):
                    continue  # with another input that follows a loop (a row of a matrix), each call is new work
                size = line.elements.get(arg.id) or line.size_of(arg) or 0
                if size < RECOMPUTED_ELEMENTS:
                    continue
                point = next((n for n in statements if _one_element_set(n, arg.id)), None)
                if point is not None:
                    at = getattr(point, "lineno", "?")
                    return (f"`{_shown_call(call, name)}` read the whole of `{arg.id}` ({size:,} elements) at each "
                            f"iteration{each}, while the loop changes one element of it (line {at}: "
                            f"`{ast.unparse(point)}`): each call works out again, from every element, what one "
                            "element moved",
                            "where the result can be updated from that one element (a sum, a count, an energy or "
                            "a loss made of local terms), update it: compute the change the element makes from "
                            "it and its neighbours and add it, O(1) a step instead of O(n); recompute the whole "
                            "once at the end as a check")
                is_list = line.type_of(arg) == "builtins.list"
                grown = next((n for n in statements if _grown(n, arg.id, is_list)), None)
                if grown is not None and _bounded(line, arg.id, statements):
                    at = getattr(grown, "lineno", "?")
                    return (f"`{_shown_call(call, name)}` read the whole window `{arg.id}` ({size:,} items) at each "
                            f"iteration{each}, while the loop slides it by one item (in at line {at}, the oldest "
                            "out): each call works out again, from every item, what the items that stayed had "
                            "already given",
                            "update the result with the item that entered and the one that left: a running sum for "
                            "a mean; for a median or quantiles, the window kept sorted (`bisect.insort` in, "
                            "`bisect.bisect_left` + `pop` out); over a NumPy array, "
                            "`np.lib.stride_tricks.sliding_window_view(x, w)` and one call with `axis=-1`")
                if grown is not None:
                    at = getattr(grown, "lineno", "?")
                    return (f"`{_shown_call(call, name)}` read the whole of `{arg.id}` at each iteration{each}, "
                            f"while the loop adds to it (line {at}): the work grows with every iteration, "
                            f"quadratic in all ({size:,} items at the end)",
                            "keep a running result updated with each new item (a running sum and count for a mean, "
                            "a kept maximum), or compute every value after the loop in one call (np.cumsum(v) / "
                            "np.arange(1, len(v) + 1) for running means)")
    return None


_BUSDAY = ("busday_count", "busday_offset", "is_busday")


def _busday_calendar_per_call(line: Line) -> Said:
    """``np.busday_count(…, holidays=…)`` in a loop: the business-day calendar built again at every call."""
    if not line.in_loop or not _loops_around(line):
        return None
    for call in line.calls():
        name = dotted(call.func)
        holidays = next((k.value for k in call.keywords if k.arg == "holidays"), None)
        if not name.endswith(_BUSDAY) or holidays is None:
            continue
        size = line.size_of(holidays) if isinstance(holidays, ast.Name) else None
        shown = f"`{ast.unparse(holidays)}`" + (f" ({size:,} dates)" if size else "")
        return (f"`{name}(…, holidays=…)` built its business-day calendar from {shown} at every call in the loop: "
                "it converts the dates, sorts them and drops duplicates and weekend days each time, for one answer",
                f"build the calendar once before the loop, `cal = np.busdaycalendar(holidays={ast.unparse(holidays)})`, "
                "and pass `busdaycal=cal` (NumPy's busday functions also take whole arrays of dates: one call for "
                "all of them)")
    return None


#: Items a Python list must hold for converting it at every call to be a loop's cost.
CONVERTED_ITEMS = 1000
#: Libraries that convert a list argument to a new array or tensor at each call: calls named so, or methods of
#: objects of these modules (a NumPy ``Generator``).
_CONVERTING = ("np.", "numpy.", "tf.", "tensorflow.")
#: The types of a list's items that ``np.asarray`` turns into the array a NumPy call would make of the list
#: (numbers, and strings kept as strings); dates written as strings are parsed into another dtype.
_PLAIN_ITEMS = ("builtins.int", "builtins.float", "builtins.complex", "builtins.bool", "builtins.str")


def _list_converted_per_call(line: Line) -> Said:
    """A long Python list the loop never changes, handed to a NumPy or TensorFlow call at every iteration."""
    if not line.in_loop or line.seconds <= 0 or line.category in ("blocked", "output") or line.category.startswith("mpl"):
        return None
    calls = [c for c in line.calls() if dotted(c.func) not in _PLAIN]
    for target, iterable, body in _loops_around(line):
        changed = _changed_by_loop(target, body)
        count = _iterations(line, iterable)
        each = f" ({count:,} iterations)" if count else ""
        for call in calls:
            name = dotted(call.func)
            receiver = call.func.value if isinstance(call.func, ast.Attribute) else None
            owner = (line.type_of(receiver) or "") if isinstance(receiver, ast.Name) else ""
            if not (name.startswith(_CONVERTING) or owner.startswith(("numpy.", "tensorflow."))):
                continue
            if not _holds_the_line(line, calls, name):
                continue  # the line's time went to another of its calls
            for arg in [*call.args, *(k.value for k in call.keywords)]:
                if not isinstance(arg, ast.Name) or arg.id in changed or line.type_of(arg) != LIST:
                    continue
                item = line.items.get(arg.id, "")
                if not (item in _PLAIN_ITEMS or item.startswith(("numpy.float", "numpy.int", "numpy.uint"))):
                    continue  # arrays, objects: np.asarray of them is not what the call makes of them
                size = line.size_of(arg) or 0
                if size < CONVERTED_ITEMS:
                    continue
                return (f"`{name}(…)` was given `{arg.id}`, a Python list of {size:,} items, at every iteration of the "
                        f"loop{each}: it converts a list to a new array item by item at each call (an array it "
                        f"takes as it is), so every call first copied all {size:,} items, the same each time",
                        f"convert it once before the loop, `{arg.id}_array = np.asarray({arg.id})`, and pass the "
                        "array; keep the list where plain Python needs it")
    return None


#: The least bytes of a NumPy array TensorFlow copies at every call for those copies to be the loop's cost.
COPIED_BYTES = 8 * 2**20
#: Bytes a second one core copies, at most: a call taking less than a copy of its array at this rate did not copy
#: it. Twice the fastest measured: an AMD EPYC core copied 51 MB at 19.7-20.8 GB/s (2026-12-07), and at 20e9 the
#: guard left unnamed a loop whose 150 calls took 2.47 ms each against a 2.56 ms copy (CI); a call that does not
#: copy is some fifty times faster than that.
COPY_RATE = 40e9


def _array_copied_per_call(line: Line) -> Said:
    """A large NumPy array the loop never changes, given to a TensorFlow op at every iteration, whose buffer
    TensorFlow copies each time it makes a tensor of it (not C-contiguous and 64-byte aligned, as its tensors must be)."""
    if not line.in_loop or line.seconds <= 0 or not line.category.startswith("tf_"):
        return None
    for target, iterable, body in _loops_around(line):
        changed = _changed_by_loop(target, body)
        count = _iterations(line, iterable)
        for call in line.calls():
            name = dotted(call.func)
            if not name.startswith("tf."):
                continue
            for arg in [*call.args, *(k.value for k in call.keywords)]:
                if not isinstance(arg, ast.Name) or arg.id in changed or line.tf_copies.get(arg.id, 0) < COPIED_BYTES:
                    continue
                size = line.tf_copies[arg.id]
                if count and line.seconds / count < size / COPY_RATE:
                    continue  # each call took less than one copy: the copies are not where its time went
                each = f" ({count:,} calls, {format_seconds(line.seconds / count)} each)" if count else ""
                held = "\u00b7" in arg.id  # an attribute of an object of the cell's (a helper's `self.table`)
                keep = (f"`{arg.id} = tf.constant({arg.id})`" if held else
                        f"`{arg.id}_t = tf.constant({arg.id})`, and pass `{arg.id}_t`")
                return (f"`{arg.id}`, a NumPy array of {size / 2**20:,.0f} MiB, was given to `{name}` at every iteration of "
                        f"the loop{each}: TensorFlow makes a tensor of a NumPy argument at each call, and this array's "
                        "buffer is not aligned to 64 bytes and contiguous as TensorFlow's tensors must be, so each call "
                        "copied all of it, the same data every time",
                        f"convert it once before the loop, {keep}: a tensor is passed as it is, and the op gives the "
                        "same values")
    return None


#: Characters a string must hold for a pass over it per iteration to be the loop's cost.
LONG_TEXT = 100_000
#: Iterations of passes over one text from which one combined pass is the fix.
PASSES = 20
_TEXT_CALLS = frozenset(("sub", "subn", "findall", "finditer", "search", "split", "replace", "count", "find"))


def _passes_over_text(line: Line) -> Said:
    """A loop that runs one regex or string method over the whole of one long text per item of a table."""
    if not line.in_loop:
        return None
    for target, iterable, body in _loops_around(line):
        count = _iterations(line, iterable)
        if not count or count < PASSES:
            continue
        items = _reads(target)
        for call in line.calls():
            attr = call.func.attr if isinstance(call.func, ast.Attribute) else ""
            if attr not in _TEXT_CALLS:
                continue
            receiver = call.func.value if isinstance(call.func, ast.Attribute) else None
            texts = [a for a in [*call.args, receiver] if isinstance(a, ast.Name) and line.type_of(a) == "builtins.str"
                     and (line.size_of(a) or 0) >= LONG_TEXT and a.id not in items]
            if not texts or not items & set().union(*(_reads(a) for a in call.args)):
                continue  # not one long text, or the same call each time (the loop-invariant entry's)
            text = texts[0].id
            size = line.size_of(texts[0]) or 0
            return (f"`{dotted(call.func)}(…)` made a pass over the whole of `{text}` ({size:,} characters) for each "
                    f"of the loop's {count:,} items: {count:,} passes over one text, each scanning (and, where "
                    "something matched, copying) all of it",
                    "make one pass for all the items: one compiled alternation of their patterns with a function "
                    "as the replacement (`re.sub('|'.join(map(re.escape, table)), lambda m: table[m.group()], text)`, "
                    "or a word pattern such as `\\b\\w+\\b` looked up in a dict), `str.translate` for single "
                    "characters")
    return None


def _iterations(line: Line, iterable: ast.AST) -> int | None:
    """How many items a loop's iterable had: a sized name's length (or its ``items()``, ``keys()``, ``values()``, its
    ``enumerate``), or ``range`` of literal numbers or of names that held ints (their values after the cell: a
    loop's bound is seldom changed by its loop); None: unknown."""
    if isinstance(iterable, ast.Name):
        return line.size_of(iterable)
    if isinstance(iterable, ast.Call) and isinstance(iterable.func, ast.Attribute) and not iterable.args \
            and iterable.func.attr in ("items", "keys", "values") and isinstance(iterable.func.value, ast.Name):
        return line.size_of(iterable.func.value)  # a dict's view: its length
    if isinstance(iterable, ast.Call) and dotted(iterable.func) == "enumerate" and len(iterable.args) == 1:
        return _iterations(line, iterable.args[0])
    if isinstance(iterable, ast.Call) and dotted(iterable.func) == "zip" and iterable.args and not iterable.keywords:
        sizes = [_iterations(line, arg) for arg in iterable.args]
        return min(sizes) if None not in sizes else None  # type: ignore[type-var]  # no None left
    if isinstance(iterable, ast.Call) and dotted(iterable.func) == "range" and iterable.args:
        bounds = [a.value if isinstance(a, ast.Constant) and isinstance(a.value, int)
                  else line.values.get(a.id) if isinstance(a, ast.Name) else None for a in iterable.args]
        known = [b for b in bounds if b is not None]
        if len(known) == len(bounds) and (len(known) < 3 or known[2]):
            return len(range(*known))
    return None


#: The ``re`` functions and ``Pattern`` methods that run a match.
_REGEX_RUNS = frozenset(("match", "search", "fullmatch", "findall", "finditer", "sub", "subn", "split"))


def _nested_repeat(pattern: str) -> bool:
    """The pattern repeats, without bound, a part made of nothing but an unbounded repeat and optional pieces
    (``(\\d+,?)+``, ``(a*)*``, ``(x+x+)+``): a string can be split between the two repeats in exponentially
    many ways. A required separator in the part (``(?:,\\d+)*``) leaves one way only: not this."""
    try:
        from re import _parser  # type: ignore[attr-defined]  # the standard library's own regex parser

        parsed = _parser.parse(pattern)
    except Exception:  # noqa: BLE001 - not a pattern this Python parses: nothing to say
        return False
    repeats = (_parser.MAX_REPEAT, _parser.MIN_REPEAT)

    def unbounded(op: object, arg: Any) -> bool:
        return op in repeats and arg[1] == _parser.MAXREPEAT

    def loose(items: Any) -> bool:
        """Every required piece of ``items`` is an unbounded repeat, and there is one."""
        seen = False
        for op, arg in items:
            if op is _parser.SUBPATTERN:
                if not loose(arg[-1]):
                    return False
                seen = True
            elif op is _parser.BRANCH:
                if not all(loose(branch) for branch in arg[1]):
                    return False
                seen = True
            elif unbounded(op, arg):
                seen = True
            elif not (op in repeats and arg[0] == 0):
                return False
        return seen

    def ambiguous(items: Any) -> bool:
        for op, arg in items:
            if unbounded(op, arg) and loose(arg[2]):
                return True
            if op in repeats and ambiguous(arg[2]):
                return True
            if op is _parser.SUBPATTERN and ambiguous(arg[-1]):
                return True
            if op is _parser.BRANCH and any(ambiguous(b) for b in arg[1]):
                return True
        return False

    return ambiguous(parsed)


def _regex_on_line(line: Line) -> str | None:
    """The literal pattern of a regex match run on the line (``re.match(p, s)``, or ``pat.match(s)`` with ``pat =
    re.compile(p)`` in the cell), or None."""
    compiled = {t.id: n.value.args[0].value for n in line.cell if isinstance(n, ast.Assign)
                and isinstance(n.value, ast.Call) and dotted(n.value.func) == "re.compile" and n.value.args
                and isinstance(n.value.args[0], ast.Constant) and isinstance(n.value.args[0].value, str)
                for t in n.targets if isinstance(t, ast.Name)}
    for call in line.calls():
        if not isinstance(call.func, ast.Attribute) or call.func.attr not in _REGEX_RUNS:
            continue
        owner = call.func.value
        if isinstance(owner, ast.Name) and owner.id == "re" and call.args and isinstance(call.args[0], ast.Constant) \
                and isinstance(call.args[0].value, str):
            return call.args[0].value
        if isinstance(owner, ast.Name) and owner.id in compiled:
            return compiled[owner.id]
    return None


def _catastrophic_backtracking(line: Line) -> Said:
    """A regex that repeats a repeated part, run on a busy line: backtracking exponential in the input's length."""
    if line.category.startswith(("tf_", "keras", "mpl")) or line.category in ("blocked", "output"):
        return None
    pattern = _regex_on_line(line)
    if pattern is None or not _nested_repeat(pattern):
        return None
    return (f"the pattern `{pattern}` repeats a part that itself repeats: on a string that almost matches, the "
            "regex engine tries every way of splitting it between the inner and the outer repetition before it "
            "fails, a number of ways exponential in the string's length (catastrophic backtracking)",
            "write the pattern so that each character can be matched one way only: put a required separator "
            "between the repeated parts (`^\\d+(?:,\\d+)*$` for `^(\\d+,?)+$`), or, on Python 3.11 or later, "
            "make the inner repeat possessive (`\\d++`) or atomic (`(?>\\d+)`) so that it never gives back what "
            "it matched")


#: Frames of one function in one stack from which its calling itself is the line's shape of work.
RECURSES = 4


def _recursion(line: Line) -> Said:
    """A function of the user's that calls itself holds most of the line: the calls' count is the cost."""
    if line.seconds <= 0 or _traced(line):
        return None  # a recursion traced by tf.function runs once per trace: the trace is its cost (retracing's)
    mine = [(s, name) for name, s in line.functions.items()  # the user's: a cell or a file, not AutoGraph's copy
            if name.startswith(("<", "/")) and "__autograph_generated" not in name
            and line.depths.get(name, 1) >= RECURSES]
    if not mine:
        return None
    seconds, name = max(mine)
    short = name.rsplit(".", 1)[-1]
    share = min(1.0, seconds / line.seconds)
    if share < MOST or "cache" in line.names.get(short, ("", None))[0]:
        return None  # memoised already (`functools.cache` / `lru_cache` wrap it)
    return (f"`{short}` calls itself (up to {line.depths[name]} frames deep in the samples) and took {_pct(share)} "
            "of the line: when a recursion reaches the same arguments along several paths (an edit distance, a "
            "path count, Fibonacci), it computes each of them again every time, and the calls grow exponentially "
            "with the input",
            f"memoise it: `@functools.cache` above `def {short}` computes each distinct argument once (its "
            "arguments must be hashable and its result must depend on them alone), or fill a table bottom-up "
            "in a loop; if its arguments never repeat, the calls themselves are the work, and a loop over an "
            "explicit stack saves their overhead")


#: Entries whose artists are drawn later, on the line that draws the figure (their drawing is their cost too).
DRAWN_CALLS = frozenset((_patch_per_item,))

#: Tried in order after :data:`.idioms.IDIOMS`'s own entries.
KNOWN_CALLS: tuple[Callable[[Line], Said], ...] = (
    _runtime_protocol_check, _text_file_tell, _pool_task_per_item, _list_of_tensors_to_a_function,
    _patches_then_reduced, _asdict_per_item,
    _map_fn, _full_jacobian, _batch_callback, _adapt_unbatched, _datetime_objects, _list_to_hist,
    _literal_eval_per_item, _regex_recompiled, _exact_statistics, _whole_stack_inspected, _slice_by_slice,
    _densified_slices, _dense_sparse, _contour_levels, _drawn_outside_view, _gouraud_mesh, _limits_rescanned,
    _correlation_of_every_lag, _ragged_from_lists,
    _legend_best, _einsum, _object_array, _integer_matmul, _eager_log_message, _legacy_choice, _window_flat_map,
    _concatenate_chain, _counted_by_reading, _npz_per_access, _compressed_seeks, _folder_listed_per_item,
    _sum_of_lists, _membership_in_a_new_list, _hashes_collide,
    _strptime_per_element, _many_ticks, _deepcopy, _genfromtxt, _text_round_trip, _sorted_per_iteration,
    _saved_per_iteration, _recomputed_whole, _busday_calendar_per_call, _list_converted_per_call, _passes_over_text,
    _eager_loop_op, _validation_in_fit, _linalg_per_matrix, _inverse_then_product, _vector_output,
    _commit_per_row, _list_of_arrays_converted, _time_distributed, _split_dataset, _diagonal_matrix,
    _tight_layout_per_iteration, _weights_copied_per_iteration, _sorted_to_keep_a_few, _scan_per_iteration,
    _object_rebuilt_per_iteration, _library_call_per_item, _recursion, _gradient_per_source, _unique_to_count, _unrolled_layer,
    _patch_per_item, _scanned_per_item, _loop_invariant_call, _whole_input_per_call, _array_copied_per_call,
    _factorised_per_call, _class_built_per_call, _catastrophic_backtracking,
)
