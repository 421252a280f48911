"""Every finding rule: one real cell that triggers it and one that does not.

Cells are measured with ``CellCheck`` directly (no shell needed): real
TensorFlow, real matplotlib Agg, real threads. Only the GPU rule runs on
constructed data, because this machine has no GPU.
"""

import queue
import threading
import time
import warnings

import matplotlib
import matplotlib.pyplot as plt
import numpy as np
import pytest
import tensorflow as tf

from tfplotguard.check import findings
from tfplotguard.check.cell import CellCheck
from tfplotguard.check.report import Report, format_bytes, history

from measured import measure


def rules(report):
    return {f.rule for f in report.findings}


def _burn_python(seconds=0.3):
    t0 = time.thread_time()
    while time.thread_time() - t0 < seconds:
        pass


def _burn_tf(cpu_seconds=0.4):
    m = tf.random.normal((1000, 1000))
    t0 = time.process_time()  # the whole process: TensorFlow's pool threads included
    while time.process_time() - t0 < cpu_seconds:
        r = tf.matmul(m, m)
    return r.numpy()


# -- tensors handed to matplotlib (needs the guard) -------------------------------------


def test_tensor_plotted_once(guarded):
    t = tf.range(100.0)
    _, ax = plt.subplots()
    report = measure(lambda: ax.plot(t))
    assert "tensors_plotted" in rules(report) and "same_tensor_replotted" not in rules(report)
    assert report.guard["conversions"] == 1 and report.guard["bytes_by_device"] == {"CPU:0": 400}
    (finding,) = [f for f in report.findings if f.rule == "tensors_plotted"]
    assert finding.severity == "info" and finding.minor and finding.seconds is None  # not sampled: not weighed


def test_tensors_plotted_is_weighed_by_the_guards_own_time(guarded):
    t = tf.range(100.0)
    _, ax = plt.subplots()
    ax.plot(tf.range(3.0))  # the process's first conversion loads what the guard needs: not this cell's work
    report = measure(lambda: [ax.plot(t) for _ in range(50)], stacks_ms=1.0)
    found = {f.rule: f for f in report.findings}
    assert found["tensors_plotted"].seconds is not None and found["same_tensor_replotted"].seconds is not None
    # 50 plot calls: matplotlib's own work outweighs the guard's view-taking by far
    assert found["tensors_plotted"].minor and found["same_tensor_replotted"].minor
    plt.close("all")


def test_numpy_array_plotted_is_no_finding(guarded):
    _, ax = plt.subplots()
    report = measure(lambda: ax.plot(np.arange(100.0)))
    assert not rules(report) & {"tensors_plotted", "same_tensor_replotted"}


def test_same_tensor_replotted_is_served_from_the_cache(guarded):
    t = tf.range(100.0)
    _, ax = plt.subplots()
    report = measure(lambda: [ax.plot(t) for _ in range(3)])
    assert "same_tensor_replotted" in rules(report)
    assert report.guard["conversions"] == 1 and report.guard["cache_hits"] == 2


# -- .numpy() ------------------------------------------------------------------------------


def test_numpy_on_the_same_tensor_in_a_loop():
    x = tf.range(1000.0)
    report = measure(lambda: [x.numpy() for _ in range(5)])
    assert "numpy_in_loop" in rules(report)
    assert report.numpy["max_same_tensor"] == 5


def test_numpy_once_per_tensor_is_no_loop_finding():
    tensors = [tf.range(float(i + 1)) for i in range(5)]
    report = measure(lambda: [t.numpy() for t in tensors])
    assert report.numpy["calls"] == 5 and "numpy_in_loop" not in rules(report)


def test_numpy_on_a_large_cpu_tensor_is_a_copy():
    big = tf.zeros((3 * 2**20,))  # 12 MiB
    out = {}
    report = measure(lambda: out.setdefault("a", big.numpy()))
    assert "numpy_copy_large_cpu" in rules(report)
    # the behaviour the rule rests on: .numpy() copies, np.asarray is a read-only view of the same memory
    view = np.asarray(big)
    assert not np.shares_memory(out["a"], view) and not view.flags.writeable
    assert np.shares_memory(view, np.asarray(big))


