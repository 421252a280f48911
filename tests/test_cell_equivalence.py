"""``%%tfcheck`` changes nothing about the cell it measures (issue 26): a differential test.

Each cell of the corpus runs twice in the same real IPython shell, with tfplotguard loaded: as
typed (plain), then with ``%%tfcheck --quiet`` as its first line. Between the runs the shell is
put back: the user namespace and IPython's record of its own names in it, ``_`` / ``__`` /
``___``, the compiler's ``__future__`` flags, the exit request, the warnings' once-per-location
records. The two runs are compared on what the cell does and shows:

- outcome: success, an error before the cell ran (syntax) or in it; the exception's type, text,
  chained causes, and the cell's own traceback frames (function name, line);
- what IPython displayed and stored: stdout, stderr, warnings, rich display outputs, the values added to
  ``Out``, ``_`` and ``__``, ``result.result``, whether the cell got a number;
- the namespace: names added, changed or removed (IPython's own ``_i``, ``_ih``, ``_N``, … aside);
- the ``__future__`` flags the cell leaves to later cells, and whether it asked the shell to exit.

Line numbers are the cell's as typed: under ``%%tfcheck`` the magic is line 1, so a line of the
body is one more than in the plain cell, and the observations subtract that offset. A difference
is a bug, or a documented limit (``docs/tfcheck.md``, "What ``%%tfcheck`` changes about a cell"):
such a case carries the expected difference, checked exactly, never a skip.

Tracebacks are shown in IPython's ``Minimal`` mode here: the frames are compared structurally
(the context lines around a failing line show the magic line under ``%%tfcheck``, as they should).
"""

from __future__ import annotations

import __future__
import ast
import dataclasses
import re
import sys
import types
import warnings
from typing import Callable

import pytest
from IPython.utils.capture import capture_output

MAGIC = "%%tfcheck --quiet\n"
INTERACTIVITY = ("all", "last", "last_expr", "none", "last_expr_or_assign")
FUTURE_FLAGS = 0
for _name in __future__.all_feature_names:
    FUTURE_FLAGS |= getattr(__future__, _name).compiler_flag
#: IPython's own names in the user namespace; they are compared through Out, _ and __ instead.
IPYTHON_NAMES = re.compile(r"_(i+|i\d+|\d+|ih|oh|dh)|In|Out|___|exit|quit|get_ipython|_exit_code")
CELL_FILE = re.compile(r"<ipython-input-(\d+)-[0-9a-f]+>")


@dataclasses.dataclass
class Case:
    id: str
    body: str
    interactivity: str = "last_expr"
    setup: str = ""  # run (stored in history) before the cell, both times
    silent: bool = False
    #: A documented difference: from the plain run's observation, the one ``%%tfcheck`` gives.
    expected: Callable[[dict], dict] | None = None
    limit: str = ""  # the docs' words for it


def _own_source(plain: dict) -> dict:
    """``In[-1]`` is the cell as IPython stored it: with the magic, as for every cell magic."""
    expected = _copy(plain)
    expected["names"]["this"] = repr(repr(MAGIC.rstrip("\n")) + "\n" + ast.literal_eval(plain["names"]["this"]))
    return expected


def _own_line_number(plain: dict) -> dict:
    """A line number the cell reads itself counts the magic line, as tracebacks do."""
    expected = _copy(plain)
    expected["names"]["here"] = str(int(plain["names"]["here"]) + 1)
    return expected


def _empty_body_is_a_cell(plain: dict) -> dict:
    """An empty ``%%tfcheck`` cell is not empty: it gets a number and a history entry."""
    expected = _copy(plain)
    expected["numbered"] = True
    return expected


MIXED = "a = 1\na + 1\nfor i in range(2):\n    i * 10\nb = a + 2"
ENDS_WITH_EXPR = "a = 6\nprint('side', a)\na * 7"
ENDS_WITH_ASSIGN = "bb = 34"

