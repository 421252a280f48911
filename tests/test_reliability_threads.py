"""Threads: concurrent plotting is correct and counted exactly; pyplot off the main thread warns once
per thread; the ``%%tfcheck`` sampler thread always stops sampling and is parked.

No timing is asserted: concurrency is forced with barriers, and every
assertion is about data, counters and which threads are alive.
"""

from __future__ import annotations

import signal
import threading
import warnings

import matplotlib.pyplot as plt
import numpy as np
import pytest
import tensorflow as tf
from IPython.utils.capture import capture_output
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

import tfplotguard
from samplers import assert_parked, new_threads, sampler_threads
from tfplotguard.check import report as _report
from tfplotguard import TFPlotGuardWarning
from tfplotguard.testing import simulate_accelerator

THREADS = 8


def _run_threads(target, count=THREADS, name="plotter-{}"):
    """Run ``target(index, barrier)`` in ``count`` threads; re-raise the first failure."""
    barrier = threading.Barrier(count)
    errors = []

    def run(index):
        try:
            target(index, barrier)
        except BaseException as exc:  # reported in the main thread
            barrier.abort()
            errors.append((index, exc))

    threads = [threading.Thread(target=run, args=(i,), name=name.format(i)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        index, exc = errors[0]
        raise AssertionError(f"thread {index} failed: {exc!r}") from exc


def test_eight_threads_plot_tensors_with_correct_data_and_exact_counters(guarded):
    """8 threads, object-oriented API on Agg: each draws its own tensors and one shared tensor."""
    per_thread = 12
    shared = tf.range(50.0) * 0.5
    variables = [tf.Variable(tf.fill((20,), float(i))) for i in range(THREADS)]
    results = {}

    def work(index, barrier):
        own = [tf.fill((40,), float(index * 100 + k)) for k in range(per_thread)]
        fig = Figure(figsize=(2, 2), dpi=30)
        FigureCanvasAgg(fig)
        ax = fig.add_subplot()
        barrier.wait()  # all 8 threads convert at the same moment
        lines, offsets = [], []
        for t in own:
            lines.append(ax.plot(t)[0])  # first time: a conversion
            offsets.append(ax.scatter(t, t).get_offsets())  # second time: a cache hit
        shared_line = ax.plot(shared, shared)[0]
        variable_line = ax.plot(variables[index])[0]
        fig.canvas.draw()
        results[index] = (lines, offsets, shared_line, variable_line)

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", TFPlotGuardWarning)
        _run_threads(work)
    assert not [w for w in caught if issubclass(w.category, TFPlotGuardWarning)]

    for index, (lines, offsets, shared_line, variable_line) in results.items():
        for k, (line, xy) in enumerate(zip(lines, offsets)):
            expected = np.full(40, float(index * 100 + k), np.float32)
            np.testing.assert_array_equal(line.get_ydata(), expected)
            np.testing.assert_array_equal(xy, np.c_[expected, expected])
        np.testing.assert_array_equal(shared_line.get_ydata(), np.arange(50.0) * 0.5)
        np.testing.assert_array_equal(variable_line.get_ydata(), np.full(20, float(index)))

    stats = tfplotguard.stats()
    own_tensors = THREADS * per_thread
    assert stats["errors"] == 0
    assert stats["calls"] == THREADS * (2 * per_thread + 2)  # every guarded call counted once
    # own tensors: exactly one conversion and one hit each; variables: one read per call, never cached;
    # the shared tensor: one conversion per call at most (threads may race to the first one).
    shared_conversions = stats["conversions"] - own_tensors - THREADS
    assert 1 <= shared_conversions <= THREADS
    assert stats["cache_hits"] == own_tensors + (THREADS - shared_conversions)
    assert stats["bytes_by_device"] == {
        "CPU:0": own_tensors * 160 + shared_conversions * 200 + THREADS * 80}


def test_eight_threads_share_a_bounded_accelerator_cache(guarded):
    """Concurrent puts and evictions keep the byte bound and the byte count consistent."""
    tfplotguard.configure(cache_limit_mb=0.25)  # 64 copies of 4 kB
    worst = []
    try:
        with tf.device("/cpu:1"):
            tensors = [[tf.fill((1024,), float(i * 1000 + k)) for k in range(40)] for i in range(THREADS)]

        def work(index, barrier):
            fig = Figure()
            line = fig.add_subplot().plot(np.zeros(1024))[0]
            barrier.wait()
            high = 0
            for k, t in enumerate(tensors[index]):
                line.set_ydata(t)
                assert line.get_ydata()[0] == float(index * 1000 + k)
                high = max(high, tfplotguard.stats()["cache_bytes"])
            worst.append(high)

        with simulate_accelerator("CPU:1"):
            _run_threads(work)
        stats = tfplotguard.stats()
        assert max(worst) <= 2**18 and stats["cache_bytes"] <= 2**18
        assert stats["conversions"] == THREADS * 40 and stats["bytes_by_device"] == {"CPU:1": THREADS * 40 * 4096}
        assert stats["cache_bytes"] == stats["cache_entries"] * 4096  # the byte count matches the entries
    finally:
        tfplotguard.configure(cache_limit_mb=512)


def test_pyplot_from_eight_live_threads_warns_once_per_thread_with_the_fix(guarded):
    lock = threading.Lock()  # pyplot's global state itself is not thread-safe: one at a time

    def use_pyplot(index, barrier):
        barrier.wait()  # all alive together: 8 distinct thread identities
        with lock:
            fig = plt.figure(f"t{index}")
            plt.plot(tf.constant([1.0, 2.0]))
            plt.gca()
            plt.close(fig)
        barrier.wait()

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        _run_threads(use_pyplot)
        plt.figure()
        plt.plot([1.0, 2.0])  # the main thread: never warned
        plt.close("all")
    ours = [str(w.message) for w in caught if issubclass(w.category, TFPlotGuardWarning)]
    assert sorted(m.split("'")[1] for m in ours) == sorted(f"plotter-{i}" for i in range(THREADS))
    assert all("matplotlib.figure.Figure()" in m and "main thread" in m for m in ours)


def test_every_sequential_pyplot_thread_is_warned(guarded):
    """CPython reuses a thread's ident as soon as it ends: the once-per-thread key must not be the ident."""
    idents = []

    def use_pyplot():
        idents.append(threading.get_ident())
        plt.close(plt.figure())

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for i in range(10):
            worker = threading.Thread(target=use_pyplot, name=f"seq-{i}")
            worker.start()
            worker.join()
    ours = [w for w in caught if issubclass(w.category, TFPlotGuardWarning)]
    assert len(ours) == 10, f"{len(ours)} warnings for 10 threads ({len(set(idents))} distinct idents)"


# -- the %%tfcheck sampler thread ----------------------------------------------------------------------


_WAIT_FOR_INTERRUPT = (
    "for _ in range(1000):\n"  # the pending interrupt is delivered at the next bytecode
    "    time.sleep(0.005)\n"
    "ran = 'not interrupted'\n"
)

SAMPLER_CELLS = {
    "ValueError": ("raise ValueError('boom')", ValueError),
    "interrupt_main": ("import _thread, time\n_thread.interrupt_main()\n" + _WAIT_FOR_INTERRUPT, KeyboardInterrupt),
    "SIGINT": ("import os, signal, time\nos.kill(os.getpid(), signal.SIGINT)\n" + _WAIT_FOR_INTERRUPT,
               KeyboardInterrupt),
    "SystemExit": ("raise SystemExit(3)", SystemExit),
    "nested failing %%tfcheck": (
        "get_ipython().run_cell_magic('tfcheck', '--interval 1 --quiet', 'inner = 1\\nraise KeyError(inner)')",
        KeyError),
    "generator closed mid-cell": (
        "def gen():\n    yield 1\n    raise GeneratorExit\nlist(gen())", GeneratorExit),
}


@pytest.fixture
def interruptible():
    """Python's own SIGINT handler (a Jupyter kernel's interrupt raises KeyboardInterrupt the same way).

    A process started as a background job of a non-interactive shell inherits SIGINT ignored, and
    Python then installs no handler: interrupt_main() and SIGINT would do nothing.
    """
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


@pytest.mark.parametrize("name", list(SAMPLER_CELLS))
def test_sampler_thread_stops_whatever_ends_the_cell(tfcheck, interruptible, name):
    body, expected = SAMPLER_CELLS[name]
    threads_before = {t.ident for t in threading.enumerate()}
    with capture_output() as cap, warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="To exit")  # IPython's answer to SystemExit in a cell
        result = tfcheck.run_cell("%%tfcheck --interval 1\n" + body)
    error = result.error_in_exec
    if expected is SystemExit:
        # IPython reports SystemExit from a cell as "To exit: use 'exit', 'quit', or Ctrl-D."
        assert error is None or isinstance(error, SystemExit), repr(error)
    else:
        assert isinstance(error, expected), repr(error)
    assert "ran" not in tfcheck.user_ns
    assert_parked()
    assert not new_threads(threads_before), "a thread was left running"
    reports = _report.reports()
    assert reports and not reports[-1].ok, "the failing cell was not reported as failed"
    assert expected.__name__ in reports[-1].error
    assert "FAILED" in cap.stdout or any("FAILED" in o.data.get("text/plain", "") for o in cap.outputs)


def test_sampler_not_started_for_a_cell_that_does_not_compile(tfcheck):
    with capture_output():
        result = tfcheck.run_cell("%%tfcheck --interval 1\nran = (")
    assert isinstance(result.error_in_exec, SyntaxError) or result.error_before_exec is not None
    assert not sampler_threads() and _report.reports() == []


def test_many_sampled_cells_leave_no_sampler_thread(tfcheck):
    """50 measured cells (every other one failing) leave the one parked sampler and no other new thread."""
    threads_before = {t.ident for t in threading.enumerate()}
    with capture_output():
        for i in range(50):
            tfcheck.run_cell(f"%%tfcheck --interval 1 --quiet\nran = {i}\n" + ("1 / 0" if i % 2 else ""))
    assert_parked()
    assert len(sampler_threads()) == 1 and not new_threads(threads_before)
    reports = _report.reports()
    assert [r.ok for r in reports[-50:]] == [i % 2 == 0 for i in range(50)]
