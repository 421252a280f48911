"""Blind set 13: DRAFT."""

from __future__ import annotations

_TF_SETUP = """
import numpy as np
import tensorflow as tf
tf.reduce_sum(tf.ones([2, 2]))
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
        "id": "tf_module_trainable_variables_each_step",
        "slow_s": None,
        "fixed_s": None,
        "area": "tensorflow",
        "cause": "",
        "setup": _TF_SETUP + """
rng = np.random.default_rng(1301)
words = [f"tok{k:05d}" for k in range(6_000)]

class BagOfWords(tf.Module):
    def __init__(self, vocab, dim=16):
        super().__init__()
        self.vocab = list(vocab)                                  # kept for decoding predictions
        self.word_index = {w: i for i, w in enumerate(vocab)}     # kept for encoding new text
        self.embedding = tf.Variable(rng.normal(0, 0.1, (len(vocab), dim)).astype("float32"))
        self.w = tf.Variable(np.zeros((dim, 1), "float32"))
        self.b = tf.Variable(np.zeros((1,), "float32"))
    def __call__(self, ids):
        h = tf.reduce_mean(tf.gather(self.embedding, ids), axis=1)
        return tf.squeeze(h @ self.w, -1) + self.b

model = BagOfWords(words)
init = [v.numpy() for v in (model.embedding, model.w, model.b)]
X = tf.constant(rng.integers(0, 6_000, (50, 64, 20)))               # 50 batches of 64 reviews x 20 tokens
Y = tf.constant(rng.integers(0, 2, (50, 64)).astype("float32"))
""",
        "slow": """
for v, x0 in zip((model.embedding, model.w, model.b), init):
    v.assign(x0)
losses = []
for step in range(50):
    with tf.GradientTape() as tape:
        loss = tf.reduce_mean(tf.nn.sigmoid_cross_entropy_with_logits(Y[step], model(X[step])))
    grads = tape.gradient(loss, model.trainable_variables)
    for g, v in zip(grads, model.trainable_variables):
        v.assign_sub(0.5 * tf.convert_to_tensor(g))
    losses.append(float(loss))
out = losses + [float(tf.reduce_sum(model.w))]
""",
        "fixed": """
for v, x0 in zip((model.embedding, model.w, model.b), init):
    v.assign(x0)
params = model.trainable_variables            # collected once
losses = []
for step in range(50):
    with tf.GradientTape() as tape:
        loss = tf.reduce_mean(tf.nn.sigmoid_cross_entropy_with_logits(Y[step], model(X[step])))
    grads = tape.gradient(loss, params)
    for g, v in zip(grads, params):
        v.assign_sub(0.5 * tf.convert_to_tensor(g))
    losses.append(float(loss))
out = losses + [float(tf.reduce_sum(model.w))]
""",
        "compare": "allclose",
    },
    {
        "id": "tf_tensor_scatter_update_copies_per_hit",
        "slow_s": None,
        "fixed_s": None,
        "area": "tensorflow",
        "cause": "",
        "setup": _TF_SETUP + """
rng = np.random.default_rng(1302)
grid0 = tf.zeros([4096, 2048])                                    # an occupancy map, 32 MB
hits = rng.integers(0, [4096, 2048], size=(700, 2))               # sensor hits, one cell each
strengths = rng.uniform(0.5, 1.0, 700).astype("float32")
""",
        "slow": """
grid = grid0
for (r, c), s in zip(hits, strengths):
    grid = tf.tensor_scatter_nd_update(grid, [[r, c]], [s])
out = grid.numpy()
""",
        "fixed": """
grid = tf.Variable(grid0)                                         # updated in place
for (r, c), s in zip(hits, strengths):
    grid.scatter_nd_update([[r, c]], [s])
out = grid.numpy()
""",
        "compare": "allclose",
    },
    {
        "id": "tfdata_filter_after_expensive_map",
        "slow_s": None,
        "fixed_s": None,
        "area": "tf.data",
        "cause": "",
        "setup": _TF_SETUP + """
import os, tempfile
rng = np.random.default_rng(1303)
audio_dir = tempfile.mkdtemp(prefix="blind13_wav_")
paths = []
for i in range(2000):                                                    # 2,000 one-second clips at 16 kHz
    p = os.path.join(audio_dir, f"clip_{i:05d}.wav")
    tf.io.write_file(p, tf.audio.encode_wav(rng.uniform(-0.5, 0.5, (16000, 1)).astype("float32"), 16000))
    paths.append(p)
