"""Interleaved A/B timing and markdown tables for the benchmarks."""

from __future__ import annotations

import gc
import random
import statistics
import time


def interleaved(variants: dict, repeats: int, warmup: int = 1, seed: int = 0,
                collector: bool = False) -> dict[str, float]:
    """Median seconds per variant, the variants run in a shuffled order each round to cancel drift.

    ``variants`` maps a name to ``(setup, run, teardown)``: only ``run(state)``
    is timed, with ``state = setup()``; ``teardown(state)`` cleans up.
    ``collector``: leave Python's cyclic garbage collector on while ``run``
    runs (see :func:`rounds`).
    """
    return medians(rounds(variants, repeats, warmup, seed, collector))


def medians(samples: dict[str, list[float]]) -> dict[str, float]:
    """The median of each variant's samples."""
    return {name: statistics.median(values) for name, values in samples.items()}


def paired_ratio(samples: dict[str, list[float]], name: str, baseline: str) -> float:
    """The median over rounds of ``name``'s time over ``baseline``'s in the same round.

    Each round runs every variant back to back, so a ratio within a round
    cancels the machine's speed changes between rounds (a shared VM's speed
    drifts by tens of percent over seconds); the median drops the rounds a
    burst of load hit.
    """
    return statistics.median(a / b for a, b in zip(samples[name], samples[baseline]))


def rounds(variants: dict, repeats: int, warmup: int = 1, seed: int = 0,
           collector: bool = False) -> dict[str, list[float]]:
    """Seconds per variant and round (after warm-up), as :func:`interleaved` measures them.

    The collector is off while ``run`` runs unless ``collector``: off, one
    collection landing in one variant's sample cannot swing a ratio, but the
    collections that garbage left by ``run`` causes later are not counted
    either. A benchmark of something that runs every cell measures a long run
    of cells with it on.
    """
    rng = random.Random(seed)
    samples: dict[str, list[float]] = {name: [] for name in variants}
    names = list(variants)
    for round_index in range(warmup + repeats):
        rng.shuffle(names)
        for name in names:
            setup, run, teardown = variants[name]
            state = setup()
            gc.collect()
            if not collector:
                gc.disable()
            try:
                start = time.perf_counter()
                run(state)
                elapsed = time.perf_counter() - start
            finally:
                gc.enable()
                teardown(state)
            if round_index >= warmup:
                samples[name].append(elapsed)
    return samples


def fmt_time(seconds: float) -> str:
    """Seconds in the unit that reads best."""
    if seconds < 1e-3:
        return f"{seconds * 1e6:.1f} µs"
    if seconds < 1:
        return f"{seconds * 1e3:.2f} ms"
    return f"{seconds:.2f} s"


def fmt_bytes(nbytes: float) -> str:
    """Bytes in MiB (or kB for small values)."""
    if abs(nbytes) < 2**20:
        return f"{nbytes / 1024:.0f} kB"
    return f"{nbytes / 2**20:.1f} MiB"


def table(headers: list[str], rows: list[list]) -> str:
    """A markdown table."""
    lines = ["| " + " | ".join(headers) + " |", "|" + "|".join("---" for _ in headers) + "|"]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return "\n".join(lines)
