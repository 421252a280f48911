"""The stack sampler itself: accuracy against a known split, sample counts, weights, lifecycle, reliability."""

import json
import sys
import threading
import time

import matplotlib.pyplot as plt
import pytest

from attribution_cells import CELL, register_source, run_cell
from tfplotguard.check.attribution import Attribution, StackSampler
from tfplotguard.check.sampler import SAMPLER_THREAD

SPLIT_CELL = """\
t0 = time.perf_counter()
while time.perf_counter() - t0 < 0.3:
    fig, ax = plt.subplots()
    plt.close(fig)
t1 = time.perf_counter()
s = 0
while time.perf_counter() - t1 < 0.7:
    s += 1
t2 = time.perf_counter()
"""


def _samplers():
    return [t for t in threading.enumerate() if t.name == StackSampler.NAME]


#: Both timers: SIGALRM's handler on the main thread (the default there), and the sampler thread.
both_timers = pytest.mark.parametrize("timer", ["signal", "thread"])


@both_timers
def test_known_split_within_ten_points(timer):
    """~300 ms of figure creation then ~700 ms of a pure-Python loop (which holds the GIL)."""
    ns = {"time": time, "plt": plt}
    got = run_cell(SPLIT_CELL, ns, timer=timer)
    assert got.extra["timer"] == timer
    mpl_truth = (ns["t1"] - ns["t0"]) / got.wall_s
    cell_truth = (ns["t2"] - ns["t1"]) / got.wall_s
    mpl = got.share("mpl_figure") + got.share("mpl_artists")
    assert abs(mpl - mpl_truth) <= 0.10, (mpl, mpl_truth)
    assert abs(got.share("cell") - cell_truth) <= 0.10, (got.share("cell"), cell_truth)
    lines = {row.line: row for row in got.lines}
    assert lines[3].category == "mpl_figure"
    loop = [lines[n] for n in (7, 8) if n in lines]
    assert all(row.category == "cell" for row in loop)
    assert abs(sum(row.share for row in loop) - cell_truth) <= 0.10


def test_shares_add_up_to_the_wall_time_with_unattributed():
    got = run_cell("time.sleep(0.05)\n", {"time": time})
    assert sum(c.seconds for c in got.categories) == pytest.approx(got.wall_s, rel=1e-9)
    assert sum(c.share for c in got.categories) == pytest.approx(1.0)
    assert got.seconds("unattributed") > 0  # the end of the cell, after the last sample
    assert got.seconds("unattributed") == pytest.approx(got.extra["tail_s"], abs=1e-9)


