"""Blind set 9: fourteen slow notebook cells and their fixed twins, written without reading the finding rules.

Same shape as sets 1-8 (``score`` and ``timecases`` read ``CASES`` and ``get``): each case has a
``setup`` (run plainly, not measured), a ``slow`` cell and a ``fixed`` cell that both leave ``out``
(``compare`` says how the two must agree), and ``slow_s`` / ``fixed_s``: the cells timed plainly,
without tfplotguard, by ``python -m benchmarks.blind.timecases --set set9 --repeat 3`` (median of 3
fresh processes; 2 shared CPU cores (AMD EPYC), TensorFlow 2.21 CPU, Keras 3.15, NumPy 2.4,
matplotlib 3.11, Python 3.11), each run listed beside it. Measured 2026-12-07 02:51:14-02:54:20 UTC
under ``nice -n 10`` (``uptime`` load average 2.93 before, 2.45 after; another session's test suite
and a browser shared the cores). Every pair agreed; the slow cells' medians were 1.19-2.60 s and the
speed-ups 7.9x or more. Runs of one case spread by up to 1.6x for slow cells (the scalar-Variable
and vocabulary-projection cells most) and 1.8x for fixed cells (the GZIP case's: 0.12-0.21 s). A
single-run check right after (02:54:53-02:56:00 UTC, load average 1.96 before, 2.14 after) again
found every pair agreeing, with slow cells of 1.27-2.61 s except the vocabulary-projection cell's
3.64 s, and speed-ups of 8.6x or more.

Written blind: only sets 1-8, ``timecases`` and this package's ``__init__`` were read in this
repository; the causes come from the libraries' documentation and source and from well-known
practice: TensorFlow (``tape.jacobian`` materialising per-example gradients that are only averaged,
where the mean of the per-example gradients is the gradient of the mean loss; the eager ``pfor``
path wraps each call in a new ``tf.function``,
``tensorflow/python/ops/parallel_for/control_flow_ops.py``; a model's coefficients kept as hundreds
of scalar ``tf.Variable`` objects, each a separate eager op chain, gradient and update), Keras (a
language model's vocabulary projection computed at every position to keep the last one; a
multi-label tagger built as one ``Dense(1)`` head per label, whose 160 outputs ``predict`` traces,
runs and concatenates one by one, ``keras/src/backend/tensorflow/trainer.py``'s
``potentially_ragged_concat``), tf.data (GZIP ``TFRecordOptions`` on records of already-compressed
JPEG bytes: the file came out about 2% smaller; a standardisation map function that computes the
training set's mean and std inside itself, so once per element), NumPy (a Python loop of 2 x 2
``np.linalg.solve`` calls where linalg broadcasts over stacks of matrices, the docs' "several
matrices at once"; ``Generator.choice(list, p=row)`` per draw, which converts the list and checks
and cumsums ``p`` every call, measured at 154 us per call against 25 us with an array and 5 us
without ``p``; an inverse recomputed after every rank-one update where Sherman-Morrison / recursive
least squares keeps it in O(d^2)), matplotlib (a big scatter zoomed with ``set_xlim`` /
``set_ylim``, whose off-screen markers are still transformed and rasterized; ``ax.acorr``, whose
``xcorr`` computes ``np.correlate(mode='full')`` over all lags to show ``maxlags``,
``matplotlib/axes/_axes.py``) and plain Python (the ``statistics`` module's exact-fraction sums,
``statistics._sum`` / ``_ss``; ``inspect.stack()`` for a caller's name, which builds source context
for every frame and calls ``inspect.getmodule``; the ``re`` module's cache of 512 compiled patterns,
``re._MAXCACHE``, which evicts the oldest entry, so cycling through 690 pattern strings recompiles
every one of them). None repeats a cause of sets 1-8: the nearest are set 2's per-row GradientTape
for saliency and set 3's full Jacobian where ``batch_jacobian`` is meant (here one Jacobian whose
only use is its mean), set 8's causal language model run once per prefix (here one call whose
projection is computed at 28 positions to keep one), set 5's ``np.polyfit`` per series (here
``np.linalg.solve`` and its stacked form), set 7's ``tf.linalg.solve`` refactorising the same matrix
every step (here a matrix that changes by rank one per step, kept inverted incrementally), set 5's
direct ``np.convolve`` against FFT (here ``acorr`` computing 89,999 lags to draw 201) and set 4's
per-point colour names (the per-point colours here only make each unseen marker cost more; the cause
is the data outside the view).

Dropped while writing (single runs, outside the set): ``tf.io.gfile.GFile`` line iteration against
``open`` for a 200,000-line log (3.5x: 0.34 against 0.09 s); NumPy ufuncs (``np.sin``,
``np.arcsin``, ``np.arctan2``...) on Python floats in a sequential dead-reckoning loop against
``math`` (3.6x) and in an RK4 pendulum (3.2x): NumPy 2's scalar path is quicker than its folklore;
online ridge regression in TensorFlow eager, ``tf.linalg.inv`` per step against Sherman-Morrison
(0.9x at d = 150, where eager op dispatch bounds both cells; 4.5x at d = 600), moved to NumPy;
``tf.image.resize(method='area')`` for 4x downsampling against ``tf.nn.avg_pool2d`` (area resizing
was already fast: 17 ms for 32 images of 512 x 512); an ``np.ma`` masked-array climatology and
correlation map against the ``nan*`` functions (6.7x: 1.72 against 0.26 s, too near the floor);
``plt.subplots(12, 12, sharex=True, sharey=True)`` against unshared axes given the same limits
(1.0x); ``tf.io.extract_jpeg_shape`` against decoding every JPEG to read its size (not built: too
near set 5's full decode before a crop). Reworked after trial runs: the matplotlib zoom was first a
10,000,000-sample line plotted whole and zoomed with ``set_xlim`` (median speed-ups 18-44x, but its
slow cell took 0.26-1.76 s in fresh processes, apparently set by first-touch page faults on its few
hundred MB of path copies rather than by drawing: the same call took 0.25 s in a process that had
run it before), now a 250,000-point coloured scatter whose per-marker work is the cost; the acorr
series was first 30,000-110,000 float residuals (``np.correlate`` on floats calls BLAS ``ddot`` per
lag, threaded for long vectors: the same 110,000-sample cell took 1.1-1.3 s in two runs and
6.0-11.3 s in three others while other jobs used the cores), now int64 counts, which NumPy
correlates in its own loop; the incremental inverse was first d = 200 and d = 128 (OpenBLAS's
threaded LU: the same d = 128 cell of 3,000 updates took 1.0-1.1 s in two runs and 6.8-15.5 s in
three while other jobs ran), now d = 96 with 6,000 updates, a size OpenBLAS inverts on one thread
(the same 0.22 ms with ``OPENBLAS_NUM_THREADS=1``); the ``choice`` case was first a random walk over
2,000-3,000 integer states (15x at 2,000; at 3,000 the fixed cell took 0.56-0.67 s, most of it the
first touch of its 72 MB cumulative table, 1.9-2.4x), now a bigram text generator over a 1,500-word
list; the vocabulary projection returned logits from a 256-wide last hidden layer (0.72-2.6 s,
5.1-16x), then a 768-wide one (0.91-3.1 s, 7.3-10x), with 96 prompts (3.4x: their second, smaller
batch made the fixed cell trace predict twice) and with a 1536-wide layer on 64 prompts (4.9x); it
now takes the softmax of the predicted logits, as next-token probabilities are taken (128 prompts of
32 tokens: 3.3-3.7 s; of 24: 1.4-2.9 s, 5.6x; now 28); the statistics map (4,000 x 32, 3.2x;
6,000-7,000 x 64, 1.3-2.6 s and 7.5-7.6x; 5,000 x 128, 2.6-2.8 s) is now 4,000 x 128; the tagger had
200 heads (2.6 s, 11x; now 160); the Jacobian steps (4, 2.0 s; now 3), the scalar-Variable steps
(30, 3.3 s; now 15), the optical-flow frame (400 x 400, 1.0 s; 480 x 480, 2.2 s; now 440 x 440), the
logged orders (6,000, 11.8 s; now 700) and the regex texts (80 documents of 80 words, 3.9x, the
searches themselves bounding the fixed cell; now 90 titles of 12 words).

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
_ = _warm.predict(np.zeros((4, 2), "float32"), verbose=0)
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
        "id": "tf_per_example_jacobian_averaged",
        "slow_s": 1.676,  # runs: 1.676, 1.716, 1.621
        "fixed_s": 0.038,  # runs: 0.043, 0.036, 0.038
        "area": "tensorflow",
        "cause": "a hand-written SGD loop over a 3-layer MLP (74,497 weights) that takes tape.jacobian(per_example_loss, params), i.e. one gradient per example ([256, *shape] for every weight, 19M floats), and then averages it over the 256 examples with tf.reduce_mean for the update: jacobian runs 256 backward passes (vectorised by pfor, which also builds and traces a new graph for each call) and materialises all the per-example gradients only to average them, although the mean of the per-example gradients is the gradient of the mean loss; one tape.gradient of tf.reduce_mean(per_example) is one backward pass and gives the same update, losses and weights",
        "setup": _TF_SETUP + """
