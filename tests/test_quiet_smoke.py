"""The quiet-on-good-code survey keeps working (``python -m benchmarks.quiet``); warning counts are not asserted.

It runs the project's cheapest notebook, plus a small one made here that checks
the survey's own bookkeeping: a ``%%tfcheck`` cell is counted as measured, a
cell that raises is counted as an error, a ``!pip`` line is skipped and the
network is off; and that ``--measure`` puts plain cells under ``%%tfcheck``
and leaves cell magics alone.
"""

import json
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CHEAPEST = ROOT / "notebooks" / "01_quickstart.ipynb"


def _notebook(path: Path, *sources: str) -> Path:
    cells = [{"cell_type": "code", "metadata": {}, "source": source, "outputs": [], "execution_count": None}
             for source in sources]
    path.write_text(json.dumps({"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5}))
    return path


def test_survey_runs_a_project_notebook_and_prints_its_closing_line(tmp_path):
    made = _notebook(tmp_path / "made.ipynb",
                     "!pip install something-from-the-network\nx = sum(range(10))",
                     "%%tfcheck --quiet\ny = [i * i for i in range(1000)]",
                     "import socket\nsocket.create_connection(('192.0.2.1', 80), timeout=5)")
    rows = tmp_path / "rows.json"
    result = subprocess.run([sys.executable, "-m", "benchmarks.quiet", "--no-project", str(CHEAPEST), str(made),
                             "--timeout", "120", "--json", str(rows)],
                            cwd=ROOT, capture_output=True, text=True, timeout=240)
    assert result.returncode == 0, result.stderr[-3000:]
    assert re.search(r"^quiet: \d+ warnings over 2 notebooks$", result.stdout, re.M), result.stdout[-2000:]
    assert re.search(r"^\| 01_quickstart\.ipynb \| 19/19 \| 0 \| .* \| ok \|$", result.stdout, re.M), result.stdout
    # made.ipynb: 3 cells run, 1 error, 3 auto-mode cells (the %%tfcheck cell gets one report, the full one,
    # so 2 auto), 0 auto warnings, 1 %%tfcheck cell.
    assert re.search(r"^\| made\.ipynb \| 3/3 \| 1 \| 2 \| \d+ \| [^|]* \| [^|]* \| 1 \| ", result.stdout, re.M), result.stdout
    made_rows = json.loads(rows.read_text())[1]["rows"]
    assert made_rows[0]["skipped"] == 1 and made_rows[0]["error"] is None
    assert [report["kind"] for report in made_rows[1]["reports"]] == ["cell"]
    assert "network is off" in made_rows[2]["error"]


def test_measure_runs_plain_cells_under_tfcheck_and_leaves_cell_magics_alone(tmp_path):
    made = _notebook(tmp_path / "made.ipynb", "x = sum(range(10))", "%%capture\ny = 1", "%tfcheck")
    rows = tmp_path / "rows.json"
    result = subprocess.run([sys.executable, "-m", "benchmarks.quiet", "--no-project", "--measure", str(made),
                             "--timeout", "60", "--json", str(rows)],
                            cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-3000:]
    assert re.search(r"^quiet: \d+ warnings over 1 notebooks$", result.stdout, re.M), result.stdout[-2000:]
    made_rows = json.loads(rows.read_text())[0]["rows"]
    assert [row["measured"] for row in made_rows] == [True, False, False]
    assert [report["kind"] for report in made_rows[0]["reports"]] == ["cell"]
    assert [report["kind"] for report in made_rows[1]["reports"]] == ["auto"]
