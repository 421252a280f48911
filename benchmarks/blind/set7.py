"""Blind set 7: twelve slow notebook cells and their fixed twins, written without reading the finding rules.

Same shape as sets 1-6 (``score`` and ``timecases`` read ``CASES`` and ``get``): each case has a
``setup`` (run plainly, not measured), a ``slow`` cell and a ``fixed`` cell that both leave ``out``
(``compare`` says how the two must agree), and ``slow_s`` / ``fixed_s``: the cells timed plainly,
without tfplotguard, by ``python -m benchmarks.blind.timecases --set set7 --repeat 3`` (median of 3
fresh processes; 2 shared CPU cores (AMD EPYC), TensorFlow 2.21 CPU, Keras 3.15, NumPy 2.4,
matplotlib 3.11, Python 3.11), each run listed beside it. Measured 2026-12-06 20:08:22-20:11:28 UTC
under ``nice -n 10`` (``uptime`` load average 0.76 before, 2.15 after, other sessions sharing the
cores). Runs of one case spread by up to 1.6x; trial runs earlier the same evening, under a load
average of 2.4-3.3, took up to twice as long. A single-run check right after (20:12-20:15 UTC, load
average 0.68 at its end) again found every pair agreeing, with slow cells of 1.36-3.94 s and speed-ups of
9.0x or more; the captured-array cell varies most (1.10-1.26 s in the measured runs, 3.94 s in the
check).

Written blind: only sets 1-6, ``timecases`` and this package's ``__init__`` were read in this
repository; the causes come from the libraries' documentation (tf.where against tf.cond, tf.function
capturing Python/NumPy values as constants, the TFRecord tutorial's serialize_tensor for non-scalar
features, np.percentile's sequence of q, np.save / np.load against the text writers, Keras'
functional sub-models called directly on small inputs), installed library source and profiles
(``matplotlib/image.py``'s interpolation stages, for a dropped case; a cProfile of fill_between,
whose time goes to building each region's polygon and interpolating its crossings with masked-array
indexing; a timing of protobuf's upb FloatList fill, 19 ms for one 76,800-float image) and
well-known numerical and Python practice (factor once and reuse the factor, factorising a separable
score, catastrophic regex backtracking). None repeats a cause of sets 1-6: TensorFlow
(tf.linalg.solve refactorising the same matrix every implicit time step, a @tf.function closing over
a large NumPy array, tf.where used as a lazy branch), Keras (a two-tower model run on every user x
item pair, model.predict called inside a threshold sweep), tf.data (TFRecord images written as
FloatList element by element, a dict of 200 scalar columns as the element structure), NumPy (an
array cached with savetxt / loadtxt, one np.percentile call per quantile), matplotlib (one Axes per
thumbnail, fill_between with where= and interpolate=True over a signal with thousands of sign
changes) and plain Python (a nested-quantifier regex).

Dropped while writing (single runs unless said, outside the set): np.linalg.svd's full_matrices=True
default on a tall 4000-6000 x 40 matrix against full_matrices=False (19x in one run, 3.6x in
another, where the economy SVD run right after the full one took 0.5 s instead of 0.01 s, and 5 s
slow at 6000 rows under load); imshow of a large float array in the 'rgba' interpolation stage
against interpolation_stage='data', and the same array zoomed in with set_xlim / set_ylim against a
sliced window (both dominated by allocating a few hundred MB of float RGBA: 0.24-5.8 s for the same
cell); float64 NumPy inputs making tf.nn.conv2d run in float64 (3.6x) and
keras.config.set_floatx('float64') for a small CNN's predict (3.5x); tf.lookup.StaticHashTable built
inside a Dataset.map function against outside it (1.4x); figure frames grabbed with savefig to PNG
and plt.imread against canvas.buffer_rgba (2.4x); imshow of a float64 RGB image against uint8
(3.4x); ax.table's automatic font size against a fixed one (the table itself dominates, and the
picture changes); a list of 0-d EagerTensors handed to ax.plot (3.4x, and only 0.35 s);
fill_between(where=..., interpolate=True) on a smoothed 30,000-sample signal without a line on top
(the ~5,600 sub-pixel region polygons are antialiased separately, so the picture is paler than the
one clipped polygon: 0.9-1.5 levels of mean block difference). Reworked after trial runs: the
implicit steps (n = 1200 and 60 steps, 4.5 s; now n = 1000), the captured array (4000 x 4000, 3.9 s,
then 2500 x 2500 at 0.9 s; now 2700 x 2700), the tf.where case (first a GradientTape training step,
7-8x because its 0.2 s trace and 200 steps bound the fixed cell; now a power iteration, whose cheap
step keeps the fixed cell near 0.27 s), the pairs and threshold cases (160,000 pairs, 3.3 s; 19
predicts of 12,000 rows, 5.0 s), the TFRecord images (150 of 128 x 128, 8x; now 100 of 160 x 160),
the thumbnails (256, 5.0 s; now 144), the percentile data (1.5M values, 3.4 s; now 1.2M) and the
regex lines (runs of 17-19 digits took 0.4 s, runs of up to 30 digits ran for minutes; now 19-20
digits).

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
        "id": "tf_implicit_steps_solve_refactorises",
        "slow_s": 1.471,  # runs: 1.471, 1.893, 1.402
        "fixed_s": 0.052,  # runs: 0.073, 0.052, 0.049
        "area": "tensorflow",
        "cause": "backward-Euler heat-equation steps that call tf.linalg.solve(A, u) every step: each call LU-factorises the same 1000 x 1000 matrix again (O(n^3) per step) although only the right-hand side changes; factoring A once before the loop (tf.linalg.cholesky, A being symmetric positive definite; or tf.linalg.lu) and reusing the factor with tf.linalg.cholesky_solve (lu_solve) costs O(n^2) per step and gives the same states",
        "setup": _TF_SETUP + """
