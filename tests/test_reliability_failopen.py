"""Fail-open, proven for exotic kinds: a bug inside tfplotguard never makes a plot behave differently
from matplotlib without tfplotguard, warns once, and the next call (of another entry point) works.

``tests/test_convert_once.py`` proves the basic case (a dense tensor in ``plot``).
Here a converter failure is injected into the first conversion of one call for
each exotic kind; that call must behave *exactly* as the same call does with
the guard disabled (same drawing, or the same exception type and message when
matplotlib itself cannot draw that kind), show one ``TFPlotGuardWarning`` that
points at the caller's line, and the next call — a different entry point —
must convert normally and draw what the equivalent NumPy input draws.
"""

from __future__ import annotations

import gc
import warnings
import weakref
from dataclasses import dataclass

import numpy as np
import pytest
import tensorflow as tf
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

import tfplotguard
from figdata import assert_same_drawing
from tfplotguard import guard as _guard
from tfplotguard.core.convert import Converter
from tfplotguard import TFPlotGuardWarning


def _axes():
    fig = Figure(figsize=(2, 2), dpi=40)
    FigureCanvasAgg(fig)
    return fig, fig.add_subplot()


def _outcome(call, value):
    """(figure, exception) of ``call(ax, value)`` on a fresh Agg figure, drawn."""
    fig, ax = _axes()
    try:
        call(ax, value)
        fig.canvas.draw()
    except Exception as exc:
        return fig, exc
    return fig, None


@dataclass(frozen=True)
class ExoticCase:
    make: object  # () -> TensorFlow value
    first: object  # (ax, value): the call whose conversion fails
    second: object  # (ax, value): another entry point, converting normally
    second_numpy: object  # () -> the NumPy input equivalent for ``second`` (and ``first``)
    first_label: str  # how the warning names the failing entry point


_RAGGED = [[1.0, 2.0, 5.0], [3.0], []]
_SPARSE_INDICES = [[0, 1], [2, 3], [3, 0]]
_SPARSE_VALUES = [1.0, -2.0, 4.0]


def _sparse_dense():
    dense = np.zeros((4, 5), np.float32)
    for (i, j), v in zip(_SPARSE_INDICES, _SPARSE_VALUES):
        dense[i, j] = v
    return dense


CASES = {
    # matplotlib cannot draw these itself: the failing call raises matplotlib's own error
    "ragged hist→boxplot": ExoticCase(
        lambda: tf.ragged.constant(_RAGGED),
        lambda ax, v: ax.hist(v), lambda ax, v: ax.boxplot(v),
        lambda: [np.array(r, np.float32) for r in _RAGGED], "Axes.hist"),
    "ragged plot→imshow": ExoticCase(
        lambda: tf.ragged.constant(_RAGGED),
        lambda ax, v: ax.plot(v), lambda ax, v: ax.imshow(v),
        lambda: np.ma.MaskedArray([[1, 2, 5], [3, np.nan, np.nan], [np.nan] * 3],
                                  mask=[[0, 0, 0], [0, 1, 1], [1, 1, 1]], dtype=np.float32), "Axes.plot"),
    "sparse imshow→spy": ExoticCase(
        lambda: tf.sparse.SparseTensor(_SPARSE_INDICES, _SPARSE_VALUES, [4, 5]),
        lambda ax, v: ax.imshow(v), lambda ax, v: ax.spy(v, marker="s"),
        _sparse_dense, "Axes.imshow"),
    "indexed slices imshow→pcolormesh": ExoticCase(
        lambda: tf.IndexedSlices(tf.constant([[1.0, 2.0], [3.0, 4.0]]), tf.constant([0, 2], tf.int64),
                                 tf.constant([3, 2], tf.int64)),
        lambda ax, v: ax.imshow(v), lambda ax, v: ax.pcolormesh(v),
        lambda: np.array([[1.0, 2.0], [0.0, 0.0], [3.0, 4.0]], np.float32), "Axes.imshow"),
    "string bar labels→text": ExoticCase(
        lambda: tf.constant(["ab", "cd", "é"]),
        lambda ax, v: ax.bar(v, [1, 2, 3]), lambda ax, v: ax.bar(v, [3, 2, 1]),
        lambda: np.array(["ab", "cd", "é"]), "Axes.bar"),
    # matplotlib draws these itself: the failing call must draw exactly the same
    "variable plot→scatter": ExoticCase(
        lambda: tf.Variable([3.0, 1.0, 2.0]),
        lambda ax, v: ax.plot(v), lambda ax, v: ax.scatter(v, v),
        lambda: np.array([3.0, 1.0, 2.0], np.float32), "Axes.plot"),
    "bfloat16 step→hist": ExoticCase(
        lambda: tf.constant([0.5, 2.0, -1.0], tf.bfloat16),
        lambda ax, v: ax.step(v, v), lambda ax, v: ax.hist(v),
        lambda: np.array([0.5, 2.0, -1.0], np.float32), "Axes.step"),
    "Line2D.set_data→set_ydata": ExoticCase(
        lambda: tf.constant([1.0, 4.0, 9.0]),
        lambda ax, v: ax.plot([0.0, 1.0, 2.0])[0].set_data(v, v),
        lambda ax, v: ax.plot([0.0, 1.0, 2.0])[0].set_ydata(v),
        lambda: np.array([1.0, 4.0, 9.0], np.float32), "Line2D.set_data"),
}


