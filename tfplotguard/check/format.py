"""Time and size formatting for people (own code: IPython's ``_format_time`` is private)."""

from __future__ import annotations


def format_seconds(seconds) -> str:
    """A duration for people: ``650 µs``, ``510 ms``, ``1.23 s``, ``2 min 5 s``."""
    if seconds is None:
        return "–"
    if seconds < 0:
        return "-" + format_seconds(-seconds)
    if seconds < 1e-3:
        return f"{seconds * 1e6:.0f} µs"
    if seconds < 1:
        return f"{seconds * 1e3:.3g} ms"
    if seconds < 60:
        return f"{seconds:.2f} s"
    minutes, rest = divmod(seconds, 60)
    return f"{int(minutes)} min {rest:.0f} s"


def format_bytes(nbytes, signed: bool = False) -> str:
    """A size in binary units: ``512 B``, ``3.8 MiB``; ``signed`` prefixes ``+`` to positive deltas."""
    if nbytes is None:
        return "–"
    sign = "-" if nbytes < 0 else ("+" if signed and nbytes > 0 else "")
    value = float(abs(nbytes))
    for unit in ("B", "KiB", "MiB", "GiB"):
        if value < 1024:
            return f"{sign}{value:.0f} {unit}" if unit == "B" else f"{sign}{value:.3g} {unit}"
        value /= 1024
    return f"{sign}{value:.3g} TiB"


def plural(count: int, noun: str) -> str:
    """``1 call``, ``2 calls``."""
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"
