"""The signal timer's clock: a periodic ``SIGALRM`` aimed at one thread, handled on an alternate stack.

Why not ``signal.setitimer``: TensorFlow's CPU matrix products run oneDNN's JIT
GEMM kernels (``jit_avx512_common_gemm_f32``; Eigen's contractions call them too,
so ``TF_ENABLE_ONEDNN_OPTS=0`` does not avoid them), and those kernels point the
stack pointer ``rsp`` into a heap buffer while they run (oneDNN issue #4845,
fixed upstream in PR #4855, not in the oneDNN that TensorFlow 2.21 bundles). A
signal delivered to a thread inside such a kernel makes the kernel write its
signal frame (several KiB: the AVX-512 and AMX register state) at ``rsp``, into
the heap. Measured here: a no-op ``SIGALRM`` every 1 ms, Python's handler or a C
one, aborted an eager training loop (glibc "corrupted size vs. prev_size") within
0.4-1.2 s of every run; so did notebook 03's ``run_functions_eagerly`` cell
under ``--stack-timer signal``. gdb showed the main thread's ``rsp`` in ``[heap]``
at the signals that landed in the JIT code.

Two things make the signal harmless, and this module does both:

- **An alternate signal stack.** Python installs every handler with
  ``SA_ONSTACK``, so the kernel writes the signal frame on the thread's
  alternate stack (``sigaltstack``) when it has one, whatever ``rsp`` holds. With
  one installed (``python -X faulthandler`` installs one, and pytest enables
  faulthandler, which is why the test suite never crashed while notebooks did),
  the same loop ran clean. :class:`AltStack` installs one for the cell's thread
  while the timer runs, unless the thread already has one big enough, and puts
  the old state back afterwards.
- **A signal for that thread only.** ``setitimer``'s ``SIGALRM`` is
  process-directed: the kernel gives it to another thread (a TensorFlow worker
  in the same GEMM, with no alternate stack) whenever the main thread already
  has one pending. :class:`ThreadAlarm` uses ``timer_create`` with
  ``SIGEV_THREAD_ID`` (Linux), which signals one thread only.

So the signal timer exists only where both can be had: Linux with glibc's
``timer_create`` reachable through :mod:`ctypes` (:func:`unavailable` says
why not).
"""

from __future__ import annotations

import ctypes
import os
import signal
import sys

__all__ = ["AltStack", "ThreadAlarm", "unavailable"]

_CLOCK_MONOTONIC = 1
_SIGEV_THREAD_ID = 4
_SS_ONSTACK, _SS_DISABLE = 1, 2
_SC_MINSIGSTKSZ, _SC_SIGSTKSZ = 249, 250  # glibc >= 2.34; older ones answer -1


class _Sigevent(ctypes.Structure):
    # glibc's struct sigevent on Linux: 64 bytes, the target thread's id first in the union.
    _fields_ = [("sigev_value", ctypes.c_void_p), ("sigev_signo", ctypes.c_int),
                ("sigev_notify", ctypes.c_int), ("sigev_tid", ctypes.c_int),
                ("_pad", ctypes.c_int * 11)]


class _Timespec(ctypes.Structure):
    _fields_ = [("tv_sec", ctypes.c_long), ("tv_nsec", ctypes.c_long)]


class _Itimerspec(ctypes.Structure):
    _fields_ = [("it_interval", _Timespec), ("it_value", _Timespec)]


class _StackT(ctypes.Structure):
    _fields_ = [("ss_sp", ctypes.c_void_p), ("ss_flags", ctypes.c_int), ("ss_size", ctypes.c_size_t)]


_libc = None
_why_not: str | None = None


def unavailable() -> str | None:
    """Why a thread-directed ``SIGALRM`` on an alternate stack cannot be had here (a sentence), or None.

    The first call binds libc's functions through :mod:`ctypes`; later calls return the answer kept.
    """
    global _libc, _why_not
    if _libc is not None or _why_not is not None:
        return _why_not
    if not sys.platform.startswith("linux"):
        _why_not = "a signal aimed at one thread (timer_create with SIGEV_THREAD_ID) needs Linux"
        return _why_not
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        for name in ("timer_create", "timer_settime", "timer_delete", "sigaltstack", "sysconf"):
            getattr(libc, name)
    except (OSError, AttributeError) as exc:
        _why_not = f"libc's timer_create or sigaltstack cannot be reached ({exc})"
        return _why_not
    libc.timer_create.argtypes = [ctypes.c_int, ctypes.POINTER(_Sigevent), ctypes.POINTER(ctypes.c_void_p)]
    libc.timer_settime.argtypes = [ctypes.c_void_p, ctypes.c_int, ctypes.POINTER(_Itimerspec), ctypes.c_void_p]
    libc.timer_delete.argtypes = [ctypes.c_void_p]
    libc.sigaltstack.argtypes = [ctypes.POINTER(_StackT), ctypes.POINTER(_StackT)]
    libc.sysconf.restype = ctypes.c_long
    _libc = libc
    return None


