"""Blind set 12: twelve slow notebook cells and their fixed twins, written without reading the finding rules.

Same shape as sets 1-11 (``score`` and ``timecases`` read ``CASES`` and ``get``): each case has a
``setup`` (run plainly, not measured), a ``slow`` cell and a ``fixed`` cell that both leave ``out``
(``compare`` says how the two must agree), and ``slow_s`` / ``fixed_s``: the cells timed plainly,
without tfplotguard, by ``python -m benchmarks.blind.timecases --set set12 --repeat 3`` (median of 3
fresh processes; 2 shared CPU cores, TensorFlow 2.21 CPU, Keras 3.15, NumPy 2.4, matplotlib 3.11,
Python 3.11), each run listed beside it. Measured 2026-12-07 11:55:51-11:57:53 UTC under
``nice -n 10`` (``uptime`` load average 1.72 before, 2.59 after; other sessions' jobs shared the
cores). Every pair agreed; the slow cells' medians were 1.20-2.46 s and the speed-ups 7.8x or more
(up to 182x). Runs of one case spread by up to 1.96x for slow cells (the fixed-width string case's
0.81-1.59 s, see below; the next widest were the thread-pool case's 1.94-2.37 s, 1.22x) and 1.9x for
fixed cells (the text-file case's 0.095-0.183 s and the protocol case's 0.027-0.050 s).

The fixed-width string case's slow cell allocates about 1 GB of large NumPy buffers, for which NumPy
asks the kernel for transparent huge pages; its time depends on how quickly the kernel can supply
them (0.77-3.2 s in single trial runs with huge pages, a steady 1.0 s in runs with transparent huge
pages switched off for the process by ``prctl``), so its runs vary more than the others.

The mix is three TensorFlow cases, one Keras, two NumPy, one matplotlib and five plain Python, not
the 1-2 Keras, 2 tf.data, 2-3 NumPy and 2 matplotlib cases asked for: the tf.data, matplotlib and
further NumPy candidates tried (listed below) either repeated a cause of sets 1-11 or fell short of
5x, while the plain-Python candidates did not.

Written blind: only sets 1-11, ``timecases`` and this package's ``__init__`` were read in this
repository; the causes come from the libraries' installed sources, their documentation and issue
trackers, each measured here before it was kept: TensorFlow (a ``tf.function`` called with a Python
list of 1,000 tensors, whose per-call argument handling, a TraceType per tensor and 1,000 flattened
inputs, ``tensorflow/python/framework/tensor.py``, was profiled here at 9.5 ms a call against 0.36 ms
for one stacked tensor; ``tf.image.extract_patches`` used for a window mean, materialising 81 copies
of every pixel where ``tf.nn.avg_pool2d`` computes the same means; ``EagerTensor.numpy()`` called on a
40 MB tensor inside a loop, which copies the whole tensor each time, ``tensorflow/python/framework/ops.py``),
Keras (``keras.backend.clear_session()`` before every prediction, which by default runs a full
``gc.collect()``, ``keras/src/backend/common/global_state.py``; measured here, 93 ms of its 0.1 s a
call is the collection), NumPy (a fixed-width ``'<U'`` array sized by one long string, against NumPy
2's ``StringDType``; ``np.linalg.solve`` broadcasting one matrix over a stack of 60,000 vectors,
refactorising it per vector, against one call with a matrix right-hand side, NumPy 2 having changed
how a 2-D ``b`` is read), matplotlib (``tricontourf`` on points that lie on a regular grid, a qhull
Delaunay triangulation of 120,000 points, ``matplotlib/tri/_triangulation.py``, against ``contourf``
on the grid) and plain Python (``ThreadPoolExecutor.map`` over microsecond tasks,
``concurrent/futures``; ``TextIOWrapper.tell()`` per line, which the io documentation calls quite
slow, python/cpython#72527; ``dataclasses.asdict``, which deep-copies every field value;
``collections.namedtuple`` called inside a per-row helper, building a class per call; ``isinstance``
against the runtime-checkable ``typing.SupportsFloat`` in Python 3.11's ``_ProtocolMeta``).

None repeats a cause of sets 1-11; the nearest are: set 2's changing Python float passed to a
``tf.function`` and set 7's dict of 200 scalar columns as a tf.data element (here one trace, but each
call binds and flattens 1,000 tensor arguments); set 4's broadcast multiply-and-sum instead of a
matmul and set 6's 31 x 31 blur kernel instead of a separable pair (here a patch-extraction op that
copies each pixel 81 times where a pooling op reads the windows in place); set 11's NumPy table
converted to a tensor on every call and set 1's iteration over a tensor's elements (here the other
direction: ``.numpy()`` copies by design); set 11's ``tf.random.set_seed`` clearing the kernel cache
per call (``clear_session`` clears it too, but that is about 5 ms of its cost; the rest is the
garbage collection); set 3's ``None`` that makes ``np.array`` pick the object dtype (here one long
string fixes the width of every element of a string array); set 7's ``tf.linalg.solve`` refactorising
the same matrix every time step and set 9's per-pixel solve loop (here a single call, whose gufunc
broadcasting repeats the factorisation for every right-hand side of an otherwise batched solve);
set 6's dropped reuse of a ``Triangulation`` (here points on a grid that need no triangulation at
all); set 1's sleep-polling wait (here per-task overhead of a thread pool); set 11's emulated gzip
seek (here the text decoder's position reconstruction); set 10's dropped ``copy.deepcopy`` timing (a
candidate, not a case); set 2's ``tf.function`` defined in a loop and set 11's lookup table rebuilt per
batch (here a Python class factory called per row); set 11's coarse ``__hash__`` (here an
``isinstance`` check whose cost is in ``typing``'s protocol machinery).

Dropped while writing (single runs, outside the set): ``np.sort(events, order='t')`` on a 1M-record
structured array against ``argsort`` of the key column and one gather (11.9x, but the mechanism,
NumPy's generic record sort comparing field by field, is set 10's ``np.unique(axis=0)`` cause); a
100 MB NumPy embedding table captured by a ``Dataset.map`` function (23 s against 0.33 s for five
epochs: every new iterator instantiates the function again with the table embedded as a constant,
0.5-0.8 s per ``iter()`` for a 25 MB table, but capturing a NumPy array as a graph constant is set 7's
cause); ``TFRecordDataset(buffer_size=64)`` (bytes, taken for records) on 12 KB records (1.7x;
``buffer_size=1`` on 150-byte records gave 10x, but is not a value users pass);
``tf.data.experimental.enable_debug_mode()`` left on (8x on a per-element map, but there is no public
call to switch it off, so no fixed cell can run in the same session); a shuffle buffer of 15,000
images against shuffling indices and gathering per batch (the same permutation, checked; 2.1x);
``tf.function(jit_compile=True)`` for a function called once (2.5x, and near set 8's XLA case);
``tf.scan`` for a running sum against ``tf.math.cumsum`` (52x, but ``tf.scan`` is the same
while-loop-with-TensorArrays machinery as set 3's ``tf.map_fn`` per image); Keras ``predict`` with
``clear_session`` per call (3.7x: ``predict``'s own per-call overhead, set 1's cause, bounds the
fixed cell, so the case uses ``predict_on_batch``); ``pcolormesh(edgecolors='face')`` (2.6x);
``agg.path.chunksize = 10000`` on a 2M-point line (1.3x); ``fill_between`` on a 2M-point smooth curve
against every 400th point (18x in one run, but ``fill_between``'s own polygon building took
0.13-0.49 s across runs and the fix is a subsample); ``fill_between`` of a noisy waveform against a
per-bin envelope (the picture differed by 24 levels); ``scatter`` with a per-point array of equal
sizes (12x, set 4's per-marker drawing cause); ``argsort`` of float16 against float32 (0.9x); a
batched ``(n, 1, 3) @ (n, 3, 1)`` matmul against ``einsum`` (1.6x); ``eigh`` against ``eigvalsh``
(1.5-3.4x, threaded LAPACK); ``queue.Queue`` as a BFS frontier against ``collections.deque`` (3.8x);
``sorted()`` on ``dataclass(order=True)`` records against an ``attrgetter`` key (3.5x). Not built as
too near earlier causes: ``random.choices(weights=...)`` per draw against ``cum_weights`` (set 9's
per-draw preprocessing of weights), ``str +=`` into a dict value (set 5's quadratic concatenation),
``next(iter(ds))`` per step (set 2's new iterator per step). Reworked after trial runs: the tensor-list
windows (256 frames in 686 calls, 5.1x with the fixed cell at 0.41 s; now 1,000 frames in 200
calls), the window-mean images (80, 0.98 s; now 120), the log lines (500,000, 1.06 s; now 650,000),
the scored batches (24, 2.8 s; now 20) and the messages (50,000 with a 1,496-character traceback,
0.57-1.79 s; now 75,000 with 1,676 characters).

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
        "id": "tf_function_given_python_list_of_tensors",
        "slow_s": 2.461,  # runs: 2.31, 2.461, 2.491
        "fixed_s": 0.244,  # runs: 0.244, 0.247, 0.244
        "area": "tensorflow",
        "cause": 'a @tf.function pool_window(frames) that stacks a window of per-frame embeddings and returns their mean and max, called for 200 sliding windows as pool_window(frame_feats[s:s + 1000]), i.e. with a Python list of 1,000 separate [64] tensors: the function is traced only once, but on every call tf.function has to bind the list, build a TraceType (a TensorSpec) for each of the 1,000 tensors and check it against the cached signature, then cast and flatten them into 1,000 separate inputs of the call (tensorflow/python/framework/tensor.py, __tf_tracing_type__, is_subtype_of, to_tensors), about 9.5 ms a call here against 0.36 ms with one tensor argument; stacking the frames once into a [5000, 64] tensor and passing slices of it gives the same pooled features',
        "setup": _TF_SETUP + """
