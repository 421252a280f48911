"""The report leads with its verdict (issue 29): the status and the findings first, the measurements after.

Real cells in a real IPython shell with real TensorFlow, and the stored outputs of the notebooks:

- the first line is the status and the wall time; the shown findings follow at once, each with
  its share, line and fix; then "where the time went"; the rest comes after a blank line in text
  and in folded ``<details>`` sections in HTML, each with a summary that reads as a line;
- a fast cell with nothing to fix is one line and the bar;
- rows and sections with nothing to say are left out (a zero ``.numpy()`` count, no traces, other
  threads that only waited);
- in the quickstart and the slow-cells notebook every report's first finding is within its first
  8 lines of text (the notebooks' stored outputs: re-run ``scripts/execute_notebooks.py`` after a
  change to the report).
"""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from IPython.utils.capture import capture_output

ROOT = Path(__file__).resolve().parents[1]
FINDING = re.compile(r"^  [!·] ")


def run(shell, cell):
    with capture_output() as cap:
        result = shell.run_cell(cell)
    assert result.error_before_exec is None and result.error_in_exec is None, result
    return cap


def displayed(cap) -> dict:
    """The one report bundle the cell displayed."""
    (bundle,) = [out.data for out in cap.outputs if "text/html" in out.data]
    return bundle


class _Outline(HTMLParser):
    """The report's top-level blocks in order, and every <details> with its summary text and state."""

    def __init__(self):
        super().__init__()
        self.details, self.order, self._summary, self._depth = [], [], None, 0

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "details":
            self.details.append({"key": attrs.get("data-tfcheck-section"), "open": "open" in attrs, "summary": "",
                                 "depth": self._depth})
            if not self._depth:  # sections folded inside a section are not blocks of the report
                self.order.append(("details", attrs.get("data-tfcheck-section")))
            self._depth += 1
        elif tag == "summary":
            self._summary = self.details[-1]
        elif tag == "ul" and attrs.get("data-tfcheck-section") == "findings":
            self.order.append(("findings", None))

    def handle_endtag(self, tag):
        if tag == "summary":
            self._summary = None
        elif tag == "details":
            self._depth -= 1

    def handle_data(self, data):
        if self._summary is not None:
            self._summary["summary"] += data
        if "Where the time went" in data:
            self.order.append(("where", None))


def outline(html_text: str) -> _Outline:
    parser = _Outline()
    parser.feed(html_text)
    parser.close()
    return parser


FIGURES = """\
%%tfcheck -o rep
import matplotlib.pyplot as plt
for i in range(40):
    fig, ax = plt.subplots(figsize=(3, 2))
    plt.close(fig)
"""


def test_a_slow_cell_leads_with_its_status_and_its_finding(tfcheck):
    bundle = displayed(run(tfcheck, FIGURES))
    report = tfcheck.user_ns["rep"]
    shown = report.shown_findings()
    assert shown and shown[0].rule == "figure_per_iteration", [f.rule for f in report.findings]
    lines = bundle["text/plain"].splitlines()
    assert re.fullmatch(r"%%tfcheck: ok, [\d.]+ (ms|s) wall, \d+ warnings?.*", lines[0]), lines[0]
    # the finding, its fix and its rule come next, before any measurement
    assert lines[1] == f"  ! [{shown[0].weight}] {shown[0].message}"
    assert lines[2] == f"    fix: {shown[0].fix}"
    assert lines[3].startswith("    rule: figure_per_iteration")
    blank = lines.index("")
    where = next(i for i, line in enumerate(lines) if line.startswith("  where the time went ("))
    assert 3 < where < blank and "  top lines" in lines[where:blank]
    rest = lines[blank + 1:]
    assert rest[0].startswith("  CPU ") and "  CPU per thread group:" in rest
    assert not any(line.startswith("  wall ") for line in lines)  # the headline has the wall time
    # HTML: findings, then the bar, then folded sections only
    found = outline(bundle["text/html"])
    assert [kind for kind, _ in found.order][:2] == ["findings", "where"], found.order
    assert {kind for kind, _ in found.order[2:]} == {"details"}, found.order
    # Folded at the top (inside a folded section, e.g. a hot call tree, its hot path may be open)
    assert found.details and not any(d["open"] for d in found.details if d["depth"] == 0)
    summaries = {d["key"]: d["summary"] for d in found.details}
    assert re.fullmatch(r"CPU [\d.]+ (ms|s), \d\.\d\d of \d+ cores, \d+% in the .+", summaries["cpu"]), summaries
    assert summaries["memory"].startswith("memory ") and "peak" in summaries["memory"]


