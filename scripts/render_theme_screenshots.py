"""Screenshot a ``%%tfcheck`` report in JupyterLab's light and dark themes, from a real browser.

Usage: python scripts/render_theme_screenshots.py [light] [dark]   (default: both)

Writes ``docs/tfcheck_report_light.png`` and ``docs/tfcheck_report_dark.png``: the
``%%tfcheck --ops -o rep_redraw`` cell of ``notebooks/03_finding_slow_cells.ipynb`` (40 redraws
of a figure in a training loop: the headline, a warning, the "where the time went" bar, the folded
sections, a note), input and output, as JupyterLab shows it. Unlike ``render_docs_images.py``, which
pictures the notebooks' stored outputs through nbconvert's HTML, this runs the cell (after the
notebook's two setup cells) in a real ``jupyter lab`` server and takes the picture from the
page, in JupyterLab's own CSS: what the report's colours look like on each theme is the point.
Both pictures show the same run; the theme is switched from the Settings menu in between.

Needs the ``browser`` extra (``pip install -c requirements/test.lock -e ".[test,browser]"``) and
the system's Chromium (Debian: ``apt-get install -y chromium``); the server and the browser are
those of the browser tests (``tests/browser/frontends.py``).
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
sys.path.insert(0, str(ROOT / "tests" / "browser"))

import frontends  # noqa: E402

SOURCE = ROOT / "notebooks" / "03_finding_slow_cells.ipynb"
#: the cells run, by how they start; the last one is pictured
CELLS = ("%matplotlib inline\n", "model = keras.Sequential(", "%%tfcheck --ops -o rep_redraw\n")
THEMES = {"light": "JupyterLab Light", "dark": "JupyterLab Dark"}


def picture_notebook() -> dict:
    """The three cells of notebook 03, without outputs and without ``# NBVAL_`` marker lines."""
    nb = frontends.notebook_copy(SOURCE)
    cells = [nb["cells"][frontends.find_cell(nb, start)] for start in CELLS]
    for cell in cells:
        lines = frontends.cell_source(cell).splitlines()
        cell["source"] = "\n".join(line for line in lines if not line.startswith("# NBVAL_"))
    nb["cells"] = cells
    return nb


def main(argv: list[str]) -> int:
    wanted = argv or list(THEMES)
    unknown = set(wanted) - set(THEMES)
    if unknown:
        raise SystemExit(f"unknown theme(s): {', '.join(sorted(unknown))}; choose from {', '.join(THEMES)}")
    executable = frontends.chromium_path()
    if executable is None:
        raise SystemExit(frontends.CHROMIUM_MISSING.format(names=", ".join(frontends.CHROMIUM_NAMES)))
    from playwright.sync_api import sync_playwright
    from PIL import Image

    DOCS.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="tfplotguard-shots-") as tmp:
        root, home = Path(tmp) / "root", Path(tmp) / "home"
        root.mkdir()
        name = "report.ipynb"
        (root / name).write_text(json.dumps(picture_notebook(), indent=1), encoding="utf-8")
        # Start in the light theme whatever the machine's JupyterLab settings say.
        settings = {"@jupyterlab/apputils-extension/themes.jupyterlab-settings": {"theme": THEMES["light"]}}
        with frontends.JupyterServer("lab", root, home, settings=settings) as server, sync_playwright() as pw:
            browser = frontends.launch_chromium(pw, executable)
            page = browser.new_page(viewport={"width": 1280, "height": 1000}, device_scale_factor=1)
            notebook = frontends.NotebookPage(page, server, name).open()
            notebook.run_all()
            notebook.wait_until_all_ran(timeout_s=600)
            cell = notebook.cell(len(CELLS) - 1)
            if cell.locator(".tfcheck-report").count() != 1:
                raise SystemExit("the %%tfcheck cell shows no HTML report")
            # Select the first cell, so the pictured one has no selection bar; the cursor leaves the editor.
            notebook.cell(0).locator(".jp-InputPrompt").click()
            page.keyboard.press("Escape")
            # The notebook scrolls inside JupyterLab's panel, not the page: a cell taller than the
            # panel would be pictured with the menus and the status bar over it. Make room for it.
            height = cell.bounding_box()["height"]
            page.set_viewport_size({"width": 1280, "height": int(height) + 400})
            page.mouse.move(1270, int(height) + 390)  # no hover toolbar on the pictured cell
            for theme in wanted:
                if page.evaluate("document.body.dataset.jpThemeName") != THEMES[theme]:
                    notebook.menu("Settings", "Theme", THEMES[theme])
                page.wait_for_function("(name) => document.body.dataset.jpThemeName === name", arg=THEMES[theme])
                page.wait_for_timeout(500)  # the theme's stylesheet is applied after the attribute
                cell.scroll_into_view_if_needed()
                out = DOCS / f"tfcheck_report_{theme}.png"
                cell.screenshot(path=str(out))
                Image.open(out).save(out, optimize=True)
                print(f"wrote {out.relative_to(ROOT)}")
            browser.close()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
