"""The category table and the classifier on real stacks, the result model and its rendering."""

import ast
import re
import sys
import time
import traceback

import numpy as np
import pytest
import tensorflow as tf

from attribution_cells import CELL, register_source, run_cell
from tfplotguard.check.attribution import (
    CATEGORIES, PATTERNS, Attribution, category, classify, classify_frame,
)
from tfplotguard.check.attribution import categories as cats
from tfplotguard.check.report.attribution import render_html, render_text


def test_every_row_names_a_known_category_and_every_category_has_label_and_colour():
    for module, funcs, role, cid in PATTERNS:
        assert role == cats.SKIP or cid in CATEGORIES, (module, cid)
    for c in CATEGORIES.values():
        assert c.label and re.fullmatch(r"#[0-9a-f]{6}", c.colour)
    assert category("other:json").label == "other library: json"


def test_table_modules_exist_in_the_installed_libraries():
    """Every library module the table names is importable here: no guessed paths."""
    import importlib.util

    for module, _, _, _ in PATTERNS:
        top = module.split(".")[0]
        if top in ("ipywidgets", "comm", "matplotlib_inline", "mpl_toolkits") and importlib.util.find_spec(top) is None:
            continue
        assert importlib.util.find_spec(module) is not None, module


def _stack_inside(fn, *args):
    """The real stack (outermost first) seen from inside ``fn``'s callee, cut below this helper."""
    seen = {}

    def grab(*a, **k):
        seen["stack"] = traceback.extract_stack()[:-1]
        return a[0] if a else None

    fn(grab, *args)
    return seen["stack"]


def test_classify_takes_frame_summaries_and_tuples_from_a_real_tf_data_generator_thread():
    """A generator run by tf.data on TensorFlow's thread: the cell's generator, read as the cell's Python."""
    src = "def gen():\n    yield grab_stack()\n"
    stacks = []

    def grab_stack():
        stacks.append(traceback.extract_stack())
        return 1

    register_source(src)
    ns = {"grab_stack": grab_stack}
    exec(compile(src, CELL, "exec"), ns)
    ds = tf.data.Dataset.from_generator(ns["gen"], output_signature=tf.TensorSpec([], tf.int32))
    list(ds)
    stack = stacks[0][:-1]  # without grab_stack itself
    names = [f.name for f in stack]
    assert "generator_py_func" in names and names[-1] == "gen"
    assert classify(stack, CELL, thread=True) == ("cell", 2)
    as_tuples = [(f.filename, f.name, f.lineno) for f in stack]
    assert classify(as_tuples, CELL, thread=True) == ("cell", 2)
    # Without the generator's own frame the innermost frames are TensorFlow's script_ops.
    assert classify(as_tuples[:-1], CELL, thread=True)[0].startswith(("tf_", "other:"))


def test_classify_reads_both_ends_real_keras_callback_stack():
    """fit → callback defined in the cell: the cell's own code (innermost user frame), not Keras overhead."""
    keras = pytest.importorskip("keras")
    src = ("class CB(keras.callbacks.Callback):\n    def on_epoch_end(self, epoch, logs=None):\n"
           "        grab()\nmodel.fit(x, y, epochs=1, verbose=0, callbacks=[CB()])\n")
    stacks = []
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    model.compile("sgd", "mse")
    ns = {"keras": keras, "model": model, "x": np.ones((8, 2)), "y": np.ones((8, 1)),
          "grab": lambda: stacks.append(traceback.extract_stack()[:-1])}
    register_source(src)
    exec(compile(src, CELL, "exec"), ns)
    stack = stacks[0]
    i = max(k for k, f in enumerate(stack) if f.filename == CELL)
    assert classify(stack[: i + 1], CELL) == ("cell", 3)
    # Cut below the callback: inside fit's own machinery, Keras overhead.
    j = max(k for k, f in enumerate(stack) if f.filename == CELL and f.name == "<module>")
    k = next(k for k, f in enumerate(stack) if "callbacks" in f.filename and k > j)
    assert classify(stack[: k + 1], CELL)[0] == "keras_overhead"


