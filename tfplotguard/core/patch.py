"""The one way tfplotguard replaces an attribute of another library, and puts it back.

A :class:`Patches` object is a stack of :class:`Patch` records ``(owner,
name, original, wrapper)`` restored in reverse order (line_profiler's
``_PatchDict`` pattern). On restore each attribute is checked: if it is
still our wrapper, the identical original object goes back. If another
library has replaced it since (typically by wrapping our wrapper), that
library's object stays where it is, so its wrapper keeps working; our
wrapper, still inside its chain, turns into a pass-through (every wrapper
made here checks ``patch.active`` first and then just calls the original).
That case is reported with one :class:`~tfplotguard.core.errors.TFPlotGuardWarning`
per attribute and process, so a long session does not repeat it.
"""

from __future__ import annotations

import functools
import threading
import warnings

from . import state
from .errors import TFPlotGuardWarning

#: Marks "the owner has no such attribute of its own" (nothing is patched then).
ABSENT = object()


class _Warned(set):
    """Labels already warned about (process state: once per attribute and process)."""

    def reset(self):
        """Warn again about every attribute."""
        self.clear()


_warned = state.own("patch warnings", _Warned())
_warned_lock = threading.Lock()


class Patch:
    """One replaced attribute; ``active`` is False once restored (a left-behind wrapper passes through)."""

    __slots__ = ("owner", "name", "original", "wrapper", "active")

    def __init__(self, owner, name: str, original):
        self.owner, self.name, self.original = owner, name, original
        self.wrapper = None
        self.active = True

    @property
    def label(self) -> str:
        """``module.Owner.name`` of the patched attribute."""
        owner = self.owner
        if isinstance(owner, type):
            return f"{owner.__module__}.{owner.__qualname__}.{self.name}"
        return f"{getattr(owner, '__name__', type(owner).__name__)}.{self.name}"


class Patches:
    """A stack of patches of other libraries' attributes, restored in reverse order."""

    def __init__(self):
        self._stack: list[Patch] = []

    def __len__(self):
        return len(self._stack)

    def install(self, owner, name: str, make_wrapper) -> Patch | None:
        """Replace ``owner.name`` by ``make_wrapper(original, patch)``; None if ``owner`` has no such attribute.

        ``original`` is the object in ``vars(owner)`` (a ``classmethod``
        stays a ``classmethod``); the wrapper must call it directly while
        ``patch.active`` is False.
        """
        original = vars(owner).get(name, ABSENT)
        if original is ABSENT:
            return None
        patch = Patch(owner, name, original)
        patch.wrapper = make_wrapper(original, patch)
        setattr(owner, name, patch.wrapper)
        self._stack.append(patch)
        return patch

    def restore(self) -> list[str]:
        """Undo every patch, newest first; returns the labels of attributes left to another library's wrapper."""
        kept = []
        while self._stack:
            patch = self._stack.pop()
            patch.active = False
            if vars(patch.owner).get(patch.name, ABSENT) is patch.wrapper:
                setattr(patch.owner, patch.name, patch.original)
            else:
                kept.append(patch.label)
            # The wrapper's closure holds the patch: dropping this side of the cycle lets reference
            # counting free both, so a measured cell leaves no garbage for the cyclic collector.
            patch.wrapper = None
        for label in kept:
            _warn_kept(label)
        return kept


def _warn_kept(label: str) -> None:
    with _warned_lock:
        first = label not in _warned
        _warned.add(label)
    if first:
        warnings.warn(
            f"{label} was replaced by another library after tfplotguard patched it; that replacement was "
            "left in place and tfplotguard's wrapper inside it now passes every call straight through. "
            "(Shown once per attribute.)",
            TFPlotGuardWarning,
            stacklevel=4,
        )


def counting_init(original, patch, count):
    """A wrapper for ``__init__`` that calls ``count()`` once an object was made, while ``patch`` is active."""

    @functools.wraps(original)
    def wrapper(*args, **kwargs):
        original(*args, **kwargs)
        if patch.active:  # counted once made: a constructor that raised made nothing
            count()

    return wrapper
