"""Blind set 10: twelve slow notebook cells and their fixed twins, written without reading the finding rules.

Same shape as sets 1-9 (``score`` and ``timecases`` read ``CASES`` and ``get``): each case has a
``setup`` (run plainly, not measured), a ``slow`` cell and a ``fixed`` cell that both leave ``out``
(``compare`` says how the two must agree), and ``slow_s`` / ``fixed_s``: the cells timed plainly,
without tfplotguard, by ``python -m benchmarks.blind.timecases --set set10 --repeat 3`` (median of 3
fresh processes; 2 shared CPU cores (Intel Xeon), TensorFlow 2.21 CPU, Keras 3.15, NumPy 2.4,
matplotlib 3.11, Python 3.11), each run listed beside it. Measured 2026-12-07 05:49:57-05:52:26 UTC
under ``nice -n 10`` (``uptime`` load average 1.10 before, 2.04 after; other sessions' jobs shared
the cores). Every pair agreed; the slow cells' medians were 1.60-2.61 s and the speed-ups 9.4x or
more (up to 142.4x). Runs of one case spread by up to 2.2x for slow cells (the Gouraud case's:
1.20-2.68 s, its Agg rasterisation being CPU-bound and page faults small, so apparently the shared
cores; the TFRecord case's 1.77-2.61 s next) and 3.1x for fixed cells (the unique-rows case's
0.059-0.184 s). An earlier full run of the same cells (05:46:24-05:48:54 UTC, load average 1.57
before, 1.65 after, with the Gouraud grid at 560 x 740) also agreed on every pair, with slow cells
of 1.27-2.61 s and speed-ups of 9.5x or more.

Written blind: only sets 1-9, ``timecases`` and this package's ``__init__`` were read in this
repository; the causes come from the libraries' documentation, source and issue trackers, each
measured here before it was kept: TensorFlow (``tf.ragged.constant`` walking nested Python lists in
Python, ``ragged_factory_ops._constant_value``, tensorflow/tensorflow#47853; an eager training loop
left running under ``tf.debugging.enable_check_numerics()``, whose op callback,
``debug/lib/check_numerics_callback.py``, formats a message and runs a CheckNumericsV2 op for every
floating-point output of every op), Keras (the ``mixed_float16`` global policy from the
mixed-precision guide on a CPU, where TensorFlow's float16 MatMul is Eigen's generic half path:
1,000 predictions of a 64-256-256-10 MLP, about 25 ns per float16 multiply-add), tf.data
(``CsvDataset`` parsing all 300 columns of a wide CSV to use three, where ``select_cols`` parses
only those; TFRecord ``Example`` protos decoded one by one in Python with
``tf.train.Example.FromString`` instead of ``tf.io.parse_example`` on batches), NumPy
(``np.unique(axis=0)``, which sorts rows as structured records field by field,
``lib/_arraysetops_impl.py``, numpy/numpy#15713, where one integer key per row sorts with the fast
integer sort; ``np.genfromtxt``, a Python parser, on a clean numeric CSV that ``np.loadtxt``'s C
parser reads ('a fast reader for simply formatted files'); ``np.busday_count(...,
holidays=list_of_strings)`` per row, which re-parses, sorts and filters the 1,500 holidays on every
call, where a ``np.busdaycalendar`` is built once), matplotlib (``pcolormesh(shading='gouraud')`` on
a regular grid: 933,000 triangles rasterised one at a time by Agg's ``draw_gouraud_triangles``,
where ``imshow`` with bilinear interpolation draws the same smooth field) and plain Python (a
dictionary of 300 abbreviations applied with one ``re.sub`` pass over the whole text per entry,
where one ``\\w+`` pass with a lookup function suffices; a rolling median that re-sorts its
1,001-value window at every step, where ``bisect.insort`` keeps it sorted, as the ``bisect`` docs
describe; ``difflib.SequenceMatcher`` rebuilt for each of 900 quotations against the same
20,000-word source, re-indexing the source (``__chain_b``) each time, where the difflib docs say to
``set_seq2`` the common sequence once). None repeats a cause of sets 1-9: the nearest are set 4's
``tf.convert_to_tensor`` of a list of NumPy arrays (here the ragged factory's own Python walk over
lists of ints, replaced by a flat array and row lengths), set 1's ``run_functions_eagerly`` left on
(a different switch: per-op numerics callbacks, the loop being eager by design in both cells), set
7's text cache with ``savetxt`` / ``loadtxt`` (here the choice of parser for a CSV one is given),
set 6's ``np.unique`` for label counts where ``bincount`` fits (here the structured-record sort of
``axis=0``, the fix still a sort), set 9's ``Generator.choice`` converting its list and ``p`` per
draw (here ``busday_count`` rebuilding a holiday calendar per call, fixed by the calendar object the
API provides), set 1's ``pcolor`` and set 8's many-level ``contourf`` (here Gouraud triangles), set
7's ``np.percentile`` once per quantile (here a sliding window re-sorted in pure Python), set 9's
``re`` cache thrash (here 300 patterns that all stay cached, each a full pass over the text) and set
7's ``FloatList`` built from an array (here the reading side, proto decoding in Python).

Dropped while writing (single runs, outside the set, unless said): a ``violinplot`` of 8 groups of
36,000-50,000 latencies against a binned KDE (slow cell 1.2-3.5 s in fresh processes, yet 0.28-0.30
s in two of three runs at 40,000 and with ``OPENBLAS_NUM_THREADS=1``:
``matplotlib.mlab.GaussianKDE.evaluate`` calls ``np.dot`` with the 1 x 1 inverse covariance once per
evaluation point, and OpenBLAS's threads on the shared cores, not the loop, set the time); PCA with
``np.linalg.svd``'s default ``full_matrices=True`` on 4,000-5,000 x 64 data (full 2.7-3.5 s, thin
0.02-1.07 s, and 23.7 s once with two busy processes beside it: threaded LAPACK);
``np.linalg.eigvals`` to test positive definiteness against ``np.linalg.cholesky`` (0.80 s against
0.024 s, then 12.2 s in the next run; 0.78 s single-threaded); ``sqlite3`` with a commit after each
of 2,500 inserts against one ``executemany`` transaction (2.0 s, then 9.2-10.3 s: fsync on the
virtual disk); ``imshow`` of a 3,000 x 3,000 or 5,000 x 5,000 array against one averaged down to
display size (110x, but the first draw in a fresh process took 0.35-1.57 s: first-touch memory);
``tight_layout`` after every panel of a 6 x 6 grid (8.3 s against 1.0 s; the ratio grows only
linearly with the panels, so no size gave both 1.2-3 s and 7x); ``hexbin`` with ``C`` and
``reduce_C_function=np.mean`` (1.9x), 60,000 ``errorbar`` bars against one NaN-separated line
(3.8x), pyplot interactive mode under Agg (no effect); ``np.histogram`` with an explicit uniform
edge array against ``bins=200, range=`` (the array was faster in NumPy 2.4: 0.045 against 0.084 s),
``x ** 12`` against repeated multiplication (no difference), ``np.add.at`` against ``np.bincount``
(both 9 ms: NumPy 2's fast ``ufunc.at``), big-endian ``>f8`` data (3.3x at most, for ``np.sort``),
float16 arithmetic (1.6-3.7x), ``np.select`` with 100 conditions against ``np.digitize`` (3.2x), a
prime-length FFT against a padded power of two (3.8x), a ``sliding_window_view`` moving mean against
``cumsum`` (2.9x), ``einsum(optimize=True)`` per call against a precomputed path (2x),
``Generator.permutation`` of a 2-D array against permuted indices (4.6x); tf.data
``unbatch().batch()`` against ``rebatch`` (2.2x), ``tf.print`` in a map function (1.75x),
``Dataset.reduce`` over an unbatched dataset (30x, but too near set 1's map before batch and set 3's
unbatched ``adapt``); ``conv2d`` in float64 against float32 (3.8x), eager ``tf.scan`` against the
same in a ``tf.function`` (5x), a persistent tape's gradient taken inside its context (1.03x), Keras
``steps_per_execution`` 1 against 100 (2x), ``Sequential.add`` rebuilding the model after each of
120 layers against the list constructor (5.9-8.8x, too near the 7x floor within 3 s);
``functools.cmp_to_key`` sorting (2.3x), ``json.dumps(indent=2)``, which leaves the C encoder (2x),
``copy.deepcopy`` against a pickle round trip (2.9x), ``xml.dom.minidom`` against ``ElementTree``
for a GPX track (4x), ``struct.unpack`` per value (4.4x), ``dict.setdefault`` with an eagerly
computed default as a cache (55x, but close to set 6's missing memoisation). Reworked after trial
runs: the unique rows were first (col, row) int64 pairs (5.8-10.6x: the fixed cell's int64 key
arithmetic alone took up to 0.12 s), now (day, hour, cell) int32 rows; ``genfromtxt`` was first
called without ``names``/``dtype=None`` (6.3x); the CSV had 15,000 rows (6.6x), now 20,000; the
check-numerics loop 55 steps (5.5 s under load), now 26; the TFRecord file 16,000 records (1.1 s),
then 24,000 (2.6 s), now 20,000; the Gouraud grid 520 x 690, 600 x 800 (2.8 s once) and 560 x 740
(median 1.27 s, runs 1.05-2.28 s), now 600 x 780.

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
        "id": "tf_ragged_constant_from_token_lists",
        "slow_s": 1.778,  # runs: 1.817, 1.728, 1.778
        "fixed_s": 0.071,  # runs: 0.071, 0.068, 0.073
        "area": "tensorflow",
        "cause": "40,000 tokenised reviews (Python lists of 5-79 token ids, 1.7M ids in all) turned into a RaggedTensor with tf.ragged.constant(token_lists): ragged.constant is written in Python (tensorflow/python/ops/ragged/ragged_factory_ops.py, _constant_value), walking the nested lists recursively to find the ragged rank and inner shape, then flattening them level by level before one tf.constant of the flat values, about 50 us per row (tensorflow/tensorflow#47853, 'Creating ragged tensors is incredibly slow'); counting the row lengths, flattening the ids once with np.fromiter(itertools.chain.from_iterable(token_lists)) and building the tensor with tf.RaggedTensor.from_row_lengths gives the same values and row splits",
        "setup": _TF_SETUP + """
