"""The fallback finding: a slow cell no rule explains is told where its time went, computing or blocked.

Real shells, real cells: a sleep (blocked, not "the cell's own Python"), a library no rule knows
(JSON encoding in a loop), a cell another rule explains (no fallback), and a fast cell (quiet).
"""

from __future__ import annotations

import pytest


def _report(tfcheck, body):
    result = tfcheck.run_cell("%%tfcheck --quiet -o rep\n" + body)
    result.raise_error()
    return tfcheck.user_ns["rep"]


def _fallback(report):
    return next((f for f in report.findings if f.rule == "where_the_time_went"), None)


def test_a_sleep_is_blocked_time_not_the_cells_python(tfcheck):
    report = _report(tfcheck, "import time\nx = 1\ntime.sleep(0.7)\n")
    categories = {c["id"]: c["seconds"] for c in report.attribution["categories"]}
    assert categories.get("blocked", 0) >= 0.6 and categories.get("cell", 0) < 0.1, categories
    found = _fallback(report)
    assert found is not None and not found.minor and found.line == 4  # the magic's line is line 1
    assert "blocked" in found.message and "time.sleep(0.7)" in found.message
    assert "wait, not work" in found.fix


def test_an_unknown_library_in_a_loop_is_named_with_its_call_and_innermost_function(tfcheck):
    body = ("import json, time\nt0 = time.perf_counter()\nwhile time.perf_counter() - t0 < 0.8:\n"
            "    s = json.dumps(list(range(2000)))\n")
    report = _report(tfcheck, body)
    found = _fallback(report)
    assert found is not None and not found.minor and found.line == 5, [str(f) for f in report.findings]
    assert "json.dumps" in found.message and "blocked" not in found.message
    assert "json.dumps" in found.fix
    assert report.attribution["paths"][0]["call"] == "json.dumps"


def test_a_cell_another_rule_explains_gets_no_fallback(tfcheck):
    body = ("import tensorflow as tf\nt = tf.ones([64])\nimport time\nt0 = time.perf_counter()\n"
            "while time.perf_counter() - t0 < 0.8:\n    a = t.numpy()\n")
    report = _report(tfcheck, body)
    assert any(f.is_warning and f.rule != "where_the_time_went" for f in report.findings), \
        [str(f) for f in report.findings]
    assert _fallback(report) is None


@pytest.mark.parametrize("body", ["import time\ntime.sleep(0.1)\n", "x = sum(range(1000))\n"])
def test_a_fast_cell_gets_no_fallback(tfcheck, body):
    assert _fallback(_report(tfcheck, body)) is None
