"""The guard: matplotlib's data entry points, patched so every TensorFlow value is converted once.

One process-wide :class:`Guard` owns the patches, the convert-once cache, the
settings and the statistics. ``enable()`` patches, ``disable()`` restores the
identical original objects in reverse order (line_profiler's ``_PatchDict``
pattern: a stack of ``(owner, name, original)``).

The wrapper fails open: an unexpected exception inside the guard's own
conversion calls matplotlib with the original arguments and warns once per
entry point and exception type. Only :class:`TensorPlotError` is raised on
purpose.
"""

from __future__ import annotations

import functools
import importlib
import sys
import threading
import warnings
import weakref

from .cache import DEFAULT_CACHE_LIMIT_BYTES, ConvertCache
from .convert import _PLAIN_TYPES, DEFAULT_DENSE_LIMIT_BYTES, Converter, kind_of, short_device
from .errors import TensorPlotError

ABSENT = object()  # marks "the owner had no such attribute of its own"


class TFPlotGuardWarning(UserWarning):
    """The guard fell back to matplotlib's own handling of an argument."""


# -- the entry points ----------------------------------------------------------

_AXES_METHODS = (
    "plot", "scatter", "bar", "barh", "broken_barh", "grouped_bar", "hist", "hist2d", "stairs", "ecdf",
    "imshow", "matshow", "pcolor", "pcolormesh", "pcolorfast", "contour", "contourf", "tricontour",
    "tricontourf", "tripcolor", "triplot", "fill", "fill_between", "fill_betweenx", "errorbar", "step",
    "stem", "boxplot", "violinplot", "eventplot", "stackplot", "pie", "quiver", "barbs", "streamplot",
    "hexbin", "spy", "axhline", "axvline", "axhspan", "axvspan", "axline", "hlines", "vlines",
    "set_xlim", "set_ylim", "set_xbound", "set_ybound", "set_xticks", "set_yticks", "text", "annotate",
    "arrow", "semilogx", "semilogy", "loglog", "psd", "csd", "specgram", "magnitude_spectrum",
    "angle_spectrum", "phase_spectrum", "cohere", "xcorr", "acorr",
)
_AXES3D_METHODS = (
    "plot", "plot3D", "scatter", "scatter3D", "plot_surface", "plot_wireframe", "plot_trisurf", "bar",
    "bar3d", "contour", "contour3D", "contourf", "contourf3D", "tricontour", "tricontourf", "quiver",
    "quiver3D", "voxels", "text", "text3D", "fill_between", "stem", "stem3D", "errorbar", "set_xlim",
    "set_ylim", "set_zlim", "set_xlim3d", "set_ylim3d", "set_zlim3d", "set_zbound", "set_zticks",
)

#: (module, class, methods). A method is patched on the class that defines it
#: (the first in the MRO), once; methods missing in an older matplotlib are skipped.
ENTRY_POINT_SPECS = (
    ("matplotlib.axes", "Axes", _AXES_METHODS),
    ("matplotlib.figure", "Figure", ("figimage",)),
    ("mpl_toolkits.mplot3d.axes3d", "Axes3D", _AXES3D_METHODS),
    ("matplotlib.lines", "Line2D", ("set_data", "set_xdata", "set_ydata")),
    ("matplotlib.collections", "Collection", ("set_offsets", "set_array")),
    ("matplotlib.collections", "QuadMesh", ("set_array",)),
    ("matplotlib.image", "AxesImage", ("set_data", "set_array")),
    ("matplotlib.patches", "Polygon", ("set_xy",)),
)

_DATASETS = {"hist", "boxplot", "violinplot", "eventplot"}
_LINES = {"plot", "plot3D", "step", "semilogx", "semilogy", "loglog"}
_GRID = {"imshow", "matshow", "pcolor", "pcolormesh", "pcolorfast", "contour", "contourf", "contour3D",
         "contourf3D", "figimage", "plot_surface", "plot_wireframe", "voxels", "set_array"}


#: pyplot reaches its global figure state through these ``Gcf`` classmethods
#: (gcf/gca and every plotting function, figure(), subplots()); the guard
#: watches them for calls from threads other than the main thread.
PYPLOT_STATE_METHODS = ("get_active", "get_fig_manager", "_set_new_active_manager")


def ragged_policy(owner_name: str, method: str) -> str:
    """The ragged policy of one entry point (see ``convert.RAGGED_POLICIES``)."""
    if method == "spy":
        return "coo"
    if method in _DATASETS:
        return "datasets"
    if method in _LINES:
        return "lines"
    if method in _GRID or (method == "set_data" and owner_name == "_ImageBase"):
        return "grid"
    return "points"


def patch_targets() -> dict[str, tuple[type, str]]:
    """Every attribute the guard patches in this matplotlib: ``"Owner.name" → (owner, name)``."""
    targets: dict[str, tuple[type, str]] = {}
    for module_name, class_name, methods in ENTRY_POINT_SPECS:
        try:
            cls = getattr(importlib.import_module(module_name), class_name)
        except (ImportError, AttributeError):
            continue
        for method in methods:
            owner = next((klass for klass in cls.__mro__ if method in vars(klass)), None)
            if owner is None or owner is object:
                continue
            targets.setdefault(f"{owner.__module__}.{owner.__qualname__}.{method}", (owner, method))
    return targets