import itertools
rng = np.random.default_rng(1001)
review_lengths = rng.integers(5, 80, size=40_000)
token_lists = [rng.integers(1, 30_000, size=n).tolist() for n in review_lengths]   # tokenised reviews, Python lists of ids
""",
        "slow": """
reviews = tf.ragged.constant(token_lists, dtype=tf.int32)
out = np.concatenate([reviews.flat_values.numpy(), reviews.row_splits.numpy()])
""",
        "fixed": """
lengths = np.fromiter((len(t) for t in token_lists), dtype=np.int64, count=len(token_lists))
flat = np.fromiter(itertools.chain.from_iterable(token_lists), dtype=np.int32, count=int(lengths.sum()))
reviews = tf.RaggedTensor.from_row_lengths(flat, lengths)
out = np.concatenate([reviews.flat_values.numpy(), reviews.row_splits.numpy()])
""",
        "compare": "allclose",
    },
    {
        "id": "tf_check_numerics_left_enabled",
        "slow_s": 2.368,  # runs: 2.368, 2.428, 2.347
        "fixed_s": 0.116,  # runs: 0.144, 0.116, 0.106
        "area": "tensorflow",
        "cause": 'an eager GradientTape training loop (a 4-layer tanh MLP, 26 steps) run after tf.debugging.enable_check_numerics(), switched on to hunt a NaN earlier in the notebook and never switched off: it registers an op callback (tensorflow/python/debug/lib/check_numerics_callback.py) through which every eagerly executed op (forward, gradient, assign) is dispatched, and for each floating-point output the callback formats an error message (op type, dtype, shape, input descriptions) and eagerly runs an extra CheckNumericsV2 op, so each step costs several times its own ops; tf.debugging.disable_check_numerics() before the loop gives the same losses and weights',
        "setup": _TF_SETUP + """
