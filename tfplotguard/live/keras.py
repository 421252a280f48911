"""``LivePlot``: the Keras callback, an adapter that feeds a ``LiveLog`` from Keras' hooks.

``LivePlot`` is one real subclass of the Keras ``Callback``, defined by this
module's ``__getattr__`` when it is first accessed, not when this module is
imported (see :mod:`tfplotguard.live`).
"""

from __future__ import annotations

import importlib
import math
import os
import sys
import threading
import warnings

from ..core.errors import TFPlotGuardWarning
from . import display
from .log import LiveLog
from .throttle import accounted, on_main_thread, scalar


_DEFINE_LOCK = threading.Lock()


def _callback_base() -> type:
    """The Keras ``Callback`` to subclass: tf_keras's when ``TF_USE_LEGACY_KERAS=1``, else Keras 3's."""
    if os.environ.get("TF_USE_LEGACY_KERAS", "").lower() in ("1", "true", "yes"):
        try:
            return importlib.import_module("tf_keras").callbacks.Callback
        except ImportError:
            pass
    try:
        return importlib.import_module("keras").callbacks.Callback
    except ImportError as exc:
        raise ImportError(
            "tfplotguard.LivePlot is a Keras callback and needs Keras (pip install keras, or tensorflow). "
            "For a custom training loop use tfplotguard.live() instead."
        ) from exc


def __getattr__(name: str):
    """``LivePlot``: defined (and Keras imported) on first access, then an ordinary module attribute."""
    if name != "LivePlot":
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    with _DEFINE_LOCK:
        made = globals().get("LivePlot")
        if made is None:
            made = type("LivePlot", (_LivePlotBody, _callback_base()),
                        {"__module__": __name__, "__qualname__": "LivePlot", "__doc__": _LivePlotBody.__doc__})
            globals()["LivePlot"] = made  # from now on found without __getattr__: one class object
        return made


def __dir__():
    return sorted({*globals(), "LivePlot"} if _liveplot_is_cheap() else globals())


def reexport_hooks(module_name: str, module_globals: dict):
    """``__getattr__`` and ``__dir__`` for a package that re-exports ``LivePlot`` without importing Keras early."""

    def getattr_(name):
        if name == "LivePlot":
            made = __getattr__("LivePlot")
            module_globals["LivePlot"] = made  # found without __getattr__ from now on
            return made
        raise AttributeError(f"module {module_name!r} has no attribute {name!r}")

    def dir_():
        return sorted({*module_globals, "LivePlot"} if _liveplot_is_cheap() else module_globals)

    return getattr_, dir_


def _liveplot_is_cheap() -> bool:
    """True when ``LivePlot`` exists or Keras is imported already, so accessing it imports nothing."""
    # dir() drives tab completion, which may look names up: listing LivePlot before Keras is
    # imported would let a <TAB> import TensorFlow (seconds), or fail without Keras.
    return "LivePlot" in globals() or "keras" in sys.modules or "tf_keras" in sys.modules


