"""A real IPython shell with tfplotguard loaded, for a benchmark's child process (``fixes``, ``overhead``)."""

from __future__ import annotations

import os


def loaded_shell(*extensions: str):
    """``InteractiveShell.instance()`` on matplotlib's Agg, with each of ``extensions`` loaded, their output captured."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    import matplotlib

    matplotlib.use("Agg")
    from IPython.core.interactiveshell import InteractiveShell
    from IPython.utils.capture import capture_output

    shell = InteractiveShell.instance()
    with capture_output():
        for extension in extensions:
            shell.run_line_magic("load_ext", extension)
    return shell
