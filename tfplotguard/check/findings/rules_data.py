"""Input pipelines and Keras: tf.data, the Python that TensorFlow's threads run, Keras's per-call costs.

What a rule receives, returns and must rest on: :mod:`tfplotguard.check.findings`.

One cause, one finding. The time the cell's thread waited on a tf.data
iterator (``tf_data_wait``) is split between the causes the pipeline's
structure shows (:mod:`tfplotguard.check.probes.data`): a ``tf.py_function`` /
``tf.numpy_function`` in a transformation owns all of it (``py_function``);
otherwise a pipeline iterated ``n`` times that maps without ``cache()`` owns
``(n−1)/n`` of it (``no_cache``: the epochs after the first redo the work) and
``input_bound`` the rest (from_generator, a sequential map, file reads without
interleave, no prefetch). Keras's own calls: one call per example
(``keras_call_in_loop``), one example per step (``keras_tiny_batches``, and
``tiny_batches_by_hand`` for a loop of one's own calling a ``tf.function``), small
batches on a small model (``keras_step_overhead``), each weighed by the time
sampled on the Keras call's line; progress output for many epochs
(``keras_verbose_flood``) is output, not time, and is never weighed.
"""

from __future__ import annotations

import math
from collections import Counter
from typing import TYPE_CHECKING, Literal

from ..format import format_seconds
from ..probes.data import ITERATORS_LIMIT
from . import weight
from .idioms import idiom_on
from .registry import Found, rule

if TYPE_CHECKING:
    from ..report.model import Report
    from ..summaries import PipelineSummary

_KERAS = ("keras_overhead", "keras_compute")
#: Keras's counted calls (keys of ``Report.counts``), and those a loop may repeat on a few examples.
_KERAS_CALLS: tuple[Literal["fit", "predict", "evaluate"], ...] = ("fit", "predict", "evaluate")
_REPEATED_CALLS: tuple[Literal["predict", "evaluate"], ...] = ("predict", "evaluate")


#: As many same-shaped pipelines as pipeline_per_step's default ``many``: a pipeline per step.
PER_STEP = 20


def _user_pipelines(report: Report) -> list[PipelineSummary]:
    return [p for p in report.pipelines or () if p.get("owner") != "keras" and p.get("stages")]


def _wait(report: Report) -> tuple[float | None, int | None]:
    """Seconds the cell's thread waited on tf.data input (None: not sampled) and the line where it waited most."""
    return weight.category_seconds(report, "tf_data_wait"), weight.line_for(report, "tf_data_wait")


def _repeats_without_cache(pipe: PipelineSummary) -> bool:
    return (pipe.get("iterators", 1) >= 2 and pipe.get("maps", 0) > 0 and not pipe.get("cache")
            and not pipe.get("generator") and not pipe.get("py_function"))


def _scaled(seconds: float | None, fraction: float) -> float | None:
    return None if seconds is None else seconds * fraction


def _tf_python_cpu(report: Report) -> str:
    cpu = report.group_cpu("tf_python")
    return f"; TensorFlow's threads running that Python used {format_seconds(cpu)} of CPU" if cpu > 0 else ""


#: How the stack sampler names a thread that runs Python but is no ``threading.Thread``
#: (TensorFlow's own threads running a py_function, numpy_function or generator).
_NATIVE_PYTHON = "<native thread running Python>"


def _python_in_tf_threads(report: Report) -> list[str]:
    """Names of the user's functions TensorFlow's threads ran: timed per call, most time first, then sampled ones.

    The timed calls (``Report.tf_python_calls``) are the functions handed to
    tf.py_function / tf.numpy_function; the samples add what those call.
    """
    from ..attribution.categories import USER, frame_module  # lazily: %load_ext stays within its 50 ms

    names = [call["function"] for call in report.tf_python_calls
             if call["filename"] and frame_module(call["filename"])[0] == USER]
    for thread in (report.attribution or {}).get("threads", ()):
        if thread["name"] == _NATIVE_PYTHON:
            names += [f["function"] for f in thread["frames"]
                      if frame_module(f["filename"])[0] == USER and f["function"] not in names]
    return [name for name in names if not name.startswith("<")]