def test_asarray_on_a_large_cpu_tensor_is_no_finding():
    big = tf.zeros((3 * 2**20,))
    small = tf.zeros((1000,))
    report = measure(lambda: (np.asarray(big), small.numpy()))
    assert report.numpy["calls"] == 1 and "numpy_copy_large_cpu" not in rules(report)


# -- tf.function -----------------------------------------------------------------------------


def test_retracing_with_python_ints():
    @tf.function
    def scale(x, n):
        return x * n

    x = tf.constant([1.0, 2.0])
    report = measure(lambda: [scale(x, i) for i in range(3)], namespace={"scale": scale})
    assert report.traces == {"scale": 3}
    (finding,) = [f for f in report.findings if f.rule == "retracing"]
    assert "argument n is a Python int" in finding.message and "tf.constant" in finding.fix


def test_tensors_instead_of_ints_do_not_retrace():
    @tf.function
    def scale(x, n):
        return x * n

    x = tf.constant([1.0, 2.0])
    report = measure(lambda: [scale(x, tf.constant(float(i))) for i in range(3)], namespace={"scale": scale})
    assert report.traces == {"scale": 1} and "retracing" not in rules(report)


def test_retracing_of_a_function_created_in_a_loop():
    x = tf.constant([1.0])
    report = measure(lambda: [tf.function(lambda a: a + 1)(x) for _ in range(3)])
    (finding,) = [f for f in report.findings if f.rule == "retracing"]
    assert "new tf.function object" in finding.message and "outside the loop" in finding.fix


def test_retracing_on_changing_shapes():
    @tf.function
    def total(x):
        return tf.reduce_sum(x)

    report = measure(lambda: [total(tf.zeros((n,))) for n in (2, 3, 4)], namespace={"total": total})
    (finding,) = [f for f in report.findings if f.rule == "retracing"]
    assert "changed shape ((2,) → (3,) → (4,))" in finding.message and "input_signature" in finding.fix


@pytest.mark.parametrize(
    "signatures, cause",
    [
        ([{"x": "tensor float32(2,)"}, {"x": "tensor float64(2,)"}], "changed dtype (float32, float64)"),
        ([{"x": "tensor float32(2,)"}, {"x": "tensor float32(2,)", "y": "python int 1"}], "number or nesting"),
        ([{"x": "python float 1.0"}, {"x": "tensor float32()"}], "switched between a Python value and a tensor"),
        ([{"x": "tensor float32(2,)"}], "not available"),
    ],
)
def test_explain_retrace_causes(signatures, cause):
    assert cause in findings.explain_retrace(signatures)[0]


def test_run_functions_eagerly_on():
    def cell():
        tf.config.run_functions_eagerly(True)

    try:
        report = measure(cell)
    finally:
        tf.config.run_functions_eagerly(False)
    assert "functions_run_eagerly" in rules(report)


def test_run_functions_eagerly_off_is_no_finding():
    report = measure(lambda: tf.function(lambda: tf.constant(1.0))())
    assert "functions_run_eagerly" not in rules(report)


# -- who used the CPU ---------------------------------------------------------------------------


def test_cpu_in_tensorflow_pools():
    report = measure(_burn_tf, interval_ms=50)
    (finding,) = [f for f in report.findings if f.rule == "cpu_in_tf_pools"]
    assert "intra-op=0 inter-op=0" in finding.message and "set_intra_op_parallelism_threads" in finding.fix
    assert report.top_group() == "tf_pool"


def test_the_main_threads_cpu_is_no_finding():
    """The attribution section shows where a Python cell's time went; a finding must name a cause."""
    report = measure(_burn_python, interval_ms=50)
    assert report.top_group() == "main"
    assert not rules(report) & {"cpu_in_main_thread", "cpu_in_tf_pools"}


