"""Blind set 3: twelve slow notebook cells and their fixed twins, written without reading the finding rules.

Same shape as sets 1 and 2 (``score`` and ``timecases`` read ``CASES`` and ``get``): each case has
a ``setup`` (run plainly, not measured), a ``slow`` cell and a ``fixed`` cell that both leave ``out``
(``compare`` says how the two must agree), and ``slow_s`` / ``fixed_s``: the cells timed plainly,
without tfplotguard, by ``python -m benchmarks.blind.timecases --set set3 --repeat 3`` (median of
3 fresh processes; 2 shared CPU cores, TensorFlow 2.21 CPU, Keras 3), each run listed beside it.
Measured 2026-12-06 10:34-10:38 UTC under ``nice -n 5`` while other jobs shared the 2 cores (load
average 3.8-4.0 by ``uptime`` before and after), so runs of one case spread by up to 2x.

The causes are taken from the libraries' own performance advice and well-known pitfalls, and none
repeats a cause of set 1 or set 2: TensorFlow (tf.map_fn over a batch an op already takes whole,
a full jacobian where batch_jacobian is meant, a group-by as a Python loop of boolean masks), Keras
(ModelCheckpoint's integer save_freq counted in batches, a preprocessing layer adapted on an
unbatched dataset), tf.data (an expensive map recomputed every epoch without cache, sliding windows
through window/flat_map), NumPy (einsum without optimize, an object-dtype array from a None in the
data), matplotlib (a full redraw per step of a live plot, a date axis fed Python datetime objects)
and logging (f-strings formatted for debug messages that are never emitted).

Dropped while writing, as their twins were not 5x faster here: plt.tight_layout() called inside the
subplot loop (3.8x on a 4x5 grid; 8.6x on 6x6 but 8 s slow) and ax.scatter for 400k uniform markers
against ax.plot(..., "o") (1.0x: no difference with this matplotlib).

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
        "id": "tf_map_fn_image_resize",
        "slow_s": 2.575,  # runs: 2.622, 2.575, 2.562
        "fixed_s": 0.01,  # runs: 0.019, 0.01, 0.005
        "area": "tensorflow",
        "cause": "tf.map_fn runs tf.image.resize once per image (a loop of 3000 small eager ops), although tf.image.resize takes the whole [N, H, W, C] batch in one call",
        "setup": _TF_SETUP + """
images = tf.random.stateless_uniform([3000, 32, 32, 3], seed=[1, 2])
""",
        "slow": """
resized = tf.map_fn(lambda im: tf.image.resize(im, [16, 16]), images)
out = resized.numpy()
""",
        "fixed": """
resized = tf.image.resize(images, [16, 16])
out = resized.numpy()
""",
        "compare": "allclose",
    },
    {
        "id": "tf_full_jacobian_for_per_example",
        "slow_s": 1.21,  # runs: 1.353, 1.131, 1.21
        "fixed_s": 0.081,  # runs: 0.076, 0.081, 0.108
        "area": "tensorflow",
        "cause": "per-example Jacobians taken with tape.jacobian over the whole batch ([B, m, B, n], almost all zeros, B times the work) and the diagonal blocks picked out; tape.batch_jacobian computes only the [B, m, n] blocks",
        "setup": _TF_SETUP + """
x = tf.random.stateless_normal([320, 16], seed=[3, 4])
W1 = tf.random.stateless_normal([16, 64], seed=[5, 6]) * 0.3
W2 = tf.random.stateless_normal([64, 16], seed=[7, 8]) * 0.3
""",
        "slow": """
with tf.GradientTape() as tape:
    tape.watch(x)
    y = tf.tanh(x @ W1) @ W2
J = tape.jacobian(y, x).numpy()
idx = np.arange(J.shape[0])
out = J[idx, :, idx, :]
""",
        "fixed": """
with tf.GradientTape() as tape:
    tape.watch(x)
    y = tf.tanh(x @ W1) @ W2
out = tape.batch_jacobian(y, x).numpy()
""",
        "compare": "allclose",
    },
    {
        "id": "tf_groupby_boolean_mask_loop",
        "slow_s": 1.032,  # runs: 1.07, 1.018, 1.032
        "fixed_s": 0.01,  # runs: 0.01, 0.01, 0.01
        "area": "tensorflow",
        "cause": "per-group sums computed with a Python loop of tf.boolean_mask(values, ids == g), each scanning all rows (groups x rows work), instead of one tf.math.unsorted_segment_sum",
        "setup": _TF_SETUP + """