rng = np.random.default_rng(901)
X = tf.constant(rng.normal(size=(256, 32)).astype("float32"))
Y = tf.constant(rng.normal(size=(256, 1)).astype("float32"))
shapes = [(32, 256), (256,), (256, 256), (256,), (256, 1), (1,)]
init = [(0.1 * rng.normal(size=s)).astype("float32") for s in shapes]
def forward(params, x):
    w1, b1, w2, b2, w3, b3 = params
    h = tf.nn.relu(x @ w1 + b1)
    h = tf.nn.relu(h @ w2 + b2)
    return h @ w3 + b3
""",
        "slow": """
params = [tf.Variable(v) for v in init]
losses = []
for step in range(3):
    with tf.GradientTape() as tape:
        per_example = tf.square(forward(params, X) - Y)[:, 0]
    jac = tape.jacobian(per_example, params)              # one gradient per example, [256, *shape] per weight
    grads = [tf.reduce_mean(j, axis=0) for j in jac]      # averaged for the SGD step
    for p, g in zip(params, grads):
        p.assign_sub(0.05 * g)
    losses.append(float(tf.reduce_mean(per_example)))
out = np.concatenate([losses] + [p.numpy().ravel()[:200] for p in params])
""",
        "fixed": """
params = [tf.Variable(v) for v in init]
losses = []
for step in range(3):
    with tf.GradientTape() as tape:
        per_example = tf.square(forward(params, X) - Y)[:, 0]
        loss = tf.reduce_mean(per_example)
    grads = tape.gradient(loss, params)                   # the mean of the per-example gradients
    for p, g in zip(params, grads):
        p.assign_sub(0.05 * g)
    losses.append(float(loss))
