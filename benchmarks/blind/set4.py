"""Blind set 4: fifteen slow notebook cells and their fixed twins, written without reading the finding rules.

Same shape as sets 1-3 (``score`` and ``timecases`` read ``CASES`` and ``get``): each case has a
``setup`` (run plainly, not measured), a ``slow`` cell and a ``fixed`` cell that both leave ``out``
(``compare`` says how the two must agree), and ``slow_s`` / ``fixed_s``: the cells timed plainly,
without tfplotguard, by ``python -m benchmarks.blind.timecases --set set4 --repeat 3`` (median of
3 fresh processes; 2 shared CPU cores, TensorFlow 2.21 CPU, Keras 3.15, NumPy 2.4, matplotlib
3.11), each run listed beside it. Measured 2026-12-06 13:39:34-13:43:13 UTC under ``nice -n 5``
while another session's benchmark shared the 2 cores (``uptime`` load average 2.42 before, 3.15
after), so runs of one case spread by up to 2x. The cells that allocate a few hundred MB (the dense
adjacency, the diag matrix) are also slower in a process that is the first to touch that much
memory in a while.

Written blind: only sets 1-3, ``timecases`` and this package's ``__init__`` were read in this
repository; the causes come from the libraries' documentation, their issue trackers and installed
library source (``keras/src/layers/rnn/time_distributed.py``, ``keras/src/utils/dataset_utils.py``).
None repeats a cause of sets 1-3: TensorFlow (a dense adjacency matrix where a SparseTensor is
meant, a full argsort for a top-k, a broadcast multiply-and-sum where a matmul is meant,
convert_to_tensor of a list of arrays), Keras (TimeDistributed(Dense) unrolled over timesteps,
keras.utils.split_dataset materialising a tf.data dataset), tf.data (counting batches by iterating
the pipeline, a full-size shuffle buffer after the expensive decode), NumPy (IRLS with an n x n
np.diag weight matrix, an .npz NpzFile indexed inside a loop, an int64 matmul without BLAS),
matplotlib (a vector PDF of 150k markers without rasterized=True, a per-point list of colour
names, imshow stacking a new image per frame) and the standard library (datetime.strptime where
fromisoformat parses the same ISO strings).

Dropped while writing, as their twins were not 5x faster here (single runs): Keras
compile(steps_per_execution=50) against the default 1 on a small MLP (1.5x); one-hot inputs into
Dense against an Embedding with the same initial weights (6.8x in one run but 1.9 s against 1.05 s
in another: dominated by to_categorical's first touch of 384 MB and by Keras' fixed fit overhead);
keras.models.load_model inside the scoring function called per batch (1.9x: each predict call's
own ~0.1 s overhead dominates); model.compile inside an evaluation helper called per split (2.1x,
for the same reason); tf.data padded_batch against bucket_by_sequence_length on long-tailed
sequence lengths (2.4-3.0x: the ~3 ms per-batch cost of many small buckets eats the saving); and
sorted(key=functools.cmp_to_key(cmp)) against a tuple key (1.8x). Sizes were also cut after a first
full run, where the cells holding 1-1.5 GB (the broadcast product in one piece, len(list(ds)) of
all batches) took 5-10 s in some processes: the similarity is now computed in 500-row chunks and
the batches are counted with sum(1 for _ in ds).

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
        "id": "tf_dense_adjacency_matmul",
        "slow_s": 1.982,  # runs: 1.982, 1.923, 2.081
        "fixed_s": 0.151,  # runs: 0.151, 0.169, 0.12
        "area": "tensorflow",
        "cause": "six rounds of message passing over a 7000-node graph with a dense adjacency matrix (49M entries, 0.14% non-zero) built with np.zeros and used in tf.matmul, so each round does n*n*d multiply-adds, nearly all on zeros; a tf.SparseTensor from the edge list with tf.sparse.sparse_dense_matmul touches only the 70k edges",
        "setup": _TF_SETUP + """
