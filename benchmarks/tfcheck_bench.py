"""``%%tfcheck`` costs: per cell, the sampler's CPU, auto mode, and ``--ops`` per eager op.

All in one real IPython shell; every variant is a whole ``run_cell`` with the
report shown (``--quiet`` would hide the rendering cost), output captured.
"""

from __future__ import annotations

import resource
import time

from IPython.testing.globalipapp import start_ipython
from IPython.utils.capture import capture_output

from tfplotguard.check.cpu import ticker as sampler

from .timing import fmt_time, interleaved, table

_shell = None


def _ip():
    global _shell
    if _shell is None:
        _shell = start_ipython()
        # What a TensorFlow notebook has loaded: every probe of a measured cell has something to wrap.
        _shell.run_cell("import time, tensorflow as tf, keras, matplotlib\nmatplotlib.use('Agg')\n"
                        "import matplotlib.pyplot as plt")
        _shell.run_line_magic("load_ext", "tfplotguard")
    return _shell


def _cell(source, times: int = 1):
    def run(_state):
        for _ in range(times):
            with capture_output():
                result = _ip().run_cell(source, store_history=False)
            if not result.success:
                raise RuntimeError(f"benchmark cell failed: {result.error_in_exec!r}")

    return run


def _plain(run):
    return (lambda: None, run, lambda s: None)


def bench_per_cell(quick: bool):
    """Overhead of ``%%tfcheck`` on an empty cell and a 100 ms cell, and of auto mode."""
    ip = _ip()
    repeats = 5 if quick else 25
    # "first": the first measured cell of a session also starts the sampler thread and opens the /proc files
    # (both kept afterwards; %unload_ext releases them as release() does here).
    empty = interleaved({"plain": _plain(_cell("pass")), "tfcheck": _plain(_cell("%%tfcheck\npass")),
                         "first": (sampler.release, _cell("%%tfcheck\npass"), lambda s: None)},
                        repeats=repeats, warmup=2)
    sleepy = interleaved({"plain": _plain(_cell("time.sleep(0.1)")),
                          "tfcheck": _plain(_cell("%%tfcheck\ntime.sleep(0.1)")),
                          "nostacks": _plain(_cell("%%tfcheck --no-stacks\ntime.sleep(0.1)"))},
                         repeats=3 if quick else 21, warmup=1)

    def auto_on():
        with capture_output():
            ip.run_line_magic("tfcheck", "on")

    def auto_off(_state=None):
        with capture_output():
            ip.run_line_magic("tfcheck", "off")

    auto = interleaved({"off": _plain(_cell("pass")), "on": (auto_on, _cell("pass"), auto_off)},
                       repeats=repeats, warmup=2)
    # A session runs cell after cell: garbage one cell leaves costs a later one a collection.
    run_length = 100 if quick else 1000
    session = interleaved({"off": _plain(_cell("pass", run_length)),
                           "on": (auto_on, _cell("pass", run_length), auto_off)},
                          repeats=2 if quick else 5, warmup=1, collector=True)
    session = {name: seconds / run_length for name, seconds in session.items()}
    rows = [
        ["`%%tfcheck`, empty cell", fmt_time(empty["plain"]), fmt_time(empty["tfcheck"]),
         fmt_time(empty["tfcheck"] - empty["plain"])],
        ["`%%tfcheck`, empty cell, the session's first (starts the sampler thread, once)", fmt_time(empty["plain"]),
         fmt_time(empty["first"]), fmt_time(empty["first"] - empty["plain"])],
        ["`%%tfcheck`, 100 ms cell", fmt_time(sleepy["plain"]), fmt_time(sleepy["tfcheck"]),
         fmt_time(sleepy["tfcheck"] - sleepy["plain"])],
        ["`%%tfcheck --no-stacks`, 100 ms cell", fmt_time(sleepy["plain"]), fmt_time(sleepy["nostacks"]),
         fmt_time(sleepy["nostacks"] - sleepy["plain"])],
        ["`%tfcheck on`, empty cell", fmt_time(auto["off"]), fmt_time(auto["on"]),
         fmt_time(auto["on"] - auto["off"])],
        [f"`%tfcheck on`, empty cell, per cell of {run_length:,} in a row (garbage collector on)",
         fmt_time(session["off"]), fmt_time(session["on"]), fmt_time(session["on"] - session["off"])],
    ]
    overheads = {
        # Fixed: what a cell pays whatever its length. The stack sampler's looks grow with the cell
        # (~70 in 100 ms) and have their own budget, 3 % of the cell (section 5b).
        "cell": max(empty["tfcheck"] - empty["plain"], sleepy["nostacks"] - sleepy["plain"]),
        "stacks_100ms": (sleepy["tfcheck"] - sleepy["nostacks"]) / 0.1,
        "auto": max(auto["on"] - auto["off"], session["on"] - session["off"]),
    }
    return table(["cell", "without", "with", "overhead"], rows), overheads


def _cpu_seconds():
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def bench_sampler(quick: bool):
    """CPU the CPU sampler thread costs while a cell sleeps (so nothing else burns CPU).

    ``--no-stacks``: this row is the parked CPU sampler's; the stack sampler's own cost has its
    benchmark (``benchmarks/attribution_bench.py``, ``RESULTS_attribution.md``).
    """
    seconds = 1.0 if quick else 3.0
    results = {}
    for name, source in (("plain", f"time.sleep({seconds})"),
                         ("tfcheck", f"%%tfcheck --no-stacks\ntime.sleep({seconds})")):
        cpu0, wall0 = _cpu_seconds(), time.perf_counter()
        _cell(source)(None)
        results[name] = (_cpu_seconds() - cpu0, time.perf_counter() - wall0)
    extra_cpu = results["tfcheck"][0] - results["plain"][0]
    share = extra_cpu / results["tfcheck"][1] * 100
    return table(
        ["sleeping cell", "CPU used without", "CPU used with `%%tfcheck --no-stacks`", "CPU sampler cost (% of one core)"],
        [[f"{seconds:g} s", fmt_time(results["plain"][0]), fmt_time(results["tfcheck"][0]), f"{share:.2f} %"]],
    ), share


def bench_ops(quick: bool):
    """``--ops`` overhead per eager op."""
    n_ops = 200 if quick else 2000
    body = f"x = tf.constant(1.0)\nfor _ in range({n_ops}):\n    x = x + 1.0"
    times = interleaved({"plain": _plain(_cell("%%tfcheck\n" + body)),
                         "ops": _plain(_cell("%%tfcheck --ops\n" + body))},
                        repeats=3 if quick else 11, warmup=1)
    per_op = (times["ops"] - times["plain"]) / n_ops
    return table(
        [f"cell of {n_ops} eager adds", "`%%tfcheck`", "`%%tfcheck --ops`", "overhead per eager op"],
        [["", fmt_time(times["plain"]), fmt_time(times["ops"]), fmt_time(per_op)]],
    ), per_op
