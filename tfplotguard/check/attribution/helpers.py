"""Where a busy cell line's time went inside the user's own helpers, read back in the cell's own terms.

A cell line often calls a function an earlier cell defined (``response_at(w, grid, spec)``), a
method of the user's own class (``reranker.score(u)``), or a helper calling another, and the time
goes to a library call made there, one function down. The sampler keeps which of the helper's lines
held the time (:attr:`.samples.Samples.helpers`); this module reads that line back as if it were
written on the cell's line: each parameter is replaced by what the call site passed (``grid`` stays
``grid``, ``self.items`` becomes ``reranker.items``), a default by its default, and the helper's own
locals are marked fresh (new at every call). The result, with what its names held after the cell,
lets the tables of known costs (:mod:`..findings.known_calls`) read the helper's line with the cell's
loop around it.

Only helpers whose globals are the cell's namespace (functions and classes the notebook defined) are
read: elsewhere a name would not mean what the namespace says. Nothing runs: the sources come from
``linecache``, functions are found by their code objects among the namespace's functions and its
classes' own dicts, and an attribute is read only from an instance's own ``__dict__`` (never a
property, never ``__getattr__``).
"""

from __future__ import annotations

import ast
import copy
import linecache
import types
from typing import TYPE_CHECKING, Any

from .names import describe

if TYPE_CHECKING:
    from ..summaries import HelperRow

__all__ = ["helper_rows", "shown", "HELPER_SHARE", "HELPERS_PER_LINE"]

#: The statements that repeat their body: a helper's line inside one comes with the helper's body.
LOOPS = (ast.For, ast.AsyncFor, ast.While)
#: A helper's line must hold at least this share of the cell line's time to be read.
HELPER_SHARE = 0.25
#: Helper lines read per busy cell line, the heaviest first.
HELPERS_PER_LINE = 2
#: Joins an attribute read as one name (``ranker·items``), and marks a local renamed away from a namespace name
#: (``zʹ``): characters Python takes inside a name, so the statement's text parses back to the same names.
#: :func:`shown` turns them back for the reader.
JOIN, MARK = "\u00b7", "\u02b9"
#: A value no call site gave (``*args``, a parameter without a default, a fresh object's ``self``).
_FRESH = object()


def shown(text: str) -> str:
    """``text`` with the names made here written as the reader knows them: ``ranker.items``, and a renamed local
    by its own name."""
    return text.replace(JOIN, ".").replace(MARK, "")


def _parse(filename: str) -> ast.Module | None:
    try:
        return ast.parse("".join(linecache.getlines(filename)))
    except (SyntaxError, ValueError):
        return None


def _functions_of(namespace: dict) -> dict[types.CodeType, tuple[types.FunctionType, bool]]:
    """The namespace's functions and its classes' own methods, by code: ``code → (function, is_method)``."""
    found: dict[types.CodeType, tuple[types.FunctionType, bool]] = {}
    # Types are compared with `type(x)`, never `isinstance`: that reads `x.__class__`, which a proxy object of the
    # user's can compute in Python.
    for value in list(namespace.values()):
        if type(value) is types.FunctionType:
            found.setdefault(value.__code__, (value, False))
        elif issubclass(type(value), type):
            for attr in list(vars(value).values()):
                wrapped = type(attr) in (classmethod, staticmethod)
                method = attr.__func__ if wrapped else attr
                if type(method) is types.FunctionType:
                    found.setdefault(method.__code__, (method, type(attr) is not staticmethod))
    return found


def _definition(code: types.CodeType) -> ast.FunctionDef | ast.AsyncFunctionDef | None:
    """The ``def`` of ``code`` in its file's source (its first line, decorators included, is the code's)."""
    tree = _parse(code.co_filename)
    if tree is None:
        return None
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name == code.co_name:
            first = min([node.lineno, *(d.lineno for d in node.decorator_list)])
            if first == code.co_firstlineno or node.lineno == code.co_firstlineno:
                return node
    return None


def _called_name(call: ast.Call) -> str:
    func = call.func
    return func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""


def _call_of(calls: list[ast.Call], code: types.CodeType) -> ast.Call | None:
    """The call among ``calls`` that runs ``code``: by its name, or its class's for ``__init__``."""
    qualname = getattr(code, "co_qualname", code.co_name)
    wanted = qualname.split(".")[-2] if code.co_name == "__init__" and "." in qualname else code.co_name
    return next((c for c in calls if _called_name(c) == wanted), None)


