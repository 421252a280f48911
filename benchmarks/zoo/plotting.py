"""Zoo cases for matplotlib (families 16–18) and host memory (24): see :mod:`benchmarks.zoo`.

Real matplotlib on the Agg backend; the live-plot twin writes its frames to a
file in a temporary directory (no notebook to display them in).
"""

from __future__ import annotations

from . import Case

_SETUP = "import io\nimport numpy as np\nimport matplotlib.pyplot as plt\nx = np.linspace(0, 6, 200)\n"

CASES: list[Case] = [
    Case(
        id="mpl_figure_per_iteration", family=16, title="a new figure per iteration, never closed",
        rule="figure_per_iteration", setup=_SETUP,
        slow=("for step in range(40):\n"
              "    fig, ax = plt.subplots()\n"
              "    ax.plot(x, np.sin(x + step / 10))\n"),
        twin=("fig, ax = plt.subplots()\n"
              "line, = ax.plot(x, np.sin(x))\n"
              "for step in range(40):\n"
              "    line.set_ydata(np.sin(x + step / 10))\n"
              "fig.savefig(io.BytesIO(), format='png')\n"
              "plt.close(fig)\n"),
        teardown="plt.close('all')",
    ),
    Case(
        id="mpl_plot_call_per_point", family=17, title="one plotting call per data point",
        rule="plot_call_per_point",
        setup=_SETUP + "rng = np.random.default_rng(0)\nxs, ys = rng.random(1500), rng.random(1500)\n",
        slow=("fig, ax = plt.subplots()\n"
              "for px, py in zip(xs, ys):\n"
              "    ax.plot(px, py, 'o', color='C0')\n"),
        twin=("fig, ax = plt.subplots()\n"
              "ax.plot(xs, ys, 'o', color='C0')\n"),
        teardown="plt.close('all')",
    ),
    Case(
        id="mpl_canvas_draw_every_step", family=18, title="canvas.draw() every step of a loop",
        rule="interactive_redraws", setup=_SETUP,
        slow=("fig, ax = plt.subplots()\n"
              "line, = ax.plot(x, np.sin(x))\n"
              "for step in range(15):\n"
              "    line.set_ydata(np.sin(x + step / 10))\n"
              "    fig.canvas.draw()\n"),
        twin=("fig, ax = plt.subplots()\n"
              "line, = ax.plot(x, np.sin(x))\n"
              "for step in range(15):\n"
              "    line.set_ydata(np.sin(x + step / 10))\n"
              "fig.canvas.draw()\n"),
        teardown="plt.close('all')",
    ),
    Case(
        id="mpl_pause_every_step", family=18, title="plt.pause in a training loop (a live view done by hand)",
        rule="interactive_redraws",
        setup=(_SETUP + "import os, tempfile, warnings\nimport tensorflow as tf\nimport tfplotguard\n"
               "warnings.filterwarnings('ignore', 'FigureCanvasAgg is non-interactive')\n"
               "w = tf.Variable(tf.zeros((64, 1)))\nopt = tf.keras.optimizers.SGD(0.01)\n"
               "xb, yb = tf.random.normal((256, 64)), tf.random.normal((256, 1))\n"
               "@tf.function\ndef train_step():\n"
               "    with tf.GradientTape() as tape:\n"
               "        loss = tf.reduce_mean((xb @ w - yb) ** 2)\n"
               "    opt.apply_gradients([(tape.gradient(loss, w), w)])\n"
               "    return loss\n"
               "train_step()\nframes = os.path.join(tempfile.mkdtemp(), 'live.png')\n"),
        slow=("plt.ion()\n"
              "fig, ax = plt.subplots()\n"
              "line, = ax.plot([], [])\n"
              "losses = []\n"
              "for step in range(12):\n"
              "    losses.append(float(train_step()))\n"
              "    line.set_data(range(len(losses)), losses)\n"
              "    ax.relim()\n"
              "    ax.autoscale_view()\n"
              "    plt.pause(0.02)\n"),
        twin=("plt.ioff()\n"
              "with tfplotguard.live(output='file', path=frames) as lv:\n"
              "    for step in range(400):\n"
              "        lv.log(step, loss=train_step())\n"),
        teardown="plt.ioff()\nplt.close('all')",
    ),
    Case(
        # Arrays, not tensors: TensorFlow's CPU allocator reuses memory it freed earlier without
        # growing RSS (measured: after 1.4 GB freed, three 48 MB tensors left RSS unchanged), so in the
        # long-lived test process RSS could not show tensors kept; a new NumPy buffer always shows.
        # 256 MB a cell (and 123 MB canvases below): the weight is growth over RSS, and the test
        # process, with every other test's memory, measured ~2.7 GB (128 MB a cell weighed 14 %).
        id="mem_arrays_kept_in_a_list", family=24, title="arrays kept in a list, cell after cell",
        rule="host_memory_growth",
        setup="import numpy as np\nimport tensorflow as tf\nrng = np.random.default_rng(0)\nkept = []\nmeans = []\n",
        slow=("kept.append(rng.standard_normal(64_000_000, dtype=np.float32))\n",) * 3,
        twin=("means.append(float(rng.standard_normal(64_000_000, dtype=np.float32).mean()))\n",) * 3,
        teardown="del kept, means, rng",
    ),
    Case(
        id="mem_figures_kept_open", family=24, title="large figures saved and left open, cell after cell",
        rule="host_memory_growth", setup=_SETUP,
        slow=("for part in ('train', 'test'):\n"
              "    fig, ax = plt.subplots(figsize=(16, 12), dpi=400)\n"
              "    ax.plot(x, np.sin(x))\n"
              "    fig.savefig(io.BytesIO(), format='png')\n",) * 3,
        twin=("for part in ('train', 'test'):\n"
              "    fig, ax = plt.subplots(figsize=(16, 12), dpi=400)\n"
              "    ax.plot(x, np.sin(x))\n"
              "    fig.savefig(io.BytesIO(), format='png')\n"
              "    plt.close(fig)\n",) * 3,
        teardown="plt.close('all')",
    ),
]
