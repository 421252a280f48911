"""Where a sample's time went: one table of module/function patterns, and the classifier.

A sample is a Python stack, outermost frame first. The classifier reads both
ends of it (measured on TensorFlow 2.21, Keras 3.15, matplotlib 3.11: reading
only the innermost recognisable frame called half of a figure-per-iteration
cell "eager op dispatch", because matplotlib and Keras run TensorFlow ops
underneath):

1. The stack is cut at the **outermost frame of the cell** (its filename is the
   cell's); frames outside it (IPython's runner, a test's ``exec``) do not count.
   A stack with no cell frame is outside the cell: it goes to the innermost frame
   of ``tfplotguard`` or IPython found in it, else to ``native``.
2. If any frame inside the cell is **tracing machinery** (``tf.function``
   tracing, autograph conversion), the sample is ``tf_tracing``, whatever runs
   beneath: the user's Python called while tracing is the cost of tracing.
   Under a Keras training API (``fit``/``predict``/``evaluate``/…) it is
   ``keras_overhead`` instead (Keras traces its own step functions; the user
   cannot "create the tf.function once").
3. The frames beneath the **innermost user frame** (the cell's or any file
   outside site-packages and the standard library) are the library call the
   user made. None: ``cell``. Transparent wrappers (``traceback_utils.error_handler``,
   ``dispatch.op_dispatch_handler``, the guard's matplotlib wrappers,
   ``functools``/``contextlib``) are skipped.
4. The **outermost** remaining frame names the API (its top-level package),
   the table then decides, per package:

   - matplotlib: the first matplotlib frame with a row (figure creation, artist
     creation, drawing), default ``mpl_artists``; a ``.numpy()``/``__array__`` of a
     tensor beneath is ``host_copy``, tfplotguard's conversion beneath is ``tfplotguard``;
   - Keras: a variable/layer-creation frame anywhere beneath is ``variables``;
     under ``fit``/``predict``/… running the traced step (``atomic_function``)
     is ``keras_compute``, the rest ``keras_overhead``; a direct ``model(x)`` /
     ``layer(x)`` is ``keras_compute``; other Keras calls go by TensorFlow's rows
     beneath, else ``keras_overhead``;
   - TensorFlow: variable creation anywhere beneath is ``variables``, else the
     **outermost** TensorFlow frame with a row (``tf.constant`` → ``tf_convert``,
     ``iterator.__next__`` → ``tf_data_wait``, a ``tf.function`` call →
     ``tf_function``, ``.numpy()`` → ``host_copy``, ``tensorflow.python.ops`` →
     ``tf_eager_ops``), default ``tf_eager_ops``;
   - NumPy: a tensor's ``__array__``/``numpy`` beneath is ``host_copy``, else ``other:numpy``;
   - IPython/ipykernel: ``ipython``, but writing to stdout/stderr (IPython's tee, ipykernel's
     ``OutStream``) is ``output``, as are ``logging`` and ``tf.print``; tfplotguard: ``tfplotguard``;
   - the standard library: a wait on a lock/queue/thread/selector is ``waiting``,
     else ``other:<module>``; any other package: ``other:<top-level package>``.

Limits found while measuring: ``np.asarray(tensor)`` on the CPU and ``tf.constant``
of a nested list run in C under the GIL with no Python frame of their own; the
first is seen only as the cell's line (``cell``), the second is recognised by
``tf.constant``'s Python frames around it.

Classification of a code object is cached (per code object, bounded), so a
sample costs a dictionary lookup per frame.
"""

from __future__ import annotations

import dis
import os
import sys
import sysconfig
from dataclasses import dataclass

__all__ = [
    "Category", "CATEGORIES", "PATTERNS", "category", "classify", "classify_frame",
    "frame_module", "UNATTRIBUTED", "clear_cache",
]


@dataclass(frozen=True)
class Category:
    """One category of time: its id, its label in reports and its colour (CSS)."""

    id: str
    label: str
    colour: str


UNATTRIBUTED = "unattributed"

