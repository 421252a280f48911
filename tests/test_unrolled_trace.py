"""``unrolled_trace``: one slow trace whose graph repeats its ops, as a Python loop in a tf.function makes."""

from tfplotguard.check.probes.ops import SLOW_TRACE_S

CELL = """%%tfcheck -o _unroll_report --quiet
@tf.function
def simulate(x):
    for i in {loop}:
        x = x + 0.01 * tf.tanh(x @ W)
    return x
out = simulate(x0).numpy()
"""


def test_a_python_loop_unrolled_by_tracing_is_named_and_a_tf_range_loop_is_not(tfcheck):
    tfcheck.run_cell("import tensorflow as tf\nW = tf.random.normal((8, 8), stddev=0.3)\nx0 = tf.random.normal((4, 8))\n")
    tfcheck.run_cell(CELL.format(loop="range(300)"))
    report = tfcheck.user_ns["_unroll_report"]
    (ops,) = report.tf_times["trace_graph_ops"]["simulate"]
    assert ops["ops"] >= 1200 and ["MatMul", 300] in ops["most"], ops
    found = {f.rule: f for f in report.findings if not f.minor}
    assert "unrolled_trace" in found, report.findings
    assert "MatMul ×300" in found["unrolled_trace"].message and "tf.range(n)" in found["unrolled_trace"].fix
    assert found["unrolled_trace"].share >= 0.5
    tfcheck.run_cell(CELL.format(loop="tf.range(300)"))
    twin = tfcheck.user_ns["_unroll_report"]
    assert "unrolled_trace" not in {f.rule for f in twin.findings}
    # A fast trace's graph is not read. Under load the while loop's trace and first run can pass the 0.2 s floor
    # (a CI run beside other jobs): then it is read, and it is small.
    (graph,) = twin.tf_times["trace_graph_ops"]["simulate"]
    (took,), (call,) = twin.tf_times["trace_seconds"]["simulate"], twin.tf_times["trace_call_seconds"]["simulate"]
    if max(took, call or 0.0) < SLOW_TRACE_S:
        assert graph is None, (took, call, graph)
    else:
        assert graph is not None and graph["ops"] < 100, (took, call, graph)