rng = np.random.default_rng(21)
n_nodes = 7000
edges = np.unique(rng.integers(0, n_nodes, size=(70_000, 2)), axis=0)
features = tf.random.stateless_normal([n_nodes, 128], seed=[1, 2])
W = tf.random.stateless_normal([128, 128], seed=[3, 4]) * 0.02
""",
        "slow": """
adj = np.zeros((n_nodes, n_nodes), np.float32)
adj[edges[:, 0], edges[:, 1]] = 1.0
A = tf.constant(adj)
h = features
for layer in range(6):
    h = tf.nn.relu(tf.matmul(A, h) @ W)
out = h.numpy()
""",
        "fixed": """
A = tf.SparseTensor(edges, tf.ones(len(edges)), [n_nodes, n_nodes])
h = features
for layer in range(6):
    h = tf.nn.relu(tf.sparse.sparse_dense_matmul(A, h) @ W)
out = h.numpy()
""",
        "compare": "allclose",
    },
    {
        "id": "tf_argsort_for_top_k",
        "slow_s": 1.303,  # runs: 1.095, 1.979, 1.303
        "fixed_s": 0.053,  # runs: 0.069, 0.053, 0.039
        "area": "tensorflow",
        "cause": "the 10 best items per row taken from a full descending tf.argsort of every 40,000-score row (a complete sort of each row) and a gather; tf.math.top_k(scores, k=10) selects the same values and indices without sorting the rest",
        "setup": _TF_SETUP + """
scores = tf.random.stateless_uniform([320, 40_000], seed=[5, 6])
""",
        "slow": """
order = tf.argsort(scores, axis=-1, direction="DESCENDING")
top_idx = order[:, :10]
top_scores = tf.gather(scores, top_idx, batch_dims=1)
out = np.concatenate([top_scores.numpy(), top_idx.numpy()], axis=1)
""",
        "fixed": """
top_scores, top_idx = tf.math.top_k(scores, k=10)
out = np.concatenate([top_scores.numpy(), top_idx.numpy()], axis=1)
""",
        "compare": "allclose",
    },
    {
        "id": "tf_broadcast_multiply_sum_similarity",
        "slow_s": 0.899,  # runs: 1.289, 0.899, 0.879
        "fixed_s": 0.082,  # runs: 0.135, 0.082, 0.066
        "area": "tensorflow",
        "cause": "an all-pairs dot-product (cosine similarity) matrix computed as reduce_sum(chunk[:, None, :] * items[None, :, :], -1), which materialises a [500, 1000, 128] float32 product (256 MB) per chunk before summing it away; tf.matmul(chunk, items, transpose_b=True) computes the same block in one BLAS call with no intermediate",
        "setup": _TF_SETUP + """
queries = tf.math.l2_normalize(tf.random.stateless_normal([10000, 128], seed=[7, 8]), axis=-1)
items = tf.math.l2_normalize(tf.random.stateless_normal([1000, 128], seed=[9, 10]), axis=-1)
""",
        "slow": """
rows = []
for start in range(0, len(queries), 500):
    chunk = queries[start:start + 500]
    rows.append(tf.reduce_sum(chunk[:, None, :] * items[None, :, :], axis=-1))
sims = tf.concat(rows, axis=0)
out = sims.numpy()
""",
        "fixed": """
rows = []
for start in range(0, len(queries), 500):
    chunk = queries[start:start + 500]
    rows.append(tf.matmul(chunk, items, transpose_b=True))
sims = tf.concat(rows, axis=0)
out = sims.numpy()
""",
        "compare": "allclose",
    },
    {
        "id": "tf_convert_list_of_arrays",
        "slow_s": 1.765,  # runs: 1.765, 1.898, 1.019
        "fixed_s": 0.088,  # runs: 0.105, 0.088, 0.064
        "area": "tensorflow",
        "cause": "tf.convert_to_tensor given a Python list of 40,000 small NumPy arrays walks it as a nested Python sequence, value by value; np.stack the list first and convert one contiguous array",
        "setup": _TF_SETUP + """