rng = np.random.default_rng(1201)
# per-frame audio embeddings collected one frame at a time in an earlier cell: a Python list of 5,000 tensors
frame_feats = [tf.constant(v) for v in rng.normal(size=(5000, 64)).astype("float32")]
starts = range(0, 5000 - 1000, 20)                     # sliding windows of 1,000 frames
""",
        "slow": """
@tf.function
def pool_window(frames):
    x = tf.stack(frames)
    return tf.concat([tf.reduce_mean(x, axis=0), tf.reduce_max(x, axis=0)], axis=0)

out = np.stack([pool_window(frame_feats[s:s + 1000]).numpy() for s in starts])
""",
        "fixed": """
feats = tf.stack(frame_feats)                          # one [5000, 64] tensor, stacked once
@tf.function
def pool_window(x):
    return tf.concat([tf.reduce_mean(x, axis=0), tf.reduce_max(x, axis=0)], axis=0)

out = np.stack([pool_window(feats[s:s + 1000]).numpy() for s in starts])
""",
        "compare": "allclose",
    },
    {
        "id": "tf_extract_patches_for_window_mean",
        "slow_s": 2.282,  # runs: 2.176, 2.294, 2.282
        "fixed_s": 0.094,  # runs: 0.091, 0.097, 0.094
        "area": "tensorflow",
        "cause": "a 9 x 9 local-mean filter over 120 images of 128 x 128 x 3, 8 images at a time, written as tf.image.extract_patches followed by a reshape and reduce_mean over each patch: extract_patches copies every 9 x 9 neighbourhood into its own output vector, so each batch first materialises a [8, 120, 120, 243] float32 tensor (112 MB, 81 copies of every pixel) that the mean then reduces away; tf.nn.avg_pool2d(batch, ksize=9, strides=1, padding='VALID') computes the same window means directly from the input, without the patch tensor",
        "setup": _TF_SETUP + """
