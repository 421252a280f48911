"""``%%tfcheck`` cells run through IPython's own path; auto mode measures the outermost cell.

Real shell, real cells: top-level ``await``, the traceback's cell number, the last expression's
display with ``_`` and ``Out``, one report per cell with auto mode on, nested silent and empty
cells, the GPU peak left alone by auto mode (through the ``GPU_STATS`` seam: no GPU here), and the
"where the time went" section of a real cell.
"""

import re

import pytest
from IPython.utils.capture import capture_output

import tfplotguard
from tfplotguard.check.inspect import tfstate
from tfplotguard.check.report import history, render


def run(shell, cell, **kwargs):
    with capture_output() as cap:
        result = shell.run_cell(cell, **kwargs)
    return result, cap


def test_top_level_await_works_under_tfcheck(tfcheck):
    result, _ = run(tfcheck, "%%tfcheck --quiet -o awaited\nimport asyncio\nawait asyncio.sleep(0.05)\nslept = 'yes'")
    assert result.error_before_exec is None and result.error_in_exec is None
    assert tfcheck.user_ns["slept"] == "yes"
    assert tfcheck.user_ns["awaited"].wall_s >= 0.05


def test_an_awaited_last_expression_is_the_cells_value(tfcheck):
    result, _ = run(tfcheck, "%%tfcheck --quiet\nimport asyncio\nasync def f():\n    return 42\nawait f()",
                    store_history=True)
    assert result.result == 42


def test_the_traceback_names_the_failing_cell_and_line(tfcheck):
    result, cap = run(tfcheck, "%%tfcheck --quiet\nx = 1\ny = 2\nraise KeyError('boom')", store_history=True)
    assert isinstance(result.error_in_exec, KeyError)
    text = re.sub(r"\x1b\[[0-9;]*m", "", cap.stdout + cap.stderr)
    assert f"In[{result.execution_count}], line 4" in text
    assert f"In[{result.execution_count + 1}]" not in text


def test_the_traceback_of_a_last_expression_names_its_line(tfcheck):
    result, cap = run(tfcheck, "%%tfcheck --quiet\nx = 1\n1 / 0", store_history=True)
    assert isinstance(result.error_in_exec, ZeroDivisionError)
    assert not history.last_report().ok
    text = re.sub(r"\x1b\[[0-9;]*m", "", cap.stdout + cap.stderr)
    assert f"In[{result.execution_count}], line 3" in text


def test_the_last_expression_is_displayed_and_stored_as_in_a_plain_cell(tfcheck):
    result, cap = run(tfcheck, "%%tfcheck --quiet\nanswer = 6\nanswer * 7", store_history=True)
    assert result.result == 42
    assert tfcheck.user_ns["_"] == 42
    assert tfcheck.user_ns["Out"][result.execution_count] == 42
    assert "42" in cap.stdout


def test_a_trailing_semicolon_still_silences_the_value(tfcheck):
    result, cap = run(tfcheck, "%%tfcheck --quiet\n6 * 7;", store_history=True)
    assert "42" not in cap.stdout


def test_the_cell_leaves_no_helper_names_in_the_namespace(tfcheck):
    before = set(tfcheck.user_ns)
    run(tfcheck, "%%tfcheck --quiet\nmade_here = 1\nmade_here + 1", store_history=True)
    assert set(tfcheck.user_ns) - before - {"made_here"} <= {"_", "__", "___", "_i", "_ii", "_iii"} | {
        name for name in tfcheck.user_ns if re.fullmatch(r"_i?\d+", name)}


def test_a_tfcheck_cell_with_auto_mode_on_gets_one_report_its_full_one(tfcheck):
    run(tfcheck, "%tfcheck on")
    try:
        count = len(history.reports())
        _, cap = run(tfcheck, "%%tfcheck -o full\nx = sum(range(1000))")
        new = history.reports()[count:]
        assert [r.kind for r in new] == ["cell"]
        assert tfplotguard.last_report() is tfcheck.user_ns["full"]
        assert "%tfcheck on:" not in cap.stdout and not cap.stdout.count("tfcheck: ")
    finally:
        run(tfcheck, "%tfcheck off")


NESTED = ("import time\ntime.sleep(0.3)\nget_ipython().run_cell('pass', silent=True)\n"
          "get_ipython().run_cell('')\nget_ipython().run_cell('nested = 1')\ntime.sleep(0.2)")


def test_auto_mode_measures_the_outermost_cell_whatever_nests_inside(tfcheck):
    run(tfcheck, "%tfcheck on")
    try:
        count = len(history.reports())
        run(tfcheck, NESTED)
        new = history.reports()[count:]
        assert len(new) == 1, [r.source for r in new]
        assert new[0].wall_s >= 0.5
    finally:
        run(tfcheck, "%tfcheck off")


