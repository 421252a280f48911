"""The ``%%tfcheck`` sampler thread as the tests see it: one per process, parked between measurements."""

from __future__ import annotations

import threading

from tfplotguard.check.cpu.ticker import TICKER


def sampler_threads() -> list[threading.Thread]:
    """Every live thread that carries the sampler's name."""
    return [t for t in threading.enumerate() if t.name == TICKER.NAME and t.is_alive()]


def assert_parked():
    """No measurement is attached any more, and there is at most the one sampler thread."""
    assert not TICKER.busy, "a finished measurement is still being sampled"
    threads = sampler_threads()
    assert len(threads) <= 1, f"{len(threads)} sampler threads"
    if threads:
        assert threads[0].native_id == TICKER.native_id and threads[0].daemon


def new_threads(before: set[int]) -> set[int]:
    """Idents of live threads not in ``before``, the parked sampler aside."""
    return {t.ident for t in threading.enumerate() if t.name != TICKER.NAME} - before