labels = rng.integers(0, 20, 2000)                                       # 20 keyword classes
mel = tf.signal.linear_to_mel_weight_matrix(64, 513, 16000)
def load_mfcc(path, y):                                                  # 25 ms frames every 4 ms
    audio, _ = tf.audio.decode_wav(tf.io.read_file(path), desired_channels=1)
    spec = tf.abs(tf.signal.stft(tf.squeeze(audio, -1), frame_length=400, frame_step=64, fft_length=1024))
    return tf.signal.mfccs_from_log_mel_spectrograms(tf.math.log(spec @ mel + 1e-6))[:, :13], y
""",
        "slow": """
ds = (tf.data.Dataset.from_tensor_slices((paths, labels))
      .map(load_mfcc)
      .filter(lambda f, y: tf.equal(y, 3))                # keep one keyword
      .batch(64))
out = np.concatenate([f.numpy() for f, _ in ds])
""",
        "fixed": """
ds = (tf.data.Dataset.from_tensor_slices((paths, labels))
      .filter(lambda p, y: tf.equal(y, 3))                # filter on the label first
      .map(load_mfcc)
      .batch(64))
out = np.concatenate([f.numpy() for f, _ in ds])
""",
        "compare": "allclose",
    },
    {
        "id": "tfdata_chain_of_tiny_maps",
        "slow_s": None,
        "fixed_s": None,
        "area": "tf.data",
        "cause": "",
        "setup": _TF_SETUP + """
rng = np.random.default_rng(1304)
n = 8_000
cols = {f"f{k}": rng.normal(size=n).astype("float32") for k in range(8)}
table = np.stack([cols[f"f{k}"] for k in range(8)], axis=1)
mu, sd = table.mean(0), table.std(0)
steps = [
    lambda x: x - mu, lambda x: x / sd, lambda x: tf.clip_by_value(x, -3.0, 3.0), lambda x: x * 0.5,
    lambda x: x + 0.1, lambda x: tf.tanh(x), lambda x: x * x, lambda x: x + 1.0,
    lambda x: tf.sqrt(x), lambda x: x - 1.0, lambda x: x * 2.0, lambda x: tf.abs(x),
    lambda x: tf.math.log1p(x), lambda x: x * 3.0, lambda x: x - 0.2, lambda x: tf.maximum(x, 0.0),
    lambda x: x * 0.9, lambda x: x + 0.05, lambda x: tf.minimum(x, 5.0), lambda x: tf.square(x),
    lambda x: x / 4.0, lambda x: tf.exp(-x), lambda x: 1.0 - x, lambda x: x * 10.0,
]
""",
        "slow": """
ds = tf.data.Dataset.from_tensor_slices(table)
for f in steps:                      # one map per feature-engineering step
    ds = ds.map(f)
out = np.concatenate([b.numpy() for b in ds.batch(1000)])
""",
        "fixed": """
def all_steps(x):
    for f in steps:
        x = f(x)
    return x
ds = tf.data.Dataset.from_tensor_slices(table).map(all_steps)     # one map running every step
out = np.concatenate([b.numpy() for b in ds.batch(1000)])
""",
        "compare": "allclose",
    },
    {
        "id": "np_separable_field_on_dense_meshgrid",
        "slow_s": None,
        "fixed_s": None,
        "area": "numpy",
        "cause": "",
        "setup": """
import numpy as np
x = np.linspace(-6, 6, 1200)
y = np.linspace(-4, 4, 900)
times = np.linspace(0, 2, 50)                                      # 50 animation frames
""",
        "slow": """
X, Y = np.meshgrid(x, y)
frames = []
for t in times:
    Z = np.exp(-(X - t) ** 2 / 4) * np.cos(3 * X - 5 * t) * np.exp(-Y ** 2 / 3) * np.sin(2 * Y + t)
    frames.append(Z[::20, ::20].copy())
out = np.stack(frames)
""",
        "fixed": """
frames = []
for t in times:
    fx = np.exp(-(x - t) ** 2 / 4) * np.cos(3 * x - 5 * t)      # the x factor, on the 1,200 x values
    gy = np.exp(-y ** 2 / 3) * np.sin(2 * y + t)                 # the y factor, on the 900 y values
    Z = gy[:, None] * fx[None, :]
    frames.append(Z[::20, ::20].copy())
