"""The process-wide pieces, in one list, with one ``reset()``.

matplotlib, the ``/proc`` files, the sampler thread and the report history
exist once per process, whichever shell (or script) uses them. Each such
singleton is created by the module that defines its class and registered
here with :func:`own` at import time; this module sits at the bottom of the
layers, so every layer can register without importing upward. Tests call
:func:`reset` instead of reaching into modules. The list is in registration
order and reset in reverse, the order an unwinding stack would use.
"""

from __future__ import annotations

from typing import Any

_OWNED: dict[str, Any] = {}  # name → a singleton with a reset() method


def own(name: str, singleton):
    """Register a process-wide ``singleton`` (anything with a ``reset()`` method) under ``name``; returns it."""
    if not callable(getattr(singleton, "reset", None)):
        raise TypeError(f"process state {name!r} needs a reset() method")
    _OWNED[name] = singleton
    return singleton


def owned() -> dict[str, Any]:
    """The registered singletons by name, in registration order."""
    return dict(_OWNED)


def reset() -> None:
    """Put every registered singleton back to its just-imported state, newest first."""
    for singleton in reversed(list(_OWNED.values())):
        singleton.reset()