def test_cheap_cell_says_nothing_about_cpu():
    report = measure(lambda: tf.constant(1.0) + 1)
    assert not rules(report) & {"cpu_in_tf_pools"}


# -- matplotlib ---------------------------------------------------------------------------------


@pytest.fixture
def interactive():
    was = matplotlib.is_interactive()
    plt.ion()
    try:
        yield
    finally:
        matplotlib.interactive(was)


def test_interactive_mode_with_pauses_in_a_tensorflow_loop(interactive):
    fig, ax = plt.subplots()
    m = tf.random.normal((200, 200))

    def loop():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)  # Agg: "non-interactive, cannot be shown"
            for _ in range(4):
                ax.plot(np.asarray(tf.reduce_mean(tf.matmul(m, m), axis=0)))
                plt.pause(0.03)

    report = measure(loop)
    (finding,) = [f for f in report.findings if f.rule == "interactive_redraws"]
    assert "4 plt.pause calls" in finding.message and "plt.ioff()" in finding.fix
    assert report.mpl["draws"] >= 1 and finding.seconds >= 4 * 0.03 and not finding.minor
    plt.close(fig)


def test_canvas_draw_every_step_is_a_redraw_finding_whatever_the_mode():
    assert not matplotlib.is_interactive()
    fig, ax = plt.subplots()
    line, = ax.plot(np.arange(100.0))

    def loop():
        for step in range(6):
            line.set_ydata(np.arange(100.0) * step)
            fig.canvas.draw()

    report = measure(loop)
    (finding,) = [f for f in report.findings if f.rule == "interactive_redraws"]
    assert report.mpl["draws"] == 6 and report.mpl["redraws"] == 5 and "5 more times" in finding.message
    assert 0 < report.mpl["redraw_s"] < report.mpl["draw_s"] and finding.seconds == report.mpl["redraw_s"]
    assert not finding.minor and "plt.ioff()" not in finding.fix
    plt.close(fig)


def test_one_figure_drawn_once_or_figures_saved_once_each_are_no_redraws(interactive):
    import io

    def cell():
        for _ in range(4):  # four figures, each saved once and closed
            fig, ax = plt.subplots()
            ax.plot(np.arange(10.0))
            fig.savefig(io.BytesIO(), format="png")
            plt.close(fig)

    report = measure(cell)
    assert report.mpl["draws"] == 4 and report.mpl["redraws"] == 0
    assert "interactive_redraws" not in rules(report)


def test_a_new_figure_per_iteration_says_how_many_stay_open_and_their_canvas_buffers():
    plt.close("all")

    def cell():
        for step in range(12):
            fig, ax = plt.subplots(figsize=(4, 3), dpi=50)
            ax.plot(np.arange(10.0) * step)
            fig.canvas.draw()

    report = measure(cell, stacks_ms=1.0)
    (finding,) = [f for f in report.findings if f.rule == "figure_per_iteration"]
    assert report.counts["figures"] == 12 and report.mpl["open_figures"] == 12
    assert report.mpl["open_bytes"] == 12 * 200 * 150 * 4  # each drawn Agg canvas: width × height × RGBA
    assert "12 of the cell's 12 new figures" in finding.message and "12 more than before" in finding.message
    assert format_bytes(12 * 200 * 150 * 4) in finding.message and "plt.close(fig)" in finding.fix
    assert finding.seconds is not None and finding.seconds > 0
    plt.close("all")


def test_several_figures_from_several_lines_are_no_figure_per_iteration():
    def cell():
        for _ in range(2):
            plt.figure()
            plt.figure()
            plt.figure()
            plt.figure()
            plt.figure()
            plt.figure()

    report = measure(cell)
    assert report.counts["figures"] == 12 and "figure_per_iteration" not in rules(report)
    plt.close("all")


