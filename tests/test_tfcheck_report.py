"""The report model on its own: formatting, JSON round trip, renderings, history, the timeline figure."""

import json
import re

import pytest
from matplotlib.figure import Figure

from tfplotguard.check import report as rep
from tfplotguard.check.report import Finding, Report, format_bytes, format_seconds


def _sample_report(**overrides) -> Report:
    fields = dict(
        kind="cell",
        source="y = tf.matmul(x, x)",
        wall_s=1.5,
        cpu_user_s=2.5,
        cpu_system_s=0.5,
        cores=2,
        utilisation=2.0,
        peak_utilisation=2.0,
        interval_ms=50.0,
        samples=29,
        thread_groups=[
            {"group": "tf_pool", "cpu_s": 2.7, "threads": 2, "names": ["python"]},
            {"group": "main", "cpu_s": 0.3, "threads": 1, "names": ["python"]},
        ],
        rss_before=100 * 2**20,
        rss_after=120 * 2**20,
        rss_peak=130 * 2**20,
        guard={"conversions": 2, "cache_hits": 1, "calls": 3, "errors": 0,
               "bytes_by_device": {"CPU:0": 4096}, "enabled": True},
        numpy={"calls": 1, "bytes": 400, "seconds": 0.001, "max_same_tensor": 1, "largest_host": None},
        traces={"f": 3},
        trace_signatures={"f": [{"x": "tensor float32(2,)", "n": "python int 0"}]},
        ops={"CPU:0": {"MatMul": 4}, "CPU:1": {"AddV2": 1}},
        tensors=[{"name": "y", "kind": "eager", "shape": [2, 2], "dtype": "float32", "device": "CPU:0",
                  "bytes": 16, "change": "new"}],
        tf={"imported": True, "functions_run_eagerly": False},
        mpl={"imported": True, "interactive": False},
        timeline={"t": [0.0, 0.05, 0.1], "groups": {"tf_pool": [1.8, 1.9, 1.7], "main": [0.2, 0.1, 0.2]}},
        findings=[Finding("retracing", "tf.function f was traced 3 times.", "pass tensors.")],
        notes=["a note"],
    )
    fields.update(overrides)
    return Report(**fields)


@pytest.mark.parametrize(
    "seconds, text",
    [(0.00065, "650 µs"), (0.51, "510 ms"), (1.234, "1.23 s"), (125, "2 min 5 s"), (None, "–")],
)
def test_format_seconds(seconds, text):
    assert format_seconds(seconds) == text


@pytest.mark.parametrize(
    "nbytes, signed, text",
    [(512, False, "512 B"), (200 * 2**20, False, "200 MiB"), (3 * 2**30, False, "3 GiB"),
     (5 * 2**20, True, "+5 MiB"), (-2048, True, "-2 KiB")],
)
def test_format_bytes(nbytes, signed, text):
    assert format_bytes(nbytes, signed=signed) == text


def test_to_dict_is_json_and_round_trips():
    report = _sample_report()
    data = json.loads(json.dumps(report.to_dict()))
    again = Report.from_dict(data)
    assert again == report
    assert again.to_dict() == data
    assert isinstance(again.findings[0], Finding)
    assert data["cpu_s"] == pytest.approx(3.0)


def test_figure_is_not_part_of_the_data():
    report = _sample_report()
    report.figure = report.plot()
    assert "figure" not in report.to_dict()
    json.dumps(report.to_dict())


def test_plain_text_leads_with_the_verdict_and_is_aligned_and_complete():
    text = str(_sample_report())
    lines = text.splitlines()
    assert lines[0] == "%%tfcheck: ok, 1.50 s wall, 1 warning"
    assert lines[1:4] == ["  ! tf.function f was traced 3 times.", "    fix: pass tensors.",
                          "    rule: retracing (%tfcheck --explain retracing)"]
    assert lines[4] == ""  # the measurements follow after a blank line
    # every label column of the measurement rows ends at the same place
    summary = [line for line in lines[5:] if line.startswith("  ") and not line.startswith("   ")][:5]
    starts = {len(line) - len(line[2:].split("  ", 1)[1].lstrip()) for line in summary}
    assert len(starts) == 1, summary
    for expected in ("1.50 s", "TensorFlow pool (native threads)", "90%", "f ×3", "1 on CPU:1 (AddV2 1)",
                     "fix: pass tensors.", "note: a note", "(2, 2)"):
        assert expected in text


