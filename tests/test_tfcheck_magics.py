"""%tfcheck / %%tfcheck in a real IPython shell with real TensorFlow (CPU split in two logical devices)."""

import gc
import json
import os
import subprocess
import sys
import textwrap
import weakref

import psutil
import pytest
import tensorflow as tf
from IPython.core.error import UsageError
from IPython.utils.capture import capture_output
from matplotlib.figure import Figure

from samplers import assert_parked, sampler_threads
from tfplotguard.check.cpu.ticker import TICKER
from tfplotguard.check.cpu import procfs
from tfplotguard.check import findings
from tfplotguard.check import report as rep
from tfplotguard.check.report import Report


def run(ip, cell):
    with capture_output() as cap:
        result = ip.run_cell(cell)
    return result, cap


def bundles(cap):
    return [out.data for out in cap.outputs]


# -- the status panel ---------------------------------------------------------------------------------


def test_status_panel(tfcheck):
    tf.constant(1.0) + 1  # logical devices are listed once TensorFlow has initialised
    result, cap = run(tfcheck, "%tfcheck")
    assert result.success
    (bundle,) = bundles(cap)
    text = bundle["text/plain"]
    for expected in (tf.__version__, "executing eagerly", "functions run eagerly", "CPU:0, CPU:1",
                     "soft placement", "intra/inter-op threads", "DefaultDistributionStrategy", "backend",
                     "interactive", "enabled", "conversions", "auto mode"):
        assert expected in text, expected
    assert "<table" in bundle["text/html"]


def test_status_as_json_and_stored(tfcheck):
    result, cap = run(tfcheck, "%tfcheck --json -o r")
    data = json.loads(cap.stdout)
    assert data["tensorflow"]["version"] == tf.__version__
    assert data["guard"]["enabled"] is True and data["auto_mode"] is False
    assert tfcheck.user_ns["r"].to_dict() == data


def test_help_shows_every_option(tfcheck):
    doc = tfcheck.find_line_magic("tfcheck").__doc__
    for option in ("--json", "-o NAME", "--plot", "--interval MS", "--ops", "--quiet", "--rules", "{on,off}",
                   "--min-ms MS",
                   "In [2]: %tfcheck"):
        assert option in doc
    assert "-h " not in doc.replace("-h, --help", "")


# -- running a cell ---------------------------------------------------------------------------------------


def test_cell_runs_in_the_user_namespace_and_returns_the_last_expression(tfcheck):
    result, cap = run(tfcheck, "%%tfcheck\nran = 40\nran + 2")
    assert result.success and result.result == 42 and tfcheck.user_ns["ran"] == 40
    (bundle,) = bundles(cap)
    assert bundle["text/plain"].startswith("%%tfcheck: ok") and "<div" in bundle["text/html"]
    assert rep.last_report().ok and rep.last_report().source == "ran = 40"


def test_trailing_semicolon_silences_the_value(tfcheck):
    # As in a plain cell: IPython reads the ';' from the stored input, so the cell is stored, as a
    # notebook's cells always are.
    with capture_output():
        plain = tfcheck.run_cell("41 + 1;", store_history=True)
        result = tfcheck.run_cell("%%tfcheck\n41 + 1;", store_history=True)
    assert plain.success and plain.result is None
    assert result.success and result.result is None


def test_failing_cell_reports_and_reraises_the_users_exception(tfcheck):
    result, cap = run(tfcheck, '%%tfcheck\nerr = ValueError("boom-42")\nraise err')
    assert result.error_in_exec is tfcheck.user_ns["err"]
    report = rep.last_report()
    assert not report.ok and report.error == "ValueError: boom-42"
    assert any(b["text/plain"].startswith("%%tfcheck: FAILED (ValueError: boom-42)") for b in bundles(cap))
    assert "boom-42" in cap.stdout  # IPython's own traceback, after the report
    assert_parked()


