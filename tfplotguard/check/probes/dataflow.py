"""Matrix products whose work the next op threw away, read from the eager ops as they run.

The op probe's callback hands every counted eager op (its type, inputs, attributes and
outputs) to :class:`Products`, which remembers the outputs of matrix products and of
``one_hot`` (by the tensor's id, checked through a weak reference, so nothing of the
user's is kept alive) and watches what consumes them. Four ways a product's work is
mostly wasted, each an algebraic fact about the shapes, whatever the cell's names:

- ``kept_part``: a product consumed only by an op that keeps a small part of it (its
  diagonal, a slice, a gather): the rest was computed for nothing;
- ``one_hot``: a product with a one-hot operand: each row picks one row of the other
  operand, which ``tf.gather`` reads directly;
- ``order``: a product consumed only by another product, where multiplying the other
  way round (``A @ (B @ v)`` for ``(A @ B) @ v``) costs several times fewer multiply-adds;
- ``selection``, ``diagonal``, ``prefix``: an operand whose values have a structure that a
  cheaper op computes exactly, read from its values (once per operand, on the CPU, up to
  :data:`MAX_ANALYSED` elements): 0/1 rows with one 1 each pick rows (a gather); only a
  diagonal scales rows (a broadcast multiply); a triangle holding one value per row sums a
  prefix (a running sum or mean: a cumulative sum);
- ``float64``: a product computed in float64 (NumPy's default, kept by ``tf.constant``), which
  takes about twice as long as float32 on a CPU (2.1× measured here);
- ``repeated``: the same product of the same operands, again and again: the same tensor
  objects (eager tensors are immutable), or the same layout change of them (a transpose,
  reshape or cast), so the result was the same each time, while what it was then combined
  with changed (a loop-invariant part of a changing computation). A variable's value is read
  anew each time, and never counts as the same; a loop repeating the very same work, result
  and all (a timing loop, a demo), is not named.

Each is kept per cell line with its multiply-adds done and those a better order or a
gather would have needed, so a rule can weigh it by the line's sampled time.
"""

from __future__ import annotations

import itertools
import sys
import weakref
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from types import FrameType

    from ..summaries import WastedProduct

#: Products whose multiply-adds are known from the shapes: op type → the attributes naming transposed operands.
PRODUCTS = {"MatMul": ("transpose_a", "transpose_b"), "BatchMatMulV2": ("adj_x", "adj_y"),
            "BatchMatMulV3": ("adj_x", "adj_y"), "BatchMatMul": ("adj_x", "adj_y")}
#: Ops that keep a part of their first input: the diagonal, a slice, some rows.
KEEPERS = frozenset(("MatrixDiagPartV3", "MatrixDiagPartV2", "MatrixDiagPart", "DiagPart", "StridedSlice", "Slice",
                     "GatherV2", "GatherNd"))
#: Ops whose output is their first input laid out anew: a product of their outputs is as repeatable as of their input.
LAYOUT = frozenset(("Transpose", "ConjugateTranspose", "Reshape", "Cast", "ExpandDims", "Squeeze", "Identity"))
#: The same product this many times in a cell is a repeated one.
REPEATS = 3
#: Op types looked at while nothing is remembered.
_WATCHED = frozenset(("MatMul", "BatchMatMulV2", "BatchMatMulV3", "BatchMatMul", "OneHot")) | LAYOUT
#: A consumer keeping at most this share of a product's elements keeps "a small part" of it.
KEPT_SHARE = 0.125
#: A better order must need at most this share of the multiply-adds done.
ORDER_SHARE = 0.25
#: Products below this many multiply-adds are not remembered: too cheap to be a cell's cost.
MIN_MACS = 10_000_000
#: A layout op's input with fewer elements cannot be the operand of a product of MIN_MACS worth remembering.
MIN_OPERAND = 4096
#: Products remembered at once (the oldest forgotten past it), and distinct findings kept.
REMEMBERED = 256
FOUND_KEPT = 32
#: TensorFlow's enum for float64, as an op's ``T`` attribute gives its dtype.
DT_DOUBLE = 2
#: Frames searched outwards from the op for the cell's own line.
_DEPTH = 60
#: Operands read for a structure: at most this many elements each (a view of the CPU tensor, read in
#: blocks of rows), and at most ANALYSED_OPERANDS distinct operands per cell.
MAX_ANALYSED = 16_777_216
ANALYSED_OPERANDS = 8
_BLOCK_ROWS = 256


