"""What real notebooks pass that the parity table missed (issue 13, items 2 and 9).

- item 2: tensors inside dict keyword arguments (``bbox=``, ``textprops=``,
  ``wedgeprops=``, ``boxprops=``, ``fontdict=``, ``arrowprops=``, …) are
  converted into a new dict; dicts without a tensor are passed on as the very
  same object, and the user's dict is never changed;
- item 9: the pre-scan of a long Python list is bounded, and matplotlib's own
  drawing passes through the guard without paying the pre-scan.

Real TensorFlow, real Agg figures; each drawing is compared with the same
figure drawn from NumPy / Python values with the guard off.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import tensorflow as tf
from matplotlib.artist import Artist
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from figdata import assert_same_drawing
from tfplotguard.guard import wrapper as guard_module
from tfplotguard.guard import TFPlotGuardWarning


def _axes():
    fig = Figure(figsize=(2, 2), dpi=40)
    FigureCanvasAgg(fig)
    return fig, fig.add_subplot()


def _pair(guarded, draw, numpy_value, tensor_value):
    """Figure A: ``draw(ax, numpy_value)`` with the guard off; figure B: the tensor, guard on."""
    guarded.disable()
    fig_a, ax_a = _axes()
    draw(ax_a, numpy_value)
    guarded.enable()
    guarded.reset_stats()
    fig_b, ax_b = _axes()
    with warnings.catch_warnings():
        warnings.simplefilter("error", TFPlotGuardWarning)  # the guard must not fall open
        draw(ax_b, tensor_value)
    stats = guarded.stats()
    assert stats["errors"] == 0 and stats["conversions"] > 0, stats
    return fig_a, fig_b


# -- item 2: tensors inside dict arguments ------------------------------------------------

DICT_CASES = {
    # the issue's cell: TypeError: alpha must be numeric or None, not EagerTensor
    "text bbox alpha": lambda ax, v: ax.text(0.5, 0.5, "hi", bbox=dict(alpha=v, facecolor="red")),
    "text fontdict": lambda ax, v: ax.text(0.2, 0.5, "hi", fontdict={"fontsize": 20 * v}),
    "set_title fontdict": lambda ax, v: ax.set_title("loss", fontdict={"fontsize": 20 * v}),
    "annotate arrowprops": lambda ax, v: ax.annotate("a", xy=(0.2, 0.2), xytext=(0.7, 0.7),
                                                     arrowprops={"arrowstyle": "->", "alpha": v}),
    "pie textprops and wedgeprops": lambda ax, v: ax.pie([1.0, 2.0], labels=["a", "b"],
                                                         textprops={"fontsize": 20 * v},
                                                         wedgeprops={"linewidth": 4 * v, "alpha": v}),
    "boxplot boxprops": lambda ax, v: ax.boxplot(np.arange(10.0), boxprops={"linewidth": 4 * v},
                                                 medianprops={"alpha": v}),
    "legend prop": lambda ax, v: (ax.plot([0.0, 1.0], label="x"), ax.legend(prop={"size": 20 * v})),
    "nested dict": lambda ax, v: ax.text(0.5, 0.5, "hi", bbox={"alpha": v, "boxstyle": "round"},
                                         fontdict={"color": (v, v, v)}),
}


@pytest.mark.parametrize("name", list(DICT_CASES))
def test_tensor_inside_a_dict_argument_draws_as_the_number(guarded, name):
    """A 0-d tensor inside a dict keyword argument draws what the same Python float draws."""
    draw = DICT_CASES[name]
    fig_a, fig_b = _pair(guarded, draw, np.float32(0.5), tf.constant(0.5))
    assert_same_drawing(fig_a, fig_b)


def test_the_issue_cell_no_longer_raises(guarded):
    """``ax.text(0.5, 0.5, "hi", bbox=dict(alpha=tf.constant(0.5)))`` draws, with alpha a real number."""
    fig, ax = _axes()
    text = ax.text(0.5, 0.5, "hi", bbox=dict(alpha=tf.constant(0.5)))
    fig.canvas.draw()
    assert text.get_bbox_patch().get_alpha() == 0.5


def test_dict_without_tensor_is_passed_on_as_the_same_object(guarded):
    """Another argument holds a tensor, so the call is converted: the tensor-free dict is the same object."""
    fig, ax = _axes()
    props = {"arrowstyle": "->", "alpha": 0.5}
    annotation = ax.annotate("a", xy=(tf.constant(0.2), tf.constant(0.2)), xytext=(0.7, 0.7), arrowprops=props)
    assert guarded.stats()["conversions"] > 0
    assert annotation.arrowprops is props  # matplotlib keeps the dict it was given


def test_dict_with_tensor_is_a_new_dict_and_the_users_dict_is_unchanged(guarded):
    """The converted dict is new; the user's dict still holds the very tensor it held."""
    fig, ax = _axes()
    alpha = tf.constant(0.5)
    props = {"arrowstyle": "->", "alpha": alpha}
    annotation = ax.annotate("a", xy=(0.2, 0.2), xytext=(0.7, 0.7), arrowprops=props)
    assert annotation.arrowprops is not props
    assert props == {"arrowstyle": "->", "alpha": alpha} and props["alpha"] is alpha
    assert annotation.arrowprops["alpha"] == np.float32(0.5)
    assert not tf.is_tensor(annotation.arrowprops["alpha"])
    fig.canvas.draw()


