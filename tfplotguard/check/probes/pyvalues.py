"""Python values crossing into and out of tensors one at a time during a cell, counted and timed.

Three ways a notebook loop spends its time on the border between Python and
TensorFlow, each measured here by wrapping the one TensorFlow method it goes
through (through ``core.patch``, for the cell only, or while auto mode is on,
:mod:`.probes`; calls made by TensorFlow, Keras or tfplotguard themselves are not
counted):

- **Python lists in**: ``tf.constant`` ends in ``constant_op.convert_to_eager_tensor``,
  ``tf.convert_to_tensor`` and an op given a list go through
  ``tensor_conversion_registry.convert`` first, which flattens the list and
  checks every element for a tensor in Python (TensorFlow 2.21, a 256×64 list of
  floats: ``tf.constant`` 158 µs, ``tf.convert_to_tensor`` 2.8 ms,
  ``tf.reduce_sum(list)`` 5.4 ms; the same as a NumPy array: 18 µs). The
  outermost of the two is timed; lists of fewer than :data:`MIN_ELEMENTS`
  elements are left out (TensorFlow converts short lists of its own: slice
  bounds, shapes).
- **Elements out**: ``t[i]`` and ``for v in t`` (the tensor's iterator indexes
  ``tensor[i]`` in its ``__next__``) run one strided-slice op per element,
  about 175 µs each.
- **Scalars out**: ``float(t)`` / ``int(t)`` copy a scalar to the host.

Each wrapped call costs two ``perf_counter`` reads and a frame look-up.
"""

from __future__ import annotations

import math
import sys
import time
from typing import TYPE_CHECKING, Any

from ...core.patch import PatchingProbe, Patches
from ..inspect.tfstate import tf_submodule

if TYPE_CHECKING:
    from ..summaries import ElementReads, PyValuesSummary, ScalarReads

__all__ = ["MIN_ELEMENTS", "PyValueProbe"]

#: A Python list with fewer elements (outer × first inner length) is not counted.
MIN_ELEMENTS = 100

_NOT_USER_CODE = ("tensorflow.", "keras.", "tf_keras.", "tfplotguard.")
_ITER_MODULE = "tensorflow.python.framework.tensor"


def _users_call(frame) -> bool:
    return not frame.f_globals.get("__name__", "").startswith(_NOT_USER_CODE)


def _is_element_key(key) -> bool:
    """An integer index (``t[3]``, ``t[np.int64(3)]``), or a tuple of them: one element or row."""
    if isinstance(key, tuple):
        return bool(key) and all(_is_element_key(k) for k in key)
    return isinstance(key, int) or type(key).__name__ in ("int64", "int32", "intc", "int_")


def _list_shape(value) -> tuple | None:
    """The outer two lengths of a Python list (cheap: no walk over the elements); None for other values."""
    if not isinstance(value, (list, tuple)) or not value:
        return None
    first = value[0]
    return (len(value), len(first)) if isinstance(first, (list, tuple)) else (len(value),)


class PyValueProbe(PatchingProbe):
    """Counts and times Python lists turned into tensors, tensor elements indexed or iterated, float()/int()."""

    def __init__(self):
        # The wrappers hold these three dicts (a lookup less per call): reset() zeroes them in place.
        self.lists: dict[str, Any] = {}  # a ListConversions with "largest_len"
        self.elements: ElementReads = {}
        self.scalars: ScalarReads = {}
        self._patches = Patches(unique=True)  # start() again, after a pause, adds only what is new
        self.reset()

    def reset(self) -> None:
        """Zero the counts (auto mode's kept probe, before its next cell)."""
        self.lists.update(calls=0, seconds=0.0, largest=None, largest_len=0)
        self.elements.update({"indexed": 0, "iterated": 0, "seconds": 0.0})
        self.scalars.update({"calls": 0, "seconds": 0.0})
        self._converting = False  # inside a timed conversion: the inner one is part of it

    def start(self) -> bool:
        """Wrap the methods; False when TensorFlow is not imported."""
        constant_op = tf_submodule("tensorflow.python.framework.constant_op")
        tensor = tf_submodule("tensorflow.python.framework.tensor")
        registry = tf_submodule("tensorflow.python.framework.tensor_conversion_registry")
        ops = tf_submodule("tensorflow.python.framework.ops")
        if constant_op is None or tensor is None or ops is None or registry is None:
            return False
        for module, name in ((constant_op, "convert_to_eager_tensor"), (registry, "convert")):
            if name in vars(module):
                self._patches.install(module, name, self._wrap_convert)
        if "__getitem__" in vars(tensor.Tensor):
            self._patches.install(tensor.Tensor, "__getitem__", self._wrap_getitem)
        eager = getattr(ops, "_EagerTensorBase", None)
        for name in ("__float__", "__int__"):
            if eager is not None and name in vars(eager):
                self._patches.install(eager, name, self._wrap_scalar)
        return True

    def stop(self):
        """Put the originals back (see ``core.patch`` for a method replaced meanwhile)."""
        self._patches.restore()

    def _wrap_convert(self, original, patch):
        watch, lists = self, self.lists

        def convert(value, *args, **kwargs):
            # Tensors first and fast: every op given a tensor converts it here (two per tf.matmul).
            if not isinstance(value, (list, tuple)) or not patch.active or watch._converting:
                return original(value, *args, **kwargs)
            shape = _list_shape(value)
            if shape is None or math.prod(shape) < MIN_ELEMENTS:
                return original(value, *args, **kwargs)
            watch._converting = True
            t0 = time.perf_counter()
            try:
                return original(value, *args, **kwargs)
            finally:
                watch._converting = False
                lists["calls"] += 1
                lists["seconds"] += time.perf_counter() - t0
                if len(value) > lists["largest_len"]:
                    lists["largest_len"] = len(value)
                    lists["largest"] = list(shape)

        convert.__name__ = original.__name__
        convert.__wrapped__ = original
        return convert

    def _wrap_getitem(self, original, patch):
        elements = self.elements

        def __getitem__(tensor, key):
            if not patch.active or not _is_element_key(key) or tensor.__class__.__name__ != "EagerTensor":
                return original(tensor, key)
            caller = sys._getframe(1)
            if caller.f_code.co_name == "__next__" and caller.f_globals.get("__name__") == _ITER_MODULE:
                kind = "iterated"
            elif _users_call(caller):
                kind = "indexed"
            else:
                return original(tensor, key)
            t0 = time.perf_counter()
            result = original(tensor, key)
            elements["seconds"] += time.perf_counter() - t0
            elements[kind] += 1
            return result

        __getitem__.__wrapped__ = original
        return __getitem__

    def _wrap_scalar(self, original, patch):
        scalars = self.scalars

        def scalar(tensor):
            if not patch.active or not _users_call(sys._getframe(1)):
                return original(tensor)
            t0 = time.perf_counter()
            result = original(tensor)
            scalars["seconds"] += time.perf_counter() - t0
            scalars["calls"] += 1
            return result

        scalar.__name__ = original.__name__
        scalar.__wrapped__ = original
        return scalar

    def summary(self) -> PyValuesSummary:
        """``{"lists": {calls, seconds, largest}, "elements": {indexed, iterated, seconds}, "scalars": {calls, seconds}}``."""
        lists = self.lists
        return {"lists": {"calls": lists["calls"], "seconds": lists["seconds"], "largest": lists["largest"]},
                "elements": self.elements.copy(), "scalars": self.scalars.copy()}
