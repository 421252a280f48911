"""Findings: the registry (``registry``), how a cause is weighed (``weight``), and the rules.

``from tfplotguard.check import findings; findings.listing()`` shows every
rule; ``evaluate`` runs them on one cell's measurements. The rules live in one
module per domain: ``rules_tf`` (TensorFlow itself), ``rules_data`` (tf.data
and Keras), ``rules_host`` (Python and host copies), ``rules_mpl`` (matplotlib and host memory),
``rules_idioms`` (constructs of known cost read from a busy line), ``rules_general`` (the fallback).

Each rule is declared once with :func:`~.registry.rule` (id, severity, the
measurements it needs, its thresholds) and returns ``None`` or a
:class:`~.registry.Found` (message, fix, the seconds its cause explains, the
cell line). ``after`` is the
state after the cell (``{"tf": ..., "mpl": ..., "guard": ..., "live": ...}``);
``before`` holds only the counters and whether TensorFlow was imported
(:func:`~tfplotguard.check.cell.opening_state`: a rule that needs more from
before the cell must add it there), and ``report`` is the :class:`~tfplotguard.check.report.Report` with everything
measured during it. Rules are pure: they read data, never TensorFlow itself,
so each one is tested with a real cell that triggers it and one that does not
(and, where this machine cannot produce the data, with constructed data).

Every rule rests on behaviour a test reproduces on TensorFlow 2.21 (CPU),
not on lore: for instance ``.numpy()`` on a CPU tensor is a full copy while
``np.asarray`` is a read-only view (200 MB: 510 ms vs 0.65 ms), and matplotlib's
interactive mode costs the time of the redraws and pauses it causes, nothing
more (the Agg backend redraws only on ``plt.pause`` / ``plt.draw``).
"""

from . import rules_tf, rules_switches, rules_data, rules_host, rules_mpl, rules_idioms, rules_general  # noqa: I001 (the order rules are tried in)
from .registry import (MIN_SHARE, RULES, Found, Rule, checked_ids, checked_thresholds, evaluate, listing, rule,
                       rule_ids)
from .rules_tf import explain_retrace

__all__ = ["MIN_SHARE", "RULES", "Found", "Rule", "checked_ids", "checked_thresholds", "evaluate", "explain_retrace",
           "listing", "rule", "rule_ids", "rules_data", "rules_general", "rules_host", "rules_idioms", "rules_mpl",
           "rules_switches", "rules_tf"]