@rule(id="py_function", needs=("pipelines",), thresholds={"min_cpu_s": 0.05})
def py_function(report: Report, *, min_cpu_s: float) -> Found | None:
    """A tf.py_function / tf.numpy_function in a Dataset transformation or a traced function: Python per call.

    Detects: ``tf.py_function`` / ``tf.numpy_function`` in a Dataset transformation, or your Python run on
    TensorFlow's threads (timed per call) while the cell ran traced functions.

    Why it costs: each call leaves the graph for the Python interpreter and runs under the GIL, one call at
    a time: ``num_parallel_calls`` cannot spread it over cores, and the graph waits for it.

    Fix: write the function with TensorFlow ops; or precompute it once in NumPy; or ``.cache()`` the dataset
    after it, so that it runs once per element rather than once per epoch. When the Python mostly waits
    (its calls were off the CPU, not queued for one, at least half their time: sleep, I/O), the GIL is free
    meanwhile and ``num_parallel_calls=tf.data.AUTOTUNE`` does overlap the calls: then that is the fix.

    Thresholds:
        min_cpu_s: for Python run from a traced function: the least CPU seconds TensorFlow's threads spent
            in it
    """
    pipe = next((p for p in _user_pipelines(report) if p.get("py_function")), None)
    if pipe is not None and "data_debug_mode" in (report.tf.get("switches") or {}):
        return None  # tf.data's debug mode wraps every map function in tf.py_function: global_switch names it
    if pipe is None:
        return _py_function_in_graph(report, min_cpu_s)
    waited, line = _wait(report)
    names = ", ".join(pipe.get("map_functions") or ()) or "a transformation"
    call = pipe["py_function"]
    calls = report.tf_python_calls
    called_s = sum(c["seconds"] for c in calls)
    waiting = sum(c["seconds"] * c.get("waiting", 0.0) for c in calls) / called_s if called_s > 0 else 0.0
    if waited is not None and waiting >= 0.5:
        # The Python mostly waited (sleep, I/O): the GIL is free meanwhile, so parallel calls do overlap.
        steps = []  # only what the pipeline does not do already
        if pipe.get("sequential_maps", 0):
            steps.append("give the map num_parallel_calls=tf.data.AUTOTUNE: calls that wait overlap (the GIL is "
                         "free while they wait)")
        if not pipe.get("prefetch"):
            steps.append("end the pipeline with .prefetch(tf.data.AUTOTUNE)")
        if not pipe.get("cache"):
            steps.append("put .cache() right after this map so that it runs once, not every epoch (unless it must "
                         "produce new values each epoch)")
        steps.append("do the waiting part (reading, fetching) once, before the loop, if it can be")
        return Found(
            f"The pipeline ({pipe['text']}) calls {call} in {names}: each element leaves the graph for the Python "
            f"interpreter, and that Python mostly waited ({100 * waiting:.0f}% of its time off the CPU: sleep, "
            f"I/O, a lock); the cell waited {format_seconds(waited)} on this input.",
            "; ".join(steps) + ".", seconds=waited, line=line)
    return Found(
        f"The pipeline ({pipe['text']}) calls {call} in {names}: each element leaves the graph for the Python "
        f"interpreter, one call at a time under the GIL, so num_parallel_calls cannot spread it over cores"
        f"{_tf_python_cpu(report)}."
        + ("" if waited is None else f" The cell waited {format_seconds(waited)} on this input."),
        "write the per-element work with TensorFlow ops (tf.math, tf.image, tf.strings …) so that "
        ".map(fn, num_parallel_calls=tf.data.AUTOTUNE) runs it in parallel; if it must stay NumPy, run it once "
        "on the whole array before Dataset.from_tensor_slices"
        # A cache saves only the passes after the first: iterated once, it saves nothing (benchmarks/fixes.py).
        + ("." if pipe.get("cache") or pipe.get("iterators", 1) < 2 else
           ", or put .cache() right after this map so that it runs once, not every epoch."),
        seconds=waited, line=line)


def _py_function_in_graph(report: Report, min_cpu_s: float) -> Found | None:
    """The user's Python run by TensorFlow's threads while the cell ran traced functions, no Python pipeline iterated.

    A tf.function calling tf.numpy_function 300 times: the cell's thread sat in the traced call
    (``tf_function``) while TensorFlow's thread ran the NumPy function (named by its timed calls) for
    290 ms of CPU; the same step in TensorFlow ops took 0.29 s instead of 0.60 s. The weight is the
    smaller of that CPU and the cell's time in traced functions.
    """
    functions = _python_in_tf_threads(report)
    cpu = report.group_cpu("tf_python")
    if not functions or cpu < min_cpu_s or any(p.get("generator") for p in _user_pipelines(report)):
        return None
    traced = weight.category_seconds(report, "tf_function", "keras_compute") or 0.0
    if traced <= 0:
        return None
    line = weight.line_for(report, "tf_function", "keras_compute")
    named = ", ".join(functions[:3])
    return Found(
        f"While the cell ran traced functions, TensorFlow's threads ran your Python ({named}) for "
        f"{format_seconds(cpu)} of CPU: that is a tf.py_function / tf.numpy_function inside a tf.function or a "
        "model, which leaves the graph for the Python interpreter on every call, under the GIL.",
        _in_graph_fix(report, functions[0]), seconds=min(cpu, traced), line=line)


#: A Python call on TensorFlow's thread at least this long on average is the function's own work, not the
#: round trip into Python (tens of µs): measured in benchmarks/fixes.py, np.tanh of a 256×256 matrix
#: (about 1.5 ms a call) rewritten as tf.tanh ran 0.5× the time, np.sort of 200,000 floats (10-20 ms a
#: call) rewritten as tf.sort 3× the time.
LONG_CALL_S = 0.005


def _in_graph_fix(report: Report, function: str) -> str:
    """The fix for ``function`` run by TensorFlow's threads: TensorFlow ops, unless its calls are long work."""
    timed = next((c for c in report.tf_python_calls if c["function"] == function and c["calls"]), None)
    if timed is not None and timed["seconds"] / timed["calls"] >= LONG_CALL_S:
        return (f"{function} took {format_seconds(timed['seconds'] / timed['calls'])} a call, far more than the "
                "round trip into Python costs: the time is its own work. Rewrite it with TensorFlow ops only if "
                "they do that work faster (time one call of each: tf.sort ran 3× slower than np.sort here); if it "
                "only prepares inputs, do it once in NumPy before the loop.")
    return (f"write {function} with TensorFlow ops (tf.math, tf.linalg, tf.signal …) so that it stays in the "
            "graph; if it only prepares inputs, do it once in NumPy before the loop.")


def _cache_before_take(pipe: PipelineSummary) -> bool:
    """A ``cache`` with a ``take`` after it, in a pipeline read more than once (``repeat`` after them, or two
    iterators): the cache never completes, so it is never read."""
    stages = pipe.get("stages") or []
    if "cache" not in stages or "take" not in stages[stages.index("cache"):]:
        return False
    take = stages.index("take", stages.index("cache"))
    return "repeat" in stages[take:] or (pipe.get("iterators") or 0) >= 2


def _bare(pipe: PipelineSummary) -> bool:
    """A source and nothing that does work per element: no map, interleave, file reader or generator."""
    return (not pipe.get("maps") and not pipe.get("interleave") and not pipe.get("reader")
            and not pipe.get("generator") and not pipe.get("py_function"))


