"""A busy cell line as the tables of known costs read it: its source, its names, the functions its time went through.

:func:`line_facts` gathers, for one of a slow cell's busiest lines, what the
measurement kept about it (the line's AST, what its names held after the cell,
the functions beneath it with their inclusive seconds, the pipelines the cell
iterated) into one :class:`Line`. The tables (:mod:`.idioms`, :mod:`.known_calls`)
read nothing else.
"""

from __future__ import annotations

import ast
import functools
import linecache
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..report.model import Report
    from ..summaries import HelperRow, NameRow

__all__ = ["LINES_LOOKED_AT", "LIST", "LONG", "NDARRAY", "TUPLE", "Line", "Said", "dotted", "is_long", "is_tensor",
           "is_zero", "line_facts", "helper_facts", "repeats", "sized", "cell_nodes", "LOOPS"]

LOOPS = (ast.For, ast.AsyncFor, ast.While, ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)
LIST, TUPLE = "builtins.list", "builtins.tuple"
NDARRAY = "numpy.ndarray"
#: Items from which scanning a list or tuple is a line's cost.
LONG = 100
#: The busiest lines looked at.
LINES_LOOKED_AT = 3
#: What an idiom says of a line: ``(message, fix)``, or None when it is not there.
Said = tuple[str, str] | None


@dataclass(frozen=True)
class Line:
    """One busy cell line, as the idioms read it."""

    number: int
    source: str
    nodes: tuple[ast.AST, ...]  # every node that starts on the line
    in_loop: bool  # inside a loop of the cell, or holding a comprehension
    names: dict[str, tuple[str, int | None]]  # name → (type, size) after the cell
    eager_models: frozenset[str]  # names of Keras models compiled with run_eagerly=True
    category: str  # the category that dominated the line's time
    plot_calls: int  # matplotlib plotting calls made from the line (the matplotlib probe's count; 0: none seen)
    eager_ops: int  # eager ops the cell dispatched one by one (a traced function's call not counted)
    seconds: float = 0.0  # the line's sampled seconds
    #: Function (``module.qualname``) → the seconds of the line spent inside it, inclusive (the stacks' own).
    functions: dict[str, float] = field(default_factory=dict)
    dtypes: dict[str, str] = field(default_factory=dict)  # name → dtype, for the NumPy arrays among its names
    levels: dict[str, int] = field(default_factory=dict)  # name → effective level, for the loggers among its names
    items: dict[str, str] = field(default_factory=dict)  # name → its first item's type, for lists and tuples
    ndims: dict[str, int] = field(default_factory=dict)  # name → dimensions, for the NumPy arrays among its names
    cell: tuple[ast.AST, ...] = ()  # every node of the cell (what its other lines assigned)
    category_ticks: int = 0  # the most categories on one axis of a figure the cell drew (one tick each)
    once: frozenset[int] = frozenset()  # ids of the nodes of a loop header's iterable (evaluated once per loop)
    #: The stages of each tf.data pipeline the cell iterated, source first.
    pipelines: tuple[tuple[str, ...], ...] = ()
    #: Function → the most frames of it one of the line's stacks held (above 1: it called itself).
    depths: dict[str, int] = field(default_factory=dict)
    #: name → the recurrent layers built with ``unroll=True``, for the Keras models among its names that have some.
    unrolled: dict[str, tuple[str, ...]] = field(default_factory=dict)
    #: name → its number of elements, for the NumPy arrays and eager tensors among its names.
    elements: dict[str, int] = field(default_factory=dict)
    #: name → its number of elements when dense, for the SparseTensors among its names.
    dense_elements: dict[str, int] = field(default_factory=dict)
    #: name → its value, for the plain ints among its names (a loop's bound).
    values: dict[str, int] = field(default_factory=dict)
    #: (scatter points, those outside their axes' view) of the drawn figure with the most points outside.
    view_points: tuple[int, int] = (0, 0)
    #: (cells, pixels of its axes) of the largest mesh the cell drew with ``shading='gouraud'``.
    gouraud_cells: tuple[int, int] = (0, 0)
    #: name → its bytes, for the NumPy arrays among its names that TensorFlow copies to make a tensor of them.
    tf_copies: dict[str, int] = field(default_factory=dict)
    #: The names among its names that hold functions of the user's own (defined in a cell or a file of theirs).
    own_functions: frozenset[str] = frozenset()
    #: Where the line is a helper's read on the cell's line (:func:`helper_facts`): the helper's qualname, its
    #: locals (new at every call) and those of them it may change in place; "" and empty for a cell line.
    helper: str = ""
    fresh: frozenset[str] = frozenset()
    changed: frozenset[str] = frozenset()

    def calls(self) -> list[ast.Call]:
        """The calls that start on the line, less those of a loop header's iterable (made once per loop)."""
        return [n for n in self.nodes if isinstance(n, ast.Call) and id(n) not in self.once]

    def type_of(self, expr: ast.AST) -> str | None:
        """The type a plain name held after the cell, or None."""
        if isinstance(expr, ast.Name) and expr.id in self.names:
            return self.names[expr.id][0]
        return None

    def heaviest(self, *suffixes: str) -> tuple[str, float] | None:
        """``(name, seconds)`` of the function with the most of the line's time whose name ends with one of
        ``suffixes``, or None."""
        return max(((name, s) for name, s in self.functions.items() if name.endswith(suffixes)),
                   key=lambda pair: pair[1], default=None)

    def inside(self, *suffixes: str) -> float:
        """The share (0..1) of the line's time spent inside the heaviest function whose name ends with one of ``suffixes``."""
        best = self.heaviest(*suffixes)
        if self.seconds <= 0 or best is None:
            return 0.0
        return min(1.0, best[1] / self.seconds)

    def size_of(self, expr: ast.AST) -> int | None:
        """The length a plain name held after the cell (a NumPy array's or an eager tensor's first dimension), or None."""
        if isinstance(expr, ast.Name) and expr.id in self.names:
            return self.names[expr.id][1]
        return None


