"""The stack sampler: where a cell's wall time went, by category and by cell line.

While a cell runs, a thread of its own (``tfcheck-stacks``) looks at the stack
of the cell's thread (the one that called :meth:`StackSampler.start`) and of
every other Python thread through ``sys._current_frames()``, and hands them to
:class:`~.samples.Samples`, which classifies them (:mod:`.categories`) and keeps
counters only. No signal, no timer, no handler: the cell's own code runs exactly
as it would without the sampler (see ``DESIGN.md``, "Measuring without changing
anything").

Pacing: one look every ``interval_s`` while the cell is young, then ever more
sparsely (the interval is the cell's age / ``age_divisor``, up to
``max_interval_s``), because each look costs a pure-Python cell the GIL for tens
of µs. ``sys.setswitchinterval`` is lowered to half of the first interval, so that
a cell holding the GIL hands it over in time for the look, and stays so until
``stop()``. Why not restored once the pace has grown past the old value (as it
was until 2026-12): a woken sampler waits up to one switch interval for the GIL
before asking for it, and a cell that releases the GIL meanwhile (a file read, a
NumPy call) hands it over right there, so with the default 5 ms most looks of a
loop of 3 ms iterations landed on the read: a loop opening a zip archive per
member (2.8 ms to open, 0.01 ms to read) put up to 80 % of its time on the read's
line. With 0.5 ms kept, the open's line held 70-85 % in every run (measured
2026-12-07). A cell's other Python threads then switch at that interval too:
two threads contending for the GIL in a pure-Python loop took 0.25 s at 5 ms and
at 0.5 ms alike (measured the same day).

Past its first ``floor_looks`` looks, the sampler also keeps to a cost budget:
while the CPU its own thread spent on looks that found the cell's thread on the
CPU exceeds ``budget`` of the cell's age, the pace is the age / ``budget_divisor``
(25 instead of 50). Why (measured 2026-12, 2-core KVM guest, TensorFlow 2.21, a
loop of small eager ops): a look's body is 6-13 µs warm, yet each look cost the
sampler thread 60-100 µs of CPU and the cell's thread 50-100 µs of CPU and
100-150 µs of wall time. A thread that only wakes every 1 ms and takes the GIL,
doing nothing, cost the cell's thread ~60 µs of CPU per wake-up, whatever the
switch interval (0.05, 0.5, 5 ms: no difference), and the sampler cost the
same pinned to the cell thread's CPU or to the other one: the GIL hand-off, the
wake-ups around it and the caches the cell's thread refills after it, none of
which a shorter look removes. So a short CPU-bound cell paid 5-10 % for its ~120 looks; a sleeping or
waiting cell pays nothing (it does not want the GIL meanwhile: its looks are not
charged). Fewer looks are the only lever left, within what the attribution
needs: the floor keeps what short cells get (a 100 ms cell at least 50 looks,
tests pin it), and the thinner pace still grows with the age and weighs looks
evenly. A fixed wide step past the floor (one look per ``max_interval_s``) was
tried and dropped: it left a 0.3 s cell's shares to a dozen looks, and a loop of
figures aliased with it. The sampler's CPU is the measure because a look reads
it for under a µs (``time.thread_time``) and it tracks the cell's cost per look.

Every install step of :meth:`StackSampler.start` registers its undo before it
acts, so an interrupt at any point (``KeyboardInterrupt`` included) leaves no
thread, no ``gc.callbacks`` entry and the switch interval as it was.
"""

from __future__ import annotations

import os
import sys
import threading
import time
from contextlib import ExitStack

import gc

from ...core import seams
from .gcclock import GcClock, pause_collector
from .model import Attribution
from .samples import Samples
from .timeline import BUCKET_S, BUCKETS, Timeline

__all__ = ["StackSampler", "DEFAULT_INTERVAL_S"]

