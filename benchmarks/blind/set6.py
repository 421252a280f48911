"""Blind set 6: twelve slow notebook cells and their fixed twins, written without reading the finding rules.

Same shape as sets 1-5 (``score`` and ``timecases`` read ``CASES`` and ``get``): each case has a
``setup`` (run plainly, not measured), a ``slow`` cell and a ``fixed`` cell that both leave ``out``
(``compare`` says how the two must agree), and ``slow_s`` / ``fixed_s``: the cells timed plainly,
without tfplotguard, by ``python -m benchmarks.blind.timecases --set set6 --repeat 3`` (median of
3 fresh processes; 2 shared CPU cores (AMD EPYC), TensorFlow 2.21 CPU, Keras 3.15, NumPy 2.4,
matplotlib 3.11, Python 3.11), each run listed beside it. Measured 2026-12-06 16:50:27-16:53:24 UTC
under ``nice -n 5`` (``uptime`` load average 2.12 before, 2.21 after, other sessions sharing the
cores); the PatchCollection case, whose median there was 3.3 s with 40,000 circles, was cut to
32,000 circles and timed again 16:53:27-16:53:35 UTC (load 2.19 before, 2.18 after), and those
runs are the ones listed. Runs of one case spread by up to 2x (the memory-bound cells most: the
chunked argmin, np.unique, the triangular matmul).

Written blind: only sets 1-5, ``timecases`` and this package's ``__init__`` were read in this
repository; the causes come from the libraries' documentation (tape.gradient's list of sources,
the Keras LSTM docs on unroll, Dataset.shard's advice to shard early, np.bincount, matplotlib's
categorical axis for strings and EllipseCollection, functools.lru_cache), a TensorFlow issue
(tensorflow/tensorflow#59746 on chains of Dataset.concatenate), installed library source
(``keras/src/backend/tensorflow/nn.py``, which sends grouped convolutions to XLA on CPU) and
well-known numerical practice (separable filters, prefix sums, binary search on a sorted grid,
memoisation). None repeats a cause of sets 1-5: TensorFlow (a persistent tape asked for one
variable's gradient at a time, a separable Gaussian applied as a full 2-D kernel, a running mean
as a T x T triangular matmul), Keras (LSTM(unroll=True) on long sequences, Conv2D(groups=C) where
DepthwiseConv2D is meant), tf.data (a left-deep chain of 220 Dataset.concatenate calls, shard
after the decode map), NumPy (nearest grid point by a brute-force argmin instead of
np.searchsorted, np.unique(return_counts=True) instead of np.bincount), matplotlib (dates plotted
as strings, so a categorical axis with a tick per day; a PatchCollection of Circles instead of an
EllipseCollection) and plain Python (recursive edit distance without memoisation).

Dropped while writing (single runs, outside the set): tf.debugging.enable_check_numerics left on
(30x, but the same kind of "debugging switch left on" as set 1's run_functions_eagerly case);
tf.linalg.pinv against tf.linalg.lstsq for least squares (8.5x, too near set 5's explicit inverse
of a Cholesky factor); denormal floats in NumPy products (3.3x on this AMD CPU); Keras
mixed_bfloat16 / mixed_float16 policies (bfloat16 was the faster, float16 2x slower); Keras
validation every epoch on a large validation set against validation_freq (5.4x but 12.8 s, and
with the default validation batch size it is set 1's predict batch-size cause); recompiling a
Keras model every epoch to change the learning rate against a LearningRateScheduler callback
(3.9x at 3.9 s); to_categorical + categorical_crossentropy against sparse labels (2.5x at 7.8 s);
matplotlib with path.simplify off against on for a 2M-point line (2.2x); fig.tight_layout() inside
the subplot loop against once after it (8x but 8.8 s with 36 panels; with fewer panels under 4x);
tricontour given x, y (a Delaunay triangulation per panel) against one reused Triangulation (3.0x).
Reworked after a first run: the LSTM sequences (200 steps, 5.2 s; now 120), the argmin events
(20,000, 2.6 s; now 18,000), the shard case (640 files in 8 shards, median 0.69 s; now 1024 files
in 16 shards), the blur batch (16 images, median 0.64 s; now 24), the label masks (uint8, whose
np.bincount cast to intp made the fixed cell 0.07-0.9 s; now int64) and the grouped-conv batch
(raised to 128 feature maps, 5.2 s; back to 96).

Cells that write files use ``tempfile`` (so ``TMPDIR`` says where).
"""

