"""Execute the example notebooks in place, so their stored outputs are true.

Usage: python scripts/execute_notebooks.py [notebooks/01_quickstart.ipynb ...]

TensorFlow's native start-up log lines (written to stderr before absl is
initialised, with timestamps) are dropped from the stored outputs: they are
noise, and they arrive asynchronously, so nbval could not compare them anyway.
"""

import re
import sys
from pathlib import Path

import nbformat
from nbconvert.preprocessors import ExecutePreprocessor

ROOT = Path(__file__).resolve().parents[1]
NATIVE_LOG = re.compile(
    r"(?m)^(WARNING: All log messages before absl::InitializeLog\(\) is called are written to STDERR"
    r"|[IWE]\d{4} \d\d:\d\d:[\d.]+ +\d+ [\w.]+:\d+\].*"
    r"|To enable the following instructions: .* rebuild TensorFlow with the appropriate compiler flags\.)\n?"
)


def execute(path: Path) -> None:
    """Run one notebook top to bottom in its own directory and store the outputs."""
    notebook = nbformat.read(path, as_version=4)
    ExecutePreprocessor(timeout=300, kernel_name="python3").preprocess(
        notebook, {"metadata": {"path": str(path.parent)}}
    )
    for cell in notebook.cells:
        if cell.cell_type != "code":
            continue
        kept = []
        for output in cell.outputs:
            if output.output_type == "stream" and output.name == "stderr":
                output.text = NATIVE_LOG.sub("", output.text)
                if not output.text:
                    continue
            kept.append(output)
        cell.outputs = kept
    nbformat.write(notebook, path)
    print(f"executed {path.relative_to(ROOT)}")


if __name__ == "__main__":
    paths = [Path(p).resolve() for p in sys.argv[1:]] or sorted((ROOT / "notebooks").glob("*.ipynb"))
    for notebook_path in paths:
        execute(notebook_path)