rng = np.random.default_rng(1202)
images = tf.constant(rng.uniform(0, 1, size=(120, 128, 128, 3)).astype("float32"))

def local_mean(batch, k=9):
    # every k x k neighbourhood as a patch, then the mean over each patch
    p = tf.image.extract_patches(batch, sizes=[1, k, k, 1], strides=[1, 1, 1, 1], rates=[1, 1, 1, 1], padding="VALID")
    p = tf.reshape(p, [-1, p.shape[1], p.shape[2], k * k, batch.shape[-1]])
    return tf.reduce_mean(p, axis=3)
""",
        "slow": """
out = np.concatenate([local_mean(images[i:i + 8]).numpy() for i in range(0, 120, 8)])
""",
        "fixed": """
def local_mean(batch, k=9):
    return tf.nn.avg_pool2d(batch, ksize=k, strides=1, padding="VALID")   # the same window means

out = np.concatenate([local_mean(images[i:i + 8]).numpy() for i in range(0, 120, 8)])
""",
        "compare": "allclose",
    },
    {
        "id": "tf_numpy_called_on_whole_tensor_per_row",
        "slow_s": 1.816,  # runs: 1.804, 1.816, 1.868
        "fixed_s": 0.01,  # runs: 0.01, 0.01, 0.013
        "area": "tensorflow",
        "cause": "a report on 200 misclassified examples that reads each example's predicted distribution as probs.numpy()[i] inside the loop, probs being a [20000, 500] float32 tensor (40 MB): EagerTensor.numpy() returns a copy of the whole tensor on every call (tensorflow/python/framework/ops.py: 'Tensors are immutable, so this method has to copy the contents', return self._numpy().copy()), so every row read costs a 40 MB copy (about 9 ms) to use 500 floats; converting once with probs_np = probs.numpy() before the loop gives the same report",
        "setup": _TF_SETUP + """