def test_a_fast_clean_cell_is_one_line_and_the_bar(tfcheck):
    bundle = displayed(run(tfcheck, "%%tfcheck -o rep\nx = sum(range(1000))"))
    report = tfcheck.user_ns["rep"]
    assert report.ok and not report.shown_findings() and report.wall_s < 0.5
    lines = bundle["text/plain"].splitlines()
    assert re.fullmatch(r"%%tfcheck: ok, .+ wall, .+ CPU \(\d\.\d\d of \d+ cores\), nothing to fix.*", lines[0]), lines
    assert lines[1].startswith("  where the time went (")
    assert all(line.startswith("    ") for line in lines[2:]), lines  # only the bar's category rows follow
    assert "" not in lines and "thread group" not in bundle["text/plain"]
    found = outline(bundle["text/html"])
    assert [kind for kind, _ in found.order] == ["where", "details"], found.order  # the rest is one fold
    assert found.order[1][1] == "details" and not any(d["open"] for d in found.details)
    assert found.details[0]["summary"].startswith("details: CPU ")
    # --all tells everything, as a slow cell's report does
    full = displayed(run(tfcheck, "%%tfcheck --all -o rep\nx = sum(range(1000))"))["text/plain"]
    assert "\n\n  CPU " in full and "CPU per thread group" in full


def test_rows_with_nothing_to_say_are_left_out(tfcheck):
    run(tfcheck, "import tensorflow as tf\nt = tf.constant([1.0, 2.0])")
    quiet = displayed(run(tfcheck, "%%tfcheck --all -o rep\ny = t + 1.0"))["text/plain"]
    assert tfcheck.user_ns["rep"].numpy == {} or tfcheck.user_ns["rep"].numpy.get("calls") == 0
    assert not re.search(r"(?m)^  (\.numpy\(\)|traces|guard) ", quiet), quiet
    assert not re.search(r"\bnone\b|\b0 calls\b", quiet), quiet
    busy = displayed(run(tfcheck, "%%tfcheck --all -o rep\n@tf.function\ndef f(x):\n    return x * 2\n"
                                  "values = [f(t).numpy() for _ in range(3)]"))
    assert re.search(r"(?m)^  \.numpy\(\) +3 calls, ", busy["text/plain"]), busy["text/plain"]
    assert re.search(r"(?m)^  traces +f ×1$", busy["text/plain"]), busy["text/plain"]
    summaries = {d["key"]: d["summary"] for d in outline(busy["text/html"]).details}
    assert ".numpy() 3 calls" in summaries["tensorflow"] and "1 trace" in summaries["tensorflow"], summaries


SLEEPER = """\
%%tfcheck --all -o rep
import threading, time
def nap():
    time.sleep(0.4)
helper = threading.Thread(target=nap, name="napper")
helper.start()
t0 = time.perf_counter()
while time.perf_counter() - t0 < 0.3:
    pass
helper.join()
"""

BURNER = """\
%%tfcheck --all -o rep
import threading, time
def burn():
    t0 = time.perf_counter()
    while time.perf_counter() - t0 < 0.4:
        sum(range(200))
helper = threading.Thread(target=burn, name="burner")
helper.start()
helper.join()
"""


def test_other_threads_appear_only_when_they_did_something(tfcheck):
    # A sleeping thread shows the same Python frame as one computing there: its CPU tells them apart.
    bundle = displayed(run(tfcheck, SLEEPER))
    report = tfcheck.user_ns["rep"]
    assert any(t["name"] == "napper" for t in report.attribution["threads"])  # the sampler saw it
    assert "napper" not in bundle["text/plain"] and "other threads" not in bundle["text/plain"]
    assert "threads" not in {d["key"] for d in outline(bundle["text/html"]).details}
    bundle = displayed(run(tfcheck, BURNER))
    assert report is not tfcheck.user_ns["rep"]
    assert re.search(r"(?m)^  other threads running Python:\n    burner: [\d.]+ (ms|s) seen", bundle["text/plain"]), \
        bundle["text/plain"]
    summaries = {d["key"]: d["summary"] for d in outline(bundle["text/html"]).details}
    assert summaries["threads"] == "other threads running Python: burner", summaries


def _reports(notebook: str) -> list[tuple[int, str, str]]:
    """(cell index, text, HTML) of every %%tfcheck report a notebook's stored outputs show."""
    nb = json.loads((ROOT / "notebooks" / notebook).read_text(encoding="utf-8"))
    found = []
    for index, cell in enumerate(nb["cells"]):
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            text = "".join(data.get("text/plain", ""))
            if text.startswith("%%tfcheck: "):
                found.append((index, text, "".join(data.get("text/html", ""))))
    return found


@pytest.mark.parametrize("notebook, least", [("01_quickstart.ipynb", 1), ("03_finding_slow_cells.ipynb", 6)])
def test_every_notebook_report_shows_its_first_finding_in_its_first_8_lines(notebook, least):
    reports = _reports(notebook)
    assert len(reports) >= least, f"{notebook}: {len(reports)} reports stored (re-run scripts/execute_notebooks.py)"
    with_findings = 0
    for index, text, html_text in reports:
        lines = text.splitlines()
        first = next((i for i, line in enumerate(lines) if FINDING.match(line)), None)
        if first is None:
            assert "nothing to fix" in lines[0], (notebook, index, lines[:3])
            continue
        with_findings += 1
        assert first < 8, f"{notebook} cell {index}: the first finding is line {first + 1}:\n" + "\n".join(lines[:10])
        order = [kind for kind, _ in outline(html_text).order]
        assert order[0] == "findings", (notebook, index, order)
    assert with_findings >= (4 if least > 1 else 0), f"{notebook}: only {with_findings} reports with a finding"