rng = np.random.default_rng(1002)
X = tf.constant(rng.normal(size=(512, 64)).astype("float32"))
Y = tf.constant(np.tanh(rng.normal(size=(512, 1))).astype("float32"))
shapes = [(64, 64), (64,), (64, 64), (64,), (64, 64), (64,), (64, 1), (1,)]
init = [(0.1 * rng.normal(size=s)).astype("float32") for s in shapes]
def forward(params, x):
    h = x
    for w, b in zip(params[0:-2:2], params[1:-2:2]):
        h = tf.tanh(h @ w + b)
    return h @ params[-2] + params[-1]
""",
        "slow": """
tf.debugging.enable_check_numerics()          # switched on while hunting a NaN earlier in the notebook
params = [tf.Variable(v) for v in init]
losses = []
for step in range(26):
    with tf.GradientTape() as tape:
        loss = tf.reduce_mean(tf.square(forward(params, X) - Y))
    grads = tape.gradient(loss, params)
    for p, g in zip(params, grads):
        p.assign_sub(0.05 * g)
    losses.append(float(loss))
out = np.concatenate([losses] + [p.numpy().ravel()[:200] for p in params])
""",
        "fixed": """
tf.debugging.disable_check_numerics()
params = [tf.Variable(v) for v in init]
losses = []
for step in range(26):
    with tf.GradientTape() as tape:
        loss = tf.reduce_mean(tf.square(forward(params, X) - Y))
    grads = tape.gradient(loss, params)
    for p, g in zip(params, grads):
        p.assign_sub(0.05 * g)
    losses.append(float(loss))