rng = np.random.default_rng(1203)
logits = tf.constant(rng.normal(size=(20_000, 500)).astype("float32"))
probs = tf.nn.softmax(logits)                                     # model outputs, a [20000, 500] tensor
labels = rng.integers(0, 500, size=20_000)
wrong = np.flatnonzero(tf.argmax(probs, axis=1).numpy() != labels)[:200]   # examples to inspect
""",
        "slow": """
report = []
for i in wrong:
    p = probs.numpy()[i]                       # this example's predicted distribution
    top5 = np.argsort(p)[::-1][:5]
    report.append((int(i), top5.tolist(), float(p[labels[i]])))
out = report
""",
        "fixed": """
probs_np = probs.numpy()                       # converted once
report = []
for i in wrong:
    p = probs_np[i]
    top5 = np.argsort(p)[::-1][:5]
    report.append((int(i), top5.tolist(), float(p[labels[i]])))
out = report
""",
        "compare": "equal",
    },
    {
        "id": "keras_clear_session_before_each_prediction",
        "slow_s": 2.322,  # runs: 2.433, 2.262, 2.322
        "fixed_s": 0.014,  # runs: 0.013, 0.014, 0.014
        "area": "keras",
        "cause": "a scoring helper that calls keras.backend.clear_session() before every model.predict_on_batch ('to free memory between predictions'), run for 20 batches of 256 rows: in Keras 3, clear_session() resets Keras's global state and TensorFlow's default graph, clears the eager kernel cache, and with its default free_memory=True runs a full gc.collect() over every object in the process (keras/src/backend/common/global_state.py, whose docstring warns that the collection may take seconds in a loop), about 0.1 s a call here with TensorFlow and Keras loaded (measured: 93 ms of it the collection) against well under 1 ms for the prediction itself; clear_session is for discarding models built in a loop, and this model is reused, so dropping the call gives the same predictions",
        "setup": _TF_SETUP + """
import keras
keras.utils.set_random_seed(1212)
model = keras.Sequential([keras.Input((32,)), keras.layers.Dense(128, activation="relu"),
                          keras.layers.Dense(64, activation="relu"), keras.layers.Dense(5, activation="softmax")])
model.predict_on_batch(np.zeros((256, 32), "float32"))        # the model was used in an earlier cell
rng = np.random.default_rng(1212)
incoming = [rng.normal(size=(256, 32)).astype("float32") for _ in range(20)]   # batches to score

def score_batch(batch):
    keras.backend.clear_session()          # "free memory between predictions"
    return model.predict_on_batch(batch)
""",
        "slow": """
out = np.concatenate([score_batch(b) for b in incoming])
""",
        "fixed": """
def score_batch(batch):
    return model.predict_on_batch(batch)

out = np.concatenate([score_batch(b) for b in incoming])
""",
        "compare": "allclose",
    },
    {
        "id": "np_unicode_array_sized_by_longest_message",
        "slow_s": 1.199,  # runs: 1.587, 1.199, 0.81
        "fixed_s": 0.041,  # runs: 0.041, 0.042, 0.04
        "area": "numpy",
        "cause": "75,000 short access-log messages (at most 26 characters) plus one 1,676-character traceback turned into np.array(messages) and counted with np.unique(log, return_counts=True): a fixed-width NumPy string array gives every element the width of the longest string, here dtype '<U1676' at 4 bytes per character, so the array takes 503 MB (6.7 KB for each 26-character message) that np.array has to fill and np.unique has to copy, sort and compare as 6.7 KB elements; NumPy 2's variable-width StringDType (np.array(messages, dtype=np.dtypes.StringDType())) stores each string at its own length and gives the same kinds and counts",
        "setup": """
