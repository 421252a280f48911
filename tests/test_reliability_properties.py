"""Property-based reliability: generated TensorFlow values through the guard draw what NumPy draws.

For every generated value ``V`` (dense tensors and variables of every dtype
class, ragged tensors with ragged_rank 1–3 and empty rows, sparse tensors and
``IndexedSlices`` with random duplicate-free indices, empty ones included,
nested lists / tuples) and every representative entry point ``E`` of each
ragged policy (plot/step: lines; hist/boxplot/eventplot: datasets;
imshow/pcolormesh: grid; scatter: points; spy: coo):

- figure A: ``E(N)`` with the guard disabled, where ``N`` is the equivalent
  NumPy input built *by this test* from the generated Python data, following
  the conversion table of docs/guard.md (bfloat16 / float16 → float32, string → ``str``
  array with undecodable bytes as U+FFFD, 0-d → NumPy scalar, ragged → per
  policy, sparse → dense; ``spy`` of a sparse value → ``spy(dense, marker="s")``,
  which is how matplotlib draws a scipy sparse matrix);
- figure B: ``E(V)`` with the guard enabled.

The rule checked for every pair:

1. A drew ⇒ B draws exactly the same (``figdata.assert_same_drawing``:
   artists' data, dtypes, masks, then pixels) and at least one tensor went
   through the guard. A ``TensorPlotError`` here is only acceptable for a value
   over the dense limit (never the case for these small inputs).
2. A raised ``T`` (matplotlib rejects some inputs even as NumPy: a NaN-only
   ``hist``, an empty ``imshow``, a 1-D ``pcolormesh``…) ⇒ B raises ``T`` too,
   or ``TensorPlotError`` with a message.
3. Never any other exception, and the guard never falls open
   (no ``TFPlotGuardWarning``, ``stats()["errors"] == 0``): falling open means a
   bug in tfplotguard.

Hypothesis runs derandomized, without an example database and with bounded
``max_examples`` (CI is deterministic); inputs are small (sides ≤ 5), so no
example can hang. Values are small integers, halves, NaN and ±inf, all exact in
bfloat16, so the NumPy side needs no rounding model.
"""

from __future__ import annotations

import json
import math
import os
import warnings
from collections import Counter
from dataclasses import dataclass

import numpy as np
import pytest
import tensorflow as tf
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from figdata import assert_same_drawing
from tfplotguard import TensorPlotError
from tfplotguard import guard as _guard
from tfplotguard import TFPlotGuardWarning


def _profile(max_examples: int):
    return settings(
        max_examples=max_examples,
        deadline=None,
        derandomize=True,
        database=None,
        print_blob=False,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture,
                               HealthCheck.data_too_large, HealthCheck.differing_executors],
    )


# -- the entry points, one or two per ragged policy ---------------------------------------


@dataclass(frozen=True)
class EntryPoint:
    policy: str
    call: object  # (ax, value, **kwargs) -> artists
    owner: str = "Axes"


ENTRY_POINTS = {
    "plot": EntryPoint("lines", lambda ax, v, **kw: ax.plot(v, **kw)),
    "step": EntryPoint("lines", lambda ax, v, **kw: ax.step(v, v, **kw)),
    "hist": EntryPoint("datasets", lambda ax, v, **kw: ax.hist(v, **kw)),
    "boxplot": EntryPoint("datasets", lambda ax, v, **kw: ax.boxplot(v, **kw)),
    "eventplot": EntryPoint("datasets", lambda ax, v, **kw: ax.eventplot(v, **kw)),
    "imshow": EntryPoint("grid", lambda ax, v, **kw: ax.imshow(v, **kw)),
    "pcolormesh": EntryPoint("grid", lambda ax, v, **kw: ax.pcolormesh(v, **kw)),
    "scatter": EntryPoint("points", lambda ax, v, **kw: ax.scatter(v, v, **kw)),
    "spy": EntryPoint("coo", lambda ax, v, **kw: ax.spy(v, **kw)),
}
ENTRY_NAMES = tuple(ENTRY_POINTS)

#: Inputs tried per (kind, entry point); written to $TFPLOTGUARD_RELIABILITY_STATS at module end.
TRIED: Counter = Counter()
OUTCOMES: Counter = Counter()


