"""Guard benchmarks: host conversions and time per entry point versus NumPy and native matplotlib.

Each timing is one matplotlib call on a fresh Axes (created outside the
timed region), the median over interleaved rounds after a warm-up (the
ratios are the median of the ratios within each round, which cancels the
shared machine's speed drift between rounds):
(a) pre-converted NumPy, (b) tensors with matplotlib's own tensor path
(guard disabled), (c) tensors with the guard. Conversions per call: for (b)
matplotlib's own tensor detections (each is followed by an ``np.asarray``,
which on a GPU is a device→host copy; NumPy functions that matplotlib hands
the tensor to directly, as ``hist2d`` does, convert it uncounted, so 0 there
means "not counted", not "free"), for (c) the guard's counter; the
guard's cache is cleared before each call, so (c) pays its conversion every
time, as a first plot of a new tensor does.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import matplotlib

matplotlib.use("Agg")

import matplotlib.cbook as cbook  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

import tfplotguard  # noqa: E402
from tfplotguard import guard  # noqa: E402

from .timing import fmt_bytes, fmt_time, interleaved, medians, paired_ratio, rounds, table  # noqa: E402

RNG = np.random.default_rng(0)


def _series(n):
    return np.linspace(0.0, 10.0, n), np.sin(np.linspace(0.0, 10.0, n))


def _image(side):
    return RNG.random((side, side), dtype=np.float64)


# name: (build(size) -> tuple of arrays, call(ax, *arrays), small size, large size)
CASES = {
    "plot": (_series, lambda ax, x, y: ax.plot(x, y), 1_000, 1_000_000),
    "scatter": (_series, lambda ax, x, y: ax.scatter(x, y), 1_000, 1_000_000),
    "hist": (lambda n: (RNG.normal(size=n),), lambda ax, v: ax.hist(v, bins=100), 1_000, 1_000_000),
    "hist2d": (lambda n: (RNG.normal(size=n), RNG.normal(size=n)), lambda ax, x, y: ax.hist2d(x, y, bins=100),
               1_000, 1_000_000),
    "bar": (lambda n: (np.arange(float(n)), RNG.random(n)), lambda ax, x, h: ax.bar(x, h), 20, 2_000),
    "imshow": (lambda side: (_image(side),), lambda ax, z: ax.imshow(z), 32, 2_000),
    "pcolormesh": (lambda side: (_image(side),), lambda ax, z: ax.pcolormesh(z), 32, 2_000),
    "contourf": (lambda side: (_image(side),), lambda ax, z: ax.contourf(z), 32, 500),
    "fill_between": (_series, lambda ax, x, y: ax.fill_between(x, y), 1_000, 1_000_000),
    "errorbar": (lambda n: (*_series(n), np.full(n, 0.1)), lambda ax, x, y, e: ax.errorbar(x, y, yerr=e),
                 1_000, 100_000),
    "boxplot": (lambda n: (RNG.normal(size=(n // 4, 4)),), lambda ax, v: ax.boxplot(v), 1_000, 1_000_000),
    "stem": (_series, lambda ax, x, y: ax.stem(x, y), 1_000, 100_000),
    "step": (_series, lambda ax, x, y: ax.step(x, y), 1_000, 1_000_000),
    "animation frame (`set_ydata` + draw)": (_series, lambda ax, x, y: _animation_frame(ax, y), 1_000, 1_000_000),
}


def _animation_line(ax, x, y):
    """An animation's line as it stands before a frame: plotted over ``x`` and drawn once."""
    ax.plot(x, np.zeros_like(y))
    ax.set_ylim(-1.1, 1.1)
    ax.figure.canvas.draw()


def _animation_frame(ax, y):
    # What a FuncAnimation update does with each new y, followed by the frame's draw.
    ax.lines[0].set_ydata(y)
    ax.figure.canvas.draw()


# name: prepare(ax, *numpy arrays), run untimed on each fresh Axes before the timed call
PREPARE = {"animation frame (`set_ydata` + draw)": _animation_line}


class _DetectionCounter:
    """Counts matplotlib's own TensorFlow detections (matplotlib ≥ 3.9)."""

    def __init__(self):
        self.count = 0
        self._original = getattr(cbook, "_is_tensorflow_array", None)

    def __enter__(self):
        if self._original is not None:
            original = self._original

            def counting(x):
                found = original(x)
                self.count += bool(found)
                return found

            cbook._is_tensorflow_array = counting
        return self

    def __exit__(self, *exc):
        if self._original is not None:
            cbook._is_tensorflow_array = self._original