import numpy as np
rng = np.random.default_rng(1205)
routes = [f"/api/v1/items/{k}" for k in range(3000)]
messages = [f"GET {routes[r]} {s}" for r, s in zip(rng.integers(0, 3000, 75_000), rng.choice([200, 200, 200, 404, 500], 75_000))]
messages[4321] = "ERROR worker crashed\\n" + "Traceback (most recent call last):\\n" + "  File \\"worker.py\\", line 88, in run\\n" * 45
""",
        "slow": """
log = np.array(messages)                       # dtype '<U' sized by the longest message
kinds, counts = np.unique(log, return_counts=True)
out = list(zip(kinds.tolist(), counts.tolist()))
""",
        "fixed": """
log = np.array(messages, dtype=np.dtypes.StringDType())    # variable-width strings
kinds, counts = np.unique(log, return_counts=True)
out = list(zip(kinds.tolist(), counts.tolist()))
""",
        "compare": "equal",
    },
    {
        "id": "np_linalg_solve_broadcast_over_rhs_stack",
        "slow_s": 1.307,  # runs: 1.262, 1.307, 1.364
        "fixed_s": 0.084,  # runs: 0.083, 0.084, 0.087
        "area": "numpy",
        "cause": 'the same 64 x 64 system A x = y solved for 60,000 measurement rows in one call, np.linalg.solve(A, Y[..., None]) (NumPy 2 treats a 2-D b as a stack of matrices, so a batch of vectors gets a trailing axis): solve is a generalised ufunc, and broadcasting A against the 60,000-long stack runs its inner loop 60,000 times, each copying A and LU-factorising it again in LAPACK gesv (O(d^3) each) to solve a single right-hand side; np.linalg.solve(A, Y.T).T factorises A once and solves the 60,000 right-hand sides as the columns of one (64, 60000) matrix, giving the same solutions',
        "setup": """
import numpy as np
rng = np.random.default_rng(1206)
d = 64
A = rng.normal(size=(d, d)) + d * np.eye(d)       # one system matrix (a calibration model)
Y = rng.normal(size=(60_000, d))                  # 60,000 measurements, one per row
""",
        "slow": """
X = np.linalg.solve(A, Y[..., None])[..., 0]     # A x = y for every row of Y
out = X
""",
        "fixed": """
X = np.linalg.solve(A, Y.T).T                     # one factorisation, 60,000 right-hand sides
out = X
""",
        "compare": "allclose",
    },
    {
        "id": "mpl_tricontourf_on_regular_grid_columns",
        "slow_s": 1.688,  # runs: 1.7, 1.688, 1.652
        "fixed_s": 0.045,  # runs: 0.044, 0.045, 0.057
        "area": "matplotlib",
        "cause": 'a field exported as long-format columns (x, y, value; 120,000 rows that lie on a regular 400 x 300 grid) drawn with ax.tricontourf(x, y, z, levels=12): given point coordinates, tricontourf builds a matplotlib.tri.Triangulation, which runs a qhull Delaunay triangulation of all 120,000 points (matplotlib/tri/_triangulation.py, _qhull.delaunay), and then contours its 238,602 triangles (a separate breakdown: 1.9 s for the triangulation, 0.24 s for the contouring); putting the columns back on their grid (np.unique of x and y, the values reshaped in lexsort order) and calling ax.contourf(xs, ys, Z) contours the quad grid directly and draws the same picture',
        "setup": _MPL_SETUP + """
# a simulation exported as long-format columns (x, y, value), one row per point of a regular 400 x 300 grid
gx, gy = np.meshgrid(np.linspace(0, 10, 400), np.linspace(0, 8, 300))
x, y = gx.ravel(), gy.ravel()
z = np.sin(x) * np.cos(y) + 0.1 * x
""",
        "slow": """
fig, ax = plt.subplots(figsize=(6, 4.5), dpi=100)
ax.tricontourf(x, y, z, levels=12)
fig.canvas.draw()
out = np.asarray(fig.canvas.buffer_rgba()).copy()
plt.close(fig)
""",
        "fixed": """