n = 1000
grid = np.linspace(0.0, 1.0, n)
h = grid[1] - grid[0]
dt, kappa = 2e-4, 1.0
laplacian = (2 * np.eye(n) - np.eye(n, k=1) - np.eye(n, k=-1)) / h ** 2
A = tf.constant(np.eye(n) + dt * kappa * laplacian)
u0 = tf.constant(np.exp(-((grid - 0.3) / 0.05) ** 2)[:, None] + 0.5 * np.exp(-((grid - 0.7) / 0.02) ** 2)[:, None])
""",
        "slow": """
u = u0
snapshots = []
for step in range(60):
    u = tf.linalg.solve(A, u)
    if step % 10 == 9:
        snapshots.append(u[::20, 0])
out = tf.stack(snapshots).numpy()
""",
        "fixed": """
L = tf.linalg.cholesky(A)
u = u0
snapshots = []
for step in range(60):
    u = tf.linalg.cholesky_solve(L, u)
    if step % 10 == 9:
        snapshots.append(u[::20, 0])
out = tf.stack(snapshots).numpy()
""",
        "compare": "allclose",
    },
    {
        "id": "tf_function_closes_over_numpy_array",
        "slow_s": 1.135,  # runs: 1.104, 1.256, 1.135
        "fixed_s": 0.097,  # runs: 0.097, 0.111, 0.081
        "area": "tensorflow",
        "cause": "a @tf.function that closes over a large NumPy array (item_embeddings, 2700 x 2700 float32): tracing embeds the captured array in the function's graph as a constant, so its 29 MB are copied into the graph and carried through the trace and the first call's graph optimisation and instantiation; converting the array once with tf.constant (or keeping it in a tf.Variable) outside the function makes it a captured tensor input instead, with the same scores",
        "setup": _TF_SETUP + """
rng = np.random.default_rng(81)
item_embeddings = rng.normal(size=(2700, 2700)).astype("float32")
queries = rng.normal(size=(64, 2700)).astype("float32")
""",
        "slow": """
@tf.function
def best_scores(q):
    return tf.reduce_max(tf.matmul(q, item_embeddings), axis=1)
out = np.concatenate([best_scores(queries[i:i + 8]).numpy() for i in range(0, 64, 8)])
""",
        "fixed": """
item_table = tf.constant(item_embeddings)
@tf.function
def best_scores(q):
    return tf.reduce_max(tf.matmul(q, item_table), axis=1)
out = np.concatenate([best_scores(queries[i:i + 8]).numpy() for i in range(0, 64, 8)])
""",
        "compare": "allclose",
    },
    {
        "id": "tf_where_as_lazy_branch",
        "slow_s": 2.495,  # runs: 2.465, 2.495, 2.511
        "fixed_s": 0.269,  # runs: 0.268, 0.273, 0.269
        "area": "tensorflow",
        "cause": "a power iteration whose tf.function step logs the variance explained on the full data only every 25th step, written tf.where(i % 25 == 0, reduce_mean(square(X @ v)), nan): tf.where is an element-wise select, not a branch, so both inputs are computed and the pass over all 100,000 x 192 rows runs in every one of the 200 steps; tf.cond (or a Python if on the tensor, which AutoGraph turns into tf.cond) runs only the branch taken",
        "setup": _TF_SETUP + """