out = np.stack(frames)
""",
        "compare": "allclose",
    },
    {
        "id": "np_sort_kind_stable_on_floats",
        "slow_s": None,
        "fixed_s": None,
        "area": "numpy",
        "cause": "",
        "setup": """
import numpy as np
rng = np.random.default_rng(1306)
readings = rng.standard_t(5, size=(350, 60_000))                 # 350 sensors, 60,000 readings each
q_idx = (np.array([0.01, 0.05, 0.25, 0.5, 0.75, 0.95, 0.99]) * 59_999).astype(int)
""",
        "slow": """
quantiles = []
for r in readings:
    s = np.sort(r, kind="stable")                # "a stable sort, to be safe"
    quantiles.append(s[q_idx].tolist())
out = quantiles
""",
        "fixed": """
quantiles = []
for r in readings:
    s = np.sort(r)                               # the default quicksort: same values
    quantiles.append(s[q_idx].tolist())
out = quantiles
""",
        "compare": "equal",
    },
    {
        "id": "mpl_axes_clear_every_update",
        "slow_s": None,
        "fixed_s": None,
        "area": "matplotlib",
        "cause": "",
        "setup": _MPL_SETUP + """
rng = np.random.default_rng(1307)
train_loss = 2.0 * np.exp(-np.arange(300) / 70) + 0.05 * rng.random(300)
val_loss = 2.1 * np.exp(-np.arange(300) / 80) + 0.08 * rng.random(300)
""",
        "slow": """
fig, ax = plt.subplots(figsize=(6, 4), dpi=80)
ts, tr, va = [], [], []
for step in range(300):
    ts.append(step); tr.append(train_loss[step]); va.append(val_loss[step])
    ax.clear()                                   # redraw the plot from scratch
    ax.plot(ts, tr, label="train")
    ax.plot(ts, va, label="validation")
    ax.set_xlabel("step"); ax.set_ylabel("loss"); ax.set_title(f"step {step}")
    ax.legend(loc="upper right")
fig.canvas.draw()
out = np.asarray(fig.canvas.buffer_rgba()).copy()
plt.close(fig)
""",
        "fixed": """
fig, ax = plt.subplots(figsize=(6, 4), dpi=80)
line_tr, = ax.plot([], [], label="train")
line_va, = ax.plot([], [], label="validation")
ax.set_xlabel("step"); ax.set_ylabel("loss")
title = ax.set_title("")
ax.legend(loc="upper right")
ts, tr, va = [], [], []
for step in range(300):
    ts.append(step); tr.append(train_loss[step]); va.append(val_loss[step])
    line_tr.set_data(ts, tr); line_va.set_data(ts, va)      # update the existing artists
    title.set_text(f"step {step}")
ax.relim(); ax.autoscale_view()
fig.canvas.draw()
out = np.asarray(fig.canvas.buffer_rgba()).copy()
plt.close(fig)
""",
        "compare": "image",
    },
    {
        "id": "py_csv_sniffer_given_whole_file",
        "slow_s": None,
        "fixed_s": None,
        "area": "python",
        "cause": "",
        "setup": """
import csv, os, random, tempfile
random.seed(1308)
csv_dir = tempfile.mkdtemp(prefix="blind13_sniff_")
csv_path = os.path.join(csv_dir, "readings.csv")
with open(csv_path, "w", newline="") as f:
    for i in range(60_000):
        f.write(f"2026-03-{1 + i // 3600 % 28:02d} {i // 60 % 24:02d}:{i % 60:02d}:00,sensor_{random.randint(1, 40)},"
                f"{random.uniform(15, 30):.2f},{random.uniform(0, 1):.3f},{random.choice(['ok', 'warn', 'fail'])}\\n")
""",
        "slow": """
with open(csv_path, newline="") as f:
    dialect = csv.Sniffer().sniff(f.read())          # detect the format from the whole file
    f.seek(0)
    rows = list(csv.reader(f, dialect))
out = (dialect.delimiter, len(rows), rows[::997])
""",
        "fixed": """
with open(csv_path, newline="") as f:
    dialect = csv.Sniffer().sniff(f.read(64 * 1024))    # a sample is enough
    f.seek(0)
    rows = list(csv.reader(f, dialect))
out = (dialect.delimiter, len(rows), rows[::997])
""",
        "compare": "equal",
    },
    {
        "id": "py_pow_then_mod_in_fermat_test",
        "slow_s": None,
        "fixed_s": None,
        "area": "python",
        "cause": "",
        "setup": """