def test_rows_with_nothing_to_say_have_no_line():
    report = _sample_report(guard={"conversions": 0, "cache_hits": 0, "errors": 0, "enabled": True},
                            numpy={"calls": 0}, traces={}, ops=None)
    text = str(report)
    assert not any(line.split()[0] in ("guard", ".numpy()", "traces", "ops") for line in text.splitlines() if line)
    assert "tensorflow" not in report._repr_html_()  # nor a folded section
    assert "guard disabled" in str(_sample_report(guard={"conversions": 0, "enabled": False}))


def test_a_fast_clean_cell_is_one_line():
    report = _sample_report(findings=[Finding("tiny", "a minor one.", "ignore it.", minor=True)], wall_s=0.2)
    assert str(report) == ("%%tfcheck: ok, 200 ms wall, 3.00 s CPU (2.00 of 2 cores), nothing to fix "
                           "(1 minor finding: --all shows it)")
    assert str(_sample_report(findings=[], wall_s=0.6)).splitlines()[0] == "%%tfcheck: ok, 600 ms wall, nothing to fix"
    assert len(str(_sample_report(findings=[], wall_s=0.6)).splitlines()) > 5  # a slow cell says where it went
    shown = _sample_report(findings=report.findings, wall_s=0.2, show_minor=True)
    assert "· a minor one." in str(shown) and "CPU per thread group" in str(shown)


def test_html_folds_everything_after_the_verdict_with_readable_summaries():
    html = _sample_report()._repr_html_()
    assert html.index("f was traced 3 times") < html.index("<details")
    summaries = re.findall(r"<summary[^>]*>([^<]*)</summary>", html)
    assert summaries == ["CPU 3.00 s, 2.00 of 2 cores, 90% in the TensorFlow pool (native threads)",
                         "memory +20 MiB, peak 130 MiB",
                         "guard 2 conversions, 1 cache hit; .numpy() 1 call; 3 traces; 5 ops",
                         "1 new or changed tensor: y (2, 2) float32"]
    assert "<details open" not in html


def test_html_escapes_and_contains_the_sections():
    report = _sample_report(source="<script>", findings=[Finding("x", "a < b", "use <b>")])
    html = report._repr_html_()
    assert "<script>" not in html and "a &lt; b" in html and "use &lt;b&gt;" in html
    assert "CPU per thread group" in html and "new or changed tensor" in html


def test_failed_report_says_so_everywhere():
    report = _sample_report(ok=False, error="ValueError: boom")
    assert "FAILED (ValueError: boom)" in str(report)
    assert "FAILED (ValueError: boom)" in report.compact()
    assert "FAILED" in report._repr_html_()


def test_compact_line_has_wall_cpu_conversions_traces_and_top_finding():
    line = _sample_report().compact()
    assert "\n" not in line
    for expected in ("1.50 s wall", "3.00 s CPU (2.00 cores)", "2 conversions", "3 traces",
                     "tf.function f was traced 3 times."):
        assert expected in line


def test_compact_line_leads_with_the_warning_never_an_info_note():
    info = Finding("pools", "TensorFlow's pools did the work.", "nothing to fix.", severity="info")
    warning = Finding("retracing", "f was traced 3 times.", "pass tensors.", share=0.4, seconds=0.6)
    other = Finding("redraws", "redrawn 9 times.", "draw once.")
    minor = Finding("tiny", "a minor warning.", "ignore it.", minor=True)
    line = _sample_report(findings=[info, minor, warning, other]).compact()
    assert line.startswith("tfcheck: ! f was traced 3 times. [40% of the cell (600 ms)] (+1 more warning) — 1.50 s wall")
    assert "pools" not in line and "minor" not in line and "redrawn" not in line
    quiet = _sample_report(findings=[info, minor]).compact()
    assert quiet.startswith("tfcheck: 1.50 s wall") and "pools" not in quiet and "!" not in quiet
    failed = _sample_report(ok=False, error="ValueError: boom", findings=[warning]).compact()
    assert failed.startswith("tfcheck: FAILED (ValueError: boom) — ! f was traced 3 times.")


def test_compact_line_ends_with_the_cells_clock_times():
    import time

    started = time.mktime((2026, 3, 4, 10, 42, 7, 0, 0, -1)) + 0.25
    line = _sample_report(started=started, wall_s=2.0).compact()
    assert line.endswith(", 10:42:07 → 10:42:09")
    assert _sample_report(started=0.0).clock() == ""  # not measured: no 1970 times


def test_mimebundle_has_text_and_html():
    bundle = _sample_report().mimebundle()
    assert set(bundle) == {"text/plain", "text/html"}
    compact = _sample_report().mimebundle(compact=True)
    assert compact["text/plain"] == _sample_report().compact()


def test_whole_process_report_renders_without_thread_groups():
    report = _sample_report(thread_groups=None, ops=None, timeline=None, peak_utilisation=None)
    text = str(report)
    assert "CPU per thread group" not in text and "ops " not in text
    assert "sampled peak" not in text