#: Idle cores (the machine's, on average over the cell) from which parallel reads and maps can run sooner.
IDLE_FOR_PARALLEL = 0.5
#: Tensors in one element of a source from which handling them one by one is the pipeline's cost.
WIDE_ELEMENT = 32
#: Files of a reader, and the median size under which, make opening them the pipeline's cost.
MANY_FILES = 100
SMALL_FILE_BYTES = 64 * 1024


def _bytes(size: int) -> str:
    return f"{size} bytes" if size < 1024 else f"{size / 1024:.0f} KiB"


#: The least elements of a captured tensor a map reduces at every element for that to be named.
CAPTURED_ELEMENTS = 100_000


#: Elements a loop must take one at a time for the iterator's steps to be the wait.
STEPPED_ELEMENTS = 1000
#: The most seconds of waiting per element for that wait to be the iterator's step rather than making the element.
STEP_S = 0.0002


def per_element_steps(pipe: PipelineSummary, waited: float | None) -> tuple[int, float] | None:
    """``(elements, seconds each)`` where the cell took a pipeline with no batch stage one element at a time from
    Python, :data:`STEPPED_ELEMENTS` or more, waiting :data:`STEP_S` or less for each: the iterator's own step, not
    the work of making one."""
    count = pipe.get("elements") or 0
    if not waited or count < STEPPED_ELEMENTS or pipe.get("generator") \
            or any("batch" in stage for stage in pipe.get("stages") or ()):
        return None  # a generator's Python is its own defect
    each = waited / count
    return (count, each) if each <= STEP_S else None


#: The least share of the waited time the loop's own work must take for a prefetch to be advised: a prefetch
#: overlaps making the next element with that work, so it can save at most that much.
OVERLAP_SHARE = 0.5


def _cheap_after_batch(pipe: PipelineSummary) -> bool:
    """Whether every sequential map only computes element-wise or reshapes, and all maps run on batches: a
    call per batch of microseconds, which parallel calls would not shorten (blind set 10's CSV twin: 0.24-0.31
    s, and 0.25-0.32 s with num_parallel_calls and a prefetch)."""
    stages = pipe.get("stages") or []
    if "batch" not in stages or "map" not in stages or stages.index("map") < stages.index("batch"):
        return False
    return (pipe.get("cheap_sequential_maps") or 0) >= (pipe.get("sequential_maps") or 0)


