"""What state TensorFlow is in: version, eager flags, thread settings, devices, GPU memory, new tensors.

Nothing here imports TensorFlow: every probe looks for it in ``sys.modules``
and returns a clean "not imported" answer when it is absent. TensorFlow's own
submodules are only reached once ``tensorflow`` itself is loaded.

Probes never initialise TensorFlow's runtime: listing logical devices or
reading GPU memory would lock the device and threading configuration that a
notebook may still be about to set, so those are only read once an op has
run (the eager context is initialised).
"""

from __future__ import annotations

import importlib
import sys
from typing import TYPE_CHECKING, Any

from ...core.convert import EAGER, RAGGED, SPARSE, VARIABLE, kind_of, short_device, tensorflow_module
from . import switches

if TYPE_CHECKING:
    from ..summaries import ChangedTensor, GpuMemory, TensorInfo, TfState

NOT_IMPORTED = "TensorFlow not imported"


def tf_submodule(name: str):
    """A TensorFlow submodule, only when TensorFlow is already imported (else None)."""
    if tensorflow_module() is None:
        return None
    module = sys.modules.get(name)
    if module is None:
        try:
            module = importlib.import_module(name)
        except ImportError:
            return None
    return module


def _probe(fn, default=None):
    try:
        return fn()
    except Exception as exc:  # a probe reports, it never breaks the panel
        return default if default is not None else f"unavailable ({type(exc).__name__})"


def context_initialized() -> bool:
    """True once TensorFlow's eager context exists (an op ran); False if not or not imported."""
    context = tf_submodule("tensorflow.python.eager.context")
    if context is None:
        return False
    try:
        return bool(context.context()._initialized)
    except Exception:
        return False


# -- state -------------------------------------------------------------------

_PHYSICAL: dict[str, list] = {}  # cached: physical devices do not change within a process


def physical_devices(device_type: str | None = None) -> list[str]:
    """Physical device names (``/physical_device:GPU:0`` …), cached; [] without TensorFlow."""
    tf = tensorflow_module()
    if tf is None:
        return []
    key = device_type or ""
    if key not in _PHYSICAL:
        _PHYSICAL[key] = [d.name for d in tf.config.list_physical_devices(device_type)]
    return _PHYSICAL[key]


class GpuMemoryStats:
    """TensorFlow's per-GPU memory counters (a seam: the test machines have no GPU)."""

    def devices(self) -> list[str]:
        """``["GPU:0", …]`` once TensorFlow's context is initialised; [] without GPUs or before."""
        if tensorflow_module() is None or not context_initialized():
            return []
        return [f"GPU:{index}" for index, _ in enumerate(physical_devices("GPU"))]

    def read(self, device: str) -> GpuMemory:
        """``{"current", "peak"}`` in bytes (peak: since the process started or the last reset)."""
        info = tensorflow_module().config.experimental.get_memory_info(device)
        return {"current": int(info["current"]), "peak": int(info["peak"])}

    def reset(self, device: str) -> None:
        """Reset the device's peak counter to its current use."""
        tensorflow_module().config.experimental.reset_memory_stats(device)


GPU_STATS = GpuMemoryStats()

#: A seam for machines without a GPU: GPU names (``["GPU:0"]``) that :func:`gpu_names` reports instead of
#: the physical ones. The zoo's GPU case sets it in its setup and puts None back in its teardown.
CONSTRUCTED_GPUS: list[str] | None = None


def gpu_names() -> list[str]:
    """The GPUs TensorFlow sees (``["GPU:0"]``; the :data:`CONSTRUCTED_GPUS` seam when set); [] without TensorFlow."""
    if CONSTRUCTED_GPUS is not None:
        return list(CONSTRUCTED_GPUS)
    if tensorflow_module() is None:
        return []
    return [short_device(name) for name in _probe(lambda: physical_devices("GPU"), [])]


def gpu_memory() -> dict[str, GpuMemory]:
    """``{"GPU:0": {"current", "peak"}}`` in bytes, for each GPU; {} without GPUs or before init. Never resets."""
    out: dict[str, GpuMemory] = {}
    for device in GPU_STATS.devices():
        try:
            out[device] = GPU_STATS.read(device)
        except Exception:
            continue
    return out


def reset_gpu_peaks() -> dict[str, GpuMemory]:
    """Reset each GPU's peak counter, so the next reading is one cell's peak; returns the readings before."""
    before = gpu_memory()
    for device in before:
        try:
            GPU_STATS.reset(device)
        except Exception:
            pass
    return before


def quick_state() -> TfState:
    """The cheap per-cell state: imported, version, eager flags, thread settings, GPUs, global switches left on.

    ``switches``: ``{switch id: value}`` of the global switches of TensorFlow
    and Keras that are not at their default (:mod:`.switches`; microseconds).
    """
    tf = tensorflow_module()
    if tf is None:
        return {"imported": False}
    return {
        "imported": True,
        "version": getattr(tf, "__version__", "?"),
        "executing_eagerly": _probe(tf.executing_eagerly),
        "functions_run_eagerly": _probe(tf.config.functions_run_eagerly),
        **_fixed_settings(tf),
        "switches": switches.read(),
    }


