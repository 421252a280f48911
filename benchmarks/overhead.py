"""What measuring costs a whole cell: ``python -m benchmarks.overhead [--quick] [--rounds N] [--workload NAME] [--breakdown]``.

Five workloads, each in a fresh Python process and a real IPython
``InteractiveShell`` (no kernel) with ``%load_ext tfplotguard`` and
``%load_ext pyinstrument``: a pure-Python loop of ~1 s, 3,000 calls of a small
``tf.function``, a ``tf.data`` loop (``range`` → ``map`` → ``batch``, built and
iterated in the cell), a small Keras ``fit`` and 9,000 small eager ops. Each
cell runs plain, as ``%%tfcheck --quiet`` and as ``%%pyinstrument`` (its report
rendered and captured, as a notebook would show it), all through
``shell.run_cell`` with the output captured, the garbage collector on (as in a
notebook), after a warm-up of every variant.

Timing: mirrored blocks, plain-tfcheck-pyinstrument-pyinstrument-tfcheck-plain
(``timing.mirrored``; the variants' order shuffled per block), at least 5 of
them; a variant's ratio is the median over blocks of its two times over the
plain cell's two in the same block, which cancels a shared machine's drift.
Each run's CPU time is kept too, the process's and the main thread's
(``time.thread_time``), in the same blocks: on a shared machine a wait for a
core moves the wall time by far more than the measurement costs, and the main
thread's CPU leaves out TensorFlow's pools and tfcheck's own threads. The
machine's load is shown as a 250 ms busy loop timed before and after. Results:
``benchmarks/RESULTS_overhead.md``.

``--breakdown`` runs the Keras ``fit`` and eager-op cells (``--workload`` picks
others) under ``%%tfcheck --quiet`` with parts of the measurement switched off
in the benchmark's process only (monkeypatched: the op callback, the patching
probes, the stack sampler via ``--no-stacks``, the CPU meter's ticks via
``--interval``), and times one eager op with no op callback, a no-op one, and
:class:`~tfplotguard.check.probes.ops.OpProbe`'s.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

from .shell import loaded_shell
from .timing import fmt_time, mirrored, table

ROOT = Path(__file__).resolve().parents[1]

#: name → (label, setup source, cell source, quick cell source); ``N`` in the sources is set per run.
WORKLOADS = {
    "python": ("pure-Python loop, ~1 s", "",
               "s = 0\nfor i in range(N):\n    s += i * i\n"),
    "tf_function": ("3,000 calls of a small `tf.function`",
                    "@tf.function\ndef step(x):\n    return x * 2.0 + 1.0\nx = tf.ones((8, 8))\nstep(x)\n",
                    "for _ in range(N):\n    y = step(x)\n"),
    "tf_data": ("`tf.data`: range → map → batch, built and iterated",
                "",
                "ds = tf.data.Dataset.range(N).map(lambda v: v * 2 + 1).batch(32)\nbatches = 0\n"
                "for batch in ds:\n    batches += 1\n"),
    "keras_fit": ("Keras `fit`, 2 Dense layers, 3 epochs of 64 steps",
                  "import numpy as np\nimport keras\nkeras.utils.set_random_seed(0)\n"
                  "model = keras.Sequential([keras.Input((20,)), keras.layers.Dense(64, activation='relu'),\n"
                  "                          keras.layers.Dense(1)])\nmodel.compile(optimizer='adam', loss='mse')\n"
                  "xs = np.random.rand(2048, 20).astype('float32')\nys = np.random.rand(2048, 1).astype('float32')\n",
                  "model.fit(xs, ys, epochs=N, batch_size=32, verbose=0)\n"),
    "eager_ops": ("9,000 small eager ops (add, matmul, relu on 8×8)",
                  "a = tf.ones((8, 8))\nb = tf.ones((8, 8)) * 0.1\n",
                  "for _ in range(N):\n    c = tf.add(a, b)\n    c = tf.matmul(c, b)\n    c = tf.nn.relu(c)\n"),
}
#: N per workload: the full run's, the quick run's (``python``'s N is calibrated to the seconds given).
SIZES = {"python": (1.0, 0.1), "tf_function": (3000, 300), "tf_data": (20000, 2000), "keras_fit": (3, 1),
         "eager_ops": (3000, 300)}
PREFIX = {"plain": "", "tfcheck": "%%tfcheck --quiet\n", "pyinstrument": "%%pyinstrument\n"}

#: ``--breakdown``: name → (label, cell magic line, the parts switched off by monkeypatching).
BREAKDOWN = {
    "tfcheck": ("`%%tfcheck --quiet`, everything on", "%%tfcheck --quiet", ()),
    "no_ops": ("no op callback (`OpProbe.start` → False)", "%%tfcheck --quiet", ("ops",)),
    "no_stacks": ("`--no-stacks`", "%%tfcheck --quiet --no-stacks", ()),
    "no_probes": ("no patching probes (`Probes.begin` a no-op)", "%%tfcheck --quiet", ("probes",)),
    "slow_meter": ("`--interval 1000` (CPU meter ticks once a second)", "%%tfcheck --quiet --interval 1000", ()),
    "none": ("all four off (the fixed rest: report, findings)", "%%tfcheck --quiet --no-stacks --interval 1000",
             ("ops", "probes")),
}


def busy_loop(seconds: float = 0.25, n: int | None = None) -> tuple[int, float]:
    """A pure-Python loop: ``(n, seconds it took)``; with ``n=None`` it is sized to take ``seconds`` first."""
    if n is None:
        n = 100_000
        while True:
            t0 = time.perf_counter()
            s = 0
            for i in range(n):
                s += i
            took = time.perf_counter() - t0
            if took > 0.05:
                n = int(n * seconds / took)
                break
            n *= 4
    t0 = time.perf_counter()
    s = 0
    for i in range(n):
        s += i
    return n, time.perf_counter() - t0


# -- the child process: one workload ----------------------------------------------------------------


def _shell():
    shell = loaded_shell("tfplotguard", "pyinstrument")
    _run(shell, "import time\nimport tensorflow as tf\n")
    return shell


def _run(shell, source: str) -> None:
    from IPython.utils.capture import capture_output

    with capture_output():
        result = shell.run_cell(source, store_history=False)
    if not result.success:
        raise RuntimeError(f"benchmark cell failed: {result.error_in_exec or result.error_before_exec!r}")


#: Process CPU seconds of each run of each variant, in order (``_variant``'s runs append to it).
CPU: dict[str, list[float]] = {}


def _variant(shell, source: str, switched_off=(), name: str = ""):
    undo = []
    cpu = CPU.setdefault(name, [])

    def run(_state):
        cpu0, main0 = time.process_time(), time.thread_time()
        _run(shell, source)
        cpu.append((time.process_time() - cpu0, time.thread_time() - main0))

    def setup():
        for part in switched_off:
            undo.append(_switch_off(part))

    def teardown(_state):
        while undo:
            undo.pop()()

    return (setup, run, teardown)


def _switch_off(part: str):
    """Monkeypatch one part of ``%%tfcheck`` away, in this process only; returns the undo."""
    if part == "ops":
        from tfplotguard.check.probes.ops import OpProbe as owner

        name, replacement = "start", lambda self: False
    elif part == "probes":
        from tfplotguard.check.probes import Probes as owner

        name, replacement = "begin", lambda self: self
    else:
        raise ValueError(part)
    original = owner.__dict__[name]
    setattr(owner, name, replacement)
    return lambda: setattr(owner, name, original)


def _size(name: str, quick: bool) -> int:
    size = SIZES[name][1 if quick else 0]
    if name == "python":  # calibrated: N iterations of the loop take ~size seconds here
        n = 100_000
        while True:
            t0 = time.perf_counter()
            s = 0
            for i in range(n):
                s += i * i
            took = time.perf_counter() - t0
            if took > 0.1:
                return int(n * size / took)
            n *= 4
    return size


def run_one(name: str, rounds: int, quick: bool, breakdown: bool, shell=None) -> dict:
    """In this process: a shell (a fresh one by default), one workload, its variants in mirrored blocks; the
    samples (JSON-able)."""
    shell = shell or _shell()
    _, setup, cell = WORKLOADS[name]
    n = _size(name, quick)
    if setup:
        _run(shell, setup)
    _run(shell, f"N = {n}\n")
    if breakdown:
        variants = {key: _variant(shell, f"{magic}\n{cell}", off, key) for key, (_, magic, off) in BREAKDOWN.items()}
    else:
        variants = {key: _variant(shell, PREFIX[key] + cell, name=key) for key in ("tfcheck", "pyinstrument")}
    baseline = _variant(shell, cell, name="plain")
    for variant in (baseline, *variants.values()):  # warm-up: traces, caches, the sampler thread, imports
        setup_, run, teardown = variant
        state = setup_()
        run(state)
        teardown(state)
    for runs in CPU.values():
        runs.clear()
    blocks = mirrored(baseline, variants, repeats=rounds, warmup=0, collector=True)
    # The same blocks in CPU seconds, the process's and the main thread's (a loaded machine's waits for a
    # core left out; the main thread's also leaves out TensorFlow's pools and tfcheck's own threads).
    plain = CPU["plain"]
    for key in variants:
        runs = CPU[key]
        for index, prefix in ((0, "cpu_"), (1, "main_")):
            a = [(plain[2 * k][index] + plain[2 * k + 1][index]) / 2 for k in range(rounds)]
            b = [(runs[2 * k][index] + runs[2 * k + 1][index]) / 2 for k in range(rounds)]
            blocks[key][prefix + "a"], blocks[key][prefix + "b"] = a, b
            blocks[key][prefix + "ratio"] = [y / x for x, y in zip(a, b)]
    out = {"name": name, "n": n, "blocks": blocks}
    if breakdown and name == "eager_ops":
        out["per_op"] = per_op_costs(quick)
    return out


def per_op_costs(quick: bool) -> dict[str, float]:
    """Seconds per eager op (``tf.add`` of two 8×8 tensors), wall and the main thread's CPU: no op callback, a
    no-op one, ``OpProbe``'s while it counts, and once it has counted its :data:`EAGER_OPS_COUNTED` ops."""
    import tensorflow as tf
    from tensorflow.python.framework import op_callbacks

    from tfplotguard.check.probes.ops import OpProbe

    from tfplotguard.check.probes import ops as opsprobe

    cap = getattr(opsprobe, "EAGER_OPS_COUNTED", None)  # None: a probe that counts every op
    a, b = tf.ones((8, 8)), tf.ones((8, 8))
    n = 500 if quick else 1990  # under the cap: a fresh probe counts every op of the loop

    def loop():
        t0, c0 = time.perf_counter(), time.thread_time()
        for _ in range(n):
            tf.add(a, b)
        return (time.perf_counter() - t0) / n, (time.thread_time() - c0) / n

    def noop(op_type, inputs, attrs, outputs, op_name=None, graph=None):
        return None

    def with_noop():
        op_callbacks.add_op_callback(noop)
        try:
            return loop()
        finally:
            op_callbacks.remove_op_callback(noop)

    def with_probe():
        probe = OpProbe()
        probe.start()
        try:
            return loop()
        finally:
            probe.stop()

    def past_cap():
        probe = OpProbe()
        probe.start()
        try:
            for _ in range(cap):
                tf.add(a, b)
            return loop()
        finally:
            probe.stop()

    kinds = {"none": loop, "noop": with_noop, "probe": with_probe}
    if cap is not None:
        kinds["probe, past its cap"] = past_cap
    samples: dict[str, list[tuple[float, float]]] = {k: [] for k in kinds}
    for round_index in range(4 if quick else 12):
        order = list(kinds) if round_index % 2 == 0 else list(reversed(kinds))
        for kind in order + order[::-1]:
            took = kinds[kind]()
            if round_index:
                samples[kind].append(took)
    return {kind: [statistics.median(v[0] for v in values), statistics.median(v[1] for v in values)]
            for kind, values in samples.items()}


