"""The ``%tfcheck`` / ``%%tfcheck`` magics: thin glue between IPython and the measuring modules.

Loaded by the extension only (``%load_ext tfplotguard``); ``install(ext)``
registers everything through the extension's owner object so that
``%unload_ext`` removes exactly what was added. Never imports TensorFlow.
"""

from __future__ import annotations

import argparse
import ast
import functools
import io
import json
import keyword
import math

from IPython.core.error import UsageError
from IPython.core.magic import Magics, line_cell_magic, magics_class, no_var_expand, output_can_be_silenced
from IPython.core.magic_arguments import argument, magic_arguments, parse_argstring
from IPython.display import display

from ..check import findings, meter, sampler
from ..check.cell import CellCheck, first_line
from ..check.report import history
from ..check.report.model import error_text
from ..check.report.status import status_report
from ..core.events import unregister_event


def install(ext) -> "TFCheckMagics":
    """Register the magics with ``ext`` (a :class:`tfplotguard.extension.Extension`)."""
    magics = TFCheckMagics(ext.shell, ext.config)
    ext.on_unload(sampler.release)  # undone last: the parked sampler thread and the open /proc files go
    ext.register_magics(magics)
    ext.on_unload(magics.auto.unregister)  # popped before the magics go: auto mode's events are removed first
    return magics


class AutoMode:
    """``%tfcheck on``: one compact report after every cell, through pre/post run-cell events.

    A nested ``run_cell`` inside a cell fires a second pre/post pair, so a
    depth counter makes only the outermost pair measure. No sampler thread and
    no namespace scan: auto mode has to stay within about a millisecond a cell.

    The measurement ends at ``post_execute``, through a callback put *first*
    in that list: the inline backend renders the cell's figures in its own
    ``post_execute`` callback, and that rendering is the notebook's, not the
    cell's (counting it made every plotting cell look like an interactive-mode
    redraw problem).
    """

    def __init__(self, shell, config=None):
        self.shell = shell
        self.config = config
        self.on = False
        self.depth = 0
        self.check: CellCheck | None = None
        self.report = None  # measured at post_execute, shown at post_run_cell
        self.full_report_shown = False  # a %%tfcheck inside the cell already showed its report

    def register(self) -> bool:
        """Start reporting after every cell; False if it already was on."""
        if self.on:
            return False
        self.shell.events.register("pre_run_cell", self.pre_run_cell)
        self.shell.events.register("post_run_cell", self.post_run_cell)
        self.shell.events.callbacks["post_execute"].insert(0, self.post_execute)
        self.on = True
        return True

    def unregister(self) -> bool:
        """Stop reporting (a cell measured at this moment is abandoned cleanly); True if it was on."""
        was_on, self.on = self.on, False
        for name, callback in (("pre_run_cell", self.pre_run_cell), ("post_run_cell", self.post_run_cell),
                               ("post_execute", self.post_execute)):
            unregister_event(self.shell, name, callback)
        check, self.check = self.check, None
        self.depth = 0
        self.report = None
        if check is not None:
            check.cancel()
        return was_on

    def pre_run_cell(self, info=None):
        """IPython event: a cell is about to run."""
        self.depth += 1
        if self.depth == 1:
            self.full_report_shown = False
            raw = getattr(info, "raw_cell", "") or ""
            self.check = CellCheck(self.shell.user_ns, kind="auto", source=first_line(raw),
                                   interval_ms=None, scan_namespace=False,
                                   disabled_rules=_disabled(self.config)).start()

    def post_execute(self):
        """IPython event, first in line: the outermost cell's code is done; stop measuring."""
        if self.depth == 1 and self.check is not None:
            check, self.check = self.check, None
            self.report = check.stop(None)

    def post_run_cell(self, result=None):
        """IPython event: a cell has run (also after an exception)."""
        if self.depth == 0:  # the cell that turned auto mode on
            return
        self.depth -= 1
        if self.depth:
            return
        error = getattr(result, "error_in_exec", None) or getattr(result, "error_before_exec", None)
        check, self.check = self.check, None
        report, self.report = self.report, None
        if check is not None:  # post_execute did not run (silent cells skip it)
            report = check.stop(error)
        elif report is None:
            return
        elif error is not None:
            report.ok = False
            report.error = error_text(error)
        history.record(report)
        if not self.full_report_shown:
            display(report.mimebundle(compact=True), raw=True)


