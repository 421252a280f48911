"""The guard layer: the table of matplotlib entry points and the wrapper that converts TensorFlow values once.

Uses ``core`` only. ``tfplotguard.guard.enable()`` and friends stay here
because scripts and the benchmarks import them from this name.
"""

from ..core.errors import TFPlotGuardWarning
from ..core.patch import ABSENT
from .entry_points import (
    DRAW_SPECS, ENTRY_POINT_SPECS, PYPLOT_STATE_METHODS, draw_targets, patch_targets, ragged_policy,
)
from .wrapper import (
    GUARD, SCRIPT, Guard, clear_cache, configure, disable, enable, is_enabled, reset_stats, settings, stats,
)

__all__ = [
    "DRAW_SPECS", "draw_targets",
    "ABSENT", "ENTRY_POINT_SPECS", "GUARD", "Guard", "PYPLOT_STATE_METHODS", "SCRIPT", "TFPlotGuardWarning",
    "clear_cache", "configure", "disable", "enable", "is_enabled", "patch_targets", "ragged_policy",
    "reset_stats", "settings", "stats",
]
