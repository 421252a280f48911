"""``live()``: a live plot fed by hand from a custom training loop (``LiveLog``).

How live plotting behaves, and why, is in the docstring of :mod:`tfplotguard.live`.
"""

from __future__ import annotations

import atexit
import sys
import threading
import time
import warnings
from typing import Any

from ..core.errors import TFPlotGuardWarning
from ..core.events import unregister_event
from . import display, throttle
from .throttle import (
    DEFAULT_MAX_POINTS, DEFAULT_MAX_SHARE, DEFAULT_MIN_INTERVAL, DEFAULT_PATH, OUTPUTS, Series, Throttle,
    accounted, count_event, counters, on_main_thread, panel_of, plot_seconds, scalar,
)


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
            metrics = [panel_of(str(m)) for m in metrics]
        if not isinstance(min_interval, (int, float)) or isinstance(min_interval, bool) or not min_interval >= 0:
            raise ValueError(f"min_interval must be a number of seconds >= 0, got {min_interval!r}")
        if not isinstance(max_share, (int, float)) or isinstance(max_share, bool) or not 0 < max_share <= 1:
            raise ValueError(f"max_share must be a fraction in (0, 1], got {max_share!r}")
        if output not in OUTPUTS:
            raise ValueError(f"output must be one of {', '.join(map(repr, OUTPUTS))}, got {output!r}")
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
        self._series: dict[str, Series] = {}
        self._fine: dict[str, Series] = {}
        self._image: tuple[Any, str] | None = None  # (mosaic, label)
        self._version = 0
        self._drawn_version = 0
        self._status = ""
        self._ended = ""
        self._run_open = False
        self._final_pending = False
        self._hooks: list = []
        self._figure: display.LiveFigure | None = None
        self._xlim = None  # a fixed x range (LivePlot: the epochs of the fit), else autoscaled
        self._sink: Any = None
        self._announce: str | None = (
            f"tfplotguard: no rich display here (terminal IPython or a script), so the live plot "
            f"is written to {{path}}, redrawn at most every {min_interval:g} s.")
        self._hinted_thread = False
        self._broken = False
        self.redraws = 0
        self.throttled = 0
        self.deferred = 0

    # -- public API ------------------------------------------------------------------
    @accounted
    def log(self, step, **values) -> None:
        """Record scalar values at ``step`` (floats, NumPy or TensorFlow scalars, converted now); maybe redraw."""
        x = scalar(step)
        if x is None:
            raise TypeError(f"step must be a number, got {step!r}")
        converted = {}
        for key, value in values.items():
            y = scalar(value)
            if y is None:
                raise TypeError(f"log() takes scalar values; {key}={value!r} is not one")
            converted[key] = y
        self._begin_run()
        self._record(x, converted, status=f"{self.xlabel} {x:g}")
        self._maybe_draw()

    @accounted
    def image(self, value, label: str = "images") -> None:
        """Set the image panel: one image or a batch (first ``max_images``), converted once through the guard."""
        from ..core.convert import to_numpy

        tiled = display.mosaic(to_numpy(value, "grid"), self.max_images)
        self._begin_run()
        with self._lock:
            self._image = (tiled, label)
            self._version += 1
        self._maybe_draw()

    @accounted
    def show(self) -> None:
        """Redraw now, ignoring the throttle (on the main thread; queued values included)."""
        if not on_main_thread():
            self._defer()
        elif self._final_pending:
            self._end_run(self._ended)
        else:
            self._draw(final=not self._run_open)

    @accounted
    def close(self, error: BaseException | None = None) -> None:
        """End the run: draw the final frame (from the main thread; elsewhere it waits for ``show()``)."""
        self._end_run(type(error).__name__ if error is not None else "")

    def _settings(self) -> dict:
        """The keyword arguments (but ``metrics``) that make a new log configured like this one."""
        return {"min_interval": self.throttle.min_interval, "max_share": self.throttle.max_share,
                "output": self.output, "path": self.path, "title": self.title, "xlabel": self.xlabel,
                **self._figure_options, "max_images": self.max_images, "max_points": self.max_points,
                "clock": self.clock}

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
                if self.metrics is not None and panel_of(key) not in self.metrics:
                    continue
                series = store.get(key)
                if series is None:
                    series = store[key] = Series()
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
            if new_output or isinstance(self._sink, display.DisplaySink):
                self._sink = None  # a new run in a new cell gets its own output
        # The expected cost of a frame is in real seconds: only a real clock can be compared with it.
        expected = throttle._FRAME_COST[0] if self.clock is time.perf_counter else 0.0
        self.throttle.start(self.clock(), expected)
        if on_main_thread():
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
        if not on_main_thread():
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
            self._hooks.append(lambda: unregister_event(shell, "post_run_cell", self._after_cell))
        else:
            atexit.register(self._at_exit)
            self._hooks.append(lambda: atexit.unregister(self._at_exit))

    def _remove_end_hooks(self) -> None:
        while self._hooks:
            self._hooks.pop()()

    @accounted
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
        if not on_main_thread():
            self._defer()
            return
        if self._final_pending:
            self._end_run(self._ended)
            return
        if not self.throttle.due(self.clock()):
            self.throttled += 1
            count_event("throttled")
            return
        self._draw(final=False)

    def _defer(self) -> None:
        self.deferred += 1
        count_event("deferred")

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
                panel = panel_of(key)
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
                        lines.append(display.Line(key, "fine", *self._fine[key].points(self.max_points)))
                    if key in self._series:
                        lines.append(display.Line(key, "main", *self._series[key].points(self.max_points)))
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
                self._figure = display.LiveFigure(**self._figure_options)
            self._figure.update(panels, image, title=self._title(final), xlabel=self.xlabel, xlim=self._xlim)
            png = self._figure.png(final=final)
            if self._sink is None:
                self._sink = display.make_sink(self.output, self.path, self._announce)
                if isinstance(self._sink, display.FileSink):
                    self._announce = None
            self._sink.publish(png)
        except Exception as exc:
            self._broken = True
            warnings.warn(f"tfplotguard: the live plot stopped drawing ({type(exc).__name__}: {exc}); "
                          "training is not affected.", TFPlotGuardWarning, stacklevel=2)
            return
        finally:
            self.throttle.drawn(start, self.clock())
        cost = time.perf_counter() - started
        frame_cost = throttle._FRAME_COST  # looked up each time: tests replace it
        frame_cost[0] = cost if not frame_cost[0] else 0.7 * frame_cost[0] + 0.3 * cost
        self._drawn_version = version
        self._final_pending = False
        self.redraws += 1
        count_event("redraws")


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


# `tfplotguard.live` is this function (the package exports it over the subpackage's name):
# `tfplotguard.live.plot_seconds()` and `.counters()` work on it as on the subpackage.
live.plot_seconds = plot_seconds  # type: ignore[attr-defined]
live.counters = counters  # type: ignore[attr-defined]
