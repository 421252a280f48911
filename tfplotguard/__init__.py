"""tfplotguard: hand TensorFlow values straight to matplotlib, converted once.

``import tfplotguard`` imports neither TensorFlow nor IPython's magics
machinery: TensorFlow values are recognised through ``sys.modules`` once the
user has imported TensorFlow, whenever that is. ``tfplotguard.LivePlot`` is a
Keras callback: Keras is imported when it is first accessed (see
:mod:`tfplotguard.live`).
"""

from .core.convert import to_numpy
from .core.errors import TensorPlotError, TFPlotGuardWarning
from .guard import configure, disable, enable, is_enabled, settings, stats
from .live import live
from .live.keras import reexport_hooks as _liveplot_hooks
from .check.report import last_report, reports

__version__ = "0.1.0"

# Not "LivePlot": `from tfplotguard import *` must not import Keras (or fail without it).
__all__ = [
    "TFPlotGuardWarning",
    "TensorPlotError",
    "configure",
    "disable",
    "enable",
    "is_enabled",
    "last_report",
    "live",
    "load_ipython_extension",
    "reports",
    "settings",
    "stats",
    "to_numpy",
    "unload_ipython_extension",
]


# ``LivePlot`` is defined on first access (which imports Keras), then an ordinary attribute.
__getattr__, __dir__ = _liveplot_hooks(__name__, globals())


def load_ipython_extension(ipython):
    """Load the extension into an IPython shell (``%load_ext tfplotguard``)."""
    from .ipython.extension import load

    load(ipython)


def unload_ipython_extension(ipython):
    """Undo exactly what :func:`load_ipython_extension` did (``%unload_ext tfplotguard``)."""
    from .ipython.extension import unload

    unload(ipython)
