"""``%config TFPlotGuard.dense_limit_mb = 512``: tfplotguard's settings as traitlets.

The limits are the process's (``core/settings.py`` validates and holds them);
``disabled_rules``, ``rule_thresholds`` and ``auto_min_ms`` belong to this shell: its
``%%tfcheck`` reports skip those finding rules and use those thresholds, and its auto mode (``%tfcheck on``) stays
quiet after a cell faster than ``auto_min_ms`` that has no warning.

Loaded only by the IPython extension (traitlets comes with IPython). The
class is named ``TFPlotGuard`` because that is the name ``%config`` and
``ipython_config.py`` address (``c.TFPlotGuard.cache_limit_mb = 1024``).
"""

import copy
import math
import warnings

from traitlets import Dict, Float, List, TraitError, Unicode, observe, validate
from traitlets.config import Configurable

from ..check import findings
from ..core.settings import NAMES, SETTINGS, is_valid_mib

#: Auto mode's default threshold: per-cell timers' users ask for a line only when a cell is slow.
AUTO_MIN_MS = 500.0


class TFPlotGuard(Configurable):
    """tfplotguard settings, reachable through ``%config TFPlotGuard``."""

    dense_limit_mb = Float(
        help="Largest dense array (MiB) a sparse, IndexedSlices or ragged value may become before "
        "tfplotguard refuses with TensorPlotError instead of allocating it.",
    ).tag(config=True)
    cache_limit_mb = Float(
        help="Byte bound (MiB) of the convert-once cache of host copies of immutable eager tensors.",
    ).tag(config=True)
    disabled_rules = List(
        Unicode(),
        help="Ids of finding rules that this shell's %%tfcheck reports skip (%tfcheck --rules lists them).",
    ).tag(config=True)
    rule_thresholds = Dict(
        help="Finding rules' thresholds that this shell's reports use instead of the defaults, as "
        "{'rule_id.threshold': number}, e.g. {'numpy_in_loop.many': 50}; %tfcheck --explain RULE lists a rule's "
        "thresholds.",
    ).tag(config=True)

    auto_min_ms = Float(
        AUTO_MIN_MS,
        help="Auto mode (%tfcheck on) shows its line after a cell that took at least this many milliseconds, "
        "has a warning or failed; faster cells show nothing (their reports are still kept). 0 shows every cell; "
        "%tfcheck on --min-ms N sets it too.",
    ).tag(config=True)

    @validate("auto_min_ms")
    def _threshold(self, proposal):
        return checked_min_ms(proposal["value"])

    @validate("disabled_rules")
    def _known_rules(self, proposal):
        try:
            return findings.checked_ids(proposal["value"])
        except ValueError as exc:
            raise TraitError(f"TFPlotGuard.disabled_rules: {exc}; the setting was not changed.") from None

    @validate("rule_thresholds")
    def _known_thresholds(self, proposal):
        try:
            findings.checked_thresholds(proposal["value"])
        except ValueError as exc:
            raise TraitError(f"TFPlotGuard.rule_thresholds: {exc}; the setting was not changed.") from None
        return proposal["value"]

    @validate("dense_limit_mb", "cache_limit_mb")
    def _positive(self, proposal):
        return _checked(proposal["trait"].name, proposal["value"])

    @observe("dense_limit_mb", "cache_limit_mb")
    def _apply(self, change):
        SETTINGS.configure(**{change["name"]: change["new"]})

    def __init__(self, **kwargs):
        # A refused ``%config TFPlotGuard.x = bad`` still lands in the shell's own
        # config (IPython merges into every configurable, the shell included), and
        # ``ipython_config.py`` may hold a bad value: drop those here, loudly,
        # instead of failing every later %load_ext.
        parent_config = getattr(kwargs.get("parent"), "config", None)
        section = parent_config.get(type(self).__name__) if parent_config is not None else None
        for name in NAMES:
            if section is not None and name in section:
                try:
                    _checked(name, section[name])
                except TraitError as exc:
                    del section[name]
                    warnings.warn(f"{exc} Ignored; using {SETTINGS.as_mib()[name]:g}.", stacklevel=2)
        if section is not None and "disabled_rules" in section:
            try:
                findings.checked_ids(section["disabled_rules"])
            except (TypeError, ValueError) as exc:
                del section["disabled_rules"]
                warnings.warn(f"TFPlotGuard.disabled_rules: {exc}. Ignored; no rule is disabled.", stacklevel=2)
        if section is not None and "rule_thresholds" in section:
            try:
                findings.checked_thresholds(section["rule_thresholds"])
            except ValueError as exc:
                del section["rule_thresholds"]
                warnings.warn(f"TFPlotGuard.rule_thresholds: {exc}. Ignored; the rules use their defaults.",
                              stacklevel=2)
        if section is not None and "auto_min_ms" in section:
            try:
                checked_min_ms(section["auto_min_ms"])
            except TraitError as exc:
                del section["auto_min_ms"]
                warnings.warn(f"{exc} Ignored; using {AUTO_MIN_MS:g}.", stacklevel=2)
        super().__init__(**kwargs)
        # The traits start as the settings in force (tfplotguard.configure may have run
        # before the load), so %config shows them and every later change is validated.
        configured = self.config.get(type(self).__name__, {})
        current = SETTINGS.as_mib()
        for name in NAMES:
            if name not in configured:
                setattr(self, name, current[name])
        self.changed: set[str] = set()  # the settings changed since the load (%config, %tfcheck on --min-ms)
        self.observe(lambda change: self.changed.add(change["name"]), names=list(self.trait_names(config=True)))

    def keep_in(self, config) -> None:
        """Write the settings in use into ``config`` (the shell's own), which the next load starts from.

        Called at unload: ``%reload_ext tfplotguard`` (or an unload and a load) keeps what
        ``%config``, ``%tfcheck on --min-ms`` or ``tfplotguard.configure`` set last, instead of an
        older ``%config`` value still in the shell's config. Only settings changed since the load or
        already in the shell's config are written; a value ``%config`` refused there is replaced by
        the one in use.
        """
        name = type(self).__name__
        section = config[name] if name in config else None
        names = set(self.changed) | (set(section) if section is not None else set())
        names &= set(self.trait_names(config=True))
        if not names:
            return
        if section is None:
            config[name] = section = type(config)()
        current = SETTINGS.as_mib()  # the process's limits, wherever they were set last
        for trait in sorted(names):
            value = getattr(self, trait)
            section[trait] = current[trait] if trait in NAMES else copy.deepcopy(value)


def _checked(name, value):
    try:
        number = float(value)
    except (TypeError, ValueError):
        number = float("nan")
    if isinstance(value, bool) or not is_valid_mib(number):
        raise TraitError(
            f"TFPlotGuard.{name} must be a positive number of MiB, got {value!r}; the setting was not changed."
        )
    return number



def checked_min_ms(value) -> float:
    """Auto mode's threshold as a float: a finite number of milliseconds, 0 or more (``TraitError`` if not)."""
    try:
        number = float(value)
    except (TypeError, ValueError):
        number = float("nan")
    if isinstance(value, bool) or not (math.isfinite(number) and number >= 0):
        raise TraitError(f"TFPlotGuard.auto_min_ms must be a number of milliseconds, 0 or more, got {value!r}; "
                         "the setting was not changed.")
    return number