def test_keyboard_interrupt_still_stops_the_sampler(tfcheck):
    result, _ = run(tfcheck, "%%tfcheck\nraise KeyboardInterrupt")
    assert isinstance(result.error_in_exec, KeyboardInterrupt)
    assert rep.last_report().error.startswith("KeyboardInterrupt")
    assert_parked()


def test_the_sampler_thread_is_started_by_the_first_measured_cell_and_unload_ends_it(ip):
    ip.run_line_magic("load_ext", "tfplotguard")
    try:
        assert not sampler_threads()  # loading starts no thread
        for _ in range(3):
            run(ip, "%%tfcheck --quiet\nran = 1")
        threads = sampler_threads()
        assert len(threads) == 1  # one thread for every cell, parked in between
        assert_parked()
    finally:
        ip.run_line_magic("unload_ext", "tfplotguard")
        ip.user_ns.pop("ran", None)
        rep.clear_history()
    assert not sampler_threads() and not threads[0].is_alive()
    assert procfs.READER.open_files == 0  # the /proc files measuring kept open are closed too


def test_unload_frees_the_magics_object_after_measured_cells(ip):
    ip.run_line_magic("load_ext", "tfplotguard")
    try:
        magics = weakref.ref(ip.magics_manager.registry["TFCheckMagics"])
        run(ip, "%%tfcheck --quiet\nran = 1")  # parses its arguments, which are cached per line
        run(ip, "%tfcheck --quiet")
    finally:
        ip.run_line_magic("unload_ext", "tfplotguard")
        ip.user_ns.pop("ran", None)
        rep.clear_history()
    gc.collect()
    assert magics() is None, "something still holds the unloaded magics (and through it the shell)"


def test_tensorflow_cell_cpu_is_in_the_pool_and_consistent_with_psutil(tfcheck):
    tfcheck.user_ns["tf"] = tf
    proc = psutil.Process()
    before = proc.cpu_times()
    result, _ = run(tfcheck, textwrap.dedent("""\
        %%tfcheck --interval 50 -o r
        import time
        m = tf.random.normal((1000, 1000))
        t0 = time.process_time()
        while time.process_time() - t0 < 0.4:
            t = tf.matmul(m, m)
        """))
    after = proc.cpu_times()
    assert result.success
    report = tfcheck.user_ns["r"]
    assert report.top_group() == "tf_pool" and report.group_cpu("tf_pool") > report.group_cpu("main")
    outer = (after.user - before.user) + (after.system - before.system)
    assert 0.3 <= report.cpu_s <= outer + 0.02
    assert report.utilisation == pytest.approx(report.cpu_s / report.wall_s)
    assert sum(g["cpu_s"] for g in report.thread_groups) == pytest.approx(report.cpu_s, abs=0.03)
    assert {"m", "t"} <= {t["name"] for t in report.tensors}


def test_python_cell_cpu_is_on_the_main_thread(tfcheck):
    result, _ = run(tfcheck, textwrap.dedent("""\
        %%tfcheck --quiet -o r
        import time
        t0 = time.thread_time()
        while time.thread_time() - t0 < 0.3:
            pass
        """))
    report = tfcheck.user_ns["r"]
    assert result.success and report.top_group() == "main" and report.group_cpu("main") >= 0.25
    # Where the time went says it (the cell's own Python); no finding restates the CPU split.
    assert {c["id"]: c["share"] for c in report.attribution["categories"]}["cell"] >= 0.8
    assert not {f.rule for f in report.findings} & {"cpu_in_main_thread", "tf_compute_bound"}


def test_retracing_in_a_cell_and_the_fixed_cell(tfcheck):
    tfcheck.user_ns["tf"] = tf
    run(tfcheck, "@tf.function\ndef scale(x, n):\n    return x * n\nx = tf.constant([1.0, 2.0])")
    run(tfcheck, "%%tfcheck -o r\nfor i in range(3):\n    scale(x, i)")
    report = tfcheck.user_ns["r"]
    assert report.traces == {"scale": 3}
    assert any(f.rule == "retracing" and "argument n is a Python int" in f.message for f in report.findings)
    run(tfcheck, "@tf.function\ndef scale(x, n):\n    return x * n")
    run(tfcheck, "%%tfcheck -o r\nfor i in range(3):\n    scale(x, tf.constant(float(i)))")
    report = tfcheck.user_ns["r"]
    assert report.traces == {"scale": 1} and not any(f.rule == "retracing" for f in report.findings)