class _LivePlotBody:
    """Keras callback: the logged metrics (train and validation paired) as one live, throttled notebook plot.

    ``LivePlot()`` draws every logged metric; ``LivePlot(["loss", "accuracy"])``
    only those (``val_`` partners included). ``images=fn`` adds an image panel:
    ``fn(model)`` returns an image or a batch (a tensor is fine) and is called at
    most once per epoch, only when a frame is about to be drawn. ``batches=True``
    also draws the running per-batch values within each epoch (faint line).
    Other options are those of :func:`live`. Use it as a callback, optionally in
    a ``with`` block (which guarantees the final frame in any program):

    In [1]: model.fit(x, y, epochs=20, validation_split=0.2, callbacks=[tfplotguard.LivePlot()])

    In [2]: with tfplotguard.LivePlot(path="runs/curve.png") as lp:
       ...:     model.fit(x, y, epochs=20, callbacks=[lp])

    ``copy.copy``, ``copy.deepcopy`` and ``pickle`` give a fresh ``LivePlot``
    with the same settings: an empty history and its own output (keras-tuner
    deep-copies callbacks before each trial). A subclass that adds state of its
    own extends ``__getstate__`` / ``__setstate__``.

    Keras is imported when ``tfplotguard.LivePlot`` is first accessed, and the
    class subclasses its ``Callback``: Keras 3 (which ``tf.keras`` is in
    TensorFlow >= 2.16), or ``tf_keras`` when ``TF_USE_LEGACY_KERAS=1``.
    """

    #: Keras 3 may then run batch-end hooks on worker threads (JAX / torch backends
    #: only); they only record values there, and drawing stays on the main thread.
    async_safe = True

    def __init__(self, metrics=None, *, images=None, batches: bool = True, **options):
        super().__init__()
        if images is not None and not callable(images):
            raise TypeError("images must be a callable taking the model and returning images, e.g. "
                            "images=lambda model: model(x_sample)")
        options.setdefault("xlabel", "epoch")
        self.live = _KerasLiveLog(metrics, **options)
        self.images = images
        self.batches = batches
        self._epoch = 0           # 0-based epoch index on the plot's x axis
        self._offset = None       # plot epoch - Keras epoch, fixed at the first epoch of a run
        self._image_epoch = None  # the epoch whose images are shown

    # -- Keras hooks --------------------------------------------------------------------
    @accounted
    def on_train_begin(self, logs=None):
        """Start a run: a new output in the current cell; values keep accumulating across fits."""
        self.live._end_run(self.live._interrupted_label(None))  # a previous fit that raised
        self.live._begin_run(new_output=True)
        self._offset = None

    @accounted
    def on_epoch_begin(self, epoch, logs=None):
        """Place this epoch after everything already plotted (``initial_epoch`` is honoured)."""
        if self._offset is None:
            done = max((max(s.x) for s in self.live._series.values() if len(s.x)), default=0.0)
            self._offset = max(0, math.ceil(done) - epoch)
        self._epoch = epoch + self._offset
        epochs = (getattr(self, "params", None) or {}).get("epochs")
        if epochs:
            self.live._xlim = (0.0, (epochs + self._offset) * 1.03)
        self.live._maybe_draw()

    @accounted
    def on_train_batch_begin(self, batch, logs=None):
        """Pick up values queued by asynchronous batch hooks: draw them here, on the main thread."""
        self.live._maybe_draw()

    @accounted
    def on_train_batch_end(self, batch, logs=None):
        """Record the running batch values (converted once) and redraw when the throttle allows."""
        steps = self._steps()
        status = f"epoch {self._epoch + 1}{self._of_epochs()} · batch {batch + 1}" + (f"/{steps}" if steps else "")
        if self.batches and logs:
            values = _float_logs(logs)
            if batch == 0 and self.live._fine:
                # Keras restarts its running means each epoch: a gap, not a cliff, between epochs.
                self.live._record(float(self._epoch), {key: math.nan for key in values}, fine=True)
            x = self._epoch + (batch + 1) / (steps or max(batch + 1, 1))
            self.live._record(x, values, fine=True, status=status)
        else:
            with self.live._lock:
                self.live._status = status
        self.live._maybe_draw()

    @accounted
    def on_epoch_end(self, epoch, logs=None):
        """Record the epoch's values; compute the image panel only if a frame is due now."""
        self.live._record(float(self._epoch + 1), _float_logs(logs or {}),
                          status=f"epoch {self._epoch + 1}{self._of_epochs()}")
        if self.images is not None and on_main_thread() and self.live.throttle.due(self.live.clock()):
            self._refresh_images()
        self.live._maybe_draw()

    @accounted
    def on_train_end(self, logs=None):
        """Draw the final frame (with the latest images)."""
        if self.images is not None and on_main_thread():
            self._refresh_images()
        self.live._end_run("")

    # -- the same API as live() -------------------------------------------------------------
    def show(self):
        """Redraw now, ignoring the throttle (main thread)."""
        if self.images is not None and on_main_thread() and not self.live._run_open:
            self._refresh_images()
        self.live.show()

    def close(self, error: BaseException | None = None):
        """End the run and draw the final frame."""
        self.live.close(error)

    def reset(self):
        """Forget every value (the next fit starts at epoch 1 again)."""
        self.live.reset()

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, tb):
        self.live.close(exc)
        return False

    @property
    def figure(self):
        """The ``matplotlib.figure.Figure`` drawn last."""
        return self.live.figure

    @property
    def history(self) -> dict[str, list[float]]:
        """Every epoch's logged values per metric."""
        return self.live.history

    @property
    def redraws(self) -> int:
        """Frames drawn so far (the final frame included)."""
        return self.live.redraws

    @property
    def finished(self) -> bool:
        """True when the last fit's final frame has been drawn."""
        return self.live.finished

    def __repr__(self):
        return f"<LivePlot metrics={sorted(self.live._series)} redraws={self.live.redraws}>"

    # -- copies and pickles ---------------------------------------------------------------------
    def __getstate__(self):
        """The settings only: a copy or an unpickled ``LivePlot`` starts a new history on its own output."""
        return {"metrics": self.live.metrics, "images": self.images, "batches": self.batches,
                "options": self.live._settings()}

    def __setstate__(self, state):
        """Build the copy as a new ``LivePlot`` with the saved settings."""
        _LivePlotBody.__init__(self, state["metrics"], images=state["images"], batches=state["batches"],
                               **state["options"])

    # -- helpers ------------------------------------------------------------------------------
    def _steps(self):
        params = getattr(self, "params", None) or {}
        return params.get("steps") or None

    def _of_epochs(self) -> str:
        params = getattr(self, "params", None) or {}
        epochs = params.get("epochs")
        return f"/{epochs + (self._offset or 0)}" if epochs else ""

    def _refresh_images(self):
        if self._image_epoch == self._epoch or self.live._broken:
            return
        try:
            value = self.images(self.model)
            from ..core.convert import to_numpy

            tiled = display.mosaic(to_numpy(value, "grid"), self.live.max_images)
        except Exception as exc:
            self.images = None
            warnings.warn(f"tfplotguard: LivePlot's images callable failed ({type(exc).__name__}: {exc}); "
                          "the image panel is switched off, training goes on.", TFPlotGuardWarning, stacklevel=3)
            return
        self._image_epoch = self._epoch
        with self.live._lock:
            self.live._image = (tiled, f"images after epoch {self._epoch + 1}")
            self.live._version += 1


class _KerasLiveLog(LiveLog):
    """The ``LiveLog`` behind a ``LivePlot``: a run closed before ``on_train_end`` says it stopped."""

    _label = "LivePlot"

    def _interrupted_label(self, error) -> str:
        return type(error).__name__ if error is not None else "an exception"


def _float_logs(logs: dict) -> dict:
    converted = {}
    for key, value in logs.items():
        y = scalar(value)
        if y is not None:
            converted[key] = y
    return converted
