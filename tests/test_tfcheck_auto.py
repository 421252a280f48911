"""``%tfcheck on`` is quiet: a line only after a slow cell, a warning or a failure, with the cell's clock times.

Real shell, real TensorFlow. Thresholds are chosen far from the cells' times (a
100 ms sleep against 50 ms, a plain assignment against a minute), so no test
depends on how fast the machine is.
"""

import gc
import logging
import re
import subprocess
import sys
import time
import warnings
from pathlib import Path

import pytest
from IPython.core.error import UsageError
from IPython.utils.capture import capture_output

import tfplotguard
from tfplotguard.check import report as rep
from tfplotguard.ipython.config import AUTO_MIN_MS

CLOCK = re.compile(r"(\d\d:\d\d:\d\d) → (\d\d:\d\d:\d\d)$")


def run(ip, cell):
    with capture_output() as cap:
        result = ip.run_cell(cell)
    return result, cap


def lines(cap):
    """The compact auto-mode lines among a cell's outputs."""
    return [o.data["text/plain"] for o in cap.outputs if o.data["text/plain"].startswith("tfcheck: ")]


def _config(ip):
    return next(c for c in ip.configurables if type(c).__name__ == "TFPlotGuard")


@pytest.fixture
def auto(tfcheck):
    """The extension loaded, auto mode switched off and %config's own record of our traits dropped afterwards."""
    try:
        yield tfcheck
    finally:
        run(tfcheck, "%tfcheck off")
        tfcheck.config.pop("TFPlotGuard", None)  # %config writes into the shell's config too


def test_the_threshold_defaults_to_500_ms_and_help_says_so(auto):
    assert AUTO_MIN_MS == 500 and _config(auto).auto_min_ms == 500
    _, cap = run(auto, "%tfcheck on")
    assert "500 ms or more" in cap.stdout
    doc = auto.find_line_magic("tfcheck").__doc__
    assert "--min-ms MS" in doc and "auto_min_ms" in doc


def test_a_fast_cell_without_a_warning_shows_nothing_and_is_still_recorded(auto):
    run(auto, "%tfcheck on")
    rep.clear_history()
    result, cap = run(auto, "ran = 1")
    assert result.success and not cap.outputs and not cap.stdout
    (report,) = rep.reports()
    assert report.kind == "auto" and report.source == "ran = 1" and report.wall_s * 1000 < AUTO_MIN_MS


def test_a_slow_cell_shows_one_line_with_its_start_and_end_time(auto):
    run(auto, "import time\n%tfcheck on --min-ms 50")
    _, cap = run(auto, "time.sleep(0.1)")
    (line,) = lines(cap)
    assert len(cap.outputs) == 1 and "\n" not in line
    report = rep.last_report()
    assert line == report.compact() and "wall" in line and "CPU" in line
    start, end = CLOCK.search(line).groups()
    assert start == time.strftime("%H:%M:%S", time.localtime(report.started))
    assert end == time.strftime("%H:%M:%S", time.localtime(report.started + report.wall_s))
    assert "→" in cap.outputs[0].data["text/html"]
    _, cap = run(auto, "ran = 1")  # a fast one under the same threshold: quiet again
    assert not lines(cap)


def test_a_fast_cell_with_a_warning_shows_one_line_leading_with_it(auto):
    run(auto, "import threading\nimport matplotlib.pyplot as plt\n%tfcheck on --min-ms 60000")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the guard's own once-per-thread warning
        _, cap = run(auto, "worker = threading.Thread(target=lambda: plt.plot([1, 2, 3]))\n"
                           "worker.start()\nworker.join()")
    (line,) = lines(cap)
    report = rep.last_report()
    assert report.wall_s * 1000 < 60000
    (warning,) = report.warnings()
    assert warning.rule == "pyplot_off_main_thread"
    assert line.startswith(f"tfcheck: ! {warning.message}")
    html = cap.outputs[0].data["text/html"]
    assert "jp-warn-color0" in html and "pyplot reached its global figure state" in html
    run(auto, "plt.close('all')")


def test_a_failing_fast_cell_shows_its_line(auto):
    run(auto, "%tfcheck on")
    _, cap = run(auto, "1 / 0")
    (line,) = lines(cap)
    assert line.startswith("tfcheck: FAILED (ZeroDivisionError: division by zero)")


