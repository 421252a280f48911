"""The release artefacts: ``python -m build`` makes an sdist and a wheel that ``twine check --strict``
passes, and the wheel works installed into a fresh virtual environment.

The fresh environment gets its dependencies (TensorFlow, matplotlib, IPython) from this test
environment's ``site-packages`` instead of downloading them: a ``.pth`` line there appends that
folder to ``sys.path`` after the environment's own, where the wheel is installed. ``.pth`` files
inside a folder added that way are not processed, so the editable install's finder never runs,
and the check runs from a temporary folder, so the source tree is not on the path either.
Nothing is downloaded: the build runs without isolation (setuptools and wheel are in the lock).
"""

from __future__ import annotations

import ast
import json
import os
import shutil
import subprocess
import sys
import sysconfig
import textwrap
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
#: What the build reads from the repository; the rest of it is not the package's business.
BUILD_INPUTS = ("pyproject.toml", "README.md", "CHANGELOG.md", "MANIFEST.in", "tfplotguard")


def source_version() -> str:
    """``__version__`` of ``tfplotguard/__init__.py``, read as the build reads it (no import)."""
    tree = ast.parse((ROOT / "tfplotguard" / "__init__.py").read_text())
    return next(node.value.value for node in tree.body if isinstance(node, ast.Assign)
                and getattr(node.targets[0], "id", None) == "__version__")


def clean_env() -> dict:
    """This process's environment without ``PYTHON*`` variables (a ``PYTHONPATH`` to the tree, say)."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("PYTHON")}
    env.update(MPLBACKEND="Agg", TF_CPP_MIN_LOG_LEVEL="2", PIP_DISABLE_PIP_VERSION_CHECK="1")
    return env


def run(*args, **kwargs) -> subprocess.CompletedProcess:
    """Run a command; on failure, fail the test with its output."""
    proc = subprocess.run(args, capture_output=True, text=True, timeout=300, **kwargs)
    assert proc.returncode == 0, f"{' '.join(map(str, args))}\n{proc.stdout}\n{proc.stderr}"
    return proc


@pytest.fixture(scope="module")
def dist(tmp_path_factory) -> Path:
    """The sdist and the wheel, built from a copy of the build's inputs (the tree is left alone)."""
    work = tmp_path_factory.mktemp("release")
    source = work / "source"
    source.mkdir()
    for name in BUILD_INPUTS:
        path = ROOT / name
        if path.is_dir():
            shutil.copytree(path, source / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(path, source / name)
    out = work / "dist"
    # The sdist first, then the wheel from the unpacked sdist: what a release does, so a file the
    # sdist forgets fails here.
    run(sys.executable, "-m", "build", "--no-isolation", "--outdir", str(out), str(source))
    return out


def test_build_makes_an_sdist_and_a_wheel_that_twine_passes(dist):
    version = source_version()
    sdist, wheel = dist / f"tfplotguard-{version}.tar.gz", dist / f"tfplotguard-{version}-py3-none-any.whl"
    assert sdist.is_file() and wheel.is_file(), sorted(p.name for p in dist.iterdir())
    run(sys.executable, "-m", "twine", "check", "--strict", str(sdist), str(wheel))
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        metadata = archive.read(f"tfplotguard-{version}.dist-info/METADATA").decode()
    assert "tfplotguard/py.typed" in names
    assert "tfplotguard/check/findings/examples.json" in names  # the catalogue's slow cells and twins
    assert not any(name.startswith(("tests/", "benchmarks/", "scripts/")) for name in names)
    assert f"\nVersion: {version}\n" in metadata
    assert "Project-URL: Documentation, " in metadata


CHECK = """
import json, sys
import tfplotguard
report = {"file": tfplotguard.__file__, "version": tfplotguard.__version__,
          "tensorflow_on_import": "tensorflow" in sys.modules}
from IPython.core.interactiveshell import InteractiveShell
shell = InteractiveShell.instance()
shell.run_line_magic("load_ext", "tfplotguard")
plotted = shell.run_cell(
    "import tensorflow as tf, matplotlib.pyplot as plt\\n"
    "lines = plt.plot(tf.ragged.constant([[1.0, 2.0, 3.0], [4.0]]))\\n")
report["plot"] = plotted.success and len(shell.user_ns["lines"])
checked = shell.run_cell(
    "%%tfcheck --quiet -o rep\\n"
    "total = sum(float(tf.constant(i).numpy()) for i in range(5))\\n")
rep = shell.user_ns.get("rep")
report["tfcheck"] = checked.success and rep is not None and rep.numpy["calls"]
from IPython.utils.capture import capture_output
with capture_output() as cap:
    shell.run_line_magic("tfcheck", "--explain numpy_in_loop")
report["explain"] = "history.append(y.numpy())" in cap.outputs[0].data["text/plain"]
shell.run_line_magic("unload_ext", "tfplotguard")
print(json.dumps(report))
"""


def test_the_wheel_works_in_a_fresh_environment(dist, tmp_path):
    (wheel,) = dist.glob("*.whl")
    env_dir = tmp_path / "fresh"
    env = clean_env()
    run(sys.executable, "-m", "venv", "--without-pip", str(env_dir), env=env)
    python = env_dir / "bin" / "python"
    # Installed before the .pth below exists: pip must not see this environment's own tfplotguard.
    run(sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps", "--no-index", "--quiet",
        str(wheel), env=env)
    fresh_site = Path(run(str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])", env=env)
                      .stdout.strip())
    assert (fresh_site / "tfplotguard" / "__init__.py").is_file(), "the wheel was not installed there"
    ours = dict.fromkeys([sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]])
    (fresh_site / "zz_test_environment.pth").write_text("".join(f"{path}\n" for path in ours))
    script = tmp_path / "check.py"
    script.write_text(textwrap.dedent(CHECK))
    proc = run(str(python), str(script), cwd=tmp_path, env=env)
    report = json.loads(proc.stdout.strip().splitlines()[-1])
    assert Path(report["file"]).is_relative_to(fresh_site), report["file"]
    assert report["version"] == source_version()
    assert report["tensorflow_on_import"] is False
    assert report["plot"] == 2  # a ragged tensor of two rows: one line per row
    assert report["tfcheck"] == 5
    assert report["explain"] is True