rng = np.random.default_rng(82)
X = tf.constant((rng.normal(size=(100000, 192)) @ rng.normal(size=(192, 192)) / 14).astype("float32"))
X = X - tf.reduce_mean(X, axis=0)
C = tf.transpose(X) @ X / 100000.0
v0 = tf.constant(rng.normal(size=(192, 1)).astype("float32"))
""",
        "slow": """
@tf.function
def power_step(v, i):
    v = C @ v
    v = v / tf.norm(v)
    explained = tf.where(i % 25 == 0, tf.reduce_mean(tf.square(X @ v)), np.nan)
    return v, explained
v = v0
history = []
for i in range(200):
    v, explained = power_step(v, tf.constant(i))
    history.append(explained.numpy())
history = np.array(history)
out = np.concatenate([history[~np.isnan(history)], np.abs(v.numpy()[:, 0])])
""",
        "fixed": """
@tf.function
def power_step(v, i):
    v = C @ v
    v = v / tf.norm(v)
    explained = tf.cond(i % 25 == 0,
                        lambda: tf.reduce_mean(tf.square(X @ v)),
                        lambda: tf.constant(np.nan, tf.float32))
    return v, explained
v = v0
history = []
for i in range(200):
    v, explained = power_step(v, tf.constant(i))
    history.append(explained.numpy())
history = np.array(history)
out = np.concatenate([history[~np.isnan(history)], np.abs(v.numpy()[:, 0])])
""",
        "compare": "allclose",
    },
    {
        "id": "keras_two_tower_scored_on_all_pairs",
        "slow_s": 1.825,  # runs: 1.636, 1.825, 1.976
        "fixed_s": 0.029,  # runs: 0.022, 0.038, 0.029
        "area": "keras",
        "cause": "a two-tower recommender (score = dot(user_tower(u), item_tower(i))) scored by feeding every user x item pair through the whole model: np.repeat / np.tile build 140,000 rows and each tower runs once per pair, recomputing the same 200 user and 700 item embeddings hundreds of times; the score factorises, so embedding the users and the items once with the towers and taking one matrix product gives the same score matrix",
        "setup": _KERAS_SETUP + """
def make_tower(name, n_in):
    inp = keras.Input((n_in,))
    h = keras.layers.Dense(256, activation="relu")(inp)
    h = keras.layers.Dense(256, activation="relu")(h)
    return keras.Model(inp, keras.layers.Dense(64)(h), name=name)
user_tower = make_tower("user_tower", 48)
item_tower = make_tower("item_tower", 96)
user_in, item_in = keras.Input((48,), name="user"), keras.Input((96,), name="item")
recommender = keras.Model([user_in, item_in], keras.layers.Dot(axes=1)([user_tower(user_in), item_tower(item_in)]))
rng = np.random.default_rng(83)
user_features = rng.normal(size=(200, 48)).astype("float32")
item_features = rng.normal(size=(700, 96)).astype("float32")
""",
        "slow": """
n_users, n_items = len(user_features), len(item_features)
pair_users = np.repeat(user_features, n_items, axis=0)
pair_items = np.tile(item_features, (n_users, 1))
scores = recommender.predict([pair_users, pair_items], batch_size=4096, verbose=0).reshape(n_users, n_items)
out = scores
""",
        "fixed": """
user_vecs = user_tower(user_features).numpy()
item_vecs = item_tower(item_features).numpy()
scores = user_vecs @ item_vecs.T
out = scores
""",
        "compare": "allclose",
    },
    {
        "id": "keras_predict_inside_threshold_sweep",
        "slow_s": 1.487,  # runs: 1.849, 1.487, 1.444
        "fixed_s": 0.117,  # runs: 0.119, 0.117, 0.074
        "area": "keras",
        "cause": "a decision-threshold sweep that calls model.predict(x_val) inside the list comprehension, once per threshold: the same 8,000 validation rows are run through the network 13 times although the probabilities do not depend on the threshold; predicting once before the sweep and thresholding the saved probabilities gives the same F1 scores",
        "setup": _KERAS_SETUP + """