CASES = [
    # -- what a cell shows, under every ast_node_interactivity ----------------------------------
    *[Case(f"mixed-{mode}", MIXED, interactivity=mode) for mode in INTERACTIVITY],
    *[Case(f"ends-with-expression-{mode}", ENDS_WITH_EXPR, interactivity=mode) for mode in INTERACTIVITY],
    *[Case(f"ends-with-assignment-{mode}", ENDS_WITH_ASSIGN, interactivity=mode) for mode in INTERACTIVITY],
    Case("augmented-assignment-last_expr_or_assign", "bb += 1", "last_expr_or_assign", setup="bb = 1"),
    Case("annotated-assignment-last_expr_or_assign", "cc: int = 3", "last_expr_or_assign"),
    Case("annotation-only-last_expr_or_assign", "dd: int", "last_expr_or_assign"),  # IPython's NameError, line 1
    Case("tuple-assignment-last_expr_or_assign", "p, q = 1, 2", "last_expr_or_assign"),
    Case("annotation-only-last_expr_or_assign-silent", "dd: int", "last_expr_or_assign", silent=True),
    Case("trailing-semicolon", "6 * 7;"),
    Case("trailing-semicolon-all", "1\n6 * 7;", interactivity="all"),
    Case("silent-cell", "5", silent=True),
    Case("last-expression-with-a-side-effect", "hits = []\nhits.append(1) or len(hits)"),
    Case("last-expression-with-a-side-effect-none", "hits = []\nhits.append(1) or len(hits)", interactivity="none"),
    Case("last-expression-none-value", "print('only printed')"),
    Case("for-loop-last-all", "for i in range(3):\n    i", interactivity="all"),
    Case("display-calls", "from IPython.display import display, HTML\ndisplay({'text/plain': 'raw'}, raw=True)\n"
                          "display(5)\ndisplay(HTML('<b>x</b>'))\n'end'"),
    Case("print", "print('a')\nprint('b', end='')\nimport sys\nprint('err', file=sys.stderr)"),
    Case("define-and-use", "def twice(x):\n    return 2 * x\nclass C:\n    y = twice(3)\n"
                           "    def m(self):\n        return twice(self.y)\nC().m()"),
    Case("comprehension-lambda-walrus", "sq = [i * i for i in range(4)]\nf = lambda v: v + 1\n(n := f(sq[-1]))"),
    Case("docstring-like-string", "'a docstring'\ny = 1\nd = __doc__"),
    Case("string-constant-silent", "'just text'", silent=True),
    Case("string-that-reads-like-the-magic", "'%%tfcheck --quiet'"),
    Case("star-import", "from math import *\nfloor(2.5)"),
    Case("module-names", "name = __name__\nsame = locals() is globals()\nimport sys\n"
                         "code = sys._getframe().f_code.co_name"),
    # -- the text of the cell --------------------------------------------------------------------
    Case("future-import-first", "from __future__ import annotations\ndef f(x: undefined_name) -> int:\n"
                                "    return 1\nann = f.__annotations__"),
    Case("future-import-later", "x = 1\nfrom __future__ import annotations\ndef g(v: nothing): pass\n"
                                "ann = g.__annotations__"),
    Case("future-import-braces", "from __future__ import braces"),
    Case("indented-body", "    x = 1\n    y = x + 1\n    y"),
    Case("indented-body-with-blank-lines", "\n\n    x = 1\n\n    if x:\n        x += 1\n    x"),
    Case("leading-blank-lines-then-raise", "\n\nx = 1\n1 / 0"),
    Case("classic-prompts", ">>> x = 5\n>>> x + 1"),
    Case("ipython-prompts", "In [1]: x = 5\n   ...: x * 2"),
    Case("ellipsis", "..."),
    Case("comments-only", "# nothing to run\n# at all"),
    Case("empty", "", expected=_empty_body_is_a_cell, limit="an empty %%tfcheck cell is a cell"),
    Case("automagic-one-line", "pwd"),
    Case("line-magic-assignment", "here_dir = %pwd\nlen(here_dir) > 0"),
    Case("shell-escape", "!echo hi"),
    Case("help-end", "len?"),
    Case("bare-exit", "exit"),
    Case("exit-call", "x = 1\nexit()"),
    Case("time-cell-magic", "%%time\nx = sum(range(10))\nx"),
    Case("timeit-line-magic", "%timeit -n 1 -r 1 sum(range(10))\nt = %timeit -q -o -n 1 -r 1 sum(range(3))"),
    Case("time-line-magic", "%time v = 1 + 1\nv"),
    Case("capture-cell-magic", "%%capture captured\nprint('hidden')\n5"),
    Case("tfcheck-body-is-a-tfcheck-cell", "%%tfcheck --quiet\ninner = 3\ninner * 2"),
    # -- top-level await ---------------------------------------------------------------------------
    Case("await", "import asyncio\nawait asyncio.sleep(0)\nslept = True"),
    Case("await-last-expression", "import asyncio\nawait asyncio.sleep(0, result=7)"),
    Case("async-for-all", "async def agen():\n    yield 1\n    yield 2\nasync for v in agen():\n    v",
         interactivity="all"),
    Case("async-comprehension", "async def agen():\n    yield 1\n    yield 2\ngot = [v async for v in agen()]\ngot"),
    # -- errors ------------------------------------------------------------------------------------
    Case("syntax-error", "x = 1\ny = (\n"),
    Case("syntax-error-later-line", "x = 1\ny = 2\ndef f(:\n    pass"),
    Case("indentation-error", "if True:\nx = 1"),
    Case("return-outside-function", "x = 1\nreturn x"),
    Case("yield-outside-function", "x = 1\nyield x\ny = 2"),
    Case("await-in-plain-function", "def f():\n    await g()"),
    Case("nonlocal-at-module-level", "x = 1\nnonlocal x"),
    Case("raise-on-line-3", "x = 1\ny = 2\nraise KeyError('boom')"),
    Case("raise-in-function", "def inner():\n    return 1 / 0\ndef outer():\n    return inner()\nouter()"),
    Case("raise-in-last-expression", "x = 1\n1 / 0"),
    Case("raise-in-last-expression-all", "1\n[][0]", interactivity="all"),
    Case("raise-in-loop", "total = 0\nfor i in range(5):\n    total += 10 // (3 - i)"),
    Case("raise-chained", "try:\n    {}['k']\nexcept KeyError as e:\n    raise ValueError('bad') from e"),
    Case("raise-keyboard-interrupt", "x = 1\nraise KeyboardInterrupt"),
    Case("raise-system-exit", "raise SystemExit(3)"),
    Case("finally-runs", "try:\n    1 / 0\nfinally:\n    print('cleanup')"),
    Case("warning", "import warnings\nwarnings.warn('careful')\nw = 1"),
    # -- names -------------------------------------------------------------------------------------
    Case("del-existing", "del predefined", setup="predefined = 5"),
    Case("del-missing", "del nothing_here"),
    Case("global-statement", "global g\ng = 5\ndef set_g():\n    global g\n    g = 6\nset_g()"),
    Case("underscores", "total = _ + __\n_ * 2", setup="10\n20"),
    Case("out-and-in", "last_out = Out[max(Out)]\nprevious = In[-2]\nlast_in = _i", setup="7 * 6"),
    Case("own-source", "this = In[-1]", expected=_own_source, limit="In and _i hold the cell with its magic line"),
    Case("own-line-number", "import inspect\n\nhere = inspect.currentframe().f_lineno",
         expected=_own_line_number, limit="line numbers count the magic line"),
    Case("assign-underscore", "_ = 5\n3"),
    # -- TensorFlow and matplotlib, through the guard --------------------------------------------------
    Case("tensorflow-and-a-plot", "import tensorflow as tf\nimport matplotlib.pyplot as plt\n"
                                  "t = tf.ragged.constant([[1.0, 2.0], [3.0]])\nlines = len(plt.plot(t))\n"
                                  "plt.close('all')\nfloat(tf.reduce_sum(t))"),
    # -- cells inside the cell -----------------------------------------------------------------------
    Case("nested-run-cell", "get_ipython().run_cell('inner = 41')\ninner + 1"),
    Case("nested-run-cell-stored", "r = get_ipython().run_cell('6 * 7', store_history=True)\nr.result"),
    Case("nested-run-cell-raises", "r = get_ipython().run_cell('1 / 0')\nok = r.success"),
    Case("nested-silent-and-empty", "get_ipython().run_cell('pass', silent=True)\nget_ipython().run_cell('')\n3"),
    Case("nested-tfcheck-cell", "get_ipython().run_cell('%%tfcheck --quiet\\nnested = 2\\nnested * 2')\nnested"),
]