out = np.concatenate([losses] + [p.numpy().ravel()[:200] for p in params])
""",
        "compare": "allclose",
    },
    {
        "id": "tf_scalar_variable_per_coefficient",
        "slow_s": 1.479,  # runs: 2.226, 1.479, 1.437
        "fixed_s": 0.07,  # runs: 0.077, 0.07, 0.053
        "area": "tensorflow",
        "cause": "a linear model fitted with an eager GradientTape loop whose 200 coefficients are 200 separate scalar tf.Variables (pred = bias + tf.add_n([w * X[:, j] for j, w in enumerate(coefs)])): every step dispatches about 200 column slices, 200 scalar multiplies, a 200-input add_n, a backward pass with 200 separate gradient chains and 201 assign_sub calls, each an eager op with its own Python and runtime overhead, for arithmetic that is one 2000 x 200 matrix-vector product; one 200-element coefficient Variable with tf.linalg.matvec does the same arithmetic in a handful of ops per step and gives the same losses and coefficients",
        "setup": _TF_SETUP + """
rng = np.random.default_rng(902)
n_features = 200
X = tf.constant(rng.normal(size=(2000, n_features)).astype("float32"))
y = tf.constant((X.numpy() @ rng.normal(size=n_features) + rng.normal(size=2000)).astype("float32"))
""",
        "slow": """
coefs = [tf.Variable(0.0, name=f"w_{j}") for j in range(n_features)]
bias = tf.Variable(0.0, name="bias")
losses = []
for step in range(15):
    with tf.GradientTape() as tape:
        pred = bias + tf.add_n([w * X[:, j] for j, w in enumerate(coefs)])
        loss = tf.reduce_mean(tf.square(pred - y))
    grads = tape.gradient(loss, coefs + [bias])
    for v, g in zip(coefs + [bias], grads):
        v.assign_sub(0.05 * g)
    losses.append(float(loss))
out = np.concatenate([losses, [w.numpy() for w in coefs], [bias.numpy()]])
""",
        "fixed": """
coefs = tf.Variable(tf.zeros(n_features), name="w")
bias = tf.Variable(0.0, name="bias")
losses = []
for step in range(15):
    with tf.GradientTape() as tape:
        pred = bias + tf.linalg.matvec(X, coefs)
        loss = tf.reduce_mean(tf.square(pred - y))
    grads = tape.gradient(loss, [coefs, bias])
    for v, g in zip([coefs, bias], grads):
        v.assign_sub(0.05 * g)
    losses.append(float(loss))
out = np.concatenate([losses, coefs.numpy(), [bias.numpy()]])
""",
        "compare": "allclose",
    },
    {
        "id": "keras_vocab_projection_at_every_position",
        "slow_s": 2.242,  # runs: 2.242, 1.812, 2.931
        "fixed_s": 0.247,  # runs: 0.191, 0.284, 0.247
        "area": "keras",
        "cause": "next-token probabilities for 128 prompts of 28 tokens taken as tf.nn.softmax(lm.predict(prompts), axis=-1)[:, -1, :]: the model's 16,000-way output layer (a 768 x 16,000 Dense) runs at all 28 positions, so predict computes and returns a [128, 28, 16000] float32 array (229 MB, 44 G multiply-adds in the head) and the softmax then runs over all of it, although only the last position is kept; running the trunk up to the head's input (a sub-model ending at lm_head's input), keeping the last position's hidden state and applying lm_head and the softmax to those 128 vectors computes the same probabilities with 1/28 of the head's work",
        "setup": _KERAS_SETUP + """
