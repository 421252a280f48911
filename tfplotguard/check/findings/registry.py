"""The findings registry: each rule declared once, with its id, severity, needs and thresholds.

A rule is a function ``fn(before, after, report, **thresholds)`` returning
``None``, one ``(message, fix)`` pair or a list of them; :func:`rule`
registers it and returns the callable :class:`Rule`, which turns the pairs
into :class:`~tfplotguard.check.report.Finding` objects carrying the rule's
id and severity. One rule, one id. ``needs`` names the report's measurements
the rule reads (``"ops"``, ``"thread_groups"``, …): a rule whose measurement
was not taken (None: ``--ops`` not given, no per-thread figures) is skipped.
"""

from __future__ import annotations

import dataclasses
import inspect

from ..report import Finding, sort_findings

SEVERITIES = ("warn", "info")

#: Every registered rule by id, in the order they are tried.
RULES: dict[str, "Rule"] = {}


@dataclasses.dataclass(frozen=True)
class Rule:
    """One registered rule: call it as ``rule(before, after, report)`` for its findings (a list)."""

    id: str
    severity: str
    needs: tuple
    thresholds: dict
    fn: object = dataclasses.field(repr=False)

    @property
    def summary(self) -> str:
        """The first line of the rule's docstring."""
        return (inspect.getdoc(self.fn) or "").split("\n", 1)[0]

    def measured(self, report) -> bool:
        """True when every measurement the rule needs was taken for ``report``."""
        return all(getattr(report, need, None) is not None for need in self.needs)

    def __call__(self, before, after, report, **thresholds) -> list[Finding]:
        result = self.fn(before, after, report, **{**self.thresholds, **thresholds})
        if result is None:
            return []
        pairs = [result] if isinstance(result, tuple) else list(result)
        return [Finding(self.id, message, fix, severity=self.severity) for message, fix in pairs]


def rule(*, id: str, severity: str = "warn", needs: tuple = (), thresholds: dict | None = None):
    """Register the decorated function as the rule ``id`` (see the module docstring)."""
    if severity not in SEVERITIES:
        raise ValueError(f"rule {id}: severity must be one of {SEVERITIES}, got {severity!r}")

    def register(fn) -> Rule:
        if id in RULES:
            raise ValueError(f"rule id {id!r} is registered twice")
        registered = Rule(id, severity, tuple(needs), dict(thresholds or {}), fn)
        RULES[id] = registered
        return registered

    return register


def rule_ids() -> list[str]:
    """Every rule id, in evaluation order."""
    return list(RULES)


def checked_ids(ids) -> list[str]:
    """``ids`` as a list, or ValueError naming the valid ids if one is unknown."""
    ids = [ids] if isinstance(ids, str) else list(ids)
    unknown = [rule_id for rule_id in ids if rule_id not in RULES]
    if unknown:
        raise ValueError(f"unknown finding rule id(s) {', '.join(map(repr, unknown))}; "
                         f"valid ids: {', '.join(RULES)}")
    return ids


def listing() -> list[tuple[str, str, str]]:
    """``(id, severity, summary)`` of every rule, in evaluation order."""
    return [(r.id, r.severity, r.summary) for r in RULES.values()]


def evaluate(before: dict, after: dict, report, rules=None, disabled=()) -> tuple[list[Finding], list[str]]:
    """Run every rule not in ``disabled``: ``(findings, warnings first; notes about rules that failed)``.

    ``rules`` defaults to every registered rule; a plain function in it is
    run as a rule whose id is its name.
    """
    found, notes = [], []
    for candidate in RULES.values() if rules is None else rules:
        current = candidate if isinstance(candidate, Rule) else Rule(candidate.__name__, "warn", (), {}, candidate)
        if current.id in disabled or not current.measured(report):
            continue
        try:
            found += current(before, after, report)
        except Exception as exc:  # a broken rule must not cost the user the report
            notes.append(f"rule {current.id} failed: {type(exc).__name__}: {exc}")
    return sort_findings(found), notes
