"""The one error tfplotguard raises on purpose."""


class TensorPlotError(Exception):
    """A TensorFlow value that cannot be handed to matplotlib, with the reason and the fix.

    Raised for symbolic tensors (no value exists yet) and for sparse or ragged
    values whose dense form would exceed the configured memory limit. Every
    other problem inside the guard fails open instead (see ``guard.py``).
    """
