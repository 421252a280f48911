"""Shared fixtures: real TensorFlow (CPU, split into two logical devices), Agg, a real IPython shell.

The autouse ``leak_guard`` checks after every test that matplotlib is exactly
as it was before tfplotguard touched it and that no tfplotguard event
callback, magic or configurable is left in the shell.
"""

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("MPLBACKEND", "Agg")

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402

import tensorflow as tf  # noqa: E402

# Two logical CPU devices, so per-device behaviour (MirroredStrategy,
# PerReplica, op placement, the simulated-accelerator seam) runs without a GPU.
# This must happen before TensorFlow initialises its devices.
_cpus = tf.config.list_physical_devices("CPU")
try:
    tf.config.set_logical_device_configuration(
        _cpus[0], [tf.config.LogicalDeviceConfiguration()] * 2
    )
except RuntimeError:  # devices already initialised by an earlier import
    pass

from tfplotguard import guard as _guard  # noqa: E402
from tfplotguard.check.cpu.ticker import TICKER  # noqa: E402
from tfplotguard.core import state  # noqa: E402
from mpl_targets import snapshot_patch_targets  # noqa: E402


_snapshot_patch_targets = snapshot_patch_targets


_ORIGINALS = _snapshot_patch_targets()


@pytest.fixture(scope="session")
def ip():
    """A real IPython InteractiveShell (IPython's own test shell)."""
    from IPython.testing.globalipapp import start_ipython

    shell = start_ipython()
    return shell


@pytest.fixture
def tfcheck(ip):
    """The extension loaded into the shared shell for one test, with an empty report history.

    Afterwards it is unloaded, and the names the test added to the user namespace are removed.
    """
    names_before = set(ip.user_ns)
    state.reset()
    ip.run_line_magic("load_ext", "tfplotguard")
    try:
        yield ip
    finally:
        ip.run_line_magic("unload_ext", "tfplotguard")
        ip.config.pop("TFPlotGuard", None)  # the settings a test chose, kept there by the unload for the next load
        for name in set(ip.user_ns) - names_before:
            if not name.startswith("_"):  # IPython's own history names (_i3, _3, …) stay
                del ip.user_ns[name]
        for unders in ("_", "__", "___"):
            # A cell's `for _ in …` makes `_` the user's, and IPython then stops storing results in it.
            if unders in ip.user_ns and ip.user_ns[unders] is not getattr(ip.displayhook, unders):
                ip.user_ns[unders] = getattr(ip.displayhook, unders)
        state.reset()


@pytest.fixture
def guarded():
    """The guard enabled for one test, with fresh statistics and cache."""
    state.reset()
    _guard.enable()
    try:
        yield _guard
    finally:
        _guard.disable()


@pytest.fixture(autouse=True)
def leak_guard(request):
    """After every test: matplotlib restored exactly, nothing of ours left in the shell."""
    yield
    plt.close("all")
    assert not _guard.is_enabled(), "a test left the guard enabled"
    assert not TICKER.busy, "a measurement was left attached to the sampler thread"
    # The sampler thread, /proc files, counters and history are kept by design: each test starts without them.
    state.reset()
    assert _snapshot_patch_targets() == _ORIGINALS, "matplotlib attributes differ from the originals"
    if "ip" in request.fixturenames:
        shell = request.getfixturevalue("ip")
        for event, callbacks in shell.events.callbacks.items():
            leftovers = [cb for cb in callbacks if "tfplotguard" in getattr(cb, "__module__", "") or ""]
            assert not leftovers, f"tfplotguard callbacks left on {event}: {leftovers}"
        assert not [t for t in shell.input_transformers_cleanup if "tfplotguard" in getattr(t, "__module__", "")], \
            "tfplotguard input transformer left registered"
        assert not [t for t in shell.input_transformers_post if "tfplotguard" in getattr(t, "__module__", "")], \
            "tfplotguard input post-transformer left registered"
        assert not [t for t in shell.ast_transformers if type(t).__module__.startswith("tfplotguard")], \
            "tfplotguard AST transformer left registered"
        for kind in ("line", "cell"):
            assert "tfcheck" not in shell.magics_manager.magics[kind], "tfcheck magic left registered"
        assert not any(
            type(c).__module__.startswith("tfplotguard") for c in shell.configurables
        ), "tfplotguard configurable left registered"
