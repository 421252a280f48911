"""``garbage_collection``: full collections that took a large part of a cell, named by where they started.

Real cells in a real shell under ``%%tfcheck``; the heaps are made large enough (a million small dicts kept) that
a full collection takes tens of milliseconds, as it does with TensorFlow and Keras imported.
"""

_HEAP = "import gc\nheap = [{'i': i} for i in range(1_000_000)]\n"


def _run(ip, cell, setup=""):
    if setup:
        ip.run_cell(setup).raise_error()
    # Not on a frozen heap (attribution_cells.settled): the collections' cost is what is measured.
    result = ip.run_cell("%%tfcheck -o _gc_report --quiet\n" + cell)
    assert result.success, result.error_in_exec
    return ip.user_ns["_gc_report"]


def _finding(report):
    found = [f for f in report.findings if f.rule == "garbage_collection"]
    return found[0] if found else None


def test_collections_asked_for_in_a_loop_are_named_with_the_function_and_the_cell_line(tfcheck):
    report = _run(tfcheck, "for step in range(25):\n    tidy()\n", _HEAP + "def tidy():\n    gc.collect()\n")
    found = _finding(report)
    assert found is not None and not found.minor, report.findings
    (row,) = [t for t in report.attribution["gc_triggers"] if t["explicit"]]
    # Lines count from the magic's line: the loop's body is line 3.
    assert row["collections"] == 25 and row["line"] == 3 and row["source"] == "gc.collect()"
    assert "asked for by `gc.collect()` in `" in found.message and ".tidy`, reached from line 3" in found.message
    assert found.fix.startswith("take the `gc.collect()` out of the loop")
    assert found.line == 3 and found.seconds >= 0.2


def test_pythons_own_collections_are_told_from_asked_ones_and_get_the_freeze_advice(tfcheck):
    report = _run(tfcheck, "rows = []\nfor i in range(600_000):\n    rows.append({'id': i, 'tags': [i]})\n", _HEAP)
    found = _finding(report)
    assert found is not None, [(c["id"], c["seconds"]) for c in report.attribution["categories"]]
    assert not any(t["explicit"] for t in report.attribution["gc_triggers"])
    assert "Python started them on its own" in found.message and "`gc.freeze()` once after the imports" in found.fix


def test_a_collection_asked_for_once_is_not_a_finding(tfcheck):
    # On a large heap one gc.collect() can be a third of a short cell; asked for once it is the user's choice.
    report = _run(tfcheck, "gc.collect()\ntotal = sum(i * i for i in range(2_000_000))\n", _HEAP)
    (row,) = [t for t in report.attribution["gc_triggers"] if t["explicit"]]
    assert row["collections"] == 1
    assert _finding(report) is None


def test_a_collection_with_no_python_frame_beneath_the_callback_is_timed_without_a_place():
    # A native thread allocating through the C API has no frame of its own under the callback: the clock times
    # the collection, keeps no place for it, and raises nothing (an exception in a gc callback is printed). A
    # thread started with `_thread` calls the clock straight from C, as such an allocation would.
    import _thread
    import sys
    import threading

    from tfplotguard.check.attribution.gcclock import GcClock

    clock = GcClock("<cell>")
    done = threading.Event()

    def stop_later():
        clock("stop", {"generation": 2})
        done.set()

    raised = []
    hook, sys.unraisablehook = sys.unraisablehook, raised.append  # where `_thread` reports what its function raised
    try:
        _thread.start_new_thread(clock, ("start", {"generation": 2}))  # no Python frame beneath the clock's own
        for _ in range(5000):
            if clock._began is not None and not threading.Event().wait(0.01):  # started, and a moment to finish
                break
            threading.Event().wait(0.001)
        _thread.start_new_thread(stop_later, ())
        assert done.wait(5)
    finally:
        sys.unraisablehook = hook
    assert not raised, raised
    assert clock.full == 1 and clock.triggers == {}
