"""The guard: matplotlib's data entry points, patched so every TensorFlow value is converted once.

One process-wide :class:`Guard` owns the patches, the convert-once cache and
the statistics. matplotlib is process-wide, so the guard is enabled by
*holders*: each shell with the extension loaded is one, and matplotlib is
restored when the last one unloads, so ``%unload_ext`` in one shell leaves the
guard on for another. ``tfplotguard.enable()`` / ``disable()`` are the
switch: ``enable()`` patches and, when no shell holds the guard (a script),
takes the hold ``"script"``; ``disable()`` restores matplotlib now, for every
shell, and drops that hold. A shell that still has the extension loaded keeps
its hold, so ``enable()`` there switches the guard back on and that shell's
``%unload_ext`` switches it off, as in a notebook without a second shell. Patches go
through :class:`tfplotguard.core.patch.Patches`, which never clobbers a
wrapper another library installed on top of ours.

The wrapper fails open: an unexpected exception inside the guard's own
conversion calls matplotlib with the original arguments and warns once per
entry point and exception type. Only :class:`TensorPlotError` is raised on
purpose.
"""

from __future__ import annotations

import functools
import sys
import threading
import warnings
import weakref

from ..core import state
from ..core.cache import ConvertCache
from ..core.convert import _PLAIN_TYPES, Converter, kind_of, short_device
from ..core.errors import TensorPlotError, TFPlotGuardWarning
from ..core.patch import Patches
from ..core.settings import SETTINGS
from .entry_points import PYPLOT_STATE_METHODS, draw_targets, patch_targets, ragged_policy

#: The holder that ``tfplotguard.enable()`` / ``disable()`` stand for.
SCRIPT = "script"


# -- the owner of all guard state ----------------------------------------------


class Guard:
    """Patches, holders, cache and counters: everything ``enable`` installs and ``disable`` removes."""

    def __init__(self):
        self._patches = Patches()
        self._holders: set = set()
        self._lock = threading.Lock()
        self.cache = ConvertCache(SETTINGS.cache_limit_bytes)
        SETTINGS.observe(lambda settings: self.cache.set_limit(settings.cache_limit_bytes))
        self._warned: set[tuple[str, str]] = set()
        # Thread objects, not idents: an ident is reused as soon as a thread ends.
        self._warned_threads: weakref.WeakSet = weakref.WeakSet()
        self.reset_stats()

    def reset(self):
        """Every holder gone, matplotlib restored, counters zero, cache empty (process-state reset)."""
        self._holders.clear()
        self._patches.restore()
        self.cache.clear()
        self._warned.clear()
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
                "dense_limit_bytes": SETTINGS.dense_limit_bytes,
                "patched": len(self._patches),
                "holders": len(self._holders),
            }

    # patching --------------------------------------------------------------
    @property
    def enabled(self) -> bool:
        """True while matplotlib is patched."""
        return bool(self._patches)

    def enable(self, holder=SCRIPT):
        """Patch every entry point (never double-wraps) and add ``holder`` (see the module docstring)."""
        with self._lock:
            if holder != SCRIPT or not self._holders - {SCRIPT}:
                self._holders.add(holder)
        if self._patches:
            return
        try:
            for label, (owner, name) in patch_targets().items():
                policy = ragged_policy(owner.__name__, name)
                self._patches.install(owner, name, functools.partial(self._wrap, policy=policy, label=label))
            for owner, name in draw_targets().values():
                self._patches.install(owner, name, _pass_through)
            from matplotlib._pylab_helpers import Gcf

            for name in PYPLOT_STATE_METHODS:
                if isinstance(vars(Gcf).get(name), classmethod):
                    self._patches.install(Gcf, name, self._watch_thread)
        except BaseException:
            self._holders.discard(holder)
            self._patches.restore()
            raise

    def disable(self, holder=SCRIPT):
        """Drop ``holder``; restore matplotlib when it was the script's switch or the last holder.

        Restoring runs in reverse order and leaves a wrapper another library
        installed over ours in place (``core.patch``).
        """
        with self._lock:
            self._holders.discard(holder)
            off = holder == SCRIPT or not self._holders
        if off:
            self._patches.restore()

    def _wrap(self, original, patch, *, policy: str, label: str):
        guard = self

        @functools.wraps(original)
        def tfplotguard_entry_point(*args, **kwargs):
            # matplotlib calls many patched methods from inside one (Axes.plot makes ~90
            # such calls): they carry what the outer call converted, so they go straight through.
            # An inactive patch is one another library wrapped after us: we only pass through.
            if _call_state.inside or not patch.active or "tensorflow" not in sys.modules:
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

        tfplotguard_entry_point.__tfplotguard_original__ = original  # type: ignore[attr-defined]
        return tfplotguard_entry_point

    def _watch_thread(self, original, patch):
        guard = self
        function = original.__func__

        @functools.wraps(function)
        def tfplotguard_pyplot_state(*args, **kwargs):
            if patch.active and threading.current_thread() is not threading.main_thread():
                guard._pyplot_from_thread()
            return function(*args, **kwargs)

        return classmethod(tfplotguard_pyplot_state)

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
        converter = Converter(policy, SETTINGS.dense_limit_bytes, self.cache, self.record, self.record_hit)
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


