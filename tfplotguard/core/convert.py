"""Recognise TensorFlow values without importing TensorFlow, and turn each kind into NumPy.

Pure functions, no matplotlib. The contract (also in docs/guard.md):

- dense ``EagerTensor`` on the CPU: a read-only zero-copy view (``np.asarray``,
  never ``.numpy()``, which copies); on an accelerator: one host copy, made
  read-only. bfloat16 / float16 become float32, ``tf.string`` becomes an array
  of ``str`` (UTF-8, undecodable bytes replaced).
- ``tf.Variable`` (also mirrored / distributed, and Keras 3 variables): read once.
- ``tf.RaggedTensor``: by policy (see ``RAGGED_POLICIES``).
- ``tf.sparse.SparseTensor`` / ``tf.IndexedSlices``: densified if the dense
  result fits the memory limit, else :class:`TensorPlotError`; the ``"coo"``
  policy (``spy``) reads the indices and never densifies.
- ``PerReplica``: replicas concatenated on axis 0 (scalars stacked);
  ``Mirrored``: one replica.
- symbolic tensors (``tf.function`` tracing, TF1 graphs, ``KerasTensor``):
  :class:`TensorPlotError` naming the object, why it has no value, and the fix;
  a TF1 graph tensor whose graph has an active default session is evaluated
  through that session once.
- lists / tuples (nested) and dicts (any keyword argument such as ``bbox=``,
  ``textprops=``, ``fmt=``) are rebuilt only where they hold a TensorFlow
  value, as a new container: the user's own is never changed; everything else
  is passed through as the very same object.
- 0-d results are NumPy scalars (``numbers.Real`` for floats and ints, so
  matplotlib's ``alpha`` checks accept them); a 0-d ``tf.string`` becomes a
  Python ``str``.
"""

from __future__ import annotations

import sys
import threading

import numpy as np

from .errors import TensorPlotError
from .settings import DEFAULT_DENSE_LIMIT_BYTES, SETTINGS, mib_to_bytes

#: What a ragged tensor becomes, per policy name.
RAGGED_POLICIES = {
    "datasets": "a list of 1-D arrays, one per row (hist, boxplot, violinplot, eventplot)",
    "lines": "a 2-D float array (longest row × rows), NaN-padded: one line per row (plot, step, …)",
    "grid": "a dense 2-D masked array (rows × longest row), padded with NaN and masked (imshow, …)",
    "points": "the flat values as one 1-D array (scatter, hexbin, hist2d, and the default)",
}
#: Policies accepted by :func:`to_numpy` (``coo`` is the sparse-aware policy of ``spy``).
POLICIES = tuple(RAGGED_POLICIES) + ("coo",)


_TF_MODULE_PREFIXES = ("tensorflow", "keras", "tf_keras")


# -- recognition -------------------------------------------------------------

# Kind names returned by ``kind_of``.
EAGER, VARIABLE, KERAS_VARIABLE, RAGGED, SPARSE, INDEXED_SLICES = (
    "eager", "variable", "keras_variable", "ragged", "sparse", "indexed_slices")
PER_REPLICA, MIRRORED, SYMBOLIC, KERAS_SYMBOLIC = "per_replica", "mirrored", "symbolic", "keras_symbolic"

_kind_by_type: dict[type, str | None] = {}
_kind_lock = threading.Lock()


def tensorflow_module():
    """The TensorFlow module if the user has imported it, else None (never imports it)."""
    return sys.modules.get("tensorflow")


def kind_of(value) -> str | None:
    """The TensorFlow value kind of ``value`` (one of the kind names), or None if it is not one."""
    cls = type(value)
    try:
        return _kind_by_type[cls]
    except KeyError:
        pass
    kind = _classify(cls)
    if kind is not None or tensorflow_module() is not None:
        # A foreign type seen before TensorFlow was imported is not cached as
        # "not a tensor": it cannot be a TensorFlow type anyway, but keeping
        # the table small until TensorFlow exists is cheap and simple.
        with _kind_lock:
            _kind_by_type[cls] = kind
    return kind


