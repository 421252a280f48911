"""Ordinary, well-written cells under ``%%tfcheck``: no warning on any of them.

A finding that fires on good code teaches users to ignore the tool. Each cell here is what a
careful notebook user writes every day (a first ``fit`` with ``validation_split``, a batched
``predict``, a ``tf.data`` pipeline, a few plots, a ``tf.function`` called twice with the same
shapes); each runs in the real shell through the real magic, and none may get a warning.
"""

import textwrap

import pytest

SETUP = """
import numpy as np
import tensorflow as tf
import keras
import matplotlib.pyplot as plt

keras.utils.set_random_seed(0)
x_train = np.random.default_rng(0).normal(size=(512, 8)).astype("float32")
y_train = (x_train.sum(axis=1, keepdims=True) > 0).astype("float32")

def make_model():
    model = keras.Sequential([keras.Input((8,)), keras.layers.Dense(16, activation="relu"),
                              keras.layers.Dense(1, activation="sigmoid")])
    model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
    return model
"""

CELLS = {
    "first fit with validation_split": """
        model = make_model()
        history = model.fit(x_train, y_train, epochs=3, batch_size=64, validation_split=0.2, verbose=0)
    """,
    "batched predict": """
        model = make_model()
        probabilities = model.predict(x_train, batch_size=128, verbose=0)
    """,
    "evaluate": """
        model = make_model()
        model.fit(x_train, y_train, epochs=1, batch_size=64, verbose=0)
        loss, accuracy = model.evaluate(x_train, y_train, batch_size=128, verbose=0)
    """,
    "Dataset.map over a range": """
        ds = tf.data.Dataset.range(1000).map(lambda i: tf.cast(i, tf.float32) * 2.0).batch(100)
        total = sum(float(tf.reduce_sum(batch)) for batch in ds)
    """,
    "from_tensor_slices pipeline": """
        ds = (tf.data.Dataset.from_tensor_slices((x_train, y_train))
              .shuffle(512, seed=0).batch(64).prefetch(tf.data.AUTOTUNE))
        batches = [xb.shape[0] for xb, yb in ds]
    """,
    "plot a few tensors": """
        t = tf.linspace(0.0, 10.0, 500)
        fig, (ax1, ax2) = plt.subplots(1, 2)
        ax1.plot(t, tf.sin(t))
        ax2.hist(tf.random.normal([1000]), bins=30)
        plt.close(fig)
    """,
    "tf.function called twice with the same shapes": """
        @tf.function
        def affine(x, w):
            return tf.matmul(x, w) + 1.0
        w = tf.ones((8, 4))
        a = affine(tf.constant(x_train[:32]), w)
        b = affine(tf.constant(x_train[32:64]), w)
    """,
    "a training loop with a compiled step": """
        model = make_model()
        optimizer = keras.optimizers.Adam()
        loss_fn = keras.losses.BinaryCrossentropy()
        @tf.function
        def train_step(xb, yb):
            with tf.GradientTape() as tape:
                loss = loss_fn(yb, model(xb, training=True))
            grads = tape.gradient(loss, model.trainable_variables)
            optimizer.apply_gradients(zip(grads, model.trainable_variables))
            return loss
        ds = tf.data.Dataset.from_tensor_slices((x_train, y_train)).batch(64, drop_remainder=True)
        losses = [train_step(xb, yb) for xb, yb in ds]
        final_loss = float(losses[-1])
    """,
    "one vectorised tensor computation": """
        m = tf.random.stateless_normal((400, 400), seed=[1, 2])
        gram = tf.matmul(m, m, transpose_b=True)
        eigenvalues = tf.linalg.eigvalsh(gram).numpy()
    """,
    "plot training history": """
        model = make_model()
        history = model.fit(x_train, y_train, epochs=2, batch_size=64, verbose=0)
        fig, ax = plt.subplots()
        ax.plot(history.history["loss"], label="loss")
        ax.legend()
        fig.canvas.draw()
        plt.close(fig)
    """,
}


@pytest.fixture
def shell(tfcheck):
    """The loaded extension with the workloads' imports, data and model factory defined."""
    tfcheck.run_cell(SETUP, store_history=False).raise_error()
    return tfcheck


@pytest.mark.parametrize("name", list(CELLS))
def test_an_ordinary_cell_gets_no_warning(shell, name):
    body = textwrap.dedent(CELLS[name])
    result = shell.run_cell("%%tfcheck --quiet -o normal_report\n" + body)
    result.raise_error()
    report = shell.user_ns["normal_report"]
    assert report.ok
    # Minor findings (under their rule's share of the cell, or not weighed) are no warning: see findings.registry.
    warnings = [f"{f.rule}: {f.message}" for f in report.warnings()]
    assert warnings == [], f"{name!r} got warnings on ordinary code"
