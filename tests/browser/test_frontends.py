"""End to end in real frontends: the quickstart and the live-training notebook in JupyterLab and Notebook 7.

Each frontend is a real server (``jupyter lab``, ``jupyter notebook``) on 127.0.0.1 serving copies
of the notebooks without their stored outputs, so everything asserted on was produced by this run.
A headless system Chromium opens each notebook, runs all cells from the Run menu, and the tests
read the page as a user sees it:

- the ``%%tfcheck`` report renders as HTML: the findings the report object says it shows, one list
  item each, and its measurements in folded sections that a click opens;
- the "where the time went" bar is visible, its segments drawn;
- ``%tfcheck on`` puts its line under the next cells and not under earlier ones;
- during ``fit``, ``LivePlot`` keeps exactly one image output, whose picture changes (sampled
  many times while the cell runs), and the cell's other output, a print before ``fit`` and the
  prints after it, stays.

The copies differ from the notebooks in a few stated ways (see ``quickstart_copy`` and
``live_copy``): ``%tfcheck on --min-ms 0`` where the option exists (the quiet auto mode prints
nothing for fast cells), ``%%tfcheck --all`` (whether the retracing finding is minor depends on
how busy the machine is), a cell that prints which findings the report shows, a print before
``fit``, and ``LivePlot(min_interval=0.2, max_share=0.5)`` so that an 8-epoch fit of a few seconds
draws several frames (the default throttle draws two).

Negative check, run by hand: ``TFPLOTGUARD_BROWSER_BREAK_LIVEPLOT=append`` makes every live frame
a new output (``clear`` makes it clear the cell's output first, as some live-plot callbacks do);
``test_live_training`` must then fail. Nothing else sets it.
"""

from __future__ import annotations

import json
import os
import re
import sys
import time
from pathlib import Path

import pytest

import frontends
from frontends import JupyterServer, NotebookPage, code_cell, find_cell, notebook_copy

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = ROOT / "notebooks"
QUICKSTART, LIVE = "01_quickstart.ipynb", "05_live_training.ipynb"

AUTO_ON = """\
# The quiet auto mode prints nothing for a fast cell; the browser test wants every cell's line.
auto_options = "--min-ms 0" if "--min-ms" in (get_ipython().find_line_magic("tfcheck").__doc__ or "") else ""
get_ipython().run_line_magic("tfcheck", f"on {auto_options}")  # %tfcheck on [--min-ms 0]"""
REPORT = "%%tfcheck --all -o rep\n"
SHOWN = "print('SHOWN FINDINGS', json.dumps([f.message for f in rep.shown_findings()]))"
BEFORE_FIT = "print('before fit: training starts')\n"

#: The sabotage for the negative check: live frames that append or clear instead of updating.
SABOTAGE = {
    "append": """\
import base64
from IPython.display import display
from tfplotguard.live import display as live_display

def publish_appending(self, png):  # sabotage: a new output per frame
    bundle = {"image/png": base64.b64encode(png).decode("ascii"), "text/plain": live_display.TEXT_PLAIN}
    self.handle = display(bundle, raw=True, display_id=True)

live_display.DisplaySink.publish = publish_appending""",
    "clear": """\
import base64
from IPython.display import clear_output, display
from tfplotguard.live import display as live_display

def publish_clearing(self, png):  # sabotage: clear the cell's output, then show the frame
    clear_output(wait=True)
    display({"image/png": base64.b64encode(png).decode("ascii"), "text/plain": live_display.TEXT_PLAIN}, raw=True)

live_display.DisplaySink.publish = publish_clearing""",
}


def quickstart_copy(nb: dict) -> None:
    """The quickstart, with ``%tfcheck on --min-ms 0`` where supported and the shown findings printed."""
    on = find_cell(nb, "%tfcheck on")
    nb["cells"][on]["source"] = AUTO_ON
    report = find_cell(nb, "%%tfcheck -o rep\n")
    # --all: the retracing finding is listed even when the machine running the browser makes it minor
    nb["cells"][report]["source"] = REPORT + frontends.cell_source(nb["cells"][report]).removeprefix("%%tfcheck -o rep\n")
    nb["cells"].insert(report + 1, code_cell("import json\n" + SHOWN))


