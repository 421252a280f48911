"""The findings registry: each rule declared once, with its id, severity, needs and thresholds.

A rule is a function ``fn(report, **thresholds)`` returning
``None``, one :class:`Found` or a list of them; :func:`rule` registers it and
returns the callable :class:`Rule`, which turns them into
:class:`~tfplotguard.check.report.Finding` objects carrying the rule's id and
severity. One rule, one id. ``needs`` names the report's measurements the rule
reads (``"ops"``, ``"thread_groups"``, …, each one of
:data:`~tfplotguard.check.summaries.MEASUREMENTS`, checked when the rule is
registered): a rule whose measurement was not taken (None: ``--ops`` not given,
no per-thread figures) is skipped.

**Weight.** A :class:`Found` says how many seconds of the cell its cause
explains (from the stack attribution, :mod:`.weight`, or a time measured
directly, such as the seconds ``.numpy()`` took) and on which cell line. The
registry turns that into the finding's ``share`` of the cell. A finding that
explains less than its rule's ``min_share`` (:data:`MIN_SHARE`, 10 %, unless
the rule says otherwise), or less than :data:`MIN_SECONDS` (50 ms), or whose
cause could not be weighed (``seconds`` None), is ``minor``: kept in the report's JSON, shown only with ``--all``, never
a warning. Users learn to ignore a tool that is loud about what cost nothing.
"""

from __future__ import annotations

import dataclasses
import inspect
import math
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING

from ..summaries import MEASUREMENTS
from .finding import Finding, sort_findings

if TYPE_CHECKING:
    from ..report.model import Report

SEVERITIES = ("warn", "info")
#: A finding explaining less than this share of its cell is minor (shown with ``--all`` only).
MIN_SHARE = 0.10
#: Nor is a finding that explains less time than this, whatever its share: 84 % of a 6 ms cell
#: (the tf.function guide's demonstration cells) is nothing a user waits for.
MIN_SECONDS = 0.05


@dataclasses.dataclass(frozen=True)
class Found:
    """What a rule found: the message, the fix, the seconds its cause explains and the cell line.

    ``share`` is for a cause whose cost is not time (host memory growing cell
    after cell): its weight given directly, 0..1, with the rule saying of what.
    """

    message: str
    fix: str
    seconds: float | None = None
    line: int | None = None
    share: float | None = None

#: What a rule returns: nothing found, one :class:`Found`, a plain ``(message, fix)`` pair (not weighed), or a list.
RuleResult = Found | tuple[str, str] | Sequence[Found | tuple[str, str]] | None
#: A rule: ``fn(report, **thresholds)``.
RuleFunction = Callable[..., RuleResult]
#: A threshold's value: a count, a size or a time.
Threshold = float

#: Every registered rule by id, in the order they are tried.
RULES: dict[str, Rule] = {}


@dataclasses.dataclass(frozen=True)
class Rule:
    """One registered rule: call it as ``rule(report)`` for its findings (a list)."""

    id: str
    severity: str
    needs: tuple[str, ...]
    thresholds: dict[str, Threshold]
    fn: RuleFunction = dataclasses.field(repr=False)
    min_share: float = MIN_SHARE
    min_seconds: float = MIN_SECONDS
    #: Run after every other rule, with ``report.findings`` holding theirs (the fallback reads them).
    fallback: bool = False

    @property
    def summary(self) -> str:
        """The first line of the rule's docstring."""
        return (inspect.getdoc(self.fn) or "").split("\n", 1)[0]

    def measured(self, report: Report) -> bool:
        """True when every measurement the rule needs was taken for ``report``."""
        return all(getattr(report, need, None) is not None for need in self.needs)

    def __call__(self, report: Report, **thresholds: Threshold) -> list[Finding]:
        result = self.fn(report, **{**self.thresholds, **thresholds})
        if result is None:
            return []
        found = [result] if isinstance(result, (Found, tuple)) else list(result)
        return [self._finding(item, report) for item in found]

    def _finding(self, item: Found | tuple[str, str], report: Report) -> Finding:
        if not isinstance(item, Found):  # a plain (message, fix) pair: not weighed
            item = Found(*item)
        wall = getattr(report, "wall_s", 0.0) or 0.0
        seconds = None if item.seconds is None else max(0.0, float(item.seconds))
        share = None if seconds is None or wall <= 0 else min(1.0, seconds / wall)
        if item.share is not None:
            share = min(1.0, max(0.0, float(item.share)))
        minor = share is None or share < self.min_share
        if item.share is None and seconds is not None and seconds < self.min_seconds:
            minor = True  # a large share of a cell nobody waits for: not worth a warning
        return Finding(self.id, item.message, item.fix, severity=self.severity, seconds=seconds, share=share,
                       line=item.line, minor=minor)