xs, ys = np.unique(x), np.unique(y)
Z = z[np.lexsort((x, y))].reshape(len(ys), len(xs))      # the columns back on their grid
fig, ax = plt.subplots(figsize=(6, 4.5), dpi=100)
ax.contourf(xs, ys, Z, levels=12)
fig.canvas.draw()
out = np.asarray(fig.canvas.buffer_rgba()).copy()
plt.close(fig)
""",
        "compare": "image",
    },
    {
        "id": "py_threadpool_map_over_tiny_tasks",
        "slow_s": 2.036,  # runs: 2.366, 2.036, 1.938
        "fixed_s": 0.148,  # runs: 0.146, 0.148, 0.156
        "area": "python",
        "cause": "a cheap pure-Python feature function (a split and four counts, a few microseconds) mapped over 150,000 reviews with ThreadPoolExecutor(max_workers=8).map to 'parallelise' it: Executor.map submits every item as its own task (a Future and a work item put on the executor's queue, concurrent/futures/thread.py and _base.py), the eight worker threads take them one at a time and hand each result back through the future's condition variable, and the GIL lets only one thread run Python code at a time, so the per-task bookkeeping and thread hand-offs (about 13 microseconds a task here) cost far more than the work; a plain list comprehension gives the same features",
        "setup": """
import random, re
from concurrent.futures import ThreadPoolExecutor
random.seed(1207)
words = ["great", "bad", "slow", "fast", "refund", "love", "broken", "ok", "price", "ship"]
reviews = [" ".join(random.choice(words) for _ in range(random.randint(4, 14))) for _ in range(150_000)]
def features(text):
    toks = text.split()
    return (len(toks), toks.count("bad") + toks.count("broken"), toks.count("great") + toks.count("love"))
""",
        "slow": """
with ThreadPoolExecutor(max_workers=8) as pool:          # "parallelise" the feature extraction
    feats = list(pool.map(features, reviews))
out = feats
""",
        "fixed": """
feats = [features(t) for t in reviews]
out = feats
""",
        "compare": "equal",
    },
    {
        "id": "py_text_file_tell_per_line",
        "slow_s": 1.382,  # runs: 1.382, 1.441, 1.36
        "fixed_s": 0.178,  # runs: 0.183, 0.178, 0.095
        "area": "python",
        "cause": "the byte offset of each of 650,000 log lines recorded with f.tell() before every f.readline() on a file opened in text mode: TextIOWrapper.tell() has to reconstruct a byte position from its decoder state, going back to the snapshot taken at the start of the current decoded chunk and re-decoding the bytes up to the current character while saving and restoring the decoder state (Modules/_io/textio.c; the io documentation's performance notes say TextIOWrapper.tell() and seek() are 'both quite slow due to the reconstruction algorithm used', python/cpython#72527); reading the file in binary mode and adding up len(line) gives the same offsets",
        "setup": """
import os, random, tempfile
random.seed(1208)
log_dir = tempfile.mkdtemp(prefix="blind12_tell_")
log_path = os.path.join(log_dir, "train.log")
with open(log_path, "w") as f:
    for i in range(650_000):
        f.write(f"2026-03-01 12:{i // 60 % 60:02d}:{i % 60:02d} INFO step={i} loss={random.random():.5f} lr=0.001\\n")
""",
        "slow": """
offsets = []                                   # byte offset of every line, for random access later
with open(log_path) as f:
    while True:
        pos = f.tell()
        line = f.readline()
        if not line:
            break
        offsets.append(pos)
out = offsets
""",
        "fixed": """
offsets = []
pos = 0
with open(log_path, "rb") as f:               # binary mode: count the bytes of each line
    for line in f:
        offsets.append(pos)
        pos += len(line)
out = offsets
""",
        "compare": "equal",
    },
    {
        "id": "py_dataclasses_asdict_per_record",
        "slow_s": 1.578,  # runs: 1.644, 1.532, 1.578
        "fixed_s": 0.092,  # runs: 0.092, 0.092, 0.085
        "area": "python",
        "cause": '200,000 prediction dataclass records (three strings, a float and a 4-tuple of ints) converted to dicts for an export with dataclasses.asdict(p): asdict recurses into every field value (dataclasses.py, _asdict_inner), rebuilding tuples element by element and passing every other value through copy.deepcopy, so each of these flat records costs eight copy.deepcopy calls and a rebuilt tuple; building a shallow dict from dataclasses.fields gives equal dicts for these records, whose values are immutable strings, numbers and a tuple of ints',
        "setup": """