class LateSampler(StackSampler):
    """A sampler thread that gets going 100 ms late, as one the OS schedules late does."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, timer="thread", **kwargs)

    def _run(self):
        time.sleep(0.1)
        super()._run()


def test_a_late_first_look_weighs_the_time_since_start_like_any_gap():
    """CI once saw a 0.3 s cell 41 % unattributed: the time before the first look was never counted."""
    src = "t0 = time.perf_counter()\nwhile time.perf_counter() - t0 < 0.25:\n    pass\n"
    register_source(src)
    with LateSampler(CELL) as sampler:
        exec(compile(src, CELL, "exec"), {"time": time})
    got = sampler.result()
    assert got.extra["first_look_s"] >= 0.1
    assert got.share("unattributed") < 0.05, [(c.id, round(c.share, 2)) for c in got.categories]
    assert got.share("cell") > 0.9


@both_timers
@pytest.mark.parametrize("cell", ["time.sleep(0.1)\n", "t0 = time.perf_counter()\nwhile time.perf_counter() - t0 < 0.1:\n    pass\n"])
def test_a_100_ms_cell_gets_at_least_50_samples(cell, timer):
    """Sleeping (GIL released) and a pure-Python loop (GIL held: the switch interval is lowered meanwhile).

    The median of three cells: the machine is shared, and a sampler thread the OS does not
    schedule takes no samples, whatever the design.
    """
    before = sys.getswitchinterval()
    runs = [run_cell(cell, {"time": time}, timer=timer) for _ in range(3)]
    counts = sorted(got.samples for got in runs)
    assert counts[1] >= 50, counts
    assert runs[0].interval_s == 0.001
    assert sys.getswitchinterval() == before


@both_timers
def test_samples_are_weighted_by_time_not_counted(timer):
    """A C call holding the GIL delays the sampler: the one late sample carries the whole wait."""
    src = "import re\nt0 = time.perf_counter()\nre.match(r'(a+)+$', 'a' * 23 + 'b')\nt1 = time.perf_counter()\n"
    ns = {"time": time}
    got = run_cell(src, ns, timer=timer)
    held = ns["t1"] - ns["t0"]
    assert held > 0.05  # the regex backtracks in C for a while, holding the GIL
    line3 = next(row for row in got.lines if row.line == 3)
    assert line3.seconds >= 0.8 * held


def test_the_cells_thread_is_sampled_not_the_main_thread():
    out = {}

    def worker():
        out["att"] = run_cell("t0 = time.perf_counter()\nwhile time.perf_counter() - t0 < 0.15:\n    pass\n",
                              {"time": time})

    t = threading.Thread(target=worker)
    t.start()
    t.join()
    assert out["att"].share("cell") >= 0.9


@both_timers
def test_other_threads_are_summarised_by_name(timer):
    src = ("def spin():\n    t0 = time.perf_counter()\n    while time.perf_counter() - t0 < 0.15:\n        pass\n"
           "w = threading.Thread(target=spin, name='spinner')\nw.start()\nw.join()\n")
    got = run_cell(src, {"time": time, "threading": threading}, timer=timer)
    spinner = next(t for t in got.threads if t.name == "spinner")
    assert spinner.categories.get("cell", 0) >= 0.1
    assert spinner.frames[0]["function"] == "spin"
    assert got.share("waiting") >= 0.6  # the cell's own thread sat in join()


@both_timers
def test_a_cell_that_raises_leaves_nothing_sampling(timer):
    register_source("time.sleep(0.02)\n1 / 0\n")
    code = compile("time.sleep(0.02)\n1 / 0\n", CELL, "exec")
    sampler = StackSampler(CELL, timer=timer)
    with pytest.raises(ZeroDivisionError):
        with sampler:
            exec(code, {"time": time})
    assert not sampler.running and not _samplers()
    got = sampler.result()
    assert got.samples > 5 and got.wall_s >= 0.02
    samples = got.samples
    time.sleep(0.01)
    assert sampler.samples == samples


def test_nested_samplers_and_stop_twice():
    """The outer sampler takes SIGALRM (its watcher rides the parked thread); an inner one finds it taken and uses a thread."""
    import signal

    with StackSampler(CELL, timer="signal") as outer:
        assert SAMPLER_THREAD.busy and not _samplers()
        with StackSampler(CELL) as inner:
            time.sleep(0.02)
            assert (outer.timer, inner.timer) == ("signal", "thread")
            assert len(_samplers()) == 1
        assert not _samplers() and outer.running
    assert not outer.running and signal.getsignal(signal.SIGALRM) is signal.SIG_DFL
    assert not SAMPLER_THREAD.busy
    assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)
    first = outer.stop()
    assert outer.stop() == first and inner.result().samples > 0 and first.samples > 0


@both_timers
def test_cell_starting_a_thread_that_outlives_it(timer):
    """The sampler stops with the cell, whatever threads the cell left running."""
    stop = threading.Event()
    got = run_cell("w = threading.Thread(target=stop.wait, daemon=True)\nw.start()\ntime.sleep(0.02)\n",
                   {"time": time, "threading": threading, "stop": stop}, timer=timer)
    try:
        assert not _samplers() and got.samples > 5 and got.extra["timer"] == timer
    finally:
        stop.set()


def test_start_twice_and_bad_arguments():
    s = StackSampler(CELL).start()
    try:
        with pytest.raises(RuntimeError):
            s.start()
    finally:
        s.stop()
    with pytest.raises(ValueError):
        StackSampler(CELL, interval_s=0)
    with pytest.raises(ValueError):
        StackSampler(CELL, interval_s=0.01, max_gap_s=0.001)


@both_timers
def test_memory_is_bounded_by_lines_not_by_samples(timer):
    src = "t0 = time.perf_counter()\nwhile time.perf_counter() - t0 < 0.2:\n    pass\n"
    with StackSampler(CELL, timer=timer) as sampler:
        register_source(src)
        exec(compile(src, CELL, "exec"), {"time": time})
    assert sampler.samples > 50 and len(sampler._lines) <= 3  # counters per line, however many samples


def test_result_round_trips_through_json():
    got = run_cell(SPLIT_CELL.replace("0.7", "0.05").replace("0.3", "0.05"), {"time": time, "plt": plt})
    data = json.loads(json.dumps(got.to_dict()))
    assert Attribution.from_dict(data) == got
    assert data["samples"] == got.samples and data["categories"][0]["share"] > 0
    assert {"line", "source", "seconds", "share", "category"} <= set(data["lines"][0])


@both_timers
def test_long_cells_are_sampled_ever_more_sparsely(timer):
    """An interval of the cell's age / 50: a 0.5 s cell gets ~165 samples, not 500; fixed interval on request."""
    sparse = run_cell("time.sleep(0.5)\n", {"time": time}, timer=timer)
    dense = run_cell("time.sleep(0.5)\n", {"time": time}, age_divisor=None, timer=timer)
    assert 110 <= sparse.samples <= 260, sparse.samples
    assert dense.samples >= 380 and dense.samples > sparse.samples + 100, dense.samples
    assert sparse.share("cell") >= 0.97  # fewer samples, the same time: the weights carry it