def _shape(tensor) -> tuple[int, ...] | None:
    try:
        shape = tensor._shape_tuple()  # an EagerTensor's, without building a TensorShape
    except Exception:
        try:
            shape = tuple(tensor.shape)
        except Exception:  # a tensor without a static shape here: not measured
            return None
    return None if shape is None or None in shape else shape


def _attr(attrs, name: str):
    """An op attribute from the callback's flat ``(name, value, name, value, …)`` tuple."""
    if attrs:
        for i in range(0, len(attrs) - 1, 2):
            if attrs[i] == name:
                return attrs[i + 1]
    return None


def product_dims(op_type: str, a: tuple[int, ...], b: tuple[int, ...], attrs) -> tuple[int, int, int, int] | None:
    """``(batch, m, k, n)`` of a product of operands shaped ``a`` and ``b``: ``batch`` products of m×k by k×n."""
    names = PRODUCTS.get(op_type)
    if names is None or len(a) < 2 or len(b) < 2:
        return None
    m, k = (a[-1], a[-2]) if _attr(attrs, names[0]) else (a[-2], a[-1])
    k2, n = (b[-1], b[-2]) if _attr(attrs, names[1]) else (b[-2], b[-1])
    if k != k2:
        return None
    batch = 1
    for d in (a[:-2] if len(a) >= len(b) else b[:-2]):
        batch *= d
    return batch, m, k, n




_SERIAL = itertools.count()


def kept_part(dims: tuple[int, int, int, int], keeper: str, kept: int) -> tuple[str, float] | None:
    """A product of ``dims`` of which an op of type ``keeper`` kept ``kept`` elements: ``(text, multiply-adds
    the part needed)`` when that is a small part of it (:data:`KEPT_SHARE`), else None."""
    batch, m, k, n = dims
    produced = batch * m * n
    if kept > KEPT_SHARE * produced:
        return None
    return (f"{m}×{n} product ({m}×{k} @ {k}×{n}), kept {_KEEPER_NAMES.get(keeper, 'a slice')} ({kept:,} values)",
            batch * m * k * n * kept / produced)


def other_order(inner: tuple[int, int, int, int], outer: tuple[int, int, int, int],
                inner_on_left: bool) -> tuple[str, int, int] | None:
    """A product ``inner`` consumed by the product ``outer``: ``(text, multiply-adds done, those the other order
    of the three matrices needs)`` when that order needs :data:`ORDER_SHARE` of them or fewer, else None."""
    batch, m1, k1, n1 = inner
    b2, m2, k2, n2 = outer
    if batch != b2:
        return None
    if inner_on_left:  # (A @ B) @ C, A m1×k1, B k1×n1, C n1×n2: A @ (B @ C) instead
        other = batch * (k1 * n1 * n2 + m1 * k1 * n2)
        text = f"({m1}×{k1} @ {k1}×{n1}) @ {n1}×{n2}"
    else:  # C @ (A @ B), C m2×m1: (C @ A) @ B instead
        other = batch * (m2 * m1 * k1 + m2 * k1 * n1)
        text = f"{m2}×{m1} @ ({m1}×{k1} @ {k1}×{n1})"
    done = batch * (m1 * k1 * n1 + m2 * k2 * n2)
    if other <= ORDER_SHARE * done and done - other >= MIN_MACS:
        return text, done, other
    return None


def _size(shape: tuple[int, ...]) -> int:
    size = 1
    for d in shape:
        size *= d
    return size


def structure(matrix) -> str | None:
    """The structure of a 2-D NumPy ``matrix`` used as a product's left operand (its rows make the result's rows).

    ``"selection"``: every row holds one 1 and zeros (it picks one row of the other operand);
    ``"diagonal"``: square, nothing off its diagonal; ``"prefix"`` / ``"suffix"``: square, nothing above
    (below) its diagonal and one value per row on the rest (row i sums the other operand's first (last)
    rows, scaled); None: none of these, or not a real matrix of numbers.
    """
    import numpy as np

    if matrix.ndim != 2 or matrix.dtype.kind not in "fiu" or 0 in matrix.shape:
        return None
    rows, cols = matrix.shape
    square = rows == cols
    selection, diagonal, prefix, suffix = True, square, square, square
    # A first block of a few rows: most operands (dense data) show no structure there, and the read ends.
    for r0, r1 in itertools.pairwise([0, *range(8, rows, _BLOCK_ROWS), rows]):
        block = matrix[r0:r1]
        nz = block != 0
        if selection and not ((nz.sum(axis=1) == 1).all() and (block[nz] == 1).all()):
            selection = False
        if square:
            index = np.arange(r0, r0 + block.shape[0])[:, None]
            cols_at = np.arange(cols)[None, :]
            diag = block[np.arange(block.shape[0]), index[:, 0]]
            if diagonal and nz[cols_at != index].any():
                diagonal = False
            if prefix and (nz[cols_at > index].any() or not (block == diag[:, None])[cols_at <= index].all()):
                prefix = False
            if suffix and (nz[cols_at < index].any() or not (block == diag[:, None])[cols_at >= index].all()):
                suffix = False
        if not (selection or diagonal or prefix or suffix):
            return None
    if selection and not diagonal:  # an identity is both: a selection of every row, said as one
        return "selection"
    if diagonal:
        return "diagonal"
    return "prefix" if prefix else "suffix" if suffix else None


