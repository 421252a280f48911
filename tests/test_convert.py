"""``to_numpy`` and the conversion semantics of every TensorFlow value kind (no matplotlib)."""

import collections

import numpy as np
import pytest
import tensorflow as tf

import tfplotguard
from tfplotguard import TensorPlotError, to_numpy
from tfplotguard.core.convert import COOView, kind_of


def test_cpu_tensor_becomes_read_only_zero_copy_view():
    t = tf.random.normal((64, 32))
    array = to_numpy(t)
    assert isinstance(array, np.ndarray)
    assert not array.flags.writeable
    assert not array.flags.owndata  # a view of the tensor's own buffer, not a copy
    assert np.shares_memory(array, np.asarray(t))
    np.testing.assert_array_equal(array, t.numpy())


def test_view_does_not_keep_the_tensor_object_alive():
    import weakref

    t = tf.random.normal((16,))
    ref = weakref.ref(t)
    array = to_numpy(t)
    del t
    assert ref() is None
    assert array.shape == (16,)


@pytest.mark.parametrize("dtype", [tf.bfloat16, tf.float16])
def test_half_precision_becomes_float32(dtype):
    t = tf.constant([1.5, -2.25, 3.0], dtype=dtype)
    array = to_numpy(t)
    assert array.dtype == np.float32
    np.testing.assert_array_equal(array, [1.5, -2.25, 3.0])


@pytest.mark.parametrize("dtype", [tf.int8, tf.uint16, tf.int64, tf.bool, tf.float64, tf.complex64])
def test_other_dtypes_as_numpy_gives_them(dtype):
    t = tf.cast(tf.constant([0, 1, 2]), dtype)
    assert to_numpy(t).dtype == np.asarray(t).dtype


def test_strings_become_str_utf8_decoded():
    t = tf.constant([["a", "dög"], ["\u732b", ""]])
    array = to_numpy(t)
    assert array.shape == (2, 2)
    assert array.tolist() == [["a", "dög"], ["\u732b", ""]]
    assert all(isinstance(s, str) for s in array.reshape(-1))
    assert to_numpy(tf.constant([b"\xff ok"])).tolist() == ["\ufffd ok"]  # undecodable bytes replaced
    assert to_numpy(tf.constant("scalar")) == "scalar"
    assert to_numpy(tf.constant([], dtype=tf.string)).shape == (0,)


def test_zero_d_becomes_a_numpy_scalar():
    value = to_numpy(tf.constant(2.5))
    assert value == 2.5 and np.ndim(value) == 0


def test_variable_is_read_not_aliased():
    v = tf.Variable([1.0, 2.0, 3.0])
    before = to_numpy(v)
    v.assign([7.0, 8.0, 9.0])
    np.testing.assert_array_equal(before, [1.0, 2.0, 3.0])  # what was plotted does not change under us
    np.testing.assert_array_equal(to_numpy(v), [7.0, 8.0, 9.0])
    assert not before.flags.writeable


def test_keras_variable():
    import keras

    if not hasattr(keras, "Variable"):
        pytest.skip(f"Keras {keras.__version__} has no keras.Variable (Keras 3 only)")
    v = keras.Variable(np.arange(4.0, dtype="float32"))
    assert kind_of(v) == "keras_variable"
    np.testing.assert_array_equal(to_numpy(v), np.arange(4.0))


# -- ragged ------------------------------------------------------------------

ROWS = [[1, 2, 3], [], [4], [5, 6]]


@pytest.fixture
def ragged():
    return tf.ragged.constant(ROWS)


def test_ragged_datasets_policy(ragged):
    rows = to_numpy(ragged, policy="datasets")
    assert [r.tolist() for r in rows] == ROWS


def test_ragged_points_policy(ragged):
    np.testing.assert_array_equal(to_numpy(ragged, policy="points"), [1, 2, 3, 4, 5, 6])