def test_plot_draws_one_area_per_group():
    fig = _sample_report().plot()
    assert isinstance(fig, Figure)
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["main thread", "TensorFlow pool (native threads)"]
    assert ax.get_ylabel() == "cores busy"


def test_plot_without_samples_says_so():
    fig = _sample_report(timeline=None).plot()
    assert "no samples" in fig.axes[0].texts[0].get_text()


def _attribution(timeline) -> dict:
    return {"wall_s": 0.02, "categories": [], "lines": [], "threads": [], "samples": 4, "interval_s": 0.001,
            "timeline": timeline}


def test_plot_has_a_second_panel_with_the_main_threads_categories():
    timeline = {"t": [0.0, 0.01], "width_s": 0.01,
                "categories": {"mpl_figure": [0.009, 0.001], "cell": [0.0, 0.008], "tf_convert": [0.0, 0.0]}}
    fig = _sample_report(attribution=_attribution(timeline)).plot()
    assert len(fig.axes) == 2
    assert fig.axes[1].get_shared_x_axes().joined(fig.axes[0], fig.axes[1])
    legend = [t.get_text() for t in fig.axes[1].get_legend().get_texts()]
    assert legend == ["matplotlib figure/axes creation", "the cell's own Python"]  # empty categories left out
    colours = [tuple(round(c, 3) for c in p.get_facecolor()[0][:3]) for p in fig.axes[1].collections]
    from matplotlib.colors import to_rgb
    assert colours == [tuple(round(c, 3) for c in to_rgb(h)) for h in ("#499894", "#4e79a7")]
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    FigureCanvasAgg(fig).draw()  # it renders


def test_plot_has_one_panel_without_attribution_or_without_its_timeline():
    assert len(_sample_report().plot().axes) == 1
    assert len(_sample_report(attribution=_attribution(None)).plot().axes) == 1


def test_history_is_bounded_and_ordered():
    rep.clear_history()
    try:
        for i in range(rep.HISTORY_LIMIT + 5):
            rep.record(_sample_report(source=str(i)))
        kept = rep.reports()
        assert len(kept) == rep.HISTORY_LIMIT
        assert kept[0].source == "5" and rep.last_report().source == str(rep.HISTORY_LIMIT + 4)
    finally:
        rep.clear_history()
    assert rep.last_report() is None and rep.reports() == []


def _with_threads(python_cpu_s: float | None) -> Report:
    """A report whose stack sampler saw a Jupyter kernel's own threads and one thread of the user's."""
    from tfplotguard.check.attribution import Attribution

    seen = {"frames": {("zmq/devices.py", "device", 1): 1.0}}
    att = Attribution.build(
        wall_s=1.0, categories={"cell": 0.9}, lines={2: {"cell": 0.9}}, samples=100, interval_s=0.001,
        threads={"Heartbeat": {"seconds": 1.0, "categories": {"ipython": 1.0}, **seen},
                 "Thread-3 (_watch_pipe_fd)": {"seconds": 1.0, "categories": {"output": 1.0}, **seen},
                 "Thread-1": {"seconds": 1.0, "categories": {"waiting": 0.9, "ipython": 0.1}, **seen},
                 "loader": {"seconds": 1.0, "categories": {"cell": 1.0},
                            "frames": {("loader.py", "read_all", 3): 1.0}}},
        sampler_cpu_s=0.02)
    groups = None if python_cpu_s is None else [
        {"group": "main", "cpu_s": 0.9, "threads": 1, "names": ["python"]},
        {"group": "python", "cpu_s": python_cpu_s, "threads": 5, "names": ["python"]}]
    return _sample_report(wall_s=1.0, attribution=att.to_dict(), thread_groups=groups)


def test_other_threads_are_listed_only_when_they_did_something():
    busy = _with_threads(python_cpu_s=0.4)
    text = str(busy)
    assert "  other threads running Python:\n    loader: 1.00 s seen, mostly the cell's own Python (in read_all)" in text
    assert "Heartbeat" not in text and "_watch_pipe_fd" not in text and "Thread-1" not in text  # the kernel's own
    assert "other threads running Python: loader</summary>" in busy._repr_html_()
    idle = _with_threads(python_cpu_s=0.06)  # 40 ms once the sampler's 20 ms is taken off: under 50 ms
    assert "other threads" not in str(idle) and "loader" not in idle._repr_html_()
    unmeasured = _with_threads(python_cpu_s=None)  # no thread groups: the frames alone decide
    assert "    loader: " in str(unmeasured) and "Heartbeat" not in str(unmeasured)