@pytest.fixture(scope="module", autouse=True)
def _write_figures():
    yield
    path = os.environ.get("TFPLOTGUARD_RELIABILITY_STATS")
    if path:
        with open(path, "w") as f:
            json.dump({"tried": {"/".join(k): n for k, n in sorted(TRIED.items())},
                       "total": sum(TRIED.values()),
                       "outcomes": dict(OUTCOMES)}, f, indent=1)


def test_entry_point_policies_match_the_guard():
    """The policy this test assumes for each entry point is the one the guard applies."""
    for name, entry in ENTRY_POINTS.items():
        assert _guard.ragged_policy(entry.owner, name) == entry.policy, name
    from matplotlib.axes import Axes

    for name in ENTRY_POINTS:
        assert vars(Axes)[name] is not None and f"matplotlib.axes._axes.Axes.{name}" in _guard.patch_targets()


# -- element values (exact in every float dtype, bfloat16 included) -------------------------

_FLOATS = st.one_of(
    st.integers(-64, 64).map(float),
    st.sampled_from([0.5, -2.5, 0.25, math.nan, math.inf, -math.inf]),
)
_INT_RANGES = {"int8": (-100, 100), "int32": (-100, 100), "int64": (-100, 100), "uint8": (0, 200)}
_BYTES = st.one_of(
    st.text(alphabet="ab é→", max_size=3).map(lambda s: s.encode("utf-8")),
    st.sampled_from([b"\xff", b"a\xfeb", b""]),
)
FLOAT_DTYPES = ("float16", "bfloat16", "float32", "float64")
INT_DTYPES = tuple(_INT_RANGES)
DENSE_DTYPES = FLOAT_DTYPES + INT_DTYPES + ("bool", "string")


def _elements(dtype):
    if dtype in FLOAT_DTYPES:
        return _FLOATS
    if dtype in _INT_RANGES:
        return st.integers(*_INT_RANGES[dtype])
    if dtype == "bool":
        return st.booleans()
    return _BYTES


def _numpy_dtype(dtype):
    """The NumPy dtype docs/guard.md promises for a TensorFlow dtype (low precision → float32)."""
    return {"float16": np.float32, "bfloat16": np.float32, "bool": np.bool_}.get(dtype, dtype)


def _to_numpy_array(values, dtype, shape=None):
    """Python values → the NumPy array docs/guard.md promises (strings decoded as UTF-8 with U+FFFD)."""
    if dtype == "string":
        flat = [b.decode("utf-8", "replace") for b in np.asarray(values, dtype=object).reshape(-1)]
        array = np.array(flat, dtype=str)
    else:
        array = np.asarray(values, dtype=np.float64 if dtype in FLOAT_DTYPES else None).astype(_numpy_dtype(dtype))
    return array.reshape(shape if shape is not None else np.shape(values))


def _tf_tensor(array, dtype):
    """A tensor of ``dtype`` holding ``array`` (Python/NumPy values, exact in that dtype)."""
    if dtype == "string":
        return tf.constant(np.asarray(array, dtype=object), dtype=tf.string)
    if dtype in ("bfloat16", "float16"):
        return tf.cast(tf.constant(np.asarray(array, dtype=np.float32)), dtype)
    if dtype in FLOAT_DTYPES:
        return tf.constant(np.asarray(array, dtype=np.float64).astype(dtype))
    return tf.constant(np.asarray(array).astype(_numpy_dtype(dtype)))


def _scalar_or_array(array):
    return array[()] if array.ndim == 0 else array


# -- samples: a TensorFlow value and its NumPy equivalent per policy --------------------------


@dataclass
class Equivalent:
    value: object
    kwargs: dict


class Sample:
    kind = "?"

    def make(self):
        """A fresh TensorFlow value."""
        raise NotImplementedError

    def numpy(self, policy: str) -> Equivalent:
        """The equivalent NumPy input under ``policy``."""
        raise NotImplementedError


@dataclass
class Dense(Sample):
    dtype: str
    data: np.ndarray  # float64 / int / bool / object(bytes)
    holder: str  # "constant" or "variable"

    @property
    def kind(self):
        return self.holder

    def make(self):
        tensor = _tf_tensor(self.data, self.dtype)
        return tf.Variable(tensor) if self.holder == "variable" else tensor

    def numpy(self, policy):
        return Equivalent(_scalar_or_array(_to_numpy_array(self.data, self.dtype, self.data.shape)), {})

    def __repr__(self):
        return f"Dense({self.holder} {self.dtype} {self.data.shape}: {self.data.tolist()!r})"