def open_ended(index: ast.AST) -> bool:
    """A subscript's index holds a slice from one end of an axis to a position a name gives (``x[:t]``,
    ``x[:, t:]``): its size follows that name, not a fixed width."""
    parts = index.elts if isinstance(index, ast.Tuple) else [index]
    for part in parts:
        if not isinstance(part, ast.Slice) or part.step is not None:
            continue
        ends = [part.lower, part.upper]
        named = [e for e in ends if e is not None and any(isinstance(n, ast.Name) for n in ast.walk(e))]
        if len(named) == 1 and any(e is None or isinstance(e, ast.Constant) and e.value == 0 for e in ends):
            return True
    return False


def dotted(expr: ast.AST) -> str:
    """The dotted name of ``expr`` as written (``np.random.choice``); ``…`` for a part that is not a name."""
    parts = []
    while isinstance(expr, ast.Attribute):
        parts.append(expr.attr)
        expr = expr.value
    if isinstance(expr, ast.Name):
        parts.append(expr.id)
    elif parts:
        parts.append("…")
    return ".".join(reversed(parts))


def is_zero(args: list[ast.expr]) -> bool:
    """The first of ``args`` is the literal 0."""
    return bool(args) and isinstance(args[0], ast.Constant) and args[0].value == 0


def sized(size: int | None, what: str) -> str:
    """`` (9,000 items)``; nothing when the size is not known or is 0 after the cell (a queue emptied)."""
    return f" ({size:,} {what})" if size else ""


def is_long(size: int | None) -> bool:
    """A container long enough that scanning it costs more than the line's other work (a short one does not)."""
    return size is not None and size >= LONG


def is_tensor(kind: str | None) -> bool:
    """``kind`` (a type's ``module.qualname``) is an eager tensor or a variable."""
    return kind is not None and kind.startswith("tensorflow.") and kind.rsplit(".", 1)[-1] in (
        "EagerTensor", "ResourceVariable", "UninitializedVariable")


def cell_nodes(filename: str) -> tuple[ast.AST, ...] | None:
    """Every AST node of the cell compiled as ``filename`` (its text from ``linecache``), or None."""
    return _nodes("".join(linecache.getlines(filename)))


@functools.lru_cache(maxsize=4)
def _nodes(source: str) -> tuple[ast.AST, ...] | None:
    # Several rules read the same cell for one report: it is parsed once (keyed by its text, never stale).
    try:
        return tuple(ast.walk(ast.parse(source)))
    except (SyntaxError, ValueError):
        return None