vocab = 16000
tokens = keras.Input((None,), dtype="int32")
h = keras.layers.Embedding(vocab, 64)(tokens)
h = keras.layers.Conv1D(128, 5, padding="causal", activation="relu")(h)
h = keras.layers.Conv1D(128, 5, padding="causal", activation="relu")(h)
h = keras.layers.Dense(768, activation="relu")(h)
logits = keras.layers.Dense(vocab, name="lm_head")(h)
lm = keras.Model(tokens, logits)
rng = np.random.default_rng(903)
prompts = rng.integers(1, vocab, size=(128, 28)).astype("int32")
""",
        "slow": """
probs = tf.nn.softmax(lm.predict(prompts, batch_size=64, verbose=0), axis=-1)[:, -1, :]
out = probs.numpy()
""",
        "fixed": """
trunk = keras.Model(lm.input, lm.get_layer("lm_head").input)
last_hidden = trunk.predict(prompts, batch_size=64, verbose=0)[:, -1, :]
probs = tf.nn.softmax(lm.get_layer("lm_head")(last_hidden), axis=-1)
out = probs.numpy()
""",
        "compare": "allclose",
    },
    {
        "id": "keras_one_dense1_head_per_label",
        "slow_s": 2.6,  # runs: 2.595, 2.607, 2.6
        "fixed_s": 0.245,  # runs: 0.223, 0.269, 0.245
        "area": "keras",
        "cause": "a 160-label tagger built as 160 separate Dense(1, activation='sigmoid') heads on a shared trunk, so keras.Model has 160 outputs: predict traces a step function with 160 tiny 256 x 1 matmuls, bias adds and sigmoids, runs them as 160 separate kernels in each of the 10 batches, and gathers 160 output lists that it concatenates one output at a time (potentially_ragged_concat, several eager ops per output); one Dense(160, activation='sigmoid') whose kernel and bias are the heads' kernels and biases concatenated is one 256 x 160 matmul and gives the same probabilities",
        "setup": _KERAS_SETUP + """
n_labels = 160
features = keras.Input((64,))
h = keras.layers.Dense(256, activation="relu")(features)
h = keras.layers.Dense(256, activation="relu")(h)
heads = [keras.layers.Dense(1, activation="sigmoid", name=f"tag_{i:03d}")(h) for i in range(n_labels)]
tagger = keras.Model(features, heads)
rng = np.random.default_rng(904)
x = rng.normal(size=(10000, 64)).astype("float32")
""",
        "slow": """
per_label = tagger.predict(x, batch_size=1024, verbose=0)
out = np.concatenate(per_label, axis=1)
""",
        "fixed": """
trunk = keras.Model(tagger.input, tagger.get_layer("tag_000").input)
kernel = np.concatenate([tagger.get_layer(f"tag_{i:03d}").kernel.numpy() for i in range(n_labels)], axis=1)
bias = np.concatenate([tagger.get_layer(f"tag_{i:03d}").bias.numpy() for i in range(n_labels)])
all_tags = keras.layers.Dense(n_labels, activation="sigmoid")
tagger_one_head = keras.Model(trunk.input, all_tags(trunk.output))
all_tags.set_weights([kernel, bias])
out = tagger_one_head.predict(x, batch_size=1024, verbose=0)
""",
        "compare": "allclose",
    },
    {
        "id": "tfdata_gzip_records_of_jpeg_bytes",
        "slow_s": 1.424,  # runs: 1.383, 1.596, 1.424
        "fixed_s": 0.18,  # runs: 0.117, 0.18, 0.214
        "area": "tf.data",
        "cause": "1,500 examples holding JPEG-encoded images (44 MB) written to a TFRecord file with TFRecordOptions(compression_type='GZIP') and read back with compression_type='GZIP': JPEG data is already entropy-coded, so zlib spends its CPU time deflating (and then inflating) 44 MB of incompressible bytes for a file about 2% smaller; writing and reading the same records without compression gives the same examples, labels and image bytes",
        "setup": _TF_SETUP + """
import os, tempfile
record_dir = tempfile.mkdtemp(prefix="blind9_records_")
rng = np.random.default_rng(905)
yy, xx = np.mgrid[0:224, 0:224]
jpegs = []
for k in range(64):
    base = 127 + 60 * np.sin(xx / (10 + k % 7)) * np.cos(yy / (12 + k % 5))
    img = np.clip(base[..., None] + rng.normal(0, 25, size=(224, 224, 3)), 0, 255).astype("uint8")
    jpegs.append(tf.io.encode_jpeg(img, quality=90).numpy())
