"""XLA compiling a jit_compile=True step once per input shape (``xla_recompiles``): real TensorFlow and Keras."""

import keras
import numpy as np
import tensorflow as tf

from measured import measure


def by_rule(report):
    return {f.rule: f for f in report.findings}


def _xla_step():
    @tf.function(jit_compile=True)
    def step(x):
        for _ in range(4):
            x = tf.tanh(tf.linalg.matmul(x, tf.transpose(x)[:, :8])) + tf.reduce_mean(x)
        return tf.reduce_sum(x)

    return step


def test_a_jit_compiled_function_given_new_shapes_is_named_with_its_shape_count():
    step = _xla_step()
    step(tf.ones((40, 8)))  # the trace itself is not what this rule is about

    report = measure(lambda: [step(tf.ones((n, 8))) for n in (41, 42, 43, 44, 45)], stacks_ms=1.0)
    calls = report.tf_times["function_calls"]["step"]
    assert calls["jit_compile"] and calls["shapes"] == 5 and calls["calls"] == 5
    finding = by_rule(report).get("xla_recompiles")
    assert finding is not None and "tf.function step" in finding.message and "5 different input shapes" in finding.message
    assert "jit_compile" in finding.fix and finding.seconds > 0
    assert "tf_compute_bound" not in by_rule(report)


def test_the_same_shape_again_and_again_is_quiet():
    step = _xla_step()
    step(tf.ones((40, 8)))
    report = measure(lambda: [step(tf.ones((40 + (i % 2), 8))) for i in range(10)], stacks_ms=1.0)
    assert report.tf_times["function_calls"]["step"]["shapes"] == 2
    assert "xla_recompiles" not in by_rule(report)


def test_a_function_without_xla_given_new_shapes_is_not_this():
    @tf.function(reduce_retracing=True)
    def step(x):
        return tf.reduce_sum(tf.linalg.matmul(x, tf.transpose(x)))

    report = measure(lambda: [step(tf.ones((n, 8))) for n in range(40, 50)], stacks_ms=1.0)
    calls = report.tf_times["function_calls"]["step"]
    assert not calls["jit_compile"] and calls["shapes"] == 10
    assert "xla_recompiles" not in by_rule(report)


def _padded_reviews():
    rng = np.random.default_rng(0)
    lengths = np.sort(rng.integers(20, 200, size=96))
    tokens = tf.RaggedTensor.from_row_lengths(rng.integers(1, 500, size=int(lengths.sum())).astype("int32"), lengths)
    return tf.data.Dataset.from_tensor_slices(tokens).batch(16).map(lambda b: b.to_tensor())  # 6 lengths


def _text_model():
    return keras.Sequential([keras.Input((None,), dtype="int32"), keras.layers.Embedding(500, 16),
                             keras.layers.Conv1D(16, 5, padding="same", activation="relu"),
                             keras.layers.GlobalMaxPooling1D(), keras.layers.Dense(1)])


def test_a_keras_model_compiled_with_xla_predicting_padded_batches_is_named_and_told_how():
    reviews, model = _padded_reviews(), _text_model()
    model.compile(loss="mse", jit_compile=True)
    report = measure(lambda: model.predict(reviews, verbose=0), stacks_ms=1.0)
    assert report.keras_calls[0]["jit_compile"] is True
    finding = by_rule(report).get("xla_recompiles")
    assert finding is not None and "Keras model's step" in finding.message, [f.message for f in report.findings]
    assert "jit_compile=False" in finding.fix and "padded_shapes" in finding.fix
    assert "tf_compute_bound" not in by_rule(report)


def test_the_same_keras_model_without_xla_is_quiet_and_its_compile_setting_untouched():
    reviews, model = _padded_reviews(), _text_model()
    model.compile(loss="mse")  # jit_compile="auto": off on a CPU-only machine
    before = model._jit_compile
    report = measure(lambda: model.predict(reviews, verbose=0), stacks_ms=1.0)
    assert model._jit_compile == before  # read without resolving "auto"
    assert report.keras_calls[0]["jit_compile"] is False
    assert "xla_recompiles" not in by_rule(report)