class _CallState(threading.local):
    """Per thread: is a guarded matplotlib call (or matplotlib's own drawing) running right now?"""

    inside = False


_call_state = _CallState()


def _pass_through(original, patch):
    """``original`` run with the thread's "inside" flag set: entry points it calls are not scanned."""

    @functools.wraps(original)
    def tfplotguard_drawing(*args, **kwargs):
        if _call_state.inside or not patch.active:
            return original(*args, **kwargs)
        _call_state.inside = True
        try:
            return original(*args, **kwargs)
        finally:
            _call_state.inside = False

    tfplotguard_drawing.__tfplotguard_original__ = original
    return tfplotguard_drawing


def _holds_tf_value(args, kwargs) -> bool:
    for value in args[1:]:  # args[0] is the matplotlib object the method is called on
        if type(value) not in _PLAIN_TYPES and _may_hold(value):
            return True
    for value in kwargs.values():
        if type(value) not in _PLAIN_TYPES and _may_hold(value):
            return True
    return False


#: A list or tuple up to this length is scanned element by element for TensorFlow values.
#: A longer one is sampled: only its first and last ``SCAN_EDGE`` elements are looked at (and,
#: recursively, what those hold). Scanning every element of a 1e6-float list cost 15 % of a
#: ``plot`` of it, more than matplotlib's own ``np.asarray`` of the list, so no full scan of a
#: long list fits the ≤ 2 % budget; the sample costs a few µs at any length. What it can miss
#: (docs/reliability.md, Limits): a tensor only in the middle of a long list, with plain values at both ends.
SCAN_FULL = 2 * 64
SCAN_EDGE = 64


def _may_hold(value) -> bool:
    # Iterative, with a seen-set: a list may contain itself.
    pending, seen = [value], set()
    plain = _PLAIN_TYPES
    while pending:
        item = pending.pop()
        if kind_of(item) is not None:
            return True
        if isinstance(item, (list, tuple)):
            if id(item) in seen:
                continue
            seen.add(id(item))
            if len(item) > SCAN_FULL:
                item = item[:SCAN_EDGE] + item[-SCAN_EDGE:]  # type: ignore[operator]  # both of one list, or one tuple
            # The common case, a list of Python numbers, is answered by one C-level pass.
            if not plain.issuperset(map(type, item)):
                pending.extend(x for x in item if type(x) not in plain)
        elif isinstance(item, dict) and id(item) not in seen:
            seen.add(id(item))
            pending.extend(x for x in item.values() if type(x) not in plain)
    return False


#: The process's one guard.
GUARD = state.own("guard", Guard())


def enable():
    """Patch matplotlib so TensorFlow values are converted once per call (idempotent).

    Without a shell holding the guard this is the ``"script"`` hold: a later
    ``%unload_ext`` does not switch it off. In a shell with the extension
    loaded it switches the guard back on, and that shell's unload ends it.
    """
    GUARD.enable(SCRIPT)


def disable():
    """Restore matplotlib exactly as it was, now, for every shell (idempotent); loaded shells keep their hold."""
    GUARD.disable(SCRIPT)


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
    SETTINGS.configure(dense_limit_mb=dense_limit_mb, cache_limit_mb=cache_limit_mb)


def settings() -> dict:
    """The current settings: ``dense_limit_mb`` and ``cache_limit_mb``."""
    return SETTINGS.as_mib()
