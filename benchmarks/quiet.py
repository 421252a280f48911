"""Quiet on good code: ``python -m benchmarks.quiet [--tf-docs DIR] [--no-project] [NOTEBOOK ...]``.

Runs notebooks under ``%tfcheck on`` and counts the warnings tfplotguard gives
them: by default the project's own ``notebooks/*.ipynb``, plus the notebooks
given, plus (``--tf-docs DIR``, a checkout of github.com/tensorflow/docs) the
public guides listed in :data:`TF_DOCS_GUIDES`, which make their own data.

Each notebook runs in a fresh Python process, in a real IPython
``InteractiveShell`` (no kernel), from a temporary working directory:
``%load_ext tfplotguard`` and ``%tfcheck on`` come first, then every code cell
in order, like "Run all" (a cell that raises is recorded and the next one runs,
like nbclient's ``allow_errors``). matplotlib uses the inline backend a Jupyter
kernel uses (figures shown and closed at the end of each cell); ``--backend agg``
keeps them open instead. The network is off in the child process (connections
to anything but loopback raise ``OSError``), shell escapes (``!pip ...``) and
``%pip`` lines are skipped, and each notebook has a time limit (``--timeout``).

``--measure`` also puts ``%%tfcheck --quiet`` on top of every cell that has no
cell magic of its own and does not drive tfplotguard itself: auto mode samples
no stacks, so only then do the rules that weigh a cause from the stack
attribution get to speak.

Every report tfplotguard records during a cell is read from its history
(``tfplotguard.reports()``). The survey's own reports (auto mode's, and with
``--measure`` the cells it measured) are counted apart from the full reports of
the notebook's own ``%%tfcheck`` cells, which are often slow on purpose. Prints
a markdown table, every warning with its cell, the minor findings (kept in the
JSON, shown only with ``--all``) and one closing line::

    quiet: W warnings over N notebooks

where W counts the survey's own warnings. Exit status 0 whatever the count (this
is a survey, not a test). Cells are numbered among the notebook's code cells, from 1.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PROJECT_NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))

#: Public tensorflow/docs guides that make their own data and run offline on CPU in minutes
#: (paths inside a checkout of github.com/tensorflow/docs; Apache 2.0, not copied here).
TF_DOCS_GUIDES = (
    "site/en/guide/function.ipynb",
    "site/en/guide/intro_to_graphs.ipynb",
    "site/en/guide/basic_training_loops.ipynb",
    "site/en/guide/autodiff.ipynb",
    "site/en/guide/data_performance.ipynb",
)

#: Cells the survey leaves unmeasured under ``--measure``: they drive tfplotguard themselves.
_DRIVES_TFPLOTGUARD = re.compile(r"tfplotguard|%tfcheck|^\s*%%", re.M)

#: Lines a survey must not run: they install packages or start servers (network).
_SKIPPED_LINE = re.compile(r"^\s*(!|%pip\b|%conda\b|%tensorboard\b|%load_ext\s+tensorboard\b)")


# -- the child process: one notebook ---------------------------------------------------------------

def _block_network() -> None:
    """Refuse every socket connection that does not go to loopback or a Unix socket."""
    import ipaddress
    import socket

    def allowed(address) -> bool:
        if not isinstance(address, tuple):
            return True  # AF_UNIX path
        host = address[0]
        if host == "localhost":
            return True
        try:
            return ipaddress.ip_address(host).is_loopback
        except ValueError:
            return False

    for name in ("connect", "connect_ex"):
        original = getattr(socket.socket, name)

        def guarded(self, address, _original=original):
            if not allowed(address):
                raise OSError(f"benchmarks.quiet: network is off (connection to {address!r} refused)")
            return _original(self, address)

        setattr(socket.socket, name, guarded)


def _code_cells(path: Path) -> list[dict]:
    """The notebook's code cells: source and tags."""
    notebook = json.loads(path.read_text(encoding="utf-8"))
    cells = []
    for cell in notebook.get("cells", []):
        if cell.get("cell_type") != "code":
            continue
        source = cell.get("source", "")
        cells.append({"source": "".join(source) if isinstance(source, list) else source,
                      "tags": list(cell.get("metadata", {}).get("tags", []))})
    return cells


