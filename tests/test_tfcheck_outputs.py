"""``%%tfcheck --html FILE / --json FILE / --trace FILE``: files that travel, and writes that lose nothing.

Real shell, real TensorFlow; the files are read back and parsed (``html.parser``,
``json``), and the trace is checked against the trace-event format's rules.
"""

import json
import os
import stat
from html.parser import HTMLParser

import pytest
from IPython.core.error import UsageError
from IPython.utils.capture import capture_output

from test_html_theme import assert_themed
from tfplotguard.check import report as rep
from tfplotguard.check.attribution import category
from tfplotguard.check.report import GROUP_LABELS, Finding, Report
from tfplotguard.check.report.files import checked_target, write_text
from tfplotguard.check.report.trace import CELL_PID, CELL_TID, GROUPS_PID, chrome_trace

#: A cell with a warning whatever the machine's speed (pyplot from a thread: a crash risk, weighed in full),
#: and enough Python and TensorFlow work for the samplers to see (CPU every 5 ms, stacks every 1 ms).
CELL = ("import threading\nimport matplotlib.pyplot as plt\nimport tensorflow as tf\n"
        "worker = threading.Thread(target=lambda: plt.close(plt.figure()))\nworker.start()\nworker.join()\n"
        "x = tf.random.normal((300, 300))\nfor step in range(40):\n    x = tf.tanh(tf.matmul(x, x) / 300)\n"
        "total = sum(i * i for i in range(300_000))\n")


def run(ip, cell):
    # store_history as a notebook does: IPython's displayhook decides whether a trailing ';'
    # silences the cell from the last *stored* cell, which is some other test's without it.
    with capture_output() as cap:
        result = ip.run_cell(cell, store_history=True)
    return result, cap