out = np.concatenate([losses] + [p.numpy().ravel()[:200] for p in params])
""",
        "compare": "allclose",
    },
    {
        "id": "keras_mixed_float16_policy_on_cpu",
        "slow_s": 2.608,  # runs: 2.626, 2.608, 2.599
        "fixed_s": 0.129,  # runs: 0.214, 0.129, 0.115
        "area": "keras",
        "cause": "predicting 1,000 samples with an MLP classifier (64-256-256-10, trained in float32) rebuilt under keras.mixed_precision.set_global_policy('mixed_float16'), the line the Keras/TensorFlow mixed-precision guide starts with, on this CPU-only machine: the Dense layers then compute in float16, and TensorFlow's CPU MatMul for float16 runs Eigen's generic half-precision path (oneDNN serves float32 and bfloat16 here, not float16, although this Xeon has AVX512-FP16), converting and multiplying element by element, about 25 ns per multiply-add where float32 takes well under 1 ns; the guide promises float16 speed-ups on NVIDIA GPUs and bfloat16 on TPUs and supporting Intel CPUs (mixed_bfloat16 measured as fast as float32 here); the default float32 policy gives the same predicted classes (the probabilities differ at float16 rounding only)",
        "setup": _KERAS_SETUP + """
rng = np.random.default_rng(1003)
centers = rng.normal(0, 4, size=(10, 64)).astype("float32")
y_train = rng.integers(0, 10, size=3000)
x_train = centers[y_train] + rng.normal(size=(3000, 64)).astype("float32")
y_test = rng.integers(0, 10, size=1000)
x_test = centers[y_test] + rng.normal(size=(1000, 64)).astype("float32")
def make_classifier():
    return keras.Sequential([
        keras.Input((64,)),
        keras.layers.Dense(256, activation="relu"),
        keras.layers.Dense(256, activation="relu"),
        keras.layers.Dense(10),
        keras.layers.Activation("softmax", dtype="float32"),
    ])
trained = make_classifier()
trained.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
trained.fit(x_train, y_train, epochs=3, batch_size=64, verbose=0)
weights = trained.get_weights()
""",
        "slow": """
keras.mixed_precision.set_global_policy("mixed_float16")     # as in the mixed-precision guide
clf = make_classifier()
clf.set_weights(weights)
out = clf.predict(x_test, batch_size=256, verbose=0).argmax(axis=1).tolist()
""",
        "fixed": """