def _classify(cls: type) -> str | None:
    module = getattr(cls, "__module__", "") or ""
    if not module.startswith(_TF_MODULE_PREFIXES):
        return None
    names = {klass.__name__ for klass in cls.__mro__}
    if module.startswith(("keras", "tf_keras")):
        if "KerasTensor" in names:
            return KERAS_SYMBOLIC
        if "Variable" in names or "KerasVariable" in names:
            return KERAS_VARIABLE
    tf = tensorflow_module()
    if tf is None:
        return None
    if issubclass(cls, tf.Variable):
        return VARIABLE
    if issubclass(cls, tf.RaggedTensor):
        return RAGGED
    if issubclass(cls, tf.sparse.SparseTensor):
        return SPARSE
    if issubclass(cls, tf.IndexedSlices):
        return INDEXED_SLICES
    if "PerReplica" in names:
        return PER_REPLICA
    if "Mirrored" in names:
        return MIRRORED
    if issubclass(cls, tf.Tensor):
        return EAGER if "_EagerTensorBase" in names or "EagerTensor" in names else SYMBOLIC
    if "KerasTensor" in names:
        return KERAS_SYMBOLIC
    return None


# -- the accelerator seam ----------------------------------------------------

_simulated_accelerators: set[str] = set()


def is_host_device(device: str) -> bool:
    """True when a tensor on ``device`` lives in host memory (a CPU device, and not simulated)."""
    if any(marker in device for marker in _simulated_accelerators):
        return False
    return not device or "CPU" in device.rsplit("/", 1)[-1].upper()


def short_device(device: str) -> str:
    """``/job:localhost/replica:0/task:0/device:GPU:0`` → ``GPU:0``."""
    return device.rsplit("device:", 1)[-1] if device else "CPU:0"


# -- conversion --------------------------------------------------------------