class _Page(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags, self.text, self.title = [], [], None
        self._in_title = False

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self._in_title = tag == "title"

    def handle_data(self, data):
        if self._in_title:
            self.title = data
        self.text.append(data)

    def handle_endtag(self, tag):
        self._in_title = False


def _parsed_page(path) -> _Page:
    page = _Page()
    page.feed(path.read_text(encoding="utf-8"))
    page.close()
    return page


def assert_valid_trace(trace: dict, wall_s: float) -> list[dict]:
    """The trace-event rules this export promises; the events, checked."""
    assert set(trace) >= {"traceEvents"} and isinstance(trace["traceEvents"], list)
    wall_us = wall_s * 1e6
    for event in trace["traceEvents"]:
        assert event["ph"] in ("X", "C", "M") and isinstance(event["name"], str) and isinstance(event["pid"], int)
        if event["ph"] == "M":
            assert event["name"] in ("process_name", "process_sort_index", "thread_name") and "args" in event
            continue
        assert isinstance(event["ts"], float | int) and 0 <= event["ts"] <= wall_us + 1e-3
        if event["ph"] == "X":
            assert isinstance(event["tid"], int) and event["dur"] >= 0
            assert event["ts"] + event["dur"] <= wall_us + 1e-3, event
        else:
            assert event["args"] and all(isinstance(v, float | int) for v in event["args"].values())
    return trace["traceEvents"]


# -- the trace on its own -----------------------------------------------------------------------------


def _report_with_timelines(**overrides) -> Report:
    fields = dict(
        source="for step in steps: train(step)", wall_s=0.03, cpu_user_s=0.05, cores=2, started=1.0e9,
        timeline={"t": [0.0, 0.01, 0.02], "groups": {"main": [0.9, 1.0, 0.2], "tf_pool": [0.0, 1.5, 1.8]}},
        attribution={"wall_s": 0.03, "categories": [], "lines": [], "threads": [], "samples": 30, "interval_s": 0.001,
                     # the last bucket holds more than its width and runs past the cell's end: both are cut
                     "timeline": {"t": [0.0, 0.01, 0.02], "width_s": 0.01,
                                  "categories": {"cell": [0.006, 0.004, 0.0], "tf_eager_ops": [0.003, 0.006, 0.009],
                                                 "mpl_draw": [0.0, 0.0, 0.004]}}},
    )
    fields.update(overrides)
    return Report(**fields)


def test_the_trace_names_its_tracks_and_lays_categories_inside_buckets_and_the_cell():
    report = _report_with_timelines()
    events = assert_valid_trace(json.loads(json.dumps(chrome_trace(report))), report.wall_s)
    names = {(e["pid"], e["args"]["name"]) for e in events if e["name"] == "process_name"}
    assert names == {(CELL_PID, "%%tfcheck: for step in steps: train(step)"),
                     (GROUPS_PID, "CPU per thread group (cores busy)")}
    assert [e["args"]["name"] for e in events if e["name"] == "thread_name"] == ["main thread (the cell)"]
    counters = {}
    for e in events:
        if e["ph"] == "C":
            counters.setdefault(e["name"], []).append((e["ts"], e["args"]["cores"]))
    assert counters == {
        "main thread": [(0.0, 0.9), (10000.0, 1.0), (20000.0, 0.2), (30000.0, 0.0)],
        "TensorFlow pool (native threads)": [(0.0, 0.0), (10000.0, 1.5), (20000.0, 1.8), (30000.0, 0.0)],
    }
    (cell,) = [e for e in events if e["ph"] == "X" and e["cat"] == "cell"]
    assert (cell["ts"], cell["dur"], cell["tid"]) == (0.0, 30000.0, CELL_TID)
    stretches = [(e["args"]["category"], round(e["ts"]), round(e["dur"])) for e in events
                 if e["ph"] == "X" and e["cat"] == "category"]
    # bucket 0: cell 6 ms, eager 3 ms; bucket 1: cell 4 ms, eager 6 ms, which runs on into bucket 2's 9 ms
    # of eager ops (one stretch); bucket 2's 4 ms of drawing is cut to the 1 ms left before the cell's end
    assert stretches == [("cell", 0, 6000), ("tf_eager_ops", 6000, 3000), ("cell", 10000, 4000),
                         ("tf_eager_ops", 14000, 15000), ("mpl_draw", 29000, 1000)]
    assert {e["name"] for e in events if e["ph"] == "X" and e["cat"] == "category"} == {
        category(c).label for c in ("cell", "tf_eager_ops", "mpl_draw")}


def test_adjacent_stretches_of_one_category_are_one_event():
    report = _report_with_timelines(attribution={
        "wall_s": 0.03, "categories": [], "lines": [], "threads": [], "samples": 30, "interval_s": 0.001,
        "timeline": {"t": [0.0, 0.01], "width_s": 0.01, "categories": {"cell": [0.01, 0.005]}}})
    stretches = [(e["ts"], e["dur"]) for e in chrome_trace(report)["traceEvents"] if e.get("cat") == "category"]
    assert stretches == [(0.0, 15000.0)]


def test_a_cell_without_timelines_still_gives_a_valid_trace_with_the_cell():
    report = _report_with_timelines(timeline=None, attribution=None)
    events = assert_valid_trace(chrome_trace(report), report.wall_s)
    assert [e["cat"] for e in events if e["ph"] == "X"] == ["cell"] and not [e for e in events if e["ph"] == "C"]


# -- the files a real cell writes --------------------------------------------------------------------


@pytest.mark.filterwarnings("ignore:matplotlib.pyplot was used from thread")
def test_html_json_and_trace_files_of_a_real_cell(tfcheck, tmp_path):
    html_file, json_file, trace_file = tmp_path / "r.html", tmp_path / "r.json", tmp_path / "r.trace.json"
    result, cap = run(tfcheck, f"%%tfcheck --interval 5 --html {html_file} --json {json_file} --trace {trace_file}\n"
                               + CELL)
    assert result.success and tfcheck.user_ns["total"] == sum(i * i for i in range(300_000))
    report = rep.last_report()
    assert len(cap.outputs) == 1 and cap.outputs[0].data["text/plain"].startswith("%%tfcheck: ok")  # the table too
    for path in (html_file, json_file, trace_file):
        assert f"to {path}" in cap.stdout

    warning = next(f for f in report.findings if f.rule == "pyplot_off_main_thread")
    page = _parsed_page(html_file)
    assert page.tags[:2] == ["html", "head"] and "body" in page.tags and "table" in page.tags
    assert page.title == "%%tfcheck: import threading"
    text = "".join(page.text)
    assert warning.message in text and warning.fix in text and "Where the time went" in text
    assert_themed(html_file.read_text(encoding="utf-8"))

    data = json.loads(json_file.read_text(encoding="utf-8"))
    assert set(data) == set(report.to_dict()) and data == json.loads(json.dumps(report.to_dict(), default=str))
    assert Report.from_dict(data) == report

    events = assert_valid_trace(json.loads(trace_file.read_text(encoding="utf-8")), report.wall_s)
    groups = {GROUP_LABELS.get(g, g) for g in report.timeline["groups"]}
    assert "main thread" in groups
    assert {e["name"] for e in events if e["ph"] == "C"} == groups  # one counter track per thread group
    stretches = [e for e in events if e["ph"] == "X" and e["cat"] == "category"]
    categories = report.attribution["timeline"]["categories"]
    assert stretches and {e["args"]["category"] for e in stretches} <= set(categories)
    assert next(iter(categories)) in {e["args"]["category"] for e in stretches}  # the top category is there
    assert sum(e["dur"] for e in stretches) <= report.wall_s * 1e6 + 1e-3


def test_json_without_a_file_still_prints_the_report(tfcheck, tmp_path):
    _, cap = run(tfcheck, "%%tfcheck --json\nran = 1")
    assert json.loads(cap.stdout)["source"] == "ran = 1" and not cap.outputs
    assert not list(tmp_path.iterdir())


def test_quiet_writes_the_files_and_says_nothing(tfcheck, tmp_path):
    _, cap = run(tfcheck, f"%%tfcheck --quiet --json {tmp_path / 'q.json'}\nran = 1")
    assert not cap.stdout and not cap.outputs
    assert json.loads((tmp_path / "q.json").read_text())["source"] == "ran = 1"


def test_the_status_panel_writes_json_and_html(tfcheck, tmp_path):
    _, cap = run(tfcheck, f"%tfcheck --json {tmp_path / 's.json'} --html {tmp_path / 's.html'}")
    assert set(json.loads((tmp_path / "s.json").read_text())) >= {"tensorflow", "matplotlib", "guard"}
    assert "%tfcheck status" in "".join(_parsed_page(tmp_path / "s.html").text)
    assert len(cap.outputs) == 1  # the panel is shown as well


# -- paths: checked before the cell runs, and a failed write after it loses nothing -----------------------


def test_an_existing_regular_file_is_replaced_keeping_its_permissions(tfcheck, tmp_path):
    target = tmp_path / "old.json"
    target.write_text("the previous report")
    target.chmod(0o640)
    link = tmp_path / "link.json"
    link.symlink_to(target)
    run(tfcheck, f"%%tfcheck --quiet --json {link}\nran = 1")
    assert link.is_symlink() and json.loads(target.read_text())["source"] == "ran = 1"
    assert stat.S_IMODE(target.stat().st_mode) == 0o640
    assert sorted(p.name for p in tmp_path.iterdir()) == ["link.json", "old.json"]  # no partial file left


@pytest.fixture
def fifo(tmp_path):
    path = tmp_path / "pipe"
    os.mkfifo(path)
    return path


@pytest.mark.parametrize("flag", ["--html", "--json", "--trace"])
@pytest.mark.parametrize("where, message", [
    ("dir", "is a directory"),
    ("missing/out", "does not exist"),
    ("pipe", "is not a regular file"),
])
def test_a_bad_path_is_refused_before_the_cell_runs(tfcheck, tmp_path, fifo, flag, where, message):
    (tmp_path / "dir").mkdir()
    path = tmp_path / where
    with pytest.raises(UsageError, match=f"{flag} {path}: .*{message}"):
        tfcheck.run_cell_magic("tfcheck", f"{flag} {path}", "ran_here = 1")
    result, _ = run(tfcheck, f"%%tfcheck {flag} {path}\nran_here = 1")  # typed as a cell: refused, not run
    assert isinstance(result.error_in_exec, UsageError) and "ran_here" not in tfcheck.user_ns
    assert not fifo.is_file() and (tmp_path / "dir").is_dir() and not list((tmp_path / "dir").iterdir())


def test_an_unwritable_folder_is_refused(tfcheck, tmp_path):
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    try:
        if os.access(locked, os.W_OK):
            pytest.skip("running as a user who may write anywhere (root)")
        with pytest.raises(UsageError, match="is not writable"):
            tfcheck.run_cell_magic("tfcheck", f"--html {locked / 'r.html'}", "ran = 1")
    finally:
        locked.chmod(0o700)


def test_the_same_file_twice_is_refused(tfcheck, tmp_path):
    same = tmp_path / "same"
    with pytest.raises(UsageError, match="another option writes the same file"):
        tfcheck.run_cell_magic("tfcheck", f"--json {same} --html {same}", "ran = 1")


def test_trace_belongs_to_the_cell_magic(tfcheck, tmp_path):
    with pytest.raises(UsageError, match="--trace"):
        tfcheck.run_line_magic("tfcheck", f"--trace {tmp_path / 't.json'}")


def test_a_write_that_fails_after_the_cell_loses_neither_the_cell_nor_the_other_files(tfcheck, tmp_path):
    doomed, kept = tmp_path / "doomed", tmp_path / "kept"
    doomed.mkdir()
    kept.mkdir()
    tfcheck.user_ns["doomed"] = str(doomed)
    result, cap = run(tfcheck, f"%%tfcheck --html {doomed / 'r.html'} --json {kept / 'r.json'}\n"
                               "import shutil\nshutil.rmtree(doomed)\nresult_of_the_cell = 42\nresult_of_the_cell")
    assert result.success and result.result == 42 and tfcheck.user_ns["result_of_the_cell"] == 42
    assert f"could not write --html {doomed / 'r.html'}" in cap.stderr and "does not exist" in cap.stderr
    assert "tfplotguard.last_report()" in cap.stderr
    assert json.loads((kept / "r.json").read_text())["source"] == "import shutil"
    assert rep.last_report().source == "import shutil"
    assert cap.outputs[0].data["text/plain"].startswith("%%tfcheck: ok")


def test_write_text_leaves_the_old_file_when_the_write_fails(tmp_path):
    target = tmp_path / "r.json"
    target.write_text("old")

    with pytest.raises(UnicodeEncodeError):  # the encoding fails part-way, as a full disk would
        write_text(target, "new \ud800 text")
    assert target.read_text() == "old" and [p.name for p in tmp_path.iterdir()] == ["r.json"]
    assert checked_target(str(target)) == target.resolve()


def test_help_shows_the_output_options(tfcheck):
    doc = tfcheck.find_line_magic("tfcheck").__doc__
    for option in ("--json [FILE]", "--html FILE", "--trace FILE", "regular file"):
        assert option in doc, option


def test_a_finding_list_round_trips_through_the_json_file(tmp_path):
    report = Report(source="s", findings=[Finding("r", "m.", "f.", share=0.5, seconds=1.0, line=3)])
    write_text(tmp_path / "r.json", report.to_json())
    assert Report.from_dict(json.loads((tmp_path / "r.json").read_text())) == report