# -- observing one run ------------------------------------------------------------------------------

def _copy(observation: dict) -> dict:
    return {key: dict(value) if isinstance(value, dict) else list(value) if isinstance(value, list) else value
            for key, value in observation.items()}


def describe(value, depth: int = 0) -> str:
    """A value as text that is the same for equal values in both runs (no addresses, no line numbers)."""
    if value is None or isinstance(value, (bool, int, float, complex, str, bytes)):
        return repr(value)
    if depth > 3:
        return type(value).__qualname__
    if isinstance(value, (list, tuple, set, frozenset)):
        items = [describe(v, depth + 1) for v in value]
        return f"{type(value).__name__}[{', '.join(sorted(items) if isinstance(value, (set, frozenset)) else items)}]"
    if isinstance(value, dict):
        items = sorted(f"{describe(k, depth + 1)}: {describe(v, depth + 1)}" for k, v in value.items())
        return f"{type(value).__name__}{{{', '.join(items)}}}"
    if isinstance(value, types.FunctionType):
        return f"<function {value.__module__}.{value.__qualname__} {describe(value.__annotations__, depth + 1)}>"
    if isinstance(value, type):
        return f"<class {value.__module__}.{value.__qualname__} {sorted(vars(value))}>"
    if isinstance(value, types.ModuleType):
        return f"<module {value.__name__}>"
    if isinstance(value, BaseException):
        return f"{type(value).__name__}{describe(value.args, depth + 1)}"
    text = repr(value)
    return type(value).__qualname__ if re.search(r"0x[0-9a-f]+|at [0-9a-f]{6,}", text) else text


