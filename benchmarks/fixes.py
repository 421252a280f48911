"""Every rule's fix, measured: ``python -m benchmarks.fixes [--quick] [--rule ID ...] [--output FILE]``.

For every rule of the registry, one row per fix its text can show: the rule's
slow cell doing a fixed amount of work (no loop that runs for a fixed time,
whose wall time cannot show a speed-up), and the same cell with exactly the
fix the rule's text recommends applied, as a user would apply it from the text
(not a different, better rewrite). A rule whose advice is not about time (a
crash risk, memory, output volume, "nothing to do"), or that cannot be timed
here (a GPU's), gets a row that says so and why (:data:`NOT_TIMED`).

Each rule's rows run in a fresh Python process with a real IPython
``InteractiveShell`` and ``%load_ext tfplotguard``: the case's setup, one
warm-up run of both cells (traces, caches, imports), then each cell once under
``%%tfcheck --quiet`` (does the rule fire on the slow cell, with the fix text
the row applies; does it stay quiet on the fixed one), then the timing: both
cells run plain, in adjacent slow-fixed-fixed-slow blocks
(:func:`benchmarks.timing.abba`, garbage collector on as in a notebook), the
ratio of a block the fixed cell's two times over the slow cell's two, the
row's ratio the median over blocks. ``prepare`` runs untimed before every run
of either cell (fresh state: a global switch set again, figures closed).

A fix is *faster* when its ratio is at most :data:`FASTER`; at least
:data:`SLOWER` it is **slower**, a bug in the advice; between, *not faster*
(also a bug: the advice costs the user an edit for nothing). Rows of kind
``memory`` or ``output`` are measured for information (their fix is not about
time); kind ``against`` times what a rule's text advises *against*, to check
that the warning holds. Exit status 0 whatever the result (a test checks the
coverage; this reports). Writes ``benchmarks/RESULTS_fixes.md`` (machine, load,
date, versions) unless ``--quick`` or ``--rule`` (then only with ``--output``).
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import statistics
import subprocess
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from .shell import loaded_shell
from .zoo.data import KERAS_SETUP

ROOT = Path(__file__).resolve().parents[1]
RESULTS = Path(__file__).with_name("RESULTS_fixes.md")

#: A fix whose median ratio (fixed / slow) is at most this is faster; at least SLOWER, slower.
FASTER = 0.95
SLOWER = 1.05
#: Blocks (slow, fixed, fixed, slow) per row: full run, quick run.
BLOCKS = (5, 1)

REPORT = "_fixes_report"


@dataclass(frozen=True)
class Fix:
    """One fix of one rule: its slow cell and the same cell with the fix applied.

    ``expect`` is a piece of the fix text this row applies: the rule's fix on
    the slow cell must contain it (the row is about the rule's actual advice).
    ``kind``: ``speed`` (the fix must be faster), ``memory`` / ``output`` (its
    point is not time: measured for information), ``against`` (what the text
    advises against, expected slower).
    """

    rule: str
    variant: str
    expect: str
    slow: str
    fixed: str
    setup: str = ""
    prepare: str = ""
    kind: str = "speed"
    note: str = ""


@dataclass(frozen=True)
class NotTimed:
    """A fix (or a whole rule) that gets a row but no timing, and why."""

    rule: str
    variant: str
    reason: str


# -- the cells ------------------------------------------------------------------------------------

#: The zoo's Keras setup (data, a compiled model traced once), with TensorFlow imported for the cells.
_KERAS_SETUP = "import tensorflow as tf\n" + KERAS_SETUP

_MPL_SETUP = """\
import io
import numpy as np
import matplotlib.pyplot as plt
x = np.linspace(0, 6, 200)
rng = np.random.default_rng(0)
xs, ys = rng.random(1500), rng.random(1500)
"""

_IMAGES_SETUP = """\
import numpy as np
import tensorflow as tf
IMAGES = np.random.default_rng(0).normal(size=(200, 128, 128)).astype("float32")

def preprocess(image):
    for _ in range(6):
        image = tf.tanh(tf.linalg.matmul(image, image) / 128.0)
    return image

def augment(image):
    return image + tf.random.uniform(tf.shape(image), maxval=0.01)
"""

#: Enough images that a pipeline's wait passes input_bound's min_wait_s (0.15 s), below which a sequential map
#: or a missing prefetch is not named.
_MORE_IMAGES = _IMAGES_SETUP.replace("(200, 128, 128)", "(600, 128, 128)")

_ROWS_SETUP = """\
import numpy as np
import tensorflow as tf
X = np.random.default_rng(0).normal(size=(2000, 32)).astype("float32")

def rows():
    for row in X:
        yield row

def np_scale(x):
    return np.tanh(x.numpy()) * 2.0
"""

_EAGER_STEP_SETUP = """\
import tensorflow as tf
w = tf.Variable(tf.random.normal((16, 1)) * 0.1)
b = tf.Variable(tf.zeros((1,)))
xs = tf.random.normal((64, 16))
ys = tf.random.normal((64, 1))
def train_step(x, y):
    with tf.GradientTape() as tape:
        loss = tf.reduce_mean(tf.square(x @ w + b - y))
    gw, gb = tape.gradient(loss, [w, b])
    w.assign_sub(0.01 * gw)
    b.assign_sub(0.01 * gb)
    return loss
# The fix, as a user applies it: the same def, decorated (in the cell that defines it).
@tf.function
def train_step_fn(x, y):
    with tf.GradientTape() as tape:
        loss = tf.reduce_mean(tf.square(x @ w + b - y))
    gw, gb = tape.gradient(loss, [w, b])
    w.assign_sub(0.01 * gw)
    b.assign_sub(0.01 * gb)
    return loss
"""

_FILES_SETUP = """\
import os, tempfile
import numpy as np
import tensorflow as tf
_dir = tempfile.mkdtemp(prefix="fixes_")
FILES = []
_rng = np.random.default_rng(0)
for _k in range(8):
    _path = os.path.join(_dir, f"part{_k}.tfrecord")
    with tf.io.TFRecordWriter(_path) as _w:
        for _row in _rng.normal(size=(1500, 64)).astype("float32"):
            _w.write(_row.tobytes())
    FILES.append(_path)

def parse(record):
    return tf.reduce_sum(tf.io.decode_raw(record, tf.float32))
"""

#: A dataset of indices and a heavy per-element map (a 64×64 matmul): the input_bound rows on map order.
_HEAVY_MAP_SETUP = ("import tensorflow as tf\nsrc = tf.data.Dataset.range({elements})\ndef heavy(i):\n"
                    "    x = tf.random.stateless_normal([64, 64], seed=[i, i])\n"
                    "    return tf.reduce_sum(tf.linalg.matmul(x, x))\n")
_NORMALISE = ("def normalise(batch):\n    return (batch - tf.reduce_mean(batch, 0)) / "
              "(tf.math.reduce_std(batch, 0) + 1e-6)\nfor batch in batches:\n    normalise(batch)\n")


#: ``costly_idiom``'s entries read from the functions a busy line's time went through
#: (tfplotguard/check/findings/known_calls.py): name → (setup, slow cell, fixed cell, (a piece of the
#: message, the piece of the fix text the fixed cell applies)). ``tests/test_costly_idiom.py`` runs them too.
KNOWN_CALL_CASES: dict[str, tuple[str, str, str, list[str]]] = {
    "tf_map_fn_per_element": (
        "import tensorflow as tf\nimgs = tf.random.stateless_uniform([1500, 24, 24, 3], seed=[3, 1])\n",
        "small = tf.map_fn(lambda im: tf.image.resize(im, [12, 12]), imgs)\n",
        "small = tf.image.resize(imgs, [12, 12])\n",
        ["`tf.map_fn` ran its function once per element", "call the function once on the whole batch"],
    ),
    "full_jacobian_of_a_batch": (
        "import tensorflow as tf\nxs = tf.random.stateless_normal([256, 12], seed=[1, 9])\n"
        "W = tf.random.stateless_normal([12, 48], seed=[2, 9]) * 0.3\n",
        "with tf.GradientTape() as tape:\n    tape.watch(xs)\n    h = tf.tanh(xs @ W)\nJ = tape.jacobian(h, xs)\n",
        "with tf.GradientTape() as tape:\n    tape.watch(xs)\n    h = tf.tanh(xs @ W)\nJ = tape.batch_jacobian(h, xs)\n",
        ["`tape.jacobian`", "tape.batch_jacobian(y, x)"],
    ),
    "checkpoint_saved_every_batch": (
        "import numpy as np, keras, os, tempfile\nX = np.random.default_rng(0).normal(size=(4096, 8)).astype('float32')\n"
        "Y = X.sum(axis=1, keepdims=True)\nmodel = keras.Sequential([keras.Input((8,)), "
        "keras.layers.Dense(16, activation='relu'), keras.layers.Dense(1)])\n"
        "model.compile(optimizer='sgd', loss='mse')\n"
        "model.fit(X[:64], Y[:64], verbose=0)\nckpt_path = os.path.join(tempfile.mkdtemp(), 'm.weights.h5')\n",
        "saver = keras.callbacks.ModelCheckpoint(ckpt_path, save_weights_only=True, save_freq=1)\n"
        "model.fit(X, Y, batch_size=32, epochs=1, verbose=0, callbacks=[saver])\n",
        "saver = keras.callbacks.ModelCheckpoint(ckpt_path, save_weights_only=True)\n"
        "model.fit(X, Y, batch_size=32, epochs=1, verbose=0, callbacks=[saver])\n",
        ["`ModelCheckpoint` callback", "save_freq='epoch'"],
    ),
    "adapt_on_an_unbatched_dataset": (
        "import numpy as np, tensorflow as tf, keras\n"
        "tags = [f't{i % 997}' for i in range(2500)]\nrows = tf.data.Dataset.from_tensor_slices(tags)\n",
        "lookup = keras.layers.StringLookup()\nlookup.adapt(rows)\n",
        "lookup = keras.layers.StringLookup()\nlookup.adapt(rows.batch(256))\n",
        ["`adapt` read `rows` one element at a time", "batch the dataset for adapt"],
    ),
    "python_datetimes_on_an_axis": (
        "import datetime as dt\nimport numpy as np\nimport matplotlib.pyplot as plt\n"
        "t0 = dt.datetime(2024, 1, 1)\nwhen = [t0 + dt.timedelta(minutes=i) for i in range(250_000)]\n"
        "level = np.cumsum(np.random.default_rng(2).normal(size=len(when)))\n",
        "fig, ax = plt.subplots()\nax.plot(when, level, lw=0.5)\nplt.close(fig)\n",
        "when64 = np.datetime64('2024-01-01') + np.arange(len(level)) * np.timedelta64(1, 'm')\n"
        "fig, ax = plt.subplots()\nax.plot(when64, level, lw=0.5)\nplt.close(fig)\n",
        ["`dates.date2num`", "one NumPy `datetime64` array"],
    ),
    "legend_placed_best_over_many_points": (
        "import numpy as np\nimport matplotlib.pyplot as plt\nts = np.linspace(0, 50, 600_000)\n",
        "fig, ax = plt.subplots()\nfor k in range(3):\n    ax.plot(ts, np.cos(ts / (k + 1)) + k, lw=0.5, label=str(k))\n"
        "ax.legend()\nfor _ in range(3):\n    fig.canvas.draw()\nplt.close(fig)\n",
        "fig, ax = plt.subplots()\nfor k in range(3):\n    ax.plot(ts, np.cos(ts / (k + 1)) + k, lw=0.5, label=str(k))\n"
        "ax.legend(loc='upper left')\nfor _ in range(3):\n    fig.canvas.draw()\nplt.close(fig)\n",
        ["the legend searched for its 'best' place", "give the legend a fixed place"],
    ),
    "einsum_without_optimize": (
        "import numpy as np\nrng = np.random.default_rng(6)\nP, Q, R = (rng.random((150, 150)) for _ in range(3))\n",
        "M = np.einsum('ab,bc,cd->ad', P, Q, R)\n",
        "M = np.einsum('ab,bc,cd->ad', P, Q, R, optimize=True)\n",
        ["`np.einsum` without `optimize`", "pass `optimize=True`"],
    ),
    "object_array_from_a_none": (
        "import numpy as np\nraw = np.random.default_rng(8).normal(size=1_500_000).tolist()\nraw[7] = None\n",
        "a = np.array(raw)\nb = np.where(a == None, 0.0, a)\nc = (b * 1.5 + 2.0) * b\nd = c - c.mean()\n"
        "e = (d * d + d) * 0.5 - (d * 0.25 + 1.0) * d\n",
        "a = np.array(raw, dtype=float)\nb = np.where(np.isnan(a), 0.0, a)\nc = (b * 1.5 + 2.0) * b\nd = c - c.mean()\n"
        "e = (d * d + d) * 0.5 - (d * 0.25 + 1.0) * d\n",
        ["is a NumPy array of dtype object", "np.array(data, dtype=float)"],
    ),
    "integer_matrix_product": (
        "import numpy as np\ncounts = np.arange(810_000, dtype=np.int64).reshape(900, 900) % 11\n",
        "co = counts @ counts.T\n",
        "co = (counts.astype(np.float64) @ counts.T.astype(np.float64)).astype(np.int64)\n",
        ["`counts` holds integers (int64)", "multiply in floating point"],
    ),
    "debug_message_formatted_for_nothing": (
        "import logging\nimport numpy as np\nlog = logging.getLogger('tfplotguard.test.quiet')\n"
        "log.setLevel(logging.WARNING)\nstate = np.random.default_rng(3).normal(size=(3000, 48))\n",
        "for i in range(len(state)):\n    log.debug(f'state {i}: {state[i]}')\n",
        "for i in range(len(state)):\n    if log.isEnabledFor(logging.DEBUG):\n        log.debug(f'state {i}: {state[i]}')\n",
        ["`log.debug(…)` built its message", "isEnabledFor(logging."],
    ),
    "legacy_choice_without_replacement": (
        "import numpy as np\nnp.random.seed(1)\n",
        "draws = [np.random.choice(150_000, 4, replace=False) for _ in range(300)]\n",
        "rng = np.random.default_rng(1)\ndraws = [rng.choice(150_000, 4, replace=False) for _ in range(300)]\n",
        ["the legacy `np.random.choice(n, k, replace=False)`", "np.random.default_rng(seed)"],
    ),
    "windows_cut_with_flat_map": (
        "import numpy as np, tensorflow as tf\nwave = np.cos(np.linspace(0, 90, 9000)).astype('float32')\n",
        "ds = tf.data.Dataset.from_tensor_slices(wave).window(32, shift=1, drop_remainder=True)\n"
        "ds = ds.flat_map(lambda w: w.batch(32)).batch(128)\nwins = [b for b in ds]\n",
        "ds = tf.data.Dataset.from_tensor_slices(tf.signal.frame(wave, 32, 1)).batch(128)\nwins = [b for b in ds]\n",
        ["`window` + `flat_map`", "tf.signal.frame(series, window, shift, axis=0)"],
    ),
    "dataset_concatenated_in_a_loop": (
        "import numpy as np, tensorflow as tf\nrng = np.random.default_rng(3)\n"
        "pieces = [rng.normal(size=(40, 8)).astype('float32') for _ in range(160)]\n",
        "ds = tf.data.Dataset.from_tensor_slices(pieces[0])\nfor p in pieces[1:]:\n"
        "    ds = ds.concatenate(tf.data.Dataset.from_tensor_slices(p))\nrows = [b for b in ds.batch(256)]\n",
        "ds = tf.data.Dataset.from_tensor_slices(np.concatenate(pieces))\nrows = [b for b in ds.batch(256)]\n",
        ["a chain of", "from_tensor_slices(sources).flat_map(make_piece)"],
    ),
    "dataset_counted_by_reading_it": (
        "import tensorflow as tf\nsteps = tf.data.Dataset.range(30_000).map(lambda v: v + 1)\n",
        "n = len(list(steps))\n",
        "n = int(steps.cardinality())\n",
        ["counting `steps` by reading it", "cardinality()"],
    ),
    "npz_read_per_access": (
        "import numpy as np, os, tempfile\nwhere = os.path.join(tempfile.mkdtemp(), 'arr.npz')\n"
        "np.savez_compressed(where, table=np.random.default_rng(5).random((1500, 60)))\nstore = np.load(where)\n",
        "acc = 0.0\nfor i in range(250):\n    acc += store['table'][i].max()\n",
        "table = store['table']\nacc = 0.0\nfor i in range(250):\n    acc += table[i].max()\n",
        ["`store[…]` on a loaded `.npz` file", "read each array once before the loop"],
    ),
    "lists_flattened_with_sum": (
        # Several calls: one sum() holds the GIL throughout, and whether a look lands on its line is up to the scheduler.
        "chunks = [[i, -i, 2 * i] for i in range(150_000)]\ngroups = [chunks[i:i + 2500] for i in range(0, 150_000, 2500)]\n",
        "flat = []\nfor g in groups:\n    flat.extend(sum(g, []))\n",
        "import itertools\nflat = []\nfor g in groups:\n    flat.extend(itertools.chain.from_iterable(g))\n",
        ["`sum(lists, [])` concatenates by copying", "itertools.chain.from_iterable"],
    ),
    "membership_in_a_list_made_per_test": (
        "index = {f'id{i}': i for i in range(7000)}\nasked = [f'id{i}' for i in range(0, 14_000, 2)]\n",
        "found = 0\nfor a in asked:\n    if a in list(index):\n        found += 1\n",
        "found = 0\nfor a in asked:\n    if a in index:\n        found += 1\n",
        ["`… in list(…)` builds a new list at every test", "test membership in the container itself"],
    ),
    "strings_parsed_with_strptime": (
        "import datetime as dt\nstamps = [f'2024-03-{1 + i % 28:02d} {i % 24:02d}:{i % 60:02d}:00' for i in range(100_000)]\n",
        "parsed = [dt.datetime.strptime(s, '%Y-%m-%d %H:%M:%S') for s in stamps]\n",
        "import numpy as np\nparsed = np.array([s.replace(' ', 'T') for s in stamps], dtype='datetime64[s]')\n",
        ["`datetime.strptime` parsed the strings one at a time", "dtype='datetime64[s]')"],
    ),
    "a_category_axis_of_many_strings": (
        "import numpy as np\nimport matplotlib.pyplot as plt\nlabels = [f'day {i:04d}' for i in range(600)]\n"
        "vals = np.random.default_rng(1).random(600)\n",
        "fig, ax = plt.subplots()\nax.plot(labels, vals)\nfig.canvas.draw()\nplt.close(fig)\n",
        "fig, ax = plt.subplots()\nax.plot(np.arange(len(labels)), vals)\n"
        "ax.set_xticks(np.arange(0, len(labels), 100), labels[::100])\nfig.canvas.draw()\nplt.close(fig)\n",
        ["drawing the axis ticks took", "plot numeric positions and label a few"],
    ),
    "deepcopy_per_iteration": (
        "import copy\nconfig = {'layers': [{'units': i, 'w': list(range(50))} for i in range(200)]}\n",
        "snapshots = []\nfor step in range(250):\n    snap = copy.deepcopy(config)\n    snap['step'] = step\n"
        "    snapshots.append(snap)\n",
        "snapshots = []\nfor step in range(250):\n    snap = dict(config)\n    snap['step'] = step\n"
        "    snapshots.append(snap)\n",
        ["`copy.deepcopy` took", "copy only what changes"],
    ),
    "apply_along_axis_per_row": (
        "import numpy as np\nM = np.random.default_rng(2).random((150_000, 8))\n",
        "r = np.apply_along_axis(lambda row: row.max() - row.min(), 1, M)\n",
        "r = M.max(axis=1) - M.min(axis=1)\n",
        ["`np.apply_along_axis` calls its Python function once per", "write the function with whole-array operations"],
    ),
    "text_parsed_with_genfromtxt": (
        "import numpy as np, os, tempfile\nfn = os.path.join(tempfile.mkdtemp(), 't.csv')\n"
        "np.savetxt(fn, np.random.default_rng(3).random((130_000, 6)), delimiter=',')\n",
        "T = np.genfromtxt(fn, delimiter=',')\n",
        "T = np.loadtxt(fn, delimiter=',')\n",
        ["`np.genfromtxt` took", "`np.loadtxt` (parsed in C)"],
    ),
    "list_sorted_per_item": (
        "import random\nrandom.seed(0)\nincoming = [random.random() for _ in range(18_000)]\n",
        "best = []\nfor v in incoming:\n    best.append(v)\n    best.sort()\n",
        "import bisect\nbest = []\nfor v in incoming:\n    bisect.insort(best, v)\n",
        ["`best.sort()` in a loop sorts the whole list", "keep it sorted as items arrive"],
    ),
    "model_saved_per_iteration": (
        "import numpy as np, keras, os, tempfile\nd = tempfile.mkdtemp()\n"
        "m = keras.Sequential([keras.Input((8,)), keras.layers.Dense(32), keras.layers.Dense(1)])\n"
        "m.compile(optimizer='sgd', loss='mse')\nX = np.ones((64, 8), 'float32')\nm.train_on_batch(X, X[:, :1])\n",
        "for epoch in range(30):\n    m.train_on_batch(X, X[:, :1])\n    m.save(os.path.join(d, 'm.keras'))\n",
        "for epoch in range(30):\n    m.train_on_batch(X, X[:, :1])\nm.save(os.path.join(d, 'm.keras'))\n",
        ["the model was saved at every iteration", "save once after the loop"],
    ),
    "tf_scan_run_eagerly": (
        "import tensorflow as tf\nsteps = tf.random.stateless_uniform([3000], seed=[1, 1])\n",
        "running = tf.scan(lambda acc, v: acc * 0.9 + v, steps)\n",
        "running = tf.function(lambda s: tf.scan(lambda acc, v: acc * 0.9 + v, s))(steps)\n",
        ["ran outside a `tf.function`", "run it inside a `tf.function`"],
    ),
    "validation_every_epoch": (
        "import numpy as np, keras\nrng = np.random.default_rng(0)\n"
        "Xt = rng.normal(size=(1024, 16)).astype('float32')\nYt = Xt[:, :1]\n"
        "Xv = rng.normal(size=(8000, 16)).astype('float32')\nYv = Xv[:, :1]\n"
        "m = keras.Sequential([keras.Input((16,)), keras.layers.Dense(64, activation='relu'), keras.layers.Dense(1)])\n"
        "m.compile(optimizer='adam', loss='mse')\nm.fit(Xt, Yt, validation_data=(Xv[:64], Yv[:64]), verbose=0)\n",
        "h = m.fit(Xt, Yt, epochs=6, batch_size=64, validation_data=(Xv, Yv), verbose=0)\n",
        "h = m.fit(Xt, Yt, epochs=6, batch_size=64, validation_data=(Xv, Yv), validation_freq=6, verbose=0)\n",
        ["validation took", "evaluate less often"],
    ),
    "dense_scatter_saved_as_svg": (
        "import io, numpy as np\nimport matplotlib.pyplot as plt\nrng = np.random.default_rng(0)\n"
        "sx, sy = rng.random(60_000), rng.random(60_000)\n",
        "fig, ax = plt.subplots()\nax.scatter(sx, sy, s=1)\nbuf = io.BytesIO()\nfig.savefig(buf, format='svg')\n"
        "plt.close(fig)\n",
        "fig, ax = plt.subplots()\nax.scatter(sx, sy, s=1, rasterized=True)\nbuf = io.BytesIO()\n"
        "fig.savefig(buf, format='svg')\nplt.close(fig)\n",
        ["the vector (SVG / PDF / PS) output wrote every marker", "rasterize the dense artists"],
    ),
    "sqlite_commit_per_row": (
        "import sqlite3, os, tempfile\ndb = sqlite3.connect(os.path.join(tempfile.mkdtemp(), 'r.db'))\n"
        "db.execute('create table r (i integer, v real)')\n",
        "for i in range(1500):\n    db.execute('insert into r values (?, ?)', (i, i * 0.5))\n    db.commit()\n",
        "for i in range(1500):\n    db.execute('insert into r values (?, ?)', (i, i * 0.5))\ndb.commit()\n",
        ["`db.commit()` in a loop ends a transaction per iteration", "commit once after the loop"],
    ),
    "inverse_times_a_matrix": (
        "import numpy as np\nrng = np.random.default_rng(0)\nA = rng.random((1500, 1500)) + 1500 * np.eye(1500)\n"
        "B = rng.random((1500, 4))\n",
        "for _ in range(4):\n    Xs = np.linalg.inv(A) @ B\n",
        "for _ in range(4):\n    Xs = np.linalg.solve(A, B)\n",
        ["`np.linalg.inv(A) @ B` inverts the whole matrix", "solve the system directly"],
    ),
    "imshow_per_frame": (
        "import numpy as np\nimport matplotlib.pyplot as plt\nframes = np.random.default_rng(0).random((120, 120, 120))\n",
        "fig, ax = plt.subplots()\nfor fr in frames:\n    ax.imshow(fr)\nfig.canvas.draw()\nplt.close(fig)\n",
        "fig, ax = plt.subplots()\nim = ax.imshow(frames[0])\nfor fr in frames:\n    im.set_data(fr)\n"
        "fig.canvas.draw()\nplt.close(fig)\n",
        ["`ax.imshow(…)` ran 120 times in a loop", "im.set_data(frame)"],
    ),
    "split_dataset_of_a_dataset": (
        "import numpy as np, tensorflow as tf, keras\nfull = tf.data.Dataset.from_tensor_slices("
        "(np.random.default_rng(0).random((6000, 8)).astype('float32'), np.arange(6000)))\n",
        "tr, va = keras.utils.split_dataset(full, left_size=0.8)\n",
        "n = int(0.8 * int(full.cardinality()))\ntr, va = full.take(n), full.skip(n)\n",
        ["`keras.utils.split_dataset` took", "split lazily"],
    ),
    "time_distributed_dense": (
        "import numpy as np, keras\nseq = np.random.default_rng(0).random((512, 160, 6)).astype('float32')\n",
        "net = keras.Sequential([keras.Input((160, 6)), keras.layers.TimeDistributed(keras.layers.Dense(16)), "
        "keras.layers.TimeDistributed(keras.layers.Dense(1))])\nout = net.predict(seq, batch_size=256, verbose=0)\n",
        "net = keras.Sequential([keras.Input((160, 6)), keras.layers.Dense(16), keras.layers.Dense(1)])\n"
        "out = net.predict(seq, batch_size=256, verbose=0)\n",
        ["`TimeDistributed` took", "drop the `TimeDistributed` wrapper"],
    ),
    "tight_layout_per_panel": (
        "import numpy as np\nimport matplotlib.pyplot as plt\n",
        "fig, axes = plt.subplots(4, 4)\nfor i, a in enumerate(axes.flat):\n    a.plot(np.arange(10) * i)\n"
        "    a.set_title(f'panel {i}')\n    fig.tight_layout()\nfig.canvas.draw()\nplt.close(fig)\n",
        "fig, axes = plt.subplots(4, 4)\nfor i, a in enumerate(axes.flat):\n    a.plot(np.arange(10) * i)\n"
        "    a.set_title(f'panel {i}')\nfig.tight_layout()\nfig.canvas.draw()\nplt.close(fig)\n",
        ["`tight_layout()` ran at every iteration", "once, after the loop"],
    ),
    "get_weights_per_step": (
        "import numpy as np, keras\nm = keras.Sequential([keras.Input((64,)), keras.layers.Dense(256), "
        "keras.layers.Dense(256), keras.layers.Dense(10)])\n",
        "norms = []\nfor step in range(1500):\n    norms.append(sum(float(np.abs(w).sum()) for w in m.get_weights()))\n",
        "ws = m.get_weights()\nnorms = []\nfor step in range(1500):\n    norms.append(sum(float(np.abs(w).sum()) for w in ws))\n",
        ["`get_weights()` in a loop copies every weight", "read the weights once outside the loop"],
    ),
    "argsort_to_keep_ten": (
        "import numpy as np\nscores = np.random.default_rng(0).random((400, 50_000))\n",
        "best = np.sort(np.argsort(scores, axis=1)[:, -10:], axis=1)\n",
        "best = np.sort(np.argpartition(scores, -10, axis=1)[:, -10:], axis=1)\n",
        ["sorts every element to keep a few of them", "select them without sorting the rest"],
    ),
    "max_of_a_growing_list": (
        "import random\nrandom.seed(0)\nvals = [random.random() for _ in range(20_000)]\n",
        "seen = []\npeaks = 0\nfor v in vals:\n    seen.append(v)\n    if v >= max(seen):\n        peaks += 1\n",
        "best = float('-inf')\npeaks = 0\nfor v in vals:\n    if v >= best:\n        best = v\n        peaks += 1\n",
        ["`max(seen)` in a loop reads the whole of `seen`", "as items arrive (one variable updated per item"],
    ),
    "np_interp_per_value": (
        "import numpy as np\nxp = np.linspace(0, 10, 500)\nfp = np.sin(xp)\n"
        "queries = np.random.default_rng(0).random(400_000) * 10\n",
        "vals = [np.interp(q, xp, fp) for q in queries]\n",
        "vals = list(np.interp(queries, xp, fp))\n",
        ["`np.interp(…)` ran once per item of `queries`", "where it takes an array"],
    ),
    "colormap_per_value": (
        "import numpy as np\nimport matplotlib\ncm = matplotlib.colormaps['viridis']\n"
        "levels = np.random.default_rng(0).random(40_000)\n",
        "rgba = np.array([cm(v) for v in levels])\n",
        "rgba = cm(levels)\n",
        ["`cm(…)` ran once per item of `levels`", "where it takes an array"],
    ),
    "tf_inverse_to_solve": (
        "import tensorflow as tf\nA = tf.random.stateless_normal([1200, 1200], seed=[4, 2]) + 40.0 * tf.eye(1200)\n"
        "B = tf.random.stateless_normal([1200, 3], seed=[5, 2])\n",
        "for _ in range(6):\n    X = tf.linalg.inv(A) @ B\n",
        "for _ in range(6):\n    X = tf.linalg.solve(A, B)\n",
        ["`tf.linalg.inv` computed a whole inverse", "solve instead of inverting"],
    ),
    "gradient_per_source": (
        "import tensorflow as tf\nlayers = [tf.Variable(tf.random.stateless_normal([256, 256], seed=[i, 7]) * 0.06) "
        "for i in range(16)]\nx = tf.random.stateless_normal([512, 256], seed=[0, 7])\n",
        "with tf.GradientTape(persistent=True) as tape:\n    h = x\n    for w in layers:\n        h = tf.tanh(h @ w)\n"
        "    loss = tf.reduce_mean(h ** 2)\ngrads = []\nfor w in layers:\n    grads.append(tape.gradient(loss, w))\n"
        "del tape\n",
        "with tf.GradientTape() as tape:\n    h = x\n    for w in layers:\n        h = tf.tanh(h @ w)\n"
        "    loss = tf.reduce_mean(h ** 2)\ngrads = tape.gradient(loss, layers)\n",
        ["`tape.gradient(loss, …)` ran once per item of the loop", "runs the backward pass once"],
    ),
    "unique_to_count_labels": (
        "import numpy as np\nmask = np.random.default_rng(0).integers(0, 40, size=(4000, 3000))\n",
        "values, counts = np.unique(mask, return_counts=True)\n",
        "tally = np.bincount(mask.ravel())\nvalues = np.flatnonzero(tally)\ncounts = tally[values]\n",
        ["`np.unique(mask, return_counts=True)` sorts every value", "when the values are small non-negative integers"],
    ),
    "rnn_built_unrolled": (
        "import numpy as np, keras\nX = np.random.default_rng(0).normal(size=(64, 100, 8)).astype('float32')\n",
        "keras.utils.set_random_seed(0)\nmodel = keras.Sequential([keras.Input((100, 8)), "
        "keras.layers.LSTM(32, unroll=True), keras.layers.Dense(1)])\nout = model.predict(X, verbose=0)\n",
        "keras.utils.set_random_seed(0)\nmodel = keras.Sequential([keras.Input((100, 8)), "
        "keras.layers.LSTM(32), keras.layers.Dense(1)])\nout = model.predict(X, verbose=0)\n",
        ["has recurrent layers built with `unroll=True` (`lstm", "`unroll=False` (the default)"],
    ),
    "circles_made_one_by_one": (
        "import numpy as np\nimport matplotlib.pyplot as plt\nfrom matplotlib.collections import EllipseCollection, "
        "PatchCollection\nfrom matplotlib.patches import Circle\nrng = np.random.default_rng(0)\n"
        "xy = rng.random((16_000, 2))\nr = 0.002 + 0.004 * rng.random(16_000)\n",
        "fig, ax = plt.subplots()\n"
        "ax.add_collection(PatchCollection([Circle((x, y), s) for (x, y), s in zip(xy, r)], facecolor='C0'))\n"
        "fig.canvas.draw()\nplt.close(fig)\n",
        "fig, ax = plt.subplots()\nax.add_collection(EllipseCollection(2 * r, 2 * r, 0, units='xy', offsets=xy, "
        "offset_transform=ax.transData, facecolor='C0'))\nfig.canvas.draw()\nplt.close(fig)\n",
        ["`Circle` objects were made one at a time in a loop", "`EllipseCollection(2 * r, 2 * r, 0, units='xy'"],
    ),
    "array_scanned_per_item": (
        "import numpy as np\nrng = np.random.default_rng(0)\ndata = rng.normal(size=300_000)\n"
        "queries = np.linspace(-3, 3, 2_000)\n",
        "below = [(data < q).sum() for q in queries]\n",
        "below = list(np.searchsorted(np.sort(data), queries))\n",
        ["each of the 2,000 items of `queries` is combined with the whole of `data`", "answers every item at once"],
    ),
    "array_scanned_in_a_loop_body": (
        "import numpy as np\nrng = np.random.default_rng(0)\nreadings = rng.normal(size=1_000_000)\n"
        "limits = np.linspace(-3, 3, 2_000)\n",
        "exceed = []\nfor lim in limits:\n    n = np.count_nonzero(readings > lim)\n    exceed.append(n)\n",
        "exceed = list(len(readings) - np.searchsorted(np.sort(readings), limits, side='right'))\n",
        ["each of the 2,000 items of `limits` is combined with the whole of `readings`",
         "answers every item at once"],
    ),
    "predict_per_threshold": (
        _KERAS_SETUP + "model = make_model()\nX_val = np.random.default_rng(1).normal(size=(6_000, 8)).astype('float32')\n"
        "cutoffs = [0.15 * i for i in range(6)]\n",
        "hits = [int((model.predict(X_val, batch_size=512, verbose=0) > c).sum()) for c in cutoffs]\n",
        "scores = model.predict(X_val, batch_size=512, verbose=0)\nhits = [int((scores > c).sum()) for c in cutoffs]\n",
        ["`model.predict(X_val, batch_size=512, verbose=0)` ran at every iteration of the loop",
         "compute it once before the loop"],
    ),
    "loop_invariant_sort": (
        "import numpy as np\nrng = np.random.default_rng(0)\nscores = rng.normal(size=150_000)\n"
        "thresholds = np.linspace(-2, 2, 60)\n",
        "ranks = []\nfor t in thresholds:\n    ordered = np.sort(scores, kind='stable')\n"
        "    ranks.append(np.searchsorted(ordered, t))\n",
        "ordered = np.sort(scores, kind='stable')\nranks = []\nfor t in thresholds:\n"
        "    ranks.append(np.searchsorted(ordered, t))\n",
        ["`np.sort(scores, kind='stable')` ran at every iteration of the loop with the same arguments",
         "compute it once before the loop"],
    ),
    "recursion_without_memo": (
        "def paths(r, c):\n    if r == 0 or c == 0:\n        return 1\n    return paths(r - 1, c) + paths(r, c - 1)\n",
        "n = paths(13, 12)\n",
        "import functools\n@functools.cache\ndef paths_memo(r, c):\n    if r == 0 or c == 0:\n        return 1\n"
        "    return paths_memo(r - 1, c) + paths_memo(r, c - 1)\nn = paths_memo(13, 12)\n",
        ["`paths` calls itself", "memoise it: `@functools.cache` above"],
    ),
    "array_kept_as_text": (
        "import os, tempfile\nimport numpy as np\nX = np.random.default_rng(0).normal(size=(80_000, 8))\n"
        "folder = tempfile.mkdtemp()\n",
        "np.savetxt(os.path.join(folder, 'x.txt'), X)\nY = np.loadtxt(os.path.join(folder, 'x.txt'))\n",
        "np.save(os.path.join(folder, 'x.npy'), X)\nY = np.load(os.path.join(folder, 'x.npy'))\n",
        ["a text file is the slowest way to keep an array", "`np.save('x.npy', x)`"],
    ),
    "regex_repeat_in_a_repeat": (
        "import re\nlines = ['a' * 18 + '!'] * 24 + ['hello world again'] * 3000\n",
        "words = re.compile(r'^(\\w+\\s?)+$')\nok = [bool(words.match(s)) for s in lines]\n",
        "words = re.compile(r'^\\w+(?:\\s\\w+)*\\s?$')\nok = [bool(words.match(s)) for s in lines]\n",
        ["repeats a part that itself repeats", "put a required separator between the repeated parts"],
    ),
    "hist_of_a_long_list": (
        "import matplotlib\nmatplotlib.use('Agg')\nimport matplotlib.pyplot as plt\nimport numpy as np\n"
        "waits = np.random.default_rng(0).gamma(2.0, 30.0, size=250_000).tolist()\n",
        "fig, ax = plt.subplots()\nax.hist(waits, bins=100)\nplt.close(fig)\n",
        "fig, ax = plt.subplots()\nax.hist(np.asarray(waits), bins=100)\nplt.close(fig)\n",
        ["`hist` was given `waits` (250,000 values)", "ax.hist(np.asarray(values)"],
    ),
    "object_rebuilt_per_iteration": (
        "import difflib, random\nrandom.seed(5)\nwords = [f'w{random.randrange(2000)}' for _ in range(15_000)]\n"
        "queries = [words[i:i + 8] for i in range(0, 12_000, 20)]\n",
        "hits = [difflib.SequenceMatcher(None, q, words).find_longest_match() for q in queries]\n",
        "matcher = difflib.SequenceMatcher(None)\nmatcher.set_seq2(words)\nhits = []\nfor q in queries:\n"
        "    matcher.set_seq1(q)\n    hits.append(matcher.find_longest_match())\n",
        ["built a new object at each of the", "build one object from"],
    ),
    "gouraud_mesh": (
        "import numpy as np\nimport matplotlib\nmatplotlib.use('Agg')\nimport matplotlib.pyplot as plt\n"
        "x, y = np.linspace(0, 5, 700), np.linspace(0, 3, 520)\nX, Y = np.meshgrid(x, y)\n"
        "Z = np.cos(3 * X) * np.sin(2 * Y) + 0.2 * X\n",
        "fig, ax = plt.subplots(figsize=(6, 4))\nax.pcolormesh(X, Y, Z, shading='gouraud')\nfig.canvas.draw()\n"
        "plt.close(fig)\n",
        "fig, ax = plt.subplots(figsize=(6, 4))\nax.imshow(Z, extent=(x[0], x[-1], y[0], y[-1]), origin='lower', "
        "interpolation='bilinear', aspect='auto')\nfig.canvas.draw()\nplt.close(fig)\n",
        ["Agg rasterises the", "draws the same smooth field as one resampled"],
    ),
    "searchsorted_per_item_on_a_float32_array": (
        "import numpy as np\nrng = np.random.default_rng(7)\n"
        "stamps = np.sort(rng.uniform(0, 1e5, 2_000_000)).astype(np.float32)\nqueries = rng.uniform(0, 1e5, 1200)\n",
        "found = []\nfor q in queries:\n    found.append(np.searchsorted(stamps, q))\n",
        "found = list(np.searchsorted(stamps, queries))\n",
        ["read the whole of `stamps`", "call it once for all of"],
    ),
    "limits_rescanned_per_update": (
        "import numpy as np\nimport matplotlib\nmatplotlib.use('Agg')\nimport matplotlib.pyplot as plt\n"
        "ref_t = np.linspace(0, 50, 1_000_000)\nref_y = np.cos(ref_t)\n",
        "fig, ax = plt.subplots()\nax.plot(ref_t, ref_y, lw=0.5)\nlive, = ax.plot([], [])\nxs, ys = [], []\n"
        "for k in range(150):\n    xs.append(k / 3); ys.append(np.sin(k / 9))\n    live.set_data(xs, ys)\n"
        "    ax.relim(); ax.autoscale_view()\nfig.canvas.draw()\nplt.close(fig)\n",
        "fig, ax = plt.subplots()\nax.plot(ref_t, ref_y, lw=0.5)\nlive, = ax.plot([], [])\nxs, ys = [], []\n"
        "for k in range(150):\n    xs.append(k / 3); ys.append(np.sin(k / 9))\n    live.set_data(xs, ys)\n"
        "ax.relim(); ax.autoscale_view()\nfig.canvas.draw()\nplt.close(fig)\n",
        ["recomputed the data limits from every artist", "once after the loop, before the figure is drawn"],
    ),
    "members_of_a_gzip_tar_read_out_of_order": (
        "import io, random, tarfile, tempfile, os\nrandom.seed(3)\narchive = os.path.join(tempfile.mkdtemp(), 'a.tar.gz')\n"
        "with tarfile.open(archive, 'w:gz') as tar:\n    for i in range(400):\n"
        "        data = ' '.join(str(random.random()) for _ in range(300)).encode()\n"
        "        info = tarfile.TarInfo(f'm{i:04d}.txt'); info.size = len(data); tar.addfile(info, io.BytesIO(data))\n"
        "wanted = [f'm{i:04d}.txt' for i in random.sample(range(400), 400)]\n",
        "with tarfile.open(archive, 'r:gz') as tar:\n    texts = {n: tar.extractfile(n).read() for n in wanted}\n",
        "keep = set(wanted)\nwith tarfile.open(archive, 'r:gz') as tar:\n"
        "    texts = {m.name: tar.extractfile(m).read() for m in tar if m.name in keep}\n",
        ["decompresses everything up to the target again", "iterate the archive once"],
    ),
    "folder_globbed_per_item": (
        "import glob, os, tempfile\nroot = tempfile.mkdtemp()\n"
        "for i in range(1500):\n    open(os.path.join(root, f'rec{i:05d}_part{i % 3}.json'), 'w').close()\n"
        "stems = [f'rec{i:05d}' for i in range(1500)]\n",
        "found = {}\nfor stem in stems:\n    found[stem] = glob.glob(os.path.join(root, stem + '_part*.json'))[0]\n",
        "by_key = {os.path.basename(p).split('_part')[0]: p for p in glob.glob(os.path.join(root, '*'))}\n"
        "found = {}\nfor stem in stems:\n    found[stem] = by_key[stem]\n",
        ["reads every entry of the folder", "list the folder once before the loop"],
    ),
    "set_of_objects_with_a_coarse_hash": (
        "import random\nrandom.seed(4)\nclass Key:\n    __slots__ = ('user', 'day', 'item')\n"
        "    def __init__(self, user, day, item):\n        self.user, self.day, self.item = user, day, item\n"
        "    def __eq__(self, other):\n        return (self.user, self.day, self.item) == (other.user, other.day, other.item)\n"
        "    def __hash__(self):\n        return hash(self.user)\n"
        "class FullKey(Key):\n    __slots__ = ()\n    def __hash__(self):\n"
        "        return hash((self.user, self.day, self.item))\n"
        "events = [(random.randrange(5), random.randrange(60), random.randrange(500)) for _ in range(12_000)]\n",
        "distinct = {Key(*e) for e in events}\n",
        "distinct = {FullKey(*e) for e in events}\n",
        ["share a hash value", "hash the same fields `__eq__` compares"],
    ),
    "literal_eval_per_row": (
        "import ast, json\nimport numpy as np\nrng = np.random.default_rng(0)\n"
        "rows = [str(list(map(int, rng.integers(0, 30_000, size=40)))) for _ in range(8_000)]\n",
        "ids = [ast.literal_eval(r) for r in rows]\n",
        "ids = [json.loads(r) for r in rows]\n",
        ["`ast.literal_eval` took", "`json.loads(text)`"],
    ),
    "helper_copies_its_unchanged_input": (
        "import numpy as np\nrng = np.random.default_rng(2)\ngrid = np.sort(rng.uniform(0, 1e4, 1_000_000))\n"
        "queries = rng.uniform(0, 1e4, 1200)\n"
        "def nearest(q, points):\n    g = np.array(points, dtype=np.float64)\n"
        "    return g[min(np.searchsorted(g, q), len(g) - 1)]\n"
        "def nearest_asarray(q, points):\n    g = np.asarray(points, dtype=np.float64)\n"
        "    return g[min(np.searchsorted(g, q), len(g) - 1)]\n",
        "hits = [nearest(q, grid) for q in queries]\n",
        "hits = [nearest_asarray(q, grid) for q in queries]\n",
        ["ran at every iteration of the loop with the same arguments", "`np.asarray(…)` in place of `np.array(…)`"],
    ),
    "numpy_table_copied_by_each_tf_op": (
        "import numpy as np\nimport tensorflow as tf\nrng = np.random.default_rng(3)\n"
        "raw = rng.normal(size=200_000 * 64 + 16).astype(np.float32)\n"
        "start = 4 if raw.ctypes.data % 64 == 0 else 0  # a table 16 bytes off TensorFlow's 64-byte alignment\n"
        "table = raw[start:start + 200_000 * 64].reshape(200_000, 64)\n"
        "picks = rng.integers(0, 200_000, size=(150, 256))\n",
        "rows = [tf.reduce_sum(tf.gather(table, p)) for p in picks]\n",
        "table_t = tf.constant(table)\nrows = [tf.reduce_sum(tf.gather(table_t, p)) for p in picks]\n",
        ["so each call copied all of it", "convert it once before the loop"],
    ),
    "covariance_factorised_per_draw": (
        "import numpy as np\nrng = np.random.default_rng(4)\nd = 30\nM = rng.normal(size=(d, d))\n"
        "S = M @ M.T / d + np.eye(d)\nmu = np.zeros(d)\n",
        "draws = []\nfor t in range(5000):\n    draws.append(rng.multivariate_normal(mu, S))\n",
        "draws = list(rng.multivariate_normal(mu, S, size=5000))\n",
        ["a factorisation", "draw them all in one call before the loop"],
    ),
    "archive_opened_per_member": (
        "import json, os, tempfile, zipfile\npath = os.path.join(tempfile.mkdtemp(), 'labels.zip')\n"
        "with zipfile.ZipFile(path, 'w') as z:\n    for i in range(900):\n"
        "        z.writestr(f'labels/{i:05d}.json', json.dumps({'id': i, 'box': [i, i + 1, i + 2, i + 3]}))\n"
        "members = [f'labels/{i:05d}.json' for i in range(900)]\n",
        "labels = {}\nfor name in members:\n    with zipfile.ZipFile(path) as z:\n"
        "        labels[name] = json.loads(z.read(name))\n",
        "labels = {}\nwith zipfile.ZipFile(path) as z:\n    for name in members:\n"
        "        labels[name] = json.loads(z.read(name))\n",
        ["from the same arguments", "build it once before the loop and use that one object"],
    ),
    "protocol_checked_per_value": (
        "import io\nfrom typing import Protocol, runtime_checkable\n@runtime_checkable\nclass Closable(Protocol):\n"
        "    def close(self) -> None: ...\nitems = [io.BytesIO(), 3, 'a', None, 2.5] * 20_000\n"
        "answer = {}\ndef is_closable(x):\n    t = type(x)\n    if t not in answer:\n"
        "        answer[t] = isinstance(x, Closable)\n    return answer[t]\n",
        "closable = [x for x in items if isinstance(x, Closable)]\n",
        "closable = [x for x in items if is_closable(x)]\n",
        ["a runtime-checkable Protocol", "a dict from `type(v)` to the check's result"],
    ),
    "text_file_told_per_line": (
        "import os, tempfile\npath = os.path.join(tempfile.mkdtemp(), 'rows.csv')\nwith open(path, 'w') as f:\n"
        "    for i in range(200_000):\n        f.write(f'{i},{i * 0.25:.2f},sample_{i % 97}\\n')\n",
        "starts = []\nwith open(path) as f:\n    while True:\n        at = f.tell()\n        row = f.readline()\n"
        "        if not row:\n            break\n        starts.append(at)\n",
        "starts = []\nat = 0\nwith open(path, 'rb') as f:\n    for row in f:\n        starts.append(at)\n"
        "        at += len(row)\n",
        ["on a file opened in text mode", "open the file in binary mode"],
    ),
    "pool_task_per_item": (
        "import math\nfrom concurrent.futures import ThreadPoolExecutor\nvalues = list(range(60_000))\n",
        "with ThreadPoolExecutor(4) as pool:\n    roots = list(pool.map(math.sqrt, values))\n",
        "roots = [math.sqrt(v) for v in values]\n",
        ["a worker for each item", "`chunksize` has no effect on a thread pool"],
    ),
    "list_of_tensors_to_a_function": (
        "import numpy as np\nimport tensorflow as tf\nrng = np.random.default_rng(0)\n"
        "rows = [tf.constant(v) for v in rng.normal(size=(3000, 32)).astype('float32')]\n"
        "@tf.function\ndef spread(xs):\n    x = tf.stack(xs)\n    return tf.reduce_max(x, axis=0) - tf.reduce_min(x, axis=0)\n"
        "@tf.function\ndef spread_of(x):\n    return tf.reduce_max(x, axis=0) - tf.reduce_min(x, axis=0)\n",
        "out = [spread(rows[s:s + 500]) for s in range(0, 2500, 25)]\n",
        "stacked = tf.stack(rows)\nout = [spread_of(stacked[s:s + 500]) for s in range(0, 2500, 25)]\n",
        ["each tensor of the list is a separate input", "stack the list once, before the loop"],
    ),
    "patches_then_reduced": (
        "import numpy as np\nimport tensorflow as tf\n"
        "images = tf.constant(np.random.default_rng(0).uniform(size=(96, 96, 96, 3)).astype('float32'))\n",
        "means = []\nfor s in range(0, 96, 8):\n"
        "    p = tf.image.extract_patches(images[s:s + 8], sizes=[1, 7, 7, 1], strides=[1, 1, 1, 1], rates=[1, 1, 1, 1], "
        "padding='VALID')\n    means.append(tf.reduce_mean(tf.reshape(p, [8, 90, 90, 49, 3]), axis=3))\n",
        "means = []\nfor s in range(0, 96, 8):\n"
        "    means.append(tf.nn.avg_pool2d(images[s:s + 8], ksize=7, strides=1, padding='VALID'))\n",
        ["copied every window into a vector of its own", "computes the same per-window"],
    ),
    "asdict_per_record": (
        "import dataclasses\n@dataclasses.dataclass\nclass Reading:\n    sensor: str\n    unit: str\n    value: float\n"
        "    at: tuple\nreadings = [Reading(f's{i % 50}', 'degC', i * 0.01, (2026, 1, 1 + i % 28, i % 24)) "
        "for i in range(100_000)]\nnames = [f.name for f in dataclasses.fields(Reading)]\n",
        "records = [dataclasses.asdict(r) for r in readings]\n",
        "records = [{n: getattr(r, n) for n in names} for r in readings]\n",
        ["passing every other value through `copy.deepcopy`", "a shallow conversion gives equal results"],
    ),
    "class_built_per_call": (
        "from collections import namedtuple\nrecords = [(i, i * 0.5, f'r{i}') for i in range(25_000)]\n"
        "def to_point(r):\n    Point = namedtuple('Point', ['x', 'y', 'label'])\n    return Point(*r)\n"
        "Point = namedtuple('Point', ['x', 'y', 'label'])\ndef to_point_once(r):\n    return Point(*r)\n",
        "points = [to_point(r) for r in records]\n",
        "points = [to_point_once(r) for r in records]\n",
        ["built a new class in `to_point`", "define the class once, at the top level"],
    ),
    "quantile_per_level": (
        "import numpy as np\nrng = np.random.default_rng(0)\nreturns = rng.standard_t(4, size=600_000)\n"
        "levels = np.linspace(0.01, 0.99, 60)\n",
        "var = [np.quantile(returns, a) for a in levels]\n",
        "var = list(np.quantile(returns, levels))\n",
        ["`np.quantile` copies and partially sorts all of `returns` at every call", "takes a sequence"],
    ),
    "solve_refactorised_per_step": (
        "import numpy as np\nimport tensorflow as tf\nn = 1000\n"
        "K = tf.constant(np.eye(n) * 4 - np.eye(n, k=1) - np.eye(n, k=-1), tf.float32)\nr0 = tf.ones((n, 1))\n",
        "r = r0\nfor step in range(30):\n    r = tf.linalg.solve(K, r)\n",
        "lu, perm = tf.linalg.lu(K)\nr = r0\nfor step in range(30):\n    r = tf.linalg.lu_solve(lu, perm, r)\n",
        ["`tf.linalg.solve` factorises `K`", "`tf.linalg.lu_solve(lu, perm, "],
    ),
    "right_hand_sides_solved_one_by_one": (
        "import numpy as np\nrng = np.random.default_rng(0)\nA = rng.normal(size=(500, 500)) + 500 * np.eye(500)\n"
        "rhs = rng.normal(size=(120, 500))\n",
        "xs = [np.linalg.solve(A, b) for b in rhs]\n",
        "xs = list(np.linalg.solve(A, rhs.T).T)\n",
        ["`np.linalg.solve` factorises `A`", "solve them all in one call"],
    ),
    "queries_scored_one_by_one": (
        "import numpy as np\nrng = np.random.default_rng(0)\n"
        "emb = rng.normal(size=(200_000, 128)).astype('float32')\nqueries = rng.normal(size=(150, 128)).astype('float32')\n",
        "scores = [np.dot(emb, q) for q in queries]\n",
        "scores = list(np.dot(emb, queries.T).T)\n",
        ["`np.dot` read the whole of `emb` (200,000 rows)", "call it once for all of `"],
    ),
    "regex_patterns_beyond_the_cache": (
        "import re\nterms = [rf'\\bitem{i}s?\\b' for i in range(700)]\n"
        "texts = [' '.join(f'item{(7 * k + j) % 900}' for j in range(12)) for k in range(40)]\n",
        "hits = [[p for p in terms if re.search(p, t)] for t in texts]\n",
        "compiled = [re.compile(p) for p in terms]\nhits = [[c.pattern for c in compiled if c.search(t)] for t in texts]\n",
        ["`re` compiled the pattern again at the calls", "compile each pattern once before the loop"],
    ),
    "statistics_on_float_lists": (
        "import statistics\nimport numpy as np\nrng = np.random.default_rng(0)\n"
        "series = [rng.normal(size=20_000).tolist() for _ in range(32)]\n",
        "summary = [(statistics.mean(s), statistics.stdev(s)) for s in series]\n",
        "summary = [(a.mean(), a.std(ddof=1)) for a in map(np.asarray, series)]\n",
        ["the `statistics` module took", "`a.std(ddof=1)`"],
    ),
    "caller_name_from_inspect_stack": (
        "import inspect, sys\ndef who():\n    return inspect.stack()[1].function\n"
        "def who_fast():\n    return sys._getframe(1).f_code.co_name\ndef work(f):\n    return f()\n",
        "names = [work(who) for _ in range(150)]\n",
        "names = [work(who_fast) for _ in range(150)]\n",
        ["`inspect.stack()` took", "`sys._getframe(1)`"],
    ),
    "per_example_gradients_summed": (
        "import numpy as np, tensorflow as tf\nrng = np.random.default_rng(0)\n"
        "X = tf.constant(rng.normal(size=(300, 64)).astype('float32'))\n"
        "Y = tf.constant(rng.integers(0, 2, size=(300, 1)).astype('float32'))\n"
        "w0, b0 = rng.normal(size=(64, 1)).astype('float32') * 0.1, np.zeros(1, 'float32')\n",
        "w, b = tf.Variable(w0), tf.Variable(b0)\nfor step in range(4):\n    with tf.GradientTape() as tape:\n"
        "        losses = tf.nn.sigmoid_cross_entropy_with_logits(Y, X @ w + b)[:, 0]\n"
        "    per_ex = tape.jacobian(losses, [w, b])\n    grads = [tf.reduce_sum(g, axis=0) / 300 for g in per_ex]\n"
        "    w.assign_sub(0.5 * grads[0])\n    b.assign_sub(0.5 * grads[1])\n",
        "w, b = tf.Variable(w0), tf.Variable(b0)\nfor step in range(4):\n    with tf.GradientTape() as tape:\n"
        "        losses = tf.nn.sigmoid_cross_entropy_with_logits(Y, X @ w + b)[:, 0]\n"
        "        loss = tf.reduce_mean(losses)\n"
        "    grads = tape.gradient(loss, [w, b])\n"
        "    w.assign_sub(0.5 * grads[0])\n    b.assign_sub(0.5 * grads[1])\n",
        ["`tape.jacobian(losses, [w, b])`", "ask for the gradient of the mean (or sum) directly"],
    ),
    "coverage_recomputed_after_one_cell": (
        "import numpy as np\nrng = np.random.default_rng(0)\ngrid = np.zeros((200, 200))\n"
        "cells = rng.integers(0, 200, size=(20_000, 2)).tolist()\n"
        "def coverage(g):\n    return float((g > 0).mean())\n",
        "g = grid.copy()\ntrace = []\nfor i, j in cells:\n    g[i, j] += 1.0\n    trace.append(coverage(g))\n",
        "g = grid.copy()\ncovered = int((g > 0).sum())\ntrace = []\nfor i, j in cells:\n    covered += int(g[i, j] == 0)\n"
        "    g[i, j] += 1.0\n    trace.append(covered / g.size)\n",
        ["`coverage(g)` read the whole of `g` (40,000 elements)", "update it: compute the change the element makes"],
    ),
    "small_solve_per_item": (
        "import numpy as np\nrng = np.random.default_rng(0)\nn = 150_000\n"
        "a, d = 2 + rng.random(n), 2 + rng.random(n)\nc, r0, r1 = rng.random(n), rng.normal(size=n), rng.normal(size=n)\n",
        "x = np.empty((n, 2))\nfor k in range(n):\n    A = np.array([[a[k], c[k]], [c[k], d[k]]])\n"
        "    b = np.array([r0[k], r1[k]])\n    x[k] = np.linalg.solve(A, b)\n",
        "A = np.stack([np.stack([a, c], axis=-1), np.stack([c, d], axis=-1)], axis=-2)\n"
        "x = np.linalg.solve(A, np.stack([r0, r1], axis=-1)[..., None])[..., 0]\n",
        ["`np.linalg.solve` ran once per iteration of the loop on one 2×2 matrix",
         "NumPy's linalg functions take a stack of matrices"],
    ),
    "list_converted_per_draw": (
        "import numpy as np\nrng = np.random.default_rng(0)\nwords = [f'w{i}' for i in range(5_000)]\n",
        "rng = np.random.default_rng(1)\npicked = [rng.choice(words) for _ in range(2_500)]\n",
        "rng = np.random.default_rng(1)\nwords_array = np.asarray(words)\n"
        "picked = [rng.choice(words_array) for _ in range(2_500)]\n",
        ["`rng.choice(…)` was given `words`, a Python list of 5,000 items", "convert it once before the loop"],
    ),
    "fft_per_segment": (
        "import numpy as np\nsignal = np.random.default_rng(0).normal(size=64 * 120_000)\nn_seg = 120_000\n",
        "spectra = np.empty((n_seg, 33), complex)\nfor k in range(n_seg):\n    seg = signal[k * 64:(k + 1) * 64]\n"
        "    spectra[k] = np.fft.rfft(seg)\n",
        "spectra = np.fft.rfft(signal[:n_seg * 64].reshape(n_seg, 64), axis=-1)\n",
        ["`np.fft.rfft(…)` ran once per iteration of the loop (120,000 iterations", "call it once on the whole of"],
    ),
    "scatter_zoomed_past_its_points": (
        "import numpy as np\nimport matplotlib.pyplot as plt\nrng = np.random.default_rng(0)\n"
        "x, y, c = rng.uniform(0, 100, 250_000), rng.uniform(0, 100, 250_000), rng.random(250_000)\n",
        "fig, ax = plt.subplots()\nax.scatter(x, y, c=c, s=4)\nax.set_xlim(40, 42)\nax.set_ylim(0, 100)\n"
        "fig.canvas.draw()\nplt.close(fig)\n",
        "keep = (x >= 39.5) & (x <= 42.5)\nfig, ax = plt.subplots()\n"
        "ax.scatter(x[keep], y[keep], c=c[keep], s=4, vmin=c.min(), vmax=c.max())\nax.set_xlim(40, 42)\n"
        "ax.set_ylim(0, 100)\nfig.canvas.draw()\nplt.close(fig)\n",
        ["250,000 scatter points", "select the points inside the limits before plotting"],
    ),
    "acorr_of_a_long_series": (
        "import numpy as np\nimport matplotlib.pyplot as plt\n"
        "x = np.random.default_rng(0).poisson(20, 40_000).astype(np.int64)\nm = 100\n",
        "fig, ax = plt.subplots()\nax.acorr(x, maxlags=m)\nfig.canvas.draw()\nplt.close(fig)\n",
        "c = np.array([np.dot(x[k:], x[:len(x) - k]) for k in range(m + 1)])\n"
        "ac = np.concatenate([c[:0:-1], c]) / np.dot(x, x)\nfig, ax = plt.subplots()\n"
        "ax.vlines(np.arange(-m, m + 1), [0], ac)\nax.axhline()\nfig.canvas.draw()\nplt.close(fig)\n",
        ["computes the correlation at every lag", "compute only the lags drawn"],
    ),
    "unique_rows_counted": (
        "import numpy as np\nrng = np.random.default_rng(0)\n"
        "pairs = np.stack([rng.integers(0, 50, 600_000), rng.integers(0, 400, 600_000)], axis=1)\n",
        "rows, counts = np.unique(pairs, axis=0, return_counts=True)\n",
        "dims = pairs.max(axis=0) + 1\nkeys = np.ravel_multi_index(pairs.T, dims)\n"
        "uniq, counts = np.unique(keys, return_counts=True)\nrows = np.stack(np.unravel_index(uniq, dims), axis=1)\n",
        ["`np.unique(pairs, axis=…)` counts whole rows", "encode each row as one integer key"],
    ),
    "busday_holidays_per_call": (
        "import numpy as np\nrng = np.random.default_rng(0)\n"
        "holidays = [str(d) for d in np.datetime64('2015-01-01') + rng.integers(0, 4000, 1500)]\n"
        "starts = np.datetime64('2020-01-01') + rng.integers(0, 300, 4000)\nends = starts + rng.integers(1, 60, 4000)\n",
        "days = [np.busday_count(a, b, holidays=holidays) for a, b in zip(starts, ends)]\n",
        "cal = np.busdaycalendar(holidays=holidays)\n"
        "days = [np.busday_count(a, b, busdaycal=cal) for a, b in zip(starts, ends)]\n",
        ["built its business-day calendar from `holidays` (1,500 dates) at every call",
         "build the calendar once before the loop"],
    ),
    "rolling_quantile_resorted": (
        "import bisect, collections, random\nrandom.seed(0)\nstream = [random.random() for _ in range(8_000)]\n",
        "recent = collections.deque(maxlen=1500)\np90 = []\nfor v in stream:\n    recent.append(v)\n"
        "    ordered = sorted(recent)\n    p90.append(ordered[int(0.9 * (len(ordered) - 1))])\n",
        "recent, ordered, p90 = collections.deque(), [], []\nfor v in stream:\n    recent.append(v)\n"
        "    bisect.insort(ordered, v)\n    if len(recent) > 1500:\n"
        "        ordered.pop(bisect.bisect_left(ordered, recent.popleft()))\n"
        "    p90.append(ordered[int(0.9 * (len(ordered) - 1))])\n",
        ["`sorted(recent)` read the whole window `recent`", "update the result with the item that entered"],
    ),
    "regex_pass_per_table_entry": (
        "import random, re, string\nrandom.seed(0)\n"
        "words = sorted({''.join(random.choices(string.ascii_lowercase, k=6)) for _ in range(5_000)})\n"
        "table = {w: w.upper() + '_x' for w in random.sample(words, 200)}\n"
        "text = ' '.join(random.choice(words) for _ in range(50_000))\n",
        "out = text\nfor short, full in table.items():\n    out = re.sub(rf'\\b{short}\\b', full, out)\n",
        "out = re.sub(r'\\b\\w+\\b', lambda m: table.get(m.group(), m.group()), text)\n",
        ["made a pass over the whole of `out`", "make one pass for all the items"],
    ),
    "ragged_constant_of_token_lists": (
        "import itertools, random\nimport numpy as np\nimport tensorflow as tf\nrandom.seed(0)\n"
        "rows = [[random.randrange(30_000) for _ in range(random.randint(3, 40))] for _ in range(25_000)]\n",
        "rt = tf.ragged.constant(rows, dtype=tf.int32)\n",
        "lengths = [len(r) for r in rows]\n"
        "flat = np.fromiter(itertools.chain.from_iterable(rows), dtype=np.int32, count=sum(lengths))\n"
        "rt = tf.RaggedTensor.from_row_lengths(flat, lengths)\n",
        ["`tf.ragged.constant` walked the nested Python lists in Python", "flatten once and build from the row lengths"],
    ),
    "running_mean_of_a_growing_list": (
        "import numpy as np\nrng = np.random.default_rng(0)\nstream = rng.normal(size=8000).tolist()\n",
        "seen, means = [], []\nfor v in stream:\n    seen.append(v)\n    means.append(np.mean(seen))\n",
        "means = list(np.cumsum(stream) / np.arange(1, len(stream) + 1))\n",
        ["`np.mean(seen)` read the whole of `seen` at each iteration", "keep a running result updated with each new item"],
    ),
    "nan_quantiles_per_pixel": (
        "import numpy as np\nrng = np.random.default_rng(0)\ncube = rng.normal(size=(24, 120, 100))\n"
        "cube[rng.random(cube.shape) < 0.2] = np.nan\ncube[0] = np.nan_to_num(cube[0])\nq = np.array([0.25, 0.75])\n",
        "iqr = np.nanquantile(cube, q, axis=0)\n",
        "ordered = np.sort(cube, axis=0)\nvalid = np.sum(~np.isnan(cube), axis=0)\n"
        "pos = q[:, None, None] * (valid - 1)\nlo = np.floor(pos).astype(int)\nhi = np.minimum(lo + 1, valid - 1)\n"
        "a, b = np.take_along_axis(ordered, lo, axis=0), np.take_along_axis(ordered, hi, axis=0)\n"
        "iqr = a + (b - a) * (pos - lo)\n",
        ["`np.nanquantile` ran `np.apply_along_axis` underneath", "read each quantile with `np.take_along_axis`"],
    ),
    "gather_gradient_made_dense": (
        "import numpy as np, tensorflow as tf\nrng = np.random.default_rng(0)\n"
        "table0 = rng.normal(scale=0.1, size=(300_000, 32)).astype('float32')\n"
        "ctx = tf.constant(rng.normal(size=(512, 32)).astype('float32'))\n"
        "batches = [tf.constant(rng.integers(0, 300_000, size=512)) for _ in range(40)]\n",
        "emb = tf.Variable(table0)\nfor ids in batches:\n    with tf.GradientTape() as tape:\n"
        "        loss = tf.reduce_mean(tf.square(tf.reduce_sum(tf.gather(emb, ids) * ctx, axis=1) - 1.0))\n"
        "    grad = tape.gradient(loss, emb)\n    emb.assign_sub(0.1 * tf.convert_to_tensor(grad))\n",
        "emb = tf.Variable(table0)\nfor ids in batches:\n    with tf.GradientTape() as tape:\n"
        "        loss = tf.reduce_mean(tf.square(tf.reduce_sum(tf.gather(emb, ids) * ctx, axis=1) - 1.0))\n"
        "    grad = tape.gradient(loss, emb)\n"
        "    emb.scatter_sub(tf.IndexedSlices(0.1 * grad.values, grad.indices, grad.dense_shape))\n",
        ["turned the IndexedSlices `grad`", "`var.scatter_sub(tf.IndexedSlices("],
    ),
    "sparse_tensor_a_third_full": (
        "import numpy as np, tensorflow as tf\nrng = np.random.default_rng(0)\n"
        "M = np.where(rng.random((2500, 2500)) < 0.3, rng.normal(size=(2500, 2500)), 0.0).astype('float32')\n"
        "S = tf.sparse.from_dense(M)\nD = tf.constant(M)\nV = tf.constant(rng.normal(size=(2500, 64)).astype('float32'))\n",
        "out = V\nfor _ in range(3):\n    out = tf.tanh(tf.sparse.sparse_dense_matmul(S, out))\n",
        "out = V\nfor _ in range(3):\n    out = tf.tanh(D @ out)\n",
        ["the SparseTensor `S` stores", "with `tf.matmul` / `@`"],
    ),
    "contourf_as_a_heatmap": (
        "import numpy as np\nimport matplotlib.pyplot as plt\nyy, xx = np.mgrid[0:3:500j, 0:4:700j]\n"
        "Z = np.sin(3 * xx) * np.cos(2 * yy) + 0.3 * xx\n",
        "fig, ax = plt.subplots()\nax.contourf(Z, levels=250, cmap='viridis')\nplt.close(fig)\n",
        "fig, ax = plt.subplots()\nax.imshow(Z, origin='lower', aspect='auto', cmap='viridis')\nplt.close(fig)\n",
        ["`contourf` drew 250 levels", "ax.imshow(Z, origin='lower'"],
    ),
    "maximum_of_every_prefix": (
        "import numpy as np\nrng = np.random.default_rng(0)\nx = rng.normal(size=80_000)\n",
        "peaks = [np.max(x[:t]) for t in range(1, len(x) + 1)]\n",
        "peaks = list(np.maximum.accumulate(x))\n",
        ["`np.max(…)` ran on every prefix of `x`", "np.maximum.accumulate"],
    ),
}

FIXES: list[Fix] = [
    # -- retracing: each cell defines its tf.function, as the notebook cell does, so every run traces afresh.
    Fix("retracing", "a Python int argument: pass it as a tensor, `tf.constant(value, tf.float32)`",
        ", tf.float32) where it meets float tensors",
        setup="import tensorflow as tf\nx = tf.random.normal((64,))\n",
        slow=("@tf.function\ndef scaled_sum(x, n):\n    return tf.reduce_sum(tf.nn.relu(x * n) + 1.0)\n"
              "for n in range(30):\n    scaled_sum(x, n)\n"),
        fixed=("@tf.function\ndef scaled_sum(x, n):\n    return tf.reduce_sum(tf.nn.relu(x * n) + 1.0)\n"
               "for n in range(30):\n    scaled_sum(x, tf.constant(n, tf.float32))\n"),
        note="the text said `tf.constant(value)` before this branch: applied as written, tf.constant(n) is an "
             "int32 tensor and x * n raised TypeError; the text now gives the dtype for a Python int"),
    Fix("retracing", "a new shape each call: `@tf.function(reduce_retracing=True)`", "reduce_retracing=True",
        setup="import tensorflow as tf\nbatches = [tf.random.normal((n, 8)) for n in range(10, 40)]\n",
        slow="@tf.function\n" + _NORMALISE,
        fixed="@tf.function(reduce_retracing=True)\n" + _NORMALISE),
    Fix("retracing", "a new shape each call: `input_signature=[tf.TensorSpec(shape=[None, ...])]`",
        "input_signature=[tf.TensorSpec(shape=[None, ...]",
        setup="import tensorflow as tf\nbatches = [tf.random.normal((n, 8)) for n in range(10, 40)]\n",
        slow="@tf.function\n" + _NORMALISE,
        fixed="@tf.function(input_signature=[tf.TensorSpec(shape=[None, 8], dtype=tf.float32)])\n" + _NORMALISE),
    Fix("retracing", "a new dtype: cast to one dtype before the call", "to one dtype before the call",
        setup=("import tensorflow as tf\n"
               "inputs = [tf.random.normal((256,), dtype=d) for d in (tf.float16, tf.float32, tf.float64)] * 10\n"),
        slow=("@tf.function\ndef energy(v):\n    return tf.reduce_sum(tf.tanh(v) * v)\n"
              "for v in inputs:\n    energy(v)\n"),
        fixed=("@tf.function\ndef energy(v):\n    return tf.reduce_sum(tf.tanh(v) * v)\n"
               "for v in inputs:\n    energy(tf.cast(v, tf.float32))\n")),
    Fix("retracing", "Python values and a tensor for one argument: always pass it as a tensor",
        "as a tensor (tf.constant(value)): one trace",
        setup=("import tensorflow as tf\nw = tf.random.normal((64,))\n"
               "schedule = [0.1 / (1 + k) for k in range(5)] + [tf.constant(0.01)] * 25  # a warm-up, then a tensor\n"),
        slow=("@tf.function\ndef update(w, lr):\n    return w - lr * tf.tanh(w)\n"
              "for lr in schedule:\n    update(w, lr)\n"),
        fixed=("@tf.function\ndef update(w, lr):\n    return w - lr * tf.tanh(w)\n"
               "for lr in schedule:\n    update(w, tf.constant(lr))\n")),
    Fix("retracing", "a new tf.function object each call: create it once, outside the loop",
        "create the tf.function once, outside the loop",
        setup="import tensorflow as tf\nx = tf.random.normal((256,))\n",
        slow=("def energy(v):\n    square_sum = tf.function(lambda t: tf.reduce_sum(t * t))\n    return square_sum(v)\n"
              "for _ in range(40):\n    energy(x)\n"),
        fixed=("square_sum = tf.function(lambda t: tf.reduce_sum(t * t))\ndef energy(v):\n    return square_sum(v)\n"
               "for _ in range(40):\n    energy(x)\n")),
    Fix("retracing", "Keras's step retraced for another dtype: cast once, `x.astype('float32')`",
        "cast once, e.g. x.astype('float32')",
        setup=_KERAS_SETUP + "XI = (X * 4).astype('int32')\n",
        prepare="model = make_model()\n",
        slow="a = model.predict(XI[:64], verbose=0)\nb = model.predict(X[:64], verbose=0)\n",
        fixed="a = model.predict(XI[:64].astype('float32'), verbose=0)\nb = model.predict(X[:64], verbose=0)\n",
        note="a fresh model before every run (untimed), so that both cells trace Keras's predict step"),
    # -- functions_run_eagerly
    # -- unrolled_trace
    Fix("unrolled_trace", "a Python `range` loop in a tf.function → `tf.range`", "for i in tf.range(n)",
        setup="import tensorflow as tf\nW = tf.random.normal((8, 8), stddev=0.3)\nx0 = tf.random.normal((4, 8))\n",
        slow=("@tf.function\ndef simulate(x):\n    for i in range(300):\n        x = x + 0.01 * tf.tanh(x @ W)\n"
              "    return x\nout = simulate(x0).numpy()\n"),
        fixed=("@tf.function\ndef simulate(x):\n    for i in tf.range(300):\n        x = x + 0.01 * tf.tanh(x @ W)\n"
               "    return x\nout = simulate(x0).numpy()\n"),
        note="each run defines the function again, so each run traces it, as re-running the notebook cell does"),
    Fix("constant_in_graph", "a NumPy array read by a tf.function: a tensor made once, outside it",
        "table = tf.constant(array)",
        setup=("import numpy as np, tensorflow as tf\n"
               "weights = np.random.default_rng(0).normal(size=(2400, 2400)).astype('float32')\n"
               "x = tf.random.normal((16, 2400))\n"),
        slow="@tf.function\ndef project(v):\n    return tf.nn.relu(v @ weights)\nout = project(x).numpy()\n",
        fixed=("weights_t = tf.constant(weights)\n@tf.function\ndef project(v):\n    return tf.nn.relu(v @ weights_t)\n"
               "out = project(x).numpy()\n"),
        note="each run defines the function again, so each run traces it, as re-running the notebook cell does"),
    # -- xla_recompiles
    Fix("xla_recompiles", "a Keras model predicting batches padded to their own lengths: compiled without XLA",
        "model.compile(..., jit_compile=False)",
        setup=("import numpy as np, tensorflow as tf, keras\n"
               "rng = np.random.default_rng(0)\nlengths = np.sort(rng.integers(20, 300, size=160))\n"
               "tokens = tf.RaggedTensor.from_row_lengths(rng.integers(1, 4000, size=int(lengths.sum()))"
               ".astype('int32'), lengths)\n"
               "reviews = tf.data.Dataset.from_tensor_slices(tokens).batch(32).map(lambda b: b.to_tensor())\n"
               "def make_text_model():\n"
               "    return keras.Sequential([keras.Input((None,), dtype='int32'), keras.layers.Embedding(4000, 32),\n"
               "        keras.layers.Conv1D(64, 5, padding='same', activation='relu'),\n"
               "        keras.layers.GlobalMaxPooling1D(), keras.layers.Dense(1)])\n"),
        prepare="model = make_text_model()\n",
        slow="model.compile(loss='mse', jit_compile=True)\nprobs = model.predict(reviews, verbose=0)\n",
        fixed="model.compile(loss='mse', jit_compile=False)\nprobs = model.predict(reviews, verbose=0)\n",
        note="5 batches of 5 padded lengths; a fresh model before every run (untimed), so that both cells "
             "build Keras's predict step"),
    Fix("functions_run_eagerly", "`tf.config.run_functions_eagerly(False)`", "run_functions_eagerly(False)",
        setup=("import tensorflow as tf\n@tf.function\ndef forward(w, x):\n    for _ in range(20):\n"
               "        x = tf.tanh(x @ w)\n    return tf.reduce_sum(x)\n"
               "w = tf.random.normal((32, 32)) * 0.1\nx = tf.random.normal((8, 32))\n"),
        prepare="tf.config.run_functions_eagerly(True)  # an earlier debugging cell\n",
        slow="for _ in range(150):\n    forward(w, x)\n",
        fixed="tf.config.run_functions_eagerly(False)\nfor _ in range(150):\n    forward(w, x)\n"),
    # -- global_switch
    Fix("global_switch", "check-numerics left on: `tf.debugging.disable_check_numerics()`",
        "tf.debugging.disable_check_numerics()",
        setup=_EAGER_STEP_SETUP,
        prepare="tf.debugging.enable_check_numerics()  # an earlier debugging cell\n",
        slow="for _ in range(100):\n    train_step(xs, ys)\n",
        fixed="tf.debugging.disable_check_numerics()\nfor _ in range(100):\n    train_step(xs, ys)\n"),
    # -- eager_op_loop
    Fix("eager_op_loop", "the step in a function decorated with `@tf.function`", "decorated with @tf.function",
        setup=_EAGER_STEP_SETUP,
        slow="for _ in range(200):\n    train_step(xs, ys)\n",
        fixed="for _ in range(200):\n    train_step_fn(xs, ys)\n",
        note="the decorated def is traced in the warm-up, as it would be by its first call in the notebook"),
    # -- variables_rebuilt
    Fix("variables_rebuilt", "create the layer once, before the loop", "once, before the loop",
        setup="import tensorflow as tf\nimport keras\nx = tf.random.normal((32, 16))\n",
        slow="for _ in range(60):\n    layer = keras.layers.Dense(8)\n    y = layer(x)\n",
        fixed="layer = keras.layers.Dense(8)\nfor _ in range(60):\n    y = layer(x)\n"),
    # -- py_function
    Fix("py_function", "the map's work in TensorFlow ops, `map(fn, num_parallel_calls=AUTOTUNE)`",
        "with TensorFlow ops (tf.math, tf.image, tf.strings",
        setup=_ROWS_SETUP,
        slow=("ds = tf.data.Dataset.from_tensor_slices(X).map(lambda x: tf.py_function(np_scale, [x], tf.float32))"
              ".batch(32)\nfor xb in ds:\n    tf.reduce_sum(xb)\n"),
        fixed=("ds = tf.data.Dataset.from_tensor_slices(X).map(lambda x: tf.tanh(x) * 2.0, "
               "num_parallel_calls=tf.data.AUTOTUNE).batch(32)\nfor xb in ds:\n    tf.reduce_sum(xb)\n")),
    Fix("py_function", "NumPy once on the whole array, before `Dataset.from_tensor_slices`",
        "once on the whole array before Dataset.from_tensor_slices",
        setup=_ROWS_SETUP,
        slow=("ds = tf.data.Dataset.from_tensor_slices(X).map(lambda x: tf.py_function(np_scale, [x], tf.float32))"
              ".batch(32)\nfor xb in ds:\n    tf.reduce_sum(xb)\n"),
        fixed=("ds = tf.data.Dataset.from_tensor_slices(np.tanh(X) * 2.0).batch(32)\nfor xb in ds:\n"
               "    tf.reduce_sum(xb)\n")),
    Fix("py_function", "`.cache()` right after the map, dataset iterated once",
        ".cache() right after this map", note="the text offers the cache only for a dataset iterated twice or more",
        setup=_ROWS_SETUP,
        slow=("ds = tf.data.Dataset.from_tensor_slices(X).map(lambda x: tf.py_function(np_scale, [x], tf.float32))"
              ".batch(32)\nfor xb in ds:\n    tf.reduce_sum(xb)\n"),
        fixed=("ds = tf.data.Dataset.from_tensor_slices(X).map(lambda x: tf.py_function(np_scale, [x], tf.float32))"
               ".cache().batch(32)\nfor xb in ds:\n    tf.reduce_sum(xb)\n")),
    Fix("py_function", "`.cache()` right after the map, dataset iterated 3 times",
        ".cache() right after this map",
        setup=_ROWS_SETUP,
        slow=("ds = tf.data.Dataset.from_tensor_slices(X).map(lambda x: tf.py_function(np_scale, [x], tf.float32))"
              ".batch(32)\nfor epoch in range(3):\n    for xb in ds:\n        tf.reduce_sum(xb)\n"),
        fixed=("ds = tf.data.Dataset.from_tensor_slices(X).map(lambda x: tf.py_function(np_scale, [x], tf.float32))"
               ".cache().batch(32)\nfor epoch in range(3):\n    for xb in ds:\n        tf.reduce_sum(xb)\n")),
    Fix("py_function", "tf.numpy_function in a traced step: the function in TensorFlow ops",
        "with TensorFlow ops (tf.math, tf.linalg, tf.signal",
        setup=("import numpy as np\nimport tensorflow as tf\n"
               "M = tf.constant(np.random.default_rng(0).normal(size=(256, 256)).astype('float32'))\n"
               "def np_softclip(a):\n    return np.tanh(a) * 3.0\n"
               "@tf.function\ndef step(x):\n    return tf.reduce_sum(tf.numpy_function(np_softclip, [tf.matmul(x, x)], "
               "tf.float32))\n"
               "@tf.function\ndef step_tf(x):\n    return tf.reduce_sum(tf.tanh(tf.matmul(x, x)) * 3.0)\n"),
        slow="for _ in range(300):\n    step(M)\n",
        fixed="for _ in range(300):\n    step_tf(M)\n"),
    Fix("py_function", "tf.numpy_function(np.sort) in a traced step: `tf.sort` instead",
        "with TensorFlow ops (tf.math, tf.linalg, tf.signal",
        setup=("import numpy as np\nimport tensorflow as tf\nV = tf.random.normal((200_000,))\n"
               "def np_sorted_tail(a):\n    return np.sort(a)[-100:].astype(np.float32)\n"
               "@tf.function\ndef top(x):\n    return tf.numpy_function(np_sorted_tail, [x], tf.float32)\n"
               "@tf.function\ndef top_tf(x):\n    return tf.sort(x)[-100:]\n"),
        slow="for _ in range(40):\n    top(V)\n",
        fixed="for _ in range(40):\n    top_tf(V)\n",
        note="measured 3.1× slower in the first full run, when the text said to rewrite any such function; its "
             "calls are long (10-20 ms), and the text now says to rewrite only if TensorFlow does the work faster"),
    Fix("py_function", "a py_function that mostly waits: `num_parallel_calls=tf.data.AUTOTUNE`",
        "give the map num_parallel_calls=tf.data.AUTOTUNE: calls that wait overlap",
        setup=_ROWS_SETUP + "import time\ndef fetch(x):  # waits, as a read or a request does\n"
                            "    time.sleep(0.01)\n    return x\n",
        slow=("ds = tf.data.Dataset.from_tensor_slices(X[:48]).map(lambda x: tf.py_function(fetch, [x], tf.float32))\n"
              "for x in ds:\n    tf.reduce_sum(x)\n"),
        fixed=("ds = tf.data.Dataset.from_tensor_slices(X[:48]).map(lambda x: tf.py_function(fetch, [x], tf.float32),\n"
               "                                                   num_parallel_calls=tf.data.AUTOTUNE)\n"
               "for x in ds:\n    tf.reduce_sum(x)\n")),
    # -- pipeline_per_step
    Fix("pipeline_per_step", "one iterator, `it = iter(ds)`, and `next(it)` each step", "it = iter(ds), then call next(it)",
        setup=_ROWS_SETUP + "ds = tf.data.Dataset.from_tensor_slices(X).map(lambda v: v * 2.0)\n",
        slow="for i in range(60):\n    xb = next(iter(ds.skip(i).take(1)))\n    tf.reduce_sum(xb)\n",
        fixed="it = iter(ds)\nfor i in range(60):\n    xb = next(it)\n    tf.reduce_sum(xb)\n"),
    Fix("pipeline_per_step", "iterate it once: `for x in ds.take(n)`", "iterate it once: for x in ds.take(n)",
        setup=_ROWS_SETUP + "ds = tf.data.Dataset.from_tensor_slices(X).map(lambda v: v * 2.0)\n",
        slow="for i in range(60):\n    xb = next(iter(ds.skip(i).take(1)))\n    tf.reduce_sum(xb)\n",
        fixed="for xb in ds.take(60):\n    tf.reduce_sum(xb)\n"),
    # -- input_bound
    Fix("input_bound", "from_generator: `Dataset.from_tensor_slices(arrays)`",
        "build the dataset with Dataset.from_tensor_slices(arrays)",
        setup=_ROWS_SETUP,
        slow=("ds = tf.data.Dataset.from_generator(rows, output_signature=tf.TensorSpec((32,), tf.float32)).batch(32)\n"
              "total = 0.0\nfor xb in ds:\n    total += float(tf.reduce_sum(xb))\n"),
        fixed=("ds = tf.data.Dataset.from_tensor_slices(X).batch(32)\n"
               "total = 0.0\nfor xb in ds:\n    total += float(tf.reduce_sum(xb))\n")),
    Fix("input_bound", "a cheap map before batch: batch first, map over whole batches",
        "batch first and map over whole batches",
        setup=("import numpy as np\nimport tensorflow as tf\ndata = np.random.default_rng(0).random((30000, 8))"
               ".astype('float32')\ndef normalise(x):\n    return (x - 0.5) / 0.25\n"),
        slow=("ds = tf.data.Dataset.from_tensor_slices(data).map(normalise).batch(512)\n"
              "out = sum(float(tf.reduce_sum(b)) for b in ds)\n"),
        fixed=("ds = tf.data.Dataset.from_tensor_slices(data).batch(512).map(normalise)\n"
               "out = sum(float(tf.reduce_sum(b)) for b in ds)\n")),
    Fix("input_bound", "files read one after another: `interleave(TFRecordDataset, num_parallel_calls=AUTOTUNE)`",
        "Dataset.from_tensor_slices(files).interleave(tf.data.",
        setup=_FILES_SETUP,
        slow=("ds = (tf.data.TFRecordDataset(FILES).map(parse, num_parallel_calls=tf.data.AUTOTUNE)\n"
              "      .batch(64).prefetch(tf.data.AUTOTUNE))\nfor xb in ds:\n    tf.reduce_sum(xb)\n"),
        fixed=("ds = (tf.data.Dataset.from_tensor_slices(FILES).interleave(tf.data.TFRecordDataset, "
               "num_parallel_calls=tf.data.AUTOTUNE)\n"
               "      .map(parse, num_parallel_calls=tf.data.AUTOTUNE).batch(64).prefetch(tf.data.AUTOTUNE))\n"
               "for xb in ds:\n    tf.reduce_sum(xb)\n")),
    Fix("input_bound", "a sequential map: `map(fn, num_parallel_calls=AUTOTUNE)`",
        ".map(fn, num_parallel_calls=tf.data.AUTOTUNE)",
        setup=_MORE_IMAGES,
        slow=("ds = tf.data.Dataset.from_tensor_slices(IMAGES).map(preprocess).batch(32).prefetch(tf.data.AUTOTUNE)\n"
              "for xb in ds:\n    tf.reduce_mean(xb)\n"),
        fixed=("ds = (tf.data.Dataset.from_tensor_slices(IMAGES).map(preprocess, num_parallel_calls=tf.data.AUTOTUNE)"
               ".batch(32)\n      .prefetch(tf.data.AUTOTUNE))\nfor xb in ds:\n    tf.reduce_mean(xb)\n")),
    Fix("input_bound", "no prefetch: end the pipeline with `.prefetch(AUTOTUNE)`", "prefetch(tf.data.AUTOTUNE)",
        setup=_MORE_IMAGES + "K = tf.random.normal((128, 128)) / 12.0\n",
        slow=("ds = tf.data.Dataset.from_tensor_slices(IMAGES).map(preprocess, num_parallel_calls=tf.data.AUTOTUNE)"
              ".batch(32)\nfor xb in ds:\n    for _ in range(6):\n        xb = tf.tanh(tf.matmul(xb, K))\n"),
        fixed=("ds = (tf.data.Dataset.from_tensor_slices(IMAGES).map(preprocess, num_parallel_calls=tf.data.AUTOTUNE)"
               ".batch(32)\n      .prefetch(tf.data.AUTOTUNE))\nfor xb in ds:\n    for _ in range(6):\n"
               "        xb = tf.tanh(tf.matmul(xb, K))\n")),
    Fix("input_bound", "elements taken one at a time: `.batch(1000)`, a batch per step",
        "batch the dataset (.batch(1000)) and work on a batch per step",
        setup=("import numpy as np\nimport tensorflow as tf\n"
               "X = np.random.default_rng(0).random((12000, 16)).astype('float32')\n"),
        slow="ds = tf.data.Dataset.from_tensor_slices(X).map(lambda v: v * 2.0)\nrows = [x.numpy() for x in ds]\n",
        fixed=("ds = tf.data.Dataset.from_tensor_slices(X).batch(1000).map(lambda v: v * 2.0)\n"
               "rows = [r for b in ds for r in b.numpy()]\n")),
    # -- no_cache
    Fix("no_cache", "`.cache()` after the expensive map", "add .cache() after the expensive map",
        setup=_IMAGES_SETUP,
        slow=("ds = (tf.data.Dataset.from_tensor_slices(IMAGES).map(preprocess, num_parallel_calls=tf.data.AUTOTUNE)\n"
              "      .batch(32).prefetch(tf.data.AUTOTUNE))\nfor epoch in range(3):\n    for xb in ds:\n"
              "        tf.reduce_mean(xb)\n"),
        fixed=("ds = (tf.data.Dataset.from_tensor_slices(IMAGES).map(preprocess, num_parallel_calls=tf.data.AUTOTUNE)\n"
               "      .cache().batch(32).prefetch(tf.data.AUTOTUNE))\nfor epoch in range(3):\n    for xb in ds:\n"
               "        tf.reduce_mean(xb)\n")),
    Fix("no_cache", "a random map after a deterministic one: `map(preprocess).cache().map(augment)`",
        "ds.map(preprocess).cache().map(augment)",
        setup=_IMAGES_SETUP,
        slow=("ds = (tf.data.Dataset.from_tensor_slices(IMAGES).map(preprocess, num_parallel_calls=tf.data.AUTOTUNE)\n"
              "      .map(augment, num_parallel_calls=tf.data.AUTOTUNE).batch(32).prefetch(tf.data.AUTOTUNE))\n"
              "for epoch in range(3):\n    for xb in ds:\n        tf.reduce_mean(xb)\n"),
        fixed=("ds = (tf.data.Dataset.from_tensor_slices(IMAGES).map(preprocess, num_parallel_calls=tf.data.AUTOTUNE)\n"
               "      .cache().map(augment, num_parallel_calls=tf.data.AUTOTUNE).batch(32).prefetch(tf.data.AUTOTUNE))\n"
               "for epoch in range(3):\n    for xb in ds:\n        tf.reduce_mean(xb)\n")),
    # -- keras_call_in_loop
    Fix("keras_call_in_loop", "predict once on the stacked inputs", "stack the inputs and call",
        setup=_KERAS_SETUP,
        slow="scores = [model.predict(X[i:i + 1], verbose=0)[0, 0] for i in range(12)]\n",
        fixed="scores = list(model.predict(np.stack([X[i] for i in range(12)]), verbose=0)[:, 0])\n"),
    Fix("keras_call_in_loop", "in the loop, `model(x, training=False)`", "model(x, training=False) directly",
        setup=_KERAS_SETUP,
        slow="scores = [model.predict(X[i:i + 1], verbose=0)[0, 0] for i in range(12)]\n",
        fixed="scores = [float(model(X[i:i + 1], training=False)[0, 0]) for i in range(12)]\n"),
    Fix("keras_call_in_loop", "evaluate once on the stacked inputs", "stack the inputs and call",
        setup=_KERAS_SETUP,
        slow="losses = [model.evaluate(X[i:i + 1], Y[i:i + 1], verbose=0) for i in range(12)]\n",
        fixed="loss = model.evaluate(np.stack([X[i] for i in range(12)]), Y[:12], verbose=0)\n"),
    # -- keras_tiny_batches
    Fix("keras_tiny_batches", "`batch_size=32`", "use batch_size=32 to 256",
        setup=_KERAS_SETUP,
        slow="model.fit(X[:512], Y[:512], batch_size=1, epochs=1, verbose=0)\n",
        fixed="model.fit(X[:512], Y[:512], batch_size=32, epochs=1, verbose=0)\n"),
    # -- tiny_batches_by_hand
    Fix("tiny_batches_by_hand", "slices of 64 (`x[i:i + 64]` stepping i by 64)", "feed it batches of 32 to 256 examples",
        setup=(_KERAS_SETUP.replace("size=(4096, 8)", "size=(1024, 8)")
               + "model = keras.Sequential([keras.Input((8,)), keras.layers.Dense(16, activation='relu'), "
               "keras.layers.Dense(1)])\noptimizer = keras.optimizers.Adam()\n"
               "@tf.function\ndef train_step(x, y):\n    with tf.GradientTape() as tape:\n"
               "        loss = tf.reduce_mean((model(x, training=True) - y) ** 2)\n"
               "    grads = tape.gradient(loss, model.trainable_variables)\n"
               "    optimizer.apply_gradients(zip(grads, model.trainable_variables))\n    return loss\n"
               "train_step(X[:1], Y[:1]), train_step(X[:64], Y[:64])\n"),
        slow="for i in range(1024):\n    train_step(X[i:i + 1], Y[i:i + 1])\n",
        fixed="for i in range(0, 1024, 64):\n    train_step(X[i:i + 64], Y[i:i + 64])\n",
        note="both shapes traced in the setup; the same 1,024 examples each way (an epoch)"),
    # -- keras_step_overhead
    Fix("keras_step_overhead", "`compile(steps_per_execution=32)`, same batch size",
        "compile with steps_per_execution=32",
        setup=_KERAS_SETUP + "fast_model = make_model(steps_per_execution=32)\n",
        slow="model.fit(X[:2048], Y[:2048], batch_size=8, epochs=1, verbose=0)\n",
        fixed="fast_model.fit(X[:2048], Y[:2048], batch_size=8, epochs=1, verbose=0)\n",
        note="the model compiled with steps_per_execution=32 in the setup, as a user recompiles it"),
    Fix("keras_step_overhead", "a larger `batch_size` (64)", "use a larger batch_size (64 to 256)",
        setup=_KERAS_SETUP,
        slow="model.fit(X[:2048], Y[:2048], batch_size=8, epochs=1, verbose=0)\n",
        fixed="model.fit(X[:2048], Y[:2048], batch_size=64, epochs=1, verbose=0)\n"),
    # -- keras_verbose_flood (output, not time)
    Fix("keras_verbose_flood", "`verbose=2`", "pass verbose=2",
        setup=_KERAS_SETUP,
        slow="model.fit(X[:512], Y[:512], batch_size=64, epochs=20, verbose=1)\n",
        fixed="model.fit(X[:512], Y[:512], batch_size=64, epochs=20, verbose=2)\n",
        kind="output", note="output captured by IPython (no notebook front end)"),
    # -- pipelines_rebuilt
    Fix("pipelines_rebuilt", "build the dataset once, outside the loop", "build the dataset once, outside the loop",
        setup="import tensorflow as tf\n",
        slow="for _ in range(20):\n    total = sum(int(v) for v in tf.data.Dataset.range(20).map(lambda i: i * 2 + 1))\n",
        fixed=("ds = tf.data.Dataset.range(20).map(lambda i: i * 2 + 1)\nfor _ in range(20):\n"
               "    total = sum(int(v) for v in ds)\n")),
    # -- cpu_in_tf_python: Python that TensorFlow's threads run, named by no other rule (Keras's own generator pipeline)
    Fix("cpu_in_tf_python", "a generator's per-element work as TensorFlow ops in `map(tf_fn, num_parallel_calls=AUTOTUNE)`",
        "express the per-element work as TensorFlow ops",
        setup=_KERAS_SETUP + (
            "import math\nKS = tf.range(200, dtype=tf.float32)\n"
            "def batches():  # per-element features in Python\n"
            "    for i in range(0, 1024, 32):\n"
            "        xb = np.array([[sum(math.sin(v * k) for k in range(200)) / 200 for v in row] for row in X[i:i + 32]],\n"
            "                      dtype='float32')\n"
            "        yield xb, Y[i:i + 32]\n"
            "def features(x):\n    return tf.reduce_sum(tf.sin(x[:, None] * KS), axis=-1) / 200\n"),
        slow="model.fit(batches(), epochs=1, steps_per_epoch=32, verbose=0)\n",
        fixed=("ds = (tf.data.Dataset.from_tensor_slices((X[:1024], Y[:1024]))\n"
               "      .map(lambda x, y: (features(x), y), num_parallel_calls=tf.data.AUTOTUNE).batch(32))\n"
               "model.fit(ds, epochs=1, verbose=0)\n")),
    # -- numpy_copy_large_cpu
    Fix("numpy_copy_large_cpu", "`np.asarray(t)` to read the values", "use np.asarray(t) when you only read",
        setup="import numpy as np, tensorflow as tf\nbig = tf.random.normal([10000, 10000], seed=3)\n",
        slow="a = big.numpy()\nthumb = float(a[::50, ::50].mean())\n",
        fixed="a = np.asarray(big)\nthumb = float(a[::50, ::50].mean())\n"),
    # -- numpy_in_loop
    Fix("numpy_in_loop", "`np.asarray(t)` (read-only, free on the CPU) each step", "np.asarray(t): read-only and free",
        setup="import numpy as np, tensorflow as tf\nx = tf.random.normal([512, 1024], seed=2)\n",
        slow="history = []\nfor step in range(150):\n    y = x * float(step)\n    history.append(y.numpy())\n",
        fixed="history = []\nfor step in range(150):\n    y = x * float(step)\n    history.append(np.asarray(y))\n"),
    Fix("numpy_in_loop", "keep the values as tensors (`tf.stack`), convert once at the end",
        "keep the values as tensors (tf.stack",
        setup="import numpy as np, tensorflow as tf\nx = tf.random.normal([512, 1024], seed=2)\n",
        slow="history = []\nfor step in range(150):\n    y = x * float(step)\n    history.append(y.numpy())\n",
        fixed=("history = []\nfor step in range(150):\n    y = x * float(step)\n    history.append(y)\n"
               "history = np.asarray(tf.stack(history))\n")),
    Fix("numpy_in_loop", "a progress value: read it every N steps", "read it every N steps",
        setup="import numpy as np, tensorflow as tf\nx = tf.random.normal([256, 256], seed=2)\n",
        slow=("losses = []\nfor step in range(600):\n    loss = tf.reduce_mean(tf.tanh(x * (step / 600)))\n"
              "    losses.append(float(loss))\n"),
        fixed=("losses = []\nfor step in range(600):\n    loss = tf.reduce_mean(tf.tanh(x * (step / 600)))\n"
               "    if step % 20 == 0:\n        losses.append(float(loss))\n")),
    # -- python_lists_to_tensors
    Fix("python_lists_to_tensors", "`tf.constant(rows)` once, before the loop", "a = tf.constant(rows)",
        setup=("import numpy as np, tensorflow as tf\nrows = [[float(i + j) for j in range(64)] for i in range(256)]\n"
               "w = tf.random.normal([64, 8])\n"),
        slow="for step in range(150):\n    x = tf.convert_to_tensor(rows)\n    y = tf.matmul(x, w)\n",
        fixed="a = tf.constant(rows)\nfor step in range(150):\n    y = tf.matmul(a, w)\n"),
    Fix("python_lists_to_tensors", "`np.asarray(rows, dtype=np.float32)` once, before the loop",
        "np.asarray(rows, dtype=np.float32)",
        setup=("import numpy as np, tensorflow as tf\nrows = [[float(i + j) for j in range(64)] for i in range(256)]\n"
               "w = tf.random.normal([64, 8])\n"),
        slow="for step in range(150):\n    x = tf.convert_to_tensor(rows)\n    y = tf.matmul(x, w)\n",
        fixed="a = np.asarray(rows, dtype=np.float32)\nfor step in range(150):\n    y = tf.matmul(a, w)\n"),
    # -- tensor_elements_in_python
    Fix("tensor_elements_in_python", "`for v in t`: a whole-tensor op (`tf.reduce_sum`)",
        "work on the whole tensor with TensorFlow ops",
        setup="import numpy as np, tensorflow as tf\nt = tf.random.normal([1500], seed=1)\n",
        slow="total = 0.0\nfor v in t:\n    total += float(v)\n",
        fixed="total = float(tf.reduce_sum(t))\n"),
    Fix("tensor_elements_in_python", "`for v in t`: `a = np.asarray(t)` once, loop over `a`",
        "convert once first (a = np.asarray(t)) and loop over a",
        setup="import numpy as np, tensorflow as tf\nt = tf.random.normal([1500], seed=1)\n",
        slow="total = 0.0\nfor v in t:\n    total += float(v)\n",
        fixed="a = np.asarray(t)\ntotal = 0.0\nfor v in a:\n    total += float(v)\n"),
    Fix("tensor_elements_in_python", "`t[i]`: a boolean mask (`tf.where`)", "tf.where",
        setup="import numpy as np, tensorflow as tf\nscores = tf.random.uniform([1000], seed=4)\n",
        slow="passed = []\nfor i in range(1000):\n    if scores[i] > 0.5:\n        passed.append(i)\n",
        fixed="passed = tf.where(scores > 0.5)[:, 0].numpy().tolist()\n"),
    Fix("tensor_elements_in_python", "`t[i]`: `a = np.asarray(t)` once, index `a`",
        "convert once first (a = np.asarray(t)) and loop over a",
        setup="import numpy as np, tensorflow as tf\nscores = tf.random.uniform([1000], seed=4)\n",
        slow="passed = []\nfor i in range(1000):\n    if scores[i] > 0.5:\n        passed.append(i)\n",
        fixed="a = np.asarray(scores)\npassed = []\nfor i in range(1000):\n    if a[i] > 0.5:\n        passed.append(i)\n"),
    # -- python_hot_loop
    Fix("python_hot_loop", "one NumPy operation over the whole array", "vectorise it",
        setup="import numpy as np\npoints = np.random.default_rng(0).random((1200, 2)).tolist()\n",
        slow=("total = 0.0\nfor x1, y1 in points:\n    for x2, y2 in points:\n"
              "        total += ((x1 - x2) ** 2 + (y1 - y2) ** 2) ** 0.5\n"),
        fixed=("p = np.asarray(points)\n"
               "total = float(np.sqrt(((p[:, None, :] - p[None, :, :]) ** 2).sum(axis=-1)).sum())\n")),
    Fix("python_hot_loop", "a loop over a container: `list.pop(0)` → `collections.deque`", "list.pop(0) or insert(0, x) "
        "(collections.deque)",
        setup="import collections\njobs = list(range(150_000))\n",
        slow="queue = list(jobs)\ndone = 0\nwhile queue:\n    done += queue.pop(0)\n",
        fixed="queue = collections.deque(jobs)\ndone = 0\nwhile queue:\n    done += queue.popleft()\n"),
    Fix("python_hot_loop", "a loop over a container: `x in a_list` → a set", "x in a_list (a set or dict)",
        setup="import numpy as np\nseen = np.random.default_rng(0).integers(0, 10**9, 9000).tolist()\n"
              "queries = np.random.default_rng(1).integers(0, 10**9, 6000).tolist() + seen[:500]\n",
        slow="hits = 0\nfor q in queries:\n    if q in seen:\n        hits += 1\n",
        fixed="seen_set = set(seen)\nhits = 0\nfor q in queries:\n    if q in seen_set:\n        hits += 1\n"),
    # -- output_in_loop
    Fix("output_in_loop", "`print` every N steps", "print every N steps",
        setup="import math\n",
        slow="for step in range(20000):\n    loss = math.exp(-step / 5000)\n    print(f'step {step}: loss {loss:.4f}')\n",
        fixed=("for step in range(20000):\n    loss = math.exp(-step / 5000)\n    if step % 1000 == 0:\n"
               "        print(f'step {step}: loss {loss:.4f}')\n"),
        note="output captured by IPython (no notebook front end), which is cheaper than a kernel's"),
    Fix("output_in_loop", "`logging` every N steps", "print every N steps",
        setup=("import logging, math\nlog = logging.getLogger('fixes.training')\nlog.setLevel(logging.INFO)\n"
               "log.propagate = False\nlog.addHandler(logging.StreamHandler())\n"),
        slow="for step in range(20000):\n    loss = math.exp(-step / 5000)\n    log.info('step %d: loss %.4f', step, loss)\n",
        fixed=("for step in range(20000):\n    loss = math.exp(-step / 5000)\n    if step % 1000 == 0:\n"
               "        log.info('step %d: loss %.4f', step, loss)\n")),
    Fix("output_in_loop", "raise the logging level", "raise the logging level",
        setup=("import logging, math\nlog = logging.getLogger('fixes.training')\n"
               "log.propagate = False\nlog.addHandler(logging.StreamHandler())\n"),
        prepare="log.setLevel(logging.INFO)\n",
        slow="for step in range(20000):\n    loss = math.exp(-step / 5000)\n    log.info('step %d: loss %.4f', step, loss)\n",
        fixed=("log.setLevel(logging.WARNING)\nfor step in range(20000):\n    loss = math.exp(-step / 5000)\n"
               "    log.info('step %d: loss %.4f', step, loss)\n")),
    # -- figure_per_iteration
    Fix("figure_per_iteration", "one figure, updated with `line.set_data`", "line.set_data(x, y)",
        setup=_MPL_SETUP, prepare="plt.close('all')\n",
        slow="for step in range(30):\n    fig, ax = plt.subplots()\n    ax.plot(x, np.sin(x + step / 10))\n",
        fixed=("fig, ax = plt.subplots()\nline, = ax.plot(x, np.sin(x))\nfor step in range(30):\n"
               "    line.set_data(x, np.sin(x + step / 10))\n")),
    Fix("figure_per_iteration", "one figure: `ax.clear()` and plot again", "ax.clear() and plot again",
        setup=_MPL_SETUP, prepare="plt.close('all')\n",
        slow="for step in range(30):\n    fig, ax = plt.subplots()\n    ax.plot(x, np.sin(x + step / 10))\n",
        fixed="fig, ax = plt.subplots()\nfor step in range(30):\n    ax.clear()\n    ax.plot(x, np.sin(x + step / 10))\n",
        kind="memory", note="measured 1.21× (every block slower) when the text offered it as the update: it now says "
                            "it saves the open figures, not time (nothing is displayed here; an inline backend "
                            "would also render each open figure at the cell's end)"),
    Fix("figure_per_iteration", "one figure per item: `plt.close(fig)` when done", "plt.close(fig)",
        setup=_MPL_SETUP, prepare="plt.close('all')\n",
        slow="for step in range(30):\n    fig, ax = plt.subplots()\n    ax.plot(x, np.sin(x + step / 10))\n",
        fixed="for step in range(30):\n    fig, ax = plt.subplots()\n    ax.plot(x, np.sin(x + step / 10))\n    plt.close(fig)\n",
        kind="memory", note="the point is the figures' memory; closing takes time of its own"),
    # -- plot_call_per_point
    Fix("plot_call_per_point", "one call with arrays: `ax.plot(xs, ys, 'o')`", "ax.plot(xs, ys, 'o')",
        setup=_MPL_SETUP, prepare="plt.close('all')\n",
        slow="fig, ax = plt.subplots()\nfor px, py in zip(xs[:800], ys[:800]):\n    ax.plot(px, py, 'o', color='C0')\n",
        fixed="fig, ax = plt.subplots()\nax.plot(xs[:800], ys[:800], 'o', color='C0')\n"),
    Fix("plot_call_per_point", "one call with arrays: `ax.scatter(xs, ys)`", "ax.scatter(xs, ys)",
        setup=_MPL_SETUP, prepare="plt.close('all')\n",
        slow="fig, ax = plt.subplots()\nfor px, py in zip(xs[:800], ys[:800]):\n    ax.plot(px, py, 'o', color='C0')\n",
        fixed="fig, ax = plt.subplots()\nax.scatter(xs[:800], ys[:800], color='C0')\n"),
    # -- interactive_redraws
    Fix("interactive_redraws", "draw once after the loop", "draw once after the loop",
        setup=_MPL_SETUP, prepare="plt.close('all')\n",
        slow=("fig, ax = plt.subplots()\nline, = ax.plot(x, np.sin(x))\nfor step in range(15):\n"
              "    line.set_ydata(np.sin(x + step / 10))\n    fig.canvas.draw()\n"),
        fixed=("fig, ax = plt.subplots()\nline, = ax.plot(x, np.sin(x))\nfor step in range(15):\n"
               "    line.set_ydata(np.sin(x + step / 10))\nfig.canvas.draw()\n")),
    Fix("interactive_redraws", "draw every k steps", "or every k steps",
        setup=_MPL_SETUP, prepare="plt.close('all')\n",
        slow=("fig, ax = plt.subplots()\nline, = ax.plot(x, np.sin(x))\nfor step in range(15):\n"
              "    line.set_ydata(np.sin(x + step / 10))\n    fig.canvas.draw()\n"),
        fixed=("fig, ax = plt.subplots()\nline, = ax.plot(x, np.sin(x))\nfor step in range(15):\n"
               "    line.set_ydata(np.sin(x + step / 10))\n    if step % 5 == 0:\n        fig.canvas.draw()\n")),
    Fix("interactive_redraws", "`plt.pause` every step: `tfplotguard.live()`", "LivePlot or live()",
        setup=(_MPL_SETUP + "import os, tempfile, warnings\nimport tensorflow as tf\nimport tfplotguard\n"
               "warnings.filterwarnings('ignore', 'FigureCanvasAgg is non-interactive')\n"
               "w = tf.Variable(tf.zeros((64, 1)))\nopt = tf.keras.optimizers.SGD(0.01)\n"
               "xb, yb = tf.random.normal((256, 64)), tf.random.normal((256, 1))\n"
               "@tf.function\ndef train_step():\n    with tf.GradientTape() as tape:\n"
               "        loss = tf.reduce_mean((xb @ w - yb) ** 2)\n"
               "    opt.apply_gradients([(tape.gradient(loss, w), w)])\n    return loss\ntrain_step()\n"
               "frames = os.path.join(tempfile.mkdtemp(), 'live.png')\n"),
        prepare="plt.close('all')\nplt.ioff()\n",
        slow=("fig, ax = plt.subplots()\nline, = ax.plot([], [])\nlosses = []\nfor step in range(12):\n"
              "    losses.append(float(train_step()))\n    line.set_data(range(len(losses)), losses)\n"
              "    ax.relim()\n    ax.autoscale_view()\n    plt.pause(0.02)\n"),
        fixed=("with tfplotguard.live(output='file', path=frames) as lv:\n    for step in range(12):\n"
               "        lv.log(step, loss=train_step())\n")),
    Fix("interactive_redraws", "interactive mode on: the loop in `with plt.ioff():`", "wrap the loop in `with plt.ioff():`",
        setup=(_MPL_SETUP + "import warnings\n"
               "warnings.filterwarnings('ignore', 'FigureCanvasAgg is non-interactive')\n"),
        prepare="plt.close('all')\nplt.ion()\n",
        slow=("fig, ax = plt.subplots()\nline, = ax.plot(x, np.sin(x))\nfor step in range(12):\n"
              "    line.set_ydata(np.sin(x + step / 10))\n    plt.pause(0.02)\n"),
        fixed=("fig, ax = plt.subplots()\nline, = ax.plot(x, np.sin(x))\nwith plt.ioff():\n    for step in range(12):\n"
               "        line.set_ydata(np.sin(x + step / 10))\n        plt.pause(0.02)\n"),
        note="Agg, the benchmark's backend, is not interactive: ioff changes no redraw there, and the rule's text "
             "gives this fix only with a GUI backend"),
    Fix("input_bound", "a shuffle after a heavy map → shuffle before it", "shuffle what is cheap before the map",
        setup=_HEAVY_MAP_SETUP.format(elements=3000),
        slow="ds = src.map(heavy).shuffle(3000, seed=1).batch(32)\nfirst = next(iter(ds))\n",
        fixed="ds = src.shuffle(3000, seed=1).map(heavy).batch(32)\nfirst = next(iter(ds))\n",
        kind="speed", note="a different random order, as random: the first batch no longer waits for 3000 maps"),
    Fix("input_bound", "a shard after the map → shard first", "shard first, on what is cheap",
        setup=_HEAVY_MAP_SETUP.format(elements=4000),
        slow="ds = src.map(heavy).shard(8, 0).batch(32)\ntotal = sum(float(tf.reduce_sum(b)) for b in ds)\n",
        fixed="ds = src.shard(8, 0).map(heavy).batch(32)\ntotal = sum(float(tf.reduce_sum(b)) for b in ds)\n",
        kind="speed", note="the same elements: shard keeps every 8th input either way, and the map is per element"),
    Fix("input_bound", "an element of many columns → one array of them", "pack columns of one dtype into one array",
        setup=("import numpy as np\nimport tensorflow as tf\nrng = np.random.default_rng(0)\n"
               "columns = {f'c{i:03d}': rng.normal(size=12_000).astype('float32') for i in range(120)}\n"),
        slow=("ds = tf.data.Dataset.from_tensor_slices(columns).batch(256).map(lambda c: tf.stack(list(c.values()), "
              "axis=1))\nsums = [float(tf.reduce_sum(b)) for b in ds]\n"),
        fixed=("features = np.stack(list(columns.values()), axis=1)\n"
               "ds = tf.data.Dataset.from_tensor_slices(features).batch(256)\nsums = [float(tf.reduce_sum(b)) for b in ds]\n"),
        kind="speed", note="the same batches: the columns in the same order, stacked once before the pipeline"),
    Fix("input_bound", "a cache before take, read again → take before the cache", "ds.take(k).cache()",
        setup=_HEAVY_MAP_SETUP.format(elements=3000),
        slow="ds = src.map(heavy).cache().take(150).batch(25).repeat(30)\nsums = [float(tf.reduce_sum(b)) for b in ds]\n",
        fixed="ds = src.map(heavy).take(150).cache().batch(25).repeat(30)\nsums = [float(tf.reduce_sum(b)) for b in ds]\n",
        kind="speed", note="the same 150 elements each pass: the cache now fills in the first and serves the others"),
    Fix("input_bound", "a map that reduces a captured tensor per element → the statistics once, before",
        "compute it once, before building the pipeline",
        setup=("import numpy as np, tensorflow as tf\nrng = np.random.default_rng(0)\n"
               "table = tf.constant(rng.normal(size=(3000, 96)).astype('float32'))\n"),
        slow=("def scale(row):\n    return row / tf.norm(table, axis=0)\n"
              "ds = tf.data.Dataset.from_tensor_slices(table).map(scale).batch(100)\n"
              "sums = [float(tf.reduce_sum(b)) for b in ds]\n"),
        fixed=("norms = tf.norm(table, axis=0)\ndef scale(row):\n    return row / norms\n"
               "ds = tf.data.Dataset.from_tensor_slices(table).map(scale).batch(100)\n"
               "sums = [float(tf.reduce_sum(b)) for b in ds]\n"),
        kind="speed", note="blind set 9's statistics computed inside a map (its cause, not blind)"),
    Fix("input_bound", "many tiny files → a few large ones", "write the records into a few large files",
        setup=("import os, tempfile\nimport tensorflow as tf\nfolder = tempfile.mkdtemp()\n"
               "records = [tf.io.serialize_tensor(tf.constant([float(i)] * 8)).numpy() for i in range(3000)]\n"
               "tiny = []\nfor i, r in enumerate(records):\n    tiny.append(os.path.join(folder, f'r{i:05d}.tfrecord'))\n"
               "    with tf.io.TFRecordWriter(tiny[-1]) as w:\n        w.write(r)\n"
               "shard = os.path.join(folder, 'all.tfrecord')\nwith tf.io.TFRecordWriter(shard) as w:\n"
               "    for r in records:\n        w.write(r)\n"),
        slow="n = [int(tf.size(b)) for b in tf.data.TFRecordDataset(tiny).batch(100)]\n",
        fixed="n = [int(tf.size(b)) for b in tf.data.TFRecordDataset([shard]).batch(100)]\n",
        kind="speed", note="the same records in the same order; the writing is in the setup, not timed"),
    # -- costly_idiom: each construct of the table (tfplotguard/check/findings/idioms.py) and its fix
    Fix("costly_idiom", "`list.pop(0)` → `collections.deque`", "use a collections.deque",
        setup="import collections\njobs = list(range(120_000))\n",
        slow="queue = list(jobs)\ndone = 0\nwhile queue:\n    done += queue.pop(0)\n",
        fixed="queue = collections.deque(jobs)\ndone = 0\nwhile queue:\n    done += queue.popleft()\n"),
    Fix("costly_idiom", "`x in a_list` → a set made once", "test membership in a set (or dict) made once",
        setup="seen = list(range(0, 18_000, 2))\nqueries = list(range(0, 90_000, 7))\n",
        slow="hits = 0\nfor q in queries:\n    if q in seen:\n        hits += 1\n",
        fixed="seen_set = set(seen)\nhits = 0\nfor q in queries:\n    if q in seen_set:\n        hits += 1\n"),
    Fix("costly_idiom", "`a_list.index(x)` in a loop → a dict made once", "keep a dict made once",
        setup="names = [f'n{i}' for i in range(6000)]\nqueries = names[::-1] * 2\n",
        slow="positions = [names.index(q) for q in queries]\n",
        fixed="where = {n: i for i, n in enumerate(names)}\npositions = [where[q] for q in queries]\n"),
    Fix("costly_idiom", "`a = np.append(a, v)` in a loop → a list, one conversion after it",
        "collect the pieces in a Python list",
        setup="import numpy as np\n",
        slow="out = np.zeros(0)\nfor r in range(40_000):\n    out = np.append(out, r * 2.0)\n",
        fixed="parts = []\nfor r in range(40_000):\n    parts.append(r * 2.0)\nout = np.array(parts)\n"),
    Fix("costly_idiom", "`a_list = a_list + [x]` in a loop → `append`", "append to one list",
        setup="",
        slow="acc = []\nfor i in range(25_000):\n    acc = acc + [i * i]\n",
        fixed="acc = []\nfor i in range(25_000):\n    acc.append(i * i)\n"),
    Fix("costly_idiom", "built-in `sum(array)` → `array.sum()`", "one call that runs in compiled code",
        setup="import numpy as np\na = np.random.default_rng(0).random(5_000_000)\n",
        slow="s = sum(a)\nm = float(s)\n",
        fixed="s = a.sum()\nm = float(s)\n",
        note="float sums in another order: equal to 1e-9 relative"),
    Fix("costly_idiom", "a NumPy call per element pair → one call, broadcast", "call {func} once on whole arrays",
        setup="import numpy as np\nrng = np.random.default_rng(0)\na, b = rng.random((400, 3)), rng.random((400, 3))\n",
        slow=("D = np.empty((len(a), len(b)))\nfor i in range(len(a)):\n    for j in range(len(b)):\n"
              "        D[i, j] = np.linalg.norm(a[i] - b[j])\n"),
        fixed="D = np.linalg.norm(a[:, None, :] - b[None, :, :], axis=-1)\n"),
    Fix("costly_idiom", "`np.vectorize` → whole-array operations", "write the function with whole-array operations",
        setup=("import numpy as np\nx = np.random.default_rng(0).random(3_000_000)\n"
               "def soft(v):\n    return v * v if v < 0.5 else v - 0.25\n"),
        slow="out = np.vectorize(soft)(x)\n",
        fixed="out = np.where(x < 0.5, x * x, x - 0.25)\n"),
    Fix("costly_idiom", "`hist(bins=2000)` → `ax.stairs(*np.histogram(...))`", "one artist for the whole histogram",
        setup=_MPL_SETUP + "data = np.random.default_rng(1).normal(size=200_000)\n",
        prepare="plt.close('all')\n",
        slow="fig, ax = plt.subplots()\nax.hist(data, bins=2000)\nfig.canvas.draw()\n",
        fixed="fig, ax = plt.subplots()\nax.stairs(*np.histogram(data, bins=2000), fill=True)\nfig.canvas.draw()\n"),
    Fix("costly_idiom", "`pcolor` → `pcolormesh`", "with the same arguments (or `imshow`",
        setup=_MPL_SETUP + "Z = rng.random((300, 300))\n",
        prepare="plt.close('all')\n",
        slow="fig, ax = plt.subplots()\nax.pcolor(Z)\nfig.canvas.draw()\n",
        fixed="fig, ax = plt.subplots()\nax.pcolormesh(Z)\nfig.canvas.draw()\n"),
    Fix("costly_idiom", "`axvline` per event → one `ax.vlines`", "ax.vlines(xs, 0, 1",
        setup=_MPL_SETUP + "events = [i * 0.37 for i in range(1500)]\n",
        prepare="plt.close('all')\n",
        slow="fig, ax = plt.subplots()\nfor e in events:\n    ax.axvline(e, color='k', lw=0.5)\nfig.canvas.draw()\n",
        fixed=("fig, ax = plt.subplots()\nax.vlines(events, 0, 1, transform=ax.get_xaxis_transform(), color='k', "
               "lw=0.5)\nfig.canvas.draw()\n")),
    Fix("costly_idiom", "`ax.plot` per curve in a loop → one LineCollection", "one matplotlib.collections.LineCollection",
        setup=(_MPL_SETUP + "from matplotlib.collections import LineCollection\n"
               "curves = [np.column_stack([x, np.sin(x + k / 50)]) for k in range(1500)]\n"),
        prepare="plt.close('all')\n",
        slow="fig, ax = plt.subplots()\nfor c in curves:\n    ax.plot(c[:, 0], c[:, 1], color='C0', lw=0.5)\nfig.canvas.draw()\n",
        fixed=("fig, ax = plt.subplots()\nax.add_collection(LineCollection(curves, color='C0', lw=0.5))\n"
               "ax.autoscale()\nfig.canvas.draw()\n")),
    Fix("costly_idiom", "a variable assigned element by element → one `assign`",
        "compute all the new values as one tensor and assign once",
        setup="import tensorflow as tf\nv = tf.Variable(tf.zeros([3000]))\n",
        slow="for i in range(3000):\n    v[i].assign(float(i) * 0.5)\n",
        fixed="v.assign(tf.range(3000, dtype=tf.float32) * 0.5)\n"),
    Fix("costly_idiom", "Keras `fit` per batch in a loop → one `fit`", "over all the data; for a custom schedule",
        setup=_KERAS_SETUP, prepare="model = make_model()\n",
        slow="for i in range(0, 1024, 64):\n    model.fit(X[i:i + 64], Y[i:i + 64], epochs=1, verbose=0)\n",
        fixed="model.fit(X[:1024], Y[:1024], batch_size=64, epochs=1, shuffle=False, verbose=0)\n",
        note="the same 16 batches in the same order, one fit call instead of 16"),
    Fix("costly_idiom", "a model compiled with `run_eagerly=True` → compiled again without it",
        "compile it again without run_eagerly=True",
        setup=_KERAS_SETUP,
        prepare=("model = keras.Sequential([keras.Input((8,)), keras.layers.Dense(16, activation='relu'), "
                 "keras.layers.Dense(1, activation='sigmoid')])\n"
                 "model.compile(optimizer='adam', loss='binary_crossentropy', run_eagerly=True)\n"),
        slow="model.fit(X, Y, batch_size=32, epochs=1, verbose=0)\n",
        fixed=("model.compile(optimizer='adam', loss='binary_crossentropy')\n"
               "model.fit(X, Y, batch_size=32, epochs=1, verbose=0)\n"),
        note="the fixed cell includes the first trace of the step, as the first fit after compiling does"),
    Fix("costly_idiom", "Keras `predict` at its default batch size → `batch_size=1024`", "(as large as memory allows)",
        setup=_KERAS_SETUP + "table = np.random.default_rng(2).normal(size=(40_000, 8)).astype('float32')\n",
        slow="out = model.predict(table, verbose=0)\n",
        fixed="out = model.predict(table, batch_size=1024, verbose=0)\n"),
    Fix("costly_idiom", "a file opened per line → opened once", "open the file once before the loop",
        setup="import os, tempfile\npath = os.path.join(tempfile.mkdtemp(), 'log.txt')\n",
        prepare="open(path, 'w').close()\n",
        slow="for i in range(25_000):\n    with open(path, 'a') as f:\n        f.write(f'{i}\\n')\n",
        fixed="with open(path, 'a') as f:\n    for i in range(25_000):\n        f.write(f'{i}\\n')\n"),
    Fix("costly_idiom", "polling with `time.sleep` → `join()`", "wait on the thing itself",
        setup="import threading, time\ndef work():\n    time.sleep(0.15)\n",
        slow=("worker = threading.Thread(target=work)\nworker.start()\nwhile worker.is_alive():\n"
              "    time.sleep(0.5)\n"),
        fixed="worker = threading.Thread(target=work)\nworker.start()\nworker.join()\n"),
    # -- eager_op_loop, a loop that trains nothing
    Fix("eager_op_loop", "a loop over tensors, no training: the loop in `@tf.function` with `tf.range`",
        "or put the loop in a function decorated with @tf.function (tf.range for its loop)",
        setup=("import tensorflow as tf\ny0 = tf.random.stateless_normal([64], seed=[1, 2])\n"
               "@tf.function\ndef relax(y):\n    for _ in tf.range(2000):\n        y = y * 0.99 + 0.01 * tf.sin(y)\n"
               "    return y\n"),
        slow="y = y0\nfor _ in range(2000):\n    y = y * 0.99 + 0.01 * tf.sin(y)\n",
        fixed="y = relax(y0)\n"),
    Fix("eager_op_loop", "a lookup table built at each call: one table before the loop", "build the table once, before the loop",
        setup=("import tensorflow as tf\nkeys = tf.constant([f'tok{i}' for i in range(30_000)])\n"
               "ids = tf.range(1, 30_001, dtype=tf.int64)\n"
               "batches = [tf.constant([[f'tok{(i * 37 + j) % 40_000}' for j in range(64)]]) for i in range(300)]\n"
               "def encode(tokens):\n    table = tf.lookup.StaticHashTable(tf.lookup.KeyValueTensorInitializer(keys, ids), 0)\n"
               "    return table.lookup(tokens)\n"),
        slow="out = [encode(b) for b in batches]\n",
        fixed=("table = tf.lookup.StaticHashTable(tf.lookup.KeyValueTensorInitializer(keys, ids), 0)\n"
               "out = [table.lookup(b) for b in batches]\n")),
    Fix("kernel_cache_cleared", "the global seed set once, before the loop", "set the seed once, before the loop",
        setup=("import tensorflow as tf\nlayers = [tf.random.stateless_normal((128, 128), seed=[i, 1]) for i in range(8)]\n"
               "@tf.function\ndef encode(x):\n    for w in layers:\n        x = tf.nn.relu(x @ w)\n    return x\n"
               "batches = [tf.random.stateless_normal((16, 128), seed=[i, 2]) for i in range(250)]\n"
               "def embed(x):\n    tf.random.set_seed(42)\n    return encode(x)\nencode(batches[0])\n"),
        slow="out = [embed(x) for x in batches]\n",
        fixed="tf.random.set_seed(42)\nout = [encode(x) for x in batches]\n"),
    # -- garbage_collection: a gc.collect() taken out of the loop; Python's own collections skipping a frozen heap
    Fix("garbage_collection", "a `gc.collect()` in a helper called per step: out of the loop",
        "take the `gc.collect()` out of the loop",
        setup=("import gc\nimport tensorflow as tf\nimport keras\n"
               "model = keras.Sequential([keras.Input((8,)), keras.layers.Dense(4)])\n"
               "def score(i):\n    gc.collect()\n    return i * 2\ndef score_fixed(i):\n    return i * 2\n"),
        slow="out = [score(i) for i in range(12)]\n",
        fixed="out = [score_fixed(i) for i in range(12)]\n"),
    Fix("garbage_collection", "Python's own collections: `gc.freeze()` once after the imports",
        "`gc.freeze()` once after the imports",
        setup=("import gc\nimport tensorflow as tf\nimport keras\n"
               "model = keras.Sequential([keras.Input((8,)), keras.layers.Dense(4)])\n"
               "def keep_rows(n):\n    rows = []\n    for i in range(n):\n"
               "        rows.append({'id': i, 'tags': [i, i + 1], 'score': i * 0.5})\n    return rows\n"),
        slow="gc.unfreeze()\nrows = keep_rows(400_000)\ndel rows\n",
        fixed="gc.freeze()\nrows = keep_rows(400_000)\ndel rows\n"),
    # -- wasted_product: the three ways a matrix product's work is thrown away
    Fix("wasted_product", "the diagonal of a product: a row-wise sum", "tf.reduce_sum(A * tf.transpose(B)",
        setup="import tensorflow as tf\nA = tf.random.normal((3000, 256))\nB = tf.random.normal((256, 3000))\n",
        slow="for _ in range(16):\n    d = tf.linalg.diag_part(A @ B)\n",
        fixed="for _ in range(16):\n    d = tf.reduce_sum(A * tf.transpose(B), axis=-1)\n"),
    Fix("wasted_product", "a few rows of a product: slice the operand", "A[rows] @ B",
        setup="import tensorflow as tf\nA = tf.random.normal((3000, 256))\nB = tf.random.normal((256, 3000))\n",
        slow="for _ in range(16):\n    top = (A @ B)[:50]\n",
        fixed="for _ in range(16):\n    top = A[:50] @ B\n"),
    Fix("wasted_product", "a one-hot matrix times a table: tf.gather", "tf.gather(params, ids)",
        setup=("import tensorflow as tf\ntable = tf.random.normal((20000, 32))\n"
               "ids = tf.random.uniform((2048,), maxval=20000, dtype=tf.int32)\n"),
        slow="for _ in range(24):\n    rows = tf.one_hot(ids, 20000) @ table\n",
        fixed="for _ in range(24):\n    rows = tf.gather(table, ids)\n"),
    Fix("wasted_product", "(A @ B) @ v: the thin operand first", "A @ (B @ C)",
        setup=("import tensorflow as tf\nA = tf.random.normal((1500, 1500))\nB = tf.random.normal((1500, 1500))\n"
               "v = tf.random.normal((1500, 1))\n"),
        slow="for _ in range(12):\n    y = (A @ B) @ v\n",
        fixed="for _ in range(12):\n    y = A @ (B @ v)\n"),
    Fix("wasted_product", "the same product at every step: once, before the loop", "compute it once, before the loop",
        setup=("import tensorflow as tf\nA = tf.random.normal((1000, 1000)) / 40.0\n"
               "B = tf.random.normal((1000, 1000)) / 40.0\nw0 = tf.random.normal((1000, 300))\n"),
        slow="w = w0\nfor _ in range(40):\n    w = w - 0.01 * ((A @ B) @ w)\n",
        fixed="w = w0\nAB = A @ B\nfor _ in range(40):\n    w = w - 0.01 * (AB @ w)\n"),
    Fix("wasted_product", "a running mean as a triangular product: a cumulative sum", "tf.cumsum(X, axis=-2) *",
        setup=("import tensorflow as tf\nT = 2500\nsteps = tf.range(1, T + 1, dtype=tf.float32)\n"
               "L = tf.linalg.band_part(tf.ones((T, T)), -1, 0) / steps[:, None]\n"
               "X = tf.random.normal((T, 256))\n"),
        slow="for _ in range(24):\n    running = L @ X\n",
        fixed="for _ in range(24):\n    running = tf.cumsum(X, axis=-2) / steps[:, None]\n"),
    Fix("wasted_product", "a diagonal matrix times a matrix: a broadcast multiply", "d[:, None] * X",
        setup=("import tensorflow as tf\nd = tf.random.uniform((2500,)) + 0.5\nD = tf.linalg.diag(d)\n"
               "X = tf.random.normal((2500, 256))\n"),
        slow="for _ in range(24):\n    scaled = D @ X\n",
        fixed="for _ in range(24):\n    scaled = d[:, None] * X\n"),
    Fix("wasted_product", "a 0/1 selection matrix times a matrix: tf.gather", "tf.gather(X, idx)",
        setup=("import tensorflow as tf\nidx = tf.random.uniform((2000,), maxval=3000, dtype=tf.int32)\n"
               "S = tf.cast(tf.equal(idx[:, None], tf.range(3000)[None, :]), tf.float32)\n"
               "X = tf.random.normal((3000, 256))\n"),
        slow="for _ in range(32):\n    picked = S @ X\n",
        fixed="for _ in range(32):\n    picked = tf.gather(X, idx)\n"),
    Fix("wasted_product", "products in float64 from NumPy: float32 where the data enters", "tf.constant(x, tf.float32)",
        setup=("import numpy as np, tensorflow as tf\nx = np.random.default_rng(0).normal(size=(1200, 1200))\n"
               "w = np.random.default_rng(1).normal(size=(1200, 1200)) / 40\n"),
        slow="h = tf.constant(x)\nW = tf.constant(w)\nfor _ in range(16):\n    h = tf.tanh(h @ W)\n",
        fixed="h = tf.constant(x, tf.float32)\nW = tf.constant(w, tf.float32)\nfor _ in range(16):\n    h = tf.tanh(h @ W)\n"),
    # -- tf_compute_bound: what its CPU text advises against
    Fix("tf_compute_bound", "on a CPU, mixed precision is advised against: float16 matmuls",
        "mixed precision is not advised",
        setup="import tensorflow as tf\na = tf.random.normal((800, 800)) / 30.0\na16 = tf.cast(a, tf.float16)\n",
        slow="c = a\nfor _ in range(25):\n    c = tf.tanh(tf.matmul(c, a))\n",
        fixed="c = a16\nfor _ in range(25):\n    c = tf.tanh(tf.matmul(c, a16))\n",
        kind="against", note="what mixed_float16 would compute in; the text says not to: expected slower"),
]
FIXES += [Fix("costly_idiom", f"known call: {name}", words[1], setup=setup, slow=slow, fixed=fixed)
          for name, (setup, slow, fixed, words) in KNOWN_CALL_CASES.items()]

NOT_TIMED: list[NotTimed] = [
    NotTimed("retracing", "signatures alike, one object traced again: print `f.pretty_printed_concrete_signatures()`",
             "a diagnostic step, not a change: it shows the traces, it makes nothing faster"),
    NotTimed("retracing", "the argument structure changed: one structure, or an `input_signature`",
             "not timed yet: the same one-trace-instead-of-many change as the rows above; no cell for it here"),
    NotTimed("global_switch", "the other switches (tf.data debug mode, op determinism, dumping, Keras policies): "
             "switch off as the finding says", "each switch is timed off against on in fresh processes by "
             "`python -m benchmarks.global_switches` (RESULTS_global_switches.md), whose factors the rule quotes"),
    NotTimed("gpu_idle_ops_on_cpu", "inputs created on the GPU (`with tf.device('/GPU:0')`)",
             "needs a GPU: this machine has none and no device was lent to this task (the zoo's case only "
             "pretends one is present)"),
    NotTimed("tf_compute_bound", "less work, or a GPU",
             "real compute: the advice is to do less work or buy faster hardware, not a change that keeps the "
             "cell's result; with a GPU, mixed precision and XLA are 'measure them' (no GPU here)"),
    NotTimed("input_bound", "none of the slow patterns: cheaper per-element work, or `cache()` if iterated more "
             "than once", "cheaper work is a rewrite, not a transformation; iterated more than once without "
             "cache() is no_cache's finding and row"),
    NotTimed("pipelines_rebuilt", "Keras's pipelines: predict once on stacked inputs, or `model(x, training=False)`",
             "the same fix as keras_call_in_loop's rows (given only when Keras's calls were not counted)"),
    NotTimed("pyplot_off_main_thread", "plot in the main thread, or the Figure object API in the thread",
             "correctness, not speed: pyplot from another thread can crash the kernel"),
    NotTimed("same_tensor_replotted", "nothing to do while tfplotguard is loaded",
             "information: says what the guard's cache saved; there is no fix"),
    NotTimed("tensors_plotted", "nothing to do while tfplotguard is loaded",
             "information: says what the guard converted; there is no fix"),
    NotTimed("host_memory_growth", "`del` / `.clear()` what is held, `plt.close` figures",
             "memory, not time: its weight is the resident memory the cells added"),
    NotTimed("where_the_time_went", "look at the named call (or shorten / overlap a wait)",
             "names the place, not a cause: no concrete change to apply"),
]


def rule_rows() -> dict[str, list[Fix | NotTimed]]:
    """Every row, by rule id, in the registry's order (rules without a row last)."""
    from tfplotguard.check.findings import registry

    rows: dict[str, list[Fix | NotTimed]] = {rule_id: [] for rule_id in registry.rule_ids()}
    for row in [*FIXES, *NOT_TIMED]:
        rows.setdefault(row.rule, []).append(row)
    return rows


# -- the child process: one rule's fixes -----------------------------------------------------------


def _run(shell, source: str, store_history: bool = False) -> None:
    from IPython.utils.capture import capture_output

    with capture_output():
        result = shell.run_cell(source, store_history=store_history)
    if not result.success:
        error = result.error_in_exec or result.error_before_exec
        raise RuntimeError(f"cell failed: {type(error).__name__}: {error}\n--- cell ---\n{source}")


def _checked(shell, fix: Fix, source: str) -> dict:
    """Run ``source`` once under ``%%tfcheck --quiet``: whether ``fix.rule`` fired and with which fix text."""
    shell.user_ns.pop(REPORT, None)
    if fix.prepare:
        _run(shell, fix.prepare)
    _run(shell, f"%%tfcheck --quiet -o {REPORT}\n{source}", store_history=True)  # as typed: in linecache
    report = shell.user_ns.pop(REPORT)
    found = [f for f in report.findings if f.rule == fix.rule]
    if not found:
        return {"fired": "no", "fix_text": None, "matches": False, "wall_s": report.wall_s,
                "others": [f.rule for f in report.shown_findings()]}
    finding = next((f for f in found if fix.expect in f.fix), found[0])
    return {"fired": "minor" if finding.minor else "shown", "fix_text": finding.fix, "matches": fix.expect in finding.fix,
            "wall_s": report.wall_s, "others": [f.rule for f in report.shown_findings() if f.rule != fix.rule]}


def measure(shell, fix: Fix, blocks: int) -> dict:
    """One row: the check under ``%%tfcheck``, then the slow and fixed cells timed in A-B-B-A blocks."""
    from .timing import abba

    if fix.setup:
        _run(shell, fix.setup)

    def variant(source):
        def setup():
            if fix.prepare:
                _run(shell, fix.prepare)

        return (setup, lambda _state: _run(shell, source), lambda _state: None)

    slow, fixed = variant(fix.slow), variant(fix.fixed)
    for setup, run, _ in (slow, fixed):  # warm-up: traces, caches, imports
        setup()
        run(None)
    check = {"slow": _checked(shell, fix, fix.slow), "fixed": _checked(shell, fix, fix.fixed)}
    out = abba({"fix": (slow, fixed)}, repeats=blocks, warmup=0, collector=True)["fix"]
    return {**asdict(fix), "check": check, "a": out["a"], "b": out["b"], "ratio": out["ratio"]}


def run_rule(rule_id: str, blocks: int, variants: list[int] | None = None) -> list[dict]:
    """In this process: a fresh shell, every timed fix of ``rule_id`` one after the other."""
    shell = loaded_shell("tfplotguard")
    fixes = [f for f in FIXES if f.rule == rule_id]
    results = []
    for index, fix in enumerate(fixes):
        if variants is not None and index not in variants:
            continue
        try:
            results.append(measure(shell, fix, blocks))
        except Exception as exc:  # noqa: BLE001 - a broken row is reported, not fatal
            results.append({**asdict(fix), "error": f"{type(exc).__name__}: {str(exc)[:400]}"})
        print(json.dumps(results[-1]), flush=True)
    return results


# -- the parent: one process per rule --------------------------------------------------------------


def _spawn(rule_id: str, blocks: int) -> list[dict]:
    command = [sys.executable, "-m", "benchmarks.fixes", "--one", rule_id, "--blocks", str(blocks)]
    try:
        proc = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=1200)
    except subprocess.TimeoutExpired:
        return [{**asdict(f), "error": "timed out"} for f in FIXES if f.rule == rule_id]
    results = [json.loads(line) for line in proc.stdout.splitlines() if line.startswith("{")]
    expected = [f for f in FIXES if f.rule == rule_id]
    if len(results) < len(expected):
        tail = (proc.stderr or proc.stdout).strip().splitlines()[-1:] or ["no output"]
        results += [{**asdict(f), "error": f"the process failed: {tail[0][:300]}"} for f in expected[len(results):]]
    return results


