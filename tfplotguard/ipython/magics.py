"""The ``%tfcheck`` / ``%%tfcheck`` magics: thin glue between IPython and the measuring modules.

Loaded by the extension only (``%load_ext tfplotguard``); ``install(ext)``
registers everything through the extension's owner object so that
``%unload_ext`` removes exactly what was added. Never imports TensorFlow.
"""

from __future__ import annotations

import argparse
import ast
import contextlib
import functools
import io
import json
import keyword
import linecache
import math
import sys
import types
import weakref

from IPython.core.error import UsageError
from IPython.core.magic import Magics, line_cell_magic, magics_class, no_var_expand, output_can_be_silenced
from IPython.core.magic_arguments import argument, magic_arguments, parse_argstring
from IPython.display import display

from ..check import findings
from ..check.findings import catalogue
from ..check.cpu import meter, ticker as sampler
from ..check.cell import CellCheck, first_line
from ..check.probes import Probes
from ..check import history
from ..check.report.files import checked_target, write_text
from ..check.report.model import error_text
from ..check.report.page import standalone_page
from ..check.report.trace import chrome_trace
from ..check.status import status_report
from ..core import seams
from ..core.events import unregister_event
from .cellrun import CellRunner, runner_frame
from .config import AUTO_MIN_MS, checked_min_ms

#: The stack sampler's interval while a %%tfcheck cell is young (it widens with the cell's age).
DEFAULT_STACK_INTERVAL_MS = 1.0


#: Auto mode samples a cell's stacks once it has run this long, every AUTO_STACKS_MS at first (widening with age).
AUTO_STACKS_AFTER_S = 0.1
AUTO_STACKS_MS = 5.0


def _cell_filename(shell, info) -> str | None:
    """The name IPython will compile the starting cell under (its lines are attributed), or None.

    Read at ``pre_run_cell``: IPython's compiler names a cell from its code and execution count
    (``<ipython-input-N-…>``; ipykernel: a file named by a hash of the code), and the count has
    already moved on for a cell stored in the history.
    """
    try:
        number = shell.execution_count - (1 if info.store_history else 0)
        code = info.transformed_cell if info.transformed_cell is not None else info.raw_cell
        return shell.compile.get_code_name(info.raw_cell, code, number)
    except Exception:  # another compiler, an older IPython: the cell's lines go unnamed
        return None


#: Shells whose auto mode was on when ``%reload_ext`` unloaded the extension; the load that follows turns it on again.
_AUTO_THROUGH_RELOAD: "weakref.WeakSet" = weakref.WeakSet()


def install(ext) -> "TFCheckMagics":
    """Register the magics with ``ext`` (a :class:`tfplotguard.extension.Extension`)."""
    magics = TFCheckMagics(ext.shell, ext.config)
    ext.on_unload(sampler.release)  # undone last: the parked sampler thread and the open /proc files go
    ext.register_magics(magics)
    ext.on_unload(magics.runner.uninstall)  # before the install: an interrupted install is undone too
    seams.at("load: cell runner")
    magics.runner.install()
    ext.on_unload(magics.auto.unregister)  # popped before the runner goes: auto mode's events are removed first
    ext.on_unload(functools.partial(_note_auto_for_reload, magics.auto))  # first of all: auto mode is still on
    _resume_auto_after_reload(magics.auto)
    return magics


def _reloading() -> bool:
    """Whether IPython's ``%reload_ext`` (``ExtensionManager.reload_extension``) is on the stack."""
    frame: types.FrameType | None = sys._getframe(1)
    while frame is not None:
        if frame.f_code.co_name == "reload_extension" and frame.f_code.co_filename.endswith("extensions.py"):
            return True
        frame = frame.f_back
    return False


def _note_auto_for_reload(auto: "AutoMode") -> None:
    """At unload: remember that auto mode was on, if this unload is the first half of ``%reload_ext``."""
    if auto.on and _reloading():
        _AUTO_THROUGH_RELOAD.add(auto.shell)


def _resume_auto_after_reload(auto: "AutoMode") -> None:
    """At load: auto mode on again if ``%reload_ext`` found it on, and one line that says so."""
    was_on = auto.shell in _AUTO_THROUGH_RELOAD
    _AUTO_THROUGH_RELOAD.discard(auto.shell)  # a reload that failed half-way leaves nothing for a later load
    if was_on and _reloading() and auto.register():
        print(f"tfcheck auto mode stays on after %reload_ext: {_threshold_text(auto.min_ms)} "
              "(%tfcheck off to stop)")


