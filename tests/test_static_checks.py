"""The type check passes, and it is what catches a renamed key in the measurement contract.

``python -m mypy`` runs with the configuration in ``pyproject.toml`` (strict on
``check/summaries.py``, ``check/findings/`` and ``check/report/``, its plugin
that checks ``section.get("key")``), its cache in ``build/mypy_cache`` so that
a second run takes about a second. Another renames two keys in a copy of the
package, as a refactoring that forgot the other side would, and expects mypy
to name every producer and every rule that uses the old key.
"""

from __future__ import annotations

import dataclasses
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("mypy", reason="mypy comes with the dev extra (pip install -e .[dev])")

ROOT = Path(__file__).resolve().parents[1]


def run_mypy(root: Path, cache_dir: Path) -> subprocess.CompletedProcess:
    """``python -m mypy`` in ``root``, configured by its ``pyproject.toml``."""
    return subprocess.run([sys.executable, "-m", "mypy", "--cache-dir", str(cache_dir)], cwd=root,
                          capture_output=True, text=True, timeout=300)


def test_the_package_type_checks():
    result = run_mypy(ROOT, ROOT / "build" / "mypy_cache")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Success: no issues found" in result.stdout, result.stdout


def test_attribution_to_dict_spelled_out_for_the_checker_still_has_every_field():
    # to_dict() lists its keys one by one (so mypy holds them to AttributionSummary): a field added to
    # the dataclass must be added there too, or the JSON and from_dict() would silently lose it.
    from tfplotguard.check.attribution import Attribution

    att = Attribution.build(1.0, {"cell": 0.5}, {3: {"cell": 0.5}}, {}, samples=5, interval_s=0.01)
    assert list(att.to_dict()) == [f.name for f in dataclasses.fields(Attribution)]
    assert Attribution.from_dict(att.to_dict()) == att


def _rename(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert text.count(old) == 1, f"{old!r} in {path}"
    path.write_text(text.replace(old, new))


def test_a_renamed_summary_key_is_an_error_where_it_is_made_and_read(tmp_path):
    for name in ("tfplotguard", "scripts"):
        shutil.copytree(ROOT / name, tmp_path / name, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path)
    summaries = tmp_path / "tfplotguard" / "check" / "summaries.py"
    # A key a rule reads with .get() (checked by the plugin) and one read by subscript and .get().
    _rename(summaries, "    largest_host: HostCopy | None\n", "    largest_copy: HostCopy | None\n")
    _rename(summaries, "    iterators: int\n", "    iterations: int\n")

    result = run_mypy(tmp_path, tmp_path / "mypy_cache")

    assert result.returncode == 1, result.stdout + result.stderr
    errors = [line for line in result.stdout.splitlines() if ": error: " in line]
    where = {re.sub(r":\d+: error: .*", "", line) for line in errors}
    assert where == {
        "tfplotguard/check/probes/numpy_calls.py",  # makes "largest_host"
        "tfplotguard/check/findings/rules_host.py",  # reads it
        "tfplotguard/check/probes/data.py",  # makes "iterators"
        "tfplotguard/check/findings/rules_data.py",  # reads it
    }, result.stdout
    assert any('TypedDict "NumpySummary" has no key "largest_host"' in line and "rules_host.py" in line
               for line in errors), result.stdout
    assert any('TypedDict "PipelineSummary" has no key "iterators"' in line and "rules_data.py" in line
               for line in errors), result.stdout
