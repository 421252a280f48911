"""Findings whose advice depends on the cell: said where it helps, kept quiet where it would not.

Real shells and cells. A few one-time ``tf.constant(list)`` calls are nothing to hoist; the same
conversions in a loop are.
"""

from __future__ import annotations

ROWS = "rows = [[float(i + j) for j in range(64)] for i in range(256)]\n"


def _report(tfcheck, body):
    tfcheck.run_cell("import tensorflow as tf\n" + ROWS).raise_error()
    tfcheck.run_cell("%%tfcheck --quiet -o rep\n" + body).raise_error()
    return tfcheck.user_ns["rep"]


def test_one_time_list_conversions_are_no_finding(tfcheck):
    body = "".join(f"t{i} = tf.constant(rows)\n" for i in range(3)) + "import time\ntime.sleep(0.05)\n"
    report = _report(tfcheck, body)
    assert report.pyvalues["lists"]["calls"] == 3
    assert not [f for f in report.findings if f.rule == "python_lists_to_tensors"]


def test_the_same_conversions_in_a_loop_are_a_finding_with_the_hoist(tfcheck):
    report = _report(tfcheck, "for i in range(60):\n    t = tf.constant(rows)\n")
    (found,) = [f for f in report.findings if f.rule == "python_lists_to_tensors"]
    assert "60 times" in found.message and "before the loop" in found.fix
    assert found.line in (3, None)  # the loop's line where a look landed in the conversions
