"""The pitfall zoo: for each family of issue 15, a slow cell that the named rule must explain and a
fixed twin on which no warning may fire.

Each domain module (``tensorflow``, ``data``, ``host``, ``plotting``) holds a
``CASES`` list of :class:`Case`; :data:`CASES` is all of them, keyed by id.
The same cases drive the tests (``tests/test_zoo.py``, one shared shell) and
the scoring script (``python -m benchmarks.diagnosis``, a fresh shell per case).
A cell is written as a notebook user would type it, and kept short: loops run
for a fixed wall time or a fixed small count, so the whole zoo stays within a
couple of minutes on the project's 2-core machine.
"""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = ["Case", "CASES", "MIN_SHARE"]

#: The share the named finding must carry by default (the registry's own minimum).
MIN_SHARE = 0.10


@dataclass(frozen=True)
class Case:
    """One pitfall: ``setup`` (run unmeasured), the ``slow`` cell and its fixed ``twin``.

    ``slow`` and ``twin`` are cell bodies run under ``%%tfcheck``; a tuple runs
    several cells in a row (cell after cell), the last one is judged.
    ``rule`` must be the top finding of the slow cell, a warning unless
    ``severity`` says "info", with at least ``min_share`` of the cell.
    ``constructed`` says why a case runs on constructed data (a GPU-only
    pitfall on this CPU-only machine); ``teardown`` runs after both cells.
    """

    id: str
    family: int  # 1..24, the numbering of issue 15
    title: str
    rule: str
    slow: str | tuple
    twin: str | tuple
    setup: str = ""
    teardown: str = ""
    severity: str = "warn"
    min_share: float = MIN_SHARE
    constructed: str = ""
    extra_rules: tuple = field(default=())  # further rules that may fire on the slow cell (never on the twin)

    def cells(self, which: str) -> tuple:
        """The cell bodies of ``which`` ("slow" or "twin") as a tuple."""
        cells = getattr(self, which)
        return (cells,) if isinstance(cells, str) else tuple(cells)


def _collect() -> dict:
    from . import data, host, plotting, tensorflow  # noqa: F401 (the domain modules)

    cases = {}
    for module in (tensorflow, data, host, plotting):
        for case in module.CASES:
            if case.id in cases:
                raise ValueError(f"zoo case id {case.id!r} is defined twice")
            cases[case.id] = case
    return dict(sorted(cases.items(), key=lambda kv: (kv[1].family, kv[0])))


CASES: dict = _collect()
