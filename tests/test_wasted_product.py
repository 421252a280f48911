"""``wasted_product``: a matrix product whose work the next op threw away, read from the eager ops' shapes.

The probe (:mod:`tfplotguard.check.probes.dataflow`) is driven by the real op callback of
:class:`~tfplotguard.check.probes.ops.OpProbe` on real tensors, its lines being this file's; the rule
runs on real cells in a real shell, the rows of ``benchmarks/fixes.py`` (which also time each fix).
"""

import numpy as np
import pytest
import tensorflow as tf

from benchmarks.fixes import FIXES
from tfplotguard.check.probes.dataflow import product_dims, structure
from tfplotguard.check.probes.ops import OpProbe

N = 512  # a 512 x 512 x 512 product: 134 M multiply-adds, a few milliseconds


def _probe(fn):
    probe = OpProbe(cell_filename=__file__)
    assert probe.start()
    try:
        fn()
    finally:
        probe.stop()
    return probe


def _watched(fn):
    return _probe(fn).products.found()


def _square(seed):
    return tf.random.stateless_normal((N, N), seed=[seed, 0])


def test_product_dims_follow_the_transpose_attributes():
    assert product_dims("MatMul", (3, 4), (4, 5), ("transpose_a", False, "transpose_b", False)) == (1, 3, 4, 5)
    assert product_dims("MatMul", (4, 3), (5, 4), ("transpose_a", True, "transpose_b", True)) == (1, 3, 4, 5)
    assert product_dims("BatchMatMulV2", (7, 3, 4), (7, 4, 5), ("adj_x", False, "adj_y", False)) == (7, 3, 4, 5)
    assert product_dims("MatMul", (3, 4), (5, 6), ()) is None  # inner dimensions differ
    assert product_dims("Relu", (3, 4), (4, 5), ()) is None


def test_the_diagonal_of_a_product_is_a_kept_part():
    a, b = _square(1), _square(2)
    rows = _watched(lambda: tf.linalg.diag_part(a @ b))
    assert [row["kind"] for row in rows] == ["kept_part"]
    assert rows[0]["macs"] == N ** 3 and rows[0]["needed_macs"] == N * N  # one row-column product per element
    assert "its diagonal" in rows[0]["what"]
    assert rows[0]["line"] is not None


def test_a_product_kept_whole_is_not_wasted_by_its_diagonal():
    a, b = _square(1), _square(2)
    kept = {}

    def cell():
        p = a @ b
        tf.linalg.diag_part(p)
        kept["sum"] = tf.reduce_sum(p)  # the whole product used too

    assert _watched(cell) == []


def test_a_product_the_cell_keeps_is_not_wasted_by_its_diagonal():
    """The user may read it whole later (``.numpy()``, a plot), which no op shows."""
    a, b = _square(1), _square(2)
    kept = {}

    def cell():
        kept["p"] = a @ b
        tf.linalg.diag_part(kept["p"])

    assert _watched(cell) == []
    del kept["p"]


