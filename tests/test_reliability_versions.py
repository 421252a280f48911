"""Version range: entry points an older matplotlib lacks are skipped, not crashed on.

The real check runs the conversion and parity tests under the oldest claimed
versions (``scripts/check_oldest.sh``). Here the running matplotlib is made to
look older for one test at a time — methods that appeared after 3.7 are
removed from their classes, or the 3-D toolkit cannot be imported — and the
guard must patch what is there, skip what is not, draw through the rest, and
restore exactly what it patched.
"""

from __future__ import annotations

import sys

import matplotlib
import numpy as np
import pytest
import tensorflow as tf
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from mpl_toolkits.mplot3d import Axes3D

from tfplotguard import guard as _guard

#: Entry points newer than matplotlib 3.7 (the oldest claimed), with the version that added them.
NEWER_THAN_OLDEST = {
    (Axes, "ecdf"): "3.8",
    (Axes, "grouped_bar"): "3.11",
    (Axes3D, "fill_between"): "3.10",
}


def _label(cls, name):
    owner = next(k for k in cls.__mro__ if name in vars(k))
    return f"{owner.__module__}.{owner.__qualname__}.{name}"


def test_patch_targets_are_exactly_the_entry_points_this_matplotlib_has():
    """Every listed method that exists is a target; every target exists, on the class defining it."""
    import importlib

    expected = set()
    for module_name, class_name, methods in _guard.ENTRY_POINT_SPECS:
        cls = getattr(importlib.import_module(module_name), class_name)
        for name in methods:
            if any(name in vars(k) for k in cls.__mro__[:-1]):
                expected.add(_label(cls, name))
    targets = _guard.patch_targets()
    assert set(targets) == expected
    for label, (owner, name) in targets.items():
        assert name in vars(owner) and label.endswith(f"{owner.__qualname__}.{name}")


@pytest.mark.parametrize("missing", list(NEWER_THAN_OLDEST), ids=lambda m: f"{m[0].__name__}.{m[1]}")
def test_an_entry_point_missing_in_an_older_matplotlib_is_skipped(missing, monkeypatch):
    cls, name = missing
    if not any(name in vars(k) for k in cls.__mro__):
        pytest.skip(f"{cls.__name__}.{name} is already absent from matplotlib {matplotlib.__version__}")
    label = _label(cls, name)
    all_targets = set(_guard.patch_targets())
    monkeypatch.delattr(next(k for k in cls.__mro__ if name in vars(k)), name)
    targets = _guard.patch_targets()
    assert label not in targets and set(targets) == all_targets - {label}
    owner_before = {k: name in vars(k) for k in cls.__mro__}
    _guard.enable()
    _guard.reset_stats()
    try:
        # (an inherited method may still be reached, e.g. Axes.fill_between from Axes3D before 3.10)
        assert {k: name in vars(k) for k in cls.__mro__} == owner_before, "enable() re-created a missing method"
        patched = len(targets) + len(_guard.draw_targets()) + len(_guard.PYPLOT_STATE_METHODS)
        assert _guard.stats()["patched"] == patched
        fig = Figure()
        FigureCanvasAgg(fig)
        ax = fig.add_subplot(projection="3d" if cls is Axes3D else None)
        y = tf.constant([1.0, 2.0, 4.0])
        line = (ax.plot(tf.range(3.0), y, tf.zeros(3)) if cls is Axes3D else ax.plot(y))[0]
        fig.canvas.draw()
        drawn = line.get_data_3d()[1] if cls is Axes3D else line.get_ydata()
        np.testing.assert_array_equal(np.asarray(drawn), [1.0, 2.0, 4.0])
        assert _guard.stats()["conversions"] >= 1
    finally:
        _guard.disable()
    assert {k: name in vars(k) for k in cls.__mro__} == owner_before, "disable() re-created a missing method"


def test_without_the_3d_toolkit_the_rest_is_patched(monkeypatch):
    """A matplotlib whose mplot3d cannot be imported: the Axes3D spec is skipped as a whole."""
    monkeypatch.setitem(sys.modules, "mpl_toolkits.mplot3d.axes3d", None)  # import raises ImportError
    targets = _guard.patch_targets()
    assert targets and not any(".axes3d." in label for label in targets)
    assert "matplotlib.axes._axes.Axes.plot" in targets
    _guard.enable()
    try:
        fig = Figure()
        FigureCanvasAgg(fig)
        line = fig.add_subplot().plot(tf.ragged.constant([[1.0, 2.0], [3.0]]))
        assert len(line) == 2  # one line per ragged row: the guard converted it
    finally:
        _guard.disable()


def test_a_missing_class_is_skipped(monkeypatch):
    """A spec whose class does not exist in this matplotlib (AttributeError) is skipped, not fatal."""
    import matplotlib.collections

    quadmesh_only = {_label(matplotlib.collections.QuadMesh, "set_array")} - {
        _label(matplotlib.collections.Collection, "set_array")}
    before = set(_guard.patch_targets())
    monkeypatch.delattr(matplotlib.collections, "QuadMesh")
    targets = set(_guard.patch_targets())
    assert targets == before - quadmesh_only
    assert "matplotlib.collections.Collection.set_offsets" in targets