model = keras.Sequential([
    keras.Input((40,)),
    keras.layers.Dense(256, activation="relu"),
    keras.layers.Dense(256, activation="relu"),
    keras.layers.Dense(1, activation="sigmoid"),
])
rng = np.random.default_rng(84)
x_val = rng.normal(size=(8000, 40)).astype("float32")
y_val = (x_val[:, 0] + 0.5 * x_val[:, 1] > 0).astype(int)
thresholds = np.linspace(0.2, 0.8, 13)
def f1(y_true, y_pred):
    tp = np.sum((y_pred == 1) & (y_true == 1))
    fp = np.sum((y_pred == 1) & (y_true == 0))
    fn = np.sum((y_pred == 0) & (y_true == 1))
    return 2 * tp / max(2 * tp + fp + fn, 1)
""",
        "slow": """
f1_by_threshold = [f1(y_val, (model.predict(x_val, batch_size=1024, verbose=0)[:, 0] > t).astype(int)) for t in thresholds]
out = np.array(f1_by_threshold)
""",
        "fixed": """
probs = model.predict(x_val, batch_size=1024, verbose=0)[:, 0]
f1_by_threshold = [f1(y_val, (probs > t).astype(int)) for t in thresholds]
out = np.array(f1_by_threshold)
""",
        "compare": "allclose",
    },
    {
        "id": "tfdata_tfrecord_floatlist_from_array",
        "slow_s": 1.539,  # runs: 1.394, 1.539, 1.559
        "fixed_s": 0.158,  # runs: 0.174, 0.158, 0.15
        "area": "tf.data",
        "cause": "images written to TFRecord as tf.train.FloatList(value=img.ravel()): the protobuf field is filled from the NumPy array one element at a time through the Python sequence protocol (76,800 Python floats per image), and parsed back as a 76,800-float feature; storing each image as one bytes feature (tf.io.serialize_tensor, read back with tf.io.parse_tensor), as the TFRecord tutorial does for non-scalar features, writes and reads the same float32 values in one piece",
        "setup": _TF_SETUP + """
import os, tempfile
record_dir = tempfile.mkdtemp(prefix="blind7_tfrecord_")
images = np.random.default_rng(85).uniform(size=(100, 160, 160, 3)).astype("float32")
""",
        "slow": """
path = os.path.join(record_dir, "images_floatlist.tfrecord")
with tf.io.TFRecordWriter(path) as writer:
    for img in images:
        feature = {"image": tf.train.Feature(float_list=tf.train.FloatList(value=img.ravel()))}
        writer.write(tf.train.Example(features=tf.train.Features(feature=feature)).SerializeToString())
def parse(record):
    example = tf.io.parse_single_example(record, {"image": tf.io.FixedLenFeature([160 * 160 * 3], tf.float32)})
    return tf.reshape(example["image"], [160, 160, 3])
ds = tf.data.TFRecordDataset(path).map(parse).batch(32)
out = np.concatenate([tf.reduce_mean(batch, axis=[1, 2]).numpy() for batch in ds])
""",
        "fixed": """
path = os.path.join(record_dir, "images_bytes.tfrecord")
with tf.io.TFRecordWriter(path) as writer:
    for img in images:
        feature = {"image": tf.train.Feature(bytes_list=tf.train.BytesList(value=[tf.io.serialize_tensor(img).numpy()]))}
        writer.write(tf.train.Example(features=tf.train.Features(feature=feature)).SerializeToString())
def parse(record):
    example = tf.io.parse_single_example(record, {"image": tf.io.FixedLenFeature([], tf.string)})
    return tf.ensure_shape(tf.io.parse_tensor(example["image"], tf.float32), [160, 160, 3])
ds = tf.data.TFRecordDataset(path).map(parse).batch(32)
out = np.concatenate([tf.reduce_mean(batch, axis=[1, 2]).numpy() for batch in ds])
""",
        "compare": "allclose",
    },
    {
        "id": "tfdata_dict_of_many_columns",
        "slow_s": 1.503,  # runs: 1.503, 1.462, 2.163
        "fixed_s": 0.092,  # runs: 0.092, 0.089, 0.098
        "area": "tf.data",
        "cause": "a table of 200 numeric columns fed to Dataset.from_tensor_slices as a dict of columns, so every element is a structure of 200 scalar tensors that slicing and batching handle one component at a time (and a map then stacks them back); a uniformly typed numeric table can be handled as one array (as the TensorFlow 'Load a pandas DataFrame' tutorial does): stacking the columns once into a [rows, 200] array gives the same batches with one component per element",
        "setup": _TF_SETUP + """