# -- the parent: one process per workload -----------------------------------------------------------


def _spawn(names: list[str], rounds: int, quick: bool, breakdown: bool) -> list[dict]:
    """The workloads' results, run one after the other in one fresh process."""
    command = [sys.executable, "-m", "benchmarks.overhead", "--one", ",".join(names), "--rounds", str(rounds)]
    command += ["--quick"] if quick else []
    command += ["--breakdown"] if breakdown else []
    proc = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=1200)
    results = [json.loads(line) for line in proc.stdout.splitlines() if line.startswith("{")]
    if proc.returncode != 0 or len(results) != len(names):
        raise RuntimeError(f"workloads {names} failed: {(proc.stderr or proc.stdout)[-2000:]}")
    return results


def _spawn_all(names: list[str], rounds: int, quick: bool, breakdown: bool) -> list[dict]:
    """A fresh process per workload; the quick run's in one process (a smoke run: TensorFlow imported once)."""
    if quick:
        return _spawn(names, rounds, quick, breakdown)
    return [result for name in names for result in _spawn([name], rounds, quick, breakdown)]


def _cell(block: dict, prefix: str = "") -> str:
    ratio = statistics.median(block[prefix + "ratio"])
    return f"{fmt_time(statistics.median(block[prefix + 'b']))} ({ratio:.2f}×)"


