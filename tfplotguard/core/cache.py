"""The convert-once cache: host arrays of immutable eager tensors, weakly keyed, byte-bounded.

An entry lives exactly as long as its tensor: a weak reference with a
callback removes it when the tensor is freed, so the cache never keeps a
tensor alive and an ``id`` is never served for a different object. Only
copied bytes (accelerator copies, dtype casts) count against the bound: a
CPU view shares the tensor's own memory, which lives anyway while the entry
does. Least recently used entries are evicted first. Arrays are read-only so
nobody can poison the cache through an array they were handed.
"""

from __future__ import annotations

import threading
import weakref
from collections import OrderedDict

from .settings import DEFAULT_CACHE_LIMIT_BYTES


class ConvertCache:
    """Maps a live tensor to its read-only host array."""

    def __init__(self, limit_bytes: int = DEFAULT_CACHE_LIMIT_BYTES):
        self.limit_bytes = limit_bytes
        self._entries: OrderedDict[int, tuple[weakref.ref, object, int]] = OrderedDict()
        self._bytes = 0
        # Re-entrant: a weakref callback can fire (a tensor freed by GC) while this thread holds the lock.
        self._lock = threading.RLock()

    def get(self, tensor):
        """The cached array of ``tensor``, or None."""
        key = id(tensor)
        with self._lock:
            entry = self._entries.get(key)
            if entry is None or entry[0]() is not tensor:
                return None
            self._entries.move_to_end(key)
            return entry[1]

    def put(self, tensor, array, nbytes: int) -> bool:
        """Remember ``array`` for ``tensor``, counting ``nbytes`` of owned memory; False if it cannot fit."""
        if nbytes > self.limit_bytes:
            return False
        key = id(tensor)
        try:
            ref = weakref.ref(tensor, lambda _ref: self._forget(key, _ref))
        except TypeError:  # not weak-referenceable: never cached
            return False
        with self._lock:
            old = self._entries.pop(key, None)
            if old is not None:
                self._bytes -= old[2]
            self._entries[key] = (ref, array, nbytes)
            self._bytes += nbytes
            while self._bytes > self.limit_bytes and self._entries:
                _, (_, _, evicted) = self._entries.popitem(last=False)
                self._bytes -= evicted
        return True

    def _forget(self, key, ref):
        with self._lock:
            entry = self._entries.get(key)
            if entry is not None and entry[0] is ref:
                del self._entries[key]
                self._bytes -= entry[2]

    def clear(self):
        """Drop every entry."""
        with self._lock:
            self._entries.clear()
            self._bytes = 0

    def set_limit(self, limit_bytes: int):
        """Change the byte bound, evicting at once what no longer fits."""
        with self._lock:
            self.limit_bytes = limit_bytes
            while self._bytes > limit_bytes and self._entries:
                _, (_, _, evicted) = self._entries.popitem(last=False)
                self._bytes -= evicted

    @property
    def nbytes(self) -> int:
        """Owned bytes held now."""
        return self._bytes

    def __len__(self):
        return len(self._entries)
