"""Findings: the registry (``registry``) and the rules declared in it (``rules``).

``from tfplotguard.check import findings; findings.listing()`` shows every
rule; ``evaluate`` runs them on one cell's measurements.
"""

from . import rules
from .registry import RULES, Rule, checked_ids, evaluate, listing, rule, rule_ids
from .rules import explain_retrace

__all__ = ["RULES", "Rule", "checked_ids", "evaluate", "explain_retrace", "listing", "rule", "rule_ids", "rules"]