rng = np.random.default_rng(22)
patches = [rng.random((16, 16), dtype=np.float32) for _ in range(40000)]
""",
        "slow": """
batch = tf.convert_to_tensor(patches)
out = tf.reduce_mean(batch, axis=0).numpy()
""",
        "fixed": """
batch = tf.convert_to_tensor(np.stack(patches))
out = tf.reduce_mean(batch, axis=0).numpy()
""",
        "compare": "allclose",
    },
    {
        "id": "keras_timedistributed_dense",
        "slow_s": 2.632,  # runs: 2.664, 2.632, 2.631
        "fixed_s": 0.231,  # runs: 0.216, 0.231, 0.235
        "area": "keras",
        "cause": "TimeDistributed(Dense(...)) in Keras 3 calls the wrapped layer once per timestep (a Python loop over the 100 static timesteps, so 100 separate Dense computations per layer in the traced graph); Dense already acts on the last axis of a [batch, time, features] input and gives the same result in one matmul",
        "setup": _KERAS_SETUP + """
rng = np.random.default_rng(23)
readings = rng.normal(size=(1500, 100, 12)).astype("float32")
init = keras.initializers.GlorotUniform
""",
        "slow": """
tagger = keras.Sequential([
    keras.Input((100, 12)),
    keras.layers.TimeDistributed(keras.layers.Dense(32, activation="relu", kernel_initializer=init(seed=1))),
    keras.layers.TimeDistributed(keras.layers.Dense(1, activation="sigmoid", kernel_initializer=init(seed=2))),
])
out = tagger.predict(readings, batch_size=256, verbose=0)
""",
        "fixed": """
tagger = keras.Sequential([
    keras.Input((100, 12)),
    keras.layers.Dense(32, activation="relu", kernel_initializer=init(seed=1)),
    keras.layers.Dense(1, activation="sigmoid", kernel_initializer=init(seed=2)),
])
out = tagger.predict(readings, batch_size=256, verbose=0)
""",
        "compare": "allclose",
    },
    {
        "id": "keras_split_dataset_materializes",
        "slow_s": 1.541,  # runs: 1.541, 2.847, 1.385
        "fixed_s": 0.029,  # runs: 0.027, 0.034, 0.029
        "area": "keras",
        "cause": "keras.utils.split_dataset on a tf.data.Dataset iterates it sample by sample into a Python list (checking each sample's shape) and rebuilds both halves from NumPy copies; for an unshuffled 80/20 split, full_ds.take(n) / full_ds.skip(n) are lazy and cost nothing",
        "setup": _KERAS_SETUP + """
rng = np.random.default_rng(24)
images = rng.integers(0, 256, size=(8000, 32, 32, 3), dtype=np.uint8)
labels = rng.integers(0, 10, 8000)
full_ds = tf.data.Dataset.from_tensor_slices((images, labels))
""",
        "slow": """
train_ds, val_ds = keras.utils.split_dataset(full_ds, left_size=0.8)
out = [int(tf.reduce_sum(y)) for _, y in val_ds.batch(500)]
""",
        "fixed": """
n_train = int(0.8 * len(full_ds))
train_ds, val_ds = full_ds.take(n_train), full_ds.skip(n_train)
out = [int(tf.reduce_sum(y)) for _, y in val_ds.batch(500)]
""",
        "compare": "equal",
    },
    {
        "id": "tfdata_count_by_iterating",
        "slow_s": 1.106,  # runs: 1.468, 1.106, 0.754
        "fixed_s": 0.001,  # runs: 0.001, 0.004, 0.001
        "area": "tf.data",
        "cause": "the number of batches counted by iterating the dataset (sum(1 for _ in train_ds)), which runs the whole pipeline, resizing and standardising every image, only to count them; train_ds.cardinality() (or len(train_ds)) gives the count, known from the pipeline, without iterating",
        "setup": _TF_SETUP + """
images = np.random.default_rng(25).integers(0, 256, size=(16000, 32, 32, 3), dtype=np.uint8)
def preprocess(batch):
    batch = tf.image.resize(tf.cast(batch, tf.float32) / 255.0, [96, 96])
    return tf.image.per_image_standardization(batch)