def _text(stream: str, offset: int, number: int) -> str:
    """Output with what legitimately varies normalised: colours, counts, addresses, timings, cell names."""
    stream = re.sub(r"\x1b\[[0-9;]*m", "", stream)
    stream = re.sub(r"(Out|In)\[\d+\]", r"\1[#]", stream)
    stream = re.sub(r"\s*Cell In\[#\], line \d+\n", "\n", stream)  # compared as the error's line number
    stream = re.sub(r"^((?:Syntax|Indentation|Tab)Error: .*)$", lambda m: _syntax_text(m.group(1), offset), stream,
                    flags=re.M)
    stream = re.sub(r"0x[0-9a-f]+|at [0-9a-f]{6,}", "ADDR", stream)
    stream = re.sub(r"\d+(\.\d+)?(e[+-]?\d+)?\s*(ns|us|µs|ms|s)\b", "TIME", stream)

    def cell_name(match):
        own = int(match.group(1)) == number
        line = int(match.group(2)) - (offset if own else 0)
        return f"<{'cell' if own else 'other cell'}>:{line}"

    return re.sub(r"<ipython-input-(\d+)-[0-9a-f]+>:(\d+)", cell_name, stream)


def _syntax_text(message: str, offset: int) -> str:
    """A syntax error's message with the line it names in the cell's numbering ("… on line 2")."""
    return re.sub(r"on line (\d+)", lambda m: f"on line {int(m.group(1)) - offset}", message)


def _frames(error: BaseException, offset: int, number: int) -> list:
    """The traceback's frames of code typed in a cell: (this cell or another, function, line)."""
    frames = []
    tb = error.__traceback__
    while tb is not None:
        match = CELL_FILE.fullmatch(tb.tb_frame.f_code.co_filename)
        if match:
            own = int(match.group(1)) == number
            frames.append(("cell" if own else "other cell", tb.tb_frame.f_code.co_name,
                           tb.tb_lineno - (offset if own else 0)))
        tb = tb.tb_next
    return frames


def _error(error: BaseException | None, offset: int, number: int):
    if error is None:
        return None
    found = {"type": type(error).__name__,
             "text": str(error) if not isinstance(error, SyntaxError) else _syntax_text(error.msg, offset),
             "frames": _frames(error, offset, number),
             "causes": [type(e).__name__ for e in _chain(error)]}
    if isinstance(error, SyntaxError):
        own = CELL_FILE.fullmatch(error.filename or "")
        found["line"] = (error.lineno or 0) - (offset if own and int(own.group(1)) == number else 0)
        found["source"] = (error.text or "").strip()
    return found


def _chain(error):
    seen = error.__cause__ or error.__context__
    while seen is not None:
        yield seen
        seen = seen.__cause__ or seen.__context__


@dataclasses.dataclass
class Saved:
    ns: dict
    hidden: dict
    underscores: tuple
    flags: int
    keep_running: bool
    out_keys: set
    count: int


def _save(shell) -> Saved:
    hook = shell.displayhook
    return Saved(dict(shell.user_ns), dict(shell.user_ns_hidden), (hook._, hook.__, hook.___), shell.compile.flags,
                 getattr(shell, "keep_running", True), set(shell.user_ns["Out"]), shell.execution_count)


def _restore(shell, saved: Saved) -> None:
    shell.user_ns.clear()
    shell.user_ns.update(saved.ns)
    shell.user_ns_hidden.clear()  # IPython's record of the values it put there itself (_, __, … among them)
    shell.user_ns_hidden.update(saved.hidden)
    shell.displayhook._, shell.displayhook.__, shell.displayhook.___ = saved.underscores
    shell.compile.flags = saved.flags
    if hasattr(shell, "keep_running"):
        shell.keep_running = saved.keep_running
    for module in list(sys.modules.values()):  # "default" warnings show once per location: forget them
        registry = getattr(module, "__warningregistry__", None)
        if isinstance(registry, dict):
            registry.clear()


