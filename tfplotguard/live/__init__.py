"""Watch training as it runs: ``LivePlot`` (a Keras callback) and ``live()`` (for custom loops).

What they do, and why (the measured facts are in ``tests/test_live.py``):

- **One output, updated in place.** In a notebook the first frame is shown with
  ``display(..., display_id=True)`` and every later frame replaces it through the
  handle: no ``plt.ion()``, no ``clear_output`` flicker, no new figure per
  update. The last frame stays in the notebook as a static PNG. In terminal
  IPython and scripts the frames go to a PNG file instead (``liveplot.png``).
- **Throttled by time.** A redraw happens only when new values arrived, at most
  every ``min_interval`` seconds (default 0.5 s: 2 redraws per second, the first
  0.5 s after the start), and only while drawing — the final frame included —
  stays within ``max_share`` (default 3 %) of the time since training started,
  so a slow figure is drawn less often instead of slowing training. The
  throttle's clock is injectable (``clock=``).
- **Values, never tensors.** Each logged value is turned into a Python float once,
  when it is logged (Keras 3 hands callbacks floats already: its ``CallbackList``
  converts the logs before any callback sees them). Images are converted once
  through :func:`tfplotguard.to_numpy` and tiled into one array.
- **Main thread only.** matplotlib is used through an object-oriented Agg
  ``Figure`` (never pyplot) and only on the main thread. Values logged from
  another thread (a ``model.fit`` in a worker thread, Keras 3's asynchronous
  batch callbacks on the JAX / torch backends) are queued and drawn at the next
  main-thread call, or by ``show()``.
- **A final figure, however training ends.** The final frame is drawn at
  ``on_train_end``; Keras does not call that when ``fit`` raises (or is
  interrupted), so the run is also closed by whichever comes first of: the
  ``with`` block's exit, IPython's ``post_run_cell`` event (it fires after a cell
  that raised, ``KeyboardInterrupt`` included), or interpreter exit (``atexit``)
  in a script. The final frame's title says how training ended.

- **A copy is a fresh callback with the same settings.** ``copy.copy``,
  ``copy.deepcopy`` and ``pickle`` of a ``LivePlot`` (keras-tuner deep-copies
  every callback before each trial) give one with an empty history, its own
  lock, figure and output, and no model (Keras sets it at the next ``fit``);
  the settings (metrics, throttle, output, path, figure size, clock, images
  callable, ...) are carried over.

``LivePlot`` is one real subclass of the Keras ``Callback`` class, defined the
first time ``tfplotguard.LivePlot`` (or ``tfplotguard.live.LivePlot``) is
accessed: a module-level ``__getattr__`` (PEP 562) in ``keras`` imports Keras
then, builds the class from the Keras-independent body ``_LivePlotBody`` and
stores it in the module, so every later access returns the same class object.
So ``import tfplotguard`` never imports Keras or TensorFlow;
``from tfplotguard import LivePlot`` imports Keras (it is a Keras callback);
``isinstance(lp, keras.callbacks.Callback)`` is true, as a real subclass must be
for Keras to treat it as a callback (Keras 3's ``CallbackList`` calls every hook
and ``set_model`` / ``set_params`` on it, and inherits their no-op defaults only
from ``Callback``); and pickle finds the class by its name,
``tfplotguard.live.keras.LivePlot``. The Keras is chosen at that first access:
``tf_keras`` when ``TF_USE_LEGACY_KERAS=1`` (as ``tf.keras`` is then), else Keras 3.

``plot_seconds()`` and ``counters()`` account for all time spent in these hooks
(bookkeeping, drawing, encoding, publishing), process-wide, for ``%%tfcheck``.

Modules: ``throttle`` (when to redraw, time accounting, series), ``log``
(``live()`` / ``LiveLog``), ``keras`` (``LivePlot``), ``display`` (the figure
and where its frames go). Uses ``core`` only.
"""

from .keras import reexport_hooks as _liveplot_hooks
from .log import LiveLog, live
from .throttle import Throttle, counters, plot_seconds

# Not "LivePlot": `from tfplotguard.live import *` must not import Keras (or fail without it).
__all__ = ["LiveLog", "Throttle", "counters", "live", "plot_seconds"]


# ``LivePlot`` is defined on first access (which imports Keras), then an ordinary attribute.
__getattr__, __dir__ = _liveplot_hooks(__name__, globals())
