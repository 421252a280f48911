"""Run a zoo case in a real IPython shell under ``%%tfcheck`` and judge what the findings said."""

from __future__ import annotations

from dataclasses import dataclass

from IPython.utils.capture import capture_output

from . import Case

REPORT_NAME = "_zoo_report"


@dataclass
class Verdict:
    """How the findings did on one case: was the slow cell named, and which warnings hit the twin."""

    case: Case
    slow: object  # the slow cell's Report
    twin: object  # the twin's Report
    named: bool
    share: float | None  # the named finding's share of the slow cell
    top: str | None  # the slow cell's top shown finding
    false_alarms: list  # rule ids of the warnings on the twin

    def line(self) -> str:
        """One row of the scoring table (:data:`HEADER`)."""
        share = "-" if self.share is None else f"{100 * self.share:.0f}%"
        alarms = ", ".join(self.false_alarms) or "-"
        return (f"| {self.case.family} | {self.case.id} | {self.case.rule} | {'yes' if self.named else 'NO'} "
                f"| {share} | {_ms(self.slow)} | {_ms(self.twin)} | {self.top or '-'} | {alarms} |")


#: The scoring table's header: the wall times are those of the last slow and the last twin cell.
HEADER = ("| family | case | rule | named | share | slow cell | fixed twin | top finding | warnings on the twin |\n"
          "|---|---|---|---|---|---|---|---|---|")


def _ms(report) -> str:
    return "-" if report is None else f"{1000 * report.wall_s:.0f} ms"


class CellFailed(RuntimeError):
    """A zoo cell raised: the case is broken, not the diagnosis."""


def run_cell(shell, body: str, measured: bool = True):
    """Run one cell as typed (``%%tfcheck --quiet -o _zoo_report`` first when ``measured``); its Report or None."""
    shell.user_ns.pop(REPORT_NAME, None)
    source = f"%%tfcheck --quiet -o {REPORT_NAME}\n{body}" if measured else body
    with capture_output():
        result = shell.run_cell(source, store_history=True)
    if not result.success:
        error = result.error_in_exec or result.error_before_exec
        raise CellFailed(f"{type(error).__name__}: {error}\n--- cell ---\n{body}")
    return shell.user_ns.get(REPORT_NAME) if measured else None


def run_cells(shell, case: Case, which: str):
    """Every cell of ``which`` ("slow" / "twin") in a row; the last one's Report."""
    report = None
    for body in case.cells(which):
        report = run_cell(shell, body)
    return report


def judge(case: Case, slow, twin) -> Verdict:
    """Named: ``case.rule`` is the slow cell's top shown finding, of its severity, with ≥ ``min_share``."""
    shown = slow.shown_findings()
    top = shown[0] if shown else None
    named = (top is not None and top.rule == case.rule and top.severity == case.severity and not top.minor
             and top.share is not None and top.share >= case.min_share)
    mine = next((f for f in slow.findings if f.rule == case.rule), None)
    alarms = [f.rule for f in twin.warnings()]
    return Verdict(case, slow, twin, named, None if mine is None else mine.share, None if top is None else top.rule,
                   alarms)


def run_case(shell, case: Case) -> Verdict:
    """Setup, slow cell(s), twin cell(s), teardown, in ``shell`` (the extension loaded); the verdict."""
    try:
        if case.setup:
            run_cell(shell, case.setup, measured=False)
        slow = run_cells(shell, case, "slow")
        twin = run_cells(shell, case, "twin")
    finally:
        if case.teardown:
            run_cell(shell, case.teardown, measured=False)
    return judge(case, slow, twin)
