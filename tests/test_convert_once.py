"""The convert-once promise, counted: per call, across calls, variables, cache lifetime and bound."""

import gc
import warnings
import weakref

import matplotlib.pyplot as plt
import numpy as np
import pytest
import tensorflow as tf

import tfplotguard
from tfplotguard import guard
from tfplotguard.testing import simulate_accelerator


def _conversions():
    return tfplotguard.stats()["conversions"]


def test_same_tensor_twice_in_one_call_is_one_conversion(guarded):
    t = tf.range(10.0)
    _, ax = plt.subplots()
    ax.plot(t, t)
    assert _conversions() == 1


def test_same_tensor_in_a_second_call_is_a_cache_hit(guarded):
    t = tf.range(10.0)
    _, ax = plt.subplots()
    ax.plot(t)
    ax.plot(t)
    stats = tfplotguard.stats()
    assert stats["conversions"] == 1 and stats["cache_hits"] == 1


def test_variable_is_converted_once_per_call_and_never_cached(guarded):
    v = tf.Variable(tf.range(10.0))
    _, ax = plt.subplots()
    ax.plot(v, v)
    ax.plot(v)
    v.assign_add(tf.ones(10))
    line = ax.plot(v)[0]
    stats = tfplotguard.stats()
    assert stats["conversions"] == 3 and stats["cache_hits"] == 0
    np.testing.assert_array_equal(line.get_ydata(), np.arange(10.0) + 1)


def test_deleting_the_tensor_frees_its_cache_entry(guarded):
    t = tf.random.normal((100,))
    ref = weakref.ref(t)
    _, ax = plt.subplots()
    ax.plot(t)
    assert tfplotguard.stats()["cache_entries"] == 1
    del t
    gc.collect()
    assert ref() is None, "the guard keeps the tensor alive"
    assert tfplotguard.stats()["cache_entries"] == 0


def test_cpu_tensor_counted_with_zero_cache_bytes_and_its_device(guarded):
    t = tf.zeros((256,), tf.float32)
    plt.subplots()[1].plot(t)
    stats = tfplotguard.stats()
    assert stats["bytes_by_device"] == {"CPU:0": 1024}
    assert stats["cache_bytes"] == 0  # a view owns no memory of its own


def test_accelerator_path_copies_once_and_serves_from_cache(guarded):
    with tf.device("/cpu:1"):
        t = tf.random.normal((1000,))
    assert t.device.endswith("CPU:1")
    with simulate_accelerator("CPU:1"):
        _, ax = plt.subplots()
        first = ax.plot(t, t)[0]
        second = ax.plot(t)[0]
    stats = tfplotguard.stats()
    assert stats["conversions"] == 1 and stats["cache_hits"] == 1
    assert stats["bytes_by_device"] == {"CPU:1": 4000}
    assert stats["cache_bytes"] == 4000  # a real host copy is held
    cached = guard.GUARD.cache.get(t)
    assert cached.flags.owndata and not cached.flags.writeable
    assert not np.shares_memory(cached, np.asarray(t))
    np.testing.assert_array_equal(first.get_ydata(), t.numpy())
    np.testing.assert_array_equal(second.get_ydata(), t.numpy())


def test_cache_never_exceeds_its_bound(guarded):
    tfplotguard.configure(cache_limit_mb=1)
    try:
        keep = []
        _, ax = plt.subplots()
        with tf.device("/cpu:1"), simulate_accelerator("CPU:1"):
            for _ in range(12):
                t = tf.random.normal((100_000,))  # 400 kB each
                keep.append(t)
                ax.plot(t)
                assert tfplotguard.stats()["cache_bytes"] <= 2**20
        stats = tfplotguard.stats()
        assert stats["cache_entries"] == 2  # 2 × 400 kB fit under 1 MiB
        assert stats["conversions"] == 12
        # The most recent tensor is still served from the cache; the oldest was evicted.
        with simulate_accelerator("CPU:1"):
            ax.plot(keep[-1])
            assert tfplotguard.stats()["cache_hits"] == 1
            ax.plot(keep[0])
            assert tfplotguard.stats()["conversions"] == 13
    finally:
        tfplotguard.configure(cache_limit_mb=512)


def test_cached_arrays_are_read_only(guarded):
    t = tf.range(5.0)
    line = plt.subplots()[1].plot(t)[0]
    with pytest.raises(ValueError, match="read-only"):
        guard.GUARD.cache.get(t)[0] = 99.0
    assert line.get_ydata()[0] == 0.0


