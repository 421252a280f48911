"""A stack sampler for one cell: where the cell's wall time went, by category and by cell line.

While a cell runs, the sampler looks every ``interval_s`` (default 1 ms) at
the stack of the cell's thread (the thread that called :meth:`StackSampler.start`,
not necessarily the main thread) and of every other Python thread, and classifies
them (:mod:`.categories`). Each look weighs the wall time since the previous one,
not one count: a look needs the GIL, so a C call holding the GIL delays it, and
an equal weight per look would under-count exactly that code. Only counters are
kept (category → seconds, line → seconds per category, thread name → category
seconds and top frames), never stacks, so memory does not grow with the cell.

Two timers pace the looks (``timer``):

- ``"signal"``: a periodic ``SIGALRM`` aimed at the cell's thread alone and
  taken on an alternate signal stack (:mod:`.alarm`: a process-wide
  ``setitimer`` signal landing in oneDNN's GEMM kernels, which point ``rsp``
  into the heap, corrupted it), and a handler, which Python runs in the main
  thread at its next bytecode, with the cell's frame as argument. No thread
  takes the GIL from the cell: against a cell that holds the GIL, each look of
  a sampler thread costs two thread switches, which
  on the project's loaded 2-core VM cost a 1 s pure-Python cell 5-17 % (a bare
  thread waking every 5 ms: 16 %), the signal 1-2 %. Installed as Python
  installs every handler, without ``SA_RESTART``, so Python's own waits (a
  join, a lock, a queue, ``select``) are interrupted, run the handler and go on
  (PEP 475): measured, with ``SA_RESTART`` a 0.2 s ``join()`` got 2 looks, without
  it 28 (the joined thread held the GIL) and a 0.2 s ``queue.get()`` 201.
  Only the main thread of the main interpreter runs signal handlers, and
  ``SIGALRM`` must be unused (:func:`signal_timer_unavailable`). A watcher
  looks at the other threads while the cell waits in C (:meth:`StackSampler._watch`);
  it is a job of the parked ``tfcheck-sampler`` thread, so no thread starts per cell.
- ``"thread"``: a thread of its own, ``tfcheck-stacks``, reads
  ``sys._current_frames()``. The fallback of ``"auto"`` (the default).

A C call that holds the GIL (``tf.constant`` of a nested list spends 97 % of
its 32 µs in ``EagerTensor(...)``) gives the GIL up only at the next check
point of the interpreter, which is often back in the cell's frame (a loop's
back edge): the sample then shows the bare cell line, not the call that took
the time. So samples caught in the cell's own frame, on a line whose other
samples were inside library calls, are moved to those calls' categories in
proportion (see :meth:`Attribution.build`); lines of pure Python keep theirs.

Time that no sample covers is ``unattributed``: from the sampler's last sample
to ``stop()``, and whatever a single gap exceeds ``max_gap_s`` (a sampler
starved for longer cannot say what happened meanwhile). It is never spread over
the other categories. The first sample weighs the time since ``start()``, like
every later sample weighs the gap before it: a sampler thread the OS schedules
late, or a garbage collection holding the GIL before its first look, once left
a 0.3 s cell 41 % unattributed in CI; how late the first look was is kept
in ``extra["first_look_s"]``, the uncovered tail in ``extra["tail_s"]``, and the
longest gap between two looks in ``extra["longest_gap_s"]`` (ending ``longest_gap_end_s``
after ``start()``).

Python's full garbage collections are timed, not sampled: a collection holds
the GIL from start to end, so no look can land in it, and a full collection of a
large heap (0.16 s with TensorFlow and Keras imported) was weighed to whatever
the next look saw, or left unattributed when the cell ended first.
``gc.callbacks`` sums the seconds of full (generation 2) collections while the
sampler runs; each look gives the part of its gap they took to ``gc`` (the rest
to the stack it sees), and a collection after the last look is ``gc`` too
(``extra["gc_s"]``, ``gc_full_collections``). Young collections stay with the
samples of the code that allocated (see :class:`_GcClock`).

With the thread timer, while sampling at the fine interval, ``sys.setswitchinterval`` is lowered to
half the sampling interval (and restored once the interval has grown past
twice the old value, or at ``stop()``; not if someone else changed it
meanwhile): with CPython's default 5 ms a pure-Python cell hands the GIL to the
sampler only every 5 ms, so a 100 ms cell got 20 samples instead of the 50+
wanted; at the full interval, 52-55 (measured), too close.

Where the looks run: the signal timer's watcher is a job of the parked
``tfcheck-sampler`` thread of :mod:`tfplotguard.check.sampler` (which takes a
``/proc`` snapshot only for the jobs that want one, the CPU meter's, every
100 ms), so a cell starts no thread for it: a thread started and joined per
cell cost ~0.3 ms of the cell's fixed overhead. The thread timer keeps a
thread of its own, started per cell and joined at ``stop()``: it is the
fallback, it paces its looks by deadline and lowers the switch interval, and
moving it was not worth the risk without a measurement that asks for it. The
stack sampler skips the parked thread's and its own stacks.

The cell's thread also gets a **category timeline** (``--plot``'s second
panel): seconds per category per time bucket since ``start()``. It is bounded:
at most ``timeline_buckets`` (200) buckets, starting ``timeline_bucket_s`` (5 ms)
wide; when a sample falls past the last one, adjacent buckets are merged
pairwise and the width doubles (a 1 s cell keeps 5 ms buckets, a 100 s cell
640 ms ones). A sample's weight is spread over the buckets its interval
``[now − weight, now]`` spans. The timeline holds the samples as classified,
before :meth:`Attribution.build` moves a line's bare-frame samples to its
library calls, so its totals may differ from ``categories`` by ``extra["moved_s"]``.
"""