class AutoMode:
    """``%tfcheck on``: a compact report after a cell that is slow, has a warning, or failed.

    Every cell is measured and its report recorded (``last_report()``); the line
    is shown only for a cell that took at least :attr:`min_ms` (the
    ``TFPlotGuard.auto_min_ms`` trait, 500 ms by default), has a warning, or
    raised. ``min_ms`` 0 shows every cell.

    The cell runner (:mod:`.cellrun`) starts the measurement at ``pre_run_cell``
    and stops it at the first ``post_execute`` after the cell's own code is done,
    whatever nested cells fire; the report is shown at ``post_run_cell``. No CPU
    snapshots between, no namespace scan, and the stacks sampled only once the cell
    has run :data:`AUTO_STACKS_AFTER_S`: auto mode stays within about a millisecond
    a cell, and a slow cell still gets weighed findings.
    Its patching probes stay installed while it is on, passing calls through
    between cells (:mod:`tfplotguard.check.probes`); :meth:`unregister` puts the
    originals back.
    """

    def __init__(self, shell, runner, config=None):
        self.shell = shell
        self.runner = runner
        self.config = config
        self.on = False
        self.kept = Probes()  # kept installed, paused between cells, while auto mode is on
        self._min_ms = AUTO_MIN_MS  # without a configurable (magics made by hand): kept here

    @property
    def min_ms(self) -> float:
        """The threshold in milliseconds: faster cells without a warning show nothing."""
        return self.config.auto_min_ms if self.config is not None else self._min_ms

    @min_ms.setter
    def min_ms(self, value: float) -> None:
        if self.config is not None:
            self.config.auto_min_ms = value  # validated by the trait
        else:
            self._min_ms = checked_min_ms(value)

    def shows(self, report) -> bool:
        """Whether ``report``'s line is worth showing: slow, a warning, or a failure."""
        return (not report.ok or report.wall_s * 1000.0 >= self.min_ms
                or any(f.is_warning for f in report.findings))

    def register(self) -> bool:
        """Start measuring every cell (the line shows after the slow ones); False if it already was on."""
        if self.on:
            return False
        self.on = True
        try:  # all or nothing: an interrupt part-way leaves auto mode off, with nothing registered
            seams.at("auto: pre_run_cell")
            self.shell.events.register("pre_run_cell", self.runner.pre_run_cell)
            seams.at("auto: post_run_cell")
            self.shell.events.register("post_run_cell", self.runner.post_run_cell)
            seams.at("auto: probes")
            self.kept.install()
        except BaseException:
            self.unregister()
            raise
        return True

    def unregister(self) -> bool:
        """Stop reporting (a cell measured at this moment is abandoned cleanly); True if it was on.

        Every step runs, even after one of them was interrupted (the interrupt is raised at the end).
        """
        was_on, self.on = self.on, False
        with contextlib.ExitStack() as steps:  # closed newest first: the order below, bottom up
            steps.callback(seams.undo, "auto: release probes", self.kept.release)
            steps.callback(seams.undo, "auto: cancel", self.runner.cancel_auto)
            for name, callback in (("post_run_cell", self.runner.post_run_cell),
                                   ("pre_run_cell", self.runner.pre_run_cell)):
                steps.callback(seams.undo, f"auto: remove {name}", unregister_event, self.shell, name, callback)
        return was_on

    def start(self, info=None) -> CellCheck:
        """A cell starts: measure it (the runner calls this for outermost cells only).

        Its stacks are sampled only once it has run :data:`AUTO_STACKS_AFTER_S`: a slow cell gets
        weighed findings, a fast one pays nothing for them.
        """
        raw = getattr(info, "raw_cell", "") or ""
        return CellCheck(self.shell.user_ns, kind="auto", source=first_line(raw), interval_ms=None,
                         scan_namespace=False, disabled_rules=_disabled(self.config), thresholds=_thresholds(self.config),
                         kept=self.kept, stacks_ms=AUTO_STACKS_MS, stacks_after_s=AUTO_STACKS_AFTER_S,
                         cell_filename=_cell_filename(self.shell, info)).start()

    def finish(self, report, result=None) -> None:
        """The cell has run (also after an exception): record its report and show the compact line."""
        error = getattr(result, "error_in_exec", None) or getattr(result, "error_before_exec", None)
        if error is not None:
            report.ok = False
            report.error = error_text(error)
        history.record(report)
        if self.shows(report):
            display(report.mimebundle(compact=True), raw=True)


