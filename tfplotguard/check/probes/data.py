"""The tf.data pipelines a cell iterated: their structure, read from the Dataset objects without running them.

During a measured cell, and only if ``tensorflow.python.data.ops.iterator_ops``
is already loaded (nothing is imported here), ``OwnedIterator.__init__`` is
wrapped through :mod:`tfplotguard.core.patch`: every ``iter(dataset)`` (a
``for`` loop over a dataset, Keras's epoch iterator, ``next(iter(ds))``) hands
us the dataset, whose structure is described right there (a walk over the
Python objects, ~0.05 ms; no op runs, no element is produced).

What TensorFlow 2.21 keeps on a Dataset object (verified by walking real ones):

- every transformation is a Python object whose class names it
  (``_MapDataset``, ``_ParallelMapDataset``, ``_PrefetchDataset``,
  ``CacheDataset``, ``_BatchDataset``, ``_FlatMapDataset``,
  ``_ParallelInterleaveDataset``, ``TFRecordDatasetV2`` …); ``_inputs()``
  gives the datasets it reads from;
- a transformation's function is a ``StructuredFunctionWrapper`` in
  ``_map_func`` (map, flat_map, interleave, filter) whose ``function.graph``
  holds the traced ops: ``EagerPyFunc`` for ``tf.py_function``, ``PyFunc``
  for ``tf.numpy_function``;
- ``Dataset.from_generator`` is ``from_tensors(…).repeat().flat_map(f)`` where
  ``f``'s graph holds a ``GeneratorDataset`` op (the generator runs in a
  ``PyFunc`` inside it, on TensorFlow's threads, under the GIL).
"""

from __future__ import annotations

import functools
import os
import sys
import weakref
from typing import TYPE_CHECKING

from ...core.patch import PatchingProbe, Patches

if TYPE_CHECKING:
    from ..summaries import PipelineStructure, PipelineSummary

__all__ = ["DataProbe", "describe", "ITERATORS_LIMIT"]

_ITERATOR_MODULE = "tensorflow.python.data.ops.iterator_ops"
#: Distinct datasets kept per cell (a cell building thousands of pipelines keeps only a count beyond these).
ITERATORS_LIMIT = 32
_PY_OPS = {"EagerPyFunc": "tf.py_function", "PyFunc": "tf.numpy_function"}
_READERS = {"TFRecordDatasetV2": "TFRecordDataset", "_TFRecordDataset": "TFRecordDataset",
            "TextLineDatasetV2": "TextLineDataset", "_TextLineDataset": "TextLineDataset",
            "FixedLengthRecordDatasetV2": "FixedLengthRecordDataset", "_FixedLengthRecordDataset": "FixedLengthRecordDataset"}
_STAGES = {
    "_MapDataset": "map", "_ParallelMapDataset": "map", "_PrefetchDataset": "prefetch", "CacheDataset": "cache",
    "_CacheDataset": "cache", "_MemoryCacheDataset": "cache", "_BatchDataset": "batch",
    "_ParallelBatchDataset": "batch", "_PaddedBatchDataset": "batch", "_FlatMapDataset": "flat_map",
    "_InterleaveDataset": "interleave", "_ParallelInterleaveDataset": "interleave", "_FilterDataset": "filter",
    "_ShuffleDataset": "shuffle", "_RepeatDataset": "repeat", "_TakeDataset": "take", "_SkipDataset": "skip",
    "_UnbatchDataset": "unbatch", "_TensorSliceDataset": "from_tensor_slices", "_TensorDataset": "from_tensors",
    "_RangeDataset": "range", "_ZipDataset": "zip", "_ConcatenateDataset": "concatenate",
    "_OptionsDataset": None, "_PrefetchToDeviceDataset": "prefetch",
}
_PARALLEL = frozenset(("_ParallelMapDataset", "_ParallelInterleaveDataset", "_ParallelBatchDataset"))


def _function_graph(dataset):
    """The graph of the function a transformation traced (its map function or predicate), or None."""
    wrapper = getattr(dataset, "_map_func", None) or getattr(dataset, "_predicate", None)
    return getattr(getattr(wrapper, "function", None), "graph", None)


