"""Run ``%%tfcheck`` cells through IPython's own execution path, and measure the outermost cell.

A ``%%tfcheck`` cell is not executed by the magic, and the magic changes nothing about what the
cell does (issue 26; ``tests/test_cell_equivalence.py`` runs a corpus of cells with and without it).

Its text: the first cleanup transform sets the ``%%tfcheck`` line aside, so every other transform
of IPython's ``transform_cell`` (blank lines, dedent, prompts, cell magics such as ``%%time``,
``%magic`` lines, the one-line transforms: automagic, ``exit``) sees the body alone, as it sees a
cell without the magic; the last post transform puts back, in place of that line, a string
statement that still reads ``'%%tfcheck ARGS'``, so the body keeps its line numbers in the cell.

Its code: an AST transformer replaces that statement with a call that starts the measurement,
and puts each top-level statement under ``try: … except BaseException: <end the measurement>;
raise`` of its own, so that an exception ends the measurement before IPython spends time
formatting its traceback (with TensorFlow loaded that takes up to seconds, and it is not the
cell's cost). The statements stay IPython's units: it compiles and runs them one at a time (a
``from __future__`` import anywhere, a statement that does not compile stopping the cell after
the ones before it ran) and displays what ``ast_node_interactivity`` says, since a ``try`` run in
interactive mode displays what its statement would. A last expression is evaluated inside its
``try`` and handed back by a final call, which IPython displays as the cell's value (with
``last_expr_or_assign``, the assigned name is that expression, as IPython appends it).
Everything else is IPython's own: top-level ``await``, the traceback naming the right cell and
line, the last expression's display, ``_`` and ``Out``.

A measurement belongs to the cell whose ``run_cell_async`` frame was running when it started, and
it stops at the first ``post_execute`` after that frame has finished. Nested cells (silent, empty,
or ordinary) fire ``post_execute`` while the outer frame is still on the stack, so they never cut
the outer measurement short, whatever pre/post events they fire or skip. Auto mode
(``%tfcheck on``) starts at ``pre_run_cell`` and stops the same way; a ``%%tfcheck`` cell while it is
on gets one report, the full one.
"""

from __future__ import annotations

import ast
import contextlib
import itertools
import sys
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..core import seams
from ..core.events import remove_item, unregister_event

if TYPE_CHECKING:
    from ..check.cell import CellCheck
    from ..check.report import Report

MARKER = "%%tfcheck"
_MODULE = __name__
_RUNNERS: dict[int, "CellRunner"] = {}
_TOKENS = itertools.count(1)
#: IPython's ``last_expr_or_assign``: the statements whose target it displays (``run_ast_nodes``).
_ASSIGN_NODES = (ast.AugAssign, ast.AnnAssign, ast.Assign)


def runner_frame(frame):
    """The frame of IPython's ``run_cell_async`` that ``frame`` runs under, or None."""
    while frame is not None:
        code = frame.f_code
        if code.co_name == "run_cell_async" and code.co_filename.endswith("interactiveshell.py"):
            return frame
        frame = frame.f_back
    return None


def on_stack(target, frame) -> bool:
    """Whether ``target`` is ``frame`` or one of its callers."""
    while frame is not None:
        if frame is target:
            return True
        frame = frame.f_back
    return False


def magic_line_index(lines: list[str]) -> int | None:
    """The index of a ``%%tfcheck`` line that opens ``lines`` (after blank lines, as IPython skips them), or None."""
    for index, line in enumerate(lines):
        if line and not line.isspace():
            if line.startswith(MARKER) and line[len(MARKER):len(MARKER) + 1] in ("", " ", "\t", "\n", "\r"):
                return index
            return None
    return None


def _caller(depth: int):
    """``sys._getframe(depth)`` as the caller of this function would call it, or None where the stack is shallower."""
    try:
        return sys._getframe(depth + 1)
    except ValueError:
        return None


def _call(token: int, function: str, *args) -> ast.Expr:
    """``__import__(<this module>, fromlist=['_']).<function>(token, *args)`` as a statement."""
    module = ast.Call(func=ast.Name("__import__", ast.Load()),
                      args=[ast.Constant(_MODULE)],
                      keywords=[ast.keyword("fromlist", ast.List([ast.Constant("_")], ast.Load()))])
    call = ast.Call(func=ast.Attribute(module, function, ast.Load()),
                    args=[ast.Constant(token), *(ast.Constant(a) for a in args)], keywords=[])
    return ast.Expr(call)