from __future__ import annotations

_TF_SETUP = """
import numpy as np
import tensorflow as tf
tf.reduce_sum(tf.ones([2, 2]))
"""

_KERAS_SETUP = _TF_SETUP + """
import keras
_warm = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
_warm.compile(optimizer="sgd", loss="mse")
_warm.fit(np.zeros((4, 2), "float32"), np.zeros((4, 1), "float32"), verbose=0)
del _warm
keras.utils.set_random_seed(0)
"""

_MPL_SETUP = """
import numpy as np
import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt
fig, ax = plt.subplots(); fig.canvas.draw(); plt.close(fig)
"""

CASES = [
    {
        "id": "tf_persistent_tape_gradient_per_variable",
        "slow_s": 2.014,  # runs: 2.034, 2.014, 1.974
        "fixed_s": 0.173,  # runs: 0.173, 0.135, 0.179
        "area": "tensorflow",
        "cause": "a persistent GradientTape asked for one variable's gradient at a time ([tape.gradient(loss, W) for W in weights]): every call runs the backward pass again from the loss down to that layer, so 16 layers cost 1+2+...+16 backward passes; tape.gradient(loss, weights) takes the list of sources and runs the backward pass once",
        "setup": _TF_SETUP + """
weights = [tf.Variable(tf.random.stateless_normal([256, 256], seed=[i, 61]) * 0.06) for i in range(16)]
x = tf.random.stateless_normal([2048, 256], seed=[1, 62])
target = tf.random.stateless_normal([2048, 256], seed=[2, 62])
""",
        "slow": """
with tf.GradientTape(persistent=True) as tape:
    h = x
    for W in weights:
        h = tf.tanh(h @ W)
    loss = tf.reduce_mean((h - target) ** 2)
grads = [tape.gradient(loss, W) for W in weights]
del tape
out = np.stack([tf.norm(g).numpy() for g in grads] + [tf.reduce_sum(grads[0]).numpy()])
""",
        "fixed": """
with tf.GradientTape() as tape:
    h = x
    for W in weights:
        h = tf.tanh(h @ W)
    loss = tf.reduce_mean((h - target) ** 2)
grads = tape.gradient(loss, weights)
out = np.stack([tf.norm(g).numpy() for g in grads] + [tf.reduce_sum(grads[0]).numpy()])
""",
        "compare": "allclose",
    },
    {
        "id": "tf_separable_blur_as_2d_kernel",
        "slow_s": 1.356,  # runs: 0.871, 1.356, 1.697
        "fixed_s": 0.096,  # runs: 0.095, 0.096, 0.175
        "area": "tensorflow",
        "cause": "a Gaussian blur applied with tf.nn.conv2d and the full 31 x 31 outer-product kernel (961 multiply-adds per pixel); the Gaussian is separable, so a 1 x 31 pass followed by a 31 x 1 pass gives the same image with 62 multiply-adds per pixel",
        "setup": _TF_SETUP + """
images = tf.random.stateless_uniform([24, 512, 512, 1], seed=[63, 64])
taps = np.arange(31) - 15
g = np.exp(-0.5 * (taps / 5.0) ** 2)
g = (g / g.sum()).astype("float32")
""",
        "slow": """
kernel_2d = tf.constant(np.outer(g, g)[:, :, None, None])
blurred = tf.nn.conv2d(images, kernel_2d, strides=1, padding="SAME")
out = blurred[:, ::8, ::8, 0].numpy()
""",
        "fixed": """
row_kernel = tf.constant(g[None, :, None, None])
col_kernel = tf.constant(g[:, None, None, None])
blurred = tf.nn.conv2d(tf.nn.conv2d(images, row_kernel, strides=1, padding="SAME"), col_kernel, strides=1, padding="SAME")
out = blurred[:, ::8, ::8, 0].numpy()
""",
        "compare": "allclose",
    },
    {
        "id": "tf_running_mean_triangular_matmul",
        "slow_s": 1.719,  # runs: 1.787, 1.719, 0.918
        "fixed_s": 0.094,  # runs: 0.094, 0.107, 0.051
        "area": "tensorflow",
        "cause": "the causal running mean of T = 10,000 feature rows computed as a T x T lower-triangular averaging matrix (band_part of ones, rows normalised) times X, the 'matrix trick' from attention tutorials: 400 MB of weights and T*T*d multiply-adds, O(T^2 d); tf.math.cumsum(X, axis=0) divided by the row count is O(T d)",
        "setup": _TF_SETUP + """
X = tf.random.stateless_normal([10000, 640], seed=[65, 66])
""",
        "slow": """
T = X.shape[0]
wei = tf.linalg.band_part(tf.ones([T, T]), -1, 0)
wei = wei / tf.reduce_sum(wei, axis=1, keepdims=True)
running_mean = wei @ X
out = running_mean[::40].numpy()
""",
        "fixed": """
T = X.shape[0]
running_mean = tf.math.cumsum(X, axis=0) / tf.range(1, T + 1, dtype=X.dtype)[:, None]
out = running_mean[::40].numpy()
""",
        "compare": "allclose",
    },
    {
        "id": "keras_lstm_unroll_long_sequence",
        "slow_s": 2.629,  # runs: 2.629, 2.629, 2.627
        "fixed_s": 0.4,  # runs: 0.414, 0.385, 0.4
        "area": "keras",
        "cause": "LSTM(unroll=True) on 120-step sequences: the recurrence is unrolled into 120 copies of the cell in the traced predict function, so building and optimising that graph dominates; the Keras docs say unrolling is only suitable for short sequences, and the default symbolic loop (unroll=False) gives the same outputs",
        "setup": _KERAS_SETUP + """
x = np.random.default_rng(67).normal(size=(512, 120, 8)).astype("float32")
""",
        "slow": """
keras.utils.set_random_seed(7)
model = keras.Sequential([
    keras.Input((120, 8)),
    keras.layers.LSTM(32, unroll=True),
    keras.layers.Dense(1),
])
out = model.predict(x, batch_size=256, verbose=0)
""",
        "fixed": """
keras.utils.set_random_seed(7)
model = keras.Sequential([
    keras.Input((120, 8)),
    keras.layers.LSTM(32),
    keras.layers.Dense(1),
])
out = model.predict(x, batch_size=256, verbose=0)
""",
        "compare": "allclose",
    },
    {
        "id": "keras_grouped_conv_as_depthwise",
        "slow_s": 2.614,  # runs: 2.618, 2.614, 1.402
        "fixed_s": 0.394,  # runs: 0.394, 0.412, 0.304
        "area": "keras",
        "cause": "depthwise convolutions written PyTorch-style as Conv2D(C, 3, groups=C): TensorFlow's CPU conv kernel has no grouped convolution, so Keras' TF backend compiles each such conv with XLA (keras/src/backend/tensorflow/nn.py), whose one-channel-per-group convolution is far slower than the native kernel; DepthwiseConv2D(3) is the same operation (the kernel reshaped from (3, 3, 1, C) to (3, 3, C, 1))",
        "setup": _KERAS_SETUP + """
C = 256
def block_stack(depthwise):
    layers = []
    for i in range(4):
        if depthwise:
            layers.append(keras.layers.DepthwiseConv2D(3, padding="same", use_bias=False, name=f"dw_{i}"))
        else:
            layers.append(keras.layers.Conv2D(C, 3, padding="same", groups=C, use_bias=False, name=f"dw_{i}"))
        layers.append(keras.layers.Conv2D(C, 1, activation="relu", name=f"pw_{i}"))
    return keras.Sequential([keras.Input((16, 16, C))] + layers + [keras.layers.GlobalAveragePooling2D()])
model = block_stack(depthwise=False)
feature_maps = np.random.default_rng(68).normal(size=(96, 16, 16, C)).astype("float32")
""",
        "slow": """
features = model.predict(feature_maps, batch_size=64, verbose=0)
out = features
""",
        "fixed": """
dw_model = block_stack(depthwise=True)
for src, dst in zip(model.layers, dw_model.layers):
    w = src.get_weights()
    if src.name.startswith("dw_"):
        w = [w[0].reshape(3, 3, C, 1)]
    dst.set_weights(w)
features = dw_model.predict(feature_maps, batch_size=64, verbose=0)
out = features
""",
        "compare": "allclose",
    },
    {
        "id": "tfdata_concatenate_chain",
        "slow_s": 1.226,  # runs: 1.264, 1.226, 1.158
        "fixed_s": 0.025,  # runs: 0.025, 0.033, 0.022
        "area": "tf.data",
        "cause": "one dataset per recording joined with ds = ds.concatenate(...) in a loop: 220 nested ConcatenateDatasets, a left-deep chain whose building grows with its depth and whose first recordings' elements pass through up to 219 nested concatenate iterators each (tensorflow/tensorflow#59746); concatenating the arrays (or one from_tensor_slices over them) gives the same elements flat",
        "setup": _TF_SETUP + """
rng = np.random.default_rng(69)
recordings = [rng.normal(size=(int(n), 16)).astype("float32") for n in rng.integers(20, 80, 220)]
""",
        "slow": """
ds = tf.data.Dataset.from_tensor_slices(recordings[0])
for rec in recordings[1:]:
    ds = ds.concatenate(tf.data.Dataset.from_tensor_slices(rec))
out = np.stack([batch.numpy().mean(axis=0) for batch in ds.batch(256)])
""",
        "fixed": """
ds = tf.data.Dataset.from_tensor_slices(np.concatenate(recordings))
out = np.stack([batch.numpy().mean(axis=0) for batch in ds.batch(256)])
""",
        "compare": "allclose",
    },
    {
        "id": "tfdata_shard_after_decode",
        "slow_s": 1.146,  # runs: 1.087, 1.146, 1.159
        "fixed_s": 0.115,  # runs: 0.112, 0.17, 0.115
        "area": "tf.data",
        "cause": "ds.shard(num_workers, worker_index) placed after the read/decode/resize map, so this worker decodes and resizes all 1024 JPEGs and then keeps every 16th; Dataset.shard's documentation says to shard early (on the file names), which keeps the same elements and decodes only 64",
        "setup": _TF_SETUP + """
import os, tempfile
image_dir = tempfile.mkdtemp(prefix="blind6_shard_")
encoded = []
for k in range(10):
    base = tf.random.stateless_uniform([1, 24, 24, 3], seed=[k, 70])
    big = tf.image.resize(base, [480, 480], method="bicubic")[0]
    encoded.append(tf.io.encode_jpeg(tf.cast(tf.clip_by_value(big, 0, 1) * 255, tf.uint8), quality=92).numpy())
paths = []
for i in range(1024):
    paths.append(os.path.join(image_dir, f"img_{i:04d}.jpg"))
    with open(paths[-1], "wb") as f:
        f.write(encoded[i % 10])
num_workers, worker_index = 16, 0
def load(path):
    img = tf.io.decode_jpeg(tf.io.read_file(path), channels=3)
    return tf.image.resize(tf.cast(img, tf.float32) / 255.0, [224, 224])
""",
        "slow": """
ds = (tf.data.Dataset.from_tensor_slices(paths)
      .map(load, num_parallel_calls=tf.data.AUTOTUNE)
      .shard(num_workers, worker_index)
      .batch(16))
out = np.concatenate([tf.reduce_mean(b, axis=[1, 2]).numpy() for b in ds])
""",
        "fixed": """
ds = (tf.data.Dataset.from_tensor_slices(paths)
      .shard(num_workers, worker_index)
      .map(load, num_parallel_calls=tf.data.AUTOTUNE)
      .batch(16))
out = np.concatenate([tf.reduce_mean(b, axis=[1, 2]).numpy() for b in ds])
""",
        "compare": "allclose",
    },
    {
        "id": "np_nearest_on_sorted_grid_argmin",
        "slow_s": 1.286,  # runs: 2.022, 1.286, 0.962
        "fixed_s": 0.003,  # runs: 0.003, 0.003, 0.003
        "area": "numpy",
        "cause": "each event time matched to the nearest sample of an already sorted 20,000-point time grid by argmin of |grid - t| over the whole grid (in chunks of 1000 events): O(n*m) work, 360M differences; np.searchsorted finds each insertion point by binary search, O(m log n), and comparing the two neighbours gives the same indices (ties to the left, as argmin)",
        "setup": """
import numpy as np
rng = np.random.default_rng(71)
sample_times = np.sort(rng.uniform(0, 3600, 20000))
event_times = rng.uniform(-5, 3605, 18000)
""",
        "slow": """
nearest = np.empty(len(event_times), dtype=np.intp)
for s in range(0, len(event_times), 1000):
    chunk = event_times[s:s + 1000]
    nearest[s:s + 1000] = np.abs(sample_times[None, :] - chunk[:, None]).argmin(axis=1)
out = nearest.astype(float)
""",
        "fixed": """
i = np.clip(np.searchsorted(sample_times, event_times), 1, len(sample_times) - 1)
left, right = sample_times[i - 1], sample_times[i]
nearest = np.where(event_times - left <= right - event_times, i - 1, i)
out = nearest.astype(float)
""",
        "compare": "allclose",
    },
    {
        "id": "np_unique_counts_small_labels",
        "slow_s": 1.916,  # runs: 1.982, 1.916, 1.008
        "fixed_s": 0.032,  # runs: 0.035, 0.028, 0.032
        "area": "numpy",
        "cause": "class frequencies of 26M int64 label pixels taken with np.unique(masks, return_counts=True), which sorts all the values (O(n log n)) to count 150 small non-negative integers; np.bincount(masks.ravel(), minlength=150) counts them in one O(n) pass",
        "setup": """
import numpy as np
rng = np.random.default_rng(72)
masks = rng.integers(0, 150, size=(100, 512, 512))
""",
        "slow": """
classes, counts = np.unique(masks, return_counts=True)
out = counts / counts.sum()
""",
        "fixed": """
counts = np.bincount(masks.ravel(), minlength=150)
out = counts / counts.sum()
""",
        "compare": "allclose",
    },
    {
        "id": "mpl_date_strings_categorical_axis",
        "slow_s": 1.567,  # runs: 1.686, 1.539, 1.567
        "fixed_s": 0.046,  # runs: 0.048, 0.046, 0.045
        "area": "matplotlib",
        "cause": "dates read from a CSV as strings and plotted as they are: matplotlib treats strings as categories, so the x axis gets one tick and one tick label per day (600 Tick objects laid out and drawn); converting once to datetime64 (np.array(dates, dtype='datetime64[D]')) gives a date axis with a few ticks and the same line",
        "setup": _MPL_SETUP + """
rng = np.random.default_rng(73)
days = np.arange(np.datetime64("2023-01-01"), np.datetime64("2023-01-01") + 600)
date_strings = [str(d) for d in days]
price = 100 + np.cumsum(rng.normal(size=600))
""",
        "slow": """
fig, ax = plt.subplots(figsize=(8, 4), dpi=100)
ax.plot(date_strings, price)
fig.canvas.draw()
x0, y0, x1, y1 = [int(round(v)) for v in ax.bbox.extents]
h = fig.canvas.get_width_height()[1]
out = np.asarray(fig.canvas.buffer_rgba())[h - y1 + 2:h - y0 - 2, x0 + 2:x1 - 2].copy()
plt.close(fig)
""",
        "fixed": """
fig, ax = plt.subplots(figsize=(8, 4), dpi=100)
ax.plot(np.array(date_strings, dtype="datetime64[D]"), price)
fig.canvas.draw()
x0, y0, x1, y1 = [int(round(v)) for v in ax.bbox.extents]
h = fig.canvas.get_width_height()[1]
out = np.asarray(fig.canvas.buffer_rgba())[h - y1 + 2:h - y0 - 2, x0 + 2:x1 - 2].copy()
plt.close(fig)
""",
        "compare": "image",
    },
    {
        "id": "mpl_patchcollection_of_circles",
        "slow_s": 1.706,  # runs: 1.678, 1.706, 1.814
        "fixed_s": 0.114,  # runs: 0.113, 0.114, 0.122
        "area": "matplotlib",
        "cause": "32,000 cells drawn as a PatchCollection of Circle patches: each Circle is its own Bezier path, transformed and rasterised separately; an EllipseCollection (units='xy', sizes as diameters) keeps one unit-circle path and draws it at every offset with a per-item scale, the same picture",
        "setup": _MPL_SETUP + """
from matplotlib.patches import Circle
from matplotlib.collections import PatchCollection, EllipseCollection
rng = np.random.default_rng(74)
centers = rng.uniform(0, 100, size=(32_000, 2))
radii = rng.uniform(0.05, 0.4, 32_000)
expression = rng.uniform(0, 1, 32_000)
""",
        "slow": """
fig, ax = plt.subplots(figsize=(6, 6), dpi=80)
cells = PatchCollection([Circle(c, r) for c, r in zip(centers, radii)], cmap="viridis", linewidths=0)
cells.set_array(expression)
ax.add_collection(cells)
ax.set_xlim(0, 100); ax.set_ylim(0, 100); ax.set_aspect("equal")
fig.canvas.draw()
out = np.asarray(fig.canvas.buffer_rgba()).copy()
plt.close(fig)
""",
        "fixed": """
fig, ax = plt.subplots(figsize=(6, 6), dpi=80)
cells = EllipseCollection(2 * radii, 2 * radii, np.zeros(len(radii)), units="xy", offsets=centers,
                          offset_transform=ax.transData, cmap="viridis", linewidths=0)
cells.set_array(expression)
ax.add_collection(cells)
ax.set_xlim(0, 100); ax.set_ylim(0, 100); ax.set_aspect("equal")
fig.canvas.draw()
out = np.asarray(fig.canvas.buffer_rgba()).copy()
plt.close(fig)
""",
        "compare": "image",
    },
    {
        "id": "py_recursive_edit_distance_no_memo",
        "slow_s": 2.427,  # runs: 2.513, 2.427, 2.414
        "fixed_s": 0.021,  # runs: 0.022, 0.021, 0.02
        "area": "python",
        "cause": "a textbook recursive Levenshtein distance without memoisation: each mismatch branches three ways, so the same suffix pairs are recomputed exponentially many times; functools.lru_cache on the same function (the functools docs' memoising example) computes each pair of suffixes once",
        "setup": """
import random
random.seed(75)
letters = "acdeilmnorst"
words = ["".join(random.choice(letters) for _ in range(random.randint(5, 8))) for _ in range(60)]
queries = words[:12]
""",
        "slow": """
def edit_distance(a, b):
    if not a:
        return len(b)
    if not b:
        return len(a)
    if a[0] == b[0]:
        return edit_distance(a[1:], b[1:])
    return 1 + min(edit_distance(a[1:], b), edit_distance(a, b[1:]), edit_distance(a[1:], b[1:]))
out = [[edit_distance(q, w) for w in words] for q in queries]
""",
        "fixed": """
import functools
@functools.lru_cache(maxsize=None)
def edit_distance(a, b):
    if not a:
        return len(b)
    if not b:
        return len(a)
    if a[0] == b[0]:
        return edit_distance(a[1:], b[1:])
    return 1 + min(edit_distance(a[1:], b), edit_distance(a, b[1:]), edit_distance(a[1:], b[1:]))
out = [[edit_distance(q, w) for w in words] for q in queries]
""",
        "compare": "equal",
    },
]

_BY_ID = {c["id"]: c for c in CASES}


def get(case_id: str) -> dict:
    return _BY_ID[case_id]
