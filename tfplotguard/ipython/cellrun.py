"""Run ``%%tfcheck`` cells through IPython's own execution path, and measure the outermost cell.

A ``%%tfcheck`` cell is not executed by the magic. An input transformer (IPython's cleanup stage,
which runs before cell magics are recognised) turns the cell's first line into a string statement
that still reads ``'%%tfcheck ARGS'``, so every other line keeps its number. An AST transformer
replaces that statement with a call that starts the measurement, and puts the rest of the cell
under ``try: … except BaseException: <end the measurement>; raise``, so that an exception ends the
measurement before IPython spends time formatting its traceback (with TensorFlow loaded that takes
up to seconds, and it is not the cell's cost). A last expression is evaluated inside the ``try``
and handed back by a final call, which IPython displays as the cell's value. Everything
else is IPython's own: top-level ``await``, the traceback naming the right cell and line, the last
expression's display, ``_`` and ``Out``.

A measurement belongs to the cell whose ``run_cell_async`` frame was running when it started, and
it stops at the first ``post_execute`` after that frame has finished. Nested cells (silent, empty,
or ordinary) fire ``post_execute`` while the outer frame is still on the stack, so they never cut
the outer measurement short, whatever pre/post events they fire or skip. Auto mode
(``%tfcheck on``) starts at ``pre_run_cell`` and stops the same way; a ``%%tfcheck`` cell while it is
on gets one report, the full one.
"""

from __future__ import annotations

import ast
import itertools
import sys
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..core.events import remove_item, unregister_event

if TYPE_CHECKING:
    from ..check.cell import CellCheck
    from ..check.report import Report

MARKER = "%%tfcheck"
_MODULE = __name__
_RUNNERS: dict[int, "CellRunner"] = {}
_TOKENS = itertools.count(1)


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


def rewrite_magic_line(lines: list[str]) -> list[str]:
    """IPython cleanup transform: a ``%%tfcheck`` cell's first line becomes a marker string statement.

    A body that starts with another cell magic (``%%tfcheck`` over ``%%time``) is left to the
    magic itself, which transforms its body as a cell of its own.
    """
    if lines and lines[0].startswith(MARKER) and lines[0][len(MARKER):len(MARKER) + 1] in ("", " ", "\t", "\n"):
        if len(lines) > 1 and lines[1].lstrip().startswith("%%"):
            return lines
        return [repr(lines[0].rstrip("\r\n")) + "\n"] + lines[1:]
    return lines


def _call(token: int, function: str, *args) -> ast.Expr:
    """``__import__(<this module>, fromlist=['_']).<function>(token, *args)`` as a statement."""
    module = ast.Call(func=ast.Name("__import__", ast.Load()),
                      args=[ast.Constant(_MODULE)],
                      keywords=[ast.keyword("fromlist", ast.List([ast.Constant("_")], ast.Load()))])
    call = ast.Call(func=ast.Attribute(module, function, ast.Load()),
                    args=[ast.Constant(token), *(ast.Constant(a) for a in args)], keywords=[])
    return ast.Expr(call)


class MarkerTransformer(ast.NodeTransformer):
    """IPython AST transformer: a module that starts with the marker becomes a measured cell."""

    def __init__(self, token: int):
        self.token = token

    def visit_Module(self, node: ast.Module) -> ast.Module:  # noqa: N802 - ast's naming
        body = node.body
        first = body[0] if body else None
        if not (isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant)
                and isinstance(first.value.value, str) and first.value.value.startswith(MARKER)
                and first.lineno == 1):
            return node
        # Only the nodes made here get locations (the user's keep theirs): fixing the whole module
        # walked every node of the cell, a third of a millisecond a cell.
        begin = _located(_call(self.token, "begin", first.value.value[len(MARKER):].strip()), first)
        rest = body[1:]
        if not rest:
            node.body = [begin]
            return node
        tail = rest[-1] if isinstance(rest[-1], ast.Expr) else None
        if tail is not None:  # evaluated inside the try, displayed after it (IPython shows a last Expr)
            keep = _located(_call(self.token, "keep"), tail)
            keep.value.args.append(tail.value)
            rest[-1] = keep
        handler = _located(ast.ExceptHandler(type=ast.Name("BaseException", ast.Load()), name=None,
                                             body=[_call(self.token, "failed"), ast.Raise()]), rest[0])
        guarded = ast.copy_location(ast.Try(body=rest, handlers=[handler], orelse=[], finalbody=[]), rest[0])
        node.body = [begin, guarded]
        if tail is not None:
            node.body.append(_located(_call(self.token, "kept"), tail))
        return node


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
        runner.failed(sys.exc_info()[1], sys._getframe(1))


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
        self.transformer = MarkerTransformer(self.token)
        self._start_cell = start_cell
        self._start_auto = start_auto
        self._finish_auto = finish_auto
        self.active: list[Measurement] = []
        self.kept_values: list = []  # last-expression values between keep() and kept(): a stack for nesting
        self._auto_report = None

    # -- install / uninstall ----------------------------------------------------
    def install(self) -> None:
        """Register the transformers and the ``post_execute`` callback (first in line)."""
        _RUNNERS[self.token] = self
        self.shell.input_transformers_cleanup.append(rewrite_magic_line)
        self.shell.ast_transformers.append(self.transformer)
        # First: the inline backend renders the cell's figures in its own post_execute callback, and
        # that rendering is the notebook's, not the cell's.
        self.shell.events.callbacks["post_execute"].insert(0, self.post_execute)

    def uninstall(self) -> None:
        """Remove everything :meth:`install` added; measurements under way are cancelled."""
        _RUNNERS.pop(self.token, None)
        remove_item(self.shell.input_transformers_cleanup, rewrite_magic_line)
        remove_item(self.shell.ast_transformers, self.transformer)
        unregister_event(self.shell, "post_execute", self.post_execute)
        while self.active:
            self.active.pop().check.cancel()
        self._auto_report = None
        self.kept_values.clear()

    # -- %%tfcheck cells ----------------------------------------------------------
    def begin(self, line: str, cell_frame) -> None:
        """Start a ``%%tfcheck`` measurement for the cell running in ``cell_frame``."""
        frame = runner_frame(cell_frame)
        self.drop_auto(frame)
        started = self._start_cell(line, cell_frame)
        if started is not None:
            check, show = started
            self.active.append(Measurement(check, frame, "cell", show=show))

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
            self.active.append(Measurement(check, frame, "auto"))

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
                # Ended without failed(): the last expression may still have raised (it stays outside
                # the try so that IPython displays it). run_cell_async records the outcome there.
                result = getattr(self.shell, "last_execution_result", None)
                report = measurement.check.stop(getattr(result, "error_in_exec", None) if measurement.kind == "cell"
                                                else None)
            measurement.frame = None  # a frame holds the cell's locals
            if measurement.kind == "cell":
                measurement.show(report)
            else:
                self._auto_report = report
