"""Which of the user's names hold arrays and tensors in containers: the host-memory view of a cell.

Scanned after a cell only when the process's resident memory grew by at
least :data:`SCAN_GROWTH` during it, so an ordinary cell pays nothing. A
holder is a user name bound to a ``list``, ``tuple``, ``dict`` (its values) or
``deque`` whose last item is an eager tensor, a ``tf.Variable`` or a NumPy
array; its bytes are the items' own (a tensor's elements × dtype size, an
array's ``nbytes``), summed over at most :data:`MAX_ITEMS` items (``complete``
False beyond). Names bound to a tensor directly are the report's ``tensors``.
"""

from __future__ import annotations

import collections
import sys
from typing import TYPE_CHECKING

from ...core.convert import EAGER, VARIABLE, kind_of

if TYPE_CHECKING:
    from ..summaries import Holder

#: A cell whose resident memory grew by at least this much gets its namespace scanned for holders.
SCAN_GROWTH = 8 << 20
#: Items summed per container (a longer one is reported with ``complete`` False).
MAX_ITEMS = 10000
_CONTAINERS = (list, tuple, dict, collections.deque)


def _item_bytes(value) -> int | None:
    """Bytes of one array or tensor, None for anything else."""
    np = sys.modules.get("numpy")
    if np is not None and isinstance(value, np.ndarray):
        return int(value.nbytes)
    if kind_of(value) in (EAGER, VARIABLE):
        try:
            return int(value.shape.num_elements() or 0) * value.dtype.size
        except Exception:
            return None
    return None


def scan(namespace: dict, limit: int = 5) -> list[Holder]:
    """The user's containers of arrays/tensors, largest first: ``{"name", "type", "items", "bytes", "complete"}``."""
    found: list[Holder] = []
    for name, value in list(namespace.items()):
        if name.startswith("_") or not isinstance(value, _CONTAINERS) or not value:
            continue
        items = list(value.values()) if isinstance(value, dict) else value
        try:
            last = items[-1]
        except Exception:
            continue
        if _item_bytes(last) is None:
            continue
        total = 0
        for i, item in enumerate(items):
            if i >= MAX_ITEMS:
                break
            total += _item_bytes(item) or 0
        found.append({"name": name, "type": type(value).__name__, "items": len(items), "bytes": total,
                      "complete": len(items) <= MAX_ITEMS})
    found.sort(key=lambda row: -row["bytes"])
    return found[:limit]