# -- the owner of all guard state ----------------------------------------------


class Guard:
    """Patches, cache, settings and counters: everything ``enable`` installs and ``disable`` removes."""

    def __init__(self):
        self._patches: list[tuple[type, str, object]] = []
        self._lock = threading.Lock()
        self.cache = ConvertCache(DEFAULT_CACHE_LIMIT_BYTES)
        self.dense_limit_bytes = DEFAULT_DENSE_LIMIT_BYTES
        self._warned: set[tuple[str, str]] = set()
        # Thread objects, not idents: an ident is reused as soon as a thread ends.
        self._warned_threads: weakref.WeakSet = weakref.WeakSet()
        self.reset_stats()

    # statistics ------------------------------------------------------------
    def reset_stats(self):
        """Zero every counter."""
        with self._lock:
            self.calls = self.conversions = self.cache_hits = self.errors = 0
            self.pyplot_thread_calls = 0
            self.bytes_by_device: dict[str, int] = {}

    def record(self, device: str, nbytes: int):
        """Count one host conversion of ``nbytes`` from ``device``."""
        device = short_device(device)
        with self._lock:
            self.conversions += 1
            self.bytes_by_device[device] = self.bytes_by_device.get(device, 0) + nbytes

    def record_hit(self):
        """Count one convert-once cache hit."""
        with self._lock:
            self.cache_hits += 1

    def stats(self) -> dict:
        """A snapshot of the counters (a new dict each time)."""
        with self._lock:
            return {
                "enabled": self.enabled,
                "calls": self.calls,
                "conversions": self.conversions,
                "cache_hits": self.cache_hits,
                "bytes_by_device": dict(self.bytes_by_device),
                "bytes_converted": sum(self.bytes_by_device.values()),
                "errors": self.errors,
                "pyplot_thread_calls": self.pyplot_thread_calls,
                "cache_entries": len(self.cache),
                "cache_bytes": self.cache.nbytes,
                "cache_limit_bytes": self.cache.limit_bytes,
                "dense_limit_bytes": self.dense_limit_bytes,
                "patched": len(self._patches),
            }

    # patching --------------------------------------------------------------
    @property
    def enabled(self) -> bool:
        """True while matplotlib is patched."""
        return bool(self._patches)

    def enable(self):
        """Patch every entry point; a second call does nothing (never double-wraps)."""
        if self._patches:
            return
        try:
            for label, (owner, name) in patch_targets().items():
                original = vars(owner)[name]
                wrapper = self._wrap(original, ragged_policy(owner.__name__, name), label)
                setattr(owner, name, wrapper)
                self._patches.append((owner, name, original))
            from matplotlib._pylab_helpers import Gcf

            for name in PYPLOT_STATE_METHODS:
                original = vars(Gcf).get(name)
                if isinstance(original, classmethod):
                    setattr(Gcf, name, classmethod(self._watch_thread(original.__func__)))
                    self._patches.append((Gcf, name, original))
        except BaseException:
            self.disable()
            raise

    def disable(self):
        """Restore every patched attribute to the identical original object, in reverse order."""
        while self._patches:
            owner, name, original = self._patches.pop()
            setattr(owner, name, original)

    def _wrap(self, original, policy: str, label: str):
        guard = self

        @functools.wraps(original)
        def tfplotguard_entry_point(*args, **kwargs):
            # matplotlib calls many patched methods from inside one (Axes.plot makes ~90
            # such calls): they carry what the outer call converted, so they go straight through.
            if _call_state.inside or "tensorflow" not in sys.modules:
                return original(*args, **kwargs)
            # Everything of ours runs inside the try; matplotlib itself runs outside it,
            # so its own exceptions reach the user untouched and are never retried.
            try:
                converted = guard.convert_call(policy, args, kwargs) if _holds_tf_value(args, kwargs) else None
            except TensorPlotError:
                raise
            except Exception as exc:
                guard._fail_open(label, exc)
                # matplotlib now meets the tensors itself: its inner calls stay guarded.
                return original(*args, **kwargs)
            _call_state.inside = True
            try:
                if converted is None:
                    return original(*args, **kwargs)
                return original(*converted[0], **converted[1])
            finally:
                _call_state.inside = False

        tfplotguard_entry_point.__tfplotguard_original__ = original
        return tfplotguard_entry_point

    def _watch_thread(self, function):
        guard = self

        @functools.wraps(function)
        def tfplotguard_pyplot_state(*args, **kwargs):
            if threading.current_thread() is not threading.main_thread():
                guard._pyplot_from_thread()
            return function(*args, **kwargs)

        return tfplotguard_pyplot_state

    def _pyplot_from_thread(self):
        thread = threading.current_thread()
        with self._lock:
            self.pyplot_thread_calls += 1
            first = thread not in self._warned_threads
            self._warned_threads.add(thread)
        if first:
            warnings.warn(
                f"matplotlib.pyplot was used from thread {thread.name!r}, not the main thread. pyplot keeps "
                "global figure state and GUI backends must run on the main thread, so this can crash the "
                "kernel or mix up figures. In a worker thread build figures without pyplot "
                "(fig = matplotlib.figure.Figure(); ax = fig.subplots(); ...; fig.savefig(path)), or hand "
                "the data to the main thread and plot there. (Shown once per thread.)",
                TFPlotGuardWarning,
                stacklevel=4,
            )

    def convert_call(self, policy: str, args: tuple, kwargs: dict):
        """Convert one call's arguments (``args[0]`` is the matplotlib object and stays)."""
        with self._lock:
            self.calls += 1
        converter = Converter(policy, self.dense_limit_bytes, self.cache, self.record, self.record_hit)
        new_args = (args[0],) + tuple(converter.convert(a) for a in args[1:]) if args else args
        new_kwargs = {
            key: converter.convert_mapping(value) if key == "data" else converter.convert(value)
            for key, value in kwargs.items()
        }
        return new_args, new_kwargs

    def _fail_open(self, label: str, exc: Exception):
        with self._lock:
            self.errors += 1
            key = (label, type(exc).__name__)
            first = key not in self._warned
            self._warned.add(key)
        if first:
            warnings.warn(
                f"tfplotguard could not convert an argument of {label.rsplit('.', 2)[-2]}.{label.rsplit('.', 1)[-1]} "
                f"({type(exc).__name__}: {exc}); matplotlib was called with the original arguments. "
                "Please report this; convert the value yourself with tfplotguard.to_numpy(...) meanwhile. "
                "(Shown once per entry point and error type.)",
                TFPlotGuardWarning,
                stacklevel=3,
            )

    # settings --------------------------------------------------------------
    def configure(self, dense_limit_mb=None, cache_limit_mb=None):
        """Change settings; every value is checked before any is applied."""
        updates = {}
        for name, value in (("dense_limit_mb", dense_limit_mb), ("cache_limit_mb", cache_limit_mb)):
            if value is not None:
                updates[name] = mib_to_bytes(name, value)
        if "dense_limit_mb" in updates:
            self.dense_limit_bytes = updates["dense_limit_mb"]
        if "cache_limit_mb" in updates:
            self.cache.set_limit(updates["cache_limit_mb"])

    def settings(self) -> dict:
        """The current settings in MiB."""
        return {
            "dense_limit_mb": self.dense_limit_bytes / 2**20,
            "cache_limit_mb": self.cache.limit_bytes / 2**20,
        }


