"""Run a function in a forked child and bring back what it printed and how it ended."""

from __future__ import annotations

import os


def run_in_child(func) -> tuple[int, str]:
    """Fork; in the child, write ``func()``'s text to a pipe and exit. Returns (exit code, text)."""
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:
        status = 1
        try:
            os.write(write_end, func().encode())
            status = 0
        finally:
            os._exit(status)  # never return into the parent's test runner
    os.close(write_end)
    _, status = os.waitpid(pid, 0)
    with os.fdopen(read_end, "rb") as pipe:
        text = pipe.read().decode()
    return os.waitstatus_to_exitcode(status), text