def test_tfcheck_measures_its_cell_whatever_nests_inside(tfcheck):
    run(tfcheck, "%%tfcheck --quiet -o outer\n" + NESTED)
    assert tfcheck.user_ns["outer"].wall_s >= 0.5


class FakeGpuMemory:
    """Two GPUs' counters, as TensorFlow's get_memory_info / reset_memory_stats keep them."""

    def __init__(self):
        self.memory = {"GPU:0": {"current": 100, "peak": 5000}, "GPU:1": {"current": 10, "peak": 700}}
        self.resets = []

    def devices(self):
        return list(self.memory)

    def read(self, device):
        return dict(self.memory[device])

    def reset(self, device):
        self.resets.append(device)
        self.memory[device]["peak"] = self.memory[device]["current"]


@pytest.fixture
def gpus(monkeypatch):
    fake = FakeGpuMemory()
    monkeypatch.setattr(tfstate, "GPU_STATS", fake)
    return fake


def test_auto_mode_never_resets_the_users_gpu_peaks(tfcheck, gpus):
    run(tfcheck, "%tfcheck on")
    try:
        run(tfcheck, "x = 1")
        run(tfcheck, "y = 2")
    finally:
        run(tfcheck, "%tfcheck off")
    assert gpus.resets == []
    assert gpus.memory["GPU:0"]["peak"] == 5000
    assert history.last_report().gpu_memory["GPU:0"] == {"current": 100, "peak": 5000}


def test_tfcheck_resets_the_peaks_for_its_cell_and_keeps_the_old_ones_in_the_report(tfcheck, gpus):
    run(tfcheck, "%%tfcheck --quiet -o measured\nx = 1")
    report = tfcheck.user_ns["measured"]
    assert sorted(gpus.resets) == ["GPU:0", "GPU:1"]
    assert report.gpu_memory["GPU:0"] == {"current": 100, "peak": 100, "peak_before": 5000}
    assert any("peaks were reset" in note for note in report.notes)


BURN = "import time\nt0 = time.perf_counter()\nwhile time.perf_counter() - t0 < 0.3:\n    pass"


def test_a_cell_says_where_its_time_went(tfcheck):
    run(tfcheck, "%%tfcheck --quiet -o where\n" + BURN)
    report = tfcheck.user_ns["where"]
    shares = {c["id"]: c["share"] for c in report.attribution["categories"]}
    assert shares["cell"] >= 0.6
    assert report.attribution["lines"][0]["line"] in (3, 4)  # the loop, in the cell's own numbering
    assert "where the time went" in str(report)
    assert "Where the time went" in report._repr_html_()
    assert tfplotguard.check.report.Report.from_dict(report.to_dict()) == report


def test_the_plot_gets_the_main_threads_categories_when_stacks_were_sampled(tfcheck):
    run(tfcheck, "%%tfcheck --quiet -o where\n" + BURN)
    run(tfcheck, "%%tfcheck --quiet --no-stacks -o plain\n" + BURN)
    with_stacks, without = tfcheck.user_ns["where"].plot(), tfcheck.user_ns["plain"].plot()
    assert len(with_stacks.axes) == 2 and len(without.axes) == 1
    assert "the cell's own Python" in [t.get_text() for t in with_stacks.axes[1].get_legend().get_texts()]


def test_figures_created_in_a_cell_are_counted_exactly(tfcheck):
    from matplotlib.figure import Figure

    init = Figure.__init__
    run(tfcheck, "import matplotlib.pyplot as plt\nfrom matplotlib.figure import Figure")
    run(tfcheck, "%%tfcheck --quiet --all -o figs\nfor _ in range(10):\n    plt.close(plt.figure())\n"
                 "objs = [Figure() for _ in range(2)]\nfig, axes = plt.subplots(2, 2)\nplt.close(fig)")
    report = tfcheck.user_ns["figs"]
    assert report.counts["figures"] == 13
    assert "counted: 13 figures created" in str(report) and "counted: 13 figures created" in report._repr_html_()
    assert "call" not in str(report).split("counted:")[1].splitlines()[0]  # zero Keras counts are not shown
    assert Figure.__init__ is init  # the counter was there for the cell only
    run(tfcheck, "%%tfcheck --quiet --no-stacks -o plain\nplt.close(plt.figure())")
    assert tfcheck.user_ns["plain"].counts["figures"] == 1
    assert ("counted", "1 figure created") in render._rows(tfcheck.user_ns["plain"])