@magics_class
class TFCheckMagics(Magics):
    """``%tfcheck`` (status panel, ``on`` / ``off``) and ``%%tfcheck`` (measure one cell)."""

    def __init__(self, shell, config=None):
        super().__init__(shell)
        self.tfplotguard_config = config
        self.runner = CellRunner(shell, self._begin_cell, lambda info: self.auto.start(info),
                                 lambda report, result: self.auto.finish(report, result))
        self.auto = AutoMode(shell, self.runner, config)

    # -- the magic ---------------------------------------------------------------
    @magic_arguments()
    @argument("mode", nargs="?", choices=("on", "off"),
              help="line magic only: 'on' shows a one-line report after each cell that is slow (see --min-ms), "
                   "has a warning or fails; 'off' stops that.")
    @argument("--min-ms", metavar="MS", type=float, default=None,
              help=f"with 'on': show the line only after cells of at least MS milliseconds, or with a warning "
                   f"(default {AUTO_MIN_MS:g}, %%config TFPlotGuard.auto_min_ms; 0 shows every cell).")
    @argument("--json", nargs="?", const=True, default=None, metavar="FILE",
              help="print the report as JSON instead of the table; with FILE, write the JSON (the report's "
                   "to_dict()) to FILE and show the table as usual.")
    @argument("--html", metavar="FILE", default=None,
              help="also write the report as a standalone HTML page to FILE (opens in any browser).")
    @argument("--trace", metavar="FILE", default=None,
              help="cell magic only: also write the cell's timeline to FILE as Chrome trace-event JSON "
                   "(ui.perfetto.dev, chrome://tracing): CPU per thread group and the main thread's categories.")
    @argument("-o", dest="name", metavar="NAME", default=None,
              help="store the report object in the user namespace as NAME (like %%timeit -o).")
    @argument("--plot", action="store_true", help="also draw the cell's CPU-per-thread-group timeline.")
    @argument("--interval", metavar="MS", type=float, default=None,
              help=f"CPU sampling interval in milliseconds (default {meter.DEFAULT_INTERVAL_MS:g}).")
    @argument("--no-stacks", dest="stacks", action="store_false",
              help="do not sample the cell's stacks: no 'where the time went' section.")
    @argument("--stack-interval", metavar="MS", type=float, default=None,
              help=f"stack sampling interval in milliseconds while the cell is young "
                   f"(default {DEFAULT_STACK_INTERVAL_MS:g}; it widens as the cell ages).")
    @argument("--ops", action="store_true",
              help="count every eager op per device and op type during the cell (TensorFlow op callbacks); "
                   "without it only the cell's first 2,000 are counted, per op type.")
    @argument("--rules", action="store_true",
              help="line magic only: list the finding rules (id, severity, summary); "
                   "%%config TFPlotGuard.disabled_rules = [...] switches rules off by id.")
    @argument("--explain", metavar="RULE", default=None,
              help="line magic only: what the finding rule RULE detects, why it costs time, the fix, its "
                   "thresholds and their %%config names, and a slow cell with its fixed twin.")
    @argument("--quiet", action="store_true",
              help="show nothing; the report stays available (-o NAME, tfplotguard.last_report()).")
    @argument("--all", dest="all_findings", action="store_true",
              help="also show the minor findings: those explaining under 10%% of the cell or 50 ms, or not weighed "
                   "(the JSON always has them); a fast cell with nothing to fix gets its whole report, "
                   "not its one line.")
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
        one-line report after each cell that is slow (``--min-ms``, 500 ms by
        default), has a warning or fails; quicker cells show nothing, and every
        report is kept (``tfplotguard.last_report()``).

        ``--json FILE``, ``--html FILE`` and ``--trace FILE`` write files to share:
        a FILE that exists is replaced only if it is a regular file (a link is
        followed); a directory, a device or pipe, a missing or unwritable folder
        is refused before the cell runs. A write that fails after the cell ran is
        reported, and the cell's result and report are kept.

        Examples::

          In [1]: %load_ext tfplotguard

          In [2]: %tfcheck

          In [3]: %%tfcheck --ops -o rep
             ...: y = tf.matmul(x, x)

          In [4]: rep.findings

          In [5]: %%tfcheck --html report.html --trace cell.trace.json
             ...: model.fit(ds, epochs=1)

          In [6]: %tfcheck on --min-ms 200

          In [7]: %tfcheck --explain numpy_in_loop
        """
        __tracebackhide__ = True  # IPython leaves these frames out of the user's traceback
        if cell is None:
            return self._line(_checked_args(line))
        return self._cell(cell, _cell_args(line))

    def _line(self, args):
        cell_only = [flag for flag, given in (("--plot", args.plot), ("--ops", args.ops),
                                              ("--interval", args.interval is not None),
                                              ("--no-stacks", not args.stacks),
                                              ("--stack-interval", args.stack_interval is not None),
                                              ("--all", args.all_findings),
                                              ("--trace", args.trace is not None)) if given]
        if cell_only:
            raise UsageError(f"{', '.join(cell_only)} measure a cell: use them with %%tfcheck")
        if args.explain is not None:
            if args.rules or args.mode or args.min_ms is not None or args.json or args.html or args.name or args.quiet:
                raise UsageError("%tfcheck --explain RULE takes no other options")
            try:
                item = catalogue.entry(args.explain)
            except ValueError as exc:
                raise UsageError(f"--explain: {exc}") from None
            display({"text/plain": catalogue.text(item), "text/markdown": catalogue.markdown(item, site=False)},
                    raw=True)
            return None
        if args.rules:
            if args.mode or args.json or args.html or args.name or args.quiet:
                raise UsageError("%tfcheck --rules takes no other options")
            print(rules_table(_disabled(self.tfplotguard_config)))
            return None
        if args.min_ms is not None and args.mode != "on":
            raise UsageError("--min-ms sets auto mode's threshold: use it as %tfcheck on --min-ms MS")
        if args.mode == "on":
            if args.json or args.html or args.name or args.quiet:
                raise UsageError("%tfcheck on takes no options but --min-ms")
            if args.min_ms is not None:
                self.auto.min_ms = args.min_ms
            print(_auto_on_text(self.auto.min_ms) if self.auto.register()
                  else f"tfcheck auto mode is already on ({_threshold_text(self.auto.min_ms)})")
            return None
        if args.mode == "off":
            print("tfcheck auto mode off" if self.auto.unregister() else "tfcheck auto mode was not on")
            return None
        panel = status_report(auto_on=self.auto.on)
        if args.name:
            self.shell.user_ns[args.name] = panel
        _write_outputs(panel, args, "%tfcheck status")
        if not args.quiet:
            if args.json is True:
                print(json.dumps(panel.to_dict(), indent=1, default=str))
            else:
                display(panel.mimebundle(), raw=True)
        return None

    def _new_check(self, args, source: str, cell_filename: str | None) -> CellCheck:
        interval = args.interval if args.interval is not None else meter.DEFAULT_INTERVAL_MS
        stacks = (args.stack_interval if args.stack_interval is not None else DEFAULT_STACK_INTERVAL_MS) \
            if args.stacks else None
        namespace = self.shell.user_ns  # type: ignore[union-attr]  # a loaded magic has its shell
        return CellCheck(namespace, kind="cell", source=source, interval_ms=interval, ops=args.ops,
                         disabled_rules=_disabled(self.tfplotguard_config), thresholds=_thresholds(self.tfplotguard_config),
                         stacks_ms=stacks, cell_filename=cell_filename)

    def _begin_cell(self, line: str, cell_frame):
        """The cell runner's start of a ``%%tfcheck`` cell run by IPython itself: (check, show)."""
        args = _cell_args(line)
        filename = cell_frame.f_code.co_filename
        body = "".join(linecache.getlines(filename)[1:])
        check = self._new_check(args, first_line(body), filename).start()
        return check, lambda report: self._show(report, args)

    def _cell(self, cell, args):
        """``%%tfcheck`` called as a function (``run_cell_magic``): run the cell here, as ``%%time`` does.

        Cells typed by the user never come here: the cell runner hands them to IPython's own
        execution path (top-level ``await`` works only there).
        """
        __tracebackhide__ = True
        shell = self.shell
        body, tail, filename = _compile_cell(shell, cell)
        self.runner.drop_auto(runner_frame(sys._getframe()))
        check = self._new_check(args, first_line(cell), filename)
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
        except Exception as exc:  # never hide the user's own result or exception behind ours
            print(f"tfcheck: could not measure the cell ({type(exc).__name__}: {exc})")
            return
        self._show(report, args)

    def _show(self, report, args):
        try:
            report.show_minor = args.all_findings
            history.record(report)
            if args.name:
                self.shell.user_ns[args.name] = report
            if args.plot:
                report.figure = report.plot()
            _write_outputs(report, args, f"%%tfcheck: {report.source}")
            if args.quiet:
                return
            if args.json is True:
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