def _runnable(source: str, backend: str) -> tuple[str, int]:
    """The cell with skipped lines commented out (line numbers kept); how many were skipped."""
    lines, skipped = [], 0
    for line in source.splitlines():
        if _SKIPPED_LINE.match(line) or (backend == "agg" and line.lstrip().startswith("%matplotlib")):
            indent = line[:len(line) - len(line.lstrip())]
            lines.append(f"{indent}pass  # skipped by benchmarks.quiet: {line.strip()}")
            skipped += 1
        else:
            lines.append(line)
    return "\n".join(lines), skipped


def _finding(finding) -> dict:
    return {"rule": finding.rule, "severity": finding.severity, "weight": finding.weight,
            "message": finding.message}


def _summary(report) -> dict:
    """What the survey keeps of one report: its kind, its findings (warnings, information, minor), and with
    ``%%tfcheck`` the top three categories of where the time went."""
    return {"kind": report.kind, "wall_s": report.wall_s,
            "warnings": [_finding(f) for f in report.warnings()],
            "info": [_finding(f) for f in report.findings if f.severity != "warn" and not f.minor],
            "minor": [_finding(f) for f in report.findings if f.minor],
            "where": [[c["id"], round(c["share"], 2)] for c in (report.attribution or {}).get("categories", [])[:3]]}


def _new_reports(history, seen: set) -> list:
    """Reports recorded since the last call (history keeps the last 100: compare by identity)."""
    fresh = [report for report in history.reports() if id(report) not in seen]
    seen.update(id(report) for report in fresh)
    return fresh


def run_notebook(path: Path, out, backend: str = "inline", measure: bool = False) -> None:
    """Run ``path`` cell by cell in a fresh shell under ``%tfcheck on``; one JSON line per cell to ``out``.

    ``measure``: run each cell that does not drive tfplotguard itself under ``%%tfcheck --quiet``.
    """
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    _block_network()
    import matplotlib

    matplotlib.use("Agg")
    from IPython.core.interactiveshell import InteractiveShell
    from IPython.utils.capture import capture_output

    from tfplotguard.check.report import history

    class Shell(InteractiveShell):
        """A terminal-less shell; the inline backend needs no GUI event loop, as in ipykernel."""

        def enable_gui(self, gui=None):
            """No event loop to hook: figures are displayed by the inline backend."""

    cells = _code_cells(path)
    shell = Shell.instance()
    seen: set = set()
    with capture_output():
        if backend == "inline":
            shell.run_line_magic("matplotlib", "inline")
        shell.run_line_magic("load_ext", "tfplotguard")
        shell.run_line_magic("tfcheck", "on")
    _new_reports(history, seen)
    for number, cell in enumerate(cells, 1):
        source, skipped = _runnable(cell["source"], backend)
        wrapped = measure and source.strip() != "" and not _DRIVES_TFPLOTGUARD.search(source)
        if wrapped:
            source = "%%tfcheck --quiet\n" + source
        started = time.perf_counter()
        with capture_output():
            result = shell.run_cell(source, store_history=True)
        error = result.error_in_exec or result.error_before_exec
        row = {"cell": number, "first": _first_line(cell["source"]), "seconds": time.perf_counter() - started,
               "skipped": skipped, "measured": wrapped,
               "error": None if error is None else f"{type(error).__name__}: {error}"[:200],
               "error_expected": "raises-exception" in cell["tags"],
               "reports": [_summary(report) for report in _new_reports(history, seen)]}
        out.write(json.dumps(row) + "\n")
        out.flush()