rng = np.random.default_rng(11)
n_groups = 800
ids = tf.constant(rng.integers(0, n_groups, 300_000), tf.int32)
values = tf.constant(rng.normal(size=300_000), tf.float64)
""",
        "slow": """
sums = []
for g in range(n_groups):
    sums.append(float(tf.reduce_sum(tf.boolean_mask(values, ids == g))))
out = np.array(sums)
""",
        "fixed": """
out = tf.math.unsorted_segment_sum(values, ids, num_segments=n_groups).numpy()
""",
        "compare": "allclose",
    },
    {
        "id": "keras_checkpoint_save_freq_int",
        "slow_s": 2.58,  # runs: 2.58, 1.8, 2.736
        "fixed_s": 0.208,  # runs: 0.157, 0.208, 0.375
        "area": "keras",
        "cause": "ModelCheckpoint(save_freq=1) counts in batches, not epochs, so the weights file is rewritten after every one of 125 batches; save_freq='epoch' writes it once per epoch",
        "setup": _KERAS_SETUP + """
import os, tempfile
rng = np.random.default_rng(12)
x = rng.normal(size=(4000, 20)).astype("float32")
y = (x @ rng.normal(size=(20, 1)) + 0.1).astype("float32")
model = keras.Sequential([keras.Input((20,)), keras.layers.Dense(64, activation="relu"),
                          keras.layers.Dense(64, activation="relu"), keras.layers.Dense(1)])
model.compile(optimizer=keras.optimizers.SGD(0.01), loss="mse")
w0 = model.get_weights()
model.fit(x[:64], y[:64], batch_size=32, verbose=0, shuffle=False)
ckpt_dir = tempfile.mkdtemp(prefix="blind3_ckpt_")
ckpt_path = os.path.join(ckpt_dir, "model.weights.h5")
""",
        "slow": """
model.set_weights(w0)
ckpt = keras.callbacks.ModelCheckpoint(ckpt_path, save_weights_only=True, save_freq=1)
model.fit(x, y, batch_size=32, epochs=1, shuffle=False, verbose=0, callbacks=[ckpt])
out = np.concatenate([w.ravel() for w in model.get_weights()])
""",
        "fixed": """
model.set_weights(w0)
ckpt = keras.callbacks.ModelCheckpoint(ckpt_path, save_weights_only=True, save_freq="epoch")
model.fit(x, y, batch_size=32, epochs=1, shuffle=False, verbose=0, callbacks=[ckpt])
out = np.concatenate([w.ravel() for w in model.get_weights()])
""",
        "compare": "allclose",
    },
    {
        "id": "keras_adapt_unbatched_dataset",
        "slow_s": 2.594,  # runs: 2.594, 2.571, 2.621
        "fixed_s": 0.047,  # runs: 0.092, 0.046, 0.047
        "area": "keras",
        "cause": "TextVectorization.adapt given an unbatched tf.data dataset updates its vocabulary one string per step; adapt on ds.batch(1024) sees the same strings in a few steps",
        "setup": _KERAS_SETUP + """
rng = np.random.default_rng(13)
words = np.array([f"w{i}" for i in range(3000)])
texts = [" ".join(words[rng.zipf(1.3, 12) % 3000]) for _ in range(600)]
text_ds = tf.data.Dataset.from_tensor_slices(texts)
""",
        "slow": """
vectorizer = keras.layers.TextVectorization(max_tokens=2000)
vectorizer.adapt(text_ds)
out = vectorizer.get_vocabulary()
""",
        "fixed": """
vectorizer = keras.layers.TextVectorization(max_tokens=2000)
vectorizer.adapt(text_ds.batch(1024))
out = vectorizer.get_vocabulary()
""",
        "compare": "equal",
    },
    {
        "id": "tfdata_expensive_map_no_cache",
        "slow_s": 2.84,  # runs: 3.707, 2.747, 2.84
        "fixed_s": 0.364,  # runs: 0.46, 0.299, 0.364
        "area": "tf.data",
        "cause": "a deterministic, expensive feature map is recomputed on every one of 10 epochs; .cache() after the map computes it once and replays it",
        "setup": _TF_SETUP + """
raw = np.random.default_rng(14).normal(size=(2400, 64)).astype("float32")
freqs = tf.linspace(0.5, 40.0, 384)
def featurize(batch):
    waves = tf.sin(batch[:, :, None] * freqs[None, None, :])
    return tf.reduce_mean(waves * waves, axis=1)
