"""pytest plugin for ``scripts/mpl_suite_compare.py``: run matplotlib's own tests, with or without the guard.

Loaded with ``-p mpl_suite_plugin`` in both runs of the comparison, configured
by environment variables:

- ``TFPLOTGUARD_MPL_MODE``: ``plain`` (matplotlib alone), ``tf`` (TensorFlow
  imported, guard off) or ``guard`` (TensorFlow imported first, so the guard's
  TensorFlow paths are live, then ``tfplotguard.enable()`` for the session);
- ``TFPLOTGUARD_MPL_STATS``: where to write a JSON summary at the end (the
  guard's ``stats()`` and how many patched calls went through its wrapper).

matplotlib wheels ship the test modules without the baseline images, and the
test packages' ``__init__`` refuses to import then. The plugin registers those
two packages without running their ``__init__`` (whose only job is that check),
so every test runs; image comparisons then fail for want of a baseline, the
same way in every run.
"""

from __future__ import annotations

import importlib.util
import json
import os
import sys
from pathlib import Path

MODE = os.environ.get("TFPLOTGUARD_MPL_MODE", "plain")
_PASSES = {"wrapper_calls": 0, "with_tensorflow_values": 0}


def _register_test_package(name: str) -> None:
    """Put package ``name`` in ``sys.modules`` without executing its ``__init__``."""
    if name in sys.modules:
        return
    parent, _, child = name.rpartition(".")
    parent_module = importlib.import_module(parent)
    directory = Path(parent_module.__path__[0]) / child
    if not (directory / "__init__.py").exists():
        return
    spec = importlib.util.spec_from_file_location(
        name, directory / "__init__.py", submodule_search_locations=[str(directory)])
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    setattr(parent_module, child, module)


def _count_wrapper_calls(guard_module) -> None:
    """Count every patched call the guard's wrapper sees (a script-side seam: the package is unchanged)."""
    real = guard_module._holds_tf_value

    def counting(args, kwargs):
        _PASSES["wrapper_calls"] += 1
        held = real(args, kwargs)
        _PASSES["with_tensorflow_values"] += bool(held)
        return held

    guard_module._holds_tf_value = counting


def pytest_configure(config):
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    for name in ("matplotlib.tests", "mpl_toolkits.mplot3d.tests"):
        _register_test_package(name)
    if MODE in ("tf", "guard"):
        import tensorflow  # noqa: F401  (before the guard, as a notebook would)
    if MODE == "guard":
        import tfplotguard
        from tfplotguard import guard

        _count_wrapper_calls(guard)
        tfplotguard.enable()
        assert tfplotguard.is_enabled()


def pytest_unconfigure(config):
    path = os.environ.get("TFPLOTGUARD_MPL_STATS")
    summary = {"mode": MODE, "tensorflow_imported": "tensorflow" in sys.modules}
    if MODE == "guard":
        import tfplotguard

        summary["enabled_at_end"] = tfplotguard.is_enabled()
        summary["stats"] = tfplotguard.stats()
        summary.update(_PASSES)
        tfplotguard.disable()
    if path:
        Path(path).write_text(json.dumps(summary, indent=1, default=str))
