"""Run the benchmarks: ``python -m benchmarks [--quick] [--output PATH]``.

Prints every table and writes them, with the machine, versions and date, to
``benchmarks/RESULTS.md`` (``--quick`` writes nothing unless ``--output`` is
given: it is the CI-sized smoke run that keeps the runner working).
"""

from __future__ import annotations

import argparse
import datetime
import os
import platform
import sys
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


def _machine() -> str:
    import IPython
    import matplotlib
    import numpy
    import psutil
    import tensorflow as tf

    import tfplotguard

    cpu = platform.processor() or platform.machine()
    return (
        f"- date: {datetime.date.today().isoformat()}\n"
        f"- machine: {platform.system()} {platform.release()}, {cpu}, {os.cpu_count()} cores, "
        f"{psutil.virtual_memory().total / 2**30:.0f} GiB\n"
        f"- Python {platform.python_version()}, TensorFlow {tf.__version__}, matplotlib {matplotlib.__version__}, "
        f"NumPy {numpy.__version__}, IPython {IPython.__version__}, tfplotguard {tfplotguard.__version__}"
    )


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a CI-sized smoke run (under a minute)")
    parser.add_argument("--output", type=Path, help="where to write the markdown (default: benchmarks/RESULTS.md)")
    args = parser.parse_args(argv)
    output = args.output or (None if args.quick else Path(__file__).with_name("RESULTS.md"))

    from . import attribution_bench, guard_bench, overhead, tfcheck_bench

    started = time.perf_counter()
    parts = [f"# tfplotguard benchmarks{' (quick smoke run)' if args.quick else ''}\n", _machine(), ""]

    def section(title, body):
        text = f"## {title}\n\n{body}\n"
        print(text, flush=True)
        parts.append(text)

    targets = []
    body, worst = guard_bench.bench_entry_points(args.quick)
    section("1. Entry points: pre-converted NumPy vs tensors (native matplotlib, guard)", body)
    worst_ratio, worst_name = max(worst)
    targets.append(("guarded tensor calls ≤ 1.05× NumPy at the large size", f"worst {worst_ratio:.2f}× ({worst_name})",
                    worst_ratio <= 1.05))
    section("2. Re-plotting the same tensors 10 times", guard_bench.bench_replot(args.quick))
    body, overhead_us, overhead_pct, more = guard_bench.bench_numpy_only(args.quick)
    section("3. Guard overhead on NumPy-only calls", body)
    targets.append(("NumPy-only overhead ≤ 5 µs per call", f"{overhead_us:+.2f} µs", overhead_us <= 5))
    targets.append(("NumPy-only overhead ≤ 2 % at 1e5 points", f"{overhead_pct:+.1f} %", overhead_pct <= 2))
    targets.append(("NumPy-only overhead ≤ 2 % for `plot` of a 1e6-float list", f"{more['list']:+.1f} %",
                    more["list"] <= 2))
    targets.append(("NumPy-only overhead ≤ 2 % for `plot` + draw at 1e5 points", f"{more['draw']:+.1f} %",
                    more["draw"] <= 2))
    body, load_s, tf_loaded = guard_bench.bench_import(args.quick)
    section("4. Import and load", body)
    targets.append(("`%load_ext tfplotguard` ≤ 50 ms beyond IPython + matplotlib", f"{load_s * 1e3:.1f} ms",
                    load_s <= 0.05 and not tf_loaded))
    body, overheads = tfcheck_bench.bench_per_cell(args.quick)
    sampler_body, sampler_share = tfcheck_bench.bench_sampler(args.quick)
    ops_body, per_op = tfcheck_bench.bench_ops(args.quick)
    section("5. `%tfcheck` costs", body + "\n\n" + sampler_body + "\n\n" + ops_body)
    targets.append(("`%%tfcheck` ≤ 2 ms per cell (fixed: empty cell, 100 ms cell without stacks)",
                    f"{overheads['cell'] * 1e3:.2f} ms", overheads["cell"] <= 2e-3))
    targets.append(("stack sampler ≤ 3 % of a 100 ms sleeping cell", f"{overheads['stacks_100ms'] * 100:+.2f} %",
                    overheads["stacks_100ms"] <= 0.03))
    targets.append(("sampler ≤ 1 % of one core", f"{sampler_share:.2f} %", sampler_share <= 1))
    targets.append(("auto mode ≤ 1 ms per cell", f"{overheads['auto'] * 1e3:.2f} ms", overheads["auto"] <= 1e-3))
    targets.append(("`--ops` overhead per eager op (no target)", f"{per_op * 1e6:.1f} µs", True))
    body, python_pct, fixed_s = attribution_bench.bench_stack_sampler(args.quick)
    section("5b. The stack sampler (where the time went)", body)
    targets.append(("stack sampler ≤ 3 % of a 1 s pure-Python cell", f"{python_pct:+.2f} %", python_pct <= 3))
    targets.append(("stack sampler ≤ 2 ms fixed per cell", f"{fixed_s * 1e3:.2f} ms", fixed_s <= 2e-3))
    body, ratios = overhead.bench_overhead(args.quick)
    section("5c. Whole cells: `%%tfcheck --quiet` and `%%pyinstrument` beside the plain cell", body)
    worst_ratio, worst_name = max((ratio, name) for name, ratio in ratios.items())
    targets.append(("`%%tfcheck --quiet` ≤ 1.05× the plain cell, every workload of 5c",
                    f"worst {worst_ratio:.2f}× ({worst_name})", worst_ratio <= 1.05))
    body, cache_ok = guard_bench.bench_memory(args.quick)
    section("6. Memory", body)
    targets.append(("cache stays under its bound", "yes" if cache_ok else "NO", cache_ok))

    section("Targets", "\n".join(
        f"- {'met' if ok else '**missed**'}: {name} — {value}" for name, value, ok in targets))
    print(f"(benchmarks took {time.perf_counter() - started:.0f} s)")
    if output is not None:
        output.write_text("\n".join(parts))
        print(f"wrote {output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
