"""The benchmark runner keeps working: a CI-sized ``--quick`` run (timings are not asserted)."""

import subprocess
import sys
from pathlib import Path

from benchmarks.guard_bench import CASES

ROOT = Path(__file__).resolve().parents[1]


def test_quick_benchmark_run_writes_every_section(tmp_path):
    output = tmp_path / "RESULTS.md"
    result = subprocess.run([sys.executable, "-m", "benchmarks", "--quick", "--output", str(output)],
                            cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr[-3000:]
    text = output.read_text()
    for heading in ("## 1. Entry points", "## 2. Re-plotting", "## 3. Guard overhead", "## 4. Import and load",
                    "## 5. `%tfcheck` costs", "## 5b. The stack sampler", "## 5c. Whole cells", "## 6. Memory",
                    "## Targets"):
        assert heading in text, f"{heading!r} missing from the results"
    assert "| plot | large (1,000,000) |" in text
    for name in CASES:  # every entry point of the list, the animation frame included
        assert f"| {name} | small (" in text, f"{name!r} missing from section 1"
    assert "| animation frame (`set_ydata` + draw) | small (1,000) |" in text
    assert "| `Axes.plot` of a Python list of 1e6 floats |" in text  # issue 13, item 9
    assert "| `Axes.plot` of 1e5 NumPy points + `canvas.draw()` |" in text
    assert "| `import tfplotguard` |" in text and "| no |" in text  # TensorFlow stays unimported
    assert "stack sampler ≤ 2 ms fixed per cell" in text  # issue 14's targets
    assert "| 9,000 small eager ops (add, matmul, relu on 8×8) |" in text  # section 5c: the five workloads
    assert text.count("- met: ") + text.count("- **missed**: ") >= 13