def _defects(pipe: PipelineSummary, waited: float | None, min_wait_s: float,
             idle_cores: float | None = None, own_s: float | None = None) -> list[tuple[str, str]]:
    """(what the pipeline does, the fix) for each structural cause of waiting, most costly kind first.

    ``idle_cores``: the cores the machine left idle during the cell. Below :data:`IDLE_FOR_PARALLEL`
    the advice to read files or map elements in parallel is not given: more parallel calls would
    wait for the same busy cores (measured here, on 2 busy cores: ``interleave`` 1.23-1.52x slower,
    ``num_parallel_calls`` 0.94-1.18x).

    A sequential map and a missing prefetch are named only when the cell waited at least
    ``min_wait_s`` (or was not sampled): a trivial map over 1000 elements waited 30-110 ms here
    with or without num_parallel_calls and prefetch (the iterator's start and tf.data's fixed cost
    per element), so below that they explain nothing.
    """
    found = []
    if pipe.get("generator"):
        found.append(("it starts with Dataset.from_generator, whose generator makes every element in Python, "
                      "one at a time, under the GIL",
                      "if the data fits in memory, build the dataset with Dataset.from_tensor_slices(arrays) and "
                      "do the per-element work in .map(tf_fn, num_parallel_calls=tf.data.AUTOTUNE); a generator "
                      "that reads files can become Dataset.from_tensor_slices(file_names).interleave(read_fn, "
                      "num_parallel_calls=tf.data.AUTOTUNE)"))
    busy = idle_cores is not None and idle_cores < IDLE_FOR_PARALLEL
    files, size = pipe.get("files") or 0, pipe.get("file_bytes")
    if pipe.get("reader") and files >= MANY_FILES and size is not None and size < SMALL_FILE_BYTES:
        # Opening a file and setting up its reader is the cost, not reading: reading them in parallel
        # measured 3.0x slower (10,000 files of one record each, interleave with AUTOTUNE).
        return [*found, (f"it reads {files:,} files of about {_bytes(size)} each: every file costs an open, a "
                         "reader of its own and a close, more than the records in it",
                         "write the records into a few large files (the TFRecord guide suggests shards of 100 MB "
                         "or more: one TFRecordWriter for many records) and read those; reading many tiny files "
                         "in parallel (interleave) does not remove the per-file cost")]
    if pipe.get("reader") and not pipe.get("interleave") and not busy and pipe.get("files") != 1:
        found.append((f"it reads its files with {pipe['reader']} one after another",
                      f"Dataset.from_tensor_slices(files).interleave(tf.data.{pipe['reader']}, "
                      "num_parallel_calls=tf.data.AUTOTUNE)"))
    if _cache_before_take(pipe):
        # tf.data discards a cache its iterator did not read to the end: every pass recomputes what it holds,
        # and a prefetch would not change that (measured: 1.09 s against 1.07 s).
        return [*found, ("its cache comes before take, so each pass stops before the cache has read its whole "
                         "input, and tf.data discards a partly filled cache (it logs a warning saying so): every "
                         "pass recomputes what the cache was to keep",
                         "take before caching (ds.take(k).cache()), as TensorFlow's warning advises: the first "
                         "pass then fills the cache and the later ones read from it")]
    if waited is not None and waited < min_wait_s:
        return found
    stages = pipe.get("stages") or []
    heavy_maps = (pipe.get("maps") or 0) > (pipe.get("elementwise_maps") or 0)
    if "shard" in stages and "map" in stages and stages.index("map") < stages.index("shard"):
        # Every element is mapped, then all but one in n are dropped: no prefetch or parallelism shortens that.
        return [*found, ("it shards after its map, so every element is mapped (read, decoded, computed) and then "
                         "all but one in the shard count are dropped",
                         "shard first, on what is cheap (the file names: ds.shard(n, i).map(load_fn)), as the "
                         "Dataset.shard documentation advises: each worker then maps only its own elements")]
    if heavy_maps and "shuffle" in stages and "map" in stages and stages.index("map") < stages.index("shuffle"):
        # The buffer is filled before the first element comes out: a prefetch cannot shorten that.
        return [*found, ("its shuffle comes after the map, so the shuffle buffer is filled with mapped elements "
                         "(every one decoded or computed) before the first element comes out",
                         "shuffle what is cheap before the map: the file names or indices "
                         "(ds.shuffle(n).map(load_fn)), as random an order without mapping a buffer's worth first")]
    if (pipe.get("components") or 0) >= WIDE_ELEMENT and any("csv" in stage for stage in stages):
        # A CSV reader's columns: every field of every row is parsed into its own tensor, used or not.
        return [*found, (f"its CSV reader parses all {pipe['components']} columns of every row, each into a tensor "
                         "of its own that batching and every map then handle, whether the model uses it or not",
                         "parse only the columns used: CsvDataset(path, record_defaults, select_cols=[...]) with "
                         "one default per selected column (make_csv_dataset(..., select_columns=[...]) for named "
                         "columns)")]
    if (pipe.get("components") or 0) >= WIDE_ELEMENT:
        # Each component is sliced, batched and handed over on its own: neither a parallel map nor a prefetch
        # shortens that (a parallel map after batch measured no gain: 1.59 s against 1.58 s).
        return [*found, (f"each element of its source is a structure of {pipe['components']} tensors (a dict or "
                         "tuple of columns): slicing, batching and every map handle each of them on its own, "
                         f"{pipe['components']} times per element",
                         "pack columns of one dtype into one array before the pipeline (features = "
                         "np.stack(list(columns.values()), axis=1), then Dataset.from_tensor_slices(features)), so "
                         "that each element is one tensor; split it back into named features in a map after batch "
                         "only if the model needs them")]
    captured = pipe.get("captured_reduced") or 0
    if captured >= CAPTURED_ELEMENTS:
        # The map's work is the captured tensor's, the same for every element: batching first or running the
        # map in parallel only divides it; computing it once removes it.
        names = ", ".join(pipe.get("map_functions") or ()) or "its function"
        return [*found, (f"its map ({names}) reduces a tensor it captured from outside ({captured:,} values) at "
                         "every element: whatever the function computes from that tensor alone (a mean, a norm, "
                         "a product) is computed again for each element",
                         "compute it once, before building the pipeline (mean = tf.reduce_mean(data, axis=0)), "
                         "and let the map use the result")]
    # Only for a map of cheap element-wise ops: a heavy per-element map (decoding, a model) is work, which
    # batching first does not shrink, and which may not run on a batch at all.
    if (pipe.get("elementwise_maps") and "batch" in stages and "map" in stages
            and stages.index("map") < stages.index("batch")):
        names = ", ".join(pipe.get("map_functions") or ()) or "its function"
        found.append((f"its map ({names}), a few element-wise ops, runs before batch, once per element: tf.data "
                      "pays a function call and its bookkeeping for every element, more than the ops cost",
                      "batch first and map over whole batches (ds.batch(n).map(fn), with fn written for a batch: "
                      "the tf.data guide's 'vectorizing mapping'), one call per batch instead of per element"))
    if pipe.get("sequential_maps") and not busy and not _cheap_after_batch(pipe):
        names = ", ".join(pipe.get("map_functions") or ()) or "its function"
        found.append((f"{pipe['sequential_maps']} map ({names}) runs one element at a time (no num_parallel_calls)",
                      ".map(fn, num_parallel_calls=tf.data.AUTOTUNE)"))
    steps = per_element_steps(pipe, waited)
    if steps is not None:
        # The iterator's step from Python is the cost, not making the element: a prefetch made no difference
        # (1.64-1.73 s against 1.71-1.86 s for 20,000 records), batching removed it (1.16 s to 0.06 s).
        count, each = steps
        return [*found, (f"the loop takes its {count:,} elements one at a time, "
                         f"unbatched: each step of a tf.data iterator from Python costs about {format_seconds(each)} "
                         "(an eager op and its hand-over), whatever the element holds, and a prefetch does not "
                         "shorten it",
                         "batch the dataset (.batch(1000)) and work on a batch per step: parse records with "
                         "tf.io.parse_example on the batch, convert or index whole batches (.numpy() once per "
                         "batch)")]
    # Not for a generator (prefetch cannot overlap its GIL-bound Python), nor a bare source (a range or tensor
    # slices with no transformation makes its elements as fast as a prefetch buffer would hand them out).
    # Nor for a loop that does little besides waiting: nothing to overlap (blind set 10's CSV twin: 0.24-0.31 s,
    # and 0.25-0.32 s with the prefetch and parallel map advised).
    overlaps = own_s is None or waited is None or own_s >= OVERLAP_SHARE * waited
    if not pipe.get("prefetch") and not pipe.get("generator") and not _bare(pipe) and overlaps:
        found.append(("it has no prefetch, so it makes the next element only when the loop asks for it",
                      "end the pipeline with .prefetch(tf.data.AUTOTUNE)"))
    return found


