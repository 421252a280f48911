"""Print a blind run's results for judging by hand: ``python -m benchmarks.blind.show --label before [--full]``.

Per case and cell: the wall time under ``%%tfcheck``, each finding (``!`` warning, ``·`` information,
``-`` minor: kept in the report, not shown) with its weight, message and fix, the top categories
and the top cell lines of "where the time went". ``--full`` prints the whole report text instead.
"""

from __future__ import annotations

import argparse
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))


def _weight(f: dict) -> str:
    if f.get("share") is None or f.get("seconds") is None:
        return "unweighed"
    text = f"{100 * f['share']:.0f}% ({f['seconds']:.2f} s)"
    return text + (f", line {f['line']}" if f.get("line") is not None else "")


def show_cell(name: str, cell: dict, full: bool) -> None:
    if not cell:
        print(f"  {name}: no result")
        return
    if cell.get("error") or cell.get("cell_error"):
        print(f"  {name}: ERROR {cell.get('error') or ''} {cell.get('cell_error') or ''}")
    print(f"  {name}: {cell.get('report_wall_s')} s under %%tfcheck (run_cell {cell.get('run_cell_s')} s)")
    if full:
        print("    " + (cell.get("text") or "").replace("\n", "\n    "))
        return
    for f in cell.get("findings", []):
        mark = "-" if f["minor"] else ("!" if f["warning"] else "·")
        print(f"    {mark} {f['rule']} [{_weight(f)}] {f['message']}")
        print(f"        fix: {f['fix']}")
    att = cell.get("attribution") or {}
    cats = ", ".join(f"{c['label']} {100 * c['share']:.0f}%" for c in att.get("categories", [])[:4])
    print(f"    where: {cats}")
    for row in att.get("lines", [])[:3]:
        print(f"      line {row['line']} {100 * row['share']:.0f}% {row['category']}: {row['source']}")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--label", default="before")
    parser.add_argument("--case", action="append")
    parser.add_argument("--full", action="store_true")
    args = parser.parse_args(argv)
    with open(os.path.join(HERE, f"results_{args.label}.json")) as f:
        data = json.load(f)
    for case in data["cases"]:
        if args.case and case["id"] not in args.case:
            continue
        print(f"== {case['id']}: {case.get('cause', '')}")
        if case.get("error"):
            print(f"  ERROR {case['error']}")
        for which in ("slow", "fixed"):
            show_cell(which, case.get(which), args.full)
    return 0


if __name__ == "__main__":
    sys.exit(main())
