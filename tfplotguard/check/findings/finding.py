"""A finding: one diagnosis of a cell with its fix, weighed by the time its cause explains."""

from __future__ import annotations

from dataclasses import dataclass

from ..format import format_seconds

_SEVERITY_ORDER = {"warn": 0, "info": 1}


@dataclass
class Finding:
    """One diagnosis of a cell, with a concrete fix; ``severity`` is ``"warn"`` or ``"info"``.

    ``seconds`` is the time of the cell the finding's cause explains and
    ``share`` that time over the cell's wall time (None: the cause could not be
    weighed, e.g. with ``--no-stacks``); ``line`` is the cell
    line where it happens, when known. A ``minor`` finding explains less than
    its rule's minimum share (:data:`~tfplotguard.check.findings.registry.MIN_SHARE`,
    10 %, by default) or could not be weighed: it is kept in the JSON and shown
    only with ``--all``.
    """

    rule: str
    message: str
    fix: str
    severity: str = "warn"
    seconds: float | None = None
    share: float | None = None
    line: int | None = None
    minor: bool = False

    @property
    def is_warning(self) -> bool:
        """True for a warning: severity ``warn`` and not minor."""
        return self.severity == "warn" and not self.minor

    @property
    def weight(self) -> str:
        """``"38% of the cell (1.2 s), line 4"``, or ``""`` for a finding that was not weighed."""
        if self.share is None or self.seconds is None:
            return ""
        text = f"{100 * self.share:.0f}% of the cell ({format_seconds(self.seconds)})"
        return text + (f", line {self.line}" if self.line is not None else "")

    def __str__(self) -> str:
        weight = f"[{self.weight}] " if self.weight else ""
        return f"{weight}{self.message} Fix: {self.fix}"


def sort_findings(findings: list[Finding]) -> list[Finding]:
    """Non-minor first; warnings (a cause to fix) before information (real work); then by the share each explains.

    Severity before share: "TensorFlow's pools did the work" is true of most heavy cells, and a
    memory finding's share is not a share of time; what the user can fix comes first.
    """
    return sorted(findings, key=lambda f: (f.minor, _SEVERITY_ORDER.get(f.severity, 2), -(f.share or 0.0)))