from __future__ import annotations

import gc
import signal
import sys
import threading
import time

from ..sampler import SAMPLER_THREAD
from . import alarm, categories
from .callees import line_callees
from .model import Attribution

__all__ = ["StackSampler", "DEFAULT_INTERVAL_S"]

DEFAULT_INTERVAL_S = 0.001
#: The signal timer's interval grows by this factor at a time (see ``StackSampler._grown_signal_step``).
SIGNAL_STEP_GROWTH = 2 ** 0.5
#: The category timeline: at most this many buckets, this wide at first (doubling when full).
TIMELINE_BUCKETS = 200
TIMELINE_BUCKET_S = 0.005
#: Top frames kept per other thread; further distinct frames are summed under "<other frames>".
FRAMES_PER_THREAD = 40
#: Other threads kept by name; further names are summed under "<other threads>".
THREAD_NAMES_LIMIT = 64
_PARKED_NAMES = frozenset(("tfcheck-sampler", "tfcheck-stacks"))  # cellcost's parked thread, and nested samplers


def _thread_by_ident(ident: int):
    active = getattr(threading, "_active", None)  # private, but enumerate() copies every thread
    if active is not None:
        return active.get(ident)
    return next((t for t in threading.enumerate() if t.ident == ident), None)


class _GcClock:
    """Seconds spent in Python's full garbage collections since it was installed (``gc.callbacks``).

    A collection holds the GIL from start to end, so no sample can land in it: a
    full collection of a large heap (0.16 s with TensorFlow and Keras imported,
    0.4-0.9 s in the test process) would otherwise be weighed to whatever the next
    look sees, or left unattributed when the cell ends before that look. Summed
    here, it is the ``gc`` category instead. Young collections (generations 0
    and 1) are left to the samples: they take microseconds each, are part of the
    allocating code's cost, and timing them filed 30 % of a ``json.dumps`` loop
    under "garbage collection", a cost no user can act on.
    """

    __slots__ = ("total", "collections", "full", "last_end", "_began")

    def __init__(self):
        self.total = 0.0
        self.collections = 0  # every collection, young ones included
        self.full = 0
        self.last_end = 0.0
        self._began = None

    def __call__(self, phase, info):
        if phase == "start":
            self._began = time.perf_counter() if info["generation"] == 2 else None
        else:
            self.collections += 1
            if self._began is not None:
                self.last_end = time.perf_counter()
                self.total += self.last_end - self._began
                self.full += 1
                self._began = None


_GC_CALL = _GcClock.__call__.__code__
#: CPython before 3.12 holds its thread-list lock inside ``sys._current_frames()`` while it
#: allocates; a collection started there that frees a ``threading.local`` takes the same lock
#: again and the process hangs for good (python/cpython#106883, fixed in 3.12 by collecting no
#: garbage in that call). Seen here twice as a kernel stuck in a ``%%tfcheck`` cell, the
#: sampler thread in ``gc_collect_main`` under ``_PyThread_CurrentFrames``.
#: Walking another thread's stack is no safer there: each ``f_back`` allocates a frame object,
#: a collection started by that allocation can run a finalizer that hands the GIL away (an
#: unreachable open file closing), and the sampled thread may meanwhile return from the very
#: frame whose object is half made; the object is then finished pointing at freed memory and
#: the next ``f_back`` crashes the process (SIGSEGV in CI; a script that does it within seconds
#: is in tests/test_attribution_sampler.py). 3.12 collects only between bytecodes, never inside
#: an allocation. So before 3.12 the sampler switches the collector off for each whole look
#: (tens of µs; the sampled thread's collections wait until it is on again), unless the user
#: had it off already. The one thing it cannot tell: a ``gc.disable()`` the cell calls in the
#: same microseconds, while the GIL is back with the cell mid-look, is undone by the look's end.
_GC_GUARD = sys.version_info < (3, 12)

TIMERS = ("auto", "signal", "thread")


