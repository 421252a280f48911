"""LivePlot's cost: a small Keras MLP trained without and with LivePlot at the default throttle.

Run from the repository root::

    python -m benchmarks.live_training            # about 1.5 min, writes benchmarks/RESULTS_live.md
    python -m benchmarks.live_training --quick    # about 20 s, writes nothing unless --output is given

One model is compiled and traced once (a warm-up round), then every variant
re-fits it for the same number of epochs: the work per fit is identical and no
variant pays for tracing. Variants run in a shuffled order in every round
(interleaved A/B/C, so drift on a shared machine hits all of them alike); the
table shows medians. "display" runs inside a real IPython ``InteractiveShell``
under ``capture_output`` (what a notebook pays, minus the kernel's socket
send); "file" writes PNG files (what a script or terminal IPython pays).
Plotting time per fit is LivePlot's own accounting (``tfplotguard.live.counters``),
which does not depend on the noise of the machine.
"""

from __future__ import annotations

import argparse
import datetime
import os
import platform
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("MPLBACKEND", "Agg")

TARGET_OVERHEAD = 0.05
RESULTS = Path(__file__).with_name("RESULTS_live.md")


def _machine() -> str:
    import IPython
    import keras
    import matplotlib
    import tensorflow as tf

    return (f"{platform.system()} {platform.machine()}, {os.cpu_count()} cores; Python {platform.python_version()}, "
            f"TensorFlow {tf.__version__} (CPU), Keras {keras.__version__}, matplotlib {matplotlib.__version__}, "
            f"IPython {IPython.__version__}; {datetime.date.today().isoformat()}")


def _model_and_data(samples: int):
    import keras
    import numpy as np

    keras.utils.set_random_seed(0)
    rng = np.random.default_rng(0)
    x = rng.standard_normal((samples, 32)).astype("float32")
    y = (x[:, :4].sum(axis=1, keepdims=True) > 0).astype("float32")
    model = keras.Sequential([
        keras.Input((32,)),
        keras.layers.Dense(64, activation="relu"),
        keras.layers.Dense(64, activation="relu"),
        keras.layers.Dense(1, activation="sigmoid"),
    ])
    model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
    return model, x, y


def run(quick: bool = False) -> tuple[str, float]:
    """Time the variants; return the markdown report and LivePlot's median own-time share (a fraction)."""
    from IPython.core.interactiveshell import InteractiveShell
    from IPython.utils.capture import capture_output

    from tfplotguard.live import LivePlot, counters

    InteractiveShell.instance()  # a real shell, so "display" goes through IPython's display publisher
    epochs, repeats = (4, 3) if quick else (20, 4)
    model, x, y = _model_and_data(8192)
    tmp = Path(tempfile.mkdtemp(prefix="tfplotguard-live-"))

    def fit(callbacks):
        model.fit(x, y, epochs=epochs, batch_size=32, validation_split=0.2, verbose=0, callbacks=callbacks)

    variants = {
        "without LivePlot": lambda: [],
        "LivePlot → display": lambda: [LivePlot(output="display")],
        "LivePlot → PNG file": lambda: [LivePlot(output="file", path=tmp / "liveplot.png")],
    }
    samples = {name: [] for name in variants}
    cpu = {name: [] for name in variants}
    frames = {name: [] for name in variants}
    plotting = {name: [] for name in variants}
    model.fit(x, y, epochs=1, batch_size=32, validation_split=0.2, verbose=0)  # trace once
    order = list(variants)
    rng = random.Random(0)
    for round_index in range(1 + repeats):  # round 0 warms up every variant
        rng.shuffle(order)
        for name in order:
            callbacks = variants[name]()
            before = counters()
            with capture_output():
                start, start_cpu = time.perf_counter(), time.process_time()
                fit(callbacks)
                elapsed, elapsed_cpu = time.perf_counter() - start, time.process_time() - start_cpu
            after = counters()
            if round_index:
                samples[name].append(elapsed)
                cpu[name].append(elapsed_cpu)
                frames[name].append(after["redraws"] - before["redraws"])
                plotting[name].append(after["seconds"] - before["seconds"])

    base_cpu = statistics.median(cpu["without LivePlot"])
    rows, share, worst = [], 0.0, 0.0
    for name in variants:
        median = statistics.median(samples[name])
        # per-round ratios: the runs of one round are close in time and share the machine's load
        ratios = [t / b - 1 for t, b in zip(samples[name], samples["without LivePlot"])]
        overhead = statistics.median(ratios)
        median_cpu = statistics.median(cpu[name])
        plot_s = statistics.median(plotting[name])
        if name != "without LivePlot":
            shares = [p / t for p, t in zip(plotting[name], samples[name])]
            share, worst = max(share, statistics.median(shares)), max(worst, max(shares))
        rows.append([
            name, f"{median:.2f} s",
            "—" if name == "without LivePlot" else
            f"{overhead * 100:+.1f} % ({min(ratios) * 100:+.0f} … {max(ratios) * 100:+.0f})",
            f"{median_cpu:.2f} s"
            + ("" if name == "without LivePlot" else f" ({(median_cpu / base_cpu - 1) * 100:+.1f} %)"),
            "—" if name == "without LivePlot" else f"{statistics.median(frames[name]):.0f}",
            "—" if name == "without LivePlot" else f"{plot_s * 1e3:.0f} ms ({plot_s / median * 100:.1f} %)",
        ])
    steps = int(len(x) * 0.8) // 32
    report = "\n".join([
        "# LivePlot overhead",
        "",
        f"`python -m benchmarks.live_training{' --quick' if quick else ''}` — {_machine()}.",
        "",
        f"A Keras MLP (32→64→64→1) on 8192 synthetic samples, {epochs} epochs of {steps} batches with "
        f"validation, re-fitted per run; {repeats} rounds after a warm-up round, the variants in a shuffled "
        "order in each; fit times are medians, overheads the median of each round's ratio to the run without; "
        "LivePlot at its defaults (≤ 2 frames/s, drawing ≤ 3 % of the run, the final frame included).",
        "",
        "| variant | fit time | wall-clock overhead (range over rounds) | process CPU time | frames per fit "
        "| LivePlot's own time per fit |",
        "|---|---|---|---|---|---|",
        *("| " + " | ".join(row) + " |" for row in rows),
        "",
        f"Target: LivePlot costs ≤ {TARGET_OVERHEAD * 100:.0f} % of training time at the default throttle — "
        f"{'met' if share <= TARGET_OVERHEAD else '**missed**'} (median {share * 100:.1f} % for the costlier "
        f"variant; the single worst run {worst * 100:.1f} %).",
        "",
        "How to read it: with the TensorFlow backend Keras calls callbacks synchronously, between training "
        "steps, so the time spent inside LivePlot (its own accounting: bookkeeping, drawing, PNG encoding, "
        "publishing, as a share of the fit's wall time) is the time it adds to training; the target is judged "
        "on it. The wall-clock comparison is the cross-check; its range over rounds shows how much the "
        f"machine's load moves single fits (load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores "
        "during this run).",
        "",
    ])
    return report, share


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.live_training", description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a smoke-sized run (about 20 s)")
    parser.add_argument("--output", type=Path,
                        help=f"where to write the markdown (default: {RESULTS.name}; --quick writes nothing)")
    args = parser.parse_args(argv)
    output = args.output or (None if args.quick else RESULTS)
    started = time.perf_counter()
    report, _share = run(args.quick)
    print(report)
    print(f"(took {time.perf_counter() - started:.0f} s)")
    if output is not None:
        output.write_text(report)
        print(f"wrote {output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
