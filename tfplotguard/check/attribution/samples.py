"""The stack sampler's counters: each look's stacks weighed by the wall time since the previous look.

Only counters are kept (category → seconds, line → seconds per category,
thread name → seconds, categories and top frames), never a frame: a look must
not extend the life of anything of the user's, and memory does not grow with
the cell. The one exception, until the sampler stops (:meth:`Samples.end`): the
code objects of the cell thread's stacks already classified (at most
:data:`STACKS_LIMIT` stacks), so that a look at a known stack skips the
classifier: the classifier was most of a look's body (~5 of ~12 µs warm, on a
loop of small eager ops), and a look's body is time the cell's thread waits for
the GIL. A look needs the GIL, so a C call holding it delays the look: each
look weighs the gap before it, not one count.

Time no look covers is ``unattributed``: the tail after the last look, and
whatever a single gap exceeds ``max_gap_s``. Full garbage collections are
timed (:mod:`.gcclock`) and each look gives the part of its gap they took to
``gc``.
"""

from __future__ import annotations

import gc
import linecache
import sys
import threading
import time
from collections import deque
from types import CodeType
from typing import TYPE_CHECKING

from . import categories
from .callees import line_callees
from .gcclock import CALLBACK_CODE, GcClock
from .model import Attribution
from .helpers import helper_rows
from .names import line_names
from .timeline import Timeline

if TYPE_CHECKING:
    from ..summaries import CallNode, CallPath, CallTree, FunctionRow, GcTrigger

#: Top frames kept per other thread; further distinct frames are summed under "<other frames>".
FRAMES_PER_THREAD = 40
#: Other threads kept by name; further names are summed under "<other threads>".
THREAD_NAMES_LIMIT = 64
#: A look whose gap the cell's thread spent at least this share blocked is ``blocked`` (when its
#: stack shows no library that names the wait better: the cell's own line or a library without a row).
#: High on purpose: a running thread on a machine with several times more work than cores still
#: gets a fifth of a core or more; a sleeping or waiting one gets none.
BLOCKED = 0.95
#: An eager op is TensorFlow compute, not dispatch, when the process's other threads (its pools) used at least
#: this many cores lately, and three times the cell thread's own share of the gap.
OTHERS_BUSY = 0.25
#: How far back "lately" reaches, in seconds (blocked, and the other threads' cores).
BUSY_WINDOW_S = 0.05
#: A gap is blocked only when the thread was off the CPU at least this share of the last BUSY_WINDOW_S.
WINDOW_BLOCKED = 0.8
#: The busiest cell lines whose names are described after the cell (:mod:`.names`).
NAMED_LINES = 3
#: Distinct (line, call, inner function) paths kept; further ones are summed per line.
PATHS_LIMIT = 400
#: Distinct stacks of the cell's thread kept classified (:meth:`Samples._classify`); more start it afresh.
STACKS_LIMIT = 512
#: Distinct stacks whose time is kept per line for :meth:`Samples._function_rows`; later ones go uncounted there.
STACK_IDS_LIMIT = 2048
#: Functions kept per busy line in ``attribution.functions`` (the heaviest: a deep stack such as Keras's
#: ``fit`` holds dozens of wrappers at the line's whole time, above the call that matters).
FUNCTIONS_PER_LINE = 100
#: A call in a busy line's hot call tree (``attribution.trees``) below this share of the line is left out.
TREE_MIN_SHARE = 0.05
#: Calls deeper than this beneath a cell line are left out of its tree.
TREE_DEPTH = 60
#: Seconds of full collections from which the report reads how many objects ``gc.freeze()`` set aside.
FROZEN_READ_S = 0.2
#: The user's own frames kept beneath a cell line (helpers calling helpers), the innermost first.
HELPER_DEPTH = 4
#: Threads of tfplotguard's own (the CPU ticker, the stack sampler): never sampled.
OWN_THREADS = frozenset(("tfcheck-ticker", "tfcheck-stacks"))
NATIVE_PYTHON = "<native thread running Python>"