def repeats(filename: str | None, line: int | None) -> bool:
    """True when ``line`` of the cell compiled as ``filename`` is inside a loop or holds a comprehension.

    ``line`` None: whether the cell has any loop or comprehension at all.
    """
    return _in_a_loop((cell_nodes(filename) if filename else None) or (), line)


def _in_a_loop(every: tuple[ast.AST, ...], line: int | None) -> bool:
    """``line`` of the code whose nodes are ``every`` is inside a loop or holds a comprehension (None: any loop)."""
    return any(isinstance(n, LOOPS) and (line is None or n.lineno <= line <= (n.end_lineno or n.lineno))
               for n in every)


#: The share of a loop header's time that must be the cell's own Python for the header to hold its body's time.
OWN_HEADER = 0.8


def _nodes_on(every: tuple[ast.AST, ...], number: int, category: str,
              share: float) -> tuple[tuple[ast.AST, ...], frozenset[int]]:
    """``(nodes, once)`` of line ``number`` of the code whose nodes are ``every``: the nodes that start on it (a loop
    header's whole body too where the header's time is the cell's own Python, ``category`` "cell" for
    :data:`OWN_HEADER` or more of it, ``share``: it then holds the body's time, the line-less jump back), and the
    ids of a ``for`` header's iterable's nodes (``for x in ds.take(n):`` makes its iterable once: a call there is
    not one per iteration).

    A header whose time went into a library is the iteration itself (a dataset's next element, a file's next
    line): the body's constructs are not what it cost. ``for x in ds: acc = tf.concat((acc, x), 0)`` over a
    dataset that waited 1.3 s on its generator put the wait on the header, and the concat was named for it."""
    nodes = tuple(n for n in every if getattr(n, "lineno", None) == number)
    loops = [n for n in nodes if isinstance(n, (ast.For, ast.AsyncFor, ast.While))]
    if loops and category == "cell" and share >= OWN_HEADER:
        seen = set(map(id, nodes))
        nodes += tuple(n for loop in loops for n in ast.walk(loop) if id(n) not in seen)
    once = frozenset(id(n) for loop in loops if isinstance(loop, (ast.For, ast.AsyncFor)) for n in ast.walk(loop.iter))
    return nodes, once


def _pair(values: list[int] | None) -> tuple[int, int]:
    first, second = values or (0, 0)
    return int(first), int(second)


def line_facts(report: Report, number: int) -> Line | None:
    """The :class:`Line` of cell line ``number`` from the report's attribution, or None (no source, no row)."""
    attribution = report.attribution
    if not attribution:
        return None
    row = next((r for r in attribution.get("lines") or [] if r["line"] == number), None)
    filename = attribution.get("cell_filename")
    if row is None or not filename:
        return None
    every = cell_nodes(filename)
    if every is None:
        return None
    nodes, once = _nodes_on(every, number, row["category"], row["category_share"])
    in_loop = _in_a_loop(every, number)
    rows = [r for r in attribution.get("names") or [] if r["line"] == number]
    return _line(report, number, row["source"], nodes, in_loop, rows, row["category"], row["seconds"], every, once)


