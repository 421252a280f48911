"""Blind set 13: twelve slow notebook cells and their fixed twins, written without reading the finding rules.

Same shape as sets 1-12 (``score`` and ``timecases`` read ``CASES`` and ``get``): each case has a
``setup`` (run plainly, not measured), a ``slow`` cell and a ``fixed`` cell that both leave ``out``
(``compare`` says how the two must agree), and ``slow_s`` / ``fixed_s``: the cells timed plainly,
without tfplotguard, by ``python -m benchmarks.blind.timecases --set set13 --repeat 3`` (median of 3
fresh processes; 2 shared CPU cores, an AMD EPYC with AVX-512, TensorFlow 2.21 CPU, Keras 3.15, NumPy
2.4, matplotlib 3.11, Python 3.11), each run listed beside it. Measured 2026-12-07 19:24:16-19:26:08
UTC under ``nice -n 10`` (``uptime`` load average 1.91 before, 2.16 after; other sessions' jobs shared
the cores). Every pair agreed; the slow cells' medians were 1.22-2.46 s and the speed-ups 7.0x or
more (up to 1914x, the three-argument ``pow``). Runs of one case spread by up to 1.28x for slow cells
(the tensor-scatter case's 1.20-1.53 s; the next widest were the ``ax.clear`` case's 1.45-1.61 s,
1.11x) and 2.0x for fixed cells (the tensor-scatter case's 0.061-0.122 s; the next widest were the
meshgrid case's 0.028-0.035 s and the ``ax.clear`` case's 0.028-0.034 s).

The mix is two TensorFlow cases, one tf.data, two NumPy, one matplotlib and six plain Python, not the
2 tf.data, 1-2 Keras and 2 matplotlib cases asked for: the second tf.data case built (a filter placed
after an expensive map) turned out to be set 6's shard-after-decode cause and was dropped, and the
Keras and tf.data candidates considered (listed below) either repeated a cause of sets 1-12 or
showed no slowdown, and no second matplotlib candidate with a cause of its own was found in the time
(those considered, many patch or tick-label artists, per-step layout or redraws, were earlier sets'
causes); plain-Python cases took their places.

Written blind: only sets 1-12 (of sets 1-10 only their docstrings and case lists), ``timecases`` and
this package's ``__init__`` were read in this repository; the causes come from the libraries'
installed sources and their documentation (PEP 400 through the documentation search, TensorFlow's
regex kernel through the code search), each measured here before it was kept: TensorFlow (``tf.Module.trainable_variables``
read on every step of an eager loop: the property walks every attribute of the module by reflection,
``tensorflow/python/module/module.py``, whose docstring suggests caching the result, here through a
6,000-word vocabulary list and word index kept on the module; ``tf.tensor_scatter_nd_update`` used to
write single cells of a 32 MB tensor, each call copying the whole tensor, as its documentation in
``tensorflow/python/ops/array_ops.py`` warns, where a ``tf.Variable``'s ``scatter_nd_update`` writes
in place), tf.data (a 32-step feature recipe applied as 32 chained ``Dataset.map`` stages, where one
map runs the same ops; tf.data's ``map_fusion`` option, ``tensorflow/python/data/ops/options.py``, is
off by default and limited to parallel maps), NumPy (a separable field evaluated on a dense
``np.meshgrid`` grid, every transcendental computed at every grid point, against 1-D factors and an
outer product; ``np.sort(kind='stable')`` on floats, timsort, against the default quicksort, which
NumPy 2 runs as a SIMD sort on this CPU), matplotlib (``ax.clear()`` and the plot rebuilt on every
update of a live training curve, against ``set_data`` on existing artists) and plain Python
(``csv.Sniffer.sniff`` given a whole file, whose ``_guess_delimiter`` counts all 127 ASCII
characters on every line, ``csv.py``, where the csv documentation sniffs a 1024-character sample;
``(3 ** (n - 1)) % n`` against the three-argument ``pow``, which the built-in functions documentation
calls more efficient; ``codecs.open`` line iteration through the pure-Python ``StreamReader``,
``codecs.py``, against the built-in ``open``, PEP 400; ``inspect.signature`` and
``typing.get_type_hints`` in a decorator's wrapper, re-introspecting the function and re-compiling
its string annotations on every call, ``inspect.py`` / ``typing.py``'s ``ForwardRef``; one
``subprocess.run(['wc', '-l', ...])`` per file, a process spawned per file, ``subprocess.py``;
an SQLite lookup per user on a column without an index, a full table scan per query, SQLite's
query-planning documentation). The PEP, the csv example and the SQLite page are cited from the
documentation search or from memory; each mechanism was checked in the installed sources or by
measurement as said.

None repeats a cause of sets 1-12; the nearest are: set 9's hundreds of scalar ``tf.Variable``s
(per-variable eager work) and set 12's ``namedtuple`` built per call (here three variables, and an
innocent-looking property that re-walks every attribute of the module on each read); set 2's
``tf.Variable`` filled by one strided-slice assign per row, fixed by one assign (here both cells make
the same 700 eager calls; the slow one copies 32 MB in each) and set 1's ``np.append`` growing an
array (a copy per call of a growing array; here a fixed-size tensor copied to change one cell);
set 1's cheap map before batch and set 6's chain of 220 ``Dataset.concatenate`` calls (here both
cells map per element, unbatched, over one source; the slow one splits the function into 32 map
stages, each a separate iterator and function call per element); set 6's separable Gaussian applied
as a full 2-D kernel and set 8's Kronecker-structured covariance (here elementwise transcendental
functions evaluated on every point of a dense grid instead of on its axes); set 4's full argsort for
a top-k and set 10's structured-record sort of ``np.unique(axis=0)`` (here the same full sort of the
same values, only the algorithm differs: ``kind='stable'`` leaves the SIMD quicksort); set 3's full
redraw per step, set 4's ``imshow`` stacking an image per frame and set 11's ``relim`` per update
(here nothing is drawn per update; the cost is ``Axes.clear`` rebuilding the axes and the artists
re-created after it); set 10's ``genfromtxt`` parser choice (here format detection run over a whole
file); set 12's ``TextIOWrapper.tell`` (here the codecs module's own Python line reader) and set 1's
file opened per line; set 9's ``inspect.stack`` and set 12's runtime-protocol ``isinstance`` (here
``inspect.signature`` and ``get_type_hints`` per call, for a check that depends only on the
function); set 12's thread pool over tiny tasks and set 1's file opened per line (here a child process
per file); set 1's list membership, a linear scan (here the database engine's query planner, which
scans the table for each query because the column has no index; the fix is an index, not a Python
structure) and set 10's dropped SQLite commit per insert.

Dropped while writing (single runs, outside the set, unless said): a tf.data keyword-spotting pipeline
whose ``filter`` on the label came after the MFCC map (7.7x, median of 3 runs: 1.67 s against
0.22 s; dropped as set 6's shard-after-decode cause: a selection placed after the expensive map);
Keras ``FeatureSpace.adapt`` given a dict of arrays, which makes one pass over the data per feature
in batches of 32 (its own TODO in ``keras/src/layers/preprocessing/feature_space.py``; not built, as
the fix, a batched dataset, is set 3's unbatched ``adapt`` cause); tf.data ``cache(filename)`` against
``cache()`` in memory (0.06 against 0.05 s an epoch after the first: no difference);
``tf.strings.regex_replace`` with a tensor pattern in a map (not built: the kernel now caches the
compiled RE2, ``regex_replace_op.cc``'s ``CachedRE2``, found through the code search). Reworked after
trial runs: the module loop (a 20,000-word vocabulary over 120 steps, 16.2 s; then 6,000 words over
80 steps, 3.5 s; now 50 steps), the scatter map (2048 x 1024, 3.7x, the per-op dispatch still the
larger part; now 4096 x 2048), the map chain (16 stages over 40,000 rows, 6.5 s and 6.5x; 24 over
8,000, 8.2x; now 32 over 6,000), the sort (one ``np.sort`` of a 40 x 500,000 array, 3.8x, the fixed
cell paying the first touch of its 160 MB result; now 350 rows sorted one at a time), the Fermat
candidates (3,000, 3.9 s; now 1,500), the codecs corpus (400,000 lines, 0.40 s; now 1.3M), the
shards (500, 0.49 s; now 1,500), the meshgrid frames (40, 1.1 s; now 50) and the ``ax.clear`` updates
(250, 1.2 s; now 300).

Cells that write files use ``tempfile`` (so ``TMPDIR`` says where).
"""

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
        "slow_s": 2.46,  # runs: 2.489, 2.46, 2.445
        "fixed_s": 0.126,  # runs: 0.126, 0.127, 0.119
        "area": "tensorflow",
        "cause": "an eager training loop over a tf.Module bag-of-words classifier (3 variables) that asks for model.trainable_variables twice per step, for tape.gradient and for the update loop, 50 steps: the property is not a stored list but is recomputed on every access by reflection (tensorflow/python/module/module.py, _flatten_module), which walks vars() of the module and flattens every attribute with nest, so the 6,000-word vocabulary list and the 6,000-entry word index kept on the module are visited leaf by leaf to find three variables, about 23 ms a read here (by difference: 49 ms a step against 2.5 ms); the tf.Module docstring says 'this method uses reflection ... For performance reasons you may wish to cache the result', and collecting the variables once before the loop gives the same losses and weights",
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
        "slow_s": 1.495,  # runs: 1.495, 1.202, 1.534
        "fixed_s": 0.117,  # runs: 0.061, 0.117, 0.122
        "area": "tensorflow",
        "cause": "700 sensor hits written one at a time into a 4096 x 2048 float32 occupancy map (32 MB) with grid = tf.tensor_scatter_nd_update(grid, [[r, c]], [s]): the op returns a new tensor, and because the old one is still referenced by the Python variable while the op runs its buffer cannot be forwarded, so every update copies the whole 32 MB map to change one cell (the op's documentation in tensorflow/python/ops/array_ops.py: 'If the memory for the existing tensor cannot be re-used, a copy is made and updated'); measured here at 0.22 ms an update for a 4 MB map and 3.8 ms for 64 MB, so the copy, not the op dispatch, is the cost; keeping the map in a tf.Variable and calling its scatter_nd_update makes the same 700 eager calls but updates in place, giving the same map",
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
        "id": "tfdata_chain_of_tiny_maps",
        "slow_s": 2.41,  # runs: 2.41, 2.458, 2.374
        "fixed_s": 0.236,  # runs: 0.249, 0.236, 0.236
        "area": "tf.data",
        "cause": "a 32-step feature recipe (centre, scale, clip, tanh, log1p, ...) over 6,000 rows of 8 features applied as 32 chained Dataset.map calls, one per step, then batched: every map is its own dataset stage, and each element goes through 32 iterator GetNext calls and 32 separate function invocations, each doing one tiny op (about 12 microseconds per stage per element here); tf.data's map_fusion optimisation would merge such maps but is off by default and applies only to maps with num_parallel_calls=AUTOTUNE and no captured inputs (tensorflow/python/data/ops/options.py); one map whose function runs all 32 steps does the same ops in one invocation per element and gives the same features",
        "setup": _TF_SETUP + """
rng = np.random.default_rng(1304)
n = 6_000
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
    lambda x: tf.round(x), lambda x: x + 0.5, lambda x: tf.sign(x) * x, lambda x: x / 3.0,
    lambda x: tf.cos(x), lambda x: x * x + 1.0, lambda x: tf.math.rsqrt(x), lambda x: x - 0.25,
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
        "slow_s": 1.281,  # runs: 1.315, 1.281, 1.277
        "fixed_s": 0.032,  # runs: 0.032, 0.028, 0.035
        "area": "numpy",
        "cause": "50 animation frames of a separable wave packet, exp(-(x-t)^2/4) cos(3x-5t) exp(-y^2/3) sin(2y+t), evaluated on X, Y = np.meshgrid(x, y) over a 900 x 1200 grid: every frame computes two exponentials, a cosine and a sine (and the arithmetic around them) at all 1.08 million grid points, about 26 ms a frame; the field is a product of a function of x and a function of y, so evaluating each factor on the 1,200 x values and the 900 y values and taking their outer product by broadcasting (the np.meshgrid documentation's sparse grids serve the same purpose) does 2,100 evaluations of each and one multiplication per grid point, giving the same frames to rounding",
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
        "slow_s": 1.224,  # runs: 1.223, 1.224, 1.232
        "fixed_s": 0.082,  # runs: 0.08, 0.082, 0.082
        "area": "numpy",
        "cause": "the quantiles of 350 sensors' 60,000 float64 readings taken from np.sort(r, kind='stable') of each row ('a stable sort, to be safe'): for floats 'stable' (and 'mergesort') is mapped to timsort (the kind table and notes in numpy/_core/fromnumeric.py's sort docstring), about 58 ns a value here, while NumPy 2's default 'quicksort' for float arrays is dispatched to its vectorised x86-simd-sort (x86_simd_qsort.dispatch.cpp, compiled into the installed build; np.show_runtime reports the AVX512_ICL target on this CPU), about 4 ns a value; stability only matters for argsort or record sorts, since equal floats are indistinguishable, so the default sort gives the same sorted values and quantiles",
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
        "slow_s": 1.579,  # runs: 1.449, 1.579, 1.612
        "fixed_s": 0.031,  # runs: 0.028, 0.034, 0.031
        "area": "matplotlib",
        "cause": "a live training-curve plot updated 300 times by ax.clear() followed by two ax.plot calls, the axis labels, a title and ax.legend(loc='upper right'), the figure drawn once at the end (as the inline backend does): Axes.clear resets the whole Axes, building new axis, tick, spine, title and patch state, and the lines and legend are then created again, about 5 ms an update here, all thrown away at the next update; creating the two lines, labels and legend once and updating them with Line2D.set_data and Text.set_text (then relim and autoscale_view once) draws the same picture",
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
        "slow_s": 1.501,  # runs: 1.501, 1.505, 1.443
        "fixed_s": 0.089,  # runs: 0.092, 0.089, 0.085
        "area": "python",
        "cause": "csv.Sniffer().sniff(f.read()) given the whole 60,000-line sensor CSV instead of a sample: Sniffer._guess_delimiter (csv.py) counts, for every line, each of the 127 ASCII characters with str.count and tallies the frequencies in dicts, ten lines at a time, and stops only when exactly one character occurs consistently; here the timestamps and the 'sensor_' ids make ',', '-', ':', ' ', '.' and several letters equally consistent, so it reads every line (7.6M str.count calls) before falling back to its preferred list; the csv documentation's example sniffs csvfile.read(1024), and a 64 KB sample (about 1,400 lines) gives the same dialect and rows",
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
        "slow_s": 1.914,  # runs: 1.949, 1.879, 1.914
        "fixed_s": 0.001,  # runs: 0.001, 0.001, 0.001
        "area": "python",
        "cause": "a Fermat probable-prime screen of the 1,500 odd numbers from 100,001 written as (3 ** (n - 1)) % n == 1: Python first computes 3 ** (n - 1) exactly, a 158,000-bit integer built by repeated big-integer squaring (Karatsuba multiplication), about 1.3 ms a candidate, only to reduce it modulo a six-digit n; the three-argument pow(3, n - 1, n) reduces after every multiplication and never holds more than a few digits (the built-in functions documentation: pow(base, exp, mod) is 'computed more efficiently than pow(base, exp) % mod'), giving the same list",
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
        "slow_s": 1.308,  # runs: 1.319, 1.308, 1.295
        "fixed_s": 0.186,  # runs: 0.19, 0.183, 0.186
        "area": "python",
        "cause": "a 1.3M-line UTF-8 corpus read line by line through codecs.open(path, 'r', encoding='utf-8'), the Python 2 idiom for Unicode files: codecs.open returns a StreamReaderWriter whose StreamReader.readline is written in Python (codecs.py), pulling 72 characters at a time through StreamReader.read, splitting them with str.splitlines and keeping the rest in Python-level line and character buffers, about 1 microsecond a line here; the built-in open() returns io.TextIOWrapper, implemented in C (PEP 400: 'TextIOWrapper has more features and is faster than StreamReaderWriter'), and on a file with only '\\n' line ends gives the same lines",
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
        "slow_s": 1.224,  # runs: 1.22, 1.224, 1.229
        "fixed_s": 0.129,  # runs: 0.13, 0.129, 0.128
        "area": "python",
        "cause": "a runtime type-checking decorator whose wrapper calls inspect.signature(func).bind(...) and typing.get_type_hints(func) on every call, applied to a calibration function with five annotated parameters in a module using 'from __future__ import annotations', called for 30,000 readings: inspect.signature rebuilds a Signature (a Parameter object per parameter, inspect.py's _signature_from_function) and get_type_hints turns each string annotation into a ForwardRef, which compiles and evaluates it (typing.py, ForwardRef.__init__ and _evaluate), every call, about 37 microseconds of the 41 a call here; computing the signature and the hints once when decorating, as both depend only on the function, gives the same values and the same checks",
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
        "slow_s": 1.46,  # runs: 1.433, 1.472, 1.46
        "fixed_s": 0.022,  # runs: 0.022, 0.022, 0.022
        "area": "python",
        "cause": "the line counts of 1,500 JSONL shards taken with subprocess.run(['wc', '-l', path], capture_output=True) per file (a notebook's !wc -l habit): each call creates two pipes, forks (vfork) and execs a new process (subprocess.py, _posixsubprocess.fork_exec), waits for wc to load and start, reads its output and reaps it, about 1 ms a file here against microseconds for the counting itself; reading each file in binary and counting b'\\n' in Python gives the same counts",
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
    {
        "id": "py_sqlite_lookup_without_index",
        "slow_s": 2.033,  # runs: 2.033, 2.085, 2.011
        "fixed_s": 0.079,  # runs: 0.078, 0.079, 0.081
        "area": "python",
        "cause": "per-user totals for 300 users queried from an in-memory SQLite table of 300,000 events with SELECT COUNT(*), SUM(amount) FROM events WHERE user_id = ?, the table having no index on user_id: SQLite's query planner has no way to find the rows but a full table scan, so each of the 300 queries reads all 300,000 rows (the SQLite query-planning documentation: without an index a lookup is a full scan, O(N); with one it is a binary search, O(log N)), about 7 ms a query here; creating an index on user_id once (CREATE INDEX, included in the fixed cell's time) gives the same totals, summed in the same rowid order",
        "setup": """
import random, sqlite3
random.seed(1312)
con = sqlite3.connect(":memory:")
con.execute("CREATE TABLE events (user_id INTEGER, ts INTEGER, amount REAL)")
con.executemany("INSERT INTO events VALUES (?, ?, ?)",
                ((random.randint(1, 50_000), i, round(random.uniform(1, 200), 2)) for i in range(300_000)))
con.commit()
users = random.sample(range(1, 50_001), 300)
""",
        "slow": """
totals = {}
for u in users:
    totals[u] = con.execute("SELECT COUNT(*), SUM(amount) FROM events WHERE user_id = ?", (u,)).fetchone()
out = totals
""",
        "fixed": """
con.execute("CREATE INDEX IF NOT EXISTS idx_events_user ON events (user_id)")
totals = {}
for u in users:
    totals[u] = con.execute("SELECT COUNT(*), SUM(amount) FROM events WHERE user_id = ?", (u,)).fetchone()
out = totals
""",
        "compare": "equal",
    },
]

_BY_ID = {c["id"]: c for c in CASES}


def get(case_id: str) -> dict:
    return _BY_ID[case_id]