def live_copy(nb: dict) -> None:
    """The live-training notebook, with a print before ``fit`` and a throttle that draws every few batches."""
    fit = find_cell(nb, "lp = LivePlot(")
    cell = nb["cells"][fit]
    source = frontends.cell_source(cell)
    original = 'LivePlot(images=lambda m: m(samples), title="denoising autoencoder")'
    assert original in source, "the fit cell changed: update live_copy"
    source = source.replace(original, original[:-1] + ", min_interval=0.2, max_share=0.5)")
    cell["source"] = BEFORE_FIT + source
    sabotage = os.environ.get("TFPLOTGUARD_BROWSER_BREAK_LIVEPLOT")
    if sabotage:
        nb["cells"].insert(fit, code_cell(SABOTAGE[sabotage]))


COPIES = {QUICKSTART: quickstart_copy, LIVE: live_copy}


@pytest.fixture(scope="module")
def notebook_root(tmp_path_factory):
    """A temporary root directory holding the test's copies of the notebooks."""
    root = tmp_path_factory.mktemp("notebooks")
    for name, edit in COPIES.items():
        (root / name).write_text(json.dumps(notebook_copy(NOTEBOOKS / name, edit), indent=1), encoding="utf-8")
    return root


@pytest.fixture(scope="module", params=["lab", "notebook"], ids=["jupyterlab", "notebook7"])
def server(request, notebook_root, tmp_path_factory):
    """A real ``jupyter lab`` or ``jupyter notebook`` server, stopped (kernels and all) at the end."""
    home = tmp_path_factory.mktemp(f"home-{request.param}")
    srv = JupyterServer(request.param, notebook_root, home)
    srv.start()
    try:
        argv = srv.kernelspec_argv()
        assert Path(argv[0]) == Path(sys.executable), f"the notebooks' kernel would run {argv[0]}, not this venv"
        yield srv
    finally:
        killed = srv.stop()
        if killed:
            print(f"killed after shutdown: {killed}", file=sys.stderr)


@pytest.fixture(autouse=True)
def kernels_ended(server):
    """End the test's kernels afterwards: the next notebook runs without a TensorFlow kernel idling beside it."""
    yield
    server.shutdown_kernels()


def run_notebook(page, server, name) -> tuple[NotebookPage, dict]:
    """Open ``name``, run all cells from the menu and wait for the last; also the copy's JSON."""
    nb = json.loads((server.root / name).read_text(encoding="utf-8"))
    notebook = NotebookPage(page, server, name).open()
    notebook.run_all()
    return notebook, nb


def texts(outputs) -> str:
    return "\n".join(o["text"] for o in outputs)


#: JavaScript: find the "where the time went" bar (the element whose children are the titled
#: category segments), mark it for Playwright, and measure it and its segments.
TIME_BAR_JS = """
(report) => {
  const heading = Array.from(report.querySelectorAll('*')).find(
      (el) => el.children.length === 0 && /where the time went/i.test(el.textContent));
  const bar = Array.from(report.querySelectorAll('*')).find((el) => el.children.length > 0 &&
      Array.from(el.children).every((c) => /\\d%|<1%/.test(c.getAttribute('title') || '')));
  if (!heading || !bar) return {heading: !!heading, bar: null};
  bar.setAttribute('data-test-time-bar', '1');
  const box = (el) => { const r = el.getBoundingClientRect(); return {width: r.width, height: r.height}; };
  return {heading: true, bar: box(bar),
          segments: Array.from(bar.children).map((c) => ({title: c.getAttribute('title'), ...box(c)}))};
}
"""