class Converter:
    """Converts one call's arguments: a per-call memo, optional cache and statistics.

    ``cache`` (a :class:`tfplotguard.cache.ConvertCache`) serves immutable
    eager tensors across calls; ``record(device, nbytes)`` is called once per
    host conversion; ``record_hit()`` once per cache hit.
    """

    __slots__ = ("policy", "dense_limit", "cache", "record", "record_hit", "_memo", "_open_sequences")

    def __init__(self, policy="points", dense_limit=DEFAULT_DENSE_LIMIT_BYTES, cache=None,
                 record=None, record_hit=None):
        if policy not in POLICIES:
            raise ValueError(f"unknown policy {policy!r}; choose one of {', '.join(POLICIES)}")
        self.policy = policy
        self.dense_limit = dense_limit
        self.cache = cache
        self.record = record
        self.record_hit = record_hit
        self._memo: dict[int, tuple[object, object]] = {}
        self._open_sequences: set[int] = set()

    # Containers ----------------------------------------------------------
    def convert(self, value):
        """Convert ``value`` if it is (or holds) a TensorFlow value; else return it unchanged."""
        kind = kind_of(value)
        if kind is not None:
            return self._convert_tf(value, kind)
        cls = type(value)
        if cls is list or cls is tuple or isinstance(value, (list, tuple)):
            return self._convert_sequence(value, self._convert_items)
        if cls is dict or isinstance(value, dict):
            return self._convert_sequence(value, self._convert_dict)
        return value

    def _convert_sequence(self, seq, convert_items):
        if id(seq) in self._open_sequences:  # a container that contains itself: leave the cycle alone
            return seq
        self._open_sequences.add(id(seq))
        try:
            return convert_items(seq)
        finally:
            self._open_sequences.discard(id(seq))

    def _convert_dict(self, mapping):
        # A dict argument (bbox=, textprops=, fmt=, ...): a new plain dict with the converted
        # values, so the user's dict keeps its tensors; the very same dict if it holds none.
        changed = None
        for key, item in mapping.items():
            if type(item) in _PLAIN_TYPES:
                continue
            new = self.convert(item)
            if new is not item:
                if changed is None:
                    changed = {}
                changed[key] = new
        if changed is None:
            return mapping
        result = dict(mapping)
        result.update(changed)
        return result

    def _convert_items(self, seq):
        converted = None
        for index, item in enumerate(seq):
            if type(item) in _PLAIN_TYPES:
                continue
            new = self.convert(item)
            if new is not item:
                if converted is None:
                    converted = list(seq)
                converted[index] = new
        if converted is None:
            return seq
        if type(seq) is list:
            return converted
        if type(seq) is tuple:
            return tuple(converted)
        if hasattr(seq, "_fields"):  # namedtuple
            return type(seq)(*converted)
        try:
            return type(seq)(converted)
        except Exception:
            return converted

    def convert_mapping(self, mapping):
        """Convert the values of a ``data=`` mapping; the same object if nothing changed."""
        if not hasattr(mapping, "items"):
            return mapping
        changed = {}
        for key, item in mapping.items():
            new = self.convert(item)
            if new is not item:
                changed[key] = new
        if not changed:
            return mapping
        result = dict(mapping)
        result.update(changed)
        return result

    # One value -------------------------------------------------------------
    def _convert_tf(self, value, kind):
        memo = self._memo.get(id(value))
        if memo is not None and memo[0] is value:
            return memo[1]
        result = self._dispatch(value, kind)
        self._memo[id(value)] = (value, result)  # keeps value alive for the call only
        return result

    def _dispatch(self, value, kind):
        if kind == EAGER:
            return _scalar_or_array(self.dense(value))
        if kind == VARIABLE:
            return _scalar_or_array(self._variable(value))
        if kind == KERAS_VARIABLE:
            return self.convert(value.value)
        if kind == RAGGED:
            return self._ragged(value)
        if kind in (SPARSE, INDEXED_SLICES):
            return self._sparse(value, kind)
        if kind == PER_REPLICA:
            return self._per_replica(value)
        if kind == MIRRORED:
            return self.convert(value.values[0])
        if kind == SYMBOLIC:
            return self.convert(_evaluate_in_default_session(value))
        if kind == KERAS_SYMBOLIC:
            raise TensorPlotError(_symbolic_message(value, keras=True))
        raise AssertionError(f"unhandled kind {kind}")  # pragma: no cover

    def dense(self, tensor) -> np.ndarray:
        """A read-only host array for an eager tensor: a view on CPU, one copy on an accelerator."""
        cache = self.cache
        if cache is not None:
            hit = cache.get(tensor)
            if hit is not None:
                if self.record_hit is not None:
                    self.record_hit()
                return hit
        array, device, copied = _host_array(tensor)
        if self.record is not None:
            self.record(device, array.nbytes)
        if cache is not None:
            cache.put(tensor, array, array.nbytes if copied else 0)
        return array

    def _variable(self, variable) -> np.ndarray:
        # A variable changes, so it is read once per call and never cached.
        array, device, _ = _host_array(variable.value())
        if self.record is not None:
            self.record(device, array.nbytes)
        return array

    def _ragged(self, ragged):
        splits, flat = self._ragged_rows(ragged)
        policy = self.policy
        if policy in ("points", "coo"):
            return flat
        if policy == "datasets":
            return [flat[start:stop] for start, stop in zip(splits[:-1], splits[1:])]
        if flat.dtype.kind not in "biuf":
            what = "string" if flat.dtype.kind == "U" else str(flat.dtype)
            raise TensorPlotError(
                f"{_describe(ragged)} holds {what} values, which cannot "
                "be padded into lines or a grid (the padding is NaN). Plot its rows one at a time, or use an entry "
                "point that takes rows of any length (hist, boxplot, eventplot), or "
                "tfplotguard.to_numpy(value, policy='datasets') for a list of rows."
            )
        lengths = np.diff(splits)
        rows, width = len(lengths), int(lengths.max()) if len(lengths) else 0
        self._check_dense_size((rows, width), np.dtype(np.float64), ragged)
        padded = np.full((rows, width), np.nan, dtype=_float_dtype(flat.dtype))
        mask = np.arange(width)[None, :] >= lengths[:, None]
        padded[~mask] = flat
        if policy == "lines":
            padded = padded.T
            mask = mask.T
            _readonly(padded)
            return padded
        result = np.ma.MaskedArray(padded, mask=mask)
        return result

    def _ragged_rows(self, ragged):
        """(row splits, flat 1-D values) with every ragged dimension merged into one."""
        nested = ragged.nested_row_splits
        splits = np.asarray(self.dense(nested[0]), dtype=np.int64)
        for inner in nested[1:]:
            splits = np.asarray(self.dense(inner), dtype=np.int64)[splits]
        flat = self.dense(ragged.flat_values)
        if flat.ndim > 1:
            # Uniform inner dimensions are flattened into the row as well.
            per_item = int(np.prod(flat.shape[1:]))
            flat = flat.reshape(-1)
            splits = splits * per_item
        return splits, flat

    def _sparse(self, value, kind):
        indices = np.asarray(self.dense(value.indices), dtype=np.int64)
        values = self.dense(value.values)
        shape = _sparse_shape(value, kind, indices, values, self)
        if self.policy == "coo":
            return _coo_view(indices, values, shape, kind)
        dtype = values.dtype  # a str array fills with '', as tf.sparse.to_dense fills strings with b""
        self._check_dense_size(shape, dtype, value)
        dense = np.zeros(shape, dtype=dtype)
        if kind == SPARSE:
            if len(indices):
                dense[tuple(indices.T)] = values
        else:  # IndexedSlices: repeated indices add up, as TensorFlow's gradients do
            np.add.at(dense, indices, values)
        _readonly(dense)
        return dense

    def _per_replica(self, value):
        parts = [self.convert(v) for v in value.values]
        arrays = [np.asarray(p) for p in parts]
        if all(a.ndim == 0 for a in arrays):
            result = np.stack(arrays)
        else:
            result = np.concatenate([np.atleast_1d(a) for a in arrays], axis=0)
        _readonly(result)
        return result

    def _check_dense_size(self, shape, dtype, value):
        nbytes = int(np.prod(shape, dtype=np.float64)) * np.dtype(dtype).itemsize
        if self.dense_limit is not None and nbytes > self.dense_limit:
            raise TensorPlotError(
                f"{_describe(value)} would densify to shape {tuple(int(s) for s in shape)} "
                f"({_mib(nbytes)}), over tfplotguard's dense limit of {_mib(self.dense_limit)}. "
                "Plot a slice of it (e.g. tf.sparse.slice(...) or value[:1000]), use ax.spy(value) "
                "which draws from the indices without densifying, or raise the limit with "
                "tfplotguard.configure(dense_limit_mb=...) / %config TFPlotGuard.dense_limit_mb = ..."
            )


