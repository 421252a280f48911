"""An alternate signal stack for the main thread, so that the Stop button never kills a TensorFlow kernel.

TensorFlow's CPU matrix products run oneDNN's JIT GEMM kernels, which point the
stack pointer ``rsp`` into a heap buffer while they run (oneDNN issue #4845,
fixed upstream, not in the oneDNN that TensorFlow 2.21 bundles). A signal
delivered then (Jupyter's Stop button sends SIGINT) has its frame written at
``rsp``, into the heap, and glibc aborts the kernel later ("corrupted size vs.
prev_size"). Python installs every handler with ``SA_ONSTACK``, so with an
alternate stack (``sigaltstack``) the kernel writes the frame there instead.
``faulthandler.enable()`` installs one too; a Jupyter kernel has none.

:class:`AltStack` gives the calling thread one (unless it has one big enough)
and puts back exactly what was there. Linux only (elsewhere :func:`unavailable`
says why, and nothing is installed). Measured rates: ``benchmarks/interrupts.py``.
"""

from __future__ import annotations

import ctypes
import os
import sys
from typing import Any

__all__ = ["AltStack", "unavailable"]

_SS_ONSTACK, _SS_DISABLE = 1, 2
_SC_MINSIGSTKSZ, _SC_SIGSTKSZ = 249, 250  # glibc >= 2.34; older ones answer -1


class _StackT(ctypes.Structure):
    _fields_ = [("ss_sp", ctypes.c_void_p), ("ss_flags", ctypes.c_int), ("ss_size", ctypes.c_size_t)]


_libc: Any = None  # ctypes.CDLL once bound: its functions are looked up by name
_why_not: str | None = None


def unavailable() -> str | None:
    """Why an alternate signal stack cannot be had here (a sentence), or None. Binds libc on first use."""
    global _libc, _why_not
    if _libc is not None or _why_not is not None:
        return _why_not
    if not sys.platform.startswith("linux"):
        _why_not = "the alternate signal stack is installed on Linux only"
        return _why_not
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.sigaltstack.argtypes = [ctypes.POINTER(_StackT), ctypes.POINTER(_StackT)]
        libc.sysconf.restype = ctypes.c_long
    except (OSError, AttributeError) as exc:
        _why_not = f"libc's sigaltstack cannot be reached ({exc})"
        return _why_not
    _libc = libc
    return None


def needed_size() -> int:
    """The smallest alternate stack taken as big enough: the kernel's own advice, at least 32 KiB."""
    advised = max(_libc.sysconf(_SC_SIGSTKSZ), 2 * _libc.sysconf(_SC_MINSIGSTKSZ))
    return max(advised, 32 * 1024)


def current() -> tuple[int, int, int]:
    """The calling thread's alternate stack: ``(address, flags, size)`` (flags has 2 set when there is none)."""
    if unavailable():
        raise OSError(_why_not)
    got = _StackT()
    if _libc.sigaltstack(None, ctypes.byref(got)) != 0:
        err = ctypes.get_errno()
        raise OSError(err, f"sigaltstack failed: {os.strerror(err)}")
    return got.ss_sp or 0, got.ss_flags, got.ss_size


_BUFFER: Any = None  # one stack for the process, never freed: a signal may still be on it after restore()


class AltStack:
    """The calling thread's alternate signal stack, installed by :meth:`install` and given back by :meth:`restore`."""

    def __init__(self):
        self._old: _StackT | None = None

    @property
    def installed(self) -> bool:
        """True while this object's stack is the one it installed (not a thread's own kept one)."""
        return self._old is not None

    def install(self) -> bool:
        """Give the calling thread an alternate stack unless it has one big enough; True if ours was installed."""
        global _BUFFER
        if self._old is not None:
            return True
        address, flags, size = current()
        if not flags & _SS_DISABLE and size >= needed_size():
            return False  # the thread's own stack serves (faulthandler's)
        if _BUFFER is None:
            _BUFFER = ctypes.create_string_buffer(max(256 * 1024, 2 * needed_size()))
        ours = _StackT(ctypes.addressof(_BUFFER), 0, ctypes.sizeof(_BUFFER))
        if _libc.sigaltstack(ctypes.byref(ours), None) != 0:
            err = ctypes.get_errno()
            raise OSError(err, f"sigaltstack failed: {os.strerror(err)}")
        self._old = _StackT(address or None, flags, size)
        return True

    def restore(self) -> None:
        """Put back the stack the thread had, if ours is still the one installed and no handler runs on it."""
        old, self._old = self._old, None
        if old is None:
            return
        address, flags, _ = current()
        if address != ctypes.addressof(_BUFFER) or flags & _SS_ONSTACK:
            return  # someone installed another since (faulthandler.enable()), or a handler runs on ours
        if old.ss_flags & _SS_DISABLE:
            old = _StackT(None, _SS_DISABLE, 0)
        _libc.sigaltstack(ctypes.byref(old), None)


_MAIN = AltStack()
_HOLDERS: set = set()


def hold(holder) -> str | None:
    """Keep an alternate stack on the main thread while ``holder`` holds it; why not (a sentence), or None.

    Called from the main thread (``%load_ext`` runs there); from another
    thread nothing is installed, since ``sigaltstack`` acts on the calling thread only.
    """
    import threading

    if threading.current_thread() is not threading.main_thread():
        return "not on the main thread"
    why_not = unavailable()
    if why_not:
        return why_not
    if not _HOLDERS:
        _MAIN.install()
    _HOLDERS.add(holder)
    return None


def release(holder) -> None:
    """Drop ``holder``'s hold; the last one gives the main thread back the stack it had."""
    import threading

    _HOLDERS.discard(holder)
    if not _HOLDERS and threading.current_thread() is threading.main_thread():
        _MAIN.restore()