def verdict(result: dict) -> str:
    """``faster``, ``not faster`` or ``SLOWER`` (a speed fix); what the row is for, for the other kinds."""
    if "error" in result:
        return "ERROR"
    ratio = statistics.median(result["ratio"])
    word = "faster" if ratio <= FASTER else "SLOWER" if ratio >= SLOWER else "not faster"
    slow = result["check"]["slow"]
    if result["kind"] == "speed" and slow["fired"] == "no":
        return f"{word}; the rule did not fire on this cell"
    if result["kind"] == "speed" and not slow["matches"]:
        return f"{word}; not advised on this cell: the rule's text here does not give this fix"
    if result["kind"] == "speed":
        return word if word == "faster" else f"**{word}**"
    if result["kind"] == "against":
        return f"{word}: the advice against it holds" if word == "SLOWER" else f"**{word}: advised against, yet**"
    return f"{word} ({result['kind']} fix, not held to time)"


def _fired(check: dict) -> str:
    fired = check["fired"]
    if fired == "no":
        others = ", ".join(check.get("others") or ()) or "nothing"
        return f"no (shown: {others})"
    return fired + ("" if check["matches"] else " (other fix text)")


def _row(result: dict) -> list[str]:
    from .timing import fmt_time

    if "error" in result:
        return [result["rule"], result["variant"], "-", "-", "-", "-", "-", f"ERROR: {result['error'][:160]}"]
    ratio = statistics.median(result["ratio"])
    spread = f" ({min(result['ratio']):.2f}-{max(result['ratio']):.2f})" if len(result["ratio"]) > 1 else ""
    return [result["rule"], result["variant"], _fired(result["check"]["slow"]), _fired(result["check"]["fixed"]),
            fmt_time(statistics.median(result["a"])), fmt_time(statistics.median(result["b"])),
            f"{ratio:.2f}×{spread}", verdict(result)]


