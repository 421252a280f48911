"""Bad configuration and bad magic arguments: a clear message, and nothing changes.

"Nothing changes" is checked against a fingerprint of everything tfplotguard
could touch: its settings and counters, every patched matplotlib attribute,
the shell's event callbacks, magics and configurables, the user namespace,
the report history, auto mode, and the running threads. (A value refused by
``%config`` still lands in IPython's own config object — a documented
departure in docs/development.md — so ``ip.config`` is not part of the fingerprint.)
"""

from __future__ import annotations

import logging
import threading

import pytest
import tensorflow as tf
from IPython.core.error import UsageError
from IPython.utils.capture import capture_output

import tfplotguard
from tfplotguard import guard as _guard
from tfplotguard.check import report as _report


def _assert_config_tells_the_truth(ip):
    """What ``%config TFPlotGuard`` reports as current is what the guard uses.

    Read only after the command under test: reading a trait materialises its default.
    """
    ours = [c for c in ip.configurables if type(c).__name__ == "TFPlotGuard"]
    assert ours, "the TFPlotGuard configurable is not registered"
    for configurable in ours:
        shown = {name: getattr(configurable, name) for name in ("dense_limit_mb", "cache_limit_mb")}
        assert shown == tfplotguard.settings(), f"%config shows {shown}, the guard uses {tfplotguard.settings()}"


def _fingerprint(ip):
    registry = ip.magics_manager.registry.get("TFCheckMagics")
    return {
        "settings": tfplotguard.settings(),
        "stats": tfplotguard.stats(),
        "attributes": {key: id(vars(owner).get(name)) for key, (owner, name) in _guard.patch_targets().items()},
        "events": {name: list(callbacks) for name, callbacks in ip.events.callbacks.items()},
        # IPython loads its own magics lazily (a first %config replaces placeholders): names only
        "magics": {kind: sorted(table) for kind, table in ip.magics_manager.magics.items()},
        "tfcheck": [id(getattr(ip.magics_manager.magics[kind].get("tfcheck"), "__self__", None))
                    for kind in ("line", "cell")],
        "configurables": [id(c) for c in ip.configurables if type(c).__module__.startswith("tfplotguard")],
        "user_ns": sorted(ip.user_ns),
        "reports": len(_report.reports()),
        "auto_on": getattr(registry, "auto_on", None),
        "threads": sorted(t.name for t in threading.enumerate()),
    }


@pytest.fixture
def loaded(tfcheck):
    yield tfcheck
    tfcheck.config.pop("TFPlotGuard", None)  # refused %config values land there (see the docstring)


# -- the Python API ------------------------------------------------------------------------------

BAD_CONFIGURE = [
    ({"dense_limit_mb": -1}, "dense_limit_mb", "-1"),
    ({"cache_limit_mb": 0}, "cache_limit_mb", "0"),
    ({"dense_limit_mb": float("nan")}, "dense_limit_mb", "nan"),
    ({"cache_limit_mb": float("inf")}, "cache_limit_mb", "inf"),
    ({"dense_limit_mb": "512"}, "dense_limit_mb", "'512'"),
    ({"cache_limit_mb": True}, "cache_limit_mb", "True"),
    ({"dense_limit_mb": [1]}, "dense_limit_mb", "[1]"),
    # one good value and one bad: all or nothing
    ({"dense_limit_mb": 64, "cache_limit_mb": -3}, "cache_limit_mb", "-3"),
    ({"dense_limit_mb": -3, "cache_limit_mb": 64}, "dense_limit_mb", "-3"),
]


@pytest.mark.parametrize(("kwargs", "name", "shown"), BAD_CONFIGURE)
def test_bad_configure_is_refused_clearly_and_changes_nothing(loaded, kwargs, name, shown):
    before = _fingerprint(loaded)
    with pytest.raises(ValueError) as refused:
        tfplotguard.configure(**kwargs)
    message = str(refused.value)
    assert name in message and f"got {shown}" in message and "nothing was changed" in message
    assert _fingerprint(loaded) == before


BAD_CONFIG_MAGIC = [
    ("-5", "TFPlotGuard.dense_limit_mb must be a positive number of MiB, got -5"),
    ("1e400", "TFPlotGuard.dense_limit_mb must be a positive number of MiB, got inf"),
    ("float('nan')", "TFPlotGuard.dense_limit_mb must be a positive number of MiB, got nan"),
    ("'abc'", "The 'dense_limit_mb' trait of a TFPlotGuard instance expected a float, not the str 'abc'"),
    ("0", "TFPlotGuard.dense_limit_mb must be a positive number of MiB, got 0"),
]