def test_classify_outside_the_cell_is_native_or_our_own():
    assert classify([("/nowhere/runner.py", "main", 1)], CELL) == ("native", None)
    import tfplotguard.core.convert as conv

    assert classify([("/nowhere/runner.py", "main", 1), (conv.__file__, "to_numpy", 10)], CELL)[0] == "tfplotguard"


def test_classification_is_cached_per_code_object_and_ends_at_the_cell_body():
    """A live stack is walked from the innermost frame out to the cell's body, each code object looked up once."""
    cats.clear_cache()
    seen = []

    def probe():
        frame = sys._getframe(1)  # the cell's function inner(), called from the cell's body
        for thread in (False, False, True):
            before = len(cats._CODE_CACHE)
            seen.append((classify_frame(frame, CELL, thread=thread), len(cats._CODE_CACHE) - before))

    exec(compile("def inner():\n    probe()\ninner()\n", CELL, "exec"), {"probe": probe})
    (first, new_first), (again, new_again), (as_thread, new_thread) = seen
    # inner() and the body are new; what lies beyond the body (this test, pytest) is not walked.
    assert first == again == ("cell", 2) and new_first == 2 and new_again == 0
    # Another thread's stack has no cell body to end at: it is walked whole (this test's frames and pytest's).
    assert as_thread[0] == "cell" and new_thread > 5


def test_package_does_not_import_tensorflow_matplotlib_or_ipython():
    """Read from the modules' import statements (``tfplotguard/__init__`` imports matplotlib for the guard)."""
    tree_imports = set()
    import tfplotguard.check.attribution as pkg
    import pathlib

    for path in pathlib.Path(pkg.__file__).parent.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                tree_imports |= {a.name.split(".")[0] for a in node.names}
            elif isinstance(node, ast.ImportFrom) and node.level == 0:
                tree_imports.add(node.module.split(".")[0])
    assert not tree_imports & {"tensorflow", "matplotlib", "IPython", "keras", "numpy"}, tree_imports


def _sample_attribution():
    src = ("import json\nt0 = time.perf_counter()\nwhile time.perf_counter() - t0 < 0.05:\n    s = json.dumps([1])\n"
           "time.sleep(0.03)\n")
    return run_cell(src, {"time": time})


def test_text_rendering_is_aligned_and_lists_categories_and_lines():
    att = _sample_attribution()
    text = render_text(att)
    lines = text.splitlines()
    assert lines[0].startswith("where the time went (")
    rows = lines[1: lines.index("top lines")]
    assert any("other library: json" in r for r in rows) and any("the cell's own Python" in r for r in rows)
    assert len({r.index("%") for r in rows}) == 1  # share column aligned
    assert any("time.sleep(0.03)" in r for r in lines)


def test_html_rendering_is_one_bar_with_inline_styles_and_a_legend():
    att = _sample_attribution()
    out = render_html(att)
    assert "<style" not in out and "class=" not in out
    widths = [float(w) for w in re.findall(r"width:([0-9.]+)%;background", out)]
    assert abs(sum(widths) - 100) < 1.5
    assert CATEGORIES["cell"].colour in out and "other library: json" in out and "<table" in out
    evil = Attribution.from_dict(att.to_dict())
    evil.lines[0].source = "<script>x</script>"
    assert "<script>" not in render_html(evil) and "&lt;script&gt;" in render_html(evil)
    assert "json.dumps([1])" in out


def test_from_dict_of_an_old_result_and_empty_result():
    empty = Attribution.build(0.0, {}, {}, {}, 0, 0.001)
    assert empty.categories[0].id == "unattributed" and empty.top is None
    assert Attribution.from_dict(empty.to_dict()) == empty
    assert "0 samples" in render_text(empty) and "<div" in render_html(empty)