_PLAIN_TYPES = frozenset({int, float, bool, complex, str, bytes, type(None), np.ndarray,
                          np.float64, np.float32, np.int64, np.int32})


def to_numpy(value, policy: str = "grid", *, dense_limit_mb: float | None = None):
    """Convert one TensorFlow value (or a nested list/tuple/dict holding some) to NumPy.

    ``policy`` decides what a ragged tensor becomes (``"grid"``, ``"lines"``,
    ``"datasets"``, ``"points"``; see ``RAGGED_POLICIES``) and ``"coo"`` gives
    sparse values as indices. ``dense_limit_mb`` caps the dense size of sparse
    and ragged results (default: the guard's setting, 256 MiB). Values that
    are not TensorFlow values are returned as the very same object. Unlike the
    guard's pre-scan, this searches every element of a long list. Raises
    :class:`TensorPlotError` for symbolic tensors and over-limit results.
    """
    if dense_limit_mb is None:
        limit_bytes = SETTINGS.dense_limit_bytes
    else:
        limit_bytes = mib_to_bytes("dense_limit_mb", dense_limit_mb)
    converter = Converter(policy, dense_limit=limit_bytes)
    return converter.convert(value)


# -- helpers -----------------------------------------------------------------


def _host_array(tensor):
    """(read-only array, device, copied?) for a dense eager tensor, per the contract."""
    device = getattr(tensor, "device", "") or ""
    dtype_name = tensor.dtype.name
    if dtype_name == "string":
        raw = np.asarray(tensor)
        decoded = [b.decode("utf-8", "replace") if isinstance(b, bytes) else str(b) for b in raw.reshape(-1)]
        array = np.array(decoded, dtype=str).reshape(raw.shape) if decoded else np.empty(raw.shape, dtype=str)
        copied = True
    elif not tensor.shape.rank:
        array = tensor.numpy()  # 0-d: np.asarray refuses a 0-d bfloat16 tensor; one scalar copy is free
        copied = True
    elif is_host_device(device):
        array = np.asarray(tensor)  # zero-copy, read-only view of the tensor's buffer
        copied = False
    else:
        array = tensor.numpy()  # one device → host copy
        copied = True
    if dtype_name in ("bfloat16", "float16", "half"):
        array = array.astype(np.float32)
        copied = True
    _readonly(array)
    return array, device, copied


def _readonly(array):
    if isinstance(array, np.ndarray) and array.flags.writeable:
        array.flags.writeable = False
    return array


def _scalar_or_array(array):
    # A 0-d result is handed over as a NumPy scalar: every matplotlib path takes one
    # (np.float32 and np.int64 are numbers.Real, which alpha= and friends check for).
    # A 0-d string becomes a Python str, as a title or a label is.
    if array.ndim:
        return array
    return str(array[()]) if array.dtype.kind == "U" else array[()]