#: Every category, in report order. ``other:<package>`` ids are made on demand by :func:`category`.
CATEGORIES: dict[str, Category] = {c.id: c for c in (
    Category("cell", "the cell's own Python", "#4e79a7"),
    Category("tf_eager_ops", "TensorFlow eager op dispatch", "#f28e2b"),
    Category("tf_compute", "TensorFlow op compute (the cell waits for its threads)", "#d37295"),
    Category("tf_tracing", "tf.function tracing / autograph", "#e15759"),
    Category("tf_function", "running traced tf.functions", "#ff9da7"),
    Category("tf_data_wait", "waiting for tf.data input", "#b07aa1"),
    Category("tf_convert", "Python data → tensors", "#edc948"),
    Category("host_copy", "host copies (.numpy(), __array__)", "#9c755f"),
    Category("keras_overhead", "Keras framework overhead", "#76b7b2"),
    Category("keras_compute", "Keras model compute", "#59a14f"),
    Category("variables", "variable and layer creation", "#8cd17d"),
    Category("mpl_figure", "matplotlib figure/axes creation", "#499894"),
    Category("mpl_artists", "matplotlib artist creation", "#86bcb6"),
    Category("mpl_draw", "matplotlib drawing and rendering", "#2f6f6b"),
    Category("output", "printing and logging output", "#f1ce63"),
    Category("ipython", "IPython / display", "#d4a6c8"),
    Category("tfplotguard", "tfplotguard's own work", "#bab0ac"),
    Category("waiting", "waiting on a lock, queue or thread", "#d7b5a6"),
    Category("blocked", "blocked: sleeping, I/O or waiting (no CPU)", "#bcbd22"),
    Category("gc", "full Python garbage collections", "#a0cbe8"),
    Category("native", "native / unknown", "#79706e"),
    Category(UNATTRIBUTED, "not sampled (unattributed)", "#e0e0e0"),
)}

_OTHER_COLOUR = "#c7c7c7"


def category(cid: str) -> Category:
    """The :class:`Category` for an id, including ``other:<package>`` ones."""
    found = CATEGORIES.get(cid)
    if found is not None:
        return found
    if cid.startswith("other:"):
        return Category(cid, f"other library: {cid[6:]}", _OTHER_COLOUR)
    return Category(cid, cid, _OTHER_COLOUR)


# Roles of a row.
SKIP = "skip"        # a transparent wrapper: ignored when reading the stack
TRACE = "trace"      # tracing machinery: anywhere inside the cell, the sample is tracing
VARIABLES = "variables"  # variable/layer creation: anywhere beneath the user's call, wins
API = "api"          # names the category when it is the first row found outer→inner
KERAS_TRAIN = "keras_train"  # fit/predict/evaluate: overhead unless the traced step runs
STEP = "step"        # a traced function executing (under KERAS_TRAIN: keras_compute)
WAIT = "wait"        # stdlib waits