def test_the_signal_timer_grows_its_interval_in_a_few_steps(monkeypatch):
    """Each change of the interval is a timer_settime (~35 µs on a VM): a 0.5 s cell re-arms ~8 times, not at every look."""
    from tfplotguard.check.attribution import alarm

    armed = []
    arm = alarm.ThreadAlarm.arm

    def counting_arm(self, interval_s):
        armed.append(interval_s)
        arm(self, interval_s)

    monkeypatch.setattr(alarm.ThreadAlarm, "arm", counting_arm)
    result = run_cell("time.sleep(0.5)\n", {"time": time}, timer="signal")
    assert result.extra["timer"] == "signal"
    # 1 ms to the 10 ms a 0.5 s cell reaches (age / 50), by factors of √2: 1 + 7 arms.
    assert 2 <= len(armed) <= 9, armed
    assert all(b / a == pytest.approx(2 ** 0.5) for a, b in zip(armed, armed[1:])), armed
    assert 110 <= result.samples <= 200, result.samples  # as the sparse sampling test wants: fewer looks, not more


def test_a_collection_at_the_end_of_the_cell_is_garbage_collection_not_unattributed():
    """A full collection holds the GIL: no look lands in it, and when it is the cell's last
    statement the cell ends before the next look. Its time is known from ``gc.callbacks``."""
    import gc

    callbacks = list(gc.callbacks)
    ns = {}
    got = run_cell("import gc, time\nheap = [[i] for i in range(300_000)]\nt0 = time.perf_counter()\n"
                   "gc.collect()\ncollect_s = time.perf_counter() - t0\n", ns)
    shares = [(c.id, round(c.seconds, 3)) for c in got.categories]
    assert got.seconds("gc") >= 0.8 * ns["collect_s"], (ns["collect_s"], got.extra, shares)
    assert got.seconds("unattributed") < 0.1 * got.wall_s, (got.extra, shares)
    assert got.extra["gc_full_collections"] >= 1 and got.extra["gc_s"] >= got.seconds("gc") - 1e-9
    assert sum(c.seconds for c in got.categories) == pytest.approx(got.wall_s)
    assert gc.callbacks == callbacks  # the sampler's callback is gone with it


def test_the_gc_callback_is_never_a_sample_of_its_own():
    """An allocating loop runs the collector (and the sampler's gc callback) thousands of times;
    the callback's first bytecodes hand the GIL to the waiting sampler, which once filed 30-50 %
    of such a cell under "tfplotguard". Its samples are the allocating line's."""
    got = run_cell("keep = []\nt0 = time.perf_counter()\nwhile time.perf_counter() - t0 < 0.3:\n"
                   "    keep.extend([] for _ in range(100))\n    if len(keep) > 100_000:\n        keep = []\n",
                   {"time": time})
    assert got.extra["gc_collections"] > 100  # what the test is about: the collector ran throughout
    assert got.share("tfplotguard") < 0.05, [(c.id, round(c.share, 3)) for c in got.categories]
    assert got.share("cell") > 0.6, [(c.id, round(c.share, 3)) for c in got.categories]