import dataclasses, random
random.seed(1209)
@dataclasses.dataclass
class Prediction:
    image_id: str
    label: str
    score: float
    box: tuple
    model: str
preds = [Prediction(f"img_{i:06d}", random.choice(["cat", "dog", "car"]), random.random(),
                    (random.randint(0, 600), random.randint(0, 400), random.randint(10, 200), random.randint(10, 200)), "resnet50")
         for i in range(200_000)]
""",
        "slow": """
rows = [dataclasses.asdict(p) for p in preds]            # rows for a JSON / CSV export
out = rows
""",
        "fixed": """
names = [f.name for f in dataclasses.fields(Prediction)]
rows = [{name: getattr(p, name) for name in names} for p in preds]   # a shallow dict per record
out = rows
""",
        "compare": "equal",
    },
    {
        "id": "py_namedtuple_class_built_per_call",
        "slow_s": 1.833,  # runs: 1.886, 1.833, 1.819
        "fixed_s": 0.019,  # runs: 0.019, 0.019, 0.02
        "area": "python",
        "cause": "a parsing helper that defines Rating = namedtuple('Rating', ['user', 'item', 'score']) inside the function, called for each of 30,000 CSV lines: collections.namedtuple builds a new class on every call (it generates the source of __new__ and evals it, creates the field accessors, the docstrings and the class with type(), and looks up the caller's module with sys._getframe), tens of microseconds a call against about a microsecond for the parsing; defining the class once outside the helper gives equal tuples",
        "setup": """
import random
from collections import namedtuple
random.seed(1210)
lines = [f"u{random.randint(0, 999)},{random.randint(0, 50_000)},{random.random():.4f}" for _ in range(30_000)]
def parse_rating(line):
    Rating = namedtuple("Rating", ["user", "item", "score"])
    user, item, score = line.split(",")
    return Rating(user, int(item), float(score))
""",
        "slow": """
ratings = [parse_rating(line) for line in lines]
out = ratings
""",
        "fixed": """
Rating = namedtuple("Rating", ["user", "item", "score"])     # the class defined once
def parse_rating(line):
    user, item, score = line.split(",")
    return Rating(user, int(item), float(score))

ratings = [parse_rating(line) for line in lines]
out = ratings
""",
        "compare": "equal",
    },
    {
        "id": "py_isinstance_runtime_protocol_per_value",
        "slow_s": 1.441,  # runs: 1.618, 1.441, 1.403
        "fixed_s": 0.03,  # runs: 0.05, 0.03, 0.027
        "area": "python",
        "cause": "a messy 300,000-cell spreadsheet column turned into floats with float(v) if isinstance(v, typing.SupportsFloat) else nan: SupportsFloat is a runtime-checkable Protocol, and in Python 3.11 every isinstance against it goes through _ProtocolMeta.__instancecheck__ (typing.py), which recollects the protocol's members by walking its MRO and class dictionaries (_get_protocol_attrs, through _is_callable_members_only) and runs the ABC subclass check, and for values that fail it collects the members again and tests hasattr on the value for each, about 5 microseconds a value here; the answer depends only on the value's type for these builtin values (floats, ints, bools, strs, None and Decimals), so checking once per type gives the same floats (Python 3.12 reworked and sped up these checks)",
        "setup": """
import math, random
from decimal import Decimal
from typing import SupportsFloat
random.seed(1211)
pool = [1.5, 2, "n/a", None, Decimal("3.25"), True, "7", 4.75, -1, ""]
cells = [random.choice(pool) for _ in range(300_000)]      # a messy column from a spreadsheet
""",
        "slow": """
values = [float(v) if isinstance(v, SupportsFloat) else math.nan for v in cells]
out = values
""",
        "fixed": """
numeric = {}
def is_numeric(v):
    t = type(v)
    if t not in numeric:
        numeric[t] = isinstance(v, SupportsFloat)           # the protocol check, once per type
    return numeric[t]
values = [float(v) if is_numeric(v) else math.nan for v in cells]
out = values
""",
        "compare": "equal",
    },
]

_BY_ID = {c["id"]: c for c in CASES}


def get(case_id: str) -> dict:
    return _BY_ID[case_id]
