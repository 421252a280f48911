"""Zoo cases: see :mod:`benchmarks.zoo`."""

from __future__ import annotations

from . import Case

CASES: list[Case] = []