@rule(id="pipeline_per_step", needs=("pipelines",), thresholds={"many": 20})
def pipeline_per_step(report: Report, *, many: int) -> Found | None:
    """The same tf.data pipeline built and iterated anew at every step of a loop.

    Detects: the cell iterated at least ``many`` datasets of the same structure (``ds.skip(i).take(1)``, or a
    ``Dataset`` built inside the loop), each a pipeline of its own.

    Why it costs: every new pipeline builds its graph and starts an iterator from scratch (threads, buffers,
    the first element's latency), and a ``skip(i)`` walks through ``i`` elements before the one wanted:
    the per-step cost grows with the step.

    Fix: build the dataset once, before the loop, make one iterator (``it = iter(ds)``) and call
    ``next(it)`` at each step; or iterate the dataset once (``for x in ds.take(n)``).

    Thresholds:
        many: the least number of same-shaped datasets iterated in one cell
    """
    counts = Counter(p["text"] for p in _user_pipelines(report))
    if not counts:
        return None
    text, n = counts.most_common(1)[0]
    if n < many:
        return None
    waited, line = _wait(report)
    skip = " → skip" in f" → {text}"
    seconds = weight.line_seconds(report, line) if line is not None else waited
    return Found(
        f"The cell built and iterated {'at least ' if len(report.pipelines or ()) >= ITERATORS_LIMIT else ''}{n} "
        f"datasets of the same shape ({text}): a new pipeline per step, each "
        "starting its iterator from scratch"
        + (", and each skip(i) walking through i elements before the one it keeps" if skip else "")
        + ("" if waited is None else f"; the cell waited {format_seconds(waited)} on them") + ".",
        "build the dataset once before the loop and make one iterator, it = iter(ds), then call next(it) at each "
        "step (or iterate it once: for x in ds.take(n)).",
        seconds=seconds, line=line)


@rule(id="input_bound", needs=("pipelines",), thresholds={"min_wait_s": 0.15})
def input_bound(report: Report, *, min_wait_s: float) -> Found | None:
    """The cell's thread waited on a tf.data iterator, and the pipeline's structure says why.

    Detects: the cell waited on a ``tf.data`` iterator, and the pipeline's structure says why: it starts
    with ``from_generator``, reads files without ``interleave``, or (past ``min_wait_s`` of waiting) maps
    a few cheap element-wise ops over each element before batching, maps sequentially or has no
    ``prefetch``. Reading files one after another and a sequential map are named only when the
    machine had an idle core for parallel calls to use (half a core on average, or more), and a sequential
    map only if it does more than element-wise ops and reshaping on batches (such a call per batch takes
    microseconds: nothing for parallel calls to overlap). A
    ``shard`` after a map is named first, alone (every element is mapped, then most are dropped), then a
    ``shuffle`` after a heavy map, alone: its buffer fills before the first element comes out, then a
    source whose element is a structure of :data:`WIDE_ELEMENT` tensors or more (a dict of columns), alone:
    each is sliced and batched on its own (for a CSV reader: every column parsed, → ``select_cols``). An
    unbatched pipeline whose :data:`STEPPED_ELEMENTS` elements or more the loop took one ``next`` at a time,
    waiting :data:`STEP_S` or less for each, is named as the iterator's step per element (→ batch), and no
    prefetch is advised for it. A missing prefetch is named only where the loop's own work (the cell's time
    besides the wait) is :data:`OVERLAP_SHARE` of the wait or more: a prefetch overlaps nothing else.
    Before all of these, and whatever the wait: :data:`MANY_FILES`
    files or more of under :data:`SMALL_FILE_BYTES` each (the median of the first few), alone (opening them
    is the cost, which reading them in parallel does not remove), and a ``cache`` before a ``take`` in a
    pipeline read more than once, alone (tf.data discards the partly filled cache: every pass maps again).

    Why it costs: the training step sits idle while the pipeline makes the next batch: a generator makes
    each element in Python under the GIL, a sequential map uses one core, and without ``prefetch`` nothing
    overlaps the step with the input.

    Fix: build the dataset with ``Dataset.from_tensor_slices(arrays)``, batch before a map written for
    batches, ``map(fn, num_parallel_calls=tf.data.AUTOTUNE)``, ``interleave`` for files, and end it with
    ``prefetch(tf.data.AUTOTUNE)``.

    Thresholds:
        min_wait_s: the least seconds of waiting before a sequential map or a missing prefetch is named
            (below it a trivial pipeline waits as long with them fixed)
    """
    pipes = [p for p in _user_pipelines(report) if not p.get("py_function")]
    if not pipes or max(Counter(p["text"] for p in pipes).values()) >= PER_STEP:
        return None  # a new pipeline per step is pipeline_per_step's: its structure is not the cause
    waited, line = _wait(report)
    if idiom_on(report, line) is not None:
        return None  # the waiting line does something of known cost (counts by reading, cuts windows with flat_map)
    own = report.wall_s - waited if waited is not None else None  # the loop's own work, besides waiting
    pipe = next((p for p in pipes if _defects(p, waited, min_wait_s, report.idle_cores, own)), pipes[0])
    # Epochs after the first redo the maps: that part is no_cache's.
    first = 1.0 / pipe["iterators"] if _repeats_without_cache(pipe) else 1.0
    defects = _defects(pipe, waited, min_wait_s, report.idle_cores, own)
    if not defects:
        if not waited or _repeats_without_cache(pipe):  # no_cache names a pipeline redone pass after pass
            return None
        return Found(
            f"The cell waited {format_seconds(waited)} on tf.data input; the pipeline ({pipe['text']}) shows none "
            "of the slow patterns looked for (from_generator, a sequential map, file reads without interleave, "
            "no prefetch) that would explain it: the per-element work itself is what the loop waits for.",
            "make the per-element work cheaper, or cache() the dataset after its expensive steps if you iterate "
            "it more than once.", seconds=None, line=line)
    if waited is not None and waited <= 0:
        return None
    # Not sampled (auto mode): the structure is known, whether the cell waited on it is not.
    opening = (f"The pipeline ({pipe['text']}) was iterated; " if waited is None else
               f"The cell waited {format_seconds(waited)} on tf.data input. The pipeline ({pipe['text']}) is "
               "the bottleneck: ")
    what = "; ".join(text for text, _ in defects)
    fix = "; ".join(fix for _, fix in defects)
    return Found(f"{opening}{what}"
                 f"{_tf_python_cpu(report) if pipe.get('generator') else ''}.",
                 fix + ".", seconds=_scaled(waited, first), line=line)


