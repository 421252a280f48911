"""A report's first finding is visible without scrolling, in a 1280×800 JupyterLab window, light and dark.

Issue 29: the report leads with its verdict. A real ``jupyter lab`` server runs copies of the
quickstart and of the slow-cells notebook (without their stored outputs); a headless Chromium of
1280×800 pixels runs all cells from the Run menu. Then, in JupyterLab's light theme and again in
its dark theme, each ``%%tfcheck`` report cell is scrolled to the top of the notebook, as a user
reading it would see it, and the first finding of its report must lie inside the notebook's
visible area (top, bottom and right edge), with its message legible against the output's
background (contrast ratio of at least 3).

The copies differ from the notebooks in stated ways: every displayed report is ``--all`` (whether
a finding is minor depends on how busy the machine is; the first one listed is what is checked),
and the slow-cells copy ends after its ``%%tfcheck`` cells (its last sections start fresh
processes and add no report).
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import pytest

from frontends import JupyterServer, NotebookPage, cell_source, find_cell, notebook_copy

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = ROOT / "notebooks"
QUICKSTART, SLOW = "01_quickstart.ipynb", "03_finding_slow_cells.ipynb"
THEMES = {"light": "JupyterLab Light", "dark": "JupyterLab Dark"}
WINDOW = {"width": 1280, "height": 800}
SLOW_LAST = "%%tfcheck --plot --interval 50 -o rep_pool\n"


def shows_report(source: str) -> bool:
    first = source.split("\n", 1)[0]
    return first.startswith("%%tfcheck") and not re.search(r"--(quiet|json)\b", first)


def every_report_all(nb: dict) -> None:
    for cell in nb["cells"]:
        source = cell_source(cell)
        if cell["cell_type"] == "code" and shows_report(source) and "--all" not in source.split("\n", 1)[0]:
            cell["source"] = "%%tfcheck --all" + source.removeprefix("%%tfcheck")


def quickstart_copy(nb: dict) -> None:
    every_report_all(nb)


def slow_copy(nb: dict) -> None:
    del nb["cells"][find_cell(nb, SLOW_LAST) + 1:]
    every_report_all(nb)


COPIES = {QUICKSTART: quickstart_copy, SLOW: slow_copy}


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    """A ``jupyter lab`` server in the light theme, serving the copies; stopped, kernels and all, at the end."""
    root = tmp_path_factory.mktemp("verdict")
    for name, edit in COPIES.items():
        (root / name).write_text(json.dumps(notebook_copy(NOTEBOOKS / name, edit), indent=1), encoding="utf-8")
    settings = {"@jupyterlab/apputils-extension/themes.jupyterlab-settings": {"theme": THEMES["light"]}}
    server = JupyterServer("lab", root, tmp_path_factory.mktemp("home-verdict"), settings=settings)
    server.start()
    try:
        yield server
    finally:
        killed = server.stop()
        if killed:
            print(f"killed after shutdown: {killed}", file=sys.stderr)


#: JavaScript: where a report cell's first finding lies against the notebook's visible area, and
#: the colours of its message and of the background it is drawn on.
FIRST_FINDING_JS = """
(cell) => {
  const li = cell.querySelector(".tfcheck-report ul[data-tfcheck-section='findings'] > li");
  if (!li) return null;
  let scroller = cell.parentElement;
  while (scroller && !(scroller.scrollHeight > scroller.clientHeight &&
                       /(auto|scroll)/.test(getComputedStyle(scroller).overflowY))) {
    scroller = scroller.parentElement;
  }
  const area = (scroller || document.documentElement).getBoundingClientRect();
  const r = li.getBoundingClientRect();
  const message = li.querySelector("span") || li;
  let background = "rgba(0, 0, 0, 0)";
  for (let el = li; el; el = el.parentElement) {
    const b = getComputedStyle(el).backgroundColor;
    if (b && b !== "transparent" && !/^rgba\\(.*,\\s*0\\)$/.test(b)) { background = b; break; }
  }
  return {
    cellTop: cell.getBoundingClientRect().top,
    top: Math.max(area.top, 0), bottom: Math.min(area.bottom, window.innerHeight),
    right: Math.min(area.right, window.innerWidth),
    li: {top: r.top, bottom: r.bottom, right: r.right, height: r.height},
    colour: getComputedStyle(message).color, background: background, text: li.innerText.slice(0, 120),
  };
}
"""


def _luminance(css: str) -> float:
    r, g, b = (int(v) / 255 for v in re.findall(r"[\d.]+", css)[:3])
    lin = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in (r, g, b)]
    return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]


def contrast(a: str, b: str) -> float:
    """The WCAG contrast ratio of two CSS ``rgb()`` colours."""
    light, dark = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


@pytest.mark.parametrize("name, least", [(QUICKSTART, 1), (SLOW, 5)], ids=["quickstart", "slow-cells"])
def test_the_first_finding_is_visible_without_scrolling(page, lab, name, least):
    page.set_viewport_size(WINDOW)
    nb = json.loads((lab.root / name).read_text(encoding="utf-8"))
    reports = [i for i, c in enumerate(nb["cells"]) if c["cell_type"] == "code" and shows_report(cell_source(c))]
    notebook = NotebookPage(page, lab, name).open()
    try:
        notebook.run_all()
        notebook.wait_until_all_ran(timeout_s=600)
        checked = {}
        for theme, label in THEMES.items():
            if page.evaluate("document.body.dataset.jpThemeName") != label:
                notebook.menu("Settings", "Theme", label)
            page.wait_for_function("(name) => document.body.dataset.jpThemeName === name", arg=label)
            page.wait_for_timeout(500)  # the theme's stylesheet is applied after the attribute
            checked[theme] = 0
            for index in reports:
                cell = notebook.cell(index)
                assert cell.locator(".tfcheck-report").count() == 1, f"cell {index} shows no HTML report"
                cell.evaluate("(el) => el.scrollIntoView({block: 'start'})")
                page.wait_for_timeout(150)
                seen = cell.evaluate(FIRST_FINDING_JS)
                if seen is None:  # a report with no finding at all, even with --all
                    continue
                checked[theme] += 1
                where = f"{theme} theme, cell {index} ({seen['text']!r}): {seen}"
                assert abs(seen["cellTop"] - seen["top"]) < 40 or seen["cellTop"] > seen["top"], where
                assert seen["li"]["height"] > 0, where
                assert seen["top"] <= seen["li"]["top"] and seen["li"]["bottom"] <= seen["bottom"], \
                    f"the first finding is not visible without scrolling: {where}"
                assert seen["li"]["right"] <= seen["right"] + 1, f"the first finding runs off the right edge: {where}"
                assert contrast(seen["colour"], seen["background"]) >= 3, f"the finding is hard to read: {where}"
        assert checked["light"] == checked["dark"] >= least, (checked, reports)
    finally:
        lab.shutdown_kernels()