@st.composite
def dense_values(draw, dtypes=DENSE_DTYPES, min_dims=0, max_dims=3):
    dtype = draw(st.sampled_from(dtypes))
    shape = draw(hnp.array_shapes(min_dims=min_dims, max_dims=max_dims, min_side=0, max_side=5))
    base = {"string": object, "bool": np.bool_}.get(dtype, np.float64 if dtype in FLOAT_DTYPES else np.int64)
    data = draw(hnp.arrays(base, shape, elements=_elements(dtype), fill=st.nothing()))
    return Dense(dtype, data, draw(st.sampled_from(["constant", "variable"])))


def _flatten(row):
    if isinstance(row, list):
        return [leaf for item in row for leaf in _flatten(item)]
    return [row]


@dataclass
class Ragged(Sample):
    dtype: str
    rows: list  # nested Python lists, depth ragged_rank (+1 with a uniform inner dimension)
    ragged_rank: int
    inner: int | None  # size of a uniform inner dimension, or None
    kind = "ragged"

    def make(self):
        base = {"string": tf.string, "bool": tf.bool}.get(
            self.dtype, tf.float32 if self.dtype in FLOAT_DTYPES else tf.int64)
        kwargs = {"inner_shape": (self.inner,)} if self.inner else {}
        ragged = tf.ragged.constant(self.rows, dtype=base, ragged_rank=self.ragged_rank, **kwargs)
        return ragged if ragged.dtype.name == self.dtype else tf.cast(ragged, self.dtype)

    def numpy(self, policy):
        rows = [_to_numpy_array(_flatten(row), self.dtype, (-1,)) for row in self.rows]
        dtype = np.dtype(_numpy_dtype(self.dtype)) if self.dtype != "string" else np.dtype(str)
        if policy in ("points", "coo"):
            return Equivalent(np.concatenate(rows) if rows else np.array([], dtype=dtype), {})
        if policy == "datasets":
            return Equivalent(rows, {})
        # lines / grid: NaN-padded; integers and bools pad as float64, floats keep their dtype
        pad_dtype = dtype if dtype.kind == "f" else np.dtype(np.float64)
        width = max((len(r) for r in rows), default=0)
        padded = np.full((len(rows), width), np.nan, dtype=pad_dtype)
        mask = np.ones((len(rows), width), dtype=bool)
        for index, row in enumerate(rows):
            padded[index, : len(row)] = row
            mask[index, : len(row)] = False
        if policy == "lines":
            return Equivalent(padded.T, {})  # one column (one line) per row
        return Equivalent(np.ma.MaskedArray(padded, mask=mask), {})

    def __repr__(self):
        return f"Ragged({self.dtype}, ragged_rank={self.ragged_rank}, inner={self.inner}: {self.rows!r})"


@st.composite
def ragged_values(draw, dtypes=FLOAT_DTYPES + INT_DTYPES + ("bool",)):
    dtype = draw(st.sampled_from(dtypes))
    ragged_rank = draw(st.integers(1, 3))
    inner = draw(st.sampled_from([None, None, 2]))
    leaf = _elements(dtype)
    if inner:
        leaf = st.lists(leaf, min_size=inner, max_size=inner)
    level = leaf
    for _ in range(ragged_rank):
        level = st.lists(level, max_size=4)
    rows = draw(st.lists(level, max_size=5))  # the uniform outer dimension: one item per row
    return Ragged(dtype, rows, ragged_rank, inner)


@dataclass
class Sparse(Sample):
    dtype: str
    shape: tuple
    positions: list  # sorted flat positions, duplicate-free
    values: list
    kind = "sparse"

    def indices(self):
        if not self.positions:
            return np.zeros((0, len(self.shape)), dtype=np.int64)
        return np.stack(np.unravel_index(self.positions, self.shape), axis=1).astype(np.int64)

    def make(self):
        values = _tf_tensor(self.values, self.dtype) if self.values else tf.zeros((0,), self.dtype)
        return tf.sparse.SparseTensor(self.indices(), values, self.shape)

    def dense(self):
        values = _to_numpy_array(self.values, self.dtype, (-1,))
        dense = np.zeros(self.shape, dtype=values.dtype)  # str dtype: filled with "", as tf.sparse.to_dense
        if self.positions:
            dense[tuple(self.indices().T)] = values
        return dense

    def numpy(self, policy):
        if policy == "coo":
            # matplotlib draws a scipy sparse matrix in spy as markers; for a dense array with
            # marker="s" it draws the same markers (np.nonzero order = canonical sparse order).
            return Equivalent(self.dense(), {"marker": "s"})
        return Equivalent(self.dense(), {})

    def __repr__(self):
        return f"Sparse({self.dtype}, shape={self.shape}, positions={self.positions}, values={self.values!r})"


