"""A busy cell line's time inside the user's own helpers, read back in the cell's terms (``attribution.helpers``).

``helper_rows`` is given what the sampler keeps (a cell line, the helpers' code objects and lines, seconds) and
reads the helpers' sources from ``linecache``, as IPython registers every cell there.
"""

import linecache

from tfplotguard.check.attribution.helpers import helper_rows, shown


def _cell(name, source, namespace):
    """Compile and run ``source`` as an IPython cell would (its text in ``linecache`` under ``name``)."""
    linecache.cache[name] = (len(source), None, source.splitlines(True), name)
    exec(compile(source, name, "exec"), namespace)


def test_a_method_is_read_with_its_receiver_and_the_call_sites_arguments():
    ns = {}
    _cell("<ipython-input-h1>", "import numpy as np\n"
          "class Scorer:\n"
          "    def __init__(self, table):\n"
          "        self.table = table\n"
          "    def score(self, ids, scale=2.0):\n"
          "        rows = np.take(self.table, ids, axis=0)\n"
          "        return rows.sum() * scale\n", ns)
    _cell("<ipython-input-h2>", "scorer = Scorer(np.ones((1000, 8)))\nout = [scorer.score(i) for i in range(3)]\n", ns)
    code = ns["Scorer"].score.__code__
    rows = helper_rows("<ipython-input-h2>", ns, {(2, ((code, 6),)): 0.9}, [2], {2: 1.0})
    (row,) = rows
    assert row["functions"] == ["Scorer.score"] and row["helper_line"] == 6
    assert row["helper_source"] == "rows = np.take(self.table, ids, axis=0)"
    # `self` is the receiver, `self.table` one name whose value is read from the instance's own dict, `ids` the
    # call site's `i`; the local `rows` is new at every call.
    assert shown(row["source"]) == "rows = np.take(scorer.table, i, axis=0)"
    assert row["fresh"] == ["rows"]
    table = next(n for n in row["names"] if shown(n["name"]) == "scorer.table")
    assert table["type"] == "numpy.ndarray" and table["elements"] == 8000


def test_a_helper_calling_a_helper_is_read_through_both_calls_and_defaults_stand_for_missing_arguments():
    ns = {}
    _cell("<ipython-input-h3>", "def inner(a, b=None, *rest):\n    return sorted(a, key=b)\n"
          "def outer(x, y):\n    z = inner(y)\n    return z\n", ns)
    _cell("<ipython-input-h4>", "data = [3, 1, 2]\nres = [outer(k, data) for k in range(2)]\n", ns)
    chain = ((ns["outer"].__code__, 4), (ns["inner"].__code__, 2))
    (row,) = helper_rows("<ipython-input-h4>", ns, {(2, chain): 1.0}, [2], {2: 1.0})
    assert row["functions"] == ["outer", "inner"]
    assert row["source"] == "return sorted(data, key=None)"


def test_a_local_named_like_a_namespace_name_is_renamed_apart_and_shown_by_its_own_name():
    ns = {}
    _cell("<ipython-input-h5>", "def f(v):\n    data = list(v)\n    return data\n", ns)
    _cell("<ipython-input-h6>", "data = [1]\nr = [f(data) for _ in range(2)]\n", ns)
    (row,) = helper_rows("<ipython-input-h6>", ns, {(2, ((ns["f"].__code__, 2),)): 1.0}, [2], {2: 1.0})
    assert row["source"] != "data = list(data)"  # the local is not the cell's `data`
    assert shown(row["source"]) == "data = list(data)" and row["fresh"] != ["data"]


def test_a_helper_whose_globals_are_not_the_cells_or_that_the_line_does_not_call_is_not_read():
    ns, other = {}, {}
    _cell("<ipython-input-h7>", "def g(v):\n    return sum(v)\n", other)  # another module's function
    ns["g"] = other["g"]
    _cell("<ipython-input-h8>", "r = [g([1]) for _ in range(2)]\nq = 1\n", ns)
    code = other["g"].__code__
    assert helper_rows("<ipython-input-h8>", ns, {(1, ((code, 2),)): 1.0}, [1], {1: 1.0}) == []
    ns2 = {}
    _cell("<ipython-input-h9>", "def g(v):\n    return sum(v)\n", ns2)
    _cell("<ipython-input-h10>", "q = 1\nr = [len([1]) for _ in range(2)]\n", ns2)
    assert helper_rows("<ipython-input-h10>", ns2, {(2, ((ns2["g"].__code__, 2),)): 1.0}, [2], {2: 1.0}) == []


def test_a_helper_line_under_its_share_of_the_cell_line_is_not_read():
    ns = {}
    _cell("<ipython-input-h11>", "def f(v):\n    return sum(v)\n", ns)
    _cell("<ipython-input-h12>", "r = [f([1]) for _ in range(2)]\n", ns)
    assert helper_rows("<ipython-input-h12>", ns, {(1, ((ns["f"].__code__, 2),)): 0.1}, [1], {1: 1.0}) == []


def test_a_statement_in_a_loop_of_the_helper_comes_with_the_helpers_body_in_the_cells_terms():
    ns = {}
    _cell("<ipython-input-h13>", "def load(archive, names):\n    out = {}\n    for n in names:\n"
          "        out[n] = len(archive)\n    return out\n", ns)
    _cell("<ipython-input-h14>", "path = 'x'\nnames = ['a', 'b']\nres = load(path, names)\n", ns)
    (row,) = helper_rows("<ipython-input-h14>", ns, {(3, ((ns["load"].__code__, 4),)): 1.0}, [3], {3: 1.0})
    assert row["body"] == "out = {}\nfor n in names:\n    out[n] = len(path)\nreturn out"
    assert row["body_line"] == 3 and {n["name"] for n in row["names"]} == {"names", "path"}
    # A statement in no loop of the helper's has no body.
    (flat,) = helper_rows("<ipython-input-h14>", ns, {(3, ((ns["load"].__code__, 2),)): 1.0}, [3], {3: 1.0})
    assert flat["body"] is None and flat["body_line"] is None


def test_a_helpers_loop_is_read_by_the_tables_as_a_cells_loop(tfcheck):
    # The helper opens the same archive at each iteration of its own loop; the cell line calls it once.
    from benchmarks.fixes import KNOWN_CALL_CASES

    setup = KNOWN_CALL_CASES["archive_opened_per_member"][0] + (
        "def load_labels(archive, names):\n    out = {}\n    for n in names:\n"
        "        with zipfile.ZipFile(archive) as z:\n            out[n] = json.loads(z.read(n))\n    return out\n")
    tfcheck.run_cell(setup)
    tfcheck.run_cell("%%tfcheck -o _helper_report --quiet\nlabels = load_labels(path, members)\n")
    report = tfcheck.user_ns["_helper_report"]
    (found,) = [f for f in report.findings if f.rule == "costly_idiom"]
    assert "in `load_labels`, which this line calls" in found.message and "from the same arguments" in found.message
    assert "`zipfile.ZipFile(path)`" in found.message and "(the call is in `load_labels`)" in found.fix