@rule(id="no_cache", needs=("pipelines",))
def no_cache(report: Report) -> Found | None:
    """A dataset with a map iterated epoch after epoch without cache(): its preprocessing is redone each time.

    Detects: a dataset with a ``map`` iterated two times or more in the cell without ``cache()``.

    Why it costs: every pass runs the map over every element again, though it computes the same values each
    epoch.

    Fix: add ``.cache()`` after the expensive map (before ``shuffle`` / ``batch`` if those must vary per
    epoch). Where a map draws random numbers (augmentation), cache between the deterministic maps and
    the random one, never after it: a cache would freeze the augmentation. A pipeline whose every map
    is random has nothing to cache, and gets no finding.
    """
    pipe = next((p for p in _user_pipelines(report) if _repeats_without_cache(p)), None)
    if pipe is None:
        return None
    random_maps = pipe.get("random_maps", 0)
    if random_maps and random_maps >= pipe.get("maps", 0):
        return None  # every map differs each epoch by design: recomputing it is the point
    waited, line = _wait(report)
    if not waited:  # not sampled, or waited inside Keras's traced step (fit on a dataset): not weighed
        waited = None
    n = pipe["iterators"]
    names = ", ".join(pipe.get("map_functions") or ()) or "its map"
    return Found(
        f"{n} iterators were made over the dataset ({pipe['text']}) in this cell, and it has no cache(): its "
        f"map ({names}) recomputed every element for each"
        + ("." if waited is None else f"; the cell waited {format_seconds(waited)} on it, "
                                      f"{n - 1} of the {n} passes redoing the same work."),
        ("cache the deterministic part and keep the random augmentation after the cache "
         "(ds.map(preprocess).cache().map(augment)): a cache after a random map would freeze the augmentation; "
         "the first pass fills it, the later ones read from memory."
         if random_maps else
         "add .cache() after the expensive map (before shuffle/batch if those must vary per epoch): the first "
         "pass fills it, the later ones read from memory; cache(filename) if it does not fit in memory."),
        seconds=_scaled(waited, (n - 1) / n), line=line)


def _keras_line(report: Report) -> tuple[int | None, float | None]:
    """The cell line with the most Keras time and its seconds; without such a line, the cell's Keras time."""
    line = weight.line_for(report, *_KERAS)
    seconds = weight.line_seconds(report, line)
    return line, seconds if seconds is not None else weight.category_seconds(report, *_KERAS)


@rule(id="keras_call_in_loop", needs=("keras_calls",), thresholds={"many": 10, "small": 64})
def keras_call_in_loop(report: Report, *, many: int, small: int) -> Found | None:
    """Model.predict (or evaluate) called again and again on a few examples: each call builds an input pipeline.

    Detects: ``Model.predict`` or ``evaluate`` called again and again, each time on a few examples.

    Why it costs: each call builds a new ``tf.data`` input pipeline and runs Keras's setup: milliseconds of
    overhead for a prediction that takes microseconds.

    Fix: call ``predict`` once on all the inputs stacked into one array, or, for a small batch in a loop,
    call ``model(x, training=False)`` directly.

    Thresholds:
        many: the least number of calls in the cell
        small: the most examples each call may have
    """
    for method in _REPEATED_CALLS:
        calls = report.counts.get(method, 0)
        kept = [c for c in report.keras_calls if c["method"] == method]
        sizes = [n for c in kept if (n := c.get("examples")) is not None]
        if calls < many or not sizes or max(sizes) > small:
            continue
        line, seconds = _keras_line(report)
        per_call = "" if seconds is None else f" ({format_seconds(seconds / calls)} a call)"
        return Found(
            f"Model.{method} was called {calls} times in this cell, on {max(sizes)} example(s) or fewer each"
            f"{per_call}: every call builds a new tf.data pipeline and runs Keras's epoch machinery around a "
            "single step.",
            f"stack the inputs and call {method} once (model.{method}(np.stack(xs), batch_size=...)), or, for a "
            "few examples inside a loop, call model(x, training=False) directly: it builds no pipeline.",
            seconds=seconds, line=line)
    return None


@rule(id="keras_tiny_batches", needs=("keras_calls",), thresholds={"tiny": 4, "min_steps": 64})
def keras_tiny_batches(report: Report, *, tiny: int, min_steps: int) -> Found | None:
    """fit / evaluate / predict with a batch of a few examples on many examples: one step per example.

    Detects: ``fit``, ``predict`` or ``evaluate`` with a batch of a few examples over many batches.

    Why it costs: every batch is a step with its own fixed cost (the step's call, callbacks, the progress
    bar), and a tiny batch does too little work to amortise it or to keep the cores busy.

    Fix: use a batch size of 32 to 256.

    Thresholds:
        tiny: the largest batch size that counts as tiny
        min_steps: the least number of batches (examples / batch size)
    """
    for call in report.keras_calls:
        batch, examples = call.get("batch_size"), call.get("examples")
        if not isinstance(batch, int) or batch > tiny or not examples or examples / batch < min_steps:
            continue
        steps = math.ceil(examples / batch) * ((call.get("epochs") or 1) if call["method"] == "fit" else 1)
        line, seconds = _keras_line(report)
        return Found(
            f"Model.{call['method']}(batch_size={batch}) on {examples} examples ran {steps} steps: Keras's fixed "
            "cost of a step (calling the traced step function, callbacks, metrics) is paid once per "
            f"{'example' if batch == 1 else f'{batch} examples'}"
            + ("." if seconds is None else f", about {format_seconds(seconds / steps)} a step."),
            "use batch_size=32 to 256 (the examples of a batch are computed together); for training, raise the "
            "learning rate with the batch size if the model then learns slower per epoch.",
            seconds=seconds, line=line)
    return None