_DEADLOCK_SCRIPT = """\
import threading, time
from tfplotguard.check.attribution import StackSampler

class Holder:
    pass

def garbage():  # a cycle holding a threading.local: freeing it takes CPython's thread-list lock
    h = Holder(); h.local = threading.local(); h.me = h

code = compile("t0 = time.perf_counter()\\nwhile time.perf_counter() - t0 < 1.5:\\n    garbage()\\n", "<cell>", "exec")
for _ in range(2):
    with StackSampler("<cell>", interval_s=0.0002, age_divisor=None, timer=TIMER):
        exec(code, {"time": time, "garbage": garbage})
print("OK")
"""


@both_timers
def test_sampling_a_cell_that_frees_thread_locals_never_hangs_the_process(timer):
    """python/cpython#106883: before 3.12 a collection inside ``sys._current_frames()`` that frees
    a ``threading.local`` deadlocks the process. Without the sampler's guard this script hung
    within its first second every time (a kernel stuck in a %%tfcheck cell, twice, in real runs)."""
    import subprocess

    try:
        proc = _run_script(f"TIMER = {timer!r}\n" + _DEADLOCK_SCRIPT, timeout=90)
    except subprocess.TimeoutExpired:
        pytest.fail("the sampled process hung: a garbage collection inside sys._current_frames() deadlocked")
    assert proc.returncode == 0 and proc.stdout.strip() == "OK", proc.stdout + proc.stderr


_HALF_MADE_FRAME_SCRIPT = """\
import os, time, warnings
from tfplotguard.check.attribution import StackSampler
warnings.simplefilter("ignore", ResourceWarning)

class Holder:
    pass

def garbage():  # a cycle holding an open file: the collector's finalizer closes it with the GIL released
    h = Holder(); h.me = h; h.file = open(os.devnull, "rb")

def deep(n):  # a deep stack that keeps returning: every look makes frame objects for it
    if n:
        return deep(n - 1)
    for _ in range(20):
        garbage()

t0 = time.perf_counter()
while time.perf_counter() - t0 < 10:
    # The thread timer: the hazard is one thread walking another's stack (the signal timer walks its own).
    with StackSampler(None, interval_s=0.0002, age_divisor=None, timer="thread"):
        for _ in range(50):
            deep(40)
print("OK")
"""


def _run_script(script: str, timeout: float, faulthandler: bool = True) -> "subprocess.CompletedProcess":
    import os
    import subprocess

    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([root, os.environ.get("PYTHONPATH", "")]))
    env.pop("PYTHONFAULTHANDLER", None)
    flags = ["-X", "faulthandler"] if faulthandler else []
    return subprocess.run([sys.executable, *flags, "-c", script], capture_output=True, text=True,
                          env=env, timeout=timeout)


def test_sampling_a_stack_while_finalizers_release_the_gil_never_crashes_the_process():
    """Before 3.12 each ``f_back`` the sampler reads allocates a frame object, and a collection
    started by that allocation ran a finalizer (an unreachable open file closing) that handed
    the GIL to the sampled thread; that thread returned from the frame whose object was half
    made, and the sampler's next ``f_back`` read freed memory: SIGSEGV in CI (exit 139). This
    script crashed within 1-5 s every time (3 of 3 runs) until the collector was kept off for
    the whole look."""
    proc = _run_script(_HALF_MADE_FRAME_SCRIPT, timeout=120)
    assert proc.returncode == 0 and proc.stdout.strip() == "OK", (proc.returncode, proc.stdout + proc.stderr[-3000:])