def test_ragged_grid_policy_is_nan_padded_and_masked(ragged):
    grid = to_numpy(ragged, policy="grid")
    assert isinstance(grid, np.ma.MaskedArray)
    assert grid.shape == (4, 3)
    assert grid.mask.tolist() == [[False] * 3, [True] * 3, [False, True, True], [False, False, True]]
    assert np.isnan(grid.data[1]).all()
    assert grid.compressed().tolist() == [1, 2, 3, 4, 5, 6]


def test_ragged_lines_policy_has_one_column_per_row(ragged):
    lines = to_numpy(ragged, policy="lines")
    assert lines.shape == (3, 4)
    np.testing.assert_array_equal(lines[:, 0], [1, 2, 3])
    assert np.isnan(lines[:, 1]).all()
    np.testing.assert_array_equal(lines[:2, 3], [5, 6])


def test_ragged_with_two_ragged_dimensions_is_merged():
    rt = tf.ragged.constant([[[1, 2], [3]], [[4, 5, 6]], []])
    assert rt.ragged_rank == 2
    assert [r.tolist() for r in to_numpy(rt, policy="datasets")] == [[1, 2, 3], [4, 5, 6], []]


def test_ragged_with_uniform_inner_dimension_is_flattened_per_row():
    rt = tf.RaggedTensor.from_row_lengths(tf.reshape(tf.range(12), (6, 2)), [2, 4])
    rows = to_numpy(rt, policy="datasets")
    assert [r.tolist() for r in rows] == [[0, 1, 2, 3], [4, 5, 6, 7, 8, 9, 10, 11]]


def test_ragged_grid_over_the_dense_limit_is_refused():
    rt = tf.RaggedTensor.from_row_lengths(tf.zeros(2_000_001), [1] * 2_000_000 + [1])
    with pytest.raises(TensorPlotError, match="dense limit"):
        to_numpy(rt, policy="grid", dense_limit_mb=1)


# -- sparse and IndexedSlices ------------------------------------------------


def test_sparse_densified():
    dense = np.array([[0, 2.5, 0], [0, 0, -1]], np.float32)
    array = to_numpy(tf.sparse.from_dense(dense))
    np.testing.assert_array_equal(array, dense)
    assert not array.flags.writeable


def test_empty_sparse():
    st = tf.sparse.SparseTensor(tf.zeros((0, 2), tf.int64), tf.zeros((0,)), [3, 4])
    np.testing.assert_array_equal(to_numpy(st), np.zeros((3, 4)))


def test_indexed_slices_sum_repeated_rows_like_tensorflow():
    slices = tf.IndexedSlices(tf.constant([[1.0, 2.0], [3.0, 4.0], [10.0, 10.0]]), tf.constant([0, 2, 0]),
                              tf.constant([3, 2]))
    np.testing.assert_array_equal(to_numpy(slices), tf.convert_to_tensor(slices).numpy())


def test_indexed_slices_from_an_embedding_gradient():
    table = tf.Variable(tf.random.normal((10, 4)))
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(tf.nn.embedding_lookup(table, [1, 3, 3]))
    grad = tape.gradient(loss, table)
    assert isinstance(grad, tf.IndexedSlices)
    np.testing.assert_array_equal(to_numpy(grad), tf.convert_to_tensor(grad).numpy())


def test_sparse_over_limit_names_sizes_and_the_way_out():
    st = tf.sparse.SparseTensor([[0, 0], [99_999, 99_999]], [1.0, 2.0], [100_000, 100_000])
    with pytest.raises(TensorPlotError) as info:
        to_numpy(st)
    message = str(info.value)
    assert "(100000, 100000)" in message and "37.3 GiB" in message and "256.0 MiB" in message
    assert "spy" in message and "tf.sparse.slice" in message and "dense_limit_mb" in message


def test_sparse_coo_policy_never_densifies():
    st = tf.sparse.SparseTensor([[0, 1], [99_999, 5]], [1.0, 2.0], [100_000, 100_000])
    coo = to_numpy(st, policy="coo")
    assert isinstance(coo, COOView) and coo.tocoo() is coo
    assert coo.shape == (100_000, 100_000)
    assert coo.row.tolist() == [0, 99_999] and coo.col.tolist() == [1, 5]


