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

The Keras base class is resolved when a ``LivePlot`` is created, not when this
module is imported: ``LivePlot.__new__`` returns an instance of a subclass of
both ``LivePlot`` and the Keras ``Callback`` in use, built once per base class
and cached. So ``import tfplotguard`` never imports Keras or TensorFlow, and
``isinstance(lp, LivePlot)`` and ``isinstance(lp, keras.callbacks.Callback)``
are both true.

``plot_seconds()`` and ``counters()`` account for all time spent in these hooks
(bookkeeping, drawing, encoding, publishing), process-wide, for ``%%tfcheck``.
"""

from __future__ import annotations

import atexit
import functools
import importlib
import math
import os
import sys
import threading
import time
import warnings
from array import array

import numpy as np

from . import live_display

DEFAULT_MIN_INTERVAL = 0.5
DEFAULT_MAX_SHARE = 0.03
DEFAULT_PATH = "liveplot.png"
DEFAULT_MAX_POINTS = 2000

_OUTPUTS = ("auto", "display", "file")

# -- process-wide accounting (read by %%tfcheck) ----------------------------------

_ACCOUNT_LOCK = threading.Lock()
_ACCOUNT = {"seconds": 0.0, "redraws": 0, "throttled": 0, "deferred": 0}
_DEPTH = threading.local()
_FRAME_COST = [0.0]  # a moving average of real seconds per frame in this process (0: no frame yet)


def plot_seconds() -> float:
    """Total seconds spent in live plotting in this process (monotonic; diff two readings)."""
    with _ACCOUNT_LOCK:
        return _ACCOUNT["seconds"]


def counters() -> dict:
    """Live-plotting totals: ``seconds``, ``redraws``, ``throttled`` (skipped), ``deferred`` (off-thread)."""
    with _ACCOUNT_LOCK:
        return dict(_ACCOUNT)


def _count(name: str, amount=1) -> None:
    with _ACCOUNT_LOCK:
        _ACCOUNT[name] += amount


def _timed(method):
    """Add the time spent in ``method`` to ``plot_seconds()`` (outermost call per thread only)."""

    @functools.wraps(method)
    def timed(*args, **kwargs):
        depth = getattr(_DEPTH, "value", 0)
        _DEPTH.value = depth + 1
        start = time.perf_counter() if depth == 0 else 0.0
        try:
            return method(*args, **kwargs)
        finally:
            _DEPTH.value = depth
            if depth == 0:
                _count("seconds", time.perf_counter() - start)

    return timed


def _on_main_thread() -> bool:
    return threading.current_thread() is threading.main_thread()


# -- the throttle ------------------------------------------------------------------------


class Throttle:
    """When the next redraw may happen: at most every ``min_interval`` s, drawing ≤ ``max_share`` of the time.

    Both bounds count from the start of the run: the first frame comes
    ``min_interval`` after it, and a frame is drawn only if the time spent
    drawing so far plus two more frames — this one and the final one, each
    expected to cost what the last frame cost (before the first: what frames
    have cost in this process) — stays within ``max_share`` of the time since
    the start. So drawing, the final frame included, stays within the share;
    a slow figure is drawn less often instead of slowing training, and a fit
    too short to afford a frame draws only its final one.
    """

    def __init__(self, min_interval: float = DEFAULT_MIN_INTERVAL, max_share: float = DEFAULT_MAX_SHARE):
        self.min_interval = min_interval
        self.max_share = max_share
        self.start(0.0)

    def start(self, now: float, expected_cost: float = 0.0) -> None:
        """Begin a run at ``now``; ``expected_cost`` is what its first frame will probably cost."""
        self.started = now
        self.last_start = now
        self.last_cost = expected_cost
        self.spent = 0.0

    def due(self, now: float) -> bool:
        """True when a redraw may happen at ``now``."""
        return (now - self.last_start >= self.min_interval
                and self.spent + 2 * self.last_cost <= self.max_share * (now - self.started))

    def drawn(self, start: float, end: float) -> None:
        """Record a redraw that ran from ``start`` to ``end``."""
        self.last_start = start
        self.last_cost = max(end - start, 0.0)
        self.spent += self.last_cost


# -- the series store ---------------------------------------------------------------------


class _Series:
    """Every (x, y) of one metric, compact (8 bytes a value); thinned only when drawn."""

    __slots__ = ("x", "y")

    def __init__(self):
        self.x = array("d")
        self.y = array("d")

    def add(self, x: float, y: float) -> None:
        self.x.append(x)
        self.y.append(y)

    def points(self, max_points: int | None):
        """Copies for drawing: at most ``max_points`` evenly spaced points, always with the newest one."""
        n = len(self.x)
        stride = 1 if not max_points or n <= max_points else math.ceil(n / max_points)
        x = np.frombuffer(self.x, dtype=np.float64)[::stride].copy()
        y = np.frombuffer(self.y, dtype=np.float64)[::stride].copy()
        if stride > 1 and (n - 1) % stride:
            x = np.append(x, self.x[-1])
            y = np.append(y, self.y[-1])
        y[~np.isfinite(y)] = np.nan  # inf would wreck autoscaling; NaN leaves a gap
        return x, y


def _scalar(value):
    """``value`` as a Python float, converted once (TensorFlow values through the guard), or None."""
    if type(value) is float:
        return value
    if type(value) in (int, bool):
        return float(value)
    from .convert import kind_of, to_numpy

    if kind_of(value) is not None:
        value = to_numpy(value)
    try:
        flat = np.asarray(value).reshape(-1)
    except Exception:
        return None
    if flat.size != 1 or flat.dtype.kind not in "biuf":
        return None
    return float(flat[0])


def _panel_of(key: str) -> str:
    return key[4:] if key.startswith("val_") and len(key) > 4 else key


# -- the live plot -----------------------------------------------------------------------------


class LiveLog:
    """A live plot fed by hand: ``log(step, loss=...)`` in a custom training loop (see :func:`live`)."""

    _label = "live"

    def __init__(self, metrics=None, *, min_interval: float = DEFAULT_MIN_INTERVAL,
                 max_share: float = DEFAULT_MAX_SHARE, output: str = "auto", path=DEFAULT_PATH,
                 title: str | None = None, xlabel: str = "step", figsize=None, dpi: float = 80,
                 max_cols: int = 3, max_images: int = 8, max_points: int = DEFAULT_MAX_POINTS, clock=None):
        if isinstance(metrics, str):
            metrics = [metrics]
        if metrics is not None:
            metrics = [_panel_of(str(m)) for m in metrics]
        if not isinstance(min_interval, (int, float)) or isinstance(min_interval, bool) or not min_interval >= 0:
            raise ValueError(f"min_interval must be a number of seconds >= 0, got {min_interval!r}")
        if not isinstance(max_share, (int, float)) or isinstance(max_share, bool) or not 0 < max_share <= 1:
            raise ValueError(f"max_share must be a fraction in (0, 1], got {max_share!r}")
        if output not in _OUTPUTS:
            raise ValueError(f"output must be one of {', '.join(map(repr, _OUTPUTS))}, got {output!r}")
        if clock is not None and not callable(clock):
            raise TypeError(f"clock must be a callable returning seconds, got {clock!r}")
        self.metrics = metrics
        self.output = output
        self.path = path
        self.title = title
        self.xlabel = xlabel
        self.clock = clock or time.perf_counter
        self.throttle = Throttle(float(min_interval), float(max_share))
        self.max_images = max_images
        self.max_points = max_points
        self._figure_options = {"figsize": figsize, "dpi": dpi, "max_cols": max_cols}
        self._lock = threading.RLock()
        self._series: dict[str, _Series] = {}
        self._fine: dict[str, _Series] = {}
        self._image = None  # (mosaic, label)
        self._version = 0
        self._drawn_version = 0
        self._status = ""
        self._ended = ""
        self._run_open = False
        self._final_pending = False
        self._hooks: list = []
        self._figure = None
        self._xlim = None  # a fixed x range (LivePlot: the epochs of the fit), else autoscaled
        self._sink = None
        self._announce = (f"tfplotguard: no rich display here (terminal IPython or a script), so the live plot "
                          f"is written to {{path}}, redrawn at most every {min_interval:g} s.")
        self._hinted_thread = False
        self._broken = False
        self.redraws = 0
        self.throttled = 0
        self.deferred = 0

    # -- public API ------------------------------------------------------------------
    @_timed
    def log(self, step, **values) -> None:
        """Record scalar values at ``step`` (floats, NumPy or TensorFlow scalars, converted now); maybe redraw."""
        x = _scalar(step)
        if x is None:
            raise TypeError(f"step must be a number, got {step!r}")
        converted = {}
        for key, value in values.items():
            y = _scalar(value)
            if y is None:
                raise TypeError(f"log() takes scalar values; {key}={value!r} is not one")
            converted[key] = y
        self._begin_run()
        self._record(x, converted, status=f"{self.xlabel} {x:g}")
        self._maybe_draw()

    @_timed
    def image(self, value, label: str = "images") -> None:
        """Set the image panel: one image or a batch (first ``max_images``), converted once through the guard."""
        from .convert import to_numpy

        tiled = live_display.mosaic(to_numpy(value, "grid"), self.max_images)
        self._begin_run()
        with self._lock:
            self._image = (tiled, label)
            self._version += 1
        self._maybe_draw()

    @_timed
    def show(self) -> None:
        """Redraw now, ignoring the throttle (on the main thread; queued values included)."""
        if not _on_main_thread():
            self._defer()
        elif self._final_pending:
            self._end_run(self._ended)
        else:
            self._draw(final=not self._run_open)

    @_timed
    def close(self, error: BaseException | None = None) -> None:
        """End the run: draw the final frame (from the main thread; elsewhere it waits for ``show()``)."""
        self._end_run(type(error).__name__ if error is not None else "")

    def reset(self) -> None:
        """Forget every logged value and image (the figure keeps its output)."""
        with self._lock:
            self._series.clear()
            self._fine.clear()
            self._image = None
            self._version += 1

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, tb):
        self.close(exc)
        return False

    @property
    def figure(self):
        """The ``matplotlib.figure.Figure`` drawn last (None before the first frame)."""
        return None if self._figure is None else self._figure.figure

    @property
    def history(self) -> dict[str, list[float]]:
        """Every logged value per metric, in order (like Keras' ``History.history``)."""
        with self._lock:
            return {key: list(series.y) for key, series in self._series.items()}

    @property
    def steps(self) -> dict[str, list[float]]:
        """The step (x value) of every logged value per metric."""
        with self._lock:
            return {key: list(series.x) for key, series in self._series.items()}

    @property
    def output_kind(self) -> str | None:
        """Where frames go: ``"display"``, ``"file"``, or None before the first frame."""
        return None if self._sink is None else self._sink.kind

    @property
    def finished(self) -> bool:
        """True when the last run ended with its final frame drawn."""
        return not self._run_open and not self._final_pending

    def __repr__(self):
        return (f"<{type(self).__name__} metrics={sorted(self._series)} redraws={self.redraws} "
                f"output={self.output_kind or self.output}>")

    # -- recording (any thread) -------------------------------------------------------
    def _record(self, x, values: dict, *, fine: bool = False, status: str | None = None) -> None:
        store = self._fine if fine else self._series
        with self._lock:
            for key, y in values.items():
                if self.metrics is not None and _panel_of(key) not in self.metrics:
                    continue
                series = store.get(key)
                if series is None:
                    series = store[key] = _Series()
                series.add(x, y)
            if status is not None:
                self._status = status
            self._version += 1

    # -- runs: one output per run, closed by whichever end comes first ----------------------
    def _begin_run(self, *, new_output: bool = False) -> None:
        if self._run_open:
            return
        with self._lock:
            self._run_open = True
            self._final_pending = False
            self._ended = ""
            if new_output or isinstance(self._sink, live_display.DisplaySink):
                self._sink = None  # a new run in a new cell gets its own output
        # The expected cost of a frame is in real seconds: only a real clock can be compared with it.
        expected = _FRAME_COST[0] if self.clock is time.perf_counter else 0.0
        self.throttle.start(self.clock(), expected)
        if _on_main_thread():
            self._install_end_hooks()

    def _end_run(self, ended: str) -> None:
        """Close the run (keeping the first reason given) and draw the final frame on the main thread."""
        with self._lock:
            if self._run_open:
                self._run_open = False
                self._ended = ended
                self._final_pending = True
            if not self._final_pending:
                return
        if not _on_main_thread():
            self._hint_thread()
            return
        self._remove_end_hooks()
        self._final_pending = False
        if self._version:
            self._draw(final=True)

    def _install_end_hooks(self) -> None:
        ipython = sys.modules.get("IPython")
        shell = ipython.get_ipython() if ipython is not None else None
        if shell is not None and hasattr(shell, "events"):
            shell.events.register("post_run_cell", self._after_cell)
            self._hooks.append(lambda: _unregister(shell, "post_run_cell", self._after_cell))
        else:
            atexit.register(self._at_exit)
            self._hooks.append(lambda: atexit.unregister(self._at_exit))

    def _remove_end_hooks(self) -> None:
        while self._hooks:
            self._hooks.pop()()

    @_timed
    def _after_cell(self, result=None) -> None:
        """IPython ``post_run_cell``: the cell ended (maybe by an exception) with the run still open."""
        error = getattr(result, "error_in_exec", None) or getattr(result, "error_before_exec", None)
        self._end_run(self._interrupted_label(error))

    def _at_exit(self) -> None:
        self._end_run(self._interrupted_label(getattr(sys, "last_value", None)))

    def _interrupted_label(self, error) -> str:
        return type(error).__name__ if error is not None else ""

    # -- drawing (main thread only) ---------------------------------------------------------
    def _maybe_draw(self) -> None:
        if self._version == self._drawn_version and not self._final_pending:
            return
        if not _on_main_thread():
            self._defer()
            return
        if self._final_pending:
            self._end_run(self._ended)
            return
        if not self.throttle.due(self.clock()):
            self.throttled += 1
            _count("throttled")
            return
        self._draw(final=False)

    def _defer(self) -> None:
        self.deferred += 1
        _count("deferred")

    def _hint_thread(self) -> None:
        if self._hinted_thread:
            return
        self._hinted_thread = True
        print(f"tfplotguard: {self._label} ended on thread {threading.current_thread().name!r}; it draws "
              "only on the main thread, so call .show() from the main thread to draw the final figure.",
              file=sys.stderr)

    def _panels(self):
        """Snapshot the data to draw: [(panel, [Line, ...]), ...] in order of first appearance."""
        with self._lock:
            order: list[str] = []
            members: dict[str, list[str]] = {}
            for key in list(self._series) + [k for k in self._fine if k not in self._series]:
                panel = _panel_of(key)
                if panel not in members:
                    order.append(panel)
                    members[panel] = []
                members[panel].append(key)
            if "loss" in members:
                order.remove("loss")
                order.insert(0, "loss")
            panels = []
            for panel in order:
                keys = sorted(members[panel], key=lambda k: (k != panel, k))
                lines = []
                for key in keys:
                    if key in self._fine:
                        lines.append(live_display.Line(key, "fine", *self._fine[key].points(self.max_points)))
                    if key in self._series:
                        lines.append(live_display.Line(key, "main", *self._series[key].points(self.max_points)))
                panels.append((panel, lines))
            return panels, self._image, self._status, self._version

    def _title(self, final: bool) -> str:
        parts = [self.title] if self.title else []
        parts.append(self._status or self._label)
        if final:
            parts.append(f"stopped by {self._ended}" if self._ended else "done")
        return " · ".join(parts)

    def _draw(self, *, final: bool) -> None:
        if self._broken:
            return
        panels, image, _, version = self._panels()
        if not panels and image is None:
            return
        start = self.clock()
        started = time.perf_counter()
        try:
            if self._figure is None:
                self._figure = live_display.LiveFigure(**self._figure_options)
            self._figure.update(panels, image, title=self._title(final), xlabel=self.xlabel, xlim=self._xlim)
            png = self._figure.png(final=final)
            if self._sink is None:
                self._sink = live_display.make_sink(self.output, self.path, self._announce)
                if isinstance(self._sink, live_display.FileSink):
                    self._announce = None
            self._sink.publish(png)
        except Exception as exc:
            self._broken = True
            from .guard import TFPlotGuardWarning

            warnings.warn(f"tfplotguard: the live plot stopped drawing ({type(exc).__name__}: {exc}); "
                          "training is not affected.", TFPlotGuardWarning, stacklevel=2)
            return
        finally:
            self.throttle.drawn(start, self.clock())
        cost = time.perf_counter() - started
        _FRAME_COST[0] = cost if not _FRAME_COST[0] else 0.7 * _FRAME_COST[0] + 0.3 * cost
        self._drawn_version = version
        self._final_pending = False
        self.redraws += 1
        _count("redraws")


def _unregister(shell, event, callback):
    try:
        shell.events.unregister(event, callback)
    except ValueError:  # already gone (the shell was reset)
        pass


def live(metrics=None, **options) -> LiveLog:
    """A live plot for a custom training loop: ``live = tfplotguard.live(); live.log(step, loss=loss)``.

    Values are converted to floats when logged; ``key`` and ``val_key`` share a
    panel. Redraws are throttled like :class:`LivePlot` (``min_interval=0.5``,
    ``max_share=0.03``, ``clock=``), go to one notebook output updated in place
    or to ``path`` (``output="auto"|"display"|"file"``), and the final frame is
    drawn by ``close()``, the end of a ``with`` block, the end of the IPython
    cell, or interpreter exit — whichever comes first.

    In [1]: with tfplotguard.live() as live:
       ...:     for step in range(1000):
       ...:         live.log(step, loss=train_step())
    """
    return LiveLog(metrics, **options)


# `tfplotguard.live` may be this function (exported by the package) or this module:
# either way `tfplotguard.live.plot_seconds()` and `.counters()` work.
live.plot_seconds = plot_seconds
live.counters = counters


# -- the Keras callback --------------------------------------------------------------------------


_KERAS_CLASSES: dict[tuple[type, type], type] = {}


def _callback_base(keras=None) -> type:
    """The Keras ``Callback`` class to subclass: of ``keras`` if given, else tf_keras in legacy mode, else Keras 3."""
    if keras is not None:
        return keras.callbacks.Callback
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


def _keras_class(cls: type, base: type) -> type:
    key = (cls, base)
    made = _KERAS_CLASSES.get(key)
    if made is None:
        made = type(cls.__name__, (cls, base), {"__module__": cls.__module__, "__qualname__": cls.__qualname__})
        _KERAS_CLASSES[key] = made
    return made


class LivePlot:
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

    Keras is imported when the first ``LivePlot`` is created; ``keras=`` picks the
    Keras whose ``Callback`` it subclasses (e.g. ``tf_keras``); by default Keras 3
    (which ``tf.keras`` is in TensorFlow >= 2.16), or ``tf_keras`` when
    ``TF_USE_LEGACY_KERAS=1``.
    """

    #: Keras 3 may then run batch-end hooks on worker threads (JAX / torch backends
    #: only); they only record values there, and drawing stays on the main thread.
    async_safe = True

    def __new__(cls, *args, keras=None, **kwargs):
        base = _callback_base(keras)
        return super().__new__(cls if issubclass(cls, base) else _keras_class(cls, base))

    def __init__(self, metrics=None, *, images=None, batches: bool = True, keras=None, **options):
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
    @_timed
    def on_train_begin(self, logs=None):
        """Start a run: a new output in the current cell; values keep accumulating across fits."""
        self.live._end_run(self.live._interrupted_label(None))  # a previous fit that raised
        self.live._begin_run(new_output=True)
        self._offset = None

    @_timed
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

    @_timed
    def on_train_batch_begin(self, batch, logs=None):
        """Pick up values queued by asynchronous batch hooks: draw them here, on the main thread."""
        self.live._maybe_draw()

    @_timed
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

    @_timed
    def on_epoch_end(self, epoch, logs=None):
        """Record the epoch's values; compute the image panel only if a frame is due now."""
        self.live._record(float(self._epoch + 1), _float_logs(logs or {}),
                          status=f"epoch {self._epoch + 1}{self._of_epochs()}")
        if self.images is not None and _on_main_thread() and self.live.throttle.due(self.live.clock()):
            self._refresh_images()
        self.live._maybe_draw()

    @_timed
    def on_train_end(self, logs=None):
        """Draw the final frame (with the latest images)."""
        if self.images is not None and _on_main_thread():
            self._refresh_images()
        self.live._end_run("")

    # -- the same API as live() -------------------------------------------------------------
    def show(self):
        """Redraw now, ignoring the throttle (main thread)."""
        if self.images is not None and _on_main_thread() and not self.live._run_open:
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
            from .convert import to_numpy

            tiled = live_display.mosaic(to_numpy(value, "grid"), self.live.max_images)
        except Exception as exc:
            self.images = None
            from .guard import TFPlotGuardWarning

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
        y = _scalar(value)
        if y is not None:
            converted[key] = y
    return converted