def _unguarded(statement) -> bool:
    """A statement left as it is: it cannot raise, and a ``try`` around it would change what it does.

    A ``from __future__`` import must open the code it is compiled in (IPython compiles each
    top-level statement on its own), and a constant expression statement compiled on its own is a
    docstring, which sets ``__doc__``.
    """
    return ((isinstance(statement, ast.ImportFrom) and statement.module == "__future__")
            or (isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Constant)))


class MarkerTransformer(ast.NodeTransformer):
    """IPython AST transformer: a module that starts with the marker becomes a measured cell.

    The cell keeps its top-level statements, each still one of IPython's units: IPython compiles
    and runs them one by one, and displays by ``ast_node_interactivity`` what the last one (or
    each) evaluates. Each statement goes under ``try: … except BaseException: <end the
    measurement>; raise`` of its own, and a ``try`` run in IPython's interactive mode displays what
    the statement would. A last expression is evaluated inside its ``try`` and handed back by a
    final expression statement, which IPython displays as the cell's value.
    """

    def __init__(self, token: int, shell=None):
        self.token = token
        self.shell = shell
        #: The marker the last transformed cell got (:meth:`CellRunner.put_marker_line`), None if it got none:
        #: a cell typed without the magic that starts with the same string is left alone.
        self.marker = None

    def visit_Module(self, node: ast.Module) -> ast.Module:  # noqa: N802 - ast's naming
        marker, self.marker = self.marker, None
        body = node.body
        first = body[0] if body else None
        if not (marker is not None and isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant)
                and first.value.value == marker and first.lineno == 1):
            return node
        # Only the nodes made here get locations (the user's keep theirs): fixing the whole module
        # walked every node of the cell, a third of a millisecond a cell.
        begin = _located(_call(self.token, "begin", first.value.value[len(MARKER):].strip()), first)
        rest = body[1:]
        shown = _assigned_name(rest[-1]) if rest else None
        if shown is not None and self._interactivity() == "last_expr_or_assign":
            # What run_ast_nodes appends: the name, located as IPython leaves it (the cell's first line).
            rest.append(ast.Expr(ast.Name(shown, ast.Load()), lineno=2, col_offset=0, end_lineno=2, end_col_offset=0))
            ast.fix_missing_locations(rest[-1])
        statements = [begin]
        for index, statement in enumerate(rest):
            if _unguarded(statement):
                statements.append(statement)
            elif index == len(rest) - 1 and isinstance(statement, ast.Expr):
                keep = _located(_call(self.token, "keep"), statement)
                keep.value.args.append(statement.value)
                statements.append(self._guarded(keep))
                statements.append(_located(_call(self.token, "kept"), statement))
            else:
                statements.append(self._guarded(statement))
        node.body = statements
        return node

    def _interactivity(self) -> str | None:
        """The ``ast_node_interactivity`` IPython runs this cell with: ``"none"`` for a silent cell."""
        running = runner_frame(sys._getframe(1))
        if running is not None and running.f_locals.get("silent"):
            return "none"
        return getattr(self.shell, "ast_node_interactivity", None)

    def _guarded(self, statement) -> ast.Try:
        handler = _located(ast.ExceptHandler(type=ast.Name("BaseException", ast.Load()), name=None,
                                             body=[_call(self.token, "failed"), ast.Raise()]), statement)
        return ast.copy_location(ast.Try(body=[statement], handlers=[handler], orelse=[], finalbody=[]), statement)


def _assigned_name(statement) -> str | None:
    """The name IPython's ``last_expr_or_assign`` displays after ``statement``, or None."""
    if not isinstance(statement, _ASSIGN_NODES):
        return None
    if isinstance(statement, ast.Assign):
        target = statement.targets[0] if len(statement.targets) == 1 else None
    else:
        target = statement.target
    return target.id if isinstance(target, ast.Name) else None


def _located(new, like):
    """``new`` (a small subtree made here) with every node placed at ``like``'s location."""
    for child in ast.walk(new):
        ast.copy_location(child, like)
    return new


def begin(token: int, line: str) -> None:
    """Called by a ``%%tfcheck`` cell's first statement: start measuring the cell."""
    runner = _RUNNERS.get(token)
    if runner is not None:
        runner.begin(line, sys._getframe(1))


def keep(token: int, value) -> None:
    """Called with a ``%%tfcheck`` cell's last expression, inside the measured part: hold its value."""
    runner = _RUNNERS.get(token)
    if runner is not None:
        runner.kept_values.append(value)


def kept(token: int):
    """The cell's last statement: hand IPython the value :func:`keep` held, for display, ``_`` and ``Out``."""
    runner = _RUNNERS.get(token)
    return runner.kept_values.pop() if runner is not None and runner.kept_values else None