def _bind(definition: ast.FunctionDef | ast.AsyncFunctionDef, call: ast.Call, method: bool) -> dict[str, Any]:
    """Parameter → the expression the call passed (a default's where it passed none), or :data:`_FRESH`."""
    args = definition.args
    positional = [a.arg for a in (*args.posonlyargs, *args.args)]
    bound: dict[str, Any] = {}
    given = list(call.args)
    if method and positional:
        first = positional.pop(0)
        # A method called on an object (``obj.score(u)``) gets it as ``self``; ``Cls(…)`` makes a new one.
        receiver = call.func.value if isinstance(call.func, ast.Attribute) and definition.name != "__init__" else None
        bound[first] = receiver if receiver is not None else _FRESH
    if any(isinstance(a, ast.Starred) for a in given) or any(k.arg is None for k in call.keywords):
        return {**bound, **{p: _FRESH for p in positional}, **{a.arg: _FRESH for a in args.kwonlyargs}}
    for name, value in zip(positional, given):
        bound[name] = value
    keywords = {k.arg: k.value for k in call.keywords}
    defaults = dict(zip(positional[len(positional) - len(args.defaults):], args.defaults)) if args.defaults else {}
    defaults.update({a.arg: d for a, d in zip(args.kwonlyargs, args.kw_defaults) if d is not None})
    for name in [*positional, *(a.arg for a in args.kwonlyargs)]:
        if name not in bound:
            bound[name] = keywords.get(name, defaults.get(name, _FRESH))
    for extra in (args.vararg, args.kwarg):
        if extra is not None:
            bound[extra.arg] = _FRESH
    return bound


def _locals(definition: ast.FunctionDef | ast.AsyncFunctionDef) -> set[str]:
    """The names the function's body binds (its locals), less those it declares global or nonlocal."""
    bound: set[str] = set()
    declared: set[str] = set()
    for node in ast.walk(definition):
        if node is definition:
            continue
        if isinstance(node, ast.Name) and isinstance(node.ctx, (ast.Store, ast.Del)):
            bound.add(node.id)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            bound.add(node.name)
        elif isinstance(node, ast.alias):
            bound.add((node.asname or node.name).split(".")[0])
        elif isinstance(node, (ast.Global, ast.Nonlocal)):
            declared.update(node.names)
        elif isinstance(node, ast.ExceptHandler) and node.name:
            bound.add(node.name)
    return bound - declared


class _Substitute(ast.NodeTransformer):
    """Replace a helper's names by what they stand for in the cell: parameters by the call site's expressions,
    locals by fresh names (renamed where the namespace has the same name)."""

    def __init__(self, bound: dict[str, Any], local: set[str], namespace: dict, owner: str, fresh: set[str]):
        self.bound, self.local, self.namespace, self.owner, self.fresh = bound, local, namespace, owner, fresh

    def visit_Name(self, node: ast.Name) -> ast.AST:
        value = self.bound.get(node.id)
        if value is not None and value is not _FRESH and isinstance(node.ctx, ast.Load):
            return copy.deepcopy(value)
        if value is _FRESH or node.id in self.local or node.id in self.bound:
            name = node.id if node.id not in self.namespace else node.id + MARK
            self.fresh.add(name)
            return ast.copy_location(ast.Name(id=name, ctx=node.ctx), node)
        return node


def _collapse(node: ast.AST, namespace: dict, found: dict[str, object]) -> ast.AST:
    """``obj.attr`` (an instance's own attribute, ``obj`` a name of the namespace) as one name, ``obj.attr``,
    whose value goes into ``found``: the tables read sizes of plain names only."""

    class Collapse(ast.NodeTransformer):
        def visit_Attribute(self, attribute: ast.Attribute) -> ast.AST:
            self.generic_visit(attribute)
            root = attribute.value
            if not isinstance(root, ast.Name) or not isinstance(attribute.ctx, ast.Load):
                return attribute
            owner = found.get(root.id, namespace.get(root.id, _FRESH)) if root.id in namespace or root.id in found \
                else _FRESH
            if owner is _FRESH or issubclass(type(owner), (types.ModuleType, type)):
                return attribute  # a module's function (``np.array``) or a class's: not data
            own = getattr(owner, "__dict__", None) if type(owner).__getattribute__ is object.__getattribute__ else None
            if type(own) is not dict:
                return attribute  # no instance dict, or one only the object's own code could give
            if attribute.attr not in own:
                return attribute  # a property or a method: reading it could run code
            name = f"{root.id}{JOIN}{attribute.attr}"
            found[name] = own[attribute.attr]
            return ast.copy_location(ast.Name(id=name, ctx=ast.Load()), attribute)

    return Collapse().visit(node)


