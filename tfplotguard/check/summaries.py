"""The measurement contract: what each probe hands over, and which report sections a rule may need.

Every section of a :class:`~tfplotguard.check.report.model.Report` that a rule
reads is named in :data:`MEASUREMENTS`; the findings registry refuses a rule
whose ``needs`` names anything else, so a renamed section fails at import, not
by a rule silently finding nothing. The sections' shapes are typed here (as
``TypedDict``: plain dicts at run time, so the JSON stays as it is) and checked
by the type checker wherever a producer builds them or a rule or a rendering
reads them: the producers' return types and the ``Report``'s fields name these
types, so a key renamed on one side is an error on the other
(``tests/test_static_checks.py``). They exist for the type checker only
(``if TYPE_CHECKING``), so they are imported the same way. ``section.get("key")`` is checked too, by the
project's mypy plugin (``scripts/mypy_checked_get.py``): plain mypy accepts any
key there.

A section the ``Report`` holds as ``{}`` until it is measured (``numpy``
without TensorFlow, for one) is ``total=False``: its readers use ``.get``. The
rows inside a section are complete: every key is there.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

#: The report sections rules may name in ``needs`` (a rule whose section was not measured is skipped).
MEASUREMENTS = (
    "attribution", "counts", "guard", "keras_calls", "live", "mpl", "numpy", "ops", "pipelines", "pyvalues",
    "tensors", "tf", "tf_python_calls", "tf_times", "thread_groups", "timeline", "trace_origins",
    "trace_signatures", "traces", "held", "gpu_memory",
)


if TYPE_CHECKING:
    # The shapes are for the type checker only: at run time a section is a plain dict, and built as
    # classes these would cost every `import tfplotguard` about 1.5 ms (typing parses each string
    # annotation). So they are imported under TYPE_CHECKING wherever they are named.
    from typing import Any, NotRequired, TypedDict

    # -- .numpy() calls (probes.numpy_calls.NumpyProbe.summary) ------------------------------------

    class HostCopy(TypedDict):
        """The largest ``.numpy()`` copy of a host tensor: its size, time and short device name."""

        bytes: int
        seconds: float
        device: str

    class HostCopies(TypedDict, total=False):
        """``.numpy()`` copies of host tensors of at least ``LARGE_COPY_BYTES``, summed."""

        calls: int
        bytes: int
        seconds: float

    class NumpySummary(TypedDict, total=False):
        """Explicit ``.numpy()`` calls during a cell (``Report.numpy``; ``{}`` without TensorFlow)."""

        calls: int
        bytes: int
        seconds: float
        max_same_tensor: int
        largest_host: HostCopy | None
        large_host: HostCopies

    # -- Python values in and out of tensors (probes.pyvalues.PyValueProbe.summary) -----------------

    class ListConversions(TypedDict, total=False):
        """Python lists turned into tensors: calls, seconds, the outer lengths of the longest one."""

        calls: int
        seconds: float
        largest: list[int] | None

    class ElementReads(TypedDict, total=False):
        """Tensor elements taken one at a time: by ``t[i]``, by ``for v in t``, and their seconds."""

        indexed: int
        iterated: int
        seconds: float

    class ScalarReads(TypedDict, total=False):
        """``float(t)`` / ``int(t)`` calls and their seconds."""

        calls: int
        seconds: float

    class PyValuesSummary(TypedDict, total=False):
        """Python values crossing into and out of tensors (``Report.pyvalues``; ``{}`` without TensorFlow)."""

        lists: ListConversions
        elements: ElementReads
        scalars: ScalarReads

    # -- tf.data pipelines (probes.data.describe, DataProbe.summary) ------------------------------

    class PipelineStructure(TypedDict):
        """A dataset's structure, read from its Python objects (:func:`~.probes.data.describe`).

        ``source``: ``"generator"``, ``"tensors"``, ``"files"``, ``"range"`` or
        ``"other"``; ``py_function``: ``"tf.py_function"`` / ``"tf.numpy_function"``
        in a transformation's function, or None; ``owner``: ``"keras"`` (a map
        function of Keras's own) or ``"user"``; ``cheap_sequential_maps``: the sequential
        maps made only of element-wise and reshaping ops.
        """

        stages: list[str]
        text: str
        generator: NotRequired[bool]
        py_function: NotRequired[str | None]
        sequential_maps: NotRequired[int]
        parallel_maps: NotRequired[int]
        prefetch: NotRequired[bool]
        cache: NotRequired[bool]
        interleave: NotRequired[bool]
        map_functions: NotRequired[list[str]]
        random_maps: NotRequired[int]
        elementwise_maps: NotRequired[int]
        cheap_sequential_maps: NotRequired[int]
        captured_reduced: NotRequired[int]
        stateful_parallel_maps: NotRequired[int]
        reader: NotRequired[str | None]
        owner: NotRequired[str]
        source: NotRequired[str]
        maps: NotRequired[int]
        components: NotRequired[int]
        files: NotRequired[int]
        file_bytes: NotRequired[int | None]

    class PipelineSummary(PipelineStructure):
        """One dataset iterated during a cell and how many iterators were made of it (``Report.pipelines``).

        A dataset whose structure could not be read has ``stages``, ``text`` and
        ``iterators`` only.
        """

        iterators: int
        elements: NotRequired[int]  # elements taken one ``next`` at a time from Python, its iterators together

    # -- Keras (probes.keras) -------------------------------------------------------------------------

    class KerasCall(TypedDict):
        """The arguments of one ``fit`` / ``predict`` / ``evaluate`` call (``probes.keras.call_arguments``).

        ``batch_size``, ``epochs`` and ``verbose`` are what the user passed (None
        where not given; ``verbose`` defaults to ``"auto"``), whatever their type.
        """

        method: str
        batch_size: Any
        epochs: Any
        verbose: Any
        steps_per_execution: int | None
        input: str
        examples: int | None
        parameters: int | None
        dtype_policy: NotRequired[str | None]
        jit_compile: NotRequired[bool]

    class KerasCounts(TypedDict):
        """Outermost Keras calls and ``tf.Variable`` objects created during a cell (``KerasProbe.summary``)."""

        fit: int
        predict: int
        evaluate: int
        variables: int

    class CellCounts(TypedDict, total=False):
        """``Report.counts``: matplotlib figures created, and :class:`KerasCounts`."""

        figures: int
        fit: int
        predict: int
        evaluate: int
        variables: int

    # -- matplotlib (probes.mpl) ----------------------------------------------------------------------

    #: A site row: ``[filename, line, function, figures]`` (``figure_sites``) or
    #: ``[filename, line, function, calls, artists, points]`` (``call_sites``); a list, as JSON gives it back.
    SiteRow = list[Any]

    class MplState(TypedDict, total=False):
        """matplotlib as it stands (``probes.mpl.state``): ``imported`` only, when it is not."""

        imported: bool
        version: str
        backend: str
        interactive: bool
        pyplot_imported: bool

    class MplSummary(TypedDict, total=False):
        """What matplotlib did during a cell (``MplProbe.summary``): draws, redraws, pauses, sites, open figures."""

        draws: int
        draw_s: float
        redraws: int
        redraw_s: float
        pauses: int
        pause_s: float
        figure_sites: list[SiteRow]
        call_sites: list[SiteRow]
        open_before: int
        open_figures: int
        open_drawn: int
        open_bytes: int
        category_ticks: int
        view_points: list[int]  # [scatter points, outside the view] of the drawn figure with the most outside (or points)
        gouraud_cells: list[int]  # [cells, axes pixels] of the largest mesh drawn with shading='gouraud'

    class MplSection(MplState, MplSummary, total=False):
        """``Report.mpl``: :class:`MplState` after the cell and :class:`MplSummary` of it, in one dict."""

    # -- TensorFlow: traces and ops (probes.ops.OpProbe) ----------------------------------------------

    #: One trace's input signature: ``{argument: "python int 3" | "tensor float32(2,)"}`` (``OpProbe.signatures``).
    TraceSignature = dict[str, str]
    #: ``{device: {op type: count}}`` (``OpProbe.ops_by_device``).
    OpsByDevice = dict[str, dict[str, int]]

    class TraceOrigin(TypedDict, total=False):
        """Whose function a traced name is (``OpProbe.origins``).

        ``owner``: ``"user"``, ``"keras"``, ``"tensorflow"``, ``"tfplotguard"`` or
        ``"unknown"``; ``via``: ``"tf.function"`` or ``"tf.data"``; ``objects``:
        distinct ``tf.function`` objects that traced it; ``variable_traces``: first,
        variable-creating traces among them.
        """

        owner: str
        via: str
        objects: int
        variable_traces: int

    class FunctionCalls(TypedDict):
        """The outermost calls of one ``tf.function`` during a cell (``OpProbe.times``).

        ``batch_sizes``: ``{first dimension: calls}`` of the first argument that has a shape (keys
        are text, as JSON has them); ``owner`` as in :class:`TraceOrigin`; ``seconds``: the calls'
        time; ``tracing_calls`` / ``tracing_seconds``: the calls that traced the function, and theirs.
        ``jit_compile``: the function was made with ``jit_compile=True``; ``shapes``: how many
        different whole shapes that argument had (counted up to ``probes.ops.SHAPES_KEPT``);
        ``new_shape_seconds``: the time of the calls that brought a shape not seen before in the cell.
        """

        calls: int
        batch_sizes: dict[str, int]
        owner: str
        seconds: float
        tracing_calls: int
        tracing_seconds: float
        jit_compile: NotRequired[bool]
        shapes: NotRequired[int]
        new_shape_seconds: NotRequired[float]

    class GraphOps(TypedDict):
        """The ops of one slow trace's graph: how many, the commonest working types ``[[type, count], …]``, and
        the bytes of its largest constant (a NumPy array the function read from outside is copied in as one)."""

        ops: int
        most: list[list[Any]]
        const_bytes: int

    class WastedProduct(TypedDict):
        """Eager matrix products on one cell line whose work was mostly thrown away (``probes.dataflow``).

        ``kind``: ``"kept_part"`` (a small part of the product kept), ``"one_hot"`` (a one-hot operand),
        ``"order"`` (the other order of three matrices costs far less), ``"selection"`` / ``"diagonal"`` /
        ``"prefix"`` / ``"suffix"`` (an operand whose values a gather, a broadcast multiply or a cumulative
        sum computes exactly), ``"float64"`` (computed in float64), ``"repeated"``; ``what``: the shapes;
        ``macs``: the multiply-adds done, ``needed_macs``: those the part, a gather or the other order needed.
        """

        kind: str
        line: int | None
        what: str
        count: int
        macs: int
        needed_macs: int

    class TfTimes(TypedDict, total=False):
        """TensorFlow's timings and counts beside the traces (``OpProbe.times``; ``{}`` without TensorFlow)."""

        trace_seconds: dict[str, list[float]]
        trace_call_seconds: dict[str, list[float | None]]
        trace_graph_ops: dict[str, list[GraphOps | None]]
        eager_ops: dict[str, int]
        eager_ops_capped: bool
        eager_op_interval_s: float | None
        wasted_products: list[WastedProduct]
        variables_created: int
        variables_discarded: int
        eager_function_calls: int
        eager_function_seconds: float
        cache_clears: int
        function_calls: dict[str, FunctionCalls]

    class TfPythonFunction(TypedDict):
        """A callable TensorFlow's threads ran: its qualified name and its code's file (``""`` without code)."""

        function: str
        filename: str

    class TfPythonCall(TfPythonFunction):
        """One Python function TensorFlow's threads called, timed per call (``TfPythonProbe.calls``)."""

        calls: int
        seconds: float
        waiting: float  # the share of the timed calls' time spent off the CPU, not queued for one

    # -- CPU (cpu.meter) ------------------------------------------------------------------------------

    class GroupCpu(TypedDict):
        """One thread group's CPU during a cell (``CpuCost.groups``): seconds, threads seen, their names."""

        cpu_s: float
        threads: int
        names: list[str]

    class ThreadGroup(GroupCpu):
        """A row of ``Report.thread_groups``: :class:`GroupCpu` with the group's id."""

        group: str

    class CpuTimeline(TypedDict, total=False):
        """Cores busy per thread group over the cell (``CpuCost.timeline``): sample starts, a series per group."""

        t: list[float]
        groups: dict[str, list[float]]

    # -- TensorFlow's state (inspect.tfstate, inspect.holders) ----------------------------------------

    class TfState(TypedDict, total=False):
        """TensorFlow after the cell (``tfstate.quick_state``): ``imported`` only, when it is not.

        A setting TensorFlow would not give is the text ``"unavailable (Error)"``. ``switches``: the global
        switches of TensorFlow and Keras not at their default, ``{switch id: value}`` (``inspect.switches``).
        """

        imported: bool
        version: str
        executing_eagerly: bool | str
        functions_run_eagerly: bool | str
        intra_op_threads: int | str
        inter_op_threads: int | str
        gpus: list[str]
        switches: dict[str, str]

    class GpuMemory(TypedDict):
        """One GPU's memory in bytes (``tfstate.gpu_memory``); ``peak_before``: the peak a ``%%tfcheck`` cell reset."""

        current: int
        peak: int
        peak_before: NotRequired[int]

    class TensorInfo(TypedDict):
        """An eager tensor or variable (``tfstate.describe_tensor``); ``bytes`` None for strings."""

        kind: str
        shape: list[int | None]
        dtype: str
        device: str
        bytes: int | None

    class ChangedTensor(TensorInfo):
        """A tensor bound to a new name or rebound by the cell (``tfstate.changed_tensors``, ``Report.tensors``).

        ``change``: ``"new"`` or ``"changed"``.
        """

        name: str
        change: str

    class Holder(TypedDict, total=False):
        """A user's container of arrays/tensors (``holders.scan``, ``Report.held``)."""

        name: str
        type: str
        items: int
        bytes: int
        complete: bool

    # -- the guard and live plotting (cell.guard_delta, cell.live_delta) ------------------------------

    class GuardDelta(TypedDict, total=False):
        """What the guard did during a cell (``cell.guard_delta``), and its cache as it stands after it."""

        calls: int
        conversions: int
        cache_hits: int
        errors: int
        pyplot_thread_calls: int
        bytes_by_device: dict[str, int]
        enabled: bool
        cache_bytes: int
        cache_limit_bytes: int

    class LiveDelta(TypedDict, total=False):
        """What ``LivePlot`` / ``live()`` did during a cell (``cell.live_delta``)."""

        seconds: float
        redraws: int
        throttled: int
        deferred: int

    # -- where the time went (attribution.model.Attribution.to_dict) ----------------------------------

    class CategoryRow(TypedDict):
        """One category's time: ``seconds`` and ``share`` of the cell's wall time (``CategoryShare``)."""

        id: str
        label: str
        colour: str
        seconds: float
        share: float

    class LineRow(TypedDict):
        """One cell line's time and the category that dominated beneath it (``LineShare``)."""

        line: int
        source: str
        seconds: float
        share: float
        category: str
        category_share: float

    class ThreadFrame(TypedDict):
        """A frame another thread was seen in, with its time."""

        function: str
        filename: str
        line: int
        seconds: float

    class ThreadRow(TypedDict):
        """Another thread seen holding Python frames, by name (``ThreadShare``).

        ``categories`` has ``blocked`` for the looks it spent off the CPU; ``cpu_s`` is the CPU it
        used over the looks (None: not known; a report written before it was measured has none).
        """

        name: str
        seconds: float
        categories: dict[str, float]
        frames: list[ThreadFrame]
        cpu_s: NotRequired[float | None]

    class CategoryTimeline(TypedDict, total=False):
        """The cell thread's categories over time (``attribution.timeline``): bucket starts, width, seconds each."""

        t: list[float]
        width_s: float
        categories: dict[str, list[float]]

    class CallPath(TypedDict):
        """One of the heaviest paths: a cell line, the library call it made and the innermost function.

        ``call`` and ``inner`` are ``module.function``, None where there is none.
        """

        line: int
        call: str | None
        inner: str | None
        seconds: float

    class NameRow(TypedDict):
        """A name on one of the busiest cell lines and what it held after the cell (``attribution.names``)."""

        line: int
        name: str
        type: str
        size: int | None
        run_eagerly: bool | None
        dtype: NotRequired[str]
        ndim: NotRequired[int]
        level: NotRequired[int]
        item: NotRequired[str]
        unrolled: NotRequired[list[str]]  # a Keras model's recurrent layers built with unroll=True
        elements: NotRequired[int]  # a NumPy array's or an eager tensor's number of elements; a SparseTensor's stored ones
        dense_elements: NotRequired[int]  # a SparseTensor's number of elements when dense (its static shape)
        value: NotRequired[int]  # a plain int's value (a loop bound such as ``H`` in ``range(H)``)
        #: a NumPy array's bytes, and whether TensorFlow copies it to make a tensor (its buffer is not C-contiguous
        #: and 64-byte aligned, as TensorFlow's CPU tensors must be)
        nbytes: NotRequired[int]
        tf_copies: NotRequired[bool]
        user_code: NotRequired[bool]  # a Python function: defined in the user's code (a cell, a file of theirs)

    class FunctionRow(TypedDict):
        """The seconds a busy cell line spent inside one function beneath it, inclusive (``attribution.functions``).

        ``function`` is ``module.qualname`` (a function of the cell's own: the cell's module name).
        """

        line: int
        function: str
        seconds: float
        depth: int  # the most frames of the function one stack held (above 1: it called itself)

    class CallNode(TypedDict):
        """One call in a busy line's hot call tree: the function, its seconds (inclusive), the calls it made."""

        function: str
        seconds: float
        calls: list[CallNode]

    class CallTree(TypedDict):
        """A busy cell line's hot call tree (``attribution.trees``): its sampled seconds and the calls beneath it."""

        line: int
        seconds: float
        calls: list[CallNode]

    class HelperRow(TypedDict):
        """A line of the user's own helper that held a busy cell line's time, read in the cell's terms
        (``attribution.helpers``, :func:`tfplotguard.check.attribution.helpers.helper_rows`)."""

        line: int  # the cell's line
        seconds: float
        functions: list[str]  # the helpers' qualnames, the one the cell line called first
        helper_line: int
        helper_source: str  # the helper's line as written
        source: str  # its statement with the call sites' expressions put in for the parameters
        fresh: list[str]  # names new at every call (the helper's locals)
        changed: list[str]  # those of them the helper may change in place
        names: list[NameRow]
        body: str | None  # where the statement runs in a loop of the helper's: its body in the cell's terms
        body_line: int | None  # the statement's line in ``body``
        category: str  # the category that held most of the helper line's time ("" where unknown)
        category_share: float  # its share of the helper line's time

    class GcTrigger(TypedDict):
        """Where full garbage collections started during a cell (``attribution.gc_triggers``): the Python code and
        line under the collection, whether that line asked for it (a ``collect(`` call), the cell line above it."""

        line: int | None  # the cell's line (None: the cell's code was not on that thread's stack)
        function: str
        source: str
        explicit: bool
        collections: int
        seconds: float

    class AttributionSummary(TypedDict, total=False):
        """Where a cell's wall time went (``Attribution.to_dict``, ``Report.attribution``).

        ``extra`` holds the sampler's own details (``moved_s``, ``sampler_cpu_s``,
        ``first_look_s``, ``tail_s``, ``gc_s``, …): diagnostics no rule reads. ``off_cpu``:
        seconds of each category the cell's thread spent off the CPU (None: unknown).
        """

        wall_s: float
        categories: list[CategoryRow]
        lines: list[LineRow]
        threads: list[ThreadRow]
        samples: int
        interval_s: float
        cell_filename: str | None
        error: str | None
        lines_total: int
        extra: dict[str, Any]
        timeline: CategoryTimeline | None
        paths: list[CallPath]
        off_cpu: dict[str, float] | None
        names: list[NameRow]
        functions: list[FunctionRow]
        trees: list[CallTree]
        helpers: list[HelperRow]
        gc_triggers: list[GcTrigger]