train_ds = tf.data.Dataset.from_tensor_slices(images).batch(64).map(preprocess)
""",
        "slow": """
steps_per_epoch = sum(1 for _ in train_ds)
out = steps_per_epoch
""",
        "fixed": """
steps_per_epoch = int(train_ds.cardinality())
out = steps_per_epoch
""",
        "compare": "equal",
    },
    {
        "id": "tfdata_shuffle_after_decode",
        "slow_s": 1.009,  # runs: 0.852, 1.014, 1.009
        "fixed_s": 0.117,  # runs: 0.117, 0.165, 0.084
        "area": "tf.data",
        "cause": "a full-size shuffle buffer placed after the read/decode/resize map must be filled, so all 3000 images are decoded and resized, before the first batch comes out; shuffling the file names before the map (same seed, same order) decodes only the images actually taken",
        "setup": _TF_SETUP + """
import os, tempfile
rng = np.random.default_rng(26)
image_dir = tempfile.mkdtemp(prefix="blind4_png_")
tiles = [tf.io.encode_png(rng.integers(0, 256, size=(64, 64, 3), dtype=np.uint8)).numpy() for _ in range(100)]
for i in range(3000):
    with open(os.path.join(image_dir, f"img_{i:04d}.png"), "wb") as f:
        f.write(tiles[(i * 37) % 100])
def load_image(path):
    img = tf.io.decode_png(tf.io.read_file(path), channels=3)
    img = tf.image.resize(tf.cast(img, tf.float32) / 255.0, [128, 128])
    return tf.image.per_image_standardization(img)
""",
        "slow": """
files = tf.data.Dataset.list_files(os.path.join(image_dir, "*.png"), shuffle=False)
train_ds = (files.map(load_image, num_parallel_calls=tf.data.AUTOTUNE)
            .shuffle(len(files), seed=7)
            .batch(32))
preview = next(iter(train_ds))
out = preview.numpy().sum(axis=(1, 2, 3))
""",
        "fixed": """
files = tf.data.Dataset.list_files(os.path.join(image_dir, "*.png"), shuffle=False)
train_ds = (files.shuffle(len(files), seed=7)
            .map(load_image, num_parallel_calls=tf.data.AUTOTUNE)
            .batch(32))
preview = next(iter(train_ds))
out = preview.numpy().sum(axis=(1, 2, 3))
""",
        "compare": "allclose",
    },
    {
        "id": "np_irls_diag_weight_matrix",
        "slow_s": 1.386,  # runs: 1.99, 1.386, 0.9
        "fixed_s": 0.002,  # runs: 0.002, 0.002, 0.002
        "area": "numpy",
        "cause": "logistic regression fitted by IRLS with the weights as a dense np.diag(w) matrix: every iteration allocates a 4000x4000 array (128 MB) that is almost all zeros and multiplies through it, O(n*n*p); scaling the rows of X by the weights (X * w[:, None]) gives the same Hessian in O(n*p*p)",
        "setup": """
import numpy as np
rng = np.random.default_rng(27)
X = np.column_stack([np.ones(4000), rng.normal(size=(4000, 15))])
true_beta = rng.normal(size=16) * 0.5
y = (rng.random(4000) < 1 / (1 + np.exp(-X @ true_beta))).astype(float)
""",
        "slow": """
beta = np.zeros(X.shape[1])
for it in range(8):
    mu = 1 / (1 + np.exp(-X @ beta))
    W = np.diag(mu * (1 - mu))
    H = X.T @ W @ X
    beta = beta + np.linalg.solve(H, X.T @ (y - mu))
out = beta
""",
        "fixed": """
beta = np.zeros(X.shape[1])
for it in range(8):
    mu = 1 / (1 + np.exp(-X @ beta))
    w = mu * (1 - mu)
    H = (X * w[:, None]).T @ X
    beta = beta + np.linalg.solve(H, X.T @ (y - mu))