candidates = range(100_001, 103_001, 2)                           # odd numbers to screen
""",
        "slow": """
probable = [n for n in candidates if (3 ** (n - 1)) % n == 1]    # Fermat test, base 3
out = probable
""",
        "fixed": """
probable = [n for n in candidates if pow(3, n - 1, n) == 1]      # modular exponentiation
out = probable
""",
        "compare": "equal",
    },
    {
        "id": "py_codecs_open_line_iteration",
        "slow_s": None,
        "fixed_s": None,
        "area": "python",
        "cause": "",
        "setup": """
import codecs, os, random, tempfile
random.seed(1309)
corpus_dir = tempfile.mkdtemp(prefix="blind13_codecs_")
corpus_path = os.path.join(corpus_dir, "reviews.txt")
words = ["très", "bon", "café", "naïve", "good", "bad", "slow", "schön", "über", "fast", "ok", "price"]
with open(corpus_path, "w", encoding="utf-8") as f:
    for i in range(1_300_000):
        f.write(" ".join(random.choices(words, k=random.randint(2, 9))) + "\\n")
""",
        "slow": """
lengths = []
with codecs.open(corpus_path, "r", encoding="utf-8") as f:       # the classic Python 2 idiom
    for line in f:
        lengths.append(len(line))
out = (len(lengths), sum(lengths), lengths[::1000])
""",
        "fixed": """
lengths = []
with open(corpus_path, encoding="utf-8") as f:
    for line in f:
        lengths.append(len(line))
out = (len(lengths), sum(lengths), lengths[::1000])
""",
        "compare": "equal",
    },
    {
        "id": "py_signature_and_type_hints_per_call",
        "slow_s": None,
        "fixed_s": None,
        "area": "python",
        "cause": "",
        "setup": """from __future__ import annotations
import functools, inspect, random, typing
random.seed(1310)

def validated(func):
    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        bound = inspect.signature(func).bind(*args, **kwargs)
        bound.apply_defaults()
        hints = typing.get_type_hints(func)
        for name, value in bound.arguments.items():
            if name in hints and not isinstance(value, hints[name]):
                raise TypeError(f"{name} must be {hints[name]}")
        return func(*args, **kwargs)
    return wrapper

def calibrate(value: float, offset: float = 0.0, gain: float = 1.0, unit: str = "C", clip: float = 1e9) -> float:
    return min((value - offset) * gain, clip)

readings = [random.uniform(-10, 40) for _ in range(30_000)]
""",
        "slow": """
calibrate_checked = validated(calibrate)
out = [calibrate_checked(v, 0.5, gain=1.8) for v in readings]
""",
        "fixed": """
def validated(func):
    sig = inspect.signature(func)                 # introspected once, when decorating
    hints = typing.get_type_hints(func)
    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        bound = sig.bind(*args, **kwargs)
        bound.apply_defaults()
        for name, value in bound.arguments.items():
            if name in hints and not isinstance(value, hints[name]):
                raise TypeError(f"{name} must be {hints[name]}")
        return func(*args, **kwargs)
    return wrapper

calibrate_checked = validated(calibrate)
out = [calibrate_checked(v, 0.5, gain=1.8) for v in readings]
""",
        "compare": "equal",
    },
    {
        "id": "py_subprocess_wc_per_file",
        "slow_s": None,
        "fixed_s": None,
        "area": "python",
        "cause": "",
        "setup": """
import os, random, subprocess, tempfile
random.seed(1311)
shard_dir = tempfile.mkdtemp(prefix="blind13_wc_")
paths = []
for i in range(1500):
    p = os.path.join(shard_dir, f"part-{i:05d}.jsonl")
    with open(p, "w") as f:
        for j in range(random.randint(20, 400)):
            f.write('{"id": %d, "text": "%s"}\\n' % (j, "x" * random.randint(5, 80)))
    paths.append(p)
""",
        "slow": """
line_counts = {}
for p in paths:
    res = subprocess.run(["wc", "-l", p], capture_output=True, text=True, check=True)
    line_counts[os.path.basename(p)] = int(res.stdout.split()[0])
out = line_counts
""",
        "fixed": """
line_counts = {}
for p in paths:
    with open(p, "rb") as f:
        line_counts[os.path.basename(p)] = f.read().count(b"\\n")
out = line_counts
""",
        "compare": "equal",
    },
]

_BY_ID = {c["id"]: c for c in CASES}


def get(case_id: str) -> dict:
    return _BY_ID[case_id]