def _function_ops(dataset) -> set:
    """Op types of the function a transformation traced (nested functions' ops included), or empty."""
    graph = _function_graph(dataset)
    if graph is None:
        return set()
    ops = {op.type for op in graph.get_operations()}
    if ops & {"PartitionedCall", "StatefulPartitionedCall"}:  # a tf.function called inside the map
        for function in graph.as_graph_def().library.function:
            ops.update(node.op for node in function.node_def)
    return ops


#: Ops that reduce or multiply a whole tensor: when nothing they read depends on the element, they redo the
#: same work for every element.
_WHOLE_TENSOR_OPS = frozenset(("Mean", "Sum", "Max", "Min", "Prod", "ArgMax", "ArgMin", "MatMul", "BatchMatMulV2",
                               "Cumsum", "TopKV2", "Einsum", "EuclideanNorm"))


def _captured_reduced(dataset) -> int:
    """The most elements a transformation's function reduces (or multiplies) whole in an op that reads a tensor
    it captured from outside and does not depend on the element: the same work at every element. 0: none.
    Read from the traced graph's static shapes: no op runs."""
    graph = _function_graph(dataset)
    if graph is None:
        return 0
    try:
        captured = {t.name for t in graph.internal_captures}
        arguments = {t.name for t in graph.inputs if t.name not in captured}
        # One pass in creation order (an op's inputs are made before it): which ops depend on the element,
        # which on a captured tensor.
        on_element: set[str] = set()
        on_capture: set[str] = set()
        largest = 0
        for op in graph.get_operations():
            if any(t.name in arguments or t.op.name in on_element for t in op.inputs):
                on_element.add(op.name)
            if any(t.name in captured or t.op.name in on_capture for t in op.inputs):
                on_capture.add(op.name)
            if op.type in _WHOLE_TENSOR_OPS and op.inputs and op.name in on_capture and op.name not in on_element:
                largest = max(largest, op.inputs[0].shape.num_elements() or 0)
        return largest
    except Exception:  # noqa: BLE001 - a function graph of another shape: no finding rather than an error
        return 0


#: Ops that work element by element (or reduce a small element) and cost little each: a map made only of
#: them spends more on tf.data's call per element than on its work, and runs as well on a whole batch.
_ELEMENTWISE = frozenset((
    "Placeholder", "Identity", "Const", "NoOp", "Add", "AddV2", "Sub", "Mul", "RealDiv", "Div", "FloorDiv",
    "Maximum", "Minimum", "Neg", "Abs", "Exp", "Log", "Log1p", "Sqrt", "Rsqrt", "Square", "Pow", "Tanh",
    "Sigmoid", "Relu", "Softplus", "Sin", "Cos", "Floor", "Ceil", "Round", "Sign", "Cast", "ClipByValue",
    "Less", "LessEqual", "Greater", "GreaterEqual", "Equal", "NotEqual", "Select", "SelectV2", "LogicalAnd",
    "LogicalOr", "LogicalNot", "Sum", "Mean", "Max", "Min", "Prod",
))

#: Ops that only reshape, slice or gather an element's values: with :data:`_ELEMENTWISE`, a map made of them
#: alone costs microseconds per call, so running it in parallel has nothing to overlap.
_SHAPING = frozenset((
    "Pack", "Unpack", "ConcatV2", "Reshape", "Transpose", "StridedSlice", "Slice", "ExpandDims", "Squeeze",
    "Shape", "GatherV2", "OneHot", "ZerosLike", "OnesLike",
))


def _random(ops: set) -> bool:
    """Whether a traced function draws random numbers (random, stateless-random or RNG-state ops)."""
    return any("Random" in op or op.startswith("Rng") for op in ops)


def _stateful_random(ops: set) -> bool:
    """Whether a traced function draws random numbers from a state (what op determinism runs serially)."""
    return any(("Random" in op and not op.startswith("Stateless")) or op.startswith("Rng") for op in ops)


#: Files whose sizes are read to tell a reader's typical file (the first ones), and the most names copied for it.
FILES_SIZED = 16
FILES_NAMED = 200_000


