"""What library a cell line calls, read from its source and the namespace without running anything.

Used for samples caught in the cell's own frame on a line whose library call
left no sample of its own: a C call that holds the GIL (``EagerTensor(...)``
under ``tf.constant``) only hands the GIL over once the interpreter is back at
a check point, which is often the cell's loop back edge. Names are resolved
with :func:`inspect.getattr_static` (no property, no ``__getattr__``, no
lazy import runs), wrappers are unwrapped through ``__wrapped__``, and the
first code object with a row in the table gives the category.
"""

from __future__ import annotations

import ast
import inspect
import linecache

from . import categories as _c

__all__ = ["line_callees"]


def _resolve(expr, namespace: dict):
    parts = []
    while isinstance(expr, ast.Attribute):
        parts.append(expr.attr)
        expr = expr.value
    if not isinstance(expr, ast.Name) or expr.id not in namespace:
        return None
    obj = namespace[expr.id]
    for attr in reversed(parts):
        try:
            obj = inspect.getattr_static(obj, attr)
        except (AttributeError, Exception):
            return None
        if isinstance(obj, (staticmethod, classmethod)):
            obj = obj.__func__
    return obj


def _category_of(obj) -> str | None:
    """The category a call of ``obj`` starts in, or None (a builtin, an unknown object)."""
    for _ in range(10):
        func = getattr(obj, "__func__", obj)
        code = getattr(func, "__code__", None)
        if code is None:
            call = inspect.getattr_static(type(obj), "__call__", None)
            code = getattr(call, "__code__", None)
            if code is None:
                return None
        kind, top, role, cat = _c._code_info(code.co_filename, code.co_name, key=code)
        if kind == _c.USER:
            return "cell"
        if role != _c.SKIP and cat is not None:
            if role == _c.KERAS_TRAIN:
                return "keras_overhead"
            return cat if role != _c.WAIT else "waiting"
        wrapped = getattr(func, "__wrapped__", None)
        if wrapped is None:
            return None if role == _c.SKIP else (cat or f"other:{top}")
        obj = wrapped
    return None


def line_callees(cell_filename: str, namespace: dict, lines) -> dict[int, set]:
    """For each of ``lines``, the set of categories its calls start in (None for unresolved calls)."""
    src = "".join(linecache.getlines(cell_filename))
    wanted = set(lines)
    found: dict[int, set] = {line: set() for line in wanted}
    if not src or not wanted:
        return found
    try:
        tree = ast.parse(src)
    except (SyntaxError, ValueError):
        return found
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        span = set(range(node.lineno, (node.end_lineno or node.lineno) + 1)) & wanted
        if not span:
            continue
        obj = _resolve(node.func, namespace)
        cat = _category_of(obj) if obj is not None else None
        for line in span:
            found[line].add(cat)
    return found
