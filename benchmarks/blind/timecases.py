"""Time a blind set's cells plainly, without tfplotguard: ``python -m benchmarks.blind.timecases --set set1``.

Each case runs in a fresh Python process: its setup (not timed), then the slow cell, then the fixed
cell (the order ``score`` uses), each timed with ``time.perf_counter``; ``--repeat N`` runs each
case in N fresh processes and keeps the median. Both cells leave ``out``;
the case's ``compare`` says how the two must agree. Prints one line per case and, with
``--json FILE``, writes the timings.
"""

from __future__ import annotations

import argparse
import importlib
import json
import linecache
import os
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def _same(kind: str, a, b) -> tuple[bool, str]:
    import numpy as np

    if kind == "none":
        return True, "not compared"
    if kind == "equal":
        ok = a == b
        return bool(ok), "" if ok else f"{str(a)[:60]} != {str(b)[:60]}"
    if kind == "allclose":
        ok = np.allclose(np.asarray(a, dtype=float), np.asarray(b, dtype=float), rtol=1e-4, atol=1e-5)
        return bool(ok), "" if ok else "values differ"
    if kind == "image":
        a, b = np.asarray(a), np.asarray(b)
        if a.shape != b.shape:
            return False, f"shapes {a.shape} != {b.shape}"
        # 4x4-pixel block means: antialiasing seams between cells are not a different picture
        h, w = (a.shape[0] // 4) * 4, (a.shape[1] // 4) * 4
        blocks = [img[:h, :w, :3].astype(float).reshape(h // 4, 4, w // 4, 4, 3).mean(axis=(1, 3)) for img in (a, b)]
        diff = np.abs(blocks[0] - blocks[1])
        mean = float(diff.mean())
        differ = float((diff.max(axis=-1) > 8).mean())
        return mean < 2.0, f"mean block difference {mean:.2f} levels; {100 * differ:.1f}% of blocks differ by > 8"
    raise ValueError(kind)


def _compile(source: str, filename: str):
    """Compile a cell as IPython does: its source registered in linecache (AutoGraph reads it)."""
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
    return compile(source, filename, "exec")


def run_one(set_name: str, case_id: str) -> dict:
    """Run one case in this process; the result as a dict."""
    cases = importlib.import_module(f"benchmarks.blind.{set_name}")
    case = cases.get(case_id)
    ns: dict = {"__name__": "__main__"}
    exec(_compile(case["setup"], f"<{case_id}:setup>"), ns)  # noqa: S102 - the cases are this set's own code
    times = {}
    outs = {}
    for which in ("slow", "fixed"):
        code = _compile(case[which], f"<{case_id}:{which}>")
        t0 = time.perf_counter()
        exec(code, ns)  # noqa: S102
        times[which] = time.perf_counter() - t0
        outs[which] = ns.get("out")
    same, detail = _same(case.get("compare", "none"), outs["slow"], outs["fixed"])
    return {
        "id": case_id,
        "slow_s": round(times["slow"], 3),
        "fixed_s": round(times["fixed"], 3),
        "speedup": round(times["slow"] / max(times["fixed"], 1e-9), 1),
        "same_result": same,
        "compare": detail,
    }


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--set", default="set1")
    parser.add_argument("--case", action="append", help="only these case ids (repeatable)")
    parser.add_argument("--json", help="write the timings here")
    parser.add_argument("--repeat", type=int, default=1, help="fresh processes per case; the median is kept")
    parser.add_argument("--run-one", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.run_one:
        print("RESULT " + json.dumps(run_one(args.set, args.run_one)), flush=True)
        return 0
    cases = importlib.import_module(f"benchmarks.blind.{args.set}").CASES
    ids = args.case or [c["id"] for c in cases]
    env = dict(os.environ, PYTHONPATH=ROOT, TF_CPP_MIN_LOG_LEVEL="2", MPLBACKEND="Agg")
    rows = []
    for case_id in ids:
        runs = []
        for _ in range(args.repeat):
            proc = subprocess.run(
                [sys.executable, "-m", "benchmarks.blind.timecases", "--set", args.set, "--run-one", case_id],
                check=False, cwd=ROOT, env=env, capture_output=True, text=True, timeout=600,
            )
            line = next((out for out in proc.stdout.splitlines() if out.startswith("RESULT ")), None)
            if line is None:
                runs.append({"id": case_id, "error": (proc.stderr or proc.stdout)[-800:]})
                break
            runs.append(json.loads(line[len("RESULT "):]))
        if "error" in runs[-1]:
            row = runs[-1]
        else:
            slow = sorted(r["slow_s"] for r in runs)
            fixed = sorted(r["fixed_s"] for r in runs)
            row = dict(runs[0], slow_s=slow[len(slow) // 2], fixed_s=fixed[len(fixed) // 2],
                       slow_runs=[r["slow_s"] for r in runs], fixed_runs=[r["fixed_s"] for r in runs],
                       same_result=all(r["same_result"] for r in runs))
            row["speedup"] = round(row["slow_s"] / max(row["fixed_s"], 1e-9), 1)
        rows.append(row)
        print(json.dumps(row), flush=True)
    if args.json:
        with open(args.json, "w") as f:
            json.dump(rows, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
