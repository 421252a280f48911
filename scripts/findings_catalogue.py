"""Write or check ``tfplotguard/check/findings/examples.json``: each finding rule's slow cell and fixed twin.

    python scripts/findings_catalogue.py           # check: exit 1 if the file is not what the zoo gives now
    python scripts/findings_catalogue.py --write   # write it

The cells come from the pitfall zoo (``benchmarks/zoo/``, cases keyed by rule)
and their wall times from ``benchmarks/RESULTS_diagnosis.md`` (``python -m
benchmarks.diagnosis --output benchmarks/RESULTS_diagnosis.md``). The file ships
with the package, so ``%tfcheck --explain RULE`` shows the twins without the
repository; the rest of each catalogue entry comes from the registry itself
(:mod:`tfplotguard.check.findings.catalogue`). ``tests/test_findings_catalogue.py``
runs the check.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

RESULTS = ROOT / "benchmarks" / "RESULTS_diagnosis.md"
TARGET = ROOT / "tfplotguard" / "check" / "findings" / "examples.json"
FIXED_TIME = "while time.perf_counter() - t0 <"


def measured_times(text: str) -> tuple[str, dict]:
    """``(how and where it was measured, {case id: (slow ms, twin ms)})`` from RESULTS_diagnosis.md."""
    # The header's "- date: …", "- machine: …", versions and load lines, in one line.
    measured = "; ".join(re.sub(r"^(date|machine): ", "", line) for line in re.findall(r"^- (.+)$", text, re.M))
    times = {}
    for row in re.findall(r"^\|(.+)\|$", text, re.M):
        cells = [c.strip() for c in row.split("|")]
        if len(cells) == 9 and cells[1] and not cells[0].startswith(("family", "---")):
            times[cells[1]] = tuple(float(c.split()[0].replace(",", "")) if c.endswith(" ms") else None
                                    for c in (cells[5], cells[6]))
    return measured, times


def build() -> dict:
    """The content of examples.json, from the zoo and its measured times."""
    from benchmarks.zoo import CASES

    measured, times = measured_times(RESULTS.read_text(encoding="utf-8")) if RESULTS.exists() else ("", {})
    rules: dict[str, list] = {}
    for case in CASES.values():
        slow_ms, twin_ms = times.get(case.id, (None, None))
        rules.setdefault(case.rule, []).append({
            "case": case.id, "title": case.title, "setup": case.setup, "slow": list(case.cells("slow")),
            "twin": list(case.cells("twin")), "slow_ms": slow_ms, "twin_ms": twin_ms,
            "constructed": case.constructed,
            # Loops that run for a fixed wall time: the twin does more work in it, not in less time.
            "fixed_time": any(FIXED_TIME in cell for cell in case.cells("slow")),
        })
    return {"measured": measured, "rules": dict(sorted(rules.items()))}


def render() -> str:
    """examples.json as it should be, byte for byte."""
    return json.dumps(build(), indent=1, ensure_ascii=False) + "\n"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", action="store_true", help="write the file instead of checking it")
    args = parser.parse_args(argv)
    wanted = render()
    if args.write:
        TARGET.write_text(wanted, encoding="utf-8")
        print(f"wrote {TARGET.relative_to(ROOT)}")
        return 0
    if not TARGET.exists() or TARGET.read_text(encoding="utf-8") != wanted:
        print(f"{TARGET.relative_to(ROOT)} is out of date: run python scripts/findings_catalogue.py --write",
              file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
