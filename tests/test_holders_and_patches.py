"""The guard's holders (two shells, a script) and the patch helper's care for other libraries' wrappers."""

import functools
import gc
import warnings
import weakref

import matplotlib.pyplot as plt
import numpy as np
import pytest
import tensorflow as tf
from IPython.core.interactiveshell import InteractiveShell
from matplotlib.axes import Axes

import tfplotguard
from tfplotguard import TFPlotGuardWarning, guard
from tfplotguard.core import state
from tfplotguard.core.patch import Patches
from tfplotguard.ipython import extension


@pytest.fixture
def second_shell(ip):
    """A second real InteractiveShell next to the session's (IPython keeps one global instance: restore it)."""
    shell = InteractiveShell()
    yield shell
    extension.unload(shell)
    InteractiveShell._instance = ip


def test_unload_in_one_shell_keeps_the_guard_on_for_the_other(ip, second_shell):
    tfplotguard.load_ipython_extension(ip)
    tfplotguard.load_ipython_extension(second_shell)
    try:
        tfplotguard.unload_ipython_extension(second_shell)
        assert guard.is_enabled(), "the first shell still has the extension loaded"
        ip.run_cell("import tensorflow as tf, matplotlib.pyplot as plt")
        result = ip.run_cell("_rt = tf.ragged.constant([[1.0, 2.0], [3.0]]); _lines = plt.plot(_rt)")
        assert result.error_in_exec is None and len(ip.user_ns["_lines"]) == 2
    finally:
        tfplotguard.unload_ipython_extension(ip)
    assert not guard.is_enabled(), "the last shell to unload disables the guard"


def test_a_script_enable_outlives_unload(ip):
    tfplotguard.enable()
    tfplotguard.load_ipython_extension(ip)
    tfplotguard.unload_ipython_extension(ip)
    assert guard.is_enabled(), "tfplotguard.enable() before the load is the script's hold, %unload_ext keeps it"
    tfplotguard.disable()
    assert not guard.is_enabled()


def test_disable_and_enable_in_a_loaded_shell_switch_the_guard_and_unload_ends_it(ip, second_shell):
    tfplotguard.load_ipython_extension(ip)
    tfplotguard.load_ipython_extension(second_shell)
    try:
        tfplotguard.disable()
        assert not guard.is_enabled(), "disable() is the off switch, for every shell"
        tfplotguard.enable()
        assert guard.is_enabled()
        tfplotguard.unload_ipython_extension(second_shell)
        assert guard.is_enabled(), "the first shell still holds the guard"
    finally:
        tfplotguard.unload_ipython_extension(ip)
    assert not guard.is_enabled(), "enable() inside a loaded shell took no hold of its own"


def test_a_wrapper_installed_on_axes_plot_after_enable_still_works_after_disable():
    original = vars(Axes)["plot"]
    seen = []
    tfplotguard.enable()
    ours = vars(Axes)["plot"]

    @functools.wraps(ours)
    def other_library_plot(self, *args, **kwargs):
        seen.append(len(args))
        return ours(self, *args, **kwargs)

    Axes.plot = other_library_plot
    try:
        with pytest.warns(TFPlotGuardWarning, match="Axes.plot was replaced by another library"):
            tfplotguard.disable()
        assert vars(Axes)["plot"] is other_library_plot, "disable() must not clobber the other library's wrapper"
        assert not guard.is_enabled()
        _, ax = plt.subplots()
        stats = tfplotguard.stats()
        (line,) = ax.plot(np.arange(3.0), [1.0, 2.0, 4.0])
        np.testing.assert_array_equal(line.get_ydata(), [1.0, 2.0, 4.0])
        assert seen == [2], "the other library's wrapper still runs"
        ax.plot(tf.constant([1.0, 2.0]))  # our wrapper, still in its chain, passes straight through
        assert tfplotguard.stats()["calls"] == stats["calls"]
    finally:
        Axes.plot = original  # the other library "uninstalls" too: the leak guard wants the original back


def test_patches_restore_in_reverse_and_delete_nothing_they_did_not_add():
    class Owner:
        def f(self):
            return "original"

    patches = Patches()
    patches.install(Owner, "f", lambda original, patch: lambda self: "first " + original(self))
    patches.install(Owner, "f", lambda original, patch: lambda self: "second " + original(self))
    assert patches.install(Owner, "missing", lambda original, patch: None) is None
    assert Owner().f() == "second first original"
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert patches.restore() == []
    assert Owner().f() == "original" and not hasattr(Owner, "missing")


def test_a_restored_patch_and_its_wrapper_are_freed_without_the_cyclic_collector():
    # The wrapper's closure holds its patch; were the patch to keep holding the wrapper, every
    # measured cell would leave ~150 objects of cyclic garbage (a full collection every ~1000 cells).
    class Owner:
        def f(self):
            return "original"

    def make(original, patch):
        def wrapper(self):
            return original(self) if not patch.active else "wrapped"
        return wrapper

    gc.disable()
    try:
        patches = Patches()
        patch = patches.install(Owner, "f", make)
        wrapper = weakref.ref(patch.wrapper)
        del patch
        assert Owner().f() == "wrapped"
        patches.restore()
        assert Owner().f() == "original"
        assert wrapper() is None
    finally:
        gc.enable()


def test_state_reset_puts_every_process_singleton_back():
    tfplotguard.enable()
    tfplotguard.configure(dense_limit_mb=1)
    assert {"guard", "settings", "sampler thread", "proc reader", "report history", "live counters"} <= set(state.owned())
    state.reset()
    assert not guard.is_enabled()
    assert tfplotguard.settings() == {"dense_limit_mb": 256.0, "cache_limit_mb": 512.0}
    assert tfplotguard.stats()["calls"] == 0 and tfplotguard.reports() == []


def test_a_unique_stack_holds_an_attribute_once_and_a_paused_one_passes_through_until_resumed():
    class Owner:
        def f(self):
            return "original"

    def make(original, patch):
        return lambda self: "wrapped" if patch.active else original(self)

    patches = Patches(unique=True)
    first = patches.install(Owner, "f", make)
    assert patches.install(Owner, "f", make) is first and len(patches) == 1
    wrapper = vars(Owner)["f"]
    patches.pause()
    assert vars(Owner)["f"] is wrapper and Owner().f() == "original"
    patches.resume()
    assert Owner().f() == "wrapped"
    patches.restore()
    assert Owner().f() == "original" and vars(Owner)["f"] is not wrapper