rng = np.random.default_rng(86)
columns = {f"sensor_{i:03d}": rng.normal(size=20000).astype("float32") for i in range(200)}
""",
        "slow": """
ds = (tf.data.Dataset.from_tensor_slices(columns)
      .batch(256)
      .map(lambda cols: tf.stack(list(cols.values()), axis=1)))
out = np.stack([tf.reduce_mean(batch, axis=0).numpy() for batch in ds])
""",
        "fixed": """
features = np.stack(list(columns.values()), axis=1)
ds = tf.data.Dataset.from_tensor_slices(features).batch(256)
out = np.stack([tf.reduce_mean(batch, axis=0).numpy() for batch in ds])
""",
        "compare": "allclose",
    },
    {
        "id": "np_array_cached_as_text",
        "slow_s": 1.735,  # runs: 1.735, 1.893, 1.467
        "fixed_s": 0.006,  # runs: 0.006, 0.006, 0.006
        "area": "numpy",
        "cause": "a 150,000 x 8 float64 feature matrix cached between notebook sessions with np.savetxt / np.loadtxt: savetxt formats every row through Python string formatting ('%.18e' per value) and loadtxt parses 1.2M decimal strings back; np.save / np.load write and map the raw binary buffer (the .npy format) and return exactly the same array",
        "setup": """
import os, tempfile
import numpy as np
cache_dir = tempfile.mkdtemp(prefix="blind7_cache_")
features = np.random.default_rng(87).normal(size=(150_000, 8))
""",
        "slow": """
path = os.path.join(cache_dir, "features.csv")
np.savetxt(path, features, delimiter=",")
restored = np.loadtxt(path, delimiter=",")
out = restored[::97]
""",
        "fixed": """
path = os.path.join(cache_dir, "features.npy")
np.save(path, features)
restored = np.load(path)
out = restored[::97]
""",
        "compare": "allclose",
    },
    {
        "id": "np_percentile_per_quantile_loop",
        "slow_s": 1.536,  # runs: 1.549, 1.476, 1.536
        "fixed_s": 0.053,  # runs: 0.052, 0.055, 0.053
        "area": "numpy",
        "cause": "the 99 percentiles for a QQ plot taken with one np.percentile call per q: each call copies and partially sorts (introselect) all 1.2M values again; np.percentile accepts a sequence of q and partitions the data once around all the needed ranks",
        "setup": """
import numpy as np
latencies = np.random.default_rng(88).standard_t(3, size=1_200_000) * 20 + 100
""",
        "slow": """
qs = np.arange(1, 100)
quantiles = np.array([np.percentile(latencies, q) for q in qs])
out = quantiles
""",
        "fixed": """
qs = np.arange(1, 100)
quantiles = np.percentile(latencies, qs)
out = quantiles
""",
        "compare": "allclose",
    },
    {
        "id": "mpl_subplot_per_thumbnail",
        "slow_s": 1.508,  # runs: 1.508, 1.522, 1.45
        "fixed_s": 0.051,  # runs: 0.051, 0.047, 0.053
        "area": "matplotlib",
        "cause": "a 12 x 12 grid of 28 x 28 digit thumbnails drawn with plt.subplot(12, 12, i + 1) and imshow per image: 144 Axes, each with its own spines, axis objects and ticks built (and pyplot's subplot looking through the existing Axes for a match on each call), for pictures that are only images; tiling the thumbnails into one 336 x 336 mosaic array and showing it in one Axes draws the same picture",
        "setup": _MPL_SETUP + """
rng = np.random.default_rng(89)
yy, xx = np.mgrid[0:28, 0:28]
centres = rng.uniform(8, 20, size=(144, 3, 2))
digits = np.zeros((144, 28, 28))
for k in range(3):
    digits += np.exp(-((yy[None] - centres[:, k, 0, None, None]) ** 2 + (xx[None] - centres[:, k, 1, None, None]) ** 2) / 12.0)
digits = np.clip(digits, 0, 1)
""",
        "slow": """
fig = plt.figure(figsize=(6, 6), dpi=100)
for i in range(144):
    ax = plt.subplot(12, 12, i + 1)
    ax.imshow(digits[i], cmap="gray", vmin=0, vmax=1)
    ax.axis("off")