@rule(id="tiny_batches_by_hand", needs=("tf_times",),
      thresholds={"tiny": keras_tiny_batches.thresholds["tiny"], "min_steps": keras_tiny_batches.thresholds["min_steps"]})
def tiny_batches_by_hand(report: Report, *, tiny: int, min_steps: int) -> Found | None:
    """A loop of your own calling its ``tf.function`` step on a few examples at a time: one call per example.

    ``keras_tiny_batches``'s cause in a custom training loop, with its thresholds. The calls are
    counted exactly (the outermost calls of the cell's thread, with the first dimension of the first
    argument that has a shape). Weighed by the time sampled on the cell line that ran the calls
    (the line with the most time in traced functions), as ``keras_tiny_batches`` weighs the
    ``fit`` line; unsampled, not weighed.

    Detects: a ``tf.function`` of yours called many times in the cell, each time on a batch of a few
    examples (slices ``x[i:i + 1]``, a dataset batched by 1 or not batched).

    Why it costs: every call pays the fixed cost of a step (matching the arguments to a trace, entering
    the graph runtime, the loop's own Python and slicing) for an example or two; a batch of 64 pays it
    once for 64 examples, computed together.

    Fix: feed the step batches of 32 to 256 examples (``Dataset.from_tensor_slices((x, y)).batch(64)``,
    or ``x[i:i + 64]``); for training, raise the learning rate with the batch size if the model then
    learns slower per epoch. A loop whose every call needs the previous call's result (a simulation, an
    agent acting step by step) cannot be batched this way.

    Thresholds:
        tiny: the largest batch that counts as tiny (as ``keras_tiny_batches``)
        min_steps: the least number of calls on tiny batches (as ``keras_tiny_batches``)
    """
    for name, entry in (report.tf_times.get("function_calls") or {}).items():
        if entry["owner"] not in ("user", "unknown"):
            continue  # Keras's steps are fit's (keras_tiny_batches), TensorFlow's its own
        sizes = {int(size): n for size, n in entry["batch_sizes"].items()}
        small = {size: n for size, n in sizes.items() if 0 < size <= tiny}
        calls = sum(small.values())
        if calls < min_steps or calls < entry["calls"] / 2:
            continue
        line = weight.line_for(report, "tf_function")
        seconds = weight.line_seconds(report, line)
        each = "one example each" if set(small) == {1} else f"batches of {max(small)} or fewer examples"
        per_call = "" if seconds is None else f", about {format_seconds(seconds / entry['calls'])} a call on that line"
        return Found(
            f"tf.function {name} was called {entry['calls']} times in this cell, {calls} of them on {each}"
            f"{per_call}: every call pays the fixed cost of a step (matching the arguments to its trace, entering "
            "the graph, the loop's own Python and slicing) for "
            f"{'one example' if set(small) == {1} else 'a few examples'}.",
            "feed it batches of 32 to 256 examples (tf.data.Dataset.from_tensor_slices((x, y)).batch(64), or "
            "x[i:i + 64] stepping i by 64): the examples of a batch are computed together in one call; for "
            "training, raise the learning rate with the batch size if the model then learns slower per epoch. "
            "(A loop whose every call needs the previous call's result cannot be batched this way.)",
            seconds=seconds, line=line)
    return None


@rule(id="keras_step_overhead", needs=("keras_calls",),
      thresholds={"tiny": 4, "small_batch": 32, "min_steps": 200, "small_model": 100_000})
def keras_step_overhead(report: Report, *, tiny: int, small_batch: int, min_steps: int,
                        small_model: int) -> Found | None:
    """Many small steps of a small model, one step per call of the traced function: Keras's per-step cost dominates.

    Detects: many small steps of a small model, each a call of the traced step function
    (``steps_per_execution=1``).

    Why it costs: Keras's per-step work (the call into the step function, callbacks, metrics) dominates when
    a step computes little.

    Fix: ``model.compile(..., steps_per_execution=32)``, or larger batches.

    Thresholds:
        tiny: batch sizes up to this are ``keras_tiny_batches``'s
        small_batch: batch sizes from this up are not small
        min_steps: the least number of steps
        small_model: the most parameters of a small model
    """
    for call in report.keras_calls:
        batch, examples, params = call.get("batch_size"), call.get("examples"), call.get("parameters")
        if (call.get("steps_per_execution") != 1 or not isinstance(batch, int) or not tiny < batch < small_batch
                or not examples or params is None or params > small_model):
            continue
        steps = math.ceil(examples / batch) * ((call.get("epochs") or 1) if call["method"] == "fit" else 1)
        if steps < min_steps:
            continue
        line, seconds = _keras_line(report)
        return Found(
            f"Model.{call['method']}(batch_size={batch}) ran {steps} steps of a model with {params} parameters, "
            "one step per call of Keras's traced step function (steps_per_execution=1)"
            + ("." if seconds is None else f": about {format_seconds(seconds / steps)} a step, mostly the fixed "
                                           "cost of a step rather than the model's arithmetic."),
            "compile with steps_per_execution=32 (or more) so that one call runs many steps, and use a larger "
            "batch_size (64 to 256) if training allows.",
            seconds=seconds, line=line)
    return None