def _checked_args(line: str) -> argparse.Namespace:
    """Parsed and validated ``%tfcheck`` arguments (``UsageError`` on misuse)."""
    if "--stack-timer" in line.split():
        raise UsageError("--stack-timer is gone: the stack sampler is always a thread now (the signal timer ran "
                         "the cell's own SIGALRM handler on every tick). Drop the option.")
    args = _parse_args(line)
    if args.name is not None and not (args.name.isidentifier() and not keyword.iskeyword(args.name)):
        raise UsageError(f"-o needs a Python name, got {args.name!r}")
    if args.min_ms is not None and not (math.isfinite(args.min_ms) and args.min_ms >= 0):
        raise UsageError(f"--min-ms must be a number of milliseconds, 0 or more, got {args.min_ms:g}")
    for flag, value in (("--interval", args.interval), ("--stack-interval", args.stack_interval)):
        if value is not None and not (math.isfinite(value) and value > 0):
            raise UsageError(f"{flag} must be a positive number of milliseconds, got {value:g}")
    if args.stack_interval is not None and not args.stacks:
        raise UsageError("--stack-interval sets the stack sampler that --no-stacks switches off: use one of them")
    targets: dict[str, object] = {}  # flag → resolved path
    for flag, value in (("--json", args.json), ("--html", args.html), ("--trace", args.trace)):
        if isinstance(value, str):
            try:
                path = checked_target(value, flag)
            except ValueError as exc:
                raise UsageError(str(exc)) from None
            if path in targets.values():
                raise UsageError(f"{flag} {value}: another option writes the same file")
            targets[flag] = path
    return args


