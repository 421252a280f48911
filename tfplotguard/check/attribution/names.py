"""What the names on a cell's busiest lines hold after the cell: their type and size, read without running anything.

A line's cost often depends on what its names are: ``x in seen`` is a hash
lookup on a set and a scan on a list; ``sum(a)`` adds floats in C on a list
and makes one NumPy scalar per element on an array. The findings read these
rows to tell such lines apart. Only the type is looked up, and a size only
where asking for it runs no user code: ``len`` of the built-in containers and
the shape of a NumPy array (both C slots of types we know). Nothing is kept but
the type's name, the size, a NumPy array's dtype, a logger's level, a plain int's value,
and for a Keras model whether it was compiled to run eagerly.
"""

from __future__ import annotations

import ast
import collections
import logging
import linecache
import types
from typing import TYPE_CHECKING

from . import categories

if TYPE_CHECKING:
    from ..summaries import NameRow

__all__ = ["describe", "line_names", "NAMES_PER_LINE"]

#: Names described per line, in order of first appearance.
NAMES_PER_LINE = 12
#: Statements whose header line stands for their whole body.
LOOPS = (ast.For, ast.AsyncFor, ast.While)
_SIZED = (list, tuple, dict, set, frozenset, str, bytes, bytearray, collections.deque)


def _unrolled(model) -> list[str]:
    """The names of a Keras model's recurrent layers built with ``unroll=True`` (its own layers and those of the
    models in it, one level down), read from the instances' own dicts: no Keras code runs."""
    found: list[str] = []
    try:
        layers = vars(model).get("_layers")
    except TypeError:  # no instance dict
        return found
    for layer in list.__iter__(layers) if isinstance(layers, list) else ():
        try:
            own = vars(layer)
        except TypeError:
            continue
        if own.get("unroll") is True:
            found.append(str(own.get("name")))
        inner = own.get("_layers")
        for sub in list.__iter__(inner) if isinstance(inner, list) else ():
            sub_own = getattr(sub, "__dict__", {})
            if sub_own.get("unroll") is True:
                found.append(str(sub_own.get("name")))
    return found


_SPARSE = "tensorflow.python.framework.sparse_tensor.SparseTensor"


def _elements(obj, kind: str) -> int | None:
    """A NumPy array's or an eager tensor's number of elements, a SparseTensor's stored values (static shapes:
    no op runs), else None."""
    if kind == "numpy.ndarray":
        return int(obj.size)
    try:
        if kind == "tensorflow.python.framework.ops.EagerTensor":
            return obj.shape.num_elements()
        if kind == _SPARSE:
            return obj.values.shape.num_elements()
    except Exception:  # noqa: BLE001 - a tensor that cannot say its shape
        return None
    return None


def _dense_elements(obj, kind: str) -> int | None:
    """A SparseTensor's number of elements when dense, from its static shape (None: not one, or not known)."""
    if kind != _SPARSE:
        return None
    try:
        return obj.shape.num_elements()
    except Exception:  # noqa: BLE001 - a tensor that cannot say its shape
        return None


#: The alignment TensorFlow's CPU tensors need: a NumPy buffer that is not C-contiguous and aligned so is copied
#: when an op takes the array (measured, TensorFlow 2.21: `tf.gather` of 500 rows from a 77 MB array, 9 ms a call
#: 16 bytes off, 0.05 ms aligned).
TF_ALIGNMENT = 64
#: The largest int whose value is kept (a loop bound, a count): beyond it, a value is no loop's length.
INT_VALUE_LIMIT = 10**12


def _int_value(obj) -> int | None:
    """A plain ``int``'s value (not a bool or a subclass: no user code), where it could be a loop's bound."""
    return obj if type(obj) is int and 0 <= obj <= INT_VALUE_LIMIT else None


def _describe(obj) -> tuple[str, int | None, bool | None, str | int | None]:
    """``(type, size, run_eagerly, detail)``: detail is a NumPy array's dtype, a logger's effective level,
    the type of a non-empty list's or tuple's first item (``item:module.qualname``), or a Keras model's
    unrolled recurrent layers (``unrolled:name,name``)."""
    kind = type(obj)
    name = f"{kind.__module__}.{kind.__qualname__}"
    if kind in (list, tuple) and obj:
        first = type(obj[0])  # the built-in containers' own indexing: no user code runs
        return name, len(obj), None, f"item:{first.__module__}.{first.__qualname__}"
    if kind in _SIZED:
        return name, len(obj), None, None
    if name == "numpy.ndarray":
        return name, int(obj.shape[0]) if obj.ndim else 1, None, str(obj.dtype)
    if name == "tensorflow.python.framework.ops.EagerTensor":
        try:  # its static shape, already known: no op runs
            shape = obj.shape
            return name, (int(shape[0]) if shape.rank and shape[0] is not None else 1 if shape.rank == 0 else None), None, None
        except Exception:  # noqa: BLE001 - a tensor that cannot say its shape: no size
            return name, None, None, None
    if kind in (logging.Logger, logging.RootLogger):  # the standard classes only: a subclass could run user code
        return name, None, None, obj.getEffectiveLevel()
    if name.startswith("keras."):
        # What compile(run_eagerly=...) stored, read from the instance's own dict: the public
        # ``run_eagerly`` is a property, which would run Keras code.
        try:
            stored = vars(obj).get("_run_eagerly")
        except TypeError:  # no instance dict
            stored = None
        unrolled = _unrolled(obj)
        return (name, None, stored if isinstance(stored, bool) else None,
                "unrolled:" + ",".join(unrolled) if unrolled else None)
    return name, None, None, None