@rule(id="keras_verbose_flood", severity="info", needs=("keras_calls",), thresholds={"many_epochs": 20})
def keras_verbose_flood(report: Report, *, many_epochs: int) -> Found | None:
    """fit printing a progress bar every epoch for many epochs: output volume, not time (never weighed).

    Detects: ``fit(verbose=1)`` for many epochs: a progress bar printed for every epoch.

    Why it costs: it does not cost time (a real kernel showed none, so it is never weighed): it floods the
    notebook's output.

    Fix: ``verbose=2`` or ``0``, and plot ``history.history`` after training.

    Thresholds:
        many_epochs: the least number of epochs
    """
    for call in report.keras_calls:
        epochs = call.get("epochs")
        if call["method"] != "fit" or call.get("verbose") not in (1, "auto") or not isinstance(epochs, int) \
                or epochs < many_epochs:
            continue
        # Measured in a real Jupyter kernel (TF 2.21, Keras 3.15): fit(epochs=60, verbose=1) sent 181
        # output messages (14 KB) and took no measurably longer than verbose=0: the cost is the notebook's.
        return Found(
            f"Model.fit(epochs={epochs}, verbose={call['verbose']!r}) prints an 'Epoch i/{epochs}' line and a "
            f"progress bar for each of its {epochs} epochs into the cell's output (about three output messages an "
            "epoch); it costs the kernel little time but floods the notebook.",
            "pass verbose=2 (one line per epoch) or verbose=0 and plot history.history afterwards.",
            seconds=None)
    return None


@rule(id="pipelines_rebuilt", severity="info", needs=("traces", "trace_origins"),
      thresholds={"many": 10})
def pipelines_rebuilt(report: Report, *, many: int) -> tuple[str, str] | None:
    """An input pipeline built again and again in one cell: tf.data traced its functions every time.

    Detects: your code built ``tf.data`` pipelines many times in one cell (Keras's own per-call pipelines
    are ``keras_call_in_loop``'s).

    Why it costs: each new dataset traces the functions of its transformations again and builds a new
    iterator.

    Fix: build the dataset once, outside the loop, and iterate over it again.

    Thresholds:
        many: the least number of pipelines built whose transformation function was traced
    """
    built = {name: origin.get("objects", 0) for name, origin in report.trace_origins.items()
             if origin.get("via") == "tf.data" and origin.get("objects", 0) >= many}
    if not built:
        return None
    name, count = max(built.items(), key=lambda kv: kv[1])
    if report.trace_origins[name].get("owner") == "keras":
        if sum(report.counts.get(m, 0) for m in _KERAS_CALLS) >= many:
            return None  # the calls were counted: keras_call_in_loop names them
        return (f"Keras built a new tf.data input pipeline {count} times in this cell ({name} traced once per "
                "pipeline): every fit / evaluate / predict call builds one for its input.",
                "call predict once on all inputs stacked into one array, or, for a small batch in a loop, "
                "call model(x, training=False) directly (it builds no pipeline).")
    if report.trace_origins[name].get("owner") == "user":
        return (f"tf.data traced the function given to a Dataset transformation {count} times in this cell "
                f"({name}): once per dataset built.",
                "build the dataset once, outside the loop, and iterate over it again.")
    return None


@rule(id="cpu_in_tf_python", severity="info", needs=("thread_groups",),
      thresholds={"min_cpu_s": 0.2, "share": 0.4})
def cpu_in_tf_python(report: Report, *, min_cpu_s: float, share: float) -> tuple[str, str] | None:
    """TensorFlow's threads that ran the user's Python (from_generator, py_function) used the most CPU.

    Detects: TensorFlow's threads that ran your Python (``from_generator``, ``py_function``,
    ``numpy_function``) used the most CPU of the cell, and no other rule named that Python.

    Why it costs: that Python runs under the GIL, one call at a time: it is not TensorFlow's parallelism,
    and TensorFlow's thread settings do not change it.

    Fix: move the per-element work into TensorFlow ops (``Dataset.from_tensor_slices(...).map(tf_fn,
    num_parallel_calls=tf.data.AUTOTUNE)``), or precompute it once and ``.cache()`` the dataset.

    Thresholds:
        min_cpu_s: the least CPU seconds of the cell for its thread groups to be compared at all
        share: the least share of the cell's CPU those threads must have used (and theirs the largest group)
    """
    if any(p.get("generator") or p.get("py_function") for p in _user_pipelines(report)) or \
            _py_function_in_graph(report, py_function.thresholds["min_cpu_s"]) is not None:
        return None  # input_bound / py_function name that Python, its pipeline or its traced function
    py_cpu, total = weight.cpu_share(report, ("tf_python",), min_cpu_s)
    # The largest group and a good share of the total: a generator pipeline measured 51-56% here,
    # the rest spread over the main thread, TensorFlow's pools and exited threads.
    if py_cpu / total < share or report.top_group() != "tf_python":
        return None
    return (
        f"TensorFlow's threads that ran your Python (Dataset.from_generator, tf.py_function, "
        f"tf.numpy_function) used {format_seconds(py_cpu)} of {format_seconds(total)} CPU "
        f"({100 * py_cpu / total:.0f}%): that Python runs under the GIL, one call at a time; it is not "
        "TensorFlow's parallelism, and TensorFlow's thread settings do not change it.",
        "express the per-element work as TensorFlow ops (Dataset.from_tensor_slices(...).map(tf_fn, "
        "num_parallel_calls=tf.data.AUTOTUNE)), or precompute it once and cache the dataset (.cache()).",
    )