def _float_dtype(dtype):
    return dtype if dtype.kind == "f" else np.dtype(np.float64)


def _sparse_shape(value, kind, indices, values, converter):
    dense_shape = value.dense_shape
    if dense_shape is not None:
        shape = tuple(int(s) for s in np.asarray(converter.dense(dense_shape)).reshape(-1))
        if kind == INDEXED_SLICES and not shape:
            shape = None
        if shape is not None:
            return shape
    rows = int(indices.max()) + 1 if len(indices) else 0
    return (rows,) + tuple(values.shape[1:])


class COOView:
    """Sparse indices in the shape matplotlib's ``spy`` reads (``tocoo()``, ``row``, ``col``, ``data``)."""

    def __init__(self, row, col, data, shape):
        self.row, self.col, self.data, self.shape = row, col, data, shape

    def tocoo(self):
        """matplotlib's ``spy`` asks for this: we already are one."""
        return self

    def __repr__(self):
        return f"COOView(shape={self.shape}, nnz={len(self.data)})"


def _coo_view(indices, values, shape, kind):
    if len(shape) != 2:
        raise TensorPlotError(
            f"spy needs a 2-D value, got a sparse value of shape {shape}. "
            "Plot a 2-D slice of it, e.g. tf.sparse.slice(st, [0, 0, k], [n, m, 1]) reshaped to 2-D."
        )
    if kind == SPARSE:
        row, col, data = indices[:, 0], indices[:, 1], values
    else:  # each index names a whole dense row of the IndexedSlices
        width = shape[1]
        row = np.repeat(indices.reshape(-1), width)
        col = np.tile(np.arange(width), len(indices))
        data = values.reshape(-1)
    return COOView(row, col, data, shape)


def _evaluate_in_default_session(tensor):
    tf = tensorflow_module()
    graph = getattr(tensor, "graph", None)
    session = None
    if tf is not None and graph is not None and not _is_func_graph(graph):
        session = tf.compat.v1.get_default_session()
    if session is not None and session.graph is graph:
        return np.asarray(session.run(tensor))
    raise TensorPlotError(_symbolic_message(tensor))


def _is_func_graph(graph) -> bool:
    return any(klass.__name__ == "FuncGraph" for klass in type(graph).__mro__)


def _describe(value) -> str:
    """``SymbolicTensor 'Sin:0' (shape=(3,), dtype=float32)`` — what the user handed over."""
    kind = type(value).__name__
    name = getattr(value, "name", None) if kind in ("SymbolicTensor", "Tensor", "KerasTensor") else None
    details = []
    if getattr(value, "shape", None) is not None:
        details.append(f"shape={value.shape}")
    dtype = getattr(value, "dtype", None)
    if dtype is not None:
        details.append(f"dtype={getattr(dtype, 'name', dtype)}")
    label = f"{kind} {name!r}" if name else kind
    return f"{label} ({', '.join(details)})" if details else label


def _symbolic_message(value, keras=False) -> str:
    what = _describe(value)
    if keras:
        return (
            f"{what} is a symbolic Keras tensor: it describes a model's input or layer output and has no "
            "values until the model runs. Plot real data instead: call the model on an array "
            "(e.g. model(x) or model.predict(x)) and plot the result."
        )
    graph = getattr(value, "graph", None)
    if graph is not None and _is_func_graph(graph):
        where = f"while tf.function {getattr(graph, 'name', '')!r} is being traced"
        fix = ("Return the tensor from the tf.function and plot the result outside it; to watch values while "
               "a compiled loop runs, collect what each step returns and plot between steps "
               "(tfplotguard.live() for a custom loop, tfplotguard.LivePlot for Keras). Do not wrap the plot in "
               "tf.py_function: matplotlib would then run on one of TensorFlow's threads, which is not safe.")
    else:
        where = "in a TF1-style graph with no active session"
        fix = ("Evaluate it first (with tf.compat.v1.Session(graph=g) as sess: plt.plot(...) or "
               "sess.run(tensor)), or use eager TensorFlow 2 code.")
    return f"{what} is a symbolic tensor {where}: it has no value yet, so there is nothing to plot. {fix}"


def _mib(nbytes) -> str:
    if nbytes >= 2**30:
        return f"{nbytes / 2**30:.1f} GiB"
    return f"{nbytes / 2**20:.1f} MiB"