def _changed_in_place(definition: ast.AST, local: set[str]) -> set[str]:
    """The helper's locals its body may change in place: stored into (``x[i] = …``, ``x.a = …``), augmented
    (``x += …``), or given to a method of theirs (``x.sort()``; any method, to be safe)."""
    changed: set[str] = set()
    for node in ast.walk(definition):
        target = None
        if isinstance(node, (ast.Subscript, ast.Attribute)) and isinstance(node.ctx, (ast.Store, ast.Del)):
            target = node.value
        elif isinstance(node, ast.AugAssign):
            target = node.target
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            target = node.func.value
        while isinstance(target, (ast.Subscript, ast.Attribute)):
            target = target.value
        if isinstance(target, ast.Name) and target.id in local:
            changed.add(target.id)
    return changed


def _statement_at(definition: ast.AST, line: int) -> ast.stmt | None:
    """The innermost statement of ``definition`` whose own line (a compound statement's header) is ``line``."""
    best = None
    for node in ast.walk(definition):
        if isinstance(node, ast.stmt) and node is not definition and node.lineno <= line <= (node.end_lineno or node.lineno):
            body_start = min((s.lineno for field in ("body", "orelse", "finalbody", "handlers")
                              for s in getattr(node, field, []) or []), default=None)
            if body_start is None or line < body_start:
                if best is None or node.lineno >= best.lineno:
                    best = node
    return best


def _header_only(statement: ast.stmt) -> ast.stmt:
    """A copy of a compound statement with its body reduced to ``pass`` (its header is what ran on the line)."""
    head = copy.deepcopy(statement)
    for field in ("body", "orelse", "finalbody", "handlers"):
        if isinstance(getattr(head, field, None), list):
            setattr(head, field, [ast.Pass()] if field == "body" else [])
    return head


def _resolve(cell_tree: ast.Module, cell_line: int, chain: tuple, namespace: dict,
             functions: dict) -> tuple[str, set[str], set[str], dict[str, object], list[str], str,
                                       tuple[str, int] | None] | None:
    """``(substituted statement, fresh names, those changed in place, collapsed names' values, functions, the
    helper line's own text, the helper's body around it where it runs in a loop of the helper's)``."""
    calls = [n for n in ast.walk(cell_tree) if isinstance(n, ast.Call) and n.lineno == cell_line]
    bound: dict[str, Any] = {}
    local: set[str] = set()
    fresh: set[str] = set()
    names: list[str] = []
    statement: ast.stmt | None = None
    definition: ast.FunctionDef | ast.AsyncFunctionDef | None = None
    for code, line in chain:
        call = _call_of(calls, code)
        known = functions.get(code)
        definition = _definition(code)
        if call is None or known is None or definition is None or known[0].__globals__ is not namespace:
            return None
        # The call site's expressions, in the cell's terms (a level down, the caller's parameters replaced).
        site = _Substitute(bound, local, namespace, names[-1] if names else "", fresh).visit(copy.deepcopy(call))
        bound, local = _bind(definition, site, known[1]), _locals(definition)
        names.append(getattr(code, "co_qualname", code.co_name))
        statement = _statement_at(definition, line) if line is not None else None
        if statement is None:
            return None
        calls = [n for n in ast.walk(statement) if isinstance(n, ast.Call) and n.lineno == line]
    if statement is None or definition is None:
        return None
    own = ast.get_source_segment("".join(linecache.getlines(chain[-1][0].co_filename)), statement) or ""
    head: ast.AST = _header_only(statement) if any(isinstance(getattr(statement, f, None), list)
                                                   for f in ("body", "orelse")) else copy.deepcopy(statement)
    head = _Substitute(bound, local, namespace, names[-1], fresh).visit(head)
    changed = {name + MARK if name in namespace else name for name in _changed_in_place(definition, local)}
    values: dict[str, object] = {}
    head = _collapse(head, namespace, values)
    ast.fix_missing_locations(head)
    body = _body_around(definition, statement, bound, local, namespace, names[-1], values)
    return (ast.unparse(head), fresh, changed, values, names, own.split("\n", 1)[0].strip(), body)