def test_one_plotting_call_per_point():
    fig, ax = plt.subplots()
    xs = np.random.default_rng(0).random(60)
    report = measure(lambda: [ax.plot(x, x, "o") for x in xs])
    (finding,) = [f for f in report.findings if f.rule == "plot_call_per_point"]
    assert "60 plotting calls" in finding.message and "60 data points" in finding.message
    assert "ax.scatter(xs, ys)" in finding.fix
    plt.close(fig)


def test_one_call_with_many_artists_is_no_call_per_point():
    fig, ax = plt.subplots()
    report = measure(lambda: (ax.plot(np.ones((5, 60))), ax.bar(range(60), range(60)), ax.scatter(range(60), range(60))))
    assert report.mpl["call_sites"][0][3] == 3 and report.mpl["call_sites"][0][4] == 60 + 60 + 1
    assert "plot_call_per_point" not in rules(report)
    plt.close(fig)


def test_interactive_mode_alone_costs_nothing_on_agg(interactive):
    fig, ax = plt.subplots()
    m = tf.random.normal((200, 200))
    report = measure(lambda: [ax.plot(np.asarray(tf.reduce_mean(tf.matmul(m, m), axis=0))) for _ in range(4)])
    assert report.mpl["interactive"] and report.mpl["draws"] == 0
    assert "interactive_redraws" not in rules(report)


def test_pyplot_from_a_worker_thread(guarded):
    def cell():
        thread = threading.Thread(target=lambda: plt.plot([1, 2, 3]), name="plotter")
        thread.start()
        thread.join()

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the guard's own once-per-thread warning
        report = measure(cell)
    (finding,) = [f for f in report.findings if f.rule == "pyplot_off_main_thread"]
    assert report.guard["pyplot_thread_calls"] >= 1 and "queue.Queue" in finding.fix
    # a crash risk, not a cost: full weight, shown first, even unweighed by time
    assert finding.share == 1.0 and finding.seconds is None and not finding.minor
    assert report.findings[0].rule == "pyplot_off_main_thread"


def test_pyplot_from_the_main_thread_with_a_worker_computing(guarded):
    results = queue.Queue()

    def cell():
        thread = threading.Thread(target=lambda: results.put(np.arange(3.0)))
        thread.start()
        thread.join()
        plt.plot(results.get())

    report = measure(cell)
    assert report.guard["pyplot_thread_calls"] == 0 and "pyplot_off_main_thread" not in rules(report)


# -- host memory, cell after cell (reads the report history) ----------------------------------


@pytest.fixture
def cells():
    """Run functions as consecutive measured cells recorded in the history (one namespace)."""
    history.clear_history()
    ns = {}

    def run(fn):
        report = measure(lambda: fn(ns), namespace=ns)
        history.record(report)
        return report

    yield run
    history.clear_history()
    ns.clear()


def test_tensors_kept_in_a_list_cell_after_cell(cells):
    cells(lambda ns: ns.setdefault("kept", []))
    for _ in range(3):
        report = cells(lambda ns: ns["kept"].append(tf.random.normal((12_000_000,))))  # 48 MB a cell
    (finding,) = [f for f in report.findings if f.rule == "host_memory_growth"]
    assert [row["name"] for row in report.held] == ["kept"] and report.held[0]["bytes"] == 3 * 48_000_000
    assert "`kept` (a list of 3 arrays/tensors)" in finding.message
    assert "45.8 MiB, 91.6 MiB, 137 MiB" in finding.message and "convert-once cache" in finding.message
    growth = sum(r.rss_after - r.rss_before for r in history.reports()[-3:])
    assert finding.seconds is None and finding.share == pytest.approx(growth / report.rss_after)


def test_results_reduced_to_floats_do_not_grow(cells):
    cells(lambda ns: ns.setdefault("means", []))
    for _ in range(3):
        report = cells(lambda ns: ns["means"].append(float(tf.reduce_mean(tf.random.normal((12_000_000,))))))
    assert "host_memory_growth" not in rules(report) and report.held == []