#: The one table: (module prefix, function names or None for every function, role, category).
#: A module prefix matches the module and its submodules; the longest matching
#: prefix with a matching function wins. Module names come from file paths
#: (``…/site-packages/tensorflow/python/ops/math_ops.py`` → ``tensorflow.python.ops.math_ops``).
#: Paths were read from real stacks of TensorFlow 2.21, Keras 3.15 and matplotlib 3.11.
PATTERNS: tuple[tuple[str, frozenset | None, str, str], ...] = tuple(
    (module, frozenset(funcs.split()) if funcs else None, role, cat) for module, funcs, role, cat in (
        # Transparent wrappers.
        ("tensorflow.python.util.traceback_utils", "", SKIP, ""),
        ("IPython.core.interactiveshell", "_modified_open", SKIP, ""),  # IPython's open() in the user namespace
        ("tensorflow.python.util.dispatch", "", SKIP, ""),
        ("tensorflow.python.util.deprecation", "", SKIP, ""),
        ("tensorflow.python.ops.weak_tensor_ops", "", SKIP, ""),
        ("tensorflow.python.profiler.trace", "", SKIP, ""),
        ("tensorflow.python.framework.override_binary_operator", "", SKIP, ""),
        ("tensorflow.python.ops.tensor_math_operator_overrides", "", SKIP, ""),
        ("tensorflow.dtensor.python.api", "call_with_layout", SKIP, ""),
        ("keras.src.utils.traceback_utils", "", SKIP, ""),
        ("tfplotguard.guard", "", SKIP, ""),
        # %%tfcheck's own counting wrappers (Figure.__init__, Keras fit/predict/evaluate, the patch
        # helper's pass-through): what runs beneath them is the cell's call, not our work.
        ("tfplotguard.check.probes.mpl", "", SKIP, ""),
        ("tfplotguard.check.probes.keras", "", SKIP, ""),
        # tf.function calls counted (and timed while run eagerly): the call is the user's; counting it
        # (_count_call) is tfplotguard's own work.
        ("tfplotguard.check.probes.ops", "__call__ run", SKIP, ""),
        ("tfplotguard.check.probes.data", "_wrap_init wrapper", SKIP, ""),
        ("tfplotguard.core.patch", "", SKIP, ""),
        # %%tfcheck's .numpy() / element / conversion counters: what runs beneath is the cell's call.
        ("tfplotguard.check.probes.numpy_calls", "numpy", SKIP, ""),
        ("tfplotguard.check.probes.pyvalues", "", SKIP, ""),
        ("functools", "", SKIP, ""),
        ("contextlib", "", SKIP, ""),
        ("abc", "", SKIP, ""),
        ("typing", "", SKIP, ""),
        # tf.function tracing and autograph conversion.
        ("tensorflow.python.eager.polymorphic_function.tracing_compilation", "_create_concrete_function", TRACE, "tf_tracing"),
        ("tensorflow.python.framework.func_graph", "func_graph_from_py_func", TRACE, "tf_tracing"),
        ("tensorflow.python.autograph.pyct", "", TRACE, "tf_tracing"),
        ("tensorflow.python.autograph.converters", "", TRACE, "tf_tracing"),
        ("tensorflow.python.autograph.impl.conversion", "", TRACE, "tf_tracing"),
        # Variable and layer creation.
        ("tensorflow.python.ops.variables", "__call__ _variable_call default_variable_creator_v2", VARIABLES, "variables"),
        ("tensorflow.python.ops.resource_variable_ops", "__init__ _init_from_args default_variable_creator_v2", VARIABLES, "variables"),
        ("keras.src.layers.layer", "build_wrapper add_weight __new__ __init__ _maybe_build", VARIABLES, "variables"),
        ("keras.src.backend.common.variables", "__init__", VARIABLES, "variables"),
        ("keras.src.models.sequential", "__init__ build add", VARIABLES, "variables"),
        ("keras.src.models.functional", "__init__", VARIABLES, "variables"),
        ("keras.src.optimizers", "build add_variable", VARIABLES, "variables"),
        # TensorFlow.
        ("tensorflow.python.framework.constant_op", "constant _constant_impl _constant_eager_impl convert_to_eager_tensor", API, "tf_convert"),
        ("tensorflow.python.framework.tensor_conversion", "", API, "tf_convert"),
        ("tensorflow.python.framework.tensor_conversion_registry", "", API, "tf_convert"),
        ("tensorflow.python.framework.ops", "convert_to_tensor", API, "tf_convert"),
        ("tensorflow.python.framework.ops", "numpy _numpy __array__ __float__ __int__ __index__ __bool__ __complex__ __format__", API, "host_copy"),
        ("tensorflow.python.data.ops.iterator_ops", "__next__ next get_next _next_internal get_next_as_optional", API, "tf_data_wait"),
        ("tensorflow.python.ops.gen_dataset_ops", "iterator_get_next", API, "tf_data_wait"),
        ("tensorflow.python.eager.polymorphic_function", "", API, "tf_function"),
        ("tensorflow.python.eager.polymorphic_function.atomic_function", "", STEP, "tf_function"),
        ("tensorflow.python.eager.polymorphic_function.concrete_function", "_call_flat", STEP, "tf_function"),
        ("tensorflow.python.ops.logging_ops", "print_v2", API, "output"),
        ("tensorflow.python.ops", "", API, "tf_eager_ops"),
        ("tensorflow.python.data", "", API, "tf_eager_ops"),
        ("tensorflow.python.eager", "", API, "tf_eager_ops"),
        ("tensorflow", "", API, "tf_eager_ops"),
        # Keras.
        ("keras.src.backend.tensorflow.trainer", "fit predict evaluate train_on_batch test_on_batch predict_on_batch", KERAS_TRAIN, "keras_overhead"),
        ("keras.src.trainers.trainer", "fit predict evaluate", KERAS_TRAIN, "keras_overhead"),
        ("keras.src.layers.layer", "__call__", API, "keras_compute"),
        ("keras.src.ops.operation", "__call__", API, "keras_compute"),
        ("keras.src.models.model", "__call__", API, "keras_compute"),
        ("keras.src.trainers", "", API, "keras_overhead"),
        ("keras.src.callbacks", "", API, "keras_overhead"),
        ("keras.src.utils.progbar", "", API, "keras_overhead"),
        # matplotlib.
        ("matplotlib.pyplot", "figure subplots subplot subplot_mosaic axes gcf gca", API, "mpl_figure"),
        ("matplotlib.figure", "__init__ subplots add_subplot add_axes subplot_mosaic add_gridspec subfigures", API, "mpl_figure"),
        ("matplotlib.gridspec", "subplots", API, "mpl_figure"),
        ("matplotlib.axes._base", "__init__ clear cla __clear", API, "mpl_figure"),
        ("matplotlib.pyplot", "show pause draw savefig draw_if_interactive", API, "mpl_draw"),
        ("matplotlib.figure", "savefig draw draw_without_rendering", API, "mpl_draw"),
        ("matplotlib.backend_bases", "", API, "mpl_draw"),
        ("matplotlib.backends", "", API, "mpl_draw"),
        ("matplotlib.artist", "draw_wrapper", API, "mpl_draw"),
        ("matplotlib_inline", "", API, "mpl_draw"),
        ("matplotlib", "", API, "mpl_artists"),
        ("mpl_toolkits", "", API, "mpl_artists"),
        # Output: IPython 9 tees every write to sys.stdout/sys.stderr through its own ``write``
        # (InteractiveShell._tee), ipykernel sends it through OutStream; logging formats and emits.
        ("IPython.core.interactiveshell", "write", API, "output"),
        ("ipykernel.iostream", "", API, "output"),
        ("logging", "", API, "output"),
        # Ourselves, IPython.
        ("tfplotguard", "", API, "tfplotguard"),
        ("IPython", "", API, "ipython"),
        ("ipykernel", "", API, "ipython"),
        ("ipywidgets", "", API, "ipython"),
        ("comm", "", API, "ipython"),
        # Standard-library waits.
        ("threading", "wait join _wait_for_tstate_lock acquire", WAIT, "waiting"),
        ("queue", "get put join", WAIT, "waiting"),
        ("selectors", "select", WAIT, "waiting"),
        ("concurrent.futures", "result wait as_completed", WAIT, "waiting"),
        ("asyncio.base_events", "_run_once", WAIT, "waiting"),
        ("multiprocessing.connection", "wait recv poll", WAIT, "waiting"),
    )
)

