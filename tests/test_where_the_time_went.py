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


def test_a_wait_on_a_tf_data_pipeline_is_its_threads_work_not_a_wait_to_remove():
    """A wait on tf.data is off the cell thread's CPU while the pipeline's threads compute: not "blocked".

    Constructed data: on this machine a pipeline heavy enough to wait on for 0.5 s also makes
    TensorFlow's pools busy enough for tf_compute_bound, whose finding keeps the fallback quiet.
    """
    from tfplotguard.check.findings.rules_general import where_the_time_went
    from tfplotguard.check.report import Report

    source = "out = [b.numpy() for b in ds]"
    report = Report(wall_s=1.0, findings=[])
    report.attribution = {
        "wall_s": 1.0, "samples": 900, "interval_s": 0.001, "cell_filename": None, "error": None,
        "lines_total": 1, "extra": {}, "timeline": None, "threads": [], "names": [],
        "categories": [{"id": "tf_data_wait", "label": "waiting for tf.data input", "colour": "#b07aa1",
                        "seconds": 0.95, "share": 0.95}],
        "lines": [{"line": 3, "source": source, "seconds": 0.95, "share": 0.95, "category": "tf_data_wait",
                   "category_share": 1.0}],
        "paths": [{"line": 3, "call": "tensorflow.python.data.ops.iterator_ops.OwnedIterator.__next__",
                   "inner": "tensorflow.python.ops.gen_dataset_ops.iterator_get_next", "seconds": 0.95}],
        "off_cpu": {"tf_data_wait": 0.93},
    }
    (found,) = where_the_time_went(report, min_wall_s=0.5, explained_share=0.5)
    assert found.line == 3 and not found.minor
    assert "blocked" not in found.message and "other threads did the work" in found.message
    assert "wait, not work" not in found.fix and "what those threads compute" in found.fix


def test_large_eager_ops_are_their_computing_not_their_dispatch(tfcheck):
    # One solve of a new 900x900 matrix per step: milliseconds an op, the ops' own work.
    tfcheck.run_cell("import tensorflow as tf\nn = 900\nK = tf.eye(n) * 4.0 + tf.random.normal((n, n)) * 0.01\n"
                     "b = tf.ones((n, 1))\n")
    report = _report(tfcheck, "for s in range(50):\n    x = tf.linalg.solve(K + float(s) * tf.eye(n), b)\n")
    found = _fallback(report)
    assert found is not None and found.line == 3, [str(f) for f in report.findings]
    assert "TensorFlow ops computing" in found.message and "dispatch)" in found.message, found.message
    assert "eager op dispatch" not in found.message and "its ops compute" in found.fix


def test_small_eager_ops_keep_the_dispatch_label():
    """Constructed: 9,000 ops in 0.6 s are 67 µs each, the cost of dispatching them, not computing."""
    from tfplotguard.check.findings.rules_general import where_the_time_went
    from tfplotguard.check.report import Report

    report = Report(wall_s=0.7, findings=[])
    report.tf_times = {"eager_ops": {"AddV2": 6000, "MatMul": 3000}, "eager_ops_capped": False}
    report.attribution = {
        "wall_s": 0.7, "samples": 500, "interval_s": 0.001, "cell_filename": None, "error": None,
        "lines_total": 1, "extra": {}, "timeline": None, "threads": [], "names": [],
        "categories": [{"id": "tf_eager_ops", "label": "TensorFlow eager op dispatch", "colour": "#f28e2b",
                        "seconds": 0.6, "share": 0.86}],
        "lines": [{"line": 3, "source": "y = x + x @ w", "seconds": 0.6, "share": 0.86, "category": "tf_eager_ops",
                   "category_share": 1.0}],
        "paths": [], "off_cpu": {},
    }
    (found,) = where_the_time_went(report, min_wall_s=0.5, explained_share=0.5)
    assert "TensorFlow eager op dispatch" in found.message and "computing" not in found.message
    report.tf_times = {"eager_ops": {"MatrixSolve": 60}, "eager_ops_capped": False}
    (found,) = where_the_time_went(report, min_wall_s=0.5, explained_share=0.5)
    assert "TensorFlow ops computing (60 eager ops, 10 ms each" in found.message, found.message


