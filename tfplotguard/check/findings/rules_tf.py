"""TensorFlow itself: retracing, functions run eagerly, eager op loops, variables rebuilt, ops on the CPU beside
a GPU, TensorFlow's pools at work.

What a rule receives, returns and must rest on: :mod:`tfplotguard.check.findings`.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..format import format_seconds
from . import weight
from .registry import RULES, Found, rule
from .idioms import idiom_on

if TYPE_CHECKING:
    from ..report.model import Report
    from ..summaries import FunctionCalls, GraphOps, TraceSignature, WastedProduct

_TF_GROUPS = ("tf_pool", "tf_named", "tf_data")
#: From this many tf.function objects of one Python function, each traced, "a new object each time" is the cause.
FEW_OBJECTS = 3


@rule(id="retracing", needs=("traces", "trace_signatures", "trace_origins"))
def retracing(report: Report) -> list[Found] | None:
    """A tf.function traced more than once in one cell, and what caused it, when the traces show it.

    The user's own functions, and Keras's step functions (``one_step_on_data``,
    ``multi_step_on_iterator``) named as Keras's with the fix that applies to
    the data the user feeds them; TensorFlow's and tf.data's own functions
    are left out. Not counted as retraces: a first trace that created
    variables (TensorFlow traces such a function a second time by design); a
    trace that relaxed a shape to ``None`` (``reduce_retracing=True``, which
    Keras's step functions use: that trace is the fix, one trace then serves
    every shape); for Keras, one trace per step function object (its train,
    test and predict steps share one name). Measured on Keras 3.15: a smaller
    last batch does not retrace its steps (their batch dimension is None).

    The count in the message is the traces row's; the traces that are no
    retrace (the variable-creating one, a relaxing one) are said, not
    subtracted. A retrace whose only change is a smaller first dimension
    after the first trace's, in every argument that changed (at most two
    such sizes), is named as what it is: the smaller last batch of a
    dataset batched without ``drop_remainder`` or of an array sliced in
    steps, with ``drop_remainder=True`` when a batched ``tf.data`` pipeline
    ran in the cell, and an ``input_signature`` with a ``None`` batch
    dimension (measured: ``reduce_retracing=True`` traces once more to relax
    the shape, which is the very trace a single last batch costs, so it is
    not offered).

    Weighed by the tracing time: the traces timed directly (also in auto
    mode) but the first, which the fix keeps; with stacks sampled, that
    part of the attribution's ``tf_tracing`` time (Keras's traces are under
    its ``keras_overhead``: for them the direct time). A last batch is
    weighed by the calls that traced for the smaller batches, less an
    ordinary call: the trace and the new graph's first run, where TensorFlow
    instantiates and optimises it (also in auto mode).

    Detects: a ``tf.function`` (yours, or a Keras step function) traced again in the cell: for a new Python
    value, a new shape or dtype (a smaller last batch among them, named as such), a changed structure of its
    arguments, or because a new ``tf.function`` object is made each time.

    Why it costs: a trace runs the function's Python again, through autograph, and builds and optimises a
    new graph: tens to hundreds of milliseconds each, paid for every new value instead of once.

    Fix: pass tensors instead of Python numbers; for shapes that vary, give the function an
    ``input_signature`` or ``reduce_retracing=True``; for a smaller last batch, ``.batch(n,
    drop_remainder=True)`` or an ``input_signature`` whose batch dimension is ``None``; create the
    ``tf.function`` once, outside the loop.
    """
    times = report.tf_times.get("trace_seconds", {}) if report.tf_times else {}
    all_traced = sum(sum(took) for took in times.values())
    sampled = weight.category_seconds(report, "tf_tracing")
    found = []
    for name, count in report.traces.items():
        origin = report.trace_origins.get(name, {})
        owner = origin.get("owner")
        # "unknown" (the traced function was not found on the stack) is treated as the user's.
        if " (" in name or owner in ("tensorflow", "tfplotguard") or origin.get("via") == "tf.data":
            continue
        signatures = report.trace_signatures.get(name, [])
        kept = [sig for i, sig in enumerate(signatures) if not any(_relaxes(sig, s) for s in signatures[:i])]
        count -= origin.get("variable_traces", 0) + len(signatures) - len(kept)
        objects = origin.get("objects", 0)
        # Keras names its train, test and predict steps alike: one trace per object is one step each.
        # Two objects of one Python function traced once each are as likely two functions made on
        # purpose (one per optimizer, per tf.Module instance: the tf.function guide's own pattern).
        if count <= 1 or (objects >= count and (owner == "keras" or objects < FEW_OBJECTS)):
            continue
        took = times.get(name, [])
        # Every counted trace with its signature: else another retrace could hide behind the last batch.
        partial = _last_batches(kept) if owner != "keras" and len(kept) == count else None
        if partial is not None and len(took) == len(kept):  # only the smaller batches' traces are the cause
            retraced_s: float | None = sum(took[i] for i in partial.indices)
        else:
            retraced_s = sum(took[1:]) if len(took) > 1 else None
        seconds = retraced_s
        if partial is not None:
            seconds = _last_batch_cost(report, name, partial, took)
        elif (owner != "keras" and sampled is not None and retraced_s is not None and all_traced > 0
                and weight.covered(report) >= 0.9):  # sampled late (auto mode): the timed traces are the better weight
            seconds = sampled * min(1.0, retraced_s / all_traced)
        line = weight.line_for(report, "keras_overhead" if owner == "keras" else "tf_tracing")
        if partial is not None and line is None:  # its cost is mostly the new graph's first run
            line = weight.line_for(report, "tf_tracing", "tf_function")
        # The count is the traces row's; the traces that are no retrace are said, not subtracted.
        not_retraces = _not_retraces(origin.get("variable_traces", 0), len(signatures) - len(kept))
        traced = f"{report.traces[name]} times in this cell{not_retraces}"
        if owner == "keras":
            cause, fix = explain_keras_retrace(kept)
            message = f"Keras traced its own step function {name} {traced}: {cause}."
        elif partial is not None:
            batched = any("batch" in p["stages"] and p.get("owner") != "keras" for p in report.pipelines or ())
            cause, fix = explain_last_batch(partial, name, batched=batched)
            message = f"tf.function {name} was traced {traced}: {cause}."
        else:
            cause, fix = explain_retrace(kept, objects=objects, traces=count)
            message = f"tf.function {name} was traced {traced}: {cause}."
        found.append(Found(message, fix, seconds=seconds, line=line))
    return found or None


def _not_retraces(variable_traces: int, relaxed: int) -> str:
    """The part of a trace count that is no retrace, said in words (empty when there is none)."""
    parts = []
    if variable_traces:
        parts.append(f"{_times(variable_traces, 'one')} of them the second trace TensorFlow makes by design when a "
                     "first call creates variables")
        if relaxed:
            parts.append(f"{_times(relaxed, 'one')} relaxing a shape to None, after which one trace serves every shape")
    elif relaxed:
        parts.append(f"{_times(relaxed, 'one')} of them relaxing a shape to None, after which one trace serves "
                     "every shape")
    return f" ({'; '.join(parts)})" if parts else ""


def _times(n: int, one: str) -> str:
    return one if n == 1 else str(n)


@dataclass(frozen=True)
class LastBatches:
    """Traces made for batches smaller than the first one's, the rest of every tensor's shape unchanged.

    ``full``: the first trace's batch dimension; ``smaller``: the smaller batch dimensions, in trace
    order; ``indices``: those traces' places among the signatures; ``specs``: the first trace's tensor
    arguments as ``(argument, dtype, shape after the batch dimension)``, None when an argument is
    no plain tensor.
    """

    full: int
    smaller: list[int]
    indices: list[int]
    specs: list[tuple[str, str, list[str]]] | None


#: More smaller batch sizes than this are shapes that vary (buckets, a ragged stream), not a last batch.
LAST_BATCHES = 2


def _tensor_shape(value: str) -> tuple[str, list[str]] | None:
    """``"tensor float32(64, 10)"`` → ``("float32", ["64", "10"])``; None for anything else."""
    if not value.startswith("tensor ") or "(" not in value:
        return None
    dtype, shape = value[len("tensor "):].split("(", 1)
    return dtype, [d.strip() for d in shape.rstrip(")").split(",") if d.strip()]


def _last_batches(signatures: list[TraceSignature]) -> LastBatches | None:
    """The traces after the first that differ from it only by a smaller batch (first) dimension, or None.

    Every later trace must be one: a smaller last batch of a ``tf.data`` pipeline (without
    ``drop_remainder``) or of slicing an array in steps. Its first dimension must be the same in
    every argument that changed, and smaller than the first trace's.
    """
    if not 2 <= len(signatures) <= LAST_BATCHES + 1:
        return None
    first = signatures[0]
    full: int | None = None
    smaller: list[int] = []
    for sig in signatures[1:]:
        if set(sig) != set(first):
            return None
        batch = None
        for key, value in sig.items():
            if value == first[key]:
                continue
            new, old = _tensor_shape(value), _tensor_shape(first[key])
            if new is None or old is None or new[0] != old[0] or len(new[1]) != len(old[1]) or not new[1] \
                    or new[1][1:] != old[1][1:] or not (new[1][0].isdigit() and old[1][0].isdigit()):
                return None
            dim, old_dim = int(new[1][0]), int(old[1][0])
            if dim >= old_dim or batch not in (None, dim) or full not in (None, old_dim):
                return None
            batch, full = dim, old_dim
        if batch is None:
            return None
        smaller.append(batch)
    if full is None or len(set(smaller)) != len(smaller):
        return None
    specs = []
    for key, value in first.items():
        shape = _tensor_shape(value)
        # A plain argument: named, or positional ("#1") where its name is unknown; not a nested leaf.
        if shape is None or not shape[1] or not (key.isidentifier() or key[1:].isdigit() and key[0] == "#"):
            break
        specs.append((key, shape[0], shape[1][1:]))
    else:
        return LastBatches(full, smaller, list(range(1, len(signatures))), specs)
    return LastBatches(full, smaller, list(range(1, len(signatures))), None)


def _last_batch_cost(report: Report, name: str, partial: LastBatches, took: list[float]) -> float | None:
    """Seconds the smaller batches' traces cost the cell: each one's call less an ordinary call.

    A new trace's graph is instantiated and optimised at its first run, after the trace's timed
    window, so the calls that traced for the smaller batches are what the cell paid (measured: a
    last-batch trace timed 75 ms while the cell ran 258 ms longer than its twin that dropped the
    remainder). An ordinary call is the mean of the calls that traced nothing. Without the calls,
    the traces' own time.
    """
    times = report.tf_times or {}
    calls = (times.get("function_calls") or {}).get(name)
    call_took = (times.get("trace_call_seconds") or {}).get(name, [])
    if len(took) != len(call_took) or any(i >= len(took) for i in partial.indices):
        return sum(took[i] for i in partial.indices if i < len(took)) or None
    plain = 0.0
    if calls and calls["calls"] > calls["tracing_calls"]:
        plain = (calls["seconds"] - calls["tracing_seconds"]) / (calls["calls"] - calls["tracing_calls"])
    total = 0.0
    for i in partial.indices:
        call = call_took[i]
        total += took[i] if call is None else max(took[i], call - plain)
    return total


def explain_last_batch(partial: LastBatches, name: str, batched: bool) -> tuple[str, str]:
    """Why a function was traced again for a smaller last batch: ``(cause, fix)``.

    ``batched``: a ``tf.data`` pipeline with a ``batch`` stage was iterated in the cell (then
    ``drop_remainder=True`` is the first fix). ``reduce_retracing=True`` is not offered: it traces
    once more to relax the shape, which is the very trace a single smaller batch costs.
    """
    sizes = ", ".join(str(n) for n in partial.smaller)
    if len(partial.smaller) == 1:
        cause = (f"once for one smaller last batch: its inputs had {sizes} rows where the batches before had "
                 f"{partial.full}, and a new shape is a new trace")
    else:
        cause = (f"once for each of {len(partial.smaller)} smaller last batches ({sizes} rows where the batches "
                 f"before had {partial.full}), each shape a new trace")
    if partial.specs:
        specs = ", ".join(f"tf.TensorSpec([None{''.join(', ' + d for d in rest)}], tf.{dtype})"
                          for _, dtype, rest in partial.specs)
        signature = f"@tf.function(input_signature=[{specs}]) on {name}"
    else:
        signature = f"an input_signature on {name} whose tf.TensorSpec shapes start with None"
    keep = f"give it a None batch dimension, so one trace serves every batch size: {signature}"
    if batched:
        fix = (f"if leaving out the last {sizes} examples of each pass is fine (training on shuffled data), "
               f".batch({partial.full}, drop_remainder=True); to keep them, {keep}.")
    else:
        fix = (f"{keep}; or leave the smaller remainder out of the loop (e.g. range(0, n - n % {partial.full}, "
               f"{partial.full})).")
    return cause, fix


def _relaxes(later: TraceSignature, earlier: TraceSignature) -> bool:
    """True when ``later`` is ``earlier`` with some tensor dimensions relaxed to None (and nothing else changed)."""
    if set(later) != set(earlier) or later == earlier:
        return False
    for key, value in later.items():
        old = earlier[key]
        if value == old:
            continue
        if not (value.startswith("tensor ") and old.startswith("tensor ") and "(" in value and "(" in old):
            return False
        dtype, shape = value.split("(", 1)
        old_dtype, old_shape = old.split("(", 1)
        dims = [d.strip() for d in shape.rstrip(")").split(",") if d.strip()]
        old_dims = [d.strip() for d in old_shape.rstrip(")").split(",") if d.strip()]
        if dtype != old_dtype or len(dims) != len(old_dims):
            return False
        if any(d != o and d != "None" for d, o in zip(dims, old_dims)):
            return False
    return True


def explain_keras_retrace(signatures: list[TraceSignature]) -> tuple[str, str]:
    """Why Keras traced its own step function again, from its input signatures: ``(cause, fix)``.

    Keras builds its step functions with ``reduce_retracing=True``: a batch of
    another size costs one relaxing trace, already left out. What remains is a
    change TensorFlow cannot relax: the rank, the dtype or the structure of
    the batches. Said only as far as the signatures show it.
    """
    fix = ("give every fit / evaluate / predict call on this model data of one structure and dtype, with the "
           "same number of dimensions (cast once, e.g. x.astype('float32'); reshape to one rank)")
    if len(signatures) < 2:
        return "its input signatures were not available", fix
    keys = set().union(*signatures)
    if any(set(sig) != keys for sig in signatures):
        return "the structure of the batches changed (another number or nesting of inputs)", fix
    for key in sorted(keys):
        values = [sig[key] for sig in signatures]
        if len(set(values)) < 2 or not all(v.startswith("tensor ") for v in values):
            continue
        dtypes = {v.split(" ")[1].split("(")[0] for v in values}
        if len(dtypes) > 1:
            return f"input {key} arrived as {', '.join(sorted(dtypes))}", fix
        shown = " → ".join(v[v.index("("):] if "(" in v else v for v in values[:3])
        return f"input {key} changed shape beyond what TensorFlow can relax ({shown})", fix
    return ("its input signatures looked the same each time; what made it trace again is not in these "
            "measurements", "call fit / evaluate / predict with data of one structure, dtype and shape")


def explain_retrace(signatures: list[TraceSignature], objects: int = 0, traces: int = 0) -> tuple[str, str]:
    """Why a function was traced again, from its input signatures: ``(cause, fix)``.

    ``signatures`` are ``{argument: description}`` dicts as
    :meth:`tfplotguard.check.tfwatch.OpProbe.signatures` gives them: ``"python int 3"``
    or ``"tensor float32(2,)"``. ``objects`` is how many distinct
    ``tf.function`` objects made the ``traces``: when the signatures do not
    differ, only one object per trace establishes the cause.
    """
    if len(signatures) < 2:
        return ("its input signatures were not available",
                "call it with tensors of one shape and dtype; pass Python values as tensors")
    keys = set().union(*signatures)
    if any(set(sig) != keys for sig in signatures):
        return ("the number or nesting of its arguments changed between calls",
                "call it with one argument structure, or give it an input_signature")
    for key in sorted(keys):
        values = [sig[key] for sig in signatures]
        if len(set(values)) < 2:
            continue
        kinds = {v.split(" ", 2)[1] if v.startswith("python") else "tensor" for v in values}
        if all(v.startswith("python") for v in values):
            shown = ", ".join(v.split(" ", 2)[2] for v in values[:4])
            return (f"argument {key} is a Python {'/'.join(sorted(kinds))} and every new value is a new trace "
                    f"(values {shown}{', …' if len(values) > 4 else ''})",
                    # Measured: tf.constant(3) is an int32 tensor, which x * n with a float x rejects (TypeError).
                    f"pass {key} as a tensor (tf.constant(value"
                    + (", tf.float32) where it meets float tensors: a Python int alone becomes int32, which float "
                       "math rejects)" if "int" in kinds else "))")
                    + " so one trace serves every value; keep Python values for settings that rarely change")
        if all(v.startswith("tensor") for v in values):
            dtypes = {v.split(" ")[1].split("(")[0] for v in values}
            if len(dtypes) > 1:
                return (f"tensor argument {key} changed dtype ({', '.join(sorted(dtypes))})",
                        f"cast {key} to one dtype before the call")
            shown = " → ".join(v[v.index("("):] if "(" in v else v for v in values[:3])
            return (f"tensor argument {key} changed shape ({shown})",
                    "give the function input_signature=[tf.TensorSpec(shape=[None, ...], dtype=...)] or "
                    "@tf.function(reduce_retracing=True), or pad / batch to one shape")
        python = list(dict.fromkeys(v.split(" ", 2)[2] for v in values if v.startswith("python")))
        if len(python) > 1:
            shown = ", ".join(python[:4]) + (", …" if len(python) > 4 else "")
            return (f"argument {key} was passed as Python values ({shown}), each a new trace, and as a tensor",
                    f"always pass {key} as a tensor (tf.constant(value)): one trace serves every value")
        return (f"argument {key} switched between a Python value and a tensor",
                f"always pass {key} as a tensor")
    if objects and objects >= traces:
        return ("its arguments looked the same each time, so a new tf.function object was traced each time "
                "(decorated or wrapped inside a loop or a function)",
                "create the tf.function once, outside the loop, and call that object")
    return ("its input signatures looked the same each time and one tf.function object traced again; "
            "what made it retrace is not in these measurements",
            "print f.pretty_printed_concrete_signatures() after the cell to see every trace TensorFlow kept")


def _user_traces(report: Report) -> Iterator[tuple[str, GraphOps, float, float | None]]:
    """``(name, graph ops, trace seconds, seconds of the call that traced or None)`` for each trace of one of
    the user's ``tf.function`` objects whose graph was read (``trace_graph_ops``); Keras's, TensorFlow's,
    tfplotguard's and tf.data's own functions left out."""
    times = report.tf_times or {}
    for name, graphs in (times.get("trace_graph_ops") or {}).items():
        origin = report.trace_origins.get(name, {})
        if " (" in name or origin.get("owner") in ("keras", "tensorflow", "tfplotguard") or origin.get("via") == "tf.data":
            continue
        took = times.get("trace_seconds", {}).get(name, [])
        calls = times.get("trace_call_seconds", {}).get(name, [])
        for i, ops in enumerate(graphs):
            if ops is not None and i < len(took):
                yield name, ops, took[i], calls[i] if i < len(calls) else None


@rule(id="unrolled_trace", needs=("tf_times", "trace_origins"), thresholds={"min_trace_s": 0.3, "repeats": 100})
def unrolled_trace(report: Report, *, min_trace_s: float, repeats: int) -> list[Found]:
    """One slow trace whose graph repeats the same ops hundreds of times: a Python loop unrolled by tracing.

    Detects: a trace of one of your ``tf.function`` objects that took at least ``min_trace_s`` and whose graph
    holds one working op type at least ``repeats`` times (``MatMul ×350``): what a Python ``for i in
    range(n)`` loop in the function makes. Weighed by the trace and its graph's first run.

    Why it costs: tracing runs the function's Python once and records every op it creates, so a Python
    loop is unrolled into one copy of its body per iteration; the graph's first run then optimises all
    of them. The cost grows with the number of iterations, and is paid again at every retrace.

    Fix: loop over a tensor, ``for i in tf.range(n)`` (or ``tf.while_loop`` / ``tf.scan``): AutoGraph then
    makes one loop op whose body is traced once. Keep a Python loop for a few iterations only (a fixed
    list of layers).

    Thresholds:
        min_trace_s: the least seconds one trace must take
        repeats: the least count of the commonest working op type in its graph
    """
    found = []
    for name, ops, took, counted in _user_traces(report):
        if took < min_trace_s or not ops["most"] or ops["most"][0][1] < repeats:
            continue
        whole = counted if counted is not None else took
        most = ", ".join(f"{kind} ×{n}" for kind, n in ops["most"])
        found.append(Found(
            f"one trace of tf.function {name} took {format_seconds(took)} ({format_seconds(whole)} with its "
            f"graph's first run): its graph holds {ops['ops']} ops ({most}), the same ops over and over, as a "
            "Python loop in the function makes them: tracing unrolls it into one copy of its body per iteration.",
            "if the function loops in Python (for i in range(n)), loop over a tensor instead, for i in "
            "tf.range(n) (or tf.while_loop / tf.scan): AutoGraph then makes one loop op whose body is traced "
            "once; keep Python loops for a few iterations only.",
            seconds=min(whole, report.wall_s), line=weight.line_for(report, "tf_tracing", "tf_function")))
    return found


@rule(id="constant_in_graph", needs=("tf_times",), thresholds={"min_bytes": 4 * 2**20, "min_seconds": 0.2})
def constant_in_graph(report: Report, *, min_bytes: float, min_seconds: float) -> list[Found]:
    """A ``tf.function`` whose graph holds a large constant: a NumPy array it read from outside, copied in.

    Detects: a trace of one of your ``tf.function`` objects whose graph holds a constant of at least
    ``min_bytes`` and which, with its graph's first run, took at least ``min_seconds``. Weighed by that
    time (the trace and the first run).

    Why it costs: a NumPy array (or a Python list) that the function reads from its closure or a global
    is not a tensor: tracing converts it and embeds the value in the graph as a constant, so every
    trace copies it, and the graph's first run optimises the graph with it (constant folding, the
    graph's instantiation), all again at every retrace.

    Fix: make it a tensor once, outside the function (``table = tf.constant(array)``): a captured tensor
    is an input of the graph, passed by reference, never copied in; or keep it in a ``tf.Variable``,
    or pass it as an argument.

    Thresholds:
        min_bytes: the least size in bytes of the graph's largest constant
        min_seconds: the least seconds the trace and its graph's first run must take together
    """
    found = []
    reported: set[str] = set()  # one finding per function
    for name, ops, took, counted in _user_traces(report):
        whole = max(took, counted or 0.0)
        if name in reported or ops.get("const_bytes", 0) < min_bytes or whole < min_seconds:
            continue
        reported.add(name)
        size = ops["const_bytes"] / 2**20
        found.append(Found(
            f"tf.function {name}'s graph holds a constant of {size:.1f} MiB: a NumPy array (or Python list) "
            f"it reads from outside was copied into the graph when it was traced; the trace and the graph's "
            f"first run took {format_seconds(whole)}, and every retrace copies it again.",
            "make it a tensor once, outside the function (table = tf.constant(array)): a captured tensor is "
            "an input of the graph, passed by reference, never copied in; or keep it in a tf.Variable, or pass "
            "it as an argument.",
            seconds=min(whole, report.wall_s), line=weight.line_for(report, "tf_tracing", "tf_function")))
    return found


def _xla_recompiles(report: Report, min_shapes: int = 3, min_new_call_s: float = 0.05,
                    slower: float = 3.0) -> Iterator[tuple[str, FunctionCalls, float | None]]:
    """``(name, calls, seconds a call that brought a shape seen before took)`` of each XLA-compiled
    ``tf.function`` called with ``min_shapes`` whole input shapes or more, whose calls with a new
    shape took ``min_new_call_s`` each on average, and ``slower`` times a call with a known shape
    where there was one: XLA compiles a program per input shape (its cache is keyed by shape)."""
    keras_jit = any(call.get("jit_compile") for call in report.keras_calls)
    for name, entry in (report.tf_times.get("function_calls") or {}).items():
        shapes = entry.get("shapes", 0)
        if shapes < min_shapes or not (entry.get("jit_compile") or (keras_jit and entry["owner"] == "keras")):
            continue
        new_s = entry.get("new_shape_seconds", 0.0)
        repeats = entry["calls"] - shapes
        known_s = (entry["seconds"] - new_s) / repeats if repeats > 0 else None
        if new_s / shapes < min_new_call_s or (known_s is not None and new_s / shapes < slower * known_s):
            continue
        yield name, entry, known_s


@rule(id="xla_recompiles", needs=("tf_times", "keras_calls"), thresholds={"min_shapes": 3, "min_new_call_s": 0.05})
def xla_recompiles(report: Report, *, min_shapes: int, min_new_call_s: float) -> list[Found]:
    """An XLA-compiled step called with many input shapes: XLA compiles it again for each new shape.

    Detects: a ``tf.function(jit_compile=True)``, or the step of a Keras model compiled with
    ``jit_compile=True``, called in the cell with at least ``min_shapes`` different shapes of its first
    input, the calls that brought a new shape taking ``min_new_call_s`` each or more (and three times
    a call with a shape already seen, where there was one). Weighed by those calls' time, less what a
    call with a known shape took.

    Why it costs: XLA compiles a program for one set of input shapes and caches it by shape: every new
    shape (a batch padded to its longest sequence, a smaller last batch) compiles again, even when the
    ``tf.function`` itself does not retrace (``reduce_retracing``, a ``None`` dimension). On a CPU a
    compilation often costs many runs of the step.

    Fix: give XLA few shapes: pad the inputs to one length, or to a few bucket lengths
    (``padded_batch(..., padded_shapes=...)``, ``bucket_by_sequence_length``), and batches of one
    size (``drop_remainder=True``); or compile without XLA for inputs of varying shape
    (``model.compile(..., jit_compile=False)``, ``tf.function`` without ``jit_compile=True``).

    Thresholds:
        min_shapes: the least number of different input shapes in the cell
        min_new_call_s: the least seconds a call with a new shape must take on average
    """
    found = []
    line = weight.line_for(report, "keras_compute", "tf_function", "tf_compute", "tf_tracing")
    for name, entry, known_s in _xla_recompiles(report, min_shapes, min_new_call_s):
        shapes, new_s = entry["shapes"], entry.get("new_shape_seconds", 0.0)
        each = f"{format_seconds(new_s / shapes)} each"
        if known_s is not None:
            each += f", against {format_seconds(known_s)} for a call with a shape seen before"
        keras = entry["owner"] == "keras"
        what = "the Keras model's step (compiled with jit_compile=True)" if keras else \
            f"tf.function {name} (jit_compile=True)"
        found.append(Found(
            f"{what} was called with {shapes} different input shapes in "
            f"{entry['calls']} calls: XLA compiles the step again for every new shape, and the calls that "
            f"brought one took {format_seconds(new_s)} ({each}).",
            "give XLA few shapes: pad the inputs to one length or a few bucket lengths (padded_batch with "
            "padded_shapes, bucket_by_sequence_length) in batches of one size, or "
            + ("compile without XLA for inputs of varying shape: model.compile(..., jit_compile=False)."
               if keras else "drop jit_compile=True for inputs of varying shape."),
            seconds=min(report.wall_s, new_s - shapes * (known_s or 0.0)), line=line))
    return found


@rule(id="functions_run_eagerly", needs=("tf",))
def functions_run_eagerly(report: Report) -> Found | None:
    """``tf.config.run_functions_eagerly(True)`` is on: every ``tf.function`` runs as plain Python.

    Weighed by the time the ``tf.function`` bodies ran eagerly, measured
    directly when the switch was already on as the cell started (an earlier
    cell left it on); switched on inside the cell, it is not weighed.

    Detects: ``tf.config.run_functions_eagerly(True)`` is on while the cell runs ``tf.function``s: a global
    switch that an earlier debugging cell may have left on.

    Why it costs: every ``tf.function`` then runs its body op by op as plain Python, paying eager dispatch
    for each op and losing the graph's optimisations; a training step can take several times as long.

    Fix: ``tf.config.run_functions_eagerly(False)`` once debugging is done.
    """
    if report.tf.get("functions_run_eagerly") is not True:
        return None
    times = report.tf_times or {}
    calls = times.get("eager_function_calls", 0)
    seconds = times.get("eager_function_seconds") if calls else None
    ran = (f" {calls} tf.function call(s) ran eagerly in this cell, taking {format_seconds(seconds)}."
           if calls else "")
    return Found(
        "tf.config.run_functions_eagerly(True) is on: every tf.function runs as plain Python, op by op, "
        f"without graph optimisation (a global switch; an earlier cell may have left it on).{ran}",
        "tf.config.run_functions_eagerly(False) once you are done debugging.",
        seconds=seconds, line=weight.line_for(report, "tf_eager_ops", "cell"))


#: Ops of other causes than a step dispatched op by op, named by other rules: taking a tensor apart element
#: by element (``for v in t``, ``t[i]``) and ``tf.print`` in a loop.
_OTHER_CAUSES = frozenset(("StridedSlice", "Unpack", "Squeeze", "ResourceStridedSliceAssign", "PrintV2",
                           "StringFormat"))


#: Ops a training step runs and a plain loop over tensors does not: gradients and optimizer updates.
_TRAINING_OPS = ("ResourceApply", "BroadcastGradientArgs", "AssignSubVariableOp", "ReluGrad", "BiasAddGrad")


#: Ops that create a lookup table, and those that fill one with its keys: a table built at each step pays both.
_TABLE_BUILDS = ("HashTableV2", "MutableHashTableV2", "MutableHashTableOfTensorsV2", "MutableDenseHashTableV2")
_TABLE_FILLS = ("LookupTableImportV2", "InitializeTableV2", "InitializeTableFromTextFileV2", "LookupTableInsertV2")
#: Lookup tables built and filled in one cell from which they are named as rebuilt.
TABLES_REBUILT = 20


def _tables_rebuilt(report: Report, ops: dict[str, int]) -> Found | None:
    """Lookup tables created and filled again and again in one cell (a table built inside the function a loop
    calls): each one hashes and inserts every key anew, to look up a few."""
    built = sum(ops.get(op, 0) for op in _TABLE_BUILDS)
    filled = sum(ops.get(op, 0) for op in _TABLE_FILLS)
    if built < TABLES_REBUILT or filled < TABLES_REBUILT:
        return None
    named = ", ".join(f"{op} ×{n}" for op, n in sorted(ops.items(), key=lambda kv: -kv[1])
                      if op in _TABLE_BUILDS or op in _TABLE_FILLS)
    return Found(
        f"{built} lookup tables were created and filled with their keys in this cell ({named}): a table built "
        "inside the function or loop body that uses it hashes and inserts every key of its vocabulary again at each "
        "call, to look up a few.",
        "build the table once, before the loop (outside the function that looks up: table = "
        "tf.lookup.StaticHashTable(initializer, default_value)), and call table.lookup(tokens) inside it; in a "
        "tf.function, create it outside the function and let the function capture it.",
        seconds=weight.category_seconds(report, "tf_eager_ops"), line=weight.line_for(report, "tf_eager_ops"))


@rule(id="eager_op_loop", needs=("tf_times",), thresholds={"many": 1000, "small_s": 0.001, "pool_share": 0.6})
def eager_op_loop(report: Report, *, many: int, small_s: float, pool_share: float) -> Found | None:
    """Many small eager ops dispatched one by one from Python, as an eager training loop does.

    Each eager op pays Python and dispatch overhead that a traced graph pays
    once per call. Weighed by the stack attribution's ``tf_eager_ops`` time
    (the ops of functions run eagerly, element-by-element indexing and
    ``tf.print`` left out: other rules name those). Big ops are compute, not dispatch, and no
    finding: over ``small_s`` each on average (dispatch measured 80 µs an op
    in an eager training step here, a 600×600 matmul 1.3 ms), or TensorFlow's
    pools doing ``pool_share`` of the CPU (dispatch is the main thread's work).

    Detects: many small eager ops dispatched one at a time from Python, as an eager training loop does,
    while TensorFlow's thread pools are not the bottleneck.

    Why it costs: each eager op pays Python and dispatch overhead (about 80 µs an op in an eager training
    step here) that a traced ``tf.function`` pays once per call.

    Fix: put the loop's step (forward pass, loss, ``tape.gradient``, ``optimizer.apply_gradients``) in a
    function decorated with ``@tf.function``, called with tensors so that it traces once.

    Thresholds:
        many: the least number of eager ops in the cell (ops other rules name are not counted)
        small_s: the most seconds an op may take on average to count as small: bigger ops are compute, not
            dispatch
        pool_share: no finding when TensorFlow's pools did at least this share of the cell's CPU

    Past the eager ops the op probe counts per cell (``eager_ops_capped``), the mean is also bounded by the
    time from one counted op to the next, and the message says the count is a lower bound.

    Before all of that, :data:`TABLES_REBUILT` lookup tables or more created and filled in the cell are named as
    tables rebuilt (each hashing its whole vocabulary again), with the fix that builds one before the loop:
    their ops are few and each is large, so neither the count nor the mean above would name them.
    """
    ops = {op: n for op, n in (report.tf_times.get("eager_ops") or {}).items() if not op.startswith("__inference_")}
    total = sum(ops.values())
    step_ops = total - sum(ops.get(op, 0) for op in _OTHER_CAUSES)
    tables = _tables_rebuilt(report, ops)
    if tables is not None:
        return tables
    if step_ops < many:
        return None
    if report.thread_groups:
        tf_cpu, cpu = weight.cpu_share(report, _TF_GROUPS, 0.0)
        if tf_cpu / cpu >= pool_share:
            return None
    sampled = weight.category_seconds(report, "tf_eager_ops")
    seconds = None
    if sampled is not None:
        if report.tf.get("functions_run_eagerly"):
            sampled = max(0.0, sampled - report.tf_times.get("eager_function_seconds", 0.0))
        seconds = sampled * step_ops / total
    mean = (seconds if seconds is not None else weight.wall(report)) / step_ops
    capped = bool(report.tf_times.get("eager_ops_capped"))
    interval = report.tf_times.get("eager_op_interval_s")
    if capped and interval:  # more ops ran than were counted: while counted, one came every `interval`
        mean = min(mean, interval)
    line = weight.line_for(report, "tf_eager_ops")
    if mean > small_s or idiom_on(report, line) is not None:
        return None  # big ops: compute; or a construct costly_idiom names on the line, with its own fix
    top = ", ".join(f"{op} ×{n}" for op, n in sorted(ops.items(), key=lambda kv: -kv[1])[:4])
    if capped:  # the op probe stopped counting: these are the first ones
        spent = f", one every {format_seconds(mean)}" if interval else ""
        how_many, counted = "More than ", f"; only the first {sum(ops.values())} eager ops were counted"
    else:
        spent = f", {format_seconds(mean)} each on average" if seconds else ""
        how_many = counted = ""
    return Found(
        f"{how_many}{step_ops} small eager ops were dispatched one at a time from Python in this cell "
        f"(most: {top}{spent}{counted}): "
        "every op pays Python and dispatch overhead that a traced tf.function pays once per call.",
        ("put the loop's step (forward pass, loss, tape.gradient, optimizer.apply_gradients) in a function "
         "decorated with @tf.function and call that each step, with tensors as arguments so it traces once."
         if any(op.startswith(_TRAINING_OPS) for op in ops) else
         "do the loop's work as a few ops on whole tensors (one op over all elements instead of one per element), "
         "or put the loop in a function decorated with @tf.function (tf.range for its loop) so it runs as one "
         "graph."),
        seconds=seconds, line=line)


#: The categories TensorFlow's own work is sampled in: what a cleared kernel cache makes slower.
_TF_WORK = ("tf_function", "tf_eager_ops", "tf_compute")


@rule(id="kernel_cache_cleared", needs=("tf_times",), thresholds={"many": 20, "per_clear_s": 0.05})
def kernel_cache_cleared(report: Report, *, many: int, per_clear_s: float) -> Found | None:
    """The global seed set again and again in one cell: in eager mode each set clears TensorFlow's kernel cache.

    Detects: ``tf.random.set_seed`` (or ``keras.utils.set_random_seed``, which calls it) run ``many`` times or
    more in the cell in eager mode, typically from a helper called at every step "for reproducibility", with
    TensorFlow's sampled work per seed set ``per_clear_s`` or less on average.

    Why it costs: setting the global seed eagerly also clears TensorFlow's kernel cache
    (``Context._set_global_seed`` calls ``TFE_ContextClearCaches`` "to reset any existing seeds"), so every op and
    every traced function that runs next builds its kernels again: milliseconds for a function's graph, at each
    step.

    Fix: set the seed once (at the top of the notebook, or before the loop); for the same random numbers at
    each call, give the random ops an explicit seed (``tf.random.stateless_normal(shape, seed=[1, 2])``) or draw
    from one ``tf.random.Generator.from_seed(42)`` made before the loop.

    Thresholds:
        many: the least number of global seeds set in the cell
        per_clear_s: the most seconds of TensorFlow work per seed set, on average: above it, rebuilding the
            kernels is a small part of the work between two sets, and no finding is made
    """
    clears = (report.tf_times or {}).get("cache_clears") or 0
    if clears < many:
        return None
    work = weight.category_seconds(report, *_TF_WORK)
    if work is not None and work / clears > per_clear_s:
        return None
    each = "" if not work else f"; TensorFlow's work in the cell took {format_seconds(work)}, " \
                               f"{format_seconds(work / clears)} per seed set"
    return Found(
        f"The global random seed was set {clears} times in this cell (tf.random.set_seed): in eager mode each set "
        "also clears TensorFlow's kernel cache, so every op and traced function that ran after it built its "
        f"kernels again{each}.",
        "set the seed once, before the loop (or at the top of the notebook), not in a function called at every "
        "step; for the same random numbers at each call, pass an explicit seed to stateless random ops "
        "(tf.random.stateless_normal(shape, seed=[1, 2])) or draw from one tf.random.Generator.from_seed(42) made "
        "before the loop.",
        seconds=work, line=weight.line_for(report, *_TF_WORK))


@rule(id="variables_rebuilt", needs=("tf_times",), thresholds={"discarded": 10, "discarded_share": 0.3})
def variables_rebuilt(report: Report, *, discarded: int, discarded_share: float) -> Found | None:
    """Layers, models, optimizers or variables built again and again in one cell and thrown away.

    The sign is the variables created during the cell that were garbage again
    by its end (their handles gone): a model built once keeps its variables.
    Weighed by the stack attribution's ``variables`` time (creation and
    initialisation of layers, models, optimizers, tf.Variables).

    Detects: variables created in the cell and garbage again by its end: layers, models, optimizers or
    ``tf.Variable``s built inside a loop and thrown away.

    Why it costs: each rebuild creates and initialises the variables again (and a new model or optimizer
    traces its functions again), work a model built once does a single time.

    Fix: create the model, its layers, the optimizer and every ``tf.Variable`` once, before the loop;
    ``v.assign(value)`` sets a variable, ``model.set_weights(initial)`` restarts a model.

    Thresholds:
        discarded: the least number of the cell's new variables that are gone by its end
        discarded_share: the least share of the cell's new variables that are gone by its end
    """
    times = report.tf_times
    created, gone = times.get("variables_created", 0), times.get("variables_discarded", 0)
    if gone < discarded or gone < discarded_share * created:
        return None
    total = (report.counts or {}).get("variables", created)
    all_kinds = f" ({total} tf.Variables in all, in any thread)" if total != created else ""
    return Found(
        f"{created} variables were created in this cell{all_kinds} and "
        f"{gone} of them were garbage again by its end: layers, models, optimizers or tf.Variables built inside "
        "a loop and thrown away, each paying creation and initialisation again.",
        "create the model, its layers, the optimizer and any tf.Variable once, before the loop, and reuse them "
        "(v.assign(value) sets a variable; model.set_weights(initial) restarts a model).",
        seconds=weight.category_seconds(report, "variables"), line=weight.line_for(report, "variables"))


@rule(id="gpu_idle_ops_on_cpu", needs=("ops",), thresholds={"cpu_share": 0.5, "min_ops": 10})
def gpu_idle_ops_on_cpu(report: Report, *, cpu_share: float, min_ops: int) -> Found | None:
    """A GPU is present but most of the cell's eager ops ran on the CPU.

    Ops are counted per device with ``--ops``, and always while TensorFlow
    sees a GPU. Weighed by the stack attribution's time in TensorFlow's ops
    and functions, times the share of the ops that ran on the CPU.

    Detects: a GPU is present, but most of the cell's eager ops ran on the CPU.

    Why it costs: the GPU idles while the CPU does the work, and tensors may be copied between the devices
    on the way.

    Fix: create the inputs on the GPU (``with tf.device('/GPU:0'):``); string and int32 ops have no GPU
    kernels and stay on the CPU; ``tf.debugging.set_log_device_placement(True)`` shows where each op runs.

    Thresholds:
        cpu_share: the least share of the eager ops that ran on the CPU
        min_ops: the least number of eager ops in the cell
    """
    gpus = report.tf.get("gpus") or []
    if not gpus or not report.ops:
        return None
    cpu_ops = {op: n for device, counts in report.ops.items() if device.startswith("CPU")
               for op, n in counts.items()}
    total = sum(sum(counts.values()) for counts in report.ops.values())
    on_cpu = sum(cpu_ops.values())
    if total < min_ops or on_cpu / total < cpu_share:
        return None
    top = ", ".join(f"{op} ×{n}" for op, n in sorted(cpu_ops.items(), key=lambda kv: -kv[1])[:4])
    sampled = weight.category_seconds(report, "tf_eager_ops", "tf_compute", "tf_function", "tf_convert")
    return Found(
        f"{on_cpu} of {total} eager ops ran on the CPU although {', '.join(gpus)} is present (top: {top}).",
        "create the inputs on the GPU (with tf.device('/GPU:0'): ...); string and int32 ops have no GPU kernels "
        "and stay on the CPU; tf.debugging.set_log_device_placement(True) shows where each op runs.",
        seconds=None if sampled is None else sampled * on_cpu / total,
        line=weight.line_for(report, "tf_eager_ops", "tf_compute", "tf_function", "tf_convert"))


#: Fix per kind of wasted product (:mod:`tfplotguard.check.probes.dataflow`).
_PRODUCT_FIX = {
    "kept_part": ("compute only the part you keep: the diagonal of A @ B is tf.reduce_sum(A * tf.transpose(B), "
                  "axis=-1) (or tf.einsum('ij,ji->i', A, B)); rows or columns of A @ B are A[rows] @ B or "
                  "A @ B[:, cols]: slice the operands, not the product."),
    "one_hot": ("pick the rows directly: tf.gather(params, ids) (tf.nn.embedding_lookup) reads one row per id, "
                "where tf.one_hot(ids, depth) @ params multiplies through the whole depth for each."),
    "order": ("multiply in the cheaper order: matrix products associate, and the parentheses decide the cost: "
              "A @ (B @ C) keeps every intermediate as thin as C; or, if A @ B is the same at every step, compute "
              "it once before the loop."),
    "repeated": ("compute it once, before the loop, and reuse it: the same operands give the same product (a "
                 "variable's value, read anew each time, would not be the same)."),
    "float64": ("compute in float32 unless the result needs float64's precision (an ill-conditioned solve, a long "
                "sum of small terms): NumPy makes float64 by default and tf.constant / tf.convert_to_tensor keep it, "
                "so convert where the data enters TensorFlow, tf.constant(x, tf.float32) or x.astype(np.float32)."),
    "selection": ("gather instead of multiplying: a 0/1 matrix with one 1 per row picks rows, so S @ X is "
                  "tf.gather(X, idx) and X @ T (one 1 per column of T) is tf.gather(X, idx, axis=-1), with idx = "
                  "tf.argmax(S, axis=-1) (tf.argmax(T, axis=0)) computed once."),
    "diagonal": ("scale instead of multiplying: with d = tf.linalg.diag_part(D), D @ X is d[:, None] * X and "
                 "X @ D is X * d: a broadcast multiply, one multiplication per element."),
    "prefix": ("sum the prefix instead of multiplying: a lower-triangular matrix holding one value c[i] per row "
               "makes row i of L @ X the sum of X's first i+1 rows times c[i], which is tf.cumsum(X, axis=-2) * "
               "c[:, None] (a running mean: c[i] = 1 / (i + 1)); on the right, X @ U for an upper-triangular U "
               "with one value per column is tf.cumsum(X, axis=-1) * c."),
    "suffix": ("sum the suffix instead of multiplying: an upper-triangular matrix holding one value c[i] per row "
               "makes row i of U @ X the sum of X's rows from i on times c[i], which is "
               "tf.cumsum(X, axis=-2, reverse=True) * c[:, None]; on the right, X @ L for a lower-triangular L with "
               "one value per column is tf.cumsum(X, axis=-1, reverse=True) * c."),
}
#: What each structure of an operand is, said in the message.
_STRUCTURES = {"selection": "a 0/1 matrix with one 1 per row, picking rows",
               "diagonal": "a diagonal matrix, scaling rows",
               "prefix": "a lower-triangular matrix with one value per row, summing prefixes",
               "suffix": "an upper-triangular matrix with one value per row, summing suffixes"}
#: Said after another kind's fix when the line's product was also the same each time.
_ALSO_REPEATED = " It was also the same product each time: compute it once, before the loop."


def _macs(n: float) -> str:
    for size, unit in ((1e12, "T"), (1e9, "G"), (1e6, "M"), (1e3, "k")):
        if n >= size:
            return f"{n / size:.3g} {unit}"
    return f"{n:.0f}"


def _wasted(report: Report, min_macs: float) -> list[WastedProduct]:
    """The op probe's wasted products with at least ``min_macs`` multiply-adds thrown away, most first."""
    rows = (report.tf_times or {}).get("wasted_products") or []
    return [row for row in rows if row["macs"] - row["needed_macs"] >= min_macs]


