"""Run a blind set under ``%%tfcheck`` and keep what the tool said.

``python -m benchmarks.blind.score --set set1 --label before``.

Each case runs in a fresh Python process with a fresh, real IPython ``InteractiveShell`` and
``%load_ext tfplotguard``: its setup runs plainly (not measured), then the slow cell and then the
fixed cell, each as ``%%tfcheck -o rep`` + the cell's body. From each report it keeps the text
rendering (``str(rep)``), every finding (shown or minor, warning or information, message, fix,
share, seconds, line), and the top of "where the time went" (categories and cell lines). A case
that crashes (setup failing, a cell raising, the process dying or timing out) is recorded with
its error and the run goes on. Raw results go to ``benchmarks/blind/results_<label>.json``.

This scorer judges nothing: whether the tool named the cause is judged by hand, from these
texts, in ``benchmarks/RESULTS_blind.md``.
"""

from __future__ import annotations

import argparse
import datetime
import importlib
import json
import os
import platform
import subprocess
import sys
import time
import traceback

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
HERE = os.path.dirname(os.path.abspath(__file__))
TOP_CATEGORIES = 6
TOP_LINES = 5


def _finding(f) -> dict:
    return {
        "rule": f.rule,
        "severity": f.severity,
        "minor": bool(f.minor),
        "warning": bool(f.is_warning),
        "share": f.share,
        "seconds": f.seconds,
        "line": f.line,
        "message": f.message,
        "fix": f.fix,
    }


def _attribution(rep) -> dict | None:
    att = getattr(rep, "attribution", None)
    if not att:
        return None
    cats = [
        {"id": c["id"], "label": c["label"], "seconds": round(c["seconds"], 4), "share": round(c["share"], 4)}
        for c in att.get("categories", [])
    ][:TOP_CATEGORIES]
    lines = [
        {"line": r["line"], "source": r["source"], "seconds": round(r["seconds"], 4), "share": round(r["share"], 4),
         "category": r["category"], "category_share": round(r["category_share"], 4)}
        for r in att.get("lines", [])
    ][:TOP_LINES]
    threads = [
        {"name": t["name"], "seconds": round(t["seconds"], 4), "categories": t["categories"],
         "frames": t["frames"][:3]}
        for t in att.get("threads", [])
    ][:3]
    return {"categories": cats, "lines": lines, "threads": threads, "samples": att.get("samples"),
            "error": att.get("error")}


def _measure(shell, body: str) -> dict:
    """Run ``body`` under ``%%tfcheck -o rep`` and collect the report."""
    shell.user_ns.pop("rep", None)
    t0 = time.perf_counter()
    result = shell.run_cell("%%tfcheck -o rep\n" + body.strip("\n") + "\n", store_history=True)
    wall = time.perf_counter() - t0
    out: dict = {"run_cell_s": round(wall, 3)}
    err = result.error_before_exec or result.error_in_exec
    if err is not None:
        out["cell_error"] = f"{type(err).__name__}: {err}"[:500]
    rep = shell.user_ns.get("rep")
    if rep is None:
        out["error"] = "no report object: %%tfcheck -o rep left nothing in the namespace"
        return out
    try:
        out["report_wall_s"] = round(rep.wall_s, 3)
        out["ok"] = rep.ok
        out["text"] = str(rep)
        out["findings"] = [_finding(f) for f in rep.findings]
        out["shown"] = [f.rule for f in rep.shown_findings()]
        out["warnings"] = [f.rule for f in rep.warnings()]
        out["attribution"] = _attribution(rep)
        out["counts"] = dict(getattr(rep, "counts", {}) or {})
        out["traces"] = dict(getattr(rep, "traces", {}) or {})
        out["notes"] = list(rep.notes)
    except Exception:  # noqa: BLE001 - a broken report is a result too
        out["error"] = "reading the report failed: " + traceback.format_exc()[-800:]
    return out