def test_ops_per_device(tfcheck):
    tfcheck.user_ns.update(tf=tf, x=tf.constant([1.0, 2.0]))
    result, cap = run(tfcheck, textwrap.dedent("""\
        %%tfcheck --ops --all -o r
        with tf.device("/CPU:1"):
            a = tf.add(x, 1.0)
            s = tf.strings.format("{}", x)
        b = tf.cast(x, tf.int32)
        """))
    ops = tfcheck.user_ns["r"].ops
    assert ops == {"CPU:1": {"AddV2": 1, "StringFormat": 1}, "CPU:0": {"Cast": 1}}
    text = bundles(cap)[0]["text/plain"]
    assert "2 on CPU:1 (AddV2 1, StringFormat 1)" in text and "1 on CPU:0 (Cast 1)" in text
    for name in ("a", "s", "b"):
        tfcheck.user_ns.pop(name)


# -- options ---------------------------------------------------------------------------------------


def test_json_output_parses_and_round_trips(tfcheck):
    result, cap = run(tfcheck, "%%tfcheck --json\nran = 1")
    data = json.loads(cap.stdout)
    assert data == rep.last_report().to_dict()
    assert Report.from_dict(data).to_dict() == data
    assert not bundles(cap)  # JSON instead of the table


def test_o_stores_the_report_object(tfcheck):
    run(tfcheck, "%%tfcheck -o r\nran = 1")
    assert isinstance(tfcheck.user_ns["r"], Report) and tfcheck.user_ns["r"] is rep.last_report()


def test_plot_produces_a_figure(tfcheck):
    result, cap = run(tfcheck, textwrap.dedent("""\
        %%tfcheck --plot --interval 20 -o r
        import hashlib, time
        data = b"x" * 2_000_000
        t0 = time.thread_time()
        while time.thread_time() - t0 < 0.15:
            hashlib.sha256(data).digest()  # releases the GIL: the sampler runs on time
        """))
    report = tfcheck.user_ns["r"]
    assert isinstance(report.figure, Figure) and report.figure.axes[0].collections  # the stacked areas
    assert report.samples >= 1 and "main" in report.timeline["groups"]
    assert any("image/png" in b for b in bundles(cap))


def test_quiet_shows_nothing_but_keeps_the_report(tfcheck):
    result, cap = run(tfcheck, "%%tfcheck --quiet\nran = 1")
    assert not bundles(cap) and cap.stdout == ""
    assert len(rep.reports()) == 1


@pytest.mark.parametrize("line", ["--interval 0", "--interval -5", "--interval nan", "-o 1bad", "-o class",
                                  "on", "--nosuchoption"])
def test_bad_cell_options_are_refused_and_change_nothing(tfcheck, line):
    with pytest.raises(UsageError):
        tfcheck.run_cell_magic("tfcheck", line, "ran = 1")
    assert "ran" not in tfcheck.user_ns and rep.reports() == []


@pytest.mark.parametrize("line", ["--ops", "--plot", "--interval 10", "on --json"])
def test_cell_only_options_on_the_line_magic_are_refused(tfcheck, line):
    with pytest.raises(UsageError):
        tfcheck.run_line_magic("tfcheck", line)
    assert not tfcheck.magics_manager.registry["TFCheckMagics"].auto.on


# -- auto mode ----------------------------------------------------------------------------------------


def _compact_lines(cap):
    return [b["text/plain"] for b in bundles(cap) if b["text/plain"].startswith("tfcheck: ")]


