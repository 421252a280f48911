"""Memory under ``%%tfcheck``: ``python -m benchmarks.memory_bench [--quick] [--repeats N]``.

Issue 30: the stack sampler kept the cell's tensors alive (a loop of large
tensors grew the process by +1,150 MiB under ``%%tfcheck --quiet`` against
+89 MiB plain). Two workloads, each run plain, under ``%%tfcheck --quiet`` and
under ``%%tfcheck --quiet --no-stacks``:

- ``tf loop``: the issue's cell, 40 × a (60000, 64) ``tf.random.normal`` tensor,
  its ``.numpy()``, ``np.histogram`` and a ``reduce_sum``;
- ``keras fit``: 12 epochs (one batch each) of a model with three 2048-wide Dense layers
  (9.5 M parameters, 36 MiB) on 256 synthetic rows, with a callback that takes
  ``model.get_weights()`` at every epoch end and concatenates them.

Every run is a fresh Python process with a real IPython ``InteractiveShell``
and the extension loaded; TensorFlow (and Keras) are warmed up by a small
cell of the same kind before the measured cell. Reported per run: the cell's
wall time and its peak resident-set growth (VmHWM, reset right before the cell,
minus the resident set then; where the reset is refused, the resident set after
the cell: TensorFlow's CPU allocator keeps the pages of its peak anyway). The
runs are interleaved (plain, quiet, no-stacks, plain, ...); the table shows
medians and each median's ratio to the plain one. Not part of ``python -m
benchmarks``: a fresh process per run takes ~10 s.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

from .timing import fmt_time, table

ROOT = Path(__file__).resolve().parents[1]
MiB = 2**20

MODES = {"plain": "", "quiet": "%%tfcheck --quiet\n", "no-stacks": "%%tfcheck --quiet --no-stacks\n"}
MODE_LABELS = {"plain": "plain", "quiet": "`%%tfcheck --quiet`", "no-stacks": "`%%tfcheck --quiet --no-stacks`"}

_LOOP = """\
for i in range({n}):
    w = tf.random.normal(({rows}, 64))
    a = w.numpy().ravel()
    h = np.histogram(a, bins=30)
    s = tf.reduce_sum(tf.cast(w > 0, tf.float32))
"""

_KERAS_SETUP = """\
import keras
class WeightStats(keras.callbacks.Callback):
    def __init__(self):
        super().__init__()
        self.norms = []
    def on_epoch_end(self, epoch, logs=None):
        weights = self.model.get_weights()
        flat = np.concatenate([x.ravel() for x in weights])
        self.norms.append(float(np.abs(flat).mean()))
def make_model(width):
    model = keras.Sequential([keras.Input((512,)), keras.layers.Dense(width, activation="relu"),
                              keras.layers.Dense(width, activation="relu"),
                              keras.layers.Dense(width, activation="relu"), keras.layers.Dense(10)])
    model.compile(optimizer="adam", loss="mse")
    return model