_FIXED: dict = {}


def _settings_key():
    """What the thread settings are read from before TensorFlow initialises (the context's own
    fields, which ``tf.config.threading.set_*`` writes), or None where they are not there.

    Reading the settings builds a config proto (~100 µs a cell in auto mode); the
    fields are two attribute reads, so the settings are read again only when one moved.
    """
    context = sys.modules.get("tensorflow.python.eager.context")
    ctx = getattr(context, "_context", None)
    if ctx is None or not hasattr(ctx, "_intra_op_parallelism_threads"):
        return None
    return (id(ctx), ctx._intra_op_parallelism_threads, getattr(ctx, "_inter_op_parallelism_threads", None))


def _fixed_settings(tf) -> dict:
    """Thread settings and GPUs: read each time until TensorFlow initialises, then fixed for good.

    TensorFlow refuses to change them once its context exists, and reading the
    thread settings builds a config proto (tens of µs each): per-cell checks
    should not pay for that again and again.
    """
    key = _settings_key()
    if _FIXED.get("tf") is tf:
        settings = _FIXED["settings"]
    elif key is not None and _FIXED.get("key") == key:
        settings = _FIXED["settings_before_init"]
    else:
        settings = {
            "intra_op_threads": _probe(tf.config.threading.get_intra_op_parallelism_threads),
            "inter_op_threads": _probe(tf.config.threading.get_inter_op_parallelism_threads),
            "gpus": [short_device(name) for name in _probe(lambda: physical_devices("GPU"), [])],
        }
        if context_initialized():
            _FIXED.update(tf=tf, settings=settings)
        elif key is not None:
            _FIXED.update(key=key, settings_before_init=settings)
    if CONSTRUCTED_GPUS is not None:
        settings = {**settings, "gpus": list(CONSTRUCTED_GPUS)}
    return settings


def status() -> dict:
    """The full TensorFlow panel of ``%tfcheck`` (never imports or initialises TensorFlow)."""
    tf = tensorflow_module()
    if tf is None:
        return {"imported": False, "message": NOT_IMPORTED}
    state: dict[str, Any] = dict(quick_state())  # and the panel's own keys
    initialized = context_initialized()
    state.update(
        physical_devices=_probe(lambda: [f"{short_device(n)}" for n in physical_devices()], []),
        context_initialized=initialized,
        logical_devices=(_probe(lambda: [d.name for d in tf.config.list_logical_devices()], [])
                         if initialized else None),
        gpu_memory=gpu_memory(),
        soft_device_placement=_probe(tf.config.get_soft_device_placement),
        strategy=_probe(_strategy),
    )
    return state


def _strategy() -> dict:
    tf = tensorflow_module()
    strategy = tf.distribute.get_strategy()
    return {
        "in_scope": bool(tf.distribute.has_strategy()),
        "name": type(strategy).__name__.lstrip("_"),
        "replicas": int(strategy.num_replicas_in_sync),
    }


# -- tensors in the user namespace ----------------------------------------------


def namespace_ids(namespace: dict) -> dict[str, int]:
    """``{name: id(value)}`` of the user's names (IPython's ``_``-prefixed ones skipped)."""
    return {name: id(value) for name, value in namespace.items() if not name.startswith("_")}


def describe_tensor(value) -> TensorInfo | None:
    """Shape, dtype, device and bytes of an eager tensor or variable; None for anything else."""
    kind = kind_of(value)
    if kind not in (EAGER, VARIABLE, RAGGED, SPARSE):
        return None
    try:
        dtype = value.dtype
        if kind == RAGGED:
            shape = [None if d is None else int(d) for d in value.shape.as_list()]
            size = int(value.flat_values.shape.num_elements() or 0)
            device = value.flat_values.device
        elif kind == SPARSE:
            shape = [int(d) for d in value.dense_shape.numpy()]
            size = int(value.values.shape.num_elements() or 0)
            device = value.values.device
        else:
            shape = [int(d) for d in value.shape.as_list()]
            size = int(value.shape.num_elements() or 0)
            device = value.device
        nbytes = size * dtype.size if dtype.name != "string" else None
        return {"kind": kind, "shape": shape, "dtype": dtype.name, "device": short_device(device), "bytes": nbytes}
    except Exception:
        return None


def changed_tensors(namespace: dict, before: dict[str, int], limit: int = 20) -> list[ChangedTensor]:
    """Tensors bound to new names or rebound since ``before`` (largest first, at most ``limit``)."""
    if tensorflow_module() is None:
        return []
    found: list[ChangedTensor] = []
    for name, value in list(namespace.items()):
        if name.startswith("_"):
            continue
        old = before.get(name)
        if old == id(value):
            continue
        info = describe_tensor(value)
        if info is not None:
            found.append({"name": name, **info, "change": "new" if old is None else "changed"})
    found.sort(key=lambda t: -(t["bytes"] or 0))
    return found[:limit]