def _matrix(tensor, transposed: bool):
    """A CPU tensor's values as a 2-D NumPy view (transposed as the product reads it), or None."""
    import numpy as np

    shape = _shape(tensor)
    if shape is None or len(shape) != 2 or _size(shape) > MAX_ANALYSED:
        return None
    try:
        if not str(tensor.device).endswith("CPU:0"):
            return None  # reading a device tensor would copy it to the host
        array = np.asarray(tensor)  # a view of a CPU tensor's buffer, no copy
    except Exception:  # not an eager tensor with values
        return None
    return array.T if transposed else array


class _Made:
    """A remembered product (or one-hot) output: what made it and who used it."""

    __slots__ = ("ref", "op", "dims", "macs", "line", "uses", "key")

    def __init__(self, ref, op, dims, macs, line, key=None):
        self.ref, self.op, self.dims, self.macs, self.line = ref, op, dims, macs, line
        self.key = key  # the product's key (:meth:`Products._key` of its operands), for the repeats
        self.uses = 0


class Products:
    """Watches the eager ops of a cell for matrix products whose work was mostly thrown away."""

    def __init__(self, cell_filename: str | None):
        self.cell_filename = cell_filename
        self._made: dict[int, _Made] = {}
        #: (kind, line, what) → [count, macs done, macs needed, the producer entries it depends on]
        self._found: dict[tuple, list[Any]] = {}
        #: id of a tensor → (a weak reference to it, the key of its value: see :meth:`_key`)
        self._keys: dict[int, tuple[Any, tuple]] = {}
        #: a product's key → [times computed, multiply-adds each, line, text, the keys of what its consumers met]
        self._products: dict[tuple, list[Any]] = {}
        #: (an operand's key, the side it was on) → its structure (:func:`structure`), for the operands read
        self._structures: dict[tuple, str | None] = {}

    def _line(self) -> int | None:
        if self.cell_filename is None:
            return None
        frame: FrameType | None = sys._getframe(2)
        for _ in range(_DEPTH):
            if frame is None:
                return None
            if frame.f_code.co_filename == self.cell_filename:
                return frame.f_lineno
            frame = frame.f_back
        return None

    def _producer(self, tensor) -> _Made | None:
        made = self._made.get(id(tensor))
        if made is None:
            return None
        if made.ref() is not tensor:  # the id was reused by a newer tensor
            del self._made[id(tensor)]
            return None
        return made

    def _key(self, tensor) -> tuple:
        """What a tensor's value is known to be: the same key, the same value.

        A tensor seen before as an operand or made by a layout op has its key
        (kept by id, checked through a weak reference); any other is new: its
        own identity, which a later operand matches only if it is the same object.
        """
        known = self._keys.get(id(tensor))
        if known is not None and known[0]() is tensor:
            return known[1]
        key = ("tensor", id(tensor), next(_SERIAL))
        self._keep_key(tensor, key)
        return key

    def _operand(self, tensor) -> Any:
        """A second operand's key: a small one (a permutation, a shape, a scalar: at most 8 elements) by its
        value, any other as :meth:`_key` has it."""
        shape = _shape(tensor)
        if shape is not None and _size(shape) <= 8:
            try:
                return ("value", tuple(tensor.numpy().ravel().tolist()))
            except Exception:  # not an eager tensor with a value: by identity
                pass
        return self._key(tensor)

    def _keep_key(self, tensor, key: tuple) -> None:
        keys = self._keys
        if len(keys) >= REMEMBERED:
            keys.pop(next(iter(keys)))
        try:
            keys[id(tensor)] = (weakref.ref(tensor), key)
        except TypeError:  # not weakly referable: never the same
            pass

    def _remember(self, tensor, made: _Made) -> None:
        if len(self._made) >= REMEMBERED:
            self._made.pop(next(iter(self._made)))
        self._made[id(tensor)] = made

    def see(self, op_type: str, inputs, attrs, outputs) -> None:
        """One eager op: remember it if it is a product or a one-hot, and check what it did with remembered ones."""
        made = self._made
        if not made and op_type not in _WATCHED:
            return  # the common case, kept lean: the op callback runs this for every counted op
        sources = [self._producer(t) for t in inputs[:2]] if made and inputs else []
        for side, source in enumerate(sources):
            if source is not None:
                source.uses += 1
                seen = self._products.get(source.key) if source.key is not None else None
                if seen is not None and len(inputs) > 1 and len(seen[4]) < REPEATS:
                    seen[4].add(self._operand(inputs[1 - side]))
        if op_type in KEEPERS:
            source = sources[0] if sources else None
            if source is not None and source.op != "OneHot" and outputs:
                kept = _shape(outputs[0])
                part = kept_part(source.dims, op_type, _size(kept)) if kept is not None else None
                if part is not None:
                    self._add("kept_part", source, source.macs, part[1], part[0], (source,))
            return
        if op_type in LAYOUT:
            if inputs and outputs and _size(_shape(inputs[0]) or ()) >= MIN_OPERAND:
                self._keep_key(outputs[0], (op_type, attrs, self._key(inputs[0]), *map(self._operand, inputs[1:])))
            return
        if op_type == "OneHot" and outputs:
            shape = _shape(outputs[0])
            if shape is not None and len(shape) >= 2:
                self._remember(outputs[0], _Made(weakref.ref(outputs[0]), "OneHot", (1, shape[-2], 0, shape[-1]),
                                                 0, None))
            return
        if op_type not in PRODUCTS or len(inputs) < 2 or not outputs:
            return
        a, b = _shape(inputs[0]), _shape(inputs[1])
        if a is None or b is None or len(a) < 2 or len(b) < 2:
            return
        if not any(sources) and _size(a) * max(b[-2:]) < MIN_MACS:  # at most that many: too small, and lean
            return
        dims = product_dims(op_type, a, b, attrs)
        if dims is None:
            return
        batch, m, k, n = dims
        macs = batch * m * k * n
        line = None
        if macs >= MIN_MACS or any(s is not None for s in sources):
            line = self._line()
        for side, source in enumerate(sources):
            if source is None:
                continue
            if source.op == "OneHot":
                if macs >= MIN_MACS:
                    self._add("one_hot", None, macs, 0.0, f"{m}×{k} by {k}×{n}", (), line)
            elif (order := other_order(source.dims, dims, side == 0)) is not None:
                self._add("order", source, order[1], order[2], order[0], (source,), line)
        if macs >= MIN_MACS and _attr(attrs, "T") == DT_DOUBLE:
            self._add("float64", None, macs, macs / 2, f"{m}×{k} @ {k}×{n}", (), line)
        if macs >= MIN_MACS and batch == 1 and not any(s is not None and s.op == "OneHot" for s in sources):
            self._structured(op_type, inputs, attrs, dims, line)  # (a one-hot operand is said as one_hot)
        if macs >= MIN_MACS:
            key = (op_type, attrs, self._key(inputs[0]), self._key(inputs[1]))
            self._remember(outputs[0], _Made(weakref.ref(outputs[0]), op_type, dims, macs, line, key))
            seen = self._products.get(key)
            if seen is None and len(self._products) < REMEMBERED:
                seen = self._products[key] = [0, macs, line, f"{m}×{k} @ {k}×{n}", set()]
            if seen is not None:
                seen[0] += 1

    def _structured(self, op_type: str, inputs, attrs, dims: tuple[int, int, int, int], line: int | None) -> None:
        """Name a product whose operand has a structure a cheaper op computes exactly (:func:`structure`)."""
        _, m, k, n = dims
        names = PRODUCTS[op_type]
        for side in (0, 1):
            key = (self._key(inputs[side]), side)
            if key in self._structures:
                kind = self._structures[key]
            elif len(self._structures) < ANALYSED_OPERANDS:
                # The right operand B of A @ B shapes the result's columns as a left one shapes its rows:
                # (A @ B)ᵀ = Bᵀ @ Aᵀ, so B is read transposed (and a transposed operand as the product reads it).
                transposed = bool(_attr(attrs, names[side])) != (side == 1)
                matrix = _matrix(inputs[side], transposed)
                kind = self._structures[key] = structure(matrix) if matrix is not None else None
            else:
                continue
            if kind is None:
                continue
            needed = 0 if kind == "selection" else m * n  # a gather; a broadcast multiply or a cumulative sum
            what = (f"{'left' if side == 0 else 'right'} operand {m}×{k} @ {k}×{n}" if kind != "selection"
                    else f"{m}×{k} @ {k}×{n}, {'rows' if side == 0 else 'columns'} picked")
            self._add(kind, None, m * k * n, needed, what, (), line)
            return

    def _add(self, kind: str, source: _Made | None, done: float, needed: float, what: str,
             depends: tuple, line: int | None = None) -> None:
        if line is None and source is not None:
            line = source.line
        key = (kind, line, what)
        entry = self._found.get(key)
        if entry is None:
            if len(self._found) >= FOUND_KEPT:
                return
            entry = self._found[key] = [0, 0.0, 0.0, []]
        entry[0] += 1
        entry[1] += done
        entry[2] += needed
        entry[3].extend(depends)

    def found(self) -> list[WastedProduct]:
        """The wasted products seen, most multiply-adds wasted first.

        A product also used elsewhere is not wasted by the part or the order one consumer took:
        only those whose products were each consumed once, and are gone by the cell's end,
        count (one still alive is held by the user, who may read it whole, with ``.numpy()``
        or a plot, which no op shows).
        """
        out: list[WastedProduct] = []
        for (kind, line, what), (count, done, needed, depends) in self._found.items():
            if any(source.uses > 1 or source.ref() is not None for source in depends):
                continue
            out.append({"kind": kind, "line": line, "what": what, "count": count, "macs": int(done),
                        "needed_macs": int(needed)})
        for count, macs, line, what, others in self._products.values():
            # Repeated within a computation that changed around it (what it met was not the same each
            # time): a loop of the very same work, result and all, is a benchmark or a demo, not this.
            if count >= REPEATS and len(others) > 1 and len(out) < FOUND_KEPT:
                out.append({"kind": "repeated", "line": line, "what": what, "count": count, "macs": count * macs,
                            "needed_macs": macs})
        out.sort(key=lambda row: row["needed_macs"] - row["macs"])
        return out


