"""The docs site builds in strict mode, and the README stays the front door that leads into it.

``mkdocs build --strict`` fails on a broken link, a missing anchor, a page outside the
navigation or a missing include (``mkdocs.yml`` makes each of those a warning), so a page that
moved or a heading that was renamed is caught here, in the test command.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

try:
    import tomllib
except ImportError:  # Python 3.10: pytest itself depends on tomli there
    import tomli as tomllib

from tfplotguard.check.findings import RULES, catalogue

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"


def readme_tests_command(text: str) -> str:
    """The command between the ``tests:begin`` / ``tests:end`` markers, as ``.ci/run`` reads it."""
    block = text.split("<!-- tests:begin -->", 1)[1].split("<!-- tests:end -->", 1)[0]
    return "\n".join(line for line in block.strip().splitlines() if not line.startswith("```")).strip()


def site_url() -> str:
    """``site_url`` of ``mkdocs.yml`` (read as text: the file's hooks need MkDocs's own loader)."""
    return re.search(r"^site_url:\s*(\S+)", (ROOT / "mkdocs.yml").read_text(), re.M).group(1)


def test_the_site_builds_in_strict_mode(tmp_path):
    site = tmp_path / "site"
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    proc = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(site)],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    for page in ("index.html", "getting-started/index.html", "tfcheck/index.html", "findings/index.html",
                 "changelog/index.html"):
        assert (site / page).is_file(), page
    # The README's pictures are the site's too, and the changelog is included, not copied.
    for picture in ROOT.joinpath("docs").glob("*.png"):
        assert (site / picture.name).is_file(), picture.name
    # The catalogue of findings: one page per registered rule, and none for a rule that does not exist.
    pages = {p.name for p in (site / "findings").iterdir() if p.is_dir()}
    assert pages == set(RULES)
    assert "## Why it costs time" not in (site / "findings" / "retracing" / "index.html").read_text()  # rendered
    assert "What it detects" in (site / "findings" / "retracing" / "index.html").read_text()
    first_entry = re.search(r"^### (.+)$", (ROOT / "CHANGELOG.md").read_text(), re.M).group(1)
    assert first_entry.split("`")[0].strip() in (site / "changelog" / "index.html").read_text()


def test_the_readme_is_a_short_front_door():
    text = README.read_text()
    assert len(text.splitlines()) <= 200
    for target in re.findall(r"\]\(([^)#\s]+)(?:#[^)]*)?\)", text):
        if "://" not in target:
            assert (ROOT / target).exists(), f"README links to {target}, which does not exist"


def test_the_getting_started_page_shows_the_readmes_test_command():
    command = readme_tests_command(README.read_text())
    assert command.startswith("{ command -v chromium") and "pytest" in command
    assert command in (ROOT / "docs" / "getting-started.md").read_text()


def test_one_documentation_address():
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert pyproject["project"]["urls"]["Documentation"] == site_url()
    assert site_url() in README.read_text()
    assert catalogue.DOCS_URL == site_url()  # where a report's findings link to