# -- distributed values ------------------------------------------------------


@pytest.fixture(scope="module")
def strategy():
    return tf.distribute.MirroredStrategy(["/cpu:0", "/cpu:1"])


def test_per_replica_concatenated_on_axis_0(strategy):
    def step():
        rid = tf.distribute.get_replica_context().replica_id_in_sync_group
        return tf.fill([2, 2], tf.cast(rid, tf.float32))

    value = strategy.run(step)
    assert kind_of(value) == "per_replica"
    np.testing.assert_array_equal(to_numpy(value), [[0, 0], [0, 0], [1, 1], [1, 1]])


def test_per_replica_scalars_stacked(strategy):
    value = strategy.run(lambda: tf.cast(tf.distribute.get_replica_context().replica_id_in_sync_group, tf.float32))
    np.testing.assert_array_equal(to_numpy(value), [0.0, 1.0])


def test_mirrored_variable_gives_one_replica(strategy):
    with strategy.scope():
        v = tf.Variable([1.0, 2.0])
    assert len(v.values) == 2
    np.testing.assert_array_equal(to_numpy(v), [1.0, 2.0])


# -- symbolic values ---------------------------------------------------------


def test_tf1_graph_tensor_without_session_is_refused_with_the_fix():
    graph = tf.Graph()
    with graph.as_default():
        c = tf.constant([1.0, 2.0], name="c")
    with pytest.raises(TensorPlotError) as info:
        to_numpy(c)
    assert "'c:0'" in str(info.value) and "no active session" in str(info.value)
    assert "sess.run" in str(info.value)


def test_tf1_graph_tensor_with_default_session_is_evaluated():
    graph = tf.Graph()
    with graph.as_default():
        c = tf.constant([1.0, 2.0]) * 3.0
    with tf.compat.v1.Session(graph=graph) as sess, sess.as_default():
        np.testing.assert_array_equal(to_numpy(c), [3.0, 6.0])


def test_symbolic_inside_tf_function():
    seen = {}

    @tf.function
    def traced(t):
        try:
            to_numpy(t)
        except TensorPlotError as exc:
            seen["message"] = str(exc)
        return t

    traced(tf.constant([1.0]))
    assert "while tf.function 'traced' is being traced" in seen["message"]


# -- containers and pass-through --------------------------------------------


def test_non_tensorflow_values_are_the_very_same_object():
    items = [np.arange(3), [1, 2, 3], (4, 5), "label", None, 3.5, {"a": 1}]
    for item in items:
        assert to_numpy(item) is item


def test_nested_containers_rebuilt_only_where_they_hold_tensors():
    untouched = [1.0, 2.0]
    Point = collections.namedtuple("Point", "x y")
    value = [untouched, (tf.constant([1.0]), "keep"), Point(tf.constant(2.0), 3)]
    result = to_numpy(value)
    assert result[0] is untouched
    assert isinstance(result[1], tuple) and result[1][1] == "keep"
    np.testing.assert_array_equal(result[1][0], [1.0])
    assert isinstance(result[2], Point) and result[2].x == 2.0


def test_unknown_policy_is_a_clear_error():
    with pytest.raises(ValueError, match="unknown policy 'rows'.*grid"):
        to_numpy(tf.constant([1.0]), policy="rows")


def test_bad_dense_limit_is_a_clear_error():
    with pytest.raises(ValueError, match="dense_limit_mb must be a positive number of MiB"):
        to_numpy(tf.constant([1.0]), dense_limit_mb=-1)


def test_configure_refuses_bad_values_and_changes_nothing():
    before = tfplotguard.settings()
    for bad in (-1, 0, float("nan"), float("inf"), "big", True):
        with pytest.raises(ValueError, match="positive number of MiB"):
            tfplotguard.configure(dense_limit_mb=512, cache_limit_mb=bad)
    assert tfplotguard.settings() == before