def bench_overhead(quick: bool, rounds: int | None = None, names=None) -> tuple[str, dict[str, float]]:
    """The table (markdown) and ``%%tfcheck --quiet``'s ratio per workload."""
    rounds = rounds or (2 if quick else 5)
    names = names or list(WORKLOADS)
    load_before = busy_loop()
    results = _spawn_all(names, rounds, quick, False)
    load_after = busy_loop(n=load_before[0])
    rows, ratios = [], {}
    for result in results:
        blocks = result["blocks"]
        ratios[result["name"]] = statistics.median(blocks["tfcheck"]["ratio"])
        rows.append([WORKLOADS[result["name"]][0], fmt_time(statistics.median(blocks["tfcheck"]["a"])),
                     _cell(blocks["tfcheck"]), _cell(blocks["pyinstrument"]),
                     " / ".join(f"{statistics.median(blocks[key][prefix + 'ratio']):.2f}×"
                                for prefix in ("cpu_", "main_") for key in ("tfcheck", "pyinstrument"))])
    text = (f"Each workload in a fresh process and IPython shell; {rounds} mirrored blocks "
            "(plain, `%%tfcheck --quiet`, `%%pyinstrument`, then back), variants' order shuffled per block; "
            "times: medians of the blocks' means; ratios (×): the median of the blocks' ratios to the plain cell. "
            f"Load: a 250 ms busy loop took {fmt_time(load_before[1])} before, {fmt_time(load_after[1])} after."
            + (" Quick run: every cell a tenth of its size, all in one process." if quick else "") + "\n\n"
            + table(["workload", "plain", "`%%tfcheck --quiet`", "`%%pyinstrument`",
                     "CPU ratios: process (tfcheck / pyinstrument) / main thread (tfcheck / pyinstrument)"],
                    rows))
    return text, ratios


