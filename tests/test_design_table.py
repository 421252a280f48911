"""Each row of DESIGN.md's "What is true today" table: fails (or converts repeatedly) without the
guard, and with the guard draws exactly what the equivalent NumPy input draws.

The table was measured on matplotlib 3.11. Before 3.9 matplotlib has no tensor path at all, so
there the native calls fail in other ways (any exception is accepted) and there is nothing of its
own to count; what the guard draws is checked on every version."""

import matplotlib.cbook as cbook
import matplotlib.pyplot as plt
import numpy as np
import pytest
import tensorflow as tf

import tfplotguard
from figdata import assert_same_drawing


def _draw(call):
    fig, ax = plt.subplots()
    call(ax)
    return fig


NATIVE_TENSOR_PATH = hasattr(cbook, "_is_tensorflow_array")  # matplotlib >= 3.9


def native(error):
    """The exception matplotlib raises by itself: as the table says on >= 3.9, any before."""
    return error if NATIVE_TENSOR_PATH else Exception


@pytest.fixture
def tf_detections(monkeypatch):
    """Counts matplotlib's own TensorFlow detections (each one is followed by an np.asarray)."""
    count = {"n": 0}
    if not NATIVE_TENSOR_PATH:
        return count
    original = cbook._is_tensorflow_array

    def counting(x):
        found = original(x)
        count["n"] += bool(found)
        return found

    monkeypatch.setattr(cbook, "_is_tensorflow_array", counting)
    return count


# -- row 1: dense EagerTensor / Variable: native converts several times per call ------------


@pytest.mark.parametrize(
    "method, make_args, repeats_natively",
    [
        # plot detects each tensor once; on an accelerator that is still one copy per call.
        ("plot", lambda xp: (xp(np.arange(50.0)), xp(np.sin(np.arange(50.0)))), False),
        ("scatter", lambda xp: (xp(np.arange(50.0)), xp(np.cos(np.arange(50.0)))), True),
        ("bar", lambda xp: (xp(np.arange(20.0)), xp(np.arange(20.0) ** 2)), True),
    ],
)
@pytest.mark.parametrize("make_tensor", [tf.constant, tf.Variable], ids=["EagerTensor", "Variable"])
def test_dense_converted_once_per_tensor(method, make_args, repeats_natively, make_tensor, tf_detections):
    numpy_args = make_args(np.asarray)
    tensor_args = make_args(make_tensor)

    expected = _draw(lambda ax: getattr(ax, method)(*numpy_args))
    if NATIVE_TENSOR_PATH:
        native = _draw(lambda ax: getattr(ax, method)(*tensor_args))
        native_detections = tf_detections["n"]
        assert native_detections >= len(tensor_args)
        if repeats_natively:
            assert native_detections > len(tensor_args), "matplotlib now converts each tensor once by itself"
        assert_same_drawing(expected, native)

    tfplotguard.enable()
    try:
        tfplotguard.guard.reset_stats()
        tfplotguard.guard.clear_cache()
        tf_detections["n"] = 0
        guarded = _draw(lambda ax: getattr(ax, method)(*tensor_args))
        stats = tfplotguard.stats()
    finally:
        tfplotguard.disable()
    assert tf_detections["n"] == 0, "matplotlib saw a tensor behind the guard"
    assert stats["conversions"] == len(tensor_args)
    assert_same_drawing(expected, guarded)


# -- rows 2-8: kinds matplotlib cannot draw, or draws wrongly, by itself ---------------------

ROWS = [0.5, 1.5, 2.0], [3.0], [4.0, 5.0]


def _ragged():
    return tf.ragged.constant(ROWS)


def _ragged_as_lines():
    padded = np.full((3, 3), np.nan)
    for i, row in enumerate(ROWS):
        padded[i, : len(row)] = row
    return padded.T


DENSE_2D = np.array([[0.0, 1.5, 0.0, 0.0], [2.0, 0.0, 0.0, -1.0], [0.0, 0.0, 3.0, 0.0]], np.float32)


def _sparse():
    return tf.sparse.from_dense(DENSE_2D)


def _indexed_slices():
    values = tf.constant([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0], [1.0, 1.0, 1.0]])
    return tf.IndexedSlices(values, tf.constant([0, 2, 0]), tf.constant([4, 3]))


