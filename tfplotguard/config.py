"""``%config TFPlotGuard.dense_limit_mb = 512``: the guard's settings as traitlets.

Loaded only by the IPython extension (traitlets comes with IPython). The
class is named ``TFPlotGuard`` because that is the name ``%config`` and
``ipython_config.py`` address (``c.TFPlotGuard.cache_limit_mb = 1024``).
"""

import warnings

from traitlets import Float, TraitError, observe, validate
from traitlets.config import Configurable

from . import guard


class TFPlotGuard(Configurable):
    """tfplotguard settings, reachable through ``%config TFPlotGuard``."""

    dense_limit_mb = Float(
        help="Largest dense array (MiB) a sparse, IndexedSlices or ragged value may become before "
        "tfplotguard refuses with TensorPlotError instead of allocating it.",
    ).tag(config=True)
    cache_limit_mb = Float(
        help="Byte bound (MiB) of the convert-once cache of host copies of immutable eager tensors.",
    ).tag(config=True)

    @validate("dense_limit_mb", "cache_limit_mb")
    def _positive(self, proposal):
        return _checked(proposal["trait"].name, proposal["value"])

    @observe("dense_limit_mb", "cache_limit_mb")
    def _apply(self, change):
        guard.configure(**{change["name"]: change["new"]})

    def __init__(self, **kwargs):
        # A refused ``%config TFPlotGuard.x = bad`` still lands in the shell's own
        # config (IPython merges into every configurable, the shell included), and
        # ``ipython_config.py`` may hold a bad value: drop those here, loudly,
        # instead of failing every later %load_ext.
        parent_config = getattr(kwargs.get("parent"), "config", None)
        section = parent_config.get(type(self).__name__) if parent_config is not None else None
        for name in ("dense_limit_mb", "cache_limit_mb"):
            if section is not None and name in section:
                try:
                    _checked(name, section[name])
                except TraitError as exc:
                    del section[name]
                    warnings.warn(f"{exc} Ignored; using {guard.settings()[name]:g}.", stacklevel=2)
        super().__init__(**kwargs)
        # The traits start as the settings in force (tfplotguard.configure may have run
        # before the load), so %config shows them and every later change is validated.
        configured = self.config.get(type(self).__name__, {})
        current = guard.settings()
        for name in ("dense_limit_mb", "cache_limit_mb"):
            if name not in configured:
                setattr(self, name, current[name])


def _checked(name, value):
    try:
        number = float(value)
    except (TypeError, ValueError):
        number = float("nan")
    if isinstance(value, bool) or not guard.is_valid_mib(number):
        raise TraitError(
            f"TFPlotGuard.{name} must be a positive number of MiB, got {value!r}; the setting was not changed."
        )
    return number