@magics_class
class TFCheckMagics(Magics):
    """``%tfcheck`` (status panel, ``on`` / ``off``) and ``%%tfcheck`` (measure one cell)."""

    def __init__(self, shell, config=None):
        super().__init__(shell)
        self.tfplotguard_config = config
        self.auto = AutoMode(shell, config)

    # -- the magic ---------------------------------------------------------------
    @magic_arguments()
    @argument("mode", nargs="?", choices=("on", "off"),
              help="line magic only: 'on' shows a one-line report after every cell, 'off' stops that.")
    @argument("--json", action="store_true", help="print the report as JSON instead of the table.")
    @argument("-o", dest="name", metavar="NAME", default=None,
              help="store the report object in the user namespace as NAME (like %%timeit -o).")
    @argument("--plot", action="store_true", help="also draw the cell's CPU-per-thread-group timeline.")
    @argument("--interval", metavar="MS", type=float, default=None,
              help=f"CPU sampling interval in milliseconds (default {meter.DEFAULT_INTERVAL_MS:g}).")
    @argument("--ops", action="store_true",
              help="count eager ops per device and op type during the cell (TensorFlow op callbacks).")
    @argument("--rules", action="store_true",
              help="line magic only: list the finding rules (id, severity, summary); "
                   "%%config TFPlotGuard.disabled_rules = [...] switches rules off by id.")
    @argument("--quiet", action="store_true",
              help="show nothing; the report stays available (-o NAME, tfplotguard.last_report()).")
    @no_var_expand
    @output_can_be_silenced
    @line_cell_magic
    def tfcheck(self, line="", cell=None):
        """Explain what TensorFlow is doing and what a cell costs.

        ``%tfcheck`` shows TensorFlow's state (never importing it), matplotlib's
        and tfplotguard's. ``%%tfcheck`` runs the cell exactly as IPython would
        and reports wall and CPU time, CPU per thread group, memory, tensor
        conversions, ``.numpy()`` calls, ``tf.function`` traces, new tensors,
        and findings, each with a fix. ``%tfcheck on`` / ``off`` toggles a
        one-line report after every cell.

        Examples::

          In [1]: %load_ext tfplotguard

          In [2]: %tfcheck

          In [3]: %%tfcheck --ops -o rep
             ...: y = tf.matmul(x, x)

          In [4]: rep.findings

          In [5]: %tfcheck on
        """
        __tracebackhide__ = True  # IPython leaves these frames out of the user's traceback
        args = _parse_args(line)
        if args.name is not None and not (args.name.isidentifier() and not keyword.iskeyword(args.name)):
            raise UsageError(f"-o needs a Python name, got {args.name!r}")
        if args.interval is not None and not (math.isfinite(args.interval) and args.interval > 0):
            raise UsageError(f"--interval must be a positive number of milliseconds, got {args.interval:g}")
        if cell is None:
            return self._line(args)
        if args.rules:
            raise UsageError("--rules lists the finding rules: use it with the line magic, %tfcheck --rules")
        if args.mode is not None:
            raise UsageError(f"'{args.mode}' is for the line magic: %tfcheck {args.mode}")
        return self._cell(cell, args)

    def _line(self, args):
        cell_only = [flag for flag, given in (("--plot", args.plot), ("--ops", args.ops),
                                              ("--interval", args.interval is not None)) if given]
        if cell_only:
            raise UsageError(f"{', '.join(cell_only)} measure a cell: use them with %%tfcheck")
        if args.rules:
            if args.mode or args.json or args.name or args.quiet:
                raise UsageError("%tfcheck --rules takes no other options")
            print(rules_table(_disabled(self.tfplotguard_config)))
            return None
        if args.mode == "on":
            if args.json or args.name or args.quiet:
                raise UsageError("%tfcheck on takes no options")
            print("tfcheck auto mode on: a one-line report after every cell (%tfcheck off to stop)"
                  if self.auto.register() else "tfcheck auto mode is already on")
            return None
        if args.mode == "off":
            print("tfcheck auto mode off" if self.auto.unregister() else "tfcheck auto mode was not on")
            return None
        panel = status_report(auto_on=self.auto.on)
        if args.name:
            self.shell.user_ns[args.name] = panel
        if not args.quiet:
            if args.json:
                print(json.dumps(panel.to_dict(), indent=1, default=str))
            else:
                display(panel.mimebundle(), raw=True)
        return None

    def _cell(self, cell, args):
        __tracebackhide__ = True
        shell = self.shell
        body, tail = _compile_cell(shell, cell)
        interval = args.interval if args.interval is not None else meter.DEFAULT_INTERVAL_MS
        check = CellCheck(shell.user_ns, kind="cell", source=first_line(cell), interval_ms=interval, ops=args.ops,
                          disabled_rules=_disabled(self.tfplotguard_config))
        self.auto.full_report_shown = True
        error = None
        check.start()
        try:
            exec(body, shell.user_ns)
            return eval(tail, shell.user_ns) if tail is not None else None
        except BaseException as exc:
            error = exc
            raise  # the user's exception, unchanged, after the report below
        finally:
            self._finish(check, error, args)

    def _finish(self, check: CellCheck, error, args):
        try:
            report = check.stop(error)
            history.record(report)
            if args.name:
                self.shell.user_ns[args.name] = report
            if args.plot:
                report.figure = report.plot()
            if args.quiet:
                return
            if args.json:
                print(report.to_json())
            else:
                display(report.mimebundle(), raw=True)
            if report.figure is not None:
                display(_png_bundle(report.figure), raw=True)
        except Exception as exc:  # never hide the user's own result or exception behind ours
            print(f"tfcheck: could not show the report ({type(exc).__name__}: {exc})")