_STDLIB_DIRS = tuple({os.path.normpath(p) + os.sep for p in (
    sysconfig.get_paths().get("stdlib"), getattr(sys, "base_prefix", None) and
    sysconfig.get_paths(vars={"installed_base": sys.base_prefix, "base": sys.base_prefix}).get("stdlib"),
) if p})
_OWN_DIR = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))) + os.sep
_SITE_MARKERS = (os.sep + "site-packages" + os.sep, os.sep + "dist-packages" + os.sep)

# Frame kinds.
USER, LIBRARY = 0, 1


def frame_module(filename: str) -> tuple[int, str]:
    """(USER or LIBRARY, dotted module name) of a code's file: library = site-packages, stdlib or tfplotguard."""
    if filename.startswith("<frozen "):
        return LIBRARY, filename[8:-1]
    if filename.startswith("<"):
        return USER, filename
    for marker in _SITE_MARKERS:
        i = filename.rfind(marker)
        if i >= 0:
            return LIBRARY, _dotted(filename[i + len(marker):])
    if filename.startswith(_OWN_DIR) and filename[len(_OWN_DIR):].startswith("tfplotguard" + os.sep):
        return LIBRARY, _dotted(filename[len(_OWN_DIR):])
    for stdlib in _STDLIB_DIRS:
        if filename.startswith(stdlib):
            return LIBRARY, _dotted(filename[len(stdlib):])
    return USER, filename