#: Linux: a thread's CPU clock is reachable from its kernel id (glibc's ``pthread_getcpuclockid``
#: computes it so), and reading the clock of a thread that has ended fails with EINVAL instead of
#: touching a ``pthread_t`` that may be gone: another thread can end in the middle of a look.
_TID_CLOCKS = sys.platform.startswith("linux")


def _tid_cpu_clock(tid: int) -> int:
    """The CPU-time clock id of the thread whose kernel id is ``tid`` (Linux: ``MAKE_THREAD_CPUCLOCK``)."""
    return ((~tid) << 3) | 6  # CPUCLOCK_SCHED (2) | CPUCLOCK_PERTHREAD_MASK (4)


def _code_name(code) -> str | None:
    """``module.function`` of a code object (its module read from its file), or None."""
    if code is None:
        return None
    _, module = categories.frame_module(code.co_filename)
    return f"{module}.{code.co_qualname if hasattr(code, 'co_qualname') else code.co_name}"


def _own(code) -> bool:
    """The code is tfplotguard's own (a probe's wrapper around a call it counts)."""
    return (_code_name(code) or "").startswith("tfplotguard.")


def _tree_rows(node: dict, floor: float) -> list[CallNode]:
    """The children of ``node`` as plain rows, heaviest first, those under ``floor`` seconds left out."""
    kept = sorted(((code, child) for code, child in node["children"].items() if child["seconds"] >= floor),
                  key=lambda kv: -kv[1]["seconds"])
    return [{"function": _code_name(code) or "", "seconds": child["seconds"], "calls": _tree_rows(child, floor)}
            for code, child in kept]