@st.composite
def sparse_values(draw, dtypes=FLOAT_DTYPES + ("int32", "int64", "bool")):
    dtype = draw(st.sampled_from(dtypes))
    shape = draw(hnp.array_shapes(min_dims=1, max_dims=3, min_side=0, max_side=6))
    size = int(np.prod(shape))
    positions = sorted(draw(st.sets(st.integers(0, size - 1), max_size=min(size, 8)))) if size else []
    values = [draw(_elements(dtype)) for _ in positions]
    return Sparse(dtype, tuple(shape), positions, values)


@dataclass
class Slices(Sample):
    """``tf.IndexedSlices`` (an embedding gradient): repeated row indices add up, as in TensorFlow."""

    rows: int
    width: int
    indices: list
    values: np.ndarray  # (len(indices), width) float32
    kind = "indexed_slices"

    def make(self):
        return tf.IndexedSlices(tf.constant(self.values), tf.constant(self.indices, dtype=tf.int64),
                                tf.constant([self.rows, self.width], dtype=tf.int64))

    def dense(self):
        dense = np.zeros((self.rows, self.width), dtype=np.float32)
        for index, row in zip(self.indices, self.values):
            dense[index] += row
        return dense

    def numpy(self, policy):
        return Equivalent(self.dense(), {"marker": "s"} if policy == "coo" else {})


@st.composite
def indexed_slices_values(draw):
    rows, width = draw(st.integers(1, 5)), draw(st.integers(1, 4))
    indices = draw(st.lists(st.integers(0, rows - 1), max_size=4, unique=True).map(sorted))
    values = draw(hnp.arrays(np.float32, (len(indices), width),
                             elements=st.integers(-8, 8).map(float), fill=st.nothing()))
    return Slices(rows, width, indices, values)


@dataclass
class Nested(Sample):
    """A list / tuple (nested) of tensors, 0-d tensors and plain Python numbers."""

    tree: object  # ("list"|"tuple", [children]) or Dense or float
    kind = "nested"

    def make(self):
        return self._build(self.tree, lambda leaf: leaf.make())

    def numpy(self, policy):
        return Equivalent(self._build(self.tree, lambda leaf: leaf.numpy(policy).value), {})

    def _build(self, node, leaf_fn):
        if isinstance(node, tuple) and node and node[0] in ("list", "tuple"):
            items = [self._build(child, leaf_fn) for child in node[1]]
            return items if node[0] == "list" else tuple(items)
        if isinstance(node, Sample):
            return leaf_fn(node)
        return node  # a plain Python number, passed through

    def __repr__(self):
        return f"Nested({self.tree!r})"


@st.composite
def nested_values(draw):
    length = draw(st.integers(0, 4))
    leaf = st.one_of(
        dense_values(dtypes=("float32", "float64", "bfloat16", "int32", "bool"), max_dims=1).map(
            lambda d: Dense(d.dtype, d.data[:length] if d.data.ndim else d.data, d.holder)),
        _FLOATS,
    )
    tree = draw(st.recursive(
        leaf,
        lambda children: st.tuples(st.sampled_from(["list", "tuple"]), st.lists(children, min_size=1, max_size=3)),
        max_leaves=5,
    ))
    if not isinstance(tree, tuple) or not tree or tree[0] not in ("list", "tuple"):
        tree = ("list", [tree])
    # at least one TensorFlow value somewhere
    tree = (tree[0], list(tree[1]) + [Dense("float32", np.arange(float(length)), "constant")])
    return Nested(tree)


# -- the check -------------------------------------------------------------------------------


def _draw(entry: EntryPoint, value, kwargs):
    fig = Figure(figsize=(1.6, 1.2), dpi=30)
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    try:
        entry.call(ax, value, **kwargs)
        fig.canvas.draw()
    except Exception as exc:  # compared with the other figure below
        return fig, exc
    return fig, None


