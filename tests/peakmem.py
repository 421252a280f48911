"""The process's peak resident set, as the memory tests read it (Linux's VmHWM, which a process may reset)."""

from __future__ import annotations

import sys


def hwm_resettable() -> bool:
    """Reset this process's RSS high-water mark (VmHWM) through clear_refs; False where Linux does not let it."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
        return True
    except OSError:
        return False


def status_kib(field: str) -> int:
    """A ``/proc/self/status`` field in KiB (``VmRSS``, ``VmHWM``)."""
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise KeyError(field)
