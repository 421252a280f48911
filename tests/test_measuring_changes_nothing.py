"""Measuring changes nothing: no signal handler or timer of ours, and an interrupt at any install or
uninstall step of the stack sampler leaves nothing behind."""

from __future__ import annotations

import gc
import signal
import sys
import threading
import time

import pytest

from tfplotguard.check.attribution import StackSampler
from tfplotguard.check.attribution import sampler as sampler_module

CATCHABLE = [s for s in signal.valid_signals() if s not in (signal.SIGKILL, signal.SIGSTOP)]
TIMERS = [signal.ITIMER_REAL, signal.ITIMER_VIRTUAL, signal.ITIMER_PROF]


def _signal_state():
    handlers = {}
    for signum in CATCHABLE:
        try:
            handlers[signum] = signal.getsignal(signum)
        except (ValueError, OSError):
            continue
    return handlers, [signal.getitimer(t) for t in TIMERS]


def test_a_tfcheck_cell_installs_no_handler_and_arms_no_timer(tfcheck):
    tfcheck.user_ns["_signal_state"] = _signal_state
    before = _signal_state()
    result = tfcheck.run_cell("%%tfcheck --quiet\nimport time\nduring = _signal_state()\nt0 = time.perf_counter()\n"
                              "while time.perf_counter() - t0 < 0.15:\n    pass\n")
    result.raise_error()
    assert tfcheck.user_ns["during"] == before
    assert _signal_state() == before


ALARM_CELL = """\
import signal, time
calls = []
def on_alarm(signum, frame):
    calls.append(time.perf_counter() - t0)
old = signal.signal(signal.SIGALRM, on_alarm)
t0 = time.perf_counter()
signal.setitimer(signal.ITIMER_REAL, 0.2)
while time.perf_counter() - t0 < 0.4:
    pass
signal.signal(signal.SIGALRM, signal.SIG_DFL)
t1 = time.perf_counter()
while time.perf_counter() - t1 < 0.05:
    pass
signal.signal(signal.SIGALRM, old)
"""


@pytest.mark.skipif(threading.current_thread() is not threading.main_thread(), reason="signals need the main thread")
def test_the_users_own_alarm_behaves_as_in_a_plain_cell(tfcheck):
    """A cell's own SIGALRM handler runs once, when its timer fires, and SIG_DFL afterwards kills nothing."""
    for magic in ("", "%%tfcheck --quiet\n"):
        result = tfcheck.run_cell(magic + ALARM_CELL)
        result.raise_error()
        calls = tfcheck.user_ns["calls"]
        assert len(calls) == 1 and 0.19 <= calls[0] < 0.4, (magic, calls)


def _clean_state():
    return {
        "threads": {t.name for t in threading.enumerate() if t.name == StackSampler.NAME},
        "gc_callbacks": [cb for cb in gc.callbacks if type(cb).__module__.startswith("tfplotguard")],
        "gc_enabled": gc.isenabled(),
        "switch": sys.getswitchinterval(),
    }


def _steps(monkeypatch):
    """Every seam the sampler passes through in one start() and stop(), in order."""
    seen = []
    monkeypatch.setattr(sampler_module, "_seam", seen.append)
    s = StackSampler("<cell>").start()
    time.sleep(0.01)
    s.stop()
    return seen