HEADERS = ["rule", "fix (as the rule's text gives it)", "fires on slow", "fires on fixed", "slow", "fixed",
           "ratio (fixed / slow)", "verdict"]


def table_text(results: list[dict], rules: list[str]) -> str:
    """The markdown table: the timed rows of each rule, then its rows that are not timed."""
    from .timing import table

    rows = []
    by_rule: dict[str, list[dict]] = {}
    for result in results:
        by_rule.setdefault(result["rule"], []).append(result)
    for rule_id in rules:
        rows += [_row(r) for r in by_rule.get(rule_id, [])]
        rows += [[rule_id, n.variant, "-", "-", "-", "-", "-", f"not timed: {n.reason}"]
                 for n in NOT_TIMED if n.rule == rule_id]
    return table(HEADERS, rows)


def _notes(results: list[dict]) -> str:
    lines = []
    for r in results:
        if r.get("note"):
            lines.append(f"- {r['rule']}, {r['variant']}: {r['note']}.")
    return "\n".join(lines)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.fixes", description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help=f"{BLOCKS[1]} blocks a row (a smoke run); writes nothing")
    parser.add_argument("--rule", action="append", default=None, help="only this rule id (repeatable)")
    parser.add_argument("--blocks", type=int, default=None, help=f"A-B-B-A blocks per row (default {BLOCKS[0]})")
    parser.add_argument("--output", type=Path, help=f"write the markdown here (default {RESULTS.name}, full runs only)")
    parser.add_argument("--one", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    blocks = args.blocks or BLOCKS[1 if args.quick else 0]
    if args.one:
        run_rule(args.one, blocks)
        return 0
    from tfplotguard.check.findings import registry

    rules = args.rule or registry.rule_ids()
    unknown = [r for r in rules if r not in registry.RULES]
    if unknown:
        parser.error(f"unknown rule id(s) {', '.join(unknown)}; valid: {', '.join(registry.rule_ids())}")
    started = time.perf_counter()
    load_before = os.getloadavg()
    when = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    results = []
    for rule_id in rules:
        if any(f.rule == rule_id for f in FIXES):
            for result in _spawn(rule_id, blocks):
                results.append(result)
                print("| " + " | ".join(_row(result)) + " |", flush=True)
    load_after = os.getloadavg()
    speed = [r for r in results if r.get("kind") == "speed" and "error" not in r and r["check"]["slow"]["matches"]]
    ratios = [statistics.median(r["ratio"]) for r in speed]
    closing = (f"fixes: {sum(x <= FASTER for x in ratios)} of {len(speed)} speed fixes the rule gave faster, "
               f"{sum(FASTER < x < SLOWER for x in ratios)} not faster, {sum(x >= SLOWER for x in ratios)} slower; "
               f"{sum('error' in r for r in results)} errors")
    text = table_text(results, rules)
    print("\n" + text + "\n\n" + closing)
    output = args.output or (None if args.quick or args.rule else RESULTS)
    if output:
        from benchmarks.__main__ import _machine

        load = (f"load average {', '.join(f'{x:.1f}' for x in load_before)} at the start, "
                f"{', '.join(f'{x:.1f}' for x in load_after)} at the end (1, 5, 15 min)")
        output.write_text(
            f"# Every rule's fix, measured (`python -m benchmarks.fixes{' --quick' if args.quick else ''}`)\n\n"
            f"- run: {when}, {time.perf_counter() - started:.0f} s\n{_machine()}\n- {load}\n\n"
            "Each rule's rows in a fresh process and IPython shell (`%load_ext tfplotguard`): setup, one warm-up "
            "run of both cells, each once under `%%tfcheck --quiet` (does the rule fire, with the fix text the row "
            f"applies: 'shown', 'minor', 'no'), then {blocks} adjacent slow-fixed-fixed-slow blocks, plain, the "
            "garbage collector on. Times: medians of the blocks' means; ratio: the median of the blocks' ratios "
            f"(fixed over slow; their range in brackets). Faster: ratio ≤ {FASTER}; slower: ≥ {SLOWER}. Every cell "
            "does a fixed amount of work.\n\n" + text + "\n\n" + closing + "\n\n"
            + ("Notes:\n\n" + _notes(results) + "\n" if _notes(results) else ""))
        print(f"wrote {output}")
    print(f"(took {time.perf_counter() - started:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