out = beta
""",
        "compare": "allclose",
    },
    {
        "id": "np_npz_lazy_access_in_loop",
        "slow_s": 1.389,  # runs: 1.429, 1.389, 1.214
        "fixed_s": 0.003,  # runs: 0.003, 0.003, 0.002
        "area": "numpy",
        "cause": "np.load of an .npz returns a lazy NpzFile, so each data['features'] / data['labels'] inside the loop reads and parses the whole array from the archive again (1000 reads of a 2 MB array); take the arrays out of the file once, before the loop",
        "setup": """
import os, tempfile
import numpy as np
rng = np.random.default_rng(28)
data_dir = tempfile.mkdtemp(prefix="blind4_npz_")
npz_path = os.path.join(data_dir, "dataset.npz")
np.savez(npz_path, features=rng.normal(size=(4000, 64)), labels=rng.integers(0, 10, 4000))
""",
        "slow": """
data = np.load(npz_path)
class_sums = np.zeros((10, 64))
for i in range(1000):
    class_sums[data["labels"][i]] += data["features"][i]
out = class_sums
""",
        "fixed": """
data = np.load(npz_path)
features, labels = data["features"], data["labels"]
class_sums = np.zeros((10, 64))
for i in range(1000):
    class_sums[labels[i]] += features[i]
out = class_sums
""",
        "compare": "allclose",
    },
    {
        "id": "np_integer_matmul",
        "slow_s": 0.931,  # runs: 1.545, 0.866, 0.931
        "fixed_s": 0.086,  # runs: 0.112, 0.024, 0.086
        "area": "numpy",
        "cause": "a matrix product of int64 arrays: NumPy has no BLAS routine for integer types and falls back to its generic, unblocked loop; cast to float64 (exact for these small counts), multiply with BLAS, cast back",
        "setup": """
import numpy as np
rng = np.random.default_rng(29)
counts = rng.integers(0, 5, size=(700, 900))
""",
        "slow": """
cooc = counts.T @ counts
out = cooc
""",
        "fixed": """
c = counts.astype(np.float64)
cooc = (c.T @ c).astype(np.int64)
out = cooc
""",
        "compare": "allclose",
    },
    {
        "id": "mpl_vector_export_not_rasterized",
        "slow_s": 1.753,  # runs: 1.725, 1.919, 1.753
        "fixed_s": 0.174,  # runs: 0.174, 0.208, 0.16
        "area": "matplotlib",
        "cause": "saving a 150k-point scatter to PDF writes every marker as its own vector object; rasterized=True on the scatter embeds it as one bitmap while axes and text stay vector (the on-screen picture is unchanged)",
        "setup": _MPL_SETUP + """
import os, tempfile
rng = np.random.default_rng(30)
pts = rng.normal(size=(150_000, 2))
out_dir = tempfile.mkdtemp(prefix="blind4_svg_")
""",
        "slow": """
fig, ax = plt.subplots(figsize=(5, 4), dpi=80)
ax.scatter(pts[:, 0], pts[:, 1], s=1, alpha=0.3)
fig.savefig(os.path.join(out_dir, "embedding.pdf"))
fig.canvas.draw()
out = np.asarray(fig.canvas.buffer_rgba()).copy()
plt.close(fig)
""",
        "fixed": """
fig, ax = plt.subplots(figsize=(5, 4), dpi=80)
ax.scatter(pts[:, 0], pts[:, 1], s=1, alpha=0.3, rasterized=True)
fig.savefig(os.path.join(out_dir, "embedding.pdf"))
fig.canvas.draw()
out = np.asarray(fig.canvas.buffer_rgba()).copy()
plt.close(fig)
""",
        "compare": "image",
    },
    {
        "id": "mpl_scatter_color_name_list",
        "slow_s": 2.438,  # runs: 2.53, 2.329, 2.438
        "fixed_s": 0.146,  # runs: 0.146, 0.143, 0.146
        "area": "matplotlib",
        "cause": "scatter given a per-point list of 300k color names: each name is parsed, and with per-point colors Agg renders every marker separately instead of stamping one cached marker; one scatter call per class with a single color draws the same picture (the two clusters do not overlap)",
        "setup": _MPL_SETUP + """
