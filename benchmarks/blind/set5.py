"""Blind set 5: twelve slow notebook cells and their fixed twins, written without reading the finding rules.

Same shape as sets 1-4 (``score`` and ``timecases`` read ``CASES`` and ``get``): each case has a
``setup`` (run plainly, not measured), a ``slow`` cell and a ``fixed`` cell that both leave ``out``
(``compare`` says how the two must agree), and ``slow_s`` / ``fixed_s``: the cells timed plainly,
without tfplotguard, by ``python -m benchmarks.blind.timecases --set set5 --repeat 3`` (median of
3 fresh processes; 2 shared CPU cores, TensorFlow 2.21 CPU, Keras 3.15, NumPy 2.4, matplotlib
3.11, Python 3.11), each run listed beside it. Measured 2026-12-06 14:14:58-14:18:12 UTC under
``nice -n 5`` (``uptime`` load average 1.37 before, 2.14 after, other sessions sharing the cores);
three cases whose sizes were then raised (the one-hot lookup and the quadratic form, both under
0.6 s, and the JPEG crop, whose median was 4.4x) were timed again 14:18:24-14:19:25 UTC (load
1.96 before, 2.18 after) and those runs are the ones listed. Runs of one case spread by up to 2x.

Written blind: only sets 1-4, ``timecases`` and this package's ``__init__`` were read in this
repository; the causes come from the libraries' documentation (the Keras FAQ on feature
extraction, the np.polyfit and sum() docs, tf.io.decode_and_crop_jpeg, tf.linalg.cholesky_solve,
Path.contains_points), well-known numerical practice, and installed library source
(``keras/src/backend/tensorflow/nn.py``). None repeats a cause of sets 1-4: TensorFlow (an
embedding lookup done as a one-hot matmul, a full n x n product computed to take its diagonal, a
matmul chain evaluated in the expensive order inside a loop, an explicit inverse of a Cholesky
factor), Keras (one sub-model and one predict per layer for intermediate activations), tf.data (a
full JPEG decode before a small crop, batches padded to a fixed maximum length far above the
longest sequence), NumPy (np.polyfit looped per series, direct np.convolve with a long kernel),
matplotlib (a colormap called per value, Path.contains_point looped per point) and plain Python
(flattening lists with sum(lists, [])).

Dropped while writing (single runs unless said): Keras Conv2D with data_format="channels_first"
against channels_last on CPU (3.5x, and 10.6 s slow); a Keras TensorBoard callback with
update_freq=1 and histogram_freq=1 (TensorBoard is not installed here: tf.summary raises); a
frozen Keras base trained end to end every epoch against features extracted once (4.8x at 11.9 s;
at smaller sizes Keras' per-epoch fit overhead dominates the fixed cell); a target network
soft-updated through get_weights/set_weights against Variable.assign (0.9x: the eager assigns are
no faster); the mixed_float16 policy on this CPU (no slower than float32, checked outside the set)
and keras.utils.pad_sequences against a NumPy mask (pad_sequences was the faster), so Keras has
one case, not two; tf.data unbatch().batch(256) against rebatch(256) (2.1x); np.add.at against
np.bincount (1.0x: NumPy 2's ufunc.at fast path); np.genfromtxt against np.loadtxt on a clean CSV
(3.9x); np.linalg.eig / eigvals against eigh / eigvalsh on a symmetric 900 x 900 matrix (4.4x,
then 0.6x in a run where the symmetric solver was the slower); matplotlib figures created in a
savefig loop and never closed against plt.close(fig) (0.9x). Reworked after a first run: the
padded-batch case (2.1-2.7x with eager per-batch ops and MAX_LEN 1000; now the encoder is a
tf.function with an input_signature and MAX_LEN is 2048), the JPEG crop (3.9x for a center crop
of a 1600 x 1600 photo; now a header band of a 3300 x 2550 page), the per-layer sub-models (3.5x
with 10 layers on 20,000 rows; now 16 layers on 1,000 rows), the Gram-matrix descent (5.4x with
d = 400; now d = 800), and the convolution and contains_point sizes (under 0.6 s).

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
        "id": "tf_one_hot_matmul_lookup",
        "slow_s": 0.916,  # runs: 0.935, 0.916, 0.869
        "fixed_s": 0.013,  # runs: 0.013, 0.014, 0.01
        "area": "tensorflow",
        "cause": "embedding vectors looked up as tf.matmul(tf.one_hot(ids, vocab_size), embeddings): every chunk builds a 1024 x 30,000 one-hot matrix (123 MB) and multiplies through it, 1024*30000*64 multiply-adds nearly all on zeros; tf.gather(embeddings, ids) (tf.nn.embedding_lookup) reads just the 1024 rows",
        "setup": _TF_SETUP + """
