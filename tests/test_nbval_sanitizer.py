"""The nbval sanitizers mask what varies, not what matters: a wrong stored output must fail."""

import json
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK = ROOT / "notebooks" / "01_quickstart.ipynb"


def _run_nbval(folder: Path):
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", "--nbval", "--nbval-current-env",
         "--nbval-sanitize-with", str(ROOT / "notebooks" / "nbval_sanitize.cfg"), str(folder)],
        capture_output=True, text=True, timeout=600, cwd=folder,
    )


def test_an_edited_stored_output_makes_nbval_fail(tmp_path):
    shutil.copy(ROOT / "notebooks" / "conftest.py", tmp_path / "conftest.py")
    notebook = json.loads(NOTEBOOK.read_text())
    edited = 0
    for cell in notebook["cells"]:
        for output in cell.get("outputs", []):
            text = "".join(output.get("text", []))
            if output.get("name") == "stdout" and "lines with [30, 80, 55] points" in text:
                output["text"] = [text.replace("[30, 80, 55]", "[30, 80, 56]")]
                edited += 1
    assert edited == 1, "the quickstart no longer prints the line this test edits"
    (tmp_path / "edited.ipynb").write_text(json.dumps(notebook))

    result = _run_nbval(tmp_path)
    assert result.returncode == 1, result.stdout[-2000:]
    assert "1 failed" in result.stdout and "[30, 80, 56]" in result.stdout