keras.mixed_precision.set_global_policy("float32")
clf = make_classifier()
clf.set_weights(weights)
out = clf.predict(x_test, batch_size=256, verbose=0).argmax(axis=1).tolist()
""",
        "compare": "equal",
    },
    {
        "id": "tfdata_csv_all_columns_parsed",
        "slow_s": 2.55,  # runs: 2.475, 2.55, 2.631
        "fixed_s": 0.261,  # runs: 0.228, 0.276, 0.261
        "area": "tf.data",
        "cause": "a 20,000-row x 300-column sensor export read with tf.data.experimental.CsvDataset(path, [tf.float32] * 300, header=True), batched, and three columns stacked for the model: the reader converts every field of every row to float32 and each batch is a 300-component tuple of tensors, although 297 columns are thrown away; CsvDataset's select_cols argument (documented as the subset of columns to parse, tensorflow/python/data/experimental/ops/readers.py) parses only the three and gives the same array",
        "setup": _TF_SETUP + """
import os, tempfile
csv_dir = tempfile.mkdtemp(prefix="blind10_csv_")
csv_path = os.path.join(csv_dir, "plant_sensors.csv")
rng = np.random.default_rng(1004)
n_cols = 300
table = rng.normal(size=(20_000, n_cols)).round(4)
np.savetxt(csv_path, table, delimiter=",", fmt="%.4f", header=",".join(f"s{i:03d}" for i in range(n_cols)), comments="")
use = [3, 17, 150]                                   # the three sensors the model needs
""",
        "slow": """
ds = tf.data.experimental.CsvDataset(csv_path, [tf.float32] * n_cols, header=True)
ds = ds.batch(512).map(lambda *cols: tf.stack([cols[i] for i in use], axis=1))
out = np.concatenate([b.numpy() for b in ds])
""",
        "fixed": """
ds = tf.data.experimental.CsvDataset(csv_path, [tf.float32] * len(use), header=True, select_cols=use)
ds = ds.batch(512).map(lambda *cols: tf.stack(cols, axis=1))
out = np.concatenate([b.numpy() for b in ds])
""",
        "compare": "allclose",
    },
    {
        "id": "tfdata_examples_decoded_in_python",
        "slow_s": 2.603,  # runs: 1.769, 2.603, 2.605
        "fixed_s": 0.12,  # runs: 0.08, 0.12, 0.126
        "area": "tf.data",
        "cause": "20,000 serialized tf.train.Example records read back by iterating the TFRecordDataset in Python and decoding each record with tf.train.Example.FromString(raw.numpy()) and the protobuf accessors (example.features.feature['x'].float_list.value), the inspection idiom of the TFRecord tutorial: every record costs an eager iterator step, a bytes copy, a protobuf parse and Python-level field access and list conversion (about 65-95 us); batching the serialized records and decoding them with tf.io.parse_example and a feature spec parses 1,000 records per op call and gives the same features and labels",
        "setup": _TF_SETUP + """
import os, tempfile
record_dir = tempfile.mkdtemp(prefix="blind10_records_")
record_path = os.path.join(record_dir, "features.tfrecord")
rng = np.random.default_rng(1005)
n_records = 20_000
features = rng.normal(size=(n_records, 32)).astype("float32")
labels = rng.integers(0, 10, size=n_records)
with tf.io.TFRecordWriter(record_path) as writer:
    for i in range(n_records):
        example = tf.train.Example(features=tf.train.Features(feature={
            "x": tf.train.Feature(float_list=tf.train.FloatList(value=features[i].tolist())),
            "label": tf.train.Feature(int64_list=tf.train.Int64List(value=[int(labels[i])])),
            "id": tf.train.Feature(bytes_list=tf.train.BytesList(value=[f"rec{i:06d}".encode()])),
        }))
        writer.write(example.SerializeToString())
""",
        "slow": """
xs, ys = [], []
for raw in tf.data.TFRecordDataset(record_path):
    example = tf.train.Example.FromString(raw.numpy())
    xs.append(np.array(example.features.feature["x"].float_list.value, dtype=np.float32))
    ys.append(example.features.feature["label"].int64_list.value[0])
out = np.column_stack([np.stack(xs), np.array(ys)])
""",
        "fixed": """
spec = {"x": tf.io.FixedLenFeature([32], tf.float32), "label": tf.io.FixedLenFeature([], tf.int64)}
xs, ys = [], []
for batch in tf.data.TFRecordDataset(record_path).batch(1000).map(lambda r: tf.io.parse_example(r, spec)):
    xs.append(batch["x"].numpy())
    ys.append(batch["label"].numpy())