labels = rng.integers(0, 10, size=1500)
records = [
    tf.train.Example(features=tf.train.Features(feature={
        "image": tf.train.Feature(bytes_list=tf.train.BytesList(value=[jpegs[i % 64]])),
        "label": tf.train.Feature(int64_list=tf.train.Int64List(value=[int(labels[i])])),
    })).SerializeToString()
    for i in range(1500)
]
spec = {"image": tf.io.FixedLenFeature([], tf.string), "label": tf.io.FixedLenFeature([], tf.int64)}
""",
        "slow": """
path = os.path.join(record_dir, "train.tfrecord.gz")
with tf.io.TFRecordWriter(path, options=tf.io.TFRecordOptions(compression_type="GZIP")) as writer:
    for record in records:
        writer.write(record)
ds = tf.data.TFRecordDataset(path, compression_type="GZIP").batch(100).map(lambda b: tf.io.parse_example(b, spec))
counts, nbytes = np.zeros(10, int), 0
for batch in ds:
    counts += np.bincount(batch["label"].numpy(), minlength=10)
    nbytes += int(tf.reduce_sum(tf.strings.length(batch["image"])))
out = counts.tolist() + [nbytes]
""",
        "fixed": """
path = os.path.join(record_dir, "train.tfrecord")
with tf.io.TFRecordWriter(path) as writer:
    for record in records:
        writer.write(record)
ds = tf.data.TFRecordDataset(path).batch(100).map(lambda b: tf.io.parse_example(b, spec))
counts, nbytes = np.zeros(10, int), 0
for batch in ds:
    counts += np.bincount(batch["label"].numpy(), minlength=10)
    nbytes += int(tf.reduce_sum(tf.strings.length(batch["image"])))
out = counts.tolist() + [nbytes]
""",
        "compare": "equal",
    },
    {
        "id": "tfdata_train_statistics_inside_map",
        "slow_s": 1.875,  # runs: 2.026, 1.817, 1.875
        "fixed_s": 0.205,  # runs: 0.205, 0.18, 0.226
        "area": "tf.data",
        "cause": "a standardisation map function written as (x - tf.reduce_mean(train_x, axis=0)) / tf.math.reduce_std(train_x, axis=0) and applied per element to the training set itself: the function closes over the whole 4,000 x 128 training tensor, and because tf.data runs the function once per element, the column means and standard deviations of all 512,000 values are recomputed for every one of the 4,000 rows (O(N^2 d) work); computing mean and std once before building the pipeline and capturing the two 128-vectors gives the same standardised batches",
        "setup": _TF_SETUP + """
rng = np.random.default_rng(906)
train_x = tf.constant((rng.normal(size=(4000, 128)) * rng.uniform(0.5, 5, 128) + rng.normal(0, 3, 128)).astype("float32"))
train_y = tf.constant(rng.integers(0, 2, size=4000))
""",
        "slow": """
def standardize(x, y):
    return (x - tf.reduce_mean(train_x, axis=0)) / tf.math.reduce_std(train_x, axis=0), y
ds = tf.data.Dataset.from_tensor_slices((train_x, train_y)).map(standardize).batch(256)
out = np.concatenate([xb.numpy() for xb, yb in ds])
""",
        "fixed": """
mean, std = tf.reduce_mean(train_x, axis=0), tf.math.reduce_std(train_x, axis=0)
def standardize(x, y):
    return (x - mean) / std, y
ds = tf.data.Dataset.from_tensor_slices((train_x, train_y)).map(standardize).batch(256)
out = np.concatenate([xb.numpy() for xb, yb in ds])
""",
        "compare": "allclose",
    },
    {
        "id": "np_linalg_solve_per_pixel",
        "slow_s": 2.12,  # runs: 2.124, 2.12, 2.114
        "fixed_s": 0.037,  # runs: 0.037, 0.049, 0.029
        "area": "numpy",
        "cause": "Lucas-Kanade optical flow on a 440 x 440 frame solving each pixel's 2 x 2 normal equations with np.linalg.solve inside a double Python loop: 193,600 calls, each building two small arrays and going through linalg's argument checks, LAPACK gufunc dispatch and error-state handling for four multiply-adds of work; np.linalg.solve broadcasts over leading dimensions (NumPy's linalg docs: 'several matrices at once'), so stacking the coefficients into an (H, W, 2, 2) array and solving once gives the same flow field",
        "setup": """
import numpy as np
rng = np.random.default_rng(907)
H, W = 440, 440
yy, xx = np.mgrid[0:H, 0:W]
frame0 = np.sin(xx / 9.0) * np.cos(yy / 13.0) + 0.05 * rng.normal(size=(H, W))
frame1 = np.sin((xx - 0.6) / 9.0) * np.cos((yy - 0.3) / 13.0) + 0.05 * rng.normal(size=(H, W))
Iy, Ix = np.gradient(frame0)
It = frame1 - frame0
def window_sum(a, r=3):
    c = np.pad(a, ((r + 1, r), (r + 1, r))).cumsum(0).cumsum(1)
    k = 2 * r + 1
    return c[k:, k:] - c[:-k, k:] - c[k:, :-k] + c[:-k, :-k]