def test_an_interrupt_at_any_step_of_start_or_stop_leaves_nothing(monkeypatch):
    steps = _steps(monkeypatch)
    assert steps == ["switch interval", "gc callback", "thread", "started", "join"]
    clean = _clean_state()
    for victim in range(len(steps)):
        calls = []

        def seam(step, victim=victim, calls=calls):
            calls.append(step)
            if len(calls) - 1 == victim:
                raise KeyboardInterrupt

        monkeypatch.setattr(sampler_module, "_seam", seam)
        s = StackSampler("<cell>")
        try:
            s.start()
            time.sleep(0.005)
            s.stop()
        except KeyboardInterrupt:
            pass
        if s._undo is not None:  # interrupted after start() returned: the cell's own stop() still runs
            monkeypatch.setattr(sampler_module, "_seam", lambda step: None)
            s.stop()
        deadline = time.monotonic() + 2
        while _clean_state()["threads"] and time.monotonic() < deadline:
            time.sleep(0.01)  # a thread told to stop while its join was interrupted ends by itself
        assert _clean_state() == clean, (steps[victim], _clean_state())
        # and the next measurement runs normally
        monkeypatch.setattr(sampler_module, "_seam", lambda step: None)
        with StackSampler("<cell>") as fresh:
            time.sleep(0.02)
        assert fresh.result().samples > 0


CELL_STEPS = ["probes", "op probe", "stack sampler", "cpu meter", "started"]


def _installed(tf):
    """What a measurement installs, as the tests can see it from outside."""
    from mpl_targets import snapshot_patch_targets
    from tensorflow.python.eager import context, execute

    from tfplotguard.check.cpu.ticker import TICKER

    return {
        "ticker busy": TICKER.busy,
        "stack threads": sorted(t.name for t in threading.enumerate() if t.name == StackSampler.NAME),
        "gc callbacks": [type(cb).__name__ for cb in gc.callbacks if type(cb).__module__.startswith("tfplotguard")],
        "op callbacks": [cb for cb in context.context().op_callbacks if "tfplotguard" in getattr(cb, "__module__", "")],
        "execute": execute.execute.__name__,  # TensorFlow swaps it while any op callback is registered
        "numpy": type(tf.constant(1.0)).numpy.__module__,
        "matplotlib": snapshot_patch_targets(),
        "switch": sys.getswitchinterval(),
    }


@pytest.mark.parametrize("step", CELL_STEPS)
def test_an_interrupt_at_any_step_of_a_cells_measurement_leaves_nothing(tfcheck, monkeypatch, step):
    import tensorflow as tf

    from tfplotguard.check import cell as cell_module

    seen = []
    monkeypatch.setattr(cell_module, "_seam", seen.append)
    tfcheck.run_cell("%%tfcheck --quiet\nx = 1\n").raise_error()
    assert seen == CELL_STEPS
    clean = _installed(tf)

    def interrupt(at):
        if at == step:
            raise KeyboardInterrupt

    monkeypatch.setattr(cell_module, "_seam", interrupt)
    result = tfcheck.run_cell("%%tfcheck --quiet\nran = 1\n")
    assert isinstance(result.error_in_exec, KeyboardInterrupt) and "ran" not in tfcheck.user_ns
    assert _installed(tf) == clean
    monkeypatch.setattr(cell_module, "_seam", lambda at: None)
    tfcheck.run_cell("%%tfcheck --quiet -o after\nimport time\ntime.sleep(0.03)\n").raise_error()
    report = tfcheck.user_ns["after"]
    assert report.ok and report.attribution["samples"] > 0 and report.wall_s >= 0.03
    assert _installed(tf) == clean


CHURN = """\
import gc
class C:
    dels = 0
    def __init__(self):
        self.me = self
    def __del__(self):
        type(self).dels += 1
for k in range(4000):
    C()
gc.collect()
dels = C.dels
gc.disable()
off = gc.isenabled()
gc.enable()
on = gc.isenabled()
"""


def test_the_sampler_never_shows_the_cell_a_paused_collector_or_keeps_its_garbage(tfcheck):
    """A look hands the GIL to the cell only with every frame dropped and the collector as the cell left it.

    The soak found it: a file read inside the look (Python < 3.12 pauses the collector for a look)
    let the cell's own gc.collect() miss an object it had just dropped, in 12-64 of 150 cells.
    """
    for _ in range(40):
        tfcheck.run_cell("%%tfcheck --quiet\n" + CHURN).raise_error()
        assert (tfcheck.user_ns["dels"], tfcheck.user_ns["off"], tfcheck.user_ns["on"]) == (4000, False, True)