def _settle():
    """One small untimed plot: (un)patching ~110 attributes invalidates CPython's method caches,
    and a user who enables the guard once never pays that again, so no timed call should either."""
    fig, ax = plt.subplots()
    ax.plot([0.0, 1.0], [1.0, 0.0])
    plt.close(fig)


def _variants(call, numpy_args, tensor_args, prepare=None):
    def fresh_axes():
        _settle()
        fig, ax = plt.subplots()
        if prepare is not None:
            prepare(ax, *numpy_args)
        return fig, ax

    def teardown(state):
        plt.close(state[0])

    def guarded_setup():
        tfplotguard.enable()
        state = fresh_axes()
        guard.clear_cache()
        return state

    def guarded_teardown(state):
        tfplotguard.disable()
        teardown(state)

    return {
        "numpy": (fresh_axes, lambda s: call(s[1], *numpy_args), teardown),
        "native": (fresh_axes, lambda s: call(s[1], *tensor_args), teardown),
        "guard": (guarded_setup, lambda s: call(s[1], *tensor_args), guarded_teardown),
    }


def _conversions_per_call(call, numpy_args, tensor_args, prepare=None):
    fig, ax = plt.subplots()
    if prepare is not None:
        prepare(ax, *numpy_args)
    with _DetectionCounter() as counter:
        call(ax, *tensor_args)
    plt.close(fig)
    native = counter.count if counter._original is not None else "n/a"
    guard.clear_cache()
    tfplotguard.enable()
    guard.reset_stats()
    fig, ax = plt.subplots()
    try:
        if prepare is not None:
            prepare(ax, *numpy_args)
        call(ax, *tensor_args)
    finally:
        tfplotguard.disable()
        plt.close(fig)
    return native, guard.stats()["conversions"]


def bench_entry_points(quick: bool):
    """Section 1: per entry point, small and large."""
    repeats, warmup = (1, 0) if quick else (15, 1)  # quick: one round keeps every case working
    rows, worst = [], []
    for name, (build, call, small, large) in CASES.items():
        sizes = [("small", small)] + ([] if quick and name not in ("plot", "imshow") else [("large", large)])
        for label, size in sizes:
            numpy_args = build(size)
            tensor_args = tuple(tf.constant(a) for a in numpy_args)
            prepare = PREPARE.get(name)
            samples = rounds(_variants(call, numpy_args, tensor_args, prepare), repeats=repeats, warmup=warmup)
            times = medians(samples)
            native_conv, guard_conv = _conversions_per_call(call, numpy_args, tensor_args, prepare)
            ratio_native = paired_ratio(samples, "native", "numpy")
            ratio_guard = paired_ratio(samples, "guard", "numpy")
            if label == "large":
                worst.append((ratio_guard, name))
            rows.append([name, f"{label} ({_size_label(name, size)})", fmt_time(times["numpy"]),
                         fmt_time(times["native"]), fmt_time(times["guard"]), f"{ratio_native:.2f}×",
                         f"{ratio_guard:.2f}×", native_conv, guard_conv])
    headers = ["entry point", "size", "(a) NumPy", "(b) tensors, native", "(c) tensors, guard", "(b)/(a)",
               "(c)/(a)", "host conversions (b)", "host conversions (c)"]
    note = (f"Times: medians over {repeats} interleaved rounds. Ratios: the median over rounds of the ratio "
            "within a round, so they need not equal the ratio of the medians shown.")
    return table(headers, rows) + "\n\n" + note, worst


def _size_label(name, size):
    if name in ("imshow", "pcolormesh", "contourf"):
        return f"{size}×{size}"
    return f"{size:,}"