out = np.column_stack([np.concatenate(xs), np.concatenate(ys)])
""",
        "compare": "allclose",
    },
    {
        "id": "np_unique_rows_axis0",
        "slow_s": 1.744,  # runs: 1.746, 1.632, 1.744
        "fixed_s": 0.059,  # runs: 0.184, 0.059, 0.059
        "area": "numpy",
        "cause": "the distinct (day, hour, cell) combinations of 1.4M app events (an int32 array of shape (1400000, 3)) and their counts taken with np.unique(events, axis=0, return_counts=True): with an axis, np.unique views each row as one element of a structured dtype with a field per column (numpy/lib/_arraysetops_impl.py) and sorts those records with NumPy's generic comparison sort, comparing field by field through the dtype's compare function instead of its vectorised integer sort (numpy/numpy#15713, unique with axis about 10x slower; KhronosGroup/glTF-Blender-IO#2123, one sort per field); encoding each row as one int32 key ((day * 24 + hour) * 5000 + cell, which sorts in the same lexicographic order), taking np.unique of the keys and decoding them gives the same rows and counts",
        "setup": """
import numpy as np
rng = np.random.default_rng(1006)
n_events = 1_400_000
events = np.column_stack([rng.integers(0, 31, n_events), rng.integers(0, 24, n_events), rng.integers(0, 5000, n_events)]).astype(np.int32)   # (day, hour, cell) per app event
""",
        "slow": """
slots, counts = np.unique(events, axis=0, return_counts=True)
out = np.column_stack([slots, counts])
""",
        "fixed": """
