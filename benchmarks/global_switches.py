"""Which global switches of TensorFlow and Keras slow a cell, and by how much: ``python -m benchmarks.global_switches``.

For each switch of :mod:`tfplotguard.check.inspect.switches` that can be set
on this machine, the workloads it plausibly slows (a ``tf.function`` loop, an
eager training loop, tracing, a ``tf.data`` pipeline with a random map, a Keras
``fit`` of a small CNN, large matrix products) are timed with the switch off
and on, each state in a fresh Python process (TensorFlow fixes some settings
at its first op, and some switches change what is built while they are on).
The switch is set before the workload is built, as an earlier cell leaves it.
A process times each workload ``--reps`` times after one warm-up run (which
traces and compiles) and keeps the median. The off and on processes of all
switches run in a shuffled order in every round (``--rounds``), so the load
of this shared machine drifts over both; the slowdown is the median over
rounds of on / off within a round, with the lowest and highest ratio beside
it. ``--output FILE`` writes the table as markdown
(``benchmarks/RESULTS_global_switches.md``), with the machine and its load.

The factors in the table bound what the ``global_switch`` finding may say a
switch cost a cell (``tfplotguard/check/findings/rules_switches.py``).
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

#: Workloads: ``(what it is, setup code, timed code)``. The setup builds after the switch is set.
WORKLOADS = {
    "tf_function": (
        "a tf.function called 300 times (20 matmul + tanh of 32×64 each)",
        "@tf.function\n"
        "def step(w, x):\n"
        "    for _ in range(20):\n"
        "        x = tf.tanh(x @ w)\n"
        "    return tf.reduce_sum(x)\n"
        "w = tf.random.normal((64, 64), seed=1) * 0.1\n"
        "x = tf.random.normal((32, 64), seed=2)\n",
        "for _ in range(300):\n    step(w, x)\n",
    ),
    "eager_loop": (
        "an eager training loop, 60 steps of a linear model (GradientTape)",
        "wv = tf.Variable(tf.random.normal((16, 1), seed=1) * 0.1)\n"
        "bv = tf.Variable(tf.zeros((1,)))\n"
        "xs = tf.random.normal((64, 16), seed=2)\n"
        "ys = tf.random.normal((64, 1), seed=3)\n"
        "def train_step():\n"
        "    with tf.GradientTape() as tape:\n"
        "        loss = tf.reduce_mean(tf.square(xs @ wv + bv - ys))\n"
        "    gw, gb = tape.gradient(loss, [wv, bv])\n"
        "    wv.assign_sub(0.01 * gw)\n"
        "    bv.assign_sub(0.01 * gb)\n",
        "for _ in range(60):\n    train_step()\n",
    ),
    "tracing": (
        "10 new tf.functions traced (30 ops each)",
        "def body(x):\n"
        "    for i in range(10):\n"
        "        x = tf.nn.relu(x * 0.5 + float(i))\n"
        "        x = tf.where(tf.reduce_sum(x) > 0.0, x - 1.0, x)\n"
        "    return x\n"
        "xt = tf.ones((4, 4))\n",
        "for _ in range(10):\n    tf.function(body)(xt)\n",
    ),
    "tf_data": (
        "a tf.data pipeline: range(512) → map(random 64×64×3 image, random flip, resize to 96×96; "
        "num_parallel_calls=AUTOTUNE) → batch(32) → prefetch, iterated once",
        "def augment(i):\n"
        "    img = tf.random.uniform((64, 64, 3))\n"
        "    img = tf.image.random_flip_left_right(img)\n"
        "    return tf.image.resize(img, (96, 96))\n"
        "ds = (tf.data.Dataset.range(512).map(augment, num_parallel_calls=tf.data.AUTOTUNE)\n"
        "      .batch(32).prefetch(tf.data.AUTOTUNE))\n",
        "for batch in ds:\n    pass\n",
    ),
    "keras_fit": (
        "Keras fit, 1 epoch of a small CNN (2 Conv2D, 512 images 32×32×3, batch 64)",
        "import numpy as np\n"
        "import keras\n"
        "first = keras.config.image_data_format() == 'channels_first'\n"
        "shape = (3, 32, 32) if first else (32, 32, 3)\n"
        "rng = np.random.default_rng(0)\n"
        "xk = rng.random((512,) + shape, dtype=np.float32)\n"
        "yk = rng.integers(0, 10, 512)\n"
        "model = keras.Sequential([keras.Input(shape), keras.layers.Conv2D(16, 3, activation='relu'),\n"
        "    keras.layers.MaxPooling2D(), keras.layers.Conv2D(32, 3, activation='relu'),\n"
        "    keras.layers.GlobalAveragePooling2D(), keras.layers.Dense(10)])\n"
        "model.compile('adam', keras.losses.SparseCategoricalCrossentropy(from_logits=True))\n",
        "model.fit(xk, yk, batch_size=64, epochs=1, verbose=0)\n",
    ),
    "matmul": (
        "large matrix products: 8 eager 1000×1000 float32 matmuls",
        "a = tf.random.normal((1000, 1000), seed=1)\n",
        "for _ in range(8):\n    c = tf.linalg.matmul(a, a)\n_ = c.numpy()\n",
    ),
}

#: ``{name: (switch id, code that sets it, environment, workloads)}``; the code runs before any op.
CONFIGS = {
    "run_functions_eagerly": ("run_functions_eagerly", "tf.config.run_functions_eagerly(True)", {},
                              ("tf_function",)),
    "check_numerics": ("check_numerics", "tf.debugging.enable_check_numerics()", {},
                       ("eager_loop", "tf_function", "keras_fit")),
    "dump_debug_info": ("dump_debug_info",
                        "tf.debugging.experimental.enable_dump_debug_info(tempfile.mkdtemp())", {},
                        ("eager_loop", "tf_function")),
    "data_debug_mode": ("data_debug_mode", "tf.data.experimental.enable_debug_mode()", {}, ("tf_data",)),
    "op_determinism": ("op_determinism", "tf.config.experimental.enable_op_determinism()", {},
                       ("tf_data", "tf_function", "keras_fit")),
    "log_device_placement": ("log_device_placement", "tf.debugging.set_log_device_placement(True)", {},
                             ("eager_loop", "tf_function")),
    "profiler": ("profiler", "tf.profiler.experimental.start(tempfile.mkdtemp())", {},
                 ("eager_loop", "tf_function")),
    "summary_trace": ("summary_trace", "tf.summary.trace_on(graph=True)", {}, ("tf_function",)),
    "jit": ("jit", "tf.config.optimizer.set_jit(True)", {}, ("tf_function", "keras_fit")),
    "optimizer_options": ("optimizer_options",
                          "tf.config.optimizer.set_experimental_options({'disable_meta_optimizer': True})", {},
                          ("tf_function", "keras_fit")),
    "asynchronous": ("asynchronous", "tf.config.experimental.set_synchronous_execution(False)", {},
                     ("eager_loop", "tf_function")),
    "intra_op_threads_1": ("intra_op_threads", "tf.config.threading.set_intra_op_parallelism_threads(1)", {},
                           ("matmul", "keras_fit")),
    "inter_op_threads_1": ("inter_op_threads", "tf.config.threading.set_inter_op_parallelism_threads(1)", {},
                           ("tf_data", "keras_fit")),
    "autograph_verbosity_3": ("autograph_verbosity", "tf.autograph.set_verbosity(3)", {}, ("tracing",)),
    "mixed_float16": ("keras_dtype_policy", "import keras\nkeras.config.set_dtype_policy('mixed_float16')", {},
                      ("keras_fit",)),
    "mixed_bfloat16": ("keras_dtype_policy", "import keras\nkeras.config.set_dtype_policy('mixed_bfloat16')", {},
                       ("keras_fit",)),
    "floatx_float64": ("keras_floatx", "import keras\nkeras.config.set_floatx('float64')", {}, ("keras_fit",)),
    "channels_first": ("keras_image_format", "import keras\nkeras.config.set_image_data_format('channels_first')",
                       {}, ("keras_fit",)),
    "onednn_off": ("onednn_off", "", {"TF_ENABLE_ONEDNN_OPTS": "0"}, ("matmul", "keras_fit")),
}


def _one(name: str, state: str, reps: int, out: str) -> None:
    """In this fresh process: set the switch (``state == "on"``), build and time its workloads; write JSON."""
    switch_id, code, _env, workloads = CONFIGS[name]
    import tensorflow as tf

    namespace: dict = {"tf": tf, "tempfile": tempfile}
    exec("tf.random.set_seed(0)\nimport random, numpy\nrandom.seed(0)\nnumpy.random.seed(0)\n", namespace)
    if state == "on" and code:
        exec(code, namespace)
    from tfplotguard.check.inspect import switches

    seen = switches.read().get(switch_id)
    times = {}
    source_dir = Path(tempfile.mkdtemp())
    for workload in workloads:
        _, setup, run = WORKLOADS[workload]
        # From a file, as a notebook's cells are to autograph (it converts only functions whose source it finds).
        path = source_dir / f"{workload}_setup.py"
        path.write_text(setup)
        exec(compile(setup, str(path), "exec"), namespace)
        compiled = compile(run, f"<{workload}>", "exec")
        exec(compiled, namespace)  # warm-up: traces, compiles, builds
        took = []
        for _ in range(reps):
            t0 = time.perf_counter()
            exec(compiled, namespace)
            took.append(time.perf_counter() - t0)
        times[workload] = statistics.median(took)
    Path(out).write_text(json.dumps({"seen": seen, "times": times}))


def _spawn(name: str, state: str, reps: int) -> dict:
    env = dict(os.environ)
    env.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    if state == "on":
        env.update(CONFIGS[name][2])
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "result.json"
        proc = subprocess.run([sys.executable, "-m", "benchmarks.global_switches", "--one", name, state,
                               "--reps", str(reps), "--result", str(out)],
                              cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                              timeout=600)
        if proc.returncode != 0 or not out.exists():
            tail = (proc.stderr or "").strip().splitlines()[-1:] or [f"exit status {proc.returncode}"]
            return {"error": tail[0][:160]}
        return json.loads(out.read_text())


def _ms(seconds: float) -> str:
    return f"{1000 * seconds:,.0f} ms" if seconds >= 0.01 else f"{1000 * seconds:.1f} ms"


def table(results: dict, rounds: int) -> tuple[str, dict]:
    """The markdown rows and ``{(config, workload): median ratio}`` from each round's off and on results."""
    lines = ["| switch | set by | read back on | workload | off | on | slowdown (median, range) |",
             "|---|---|---|---|---|---|---|"]
    factors = {}
    for name, (switch_id, code, env, workloads) in CONFIGS.items():
        if name not in results:  # not run (--switch)
            continue
        setting = code.splitlines()[-1] if code else " ".join(f"{k}={v}" for k, v in env.items())
        runs = results.get(name, {"off": [], "on": []})
        errors = [r["error"] for r in runs["off"] + runs["on"] if "error" in r]
        seen = {str(r.get("seen")).split(", to ")[0] for r in runs["on"] if "error" not in r}  # not the temp dirs
        seen_text = ", ".join(sorted(str(s) for s in seen)) or "-"
        for workload in workloads:
            pairs = [(off["times"][workload], on["times"][workload]) for off, on in zip(runs["off"], runs["on"])
                     if "error" not in off and "error" not in on]
            if not pairs:
                lines.append(f"| {name} | `{setting}` | - | {workload} | - | - | failed: {errors[:1]} |")
                continue
            ratios = sorted(on / off for off, on in pairs)
            factor = statistics.median(ratios)
            factors[(name, workload)] = factor
            off_s = statistics.median(p[0] for p in pairs)
            on_s = statistics.median(p[1] for p in pairs)
            lines.append(f"| {name} | `{setting}` | {seen_text} | {workload} | {_ms(off_s)} | {_ms(on_s)} | "
                         f"**{factor:.2f}×** ({ratios[0]:.2f}-{ratios[-1]:.2f}, {len(pairs)} rounds) |")
    return "\n".join(lines), factors


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.global_switches",
                                     description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=3, help="fresh off/on process pairs per switch (default 3)")
    parser.add_argument("--reps", type=int, default=3, help="timed runs of each workload per process (default 3)")
    parser.add_argument("--switch", action="append", default=None, help="only this configuration (repeatable)")
    parser.add_argument("--output", type=Path, help="also write the table as markdown to this file")
    parser.add_argument("--one", nargs=2, help=argparse.SUPPRESS)
    parser.add_argument("--result", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.one:
        _one(args.one[0], args.one[1], args.reps, args.result)
        return 0
    names = args.switch or list(CONFIGS)
    unknown = [n for n in names if n not in CONFIGS]
    if unknown:
        parser.error(f"unknown switch configuration(s) {', '.join(unknown)}; valid: {', '.join(CONFIGS)}")
    from benchmarks._kernel import machine, versions

    started = time.perf_counter()
    load_before = os.getloadavg()
    machine_before = machine()
    rng = random.Random(0)
    results: dict = {name: {"off": [], "on": []} for name in names}
    for round_index in range(args.rounds):
        order = [(name, state) for name in names for state in ("off", "on")]
        rng.shuffle(order)
        for name, state in order:
            results[name][state].append(_spawn(name, state, args.reps))
        print(f"round {round_index + 1}/{args.rounds} done ({time.perf_counter() - started:.0f} s)", flush=True)
    rows, _ = table(results, args.rounds)
    load_after = os.getloadavg()
    workloads = "\n".join(f"- `{key}`: {WORKLOADS[key][0]}" for key in WORKLOADS)
    text = (
        "# Global switches that slow every cell (`python -m benchmarks.global_switches`)\n\n"
        f"- date: {datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC\n"
        f"- machine: {machine_before}\n- {versions()}\n"
        f"- load average {load_before[0]:.1f} at the start, {load_after[0]:.1f} at the end (shared machine: "
        "other jobs ran beside this one)\n"
        f"- {args.rounds} rounds, each switch off and on in a fresh process per round, all processes of a round in a "
        f"shuffled order; each workload timed {args.reps} times after one warm-up run, the median kept; slowdown: "
        f"the median over rounds of on / off within a round; {time.perf_counter() - started:.0f} s in all\n"
        "- CPU only: no GPU on this machine (TensorFloat-32, a GPU-only switch, is not measured)\n\n"
        f"Workloads:\n\n{workloads}\n\n{rows}\n"
    )
    print(text)
    if args.output:
        args.output.write_text(text)
        print(f"wrote {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