@pytest.mark.parametrize(("value", "expected"), BAD_CONFIG_MAGIC)
def test_bad_config_magic_is_refused_clearly_and_changes_nothing(loaded, value, expected, caplog):
    before = _fingerprint(loaded)
    with caplog.at_level(logging.ERROR):
        loaded.run_line_magic("config", f"TFPlotGuard.dense_limit_mb = {value}")
    assert expected in caplog.text, f"%config said: {caplog.text!r}"
    assert _fingerprint(loaded) == before
    # and the guard really still works with the old setting
    st = tf.sparse.SparseTensor([[0, 0]], [1.0], [20_000, 20_000])  # 1.5 GiB dense
    with pytest.raises(tfplotguard.TensorPlotError, match="256.0 MiB"):
        tfplotguard.to_numpy(st)


@pytest.mark.parametrize("value", [
    "-5", "1e400", "0", "'abc'"])
def test_config_shows_the_setting_in_effect_after_a_refused_value(loaded, value):
    with capture_output():
        loaded.run_line_magic("config", f"TFPlotGuard.dense_limit_mb = {value}")
    _assert_config_tells_the_truth(loaded)


def test_to_numpy_refuses_a_non_positive_limit_and_an_unknown_policy_clearly():
    t = tf.constant([1.0])
    with pytest.raises(ValueError, match=r"dense_limit_mb must be a positive number of MiB, got -1"):
        tfplotguard.to_numpy(t, dense_limit_mb=-1)
    with pytest.raises(ValueError, match=r"unknown policy 'rows'; choose one of .*grid.*coo"):
        tfplotguard.to_numpy(t, policy="rows")


@pytest.mark.parametrize("bad", [float("nan"), float("inf"), "512", True])
def test_to_numpy_refuses_every_bad_limit_clearly(bad):
    with pytest.raises(ValueError, match="dense_limit_mb must be (positive|a positive number)"):
        tfplotguard.to_numpy(tf.constant([1.0]), dense_limit_mb=bad)


# -- %tfcheck ------------------------------------------------------------------------------------

BAD_TFCHECK = [
    # (line, cell?, words the message must contain)
    ("--interval 0", True, ["--interval", "positive", "0"]),
    ("--interval -5", True, ["--interval", "positive", "-5"]),
    ("--interval nan", True, ["--interval", "positive", "nan"]),
    ("--interval inf", True, ["--interval", "positive", "inf"]),
    ("--interval abc", True, ["--interval", "abc"]),
    ("--interval", True, ["--interval", "expected one argument"]),
    ("--nosuchoption", True, ["--nosuchoption"]),
    ("-o 1bad", True, ["-o", "1bad"]),
    ("-o class", True, ["-o", "class"]),
    ("on", True, ["on", "line magic"]),
    ("maybe", False, ["maybe", "on", "off"]),
    ("--ops", False, ["--ops", "%%tfcheck"]),
    ("--interval 10", False, ["--interval", "%%tfcheck"]),
    ("on --json", False, ["on", "no options"]),
    ("--nosuchoption", False, ["--nosuchoption"]),
]


@pytest.mark.parametrize(("line", "cell", "words"), BAD_TFCHECK,
                         ids=[f"{'%%' if c else '%'}tfcheck {line}" for line, c, _ in BAD_TFCHECK])
def test_bad_tfcheck_arguments_are_refused_clearly_and_change_nothing(loaded, line, cell, words):
    before = _fingerprint(loaded)
    with pytest.raises(UsageError) as refused:
        if cell:
            loaded.run_cell_magic("tfcheck", line, "ran = 1")
        else:
            loaded.run_line_magic("tfcheck", line)
    message = str(refused.value)
    for word in words:
        assert word in message, f"{word!r} not in the message {message!r}"
    assert _fingerprint(loaded) == before  # the cell did not run: no `ran`, no report, no sampler


def test_bad_tfcheck_argument_in_a_cell_shows_one_usage_line_and_no_traceback(loaded):
    before = _fingerprint(loaded)
    with capture_output() as cap:
        result = loaded.run_cell("%%tfcheck --interval 0\nran = 1", store_history=False)
    assert isinstance(result.error_in_exec, UsageError)
    shown = cap.stdout + cap.stderr
    assert "UsageError: --interval must be a positive number of milliseconds, got 0" in shown
    assert "Traceback" not in shown
    after = _fingerprint(loaded)
    assert after == before