def line_names(cell_filename: str, namespace: dict, lines) -> list[NameRow]:
    """For each of ``lines`` of the cell, its names in ``namespace``: ``{"line", "name", "type", "size", "run_eagerly",
    "dtype", "ndim", "level", "item"}``.

    ``type`` is ``module.qualname`` of the value's type; ``size`` its length (built-in containers, and
    a NumPy array's or an eager tensor's first dimension, what ``len`` and iteration see), else None; ``run_eagerly``: for a
    Keras model, what ``compile(run_eagerly=...)`` set (None: not a model, or not known); ``dtype`` and
    ``ndim``: a NumPy array's dtype (``"object"``, ``"int64"``) and dimensions (only for arrays);
    ``level``: a standard ``logging.Logger``'s effective level (only for those); ``item``: the type of
    a non-empty list's or tuple's first item (only for those); ``unrolled``: a Keras model's recurrent
    layers built with ``unroll=True`` (only where there are some); ``elements``: a NumPy array's or an
    eager tensor's number of elements (only for those); ``value``: a plain int's value (only for those). A
    loop's header line gets the names of its whole body, and a line in a ``for`` loop's body the names of what
    the loop steps through.
    """
    src = "".join(linecache.getlines(cell_filename))
    wanted = set(lines)
    if not src or not wanted:
        return []
    try:
        tree = ast.parse(src)
    except (SyntaxError, ValueError):
        return []
    seen: dict[int, list[str]] = {line: [] for line in wanted}

    def note(line: int, name: str) -> None:
        names = seen[line]
        if name not in names and len(names) < NAMES_PER_LINE:
            names.append(name)

    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and node.id in namespace and node.lineno in seen:
            note(node.lineno, node.id)
        elif isinstance(node, LOOPS) and node.lineno in seen:
            # A loop's header line also holds the time of its body's line-less back jump
            # (``categories.line_at``): its names are the body's too.
            for inner in ast.walk(node):
                if isinstance(inner, ast.Name) and inner.id in namespace:
                    note(node.lineno, inner.id)
        if isinstance(node, (ast.For, ast.AsyncFor)):
            # A busy line in a loop's body gets what the loop steps through: how many items it has.
            for line in seen:
                if node.lineno < line <= (node.end_lineno or node.lineno):
                    for inner in ast.walk(node.iter):
                        if isinstance(inner, ast.Name) and inner.id in namespace:
                            note(line, inner.id)
    return [describe(line, name, namespace[name]) for line in sorted(seen) for name in seen[line]]


def describe(line: int, name: str, obj) -> NameRow:
    """The row of :func:`line_names` for ``name`` on cell line ``line``, holding ``obj``."""
    kind, size, eager, detail = _describe(obj)
    row: NameRow = {"line": line, "name": name, "type": kind, "size": size, "run_eagerly": eager}
    if isinstance(detail, str) and detail.startswith("item:"):
        row["item"] = detail[len("item:"):]
    elif isinstance(detail, str) and detail.startswith("unrolled:"):
        row["unrolled"] = detail[len("unrolled:"):].split(",")
    elif isinstance(detail, str):
        row["dtype"] = detail
        row["ndim"] = obj.ndim
    elif isinstance(detail, int):
        row["level"] = detail
    if type(obj) is types.FunctionType:
        row["user_code"] = categories.frame_module(obj.__code__.co_filename)[0] == categories.USER
    if kind == "numpy.ndarray":
        row["nbytes"] = int(obj.nbytes)
        row["tf_copies"] = not (obj.flags.c_contiguous and obj.__array_interface__["data"][0] % TF_ALIGNMENT == 0)
    elements = _elements(obj, kind)
    if elements is not None:
        row["elements"] = elements
    dense = _dense_elements(obj, kind)
    if dense is not None:
        row["dense_elements"] = dense
    value = _int_value(obj)
    if value is not None:
        row["value"] = value
    return row
