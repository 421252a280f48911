"""Exact counts during a cell, cheaply: Keras ``Model.fit`` / ``predict`` / ``evaluate`` calls, ``tf.Variable`` objects created.

Only during a measured cell, and only if Keras is already imported (``keras``
or ``tf_keras`` in ``sys.modules``: nothing is imported here), each of the three
methods is wrapped where ``Model`` gets it from (the first class of its MRO that
defines it: Keras 3's ``TensorFlowTrainer``), through :mod:`tfplotguard.core.patch`,
and put back as the identical original afterwards. Only the outermost call of a
thread counts: ``fit(validation_data=...)`` runs ``evaluate`` inside, and that is
part of the one ``fit`` call the user made. A subclass that overrides a method
without calling ``super()`` is not seen. Steps are not counted (Keras decides
them inside its epoch iterator; counting them would need a callback in every call).

Variables: ``BaseResourceVariable.__init__`` (TensorFlow's
``resource_variable_ops``, only if already loaded) is wrapped the same way; every
``tf.Variable`` is one (``ResourceVariable``, a ``tf.function``'s lifted
variables, a Keras variable's TensorFlow variable), created in any thread, and
is counted once it is made. That includes the variables Keras makes for itself
(an optimizer's slots and iteration counter, metrics' state, seed generators):
compiling and fitting a one-layer model creates several. ``tf.variable_creator_scope``
was no alternative: it is per thread and per graph, and a context manager around the cell.
"""

from __future__ import annotations

import functools
import sys
import threading

from ..core.patch import Patches, counting_init

METHODS = ("fit", "predict", "evaluate")
_MODULES = ("keras", "tf_keras")
_VARIABLES_MODULE = "tensorflow.python.ops.resource_variable_ops"


def _owner(model_cls, name: str):
    """The class in ``model_cls``'s MRO that defines ``name`` (what ``Model.name`` resolves to), or None."""
    return next((klass for klass in model_cls.__mro__ if name in vars(klass)), None)


class CallCounts:
    """Counts the user's ``fit``/``predict``/``evaluate`` calls on Keras models, and variables created, during a cell."""

    def __init__(self):
        self.calls = {name: 0 for name in METHODS}
        self.variables = 0
        self._patches = Patches()
        self._depth = threading.local()

    def start(self) -> "CallCounts":
        """Wrap what is loaded: the three methods of every Keras, the variables' constructor."""
        variables = getattr(sys.modules.get(_VARIABLES_MODULE), "BaseResourceVariable", None)
        if isinstance(variables, type):
            self._patches.install(variables, "__init__", self._wrap_init)
        seen = set()
        for module_name in _MODULES:
            module = sys.modules.get(module_name)
            model_cls = getattr(module, "Model", None) if module is not None else None
            if not isinstance(model_cls, type):
                continue
            for name in METHODS:
                owner = _owner(model_cls, name)
                if owner is not None and (owner, name) not in seen:
                    seen.add((owner, name))
                    self._patches.install(owner, name, functools.partial(self._wrap, name))
        return self

    def stop(self) -> None:
        """Put every original back (a wrapper installed over ours is left, passing through)."""
        self._patches.restore()

    def _wrap(self, name, original, patch):
        watch, depth = self, self._depth

        @functools.wraps(original)
        def wrapper(*args, **kwargs):
            if not patch.active:
                return original(*args, **kwargs)
            level = getattr(depth, "level", 0)
            if level == 0:
                watch.calls[name] += 1
            depth.level = level + 1
            try:
                return original(*args, **kwargs)
            finally:
                depth.level = level

        return wrapper

    def _wrap_init(self, original, patch):
        def count():
            self.variables += 1

        return counting_init(original, patch, count)

    def summary(self) -> dict:
        """``{"fit": n, "predict": n, "evaluate": n, "variables": n}``."""
        return {**self.calls, "variables": self.variables}