def _body_around(definition: ast.FunctionDef | ast.AsyncFunctionDef, statement: ast.stmt, bound: dict[str, Any],
                 local: set[str], namespace: dict, owner: str, values: dict[str, object]) -> tuple[str, int] | None:
    """Where ``statement`` runs in a loop of the helper's own: ``(the helper's body in the cell's terms, the
    statement's line in it)``, for the tables to read that loop as they read a cell's; else None."""
    if not any(isinstance(n, LOOPS) and n.lineno < statement.lineno <= (n.end_lineno or n.lineno)
               for n in ast.walk(definition) if n is not definition):
        return None
    module = ast.Module(body=copy.deepcopy(definition.body), type_ignores=[])
    order = [n for n in ast.walk(module) if isinstance(n, ast.stmt)]
    at = next((i for i, n in enumerate(order) if (n.lineno, n.col_offset) == (statement.lineno, statement.col_offset)),
              None)
    if at is None:
        return None
    read = _collapse(_Substitute(bound, local, namespace, owner, set()).visit(module), namespace, values)
    text = ast.unparse(ast.fix_missing_locations(read))
    again = [n for n in ast.walk(ast.parse(text)) if isinstance(n, ast.stmt)]
    return (text, again[at].lineno) if at < len(again) else None


def _category_of(seconds: dict[str, float]) -> tuple[str, float]:
    """The category that held most of a helper line's time, and its share of that time (("", 0.0): none kept)."""
    category, most = max(seconds.items(), key=lambda kv: kv[1], default=("", 0.0))
    total = sum(seconds.values())
    return category, most / total if total > 0 else 0.0


def helper_rows(cell_filename: str, namespace: dict, helpers: dict[tuple, float], lines: list[int],
                line_seconds: dict[int, float], categories: dict[tuple, dict[str, float]] | None = None) -> list[HelperRow]:
    """For each of the busy cell ``lines``, the helper lines beneath it that held its time, read in the cell's terms.

    ``helpers``: ``(cell line, ((code, line), …)) → seconds``, the user's frames outermost first. A row:
    ``{"line", "seconds", "functions", "helper_line", "helper_source", "source", "fresh", "changed", "names"}``:
    ``source`` is the helper's statement with the call sites' expressions put in, ``fresh`` the names new
    at every call (the helper's locals), ``changed`` those of them the helper may change in place, ``names``
    what its names held after the cell (as ``names``'s rows). Where the statement runs in a loop of the
    helper's own, ``body`` is the helper's whole body in the cell's terms and ``body_line`` the statement's
    line in it (else both None). ``category``: the one that held most of the helper line's time, from
    ``categories`` (the same keys as ``helpers`` → category → seconds; "" where not given), ``category_share``
    its share of that time.
    """
    tree = _parse(cell_filename)
    if tree is None or not helpers:
        return []
    functions = _functions_of(namespace)
    rows: list[HelperRow] = []
    for cell_line in lines:
        total = line_seconds.get(cell_line, 0.0)
        mine = sorted(((chain, s) for (at, chain), s in helpers.items() if at == cell_line), key=lambda kv: -kv[1])
        for chain, seconds in mine[:HELPERS_PER_LINE]:
            if total <= 0 or seconds < HELPER_SHARE * total:
                break
            resolved = _resolve(tree, cell_line, chain, namespace, functions)
            if resolved is None:
                continue
            source, fresh, changed, values, qualnames, own, body = resolved
            category, share = _category_of((categories or {}).get((cell_line, chain), {}))
            try:
                used = {n.id for n in ast.walk(ast.parse(body[0] if body else source)) if isinstance(n, ast.Name)}
            except SyntaxError:
                continue
            described = []
            for name in sorted(used - fresh):
                if name in values:
                    described.append(describe(cell_line, name, values[name]))
                elif name in namespace:
                    described.append(describe(cell_line, name, namespace[name]))
            rows.append({"line": cell_line, "seconds": seconds, "functions": qualnames,
                         "helper_line": chain[-1][1], "helper_source": own, "source": source,
                         "fresh": sorted(fresh), "changed": sorted(changed), "names": described,
                         "body": body[0] if body else None, "body_line": body[1] if body else None,
                         "category": category, "category_share": share})
    return rows