DEFAULT_INTERVAL_S = 0.001
#: Looks taken on the schedule whatever they cost (a 100 ms cell must get at least 50).
FLOOR_LOOKS = 60
#: Past the floor, the sampler's CPU on looks that found the cell's thread running, as a share of the cell's age.
BUDGET = 0.01
#: Over budget, the age divisor of the pace (``age_divisor`` otherwise).
BUDGET_DIVISOR = 25


def _runqueue_s() -> float | None:
    """Seconds the calling thread has waited runnable for a CPU (Linux's schedstat), or None where unknown.

    Read outside the look (a read hands the GIL to the cell) with the collector on, so it allocates no
    object the collector tracks (no file object, no list): an allocation here could start a collection
    on this thread, whose finalizers hand the GIL to the cell mid-collection, and the cell's own
    ``gc.collect()`` would then return at once, collecting nothing.
    """
    try:
        fd = os.open("/proc/thread-self/schedstat", os.O_RDONLY)
        try:
            data = os.read(fd, 128)
        finally:
            os.close(fd)
        first = data.index(b" ")
        return int(data[first + 1:data.index(b" ", first + 1)]) / 1e9
    except (OSError, ValueError):
        return None


class StackSampler:
    """Samples the stacks of a cell's thread and of every other Python thread while the cell runs.

    Use as ``with StackSampler(cell_filename) as sampler: ...`` then
    ``sampler.result()``, or ``start()`` / ``stop()``. ``cell_filename`` is the
    filename the cell's code was compiled with (its lines are reported);
    ``namespace`` (the cell's globals) lets the result tell which library a line
    calls when its looks were all caught back in the cell's frame (:mod:`.callees`).
    ``age_divisor=None`` keeps ``interval_s`` throughout (and no budget); ``budget=None``
    keeps the age-based pace whatever the looks cost.
    """

    NAME = "tfcheck-stacks"

    def __init__(self, cell_filename: str | None = None, interval_s: float = DEFAULT_INTERVAL_S,
                 max_gap_s: float = 1.0, adjust_switch_interval: bool = True, namespace: dict | None = None,
                 age_divisor: int | None = 50, max_interval_s: float = 0.02,
                 timeline_buckets: int = BUCKETS, timeline_bucket_s: float = BUCKET_S,
                 budget: float | None = BUDGET, floor_looks: int = FLOOR_LOOKS,
                 budget_divisor: int = BUDGET_DIVISOR):
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
        self.budget = budget if budget and age_divisor else None
        self.floor_looks = int(floor_looks)
        self.budget_divisor = budget_divisor
        #: The sampler's CPU seconds charged to the budget: those of looks that found the cell's thread running.
        self.charged_s = 0.0
        self._gc = GcClock(cell_filename)
        self._samples = Samples(cell_filename, self.max_gap_s, Timeline(timeline_buckets, timeline_bucket_s),
                                self._gc)
        #: The sampler thread's CPU seconds (set when it ends): what sampling cost, whatever the load.
        self.cpu_s = 0.0
        #: Seconds the sampler thread, and the cell's thread, waited runnable for a CPU that other work
        #: held (a look needs both: the cell's thread hands over the GIL only while it runs); None: unknown.
        self.runqueue_s: float | None = None
        self.cell_runqueue_s: float | None = None
        self._cell_waited0: float | None = None
        self.error: BaseException | None = None
        self._t_start: float | None = None
        self._t_stop: float | None = None
        self._gc_at_stop: float | None = None
        self._thread: threading.Thread | None = None
        self._target_ident: int | None = None
        # Held until stop(): the thread's timed acquire is its wait, and returns at once on release.
        self._stop = threading.Lock()
        self._switch: tuple[float, float] | None = None  # (the old switch interval, ours)
        self._undo: ExitStack | None = None

    @property
    def samples(self) -> int:
        """How many looks were taken."""
        return self._samples.count

    # -- lifecycle ---------------------------------------------------------------------------
    def start(self, target_ident: int | None = None) -> StackSampler:
        """Start sampling the cell's thread and every other Python thread.

        The cell's thread is the calling one, or ``target_ident`` (auto mode starts sampling late,
        from the ticker thread: :class:`tfplotguard.check.cell.LateStacks`).
        """
        if self._t_start is not None:
            raise RuntimeError("this StackSampler has already been started")
        own = target_ident is None
        self._target_ident = threading.get_ident() if target_ident is None else target_ident
        with ExitStack() as undo:
            self._samples.start_cpu_clock(self._target_ident)
            seams.at("sampler: switch interval")
            undo.callback(self._restore_switch_interval)
            self._lower_switch_interval()
            seams.at("sampler: gc callback")
            undo.callback(self._gc.remove)
            self._gc.add()
            seams.at("sampler: thread")
            undo.callback(self._end_thread)
            self._stop.acquire()
            self._cell_waited0 = _runqueue_s() if own else None  # the calling thread's run queue
            self._t_start = self._samples.t0 = time.perf_counter()
            thread = threading.Thread(target=self._run, name=self.NAME, daemon=True)
            self._thread = thread
            thread.start()  # returns once the thread runs Python; it takes its first look right away
            seams.at("sampler: started")
            self._undo = undo.pop_all()
        return self

    def stop(self) -> Attribution:
        """Stop sampling, wait for the sampler thread to end, undo every install step, and return the result."""
        undo, self._undo = self._undo, None
        if undo is not None:
            self.cell_ended()
            undo.close()  # every step, even if one of them is interrupted
            self._samples.end()
        return self.result()

    def cell_ended(self) -> None:
        """From the cell's thread, the moment its code has returned: no later look is the cell's.

        What runs after it (the other probes' stopping, then :meth:`stop`) is tfplotguard's work: a
        look there, after a gap in which the sampler got no CPU, would charge the whole gap to it.
        The gap since the last look is left unattributed instead. Only the first call counts.
        """
        if self._t_start is None or self._t_stop is not None:
            return
        self._t_stop = time.perf_counter()
        self._gc_at_stop = self._gc.total  # no collection runs now: this thread holds the GIL
        waited = _runqueue_s()
        if waited is not None and self._cell_waited0 is not None and threading.get_ident() == self._target_ident:
            self.cell_runqueue_s = waited - self._cell_waited0

    def _end_thread(self) -> None:
        if self._stop.locked():
            self._stop.release()
        seams.at("sampler: join")
        thread = self._thread
        if thread is not None and thread is not threading.current_thread() and thread.is_alive():
            thread.join()

    def _lower_switch_interval(self) -> None:
        if self.adjust_switch_interval:
            old = sys.getswitchinterval()
            if old > self.interval_s / 2:
                sys.setswitchinterval(self.interval_s / 2)
                self._switch = (old, sys.getswitchinterval())

    def _restore_switch_interval(self) -> None:
        if self._switch is not None:
            old, ours = self._switch
            if sys.getswitchinterval() == ours:  # not if someone else changed it meanwhile
                sys.setswitchinterval(old)
            self._switch = None

    def __enter__(self) -> StackSampler:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    @property
    def running(self) -> bool:
        """True while the sampler thread is alive."""
        return self._thread is not None and self._thread.is_alive()

    # -- pacing ------------------------------------------------------------------------------
    def _run(self) -> None:
        """The sampler thread: wake every step, take the GIL, look."""
        clock, frames_of, look = time.perf_counter, sys._current_frames, self._samples.look
        skip = (threading.get_ident(), self._target_ident)
        target = self._target_ident
        thread_time = time.thread_time
        cpu0 = cpu_seen = thread_time()
        samples = self._samples
        step = self.interval_s
        # The first look is due one step after start(), not after this thread first ran: start() returns
        # once this thread has run Python, and the cell may then hold the GIL in one C call (a regex
        # backtracking) before this thread gets as far as here. Waiting a step more from here let such a
        # cell end first, with no look at all (CI: a 0.28 s regex cell, 0 looks, all of it unattributed).
        due = (self._t_start or clock()) + step
        acquire = self._stop.acquire
        try:
            # Deadline pacing: after a late look the next wait is shorter, so a cell that holds the
            # GIL still gets a look per interval; a positive timeout hands the GIL back meanwhile.
            # The first look weighs the time since start() like any gap; a late one is taken as soon as this
            # thread has handed the GIL over once. Not without: a look straight after the thread's start-up,
            # which held the GIL all along while the cell asked for it, was cut off at its first check, with
            # the collector paused for the look (CI: the cell's gc.isenabled() read False after its gc.enable()).
            wait = max(step / 10, due - clock())
            while not acquire(timeout=wait):
                collector_paused = pause_collector()
                try:
                    frames = frames_of()
                    # The dict holds this very frame: left in, frame and dict form a cycle that keeps
                    # the cell's frames (and their locals, the user's tensors) until a collection.
                    del frames[skip[0]]
                    now = clock()
                    t_stop = self._t_stop
                    if t_stop is not None and now > t_stop:
                        break  # a look after stop() belongs to no cell
                    look(now, frames.get(target), frames, skip)  # type: ignore[arg-type]  # start() set target
                    del frames  # drop every frame before the wait: nothing of the cell's outlives a look
                    # This look's cost, from the end of the last one: the wake-up, the GIL, the look.
                    cpu = thread_time()
                    running = samples.running
                    if running is not None:
                        self.charged_s += (cpu - cpu_seen) * running
                    cpu_seen = cpu
                    step = self._step(now)
                    due = due + step if now - due < step else now + step
                    wait = max(step / 10, due - clock())
                finally:
                    if collector_paused:
                        gc.enable()
        except BaseException as exc:  # the cell must not fail because its sampler did
            self.error = exc.with_traceback(None)  # its traceback would keep the looked-at frames
        finally:
            self.cpu_s = time.thread_time() - cpu0
            # Since this thread began: a new thread's count starts at zero. Read only now, as a read hands
            # the GIL to the cell: read between looks, it let a cell that had held the GIL in one C call
            # run on to its end just as the sampler got the GIL back (a 0.28 s regex cell, no look in it).
            self.runqueue_s = _runqueue_s()

    def _step(self, now: float) -> float:
        """The interval before the next look, ``now`` being this look's time."""
        if not self.age_divisor:
            return self.interval_s
        t_start = self._t_start or now
        step = min(max(self.interval_s, (now - t_start) / self.age_divisor), self.max_interval_s)
        if self.budget is not None and self._samples.count >= self.floor_looks \
                and self.charged_s > self.budget * (now - t_start):
            # Over budget: the pace of a cell age_divisor / budget_divisor times older, never wider than
            # max_interval_s. Still a pace that grows with the age (no fixed period for a loop to
            # alias with) and looks evenly weighed (a fixed wide step after a dense start gave a 0.3 s
            # cell's shares to a dozen looks).
            step = max(step, min(max(self.interval_s, (now - t_start) / self.budget_divisor), self.max_interval_s))
        return step

    # -- result ------------------------------------------------------------------------------
    def result(self) -> Attribution:
        """The attribution so far (complete once :meth:`stop` has returned)."""
        t_stop = self._t_stop if self._t_stop is not None else time.perf_counter()
        if self._t_start is None:
            t_stop = self._samples.t0
        gc_total = self._gc_at_stop if self._gc_at_stop is not None else self._gc.total
        return self._samples.attribution(t_stop, gc_total, interval_s=self.interval_s, namespace=self.namespace,
                                         sampler_cpu_s=self.cpu_s, error=self.error,
                                         runqueue_s=self.runqueue_s, cell_runqueue_s=self.cell_runqueue_s)