def _per_replica():
    strategy = tf.distribute.MirroredStrategy(["/cpu:0", "/cpu:1"])

    def step():
        ctx = tf.distribute.get_replica_context()
        return tf.range(3, dtype=tf.float32) + 10.0 * tf.cast(ctx.replica_id_in_sync_group, tf.float32)

    return strategy.run(step)


def _keras_input():
    import keras

    return keras.Input((3,))


CASES = {
    # name: (make value, native call, expected native exception, equivalent NumPy call)
    "ragged-plot": (_ragged, lambda ax, v: ax.plot(v), RecursionError, lambda ax: ax.plot(_ragged_as_lines())),
    "ragged-hist": (_ragged, lambda ax, v: ax.hist(v), TypeError,
                    lambda ax: ax.hist([np.array(r, np.float32) for r in ROWS])),
    "ragged-boxplot": (_ragged, lambda ax, v: ax.boxplot(v), TypeError,
                       lambda ax: ax.boxplot([np.array(r, np.float32) for r in ROWS])),
    "sparse-imshow": (_sparse, lambda ax, v: ax.imshow(v), TypeError, lambda ax: ax.imshow(DENSE_2D)),
    # A sparse value is drawn as markers, the way matplotlib draws a scipy sparse matrix.
    "sparse-spy": (_sparse, lambda ax, v: ax.spy(v), TypeError, lambda ax: ax.spy(DENSE_2D, marker="s")),
    "indexedslices-imshow": (_indexed_slices, lambda ax, v: ax.imshow(v), TypeError,
                             lambda ax: ax.imshow(tf.convert_to_tensor(_indexed_slices()).numpy())),
    "perreplica-plot": (_per_replica, lambda ax, v: ax.plot(v), TypeError,
                        lambda ax: ax.plot(np.array([0.0, 1, 2, 10, 11, 12], np.float32))),
    "string-bar-labels": (lambda: tf.constant(["cat", "dög", "bird"]),
                          lambda ax, v: ax.bar(v, [3, 1, 2]), tf.errors.InvalidArgumentError,
                          lambda ax: ax.bar(["cat", "dög", "bird"], [3, 1, 2])),
}


@pytest.mark.parametrize("case", list(CASES))
def test_row_fails_natively_and_draws_like_numpy_with_guard(case):
    make, call, native_error, numpy_call = CASES[case]
    value = make()
    with pytest.raises(native(native_error)):
        _draw(lambda ax: call(ax, value))
    plt.close("all")

    expected = _draw(numpy_call)
    tfplotguard.enable()
    try:
        guarded = _draw(lambda ax: call(ax, value))
    finally:
        tfplotguard.disable()
    assert_same_drawing(expected, guarded)


def test_symbolic_tensor_in_tf_function():
    @tf.function
    def plot_inside(t):
        plt.plot(t)
        return t

    x = tf.constant([1.0, 2.0, 3.0])
    with pytest.raises(native(NotImplementedError)):
        plot_inside(x)

    @tf.function
    def plot_inside_again(t):
        plt.plot(t)
        return t

    tfplotguard.enable()
    try:
        with pytest.raises(tfplotguard.TensorPlotError) as info:
            plot_inside_again(x)
    finally:
        tfplotguard.disable()
    message = str(info.value)
    assert "SymbolicTensor" in message and "plot_inside_again" in message
    assert "no value" in message
    assert "Return the tensor from the tf.function and plot the result outside" in message
    # The way to watch values from a compiled loop, and not the tf.py_function wrap (pyplot on a TF thread).
    assert "tfplotguard.live()" in message and "LivePlot" in message
    assert "Do not wrap the plot in tf.py_function" in message


def test_keras_tensor():
    value = _keras_input()
    with pytest.raises(native(TypeError)):
        _draw(lambda ax: ax.plot(value))
    tfplotguard.enable()
    try:
        with pytest.raises(tfplotguard.TensorPlotError) as info:
            _draw(lambda ax: ax.plot(value))
    finally:
        tfplotguard.disable()
    message = str(info.value)
    assert "KerasTensor" in message and "(None, 3)" in message
    assert "no values until the model runs" in message
    assert "model.predict(x)" in message