def signal_timer_unavailable() -> str | None:
    """Why the signal timer cannot sample the calling thread (a sentence), or None if it can.

    It needs a signal aimed at one thread on an alternate stack (:mod:`.alarm`:
    Linux), the main thread of the main interpreter (only it runs Python signal
    handlers), and ``SIGALRM`` unused: its default handler and no real-time
    interval timer running (``signal.alarm``, a test timeout).
    """
    why_not = alarm.unavailable()
    if why_not:
        return why_not
    if threading.current_thread() is not threading.main_thread():
        return "the cell runs outside the main thread"
    try:
        if signal.getsignal(signal.SIGALRM) is not signal.SIG_DFL:
            return "SIGALRM already has a handler"
        if signal.getitimer(signal.ITIMER_REAL) != (0.0, 0.0):
            return "a real-time interval timer is already running"
    except (ValueError, OSError) as exc:
        return f"signals cannot be read here ({exc})"
    return None


class _Watcher:
    """The signal timer's watcher as a job of the parked sampler thread (see :meth:`StackSampler._watch`)."""

    needs_snapshot = False  # it reads stacks, not /proc

    def __init__(self, sampler: "StackSampler"):
        self.sampler = sampler
        self.interval_s = sampler.interval_s
        self.next_due = time.perf_counter() + self.interval_s

    def sample(self, _snap=None) -> None:
        """One wake-up: look if the cell's thread is waiting, and set the next wait."""
        self.interval_s = self.sampler._watch(self.next_due, self.interval_s)

    def fail(self, exc: BaseException) -> None:
        """The cell must not fail because its sampler did: the error goes in the attribution."""
        self.sampler.error = exc