def test_a_failing_cell_keeps_its_counts_and_leaves_no_counter_behind(tfcheck):
    from matplotlib.figure import Figure

    init = Figure.__init__
    run(tfcheck, "import matplotlib.pyplot as plt")
    run(tfcheck, "%%tfcheck --quiet\nfor _ in range(3):\n    plt.close(plt.figure())\n1 / 0")
    report = history.last_report()
    assert not report.ok and report.counts["figures"] == 3
    assert Figure.__init__ is init
    run(tfcheck, "%tfcheck on")
    try:
        run(tfcheck, "plt.close(plt.figure())")
    finally:
        run(tfcheck, "%tfcheck off")
    assert history.last_report().kind == "auto" and history.last_report().counts["figures"] == 1
    assert Figure.__init__ is init


def test_keras_calls_in_a_cell_are_counted_exactly_outermost_only(tfcheck):
    keras = pytest.importorskip("keras")
    predict = {k: vars(k)["predict"] for k in keras.Model.__mro__ if "predict" in vars(k)}
    run(tfcheck, "import keras, numpy as np\nm = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])\n"
                 "m.compile('sgd', 'mse')\nx = np.ones((4, 2), 'float32')\ny = np.ones((4, 1), 'float32')")
    run(tfcheck, "%%tfcheck --quiet --all -o calls\nfor _ in range(3):\n    m.predict(x, verbose=0)\n"
                 "m.fit(x, y, epochs=1, verbose=0, validation_data=(x, y))")
    report = tfcheck.user_ns["calls"]
    assert {k: report.counts[k] for k in ("fit", "predict", "evaluate")} == {"fit": 1, "predict": 3, "evaluate": 0}
    line = str(report).split("counted: ")[1].splitlines()[0]
    assert line.startswith("1 fit call, 3 predict calls") and "evaluate" not in line and "figure" not in line
    assert {k: vars(k)["predict"] for k in keras.Model.__mro__ if "predict" in vars(k)} == predict


def test_variables_created_in_a_cell_are_counted_exactly(tfcheck):
    from tensorflow.python.ops import resource_variable_ops

    init = vars(resource_variable_ops.BaseResourceVariable)["__init__"]
    run(tfcheck, "import tensorflow as tf")
    run(tfcheck, "%%tfcheck --quiet --all -o made\nvs = [tf.Variable(float(i)) for i in range(5)]\n"
                 "@tf.function\ndef f(x):\n    return x + 1.0\nf(vs[0])")
    report = tfcheck.user_ns["made"]
    assert report.counts["variables"] == 5
    assert "5 variables created, 1 trace" in str(report)
    assert vars(resource_variable_ops.BaseResourceVariable)["__init__"] is init


def test_a_cell_without_counted_calls_shows_no_counts(tfcheck):
    run(tfcheck, "%%tfcheck --quiet --all -o burn\n" + BURN)  # --all: the whole report
    report = tfcheck.user_ns["burn"]
    assert not any(report.counts.values())
    assert "counted" not in str(report) and "counted" not in report._repr_html_()


def test_no_stacks_leaves_the_section_out_and_auto_mode_never_samples_stacks(tfcheck):
    run(tfcheck, "%%tfcheck --quiet --no-stacks -o plain\nx = 1")
    assert tfcheck.user_ns["plain"].attribution is None
    run(tfcheck, "%tfcheck on")
    try:
        run(tfcheck, "x = 2")
    finally:
        run(tfcheck, "%tfcheck off")
    assert history.last_report().kind == "auto" and history.last_report().attribution is None


@pytest.mark.parametrize("line, message", [
    ("--stack-interval 0", "--stack-interval must be a positive number"),
    ("--stack-interval 2 --no-stacks", "use one of them"),
    ("--stack-timer thread", "--stack-timer is gone"),
])
def test_stack_options_are_checked(tfcheck, line, message):
    result, cap = run(tfcheck, f"%%tfcheck {line}\nran_anyway = 1")
    assert message in cap.stdout + cap.stderr
    assert "ran_anyway" not in tfcheck.user_ns


def test_unload_removes_the_transformers(ip):
    ip.run_line_magic("load_ext", "tfplotguard")
    ip.run_line_magic("unload_ext", "tfplotguard")
    assert not [t for t in ip.input_transformers_cleanup if "tfplotguard" in getattr(t, "__module__", "")]
    assert not [t for t in ip.ast_transformers if "tfplotguard" in type(t).__module__]
    result = ip.run_cell("%%tfcheck\nx = 1")
    assert result.error_in_exec is not None  # the magic is gone: UsageError, not a silent rewrite


def test_a_cell_magic_under_tfcheck_still_runs(tfcheck):
    result, cap = run(tfcheck, "%%tfcheck --quiet -o timed\n%%time\ntimed_value = 7")
    assert result.error_in_exec is None and tfcheck.user_ns["timed_value"] == 7
    assert "Wall time" in cap.stdout and tfcheck.user_ns["timed"].ok