X = np.random.default_rng(0).normal(size=(256, 512)).astype("float32")
Y = np.random.default_rng(1).normal(size=(256, 10)).astype("float32")
"""

_FIT = """\
model = make_model({width})
stats = WeightStats()
history = model.fit(X, Y, epochs={epochs}, batch_size=256, verbose=0, callbacks=[stats])
"""


def workloads(quick: bool) -> dict:
    """name → (label, setup cell, warm-up cell, measured cell)."""
    n, epochs = (10, 4) if quick else (40, 12)
    return {
        "tf loop": (f"tf loop: {n} × (60000, 64) tensor, .numpy(), np.histogram, reduce_sum", "",
                    _LOOP.format(n=3, rows=1000), _LOOP.format(n=n, rows=60_000)),
        "keras fit": (f"keras fit: {epochs} epochs, 3 × Dense(2048), get_weights() each epoch", _KERAS_SETUP,
                      _FIT.format(width=64, epochs=2), _FIT.format(width=2048, epochs=epochs)),
    }


# -- one run, in a fresh process ------------------------------------------------------------

def _hwm_resettable() -> bool:
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")  # VmHWM restarts from the current resident set
        return True
    except OSError:
        return False


def _status_bytes(field: str) -> int:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1]) * 1024
    raise KeyError(field)


def run_one(workload: str, mode: str, quick: bool) -> dict:
    """Run ``workload`` once in this process under ``mode``: {"wall_s", "peak_growth", "rss_growth", "hwm"}."""
    import gc

    import psutil
    from IPython.core.interactiveshell import InteractiveShell
    from IPython.utils.capture import capture_output

    _label, setup, warmup, cell = workloads(quick)[workload]
    shell = InteractiveShell.instance()
    with capture_output() as cap:
        for source in ("import numpy as np, tensorflow as tf\n", "%load_ext tfplotguard", setup, warmup):
            if source and not shell.run_cell(source, store_history=False).success:
                raise RuntimeError(f"setup failed: {cap.stdout}{cap.stderr}")
    gc.collect()
    proc = psutil.Process()
    hwm = sys.platform.startswith("linux") and _hwm_resettable()
    rss0 = proc.memory_info().rss
    t0 = time.perf_counter()
    with capture_output() as cap:
        result = shell.run_cell(MODES[mode] + cell, store_history=False)
    wall = time.perf_counter() - t0
    rss1 = proc.memory_info().rss
    if not result.success:
        raise RuntimeError(f"the measured cell failed: {cap.stdout}{cap.stderr}")
    peak = _status_bytes("VmHWM") if hwm else rss1
    return {"wall_s": wall, "peak_growth": peak - rss0, "rss_growth": rss1 - rss0, "hwm": hwm}


def _spawn(workload: str, mode: str, quick: bool, timeout: float) -> dict:
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2", MPLBACKEND="Agg")
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH")) if p)
    command = [sys.executable, "-m", "benchmarks.memory_bench", "--one", workload, mode] + (["--quick"] if quick else [])
    proc = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout, check=False)
    if proc.returncode != 0:
        raise RuntimeError(f"{workload} / {mode} failed ({proc.returncode}):\n{proc.stderr[-3000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


# -- the table ------------------------------------------------------------------------------

def bench_memory(quick: bool, repeats: int | None = None, timeout: float = 600) -> tuple[str, dict]:
    """Run every workload × mode ``repeats`` times, interleaved; return (markdown, {(workload, mode): medians})."""
    repeats = repeats or (1 if quick else 3)
    runs: dict[tuple[str, str], list[dict]] = {}
    specs = workloads(quick)
    for round_index in range(repeats):
        for workload in specs:
            for mode in MODES:
                runs.setdefault((workload, mode), []).append(_spawn(workload, mode, quick, timeout))
    medians = {key: {"wall_s": statistics.median(r["wall_s"] for r in got),
                     "peak_growth": statistics.median(r["peak_growth"] for r in got),
                     "spread": (min(r["peak_growth"] for r in got), max(r["peak_growth"] for r in got))}
               for key, got in runs.items()}
    rows = []
    for workload, (label, *_cells) in specs.items():
        base = medians[(workload, "plain")]
        for mode in MODES:
            m = medians[(workload, mode)]
            lo, hi = m["spread"]
            rows.append([label if mode == "plain" else "", MODE_LABELS[mode], fmt_time(m["wall_s"]),
                         f"{m['wall_s'] / base['wall_s']:.2f}×", f"+{m['peak_growth'] / MiB:.0f} MiB",
                         f"{lo / MiB:.0f}-{hi / MiB:.0f}" if repeats > 1 else "",
                         f"{m['peak_growth'] / max(base['peak_growth'], 1):.2f}×"])
    hwm = all(r["hwm"] for got in runs.values() for r in got)
    out = (f"Memory under `%%tfcheck` ({repeats} fresh process{'es' if repeats > 1 else ''} per row, interleaved; "
           f"medians; peak RSS growth: {'VmHWM reset before the cell' if hwm else 'RSS after the cell'} "
           f"minus RSS before it)\n\n"
           + table(["workload", "run", "wall", "× plain", "peak RSS growth", "range (MiB)", "× plain"], rows))
    return out, medians


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.memory_bench", description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller cells, one run each (a smoke run)")
    parser.add_argument("--repeats", type=int, help="fresh processes per row (default 3; --quick: 1)")
    parser.add_argument("--one", nargs=2, metavar=("WORKLOAD", "MODE"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.one:
        print(json.dumps(run_one(args.one[0], args.one[1], args.quick)))
        return 0
    started = time.perf_counter()
    out, _ = bench_memory(args.quick, args.repeats)
    print(out)
    print(f"(memory benchmark took {time.perf_counter() - started:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