@rule(id="wasted_product", needs=("tf_times",), thresholds={"min_macs": 1e8})
def wasted_product(report: Report, *, min_macs: float) -> list[Found] | None:
    """A matrix product whose work was mostly thrown away: a part kept, a one-hot operand, a costly order, repeats.

    Detects: among the eager ops the op probe counts, a matrix product (``@``, ``tf.matmul``) whose
    multiply-adds, summed over the line's repeats, exceed what the result needed by ``min_macs``: the
    op after it kept a small part of it (its diagonal, a slice, a few rows: an eighth of it or less),
    one operand was a ``tf.one_hot`` matrix, or it fed another product where the other order of the
    three matrices needs a quarter of the multiply-adds or fewer. A product used more than once (kept
    whole, reused) is not counted: its work was not thrown away. Shapes only, whatever the names.

    Why it costs: a product's multiply-adds grow with every dimension of its result; a thin result
    computed through a wide intermediate pays for the whole intermediate.

    Also read: an operand whose values have a structure that a cheaper op computes exactly (a 0/1
    matrix with one 1 per row picks rows; a diagonal matrix scales them; a triangle holding one value
    per row sums prefixes, as a running sum or mean does), read once per operand on the CPU.

    Also: products computed in float64 (NumPy's default dtype, kept by ``tf.constant``), about twice
    float32's cost on a CPU.

    Also: the same product of the same operands computed three times or more (the same tensor
    objects, or the same transpose, reshape or cast of them: eager tensors are immutable; a
    variable's value is read anew each time and never counts), said with the line's other kind.

    Fix: compute only what is kept (the diagonal as a row-wise sum, slices of the operands), gather rows
    instead of multiplying by a one-hot or selection matrix, scale by a diagonal with a broadcast
    multiply, sum prefixes with ``tf.cumsum``, or parenthesise the product so the thin operand goes
    first; compute a product that is the same each time once, before the loop.

    Thresholds:
        min_macs: the least multiply-adds thrown away on one line for it to be named
    """
    found = []
    rows = _wasted(report, min_macs)
    # One finding per line: a product also repeated is said with the other kind's finding.
    repeated = {row["line"] for row in rows if row["kind"] == "repeated"}
    other = {row["line"] for row in rows if row["kind"] != "repeated"}
    for row in [row for row in rows if row["kind"] != "repeated" or row["line"] not in other][:3]:
        done, needed, count = row["macs"], row["needed_macs"], row["count"]
        times = "" if count == 1 else f", {count} times"
        if row["kind"] == "kept_part":
            what = f"a {row['what']}{times}: {_macs(done)} multiply-adds where the part kept needed {_macs(needed)}"
        elif row["kind"] == "one_hot":
            what = (f"a one-hot matrix multiplied by a matrix ({row['what']}){times}: {_macs(done)} multiply-adds, "
                    "nearly all by zeros, to pick one row per id")
        elif row["kind"] == "order":
            what = (f"{row['what']} multiplied as written{times}: {_macs(done)} multiply-adds where the other "
                    f"order needs {_macs(needed)} ({done / max(needed, 1):.0f}× fewer)")
        elif row["kind"] == "float64":
            what = (f"matrix products in float64 ({row['what']}){times}: {_macs(done)} multiply-adds at float64's "
                    "cost, about twice float32's on a CPU")
        elif row["kind"] in _STRUCTURES:
            cheaper = "a gather needs none" if not needed else f"the same result needs {_macs(needed)} operations"
            what = (f"a product by {_STRUCTURES[row['kind']]} ({row['what']}){times}: {_macs(done)} multiply-adds, "
                    f"where {cheaper}")
        else:
            what = (f"the same product of the same operands ({row['what']}){times}: {_macs(done)} multiply-adds "
                    f"for one result of {_macs(needed)}")
        line = row["line"]
        if line is None:  # a traced function's graph: the line that called it
            line = weight.line_for(report, "tf_function")
        seconds = weight.line_seconds(report, line)
        also = _ALSO_REPEATED if row["kind"] != "repeated" and line in repeated else ""
        found.append(Found(f"{'Line ' + str(line) if line is not None else 'The cell'} computed {what}.",
                           _PRODUCT_FIX[row["kind"]] + also,
                           seconds=None if seconds is None else seconds * (1.0 - needed / max(done, 1)),
                           line=line))
    return found or None


