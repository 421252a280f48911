"""The catalogue of findings: an entry for every rule and for no other, shown by ``%tfcheck --explain``,
linked from reports, and the rules' thresholds set through ``%config TFPlotGuard.rule_thresholds``.
"""

from __future__ import annotations

import importlib.util
import json
import textwrap
from pathlib import Path

import pytest
from IPython.core.error import UsageError
from IPython.utils.capture import capture_output

from tfplotguard.check.findings import RULES, catalogue
from tfplotguard.check.findings.finding import Finding
from tfplotguard.check.report import Report

ROOT = Path(__file__).resolve().parents[1]


def _script():
    spec = importlib.util.spec_from_file_location("findings_catalogue", ROOT / "scripts" / "findings_catalogue.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def run(ip, cell):
    with capture_output() as cap:
        result = ip.run_cell(cell)
    return result, cap


def test_every_rule_has_a_complete_entry():
    incomplete = {rule_id: catalogue.entry(rule_id).missing() for rule_id in RULES}
    assert {rule_id: gaps for rule_id, gaps in incomplete.items() if gaps} == {}


def test_no_entry_names_a_rule_that_does_not_exist():
    with pytest.raises(ValueError, match="valid ids: retracing"):
        catalogue.entry("no_such_rule")
    shipped = json.loads(catalogue.EXAMPLES.read_text(encoding="utf-8"))
    assert set(shipped["rules"]) <= set(RULES)
    for rule_id, cases in shipped["rules"].items():
        for case in cases:  # every case shipped has its measured times
            assert case["slow_ms"] is not None and case["twin_ms"] is not None, (rule_id, case["case"])


def test_the_shipped_examples_are_the_zoos():
    script = _script()
    assert catalogue.EXAMPLES.read_text(encoding="utf-8") == script.render(), \
        "examples.json is out of date: python scripts/findings_catalogue.py --write"


def test_a_docstring_makes_an_entry():
    summary, fields, details, meanings = catalogue.parse_docstring("""One line.

        How it is weighed.

        Detects: a thing
            over two lines.

        Why it costs: time.

        Fix: do less.

        Thresholds:
            many: how many
                at least.
            small: how small.
        """)
    assert summary == "One line." and details == ["How it is weighed."]
    assert fields == {"detects": "a thing over two lines.", "costs": "time.", "fix": "do less."}
    assert meanings == {"many": "how many at least.", "small": "how small."}


def test_explain_shows_the_entry_in_the_notebook(tfcheck):
    result, cap = run(tfcheck, "%tfcheck --explain numpy_in_loop")
    assert result.success
    (bundle,) = [out.data for out in cap.outputs]
    plain, markdown = bundle["text/plain"], bundle["text/markdown"]
    for text in (plain, markdown):
        assert "host copy" in text and '"numpy_in_loop.many": 100' in text
        assert "history.append(y.numpy())" in text and "history.append(np.asarray(y))" in text  # the zoo's twins
        assert catalogue.url("numpy_in_loop") in text
    assert "## Why it costs time" in markdown and "What it detects" in plain


def test_explain_refuses_an_unknown_rule_with_the_valid_ids(tfcheck):
    with pytest.raises(UsageError, match=r"--explain: unknown finding rule id\(s\) 'nope'; valid ids: retracing, "):
        tfcheck.run_line_magic("tfcheck", "--explain nope")
    with pytest.raises(UsageError, match="line magic"):
        tfcheck.run_cell_magic("tfcheck", "--explain retracing", "pass")
    with pytest.raises(UsageError, match="no other options"):
        tfcheck.run_line_magic("tfcheck", "--explain retracing --quiet")


def test_each_finding_of_a_report_leads_to_its_entry():
    report = Report(kind="cell", source="x", wall_s=1.0,
                    findings=[Finding("numpy_in_loop", "copied 300 times.", "convert once.", share=0.5, seconds=0.5)])
    assert "    rule: numpy_in_loop (%tfcheck --explain numpy_in_loop)" in str(report).splitlines()
    assert f"href='{catalogue.url('numpy_in_loop')}'" in report._repr_html_()


def test_rule_thresholds_are_set_through_config(tfcheck, caplog):
    cell = textwrap.dedent("""\
        %%tfcheck --quiet -o r
        values = [t.numpy() for t in tensors]
        """)
    run(tfcheck, "import tensorflow as tf\ntensors = [tf.constant(float(i)) for i in range(12)]")
    try:
        run(tfcheck, cell)  # 12 calls on 12 tensors: under the default of 100
        assert "numpy_in_loop" not in {f.rule for f in tfcheck.user_ns["r"].findings}
        tfcheck.run_line_magic("config", "TFPlotGuard.rule_thresholds = {'numpy_in_loop.many': 10}")
        run(tfcheck, cell)
        assert "numpy_in_loop" in {f.rule for f in tfcheck.user_ns["r"].findings}
        tfcheck.run_line_magic("config", "TFPlotGuard.rule_thresholds = {'numpy_in_loop.lots': 10}")
        assert "rule numpy_in_loop has no threshold 'lots'; its thresholds: numpy_in_loop.repeat, " \
               "numpy_in_loop.many" in caplog.text
        tfcheck.run_line_magic("config", "TFPlotGuard.rule_thresholds = {'numpy_in_loop.many': -1}")
        assert "numpy_in_loop.many must be a number, 0 or more, got -1" in caplog.text
        run(tfcheck, cell)  # the refused values changed nothing
        assert "numpy_in_loop" in {f.rule for f in tfcheck.user_ns["r"].findings}
    finally:
        tfcheck.run_line_magic("config", "TFPlotGuard.rule_thresholds = {}")
        tfcheck.config.TFPlotGuard.pop("rule_thresholds", None)  # the shell keeps %config values for later loads
