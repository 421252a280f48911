"""Zoo cases: see :mod:`benchmarks.zoo`. Input pipelines (tf.data) and Keras."""

from __future__ import annotations

from . import Case

_ARRAYS = """
import numpy as np
import tensorflow as tf
X = np.random.default_rng(0).normal(size=(2000, 32)).astype("float32")
"""

#: Keras cells' setup: data and a compiled model, traced once (benchmarks/fixes.py uses it too).
KERAS_SETUP = """
import keras
import numpy as np
X = np.random.default_rng(0).normal(size=(4096, 8)).astype("float32")
Y = (X.sum(axis=1, keepdims=True) > 0).astype("float32")

def make_model(steps_per_execution=1):
    model = keras.Sequential([keras.Input((8,)), keras.layers.Dense(16, activation="relu"),
                              keras.layers.Dense(1, activation="sigmoid")])
    model.compile(optimizer="adam", loss="binary_crossentropy", steps_per_execution=steps_per_execution)
    model.fit(X[:256], Y[:256], batch_size=64, verbose=0)  # traced once, outside the measured cells
    return model

model = make_model()
"""

CASES: list[Case] = [
    Case(
        id="data_from_generator", family=6, title="a Python generator feeds the loop (from_generator)",
        rule="input_bound",
        # 6,000 rows: the first from_generator of a process pays a one-time cost when the dataset is
        # made (tracing), which reached 40-48 % of a 2,000-row cell in some runs and then led it.
        setup=_ARRAYS + """
X = np.concatenate([X, X, X])
def rows():
    for row in X:
        yield row
""",
        slow="""
ds = tf.data.Dataset.from_generator(rows, output_signature=tf.TensorSpec((32,), tf.float32)).batch(32)
total = 0.0
for xb in ds:
    total += float(tf.reduce_sum(xb))
""",
        twin="""
ds = tf.data.Dataset.from_tensor_slices(X).batch(32).prefetch(tf.data.AUTOTUNE)
total = 0.0
for xb in ds:
    total += float(tf.reduce_sum(xb))
""",
    ),
    Case(
        id="data_py_function_map", family=22, title="tf.py_function in a Dataset.map",
        rule="py_function",
        setup=_ARRAYS + """
def np_scale(x):
    return np.tanh(x.numpy()) * 2.0
""",
        slow="""
ds = tf.data.Dataset.from_tensor_slices(X).map(lambda x: tf.py_function(np_scale, [x], tf.float32)).batch(32)
for xb in ds:
    tf.reduce_sum(xb)
""",
        twin="""
ds = (tf.data.Dataset.from_tensor_slices(X).batch(32)
      .map(lambda x: tf.tanh(x) * 2.0, num_parallel_calls=tf.data.AUTOTUNE).prefetch(tf.data.AUTOTUNE))
for xb in ds:
    tf.reduce_sum(xb)
""",
    ),
    Case(
        id="data_py_function_in_step", family=22, title="tf.numpy_function inside a tf.function step",
        rule="py_function",
        setup="""
import numpy as np
import tensorflow as tf
M = tf.constant(np.random.default_rng(0).normal(size=(256, 256)).astype("float32"))

def np_softclip(a):
    return np.tanh(a) * 3.0

@tf.function
def step(x):
    return tf.reduce_sum(tf.numpy_function(np_softclip, [tf.matmul(x, x)], tf.float32))

@tf.function
def step_tf(x):
    return tf.reduce_sum(tf.tanh(tf.matmul(x, x)) * 3.0)

step(M), step_tf(M)  # traced outside the measured cells
""",
        slow="""
for _ in range(400):
    step(M)
""",
        twin="""
for _ in range(400):
    step_tf(M)
""",
    ),
    Case(
        id="data_no_cache", family=7, title="an expensive map redone every epoch, no cache()",
        rule="no_cache",
        setup="""
import numpy as np
import tensorflow as tf
# 600 images: 200 made a 0.2 s cell on an AVX-512 Xeon, whose redone passes (0.05 s) sat at the 50 ms floor
IMAGES = np.random.default_rng(0).normal(size=(600, 128, 128)).astype("float32")

def preprocess(image):
    for _ in range(6):
        image = tf.tanh(tf.linalg.matmul(image, image) / 128.0)
    return image
""",
        slow="""
ds = (tf.data.Dataset.from_tensor_slices(IMAGES).map(preprocess, num_parallel_calls=tf.data.AUTOTUNE)
      .batch(32).prefetch(tf.data.AUTOTUNE))
for epoch in range(3):
    for xb in ds:
        tf.reduce_mean(xb)
""",
        twin="""
ds = (tf.data.Dataset.from_tensor_slices(IMAGES).map(preprocess, num_parallel_calls=tf.data.AUTOTUNE)
      .cache().batch(32).prefetch(tf.data.AUTOTUNE))
for epoch in range(3):
    for xb in ds:
        tf.reduce_mean(xb)
""",
    ),
    Case(
        id="keras_batch_size_one", family=8, title="fit with batch_size=1: one step per example",
        rule="keras_tiny_batches",
        setup=KERAS_SETUP,
        slow="model.fit(X[:512], Y[:512], batch_size=1, epochs=1, verbose=0)",
        twin="model.fit(X[:512], Y[:512], batch_size=64, epochs=1, verbose=0)",
    ),
    Case(
        id="keras_predict_in_loop", family=9, title="model.predict called per example in a loop",
        rule="keras_call_in_loop",
        setup=KERAS_SETUP,
        slow="""
scores = [model.predict(X[i:i + 1], verbose=0)[0, 0] for i in range(12)]
""",
        twin="""
scores = model.predict(X[:12], verbose=0)[:, 0]
""",
    ),
    Case(
        id="keras_step_overhead", family=10, title="many small steps of a tiny model, steps_per_execution=1",
        rule="keras_step_overhead",
        setup=KERAS_SETUP + """
fast_model = make_model(steps_per_execution=32)
""",
        slow="model.fit(X[:2048], Y[:2048], batch_size=8, epochs=1, verbose=0)",
        twin="fast_model.fit(X[:2048], Y[:2048], batch_size=64, epochs=1, verbose=0)",
    ),
]