ds = tf.data.Dataset.from_tensor_slices(raw).batch(1200).map(featurize)
""",
        "slow": """
total = 0.0
for epoch in range(10):
    for feats in ds:
        total += float(tf.reduce_sum(feats))
out = total
""",
        "fixed": """
cached = ds.cache()
total = 0.0
for epoch in range(10):
    for feats in cached:
        total += float(tf.reduce_sum(feats))
out = total
""",
        "compare": "allclose",
    },
    {
        "id": "tfdata_window_flat_map",
        "slow_s": 2.629,  # runs: 2.629, 2.618, 5.179
        "fixed_s": 0.235,  # runs: 0.085, 0.934, 0.235
        "area": "tf.data",
        "cause": "sliding windows made with Dataset.window(...).flat_map(lambda w: w.batch(n)): a nested dataset built and drained per window; tf.signal.frame makes all windows in one op",
        "setup": _TF_SETUP + """
series = np.sin(np.linspace(0, 400, 20000)).astype("float32")
""",
        "slow": """
ds = (tf.data.Dataset.from_tensor_slices(series)
      .window(64, shift=1, drop_remainder=True)
      .flat_map(lambda w: w.batch(64))
      .batch(256))
out = np.concatenate([b.numpy() for b in ds])
""",
        "fixed": """
frames = tf.signal.frame(series, 64, 1)
ds = tf.data.Dataset.from_tensor_slices(frames).batch(256)
out = np.concatenate([b.numpy() for b in ds])
""",
        "compare": "allclose",
    },
    {
        "id": "np_einsum_without_optimize",
        "slow_s": 1.138,  # runs: 1.68, 1.114, 1.138
        "fixed_s": 0.016,  # runs: 0.01, 0.028, 0.016
        "area": "numpy",
        "cause": "a three-operand np.einsum runs as one nested loop over all four indices (n^4) because optimize defaults to False; optimize=True contracts it pairwise as two BLAS matrix products",
        "setup": """
import numpy as np
rng = np.random.default_rng(15)
n = 200
A, B, C = (rng.normal(size=(n, n)) for _ in range(3))
""",
        "slow": """
out = np.einsum("ij,jk,kl->il", A, B, C)
""",
        "fixed": """
out = np.einsum("ij,jk,kl->il", A, B, C, optimize=True)
""",
        "compare": "allclose",
    },
    {
        "id": "np_object_dtype_from_none",
        "slow_s": 1.144,  # runs: 1.144, 1.069, 1.208
        "fixed_s": 0.165,  # runs: 0.179, 0.158, 0.165
        "area": "numpy",
        "cause": "a None among the readings makes np.array build an object-dtype array, so every arithmetic op runs as Python float operations per element; np.array(readings, dtype=float) turns None into nan and keeps it float64",
        "setup": """
import numpy as np
rng = np.random.default_rng(16)
readings = rng.normal(20.0, 5.0, 1_500_000).tolist()
for i in range(0, len(readings), 997):
    readings[i] = None
""",
        "slow": """
arr = np.array(readings)
mask = arr == None  # noqa: E711
filled = np.where(mask, 0.0, arr)
valid = ~mask
mean = filled[valid].sum() / valid.sum()
centered = np.where(valid, filled - mean, 0.0)
std = np.sqrt((centered * centered).sum() / valid.sum())
z = centered / std
calibrated = ((0.02 * z - 0.1) * z + 1.05) * z + 0.3
smooth = (calibrated[:-2] + calibrated[1:-1] + calibrated[2:]) / 3.0
drift = np.cumsum(np.diff(smooth, prepend=smooth[0]) * 0.5)
out = np.asarray(np.clip(smooth - drift, -3.0, 3.0), dtype=float)
""",
        "fixed": """
arr = np.array(readings, dtype=float)
mask = np.isnan(arr)
filled = np.where(mask, 0.0, arr)
valid = ~mask
mean = filled[valid].sum() / valid.sum()
centered = np.where(valid, filled - mean, 0.0)
std = np.sqrt((centered * centered).sum() / valid.sum())
z = centered / std
calibrated = ((0.02 * z - 0.1) * z + 1.05) * z + 0.3
smooth = (calibrated[:-2] + calibrated[1:-1] + calibrated[2:]) / 3.0
drift = np.cumsum(np.diff(smooth, prepend=smooth[0]) * 0.5)
out = np.asarray(np.clip(smooth - drift, -3.0, 3.0), dtype=float)
""",
        "compare": "allclose",
    },
    {
        "id": "mpl_redraw_every_step",
        "slow_s": 2.571,  # runs: 2.492, 2.571, 3.867
        "fixed_s": 0.094,  # runs: 0.032, 0.128, 0.094
        "area": "matplotlib",
        "cause": "a live loss plot re-rendered with fig.canvas.draw() after each of 120 steps (a full figure render per step); update the line's data every step and render once at the end (or every N steps)",
        "setup": _MPL_SETUP + """