def rule(*, id: str, severity: str = "warn", needs: tuple[str, ...] = (),
         thresholds: Mapping[str, Threshold] | None = None,
         min_share: float = MIN_SHARE, fallback: bool = False) -> Callable[[RuleFunction], Rule]:
    """Register the decorated function as the rule ``id`` (see the module docstring)."""
    if severity not in SEVERITIES:
        raise ValueError(f"rule {id}: severity must be one of {SEVERITIES}, got {severity!r}")
    if not 0.0 <= min_share <= 1.0:
        raise ValueError(f"rule {id}: min_share must be within 0..1, got {min_share!r}")
    unknown = [need for need in needs if need not in MEASUREMENTS]
    if unknown:
        raise ValueError(f"rule {id}: needs {', '.join(map(repr, unknown))}, which the report does not measure; "
                         f"valid: {', '.join(MEASUREMENTS)}")

    def register(fn: RuleFunction) -> Rule:
        if id in RULES:
            raise ValueError(f"rule id {id!r} is registered twice")
        registered = Rule(id, severity, tuple(needs), dict(thresholds or {}), fn, min_share, fallback=fallback)
        RULES[id] = registered
        return registered

    return register


def rule_ids() -> list[str]:
    """Every rule id, in evaluation order."""
    return list(RULES)


def checked_ids(ids: str | Iterable[str]) -> list[str]:
    """``ids`` as a list, or ValueError naming the valid ids if one is unknown."""
    ids = [ids] if isinstance(ids, str) else list(ids)
    unknown = [rule_id for rule_id in ids if rule_id not in RULES]
    if unknown:
        raise ValueError(f"unknown finding rule id(s) {', '.join(map(repr, unknown))}; "
                         f"valid ids: {', '.join(RULES)}")
    return ids


def checked_thresholds(settings: object) -> dict[str, dict[str, Threshold]]:
    """``{"rule_id.name": value}`` as ``{rule_id: {name: value}}``, or ValueError naming the valid names.

    A value must be a finite number, 0 or more; it replaces the registered
    default of that threshold (``%config TFPlotGuard.rule_thresholds``).
    """
    if not isinstance(settings, dict):
        raise ValueError(f"rule thresholds must be a dict of 'rule_id.threshold': number, got {settings!r}")
    checked: dict[str, dict[str, Threshold]] = {}
    for key, value in settings.items():
        rule_id, _, name = str(key).partition(".")
        if rule_id not in RULES:
            raise ValueError(f"unknown finding rule id {rule_id!r} in {key!r}; valid ids: {', '.join(RULES)}")
        known = RULES[rule_id].thresholds
        if name not in known:
            valid = ", ".join(f"{rule_id}.{n}" for n in known) or "none: this rule has no thresholds"
            raise ValueError(f"rule {rule_id} has no threshold {name!r}; its thresholds: {valid}")
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) or value < 0:
            raise ValueError(f"{key} must be a number, 0 or more, got {value!r}")
        checked.setdefault(rule_id, {})[name] = value
    return checked


def listing() -> list[tuple[str, str, str]]:
    """``(id, severity, summary)`` of every rule, in evaluation order."""
    return [(r.id, r.severity, r.summary) for r in RULES.values()]


def evaluate(report: Report, rules: Iterable[Rule | RuleFunction] | None = None, disabled: Collection[str] = (),
             thresholds: Mapping[str, Mapping[str, Threshold]] | None = None) -> tuple[list[Finding], list[str]]:
    """Run every rule not in ``disabled``: ``(findings, warnings first; notes about rules that failed)``.

    ``rules`` defaults to every registered rule; a plain function in it is
    run as a rule whose id is its name. ``thresholds`` (``{rule_id: {name:
    value}}``, see :func:`checked_thresholds`) replaces rules' defaults.
    """
    thresholds = thresholds or {}
    found: list[Finding] = []
    notes: list[str] = []
    candidates = [c if isinstance(c, Rule) else Rule(c.__name__, "warn", (), {}, c)
                  for c in (RULES.values() if rules is None else rules)]
    # The fallbacks last, reading the others' findings from the report (they are its findings anyway).
    for current in [c for c in candidates if not c.fallback] + [c for c in candidates if c.fallback]:
        if current.id in disabled or not current.measured(report):
            continue
        if current.fallback:
            report.findings = list(found)
        try:
            found += current(report, **thresholds.get(current.id, {}))
        except Exception as exc:  # a broken rule must not cost the user the report
            notes.append(f"rule {current.id} failed: {type(exc).__name__}: {exc}")
    return sort_findings(found), notes