def test_dict_that_contains_itself_does_not_recurse_forever(guarded):
    """A self-referencing dict is walked once; the tensor in it is still converted."""
    fig, ax = _axes()
    props = {"alpha": tf.constant(0.5), "facecolor": "red"}
    props["self"] = props
    converted = guarded.GUARD.convert_call("points", (ax,), {"bbox": props})[1]["bbox"]
    assert converted is not props and converted["alpha"] == np.float32(0.5) and converted["self"] is props


# -- item 9: NumPy-only figures do not pay for the guard ----------------------------------


def _prescans_during(run) -> int:
    """How often the guard's pre-scan ran during ``run()`` (counted with ``sys.setprofile``)."""
    import sys

    code, count = guard_module._holds_tf_value.__code__, [0]

    def profile(frame, event, arg):
        if event == "call" and frame.f_code is code:
            count[0] += 1

    sys.setprofile(profile)
    try:
        run()
    finally:
        sys.setprofile(None)
    return count[0]


def test_prescan_of_a_long_float_list_is_bounded(guarded):
    """The pre-scan of a 1e6-float list looks at its two ends only, not at every element (it walked them all).

    Asserted by what the scan sees rather than by a time: a tensor deep inside is not looked at,
    one within the sampled ends is.
    """
    values = np.linspace(0.0, 1.0, 1_000_000).tolist()
    assert not guard_module._holds_tf_value((None, values), {})
    for spot, seen in ((500_000, False), (guard_module.SCAN_EDGE - 1, True), (-guard_module.SCAN_EDGE, True),
                       (guard_module.SCAN_EDGE, False)):
        probe = list(values)
        probe[spot] = tf.constant(1.0)
        assert guard_module._holds_tf_value((None, probe), {}) is seen, spot


@pytest.mark.parametrize("where", ["short list, middle", "long list, head", "long list, tail", "long list of 0-d"])
def test_list_mixing_floats_and_tensors_is_still_converted(guarded, where):
    """Floats and 0-d tensors in one list: the guard converts the tensors, the drawing equals NumPy's."""
    n = 10 if where.startswith("short") else 5_000
    values = [float(k % 7) for k in range(n)]
    spots = {"short list, middle": [n // 2], "long list, head": [0, 3], "long list, tail": [n - 1],
             "long list of 0-d": range(n)}[where]

    def draw(ax, tensors):
        ys = list(values)
        for spot in spots:
            ys[spot] = tf.constant(ys[spot], tf.bfloat16) if tensors else np.float32(ys[spot])
        ax.plot(ys)

    fig_a, fig_b = _pair(guarded, draw, False, True)
    assert_same_drawing(fig_a, fig_b)


def test_tensor_only_in_the_middle_of_a_long_list_is_left_to_matplotlib(guarded):
    """The documented limit: the sample misses it, matplotlib converts it itself, the drawing is the same."""
    values = [float(k % 7) for k in range(5_000)]
    guarded.disable()
    fig_a, ax_a = _axes()
    ax_a.plot(values)
    guarded.enable()
    fig_b, ax_b = _axes()
    ys = list(values)
    ys[2_500] = tf.constant(ys[2_500])
    ax_b.plot(ys)
    assert guarded.stats()["conversions"] == 0
    assert_same_drawing(fig_a, fig_b)


@pytest.mark.parametrize("layout", [None, "constrained", "tight"])
def test_drawing_a_figure_does_not_prescan(guarded, layout):
    """matplotlib's own drawing passes straight through, as inner calls of a guarded call do (was ~270)."""
    fig = Figure(figsize=(3, 2), dpi=40, layout=layout)
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    ax.plot(np.arange(100.0), np.arange(100.0) ** 0.5, label="sqrt")
    ax.legend()
    ax.set_title("title")
    ax3d = fig.add_subplot(2, 2, 4, projection="3d")
    ax3d.plot(np.arange(5.0), np.arange(5.0), np.arange(5.0))
    fig.canvas.draw()  # the first draw builds ticks; time the steady state and the first alike
    assert _prescans_during(fig.canvas.draw) == 0
    ax.set_xlim(0, 50)
    assert _prescans_during(fig.canvas.draw) == 0
    assert _prescans_during(lambda: ax.set_xlim(0, 60)) == 1  # the user's own calls are still scanned


def test_draw_event_callbacks_stay_guarded(guarded):
    """User code in a ``draw_event`` callback (FuncAnimation's init_func with blit) is still converted."""
    fig, ax = _axes()
    ax.plot([0.0, 1.0])
    titles = []

    def on_draw(event):
        if not titles:
            titles.append(ax.set_title(tf.constant("drawn")).get_text())

    fig.canvas.mpl_connect("draw_event", on_draw)
    fig.canvas.draw()
    assert titles == ["drawn"]


def test_drawing_inside_a_custom_artist_runs_as_matplotlibs_own(guarded):
    """An artist's draw runs under the "inside" flag (the documented limit), and the flag is reset after."""
    seen = []

    class Probe(Artist):
        def draw(self, renderer):
            seen.append(guard_module._call_state.inside)

    fig, ax = _axes()
    ax.add_artist(Probe())
    fig.canvas.draw()
    assert seen == [True] and guard_module._call_state.inside is False
