"""Every rule's fix has a row in ``benchmarks/fixes.py``: a new rule without one fails here.

Fast and without timing: the rows' coverage of the registry, that each timed row applies a fix text the
rule's module really contains, that its cells are Python, and that the last full run's results name every
rule. The timing itself is ``python -m benchmarks.fixes`` (``benchmarks/RESULTS_fixes.md``).
"""

from __future__ import annotations

import ast
import importlib
import inspect

import pytest

from benchmarks import fixes
from tfplotguard.check.findings import idioms, known_calls, registry
from tfplotguard.check.inspect import switches


def test_every_rule_in_the_registry_has_a_row():
    rows = fixes.rule_rows()
    missing = [rule_id for rule_id in registry.rule_ids() if not rows.get(rule_id)]
    assert not missing, f"rules without a row in benchmarks/fixes.py (FIXES or NOT_TIMED): {missing}"


def test_every_row_is_of_a_registered_rule():
    unknown = {row.rule for row in [*fixes.FIXES, *fixes.NOT_TIMED]} - set(registry.rule_ids())
    assert not unknown


def _strings(module) -> list[str]:
    """Every string literal of ``module``, implicit concatenations joined, f-strings with ``{…}`` kept."""
    out = []
    for node in ast.walk(ast.parse(inspect.getsource(module))):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            out.append(node.value)
        elif isinstance(node, ast.JoinedStr):
            out.append("".join(part.value if isinstance(part, ast.Constant) else "{" + ast.unparse(part.value) + "}"
                               for part in node.values))
    return out


@pytest.mark.parametrize("fix", fixes.FIXES, ids=lambda f: f"{f.rule}: {f.variant[:40]}")
def test_a_timed_row_applies_a_fix_text_its_rule_gives(fix):
    module = importlib.import_module(registry.RULES[fix.rule].fn.__module__)
    # The rule's module, or the ones fix texts come from (check.inspect.switches; findings.idioms, known_calls).
    texts = _strings(module) + _strings(switches) + _strings(idioms) + _strings(known_calls)
    assert any(fix.expect in text for text in texts), \
        f"{fix.expect!r} is in no string of {module.__name__}: the rule's fix text changed, update the row"
    assert fix.kind in ("speed", "memory", "output", "against")
    for source in (fix.setup, fix.prepare, fix.slow, fix.fixed):
        ast.parse(source)
    assert fix.slow != fix.fixed


def test_rows_are_unique():
    keys = [(row.rule, row.variant) for row in [*fixes.FIXES, *fixes.NOT_TIMED]]
    assert len(keys) == len(set(keys))


def test_the_last_full_run_has_every_rule():
    text = fixes.RESULTS.read_text()
    missing = [rule_id for rule_id in registry.rule_ids() if f"| {rule_id} |" not in text]
    assert not missing, f"rerun python -m benchmarks.fixes: {fixes.RESULTS.name} has no row for {missing}"


# -- fix texts conditioned on what the benchmark measured -----------------------------------------


def test_a_python_int_retrace_is_told_to_give_the_tensor_a_dtype():
    """tf.constant(3) is int32, and x * n with a float x rejects it: the fix as written raised TypeError."""
    from tfplotguard.check.findings import explain_retrace

    ints = [{"x": "tensor float32(64,)", "n": f"python int {n}"} for n in range(3)]
    _, fix = explain_retrace(ints)
    assert "tf.constant(value, tf.float32)" in fix and "int32" in fix
    floats = [{"x": "tensor float32(64,)", "lr": f"python float {v}"} for v in (0.1, 0.05)]
    _, fix = explain_retrace(floats)
    assert "tf.constant(value))" in fix and "int32" not in fix


def _mpl_report(backend: str):
    from types import SimpleNamespace

    return SimpleNamespace(mpl={"redraws": 0, "pauses": 12, "pause_s": 0.3, "interactive": True, "backend": backend},
                           attribution=None)


@pytest.mark.parametrize("backend, ioff", [("agg", False), ("Agg", False), ("pdf", False), ("qtagg", True),
                                           ("tkagg", True)])
def test_ioff_is_advised_only_where_interactive_mode_redraws(backend, ioff):
    (finding,) = registry.RULES["interactive_redraws"](_mpl_report(backend))
    assert ("plt.ioff()" in finding.fix) is ioff
    assert ("Interactive mode is on" in finding.message) is ioff


def _py_pipeline_report(iterators: int):
    from types import SimpleNamespace

    pipe = {"owner": "user", "stages": ["map", "batch"], "text": "from_tensor_slices → map → batch",
            "py_function": "tf.py_function", "map_functions": ["np_scale"], "iterators": iterators, "maps": 1}
    return SimpleNamespace(pipelines=[pipe], attribution=None, group_cpu=lambda group: 0.0, tf_python_calls=[], tf={})


@pytest.mark.parametrize("iterators, cache", [(1, False), (3, True)])
def test_py_function_offers_a_cache_only_to_a_dataset_iterated_again(iterators, cache):
    (finding,) = registry.RULES["py_function"](_py_pipeline_report(iterators))
    assert (".cache()" in finding.fix) is cache
    assert "before Dataset.from_tensor_slices" in finding.fix


@pytest.mark.parametrize("calls, seconds, rewrite", [(300, 0.45, True), (40, 0.6, False)])
def test_python_in_a_traced_step_is_rewritten_in_tensorflow_only_when_its_calls_are_short(calls, seconds, rewrite):
    """np.tanh at ~1.5 ms a call rewritten as tf.tanh: 0.5× the time; np.sort at ~15 ms a call as tf.sort: 3×."""
    from types import SimpleNamespace

    from tfplotguard.check.findings import rules_data

    report = SimpleNamespace(tf_python_calls=[{"function": "f", "filename": "cell", "calls": calls,
                                               "seconds": seconds}])
    fix = rules_data._in_graph_fix(report, "f")
    assert ("write f with TensorFlow ops" in fix) is rewrite
    assert ("only if they do that work faster" in fix) is not rewrite