plt.subplots_adjust(left=0, right=1, bottom=0, top=1, wspace=0, hspace=0)
fig.canvas.draw()
out = np.asarray(fig.canvas.buffer_rgba()).copy()
plt.close(fig)
""",
        "fixed": """
fig = plt.figure(figsize=(6, 6), dpi=100)
mosaic = digits.reshape(12, 12, 28, 28).transpose(0, 2, 1, 3).reshape(12 * 28, 12 * 28)
ax = fig.add_axes([0, 0, 1, 1])
ax.imshow(mosaic, cmap="gray", vmin=0, vmax=1)
ax.axis("off")
fig.canvas.draw()
out = np.asarray(fig.canvas.buffer_rgba()).copy()
plt.close(fig)
""",
        "compare": "image",
    },
    {
        "id": "mpl_fill_between_where_interpolate",
        "slow_s": 1.505,  # runs: 1.505, 1.489, 1.525
        "fixed_s": 0.14,  # runs: 0.141, 0.14, 0.139
        "area": "matplotlib",
        "cause": "12,000 residuals plotted as a line and shaded red above and blue below zero with fill_between(t, y, 0, where=y > 0, interpolate=True) (and where=y < 0): fill_between builds one polygon per contiguous True run in a Python loop and, with interpolate=True, finds each run's two zero crossings through masked-array element indexing, so the ~6,000 sign changes mean ~6,000 Python-level region builds; clipping the curve at the baseline (np.maximum(y, 0), np.minimum(y, 0)) and filling each side once without where gives the same shading (the clipped outline meets the baseline at the next sample instead of at the interpolated crossing: under a tenth of a pixel here)",
        "setup": _MPL_SETUP + """
rng = np.random.default_rng(90)
t = np.arange(12_000)
y = rng.normal(size=len(t)) * (1 + 0.5 * np.sin(t / 1000))
""",
        "slow": """
fig, ax = plt.subplots(figsize=(8, 4), dpi=100)
ax.plot(t, y, lw=0.3, color="k")
ax.fill_between(t, y, 0, where=y > 0, interpolate=True, color="tab:red", lw=0)
ax.fill_between(t, y, 0, where=y < 0, interpolate=True, color="tab:blue", lw=0)
fig.canvas.draw()
out = np.asarray(fig.canvas.buffer_rgba()).copy()
plt.close(fig)
""",
        "fixed": """
fig, ax = plt.subplots(figsize=(8, 4), dpi=100)
ax.plot(t, y, lw=0.3, color="k")
ax.fill_between(t, np.maximum(y, 0), 0, color="tab:red", lw=0)
ax.fill_between(t, np.minimum(y, 0), 0, color="tab:blue", lw=0)
fig.canvas.draw()
out = np.asarray(fig.canvas.buffer_rgba()).copy()
plt.close(fig)
""",
        "compare": "image",
    },
    {
        "id": "py_regex_catastrophic_backtracking",
        "slow_s": 1.24,  # runs: 1.37, 1.24, 1.169
        "fixed_s": 0.001,  # runs: 0.001, 0.001, 0.001
        "area": "python",
        "cause": "the ID-list field validated with the nested quantifier ^(\\d+,?)+$: on a malformed line (a run of ~20 digits followed by a stray character) the regex engine tries every way of splitting the digit run between the inner \\d+ and the outer +, exponential in the run's length (catastrophic backtracking, the classic ReDoS pattern of a repeat inside a repeat); the unambiguous ^\\d+(?:,\\d+)*,?$ accepts exactly the same lines in linear time",
        "setup": """
import random, re
random.seed(91)
lines = []
for i in range(2000):
    if i % 100 == 7:
        lines.append("".join(random.choice("0123456789") for _ in range(random.randint(19, 20))) + random.choice(["x", ";", " ", "."]))
    else:
        lines.append(",".join(str(random.randint(0, 99999)) for _ in range(random.randint(1, 6))))
""",
        "slow": """
id_list = re.compile(r"^(\\d+,?)+$")
valid = [bool(id_list.match(line)) for line in lines]
out = (sum(valid), [i for i, ok in enumerate(valid) if not ok])
""",
        "fixed": """
id_list = re.compile(r"^\\d+(?:,\\d+)*,?$")
valid = [bool(id_list.match(line)) for line in lines]
out = (sum(valid), [i for i, ok in enumerate(valid) if not ok])
""",
        "compare": "equal",
    },
]

_BY_ID = {c["id"]: c for c in CASES}


def get(case_id: str) -> dict:
    return _BY_ID[case_id]