def observe(shell, case: Case, magic: bool) -> dict:
    """Run ``case`` (with or without ``%%tfcheck``) and say what it did; the shell is put back afterwards."""
    saved = _save(shell)
    mode, xmode = shell.ast_node_interactivity, shell.InteractiveTB.mode
    try:
        if case.setup:
            with capture_output():
                assert shell.run_cell(case.setup, store_history=True).success
        before = _save(shell)
        shell.ast_node_interactivity = case.interactivity
        shell.InteractiveTB.set_mode("Minimal")
        with capture_output() as cap, warnings.catch_warnings(record=True) as caught:
            result = shell.run_cell((MAGIC if magic else "") + case.body, store_history=True, silent=case.silent)
        shell.ast_node_interactivity = mode
        offset = 1 if magic else 0
        number = before.count
        ns = shell.user_ns
        out = ns["Out"]
        names = {}
        for name, value in ns.items():
            if IPYTHON_NAMES.fullmatch(name) or name in ("_", "__"):
                continue
            if name == "__warningregistry__":  # its keys hold line numbers: compared through stderr
                value = sorted(str(key[:2]) for key in value if isinstance(key, tuple))
            elif name in before.ns and before.ns[name] is value:
                continue
            names[name] = describe(value)
        return {
            "outcome": "ok" if result.success else "error before exec" if result.error_before_exec else "error",
            "error_before_exec": _error(result.error_before_exec, offset, number),
            "error_in_exec": _error(result.error_in_exec, offset, number),
            "result": describe(result.result),
            "numbered": shell.execution_count != before.count,
            "stdout": _text(cap.stdout, offset, number),
            "stderr": _text(cap.stderr, offset, number),
            "warnings": [_text(f"{w.category.__name__}: {w.message} at {w.filename}:{w.lineno}", offset, number)
                         for w in caught],
            "outputs": [{key: _text(str(val), offset, number) for key, val in o.data.items()} for o in cap.outputs],
            "out_added": [describe(out[key]) for key in sorted(set(out) - before.out_keys)],
            "underscores": [describe(ns.get("_")), describe(ns.get("__"))],
            "names": names,
            "removed": sorted(set(before.ns) - set(ns)),
            "future_flags": hex((shell.compile.flags & ~before.flags) & FUTURE_FLAGS),
            "exit_requested": not getattr(shell, "keep_running", True),
        }
    finally:
        shell.ast_node_interactivity = mode
        shell.InteractiveTB.set_mode(xmode)
        _restore(shell, saved)


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_a_cell_does_the_same_under_tfcheck(tfcheck, case):
    plain = observe(tfcheck, case, magic=False)
    measured = observe(tfcheck, case, magic=True)
    if case.expected is None:
        assert measured == plain
    else:
        assert case.limit, "a documented difference names its limit"
        assert measured != plain and measured == case.expected(plain)


def test_the_corpus_is_large_and_covers_every_interactivity():
    assert len(CASES) >= 40
    assert {case.interactivity for case in CASES} == set(INTERACTIVITY)
    assert len({case.id for case in CASES}) == len(CASES)


def test_the_tfcheck_cells_were_measured(tfcheck):
    """The ``%%tfcheck`` runs above are measured runs: a report per cell, the report's source the body."""
    from tfplotguard.check.report import history

    count = len(history.reports())
    observe(tfcheck, Case("measured", "    x = 1\n    x + 1"), magic=True)
    assert len(history.reports()) == count + 1
    assert history.reports()[-1].source.startswith("x = 1")


def test_documented_limits_are_in_the_docs():
    from pathlib import Path

    text = (Path(__file__).parents[1] / "docs" / "tfcheck.md").read_text().replace("`", "").replace("**", "")
    for case in CASES:
        if case.limit:
            assert case.limit.lower() in text.lower(), case.limit


@pytest.mark.parametrize("body", ["", "x = 1", "x = 1\n", "x = 1\n\n", "for i in range(3):\n", "    x = 1\n    y = 2"])
def test_a_tfcheck_cell_is_complete_when_a_cell_magics_is(tfcheck, body):
    """The terminal and Jupyter console ask ``check_complete`` whether Enter runs the cell: as for ``%%time``.

    (Before, ``%%tfcheck`` alone was complete: Enter ran it with an empty body.)
    """
    assert tfcheck.check_complete("%%tfcheck --quiet\n" + body) == tfcheck.check_complete("%%time\n" + body)
