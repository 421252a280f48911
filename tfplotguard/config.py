"""``%config TFPlotGuard.dense_limit_mb = 512``: the guard's settings as traitlets.

Loaded only by the IPython extension (traitlets comes with IPython). The
class is named ``TFPlotGuard`` because that is the name ``%config`` and
``ipython_config.py`` address (``c.TFPlotGuard.cache_limit_mb = 1024``).
"""

from traitlets import Float, TraitError, default, observe, validate
from traitlets.config import Configurable

from . import guard


class TFPlotGuardConfig(Configurable):
    """tfplotguard settings, reachable through ``%config TFPlotGuard``."""

    dense_limit_mb = Float(
        help="Largest dense array (MiB) a sparse, IndexedSlices or ragged value may become before "
        "tfplotguard refuses with TensorPlotError instead of allocating it.",
    ).tag(config=True)
    cache_limit_mb = Float(
        help="Byte bound (MiB) of the convert-once cache of host copies of immutable eager tensors.",
    ).tag(config=True)

    @classmethod
    def section_names(cls):
        return ["TFPlotGuard"]

    @default("dense_limit_mb")
    def _default_dense_limit(self):
        return guard.settings()["dense_limit_mb"]

    @default("cache_limit_mb")
    def _default_cache_limit(self):
        return guard.settings()["cache_limit_mb"]

    @validate("dense_limit_mb", "cache_limit_mb")
    def _positive(self, proposal):
        value = proposal["value"]
        if not 0 < value < float("inf"):
            raise TraitError(
                f"TFPlotGuard.{proposal['trait'].name} must be a positive number of MiB, got {value!r}; "
                "the setting was not changed."
            )
        return value

    @observe("dense_limit_mb", "cache_limit_mb")
    def _apply(self, change):
        guard.configure(**{change["name"]: change["new"]})