def _cell_args(line: str) -> argparse.Namespace:
    """``%%tfcheck``'s arguments: validated, and refused where they belong to the line magic."""
    args = _checked_args(line)
    if args.rules:
        raise UsageError("--rules lists the finding rules: use it with the line magic, %tfcheck --rules")
    if args.explain is not None:
        raise UsageError("--explain shows a finding rule's entry: use it with the line magic, %tfcheck --explain RULE")
    if args.mode is not None:
        raise UsageError(f"'{args.mode}' is for the line magic: %tfcheck {args.mode}")
    if args.min_ms is not None:
        raise UsageError("--min-ms sets auto mode's threshold: use it as %tfcheck on --min-ms MS")
    return args


def _write_outputs(report, args, title: str) -> None:
    """Write the ``--json FILE`` / ``--html FILE`` / ``--trace FILE`` outputs; a failure is said, never raised.

    The cell has run by now: its result, its report (``last_report()``) and the other files are kept,
    whatever happens to one write.
    """
    outputs = []
    if isinstance(args.json, str):
        outputs.append(("--json", args.json, lambda: json.dumps(report.to_dict(), indent=1, default=str) + "\n"))
    if args.html is not None:
        outputs.append(("--html", args.html,
                        lambda: standalone_page(report._repr_html_(), title, getattr(report, "started", None))))
    if getattr(args, "trace", None) is not None:
        outputs.append(("--trace", args.trace, lambda: json.dumps(chrome_trace(report)) + "\n"))
    for flag, path, text in outputs:
        try:
            written = write_text(path, text(), flag)
        except (OSError, ValueError) as exc:
            detail = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
            print(f"tfcheck: could not write {flag} {path}: {detail}. The cell ran; its report is "
                  "tfplotguard.last_report().", file=sys.stderr)
            continue
        if not args.quiet:
            print(f"tfcheck: wrote {flag[2:]} to {written}")


def _threshold_text(min_ms: float) -> str:
    return "a line after every cell" if min_ms == 0 else \
        f"a line after a cell of {min_ms:g} ms or more, or with a warning or an error"


def _auto_on_text(min_ms: float) -> str:
    """What ``%tfcheck on`` says: when a line will appear, and how to change it."""
    return f"tfcheck auto mode on: {_threshold_text(min_ms)} (--min-ms sets it; %tfcheck off to stop)"


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
    # A cached filename lets tracebacks show the cell's own lines, under the number of the cell
    # that is running (IPython has already counted it: execution_count is the next cell's).
    running = runner_frame(sys._getframe(1))
    number = running.f_locals.get("execution_count", shell.execution_count) if running is not None \
        else shell.execution_count
    filename = shell.compile.cache(source, number, raw_code=cell)
    body = shell.compile(tree, filename, "exec")
    return body, (shell.compile(tail, filename, "eval") if tail is not None else None), filename


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


def _thresholds(config) -> dict:
    return findings.checked_thresholds(dict(config.rule_thresholds)) if config is not None else {}
