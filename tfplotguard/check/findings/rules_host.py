"""Python and the host: tensors copied to NumPy, Python values turned into tensors, Python loops, output.

What a rule receives, returns and must rest on: :mod:`tfplotguard.check.findings`.
Measured on TensorFlow 2.21 (CPU) here: ``.numpy()`` of a 61 MiB CPU tensor
took 198 ms where ``np.asarray`` takes well under a millisecond; a 256×64
nested list took 158 µs through ``tf.constant``, 2.8 ms through
``tf.convert_to_tensor`` and 5.4 ms given straight to ``tf.reduce_sum`` (as a
NumPy array: 18 µs); each ``t[i]`` or element of ``for v in t`` is one
strided-slice op of about 175 µs; ``tf.print`` costs about 1 ms a call and a
``print`` under IPython 9 about 15 µs (IPython tees every write).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..format import format_bytes, format_seconds
from . import weight
from .registry import Found, rule
from .idioms import idiom_on, repeats
from .lines import dotted, line_facts

if TYPE_CHECKING:
    from ..report.model import Report


@rule(id="numpy_copy_large_cpu", needs=("numpy",), thresholds={"large_bytes": 8 * 2**20})
def numpy_copy_large_cpu(report: Report, *, large_bytes: int) -> Found | None:
    """``.numpy()`` on a large CPU tensor: a full copy where a read-only view would do.

    Weighed by the measured time of the large copies.

    Detects: ``.numpy()`` of a large tensor on the CPU.

    Why it costs: ``.numpy()`` is a full copy; ``np.asarray(t)`` of a CPU tensor is a zero-copy read-only
    view (200 MB: 510 ms against 0.65 ms here).

    Fix: use ``np.asarray(t)`` when you only read the values (plotting, statistics); keep ``.numpy()`` for
    when you need a writable copy.

    Thresholds:
        large_bytes: the least size in bytes of a copy that counts as large
    """
    largest = report.numpy.get("largest_host")
    if not largest or largest["bytes"] < large_bytes:
        return None
    large = report.numpy.get("large_host") or {"calls": 1, "seconds": largest["seconds"]}
    more = f" ({large['calls']} such copies, {format_seconds(large['seconds'])} in all)" if large["calls"] > 1 else ""
    return Found(
        f".numpy() copied {format_bytes(largest['bytes'])} from {largest['device']} in "
        f"{format_seconds(largest['seconds'])}{more}; np.asarray(t) is a zero-copy read-only view of a CPU tensor.",
        "use np.asarray(t) when you only read the values (plotting, statistics); keep .numpy() only when "
        "you need a writable copy.",
        seconds=large["seconds"], line=weight.line_for(report, "host_copy"),
    )


@rule(id="numpy_in_loop", needs=("numpy", "pyvalues"), thresholds={"repeat": 3, "many": 100})
def numpy_in_loop(report: Report, *, repeat: int, many: int) -> Found | None:
    """``.numpy()``, ``float(t)`` or ``int(t)`` called again and again in one cell: a host copy every call.

    Weighed by the measured time of the copies and conversions.

    Detects: ``.numpy()`` on the same tensor again and again, or ``.numpy()`` / ``float(t)`` / ``int(t)``
    called many times in one cell.

    Why it costs: every call is a separate copy to the host (and on a GPU a synchronisation), paid per step
    instead of once.

    Fix: convert once outside the loop (``np.asarray(t)``: read-only and free on the CPU); keep the values
    as tensors (``tf.stack``, ``tf.TensorArray``, a ``tf.Variable`` accumulator) and convert once at the
    end; read a progress value every *n* steps.

    Thresholds:
        repeat: the least number of ``.numpy()`` calls on one tensor
        many: the least number of ``.numpy()``, ``float()`` and ``int()`` calls in all
    """
    n = report.numpy
    scalars = (report.pyvalues or {}).get("scalars") or {}
    same, calls, casts = n.get("max_same_tensor", 0), n.get("calls", 0), scalars.get("calls", 0)
    if same < repeat and calls + casts < many:
        return None
    parts = []
    if calls:
        parts.append(f".numpy() was called {calls} times" + (f" ({same} on the same tensor)" if same >= repeat else "")
                     + f", copying {format_bytes(n.get('bytes', 0))} in {format_seconds(n.get('seconds', 0.0))}")
    if casts:
        parts.append(f"float()/int() of a tensor {casts} times ({format_seconds(scalars.get('seconds', 0.0))})")
    fix = ("convert once outside the loop (a = np.asarray(t): read-only and free on CPU), or keep the values as "
           "tensors (tf.stack / tf.TensorArray, or a tf.Variable accumulator) and convert once at the end; if "
           "you only need a progress value, read it every N steps.")
    seconds = n.get("seconds", 0.0) + scalars.get("seconds", 0.0)
    return Found("; ".join(parts) + ": every call is a separate copy to the host.", fix, seconds=seconds,
                 line=weight.line_for(report, "host_copy"))


@rule(id="python_lists_to_tensors", needs=("pyvalues",), thresholds={"repeat": 3})
def python_lists_to_tensors(report: Report, *, repeat: int) -> Found | None:
    """Python lists turned into tensors again and again: TensorFlow walks every Python element each time.

    Weighed by the measured time of the conversions.

    Detects: Python lists (of 100 elements or more) converted to tensors again and again in one cell.

    Why it costs: each conversion walks every Python element one by one: a 256×64 nested list took 2.8 ms
    through ``tf.convert_to_tensor`` here, and ``tf.reduce_sum`` of the same values as a NumPy array 18 µs.

    Fix: make the array or tensor once, before the loop, and reuse it in every iteration (the cost is
    converting the same Python rows again each time; one conversion of a list is no faster through NumPy);
    for batches, ``tf.data.Dataset.from_tensor_slices(a).batch(n)``. Said only where the conversions
    happen on a line inside a loop: a few one-time conversions are nothing to fix.

    Thresholds:
        repeat: the least number of such conversions in the cell
    """
    lists = (report.pyvalues or {}).get("lists") or {}
    calls = lists.get("calls", 0)
    if calls < repeat:
        return None
    line = weight.line_for(report, "tf_convert", "tf_eager_ops")
    if report.attribution and not repeats(report.attribution.get("cell_filename"), line):
        return None  # on a line no loop repeats (or, no line known, in a cell without a loop): nothing to hoist
    shape = "×".join(map(str, lists.get("largest") or ())) or "?"
    return Found(
        f"Python lists were converted to tensors {calls} times (the largest {shape} elements), taking "
        f"{format_seconds(lists.get('seconds', 0.0))}: each conversion reads every Python element one by one.",
        "make the array or tensor once, before the loop (a = tf.constant(rows) or np.asarray(rows, "
        "dtype=np.float32)), and reuse it in every iteration; for batches, "
        "tf.data.Dataset.from_tensor_slices(a).batch(n).",
        seconds=lists.get("seconds", 0.0), line=line,
    )


@rule(id="tensor_elements_in_python", needs=("pyvalues",), thresholds={"many": 100})
def tensor_elements_in_python(report: Report, *, many: int) -> Found | None:
    """A Python loop over a tensor's elements (``for v in t``, ``t[i]``): one TensorFlow op per element.

    Weighed by the measured time of the element-by-element slicing.

    Detects: tensor elements taken one at a time in Python: ``for v in t``, ``t[i]``.

    Why it costs: each element is a strided-slice op (about 175 µs here), and each comparison or ``float()``
    of it another op or copy.

    Fix: whole-tensor operations (``tf.reduce_sum``, ``tf.where``, boolean masks), or ``a = np.asarray(t)``
    once and Python over ``a``.

    Thresholds:
        many: the least number of elements taken
    """
    elements = (report.pyvalues or {}).get("elements") or {}
    iterated, indexed = elements.get("iterated", 0), elements.get("indexed", 0)
    if iterated + indexed < many:
        return None
    seconds = elements.get("seconds", 0.0)
    how = " and ".join(part for part in (
        f"{iterated} by iterating over a tensor (for v in t)" if iterated else "",
        f"{indexed} by indexing it with Python integers (t[i])" if indexed else "") if part)
    each = seconds / (iterated + indexed)
    return Found(
        f"{iterated + indexed} tensor elements were taken one at a time from Python, {how}: each is a separate "
        f"TensorFlow slicing op ({format_seconds(each)} each, {format_seconds(seconds)} in all).",
        "work on the whole tensor with TensorFlow ops (tf.reduce_sum, tf.where, tf.math.*, boolean masks); if "
        "the loop must stay in Python, convert once first (a = np.asarray(t)) and loop over a.",
        seconds=seconds, line=weight.line_for(report, "tf_eager_ops", "host_copy"),
    )


@rule(id="python_hot_loop", severity="info", needs=("attribution", "thread_groups"), min_share=0.5,
      thresholds={"min_seconds": 0.25, "busy": 0.3})
def python_hot_loop(report: Report, *, min_seconds: float, busy: float) -> Found | None:
    """Most of the cell ran in its own frame, in a loop, keeping the main thread busy: a Python hot loop.

    The sampler sees the cell's own frame both while its bytecode runs and while
    a C call made straight from it runs (``a @ b`` on NumPy arrays), so the line
    must be in a loop (or a comprehension) of the cell's source: a single
    vectorised line is not a Python loop. A sleep is told apart by the main
    thread's CPU.

    Detects: most of the cell's time in its own Python, on a line inside a loop, the main thread busy.

    Why it costs: the interpreter runs every iteration's bytecode one by one; the same arithmetic over an
    array in NumPy or TensorFlow runs in compiled code, usually orders of magnitude faster.

    Fix: one NumPy / TensorFlow operation over the whole array instead of the loop; for a loop over Python
    containers, the step whose cost grows with the container (``list.pop(0)``: a ``deque``; ``x in list``: a
    ``set``).

    Thresholds:
        min_seconds: the least seconds the loop's line must take
        busy: the least share of those seconds the main thread must have spent on the CPU (a sleep is not a
            hot loop)
    """
    seconds = weight.category_seconds(report, "cell")
    line = weight.line_for(report, "cell")
    attribution = report.attribution  # there whenever line_for found a line
    if line is None or not seconds or seconds < min_seconds or not attribution:
        return None
    row = next(r for r in attribution["lines"] if r["line"] == line)
    if not repeats(attribution.get("cell_filename"), line) or idiom_on(report, line) is not None:
        return None  # not a loop; or a construct costly_idiom names, with its own fix
    main_cpu = report.group_cpu("main")
    # Time the main thread waited for a core counts as busy: on a loaded machine a computing thread queues.
    queued = (attribution.get("extra") or {}).get("cell_runqueue_s") or 0.0
    if main_cpu + queued < busy * seconds:
        return None
    compiled = _compiled_calls(report, line)
    called = f" (here `{compiled[0]}(…)`: a function written in C shows no frame of its own)" if compiled else ""
    fewer = (f"if `{compiled[0]}(…)` holds the time, call it fewer times: once for many items where it takes an "
             "array or a size, or with its per-call setup done once before the loop; " if compiled else "")
    return Found(
        f"the cell's own code ran for {format_seconds(seconds)} with no library's Python frame beneath it, the "
        f"most in the loop on line {line} ({row['source']}, {format_seconds(row['seconds'])}), the main thread busy "
        f"({format_seconds(main_cpu)} CPU): Python bytecode, or C calls made straight from the cell{called}.",
        fewer + "if this loop steps through numbers one at a time, the likely fix is to vectorise it: one NumPy or "
        "TensorFlow operation over the whole array instead of a Python step per element; if it works on Python "
        "containers, look for a step whose cost grows with the container: list.pop(0) or insert(0, x) "
        "(collections.deque), x in a_list (a set or dict), a_list = a_list + [x] (append), s += text "
        "(''.join).",
        seconds=seconds, line=line,
    )


#: Methods of Python's containers and strings: cheap C calls, not where a hot loop's time goes.
_CHEAP_METHODS = frozenset(("append", "extend", "pop", "get", "items", "keys", "values", "add", "update", "insert",
                            "setdefault", "join", "split", "strip", "format", "startswith", "endswith", "lower",
                            "upper", "replace", "popleft", "appendleft", "discard", "remove", "count", "index"))


def _compiled_calls(report: Report, line: int) -> list[str]:
    """The dotted names of the method or module-function calls on ``line`` (``rng.choice``, ``np.dot``) that are
    not a container's cheap methods: calls into compiled code, which the sampler sees as the cell's own frame."""
    facts = line_facts(report, line)
    if facts is None:
        return []
    return [dotted(c.func) for c in facts.calls()
            if hasattr(c.func, "attr") and c.func.attr not in _CHEAP_METHODS and "…" not in dotted(c.func)]


@rule(id="output_in_loop", needs=("attribution",), thresholds={"min_samples": 5})
def output_in_loop(report: Report, *, min_samples: int) -> Found | None:
    """Printing or logging (``print``, ``tf.print``, ``logging``) took a large part of the cell.

    Output time is weighed only when it spans at least ``min_samples``
    sampling intervals: in a 10 ms cell one sample caught in a single
    ``print`` weighs 20 %, which measures the sampler, not the print.

    Detects: ``print``, ``tf.print`` or ``logging`` took a large part of the cell.

    Why it costs: every line of output goes through IPython, which tees each write to the notebook (about 15
    µs a ``print``, 1 ms a ``tf.print`` here); in a hot loop that adds up.

    Fix: print every *n* steps, or once after the loop; raise the log level.

    Thresholds:
        min_samples: output time is weighed only when it spans at least this many sampling intervals
    """
    seconds = weight.category_seconds(report, "output")
    attribution = report.attribution  # there whenever category_seconds found time
    if not seconds or not attribution:
        return None
    weighed = seconds if seconds >= min_samples * attribution.get("interval_s", 0.0) else None
    line = weight.line_for(report, "output")
    row = next((r for r in attribution.get("lines", ()) if r["line"] == line), None)
    where = f" on line {line} ({row['source']})" if row and row.get("source") else ""
    return Found(
        f"writing output (print, tf.print or logging) took {format_seconds(seconds)}{where}.",
        "print every N steps (if step % 100 == 0: ...) or collect the values and print one summary after the "
        "loop; raise the logging level inside hot loops; tf.print runs an op on every call, so call it less often.",
        seconds=weighed, line=line,
    )


#: Collections asked for by one function from which they are a loop's, not a one-off the user chose.
ASKED_AGAIN = 3
#: Measured (TensorFlow and Keras imported, 1.1M tracked objects): a loop keeping 400,000 small dicts ran 1.0 s, and
#: 0.45 s after `gc.freeze()`; the fix text quotes it.
_FREEZE_MEASURED = "a loop keeping 400,000 small dicts with TensorFlow and Keras imported: 1.0 s, 0.45 s after it"


@rule(id="garbage_collection", needs=("attribution",), thresholds={"min_seconds": 0.2, "min_share": 0.2})
def garbage_collection(report: Report, *, min_seconds: float, min_share: float) -> Found | None:
    """Full garbage collections took a large part of the cell: asked for by a ``gc.collect()`` in a loop, or started
    by Python itself because the cell kept making new container objects.

    Weighed by the seconds the full (generation 2) collections took, timed through ``gc.callbacks``.

    Detects: the cell's full collections took ``min_seconds`` or more and ``min_share`` of its wall time or more.
    The stack under each collection's start says where it came from: a line calling ``collect(`` (yours, or a
    library's: Keras's ``clear_session()`` runs ``gc.collect()``), or an allocation (Python's own collection); the
    finding names the place that started most of their time, and the cell line above it. A collection asked for
    once or twice is left alone: that is a choice, not a loop's.

    Why it costs: a full collection walks every object the process tracks, and with TensorFlow and Keras imported
    that is a million objects or more: tens to hundreds of milliseconds each. ``gc.collect()`` runs one whenever it
    is called; Python runs one on its own once enough new container objects (lists, dicts, class instances,
    classes) have outlived the younger collections.

    Fix: for a ``gc.collect()``, run the function that calls it less often (once, after the loop) or not at all:
    Python collects on its own. For Python's own collections, make fewer long-lived container objects per item
    (tuples, or NumPy arrays for numbers), or call ``gc.freeze()`` once after the imports and the data load, so
    that later full collections skip everything already there.

    Thresholds:
        min_seconds: the least seconds the full collections must take
        min_share: the least share of the cell's wall time they must take
    """
    attribution = report.attribution
    if not attribution or report.wall_s <= 0:
        return None
    total = weight.category_seconds(report, "gc") or 0.0
    if total < min_seconds or total < min_share * report.wall_s:
        return None
    full = (attribution.get("extra") or {}).get("gc_full_collections") or 0
    triggers = attribution.get("gc_triggers") or []
    explicit = [t for t in triggers if t["explicit"]]
    each = f" ({format_seconds(total / full)} each here)" if full else ""
    count = f"{full} full garbage collection{'s' if full != 1 else ''}" if full else "Full garbage collections"
    head = f"{count} took {format_seconds(total)} of this cell ({100 * total / report.wall_s:.0f}%)"
    if explicit and sum(t["seconds"] for t in explicit) >= 0.5 * total:
        top = explicit[0]
        asked = sum(t["collections"] for t in explicit if t["function"] == top["function"])
        if asked < ASKED_AGAIN:
            return None  # a collection asked for once or twice: the user's choice, not a loop's
        short = top["function"].rsplit(".", 1)[-1]
        reached = f", reached from line {top['line']}" if top["line"] is not None else ""
        user = top["function"].startswith("<")  # a function of the notebook's own
        hint = (" (`keras.backend.clear_session()` collects unless called with `free_memory=False`; a model you keep "
                "using needs no `clear_session()` between its calls)" if short == "clear_session" else "")
        return Found(
            f"{head}: {asked} of them were asked for by `{top['source']}` in `{top['function']}`{reached}; each "
            f"walks every object the process holds{each}.",
            ("take the `gc.collect()` out of the loop: once after it, or not at all (Python collects on its own)"
             if user else f"call `{short}` less often (once, after the loop) or not at all: it runs `gc.collect()`, "
             f"and Python collects on its own{hint}"),
            seconds=total, line=top["line"])
    started = max(triggers, key=lambda t: t["seconds"], default=None)
    where = ""
    if started is not None and started["seconds"] >= 0.5 * total:
        where = f"; most started in `{started['function']}`" + (
            f", reached from line {started['line']}" if started["line"] is not None else "")
    fewer = "make fewer long-lived container objects per item (tuples, or NumPy arrays for numbers)"
    frozen = (attribution.get("extra") or {}).get("gc_frozen") or 0
    return Found(
        f"{head}: Python started them on its own, as the cell kept making new container objects (lists, dicts, "
        f"class instances, classes){where}; each walks every object the process holds"
        + (f" but the {frozen:,} that `gc.freeze()` set aside" if frozen else "") + f"{each}.",
        (f"{fewer}: the heap was frozen already, so these collections walked what was made since" if frozen else
         f"{fewer}, or freeze what is already there: `gc.freeze()` once after the imports and the data load, so that "
         f"later full collections skip it ({_FREEZE_MEASURED})"),
        seconds=total, line=started["line"] if started is not None else None)
