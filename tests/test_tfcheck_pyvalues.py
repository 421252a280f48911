"""PyValueProbe: Python lists into tensors, tensor elements and scalars out, counted on real TensorFlow."""

import numpy as np
import tensorflow as tf
from tensorflow.python.framework import constant_op, ops, tensor, tensor_conversion_registry

from tfplotguard.check.probes.pyvalues import MIN_ELEMENTS, PyValueProbe

ROWS = [[float(i + j) for j in range(16)] for i in range(32)]


def _watched(fn):
    watch = PyValueProbe()
    assert watch.start()
    try:
        fn()
    finally:
        watch.stop()
    return watch.summary()


def test_the_originals_are_put_back():
    originals = (vars(constant_op)["convert_to_eager_tensor"], vars(tensor_conversion_registry)["convert"],
                 vars(tensor.Tensor)["__getitem__"], vars(ops._EagerTensorBase)["__float__"],
                 vars(ops._EagerTensorBase)["__int__"])
    _watched(lambda: None)
    assert originals == (vars(constant_op)["convert_to_eager_tensor"], vars(tensor_conversion_registry)["convert"],
                         vars(tensor.Tensor)["__getitem__"], vars(ops._EagerTensorBase)["__float__"],
                         vars(ops._EagerTensorBase)["__int__"])


def test_each_list_conversion_is_counted_once_whichever_way_it_came():
    summary = _watched(lambda: (tf.constant(ROWS), tf.convert_to_tensor(ROWS), tf.reduce_sum(ROWS),
                                tf.constant(np.asarray(ROWS)), tf.constant([1.0] * (MIN_ELEMENTS - 1))))
    # tf.reduce_sum really converts its list twice: once to find its rank, once for the sum
    assert summary["lists"]["calls"] == 4 and summary["lists"]["largest"] == [32, 16]
    assert summary["lists"]["seconds"] > 0


def test_elements_iterated_indexed_and_cast():
    t = tf.range(10.0)
    m = tf.reshape(tf.range(12.0), (3, 4))
    summary = _watched(lambda: ([float(v) for v in t], m[1, 2], m[0], m[0:2], m[:, 1], int(tf.constant(3))))
    assert summary["elements"]["iterated"] == 10
    assert summary["elements"]["indexed"] == 2  # m[1, 2] and m[0]; the slices are whole-tensor ops
    assert summary["scalars"]["calls"] == 11


def test_tensorflows_own_calls_and_traced_code_are_not_counted():
    @tf.function
    def f(x):
        return x[0] + tf.constant(ROWS)[0, 0]

    x = tf.range(5.0)
    summary = _watched(lambda: (f(x), f(x), tf.gather(x, [1, 2]), x.shape[0]))
    assert summary["elements"] == {"indexed": 0, "iterated": 0, "seconds": 0.0}
    assert summary["lists"]["calls"] == 0  # the constant is built once, while tracing, as a graph constant