def test_auto_mode_reports_every_cell_until_off(tfcheck):
    result, cap = run(tfcheck, "%tfcheck on --min-ms 0")  # 0: every cell (tests/test_tfcheck_auto.py: the quiet default)
    assert "auto mode on" in cap.stdout and not _compact_lines(cap)
    _, cap = run(tfcheck, "%tfcheck on")  # a second `on` registers nothing twice
    assert "already on" in cap.stdout and len(_compact_lines(cap)) == 1
    rep.clear_history()
    lines = []
    for cell in ("ran = 1", "ran += 1", "import threading\nsampler = [t.name for t in threading.enumerate()]"):
        _, cap = run(tfcheck, cell)
        lines += _compact_lines(cap)
    assert len(lines) == 3 and all("wall" in line and "CPU" in line for line in lines)
    assert [r.kind for r in rep.reports()] == ["auto"] * 3
    # fast cells: no stack sampler thread, and the parked ticker (auto mode's timer) holds no measurement
    assert "tfcheck-stacks" not in tfcheck.user_ns.pop("sampler")
    assert len(sampler_threads()) <= 1 and not TICKER.busy
    assert rep.last_report().peak_utilisation is None
    run(tfcheck, "%tfcheck off")
    for cell in ("ran = 3", "ran = 4"):
        _, cap = run(tfcheck, cell)
        assert not _compact_lines(cap)
    assert len(rep.reports()) == 3


def test_auto_mode_counts_a_nested_run_cell_once(tfcheck):
    run(tfcheck, "%tfcheck on --min-ms 0")
    _, cap = run(tfcheck, "get_ipython().run_cell('ran = 1')\nran = 2")
    assert len(_compact_lines(cap)) == 1 and len(rep.reports()) == 1
    run(tfcheck, "%tfcheck off")


def test_auto_mode_marks_a_failing_cell(tfcheck):
    run(tfcheck, "%tfcheck on")
    _, cap = run(tfcheck, "1 / 0")
    (line,) = _compact_lines(cap)
    assert "FAILED (ZeroDivisionError: division by zero)" in line
    run(tfcheck, "%tfcheck off")


def test_auto_mode_shows_only_the_full_report_of_a_tfcheck_cell(tfcheck):
    run(tfcheck, "%tfcheck on")
    _, cap = run(tfcheck, "%%tfcheck\nran = 1")
    assert not _compact_lines(cap) and len(bundles(cap)) == 1
    run(tfcheck, "%tfcheck off")


def test_auto_mode_retraces_reach_the_compact_line(tfcheck):
    """A retrace is a warning when it costs the cell something: auto mode weighs it by the traces' own times.

    A fast auto-mode cell is not stack-sampled; OpProbe times every trace itself. The body
    is a few ops long so that tracing is a good part of the cell even on a
    loaded machine (a one-op body traced 3 times measured 7 % of the cell), and traced 12 times so
    that the retraces explain more than the 50 ms a finding needs.
    """
    tfcheck.user_ns["tf"] = tf
    run(tfcheck, "@tf.function\ndef scale(x, n):\n    for _ in range(10):\n        x = tf.tanh(x) * n\n"
                 "    return x\nx = tf.constant([1.0])")
    run(tfcheck, "%tfcheck on")
    _, cap = run(tfcheck, "for i in range(12):\n    scale(x, i)")
    (line,) = _compact_lines(cap)
    assert "12 traces" in line and "traced 12 times" in line
    (finding,) = [f for f in rep.last_report().findings if f.rule == "retracing"]
    took = rep.last_report().tf_times["trace_seconds"]["scale"]
    assert finding.seconds == pytest.approx(sum(took[1:])) and finding.share >= 0.1 and not finding.minor
    run(tfcheck, "%tfcheck off")


