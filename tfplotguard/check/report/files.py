"""Where ``--html`` / ``--json`` / ``--trace`` write: a path checked before the cell runs, a write that loses nothing.

The rules: a file that exists is replaced only if it is a regular file (a
symbolic link is followed and its target replaced); a directory, a device, a
pipe, a missing folder or one we may not write to is refused with what is
wrong, before the cell runs when it can be told then. The write itself goes to
a new file in the same folder, renamed over the target at the end, so a failed
write (disk full, the folder removed while the cell ran) leaves the old file as
it was.
"""

from __future__ import annotations

import os
import shutil
import uuid
from pathlib import Path

__all__ = ["checked_target", "write_text"]


def checked_target(path: str, flag: str = "the output") -> Path:
    """``path`` resolved (``~`` expanded, links followed), or ``ValueError`` saying why it cannot be written."""
    if not str(path).strip():
        raise ValueError(f"{flag} needs a file name")
    resolved = Path(path).expanduser().resolve()
    if resolved.is_dir():
        raise ValueError(f"{flag} {path}: is a directory; give a file name, e.g. {Path(path) / 'report'}")
    if resolved.exists():
        if not resolved.is_file():
            raise ValueError(f"{flag} {path}: exists and is not a regular file (a device, pipe or socket): "
                             "only a regular file is overwritten")
        if not os.access(resolved, os.W_OK):
            raise ValueError(f"{flag} {path}: the file exists and is not writable")
    parent = resolved.parent
    if not parent.is_dir():
        raise ValueError(f"{flag} {path}: the folder {parent} does not exist")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise ValueError(f"{flag} {path}: the folder {parent} is not writable")
    return resolved


def write_text(path: str | os.PathLike[str], text: str, flag: str = "the output") -> Path:
    """Write ``text`` (UTF-8) to ``path`` by way of a new file renamed over it; the path written, resolved.

    ``path`` is checked again (:func:`checked_target`): it may have changed while the cell ran.
    """
    target = checked_target(os.fspath(path), flag)
    partial = target.with_name(f".{target.name}.{os.getpid()}.{uuid.uuid4().hex[:8]}.tmp")
    # os.open with mode 0o666: the new file gets the permissions the user's umask gives any new file.
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
        if target.exists():
            shutil.copymode(target, partial)  # replacing a file keeps its permissions
        os.replace(partial, target)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    return target