@pytest.mark.parametrize("name", list(CASES))
def test_injected_converter_bug_falls_open_then_the_next_entry_point_converts(name, monkeypatch):
    case = CASES[name]
    value = case.make()

    # Matplotlib's own behaviour for the original arguments (guard disabled).
    expected_fig, expected_error = _outcome(case.first, value)

    real_dispatch = Converter._dispatch
    injected = {"left": 1}
    # Warnings are once per (entry point, error type) for the process: a type of its own per case.
    bug = type(f"InjectedBug{list(CASES).index(name)}", (RuntimeError,), {})

    def dispatch_with_one_bug(self, value, kind):
        if injected["left"]:
            injected["left"] -= 1
            raise bug(f"injected bug converting a {kind} value")
        return real_dispatch(self, value, kind)

    monkeypatch.setattr(Converter, "_dispatch", dispatch_with_one_bug)
    _guard.enable()
    try:
        _guard.reset_stats()
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            fig, error = _outcome(case.first, value)
            after_failure = _guard.stats()
            second_fig, second_error = _outcome(case.second, value)
        stats = _guard.stats()
    finally:
        _guard.disable()

    assert injected["left"] == 0, "the injected bug was never reached"
    # 1. the failing call behaved exactly as matplotlib without the guard. One exception: matplotlib's
    #    own path may reach a second patched entry point (imshow → AxesImage.set_data), which converts
    #    normally; the call then draws what the NumPy input draws, which is only better.
    if expected_error is None:
        assert error is None, f"matplotlib drew without the guard; with the failing guard: {error!r}"
        assert_same_drawing(expected_fig, fig)
    elif error is None:
        numpy_fig, numpy_error = _outcome(case.first, case.second_numpy())
        assert numpy_error is None
        assert_same_drawing(numpy_fig, fig)
    else:
        assert type(error) is type(expected_error) and str(error) == str(expected_error), (
            f"without the guard: {expected_error!r}; with the failing guard: {error!r}")
    # 2. one warning, naming the entry point and the bug, attributed to the caller (this file)
    ours = [w for w in caught if issubclass(w.category, TFPlotGuardWarning)]
    assert len(ours) == 1, [str(w.message) for w in ours]
    message = str(ours[0].message)
    assert case.first_label in message and "injected bug" in message and "to_numpy" in message
    assert ours[0].filename == __file__, f"the warning points at {ours[0].filename}, not the caller"
    assert after_failure["errors"] == 1
    # 3. the next call, another entry point, converts and draws what NumPy draws
    assert second_error is None, f"the next call failed: {second_error!r}"
    assert stats["errors"] == 1 and stats["conversions"] + stats["cache_hits"] > after_failure["conversions"]
    numpy_fig, numpy_error = _outcome(case.second, case.second_numpy())
    assert numpy_error is None
    assert_same_drawing(numpy_fig, second_fig)