def _dotted(relpath: str) -> str:
    if relpath.endswith(".py"):
        relpath = relpath[:-3]
    parts = relpath.replace(os.sep, "/").split("/")
    if parts and parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _row(module: str, func: str):
    best = None
    for prefix, funcs, role, cat in PATTERNS:
        if (module == prefix or module.startswith(prefix + ".")) and (funcs is None or func in funcs):
            if best is None or len(prefix) > len(best[0]):
                best = (prefix, role, cat)
    return None if best is None else (best[1], best[2])


_CODE_CACHE: dict = {}
_CODE_CACHE_LIMIT = 20000


def clear_cache() -> None:
    """Forget every cached code classification (tests; or after changing :data:`PATTERNS`)."""
    _CODE_CACHE.clear()


def _code_info(filename: str, name: str, key=None):
    """(kind, top-level package, role, category) of one code object, cached by ``key``."""
    info = _CODE_CACHE.get(key if key is not None else (filename, name))
    if info is not None:
        return info
    kind, module = frame_module(filename)
    if kind == USER:
        info = (USER, "", None, None)
    else:
        row = _row(module, name)
        info = (LIBRARY, module.split(".", 1)[0], row[0] if row else None, row[1] if row else None)
    if len(_CODE_CACHE) >= _CODE_CACHE_LIMIT:
        _CODE_CACHE.clear()
    _CODE_CACHE[key if key is not None else (filename, name)] = info
    return info


def is_user_code(code) -> bool:
    """The code is the user's own (a cell's, or a file outside site-packages, the standard library and tfplotguard)."""
    info = _CODE_CACHE.get(code)
    if info is None:
        info = _code_info(code.co_filename, code.co_name, key=code)
    return info[0] == USER


_MPL = frozenset(("matplotlib", "mpl_toolkits", "matplotlib_inline"))


def _decide(infos: list, cell_index: int | None, thread: bool = False) -> str:
    """The category of a stack given per-frame infos (outermost first) and where the cell starts.

    ``thread``: a thread other than the cell's; without user code its innermost
    frame with a row decides (a waiting thread is ``waiting``), else its innermost package.
    """
    if cell_index is None:
        if thread:
            for kind, top, role, cat in reversed(infos):
                if cat is not None and role != SKIP:
                    return cat
            return f"other:{infos[-1][1]}" if infos else "native"
        for kind, top, role, cat in reversed(infos):
            if cat in ("tfplotguard", "ipython"):
                return cat
        return "native"
    inside = infos[cell_index:]
    innermost_user = cell_index
    keras_train = tracing = False
    for i, (kind, top, role, cat) in enumerate(inside):
        if kind == USER:
            innermost_user = i
        elif role == TRACE:
            tracing = True
        elif role == KERAS_TRAIN:
            keras_train = True
    if tracing:
        return "keras_overhead" if keras_train else "tf_tracing"
    beneath = [info for info in inside[innermost_user + 1:] if info[2] != SKIP]
    if not beneath:
        return "cell"
    roles = {info[2] for info in beneath}
    cats = {info[3] for info in beneath}
    top = beneath[0][1]
    if top in _MPL:
        if "tfplotguard" in cats:
            return "tfplotguard"
        if "host_copy" in cats:
            return "host_copy"
        for kind, t, role, cat in beneath:
            if t in _MPL and role == API and cat:
                return cat
        return "mpl_artists"
    if top == "keras":
        if VARIABLES in roles:
            return "variables"
        if beneath[0][2] == KERAS_TRAIN or KERAS_TRAIN in roles:
            return "keras_compute" if STEP in roles else "keras_overhead"
        if beneath[0][3] == "keras_compute":
            return "keras_compute"
        for kind, t, role, cat in beneath:
            if t == "keras" and role == API and cat:
                return cat
            if t == "tensorflow" and role in (API, STEP) and cat:
                return cat
        return "keras_overhead"
    if top == "tensorflow":
        if VARIABLES in roles:
            return "variables"
        for kind, t, role, cat in beneath:
            if t == "tensorflow" and role in (API, STEP) and cat:
                return cat
        return "tf_eager_ops"
    if top == "numpy":
        return "host_copy" if "host_copy" in cats else "other:numpy"
    first = beneath[0]
    if first[3] is not None and first[2] in (API, WAIT):
        return first[3]
    return f"other:{top}"


