"""CPU per thread group, measured for real: grouping, exited threads, the sampler thread's life."""

import hashlib
import os
import threading
import time

import psutil
import pytest
import tensorflow as tf

from tfplotguard.check.cpu import procfs, threads as cpu
from tfplotguard.check.cpu import ticker as sampler_module
from forked import run_in_child
from samplers import assert_parked, sampler_threads
from attribution_cells import switch_interval
from tfplotguard.check.cpu.threads import classify
from tfplotguard.check.cpu.meter import CpuMeter
from tfplotguard.check.cpu.ticker import TICKER

pytestmark = pytest.mark.skipif(not cpu.THREAD_NAMES_AVAILABLE, reason="per-thread figures need Linux /proc")


def _burn_python(seconds):
    t0 = time.thread_time()
    n = 0
    while time.thread_time() - t0 < seconds:
        n += 1
    return n


@pytest.mark.parametrize(
    "name, tid, expected",
    [("python", 1, "main"), ("python", 2, "python"), ("python", 3, "sampler"), ("tf_data_iterator", 4, "tf_data"),
     ("tf_Compute", 4, "tf_named"), ("python", 4, "tf_pool"), ("ZMQbg/IO/0", 4, "other")],
)
def test_classify_by_exclusion(name, tid, expected):
    assert classify(name, tid, main_id=1, python_ids={1, 2}, sampler_id=3, tf_imported=True,
                    process_name="python") == expected


def test_classify_without_tensorflow_calls_native_threads_other():
    assert classify("python", 9, main_id=1, python_ids={1}, sampler_id=None, tf_imported=False) == "other"


def test_pure_python_cpu_lands_on_the_main_thread_and_matches_psutil():
    proc = psutil.Process()
    outer0, w0 = proc.cpu_times(), time.perf_counter()
    meter = CpuMeter(interval_ms=50).start()
    try:
        _burn_python(0.4)
    finally:
        cost = meter.stop()
    outer1, w1 = proc.cpu_times(), time.perf_counter()
    outer = (outer1.user - outer0.user) + (outer1.system - outer0.system)
    assert cost.groups["main"]["cpu_s"] >= 0.3
    assert max(cost.groups, key=lambda g: cost.groups[g]["cpu_s"]) == "main"
    assert cost.cpu_s <= outer + 0.02 and cost.wall_s <= w1 - w0
    assert sum(row["cpu_s"] for row in cost.groups.values()) == pytest.approx(cost.cpu_s, abs=0.03)
    assert cost.samples >= 1 and 0 < cost.peak_utilisation <= cpu.cpu_count()
    assert_parked()


def test_tensorflow_matmuls_burn_in_the_tensorflow_pool():
    m = tf.random.normal((1000, 1000))
    tf.matmul(m, m)  # warm up kernels outside the measurement
    meter = CpuMeter(interval_ms=50).start()
    t0 = time.process_time()  # the whole process: TensorFlow's pool threads included
    try:
        while time.process_time() - t0 < 0.4:
            r = tf.matmul(m, m)
        r.numpy()
    finally:
        cost = meter.stop()
    pool = cost.groups.get("tf_pool", {}).get("cpu_s", 0.0)
    assert pool > cost.groups["main"]["cpu_s"], cost.groups
    assert "python" in cost.groups["tf_pool"]["names"]  # the compute threads carry the process name


def test_threads_that_end_unseen_are_the_exited_remainder():
    meter = CpuMeter(interval_ms=None).start()  # no sampler: the worker is never seen alive
    worker = threading.Thread(target=_burn_python, args=(0.3,))
    worker.start()
    worker.join()
    # join() returns when the Python thread is done; the OS thread can linger a moment longer.
    deadline = time.monotonic() + 2
    while os.path.exists(f"/proc/self/task/{worker.native_id}") and time.monotonic() < deadline:
        time.sleep(0.001)
    cost = meter.stop()
    assert cost.groups["exited"]["cpu_s"] >= 0.2
    assert cost.peak_utilisation is None and cost.timeline is None


def _burn_hashing(seconds):
    # hashlib releases the GIL on large inputs but computes in the calling thread: the sampler runs on
    # time (a pure-Python burner would delay it: it needs the GIL) and the CPU stays on this thread.
    data = b"x" * 2_000_000
    t0 = time.thread_time()
    while time.thread_time() - t0 < seconds:
        hashlib.sha256(data).digest()


