"""Blind set 1: slow notebook cells as real TensorFlow / Keras / tf.data / NumPy / matplotlib users write them.

Each case: ``id``, ``area``, ``cause`` (the true cause, in one sentence), ``setup`` (run first,
not measured), ``slow`` (the slow cell), ``fixed`` (its twin: same result, much faster),
``compare`` (how ``benchmarks.blind.timecases`` checks that both cells left the same ``out``:
``allclose``, ``equal``, ``image`` (rendered RGB arrays: the means of 4x4-pixel blocks differ by
under 2 levels of 255 on average: the same picture up to antialiasing) or ``none``), and ``slow_s`` / ``fixed_s``: plain wall times measured by
``python -m benchmarks.blind.timecases --set set1`` on this project's shared 2-core VM (no tool
loaded; setup, then the slow cell, then the fixed cell, in one fresh process per case): the median
of 3 runs, each run listed beside it. Measured 2026-12-06 05:11-05:24 UTC while other sessions' tests and
benchmarks kept the 2 cores busy (load average 7-9), which makes these times about twice those of
an idle machine and spreads runs of one case by up to 2x; a cell that waits (``time.sleep``) does not
slow down.

Written blind: the cases were chosen from what users hit (TensorFlow performance guides, the
tf.data performance guide, the Keras docs, matplotlib's own docs, StackOverflow), without reading
``tfplotguard/check/findings/``, ``benchmarks/zoo/`` or the findings' tests. README.md's
``%%tfcheck`` section, read to learn the magic's usage, lists the finding rules in a table, and it
was read before the cases were picked: see ``benchmarks/RESULTS_blind.md`` for what that means.
"""

from __future__ import annotations

_NP = """
import numpy as np
rng = np.random.default_rng(0)
"""

_MPL = (
    _NP
    + """
import io
import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt
def render(fig):
    fig.canvas.draw()
    img = np.asarray(fig.canvas.buffer_rgba()).copy()
    plt.close(fig)
    return img
"""
)

_TF = (
    _NP
    + """
import tensorflow as tf
tf.random.set_seed(0)
# TensorFlow warmed up as in a notebook that has run a few cells: an eager op, a traced function
_ = tf.reduce_sum(tf.ones((4, 4)) @ tf.ones((4, 4)))
_ = tf.function(lambda v: tf.reduce_sum(tf.square(v)))(tf.ones((3,)))
"""
)

_KERAS = (
    _TF
    + """
import keras
# Keras warmed up too (its first fit / predict in a process pays one-time costs)
_warm = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
_warm.compile(optimizer="sgd", loss="mse")
_warm.fit(np.zeros((4, 2), "float32"), np.zeros((4, 1), "float32"), verbose=0)
_ = _warm.predict(np.zeros((4, 2), "float32"), verbose=0)
del _warm
keras.utils.set_random_seed(0)
"""
)


