"""Test seams for code paths this machine's hardware cannot reach."""

from contextlib import contextmanager

from .core import convert


@contextmanager
def simulate_accelerator(device_marker: str = "CPU:1"):
    """Treat tensors whose device contains ``device_marker`` as accelerator tensors.

    With the CPU split into two logical devices, tensors placed on ``CPU:1``
    then take the accelerator path for real: one host copy (``.numpy()``),
    cached across calls and counted under that device, exactly as a GPU
    tensor would be. Used by the tests; CI has no GPU.
    """
    convert._simulated_accelerators.add(device_marker)
    try:
        yield
    finally:
        convert._simulated_accelerators.discard(device_marker)