rng = np.random.default_rng(31)
labels = rng.integers(0, 2, 300_000)
pts = rng.normal(size=(300_000, 2)) * 0.6 + np.where(labels[:, None] == 1, 3.0, -3.0)
""",
        "slow": """
colors = ["tab:orange" if lab == 1 else "tab:blue" for lab in labels]
fig, ax = plt.subplots(figsize=(5, 4), dpi=80)
ax.scatter(pts[:, 0], pts[:, 1], s=2, c=colors)
fig.canvas.draw()
out = np.asarray(fig.canvas.buffer_rgba()).copy()
plt.close(fig)
""",
        "fixed": """
fig, ax = plt.subplots(figsize=(5, 4), dpi=80)
for lab, color in [(0, "tab:blue"), (1, "tab:orange")]:
    sel = labels == lab
    ax.scatter(pts[sel, 0], pts[sel, 1], s=2, c=color)
fig.canvas.draw()
out = np.asarray(fig.canvas.buffer_rgba()).copy()
plt.close(fig)
""",
        "compare": "image",
    },
    {
        "id": "mpl_imshow_stacked_images",
        "slow_s": 1.438,  # runs: 1.399, 1.438, 1.502
        "fixed_s": 0.048,  # runs: 0.053, 0.048, 0.047
        "area": "matplotlib",
        "cause": "ax.imshow called for every frame adds a new AxesImage on top of the previous ones, none removed, so the final draw resamples and composites all 150 stacked images; create the image once and update it with im.set_data(frame)",
        "setup": _MPL_SETUP + """
rng = np.random.default_rng(32)
frames = np.cumsum(rng.normal(size=(150, 300, 300)).astype(np.float32), axis=0)
""",
        "slow": """
fig, ax = plt.subplots(figsize=(5, 5), dpi=80)
for frame in frames:
    ax.imshow(frame, cmap="magma", vmin=-30, vmax=30)
ax.set_title(f"step {len(frames)}")
fig.canvas.draw()
out = np.asarray(fig.canvas.buffer_rgba()).copy()
plt.close(fig)
""",
        "fixed": """
fig, ax = plt.subplots(figsize=(5, 5), dpi=80)
im = ax.imshow(frames[0], cmap="magma", vmin=-30, vmax=30)
for frame in frames:
    im.set_data(frame)
ax.set_title(f"step {len(frames)}")
fig.canvas.draw()
out = np.asarray(fig.canvas.buffer_rgba()).copy()
plt.close(fig)
""",
        "compare": "image",
    },
    {
        "id": "py_strptime_timestamps",
        "slow_s": 0.776,  # runs: 0.782, 0.776, 0.755
        "fixed_s": 0.066,  # runs: 0.096, 0.064, 0.066
        "area": "python",
        "cause": "datetime.strptime parses each timestamp through the pure-Python _strptime module (format regex, locale lookups); for ISO-8601 strings the C-implemented datetime.fromisoformat gives the same datetimes many times faster",
        "setup": """
import datetime as dt
start = dt.datetime(2024, 1, 1)
lines = [f"{(start + dt.timedelta(seconds=17 * i)).isoformat(sep=' ')},{i % 97}" for i in range(150_000)]
""",
        "slow": """
stamps = []
for line in lines:
    ts, value = line.split(",")
    stamps.append(dt.datetime.strptime(ts, "%Y-%m-%d %H:%M:%S"))
out = [s.timestamp() for s in stamps]
""",
        "fixed": """
stamps = []
for line in lines:
    ts, value = line.split(",")
    stamps.append(dt.datetime.fromisoformat(ts))
out = [s.timestamp() for s in stamps]
""",
        "compare": "allclose",
    },
]

_BY_ID = {c["id"]: c for c in CASES}


def get(case_id: str) -> dict:
    return _BY_ID[case_id]