def test_min_ms_0_shows_every_cell(auto):
    run(auto, "%tfcheck on --min-ms 0")
    assert _config(auto).auto_min_ms == 0
    shown = [lines(run(auto, cell)[1]) for cell in ("ran = 1", "ran += 1", "pass")]
    assert [len(found) for found in shown] == [1, 1, 1]
    assert all(CLOCK.search(found[0]) for found in shown)


def test_config_overrides_the_threshold_and_on_says_it(auto):
    run(auto, "%config TFPlotGuard.auto_min_ms = 0")
    assert _config(auto).auto_min_ms == 0
    _, cap = run(auto, "%tfcheck on")
    assert "a line after every cell" in cap.stdout
    assert len(lines(run(auto, "ran = 1")[1])) == 1
    run(auto, "%config TFPlotGuard.auto_min_ms = 100000")
    assert not lines(run(auto, "ran = 2")[1])
    _, cap = run(auto, "%tfcheck on --min-ms 0")  # already on: the new threshold is taken, and said
    assert "already on" in cap.stdout and "every cell" in cap.stdout and _config(auto).auto_min_ms == 0


def test_ipython_config_sets_the_threshold_at_load(ip):
    from traitlets.config import Config

    ip.config.TFPlotGuard = Config(auto_min_ms=25.0)
    try:
        ip.run_line_magic("load_ext", "tfplotguard")
        try:
            assert _config(ip).auto_min_ms == 25
        finally:
            ip.run_line_magic("unload_ext", "tfplotguard")
    finally:
        ip.config.pop("TFPlotGuard", None)


@pytest.mark.parametrize("value, message", [
    ("-5", "--min-ms must be a number of milliseconds, 0 or more, got -5"),
    ("nan", "--min-ms must be a number of milliseconds, 0 or more, got nan"),
    ("abc", "argument --min-ms: invalid float value: 'abc'"),
])
def test_bad_min_ms_is_a_usage_error_and_changes_nothing(auto, value, message):
    with pytest.raises(UsageError, match=re.escape(message)):
        auto.run_line_magic("tfcheck", f"on --min-ms {value}")
    assert _config(auto).auto_min_ms == AUTO_MIN_MS
    assert not auto.magics_manager.registry["TFCheckMagics"].auto.on


@pytest.mark.parametrize("line", ["--min-ms 10", "off --min-ms 10"])
def test_min_ms_belongs_to_on(auto, line):
    with pytest.raises(UsageError, match="%tfcheck on --min-ms MS"):
        auto.run_line_magic("tfcheck", line)
    with pytest.raises(UsageError, match="%tfcheck on --min-ms MS"):
        auto.run_cell_magic("tfcheck", "--min-ms 10", "ran = 1")


@pytest.mark.parametrize("value", ["-1", "float('inf')", "'abc'"])
def test_a_bad_config_value_is_refused(auto, value, caplog):
    with caplog.at_level(logging.ERROR):
        auto.run_line_magic("config", f"TFPlotGuard.auto_min_ms = {value}")
    assert "auto_min_ms" in caplog.text
    assert _config(auto).auto_min_ms == AUTO_MIN_MS


def _own_garbage(ip, cells):
    """The objects of tfplotguard's making that only the cyclic collector would have freed, running ``cells``."""
    package = str(Path(tfplotguard.__file__).parent)
    gc.collect()
    gc.set_debug(gc.DEBUG_SAVEALL)
    try:
        for cell in cells:
            result, _ = run(ip, cell)
            assert result.success, result.error_in_exec
        gc.collect()
        return [repr(o)[:80] for o in gc.garbage
                if type(o).__module__.startswith("tfplotguard")
                or getattr(getattr(o, "__code__", None), "co_filename", "").startswith(package)]
    finally:
        gc.set_debug(0)
        gc.garbage.clear()


def test_measured_cells_leave_no_cyclic_garbage(auto):
    # Before: ~180 objects a cell (the probes' patches and wrappers held each other), so a session in
    # auto mode ran the cyclic collector every few cells and a full collection (~125 ms with
    # TensorFlow loaded) about every thousand.
    run(auto, "import tensorflow as tf, keras, matplotlib.pyplot as plt")
    run(auto, "%tfcheck on --min-ms 0")
    assert _own_garbage(auto, ["x = 1", "y = tf.constant([1.0]) * 2", "plt.close('all')"]) == []
    run(auto, "%tfcheck off")
    assert _own_garbage(auto, ["%%tfcheck --no-stacks\nx = 2", "%%tfcheck\nx = 3"]) == []