def _first_line(source: str) -> str:
    """The cell's first line that is not blank, a comment or a ``#@title`` form line."""
    for line in source.splitlines():
        text = line.strip()
        if text and not text.startswith("#"):
            return text[:80]
    return (source.strip().splitlines() or [""])[0][:80]


# -- the parent: spawn, collect, print -------------------------------------------------------------

def survey(path: Path, timeout: float, backend: str, measure: bool = False) -> dict:
    """Run one notebook in a child process; its cells' rows and how the run ended."""
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="tfplotguard-quiet-") as work:
        rows_file = Path(work) / "rows.jsonl"
        command = [sys.executable, "-m", "benchmarks.quiet", "--one", str(path.resolve()), "--rows", str(rows_file),
                   "--backend", backend] + (["--measure"] if measure else [])
        env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
                   TF_CPP_MIN_LOG_LEVEL=os.environ.get("TF_CPP_MIN_LOG_LEVEL", "2"), MPLBACKEND="Agg")
        status = "ok"
        try:
            proc = subprocess.run(command, cwd=work, env=env, capture_output=True, text=True, timeout=timeout)
            if proc.returncode != 0:
                tail = (proc.stderr or proc.stdout).strip().splitlines()[-1:] or ["no output"]
                status = f"failed (exit {proc.returncode}: {tail[0][:100]})"
        except subprocess.TimeoutExpired:
            status = f"timed out after {timeout:g} s"
        text = rows_file.read_text() if rows_file.exists() else ""
    rows = [json.loads(line) for line in text.splitlines() if line.strip()]
    return {"notebook": path.name, "path": str(path), "cells": len(_code_cells(path)), "rows": rows,
            "status": status, "seconds": time.perf_counter() - started}


def _ours(row: dict, report: dict) -> bool:
    """Whether the survey made ``report`` (auto mode, or a cell it measured), not the notebook's own ``%%tfcheck``."""
    return report["kind"] == "auto" or row.get("measured", False)


def _findings(result: dict, ours: bool, which: str = "warnings") -> list[tuple[dict, dict]]:
    """(cell row, finding) pairs of ``result``: from the survey's reports (``ours``) or the notebook's own.

    ``which``: "warnings", "info" (shown, not warnings) or "minor" (shown only with ``--all``).
    """
    return [(row, finding) for row in result["rows"] for report in row["reports"] if _ours(row, report) == ours
            for finding in report.get(which, [])]


def _cells(result: dict, ours: bool) -> int:
    return sum(1 for row in result["rows"] if any(_ours(row, report) == ours for report in row["reports"]))


def _rules(pairs) -> str:
    counts: dict = {}
    for _, warning in pairs:
        counts[warning["rule"]] = counts.get(warning["rule"], 0) + 1
    return ", ".join(f"{rule} ×{n}" if n > 1 else rule for rule, n in sorted(counts.items())) or "-"