def failed(token: int) -> None:
    """Called when a ``%%tfcheck`` cell raises: end its measurement before the traceback is formatted."""
    runner = _RUNNERS.get(token)
    if runner is not None:
        try:
            runner.failed(sys.exc_info()[1], sys._getframe(1))
        except Exception as exc:  # never put our exception in place of the cell's
            print(f"tfcheck: could not end the measurement ({type(exc).__name__}: {exc})", file=sys.stderr)


@dataclass
class Measurement:
    """One cell being measured: its check, the IPython frame it belongs to, and how to show it."""

    check: CellCheck
    frame: object  # the run_cell_async frame of the cell, or None outside IPython's path
    kind: str  # "cell" or "auto"
    show: Any = None  # callable(report) for %%tfcheck cells
    report: Report | None = None  # set when failed() ended the measurement early


class CellRunner:
    """The measurements of one shell: ``%%tfcheck`` cells through IPython's path, and auto mode."""

    def __init__(self, shell, start_cell, start_auto, finish_auto):
        """``start_cell(line, cell_frame)`` → (check, show) or None; ``start_auto(info)`` → check or None."""
        self.shell = shell
        self.token = next(_TOKENS)
        self.transformer = MarkerTransformer(self.token, shell)
        self._magic_line = None  # (IPython's transform_cell frame, the %%tfcheck line) while a cell is transformed
        self._start_cell = start_cell
        self._start_auto = start_auto
        self._finish_auto = finish_auto
        self.active: list[Measurement] = []
        self.kept_values: list = []  # last-expression values between keep() and kept(): a stack for nesting
        self._auto_report = None

    # -- install / uninstall ----------------------------------------------------
    def install(self) -> None:
        """Register the transformers and the ``post_execute`` callback (first in line); all or nothing."""
        try:
            _RUNNERS[self.token] = self
            # First of the cleanup transforms and last of the post transforms: every transform between
            # them sees the body alone, exactly as it sees a cell without the magic.
            seams.at("runner: cleanup transform")
            self.shell.input_transformers_cleanup.insert(0, self.take_magic_line)
            seams.at("runner: post transform")
            self.shell.input_transformers_post.append(self.put_marker_line)
            seams.at("runner: ast transformer")
            self.shell.ast_transformers.append(self.transformer)
            # First: the inline backend renders the cell's figures in its own post_execute callback, and
            # that rendering is the notebook's, not the cell's.
            seams.at("runner: post_execute")
            self.shell.events.callbacks["post_execute"].insert(0, self.post_execute)
        except BaseException:
            self.uninstall()
            raise

    def uninstall(self) -> None:
        """Remove everything :meth:`install` added; measurements under way are cancelled.

        Every step runs, even after one of them was interrupted (the interrupt is raised at the end).
        """
        shell = self.shell
        with contextlib.ExitStack() as steps:  # closed newest first: the order below, bottom up
            steps.callback(seams.undo, "runner: forget values", self._forget)
            steps.callback(seams.undo, "runner: cancel", self._cancel_all)
            steps.callback(seams.undo, "runner: remove post_execute", unregister_event, shell, "post_execute",
                           self.post_execute)
            steps.callback(seams.undo, "runner: remove ast transformer", remove_item, shell.ast_transformers,
                           self.transformer)
            steps.callback(seams.undo, "runner: remove post transform", remove_item, shell.input_transformers_post,
                           self.put_marker_line)
            steps.callback(seams.undo, "runner: remove cleanup transform", remove_item,
                           shell.input_transformers_cleanup, self.take_magic_line)
            steps.callback(_RUNNERS.pop, self.token, None)

    def _cancel_all(self) -> None:
        self._magic_line = self.transformer.marker = None
        while self.active:
            self.active.pop().check.cancel()

    def _forget(self) -> None:
        self._auto_report = None
        self.kept_values.clear()

    # -- the cell's text ------------------------------------------------------------
    def take_magic_line(self, lines: list[str]) -> list[str]:
        """IPython cleanup transform, first in line: set a ``%%tfcheck`` cell's magic line aside.

        Only while IPython's own ``transform_cell`` transforms a cell (to run it, or for
        ``%%time``): the rest of the cleanup transforms (blank lines, indentation, prompts), the
        cell-magic and token transforms, the one-line transforms (automagic, ``exit``) and the
        post transforms then work on the body alone, as on a cell without the magic.
        :meth:`put_marker_line` puts the line back at the end. Anything else that runs the cleanup
        transforms (``check_complete``) sees the cell magic, as it sees ``%%time``.
        """
        index = magic_line_index(lines)
        if index is None:
            return lines
        caller = _caller(2)  # InteractiveShell.transform_cell -> TransformerManager.transform_cell -> here
        if caller is None or caller.f_code.co_name != "transform_cell" or caller.f_locals.get("self") is not self.shell:
            return lines
        self._magic_line = (caller, lines[index])
        return lines[index + 1:]

    def put_marker_line(self, lines: list[str]) -> list[str]:
        """IPython post transform, last in line: the transformed body under the marker string statement.

        The marker reads ``'%%tfcheck ARGS'``, so the body keeps the line numbers it has in the cell.
        """
        taken, self._magic_line = self._magic_line, None
        if taken is None or taken[0] is not _caller(1):
            self.transformer.marker = None
            return lines  # not this transform_cell's (one abandoned half-way leaves a stale line)
        self.transformer.marker = taken[1].rstrip("\r\n")
        return [repr(self.transformer.marker) + "\n"] + lines

    # -- %%tfcheck cells ----------------------------------------------------------
    def begin(self, line: str, cell_frame) -> None:
        """Start a ``%%tfcheck`` measurement for the cell running in ``cell_frame``."""
        frame = runner_frame(cell_frame)
        self.drop_auto(frame)
        started = self._start_cell(line, cell_frame)
        if started is not None:
            check, show = started
            self._track(Measurement(check, frame, "cell", show=show))

    def failed(self, error, cell_frame) -> None:
        """The cell running in ``cell_frame`` raised ``error``: stop its measurement now.

        IPython runs each top-level statement as code of its own, so the cell is told by its
        ``run_cell_async`` frame, not by the statement's frame.
        """
        frame = runner_frame(cell_frame)
        for measurement in reversed(self.active):
            if measurement.kind == "cell" and measurement.frame is frame and measurement.report is None:
                measurement.report = measurement.check.stop(error)
                return

    # -- auto mode ------------------------------------------------------------------
    def drop_auto(self, frame) -> None:
        """A ``%%tfcheck`` runs in the cell of ``frame``: that cell gets one report, the full one."""
        for measurement in list(self.active):
            if measurement.kind == "auto" and frame is not None and measurement.frame is frame:
                self.active.remove(measurement)
                measurement.check.cancel()

    def cancel_auto(self) -> None:
        """Auto mode was switched off: abandon its measurement under way, show nothing."""
        for measurement in [m for m in self.active if m.kind == "auto"]:
            self.active.remove(measurement)
            measurement.check.cancel()
        self._auto_report = None

    def pre_run_cell(self, info=None) -> None:
        """IPython event: an outermost cell starts while auto mode is on; measure it."""
        frame = runner_frame(sys._getframe(1))
        if any(m.frame is not None and frame is not None and on_stack(m.frame, frame) for m in self.active):
            return  # a nested cell: the outer measurement covers it
        check = self._start_auto(info)
        if check is not None:
            self._track(Measurement(check, frame, "auto"))

    def _track(self, measurement: Measurement) -> None:
        """Keep a started measurement until its cell ends; an interrupt before it is kept cancels it."""
        try:
            seams.at(f"runner: track {measurement.kind}")
            self.active.append(measurement)
        except BaseException:
            if not any(m is measurement for m in self.active):
                measurement.check.cancel()
            raise

    def post_run_cell(self, result=None) -> None:
        """IPython event: show the auto-mode report of the cell that just ended."""
        report, self._auto_report = self._auto_report, None
        if report is not None:
            self._finish_auto(report, result)

    # -- the end of a cell ------------------------------------------------------------
    def post_execute(self) -> None:
        """IPython event, first in line: stop every measurement whose cell has finished."""
        if not self.active:
            return
        here = sys._getframe(1)
        for measurement in list(reversed(self.active)):
            if measurement.frame is not None and on_stack(measurement.frame, here):
                continue  # a nested cell ended; its outer cell goes on
            self.active.remove(measurement)
            report = measurement.report
            if report is None:
                # Ended without failed(): a statement that did not compile ('return' outside a function)
                # stopped the cell before it ran. run_cell_async records the outcome there.
                result = getattr(self.shell, "last_execution_result", None)
                error = (getattr(result, "error_in_exec", None) or getattr(result, "error_before_exec", None)) \
                    if measurement.kind == "cell" else None
                report = measurement.check.stop(error)
            measurement.frame = None  # a frame holds the cell's locals
            if measurement.kind == "cell":
                measurement.show(report)
            else:
                self._auto_report = report