def test_fail_open_draws_from_original_arguments_and_warns_once(guarded, monkeypatch):
    from tfplotguard.core.convert import Converter

    calls = {"n": 0}
    real = Converter._dispatch

    def broken_once(self, value, kind):
        calls["n"] += 1
        if calls["n"] == 1:
            raise RuntimeError("injected converter bug")
        return real(self, value, kind)

    monkeypatch.setattr(Converter, "_dispatch", broken_once)
    t = tf.constant([3.0, 1.0, 2.0])
    _, ax = plt.subplots()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        line = ax.plot(t)[0]  # matplotlib's own path draws from the tensor itself
        calls["n"] = 0
        ax.plot(t)  # fails again: same entry point, same error → no second warning
        # (matplotlib < 3.9 hands the raw tensor on to patched setters, which still convert it)
        before = tfplotguard.stats()
        ax.plot(t)  # and the next call converts normally
    ours = [w for w in caught if issubclass(w.category, guard.TFPlotGuardWarning)]
    assert len(ours) == 1
    assert "injected converter bug" in str(ours[0].message) and "Axes.plot" in str(ours[0].message)
    np.testing.assert_array_equal(line.get_ydata(), [3.0, 1.0, 2.0])
    after = tfplotguard.stats()
    assert after["errors"] == before["errors"] == 2
    assert after["conversions"] + after["cache_hits"] - before["conversions"] - before["cache_hits"] == 1


def test_tensor_plot_error_is_not_swallowed_by_fail_open(guarded):
    st = tf.sparse.SparseTensor([[0, 0]], [1.0], [100_000, 100_000])
    _, ax = plt.subplots()
    with pytest.raises(tfplotguard.TensorPlotError):
        ax.imshow(st)
    assert tfplotguard.stats()["errors"] == 0
    ax.spy(st)  # drawn from the indices, never densified


def test_numpy_only_calls_are_untouched(guarded):
    x = np.arange(5.0)
    line = plt.subplots()[1].plot(x)[0]
    np.testing.assert_array_equal(line.get_ydata(), x)
    stats = tfplotguard.stats()
    assert stats["calls"] == 0 and stats["conversions"] == 0


def test_enable_twice_does_not_double_wrap():
    tfplotguard.enable()
    try:
        first = {k: vars(o)[n] for k, (o, n) in guard.patch_targets().items()}
        tfplotguard.enable()
        second = {k: vars(o)[n] for k, (o, n) in guard.patch_targets().items()}
        assert first == second
        assert all(fn.__tfplotguard_original__.__name__ != "tfplotguard_entry_point" for fn in first.values())
    finally:
        tfplotguard.disable()


def test_disable_restores_identical_originals():
    originals = {k: vars(o)[n] for k, (o, n) in guard.patch_targets().items()}
    assert len(originals) > 80
    tfplotguard.enable()
    assert all(vars(o)[n] is not originals[k] for k, (o, n) in guard.patch_targets().items())
    tfplotguard.disable()
    tfplotguard.disable()  # idempotent
    assert all(vars(o)[n] is originals[k] for k, (o, n) in guard.patch_targets().items())


def test_pyplot_from_a_worker_thread_warns_once_per_thread(guarded):
    import threading

    def use_pyplot():
        plt.figure()
        plt.plot([1, 2])
        plt.gca()

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for _ in range(2):
            worker = threading.Thread(target=use_pyplot, name="plotter")
            worker.start()
            worker.join()
        plt.subplots()[1].plot([3, 4])  # the main thread: no warning
    ours = [w for w in caught if issubclass(w.category, guard.TFPlotGuardWarning)]
    assert len(ours) == 2  # once for each of the two threads
    assert "thread 'plotter'" in str(ours[0].message) and "matplotlib.figure.Figure()" in str(ours[0].message)
    assert tfplotguard.stats()["pyplot_thread_calls"] >= 6


def test_object_oriented_matplotlib_in_a_thread_does_not_warn(guarded):
    import threading

    from matplotlib.figure import Figure

    def draw():
        fig = Figure()
        fig.subplots().plot(tf.range(3.0))

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        worker = threading.Thread(target=draw)
        worker.start()
        worker.join()
    assert not [w for w in caught if issubclass(w.category, guard.TFPlotGuardWarning)]
    assert tfplotguard.stats()["pyplot_thread_calls"] == 0


def test_fail_open_also_covers_the_argument_scan(guarded, monkeypatch):
    class ScanBug(Exception):  # its own type: warnings are once per entry point and error type
        pass

    def broken_scan(args, kwargs):
        raise ScanBug("injected scan bug")

    ax = plt.subplots()[1]
    monkeypatch.setattr(guard.wrapper, "_holds_tf_value", broken_scan)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        line = ax.plot(tf.constant([1.0, 2.0]))[0]  # plot's inner setters fail open too
    plot_warnings = [w for w in caught if "Axes.plot" in str(w.message)]
    assert len(plot_warnings) == 1 and "injected scan bug" in str(plot_warnings[0].message)
    np.testing.assert_array_equal(line.get_ydata(), [1.0, 2.0])
    assert tfplotguard.stats()["errors"] >= 1