@functools.lru_cache(maxsize=64)
def _parsed(line: str) -> argparse.Namespace:
    # Keyed on the line alone, with the class's function: a bound method in the key would keep an
    # unloaded Magics object (and its shell) alive in the cache.
    return parse_argstring(TFCheckMagics.tfcheck, line)


def _parse_args(line: str) -> argparse.Namespace:
    """``%tfcheck``'s arguments, parsed once per distinct line (argparse costs tens of µs a cell); a fresh copy."""
    return argparse.Namespace(**vars(_parsed(line)))


def _compile_cell(shell, cell):
    """Compile a cell the way ``%%time`` does: body, plus the last expression to display."""
    source = shell.transform_cell(cell)
    tree = shell.transform_ast(shell.compile.ast_parse(source))
    tail = None
    if tree.body and isinstance(tree.body[-1], ast.Expr):
        tail = ast.Expression(tree.body.pop().value)
    # A cached filename lets tracebacks show the cell's own lines.
    filename = shell.compile.cache(source, shell.execution_count, raw_code=cell)
    body = shell.compile(tree, filename, "exec")
    return body, (shell.compile(tail, filename, "eval") if tail is not None else None)


def _png_bundle(fig) -> dict:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=100)
    return {"image/png": buf.getvalue(), "text/plain": "<tfcheck CPU timeline figure>"}


def rules_table(disabled=()) -> str:
    """The finding rules as aligned text: id, severity, one-line summary (disabled ones marked)."""
    rows = [(rule_id + (" (disabled)" if rule_id in disabled else ""), severity, summary)
            for rule_id, severity, summary in findings.listing()]
    width = max(len(row[0]) for row in rows)
    return "\n".join(f"{rule_id:<{width}}  {severity:<4}  {summary}" for rule_id, severity, summary in rows)


def _disabled(config) -> frozenset:
    return frozenset(config.disabled_rules) if config is not None else frozenset()