def test_quickstart(page, server):
    notebook, nb = run_notebook(page, server, QUICKSTART)
    notebook.wait_until_all_ran(timeout_s=300)

    # the %%tfcheck report: rendered as HTML, a table of its measurements, and its findings
    report_cell = find_cell(nb, REPORT)
    report = notebook.cell(report_cell).locator(".tfcheck-report")
    assert report.count() == 1, "the %%tfcheck report did not render as HTML (no .tfcheck-report element)"
    assert report.is_visible()
    # the measurements sit in folded sections: closed at first, each opened by a click on its summary
    sections = report.locator("details[data-tfcheck-section]")
    assert sections.count() >= 3
    assert not report.locator("details[data-tfcheck-section='tensorflow'] table").is_visible()
    for index in range(sections.count()):
        assert sections.nth(index).get_attribute("open") is None
        sections.nth(index).locator("summary").click()
    labelled = report.locator("details[data-tfcheck-section] tr:has(> th):has(> td)")  # "label: value" rows
    assert labelled.first.is_visible()
    rows = dict(zip(labelled.locator("th").all_inner_texts(), labelled.locator("td").all_inner_texts()))
    assert {"CPU", "memory", "guard", "traces"} <= set(rows), rows
    assert rows["traces"] == "scaled ×3"

    (shown_line,) = [line for line in texts(notebook.outputs(report_cell + 1)).splitlines()
                     if line.startswith("SHOWN FINDINGS ")]
    shown = json.loads(shown_line.removeprefix("SHOWN FINDINGS "))
    assert any("traced 3 times" in message for message in shown), shown
    items = report.locator("ul[data-tfcheck-section='findings'] > li").all_inner_texts()
    assert len(items) == len(shown), (items, shown)
    for message, item in zip(shown, items):
        assert message in item and "fix:" in item, (message, item)

    # "where the time went": a visible bar whose segments are drawn and fill it
    measured = report.evaluate(TIME_BAR_JS)
    assert measured["heading"] and measured["bar"], f"no 'where the time went' bar in the report: {measured}"
    bar = report.locator("[data-test-time-bar]")
    assert bar.is_visible()
    assert measured["bar"]["width"] > 100 and measured["bar"]["height"] >= 8, measured["bar"]
    widths = [s["width"] for s in measured["segments"]]
    assert len(widths) >= 2 and max(widths) > 20, measured["segments"]
    assert abs(sum(widths) - measured["bar"]["width"]) <= 4, measured

    # %tfcheck on: its line under the next cell, none under cells before it or after %tfcheck off
    auto_line = re.compile(r"(?m)^tfcheck\b.*\d")
    on = find_cell(nb, AUTO_ON[:40])
    assert "auto mode on" in texts(notebook.outputs(on))
    after_on = texts(notebook.outputs(on + 1))
    assert auto_line.search(after_on), f"no %tfcheck on line under the cell after it: {after_on!r}"
    before_on = texts(notebook.outputs(find_cell(nb, "%config TFPlotGuard\n")))
    assert before_on and not auto_line.search(before_on)
    after_off = texts(notebook.outputs(find_cell(nb, "%reload_ext tfplotguard")))
    assert after_off.strip() == "True True", after_off


def test_live_training(page, server):
    notebook, nb = run_notebook(page, server, LIVE)
    fit = find_cell(nb, BEFORE_FIT)

    # sample the fit cell while it runs: its outputs and the image each one shows
    samples, deadline = [], time.monotonic() + 300
    while time.monotonic() < deadline:
        prompt, outputs = notebook.prompt(fit), notebook.outputs(fit)
        if prompt.isdigit():
            break
        if not prompt and samples:
            raise AssertionError("the fit cell was running, then neither running nor run")
        if prompt == "*" and outputs:
            samples.append(outputs)
        time.sleep(0.1)
    else:
        raise AssertionError(f"the fit cell did not finish within 300 s: {notebook.prompts()}")
    notebook.wait_until_all_ran(timeout_s=300)
    final = notebook.outputs(fit)

    with_image = [s for s in samples if any(o["image"] for o in s)]
    assert len(with_image) >= 3, f"only {len(with_image)} samples of the fit cell showed a plot while it ran"
    for outputs in with_image:
        images = [o for o in outputs if o["image"]]
        assert len(images) == 1, f"LivePlot showed {len(images)} image outputs at once during fit: {outputs}"
        assert "before fit: training starts" in texts(outputs), f"the print before fit is gone: {outputs}"
    during = [s for s in with_image if "epochs logged" not in texts(s)]
    frames = {o["image"] for s in during for o in s if o["image"]}
    print(f"{len(samples)} samples while the fit cell ran, {len(with_image)} with a plot, "
          f"{len(frames)} different frames seen during fit")
    assert len(frames) >= 2, f"the live plot's image did not change during fit ({len(during)} samples)"

    # stderr (a library's log line) is not the cell's output under test; everything else is
    kinds = ["image" if o["image"] else o["mime"] for o in final if o["mime"] != "application/vnd.jupyter.stderr"]
    final = [o for o in final if o["mime"] != "application/vnd.jupyter.stderr"]
    assert kinds == ["application/vnd.jupyter.stdout", "image", "application/vnd.jupyter.stdout"], final
    assert final[0]["text"].strip() == "before fit: training starts"
    assert "epochs logged: 8" in final[2]["text"] and "identical to Keras' History: True" in final[2]["text"]
    assert final[1]["image"] not in {o["image"] for o in with_image[0] if o["image"]}, \
        "the final frame is the first frame"

    # the custom training loop: live() too ends with one image output
    custom = notebook.outputs(find_cell(nb, "net = make_model()"))
    assert [bool(o["image"]) for o in custom].count(True) == 1, custom