def test_auto_mode_leaves_out_the_inline_backends_end_of_cell_rendering(tfcheck):
    """The inline backend draws the cell's figures in its own post_execute callback, after the cell."""
    figures = []

    def flush_figures():  # what matplotlib_inline registers on post_execute
        for fig in figures:
            fig.canvas.draw()
        figures.clear()

    tfcheck.events.register("post_execute", flush_figures)
    tfcheck.user_ns["figures"] = figures
    try:
        run(tfcheck, "%tfcheck on")
        _, cap = run(tfcheck, "from matplotlib.figure import Figure\n"
                              "from matplotlib.backends.backend_agg import FigureCanvasAgg\n"
                              "fig = Figure()\nFigureCanvasAgg(fig)\nfig.subplots().plot(range(5))\nfigures.append(fig)")
        report = rep.last_report()
        assert report.mpl["draws"] == 0, "the notebook's own rendering was counted as the cell's"
        assert not [f for f in report.findings if f.rule == "interactive_redraws"]
        _, cap = run(tfcheck, "fig.canvas.draw()\n1 / 0")  # the cell's own draw counts; the error is kept
        report = rep.last_report()
        assert report.mpl["draws"] == 1 and not report.ok and "ZeroDivisionError" in report.error
    finally:
        run(tfcheck, "%tfcheck off")
        tfcheck.events.unregister("post_execute", flush_figures)
        for name in ("figures", "fig", "Figure", "FigureCanvasAgg"):
            tfcheck.user_ns.pop(name, None)


def test_display_of_a_figure_every_step_is_a_redraw_finding(tfcheck):
    """``display(fig)`` in a loop renders a PNG each time (IPython's print_figure): each one a redraw."""
    from IPython.core.pylabtools import select_figure_formats

    png = tfcheck.display_formatter.formatters["image/png"]
    active = tfcheck.display_formatter.active_types  # a terminal shell formats text/plain only
    tfcheck.display_formatter.active_types = [*active, "image/png"]
    select_figure_formats(tfcheck, {"png"})
    try:
        run(tfcheck, "import numpy as np\nimport matplotlib.pyplot as plt\nfrom IPython.display import display\n"
                     "fig, ax = plt.subplots(figsize=(3, 2))\nline, = ax.plot(np.arange(50.0))")
        run(tfcheck, "%%tfcheck --quiet\nfor step in range(4):\n    line.set_ydata(np.arange(50.0) * step)\n"
                              "    display(fig)")
        report = rep.last_report()
        assert report.mpl["draws"] == 4 and report.mpl["redraws"] == 3
        (finding,) = [f for f in report.findings if f.rule == "interactive_redraws"]
        assert "3 more times" in finding.message and finding.seconds == report.mpl["redraw_s"] > 0
        run(tfcheck, "%%tfcheck --quiet\ndisplay(fig)")  # shown once: no redraw
        assert rep.last_report().mpl["redraws"] == 0
        assert "interactive_redraws" not in [f.rule for f in rep.last_report().findings]
    finally:
        png.type_printers.pop(Figure, None)
        tfcheck.display_formatter.active_types = active
        run(tfcheck, "plt.close('all')")
        for name in ("np", "plt", "display", "fig", "ax", "line", "step"):
            tfcheck.user_ns.pop(name, None)


def test_unload_keeps_a_guard_the_user_enabled_by_hand(ip):
    import tfplotguard

    tfplotguard.enable()
    try:
        ip.run_line_magic("load_ext", "tfplotguard")
        ip.run_line_magic("unload_ext", "tfplotguard")
        assert tfplotguard.is_enabled(), "%unload_ext switched off the guard the user had enabled"
    finally:
        tfplotguard.disable()


def test_unload_while_auto_mode_is_on_removes_its_events(ip):
    ip.run_line_magic("load_ext", "tfplotguard")
    try:
        ip.run_line_magic("tfcheck", "on")
        assert any("tfplotguard" in cb.__module__ for cb in ip.events.callbacks["post_run_cell"])
    finally:
        ip.run_line_magic("unload_ext", "tfplotguard")
    for event in ("pre_run_cell", "post_run_cell"):
        assert not [cb for cb in ip.events.callbacks[event] if "tfplotguard" in cb.__module__]
    _, cap = run(ip, "ran_after_unload = 1")
    assert not _compact_lines(cap)
    ip.user_ns.pop("ran_after_unload")