def table(results: list[dict]) -> str:
    """The markdown table: one row per notebook.

    *surveyed cells*: those the survey got a report of (auto mode's, or its own
    ``%%tfcheck`` with ``--measure``; a notebook may switch auto mode off);
    *minor*: the survey's findings kept in the JSON but not shown, by rule;
    *own %%tfcheck*: the notebook's own measured cells, and what they said.
    """
    lines = ["| notebook | cells run | errors | surveyed cells | warnings | rules | minor "
             "| own %%tfcheck cells | their warnings | their rules | time | run |",
             "|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for result in results:
        ours, own = _findings(result, True), _findings(result, False)
        errors = sum(1 for row in result["rows"] if row["error"] and not row["error_expected"])
        minor = _rules(_findings(result, True, "minor"))
        lines.append(f"| {result['notebook']} | {len(result['rows'])}/{result['cells']} | {errors} "
                     f"| {_cells(result, True)} | {len(ours)} | {_rules(ours)} | {minor} | {_cells(result, False)} "
                     f"| {len(own)} | {_rules(own)} | {result['seconds']:.0f} s | {result['status']} |")
    return "\n".join(lines)


def details(results: list[dict]) -> str:
    """Every warning (the survey's first, then the notebook's own %%tfcheck cells') and every unexpected error."""
    lines = []
    for ours, label in ((True, "surveyed"), (False, "own %%tfcheck")):
        for result in results:
            for row, warning in _findings(result, ours):
                weight = f" [{warning['weight']}]" if warning["weight"] else ""
                lines.append(f"- {result['notebook']} cell {row['cell']} ({label}) **{warning['rule']}**{weight}: "
                             f"{warning['message']} — cell: `{row['first']}`")
    for result in results:
        for row in result["rows"]:
            if row["error"] and not row["error_expected"]:
                lines.append(f"- {result['notebook']} cell {row['cell']} raised {row['error']} — cell: `{row['first']}`")
    return "\n".join(lines) or "- none"


def minor_details(results: list[dict]) -> str:
    """The minor findings (not shown, not warnings) per notebook, whose report and rule, with their cells."""
    lines = []
    for result in results:
        for ours, label in ((True, "surveyed"), (False, "own %%tfcheck")):
            cells: dict = {}
            for row, finding in _findings(result, ours, "minor"):
                cells.setdefault(finding["rule"], []).append(str(row["cell"]))
            for rule_id, numbers in sorted(cells.items()):
                lines.append(f"- {result['notebook']} ({label}) {rule_id}: cells {', '.join(numbers)}")
    return "\n".join(lines) or "- none"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.quiet", description=__doc__.split("\n")[0])
    parser.add_argument("notebooks", nargs="*", type=Path, help="more notebooks to run")
    parser.add_argument("--tf-docs", type=Path, metavar="DIR",
                        help="a checkout of github.com/tensorflow/docs: also run the guides in TF_DOCS_GUIDES")
    parser.add_argument("--no-project", action="store_true", help="leave out the project's own notebooks")
    parser.add_argument("--timeout", type=float, default=300, help="seconds per notebook (default 300)")
    parser.add_argument("--backend", choices=("inline", "agg"), default="inline",
                        help="matplotlib backend: inline (Jupyter's, default) or agg (figures stay open)")
    parser.add_argument("--measure", action="store_true",
                        help="also run every cell under %%%%tfcheck --quiet (the stack attribution weighs findings)")
    parser.add_argument("--json", type=Path, metavar="FILE", help="also write every cell's rows as JSON")
    parser.add_argument("--one", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--rows", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.one:
        with open(args.rows, "w", encoding="utf-8") as out:
            run_notebook(args.one, out, args.backend, args.measure)
        return 0
    paths = [] if args.no_project else list(PROJECT_NOTEBOOKS)
    if args.tf_docs:
        missing = [guide for guide in TF_DOCS_GUIDES if not (args.tf_docs / guide).is_file()]
        if missing:
            parser.error(f"{args.tf_docs} has no {', '.join(missing)} (is it a tensorflow/docs checkout?)")
        paths += [args.tf_docs / guide for guide in TF_DOCS_GUIDES]
    paths += args.notebooks
    if not paths:
        parser.error("no notebook to run")
    results = []
    for path in paths:
        results.append(survey(path, args.timeout, args.backend, args.measure))
        print(f"ran {path.name}: {results[-1]['status']}, {results[-1]['seconds']:.0f} s", file=sys.stderr, flush=True)
    print(table(results))
    print("\nWarnings, and cells that raised:\n")
    print(details(results))
    print("\nMinor findings (kept in the JSON, shown only with --all, never warnings):\n")
    print(minor_details(results))
    if args.json:
        args.json.write_text(json.dumps(results, indent=1))
    total = sum(len(_findings(result, True)) for result in results)
    print(f"\nquiet: {total} warnings over {len(results)} notebooks")
    return 0


if __name__ == "__main__":
    sys.exit(main())
