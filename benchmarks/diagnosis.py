"""Score the findings on the pitfall zoo: ``python -m benchmarks.diagnosis [--jobs N] [--case ID ...]``.

Every case of :mod:`benchmarks.zoo` runs in a fresh Python process with a fresh
real IPython shell (``%load_ext tfplotguard``, then setup, the slow cell(s) and
the twin(s) under ``%%tfcheck``). Prints a table, with each slow cell's and
fixed twin's wall time, and one closing line::

    diagnosis: named N/M, false alarms F

*named*: the case's rule is the slow cell's top finding with at least its
share; *false alarms*: warnings on the fixed twins. Exit status 0 whatever the
score (the tests assert; this reports). ``--output FILE`` also writes the
table as markdown, with the machine and versions (``benchmarks/RESULTS_diagnosis.md``:
the findings catalogue quotes its times, ``scripts/findings_catalogue.py``).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _one(case_id: str) -> dict:
    """In this process: a fresh shell, the extension, one case; a JSON-able verdict."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    import matplotlib

    matplotlib.use("Agg")
    from IPython.core.interactiveshell import InteractiveShell

    from benchmarks.zoo import CASES
    from benchmarks.zoo.run import run_case

    shell = InteractiveShell.instance()
    shell.run_line_magic("load_ext", "tfplotguard")
    verdict = run_case(shell, CASES[case_id])
    return {"id": case_id, "named": verdict.named, "share": verdict.share, "top": verdict.top,
            "false_alarms": verdict.false_alarms, "line": verdict.line(),
            "slow_s": verdict.slow.wall_s, "twin_s": verdict.twin.wall_s}


def _spawn(case_id: str) -> dict:
    proc = subprocess.run([sys.executable, "-m", "benchmarks.diagnosis", "--one", case_id], cwd=ROOT,
                          capture_output=True, text=True, timeout=600)
    for line in reversed(proc.stdout.splitlines()):
        if line.startswith("{"):
            return json.loads(line)
    tail = (proc.stderr or proc.stdout).strip().splitlines()[-1:] or ["no output"]
    return {"id": case_id, "named": False, "share": None, "top": None, "false_alarms": [],
            "line": f"| ? | {case_id} | ? | NO (the case failed: {tail[0][:120]}) | - | - | - | - | - |"}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.diagnosis", description=__doc__.split("\n")[0])
    parser.add_argument("--jobs", type=int, default=1, help="cases run at once (default 1: timings stay honest)")
    parser.add_argument("--case", action="append", default=None, help="run only this case id (repeatable)")
    parser.add_argument("--output", type=Path, help="also write the table as markdown to this file")
    parser.add_argument("--one", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.one:
        print(json.dumps(_one(args.one)))
        return 0
    from benchmarks.zoo import CASES
    from benchmarks.zoo.run import HEADER

    ids = args.case or list(CASES)
    unknown = [i for i in ids if i not in CASES]
    if unknown:
        parser.error(f"unknown case id(s) {', '.join(unknown)}; valid: {', '.join(CASES)}")
    print(HEADER)
    load_before = os.getloadavg()[0]
    with ThreadPoolExecutor(max(1, args.jobs)) as pool:
        results = list(pool.map(_spawn, ids))
    for result in results:
        print(result["line"], flush=True)
    named = sum(r["named"] for r in results)
    alarms = sum(len(r["false_alarms"]) for r in results)
    closing = f"diagnosis: named {named}/{len(results)}, false alarms {alarms}"
    print(f"\n{closing}")
    if args.output:
        from benchmarks.__main__ import _machine

        rows = "\n".join(r["line"] for r in results)
        jobs = f", {args.jobs} cases at once" if args.jobs > 1 else ""
        load = f"load average {load_before:.1f} at the start, {os.getloadavg()[0]:.1f} at the end"
        args.output.write_text(
            f"# The pitfall zoo, diagnosed (`python -m benchmarks.diagnosis --output {args.output}`)\n\n"
            f"{_machine()}\n- {load}\n\nEach case in a fresh process and shell{jobs}; a slow or twin time is the "
            f"wall time of the case's last slow or twin cell under `%%tfcheck` (a case whose loops run for a fixed "
            f"time compares the work done, not the times).\n\n{HEADER}\n{rows}\n\n{closing}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