def _os_error(what: str) -> OSError:
    err = ctypes.get_errno()
    return OSError(err, f"{what} failed: {os.strerror(err)}")


def _needed_size() -> int:
    """The smallest alternate stack taken as big enough: the kernel's own advice, at least 32 KiB."""
    advised = max(_libc.sysconf(_SC_SIGSTKSZ), 2 * _libc.sysconf(_SC_MINSIGSTKSZ))
    return max(advised, 32 * 1024)


_BUFFER = None  # one stack for the process, never freed: a signal may still be on it after restore()


class AltStack:
    """An alternate signal stack for the calling thread while the signal timer runs.

    :meth:`install` keeps a thread's existing alternate stack when it is big
    enough (faulthandler's is), else installs the module's own (256 KiB or the
    kernel's advice if larger) and remembers the old one; :meth:`restore`, called
    by the same thread, puts the old one back if ours is still in place.
    """

    def __init__(self):
        self._old: _StackT | None = None

    def install(self) -> None:
        """Make sure the calling thread has an alternate signal stack big enough for a signal frame."""
        global _BUFFER
        if unavailable():
            raise OSError(_why_not)
        current = _StackT()
        if _libc.sigaltstack(None, ctypes.byref(current)) != 0:
            raise _os_error("sigaltstack")
        if not current.ss_flags & _SS_DISABLE and current.ss_size >= _needed_size():
            return  # the thread's own stack serves (faulthandler's)
        if _BUFFER is None:
            _BUFFER = ctypes.create_string_buffer(max(256 * 1024, 2 * _needed_size()))
        ours = _StackT(ctypes.addressof(_BUFFER), 0, ctypes.sizeof(_BUFFER))
        if _libc.sigaltstack(ctypes.byref(ours), None) != 0:
            raise _os_error("sigaltstack")
        self._old = current

    def restore(self) -> None:
        """Give the calling thread back the alternate stack it had, if ours is still the one installed."""
        old, self._old = self._old, None
        if old is None:
            return
        current = _StackT()
        if _libc.sigaltstack(None, ctypes.byref(current)) != 0:
            return
        if current.ss_sp != ctypes.addressof(_BUFFER) or current.ss_flags & _SS_ONSTACK:
            return  # someone installed another since (faulthandler.enable()), or a handler runs on ours
        if old.ss_flags & _SS_DISABLE:
            old = _StackT(None, _SS_DISABLE, 0)
        _libc.sigaltstack(ctypes.byref(old), None)


class ThreadAlarm:
    """A periodic ``SIGALRM`` for one thread (its ``threading.get_native_id()``), on the monotonic clock."""

    def __init__(self, native_id: int, signum: int = signal.SIGALRM):
        if unavailable():
            raise OSError(_why_not)
        event = _Sigevent(None, int(signum), _SIGEV_THREAD_ID, int(native_id))
        self._id = ctypes.c_void_p()
        if _libc.timer_create(_CLOCK_MONOTONIC, ctypes.byref(event), ctypes.byref(self._id)) != 0:
            raise _os_error("timer_create")
        self._open = True
        self._spec = _Itimerspec()  # reused: the handler re-arms it as the cell ages
        self._spec_ref = ctypes.byref(self._spec)

    def arm(self, interval_s: float) -> None:
        """Signal every ``interval_s`` seconds from now on (``0`` stops it)."""
        sec, frac = divmod(float(interval_s), 1.0)
        spec = self._spec
        spec.it_interval.tv_sec = spec.it_value.tv_sec = int(sec)
        spec.it_interval.tv_nsec = spec.it_value.tv_nsec = int(frac * 1e9)
        if _libc.timer_settime(self._id, 0, self._spec_ref, None) != 0:
            raise _os_error("timer_settime")

    def close(self) -> None:
        """Delete the timer: no signal of it arrives afterwards. Closing twice is harmless."""
        if self._open:
            self._open = False
            _libc.timer_delete(self._id)
