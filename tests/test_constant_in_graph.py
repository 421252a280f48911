"""``constant_in_graph``: a tf.function reading a large NumPy array from outside holds a copy of it as a constant.

Real cells in a real shell under ``%%tfcheck``: the row of ``benchmarks/fixes.py`` (a closure over a
22 MiB array, and its fix, a tensor made once outside), and a small array, which no one should hear about.
"""

from benchmarks.fixes import FIXES

(ROW,) = [fix for fix in FIXES if fix.rule == "constant_in_graph"]


def _report(tfcheck, cell):
    result = tfcheck.run_cell("%%tfcheck -o _const --quiet\n" + cell)
    assert result.success, result.error_in_exec
    return tfcheck.user_ns["_const"]


def test_a_large_array_captured_by_a_tf_function_is_named_and_a_tensor_made_outside_is_not(tfcheck):
    tfcheck.run_cell(ROW.setup)
    report = _report(tfcheck, ROW.slow)
    shown = {f.rule: f for f in report.findings if not f.minor}
    assert "constant_in_graph" in shown, [(f.rule, f.minor, f.message) for f in report.findings]
    found = shown["constant_in_graph"]
    assert "holds a constant of 22.0 MiB" in found.message and ROW.expect in found.fix
    assert found.severity == "warn" and found.share >= 0.3
    graphs = report.tf_times["trace_graph_ops"]["project"]
    assert graphs[-1]["const_bytes"] == 2400 * 2400 * 4
    twin = _report(tfcheck, ROW.fixed)
    assert "constant_in_graph" not in {f.rule for f in twin.findings}
    # Its trace is fast (no graph read then), or its graph holds no large constant.
    assert all(g is None or g["const_bytes"] < 2**20 for g in twin.tf_times["trace_graph_ops"]["project"])
    # The shell is shared with later tests: its 22 MiB array and the functions holding it go.
    tfcheck.run_cell("del weights, weights_t, x, project, out\nimport gc\ngc.collect()\n").raise_error()


def test_a_small_array_in_a_tf_function_is_no_finding(tfcheck):
    tfcheck.run_cell("import numpy as np, tensorflow as tf\nsmall = np.ones((64, 64), 'float32')\n")
    report = _report(tfcheck, "@tf.function\ndef f(v):\n    return v @ small\nfor _ in range(3):\n"
                              "    out = f(tf.ones((8, 64)))\nimport time\ntime.sleep(0.3)\n")
    assert "constant_in_graph" not in {f.rule for f in report.findings}