class _CallState(threading.local):
    """Per thread: is a guarded matplotlib call running right now?"""

    inside = False


_call_state = _CallState()


def is_valid_mib(value) -> bool:
    """True for a positive, finite number of MiB (``True``/``False`` are not numbers here)."""
    return not isinstance(value, bool) and isinstance(value, (int, float)) and 0 < value < float("inf")


def mib_to_bytes(name: str, value) -> int:
    """``value`` MiB in bytes; ValueError naming ``name`` unless :func:`is_valid_mib`."""
    if not is_valid_mib(value):
        raise ValueError(f"tfplotguard: {name} must be a positive number of MiB, got {value!r}; nothing was changed.")
    return int(value * 2**20)


def _holds_tf_value(args, kwargs) -> bool:
    for value in args[1:]:  # args[0] is the matplotlib object the method is called on
        if type(value) not in _PLAIN_TYPES and _may_hold(value):
            return True
    for value in kwargs.values():
        if type(value) not in _PLAIN_TYPES and _may_hold(value):
            return True
    return False


def _may_hold(value) -> bool:
    # Iterative, with a seen-set: a list may contain itself.
    pending, seen = [value], set()
    while pending:
        item = pending.pop()
        if kind_of(item) is not None:
            return True
        if isinstance(item, (list, tuple, dict)) and id(item) not in seen:
            seen.add(id(item))
            items = item.values() if isinstance(item, dict) else item
            pending.extend(x for x in items if type(x) not in _PLAIN_TYPES)
    return False


GUARD = Guard()


def enable():
    """Patch matplotlib so TensorFlow values are converted once per call (idempotent)."""
    GUARD.enable()


def disable():
    """Restore matplotlib exactly as it was (idempotent)."""
    GUARD.disable()


def is_enabled() -> bool:
    """True while the guard is enabled."""
    return GUARD.enabled


def stats() -> dict:
    """Counters: ``calls``, ``conversions``, ``cache_hits``, ``bytes_by_device``, ``errors``, cache size."""
    return GUARD.stats()


def reset_stats():
    """Zero the counters."""
    GUARD.reset_stats()


def clear_cache():
    """Drop every convert-once cache entry."""
    GUARD.cache.clear()


def configure(*, dense_limit_mb: float | None = None, cache_limit_mb: float | None = None):
    """Set the dense-result limit for sparse/ragged values and the cache's byte bound, in MiB."""
    GUARD.configure(dense_limit_mb=dense_limit_mb, cache_limit_mb=cache_limit_mb)


def settings() -> dict:
    """The current settings: ``dense_limit_mb`` and ``cache_limit_mb``."""
    return GUARD.settings()