class Samples:
    """The counters of one sampled cell, fed by :meth:`look` and read by :meth:`attribution`."""

    def __init__(self, cell_filename: str | None, max_gap_s: float, timeline: Timeline, gc_clock: GcClock):
        self.cell_filename = cell_filename
        self.max_gap_s = max_gap_s
        self.timeline = timeline
        self.gc = gc_clock
        self.count = 0
        self.t0 = 0.0
        self.first_look: float | None = None
        self.last_look: float | None = None
        self.longest = (0.0, 0.0)  # (longest gap between looks, its end in seconds since t0)
        self.categories: dict[str, float] = {}
        self.lines: dict[int, dict[str, float]] = {}
        self.bare: dict[int, float] = {}  # line → seconds of looks caught in the cell's own frame
        self.threads: dict[str, dict] = {}
        #: (line, call code, inner code) → seconds: the path from the cell's line through the library
        #: call it made to the function where the time went (codes, never frames).
        self.paths: dict[tuple, float] = {}
        #: category → seconds of it the cell's thread spent off the CPU (sleeping, blocked, waiting).
        self.off_cpu: dict[str, float] = {}
        self.cpu_clock: int | None = None  # the cell thread's CPU clock (set by the sampler)
        #: The share of the last look's gap the cell's thread was on the CPU; None where its clock is unknown.
        #: The sampler charges a look's cost to its budget by it (a look at a sleeping thread costs it nothing).
        self.running: float | None = None
        self._window: deque = deque()  # (time, process CPU, cell thread CPU) at the recent looks
        self._others_busy = 0.0  # cores the process's other threads used lately (:meth:`_blocked_share`)
        self._window_blocked = 0.0  # the share of the last BUSY_WINDOW_S the cell's thread was off the CPU
        self._gc_seen = 0.0  # the collector's seconds already weighed
        #: ident → (id of its innermost frame, f_lasti, code, category, frame key) at the last look.
        self._parked: dict[int, tuple] = {}
        #: Stacks of the cell's thread already classified: ids of their codes → (category, call, inner, codes).
        self._stacks: dict[tuple, tuple] = {}
        #: ident → (kernel thread id, its CPU seconds) at the last look, for other threads.
        self._thread_cpu: dict[int, tuple[int, float]] = {}
        #: stack id → the codes of that stack of the cell's thread (innermost first), and
        #: (line, stack id) → seconds: what :meth:`_function_rows` adds up per function.
        self._stack_codes: list[tuple] = []
        self._line_stacks: dict[tuple[int, int], float] = {}
        #: (category, line, call, inner, stack id) of the last look that found the cell's thread in the cell's code.
        self._last_in_cell: tuple | None = None
        #: (cell line, the user's own frames beneath it outside the cell: ((code, line), …) outermost first) →
        #: seconds: where in a helper of the user's (a function of an earlier cell) the line's time went.
        self.helpers: dict[tuple, float] = {}
        #: The same keys → category → seconds: what the helper's line spent its time on (a loop header that waited
        #: on its iterable, or the helper's own Python).
        self.helper_categories: dict[tuple, dict[str, float]] = {}

    def look(self, now: float, frame, frames: dict, skip: tuple) -> None:
        """Weigh the time since the last look to the cell thread's ``frame`` and to the other threads' ``frames``.

        ``skip``: thread idents not to sample (the sampler's own, the cell's).
        Runs at every look while the cell waits for the GIL: kept short.
        """
        # The cell thread's stack first, as it is now (:func:`categories.stack_at`): the rest of the look works on it.
        stack = categories.stack_at(frame, self.cell_filename) if frame is not None else []
        del frame
        t0 = self.t0
        last = self.last_look
        weight = now - (t0 if last is None else last)
        self.last_look = now
        if self.first_look is None:
            self.first_look = now
        if weight > self.longest[0]:
            self.longest = (weight, now - t0)
        others = gap = weight
        if self.gc.total != self._gc_seen:
            weight, others = self._weigh_gc(now, weight)
        weight = min(weight, self.max_gap_s)
        self.count += 1
        while stack and stack[0][0] is CALLBACK_CODE:
            del stack[0]  # inside our gc callback: the time is its caller's
        call = inner = None
        if not stack:
            cat, line = "native", None
        else:
            cat, line, call, inner, sid, chain, top = self._classify(stack)
            if line is not None:
                self._last_in_cell = (cat, line, call, inner, sid)
                if chain:
                    helpers = self.helpers
                    at = (line, chain)
                    if at in helpers or len(helpers) < PATHS_LIMIT:
                        helpers[at] = helpers.get(at, 0.0) + weight
                        per = self.helper_categories.setdefault(at, {})
                        per[cat] = per.get(cat, 0.0) + weight
            elif self._last_in_cell is not None and self.cell_filename is not None:
                # The cell's code had returned: a look this late came after a gap in which the sampler could not
                # take the GIL (a cell that releases it for microseconds at every call, such as NumPy's
                # reductions, wins it back each time before the woken sampler runs). That gap was the cell's:
                # it goes to the last place the cell was seen, not to the magic's frames around it.
                cat, line, call, inner, sid = self._last_in_cell
                top = None
            if line is not None and sid >= 0:
                line_stacks = self._line_stacks
                line_stacks[line, sid] = line_stacks.get((line, sid), 0.0) + weight
        if self.cpu_clock is not None:
            blocked = self._blocked_share(gap, now)
            self.running = 1.0 - blocked
            if blocked >= BLOCKED and self._window_blocked >= WINDOW_BLOCKED and (cat == "cell" or cat.startswith("other:")):
                cat = "blocked"  # a C call that waited (sleep, I/O, a future), not Python that ran
            elif cat == "tf_eager_ops" and self._others_busy >= max(OTHERS_BUSY, 3 * (1.0 - blocked)):
                # An eager op TensorFlow's pools computed while the cell's thread waited, not dispatch: the
                # process's other threads ran meanwhile, several times what the cell's thread did. (A
                # thread starved of a core on an overloaded machine is off the CPU too, but then so are
                # the others.)
                cat = "tf_compute"
            if blocked > 0:
                self.off_cpu[cat] = self.off_cpu.get(cat, 0.0) + weight * blocked
        if line is not None:
            paths = self.paths
            key = (line, call, inner) if len(paths) < PATHS_LIMIT or (line, call, inner) in paths else (line, None, None)
            paths[key] = paths.get(key, 0.0) + weight
        cats = self.categories
        cats[cat] = cats.get(cat, 0.0) + weight
        self.timeline.add(cat, now - t0, weight)
        if line is not None:
            per_line = self.lines.setdefault(line, {})
            per_line[cat] = per_line.get(cat, 0.0) + weight
            if cat == "cell" and top is not None:
                name = top.co_name
                if name == "<module>" or top.co_filename == self.cell_filename and not name.startswith("<"):
                    self.bare[line] = self.bare.get(line, 0.0) + weight
        if len(frames) > 1:  # another thread than the cell's (the sampler's own is not in it)
            self._look_at_threads(frames, skip, min(others, self.max_gap_s))

    def end(self) -> None:
        """Drop what only the looks needed (the classified stacks' codes); the counters stay."""
        self._stacks.clear()

    def _classify(self, stack: list[tuple]) -> tuple:
        """:func:`categories.classify_stack` of the cell thread's stack, known stacks from :attr:`_stacks`:
        ``(category, line, call, inner, stack id, helper chain, innermost code)``.

        ``stack`` is as :meth:`look` read it first (:func:`categories.stack_at`): a look that runs past a
        switch interval hands the GIL to the cell, whose frames then move on. A look's time is mostly
        spent classifying, and a cell's thread goes through the same few stacks over and over (a loop of
        eager ops: a handful). The category, call and inner code are a function of the stack's code objects
        alone, so they are kept by those (their ids, the codes held with them so that no id is reused
        meanwhile); the line is read at every look. The stack ends where the cell's body does.
        """
        cell_filename = self.cell_filename
        line_at, user = categories.line_at, categories.is_user_code
        codes = [code for code, _ in stack]
        line = None
        chain: list = []  # the user's own frames beneath the cell's line, outside the cell (its helpers)
        for code, offset in stack:
            if code.co_filename == cell_filename:
                line = line_at(code, offset)  # a line-less jump back counts on its loop
                break
            if len(chain) < HELPER_DEPTH and user(code):
                chain.append((code, line_at(code, offset)))
        key = tuple(map(id, codes))
        known = self._stacks.get(key)
        if known is None:
            cat, _, call, inner = categories.classify_stack(stack, cell_filename)
            if len(self._stacks) >= STACKS_LIMIT:
                self._stacks.clear()
            sid = len(self._stack_codes)
            if sid < STACK_IDS_LIMIT:
                self._stack_codes.append(tuple(codes))
            else:
                sid = -1
            known = self._stacks[key] = (cat, call, inner, codes, sid)
        chain.reverse()
        return known[0], line, known[1], known[2], known[4], tuple(chain), codes[0] if codes else None

    def _blocked_share(self, gap: float, now: float | None = None) -> float:
        """The share of the last ``gap`` seconds the cell's thread was blocked (off the CPU), 0..1.

        Blocked is off the CPU: sleeping, a lock, I/O, a C call waiting on other threads, or (on a
        machine with more work than cores) waiting for a CPU; :data:`BLOCKED` is high so that the
        last does not count. A thread that computes on an overloaded machine is still taken off the
        CPU for whole gaps, so a gap counts as blocked only when the last :data:`BUSY_WINDOW_S` were
        mostly off the CPU too (``_window_blocked``, at least :data:`WINDOW_BLOCKED`): over tens of
        milliseconds a computing thread gets its turns. Also sets ``_others_busy``, the cores the
        process's other threads used over that window (the kernel adds a running thread's CPU to
        the process's clock at its ticks, every few milliseconds, so one gap would read 0 or 1 core
        for the same work). The clocks are read without handing the GIL to the cell, which a look
        must not do while it holds frames and has the collector paused.
        """
        try:
            cpu = time.clock_gettime(self.cpu_clock)  # type: ignore[arg-type]  # look() calls this with a clock
        except OSError:  # the thread has ended
            self.cpu_clock = None
            return 0.0
        if now is None:
            now = time.perf_counter()
        process = time.process_time()
        window = self._window
        last_cpu = window[-1][2] if window else None
        window.append((now, process, cpu))
        while len(window) > 2 and now - window[1][0] >= BUSY_WINDOW_S:
            window.popleft()
        t0, process0, cpu0 = window[0]
        span = now - t0
        if last_cpu is None or len(window) < 2 or span <= 0 or gap <= 0:
            self._others_busy = self._window_blocked = 0.0
            return 0.0
        self._others_busy = (process - process0 - (cpu - cpu0)) / span
        self._window_blocked = min(1.0, max(0.0, 1.0 - (cpu - cpu0) / span))
        return min(1.0, max(0.0, 1.0 - (cpu - last_cpu) / gap))

    def start_cpu_clock(self, ident: int) -> None:
        """Watch the cell thread (``ident``)'s CPU clock, where the OS offers one, and the other threads' clocks.

        The other threads' clocks are read now so that the first look at each already tells an
        idle thread from one at work (a thread started during the cell has no such reading: its
        first look is not judged).
        """
        try:
            self.cpu_clock = time.pthread_getcpuclockid(ident)
            self._window.append((time.perf_counter(), time.process_time(), time.clock_gettime(self.cpu_clock)))
        except (AttributeError, OSError):
            self.cpu_clock = None
        if _TID_CLOCKS:
            for other, thread in list(threading._active.items()):  # type: ignore[attr-defined]
                if other != ident and thread.name not in OWN_THREADS:
                    self._thread_ran(other, thread.native_id, 0.0)

    def _weigh_gc(self, now: float, weight: float) -> tuple[float, float]:
        """Give the part of this gap that full collections took to ``gc``; the weights left for the stacks."""
        collected = min(self.gc.total - self._gc_seen, weight)
        if collected <= 0:
            return weight, weight
        self._gc_seen += collected
        self.categories["gc"] = self.categories.get("gc", 0.0) + collected
        self.timeline.add("gc", min(self.gc.last_end, now) - self.t0, collected)
        return weight - collected, weight - collected

    def _look_at_threads(self, frames: dict, skip: tuple, weight: float) -> None:
        for ident, frame in frames.items():
            if ident in skip:
                continue
            if frame.f_code is CALLBACK_CODE:
                frame = frame.f_back
                if frame is None:
                    continue
            # Each time: a new thread may reuse an ended one's ident.
            thread = threading._active.get(ident)  # type: ignore[attr-defined]  # enumerate() would copy them
            name = thread.name if thread is not None else NATIVE_PYTHON
            if name in OWN_THREADS:
                continue
            entry = self.threads.get(name)
            if entry is None:
                if len(self.threads) >= THREAD_NAMES_LIMIT:
                    name = "<other threads>"
                    entry = self.threads.get(name)
                if entry is None:
                    entry = self.threads[name] = {"seconds": 0.0, "categories": {}, "frames": {}, "cpu_s": None}
            # A thread parked where it was at the last look (a kernel's heartbeat, a queue's waiter):
            # the same innermost frame object at the same instruction has the same stack. Its id,
            # not the frame, is kept: a look must not keep a frame alive.
            code, lasti = frame.f_code, frame.f_lasti
            seen = self._parked.get(ident)
            if seen is not None and seen[0] == id(frame) and seen[1] == lasti and seen[2] is code:
                cat, key = seen[3], seen[4]
            else:
                cat, _ = categories.classify_frame(frame, self.cell_filename, thread=True)
                key = (code.co_filename, code.co_name, frame.f_lineno)
                self._parked[ident] = (id(frame), lasti, code, cat, key)
            if thread is not None and _TID_CLOCKS:
                ran = self._thread_ran(ident, thread.native_id, weight)
                if ran is not None:
                    entry["cpu_s"] = (entry["cpu_s"] or 0.0) + ran
                    # Off the CPU for the gap (a kernel's heartbeat in zmq, a watcher in select, an
                    # Event.wait): the same frames as a thread at work, but idle.
                    if ran <= (1.0 - BLOCKED) * weight and cat != "waiting":
                        cat = "blocked"
            entry["seconds"] += weight
            entry["categories"][cat] = entry["categories"].get(cat, 0.0) + weight
            top = entry["frames"]
            if key not in top and len(top) >= FRAMES_PER_THREAD:
                key = ("", "<other frames>", 0)
            top[key] = top.get(key, 0.0) + weight

    def _thread_ran(self, ident: int, tid: int | None, gap: float) -> float | None:
        """CPU seconds another thread used since the last look at it (at most ``gap``); None: unknown.

        The first look at a thread has nothing to compare with: unknown. Its clock is read without
        handing over the GIL (a clock read is no file read).
        """
        if tid is None:
            return None
        try:
            cpu = time.clock_gettime(_tid_cpu_clock(tid))
        except OSError:  # ended since the frames were taken
            self._thread_cpu.pop(ident, None)
            return None
        seen = self._thread_cpu.get(ident)
        self._thread_cpu[ident] = (tid, cpu)
        if seen is None or seen[0] != tid:  # first look, or another thread under a reused ident
            return None
        return min(max(0.0, cpu - seen[1]), gap)

    def tail_gc(self, gc_total: float, t_stop: float) -> float:
        """Collector seconds after the last look and before ``t_stop`` (not yet weighed by a look)."""
        last = self.last_look if self.last_look is not None else self.t0
        return max(0.0, min(gc_total - self._gc_seen, t_stop - last))

    def _call_trees(self, lines: list[int]) -> list[CallTree]:
        """For each of ``lines``, its hot call tree: the calls beneath it, outermost first, with their seconds.

        Calls under :data:`TREE_MIN_SHARE` of the line, deeper than :data:`TREE_DEPTH`, and tfplotguard's own
        wrappers (its probes patch the calls they count) are left out.
        """
        trees: list[CallTree] = []
        for line in lines:
            root: dict = {"seconds": 0.0, "children": {}}
            for (at, sid), seconds in self._line_stacks.items():
                if at != line:
                    continue
                root["seconds"] += seconds
                node = root
                chain = [code for code in reversed(self._stack_codes[sid]) if code.co_name != "<module>"
                         and not _own(code)]
                for code in chain[:TREE_DEPTH]:
                    node = node["children"].setdefault(code, {"seconds": 0.0, "children": {}})
                    node["seconds"] += seconds
            if root["seconds"] > 0:
                floor = TREE_MIN_SHARE * root["seconds"]
                trees.append({"line": line, "seconds": root["seconds"], "calls": _tree_rows(root, floor)})
        return trees

    def attribution(self, t_stop: float, gc_total: float, *, interval_s: float, namespace: dict | None,
                    sampler_cpu_s: float, error: BaseException | None,
                    runqueue_s: float | None = None, cell_runqueue_s: float | None = None) -> Attribution:
        """The :class:`Attribution` of the looks so far, the cell having run from ``t0`` to ``t_stop``.

        ``runqueue_s`` / ``cell_runqueue_s``: how long the sampler thread / the cell's thread waited
        for a CPU that other work held (``extra["sampler_runqueue_s"]``, ``extra["cell_runqueue_s"]``:
        what the machine withheld from the sampling).
        """
        callees = None
        if namespace is not None and self.cell_filename and self.bare:
            try:
                callees = line_callees(self.cell_filename, namespace, list(self.bare))
            except Exception:  # a namespace we cannot read must not lose the whole result
                callees = None
        names = []
        busiest = sorted(self.lines, key=lambda line: -sum(self.lines[line].values()))[:NAMED_LINES]
        if namespace is not None and self.cell_filename and self.lines:
            try:
                names = line_names(self.cell_filename, namespace, busiest)
            except Exception:  # as above: the rows are a hint, the result must not depend on them
                names = []
        helpers = []
        if namespace is not None and self.cell_filename and self.helpers:
            try:
                helpers = helper_rows(self.cell_filename, namespace, self.helpers, busiest,
                                      {line: sum(per.values()) for line, per in self.lines.items()},
                                      self.helper_categories)
            except Exception:  # as above
                helpers = []
        cats = dict(self.categories)
        tail_gc = self.tail_gc(gc_total, t_stop)
        if tail_gc > 0:  # a collection after the last look: the cell ended before the next one
            cats["gc"] = cats.get("gc", 0.0) + tail_gc
        gaps: dict = {}
        if self.first_look is not None:
            last = self.last_look if self.last_look is not None else self.t0
            gaps = {"first_look_s": self.first_look - self.t0,
                    "tail_s": max(0.0, t_stop - last - tail_gc), "gc_s": gc_total,
                    "gc_collections": self.gc.collections, "gc_full_collections": self.gc.full,
                    # Read only after heavy collections: it walks every frozen object (30 ms with TensorFlow's
                    # heap frozen), so reading it at each collection doubled their measured time.
                    "gc_frozen": gc.get_freeze_count() if gc_total >= FROZEN_READ_S else None,
                    "longest_gap_s": self.longest[0], "longest_gap_end_s": self.longest[1],
                    "sampler_runqueue_s": runqueue_s, "cell_runqueue_s": cell_runqueue_s}
        return Attribution.build(
            wall_s=max(0.0, t_stop - self.t0), categories=cats, lines={k: dict(v) for k, v in self.lines.items()},
            threads=self.threads, bare=dict(self.bare), callees=callees, samples=self.count, interval_s=interval_s,
            cell_filename=self.cell_filename, error=None if error is None else repr(error),
            sampler_cpu_s=sampler_cpu_s, timeline=self.timeline.to_dict(), gaps=gaps,
            paths=self._path_rows(), off_cpu=dict(self.off_cpu) if self._window else None, names=names,
            functions=self._function_rows(busiest), trees=self._call_trees(busiest), helpers=helpers,
            gc_triggers=self._gc_rows(),
        )

    def _gc_rows(self, limit: int = 8) -> list[GcTrigger]:
        """Where the full collections started: the code and line under each (its text, and whether it asked for the
        collection: a ``collect(`` call), the cell line above it, how many and their seconds, heaviest first."""
        rows: list[GcTrigger] = []
        for (cell_line, code, line), (count, seconds) in sorted(self.gc.triggers.items(), key=lambda kv: -kv[1][1])[:limit]:
            text = linecache.getline(code.co_filename, line).strip() if line else ""
            rows.append({"line": cell_line, "function": _code_name(code) or "", "source": text,
                         "explicit": "collect(" in text, "collections": count, "seconds": seconds})
        return rows

    def _path_rows(self, limit: int = 12) -> list[CallPath]:
        """The heaviest paths as plain rows: line, the call the cell made, the innermost function, seconds."""
        rows = sorted(self.paths.items(), key=lambda kv: -kv[1])[:limit]
        return [{"line": line, "call": _code_name(call), "inner": _code_name(inner), "seconds": seconds}
                for (line, call, inner), seconds in rows]

    def _function_rows(self, lines: list[int]) -> list[FunctionRow]:
        """For each of ``lines``, the seconds spent inside each function beneath it (inclusive), heaviest first.

        A function counts once per stack however often it recurs (``depth``: the most frames of it that one
        of those stacks held, 1 where it never called itself); the cell's own body and tfplotguard's
        wrappers are left out, and so are functions under :data:`TREE_MIN_SHARE` of the line.
        """
        per_line: dict[int, dict] = {line: {} for line in lines}
        depths: dict[tuple[int, CodeType], int] = {}
        for (line, sid), seconds in self._line_stacks.items():
            functions = per_line.get(line)
            if functions is None:
                continue
            frames: dict[CodeType, int] = {}
            for code in self._stack_codes[sid]:
                frames[code] = frames.get(code, 0) + 1
            for code, n in frames.items():
                if code.co_name != "<module>" and not _own(code):
                    functions[code] = functions.get(code, 0.0) + seconds
                    if n > depths.get((line, code), 0):
                        depths[line, code] = n
        rows: list[FunctionRow] = []
        for line in lines:
            floor = TREE_MIN_SHARE * sum(s for (at, _), s in self._line_stacks.items() if at == line)
            heaviest = sorted(((c, s) for c, s in per_line[line].items() if s >= floor),
                              key=lambda kv: -kv[1])[:FUNCTIONS_PER_LINE]
            rows.extend({"line": line, "function": _code_name(code) or "", "seconds": seconds,
                         "depth": depths[line, code]} for code, seconds in heaviest)
        return rows