def bench_breakdown(quick: bool, rounds: int | None = None, names=None) -> str:
    """Where ``%%tfcheck``'s overhead comes from: the ratio with each part switched off; the per-op costs."""
    rounds = rounds or (2 if quick else 5)
    names = names or ["keras_fit", "eager_ops"]
    load_before = busy_loop()
    results = _spawn_all(names, rounds, quick, True)
    load_after = busy_loop(n=load_before[0])
    kinds = (("", "wall"), ("cpu_", "process CPU"), ("main_", "main thread's CPU"))
    headers = ["`%%tfcheck --quiet` with"] + [f"{WORKLOADS[r['name']][0]}: {kind}" for r in results
                                              for _, kind in kinds]
    rows = [["plain cell"] + [fmt_time(statistics.median(r["blocks"]["tfcheck"][prefix + "a"])) for r in results
                              for prefix, _ in kinds]]
    for key, (label, _, _) in BREAKDOWN.items():
        rows.append([label] + [_cell(r["blocks"][key], prefix) for r in results for prefix, _ in kinds])
    text = (f"{rounds} mirrored blocks per workload (plain, each variant, each variant again in reverse, plain). "
            f"Load: a 250 ms busy loop took {fmt_time(load_before[1])} before, {fmt_time(load_after[1])} after.\n\n"
            + table(headers, rows))
    for result in results:
        per_op = result.get("per_op")
        if per_op:
            text += ("\n\nOne eager op (`tf.add` of two 8×8 tensors), medians of interleaved loops:\n\n"
                     + table(["op callback", "wall per op", "added", "main thread's CPU per op", "added"],
                             [[kind, fmt_time(per_op[kind][0]),
                               "" if kind == "none" else f"{(per_op[kind][0] - per_op['none'][0]) * 1e6:+.2f} µs",
                               fmt_time(per_op[kind][1]),
                               "" if kind == "none" else f"{(per_op[kind][1] - per_op['none'][1]) * 1e6:+.2f} µs"]
                              for kind in per_op]))
    return text


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.overhead", description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small cells, 2 blocks (a smoke run)")
    parser.add_argument("--rounds", type=int, default=None, help="mirrored blocks per workload (default 5)")
    parser.add_argument("--workload", action="append", choices=list(WORKLOADS), help="only this one (repeatable)")
    parser.add_argument("--breakdown", action="store_true", help="switch parts of %%tfcheck off, one at a time")
    parser.add_argument("--one", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.one:
        shell = _shell()
        for name in args.one.split(","):
            print(json.dumps(run_one(name, args.rounds or 5, args.quick, args.breakdown, shell)), flush=True)
        return 0
    started = time.perf_counter()
    if args.breakdown:
        print(bench_breakdown(args.quick, args.rounds, args.workload))
    else:
        print(bench_overhead(args.quick, args.rounds, args.workload)[0])
    print(f"\n(took {time.perf_counter() - started:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