def bench_replot(quick: bool):
    """Section 2: the same tensors plotted 10 times."""
    x, y = (tf.constant(a) for a in _series(100_000 if quick else 1_000_000))

    def replot(state):
        for _ in range(10):
            state[1].plot(x, y)

    def setup_native():
        _settle()
        return plt.subplots()

    def setup_guard():
        tfplotguard.enable()
        _settle()
        guard.clear_cache()
        guard.reset_stats()
        return plt.subplots()

    def teardown_guard(state):
        tfplotguard.disable()
        plt.close(state[0])

    times = interleaved({
        "native": (setup_native, replot, lambda s: plt.close(s[0])),
        "guard": (setup_guard, replot, teardown_guard),
    }, repeats=3 if quick else 7)
    fig, ax = plt.subplots()
    with _DetectionCounter() as counter:
        replot((fig, ax))
    plt.close(fig)
    guard.clear_cache()
    tfplotguard.enable()
    guard.reset_stats()
    fig, ax = plt.subplots()
    try:
        replot((fig, ax))
        stats = guard.stats()
    finally:
        tfplotguard.disable()
        plt.close(fig)
    return table(
        ["variant", "time for 10 plots", "host conversions", "cache hits"],
        [["native matplotlib", fmt_time(times["native"]), counter.count, "—"],
         ["guard", fmt_time(times["guard"]), stats["conversions"], stats["cache_hits"]]],
    )


def bench_numpy_only(quick: bool):
    """Section 3: guard overhead on calls that carry no TensorFlow value.

    Measured in a process where TensorFlow has run ops (as in a notebook that trains a model and
    then plots NumPy): the guard's fast path for a process without TensorFlow does not apply.
    """
    tf.reduce_sum(tf.constant([1.0, 2.0])).numpy()
    x, y = _series(100_000)
    float_list = np.linspace(0.0, 1.0, 1_000_000).tolist()
    small = np.arange(10.0)
    number = 200 if quick else 2000

    def variants(run):
        def setup_off():
            _settle()
            fig, ax = plt.subplots()
            (line,) = ax.plot(small, small)
            return fig, ax, line

        def setup_on():
            tfplotguard.enable()
            return setup_off()

        def teardown(state):
            tfplotguard.disable()
            plt.close(state[0])

        return {"off": (setup_off, run, teardown), "on": (setup_on, run, teardown)}

    def many_set_ydata(state):
        line = state[2]
        for _ in range(number):
            line.set_ydata(small)

    plots = 5 if quick else 20  # one 1.6 ms call per round was at the mercy of the machine's jitter

    def plot_1e5(state):
        for _ in range(plots):
            state[1].plot(x, y)

    def plot_list(state):
        # The pre-scan once walked every element of a Python list looking for tensors.
        state[1].plot(float_list)

    def plot_and_draw(state):
        # ~270 patched entry points run inside one draw (ticks, texts, setters): matplotlib's own calls.
        state[1].plot(x, y)
        state[0].canvas.draw()

    per_call = interleaved(variants(many_set_ydata), repeats=5 if quick else 15)
    plot_rounds = rounds(variants(plot_1e5), repeats=5 if quick else 25)
    list_rounds = rounds(variants(plot_list), repeats=3 if quick else 25)
    draw_rounds = rounds(variants(plot_and_draw), repeats=5 if quick else 40)
    plot_times = {variant: seconds / plots for variant, seconds in medians(plot_rounds).items()}
    list_times, draw_times = medians(list_rounds), medians(draw_rounds)
    overhead_us = (per_call["on"] - per_call["off"]) / number * 1e6
    overhead_pct = (paired_ratio(plot_rounds, "on", "off") - 1) * 100
    list_pct = (paired_ratio(list_rounds, "on", "off") - 1) * 100
    draw_pct = (paired_ratio(draw_rounds, "on", "off") - 1) * 100
    return table(
        ["call", "guard off", "guard on", "overhead"],
        [["`Line2D.set_ydata` (10 points), per call", fmt_time(per_call["off"] / number),
          fmt_time(per_call["on"] / number), f"{overhead_us:+.2f} µs"],
         ["`Axes.plot` of 1e5 NumPy points", fmt_time(plot_times["off"]), fmt_time(plot_times["on"]),
          f"{overhead_pct:+.1f} %"],
         ["`Axes.plot` of a Python list of 1e6 floats", fmt_time(list_times["off"]), fmt_time(list_times["on"]),
          f"{list_pct:+.1f} %"],
         ["`Axes.plot` of 1e5 NumPy points + `canvas.draw()`", fmt_time(draw_times["off"]),
          fmt_time(draw_times["on"]), f"{draw_pct:+.1f} %"]],
    ) + ("\n\nOverheads: the median over rounds of the on/off ratio within a round. TensorFlow has run ops "
         "in this process."), overhead_us, overhead_pct, {"list": list_pct, "draw": draw_pct}