def test_the_sampler_sees_a_short_lived_thread_and_keeps_its_group():
    meter = CpuMeter(interval_ms=20).start()
    worker = threading.Thread(target=_burn_hashing, args=(0.3,))
    worker.start()
    worker.join()
    cost = meter.stop()
    assert cost.groups["python"]["cpu_s"] >= 0.2
    assert cost.groups.get("exited", {}).get("cpu_s", 0.0) < 0.1
    assert "python" in cost.timeline["groups"] and cost.samples >= 3


def test_sampler_stops_when_the_measured_code_raises():
    meter = CpuMeter(interval_ms=10).start()
    with pytest.raises(KeyboardInterrupt):
        try:
            raise KeyboardInterrupt
        finally:
            cost = meter.stop()
    assert_parked()
    assert cost.wall_s >= 0


def _thread_cpu_s(tid):
    with open(f"/proc/self/task/{tid}/stat", "rb") as f:
        fields = f.read().rsplit(b")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def test_one_sampler_thread_serves_every_measurement_and_is_parked_in_between():
    first = CpuMeter(interval_ms=5).start()
    time.sleep(0.05)
    first_cost = first.stop()
    (thread,) = sampler_threads()
    parked_cpu = _thread_cpu_s(thread.native_id)
    time.sleep(0.5)  # a hundred intervals of the finished measurement: a parked thread takes no sample
    assert _thread_cpu_s(thread.native_id) - parked_cpu < 0.01
    assert len(first._sampler.points) == first_cost.samples + 1  # nothing was added after stop()
    second = CpuMeter(interval_ms=5).start()
    time.sleep(0.05)
    second_cost = second.stop()
    assert sampler_threads() == [thread] and first_cost.samples >= 2 and second_cost.samples >= 2
    assert second._grouper.groups[thread.native_id][0] == "sampler"  # the kept thread is still told apart
    assert_parked()


def test_a_stopped_measurement_gets_no_more_samples():
    meter = CpuMeter(interval_ms=1).start()
    time.sleep(0.02)
    cost = meter.stop()
    points = list(meter._sampler.points)
    time.sleep(0.05)
    assert meter._sampler.points == points and cost.samples == len(points) - 1 >= 1


def test_nested_measurements_are_sampled_at_their_own_intervals():
    outer = CpuMeter(interval_ms=100).start()
    inner = CpuMeter(interval_ms=5).start()
    _burn_hashing(0.3)
    inner_cost = inner.stop()
    _burn_hashing(0.15)
    outer_cost = outer.stop()
    # Each keeps its own interval: the outer one is never sampled at the inner one's pace, and the
    # inner one stays ahead. Counts against what the machine delivered (the ticker's time not kept
    # from a CPU), not against what an idle machine would: under load the one ticker gets less for both.
    outer_due = max(0.0, outer_cost.wall_s - outer_cost.ticker_waited_s) / 0.1
    inner_due = max(0.0, inner_cost.wall_s - inner_cost.ticker_waited_s) / 0.005
    assert inner_cost.samples >= min(10, inner_due / 2) and \
        inner_cost.samples >= min(4 * outer_cost.samples, inner_due / 2), \
        (inner_cost.samples, outer_cost.samples, inner_due, outer_due)
    # The burn is CPU time: on a loaded machine its wall time grows, and so do the outer's samples.
    assert 1 <= outer_cost.samples <= outer_cost.wall_s / 0.1 + 1, (outer_cost.samples, outer_cost.wall_s)
    assert outer_cost.timeline["t"][-1] > inner_cost.wall_s  # the outer one went on after the inner stopped


def test_shutdown_ends_the_thread_and_the_next_measurement_starts_another():
    CpuMeter(interval_ms=10).start().stop()
    (old,) = sampler_threads()
    assert TICKER.shutdown() and not old.is_alive() and not sampler_threads()
    assert not TICKER.shutdown()  # nothing left to end
    meter = CpuMeter(interval_ms=5).start()
    time.sleep(0.03)
    cost = meter.stop()
    (new,) = sampler_threads()
    assert new is not old and cost.samples >= 1
    assert meter._grouper.sampler_id == new.native_id


def test_a_failing_sample_ends_that_measurements_sampling_with_a_note_and_the_thread_lives_on(monkeypatch):
    real = procfs.READER.thread_cpu_times

    def failing_in_the_sampler(abort=None):
        if threading.current_thread().name == TICKER.NAME:
            raise OSError("injected /proc failure")
        return real(abort)

    monkeypatch.setattr(procfs.READER, "thread_cpu_times", failing_in_the_sampler)
    meter = CpuMeter(interval_ms=2).start()
    time.sleep(0.05)
    cost = meter.stop()
    assert cost.samples == 0 and cost.groups["main"]["threads"] == 1  # the cell's own figures are whole
    assert cost.notes == ["sampler stopped: OSError: injected /proc failure"]
    monkeypatch.undo()
    meter = CpuMeter(interval_ms=2).start()
    time.sleep(0.05)
    assert meter.stop().samples >= 2 and len(sampler_threads()) == 1


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")
def test_a_forked_child_measures_with_a_sampler_thread_of_its_own():
    CpuMeter(interval_ms=5).start().stop()  # the parent's thread exists and is parked

    def measure_in_child():  # no sampler thread survived the fork
        meter = CpuMeter(interval_ms=5).start()
        time.sleep(0.05)
        cost = meter.stop()
        return f"{cost.samples} {len(sampler_threads())}"

    code, text = run_in_child(measure_in_child)
    samples, threads = map(int, text.split())
    assert code == 0 and samples >= 2 and threads == 1


def test_a_cell_that_holds_the_gil_gets_a_coarse_timeline_and_a_note_saying_why():
    with switch_interval(5.0):  # pure Python then keeps the GIL from the sampler for the whole cell
        meter = CpuMeter(interval_ms=5).start()
        _burn_python(0.3)
        cost = meter.stop()
    assert cost.samples < 10
    assert any(note.startswith(f"the sampler took {cost.samples} of about ") for note in cost.notes), cost.notes
    # The last interval still shows who burned the CPU: the main thread, most of the process's (on a
    # busy machine it gets less than a core, so its share, not its cores, is what the timeline keeps).
    last = {group: cores[-1] for group, cores in cost.timeline["groups"].items()}
    assert last["main"] > 0.5 * sum(last.values()), last
    meter = CpuMeter(interval_ms=5).start()
    _burn_hashing(0.3)
    cost = meter.stop()
    # What the machine delivered: the samples due in the time the ticker was not kept from a CPU.
    free = max(0.0, cost.wall_s - cost.ticker_waited_s) / 0.005
    assert cost.samples >= min(20, free / 2), (cost.samples, cost.wall_s, cost.ticker_waited_s)
    assert not any("it gets the GIL" in note for note in cost.notes), cost.notes


def test_long_timelines_are_thinned(monkeypatch):
    monkeypatch.setattr(sampler_module, "TIMELINE_LIMIT", 10)
    meter = CpuMeter(interval_ms=10_000).start()
    sampler = meter._sampler
    for _ in range(50):
        sampler.sample()
    cost = meter.stop()
    assert len(cost.timeline["t"]) <= 2 * 10 + 1
    assert cost.timeline["t"][0] == 0.0


def _os_thread_names():
    names = set()
    for tid in os.listdir("/proc/self/task"):
        try:
            with open(f"/proc/self/task/{tid}/comm") as f:
                names.add(f.read().strip())
        except OSError:  # the thread ended meanwhile
            pass
    return names


def test_named_native_threads_are_not_counted_as_tensorflow():
    zmq = pytest.importorskip("zmq")  # its I/O threads are native threads with names of their own
    context = zmq.Context()
    socket = context.socket(zmq.PUB)
    try:
        # the I/O threads name themselves once running: wait for that before measuring
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline and not {"ZMQbg/IO/0", "ZMQbg/Reaper"} <= _os_thread_names():
            time.sleep(0.005)
        meter = CpuMeter(interval_ms=None).start()
        cost = meter.stop()
        names = {name for tid, (group, name) in meter._grouper.groups.items() if group == "other"}
        assert {"ZMQbg/IO/0", "ZMQbg/Reaper"} <= names
        assert "ZMQbg/IO/0" not in cost.groups.get("tf_pool", {}).get("names", [])
    finally:
        socket.close()
        context.term()
