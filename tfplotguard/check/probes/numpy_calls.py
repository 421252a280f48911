"""The ``.numpy()`` probe: explicit ``.numpy()`` calls on eager tensors during a cell."""

from __future__ import annotations

import sys
import time
import weakref
from typing import TYPE_CHECKING

from ...core.convert import is_host_device, short_device
from ...core.patch import PatchingProbe, Patches
from ..inspect.tfstate import tf_submodule
from .ops import NOT_USER_CODE

if TYPE_CHECKING:
    from ..summaries import HostCopies, HostCopy, NumpySummary

#: A ``.numpy()`` copy of a host tensor this large is summed in ``NumpyProbe.summary()["large_host"]``.
LARGE_COPY_BYTES = 8 * 2**20


class NumpyProbe(PatchingProbe):
    """Counts explicit ``.numpy()`` calls on eager tensors during a cell.

    NumPy reaches tensors through the buffer protocol, so this counts only
    what user code asks for by name (``Variable.numpy()`` included). The
    class attribute is replaced for the cell only (auto mode keeps it, passing through between
    cells: :mod:`.probes`) and the identical original object is put back (through ``core.patch``);
    calls made by tfplotguard itself are not counted.
    """

    def __init__(self):
        self._patches = Patches(unique=True)  # start() again, after a pause, adds only what is new
        self.reset()

    def reset(self) -> None:
        """Zero the counts (auto mode's kept probe, before its next cell)."""
        self.calls = 0
        self.bytes = 0
        self.seconds = 0.0
        self.by_tensor: dict[int, tuple[weakref.ref, int]] = {}
        self.max_same = 0
        self.largest_host: HostCopy | None = None  # the largest copy of a host tensor
        self.large_host: HostCopies = {"calls": 0, "bytes": 0, "seconds": 0.0}  # of host tensors >= LARGE_COPY_BYTES

    def start(self) -> bool:
        """Wrap ``_EagerTensorBase.numpy``; False when TensorFlow is not imported."""
        ops = tf_submodule("tensorflow.python.framework.ops")
        owner = getattr(ops, "_EagerTensorBase", None)
        if owner is None or "numpy" not in vars(owner):
            return False
        self._patches.install(owner, "numpy", self._wrap)
        return True

    def _wrap(self, original, patch):
        watch = self

        def numpy(tensor):
            # Only the user's own calls count: TensorFlow and Keras call .numpy()
            # internally (e.g. gradient code under run_functions_eagerly), and so may
            # we. A library method that is itself a .numpy() (Variable.numpy) only
            # passes the user's call on, so that one counts.
            caller = sys._getframe(1)
            if (not patch.active or caller.f_globals.get("__name__", "").startswith(NOT_USER_CODE)
                    and caller.f_code.co_name != "numpy"):
                return original(tensor)
            t0 = time.perf_counter()
            result = original(tensor)
            watch._record(tensor, result, time.perf_counter() - t0)
            return result

        numpy.__doc__ = original.__doc__
        numpy.__wrapped__ = original
        return numpy

    def stop(self):
        """Put the original method back, unless someone replaced ours meanwhile (see ``core.patch``)."""
        self._patches.restore()

    def _record(self, tensor, result, seconds):
        nbytes = int(getattr(result, "nbytes", 0))
        self.calls += 1
        self.bytes += nbytes
        self.seconds += seconds
        key = id(tensor)
        entry = self.by_tensor.get(key)
        # An id is reused once a temporary dies: count repeats only for the very same object.
        count = entry[1] + 1 if entry is not None and entry[0]() is tensor else 1
        try:
            self.by_tensor[key] = (weakref.ref(tensor), count)
        except TypeError:
            return
        self.max_same = max(self.max_same, count)
        if not is_host_device(tensor.device):
            return
        if self.largest_host is None or nbytes > self.largest_host["bytes"]:
            self.largest_host = {"bytes": nbytes, "seconds": seconds, "device": short_device(tensor.device)}
        if nbytes >= LARGE_COPY_BYTES:
            self.large_host["calls"] += 1
            self.large_host["bytes"] += nbytes
            self.large_host["seconds"] += seconds

    def summary(self) -> NumpySummary:
        """Counts for the report."""
        return {
            "calls": self.calls,
            "bytes": self.bytes,
            "seconds": self.seconds,
            "max_same_tensor": self.max_same,
            "largest_host": self.largest_host,
            "large_host": self.large_host.copy(),
        }
