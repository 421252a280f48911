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

A stack can also be *paused*: its wrappers stay in place but pass every call
through until :meth:`Patches.resume` (auto mode keeps its probes installed
between cells this way: flipping a flag costs far less than a wrapper made and
installed anew each cell). Installing an attribute the stack already holds is a
no-op in a ``Patches(unique=True)`` stack, so a probe's ``start()`` run again
adds only what was imported since.
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

    def __init__(self, unique: bool = False):
        """``unique``: hold each attribute once; installing one already held returns its patch (a
        kept probe's ``start()`` run again wraps only what was imported since)."""
        self._stack: list[Patch] = []
        self.unique = unique

    def __len__(self):
        return len(self._stack)

    def install(self, owner, name: str, make_wrapper) -> Patch | None:
        """Replace ``owner.name`` by ``make_wrapper(original, patch)``; None if ``owner`` has no such attribute.

        ``original`` is the object in ``vars(owner)`` (a ``classmethod``
        stays a ``classmethod``); the wrapper must call it directly while
        ``patch.active`` is False.
        """
        if self.unique:
            for patch in self._stack:
                if patch.owner is owner and patch.name == name:
                    return patch
        original = vars(owner).get(name, ABSENT)
        if original is ABSENT:
            return None
        patch = Patch(owner, name, original)
        patch.wrapper = make_wrapper(original, patch)
        setattr(owner, name, patch.wrapper)
        self._stack.append(patch)
        return patch

    def pause(self) -> None:
        """Leave every wrapper in place, passing calls straight through, until :meth:`resume`."""
        for patch in self._stack:
            patch.active = False

    def resume(self) -> None:
        """Make every wrapper of the stack count again (after :meth:`pause`)."""
        for patch in self._stack:
            patch.active = True

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


class PatchingProbe:
    """A probe counting through the wrappers of its own :class:`Patches` stack, ``self._patches``.

    ``start()`` wraps what is loaded (again: only what is new), ``stop()``
    restores; in between a kept probe (auto mode) is paused and resumed.
    """

    _patches: Patches

    def start(self) -> object:
        """Wrap what is loaded (each probe its own); what it returns is the probe's."""
        raise NotImplementedError

    def pause(self) -> None:
        """Stop counting; the wrappers stay in place and pass every call through until :meth:`resume`."""
        self._patches.pause()

    def resume(self, rescan: bool = True) -> None:
        """Count again with the kept wrappers; ``rescan``: also wrap what was imported since (``start()``)."""
        self._patches.resume()
        if rescan:
            self.start()


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