# -- without TensorFlow ---------------------------------------------------------------------------------


def test_without_tensorflow_nothing_imports_it():
    script = textwrap.dedent("""\
        import sys
        from IPython.testing.globalipapp import start_ipython
        from IPython.utils.capture import capture_output
        ip = start_ipython()
        ip.run_line_magic("load_ext", "tfplotguard")
        with capture_output() as cap:
            ip.run_cell("%tfcheck")
            r = ip.run_cell("%%tfcheck --all\\ny = sum(range(1000))\\ny")  # --all: the whole report, not one line
            ip.run_cell("%tfcheck on --min-ms 0")
            ip.run_cell("z = 1")
            ip.run_cell("%tfcheck off")
        ip.run_line_magic("unload_ext", "tfplotguard")
        texts = [o.data["text/plain"] for o in cap.outputs]
        assert r.result == 499500, r.result
        assert "not imported (%tfcheck never imports it)" in texts[0], texts[0]
        assert "TensorFlow not imported" in texts[1] and "%%tfcheck: ok" in texts[1], texts[1]
        assert texts[2].startswith("tfcheck: "), texts[2]
        assert "tensorflow" not in sys.modules, "tensorflow was imported"
        print("OK")
        """)
    env = dict(os.environ, MPLBACKEND="Agg", PYTHONPATH=os.pathsep.join(
        [os.path.dirname(os.path.dirname(os.path.abspath(__file__))), os.environ.get("PYTHONPATH", "")]))
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env, timeout=120)
    assert proc.returncode == 0 and proc.stdout.strip().endswith("OK"), proc.stdout + proc.stderr


# -- finding rules: listed, switched off by id ---------------------------------------------------------


def test_rules_are_listed_with_id_severity_and_summary(tfcheck):
    _, cap = run(tfcheck, "%tfcheck --rules")
    lines = cap.stdout.splitlines()
    assert len(lines) == len(findings.rule_ids())
    assert lines[0].split()[:2] == ["retracing", "warn"] and "traced more than once" in lines[0]
    with pytest.raises(UsageError, match="line magic"):
        tfcheck.run_cell_magic("tfcheck", "--rules", "pass")


def test_config_switches_a_rule_off_and_refuses_unknown_ids(tfcheck, caplog):
    cell = textwrap.dedent("""\
        %%tfcheck --quiet -o r
        import tensorflow as tf
        tf.config.run_functions_eagerly(True)
        """)
    import tensorflow as tf

    try:
        tfcheck.run_line_magic("config", "TFPlotGuard.disabled_rules = ['functions_run_eagerly']")
        run(tfcheck, cell)
        assert "functions_run_eagerly" not in {f.rule for f in tfcheck.user_ns["r"].findings}
        _, cap = run(tfcheck, "%tfcheck --rules")
        assert "functions_run_eagerly (disabled)" in cap.stdout
        tfcheck.run_line_magic("config", "TFPlotGuard.disabled_rules = ['no_such_rule']")
        assert "unknown finding rule id(s) 'no_such_rule'; valid ids: retracing" in caplog.text
        run(tfcheck, cell)  # the refused value changed nothing
        assert "functions_run_eagerly" not in {f.rule for f in tfcheck.user_ns["r"].findings}
        tfcheck.run_line_magic("config", "TFPlotGuard.disabled_rules = []")
        tfcheck.config.TFPlotGuard.pop("disabled_rules", None)  # the shell keeps %config values for later loads
        run(tfcheck, cell)
        assert "functions_run_eagerly" in {f.rule for f in tfcheck.user_ns["r"].findings}
    finally:
        tf.config.run_functions_eagerly(False)
        tfcheck.run_line_magic("config", "TFPlotGuard.disabled_rules = []")
        tfcheck.config.TFPlotGuard.pop("disabled_rules", None)
