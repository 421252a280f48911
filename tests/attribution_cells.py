"""Run a cell's source as ``%%tfcheck`` will: compiled under its own filename, under the stack sampler."""

from __future__ import annotations

import contextlib
import gc
import linecache
import sys
import time

from tfplotguard.check.attribution import Attribution, StackSampler

CELL = "<tfcheck-cell>"


def register_source(src: str, filename: str = CELL) -> None:
    """Make ``src`` the source linecache gives for ``filename`` (IPython does the same for its cells)."""
    linecache.cache[filename] = (len(src), None, src.splitlines(True), filename)


@contextlib.contextmanager
def switch_interval(seconds: float):
    """Python's switch interval at ``seconds`` for the block, the old one back after it whatever happens."""
    old = sys.getswitchinterval()
    sys.setswitchinterval(seconds)
    try:
        yield
    finally:
        sys.setswitchinterval(old)


@contextlib.contextmanager
def settled():
    """Run a measured cell on a collected, frozen heap (``gc.freeze``), thawed afterwards.

    A full collection of the large test process holds the GIL for 0.4-0.9 s (seen inside
    zoo and fit cells of a full run, as gaps between the sampler's looks), so one landing in
    a 0.3 s cell swamps what a test measures: it is the cell's time by the report's rules
    (the ``gc`` category), but it is the test process's heap, not the cell's code. Frozen
    objects are skipped by the collector, so a collection during the cell only walks what
    the cell made.
    """
    gc.collect()
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


def run_cell(src: str, ns: dict | None = None, filename: str = CELL, sampler_class: type = StackSampler,
             **sampler_kw) -> Attribution:
    """Exec ``src`` in ``ns`` under a :class:`StackSampler` (or ``sampler_class``); the cell's exception propagates."""
    ns = {} if ns is None else ns
    register_source(src, filename)
    code = compile(src, filename, "exec")
    with settled(), sampler_class(filename, namespace=ns, **sampler_kw) as sampler:
        exec(code, ns)
    return sampler.result()


def timed_cell(src: str, ns: dict | None = None) -> tuple[Attribution, float]:
    """(attribution, perf_counter wall time of the exec) — the sampler's own start/stop excluded."""
    ns = {} if ns is None else ns
    register_source(src)
    code = compile(src, CELL, "exec")
    with settled(), StackSampler(CELL, namespace=ns) as sampler:
        t0 = time.perf_counter()
        exec(code, ns)
        wall = time.perf_counter() - t0
    return sampler.result(), wall


def delivered(att: Attribution) -> float:
    """The share of the cell's wall time the sampler thread was not kept waiting for a CPU by other work.

    A look needs the sampler thread on a CPU and the GIL, which the cell's thread hands over only
    while it runs: the time either waited runnable for a CPU (Linux's schedstat) is withheld. 1.0
    where the OS does not say. A test about sample counts scales what an idle machine would deliver
    by this, so that it passes with other jobs beside it.
    """
    waited = (att.extra.get("sampler_runqueue_s") or 0.0) + (att.extra.get("cell_runqueue_s") or 0.0)
    if not waited or att.wall_s <= 0:
        return 1.0
    return max(0.01, 1.0 - waited / att.wall_s)