vocab_size, dim = 30000, 64
embeddings = tf.random.stateless_normal([vocab_size, dim], seed=[1, 2])
token_ids = tf.random.stateless_uniform([16384], seed=[3, 4], maxval=vocab_size, dtype=tf.int32)
""",
        "slow": """
doc_vectors = []
for start in range(0, 16384, 1024):
    ids = token_ids[start:start + 1024]
    vectors = tf.matmul(tf.one_hot(ids, vocab_size), embeddings)
    doc_vectors.append(tf.reduce_mean(tf.reshape(vectors, [-1, 32, dim]), axis=1))
out = tf.concat(doc_vectors, axis=0).numpy()
""",
        "fixed": """
doc_vectors = []
for start in range(0, 16384, 1024):
    ids = token_ids[start:start + 1024]
    vectors = tf.gather(embeddings, ids)
    doc_vectors.append(tf.reduce_mean(tf.reshape(vectors, [-1, 32, dim]), axis=1))
out = tf.concat(doc_vectors, axis=0).numpy()
""",
        "compare": "allclose",
    },
    {
        "id": "tf_quadratic_form_diag",
        "slow_s": 0.623,  # runs: 0.674, 0.609, 0.623
        "fixed_s": 0.04,  # runs: 0.04, 0.039, 0.04
        "area": "tensorflow",
        "cause": "per-row quadratic forms x_i^T M x_i taken as diag_part(X @ M @ X^T): the whole 7000 x 7000 product (25 G multiply-adds, 196 MB) is computed to keep its diagonal; reduce_sum((X @ M) * X, axis=1) computes only the diagonal, O(n*d*d)",
        "setup": _TF_SETUP + """
X = tf.random.stateless_normal([7000, 512], seed=[5, 6])
A = tf.random.stateless_normal([512, 512], seed=[7, 8])
M = A @ tf.transpose(A) / 512.0 + tf.eye(512)
""",
        "slow": """
scores = tf.linalg.diag_part(X @ M @ tf.transpose(X))
out = scores.numpy()
""",
        "fixed": """
scores = tf.reduce_sum((X @ M) * X, axis=1)
out = scores.numpy()
""",
        "compare": "allclose",
    },
    {
        "id": "tf_gradient_descent_gram_each_step",
        "slow_s": 1.248,  # runs: 1.248, 1.181, 1.257
        "fixed_s": 0.156,  # runs: 0.152, 0.156, 0.178
        "area": "tensorflow",
        "cause": "tf.transpose(X) @ X @ w is evaluated left to right, so every gradient step forms the 800 x 800 Gram matrix X^T X (n*d*d multiply-adds) before multiplying by w; re-associated as X^T (X w - y) each step is two matrix-vector products, O(n*d) (or form the Gram matrix once before the loop)",
        "setup": _TF_SETUP + """
n, d = 4000, 800
X = tf.random.stateless_normal([n, d], seed=[9, 10]) / np.sqrt(n)
true_w = tf.random.stateless_normal([d, 1], seed=[11, 12])
y = X @ true_w + 0.01 * tf.random.stateless_normal([n, 1], seed=[13, 14])
""",
        "slow": """
w = tf.zeros([d, 1])
lr = 0.5
for step in range(20):
    grad = tf.transpose(X) @ X @ w - tf.transpose(X) @ y
    w = w - lr * grad
out = w.numpy()
""",
        "fixed": """
w = tf.zeros([d, 1])
lr = 0.5
for step in range(20):
    grad = tf.transpose(X) @ (X @ w - y)
    w = w - lr * grad
out = w.numpy()
""",
        "compare": "allclose",
    },
    {
        "id": "tf_inverse_of_cholesky_factor",
        "slow_s": 0.993,  # runs: 0.993, 1.096, 0.848
        "fixed_s": 0.152,  # runs: 0.133, 0.152, 0.158
        "area": "tensorflow",
        "cause": "the GP weights solved through an explicit tf.linalg.inv of the Cholesky factor (a general LU inversion, O(n^3), of a triangular matrix) and two matmuls; tf.linalg.cholesky_solve(L, y) does two triangular solves, O(n^2) per right-hand side, with the same result",
        "setup": _TF_SETUP + """