# -- auto mode's kept probes -----------------------------------------------------------------
def _patched_attributes():
    """The attributes auto mode's kept probes wrap, as they are in their owners now."""
    import keras
    import matplotlib.figure
    from tensorflow.python.framework import ops
    from tensorflow.python.ops import resource_variable_ops

    fit_owner = next(k for k in keras.Model.__mro__ if "fit" in vars(k))
    return {
        "Figure.__init__": vars(matplotlib.figure.Figure)["__init__"],
        "numpy": vars(ops._EagerTensorBase)["numpy"],
        "Variable.__init__": vars(resource_variable_ops.BaseResourceVariable)["__init__"],
        "fit": vars(fit_owner)["fit"],
    }


def test_auto_mode_keeps_its_wrappers_between_cells_counting_nothing_there_and_off_restores_them(auto):
    import matplotlib.pyplot as plt
    import tensorflow as tf

    run(auto, "import tensorflow as tf, keras, matplotlib\nmatplotlib.use('Agg')\nimport matplotlib.pyplot as plt")
    originals = _patched_attributes()
    run(auto, "%tfcheck on --min-ms 100000")
    assert all(now is not originals[name] for name, now in _patched_attributes().items())  # installed at `on`
    rep.clear_history()
    run(auto, "figs = [plt.figure() for _ in range(3)]\nplt.close('all')\nv = tf.Variable(1.0)\nv.numpy()")
    # Between cells the kept wrappers pass through: none of this is any cell's.
    plt.close(plt.figure())
    tf.constant([1.0]).numpy()
    tf.Variable(2.0)
    run(auto, "x = 1")
    run(auto, "t = tf.constant([2.0])\nt.numpy(), t.numpy()\nplt.close(plt.figure())")
    first, idle, last = rep.reports()
    assert first.counts["figures"] == 3 and first.counts["variables"] == 1 and first.numpy["calls"] == 1
    assert idle.counts["figures"] == 0 and idle.counts["variables"] == 0 and idle.numpy["calls"] == 0
    assert last.counts["figures"] == 1 and last.numpy["calls"] == 2
    run(auto, "%tfcheck off")
    assert _patched_attributes() == originals  # the identical objects


def test_a_tfcheck_cell_in_auto_mode_gets_its_own_probes_and_auto_mode_counts_on_after_it(auto):
    run(auto, "import matplotlib\nmatplotlib.use('Agg')\nimport matplotlib.pyplot as plt")
    run(auto, "%tfcheck on --min-ms 100000")
    rep.clear_history()
    run(auto, "%%tfcheck --quiet --no-stacks\nplt.close(plt.figure())\nplt.close(plt.figure())")
    run(auto, "plt.close(plt.figure())")
    cell, after = rep.reports()
    assert (cell.kind, cell.counts["figures"]) == ("cell", 2)
    assert (after.kind, after.counts["figures"]) == ("auto", 1)


def test_auto_mode_wraps_what_a_cell_imported_from_the_next_cell_on(tmp_path):
    # A fresh interpreter: here matplotlib and TensorFlow are loaded long before any test runs.
    script = tmp_path / "late_import.py"
    script.write_text(
        "from IPython.core.interactiveshell import InteractiveShell\n"
        "from IPython.utils.capture import capture_output\n"
        "from tfplotguard.check import report as rep\n"
        "ip = InteractiveShell.instance()\n"
        "with capture_output():\n"
        "    ip.run_line_magic('load_ext', 'tfplotguard')\n"
        "    ip.run_line_magic('tfcheck', 'on --min-ms 100000')\n"
        "    ip.run_cell('import matplotlib; matplotlib.use(\"Agg\"); import matplotlib.pyplot as plt')\n"
        "    ip.run_cell('plt.close(plt.figure())')\n"
        "    ip.run_line_magic('tfcheck', 'off')\n"
        "import matplotlib.figure\n"
        "init = vars(matplotlib.figure.Figure)['__init__']\n"
        "print(rep.reports()[-1].counts['figures'], 'tfplotguard' in init.__code__.co_filename)\n")
    out = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["1", "False"]  # counted, and put back by off
