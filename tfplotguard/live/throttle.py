"""Live plotting's clock and memory: the redraw throttle, the process-wide time accounting, the series.

``plot_seconds()`` and ``counters()`` account for all time spent in live
plotting (bookkeeping, drawing, encoding, publishing), process-wide; the
``%%tfcheck`` report reads them for its live-plot row.
"""

from __future__ import annotations

import functools
import math
import threading
import time
from array import array

import numpy as np

from ..core import state

DEFAULT_MIN_INTERVAL = 0.5
DEFAULT_MAX_SHARE = 0.03
DEFAULT_PATH = "liveplot.png"
DEFAULT_MAX_POINTS = 2000

OUTPUTS = ("auto", "display", "file")

# -- process-wide accounting (read by %%tfcheck) ----------------------------------

_ACCOUNT_LOCK = threading.Lock()
_ACCOUNT = {"seconds": 0.0, "redraws": 0, "throttled": 0, "deferred": 0}
_DEPTH = threading.local()
_FRAME_COST = [0.0]  # a moving average of real seconds per frame in this process (0: no frame yet)


class _Accounting:
    """The process-wide live-plotting totals, as one piece of process state."""

    def reset(self):
        """Zero the totals and forget the measured frame cost."""
        with _ACCOUNT_LOCK:
            _ACCOUNT.update(seconds=0.0, redraws=0, throttled=0, deferred=0)
            _FRAME_COST[0] = 0.0


state.own("live counters", _Accounting())


def plot_seconds() -> float:
    """Total seconds spent in live plotting in this process (monotonic; diff two readings)."""
    with _ACCOUNT_LOCK:
        return _ACCOUNT["seconds"]


def plotting_now() -> bool:
    """True while this thread is inside a live-plotting hook (its figure draws are live frames)."""
    return getattr(_DEPTH, "value", 0) > 0


def counters() -> dict:
    """Live-plotting totals: ``seconds``, ``redraws``, ``throttled`` (skipped), ``deferred`` (off-thread)."""
    with _ACCOUNT_LOCK:
        return dict(_ACCOUNT)


def count_event(name: str, amount=1) -> None:
    """Add ``amount`` to the process-wide live-plotting total ``name``."""
    with _ACCOUNT_LOCK:
        _ACCOUNT[name] += amount


def accounted(method):
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
                count_event("seconds", time.perf_counter() - start)

    return timed


def on_main_thread() -> bool:
    """True in the main thread, the only one live plotting draws in."""
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


class Series:
    """Every (x, y) of one metric, compact (8 bytes a value); thinned only when drawn."""

    __slots__ = ("x", "y")

    def __init__(self):
        self.x = array("d")
        self.y = array("d")

    def add(self, x: float, y: float) -> None:
        """Append one point."""
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


def scalar(value):
    """``value`` as a Python float, converted once (TensorFlow values through the guard), or None."""
    if type(value) is float:
        return value
    if type(value) in (int, bool):
        return float(value)
    from ..core.convert import kind_of, to_numpy

    if kind_of(value) is not None:
        value = to_numpy(value)
    try:
        flat = np.asarray(value).reshape(-1)
    except Exception:
        return None
    if flat.size != 1 or flat.dtype.kind not in "biuf":
        return None
    return float(flat[0])


def panel_of(key: str) -> str:
    """The panel a metric is drawn in: ``val_loss`` shares ``loss``'s."""
    return key[4:] if key.startswith("val_") and len(key) > 4 else key