def run_one(set_name: str, case_id: str) -> dict:
    """One case in this process: a fresh shell, the setup, the slow cell, the fixed cell."""
    from IPython.core.interactiveshell import InteractiveShell

    cases = importlib.import_module(f"benchmarks.blind.{set_name}")
    case = cases.get(case_id)
    row: dict = {"id": case_id, "area": case.get("area"), "cause": case["cause"],
                 "slow_s_plain": case.get("slow_s"), "fixed_s_plain": case.get("fixed_s")}
    shell = InteractiveShell.instance()
    shell.run_line_magic("load_ext", "tfplotguard")
    t0 = time.perf_counter()
    setup = shell.run_cell(case["setup"], store_history=True)
    row["setup_s"] = round(time.perf_counter() - t0, 3)
    err = setup.error_before_exec or setup.error_in_exec
    if err is not None:
        row["error"] = f"setup failed: {type(err).__name__}: {err}"[:500]
        return row
    for which in ("slow", "fixed"):
        try:
            row[which] = _measure(shell, case[which])
        except Exception:  # noqa: BLE001
            row[which] = {"error": traceback.format_exc()[-800:]}
    return row


def _versions() -> dict:
    out = {"python": platform.python_version(), "machine": platform.machine(), "cores": os.cpu_count()}
    for mod in ("IPython", "tensorflow", "keras", "numpy", "matplotlib", "tfplotguard"):
        try:
            out[mod] = importlib.import_module(mod).__version__
        except Exception as exc:  # noqa: BLE001
            out[mod] = f"? ({type(exc).__name__})"
    return out


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--set", default="set1")
    parser.add_argument("--label", required=False, default="run")
    parser.add_argument("--case", action="append", help="only these case ids (repeatable)")
    parser.add_argument("--timeout", type=int, default=300, help="seconds per case process")
    parser.add_argument("--out", help="the JSON file (default benchmarks/blind/results_<label>.json)")
    parser.add_argument("--run-one", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.run_one:
        row = run_one(args.set, args.run_one)
        sys.stdout.flush()
        print("\nRESULT " + json.dumps(row, default=str), flush=True)
        return 0

    cases = importlib.import_module(f"benchmarks.blind.{args.set}").CASES
    ids = args.case or [c["id"] for c in cases]
    env = dict(os.environ, PYTHONPATH=ROOT, TF_CPP_MIN_LOG_LEVEL="2", MPLBACKEND="Agg")
    path = args.out or os.path.join(HERE, f"results_{args.label}.json")
    started = datetime.datetime.now().isoformat(timespec="seconds")
    rows = []
    for case_id in ids:
        t0 = time.perf_counter()
        try:
            proc = subprocess.run(
                [sys.executable, "-m", "benchmarks.blind.score", "--set", args.set, "--run-one", case_id],
                check=False, cwd=ROOT, env=env, capture_output=True, text=True, timeout=args.timeout,
            )
            line = next((out for out in proc.stdout.splitlines() if out.startswith("RESULT ")), None)
            if line is None:
                row = {"id": case_id, "error": f"process exited {proc.returncode} without a result",
                       "stderr_tail": proc.stderr[-1500:], "stdout_tail": proc.stdout[-800:]}
            else:
                row = json.loads(line[len("RESULT "):])
        except subprocess.TimeoutExpired as exc:
            row = {"id": case_id, "error": f"timed out after {exc.timeout} s"}
        row["process_s"] = round(time.perf_counter() - t0, 1)
        rows.append(row)
        slow, fixed = row.get("slow", {}), row.get("fixed", {})
        print(f"{case_id:40s} slow {slow.get('report_wall_s', '?')} s shown={slow.get('shown')} | "
              f"fixed {fixed.get('report_wall_s', '?')} s shown={fixed.get('shown')}"
              + (f" | ERROR {row['error'][:120]}" if row.get("error") else ""), flush=True)
        with open(path, "w") as f:  # after every case: a run cut short keeps what it has
            json.dump({"set": args.set, "label": args.label, "started": started, "versions": None,
                       "cases": rows}, f, indent=1, default=str)
    with open(path, "w") as f:
        json.dump({"set": args.set, "label": args.label, "started": started,
                   "finished": datetime.datetime.now().isoformat(timespec="seconds"),
                   "versions": _versions(), "cases": rows}, f, indent=1, default=str)
    print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
