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
            elapsed = _timed(variants[name], collector)
            if round_index >= warmup:
                samples[name].append(elapsed)
    return samples


def _timed(variant, collector: bool) -> float:
    setup, run, teardown = variant
    state = setup()
    gc.collect()
    if not collector:
        gc.disable()
    try:
        start = time.perf_counter()
        run(state)
        return time.perf_counter() - start
    finally:
        gc.enable()
        teardown(state)


def abba(pairs: dict, repeats: int, warmup: int = 1, seed: int = 0,
         collector: bool = False) -> dict[str, dict[str, list[float]]]:
    """Each pair timed in adjacent A-B-B-A blocks: ``{name: {"a": [...], "b": [...], "ratio": [...]}}``.

    ``pairs`` maps a name to ``(baseline, variant)``, each ``(setup, run,
    teardown)`` as in :func:`rounds`. A block runs the baseline, the variant
    twice, the baseline again, back to back; its ratio is the variant's two
    times over the baseline's two. Within a block a machine's speed that
    drifts linearly cancels, and neither side always runs first. Shuffled
    rounds of all variants (:func:`rounds`) put a pair up to a round apart:
    on the project's VM an A/A pair of 1 s loops measured that way was off
    by +1.3 % in one run. ``"a"`` and ``"b"`` hold each block's mean time.
    The blocks of the pairs run in a shuffled order each round.
    """
    rng = random.Random(seed)
    out = {name: {"a": [], "b": [], "ratio": []} for name in pairs}
    names = list(pairs)
    for round_index in range(warmup + repeats):
        rng.shuffle(names)
        for name in names:
            base, variant = pairs[name]
            a1 = _timed(base, collector)
            b1 = _timed(variant, collector)
            b2 = _timed(variant, collector)
            a2 = _timed(base, collector)
            if round_index >= warmup:
                out[name]["a"].append((a1 + a2) / 2)
                out[name]["b"].append((b1 + b2) / 2)
                out[name]["ratio"].append((b1 + b2) / (a1 + a2))
    return out


def mirrored(baseline, variants: dict, repeats: int, warmup: int = 1, seed: int = 0,
             collector: bool = False) -> dict[str, dict[str, list[float]]]:
    """Several variants against one baseline in mirrored blocks: A-B-C-…-C-B-A.

    ``baseline`` and each of ``variants`` are ``(setup, run, teardown)`` as in
    :func:`rounds`. Every variant runs twice per block, at positions whose
    mean is the block's middle, as the baseline's two runs are: a machine's
    speed that drifts linearly over a block cancels from every variant's ratio
    (:func:`abba` is the case of one variant). The variants' order is shuffled
    each round. Returns ``{name: {"a": [...], "b": [...], "ratio": [...]}}`` per
    variant and block: ``"a"`` the block's baseline mean, ``"b"`` the
    variant's mean, ``"ratio"`` the variant's two times over the baseline's two.
    """
    rng = random.Random(seed)
    out = {name: {"a": [], "b": [], "ratio": []} for name in variants}
    names = list(variants)
    for round_index in range(warmup + repeats):
        rng.shuffle(names)
        a1 = _timed(baseline, collector)
        first = {name: _timed(variants[name], collector) for name in names}
        second = {name: _timed(variants[name], collector) for name in reversed(names)}
        a2 = _timed(baseline, collector)
        if round_index >= warmup:
            for name in names:
                out[name]["a"].append((a1 + a2) / 2)
                out[name]["b"].append((first[name] + second[name]) / 2)
                out[name]["ratio"].append((first[name] + second[name]) / (a1 + a2))
    return out


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