keys = (events[:, 0] * 24 + events[:, 1]) * 5000 + events[:, 2]      # one int32 per row, in the same (day, hour, cell) order
uniq, counts = np.unique(keys, return_counts=True)
slots = np.column_stack([uniq // 120_000, uniq // 5000 % 24, uniq % 5000])
out = np.column_stack([slots, counts])
""",
        "compare": "allclose",
    },
    {
        "id": "np_genfromtxt_on_clean_csv",
        "slow_s": 1.602,  # runs: 1.617, 1.602, 1.595
        "fixed_s": 0.171,  # runs: 0.184, 0.169, 0.171
        "area": "numpy",
        "cause": "a clean 280,000-row x 8-column numeric CSV (one header line, no missing values) read with np.genfromtxt(path, delimiter=',', names=True, dtype=None, encoding=None), the usual idiom for a CSV with a header: genfromtxt is written in Python (numpy/lib/_npyio_impl.py), splitting each line and converting every field through StringConverter objects, and with dtype=None it first infers each column's type from the text before building a structured array; np.loadtxt, which NumPy's documentation calls 'a fast reader for simply formatted files' (a C parser since NumPy 1.23) and which it contrasts with genfromtxt's handling of missing values, reads the same numbers (the header line read separately for the names)",
        "setup": """
import os, tempfile
import numpy as np
csv_dir = tempfile.mkdtemp(prefix="blind10_np_")
csv_path = os.path.join(csv_dir, "accelerometer.csv")
rng = np.random.default_rng(1007)
np.savetxt(csv_path, rng.normal(size=(280_000, 8)), delimiter=",", fmt="%.5f", header="t,ax,ay,az,gx,gy,gz,temp", comments="")
""",
        "slow": """
data = np.genfromtxt(csv_path, delimiter=",", names=True, dtype=None, encoding=None)
out = np.column_stack([data[name] for name in data.dtype.names])
""",
        "fixed": """
with open(csv_path) as f:
    names = f.readline().strip().split(",")
data = np.loadtxt(csv_path, delimiter=",", skiprows=1)
out = data
""",
        "compare": "allclose",
    },
    {
        "id": "np_busday_count_holidays_each_call",
        "slow_s": 1.706,  # runs: 1.669, 1.706, 1.715
        "fixed_s": 0.015,  # runs: 0.014, 0.015, 0.016
        "area": "numpy",
        "cause": 'business-day durations of 7,000 support tickets computed with np.busday_count(start, end, holidays=holidays) once per ticket, holidays being a 1,500-date multi-country calendar kept as a list of date strings: on every call busday_count converts the list to datetime64 (parsing 1,500 strings), sorts it and drops duplicates and weekend dates to build its business-day calendar, about 230 us a call for one day count; np.busdaycalendar(holidays=holidays), which the NumPy docs describe as an object that efficiently stores the valid days for the busday functions, built once and passed as busdaycal= gives the same durations (as would one busday_count call over the two arrays)',
        "setup": """
import numpy as np
rng = np.random.default_rng(1008)
days = np.arange(np.datetime64("2000-01-01"), np.datetime64("2030-12-31"))
holidays = sorted(str(d) for d in rng.choice(days, size=1500, replace=False))   # a multi-country holiday calendar, as strings
opened = np.datetime64("2010-01-01") + rng.integers(0, 4000, 7000).astype("timedelta64[D]")
closed = opened + rng.integers(1, 400, 7000).astype("timedelta64[D]")
tickets = list(zip(opened, closed))
""",
        "slow": """
durations = [int(np.busday_count(start, end, holidays=holidays)) for start, end in tickets]
out = durations
""",
        "fixed": """
calendar = np.busdaycalendar(holidays=holidays)
durations = [int(np.busday_count(start, end, busdaycal=calendar)) for start, end in tickets]
out = durations
""",
        "compare": "equal",
    },
    {
        "id": "mpl_pcolormesh_gouraud_on_regular_grid",
        "slow_s": 1.78,  # runs: 2.677, 1.197, 1.78
        "fixed_s": 0.056,  # runs: 0.056, 0.053, 0.056
        "area": "matplotlib",
        "cause": "a smooth model field on a regular 600 x 780 grid drawn with ax.pcolormesh(LON, LAT, field, shading='gouraud') for smooth colours: QuadMesh.draw splits every cell into two triangles (matplotlib/collections.py, _convert_mesh_to_triangles) and Agg's draw_gouraud_triangles rasterises the 933,000 triangles one at a time, interpolating the three vertex colours across each; on a regular grid, ax.imshow with interpolation='bilinear', the grid's extent, origin='lower' and aspect='auto' draws the same smoothly interpolated picture as one resampled image",
        "setup": _MPL_SETUP + """
ny, nx = 600, 780
lon = np.linspace(0.0, 4.0, nx)
lat = np.linspace(0.0, 3.0, ny)
LON, LAT = np.meshgrid(lon, lat)
field = np.sin(2 * LON) * np.cos(3 * LAT) + 0.3 * LON          # a smooth model field on a regular grid
""",
        "slow": """
fig, ax = plt.subplots(figsize=(6, 4), dpi=100)
ax.pcolormesh(LON, LAT, field, shading="gouraud", cmap="viridis")
fig.canvas.draw()
out = np.asarray(fig.canvas.buffer_rgba()).copy()
plt.close(fig)
""",
        "fixed": """
fig, ax = plt.subplots(figsize=(6, 4), dpi=100)
ax.imshow(field, extent=(lon[0], lon[-1], lat[0], lat[-1]), origin="lower", interpolation="bilinear", cmap="viridis", aspect="auto")
fig.canvas.draw()
out = np.asarray(fig.canvas.buffer_rgba()).copy()
plt.close(fig)
""",
        "compare": "image",
    },
    {
        "id": "py_re_sub_once_per_dictionary_entry",
        "slow_s": 1.911,  # runs: 1.922, 1.911, 1.871
        "fixed_s": 0.024,  # runs: 0.024, 0.024, 0.028
        "area": "python",
        "cause": "300 abbreviations expanded in 0.55 MB of notes by calling re.sub(rf'\\b{short}\\b', full, text) once per dictionary entry: every call scans the whole text again from the start (and copies it when something matches), so the cell makes 300 full regex passes over the text, although the 300 patterns themselves stay compiled in the re module's cache; one re.sub over r'\\w+' whose replacement is a function looking each word up in the dictionary (the re docs' function-as-repl form) makes one pass and gives the same text, since no expansion is itself an abbreviation",
        "setup": """
import random, re
random.seed(1011)
syllables = ["ka", "lo", "mi", "ne", "ra", "tu", "si", "po", "de", "ba", "ge", "fu"]
def make_word():
    return "".join(random.choice(syllables) for _ in range(random.randint(2, 4)))
vocabulary = sorted({make_word() for _ in range(20_000)})
abbreviations = {w: w.upper() + "_x" for w in random.sample(vocabulary, 300)}     # short form -> expansion
notes = " ".join(random.choice(vocabulary) for _ in range(62_000))                  # 0.55 MB of clinical notes
""",
        "slow": """
text = notes
for short, full in abbreviations.items():
    text = re.sub(rf"\\b{short}\\b", full, text)
out = text
""",
        "fixed": """
text = re.sub(r"\\w+", lambda m: abbreviations.get(m.group(), m.group()), notes)
out = text
""",
        "compare": "equal",
    },
    {
        "id": "py_rolling_median_resorted_each_step",
        "slow_s": 1.956,  # runs: 1.956, 2.005, 1.938
        "fixed_s": 0.022,  # runs: 0.022, 0.021, 0.022
        "area": "python",
        "cause": "a 1,001-sample rolling median over 28,000 readings computed with sorted(window) at every step: each step re-sorts the whole window, O(w log w) comparisons of Python floats, although one value entered and one left; keeping the window in a sorted list with bisect.insort and removing the departing value with bisect_left and list.pop, the bisect module's stated purpose ('maintaining a list in sorted order without having to sort the list after each insertion'), costs O(log w) comparisons and one C memmove per step and gives the same medians",
        "setup": """
import bisect, collections, random
random.seed(1012)
signal = [random.gauss(0.0, 1.0) + (i // 5000) for i in range(28_000)]
window = 1001
""",
        "slow": """
recent = collections.deque(maxlen=window)
medians = []
for value in signal:
    recent.append(value)
    ordered = sorted(recent)
    medians.append(ordered[len(ordered) // 2])
out = medians
""",
        "fixed": """
recent = collections.deque()
ordered = []                                    # the window, kept sorted
medians = []
for value in signal:
    recent.append(value)
    bisect.insort(ordered, value)
    if len(recent) > window:
        ordered.pop(bisect.bisect_left(ordered, recent.popleft()))
    medians.append(ordered[len(ordered) // 2])
out = medians
""",
        "compare": "equal",
    },
    {
        "id": "py_sequencematcher_rebuilt_per_snippet",
        "slow_s": 1.851,  # runs: 1.851, 1.923, 1.823
        "fixed_s": 0.013,  # runs: 0.012, 0.013, 0.013
        "area": "python",
        "cause": "900 lightly edited quotations located in a 20,000-word source document with difflib.SequenceMatcher(None, quote, source).find_longest_match(): each new SequenceMatcher indexes its second sequence again (SequenceMatcher.__chain_b maps every one of the source's 20,000 words to its positions and, with autojunk, finds the popular ones, in a Python loop), although the source never changes; the difflib docs say SequenceMatcher 'computes and caches detailed information about the second sequence, so if you want to compare one sequence against many sequences, use set_seq2() to set the commonly used sequence once and call set_seq1() repeatedly'; doing that gives the same matches",
        "setup": """
import difflib, random
random.seed(1013)
syllables = ["ka", "lo", "mi", "ne", "ra", "tu", "si", "po", "de", "ba", "ge", "fu", "an", "or"]
lexicon = sorted({"".join(random.choice(syllables) for _ in range(random.randint(2, 4))) for _ in range(5000)})[:3000]
source = [random.choice(lexicon) for _ in range(20_000)]             # the source document, as words
quotes = []
for _ in range(900):                                                   # quoted passages, lightly edited
    i = random.randrange(len(source) - 12)
    passage = source[i:i + random.randint(6, 12)]
    passage[random.randrange(len(passage))] = random.choice(lexicon)
    quotes.append(passage)
""",
        "slow": """
located = [tuple(difflib.SequenceMatcher(None, quote, source).find_longest_match()) for quote in quotes]
out = located
""",
        "fixed": """
matcher = difflib.SequenceMatcher(None)
matcher.set_seq2(source)                        # indexed once
located = []
for quote in quotes:
    matcher.set_seq1(quote)
    located.append(tuple(matcher.find_longest_match()))
out = located
""",
        "compare": "equal",
    },
]

_BY_ID = {c["id"]: c for c in CASES}


def get(case_id: str) -> dict:
    return _BY_ID[case_id]
