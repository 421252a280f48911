"""The one error tfplotguard raises on purpose, and the one warning class it issues."""


class TensorPlotError(Exception):
    """A TensorFlow value that cannot be handed to matplotlib, with the reason and the fix.

    Raised for symbolic tensors (no value exists yet) and for sparse or ragged
    values whose dense form would exceed the configured memory limit. Every
    other problem inside the guard fails open instead (see ``guard.py``).
    """


class TFPlotGuardWarning(UserWarning):
    """tfplotguard fell back to matplotlib's own handling, or left another library's change alone."""