Sxx, Sxy, Syy = window_sum(Ix * Ix), window_sum(Ix * Iy), window_sum(Iy * Iy)
Sxt, Syt = window_sum(Ix * It), window_sum(Iy * It)
""",
        "slow": """
flow = np.zeros((H, W, 2))
for i in range(H):
    for j in range(W):
        A = np.array([[Sxx[i, j], Sxy[i, j]], [Sxy[i, j], Syy[i, j]]])
        b = -np.array([Sxt[i, j], Syt[i, j]])
        flow[i, j] = np.linalg.solve(A, b)
out = flow[::7, ::7]
""",
        "fixed": """
A = np.stack([np.stack([Sxx, Sxy], axis=-1), np.stack([Sxy, Syy], axis=-1)], axis=-2)   # (H, W, 2, 2)
b = -np.stack([Sxt, Syt], axis=-1)                                                     # (H, W, 2)
flow = np.linalg.solve(A, b[..., None])[..., 0]
out = flow[::7, ::7]
""",
        "compare": "allclose",
    },
    {
        "id": "np_choice_from_word_list_per_step",
        "slow_s": 1.922,  # runs: 1.922, 1.635, 1.98
        "fixed_s": 0.096,  # runs: 0.096, 0.098, 0.069
        "area": "numpy",
        "cause": "a bigram text generator that draws each next word with rng.choice(vocab, p=transition[word_index[word]]): on every one of the 10,000 draws Generator.choice converts the 1,500-word Python list into a NumPy string array, checks the probability row (finite, non-negative, sums to one) and builds its cumulative sum, O(vocabulary) work per word; building the cumulative rows once (cumsum and normalise, as choice does), drawing the uniforms in one call and searching each row with searchsorted(side='right') is what choice does per draw, so the same seed gives the same text",
        "setup": """
import numpy as np
rng = np.random.default_rng(908)
syllables = ["ka", "lo", "mi", "ne", "ra", "tu", "si", "po", "de", "ba", "ge", "fu", "an", "or"]
vocab = sorted({"".join(rng.choice(syllables, size=rng.integers(2, 5))) for _ in range(2500)})[:1500]
word_index = {w: i for i, w in enumerate(vocab)}
transition = rng.dirichlet(np.full(len(vocab), 0.05), size=len(vocab))   # bigram probabilities, row = previous word
n_words = 10_000
""",
        "slow": """
gen_rng = np.random.default_rng(42)
word, text = vocab[0], []
for _ in range(n_words):
    word = gen_rng.choice(vocab, p=transition[word_index[word]])
    text.append(word)
out = " ".join(text)
""",
        "fixed": """
gen_rng = np.random.default_rng(42)
cdf = transition.cumsum(axis=1)
cdf /= cdf[:, -1:]
uniforms = gen_rng.random(n_words)
i, text = 0, []
for u in uniforms:
    i = int(cdf[i].searchsorted(u, side="right"))
    text.append(vocab[i])
out = " ".join(text)
""",
        "compare": "equal",
    },
    {
        "id": "np_inverse_after_rank_one_update",
        "slow_s": 1.822,  # runs: 1.509, 1.888, 1.822
        "fixed_s": 0.132,  # runs: 0.131, 0.154, 0.132
        "area": "numpy",
        "cause": "one-step-ahead forecasts of an online ridge regression (recursive least squares, as in LinUCB-style notebooks) that adds each new observation to A += outer(x, x) and then recomputes theta = np.linalg.inv(A) @ b: a fresh O(d^3) LU inversion of the 96 x 96 matrix for each of 5,999 rank-one changes; the Sherman-Morrison formula updates the inverse in O(d^2) per observation (P -= outer(P x, P x) / (1 + x^T P x)), giving the same coefficients and forecasts",
        "setup": """
import numpy as np
rng = np.random.default_rng(909)
d, n = 96, 6000
X = rng.normal(size=(n, d))
y = X @ rng.normal(size=d) + rng.normal(size=n)
ridge = 1.0
""",
        "slow": """
A = ridge * np.eye(d)
b = np.zeros(d)
forecasts = []
for t in range(n - 1):
    A += np.outer(X[t], X[t])
    b += y[t] * X[t]
    theta = np.linalg.inv(A) @ b
    forecasts.append(X[t + 1] @ theta)
out = np.array(forecasts)
""",
        "fixed": """
P = np.eye(d) / ridge                       # P = inverse of A, kept up to date (recursive least squares)
theta = np.zeros(d)
forecasts = []
for t in range(n - 1):
    x = X[t]
    Px = P @ x
    gain = Px / (1.0 + x @ Px)
    theta = theta + gain * (y[t] - x @ theta)
    P -= np.outer(gain, Px)                 # Sherman-Morrison
    forecasts.append(X[t + 1] @ theta)