_IMPORT_PROBE = textwrap.dedent(
    """
    import sys, time
    import IPython, matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot
    from IPython.testing.globalipapp import start_ipython
    ip = start_ipython()
    t0 = time.perf_counter()
    import tfplotguard
    t1 = time.perf_counter()
    ip.run_line_magic("load_ext", "tfplotguard")
    t2 = time.perf_counter()
    print(t1 - t0, t2 - t1, "tensorflow" in sys.modules)
    """
)


def bench_import(quick: bool):
    """Section 4: ``import tfplotguard`` and ``%load_ext tfplotguard`` in fresh interpreters."""
    runs = 1 if quick else 9
    imports, loads, tf_loaded = [], [], False
    env = dict(os.environ, PYTHONDONTWRITEBYTECODE="1")
    for _ in range(runs):
        out = subprocess.run([sys.executable, "-c", _IMPORT_PROBE], capture_output=True, text=True, env=env,
                             check=True, timeout=300).stdout.split()
        imports.append(float(out[-3]))
        loads.append(float(out[-2]))
        tf_loaded |= out[-1] == "True"
    imports.sort()
    loads.sort()
    return table(
        ["step (after IPython and matplotlib are imported)", "median", "TensorFlow imported?"],
        [["`import tfplotguard`", fmt_time(imports[len(imports) // 2]), "yes" if tf_loaded else "no"],
         ["`%load_ext tfplotguard`", fmt_time(loads[len(loads) // 2]), "yes" if tf_loaded else "no"]],
    ), loads[len(loads) // 2], tf_loaded


_RSS_PROBE = textwrap.dedent(
    """
    import sys, threading, time, psutil
    import numpy as np, matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import tensorflow as tf
    import tfplotguard
    mode, n = sys.argv[1], int(sys.argv[2])
    proc = psutil.Process()
    data = np.random.default_rng(0).random(n).astype(np.float32)
    value = data if mode == "numpy" else tf.constant(data)
    if mode == "guard":
        tfplotguard.enable()
    fig, ax = plt.subplots()
    base = proc.memory_info().rss
    peak = [base]
    stop = threading.Event()
    def sample():
        while not stop.is_set():
            peak[0] = max(peak[0], proc.memory_info().rss)
            time.sleep(0.002)
    t = threading.Thread(target=sample); t.start()
    ax.plot(value)
    fig.canvas.draw()
    stop.set(); t.join()
    peak[0] = max(peak[0], proc.memory_info().rss)
    print(peak[0] - base)
    """
)


def bench_memory(quick: bool):
    """Section 6: peak RSS of plotting a large tensor, and the cache bound under load."""
    n = 1_000_000 if quick else 10_000_000
    peaks = {}
    for mode in ("numpy", "native", "guard"):
        out = subprocess.run([sys.executable, "-c", _RSS_PROBE, mode, str(n)], capture_output=True, text=True,
                             check=True, timeout=600).stdout.split()
        peaks[mode] = int(out[-1])
    rss_table = table(
        [f"plot + draw of {n:,} float32 values", "peak RSS above baseline"],
        [["NumPy array", fmt_bytes(peaks["numpy"])], ["tensor, native matplotlib", fmt_bytes(peaks["native"])],
         ["tensor, guard", fmt_bytes(peaks["guard"])]],
    )

    from tfplotguard.testing import simulate_accelerator

    limit_mb = 64
    tfplotguard.configure(cache_limit_mb=limit_mb)
    guard.clear_cache()
    tfplotguard.enable()
    guard.reset_stats()
    max_cache = 0
    keep = []
    fig, ax = plt.subplots()
    try:
        with tf.device("/cpu:0"), simulate_accelerator("CPU:0"):
            for _ in range(20 if quick else 100):
                t = tf.random.uniform((1_000_000,))  # 4 MB each, copied to the host like a GPU tensor
                keep.append(t)
                ax.plot(t)
                max_cache = max(max_cache, guard.stats()["cache_bytes"])
        stats = guard.stats()
    finally:
        tfplotguard.disable()
        tfplotguard.configure(cache_limit_mb=512)
        plt.close(fig)
    cache_table = table(
        ["distinct 4 MB tensors plotted (accelerator path)", "cache bound", "largest cache size seen",
         "entries at the end", "host conversions"],
        [[len(keep), f"{limit_mb} MiB", fmt_bytes(max_cache), stats["cache_entries"], stats["conversions"]]],
    )
    return rss_table + "\n\n" + cache_table, max_cache <= limit_mb * 2**20