@rule(id="tf_compute_bound", severity="info", needs=("thread_groups",),
      thresholds={"min_cpu_s": 0.2, "dominant_share": 0.6})
def tf_compute_bound(report: Report, *, min_cpu_s: float, dominant_share: float) -> Found | None:
    """TensorFlow's thread pools did most of the cell's work: real compute, and what makes it faster.

    Not a mistake. Weighed by the stack attribution's time in TensorFlow's
    ops, traced functions and Keras's model compute while the pools did most
    of the CPU work; unsampled, by the pools' CPU spread over the cores
    (the least wall time that work can take here).

    Detects: TensorFlow's thread pools did most of the cell's CPU work: real computation, not a mistake.

    Why it costs: it is the work itself: the time goes to the math, so only less or cheaper math, or faster
    hardware, shortens it.

    Fix: less work (a smaller model, fewer or cheaper steps), or a GPU. With a GPU, mixed precision
    (``mixed_float16``) and XLA (``jit_compile=True``) often help: measure them. On a CPU neither is
    recommended: float16 math ran 7-11× slower than float32 on this project's CPU, and XLA's gain is
    not general; try them only with a measurement of the same step before and after.

    Thresholds:
        min_cpu_s: the least CPU seconds of the cell for its thread groups to be compared at all
        dominant_share: the least share of the cell's CPU that TensorFlow's pools must have used
    """
    tf_cpu, total = weight.cpu_share(report, _TF_GROUPS, min_cpu_s)
    if tf_cpu / total < dominant_share:
        return None
    sampled = weight.category_seconds(report, "tf_compute", "tf_eager_ops", "tf_function", "keras_compute")
    seconds = sampled if sampled is not None else min(weight.wall(report), tf_cpu / max(1, report.cores))
    line = weight.line_for(report, "tf_compute", "tf_eager_ops", "tf_function", "keras_compute")
    if any(row["line"] == line for row in _wasted(report, RULES["wasted_product"].thresholds["min_macs"])):
        return None  # that computation was mostly thrown away: wasted_product says how, and this is no fix
    if line is not None and idiom_on(report, line) is not None:
        return None  # a costlier way to the same result (a full jacobian): costly_idiom names it, and this is no fix
    xla = RULES["xla_recompiles"].thresholds
    if next(_xla_recompiles(report, int(xla["min_shapes"]), xla["min_new_call_s"]), None) is not None:
        return None  # XLA compiling per shape, not the math: xla_recompiles names it
    state = report.tf
    intra, inter = state.get("intra_op_threads"), state.get("inter_op_threads")
    gpus = state.get("gpus") or []
    return Found(
        f"TensorFlow's thread pools did the work: {format_seconds(tf_cpu)} of {format_seconds(total)} CPU "
        f"({100 * tf_cpu / total:.0f}%, {report.utilisation:.2f} of {report.cores} cores busy on average, "
        f"intra-op={intra} inter-op={inter} threads, 0 = one per core). This is real computation, not overhead.",
        _compute_fix(bool(gpus)),
        seconds=seconds, line=line)


def _compute_fix(gpu: bool) -> str:
    """What makes real TensorFlow compute faster on this machine: never advice measured slower here."""
    if gpu:
        return ("to make it faster: do less work (a smaller model, fewer or cheaper steps); on the GPU, mixed "
                "precision (keras.mixed_precision.set_global_policy('mixed_float16')) and XLA "
                "(@tf.function(jit_compile=True)) often help: time the same step before and after.")
    return ("to make it faster: do less work (a smaller model, fewer or cheaper steps), or run it on a GPU. "
            "On this CPU, mixed precision is not advised (float16 math is emulated and ran several times "
            "slower than float32), and XLA (jit_compile=True) is worth it only if a timing of the same step "
            "says so.")
