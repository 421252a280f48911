"""Exact counts during a cell, cheaply: Keras ``Model.fit`` / ``predict`` / ``evaluate`` calls, ``tf.Variable`` objects created.

Only during a measured cell, and only if Keras is already imported (``keras``
or ``tf_keras`` in ``sys.modules``: nothing is imported here), each of the three
methods is wrapped where ``Model`` gets it from (the first class of its MRO that
defines it: Keras 3's ``TensorFlowTrainer``), through :mod:`tfplotguard.core.patch`,
and put back as the identical original afterwards (auto mode: when it is switched off,
:mod:`.probes`). Only the outermost call of a
thread counts: ``fit(validation_data=...)`` runs ``evaluate`` inside, and that is
part of the one ``fit`` call the user made. Of the first :data:`CALLS_KEPT` calls
the arguments that decide Keras's per-step cost are kept (:func:`call_arguments`:
``batch_size``, ``epochs``, ``verbose``, the model's ``steps_per_execution``, the
input's kind and number of examples), read without touching the data. A subclass that overrides a method
without calling ``super()`` is not seen. Steps are not counted (Keras decides
them inside its epoch iterator; counting them would need a callback in every call).

Variables: ``BaseResourceVariable.__init__`` (TensorFlow's
``resource_variable_ops``, only if already loaded) is wrapped the same way; every
``tf.Variable`` is one (``ResourceVariable``, a ``tf.function``'s lifted
variables, a Keras variable's TensorFlow variable), created in any thread, and
is counted once it is made. That includes the variables Keras makes for itself
(an optimizer's slots and iteration counter, metrics' state, seed generators):
compiling and fitting a one-layer model creates several. Not counted: the
``_UnreadVariable`` that every ``assign`` returns (a read of a variable that
exists, made at each optimizer step) and the distribution wrappers
(:data:`NOT_CREATED`). ``tf.variable_creator_scope``
was no alternative: it is per thread and per graph, and a context manager around the cell.
"""

from __future__ import annotations

import functools
import sys
import threading
from typing import TYPE_CHECKING

from ...core.patch import PatchingProbe, Patches

if TYPE_CHECKING:
    from ..summaries import KerasCall, KerasCounts

METHODS = ("fit", "predict", "evaluate")
#: Calls whose arguments are kept per cell (counts go on beyond them).
CALLS_KEPT = 16
_PARAMETERS = ("x", "y", "batch_size", "epochs", "verbose")
_MODULES = ("keras", "tf_keras")
_VARIABLES_MODULE = "tensorflow.python.ops.resource_variable_ops"
#: ``BaseResourceVariable`` subclasses whose construction makes no variable. ``_UnreadVariable`` is the
#: "future read" that an assign returns (``v.assign_add(1)``, and so every optimizer step, eager or
#: traced) over the handle of a variable that exists: a first Keras ``fit`` that made 10 variables
#: made 44 of these besides. The distribution wrappers are views on component variables, each
#: counted when it was made.
NOT_CREATED = frozenset(("_UnreadVariable", "AggregatingVariable", "CachingVariable", "PackedDistributedVariable",
                         "DistributedVariable"))


def creates_variable(variable) -> bool:
    """True when constructing ``variable`` made a variable (not an assign's read of one, nor a view on others)."""
    return type(variable).__name__ not in NOT_CREATED


def _examples(x) -> tuple[str, int | None]:
    """(kind, number of examples) of a Keras input, from its shape or length only."""
    first = x
    while isinstance(first, (list, tuple)) and first:
        first = first[0]
    if isinstance(first, dict) and first:
        first = next(iter(first.values()))
    shape = getattr(first, "shape", None)
    module = type(x).__module__.split(".", 1)[0]
    if any(klass.__name__ == "DatasetV2" for klass in type(x).__mro__):
        return "dataset", None
    if shape is not None and len(shape) > 0 and isinstance(shape[0], int):
        return ("tensor" if module in ("tensorflow", "keras") else "array"), int(shape[0])
    return type(x).__name__, None


def call_arguments(method: str, model, args: tuple, kwargs: dict) -> KerasCall:
    """What one ``fit``/``predict``/``evaluate`` call was asked to do: ``{"method", "batch_size",
    "epochs", "verbose", "steps_per_execution", "input", "examples", "parameters", "dtype_policy"}`` (None
    where not given or not known: a dataset's number of examples, an unbuilt model's parameters);
    ``dtype_policy``: the name of the model's dtype policy (``"mixed_float16"``); ``jit_compile``: the
    model was compiled with XLA (read from ``_jit_compile``: the public property resolves ``"auto"``,
    and sets it, when it was never set)."""
    named = dict(zip(_PARAMETERS, args))
    named.update({k: v for k, v in kwargs.items() if k in _PARAMETERS})
    kind, examples = _examples(named.get("x"))
    spe = getattr(model, "steps_per_execution", None)
    try:  # a model not built yet has no weights to count
        parameters = int(model.count_params()) if getattr(model, "built", False) else None
    except Exception:
        parameters = None
    policy = getattr(getattr(model, "dtype_policy", None), "name", None)
    return {"method": method, "batch_size": named.get("batch_size"), "epochs": named.get("epochs"),
            "verbose": named.get("verbose", "auto"), "steps_per_execution": spe if isinstance(spe, int) else None,
            "input": kind, "examples": examples, "parameters": parameters,
            "dtype_policy": policy if isinstance(policy, str) else None,
            "jit_compile": getattr(model, "_jit_compile", None) is True}


def _owner(model_cls, name: str):
    """The class in ``model_cls``'s MRO that defines ``name`` (what ``Model.name`` resolves to), or None."""
    return next((klass for klass in model_cls.__mro__ if name in vars(klass)), None)


class KerasProbe(PatchingProbe):
    """Counts the user's ``fit``/``predict``/``evaluate`` calls on Keras models, and variables created, during a cell."""

    def __init__(self):
        self._patches = Patches(unique=True)  # start() again, after a pause, adds only what is new
        self._depth = threading.local()
        self.reset()

    def reset(self) -> None:
        """Zero the counts (auto mode's kept probe, before its next cell)."""
        self.calls = {name: 0 for name in METHODS}
        self.variables = 0
        self.arguments: list[KerasCall] = []  # call_arguments() of the first CALLS_KEPT calls

    def start(self) -> "KerasProbe":
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
                if len(watch.arguments) < CALLS_KEPT and args:
                    try:
                        watch.arguments.append(call_arguments(name, args[0], args[1:], kwargs))
                    except Exception:  # an argument we cannot read must not cost the user the call
                        pass
            depth.level = level + 1
            try:
                return original(*args, **kwargs)
            finally:
                depth.level = level

        return wrapper

    def _wrap_init(self, original, patch):
        watch = self

        @functools.wraps(original)
        def __init__(variable, *args, **kwargs):
            original(variable, *args, **kwargs)
            # Counted once made (a constructor that raised made nothing), and only a variable made:
            # not the read of an existing one that every assign returns (creates_variable).
            if patch.active and creates_variable(variable):
                watch.variables += 1

        return __init__

    def summary(self) -> KerasCounts:
        """``{"fit": n, "predict": n, "evaluate": n, "variables": n}``."""
        calls = self.calls
        return {"fit": calls["fit"], "predict": calls["predict"], "evaluate": calls["evaluate"],
                "variables": self.variables}