def _infos_of_stack(stack):
    infos, filenames, linenos = [], [], []
    for entry in stack:
        if hasattr(entry, "f_code"):
            code = entry.f_code
            filename, name, lineno = code.co_filename, code.co_name, entry.f_lineno
        elif hasattr(entry, "filename"):  # traceback.FrameSummary
            filename, name, lineno = entry.filename, entry.name, entry.lineno
        else:
            filename, name, lineno = entry
        infos.append(_code_info(filename, name))
        filenames.append(filename)
        linenos.append(lineno)
    return infos, filenames, linenos


def classify(stack, cell_filename: str | None, thread: bool = False) -> tuple[str, int | None]:
    """(category id, cell line or None) of one stack, outermost frame first.

    ``stack`` holds frames, ``traceback.FrameSummary`` objects or
    ``(filename, function name, lineno)`` tuples. ``cell_filename`` is the
    filename the cell's code was compiled with; None: the outermost user frame
    starts the cell, and no cell line is given. ``thread``: the stack of a
    thread other than the cell's (a tf.data generator thread, a worker): its
    outermost user frame starts the region.
    """
    infos, filenames, linenos = _infos_of_stack(stack)
    cell_index, line = _cell_span(infos, filenames, linenos, None if thread else cell_filename)
    if thread:
        line = next((linenos[i] for i in range(len(filenames) - 1, -1, -1) if filenames[i] == cell_filename), None)
    return _decide(infos, cell_index, thread), line


def _cell_span(infos, filenames, linenos, cell_filename):
    cell_index = line = None
    for i, filename in enumerate(filenames):
        if cell_filename is not None:
            if filename == cell_filename:
                if cell_index is None:
                    cell_index = i
                line = linenos[i]
        elif cell_index is None and infos[i][0] == USER:
            cell_index = i
    return cell_index, line


def classify_frame(frame, cell_filename: str | None, thread: bool = False) -> tuple[str, int | None]:
    """(category id, cell line or None) of a live frame's stack, as :func:`classify`: the sampler's fast path.

    Walks ``frame`` outward through ``f_back``; each code object is looked up once in the cache.
    For the cell's own thread the walk ends at the cell's body (the ``<module>``
    code of ``cell_filename``): it is the outermost cell frame, and what lies
    beyond it (IPython's and the kernel's 20-30 frames) cannot change the category.
    """
    cat, line, _, _ = classify_path(frame, cell_filename, thread)
    return cat, line


#: (code, instruction offset) → the line it is counted on (:func:`line_at`).
_LINES: dict[tuple, int | None] = {}
#: Lines kept in :data:`_LINES` before it starts afresh.
LINES_KEPT = 4096


def line_at(code, offset: int) -> int | None:
    """The line of the instruction at byte ``offset`` of ``code`` (a frame's ``f_lasti``); for one without a line,
    the line it belongs to.

    Python 3.11 gives no line to some instructions it made itself: the jump back
    to a loop's header after an ``if`` without ``else`` is one, and it is where the
    interpreter hands the GIL over in a loop, so a sampler sees a busy loop there
    nearly always. Such a jump is counted on the loop's header (its target's line),
    any other line-less instruction on the line before it.
    """
    key = (code, offset)
    try:
        return _LINES[key]
    except KeyError:
        pass
    line = next((lineno for start, end, lineno in code.co_lines() if start <= offset < end), None)
    if line is None:
        line = _line_of_lineless(code, offset)
    if len(_LINES) >= LINES_KEPT:
        _LINES.clear()
    _LINES[key] = line
    return line