def _files(reader) -> tuple[int, int | None] | None:
    """A file reader's number of files and the median size in bytes of its first :data:`FILES_SIZED` (None:
    not found); None when its file names are not an eager tensor of its own. No op runs: the names are the
    tensor's host buffer."""
    tensors = getattr(getattr(reader, "_filenames", None), "_tensors", None)
    if not isinstance(tensors, list) or len(tensors) != 1 or type(tensors[0]).__name__ != "EagerTensor":
        return None
    try:
        count = int(tensors[0].shape[0]) if tensors[0].shape.rank == 1 else 1
        names = tensors[0]._numpy().reshape(-1)[:FILES_SIZED] if count <= FILES_NAMED else []
    except Exception:  # noqa: BLE001 - names that cannot be read: the count alone, or nothing
        return None
    sizes = []
    for name in names:
        try:
            sizes.append(os.stat(name).st_size)
        except (OSError, TypeError, ValueError):
            continue
    return count, (sorted(sizes)[len(sizes) // 2] if sizes else None)


def _components(dataset) -> int | None:
    """The tensors in one element of ``dataset`` (a dict of 200 columns: 200), from its spec; None: unknown."""
    nest = getattr(sys.modules.get("tensorflow.python.util.nest"), "flatten", None)
    try:
        return len(nest(dataset.element_spec)) if nest is not None else None
    except Exception:  # noqa: BLE001 - a dataset class of its own whose spec cannot be read
        return None


def _function_of(dataset) -> tuple:
    """(name, module) of the Python function a transformation was given, or (None, "")."""
    func = getattr(getattr(dataset, "_map_func", None), "_func", None)
    func = getattr(func, "__wrapped__", func)
    return getattr(func, "__name__", None), getattr(func, "__module__", "") or ""


def describe(dataset) -> PipelineStructure:
    """The structure of ``dataset`` as plain data, source first (see the module docstring).

    ``{"stages": ["from_generator", "map", "batch"], "text": "from_generator → map → batch",
    "source": "generator" | "tensors" | "files" | "range" | "other", "generator": bool,
    "py_function": "tf.py_function" or None (in a transformation's function), "sequential_maps": n,
    "parallel_maps": n, "maps": n, "prefetch": bool, "cache": bool, "interleave": bool,
    "map_functions": [name, ...], "random_maps": n (maps whose function draws random numbers),
    "stateful_parallel_maps": n (parallel maps whose function draws them from a state: op determinism runs
    those serially),
    "reader": "TFRecordDataset" or None,
    "owner": "keras" (a map function of Keras's own: the pipeline Keras builds for arrays) or "user",
    "components": n (the tensors in one element of its source: a dict of 200 columns has 200),
    "files": n and "file_bytes": the median size of its first files, for a file reader given its names,
    "captured_reduced": n (the most elements of a tensor a map's function captured and reduces whole)}``.
    """
    stages: list[str] = []
    info: PipelineStructure = {"stages": stages, "text": "", "generator": False, "py_function": None,
                               "sequential_maps": 0, "parallel_maps": 0, "prefetch": False, "cache": False,
                               "interleave": False, "map_functions": [], "random_maps": 0, "reader": None,
                               "owner": "user"}
    pending = [dataset]
    seen: set[int] = set()
    while pending and len(seen) < 200:
        current = pending.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        cls = type(current).__name__
        stage = _STAGES.get(cls, cls.lstrip("_").replace("Dataset", "").lower() or cls)
        ops = _function_ops(current)
        if "GeneratorDataset" in ops:
            stage, info["generator"] = "from_generator", True
        else:
            py = next((name for op, name in _PY_OPS.items() if op in ops), None)
            info["py_function"] = info["py_function"] or py
        if cls in _READERS:
            stage = info["reader"] = _READERS[cls]
            files = _files(current)
            if files is not None:
                info["files"], info["file_bytes"] = files
        if stage == "map":
            if cls in _PARALLEL:
                info["parallel_maps"] += 1
            else:
                info["sequential_maps"] += 1
                if ops and ops <= _ELEMENTWISE | _SHAPING:
                    info["cheap_sequential_maps"] = info.get("cheap_sequential_maps", 0) + 1
            name, module = _function_of(current)
            if name:
                info["map_functions"].append(name)
            if ops and ops <= _ELEMENTWISE:
                info["elementwise_maps"] = info.get("elementwise_maps", 0) + 1
            captured = _captured_reduced(current)
            if captured > info.get("captured_reduced", 0):
                info["captured_reduced"] = captured
            if _random(ops):  # a different result each pass: caching after it would freeze it
                info["random_maps"] = info.get("random_maps", 0) + 1
            if cls in _PARALLEL and _stateful_random(ops):
                info["stateful_parallel_maps"] = info.get("stateful_parallel_maps", 0) + 1
            if module.split(".", 1)[0] in ("keras", "tf_keras"):
                info["owner"] = "keras"
        info["prefetch"] |= stage == "prefetch"
        info["cache"] |= stage == "cache"
        info["interleave"] |= stage == "interleave"
        if stage is not None:
            stages.append(stage)
        try:
            inputs = current._inputs()
        except Exception:  # a dataset class of its own without inputs: its stage is still named
            inputs = None
        if inputs is not None:
            pending.extend(inputs)
        if not inputs:
            width = _components(current)
            if width is not None:
                info["components"] = max(info.get("components", 0), width)
    if info["generator"]:  # from_tensors(0).repeat() under the flat_map is from_generator's own plumbing
        stages = [s for s in stages if s not in ("from_tensors", "repeat")]
    stages.reverse()
    source = stages[0] if stages else ""
    info["source"] = ("generator" if info["generator"] else "files" if info["reader"] else
                      "tensors" if source in ("from_tensor_slices", "from_tensors") else
                      "range" if source == "range" else "other")
    info["maps"] = info["sequential_maps"] + info["parallel_maps"]
    info["stages"], info["text"] = stages, " → ".join(stages)
    return info


class DataProbe(PatchingProbe):
    """Records every dataset iterated during a cell: its structure and how many iterators were made of it."""

    def __init__(self):
        self._patches = Patches(unique=True)  # start() again, after a pause, adds only what is new
        self.reset()

    def reset(self) -> None:
        """Forget the datasets seen (auto mode's kept probe, before its next cell)."""
        self._seen: dict[int, PipelineSummary] = {}
        self._keep: list = []  # the datasets themselves until stop(), so that ids stay unique meanwhile
        self.iterators = 0
        # Each live iterator's entry, to count the elements taken from it (weakly: a probe keeps no iterator).
        self._entries: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()

    def start(self) -> "DataProbe":
        """Wrap ``OwnedIterator.__init__`` and ``__next__`` if tf.data is loaded."""
        owned = getattr(sys.modules.get(_ITERATOR_MODULE), "OwnedIterator", None)
        if isinstance(owned, type):
            self._patches.install(owned, "__init__", self._wrap_init)
            self._patches.install(owned, "__next__", self._wrap_next)
        return self

    def pause(self) -> None:
        """Stop recording and let the datasets go; the wrapper stays, passing through (auto mode)."""
        super().pause()
        self._keep.clear()

    def stop(self) -> None:
        """Put the original back and let the datasets go."""
        self._patches.restore()
        self._keep.clear()

    def _wrap_init(self, original, patch):
        watch = self

        @functools.wraps(original)
        def wrapper(self_, dataset=None, *args, **kwargs):
            original(self_, dataset, *args, **kwargs)
            if patch.active and dataset is not None:
                entry = watch._record(dataset)
                if entry is not None:
                    try:
                        watch._entries[self_] = entry
                    except TypeError:  # an iterator that cannot be weakly referenced or hashed: not counted
                        pass

        return wrapper

    def _wrap_next(self, original, patch):
        watch = self

        @functools.wraps(original)
        def wrapper(self_):
            element = original(self_)  # the end of the data raises StopIteration: not an element
            if patch.active:
                try:
                    entry = watch._entries.get(self_)
                except TypeError:  # a subclass that cannot be hashed: not counted, and never the user's error
                    entry = None
                if entry is not None:
                    entry["elements"] = entry.get("elements", 0) + 1
            return element

        return wrapper

    def _record(self, dataset) -> PipelineSummary | None:
        self.iterators += 1
        entry = self._seen.get(id(dataset))
        if entry is not None:
            entry["iterators"] += 1
        elif len(self._seen) < ITERATORS_LIMIT:
            try:
                entry = {**describe(dataset), "iterators": 1}
            except Exception as exc:  # never cost the user their loop
                entry = {"stages": [], "text": f"(not readable: {type(exc).__name__})", "iterators": 1}
            self._seen[id(dataset)] = entry
            self._keep.append(dataset)
        return entry

    def summary(self) -> list[PipelineSummary]:
        """Every dataset iterated, in the order first iterated, each with ``iterators`` (times iterated)."""
        return list(self._seen.values())
