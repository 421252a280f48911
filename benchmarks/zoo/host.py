"""Zoo cases of Python and the host (families 11, 13, 14, 15, 19, 21): see :mod:`benchmarks.zoo`."""

from __future__ import annotations

from . import Case

CASES: list[Case] = [
    Case(
        id="host_nested_lists", family=11, title="a tensor built from a nested Python list every step",
        rule="python_lists_to_tensors",
        setup=("import numpy as np, tensorflow as tf\n"
               "rows = [[float(i + j) for j in range(64)] for i in range(256)]\n"
               "w = tf.random.normal([64, 8])\n"),
        slow=("for step in range(200):\n"
              "    x = tf.convert_to_tensor(rows)\n"
              "    y = tf.matmul(x, w)\n"),
        twin=("x = tf.convert_to_tensor(np.asarray(rows, dtype=np.float32))\n"
              "for step in range(200):\n"
              "    y = tf.matmul(x, w)\n"),
    ),
    Case(
        id="host_tensor_elements", family=13, title="a Python loop over a tensor's elements",
        rule="tensor_elements_in_python",
        setup="import tensorflow as tf\nt = tf.random.normal([2500], seed=1)\n",
        slow=("total = 0.0\n"
              "for v in t:\n"
              "    total += float(v)\n"),
        twin="total = float(tf.reduce_sum(t))\n",
    ),
    Case(
        id="host_tensor_indexing", family=13, title="a tensor indexed with Python integers in a loop",
        rule="tensor_elements_in_python",
        # 3,000 scores: with 1,500 the eager-op-loop finding explained 0.06 s, near the 50 ms floor
        setup="import numpy as np, tensorflow as tf\nscores = tf.random.uniform([3000], seed=4)\n",
        slow=("passed = []\n"
              "for i in range(3000):\n"
              "    if scores[i] > 0.5:\n"
              "        passed.append(i)\n"),
        twin="passed = tf.where(scores > 0.5)[:, 0].numpy().tolist()\n",
    ),
    Case(
        id="host_numpy_every_step", family=14, title=".numpy() of each step's result, every step",
        rule="numpy_in_loop",
        setup="import numpy as np, tensorflow as tf\nx = tf.random.normal([512, 1024], seed=2)\n",
        slow=("history = []\n"
              "for step in range(150):\n"
              "    y = x * float(step)\n"
              "    history.append(y.numpy())\n"),
        twin=("history = []\n"
              "for step in range(150):\n"
              "    y = x * float(step)\n"
              "    history.append(np.asarray(y))\n"),
    ),
    Case(
        id="host_numpy_large_copy", family=15, title=".numpy() of a large CPU tensor where np.asarray would do",
        rule="numpy_copy_large_cpu",
        # 1 GB: a copy into memory the process had freed took 36 ms for 400 MB on a fast machine, under the 50 ms floor
        # (CI: one run of five unshown); 784 MB took 68-84 ms there, 1 GB keeps a margin.
        setup="import numpy as np, tensorflow as tf\nbig = tf.random.normal([16000, 16000], seed=3)\n",
        slow="a = big.numpy()\nstats = (a.min(), a.max())\n",
        twin="a = np.asarray(big)\nstats = (a.min(), a.max())\n",
    ),
    Case(
        id="host_python_loop", family=19, title="a pure-Python hot loop NumPy would vectorise",
        rule="python_hot_loop", severity="info", min_share=0.5,
        setup="import numpy as np\npoints = np.random.default_rng(0).random((1600, 2)).tolist()\n",  # 1,200 points: 0.23-0.30 s on a fast machine, at the rule's 0.25 s floor
        slow=("total = 0.0\n"
              "for x1, y1 in points:\n"
              "    for x2, y2 in points:\n"
              "        total += ((x1 - x2) ** 2 + (y1 - y2) ** 2) ** 0.5\n"),
        twin=("p = np.asarray(points)\n"
              "total = float(np.sqrt(((p[:, None, :] - p[None, :, :]) ** 2).sum(axis=-1)).sum())\n"),
    ),
    Case(
        id="host_print_every_step", family=21, title="print inside a hot loop",
        rule="output_in_loop",
        setup="import math\n",
        slow=("for step in range(50000):\n"
              "    loss = math.exp(-step / 5000)\n"
              "    print(f\"step {step}: loss {loss:.4f}\")\n"),
        twin=("for step in range(50000):\n"
              "    loss = math.exp(-step / 5000)\n"
              "    if step % 5000 == 0:\n"
              "        print(f\"step {step}: loss {loss:.4f}\")\n"
              "print(f\"final loss {loss:.4f}\")\n"),
    ),
    Case(
        id="host_logging_every_step", family=21, title="logging.info inside a hot loop",
        rule="output_in_loop",
        setup=("import logging, math\n"
               "log = logging.getLogger(\"zoo.training\")\n"
               "log.setLevel(logging.INFO)\n"
               "log.propagate = False\n"
               "log.addHandler(logging.StreamHandler())\n"),
        slow=("for step in range(20000):\n"
              "    loss = math.exp(-step / 5000)\n"
              "    log.info(\"step %d: loss %.4f\", step, loss)\n"),
        twin=("for step in range(20000):\n"
              "    loss = math.exp(-step / 5000)\n"
              "    if step % 5000 == 0:\n"
              "        log.info(\"step %d: loss %.4f\", step, loss)\n"),
        teardown="log.handlers.clear()\n",
    ),
]
