"""What a busy line's time went through: the inclusive seconds per function and the hot call tree.

A real cell under ``%%tfcheck`` whose one busy line spends its time in a pure-Python library
function (``copy.deepcopy``): the sampler's tables must show that function holding most of the
line, and the HTML report must offer the tree, folded below its hot path.

The cell is sized to run well past the quiet floor (0.5 s) on a fast machine: a quiet report shows the attribution
in brief, without the tree (CI on an AVX-512 Xeon once ran 80 copies in 0.29 s).
"""

SETUP = "import copy\nnested = {'rows': [{'k': i, 'v': list(range(40))} for i in range(300)]}\n"
CELL = "copies = []\nfor _ in range(200):\n    copies.append(copy.deepcopy(nested))\n"


def _report(ip):
    ip.run_cell(SETUP)
    result = ip.run_cell("%%tfcheck -o _tree_report --quiet\n" + CELL)
    assert result.success, result.error_in_exec
    return ip.user_ns["_tree_report"]


def test_a_busy_line_shows_the_function_its_time_went_through(tfcheck):
    report = _report(tfcheck)
    att = report.attribution
    line = att["lines"][0]
    assert "deepcopy" in line["source"] or line["line"] == 2, line  # the loop's header stands for its body
    functions = {r["function"]: r["seconds"] for r in att["functions"] if r["line"] == line["line"]}
    assert functions.get("copy.deepcopy", 0.0) >= 0.5 * line["seconds"], (line, functions)
    # Inclusive: a function never holds more than its line.
    assert max(functions.values()) <= line["seconds"] + 1e-9


def test_the_hot_call_tree_leads_to_that_function_and_leaves_tfplotguard_out(tfcheck):
    report = _report(tfcheck)
    att = report.attribution
    line = att["lines"][0]["line"]
    tree = next(t for t in att["trees"] if t["line"] == line)
    top = tree["calls"][0]
    assert top["function"] == "copy.deepcopy" and top["seconds"] >= 0.5 * tree["seconds"], tree
    names = []
    pending = list(tree["calls"])
    while pending:
        call = pending.pop()
        names.append(call["function"])
        assert call["seconds"] >= 0.05 * tree["seconds"] - 1e-9  # smaller calls are left out
        assert sum(c["seconds"] for c in call["calls"]) <= call["seconds"] + 1e-9
        pending += call["calls"]
    assert not [n for n in names if n.startswith("tfplotguard.")], names
    page = report._repr_html_()
    assert "the hot call tree" in page and "<details open" in page and "copy.deepcopy" in page