def _line_of_lineless(code, offset: int) -> int | None:
    last = None
    by_offset = {}
    for ins in dis.get_instructions(code):
        positions = getattr(ins, "positions", None)
        lineno = positions.lineno if positions is not None else ins.starts_line
        by_offset[ins.offset] = lineno
        if ins.offset == offset:
            if ins.opname.startswith("JUMP_BACKWARD") and isinstance(ins.argval, int):
                return by_offset.get(ins.argval) or last
            return last
        if lineno is not None:
            last = lineno
    return last


def stack_at(frame, body_of: str | None = None) -> list[tuple]:
    """``(code, f_lasti)`` of ``frame`` and of each of its callers, innermost first, up to the ``<module>`` body
    of the file ``body_of`` (the cell's), or to the end.

    What a look reads of a live stack, read first and in one pass, kept apart from the work on it: the
    thread looked at runs on as soon as the look hands over the GIL, and a look that runs past a
    switch interval does (the interpreter asks for the GIL back at the next check, whoever holds it).
    A line read from the live frame after that moment is where the thread went next: a look after a
    0.28 s regex put it on the line after the regex when the first look at a new stack took its time
    classifying. Offsets, not lines: a frame's line is worked out from its line table, a cost paid
    once per offset by :func:`line_at`, after the pass.
    """
    stack: list[tuple] = []
    append = stack.append
    while frame is not None:
        code = frame.f_code
        append((code, frame.f_lasti))
        if code.co_name == "<module>" and code.co_filename == body_of:
            break
        frame = frame.f_back
    return stack


def classify_path(frame, cell_filename: str | None, thread: bool = False):
    """:func:`classify_frame`, plus the path the time took: ``(category, line, call, inner)`` (:func:`classify_stack`)."""
    return classify_stack(stack_at(frame, cell_filename if cell_filename is not None and not thread else None),
                          cell_filename, thread)


def classify_stack(stack: list[tuple], cell_filename: str | None, thread: bool = False):
    """``(category, line, call, inner)`` of a stack read by :func:`stack_at`.

    ``call`` is the code of the outermost library frame beneath the innermost
    user frame (the library call the user's code made), ``inner`` the code of
    the innermost frame (where the time went); either None where there is none.
    """
    body_ends_walk = cell_filename is not None and not thread
    if body_ends_walk and stack:
        code, offset = stack[0]
        if code.co_name == "<module>" and code.co_filename == cell_filename:
            return "cell", line_at(code, offset), None, None  # in the cell's body itself: nothing beneath it
    infos, codes = [], []
    cell_at = user_at = None  # indices counted from the innermost frame
    line = None
    for depth, (code, offset) in enumerate(stack):
        info = _CODE_CACHE.get(code)
        if info is None:
            info = _code_info(code.co_filename, code.co_name, key=code)
        infos.append(info)
        codes.append(code)
        if cell_filename is not None and code.co_filename == cell_filename:
            cell_at = depth
            if line is None:
                line = line_at(code, offset)
            if body_ends_walk and code.co_name == "<module>":
                break
        if info[0] == USER:
            user_at = depth
    innermost_user = next((d for d, info in enumerate(infos) if info[0] == USER), None)
    # The outermost library frame beneath the innermost user frame: the API the user's code called.
    # Transparent wrappers are skipped, and so are closures (a decorator's ``<locals>.wrapper``):
    # the function they wrap, one frame in, is the one the user named.
    call = None
    if innermost_user:
        beneath = [d for d in range(innermost_user - 1, -1, -1) if infos[d][2] != SKIP]
        call = next((codes[d] for d in beneath if "<locals>" not in getattr(codes[d], "co_qualname", "")),
                    codes[beneath[0]] if beneath else None)
    inner = codes[0] if codes and infos[0][0] == LIBRARY else None
    infos.reverse()
    start = user_at if (thread or cell_filename is None) else cell_at
    cell_index = None if start is None else len(infos) - 1 - start
    return _decide(infos, cell_index, thread), line, call, inner
