"""The pitfall zoo (issue 15): every family's slow cell is named by its rule, with its share; its twin is quiet.

Real TensorFlow (CPU), real Keras, real matplotlib (Agg), a real IPython shell,
each cell run as typed under ``%%tfcheck``. GPU-only families run on
constructed data, and say so (``Case.constructed``). The cases themselves live
in ``benchmarks/zoo/`` so that ``python -m benchmarks.diagnosis`` scores the same
ones in fresh shells.
"""

import matplotlib.pyplot as plt
import pytest

from attribution_cells import settled
from benchmarks.zoo import CASES
from benchmarks.zoo.run import run_case


def _shown(report):
    return [(f.rule, f.severity, None if f.share is None else round(f.share, 2), f.minor) for f in report.findings]


@pytest.mark.parametrize("case_id", list(CASES))
def test_slow_cell_is_named_and_its_twin_is_quiet(tfcheck, case_id):
    case = CASES[case_id]
    try:
        with settled():  # the test process's heap is not the case's cost (attribution_cells.settled)
            verdict = run_case(tfcheck, case)
    finally:
        plt.close("all")
    slow, twin = verdict.slow, verdict.twin
    assert verdict.named, (case.rule, _shown(slow), slow.attribution and slow.attribution["categories"][:4])
    finding = next(f for f in slow.findings if f.rule == case.rule)
    assert finding.share >= case.min_share
    if finding.seconds is None:  # a cause weighed by memory, not time (Found.share): host memory growth only
        assert case.family == 24
    else:
        assert finding.seconds > 0
    assert finding.message and finding.fix
    assert not verdict.false_alarms, (_shown(twin), [(f.rule, f.line, f.message[:400]) for f in twin.findings if not f.minor],
                                      twin.attribution and twin.attribution["categories"][:4])


def test_every_family_of_the_issue_has_a_case():
    assert set(range(1, 25)) <= {case.family for case in CASES.values()}
