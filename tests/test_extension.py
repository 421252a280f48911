"""%load_ext / %reload_ext / %unload_ext in a real IPython shell, %config, and lazy TensorFlow."""

import subprocess
import sys
import textwrap
import warnings

import pytest
from IPython.testing.tools import AssertNotPrints, AssertPrints
from IPython.utils.capture import capture_output

import tfplotguard
from tfplotguard import guard


def _current_targets():
    return {key: vars(owner)[name] for key, (owner, name) in guard.patch_targets().items()}


@pytest.fixture
def loaded(tfcheck):
    return tfcheck


def test_load_reload_unload_restore_every_attribute(ip):
    originals = _current_targets()
    ip.run_line_magic("load_ext", "tfplotguard")
    assert guard.is_enabled()
    patched = _current_targets()
    assert all(patched[k] is not originals[k] for k in originals)

    ip.run_line_magic("load_ext", "tfplotguard")  # loading twice does not double-wrap
    assert _current_targets() == patched

    ip.run_line_magic("reload_ext", "tfplotguard")
    assert guard.is_enabled()
    rewrapped = _current_targets()
    assert all(fn.__tfplotguard_original__ is originals[k] for k, fn in rewrapped.items())

    ip.run_line_magic("unload_ext", "tfplotguard")
    assert not guard.is_enabled()
    restored = _current_targets()
    assert all(restored[k] is originals[k] for k in originals)


def test_tensor_cell_after_load_and_after_unload(ip):
    ip.run_cell("import tensorflow as tf, matplotlib.pyplot as plt, tfplotguard")
    cell = "rt = tf.ragged.constant([[1.0, 2.0], [3.0]]); plt.figure(); print('drawn', 1000 * len(plt.plot(rt)) + 7)"
    ip.run_line_magic("load_ext", "tfplotguard")
    try:
        with AssertPrints("drawn 2007"):
            ip.run_cell(cell)
    finally:
        ip.run_line_magic("unload_ext", "tfplotguard")
    with AssertNotPrints("drawn 2007"):
        result = ip.run_cell(cell, silent=True)
    # matplotlib's own behaviour, restored (RecursionError since 3.9, ValueError before)
    assert isinstance(result.error_in_exec, (RecursionError, ValueError))
    ip.run_cell("plt.close('all')")


def test_config_changes_the_dense_limit(loaded):
    loaded.run_line_magic("config", "TFPlotGuard.dense_limit_mb = 64")
    assert guard.settings()["dense_limit_mb"] == 64
    loaded.run_line_magic("config", "TFPlotGuard.dense_limit_mb = 256")
    assert guard.settings()["dense_limit_mb"] == 256


def test_config_refuses_bad_values_and_changes_nothing(loaded, caplog):
    before = guard.settings()
    loaded.run_line_magic("config", "TFPlotGuard.cache_limit_mb = -5")  # %config logs the TraitError
    assert "TFPlotGuard.cache_limit_mb must be a positive number of MiB, got -5" in caplog.text
    assert guard.settings() == before
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # refused once is enough: the reload keeps the value in use, quietly
        loaded.run_line_magic("reload_ext", "tfplotguard")
    assert guard.settings() == before
    assert loaded.config.TFPlotGuard.cache_limit_mb == before["cache_limit_mb"]


def test_a_bad_value_in_the_shells_config_is_dropped_at_load_with_a_warning(ip):
    from traitlets.config import Config

    ip.config.TFPlotGuard = Config(cache_limit_mb=-5)  # as ipython_config.py may give it
    try:
        with pytest.warns(UserWarning, match="cache_limit_mb must be a positive number of MiB, got -5.*Ignored"):
            ip.run_line_magic("load_ext", "tfplotguard")
        try:
            assert "cache_limit_mb" not in ip.config.TFPlotGuard
            assert guard.settings()["cache_limit_mb"] == 512
        finally:
            ip.run_line_magic("unload_ext", "tfplotguard")
    finally:
        ip.config.pop("TFPlotGuard", None)


def _ours(ip):
    return next(c for c in ip.configurables if type(c).__name__ == "TFPlotGuard")


def _auto(ip):
    return ip.magics_manager.registry["TFCheckMagics"].auto


