"""The stack sampler's cost: ``python -m benchmarks.attribution_bench [--rounds N] [--quick]``.

Each cell runs with and without a :class:`StackSampler` around it, in adjacent
A-B-B-A blocks (``timing.abba``: the cell without, with, with, without; one block
per row and round, the rows' blocks in a shuffled order each round):

- a pure-Python loop of fixed work calibrated to ~1 s (it holds the GIL: the
  sampler thread must take it from the cell for each look; it also lowers the
  switch interval while the interval is fine);
- ``time.sleep(1)`` (GIL released: the cost is the fixed start/stop only);
- an empty cell, 200 times per block: the fixed cost per cell;
- the control: the pure-Python loop beside a thread that does nothing but wake
  every 5 ms and take the GIL. On a loaded machine each hand-over of the GIL
  costs the cell a trip through the scheduler, whatever the thread does then;
- the noise floor: the same pure-Python loop again, unsampled (an A/A pair). Its
  "overhead" is what one run's ratio can be off by with nothing to measure.

Each ratio is the median over rounds of a block's ratio (its two runs with over
its two without), which cancels the drift of a shared machine. The
sampler's own CPU time (``StackSampler.cpu_s``: the sampler thread's
``thread_time``) is shown too:
unlike wall-time ratios it does not depend on the machine's load.
Targets: ≤ 3 % of a 1 s cell, ≤ 2 ms fixed per cell.
"""

from __future__ import annotations

import argparse
import statistics
import threading
import time

from tfplotguard.check.attribution import StackSampler

from .timing import abba, fmt_time, table

CELL = "<bench-cell>"
_LOOP = compile("s = 0\nfor i in range(n):\n    s += i * i\n", CELL, "exec")
_SLEEP = compile("time.sleep(1.0)\n", CELL, "exec")
_EMPTY = compile("pass\n", CELL, "exec")
EMPTY_CELLS = 200


def _bare_thread(code, ns, period: float = 0.005):
    """The control: a thread that only wakes every ``period`` and takes the GIL — what any periodic Python thread costs."""
    def run(_):
        stop = threading.Lock()
        stop.acquire()

        def loop():
            while not stop.acquire(timeout=period):
                pass

        thread = threading.Thread(target=loop)
        thread.start()
        exec(code, ns)
        stop.release()
        thread.join()
    return (lambda: None, run, lambda _: None)


def _signed(seconds: float) -> str:
    return ("-" if seconds < 0 else "+") + fmt_time(abs(seconds))


def _calibrate(target_s: float = 1.0) -> int:
    n = 200_000
    while True:
        t0 = time.perf_counter()
        exec(_LOOP, {"n": n})
        took = time.perf_counter() - t0
        if took > 0.2:
            return int(n * target_s / took)
        n *= 4


_CPU: dict[str, list[float]] = {}


def _cell(code, ns, sampled: bool, times: int = 1, name: str = ""):
    def run(_):
        for _ in range(times):
            if sampled:
                with StackSampler(CELL) as sampler:
                    exec(code, ns)
                _CPU.setdefault(name, []).append(sampler.cpu_s)
            else:
                exec(code, ns)
    return (lambda: None, run, lambda _: None)


def bench_stack_sampler(quick: bool, n_rounds: int | None = None):
    """The table (markdown), the wall overhead on the 1 s pure-Python cell (%), and the fixed cost per cell (s)."""
    seconds = 0.2 if quick else 1.0
    n_rounds = n_rounds or (2 if quick else 15)
    n = _calibrate(seconds)
    sleep = compile(f"time.sleep({seconds})\n", CELL, "exec")
    ns = {"n": n, "time": time}
    python, empty = _cell(_LOOP, ns, False), _cell(_EMPTY, ns, False, EMPTY_CELLS)
    pairs = {
        "python": (python, _cell(_LOOP, ns, True, name="python")),
        "python+bare": (python, _bare_thread(_LOOP, ns)),
        "python again": (python, _cell(_LOOP, ns, False)),
        "sleep": (_cell(sleep, ns, False), _cell(sleep, ns, True, name="sleep")),
        "empty": (empty, _cell(_EMPTY, ns, True, EMPTY_CELLS, name="empty")),
    }
    blocks = abba(pairs, n_rounds, warmup=1)
    rows, overheads = [], {}
    labels = {
        "python": f"pure-Python loop, {seconds:g} s",
        "sleep": f"time.sleep({seconds:g})",
        "python+bare": "pure-Python loop + a bare thread waking every 5 ms (control)",
        "python again": "pure-Python loop again, unsampled (A/A: this run's noise floor)",
    }
    for name, label in labels.items():
        block = blocks[name]
        base = statistics.median(block["a"])
        ratio = statistics.median(block["ratio"])
        overheads[name] = (ratio - 1) * 100
        cpu = _CPU.get(name)
        rows.append([label, fmt_time(base), fmt_time(statistics.median(block["b"])), f"{(ratio - 1) * 100:+.2f} %",
                     _signed((ratio - 1) * base),
                     f"{fmt_time(statistics.median(cpu))} ({statistics.median(cpu) / base * 100:.2f} %)" if cpu else ""])
    fixed = {}
    for name, label in (("empty", "empty cell (fixed cost)"),):
        block = blocks[name]
        fixed[name] = statistics.median((b - a) / EMPTY_CELLS for a, b in zip(block["a"], block["b"]))
        rows.append([label, fmt_time(statistics.median(block["a"]) / EMPTY_CELLS),
                     fmt_time(statistics.median(block["b"]) / EMPTY_CELLS), "", _signed(fixed[name]),
                     fmt_time(statistics.median(_CPU[name]))])
    out = (f"Stack sampler cost (interval {StackSampler().interval_s * 1e3:g} ms at first; "
           f"{n_rounds} rounds of adjacent A-B-B-A blocks, one per row; "
           f"times: medians of the blocks' means; ratio: the median of the blocks' ratios)\n\n"
           + table(["cell", "without", "with sampler", "wall overhead", "per cell", "sampler CPU"], rows))
    return out, overheads["python"], fixed["empty"]


def main(argv=None) -> str:
    """Run the rounds, print the table and return it (markdown)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--quick", action="store_true", help="2 rounds of 0.2 s cells (a smoke run)")
    args = parser.parse_args(argv)
    out = bench_stack_sampler(args.quick, args.rounds if not args.quick else None)[0]
    print(out)
    return out


if __name__ == "__main__":
    main()