def test_the_signal_timer_needs_the_main_thread_and_a_free_sigalrm():
    import signal

    with pytest.raises(ValueError, match="timer must be one of"):
        StackSampler(CELL, timer="fast")
    out = {}

    def worker():
        try:
            StackSampler(CELL, timer="signal").start()
        except RuntimeError as exc:
            out["error"] = str(exc)
        with StackSampler(CELL) as auto:
            time.sleep(0.01)
        out["auto"] = auto.timer

    t = threading.Thread(target=worker)
    t.start()
    t.join()
    assert "outside the main thread" in out["error"] and out["auto"] == "thread"
    previous = signal.signal(signal.SIGALRM, signal.SIG_IGN)
    try:
        with pytest.raises(RuntimeError, match="SIGALRM already has a handler"):
            StackSampler(CELL, timer="signal").start()
    finally:
        signal.signal(signal.SIGALRM, previous)


def test_a_cell_that_takes_sigalrm_keeps_it_and_is_not_ticked_after_the_cell():
    """The cell installs its own handler mid-cell: from then on the signal is the user's; at the
    end the sampler's timer is stopped and the user's handler stays."""
    import signal

    calls = []
    ns = {"signal": signal, "time": time, "calls": calls}
    previous = signal.getsignal(signal.SIGALRM)
    try:
        got = run_cell("time.sleep(0.03)\nsignal.signal(signal.SIGALRM, lambda s, f: calls.append(s))\n"
                       "time.sleep(0.03)\n", ns, timer="signal")
        assert got.extra["timer"] == "signal" and got.samples > 5
        assert signal.getsignal(signal.SIGALRM) is not previous  # the user's handler is still there
        assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)  # but our ticks have stopped
        seen = len(calls)
        time.sleep(0.05)
        assert len(calls) == seen
    finally:
        signal.signal(signal.SIGALRM, previous)


def test_a_timer_the_cell_sets_for_its_own_handler_is_left_running():
    import signal

    ns = {"signal": signal, "time": time}
    previous = signal.getsignal(signal.SIGALRM)
    try:
        run_cell("time.sleep(0.02)\nsignal.signal(signal.SIGALRM, lambda s, f: None)\n"
                 "signal.setitimer(signal.ITIMER_REAL, 30.0)\n", ns, timer="signal")
        remaining = signal.getitimer(signal.ITIMER_REAL)[0]
        assert 29 < remaining <= 30  # the user's alarm, not ours: untouched
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


_ONEDNN_GEMM_SCRIPT = """
import ctypes, signal, time
import tensorflow as tf
import keras
from tfplotguard.check.attribution import StackSampler

class stack_t(ctypes.Structure):
    _fields_ = [("ss_sp", ctypes.c_void_p), ("ss_flags", ctypes.c_int), ("ss_size", ctypes.c_size_t)]
libc = ctypes.CDLL(None)
def alt_stack():
    got = stack_t()
    assert libc.sigaltstack(None, ctypes.byref(got)) == 0
    return "off" if got.ss_flags & 2 else got.ss_size

model = keras.Sequential([keras.Input((32,)), keras.layers.Dense(64, activation="relu"), keras.layers.Dense(1)])
optimizer = keras.optimizers.SGD(0.01)
X = tf.random.stateless_normal((256, 32), seed=[1, 2])
Y = tf.reduce_sum(X[:, :4], axis=1, keepdims=True)

@tf.function
def train_step(x, y):
    with tf.GradientTape() as tape:
        loss = tf.reduce_mean(tf.square(model(x) - y))
    grads = tape.gradient(loss, model.trainable_variables)
    optimizer.apply_gradients(zip(grads, model.trainable_variables))
    return loss

train_step(X, Y)
tf.config.run_functions_eagerly(True)
before = alt_stack()
samples = 0
t0 = time.perf_counter()
while time.perf_counter() - t0 < 3.0:
    with StackSampler(None, timer="signal") as sampler:
        during = alt_stack(), signal.getitimer(signal.ITIMER_REAL)
        for step in range(20):
            train_step(X, Y)
    samples += sampler.samples
print(before, during[0] != "off" and during[0] >= 32768, during[1], alt_stack(), samples > 1000)
"""