out = np.array(forecasts)
""",
        "compare": "allclose",
    },
    {
        "id": "mpl_scatter_zoomed_with_limits",
        "slow_s": 1.391,  # runs: 1.965, 1.391, 1.381
        "fixed_s": 0.072,  # runs: 0.094, 0.064, 0.072
        "area": "matplotlib",
        "cause": "a scatter of 250,000 GPS fixes coloured by speed, zoomed to a 2% strip of the track with ax.set_xlim / ax.set_ylim: the PathCollection still holds every point, and with per-point colours Agg's draw_path_collection transforms, sets up and rasterizes each marker in turn, the 98% outside the axes included (a few microseconds each), and the colormapping and autoscaling also run over all of them; selecting the points inside the window (with a margin of a marker's width) and scattering only those draws the same picture",
        "setup": _MPL_SETUP + """
rng = np.random.default_rng(910)
n = 250_000
east = np.cumsum(rng.normal(0.0, 1.0, n)) + np.linspace(0, 5000, n)     # a long GPS track, metres
north = np.cumsum(rng.normal(0.0, 1.0, n))
speed = np.abs(np.convolve(rng.normal(8, 3, n), np.ones(50) / 50, mode="same"))
x0, x1 = 2400.0, 2500.0                                                   # the stretch to inspect
inside = (east >= x0) & (east <= x1)
y0, y1 = north[inside].min() - 5, north[inside].max() + 5
""",
        "slow": """
fig, ax = plt.subplots(figsize=(7, 4), dpi=100)
ax.scatter(east, north, c=speed, s=6, cmap="plasma", vmin=4, vmax=12)
ax.set_xlim(x0, x1)
ax.set_ylim(y0, y1)
fig.canvas.draw()
out = np.asarray(fig.canvas.buffer_rgba()).copy()
plt.close(fig)
""",
        "fixed": """
fig, ax = plt.subplots(figsize=(7, 4), dpi=100)
margin_x, margin_y = 0.02 * (x1 - x0), 0.02 * (y1 - y0)                 # a marker's width and more
view = (east >= x0 - margin_x) & (east <= x1 + margin_x) & (north >= y0 - margin_y) & (north <= y1 + margin_y)
ax.scatter(east[view], north[view], c=speed[view], s=6, cmap="plasma", vmin=4, vmax=12)
ax.set_xlim(x0, x1)
ax.set_ylim(y0, y1)
fig.canvas.draw()
out = np.asarray(fig.canvas.buffer_rgba()).copy()
plt.close(fig)
""",
        "compare": "image",
    },
    {
        "id": "mpl_acorr_of_long_series",
        "slow_s": 1.268,  # runs: 1.232, 1.281, 1.268
        "fixed_s": 0.045,  # runs: 0.045, 0.046, 0.045
        "area": "matplotlib",
        "cause": "ax.acorr(counts, maxlags=100) on 45,000 per-second request counts (int64): Axes.xcorr computes np.correlate(x, x, mode='full'), all 89,999 lags by direct summation (O(N^2), 2.0e9 multiply-adds, and for integers in NumPy's own dot loop rather than BLAS), then keeps the 201 lags around zero; computing those 201 lags as dot products of shifted slices and drawing them as acorr does (ax.vlines(lags, [0], acf) and ax.axhline()) gives the same picture",
        "setup": _MPL_SETUP + """
rng = np.random.default_rng(911)
seconds = np.arange(45_000)                                    # 12.5 hours of per-second request counts
rate = 50 + 20 * np.sin(2 * np.pi * seconds / 60) + 10 * np.sin(2 * np.pi * seconds / 17)
counts = rng.poisson(rate)                                      # int64
""",
        "slow": """
fig, ax = plt.subplots(figsize=(7, 3), dpi=100)
ax.acorr(counts, maxlags=100)
fig.canvas.draw()
out = np.asarray(fig.canvas.buffer_rgba()).copy()
plt.close(fig)
""",
        "fixed": """
fig, ax = plt.subplots(figsize=(7, 3), dpi=100)
n = len(counts)
lags = np.arange(-100, 101)
acf = np.array([counts[: n - abs(k)] @ counts[abs(k):] for k in lags]) / float(counts @ counts)
ax.vlines(lags, [0], acf)
ax.axhline()
fig.canvas.draw()
out = np.asarray(fig.canvas.buffer_rgba()).copy()
plt.close(fig)
""",
        "compare": "image",
    },
    {
        "id": "py_statistics_module_on_large_lists",
        "slow_s": 1.579,  # runs: 1.583, 1.579, 1.46
        "fixed_s": 0.054,  # runs: 0.049, 0.061, 0.054
        "area": "python",
        "cause": "per-sensor statistics.mean and statistics.stdev over 40 lists of 50,000 floats: the statistics module favours exactness, converting every float to an exact integer ratio (float.as_integer_ratio) and summing with Fraction-style integer arithmetic in Python (statistics._sum, _ss), tens of times the work of a floating-point sum; np.asarray(values).mean() and .std(ddof=1) give the same means and sample standard deviations (to rounding)",
        "setup": """