class StackSampler:
    """Samples the stacks of a cell's thread and of every other Python thread while the cell runs.

    Use as ``with StackSampler(cell_filename) as sampler: ...`` then
    ``sampler.result()``, or ``start()`` / ``stop()``. ``cell_filename`` is the
    filename the cell's code was compiled with (its lines are reported).
    ``interval_s`` is the interval while the cell is young; once it has run
    ``age_divisor × interval_s`` the interval grows with the cell's age
    (age / ``age_divisor``: that many samples per e-fold of the age, ~2.3 times
    as many per tenfold) up to ``max_interval_s``: a 100 ms cell gets
    ~80 samples, a 1 s cell ~180 instead of 1000, a 10 s cell ~630 (the signal
    timer's interval grows in steps of √2, :meth:`_grown_signal_step`): each look
    holds the cell's GIL for tens of µs (benchmarks/attribution_bench.py).
    ``age_divisor=None`` keeps ``interval_s`` throughout.
    ``timer``: ``"signal"``, ``"thread"`` or ``"auto"`` (the signal where
    :func:`signal_timer_unavailable` allows, else the thread); after
    :meth:`start`, ``timer`` says which one runs. ``"signal"`` where it cannot
    run raises ``RuntimeError`` saying why.
    ``namespace`` (the cell's globals, ``shell.user_ns``) lets :meth:`result`
    tell which library a line calls when its samples were all caught back in
    the cell's frame (:mod:`.callees`); without it those stay ``cell``.
    """

    NAME = "tfcheck-stacks"

    def __init__(self, cell_filename: str | None = None, interval_s: float = DEFAULT_INTERVAL_S,
                 max_gap_s: float = 1.0, adjust_switch_interval: bool = True, namespace: dict | None = None,
                 age_divisor: int | None = 50, max_interval_s: float = 0.02,
                 timeline_buckets: int = TIMELINE_BUCKETS, timeline_bucket_s: float = TIMELINE_BUCKET_S,
                 timer: str = "auto"):
        if timer not in TIMERS:
            raise ValueError(f"timer must be one of {', '.join(map(repr, TIMERS))}, not {timer!r}")
        if not interval_s > 0:
            raise ValueError(f"interval_s must be > 0, not {interval_s!r}")
        if not max_gap_s >= interval_s:
            raise ValueError(f"max_gap_s must be >= interval_s, not {max_gap_s!r}")
        self.cell_filename = cell_filename
        self.interval_s = float(interval_s)
        self.max_gap_s = float(max_gap_s)
        self.adjust_switch_interval = adjust_switch_interval
        self.namespace = namespace
        self.age_divisor = age_divisor
        self.max_interval_s = max(float(max_interval_s), self.interval_s)
        if not timeline_buckets >= 2 or not timeline_bucket_s > 0:
            raise ValueError("timeline_buckets must be >= 2 and timeline_bucket_s > 0")
        self.timeline_buckets = int(timeline_buckets)
        self._bucket_s = float(timeline_bucket_s)
        self._buckets: list[dict[str, float]] = []  # one {category: seconds} per bucket, oldest first
        self.samples = 0
        #: The sampler's own seconds: the sampler thread's CPU (set when it ends), or the time spent in the
        #: signal handler. Its cost, whatever the machine's load.
        self.cpu_s = 0.0
        self.error: BaseException | None = None
        self._categories: dict[str, float] = {}
        self._lines: dict[int, dict[str, float]] = {}
        self._bare: dict[int, float] = {}  # line → seconds of samples caught in the cell's own frame
        self._threads: dict[str, dict] = {}
        self._first_look = self._last_look = None
        self._longest = (0.0, 0.0)  # (longest gap between looks, its end in seconds since start)
        self._t_start = self._t_stop = None
        self._thread: threading.Thread | None = None
        # A plain lock, held until stop(): a timed acquire wakes ~30 % cheaper than Event.wait
        # (measured: 41 vs 60 µs of CPU per 3 ms wake-up on the project's VM) and returns at once on stop().
        self._stop = threading.Lock()
        self._stop.acquire()
        self._switch = None
        self._target_ident = None
        self._gc = _GcClock()
        self._gc_seen = 0.0  # the collector's seconds already weighed, as of the last look
        self._gc_at_stop = None
        self._names: dict[int, tuple] = {}  # ident → (innermost frame, f_lasti, category, frame key) of the last look
        #: ``"auto"`` until :meth:`start` decides; then ``"signal"`` or ``"thread"``.
        self.timer = timer
        self._armed = None  # the signal timer's current interval, None when disarmed
        self._rearm_at = float("inf")  # when the signal timer's interval next grows (perf_counter)
        self._alarm: alarm.ThreadAlarm | None = None  # its clock: SIGALRM for the cell's thread only
        self._alt_stack: alarm.AltStack | None = None  # where that thread's signal frames go
        self._watcher = None  # the signal timer's watcher, a job on the parked thread (see _watch)
        self._watcher_ident = None  # the thread it runs on
        self._others_last = None  # the other threads' last look: the cell's thread's looks, and the watcher's
        self._looking = threading.Lock()  # held during a look: the handler and the watcher never look at once
        self._old_alarm = None

    # -- lifecycle ---------------------------------------------------------------------------
    def start(self) -> "StackSampler":
        """Start sampling the calling thread (the cell's) and every other Python thread."""
        if self._t_start is not None:
            raise RuntimeError("this StackSampler has already been started")
        self._target_ident = threading.get_ident()
        why_not = signal_timer_unavailable()
        if not why_not and self.timer != "thread":
            # The signal must never land on a thread without an alternate stack: oneDNN's GEMM
            # kernels point rsp into the heap, and a frame written there corrupts it (see alarm.py).
            try:
                self._alt_stack = alarm.AltStack()
                self._alt_stack.install()
                self._alarm = alarm.ThreadAlarm(threading.get_native_id())
            except OSError as exc:  # the kernel refused a timer or a stack: auto falls back to the thread
                self._disarm()
                why_not = str(exc)
        if self.timer == "signal" and why_not:
            raise RuntimeError(f"the signal timer cannot run here: {why_not}; use timer='thread' or 'auto'")
        self.timer = "thread" if why_not or self.timer == "thread" else "signal"
        if self.timer == "thread" and self.adjust_switch_interval:
            old = sys.getswitchinterval()
            if old > self.interval_s / 2:
                sys.setswitchinterval(self.interval_s / 2)
                self._switch = (old, sys.getswitchinterval())
        gc.callbacks.append(self._gc)
        self._t_start = time.perf_counter()
        try:
            if self.timer == "signal":
                self._first_look = self._t_start  # the timer runs from here: no thread to be scheduled late
                # Without SA_RESTART, as every handler Python installs: a wait in Python (join, a queue,
                # a lock, select) is interrupted, runs the handler and resumes (PEP 475), so the cell and
                # its threads are sampled while it waits; with SA_RESTART they were not, until it ended.
                self._old_alarm = signal.signal(signal.SIGALRM, self._on_alarm)
                self._armed = self.interval_s
                self._rearm_at = self._next_rearm(self.interval_s)
                self._alarm.arm(self.interval_s)
                self._watcher = _Watcher(self)
                SAMPLER_THREAD.attach(self._watcher)
                self._watcher_ident = SAMPLER_THREAD.ident
            else:
                self._thread = threading.Thread(target=self._run, name=self.NAME, daemon=True)
                # Thread.start() returns once the thread runs Python; it takes its first look right
                # away. A further handshake cost a thread switch per cell (≈0.5 ms on a loaded machine).
                self._thread.start()
        except BaseException:  # no thread (the process is out of them), no signal: leave nothing of ours behind
            self._detach_watcher()
            self._disarm()
            gc.callbacks.remove(self._gc)
            self._restore_switch_interval()
            raise
        return self

    def stop(self) -> Attribution:
        """Stop sampling, wait for the sampler thread to end (or disarm the timer), and return the :class:`Attribution`."""
        if self._t_stop is None and self._t_start is not None:
            self._t_stop = time.perf_counter()
            self._gc_at_stop = self._gc.total  # no collection runs now: this thread holds the GIL
            self._disarm()
            self._stop.release()
            thread = self._thread
            if thread is not None and thread is not threading.current_thread():
                thread.join()
            self._detach_watcher()
            try:
                gc.callbacks.remove(self._gc)
            except ValueError:  # the user cleared gc.callbacks meanwhile
                pass
            self._restore_switch_interval()
        return self.result()

    def _detach_watcher(self):
        """Take the watcher off the parked thread; a look it is taking now ends before this returns."""
        watcher, self._watcher = self._watcher, None
        if watcher is None:
            return
        SAMPLER_THREAD.detach(watcher)
        with self._looking:  # a look that began before stop() finishes; later ones see _t_stop and drop out
            pass

    def _disarm(self):
        """Stop the signal timer, give ``SIGALRM`` back its old handler (if still ours), and the thread its old alternate stack."""
        clock, self._alarm = self._alarm, None
        if clock is not None:
            clock.close()  # our timer only: a timer or handler the cell set for itself is left alone
        if self._old_alarm is not None and signal.getsignal(signal.SIGALRM) == self._on_alarm:
            # SIG_IGN drops a SIGALRM already raised but not yet delivered; under SIG_DFL it would end the process.
            signal.signal(signal.SIGALRM, signal.SIG_IGN)
            signal.signal(signal.SIGALRM, self._old_alarm)
        stack, self._alt_stack = self._alt_stack, None
        if stack is not None and threading.get_ident() == self._target_ident:
            stack.restore()  # sigaltstack is per thread: only the cell's own can give it back
        self._old_alarm = self._armed = None

    def _restore_switch_interval(self):
        if self._switch is not None:
            old, ours = self._switch
            if sys.getswitchinterval() == ours:  # not if someone else changed it meanwhile
                sys.setswitchinterval(old)
            self._switch = None

    def __enter__(self) -> "StackSampler":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    @property
    def running(self) -> bool:
        """True while the sampler thread is alive or the signal timer is armed."""
        return (self._armed is not None or self._watcher is not None
                or self._thread is not None and self._thread.is_alive())

    # -- sampling ----------------------------------------------------------------------------
    def _run(self):
        """The thread timer: wake every step, take the GIL, look (see :meth:`_look`)."""
        clock = time.perf_counter
        frames_of = sys._current_frames
        gc_enabled, gc_disable, gc_enable = gc.isenabled, gc.disable, gc.enable
        me, target = threading.get_ident(), self._target_ident
        cpu0 = time.thread_time()
        self._first_look = clock()
        due = self._first_look + self.interval_s
        step = self.interval_s
        acquire = self._stop.acquire
        try:
            # Deadline pacing: the wait after a late sample is shorter, so a cell that holds
            # the GIL (the sampler then waits a switch interval for it) still gets a sample
            # per interval; a positive timeout always hands the GIL back to the cell meanwhile.
            while not acquire(timeout=max(step / 10, due - clock())):
                # Before 3.12 the collector is off for the whole look (see _GC_GUARD).
                guard = _GC_GUARD and gc_enabled()
                if guard:
                    gc_disable()
                try:
                    frames = frames_of()
                    now = clock()
                    t_stop = self._t_stop
                    if t_stop is not None and now > t_stop:
                        break  # a look after stop() belongs to no cell
                    self._look(now, frames.get(target), frames, me)
                    del frames
                    step = self._step(now)
                    due = due + step if now - due < step else now + step
                finally:
                    if guard:
                        gc_enable()
        except BaseException as exc:  # the cell must not fail because its sampler did
            self.error = exc
        finally:
            self.cpu_s = time.thread_time() - cpu0

    def _on_alarm(self, signum, frame):
        """The signal timer: ``SIGALRM``'s handler, run by the cell's (main) thread at its next bytecode.

        ``frame`` is the frame the cell was in. An exception of the sampler's own
        ends the sampling (``error``); a ``KeyboardInterrupt`` raised while it runs
        is the user's and goes on to the cell, as it would have without the sampler.
        """
        if self._t_stop is not None or self._armed is None:
            return  # a signal pending from before stop() belongs to no cell
        if not self._looking.acquire(False):
            return  # the watcher is mid-look (the GIL changed hands inside it)
        clock = time.perf_counter
        now = clock()
        guard = _GC_GUARD and gc.isenabled()
        if guard:
            gc.disable()
        try:
            frames = sys._current_frames()
            self._look(now, frame, frames, self._watcher_ident)
            del frames
            if now >= self._rearm_at:
                step = self._grown_signal_step(now)
                self._alarm.arm(step)
                self._armed = step
        except Exception as exc:  # the cell must not fail because its sampler did
            self.error = exc
            self._alarm.arm(0)
            self._armed = None
        finally:
            self.cpu_s += clock() - now  # inside the lock: the watcher adds its own there too
            self._looking.release()
            if guard:
                gc.enable()

    def _watch(self, due: float, wait: float) -> float:
        """The signal timer's watcher: looks at the other threads while the cell's thread waits in C.

        It runs on the parked ``tfcheck-sampler`` thread of
        :mod:`tfplotguard.check.sampler`, as a job woken at ``due`` (after
        ``wait``); it returns the wait before its next wake-up. Starting and
        joining a thread of its own cost every cell ~0.3 ms (measured cold,
        as the per-cell benchmark runs it).

        A cell waiting in C with the GIL released (a ``tf.function`` step whose
        ``numpy_function`` runs on a TensorFlow thread, ``next()`` on a tf.data
        iterator) runs its signal handler only when the call returns, when the
        threads that did the work meanwhile are done: with the handler's looks
        alone, the ``numpy_function`` finding lost the thread it is about. The
        cell's own thread is weighed right by those looks (the wait goes to the call it
        returns from); the other threads need looks during the wait. A wake-up
        that gets the GIL at once (within 0.5 ms) means the cell's thread is not
        running Python, so a look costs it nothing: the watcher then looks at the
        other threads every step (the signal timer's, which widens as the cell
        ages), even when the handler looked meanwhile: a ``tf.function`` step
        returns to Python between calls, so its handler runs every millisecond,
        but only a look during the call sees the ``numpy_function``'s thread
        (skipping those looks named it in 6 of 8 runs; looking, 8 of 8).
        A wake-up that had to wait for the GIL doubles the next wait, up to
        0.2 s: against a pure-Python cell, which the signal timer is there to
        leave alone, a 1 s cell sees ~8 wake-ups. It still looks, since the
        switch is paid: a thread the GIL was taken from is caught mid-Python, and
        when that is TensorFlow's thread running the ``numpy_function`` (a thread
        :mod:`threading` does not know), the wait stays the step. Returning
        without a look, a 0.3 s cell of 400 such steps had ~200 looks of which
        1-5 saw that thread, and once in a loaded test run none did.
        """
        clock = time.perf_counter
        cpu0 = time.thread_time()
        step = self._armed
        if step is None or self._t_stop is not None:
            return wait
        backed_off = min(2 * wait, 0.2)
        late = clock() - due > 0.0005  # some thread held the GIL: the cell's, unless a TensorFlow thread's
        if not self._looking.acquire(False):
            return backed_off if late else wait
        guard = _GC_GUARD and gc.isenabled()
        if guard:
            gc.disable()
        try:
            frames = sys._current_frames()
            now = clock()
            if self._t_stop is not None:
                return wait  # a look after stop() belongs to no cell
            # On time, found another thread or not, the next wait is the step: the threads a tf.function's
            # numpy_function runs on hold a Python thread state only while they run it, and backing
            # off on an empty look lost them (3 of 7 looks saw one, in a cell that was 40 % theirs).
            me = threading.get_ident()
            self._look_at_threads(now, frames, me)
            if late and not self._tf_thread_runs_python(frames, me):
                return backed_off  # the cell runs Python: stay out of its way
            return step
        finally:
            self.cpu_s += time.thread_time() - cpu0
            self._looking.release()
            if guard:
                gc.enable()

    def _tf_thread_runs_python(self, frames: dict, me: int) -> bool:
        """Whether ``frames`` hold a thread that :mod:`threading` does not know (TensorFlow's, running Python)."""
        target = self._target_ident
        return any(ident != me and ident != target and _thread_by_ident(ident) is None for ident in frames)

    def _step(self, now: float) -> float:
        """The interval before the next look, ``now`` being this look's time."""
        if not self.age_divisor:
            return self.interval_s
        # Every look costs the cell the GIL for tens of µs (and, with the thread timer, two
        # thread switches when the cell holds it): a long cell is sampled ever more sparsely
        # (the same number of samples per tenfold of its age), short cells densely.
        step = min(max(self.interval_s, (now - self._t_start) / self.age_divisor), self.max_interval_s)
        if self._switch is not None and step >= 2 * self._switch[0]:
            self._restore_switch_interval()
        return step

    def _grown_signal_step(self, now: float) -> float:
        """The signal timer's next interval: the armed one grown by ``SIGNAL_STEP_GROWTH`` until it reaches :meth:`_step`'s.

        Each change is a ``timer_settime``: ~35 µs on the project's VM (a look
        without it, ~70 µs), so re-arming at every look, as the interval grows
        with the cell's age, cost a third of the handler's time. Grown in steps
        instead, a 1 s cell re-arms ~9 times, and each interval is at most
        ``SIGNAL_STEP_GROWTH`` times :meth:`_step`'s (a little fewer looks).
        """
        target, step = self._step(now), self._armed
        while step < target:
            step *= SIGNAL_STEP_GROWTH
        step = min(step, self.max_interval_s)
        self._rearm_at = self._next_rearm(step)
        return step

    def _next_rearm(self, step: float) -> float:
        """When :meth:`_step` will exceed ``step`` (``inf``: never)."""
        if not self.age_divisor or step >= self.max_interval_s:
            return float("inf")
        return self._t_start + step * self.age_divisor

    def _look(self, now: float, frame, frames: dict, me: int) -> None:
        """Weigh the time since the last look to the cell thread's ``frame`` and to the other threads' ``frames``.

        It runs at every look, in the cell's own time: kept to a few hundred bytecodes.
        """
        t0 = self._t_start
        last_look, others_last = self._last_look, self._others_last
        weight = now - (t0 if last_look is None else last_look)
        others = now - (t0 if others_last is None else others_last)
        self._last_look = self._others_last = now
        if weight > self._longest[0]:
            self._longest = (weight, now - t0)
        if self._gc.total != self._gc_seen:  # the collector ran in this gap: that part of it is known exactly
            weight, others = self._weigh_gc(now, weight, others)
        if weight > self.max_gap_s:
            weight = self.max_gap_s
        self.samples += 1
        while frame is not None and frame.f_code in _OWN_CALLS:
            # Inside our gc callback: its first bytecodes hand the GIL to a waiting sampler
            # (seen as 30-50 % "tfplotguard" in an allocating loop); or, seen by the watcher, in
            # the signal handler around its look. The time is the caller's.
            frame = frame.f_back
        if frame is None:
            cat, line = "native", None
        else:
            cat, line = categories.classify_frame(frame, self.cell_filename)
        cats = self._categories
        cats[cat] = cats.get(cat, 0.0) + weight
        self._add_to_timeline(cat, now - t0, weight)
        if line is not None:
            per_line = self._lines.get(line)
            if per_line is None:
                per_line = self._lines[line] = {}
            per_line[cat] = per_line.get(cat, 0.0) + weight
            if cat == "cell":
                code = frame.f_code
                name = code.co_name
                if name == "<module>" or code.co_filename == self.cell_filename and not name.startswith("<"):
                    bare = self._bare
                    bare[line] = bare.get(line, 0.0) + weight
        if len(frames) > 1:
            self._sample_threads(frames, me, self._target_ident, min(others, self.max_gap_s), self._names)

    def _weigh_gc(self, now: float, weight: float, others: float) -> tuple[float, float]:
        """Give the part of this gap that full collections took to ``gc``; the weights left for the stacks."""
        collected = self._gc.total - self._gc_seen
        if collected > 0:
            collected = min(collected, weight)
            others -= collected
            self._gc_seen += collected
            weight -= collected
            cats = self._categories
            cats["gc"] = cats.get("gc", 0.0) + collected
            self._add_to_timeline("gc", min(self._gc.last_end, now) - self._t_start, collected)
        return weight, others

    def _look_at_threads(self, now: float, frames: dict, me: int) -> None:
        """The watcher's look: the other threads only, weighed since their last look (the cell's own or this)."""
        others = now - (self._others_last if self._others_last is not None else self._t_start)
        self._others_last = now
        self._sample_threads(frames, me, self._target_ident, min(others, self.max_gap_s), self._names)

    def _add_to_timeline(self, cat: str, end: float, weight: float) -> None:
        """Spread ``weight`` seconds of ``cat`` over the buckets of ``[end − weight, end]`` (seconds since start)."""
        width = self._bucket_s
        if end >= width * self.timeline_buckets:
            self._widen_timeline(end)
            width = self._bucket_s
        buckets = self._buckets
        last = min(int(end / width), self.timeline_buckets - 1)
        while len(buckets) <= last:
            buckets.append({})
        start = end - weight
        if start >= last * width:  # within one bucket: most looks, whose gap is under a bucket's width
            bucket = buckets[last]
            bucket[cat] = bucket.get(cat, 0.0) + weight
            return
        start = max(0.0, start)
        span = end - start
        for i in range(int(start / width), last + 1):
            lo, hi = max(start, i * width), min(end, (i + 1) * width)
            if hi > lo:
                bucket = buckets[i]
                bucket[cat] = bucket.get(cat, 0.0) + weight * (hi - lo) / span

    def _widen_timeline(self, end: float) -> None:
        """Merge adjacent buckets pairwise, doubling their width, until ``end`` falls inside the last one."""
        buckets, limit = self._buckets, self.timeline_buckets
        while end >= self._bucket_s * limit:
            merged = []
            for i in range(0, len(buckets), 2):
                pair = dict(buckets[i])
                for c, v in (buckets[i + 1].items() if i + 1 < len(buckets) else ()):
                    pair[c] = pair.get(c, 0.0) + v
                merged.append(pair)
            buckets[:] = merged
            self._bucket_s *= 2

    def timeline(self) -> dict:
        """The cell thread's categories over time: ``{"t": [bucket starts, s], "width_s", "categories": {id: [s]}}``."""
        buckets, width = [dict(b) for b in self._buckets], self._bucket_s
        totals: dict[str, float] = {}
        for bucket in buckets:
            for c, v in bucket.items():
                totals[c] = totals.get(c, 0.0) + v
        order = sorted(totals, key=lambda c: -totals[c])
        return {
            "t": [round(i * width, 9) for i in range(len(buckets))],
            "width_s": width,
            "categories": {c: [round(b.get(c, 0.0), 9) for b in buckets] for c in order},
        }

    def _sample_threads(self, frames, me, target, weight, names) -> None:
        """Weigh ``weight`` seconds to each other Python thread's stack."""
        for ident, frame in frames.items():
            if ident == me or ident == target:
                continue
            if frame.f_code is _GC_CALL:
                frame = frame.f_back
                if frame is None:
                    continue
            thread = _thread_by_ident(ident)  # each time: a new thread may reuse an ended one's ident
            name = thread.name if thread is not None else "<native thread running Python>"
            if name in _PARKED_NAMES:
                continue
            entry = self._threads.get(name)
            if entry is None:
                if len(self._threads) >= THREAD_NAMES_LIMIT:
                    name = "<other threads>"
                    entry = self._threads.get(name)
                if entry is None:
                    entry = self._threads[name] = {"seconds": 0.0, "categories": {}, "frames": {}}
            # A thread parked in the same frame at the same instruction as last time (a kernel's
            # heartbeat, a queue's waiter) has the same stack: no need to walk and classify it again.
            seen = names.get(ident)
            lasti = frame.f_lasti
            if seen is not None and seen[0] is frame and seen[1] == lasti:
                cat, key = seen[2], seen[3]
            else:
                cat, _ = categories.classify_frame(frame, self.cell_filename, thread=True)
                code = frame.f_code
                key = (code.co_filename, code.co_name, frame.f_lineno)
                names[ident] = (frame, lasti, cat, key)
            entry["seconds"] += weight
            entry["categories"][cat] = entry["categories"].get(cat, 0.0) + weight
            top = entry["frames"]
            if key not in top and len(top) >= FRAMES_PER_THREAD:
                key = ("", "<other frames>", 0)
            top[key] = top.get(key, 0.0) + weight

    # -- result ------------------------------------------------------------------------------
    def result(self) -> Attribution:
        """The attribution so far (complete once :meth:`stop` has returned)."""
        t_stop = self._t_stop if self._t_stop is not None else time.perf_counter()
        wall = max(0.0, t_stop - self._t_start) if self._t_start is not None else 0.0
        callees = None
        if self.namespace is not None and self.cell_filename and self._bare:
            try:
                callees = line_callees(self.cell_filename, self.namespace, list(self._bare))
            except Exception:  # a namespace we cannot read must not lose the whole result
                callees = None
        categories_ = dict(self._categories)
        tail_gc = self._tail_gc(t_stop)
        if tail_gc > 0:  # a collection after the last look: the cell ended before the next one
            categories_["gc"] = categories_.get("gc", 0.0) + tail_gc
        return Attribution.build(
            wall_s=wall, categories=categories_, lines={k: dict(v) for k, v in self._lines.items()},
            threads=self._threads, bare=dict(self._bare), callees=callees, samples=self.samples, interval_s=self.interval_s,
            cell_filename=self.cell_filename, error=None if self.error is None else repr(self.error),
            sampler_cpu_s=self.cpu_s, timeline=self.timeline(), gaps=self._gaps(t_stop),
        )

    def _tail_gc(self, t_stop: float) -> float:
        """Collector seconds after the last look and before ``t_stop`` (not yet weighed by a look)."""
        if self._t_start is None:
            return 0.0
        total = self._gc_at_stop if self._gc_at_stop is not None else self._gc.total
        last = self._last_look if self._last_look is not None else self._t_start
        return max(0.0, min(total - self._gc_seen, t_stop - last))

    def _gaps(self, t_stop: float) -> dict:
        """How late the first look came after ``start()``, and how long before ``t_stop`` the last one was."""
        if self._t_start is None or self._first_look is None:
            return {}
        last = self._last_look if self._last_look is not None else self._t_start
        return {"timer": self.timer, "first_look_s": self._first_look - self._t_start,
                "tail_s": max(0.0, t_stop - last - self._tail_gc(t_stop)),
                "gc_s": (self._gc_at_stop if self._gc_at_stop is not None else self._gc.total),
                "gc_collections": self._gc.collections, "gc_full_collections": self._gc.full,
                "longest_gap_s": self._longest[0], "longest_gap_end_s": self._longest[1]}


#: The sampler's own frames that can be on the cell's stack at a look: the time is the caller's.
_OWN_CALLS = frozenset((_GC_CALL, StackSampler._on_alarm.__code__))