def test_the_signal_timer_survives_onednn_kernels_that_point_rsp_into_the_heap():
    """oneDNN's JIT GEMM (TensorFlow's CPU matmul) points ``rsp`` into the heap while it runs; a
    signal landing there wrote its frame into the heap, and glibc aborted ("corrupted size vs.
    prev_size", exit -6) within 0.4-1.2 s of an eager training loop, in every run, under the
    process-wide ``setitimer`` timer. No faulthandler here: its alternate stack (which pytest's
    process has) hid the bug. The fix: an alternate stack of the sampler's own, and a signal
    aimed at the cell's thread alone (no process-wide itimer), both gone after the cell."""
    proc = _run_script(_ONEDNN_GEMM_SCRIPT, timeout=240, faulthandler=False)
    assert proc.returncode == 0, (proc.returncode, proc.stdout + proc.stderr[-3000:])
    assert proc.stdout.split("\n")[-2] == "off True (0.0, 0.0) off True", proc.stdout


def test_the_alternate_stack_is_installed_for_the_thread_and_given_back():
    """A new thread has no alternate stack: it gets the sampler's, and none again afterwards. A
    thread whose own stack is too small gets it back; one with a big enough stack keeps it."""
    import ctypes

    from tfplotguard.check.attribution.alarm import AltStack, _needed_size, _StackT, unavailable

    assert unavailable() is None
    libc = ctypes.CDLL(None)
    libc.sysconf.restype = ctypes.c_long
    # Small, but not below what the kernel accepts: once TensorFlow has asked for AMX (the test
    # process's earlier tests did), the kernel refuses stacks under its larger signal frame.
    small_size = max(16384, libc.sysconf(249) + 4096)  # _SC_MINSIGSTKSZ
    assert small_size < _needed_size()
    small = ctypes.create_string_buffer(small_size)
    big = ctypes.create_string_buffer(1 << 20)

    def state():
        got = _StackT()
        assert libc.sigaltstack(None, ctypes.byref(got)) == 0
        return None if got.ss_flags & 2 else (got.ss_sp, got.ss_size)

    def set_stack(buf):
        assert libc.sigaltstack(ctypes.byref(_StackT(ctypes.addressof(buf), 0, ctypes.sizeof(buf))), None) == 0

    seen = {}

    def worker():
        stack = AltStack()
        seen["new"] = state()
        stack.install()
        seen["ours"] = state()
        stack.restore()
        seen["after"] = state()
        set_stack(small)
        stack.install()
        seen["over small"] = state()
        stack.restore()
        seen["small again"] = state()
        set_stack(big)
        stack.install()
        seen["big kept"] = state()
        stack.restore()
        seen["big after"] = state()
        libc.sigaltstack(ctypes.byref(_StackT(None, 2, 0)), None)

    t = threading.Thread(target=worker)
    t.start()
    t.join()
    assert seen["new"] is None and seen["after"] is None
    assert seen["ours"] is not None and seen["ours"][1] >= 256 * 1024
    assert seen["over small"] == seen["ours"]
    assert seen["small again"] == (ctypes.addressof(small), small_size)
    assert seen["big kept"] == seen["big after"] == (ctypes.addressof(big), 1 << 20)


def test_auto_falls_back_to_the_thread_when_the_kernel_refuses_the_signal_timer(monkeypatch):
    """timer_create can fail (EAGAIN: the process is out of timers); auto then samples with the
    thread, an explicit signal timer says why it cannot run, and neither leaves a stack or a handler."""
    import ctypes
    import errno
    import signal

    from tfplotguard.check.attribution import alarm

    def refuse(native_id):
        raise OSError(errno.EAGAIN, "timer_create failed: Resource temporarily unavailable")

    libc = ctypes.CDLL(None)
    before = alarm._StackT()
    libc.sigaltstack(None, ctypes.byref(before))
    monkeypatch.setattr(alarm, "ThreadAlarm", refuse)
    with StackSampler(CELL) as auto:
        time.sleep(0.02)
    assert auto.timer == "thread" and auto.result().samples > 5
    with pytest.raises(RuntimeError, match="signal timer cannot run here: .*timer_create failed"):
        StackSampler(CELL, timer="signal").start()
    after = alarm._StackT()
    libc.sigaltstack(None, ctypes.byref(after))
    assert (after.ss_sp, after.ss_flags, after.ss_size) == (before.ss_sp, before.ss_flags, before.ss_size)
    assert signal.getsignal(signal.SIGALRM) is signal.SIG_DFL