def test_memory_growth_without_a_holder_is_observed_not_explained(cells):
    cells(lambda ns: ns.setdefault("blob", []))
    for _ in range(3):  # bytes objects: not arrays or tensors, so no holder the rule can name
        report = cells(lambda ns: ns["blob"].append(b"x" * 48_000_000))
    (finding,) = [f for f in report.findings if f.rule == "host_memory_growth"]
    assert finding.minor and finding.share is None and "not established" in finding.message


def test_matplotlib_is_restored_after_the_cell():
    originals = (vars(plt)["pause"], vars(matplotlib.figure.Figure)["draw"])
    measure(lambda: (plt.plot([1, 2]), plt.gcf().canvas.draw()))
    assert (vars(plt)["pause"], vars(matplotlib.figure.Figure)["draw"]) == originals


# -- GPU present, ops on CPU (constructed data: no GPU on this machine) --------------------------------


def _gpu_case(ops, gpus):
    report = Report(ops=ops, tf={"imported": True, "gpus": gpus})
    found = findings.rules_tf.gpu_idle_ops_on_cpu({}, {"tf": {"gpus": gpus}}, report)
    return found[0] if found else None


def test_gpu_present_but_ops_on_cpu():
    finding = _gpu_case({"CPU:0": {"Cast": 30, "StringFormat": 5}, "GPU:0": {"MatMul": 3}}, ["GPU:0"])
    assert finding is not None and "35 of 38 eager ops ran on the CPU" in finding.message
    assert "Cast ×30" in finding.message and "tf.device('/GPU:0')" in finding.fix


def test_gpu_ops_on_gpu_or_no_gpu_is_no_finding():
    assert _gpu_case({"CPU:0": {"Cast": 2}, "GPU:0": {"MatMul": 40}}, ["GPU:0"]) is None
    assert _gpu_case({"CPU:0": {"Cast": 30}}, []) is None


def test_real_ops_on_this_cpu_only_machine_are_no_gpu_finding():
    x = tf.constant([1.0, 2.0])
    report = measure(lambda: [tf.cast(x, tf.int32) for _ in range(20)], ops=True)
    assert report.ops["CPU:0"]["Cast"] == 20 and "gpu_idle_ops_on_cpu" not in rules(report)


# -- the rule runner ------------------------------------------------------------------------------------


def test_a_broken_rule_becomes_a_note_and_the_others_still_run():
    def broken(before, after, report):
        raise RuntimeError("oops")

    report = Report(tf={"functions_run_eagerly": True})
    found, notes = findings.evaluate({}, {"tf": {"functions_run_eagerly": True}}, report,
                                     rules=(broken, findings.rules_tf.functions_run_eagerly))
    assert [f.rule for f in found] == ["functions_run_eagerly"]
    assert notes == ["rule broken failed: RuntimeError: oops"]


# -- the registry ---------------------------------------------------------------------------------------


def test_every_rule_has_one_id_a_severity_and_a_summary():
    listed = findings.listing()
    assert [rule_id for rule_id, _, _ in listed] == findings.rule_ids() and len(set(findings.rule_ids())) == len(listed)
    assert {"cpu_in_tf_pools", "retracing"} <= set(findings.rule_ids()) and "cpu_in_main_thread" not in findings.rule_ids()
    assert all(severity in ("warn", "info") and summary for _, severity, summary in listed)


def test_a_disabled_rule_is_skipped():
    try:
        report = measure(lambda: tf.config.run_functions_eagerly(True))
        assert "functions_run_eagerly" in rules(report)
        check = CellCheck({}, interval_ms=None, disabled_rules={"functions_run_eagerly"}).start()
        assert "functions_run_eagerly" not in rules(check.stop(None))
    finally:
        tf.config.run_functions_eagerly(False)


def test_unknown_rule_ids_are_refused_naming_the_valid_ones():
    with pytest.raises(ValueError, match=r"unknown finding rule id\(s\) 'no_such_rule'; valid ids: retracing, "):
        findings.checked_ids(["retracing", "no_such_rule"])