def test_reload_keeps_the_settings_in_use_whether_config_or_a_magic_set_them(loaded):
    loaded.run_line_magic("config", "TFPlotGuard.auto_min_ms = 400")
    loaded.run_line_magic("config", "TFPlotGuard.dense_limit_mb = 64")
    loaded.run_line_magic("config", "TFPlotGuard.cache_limit_mb = 1024")
    loaded.run_line_magic("config", "TFPlotGuard.disabled_rules = ['numpy_in_loop']")
    loaded.run_line_magic("config", "TFPlotGuard.rule_thresholds = {'numpy_in_loop.many': 50}")
    with capture_output():
        loaded.run_line_magic("tfcheck", "on --min-ms 123")  # replaces %config's 400
        loaded.run_line_magic("tfcheck", "off")
    tfplotguard.configure(cache_limit_mb=100)  # replaces %config's 1024
    with capture_output() as cap:
        loaded.run_line_magic("reload_ext", "tfplotguard")
    config = _ours(loaded)
    assert config.auto_min_ms == 123
    assert (config.dense_limit_mb, config.cache_limit_mb) == (64, 100)
    assert guard.settings() == {"dense_limit_mb": 64, "cache_limit_mb": 100}
    assert config.disabled_rules == ["numpy_in_loop"]
    assert config.rule_thresholds == {"numpy_in_loop.many": 50}
    assert not _auto(loaded).on and cap.stdout == ""  # auto mode was off: it stays off, and nothing is said
    with capture_output() as cap:
        loaded.run_line_magic("tfcheck", "on")
    assert "123 ms or more" in cap.stdout


def test_reload_keeps_auto_mode_on_and_says_so_once(loaded):
    with capture_output():
        loaded.run_line_magic("tfcheck", "on --min-ms 0")
    try:
        with capture_output() as cap:
            loaded.run_line_magic("reload_ext", "tfplotguard")
        assert cap.stdout == ("tfcheck auto mode stays on after %reload_ext: a line after every cell "
                              "(%tfcheck off to stop)\n")
        assert _auto(loaded).on and _ours(loaded).auto_min_ms == 0
        count = len(tfplotguard.reports())
        with capture_output() as cap:
            loaded.run_cell("ran = 1")
        assert len(tfplotguard.reports()) == count + 1 and [r.kind for r in tfplotguard.reports()[count:]] == ["auto"]
        assert len(cap.outputs) == 1  # the line after the cell: auto mode works after the reload
        with capture_output() as cap:
            loaded.run_cell("ran = 2")
        assert "stays on" not in cap.stdout  # said once, at the reload
    finally:
        with capture_output():
            loaded.run_line_magic("tfcheck", "off")


def test_unload_then_load_leaves_auto_mode_off(loaded):
    with capture_output():
        loaded.run_line_magic("tfcheck", "on")
    loaded.run_line_magic("unload_ext", "tfplotguard")
    with capture_output() as cap:
        loaded.run_line_magic("load_ext", "tfplotguard")
    assert not _auto(loaded).on and cap.stdout == ""


def test_config_help_lists_the_settings(loaded):
    with AssertPrints("dense_limit_mb"):
        loaded.run_line_magic("config", "TFPlotGuard")


def _run_python(code):
    return subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True,
                          timeout=300)


def test_import_and_load_ext_never_import_tensorflow():
    result = _run_python(
        """
        import sys
        import tfplotguard
        assert "tensorflow" not in sys.modules, "import tfplotguard imported TensorFlow"
        from IPython.testing.globalipapp import start_ipython
        ip = start_ipython()
        ip.run_line_magic("load_ext", "tfplotguard")
        ip.run_cell("import matplotlib; matplotlib.use('Agg'); import matplotlib.pyplot as plt; plt.plot([1, 2])")
        ip.run_line_magic("unload_ext", "tfplotguard")
        assert "tensorflow" not in sys.modules, "%load_ext tfplotguard imported TensorFlow"
        print("OK", sorted(m for m in sys.modules if m.startswith("tensorflow")))
        """
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert "OK []" in result.stdout


def test_tensorflow_imported_after_enable_is_recognised():
    result = _run_python(
        """
        import matplotlib; matplotlib.use("Agg")
        import matplotlib.pyplot as plt
        import tfplotguard
        tfplotguard.enable()
        plt.plot([1.0, 2.0])
        import tensorflow as tf
        plt.plot(tf.ragged.constant([[1.0, 2.0], [3.0]]))
        print("conversions", tfplotguard.stats()["conversions"])
        """
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert "conversions 2" in result.stdout  # the row splits and the flat values


def test_load_warns_naming_the_magics_when_they_cannot_be_imported(ip, monkeypatch):
    import IPython

    import tfplotguard.ipython

    # A real import failure: Python refuses to import a module whose sys.modules entry is None.
    monkeypatch.delattr(tfplotguard.ipython, "magics", raising=False)
    monkeypatch.setitem(sys.modules, "tfplotguard.ipython.magics", None)
    try:
        with pytest.warns(UserWarning) as record:
            ip.run_line_magic("load_ext", "tfplotguard")
        (warning,) = [w for w in record if "tfplotguard" in str(w.message)]
        text = str(warning.message)
        assert "%tfcheck and %%tfcheck are not available" in text
        assert "importing tfplotguard.ipython.magics failed (ModuleNotFoundError: " in text
        assert f"need IPython >= 8.10 (this is IPython {IPython.__version__})" in text
        assert guard.is_enabled() and "tfcheck" not in ip.magics_manager.magics["line"]
    finally:
        ip.run_line_magic("unload_ext", "tfplotguard")
    assert not guard.is_enabled()