def check(entry_name: str, sample: Sample):
    """The rule in the module docstring, for one sample and one entry point."""
    entry = ENTRY_POINTS[entry_name]
    TRIED[(sample.kind, entry_name)] += 1
    equivalent = sample.numpy(entry.policy)
    _guard.disable()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # NumPy's own RuntimeWarnings on NaN/inf are not ours
        fig_a, error_a = _draw(entry, equivalent.value, equivalent.kwargs)
    _guard.enable()
    try:
        _guard.reset_stats()
        value = sample.make()
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("ignore")
            warnings.simplefilter("always", TFPlotGuardWarning)
            fig_b, error_b = _draw(entry, value, {})
        stats = _guard.stats()
    finally:
        _guard.disable()

    fell_open = [str(w.message) for w in caught if issubclass(w.category, TFPlotGuardWarning)]
    assert not fell_open and stats["errors"] == 0, f"the guard fell open on {sample!r}: {fell_open}"
    if isinstance(error_b, TensorPlotError):
        assert len(str(error_b)) > 20, f"TensorPlotError without a message: {error_b!r}"
    if error_a is None:
        OUTCOMES["drawn"] += 1
        assert error_b is None or (isinstance(error_b, TensorPlotError) and "dense limit" in str(error_b)), (
            f"NumPy drew, the guarded call raised {type(error_b).__name__}: {error_b}")
        if error_b is None:
            assert stats["conversions"] + stats["cache_hits"] > 0, f"no tensor went through the guard: {stats}"
            assert_same_drawing(fig_a, fig_b)
    else:
        OUTCOMES["refused"] += 1
        assert error_b is not None, (
            f"NumPy raised {type(error_a).__name__}: {error_a}, but the guarded call drew")
        assert type(error_b) is type(error_a) or isinstance(error_b, TensorPlotError), (
            f"NumPy raised {type(error_a).__name__}: {error_a}; the guarded call raised "
            f"{type(error_b).__name__}: {error_b}")


# -- the properties ----------------------------------------------------------------------------


@pytest.mark.parametrize("entry", ENTRY_NAMES)
@_profile(30)
@given(sample=dense_values())
def test_dense_tensors_and_variables(entry, sample):
    """Every dtype class, 0-d to 3-D, empty sides, NaN/±inf; constants and tf.Variable."""
    check(entry, sample)


@pytest.mark.parametrize("entry", ENTRY_NAMES)
@_profile(30)
@given(sample=ragged_values())
def test_ragged_tensors(entry, sample):
    """ragged_rank 1–3, empty rows, uniform inner dimensions; numeric and bool values."""
    check(entry, sample)


@pytest.mark.parametrize("entry", ENTRY_NAMES)
@_profile(25)
@given(sample=sparse_values())
def test_sparse_tensors(entry, sample):
    """Duplicate-free random indices in 1–3 dimensions, empty sparse tensors, zero-size shapes."""
    check(entry, sample)


@pytest.mark.parametrize("entry", ENTRY_NAMES)
@_profile(10)
@given(sample=indexed_slices_values())
def test_indexed_slices(entry, sample):
    """IndexedSlices with random rows (some absent), densified with their dense_shape."""
    check(entry, sample)


@pytest.mark.parametrize("entry", ENTRY_NAMES)
@_profile(15)
@given(sample=nested_values())
def test_nested_lists_and_tuples(entry, sample):
    """Lists / tuples, nested, mixing 1-D and 0-d tensors, variables and plain numbers."""
    check(entry, sample)


# -- gaps the property tests found, now fixed -------------------------------------------------------


@pytest.mark.parametrize("entry", ["plot", "imshow"])
def test_ragged_strings_in_lines_and_grid_are_refused_clearly(entry):
    sample = Ragged("string", [[b"a"], [b"b", b"c"]], 1, None)
    _guard.enable()
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", TFPlotGuardWarning)
            fig, error = _draw(ENTRY_POINTS[entry], sample.make(), {})
    finally:
        _guard.disable()
    assert not [w for w in caught if issubclass(w.category, TFPlotGuardWarning)], "the guard fell open"
    assert isinstance(error, TensorPlotError), f"{type(error).__name__}: {error}"


@pytest.mark.parametrize("entry", ["hist", "scatter"])
def test_ragged_strings_in_datasets_and_points_follow_the_rule(entry):
    check(entry, Ragged("string", [[b"a"], [], [b"b", b"c", b"\xff"]], 1, None))


def test_sparse_strings_densify_like_tf_sparse_to_dense():
    check("plot", Sparse("string", (3,), [0, 2], [b"a", b"b"]))