CASES: list[dict] = [
    # ------------------------------------------------------------------ matplotlib
    {
        "id": "mpl_pcolor_grid",
        "slow_s": 3.027,  # runs: 3.669, 3.027, 2.351
        "fixed_s": 0.509,  # runs: 0.343, 0.509, 0.599
        "area": "matplotlib",
        "cause": (
            "ax.pcolor draws every cell of the regular grid as its own polygon in a PolyCollection, "
            "which is far slower to build and render than ax.pcolormesh's single QuadMesh for the same grid."
        ),
        "setup": _MPL
        + """
yy, xx = np.mgrid[0:4:400j, 0:5:500j]
Z = np.sin(3 * xx) * np.cos(2 * yy) + 0.3 * np.sin(7 * xx * yy)
""",
        "slow": """
fig, ax = plt.subplots(figsize=(6, 4.5))
ax.pcolor(Z, cmap="viridis")
out = render(fig)
""",
        "fixed": """
fig, ax = plt.subplots(figsize=(6, 4.5))
ax.pcolormesh(Z, cmap="viridis")
out = render(fig)
""",
        "compare": "image",
    },
    {
        "id": "mpl_hist_many_bins",
        "slow_s": 2.335,  # runs: 2.335, 1.811, 3.695
        "fixed_s": 0.239,  # runs: 0.239, 0.172, 0.319
        "area": "matplotlib",
        "cause": (
            "ax.hist with the default histtype='bar' draws each of the 1500 bins as its own Rectangle patch; "
            "for many bins plot the precomputed histogram as one artist with ax.stairs(*np.histogram(...), "
            "fill=True) (or histtype='stepfilled'), as matplotlib's hist documentation advises."
        ),
        "setup": _MPL + "data = rng.standard_normal(1_000_000)\n",
        "slow": """
fig, ax = plt.subplots(figsize=(6, 4))
ax.hist(data, bins=1500)
out = render(fig)
""",
        "fixed": """
fig, ax = plt.subplots(figsize=(6, 4))
counts, edges = np.histogram(data, bins=1500)
ax.stairs(counts, edges, fill=True)
out = render(fig)
""",
        "compare": "image",
    },
    {
        "id": "mpl_axvline_per_event",
        "slow_s": 2.76,  # runs: 2.79, 2.76, 2.367
        "fixed_s": 0.248,  # runs: 0.271, 0.245, 0.248
        "area": "matplotlib",
        "cause": (
            "One ax.axvline call per event creates thousands of separate Line2D artists, each with its own "
            "transform and autoscale bookkeeping, that are slow to add and to draw; one ax.vlines call makes a "
            "single LineCollection."
        ),
        "setup": _MPL
        + """
t = np.linspace(0, 100, 5000)
sig = np.sin(t)
events = rng.uniform(0, 100, 2000)
""",
        "slow": """
fig, ax = plt.subplots(figsize=(8, 3))
ax.plot(t, sig)
for e in events:
    ax.axvline(e, color="r", lw=0.5, alpha=0.3)
out = render(fig)
""",
        "fixed": """
fig, ax = plt.subplots(figsize=(8, 3))
ax.plot(t, sig)
ax.vlines(events, 0, 1, transform=ax.get_xaxis_transform(), color="r", lw=0.5, alpha=0.3)
out = render(fig)
""",
        "compare": "image",
    },
    # ------------------------------------------------------------------ NumPy / pure Python
    {
        "id": "np_append_growing",
        "slow_s": 0.817,  # runs: 0.885, 0.815, 0.817
        "fixed_s": 0.015,  # runs: 0.015, 0.005, 0.016
        "area": "numpy",
        "cause": (
            "np.append copies the whole array on every call, so growing an array one element at a time is "
            "quadratic; append to a Python list (or preallocate) and convert once."
        ),
        "setup": _NP + "readings = rng.random(32_000)\n",
        "slow": """
out = np.array([])
for r in readings:
    if r > 0.1:
        out = np.append(out, r * 2.0)
""",
        "fixed": """
kept = []
for r in readings:
    if r > 0.1:
        kept.append(r * 2.0)
out = np.array(kept)
""",
        "compare": "allclose",
    },
    {
        "id": "np_vectorize_not_vectorised",
        "slow_s": 2.549,  # runs: 2.549, 1.943, 2.68
        "fixed_s": 0.077,  # runs: 0.074, 0.077, 0.08
        "area": "numpy",
        "cause": (
            "np.vectorize is a convenience wrapper that calls the Python function once per element (a Python "
            "loop), not real vectorisation; write the expression with NumPy ufuncs such as np.where."
        ),
        "setup": _NP
        + """
import math
x = rng.standard_normal(3_000_000)
def soft(v):
    return math.exp(-v * v) if v > 0 else 0.0
""",
        "slow": """
out = np.vectorize(soft)(x)
""",
        "fixed": """
out = np.where(x > 0, np.exp(-x * x), 0.0)
""",
        "compare": "allclose",
    },
    {
        "id": "py_list_membership",
        "slow_s": 2.6,  # runs: 2.6, 2.692, 2.09
        "fixed_s": 0.002,  # runs: 0.002, 0.006, 0.002
        "area": "python",
        "cause": (
            "`token in vocab` with vocab a list is a linear scan, so filtering 20k tokens against a 5k-word "
            "list costs O(n*m) string comparisons; use a set (or dict) for O(1) lookups."
        ),
        "setup": """
import random
random.seed(0)
vocab = [f"word{i}" for i in range(5000)]
tokens = [f"word{random.randrange(10000)}" for _ in range(20000)]
""",
        "slow": """
out = [t for t in tokens if t in vocab]
""",
        "fixed": """
vocab_set = set(vocab)
out = [t for t in tokens if t in vocab_set]
""",
        "compare": "equal",
    },
    # ------------------------------------------------------------------ TensorFlow eager / tf.function
    {
        "id": "tf_eager_custom_train_loop",
        "slow_s": 4.168,  # runs: 3.774, 4.168, 4.538
        "fixed_s": 0.872,  # runs: 0.963, 0.771, 0.872
        "area": "tensorflow",
        "cause": (
            "The custom training step runs eagerly, so every forward, gradient and optimizer op is dispatched "
            "one at a time from Python; wrap the step in @tf.function so it runs as one graph."
        ),
        "setup": _TF
        + """
X = tf.random.normal((256, 32))
Y = tf.random.normal((256, 1))
sizes = [32, 64, 64, 64, 64, 64, 1]
init = []
for n_in, n_out in zip(sizes[:-1], sizes[1:]):
    init += [tf.random.normal((n_in, n_out), stddev=0.1), tf.zeros((n_out,))]
params = [tf.Variable(v) for v in init]
def forward(x):
    h = x
    for i in range(0, len(params) - 2, 2):
        h = tf.nn.relu(h @ params[i] + params[i + 1])
    return h @ params[-2] + params[-1]
def step():
    with tf.GradientTape() as tape:
        loss = tf.reduce_mean(tf.square(forward(X) - Y))
    grads = tape.gradient(loss, params)
    for p, g in zip(params, grads):
        p.assign_sub(0.01 * g)
    return loss
""",
        "slow": """
for p, v in zip(params, init):
    p.assign(v)
for i in range(200):
    loss = step()
out = float(loss)
""",
        "fixed": """
for p, v in zip(params, init):
    p.assign(v)
fast_step = tf.function(step)
for i in range(200):
    loss = fast_step()
out = float(loss)
""",
        "compare": "allclose",
    },
    {
        "id": "tf_retrace_variable_length",
        "slow_s": 3.139,  # runs: 3.007, 3.139, 3.22
        "fixed_s": 0.188,  # runs: 0.188, 0.217, 0.112
        "area": "tensorflow",
        "cause": (
            "The tf.function is retraced for every new input shape (each sequence length is a new signature), "
            "so the cell is mostly tracing; give it an input_signature with a None dimension (or "
            "reduce_retracing=True)."
        ),
        "setup": _TF
        + """
lengths = rng.permutation(np.arange(20, 220, 3))[:45]
seqs = [tf.random.normal((int(n), 16)) for n in lengths]
W = tf.random.normal((16, 16))
def encode(x):
    h = tf.tanh(x @ W)
    a = tf.nn.softmax(h @ tf.transpose(h), axis=-1)
    h = a @ h
    h = tf.nn.l2_normalize(h, axis=-1)
    return tf.reduce_mean(h, axis=0) + tf.reduce_max(h, axis=0)
""",
        "slow": """
enc = tf.function(encode)
out = np.stack([enc(s).numpy() for s in seqs])
""",
        "fixed": """
enc = tf.function(encode, input_signature=[tf.TensorSpec([None, 16], tf.float32)])
out = np.stack([enc(s).numpy() for s in seqs])
""",
        "compare": "allclose",
    },
    {
        "id": "tf_function_python_range_unrolled",
        "slow_s": 3.068,  # runs: 3.407, 3.068, 2.573
        "fixed_s": 0.244,  # runs: 0.244, 0.227, 0.257
        "area": "tensorflow",
        "cause": (
            "Inside tf.function a Python `for i in range(n)` loop is unrolled at trace time into n copies of "
            "the body, so tracing and graph optimisation of a huge graph dominate; iterate over tf.range so "
            "AutoGraph emits one tf.while_loop."
        ),
        "setup": _TF
        + """
W = tf.random.normal((8, 8), stddev=0.3)
x0 = tf.random.normal((4, 8))
""",
        "slow": """
@tf.function
def simulate(x):
    for i in range(350):
        x = x + 0.01 * tf.tanh(x @ W)
    return x
out = simulate(x0).numpy()
""",
        "fixed": """
@tf.function
def simulate(x):
    for i in tf.range(350):
        x = x + 0.01 * tf.tanh(x @ W)
    return x
out = simulate(x0).numpy()
""",
        "compare": "allclose",
    },
    {
        "id": "tf_run_functions_eagerly_left_on",
        "slow_s": 3.036,  # runs: 2.682, 3.036, 6.14
        "fixed_s": 0.559,  # runs: 0.393, 0.559, 0.584
        "area": "tensorflow",
        "cause": (
            "tf.config.run_functions_eagerly(True), left on from an earlier debugging cell, makes the "
            "jit-compiled tf.function run its tf.range loop as eager Python, op by op (no graph, no XLA); "
            "switch it off."
        ),
        "setup": _TF
        + """
tf.config.run_functions_eagerly(True)   # an earlier cell, debugging
@tf.function(jit_compile=True)
def relax(u):
    for i in tf.range(1800):
        u = u + 0.1 * (tf.roll(u, 1, 0) + tf.roll(u, -1, 0) - 2.0 * u)
    return u
u0 = tf.random.normal((256,))
""",
        "slow": """
out = relax(u0).numpy()
""",
        "fixed": """
tf.config.run_functions_eagerly(False)
out = relax(u0).numpy()
""",
        "compare": "allclose",
    },
    {
        "id": "tf_iterate_tensor_elements",
        "slow_s": 0.987,  # runs: 0.867, 1.508, 0.987
        "fixed_s": 0.013,  # runs: 0.022, 0.006, 0.013
        "area": "tensorflow",
        "cause": (
            "Iterating over a tensor in Python yields one scalar tensor per element, and each comparison and "
            "bool() is an eager op plus a host round trip; compute the count with one vectorised op "
            "(tf.reduce_sum over a mask)."
        ),
        "setup": _TF + "scores = tf.random.uniform((5000,))\n",
        "slow": """
out = 0
for s in scores:
    if s > 0.5:
        out += 1
""",
        "fixed": """
out = int(tf.reduce_sum(tf.cast(scores > 0.5, tf.int32)))
""",
        "compare": "equal",
    },
    # ------------------------------------------------------------------ tf.data
    {
        "id": "tfdata_map_before_batch",
        "slow_s": 2.683,  # runs: 2.584, 2.683, 2.721
        "fixed_s": 0.191,  # runs: 0.191, 0.105, 0.196
        "area": "tf.data",
        "cause": (
            "The cheap normalisation is mapped per element before batching, paying tf.data's per-element "
            "function-call overhead for every one of 30k rows; batch first and map the vectorised function "
            "over whole batches."
        ),
        "setup": _TF
        + """
data = rng.standard_normal((30_000, 16)).astype("float32")
mu, sd = data.mean(0), data.std(0)
def normalise(v):
    return (v - mu) / sd
""",
        "slow": """
ds = tf.data.Dataset.from_tensor_slices(data).map(normalise).batch(512)
out = sum(float(tf.reduce_sum(b)) for b in ds)
""",
        "fixed": """
ds = tf.data.Dataset.from_tensor_slices(data).batch(512).map(normalise)
out = sum(float(tf.reduce_sum(b)) for b in ds)
""",
        "compare": "allclose",
    },
    {
        "id": "tfdata_from_generator_rows",
        "slow_s": 1.347,  # runs: 1.303, 1.347, 2.943
        "fixed_s": 0.156,  # runs: 0.156, 0.197, 0.083
        "area": "tf.data",
        "cause": (
            "Dataset.from_generator pulls every row through a Python generator under the GIL, one element at "
            "a time, although the data is already an in-memory NumPy array; use "
            "Dataset.from_tensor_slices."
        ),
        "setup": _TF
        + """
features = rng.standard_normal((4_000, 8)).astype("float32")
labels = (features.sum(1) > 0).astype("int32")
def rows():
    for i in range(len(features)):
        yield features[i], labels[i]
""",
        "slow": """
ds = tf.data.Dataset.from_generator(
    rows, output_signature=(tf.TensorSpec((8,), tf.float32), tf.TensorSpec((), tf.int32))).batch(256)
out = sum(int(tf.reduce_sum(y)) for _, y in ds)
""",
        "fixed": """
ds = tf.data.Dataset.from_tensor_slices((features, labels)).batch(256)
out = sum(int(tf.reduce_sum(y)) for _, y in ds)
""",
        "compare": "equal",
    },
    {
        "id": "tfdata_py_function_augment",
        "slow_s": 2.744,  # runs: 2.812, 2.744, 1.678
        "fixed_s": 0.264,  # runs: 0.264, 0.251, 0.28
        "area": "tf.data",
        "cause": (
            "The augmentation runs NumPy code through tf.py_function, so every element crosses into Python "
            "under the GIL (a parallel map cannot parallelise it) with py_function's per-call overhead; "
            "express it with TensorFlow ops (tf.reverse, tf.clip_by_value), applied to whole batches."
        ),
        "setup": _TF
        + """
images = rng.random((6000, 32, 32)).astype("float32")
def np_augment(img):
    a = np.fliplr(img.numpy())
    return np.clip(a * 1.2 - 0.1, 0.0, 1.0).astype("float32")
def tf_augment_batch(imgs):
    return tf.clip_by_value(tf.reverse(imgs, axis=[2]) * 1.2 - 0.1, 0.0, 1.0)
""",
        "slow": """
ds = tf.data.Dataset.from_tensor_slices(images).map(
    lambda im: tf.py_function(np_augment, [im], tf.float32), num_parallel_calls=tf.data.AUTOTUNE).batch(128)
out = sum(float(tf.reduce_sum(b)) for b in ds)
""",
        "fixed": """
ds = tf.data.Dataset.from_tensor_slices(images).batch(128).map(tf_augment_batch)
out = sum(float(tf.reduce_sum(b)) for b in ds)
""",
        "compare": "allclose",
    },
    # ------------------------------------------------------------------ Keras
    {
        "id": "keras_fit_per_batch",
        "slow_s": 1.826,  # runs: 1.767, 1.826, 1.91
        "fixed_s": 0.223,  # runs: 0.1, 0.223, 0.339
        "area": "keras",
        "cause": (
            "model.fit is called once per batch inside a Python loop, paying fit's per-call setup (data "
            "adapter and tf.data pipeline, iterator, callbacks, history) for every batch; call fit once with "
            "batch_size (or use train_on_batch)."
        ),
        "setup": _KERAS
        + """
Xk = rng.standard_normal((352, 20)).astype("float32")
Yk = (Xk[:, :1] * 2 + 0.1).astype("float32")
model = keras.Sequential([keras.Input((20,)), keras.layers.Dense(32, activation="relu"), keras.layers.Dense(1)])
model.compile(optimizer=keras.optimizers.SGD(0.01), loss="mse")
w0 = model.get_weights()
model.fit(Xk[:64], Yk[:64], batch_size=32, verbose=0)   # an earlier cell trained it a little
""",
        "slow": """
model.set_weights(w0)
for i in range(0, len(Xk), 32):
    model.fit(Xk[i:i + 32], Yk[i:i + 32], epochs=1, verbose=0)
out = model.get_weights()[-1]
""",
        "fixed": """
model.set_weights(w0)
model.fit(Xk, Yk, batch_size=32, epochs=1, shuffle=False, verbose=0)
out = model.get_weights()[-1]
""",
        "compare": "allclose",
    },
    {
        "id": "keras_compile_run_eagerly",
        "slow_s": 5.251,  # runs: 5.311, 5.251, 4.458
        "fixed_s": 0.894,  # runs: 0.816, 0.894, 0.953
        "area": "keras",
        "cause": (
            "The model was compiled with run_eagerly=True (left from debugging), so Keras runs every train "
            "step as eager Python instead of a compiled tf.function; compile it again without run_eagerly."
        ),
        "setup": _KERAS
        + """
Xk = rng.standard_normal((1920, 20)).astype("float32")
Yk = (Xk[:, :1] * 2 + 0.1).astype("float32")
hidden = [keras.layers.Dense(64, activation="relu") for _ in range(5)]
model = keras.Sequential([keras.Input((20,))] + hidden + [keras.layers.Dense(1)])
w0 = model.get_weights()
model.compile(optimizer=keras.optimizers.SGD(0.01), loss="mse", run_eagerly=True)  # an earlier cell, debugging
""",
        "slow": """
model.set_weights(w0)
model.fit(Xk, Yk, batch_size=32, epochs=1, shuffle=False, verbose=0)
out = model.get_weights()[-1]
""",
        "fixed": """
model.compile(optimizer=keras.optimizers.SGD(0.01), loss="mse")
model.set_weights(w0)
model.fit(Xk, Yk, batch_size=32, epochs=1, shuffle=False, verbose=0)
out = model.get_weights()[-1]
""",
        "compare": "allclose",
    },
    {
        "id": "keras_predict_per_sample",
        "slow_s": 2.856,  # runs: 3.464, 2.796, 2.856
        "fixed_s": 0.307,  # runs: 0.299, 0.347, 0.307
        "area": "keras",
        "cause": (
            "model.predict is called on one sample at a time; each predict call builds a data pipeline and "
            "runs the predict loop machinery for a single row, so call predict once on the whole batch (or "
            "model(x) for small inputs)."
        ),
        "setup": _KERAS
        + """
model = keras.Sequential([keras.Input((10,)), keras.layers.Dense(16, activation="relu"), keras.layers.Dense(3)])
samples = rng.standard_normal((12, 10)).astype("float32")
_ = model.predict(samples[:2], verbose=0)
""",
        "slow": """
out = np.concatenate([model.predict(samples[i:i + 1], verbose=0) for i in range(len(samples))])
""",
        "fixed": """
out = model.predict(samples, verbose=0)
""",
        "compare": "allclose",
    },
    {
        "id": "keras_predict_default_batch_size",
        "slow_s": 2.127,  # runs: 2.127, 5.296, 2.099
        "fixed_s": 0.396,  # runs: 0.396, 0.488, 0.114
        "area": "keras",
        "cause": (
            "model.predict over 40k rows uses its default batch_size=32, so a tiny model runs 1250 predict "
            "steps whose per-step overhead dwarfs the compute; pass a large batch_size (e.g. 4096) for inference."
        ),
        "setup": _KERAS
        + """
model = keras.Sequential([keras.Input((20,)), keras.layers.Dense(64, activation="relu"), keras.layers.Dense(64, activation="relu"),
                          keras.layers.Dense(1)])
table = rng.standard_normal((40_000, 20)).astype("float32")
_ = model.predict(table[:8], verbose=0)
""",
        "slow": """
out = model.predict(table, verbose=0)
""",
        "fixed": """
out = model.predict(table, batch_size=4096, verbose=0)
""",
        "compare": "allclose",
    },
    # ------------------------------------------------------------------ other: waiting, I/O
    {
        "id": "wait_poll_with_sleep",
        "slow_s": 1.006,  # runs: 1.006, 1.003, 1.006
        "fixed_s": 0.139,  # runs: 0.139, 0.158, 0.114
        "area": "threads",
        "cause": (
            "The cell polls a background worker with time.sleep(1.0), so it sleeps up to a full second after "
            "the work (about 0.1 s) is already done; wait on the thread (join) or an Event instead."
        ),
        "setup": _NP
        + """
import threading, time
def start_worker(result):
    def work():
        a = rng.standard_normal((600, 600))
        for _ in range(2):
            a = np.tanh(a @ a / 600)
        result.append(float(a.sum()))
    t = threading.Thread(target=work)
    t.start()
    return t
""",
        "slow": """
result = []
worker = start_worker(result)
while worker.is_alive():
    time.sleep(1.0)
out = result[0]
""",
        "fixed": """
result = []
worker = start_worker(result)
worker.join()
out = result[0]
""",
        "compare": "none",
    },
    {
        "id": "io_open_per_line",
        "slow_s": 1.037,  # runs: 1.31, 1.01, 1.037
        "fixed_s": 0.05,  # runs: 0.042, 0.05, 0.056
        "area": "io",
        "cause": (
            "The log file is opened (in append mode) and closed again for every line written, so each of the "
            "40k lines pays open/close system calls and a flush; open the file once and write all lines."
        ),
        "setup": _NP
        + """
import os, tempfile
log_dir = tempfile.mkdtemp()
values = rng.random(40_000)
""",
        "slow": """
path = os.path.join(log_dir, "slow.csv")
for i, v in enumerate(values):
    with open(path, "a") as f:
        f.write(f"{i},{v:.6f}\\n")
out = os.path.getsize(path)
""",
        "fixed": """
path = os.path.join(log_dir, "fixed.csv")
with open(path, "a") as f:
    for i, v in enumerate(values):
        f.write(f"{i},{v:.6f}\\n")
out = os.path.getsize(path)
""",
        "compare": "equal",
    },
]


def get(case_id: str) -> dict:
    """The case with this id."""
    for case in CASES:
        if case["id"] == case_id:
            return case
    raise KeyError(case_id)
