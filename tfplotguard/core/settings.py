"""The settings every layer reads: the dense-result limit and the cache's byte bound, with their validation.

Plain Python, no traitlets: ``tfplotguard.configure()`` from a script and
``%config TFPlotGuard.x = ...`` (``ipython/config.py``) both end here, so a
value is checked by one rule whichever way it arrives.
"""

from __future__ import annotations

import threading

from . import state

DEFAULT_DENSE_LIMIT_BYTES = 256 * 2**20
DEFAULT_CACHE_LIMIT_BYTES = 512 * 2**20

NAMES = ("dense_limit_mb", "cache_limit_mb")


def is_valid_mib(value) -> bool:
    """True for a positive, finite number of MiB (``True``/``False`` are not numbers here)."""
    return not isinstance(value, bool) and isinstance(value, (int, float)) and 0 < value < float("inf")


def mib_to_bytes(name: str, value) -> int:
    """``value`` MiB in bytes; ValueError naming ``name`` unless :func:`is_valid_mib`."""
    if not is_valid_mib(value):
        raise ValueError(f"tfplotguard: {name} must be a positive number of MiB, got {value!r}; nothing was changed.")
    return int(value * 2**20)


class Settings:
    """The limits in force, in bytes; observers hear of every change (the guard resizes its cache)."""

    def __init__(self):
        self._lock = threading.Lock()
        self._observers: list = []
        self.reset()

    def reset(self):
        """Back to the defaults (observers are told)."""
        with self._lock:
            self.dense_limit_bytes = DEFAULT_DENSE_LIMIT_BYTES
            self.cache_limit_bytes = DEFAULT_CACHE_LIMIT_BYTES
        self._notify()

    def observe(self, callback):
        """Call ``callback(settings)`` after every change."""
        self._observers.append(callback)

    def configure(self, dense_limit_mb=None, cache_limit_mb=None):
        """Change settings; every value is checked before any is applied."""
        updates = {name: mib_to_bytes(name, value)
                   for name, value in zip(NAMES, (dense_limit_mb, cache_limit_mb)) if value is not None}
        with self._lock:
            self.dense_limit_bytes = updates.get("dense_limit_mb", self.dense_limit_bytes)
            self.cache_limit_bytes = updates.get("cache_limit_mb", self.cache_limit_bytes)
        if updates:
            self._notify()

    def as_mib(self) -> dict:
        """The current settings in MiB."""
        return {"dense_limit_mb": self.dense_limit_bytes / 2**20, "cache_limit_mb": self.cache_limit_bytes / 2**20}

    def _notify(self):
        for callback in self._observers:
            callback(self)


#: The process's settings (matplotlib is process-wide, so is what the guard does to it).
SETTINGS = state.own("settings", Settings())