rng = np.random.default_rng(56)
X_train = rng.uniform(-3, 3, size=(2000, 2))
X_test = rng.uniform(-3, 3, size=(500, 2))
y_train = np.sin(X_train[:, :1]) * np.cos(X_train[:, 1:]) + 0.1 * rng.normal(size=(2000, 1))
def rbf(a, b, scale=1.0):
    d2 = tf.reduce_sum(a ** 2, 1)[:, None] - 2 * tf.matmul(a, b, transpose_b=True) + tf.reduce_sum(b ** 2, 1)[None, :]
    return tf.exp(-0.5 * d2 / scale ** 2)
K = rbf(X_train, X_train) + 0.01 * tf.eye(2000, dtype=tf.float64)
K_star = rbf(X_test, X_train)
""",
        "slow": """
L = tf.linalg.cholesky(K)
L_inv = tf.linalg.inv(L)
alpha = tf.transpose(L_inv) @ (L_inv @ y_train)
posterior_mean = K_star @ alpha
out = posterior_mean.numpy()
""",
        "fixed": """
L = tf.linalg.cholesky(K)
alpha = tf.linalg.cholesky_solve(L, y_train)
posterior_mean = K_star @ alpha
out = posterior_mean.numpy()
""",
        "compare": "allclose",
    },
    {
        "id": "keras_submodel_per_layer",
        "slow_s": 3.098,  # runs: 3.098, 3.005, 3.22
        "fixed_s": 0.29,  # runs: 0.29, 0.282, 0.368
        "area": "keras",
        "cause": "every layer's activations extracted by building a new keras.Model per layer and calling predict on each: each sub-model traces its own predict function and recomputes every layer below it (1+2+...+16 layers); one multi-output extractor, keras.Model(inputs, [layer.output for layer in model.layers]) as in the Keras FAQ, does it in one predict",
        "setup": _KERAS_SETUP + """
init = keras.initializers.GlorotUniform
model = keras.Sequential([keras.Input((64,))] + [
    keras.layers.Dense(128, activation="relu", kernel_initializer=init(seed=i), name=f"dense_{i}")
    for i in range(16)
])
x = np.random.default_rng(41).normal(size=(1000, 64)).astype("float32")
""",
        "slow": """
layer_means = []
for layer in model.layers:
    extractor = keras.Model(inputs=model.inputs, outputs=layer.output)
    acts = extractor.predict(x, batch_size=1024, verbose=0)
    layer_means.append(acts.mean(axis=0))
out = np.concatenate(layer_means)
""",
        "fixed": """
extractor = keras.Model(inputs=model.inputs, outputs=[layer.output for layer in model.layers])
acts = extractor.predict(x, batch_size=1024, verbose=0)
out = np.concatenate([a.mean(axis=0) for a in acts])
""",
        "compare": "allclose",
    },
    {
        "id": "tfdata_decode_full_jpeg_then_crop",
        "slow_s": 2.649,  # runs: 2.708, 2.631, 2.649
        "fixed_s": 0.341,  # runs: 0.28, 0.341, 0.355
        "area": "tf.data",
        "cause": "each 3300 x 2550 JPEG page (a 300 dpi scan) is fully decoded by decode_jpeg only to keep a 160 x 1200 band near the top; tf.io.decode_and_crop_jpeg decodes only the crop window (libjpeg skips the rows and columns outside it) and gives the same pixels",
        "setup": _TF_SETUP + """
import os, tempfile
image_dir = tempfile.mkdtemp(prefix="blind5_jpg_")
pages = []
for k in range(12):
    base = tf.random.stateless_uniform([1, 50, 50, 3], seed=[k, 50])
    big = tf.image.resize(base, [3300, 2550], method="bicubic")[0]
    pages.append(tf.io.encode_jpeg(tf.cast(tf.clip_by_value(big, 0, 1) * 255, tf.uint8), quality=90).numpy())
paths = []
for i in range(100):
    paths.append(os.path.join(image_dir, f"page_{i:04d}.jpg"))
    with open(paths[-1], "wb") as f:
        f.write(pages[i % 12])
""",
        "slow": """
def load_header(path):
    img = tf.io.decode_jpeg(tf.io.read_file(path), channels=3)
    return tf.image.crop_to_bounding_box(img, 60, 200, 160, 1200)
