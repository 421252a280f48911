"""Blind set 2: ten slow notebook cells and their fixed twins, written without reading the finding rules.

Same shape as set 1 (``score`` and ``timecases`` read ``CASES`` and ``get``): each case has a
``setup`` (run plainly, not measured), a ``slow`` cell and a ``fixed`` cell that both leave ``out``
(``compare`` says how the two must agree), and ``slow_s`` / ``fixed_s``: the cells timed plainly,
without tfplotguard, by ``python -m benchmarks.blind.timecases --set set2 --repeat 3`` (median of
3 fresh processes; 2 shared CPU cores, TensorFlow 2.21 CPU, Keras 3).
"""

from __future__ import annotations

_TF_SETUP = """
import numpy as np
import tensorflow as tf
tf.reduce_sum(tf.ones([2, 2]))
"""

CASES = [
    {
        "id": "tf_function_defined_in_loop",
        "slow_s": 1.349,
        "fixed_s": 0.116,
        "area": "tensorflow",
        "cause": "a @tf.function defined inside the loop: a new function object, so a new trace, every iteration",
        "setup": _TF_SETUP + """
x = tf.random.stateless_normal([64, 32], seed=[1, 2])
w = tf.random.stateless_normal([32, 32], seed=[3, 4])
""",
        "slow": """
total = 0.0
for step in range(40):
    @tf.function
    def layer(a):
        return tf.reduce_sum(tf.nn.relu(a @ w)) + step
    total += float(layer(x))
out = total
""",
        "fixed": """
@tf.function
def layer(a, step):
    return tf.reduce_sum(tf.nn.relu(a @ w)) + tf.cast(step, tf.float32)
total = 0.0
for step in range(40):
    total += float(layer(x, tf.constant(step)))
out = total
""",
        "compare": "allclose",
    },
    {
        "id": "tf_function_python_float_arg",
        "slow_s": 1.375,
        "fixed_s": 0.152,
        "area": "tensorflow",
        "cause": "a changing Python float passed to a tf.function: each new value is a new trace (pass a tensor)",
        "setup": _TF_SETUP + """
x = tf.random.stateless_normal([128, 64], seed=[5, 6])
@tf.function
def scaled_energy(a, temperature):
    return tf.reduce_sum(tf.nn.softmax(a / temperature) * a)
""",
        "slow": """
temps = np.linspace(0.5, 3.0, 50)
out = [float(scaled_energy(x, float(t))) for t in temps]
""",
        "fixed": """
temps = np.linspace(0.5, 3.0, 50)
out = [float(scaled_energy(x, tf.constant(t, tf.float32))) for t in temps]
""",
        "compare": "allclose",
    },
    {
        "id": "tf_variable_slice_assign_loop",
        "slow_s": 2.414,
        "fixed_s": 0.002,
        "area": "tensorflow",
        "cause": "a tf.Variable filled one row at a time with v[i].assign(...) (an eager strided-slice assign per row), instead of one assign of the whole array",
        "setup": _TF_SETUP + """
table = np.random.default_rng(8).normal(size=(4000, 16)).astype("float32")
emb = tf.Variable(tf.zeros([4000, 16]))
emb[0].assign(table[0])
""",
        "slow": """
for i in range(table.shape[0]):
    emb[i].assign(table[i] * 2.0)
out = emb.numpy()
""",
        "fixed": """
emb.assign(table * 2.0)
out = emb.numpy()
""",
        "compare": "allclose",
    },
    {
        "id": "tfdata_skip_take_per_step",
        "slow_s": 1.052,
        "fixed_s": 0.055,
        "area": "tf.data",
        "cause": "the i-th batch fetched as ds.skip(i).take(1) each step: a new iterator per step that re-reads everything before it",
        "setup": _TF_SETUP + """
data = np.arange(64000, dtype=np.float32).reshape(-1, 16)
ds = tf.data.Dataset.from_tensor_slices(data).map(lambda r: tf.sqrt(r + 1.0)).batch(32)
""",
        "slow": """
total = 0.0
for i in range(28):
    for batch in ds.skip(i).take(1):
        total += float(tf.reduce_sum(batch))
out = total
""",
        "fixed": """
total = 0.0
for batch in ds.take(28):
    total += float(tf.reduce_sum(batch))
out = total
""",
        "compare": "allclose",
    },
    {
        "id": "tf_gradient_per_example",
        "slow_s": 2.139,
        "fixed_s": 0.056,
        "area": "tensorflow",
        "cause": "input gradients (saliency) taken one example at a time with a GradientTape per row, instead of one tape over the batch",
        "setup": _TF_SETUP + """
x = tf.random.stateless_normal([800, 20], seed=[7, 8])
W1 = tf.random.stateless_normal([20, 16], seed=[9, 10])
W2 = tf.random.stateless_normal([16, 1], seed=[11, 12])
""",
        "slow": """
grads = []
for i in range(x.shape[0]):
    xi = x[i:i + 1]
    with tf.GradientTape() as tape:
        tape.watch(xi)
        yi = tf.reduce_sum(tf.tanh(xi @ W1) @ W2)
    grads.append(tape.gradient(yi, xi))
out = tf.concat(grads, axis=0).numpy()
""",
        "fixed": """
with tf.GradientTape() as tape:
    tape.watch(x)
    y = tf.reduce_sum(tf.tanh(x @ W1) @ W2)
out = tape.gradient(y, x).numpy()
""",
        "compare": "allclose",
    },
    {
        "id": "numpy_pairwise_double_loop",
        "slow_s": 1.488,
        "fixed_s": 0.04,
        "area": "numpy",
        "cause": "pairwise distances with a Python double loop calling np.linalg.norm per pair, instead of broadcasting",
        "setup": """
import numpy as np
rng = np.random.default_rng(1)
a = rng.normal(size=(580, 8))
b = rng.normal(size=(580, 8))
""",
        "slow": """
D = np.empty((len(a), len(b)))
for i in range(len(a)):
    for j in range(len(b)):
        D[i, j] = np.linalg.norm(a[i] - b[j])
out = D
""",
        "fixed": """
out = np.sqrt(((a[:, None, :] - b[None, :, :]) ** 2).sum(axis=-1))
""",
        "compare": "allclose",
    },
    {
        "id": "builtin_sum_max_on_ndarray",
        "slow_s": 1.231,
        "fixed_s": 0.005,
        "area": "numpy",
        "cause": "Python's builtin sum() and max() over a NumPy array: one NumPy scalar per element, instead of a.sum() / a.max()",
        "setup": """
import numpy as np
signal = np.random.default_rng(2).random(9_000_000)
""",
        "slow": """
out = (sum(signal), max(signal))
""",
        "fixed": """
out = (signal.sum(), signal.max())
""",
        "compare": "allclose",
    },
    {
        "id": "list_pop0_queue",
        "slow_s": 0.887,
        "fixed_s": 0.02,
        "area": "python",
        "cause": "a list used as a FIFO queue with list.pop(0): each pop shifts the whole list (quadratic); collections.deque.popleft is O(1)",
        "setup": """
jobs_src = [(i, (i * 7919) % 1000) for i in range(120_000)]
""",
        "slow": """
queue = list(jobs_src)
done = 0
while queue:
    job_id, cost = queue.pop(0)
    done += cost
out = done
""",
        "fixed": """
from collections import deque
queue = deque(jobs_src)
done = 0
while queue:
    job_id, cost = queue.popleft()
    done += cost
out = done
""",
        "compare": "equal",
    },
    {
        "id": "mpl_legend_loc_best",
        "slow_s": 1.379,
        "fixed_s": 0.218,
        "area": "matplotlib",
        "cause": "ax.legend() with the default loc='best' over 900k plotted points: finding the best place tests every vertex; name the place (here 'lower left', where 'best' puts it)",
        "setup": """
import numpy as np
import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt
rng = np.random.default_rng(5)
tt = np.linspace(0, 100, 300_000)
runs = [np.sin(tt / (k + 1)) + 0.1 * rng.normal(size=tt.size) + k for k in range(3)]
fig, ax = plt.subplots(); fig.canvas.draw(); plt.close(fig)
""",
        "slow": """
fig, ax = plt.subplots(figsize=(5, 4), dpi=80)
for k, y in enumerate(runs):
    ax.plot(tt, y, lw=0.5, label=f"run {k}")
ax.legend()
fig.canvas.draw()
out = np.asarray(fig.canvas.buffer_rgba()).copy()
plt.close(fig)
""",
        "fixed": """
fig, ax = plt.subplots(figsize=(5, 4), dpi=80)
for k, y in enumerate(runs):
    ax.plot(tt, y, lw=0.5, label=f"run {k}")
ax.legend(loc="lower left")
fig.canvas.draw()
out = np.asarray(fig.canvas.buffer_rgba()).copy()
plt.close(fig)
""",
        "compare": "image",
    },
    {
        "id": "mpl_many_line2d",
        "slow_s": 2.049,
        "fixed_s": 0.41,
        "area": "matplotlib",
        "cause": "2500 curves drawn with one ax.plot call each (2500 Line2D artists), instead of one LineCollection",
        "setup": """
import numpy as np
import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt
from matplotlib.collections import LineCollection
rng = np.random.default_rng(4)
t = np.linspace(0, 1, 100)
curves = np.cumsum(rng.normal(size=(2500, 100)), axis=1)
fig, ax = plt.subplots(); fig.canvas.draw(); plt.close(fig)
""",
        "slow": """
fig, ax = plt.subplots(figsize=(5, 4), dpi=80)
for row in curves:
    ax.plot(t, row, color="k", lw=0.5, alpha=0.1)
fig.canvas.draw()
out = np.asarray(fig.canvas.buffer_rgba()).copy()
plt.close(fig)
""",
        "fixed": """
fig, ax = plt.subplots(figsize=(5, 4), dpi=80)
segs = np.stack([np.broadcast_to(t, curves.shape), curves], axis=-1)
ax.add_collection(LineCollection(segs, colors="k", linewidths=0.5, alpha=0.1))
ax.autoscale_view()
fig.canvas.draw()
out = np.asarray(fig.canvas.buffer_rgba()).copy()
plt.close(fig)
""",
        "compare": "image",
    },
]

_BY_ID = {c["id"]: c for c in CASES}


def get(case_id: str) -> dict:
    return _BY_ID[case_id]