def test_a_line_run_a_known_number_of_times_is_named_with_its_runs_and_time_per_run(tfcheck):
    # A loop of known length (range of a name that held an int): the runs and the time per run say whether the
    # line is many short calls or a few long ones, which the place alone does not.
    tfcheck.run_cell("import json\nrows = 12_000\npayload = list(range(300))\n").raise_error()
    report = _report(tfcheck, "for i in range(rows):\n    s = json.dumps(payload, indent=1)\n")
    found = _fallback(report)
    assert found is not None and found.line == 3, [str(f) for f in report.findings]
    per_run = found.seconds / 12_000
    assert "ran 12,000 times in its loop" in found.message, found.message
    assert ("many short runs" in found.message) == (per_run <= 0.0005), (per_run, found.message)
    assert ("runs are each short" in found.fix) == (per_run <= 0.0005), found.fix


def test_a_cell_that_starves_the_sampler_of_the_gil_is_not_charged_to_the_magic_around_it(tfcheck):
    # NumPy's reduction of a 4,000-item list releases the GIL for microseconds at each call and takes it back
    # before the woken sampler thread runs: 2-5 looks in 0.47 s here. The look that finally lands after the cell's
    # code returned once charged the whole gap to IPython's frames ("IPython / display 93%"); it goes to the last
    # place the cell was seen.
    tfcheck.run_cell("import numpy as np\n").raise_error()
    for _ in range(3):
        report = _report(tfcheck, "total = 0.0\nfor k in range(4000):\n    row = [float(k)] * 4000\n"
                                  "    total += np.sum(row)\n")
        seconds = {c["id"]: c["seconds"] for c in report.attribution["categories"]}
        sampled = sum(s for c, s in seconds.items() if c != "unattributed")
        assert seconds.get("ipython", 0.0) + seconds.get("tfplotguard", 0.0) < 0.05 * report.wall_s, seconds
        lines = report.attribution["lines"]
        if sampled:  # a run where the sampler took no look in the cell at all leaves it unattributed, not mislabelled
            assert "np.sum(row)" in lines[0]["source"] and lines[0]["seconds"] >= 0.9 * sampled, (lines, seconds)


def test_a_garbage_collection_finding_on_the_busiest_line_leaves_the_lines_own_time_to_the_fallback():
    """Full collections are timed apart from the lines: a finding about them that names the busiest line explains
    none of that line's time, so the fallback still says where the rest went (blind set 12's thread pool: 42 % in
    collections, 58 % in ``Executor.map``)."""
    from tfplotguard.check.findings.finding import Finding
    from tfplotguard.check.findings.rules_general import where_the_time_went
    from tfplotguard.check.report import Report

    gc_finding = Finding(rule="garbage_collection", message="…", fix="…", severity="warn", seconds=0.4, share=0.4, line=3,
                         minor=False)
    report = Report(wall_s=1.0, findings=[gc_finding])
    report.attribution = {
        "wall_s": 1.0, "samples": 300, "interval_s": 0.001, "cell_filename": None, "error": None,
        "lines_total": 1, "extra": {}, "timeline": None, "threads": [], "names": [],
        "categories": [{"id": "other:concurrent", "label": "other library: concurrent", "colour": "#999999",
                        "seconds": 0.58, "share": 0.58},
                       {"id": "gc", "label": "full Python garbage collections", "colour": "#999999",
                        "seconds": 0.4, "share": 0.4}],
        "lines": [{"line": 3, "source": "feats = list(pool.map(f, items))", "seconds": 0.58, "share": 0.58,
                   "category": "other:concurrent", "category_share": 1.0}],
        "paths": [{"line": 3, "call": "concurrent.futures._base.Executor.map",
                   "inner": "threading.Condition.__init__", "seconds": 0.58}],
        "off_cpu": {},
    }
    (found,) = where_the_time_went(report, min_wall_s=0.5, explained_share=0.5)
    assert found.line == 3 and "Executor.map" in found.message
    report.findings = [Finding(rule="costly_idiom", message="…", fix="…", severity="warn", seconds=0.4, share=0.4, line=3,
                               minor=False)]
    assert not where_the_time_went(report, min_wall_s=0.5, explained_share=0.5)  # another rule's is the line's