_KEEPER_NAMES = {"MatrixDiagPartV3": "its diagonal", "MatrixDiagPartV2": "its diagonal",
                 "MatrixDiagPart": "its diagonal", "DiagPart": "its diagonal",
                 "GatherV2": "a few of its rows", "GatherNd": "a few of its elements"}


def _static(tensor) -> tuple[int, ...] | None:
    try:
        dims = tensor.shape.as_list()
    except Exception:  # unknown rank
        return None
    return None if dims is None or None in dims else tuple(dims)


def _graph_attrs(op, names: tuple[str, str]) -> tuple:
    out: list[Any] = []
    for name in names:
        try:
            out += [name, bool(op.get_attr(name))]
        except Exception:  # an op without the attribute: not transposed
            out += [name, False]
    return tuple(out)


def _graph_product(op) -> tuple[int, int, int, int] | None:
    if op.type not in PRODUCTS or len(op.inputs) < 2:
        return None
    a, b = _static(op.inputs[0]), _static(op.inputs[1])
    if a is None or b is None:
        return None
    return product_dims(op.type, a, b, _graph_attrs(op, PRODUCTS[op.type]))


def graph_waste(graph) -> list[tuple[str, str, int, int]]:
    """The wasted products of a traced graph, per run: ``[(kind, what, macs done, macs needed)]``.

    The same three kinds as the eager ops' (``kept_part``, ``one_hot``, ``order``), read from the
    graph's static shapes and each product's consumers (a product with more than one consumer is
    used, not wasted); the repeats of a loop are not read here.
    """
    out: list[tuple[str, str, int, int]] = []
    try:
        operations = graph.get_operations()
    except Exception:  # a graph TensorFlow has torn down
        return out
    for op in operations:
        dims = _graph_product(op)
        if dims is None:
            continue
        batch, m, k, n = dims
        macs = batch * m * k * n
        for i in range(2):
            if op.inputs[i].op.type == "OneHot" and macs >= MIN_MACS:
                out.append(("one_hot", f"{m}×{k} by {k}×{n}", macs, 0))
        if macs < MIN_MACS:
            continue
        consumers = op.outputs[0].consumers()
        if len(consumers) != 1:
            continue
        consumer = consumers[0]
        if consumer.type in KEEPERS and consumer.outputs:
            kept = _static(consumer.outputs[0])
            part = kept_part(dims, consumer.type, _size(kept)) if kept is not None else None
            if part is not None:
                out.append(("kept_part", part[0], macs, int(part[1])))
            continue
        outer = _graph_product(consumer)
        order = other_order(dims, outer, consumer.inputs[0] is op.outputs[0]) if outer is not None else None
        if order is not None:
            out.append(("order", *order))
    return out