import random, statistics
import numpy as np
random.seed(912)
readings = {f"sensor_{k:02d}": [random.gauss(20 + k, 1 + k / 10) for _ in range(50_000)] for k in range(40)}
""",
        "slow": """
summary = {name: (statistics.mean(values), statistics.stdev(values)) for name, values in readings.items()}
out = np.array(list(summary.values()))
""",
        "fixed": """
summary = {}
for name, values in readings.items():
    a = np.asarray(values)
    summary[name] = (a.mean(), a.std(ddof=1))
out = np.array(list(summary.values()))
""",
        "compare": "allclose",
    },
    {
        "id": "py_inspect_stack_for_caller_name",
        "slow_s": 1.19,  # runs: 1.205, 1.164, 1.19
        "fixed_s": 0.001,  # runs: 0.001, 0.001, 0.001
        "area": "python",
        "cause": "a logging helper that finds its caller's name with inspect.stack()[1].function: inspect.stack() builds a FrameInfo for every frame on the stack, and for each one locates the source file and module (inspect.getmodule, which searches sys.modules when a file name is not in its cache) and reads the line context through linecache, so each of the 1,400 log calls costs about a millisecond; sys._getframe(1).f_code.co_name (or inspect.currentframe().f_back) reads the caller's name directly and gives the same log",
        "setup": """
import inspect, random, sys
random.seed(913)
orders = [{"id": i, "qty": random.randint(0, 20), "price": round(random.uniform(1, 500), 2)} for i in range(700)]
""",
        "slow": """
events = []
def log_event(message):
    caller = inspect.stack()[1].function
    events.append(f"{caller}: {message}")
def validate(order):
    if order["qty"] == 0:
        log_event(f"order {order['id']} has no items")
        return False
    log_event(f"order {order['id']} ok")
    return True
def price(order):
    total = order["qty"] * order["price"]
    log_event(f"order {order['id']} total {total:.2f}")
    return total
revenue = sum(price(o) for o in orders if validate(o))
out = (round(revenue, 2), len(events), events[:5], events[-5:])
""",
        "fixed": """
events = []
def log_event(message):
    caller = sys._getframe(1).f_code.co_name
    events.append(f"{caller}: {message}")
def validate(order):
    if order["qty"] == 0:
        log_event(f"order {order['id']} has no items")
        return False
    log_event(f"order {order['id']} ok")
    return True
def price(order):
    total = order["qty"] * order["price"]
    log_event(f"order {order['id']} total {total:.2f}")
    return total
revenue = sum(price(o) for o in orders if validate(o))
out = (round(revenue, 2), len(events), events[:5], events[-5:])
""",
        "compare": "equal",
    },
    {
        "id": "py_regex_module_cache_thrashed",
        "slow_s": 1.462,  # runs: 1.42, 1.462, 1.518
        "fixed_s": 0.091,  # runs: 0.084, 0.097, 0.091
        "area": "python",
        "cause": "tagging 90 titles against 690 keywords with re.search(rf'\\b{kw}s?\\b', title, flags=re.IGNORECASE) in a loop: re.search compiles its pattern string through the re module's cache, which holds at most 512 patterns (re._MAXCACHE) and evicts the oldest, so cycling through 690 patterns misses the cache on every call and all 62,100 searches recompile their pattern; compiling the 690 patterns once with re.compile and calling pattern.search gives the same tags",
        "setup": """
import random, re
random.seed(914)
syllables = ["ka", "lo", "mi", "ne", "ra", "tu", "si", "po", "de", "ba", "ge", "fu"]
def make_word():
    return "".join(random.choice(syllables) for _ in range(random.randint(2, 4)))
keywords = sorted({make_word() for _ in range(900)})[:690]
vocabulary = keywords + [make_word() for _ in range(3000)]
titles = [" ".join(random.choice(vocabulary) for _ in range(12)) for _ in range(90)]
""",
        "slow": """
tags = [[kw for kw in keywords if re.search(rf"\\b{kw}s?\\b", title, flags=re.IGNORECASE)] for title in titles]
out = tags
""",
        "fixed": """
patterns = [(kw, re.compile(rf"\\b{kw}s?\\b", flags=re.IGNORECASE)) for kw in keywords]
tags = [[kw for kw, pattern in patterns if pattern.search(title)] for title in titles]
out = tags
""",
        "compare": "equal",
    },
]

_BY_ID = {c["id"]: c for c in CASES}


def get(case_id: str) -> dict:
    return _BY_ID[case_id]
