"""``unrolled_trace``: one slow trace whose graph repeats its ops, as a Python loop in a tf.function makes."""

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
    assert twin.tf_times["trace_graph_ops"]["simulate"] == [None]  # a fast trace's graph is not read
