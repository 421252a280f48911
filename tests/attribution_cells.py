"""Run a cell's source as ``%%tfcheck`` will: compiled under its own filename, under the stack sampler."""

from __future__ import annotations

import gc
import linecache
import time

from tfplotguard.check.attribution import Attribution, StackSampler

CELL = "<tfcheck-cell>"


def register_source(src: str, filename: str = CELL) -> None:
    """Make ``src`` the source linecache gives for ``filename`` (IPython does the same for its cells)."""
    linecache.cache[filename] = (len(src), None, src.splitlines(True), filename)


def settle() -> None:
    """Collect garbage first: a full collection of the large test process holds the GIL for
    0.25-0.6 s (measured with a heap of a few million objects), in the cell's thread or in the
    sampler's; inside a 0.3 s cell it swamps what a test measures. CI twice saw such a cell 41-44 %
    unattributed; a collection is the likely cause (not established)."""
    gc.collect()


def run_cell(src: str, ns: dict | None = None, filename: str = CELL, **sampler_kw) -> Attribution:
    """Exec ``src`` in ``ns`` under a :class:`StackSampler`; the cell's exception propagates."""
    ns = {} if ns is None else ns
    register_source(src, filename)
    code = compile(src, filename, "exec")
    settle()
    with StackSampler(filename, namespace=ns, **sampler_kw) as sampler:
        exec(code, ns)
    return sampler.result()


def timed_cell(src: str, ns: dict | None = None) -> tuple[Attribution, float]:
    """(attribution, perf_counter wall time of the exec) — the sampler's own start/stop excluded."""
    ns = {} if ns is None else ns
    register_source(src)
    code = compile(src, CELL, "exec")
    settle()
    with StackSampler(CELL, namespace=ns) as sampler:
        t0 = time.perf_counter()
        exec(code, ns)
        wall = time.perf_counter() - t0
    return sampler.result(), wall
