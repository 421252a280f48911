"""The probe of Python run by TensorFlow's own threads (``tf.py_function``, ``tf.numpy_function``, generators)."""

from __future__ import annotations

import inspect
import sys
import threading
import time
from typing import TYPE_CHECKING

from ...core.patch import Patches
from ..inspect.tfstate import tf_submodule

if TYPE_CHECKING:
    from ..summaries import TfPythonCall, TfPythonFunction


#: Calls per function (and cell) timed with the thread's CPU clock and run-queue time as well.
WAITS_TIMED = 200


# -- Python run by TensorFlow's own threads -------------------------------------------------


class TfPythonProbe:
    """Native ids of TensorFlow's threads that ran the user's Python during a measurement.

    ``Dataset.from_generator``, ``tf.py_function`` and ``tf.numpy_function``
    run Python on TensorFlow's native threads: each call goes through one
    trampoline object, ``script_ops.FuncRegistry.__call__``, on the thread
    that runs it. That method is wrapped for the measurement (through
    ``core.patch``) to note ``threading.get_native_id()``. Measured on
    TensorFlow 2.21, the ways that look simpler do not hold: those threads
    never become ``threading._DummyThread``\\ s (nothing calls
    ``threading.current_thread()`` there), and mapping the thread idents of
    ``sys._current_frames()`` to native ids needs
    ``time.pthread_getcpuclockid`` on threads that may have ended by then
    (it raised ``ProcessLookupError`` for tf.data threads that had exited:
    a call on a freed thread descriptor is undefined).
    """

    def __init__(self):
        self.native_ids: set[int] = set()
        self._per_token: dict = {}  # the registry's token → [calls, seconds]
        self._registry = None
        self._patches = Patches()

    def start(self) -> bool:
        """Wrap the trampoline; False when TensorFlow (or its ``script_ops``) is not imported."""
        if sys.modules.get("tensorflow.python.ops.script_ops") is None:
            return False  # nothing can have run Python through it yet; never import it
        script_ops = tf_submodule("tensorflow.python.ops.script_ops")
        owner = getattr(script_ops, "FuncRegistry", None)
        if owner is None or "__call__" not in vars(owner):
            return False
        ids, per_token, clock = self.native_ids, self._per_token, time.perf_counter
        watch = self

        def wrap(original, patch):
            def __call__(registry, *args, **kwargs):
                if not patch.active:
                    return original(registry, *args, **kwargs)
                ids.add(threading.get_native_id())
                watch._registry = registry
                token = args[0] if args else kwargs.get("token")
                entry = per_token.get(token)
                if entry is None:
                    entry = per_token[token] = [0, 0.0, 0.0, 0.0]
                timed = entry[0] < WAITS_TIMED  # the first calls also say how much of their time was a wait
                if timed:
                    cpu0, queued0 = time.thread_time(), _queued_s()
                t0 = clock()
                try:
                    return original(registry, *args, **kwargs)
                finally:
                    took = clock() - t0
                    entry[0] += 1
                    entry[1] += took
                    if timed:
                        queued1 = _queued_s()
                        queued = queued1 - queued0 if queued0 is not None and queued1 is not None else 0.0
                        entry[2] += took
                        entry[3] += max(0.0, took - (time.thread_time() - cpu0) - queued)

            __call__.__wrapped__ = original
            return __call__

        self._patches.install(owner, "__call__", wrap)
        return True

    def stop(self):
        """Put the original method back (see ``core.patch`` for a method replaced meanwhile)."""
        self._patches.restore()

    def calls(self) -> list[TfPythonCall]:
        """The Python functions TensorFlow's threads called, most time first.

        Each ``{"function", "filename", "calls", "seconds", "waiting"}``.

        ``waiting``: the share of their first :data:`WAITS_TIMED` calls' time the thread was off the CPU
        without waiting for one (sleep, I/O, a lock): the thread's CPU clock and its run-queue time
        (schedstat) are read around those calls.

        Timed around each call of the trampoline, so exact where the stack
        sampler sees a short ``numpy_function`` only by luck: 400 calls of
        ~0.1 ms in a 0.3 s cell were 1-5 looks of ~200, and under load none.
        ``function`` is the registered callable's qualified name (past any
        ``<locals>.``), unwrapped (``EagerFunc._func``, ``__wrapped__``); ``filename`` its code's file
        (``""`` for a callable without code), for the caller to tell the
        user's functions from TensorFlow's own (``from_generator``'s).
        """
        registry = self._registry
        rows: list[TfPythonCall] = []
        for token, (count, seconds, timed_s, waiting_s) in list(self._per_token.items()):
            try:
                row = _called(registry.get(token) if registry is not None else None)
            except Exception:  # an exotic callable's attributes: the meter's other figures matter more
                row = None
            if row is not None:  # None: freed meanwhile (the registry holds it weakly)
                waiting = waiting_s / timed_s if timed_s > 0 else 0.0
                rows.append({**row, "calls": count, "seconds": seconds, "waiting": waiting})
        return sorted(rows, key=lambda row: -row["seconds"])


def _queued_s() -> float | None:
    """Seconds the calling thread has waited runnable for a CPU (Linux's schedstat), or None."""
    try:
        with open("/proc/thread-self/schedstat", "rb") as f:
            return int(f.read().split()[1]) / 1e9
    except (OSError, ValueError, IndexError):
        return None


def _called(func) -> TfPythonFunction | None:
    """``{"function", "filename"}`` of a callable registered with TensorFlow's trampoline, or None."""
    if func is None:
        return None
    # EagerFunc (tf.py_function) holds the user's function; autograph.do_not_convert and functools.wraps
    # chain __wrapped__ (inspect.unwrap's ValueError on a cycle is the caller's to drop).
    func = inspect.unwrap(getattr(func, "_func", func))
    code = getattr(func, "__code__", None)
    name = getattr(func, "__qualname__", None) or type(func).__qualname__
    return {"function": name.rsplit("<locals>.", 1)[-1], "filename": code.co_filename if code is not None else ""}
