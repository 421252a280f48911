"""Auto mode samples a cell's stacks once the cell has run ``AUTO_STACKS_AFTER_S``: a fast cell pays
nothing for it, a slow one gets weighed findings (issue 27).

Real shell, real TensorFlow, real threads. The tests assert on what the machine delivered (the
report's own wall time and samples), not on how fast it is.
"""

import pytest
from IPython.utils.capture import capture_output

from tfplotguard.check import report as rep
from tfplotguard.check.attribution import StackSampler
from tfplotguard.ipython.magics import AUTO_STACKS_AFTER_S


def run(ip, cell):
    with capture_output() as cap:
        result = ip.run_cell(cell)
    result.raise_error()
    return cap


@pytest.fixture
def auto(tfcheck):
    run(tfcheck, "import threading, time\n%tfcheck on --min-ms 100000")
    try:
        yield tfcheck
    finally:
        run(tfcheck, "%tfcheck off")
        tfcheck.config.pop("TFPlotGuard", None)


def test_a_fast_cell_gets_no_sampler_thread_and_no_attribution(auto):
    run(auto, "names = [t.name for t in threading.enumerate()]")
    report = rep.last_report()
    assert report.kind == "auto"
    if report.wall_s < AUTO_STACKS_AFTER_S / 2:  # what the machine delivered: a loaded one may stall a cell
        assert StackSampler.NAME not in auto.user_ns["names"]
        assert not report.attribution
        assert not any("sampled from" in note for note in report.notes)


def test_a_slow_cell_is_sampled_from_the_threshold_on_and_its_line_named(auto):
    run(auto, "x = 1\ntime.sleep(0.5)\nnames = [t.name for t in threading.enumerate()]\n")
    report = rep.last_report()
    attribution = report.attribution
    assert attribution["samples"] > 0
    assert StackSampler.NAME in auto.user_ns["names"]  # sampling while the cell still ran
    # the attribution covers the cell from the threshold on, not its start
    assert attribution["wall_s"] <= report.wall_s - AUTO_STACKS_AFTER_S + 0.05
    assert attribution["lines"][0]["line"] == 2
    assert any(f"sampled from {AUTO_STACKS_AFTER_S:g} s" in note for note in report.notes)
    # and nothing of the sampler outlives the cell
    run(auto, "names = [t.name for t in threading.enumerate()]")
    assert StackSampler.NAME not in auto.user_ns["names"]


ARTIFICIAL = '''
import tensorflow as tf
class ArtificialDataset(tf.data.Dataset):
    def _generator(num_samples):
        time.sleep(0.03)
        for sample_idx in range(num_samples):
            time.sleep(0.015)
            yield (sample_idx,)
    def __new__(cls, num_samples=3):
        return tf.data.Dataset.from_generator(
            cls._generator, output_signature=tf.TensorSpec(shape=(1,), dtype=tf.int64), args=(num_samples,))
def benchmark(dataset, num_epochs=2):
    for epoch_num in range(num_epochs):
        for sample in dataset:
            time.sleep(0.01)
'''


def test_the_data_performance_guides_naive_pipeline_is_named_input_bound_with_a_line(auto):
    """tensorflow/docs guide/data_performance's first benchmark, as the guide writes it."""
    run(auto, ARTIFICIAL)
    cap = run(auto, "benchmark(tf.data.Dataset.range(2).interleave(lambda _: ArtificialDataset()))")
    report = rep.last_report()
    (warning,) = report.warnings()
    assert warning.rule == "input_bound" and warning.seconds > 0
    (line,) = [o.data["text/plain"] for o in cap.outputs if o.data["text/plain"].startswith("tfcheck: ")]
    assert line.startswith("tfcheck: ! ") and "tf.data" in line


def test_an_interrupt_during_a_sampled_auto_cell_leaves_no_sampler(auto):
    with capture_output():
        result = auto.run_cell("time.sleep(0.3)\nraise KeyboardInterrupt")
    assert isinstance(result.error_in_exec, KeyboardInterrupt)
    report = rep.last_report()
    assert not report.ok and report.attribution["samples"] > 0
    run(auto, "names = [t.name for t in threading.enumerate()]")
    assert StackSampler.NAME not in auto.user_ns["names"]