rng = np.random.default_rng(17)
losses = np.exp(-np.linspace(0, 4, 120)) + 0.05 * rng.random(120)
""",
        "slow": """
fig, ax = plt.subplots(figsize=(5, 4), dpi=80)
line, = ax.plot([], [], lw=1.0)
ax.set_xlabel("step"); ax.set_ylabel("loss")
for step in range(1, len(losses) + 1):
    line.set_data(np.arange(step), losses[:step])
    ax.relim(); ax.autoscale_view()
    fig.canvas.draw()
out = np.asarray(fig.canvas.buffer_rgba()).copy()
plt.close(fig)
""",
        "fixed": """
fig, ax = plt.subplots(figsize=(5, 4), dpi=80)
line, = ax.plot([], [], lw=1.0)
ax.set_xlabel("step"); ax.set_ylabel("loss")
for step in range(1, len(losses) + 1):
    line.set_data(np.arange(step), losses[:step])
ax.relim(); ax.autoscale_view()
fig.canvas.draw()
out = np.asarray(fig.canvas.buffer_rgba()).copy()
plt.close(fig)
""",
        "compare": "image",
    },
    {
        "id": "mpl_datetime_objects_axis",
        "slow_s": 2.294,  # runs: 2.294, 2.292, 2.343
        "fixed_s": 0.118,  # runs: 0.118, 0.102, 0.27
        "area": "matplotlib",
        "cause": "Unix timestamps turned into a list of 400k Python datetime objects for a date axis, which matplotlib's date converter then handles one object at a time; secs.astype('datetime64[s]') gives it one datetime64 array",
        "setup": _MPL_SETUP + """
import datetime as dt
rng = np.random.default_rng(18)
secs = 1_700_000_000 + 30 * np.arange(400_000)
temps = 20 + np.cumsum(rng.normal(size=secs.size)) * 0.01
""",
        "slow": """
stamps = [dt.datetime.fromtimestamp(int(s), tz=dt.timezone.utc) for s in secs]
fig, ax = plt.subplots(figsize=(6, 4), dpi=80)
ax.plot(stamps, temps, lw=0.5)
fig.canvas.draw()
out = np.asarray(fig.canvas.buffer_rgba()).copy()
plt.close(fig)
""",
        "fixed": """
stamps = secs.astype("datetime64[s]")
fig, ax = plt.subplots(figsize=(6, 4), dpi=80)
ax.plot(stamps, temps, lw=0.5)
fig.canvas.draw()
out = np.asarray(fig.canvas.buffer_rgba()).copy()
plt.close(fig)
""",
        "compare": "image",
    },
    {
        "id": "logging_fstring_debug",
        "slow_s": 2.574,  # runs: 2.823, 2.574, 1.64
        "fixed_s": 0.007,  # runs: 0.007, 0.006, 0.009
        "area": "logging",
        "cause": "logger.debug(f'... {weights} ...') formats the whole array (and its norm) into a string on every step although DEBUG messages are dropped; guard it with logger.isEnabledFor(logging.DEBUG) (or pass %-style arguments) so nothing is formatted unless emitted",
        "setup": """
import logging
import numpy as np
logging.basicConfig(level=logging.INFO)
logger = logging.getLogger("trainer")
logger.setLevel(logging.INFO)
rng = np.random.default_rng(19)
grads = rng.normal(size=(5000, 64)) * 0.01
""",
        "slow": """
weights = np.zeros(64)
for step in range(grads.shape[0]):
    weights = 0.99 * weights + grads[step]
    logger.debug(f"step {step}: weights={weights} norm={np.linalg.norm(weights):.4f}")
out = weights
""",
        "fixed": """
weights = np.zeros(64)
for step in range(grads.shape[0]):
    weights = 0.99 * weights + grads[step]
    if logger.isEnabledFor(logging.DEBUG):
        logger.debug(f"step {step}: weights={weights} norm={np.linalg.norm(weights):.4f}")
out = weights
""",
        "compare": "allclose",
    },
]

_BY_ID = {c["id"]: c for c in CASES}


def get(case_id: str) -> dict:
    return _BY_ID[case_id]