ds = tf.data.Dataset.from_tensor_slices(paths).map(load_header, num_parallel_calls=tf.data.AUTOTUNE).batch(32)
out = np.concatenate([tf.reduce_mean(tf.cast(b, tf.float32), axis=[1, 2]).numpy() for b in ds])
""",
        "fixed": """
def load_header(path):
    return tf.io.decode_and_crop_jpeg(tf.io.read_file(path), [60, 200, 160, 1200], channels=3)
ds = tf.data.Dataset.from_tensor_slices(paths).map(load_header, num_parallel_calls=tf.data.AUTOTUNE).batch(32)
out = np.concatenate([tf.reduce_mean(tf.cast(b, tf.float32), axis=[1, 2]).numpy() for b in ds])
""",
        "compare": "allclose",
    },
    {
        "id": "tfdata_padded_batch_fixed_max",
        "slow_s": 1.318,  # runs: 1.314, 1.318, 2.627
        "fixed_s": 0.211,  # runs: 0.185, 0.211, 0.368
        "area": "tf.data",
        "cause": "every batch is padded to a fixed MAX_LEN = 2048 (to_tensor(shape=[None, MAX_LEN])) although no review is longer than 119 tokens, so the encoder runs ~17x its work on padding; padding each batch only to its own longest sequence (to_tensor(), or padded_batch without padded_shapes) gives the same masked means",
        "setup": _TF_SETUP + """
rng = np.random.default_rng(54)
lengths = rng.integers(10, 120, 2500)
token_ids = rng.integers(1, 20000, lengths.sum())
reviews = tf.RaggedTensor.from_row_lengths(token_ids, lengths)
embedding_table = tf.random.stateless_normal([20000, 64], seed=[15, 16])
W_proj = tf.random.stateless_normal([64, 64], seed=[17, 18]) * 0.1
MAX_LEN = 2048
@tf.function(input_signature=[tf.TensorSpec([None, None], tf.int64)])
def encode(batch):
    mask = tf.cast(batch > 0, tf.float32)[..., None]
    hidden = tf.tanh(tf.gather(embedding_table, batch) @ W_proj) * mask
    return tf.reduce_sum(hidden, axis=1) / tf.reduce_sum(mask, axis=1)
""",
        "slow": """
ds = (tf.data.Dataset.from_tensor_slices(reviews)
      .ragged_batch(64)
      .map(lambda r: r.to_tensor(shape=[None, MAX_LEN])))
out = np.concatenate([encode(batch).numpy() for batch in ds])
""",
        "fixed": """
ds = (tf.data.Dataset.from_tensor_slices(reviews)
      .ragged_batch(64)
      .map(lambda r: r.to_tensor()))
out = np.concatenate([encode(batch).numpy() for batch in ds])
""",
        "compare": "allclose",
    },
    {
        "id": "np_polyfit_per_series",
        "slow_s": 0.824,  # runs: 0.764, 0.854, 0.824
        "fixed_s": 0.114,  # runs: 0.114, 0.078, 0.115
        "area": "numpy",
        "cause": "np.polyfit called once per series in a Python loop (20,000 calls, each building the Vandermonde matrix, scaling it and calling lstsq); np.polyfit takes a 2-D y with one series per column and fits them all in one lstsq, as its documentation says",
        "setup": """
import numpy as np
rng = np.random.default_rng(55)
t = np.linspace(0, 1, 200)
series = rng.normal(size=(20000, 200)) + rng.normal(size=(20000, 1)) * t + 0.3 * t ** 2
""",
        "slow": """
trends = np.array([np.polyfit(t, s, 2) for s in series])
out = trends
""",
        "fixed": """
trends = np.polyfit(t, series.T, 2).T
out = trends
""",
        "compare": "allclose",
    },
    {
        "id": "np_convolve_long_kernel",
        "slow_s": 0.958,  # runs: 0.958, 1.025, 0.952
        "fixed_s": 0.094,  # runs: 0.101, 0.094, 0.089
        "area": "numpy",
        "cause": "np.convolve is direct convolution, O(n*k): a 6001-tap Gaussian kernel over 1M samples is 6e9 multiply-adds; FFT convolution (np.fft.rfft / irfft, what scipy.signal.fftconvolve does) gives the same 'same'-mode result in O(n log n)",
        "setup": """
import numpy as np
rng = np.random.default_rng(46)
signal = np.cumsum(rng.normal(size=1_000_000))
t = np.arange(-3000, 3001)
kernel = np.exp(-0.5 * (t / 750.0) ** 2)
kernel /= kernel.sum()
""",
        "slow": """