def _line(report: Report, number: int, source: str, nodes: tuple[ast.AST, ...], in_loop: bool, rows: list[NameRow],
          category: str, seconds: float, every: tuple[ast.AST, ...], once: frozenset[int],
          helper: tuple[str, frozenset[str], frozenset[str]] = ("", frozenset(), frozenset()),
          at: int | None = None) -> Line:
    """The :class:`Line` of cell line ``number`` (its measured rows); ``at``: its number in ``every`` where that
    is not the cell (a helper's body)."""
    attribution = report.attribution or {}
    names = {r["name"]: (r["type"], r["size"]) for r in rows}
    eager = frozenset(r["name"] for r in rows if r.get("run_eagerly"))
    plot_calls = sum(site[3] for site in (report.mpl or {}).get("call_sites") or ()
                     if site[2] == "<module>" and site[1] == number)
    ops = (report.tf_times or {}).get("eager_ops") or {}
    eager_ops = sum(n for op, n in ops.items() if not op.startswith("__inference_"))
    rows_here = [r for r in attribution.get("functions") or [] if r["line"] == number]
    functions = {r["function"]: r["seconds"] for r in rows_here}
    depths = {r["function"]: r.get("depth", 1) for r in rows_here}
    dtypes = {r["name"]: r["dtype"] for r in rows if r.get("dtype")}
    levels = {r["name"]: r["level"] for r in rows if r.get("level") is not None}
    items = {r["name"]: r["item"] for r in rows if r.get("item")}
    ndims = {r["name"]: r["ndim"] for r in rows if r.get("ndim") is not None}
    unrolled = {r["name"]: tuple(r["unrolled"]) for r in rows if r.get("unrolled")}
    elements = {r["name"]: r["elements"] for r in rows if r.get("elements") is not None}
    dense_elements = {r["name"]: r["dense_elements"] for r in rows if r.get("dense_elements") is not None}
    tf_copies = {r["name"]: r.get("nbytes", 0) for r in rows if r.get("tf_copies")}
    own = frozenset(r["name"] for r in rows if r.get("user_code"))
    values = {r["name"]: r["value"] for r in rows if r.get("value") is not None}
    pipelines = tuple(tuple(p.get("stages") or ()) for p in report.pipelines or ())
    return Line(number if at is None else at, source, nodes, in_loop, names, eager, category, plot_calls, eager_ops,
                seconds, functions, dtypes, levels, items, ndims, every,
                (report.mpl or {}).get("category_ticks") or 0, once, pipelines, depths, unrolled, elements,
                dense_elements, values, _pair((report.mpl or {}).get("view_points")),
                _pair((report.mpl or {}).get("gouraud_cells")), tf_copies, own, *helper)


_COMPREHENSIONS = (ast.ListComp, ast.SetComp, ast.GeneratorExp, ast.DictComp)


def helper_facts(report: Report, number: int, base: Line | None = None) -> list[tuple[Line, HelperRow]]:
    """For cell line ``number``, each line of the user's own helpers that held its time (``attribution.helpers``)
    as a :class:`Line` on the cell's line: its statement with the call site's expressions in place of the
    parameters, the cell's loops around it, and the names of both. The helper's locals are :attr:`Line.fresh`.
    ``base``: the cell line's own :class:`Line`, where the caller has it already (else it is read here).
    """
    if base is None:
        base = line_facts(report, number)
    if base is None:
        return []
    found = []
    for row in (report.attribution or {}).get("helpers") or []:
        if row["line"] != number:
            continue
        try:
            tree = ast.parse(row["source"])
        except (SyntaxError, ValueError):
            continue
        head = tuple(n for n in ast.walk(tree) if getattr(n, "lineno", None) == 1)
        for node in head:
            for field_name in ("lineno", "end_lineno"):
                if hasattr(node, field_name):
                    setattr(node, field_name, number)
        # The cell line's comprehensions are the loops the helper runs in; their calls are not the helper's.
        loops = tuple(n for n in base.nodes if isinstance(n, _COMPREHENSIONS))
        once = base.once | frozenset(id(n) for n in base.nodes)
        fresh = frozenset(row["fresh"])
        rows = [r for r in (report.attribution or {}).get("names") or [] if r["line"] == number and r["name"] not in fresh]
        given = {r["name"] for r in row["names"]}
        rows = [r for r in rows if r["name"] not in given] + list(row["names"])
        line = _line(report, number, row["helper_source"], head + loops, base.in_loop, rows, base.category,
                     row["seconds"], base.cell, once, (row["functions"][-1], fresh, frozenset(row["changed"])))
        found.append((line, row))
        inner = _in_helper_loop(report, number, row, base.category)
        if inner is not None:
            found.append((inner, row))
    return found


def _in_helper_loop(report: Report, number: int, row: HelperRow, category: str) -> Line | None:
    """A helper's line that runs in a loop of the helper's own, as a :class:`Line` of the helper's body (in the
    cell's terms) read as a cell: its loops are the ones the tables look for."""
    body, at = row.get("body"), row.get("body_line")
    if not body or not at:
        return None
    every = _nodes(body)
    if every is None:
        return None
    # The helper line's own time where the sampler kept it (a report from before it did: the cell line's).
    nodes, once = _nodes_on(every, at, row.get("category") or category, row.get("category_share", 1.0))
    return _line(report, number, row["helper_source"], nodes, _in_a_loop(every, at), row["names"], category,
                 row["seconds"], every, once, (row["functions"][-1], frozenset(), frozenset()), at=at)
