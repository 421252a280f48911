"""Stable verdicts: ``python -m benchmarks.stability [--runs N] [--case ID ...]``.

Issue 27: the same cell must get the same verdict from run to run. Each run is a
fresh Python process with a fresh real IPython shell that runs every zoo case's
setup and slow cell(s) under ``%%tfcheck``, **in a different order per run** (a
seeded shuffle), after the same warm-up cell (first uses of TensorFlow, autograph,
Keras and matplotlib, which any first case would pay): a classification that
depended on what happened to be cached or sampled first shows up as a
difference between runs. Per case it
compares the slow cell's top category of "where the time went" (one category
leads in every run, up to ties within :data:`SHARE_POINTS` points) and its
shown findings (the same rule ids, warnings and shown information alike).
Prints a table and one closing line::

    stability: S/M cases stable over N runs

``tests/test_stable_verdicts.py`` asserts it over every zoo case.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import random
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

#: Run first in every process, unmeasured: what any first use costs once per process (TensorFlow's and
#: autograph's first trace, Keras, matplotlib's first figure) then costs no case, whichever comes first.
WARMUP = """
import keras
import matplotlib.pyplot as plt
import numpy as np
import tensorflow as tf

@tf.function
def _warm(x):
    return x * 2

for _i in range(3):
    _warm(tf.constant(float(_i)))
    _warm(_i)
plt.close(plt.figure())
"""

#: How far (in percentage points) the top category's share may move between runs.
SHARE_POINTS = 10.0


def _one(seed: int, ids: list[str]) -> list[dict]:
    """In this process: a fresh shell, every case in ``ids`` in a seeded order; each slow cell's verdict."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from IPython.core.interactiveshell import InteractiveShell

    from benchmarks.zoo import CASES
    from benchmarks.zoo.run import run_cell, run_cells

    shell = InteractiveShell.instance()
    shell.run_line_magic("load_ext", "tfplotguard")
    run_cell(shell, WARMUP, measured=False)
    order = list(ids)
    random.Random(seed).shuffle(order)
    rows = []
    for case_id in order:
        case = CASES[case_id]
        try:
            if case.setup:
                run_cell(shell, case.setup, measured=False)
            # The earlier cases' heap, frozen: a full collection of it inside a 0.3 s cell (42 % "gc" in one
            # run, order-dependent) is this process's history, not the case's. The cell's own garbage is
            # still collected.
            gc.collect()
            gc.freeze()
            try:
                report = run_cells(shell, case, "slow")
            finally:
                gc.unfreeze()
        finally:
            if case.teardown:
                run_cell(shell, case.teardown, measured=False)
            plt.close("all")
        categories = (report.attribution or {}).get("categories") or [{"id": None, "share": 0.0}]
        top = categories[0]
        rows.append({"id": case_id, "top": top["id"], "share": 100.0 * top["share"],
                     "shares": {c["id"]: 100.0 * c["share"] for c in categories},
                     "shown": sorted({f.rule for f in report.shown_findings()}), "wall_s": report.wall_s,
                     "findings": [(f.rule, f.seconds, f.share, f.minor, f.message) for f in report.findings],
                     "load": os.getloadavg()[0]})
    return rows


def spawn(seed: int, ids: list[str], timeout: float = 900) -> list[dict]:
    """One run in a fresh process: its rows (:func:`_one`)."""
    proc = subprocess.run([sys.executable, "-m", "benchmarks.stability", "--one", str(seed), *ids], cwd=ROOT,
                          capture_output=True, text=True, timeout=timeout)
    for line in reversed(proc.stdout.splitlines()):
        if line.startswith("["):
            return json.loads(line)
    raise RuntimeError(f"run {seed} failed: {(proc.stderr or proc.stdout).strip()[-2000:]}")


def compare(runs: list[list[dict]]) -> dict[str, list[str]]:
    """Per case, what differed between the runs (an empty list: stable).

    Stable: the same shown findings in every run, and one top category: each run's top category
    is, in every other run, within :data:`SHARE_POINTS` of that run's top share (two categories
    within 10 points of each other are a tie, and either may lead). How large the shares are is
    not compared here: on a loaded machine a cell that waits gets longer waits (the table shows
    the shares and the load).
    """
    problems: dict[str, list[str]] = {}
    for case_id, rows in _by_case(runs).items():
        why = []
        for row in rows:
            behind = [other for other in rows
                      if other["share"] - other["shares"].get(row["top"], 0.0) > SHARE_POINTS]
            if behind:
                why.append(f"top category {row['top']} {row['share']:.0f}% in one run, "
                           f"{behind[0]['shares'].get(row['top'], 0.0):.0f}% against {behind[0]['top']} "
                           f"{behind[0]['share']:.0f}% in another")
                break
        shown = {tuple(row["shown"]) for row in rows}
        if len(shown) > 1:
            why.append("shown findings " + " / ".join(",".join(row["shown"]) or "-" for row in rows))
        problems[case_id] = why
    return problems


def _by_case(runs: list[list[dict]]) -> dict[str, list[dict]]:
    by_case: dict[str, list[dict]] = {}
    for rows in runs:
        for row in rows:
            by_case.setdefault(row["id"], []).append(row)
    return by_case


def table(runs: list[list[dict]], problems: dict[str, list[str]]) -> str:
    """The markdown table: per case, each run's top category and share, its shown findings, stable or why not."""
    by_case = _by_case(runs)
    lines = ["| case | top category per run | shown findings | stable |", "|---|---|---|---|"]
    for case_id, rows in by_case.items():
        tops = ", ".join(f"{r['top']} {r['share']:.0f}%" for r in rows)
        shown = " / ".join(sorted({",".join(r["shown"]) or "-" for r in rows}))
        why = "; ".join(problems[case_id]) or "yes"
        lines.append(f"| {case_id} | {tops} | {shown} | {why} |")
    return "\n".join(lines)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.stability", description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=5, help="fresh processes (default 5)")
    parser.add_argument("--case", action="append", default=None, help="only this zoo case (repeatable)")
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)
    parser.add_argument("ids", nargs="*", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.one is not None:
        print(json.dumps(_one(args.one, args.ids)))
        return 0
    from benchmarks.zoo import CASES

    ids = args.case or list(CASES)
    runs = [spawn(seed, ids) for seed in range(args.runs)]
    problems = compare(runs)
    print(table(runs, problems))
    stable = sum(1 for why in problems.values() if not why)
    print(f"\nstability: {stable}/{len(problems)} cases stable over {args.runs} runs")
    return 0


if __name__ == "__main__":
    sys.exit(main())