smooth = np.convolve(signal, kernel, mode="same")
out = smooth[::250]
""",
        "fixed": """
n_full = len(signal) + len(kernel) - 1
n_fft = 1 << (n_full - 1).bit_length()
full = np.fft.irfft(np.fft.rfft(signal, n_fft) * np.fft.rfft(kernel, n_fft), n_fft)[:n_full]
start = (len(kernel) - 1) // 2
smooth = full[start:start + len(signal)]
out = smooth[::250]
""",
        "compare": "allclose",
    },
    {
        "id": "mpl_colormap_per_value",
        "slow_s": 4.116,  # runs: 4.116, 5.111, 3.67
        "fixed_s": 0.48,  # runs: 0.473, 0.511, 0.48
        "area": "matplotlib",
        "cause": "the Colormap and Normalize called once per segment in a Python list comprehension (60,000 calls, each through masked-array processing) and a list of 60,000 RGBA tuples handed to LineCollection; cmap(norm(speed)) maps the whole array in one call and returns an (N, 4) array",
        "setup": _MPL_SETUP + """
from matplotlib.collections import LineCollection
rng = np.random.default_rng(49)
steps = rng.normal(size=(60_000, 2))
path = np.cumsum(steps, axis=0)
segments = np.stack([path[:-1], path[1:]], axis=1)
speed = np.linalg.norm(steps[1:], axis=1)
""",
        "slow": """
cmap = plt.get_cmap("viridis")
norm = plt.Normalize(speed.min(), speed.max())
colors = [cmap(norm(s)) for s in speed]
fig, ax = plt.subplots(figsize=(5, 5), dpi=80)
ax.add_collection(LineCollection(segments, colors=colors, linewidths=0.5))
ax.autoscale()
fig.canvas.draw()
out = np.asarray(fig.canvas.buffer_rgba()).copy()
plt.close(fig)
""",
        "fixed": """
cmap = plt.get_cmap("viridis")
norm = plt.Normalize(speed.min(), speed.max())
colors = cmap(norm(speed))
fig, ax = plt.subplots(figsize=(5, 5), dpi=80)
ax.add_collection(LineCollection(segments, colors=colors, linewidths=0.5))
ax.autoscale()
fig.canvas.draw()
out = np.asarray(fig.canvas.buffer_rgba()).copy()
plt.close(fig)
""",
        "compare": "image",
    },
    {
        "id": "mpl_contains_point_loop",
        "slow_s": 1.055,  # runs: 0.88, 1.055, 1.225
        "fixed_s": 0.033,  # runs: 0.033, 0.033, 0.033
        "area": "matplotlib",
        "cause": "Path.contains_point called per point in a Python loop (300,000 calls, each with its own transform and argument handling); Path.contains_points(points) tests all points in one vectorised call",
        "setup": _MPL_SETUP + """
from matplotlib.path import Path
rng = np.random.default_rng(50)
cells = rng.uniform(0, 100, size=(300_000, 2))
angles = np.linspace(0, 2 * np.pi, 60, endpoint=False)
radii = 30 + 8 * np.sin(5 * angles)
roi = Path(np.column_stack([50 + radii * np.cos(angles), 50 + radii * np.sin(angles)]))
""",
        "slow": """
inside = np.array([roi.contains_point(p) for p in cells])
out = inside.astype(float)
""",
        "fixed": """
inside = roi.contains_points(cells)
out = inside.astype(float)
""",
        "compare": "allclose",
    },
    {
        "id": "py_sum_flatten_lists",
        "slow_s": 2.438,  # runs: 2.133, 2.438, 2.5
        "fixed_s": 0.005,  # runs: 0.005, 0.005, 0.005
        "area": "python",
        "cause": "sum(batches, []) concatenates the lists one at a time, copying the growing result for each of 4000 lists (quadratic); the docs of sum() point to itertools.chain for concatenating iterables, which builds the flat list once",
        "setup": """
import random
random.seed(52)
batches = [[random.randrange(1000) for _ in range(50)] for _ in range(4000)]
""",
        "slow": """
all_ids = sum(batches, [])
out = (len(all_ids), sum(all_ids), all_ids[::997])
""",
        "fixed": """
import itertools
all_ids = list(itertools.chain.from_iterable(batches))
out = (len(all_ids), sum(all_ids), all_ids[::997])
""",
        "compare": "equal",
    },
]

_BY_ID = {c["id"]: c for c in CASES}


def get(case_id: str) -> dict:
    return _BY_ID[case_id]
