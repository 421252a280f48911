"""Zoo cases of TensorFlow itself: retracing, functions run eagerly, eager loops, variables rebuilt, compute, GPU.

See :mod:`benchmarks.zoo` for the format. Loops run for a fixed wall time, so
a cell's length does not depend on the machine's speed.
"""

from __future__ import annotations

from . import Case

_WHILE = "import time\nt0 = time.perf_counter()\nwhile time.perf_counter() - t0 < {seconds}:\n"
#: A small model and its optimizer, for the custom training loops.
_TRAINING = """
import keras
import numpy as np
import tensorflow as tf
X = np.random.default_rng(0).normal(size=(1000, 8)).astype("float32")
Y = (X.sum(axis=1, keepdims=True) > 0).astype("float32")
model = keras.Sequential([keras.Input((8,)), keras.layers.Dense(16, activation="relu"), keras.layers.Dense(1)])
optimizer = keras.optimizers.Adam()
"""
_STEP = """@tf.function
def train_step(x, y):
    with tf.GradientTape() as tape:
        loss = tf.reduce_mean((model(x, training=True) - y) ** 2)
    grads = tape.gradient(loss, model.trainable_variables)
    optimizer.apply_gradients(zip(grads, model.trainable_variables))
    return loss
"""

CASES: list[Case] = [
    Case(
        id="tf_retrace_python_scalar",
        family=1,
        title="a tf.function called with a Python int that changes every call: one trace per value",
        rule="retracing",
        setup=(
            "import tensorflow as tf\n"
            "@tf.function\n"
            "def scaled_sum(x, n):\n"
            "    return tf.reduce_sum(tf.nn.relu(x * n) + 1.0)\n"
            "x = tf.random.normal((64,))\n"
        ),
        slow="for n in range(40):\n    scaled_sum(x, n)\n",
        twin="for n in range(40):\n    scaled_sum(x, tf.constant(n, tf.float32))\n",
    ),
    Case(
        id="tf_retrace_shapes",
        family=2,
        title="a tf.function fed batches of a new shape each call; the twin relaxes the shape "
              "(reduce_retracing=True: one relaxing trace, then one trace serves every size)",
        rule="retracing",
        setup=(
            "import tensorflow as tf\n"
            "batches = [tf.random.normal((n, 8)) for n in range(10, 50)]\n"
        ),
        slow=(
            "@tf.function\n"
            "def normalise(batch):\n"
            "    return (batch - tf.reduce_mean(batch, 0)) / (tf.math.reduce_std(batch, 0) + 1e-6)\n"
            "for batch in batches:\n"
            "    normalise(batch)\n"
        ),
        twin=(
            "@tf.function(reduce_retracing=True)\n"
            "def normalise(batch):\n"
            "    return (batch - tf.reduce_mean(batch, 0)) / (tf.math.reduce_std(batch, 0) + 1e-6)\n"
            "for batch in batches:\n"
            "    normalise(batch)\n"
        ),
    ),
    Case(
        id="tf_function_per_call",
        family=3,
        title="a new tf.function object made inside the function called each step: traced every time",
        rule="retracing",
        setup="import tensorflow as tf\nx = tf.random.normal((256,))\n",
        # 80 steps, not 40: 40 traces came to ~50 ms on an idle machine, the floor under which a
        # finding is minor whatever its share (1 run in 3 left the case unnamed at an 18 % share).
        slow=(
            "def energy(v):\n"
            "    square_sum = tf.function(lambda t: tf.reduce_sum(t * t))\n"
            "    return square_sum(v)\n"
            "for _ in range(80):\n"
            "    energy(x)\n"
        ),
        twin=(
            "square_sum = tf.function(lambda t: tf.reduce_sum(t * t))\n"
            "for _ in range(80):\n"
            "    square_sum(x)\n"
        ),
    ),
    Case(
        id="tf_run_functions_eagerly",
        family=4,
        title="tf.config.run_functions_eagerly(True) left on by an earlier cell; the twin switches it off",
        rule="functions_run_eagerly",
        setup=(
            "import tensorflow as tf\n"
            "@tf.function\n"
            "def forward(w, x):\n"
            "    for _ in range(20):\n"
            "        x = tf.tanh(x @ w)\n"
            "    return tf.reduce_sum(x)\n"
            "w = tf.random.normal((32, 32)) * 0.1\n"
            "x = tf.random.normal((8, 32))\n"
            "tf.config.run_functions_eagerly(True)  # debugging, an earlier cell\n"
            "forward(w, x)\n"
        ),
        slow=_WHILE.format(seconds=0.6) + "    forward(w, x)\n",
        twin="tf.config.run_functions_eagerly(False)\n" + _WHILE.format(seconds=0.6) + "    forward(w, x)\n",
        teardown="tf.config.run_functions_eagerly(False)\n",
    ),
    Case(
        id="tf_check_numerics_left_on",
        family=4,
        title="tf.debugging.enable_check_numerics() left on by an earlier cell (hunting a NaN) while the step was "
              "traced; the twin switches it off",
        rule="global_switch",
        setup=(
            "import tensorflow as tf\n"
            "tf.debugging.enable_check_numerics()  # an earlier cell, hunting a NaN\n"
            "@tf.function\n"
            "def forward(w, x):\n"
            "    for _ in range(20):\n"
            "        x = tf.tanh(x @ w)\n"
            "    return tf.reduce_sum(x)\n"
            "w = tf.random.normal((32, 32)) * 0.1\n"
            "x = tf.random.normal((8, 32))\n"
            "forward(w, x)\n"
        ),
        slow=_WHILE.format(seconds=0.6) + "    forward(w, x)\n",
        twin="tf.debugging.disable_check_numerics()\n" + _WHILE.format(seconds=0.6) + "    forward(w, x)\n",
        teardown="tf.debugging.disable_check_numerics()\n",
    ),
    Case(
        id="tf_eager_training_loop",
        family=5,
        title="an eager training loop: a dozen small ops per step dispatched one by one from Python",
        rule="eager_op_loop",
        setup=(
            "import tensorflow as tf\n"
            "w = tf.Variable(tf.random.normal((16, 1)) * 0.1)\n"
            "b = tf.Variable(tf.zeros((1,)))\n"
            "xs = tf.random.normal((64, 16))\n"
            "ys = tf.random.normal((64, 1))\n"
            "def train_step(x, y):\n"
            "    with tf.GradientTape() as tape:\n"
            "        loss = tf.reduce_mean(tf.square(x @ w + b - y))\n"
            "    gw, gb = tape.gradient(loss, [w, b])\n"
            "    w.assign_sub(0.01 * gw)\n"
            "    b.assign_sub(0.01 * gb)\n"
            "    return loss\n"
        ),
        slow=_WHILE.format(seconds=0.6) + "    train_step(xs, ys)\n",
        twin="fast_step = tf.function(train_step)\n" + _WHILE.format(seconds=0.6) + "    fast_step(xs, ys)\n",
    ),
    Case(
        id="tf_layers_in_loop",
        family=12,
        title="a Keras layer created anew inside the loop: its variables built and initialised every time",
        rule="variables_rebuilt",
        setup="import tensorflow as tf\nimport keras\nx = tf.random.normal((32, 16))\n",
        slow="for _ in range(60):\n    layer = keras.layers.Dense(8)\n    y = layer(x)\n",
        twin="layer = keras.layers.Dense(8)\nfor _ in range(60):\n    y = layer(x)\n",
    ),
    Case(
        id="tf_compute_bound",
        family=20,
        title="large matrix products: TensorFlow's pools genuinely busy (real work, an info, no mistake). There "
              "is no fixed version of real work: the twin is ordinary TensorFlow work that is not compute-bound "
              "(a small model trained by a tf.function step), on which the info must not be claimed",
        rule="tf_compute_bound",
        severity="info",
        setup=(
            "import tensorflow as tf\n"
            "a = tf.random.normal((1200, 1200)) / 40.0\n"
            "w = tf.Variable(tf.random.normal((16, 1)) * 0.1)\n"
            "xs, ys = tf.random.normal((64, 16)), tf.random.normal((64, 1))\n"
            "@tf.function\n"
            "def train_step(x, y):\n"
            "    with tf.GradientTape() as tape:\n"
            "        loss = tf.reduce_mean(tf.square(x @ w - y))\n"
            "    w.assign_sub(0.01 * tape.gradient(loss, w))\n"
            "    return loss\n"
        ),
        slow=_WHILE.format(seconds=0.8) + "    a = tf.tanh(tf.matmul(a, a))\n",
        twin=_WHILE.format(seconds=0.5) + "    train_step(xs, ys)\n",
    ),
    Case(
        id="tf_gpu_ops_pinned_to_cpu",
        family=23,
        title="a GPU present but the loop pinned to the CPU by a tf.device scope",
        rule="gpu_idle_ops_on_cpu",
        constructed=(
            "no GPU on this machine: tfstate.CONSTRUCTED_GPUS = ['GPU:0'] makes tfplotguard see one, and an op "
            "counts on it unless a tf.device scope asked for a CPU (TensorFlow's default placement with a GPU); "
            "the ops themselves really ran, on this CPU"
        ),
        setup=(
            "import tensorflow as tf\n"
            "from tfplotguard.check.inspect import tfstate\n"
            "tfstate.CONSTRUCTED_GPUS = ['GPU:0']\n"
            "a = tf.random.normal((600, 600)) / 25.0\n"
        ),
        slow='with tf.device("/CPU:0"):\n' + "\n".join(
            "    " + line for line in (_WHILE.format(seconds=0.6) + "    c = tf.tanh(tf.matmul(a, a))").splitlines()
        ) + "\n",
        twin=_WHILE.format(seconds=0.6) + "    c = tf.tanh(tf.matmul(a, a))\n",
        teardown="tfstate.CONSTRUCTED_GPUS = None\n",
    ),
    Case(
        id="tf_retrace_last_batch",
        family=25,
        title="a custom training loop over a dataset whose last batch is smaller: the step traced again for it "
              "(issue 27); the twin drops the remainder",
        rule="retracing",
        # The optimizer built beforehand: neither cell's first trace creates variables (the slow cell's
        # would be traced twice by design, the twin's not).
        setup=_TRAINING + "optimizer.build(model.trainable_variables)\n",
        slow=_STEP + (
            "ds = tf.data.Dataset.from_tensor_slices((X, Y)).shuffle(1000).batch(64)\n"
            "for epoch in range(3):\n"
            "    for xb, yb in ds:\n"
            "        train_step(xb, yb)\n"
        ),
        twin=_STEP + (
            "ds = tf.data.Dataset.from_tensor_slices((X, Y)).shuffle(1000).batch(64, drop_remainder=True)\n"
            "for epoch in range(3):\n"
            "    for xb, yb in ds:\n"
            "        train_step(xb, yb)\n"
        ),
    ),
    Case(
        id="tf_tiny_batches_by_hand",
        family=26,
        title="a custom training loop calling its tf.function step on one example at a time (issue 27); the "
              "twin feeds it batches of 64",
        rule="tiny_batches_by_hand",
        setup=_TRAINING + _STEP + "train_step(X[:1], Y[:1]), train_step(X[:64], Y[:64])  # traced outside the cells\n",
        slow="for i in range(1000):\n    train_step(X[i:i + 1], Y[i:i + 1])\n",
        twin="for i in range(0, 1000, 64):\n    train_step(X[i:i + 64], Y[i:i + 64])\n",
    ),
]