def test_bug_in_the_second_argument_leaves_no_poisoned_cache(guarded, monkeypatch):
    """A call that fails open half-way (first tensor converted and cached) leaves a correct cache behind."""
    x, y = tf.range(4.0), tf.constant([4.0, 3.0, 2.0, 1.0])
    real_dispatch = Converter._dispatch
    bug = type("SecondArgumentBug", (ValueError,), {})  # warnings are once per (entry point, type) per process

    def fail_on_y(self, value, kind):
        if value is y:
            raise bug("injected bug on the second argument")
        return real_dispatch(self, value, kind)

    monkeypatch.setattr(Converter, "_dispatch", fail_on_y)
    _, ax = _axes()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        first = ax.plot(x, y)[0]
    ours = [str(w.message) for w in caught if issubclass(w.category, TFPlotGuardWarning)]
    # plot warns; a matplotlib without its own tensor path (< 3.9) passes the raw tensors on to patched
    # setters (Line2D.set_data…), which fail open too: at most one warning per entry point
    assert ours and all("injected bug on the second argument" in m for m in ours)
    assert "Axes.plot" in ours[0] and len({m.split(" (")[0] for m in ours}) == len(ours)
    errors = tfplotguard.stats()["errors"]
    monkeypatch.setattr(Converter, "_dispatch", real_dispatch)
    second = ax.plot(x, y)[0]
    for line in (first, second):
        np.testing.assert_array_equal(line.get_xdata(), [0.0, 1.0, 2.0, 3.0])
        np.testing.assert_array_equal(line.get_ydata(), [4.0, 3.0, 2.0, 1.0])
    stats = tfplotguard.stats()
    assert stats["errors"] == errors >= 1  # the fixed converter fails no more
    assert stats["cache_hits"] >= 1  # x, cached by the failed call, served again


def test_failed_call_keeps_no_tensor_alive(guarded, monkeypatch):
    """Fail-open remembers only (entry point, error type): the tensor of the failing call can be freed."""
    monkeypatch.setattr(Converter, "_dispatch", lambda self, value, kind: (_ for _ in ()).throw(KeyError("bug")))
    t = tf.random.normal((50,))
    ref = weakref.ref(t)
    _, ax = _axes()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", TFPlotGuardWarning)
        ax.plot(t)
    del t
    gc.collect()
    assert ref() is None, "the guard keeps the tensor of a failed call alive"
    assert tfplotguard.stats()["errors"] >= 1  # (matplotlib < 3.9 reaches patched setters too)


def test_tensor_plot_error_is_raised_while_other_bugs_fall_open(guarded):
    """The deliberate refusal is never swallowed by fail-open, and leaves the next call working."""
    _, ax = _axes()
    huge = tf.sparse.SparseTensor([[0, 0]], [1.0], [200_000, 200_000])
    with pytest.raises(tfplotguard.TensorPlotError, match=r"dense limit.*spy"):
        ax.pcolormesh(huge)
    line = ax.plot(tf.constant([1.0, 2.0]))[0]
    np.testing.assert_array_equal(line.get_ydata(), [1.0, 2.0])
    assert tfplotguard.stats()["errors"] == 0


def test_self_referencing_list_argument_does_not_break_a_working_plot(guarded):
    """A cyclic list anywhere in the call (here a label) draws exactly as matplotlib alone draws it."""
    cyclic = []
    cyclic.append(cyclic)
    _guard.disable()
    _, ax = _axes()
    expected = ax.plot([1.0, 2.0], label=cyclic)[0].get_label()
    _guard.enable()
    _, ax = _axes()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", TFPlotGuardWarning)
        line = ax.plot([1.0, 2.0], label=cyclic)[0]
    assert line.get_label() == expected == "[[...]]"
    np.testing.assert_array_equal(line.get_ydata(), [1.0, 2.0])


def test_self_referencing_list_without_tensors_is_not_a_fail_open(guarded):
    cyclic = []
    cyclic.append(cyclic)
    _, ax = _axes()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        ax.plot([1.0, 2.0], label=cyclic)
    assert not [str(w.message) for w in caught if issubclass(w.category, TFPlotGuardWarning)]
    assert tfplotguard.stats()["errors"] == 0