def test_a_few_rows_of_a_product_are_a_kept_part_and_the_sliced_operand_is_not():
    a, b = _square(1), _square(2)
    assert [row["kind"] for row in _watched(lambda: (a @ b)[:8])] == ["kept_part"]
    assert _watched(lambda: a[:8] @ b) == []
    assert _watched(lambda: (a @ b)[: N // 2]) == []  # half of it kept: not "a small part"


def test_a_one_hot_operand_is_named_and_a_gather_is_not():
    table = tf.random.stateless_normal((20000, 32), seed=[3, 0])
    ids = tf.random.stateless_uniform((512,), seed=[4, 0], maxval=20000, dtype=tf.int32)
    rows = _watched(lambda: tf.one_hot(ids, 20000) @ table)
    assert [row["kind"] for row in rows] == ["one_hot"]
    assert rows[0]["what"] == "512×20000 by 20000×32"
    assert _watched(lambda: tf.gather(table, ids)) == []


def test_the_costly_order_of_three_matrices_is_named_and_the_cheap_one_is_not():
    a, b = _square(1), _square(2)
    v = tf.random.stateless_normal((N, 1), seed=[5, 0])
    rows = _watched(lambda: (a @ b) @ v)
    assert [row["kind"] for row in rows] == ["order"]
    assert rows[0]["needed_macs"] == 2 * N * N  # two matrix-vector products
    assert _watched(lambda: a @ (b @ v)) == []
    assert _watched(lambda: (a @ b) @ _square(3)) == []  # three squares: both orders cost the same


def test_a_product_computed_once_and_reused_is_no_costly_order():
    a, b = _square(1), _square(2)
    vs = [tf.random.stateless_normal((N, 1), seed=[6, i]) for i in range(4)]

    def cell():
        gram = a @ b
        for v in vs:
            gram @ v

    assert _watched(cell) == []


def test_nothing_is_kept_of_the_users_tensors():
    import gc
    import weakref

    a, b = _square(1), _square(2)
    refs = []

    def cell():
        p = a @ b
        refs.append(weakref.ref(p))
        tf.linalg.diag_part(p)

    probe = _probe(cell)
    gc.collect()
    assert refs[0]() is None
    assert probe.products.found()


ROWS = [fix for fix in FIXES if fix.rule == "wasted_product"]


@pytest.mark.parametrize("fix", ROWS, ids=lambda fix: fix.variant[:40])
def test_the_rule_names_the_waste_with_the_fix_and_the_fixed_cell_is_quiet(tfcheck, fix):
    tfcheck.run_cell(fix.setup)
    result = tfcheck.run_cell("%%tfcheck -o _wasted --quiet\n" + fix.slow)
    assert result.success, result.error_in_exec
    report = tfcheck.user_ns["_wasted"]
    shown = {f.rule: f for f in report.findings if not f.minor}
    assert "wasted_product" in shown, [(f.rule, f.minor, f.share) for f in report.findings]
    assert fix.expect in shown["wasted_product"].fix
    product_line = next(i for i, text in enumerate(fix.slow.splitlines(), 2) if "@" in text or "one_hot" in text)
    assert shown["wasted_product"].line == product_line  # (the %%tfcheck line is the cell's first)
    assert "tf_compute_bound" not in shown  # "real computation" would contradict it
    result = tfcheck.run_cell("%%tfcheck -o _wasted --quiet\n" + fix.fixed)
    assert result.success, result.error_in_exec
    assert not [f for f in tfcheck.user_ns["_wasted"].findings if f.rule == "wasted_product"]


def _kinds(rows):
    return sorted(row["kind"] for row in rows)


def test_the_same_product_of_the_same_operands_in_a_changing_computation_is_repeated():
    a, b = _square(1), _square(2)

    def cell():
        w = _square(3)
        for _ in range(4):
            w = w - 0.001 * ((a @ b) @ w)  # a @ b is the same each step; w is not

    rows = _watched(cell)
    assert _kinds(rows) == ["repeated"]
    assert rows[0]["count"] == 4 and rows[0]["needed_macs"] == N ** 3 and rows[0]["macs"] == 4 * N ** 3


def test_a_transpose_of_the_same_tensor_is_the_same_operand():
    a = _square(1)

    def cell():
        w = _square(3)
        for _ in range(3):
            w = tf.transpose(a) @ a @ w

    assert _kinds(_watched(cell)) == ["repeated"]


def test_a_loop_of_the_very_same_work_is_no_repeat_to_name():
    """A timing loop or a demo repeats its work, result and all, on purpose."""
    a, b = _square(1), _square(2)

    def cell():
        for _ in range(4):
            tf.tanh(a @ b)
            tf.linalg.diag_part(a @ b)[:2]

    assert "repeated" not in _kinds(_watched(cell))


def test_a_variable_or_a_changing_operand_is_never_the_same_product():
    a, b = _square(1), _square(2)
    v = tf.Variable(a)

    def with_variable():
        for _ in range(4):
            v @ b

    def changing():
        c = a
        for _ in range(4):
            c = tf.tanh(c @ b)

    def twice():
        a @ b
        a @ b

    assert _watched(with_variable) == []
    assert _watched(changing) == []
    assert _watched(twice) == []  # under REPEATS


def test_a_part_kept_of_a_product_in_a_loop_is_one_finding(tfcheck):
    fix = next(fix for fix in ROWS if "diagonal" in fix.variant)
    tfcheck.run_cell(fix.setup)
    assert tfcheck.run_cell("%%tfcheck -o _wasted --quiet\n" + fix.slow).success
    found = [f for f in tfcheck.user_ns["_wasted"].findings if f.rule == "wasted_product"]
    assert len(found) == 1
    assert "kept its diagonal" in found[0].message


def test_a_traced_functions_graph_is_read_from_its_static_shapes():
    from tfplotguard.check.probes.dataflow import graph_waste

    a, b = _square(1), _square(2)
    v = tf.random.stateless_normal((N, 1), seed=[5, 0])

    def kinds(fn, *args):
        return sorted(kind for kind, *_ in graph_waste(tf.function(fn).get_concrete_function(*args).graph))

    assert kinds(lambda x, y: tf.linalg.diag_part(x @ y), a, b) == ["kept_part"]
    assert kinds(lambda x, y, z: (x @ y) @ z, a, b, v) == ["order"]
    assert kinds(lambda x, y, z: x @ (y @ z), a, b, v) == []
    assert kinds(lambda ids, t: tf.one_hot(ids, N) @ t, tf.range(64), a) == ["one_hot"]
    assert kinds(lambda x, y: (x @ y, tf.linalg.diag_part(x @ y)), a, b) == ["kept_part"]  # the second product
    assert kinds(lambda x, y: (lambda p: (p, tf.linalg.diag_part(p)))(x @ y), a, b) == []  # the product returned too


def test_a_traced_function_in_a_cell_is_named_on_the_line_that_called_it(tfcheck):
    tfcheck.run_cell("import tensorflow as tf\nA = tf.random.normal((3000, 256))\nB = tf.random.normal((256, 3000))\n"
                     "@tf.function\ndef scores(a, b):\n    return tf.linalg.diag_part(a @ b)\n")
    assert tfcheck.run_cell("%%tfcheck -o _wasted --quiet\nfor _ in range(6):\n    d = scores(A, B)\n").success
    found = [f for f in tfcheck.user_ns["_wasted"].findings if f.rule == "wasted_product"]
    assert len(found) == 1 and "in scores" in found[0].message and "kept its diagonal" in found[0].message
    assert found[0].line == 3 and not found[0].minor


def test_an_operands_structure_is_read_from_its_values():
    n = 300
    rng = np.random.default_rng(0)
    running = np.tril(np.ones((n, n), np.float32)) / np.arange(1, n + 1, dtype=np.float32)[:, None]
    assert structure(running) == "prefix"
    assert structure(np.triu(np.ones((n, n)))) == "suffix"
    assert structure(np.diag(rng.random(n) + 1)) == "diagonal"
    picks = np.zeros((40, n), np.float32)
    picks[np.arange(40), rng.integers(0, n, 40)] = 1
    assert structure(picks) == "selection"
    # What no cheaper op computes exactly: dense values, a triangle of varied weights (causal attention's),
    # a selection scaled, a matrix of strings.
    dense = rng.random((n, n))
    assert structure(dense) is None
    assert structure(np.tril(dense)) is None
    assert structure(2 * picks) is None
    assert structure(np.array([["a"]])) is None


@pytest.mark.parametrize("kind", ["prefix", "diagonal", "selection"])
def test_a_structured_operand_is_named_on_either_side_and_a_dense_one_is_not(kind):
    steps = tf.range(1, N + 1, dtype=tf.float32)
    lower = tf.linalg.band_part(tf.ones((N, N)), -1, 0)
    structured = {"prefix": lower / steps[:, None],
                  "diagonal": tf.linalg.diag(steps),
                  "selection": tf.one_hot(tf.range(N)[::-1], N) + 0.0}[kind]  # an Add's output: no one-hot op's
    x = _square(3)
    rows = _watched(lambda: structured @ x)
    assert [row["kind"] for row in rows] == [kind]
    assert ("rows picked" if kind == "selection" else "left operand") in rows[0]["what"]
    assert rows[0]["needed_macs"] == (0 if kind == "selection" else N * N)
    # On the right, B of x @ B is read as its transpose: x @ transpose(S) has the same structure.
    rows = _watched(lambda: x @ tf.transpose(structured))
    assert [row["kind"] for row in rows] == [kind]
    assert ("columns picked" if kind == "selection" else "right operand") in rows[0]["what"]
    # Causal attention's weights: a triangle, but one weight per element, which no cumulative sum gives.
    weights = tf.nn.softmax(_square(4) - 1e9 * (1.0 - lower))
    assert _watched(lambda: weights @ x) == []
