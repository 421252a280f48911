"""Measure a function as one cell with ``CellCheck`` directly (no shell): the report, however it ends."""

from tfplotguard.check.cell import CellCheck
from tfplotguard.check.report import Report


def measure(fn, namespace=None, interval_ms=None, **kwargs) -> Report:
    """Run ``fn()`` between ``CellCheck.start()`` and ``stop()``; re-raise what it raised after stopping."""
    check = CellCheck(namespace if namespace is not None else {}, interval_ms=interval_ms, **kwargs).start()
    error = None
    try:
        fn()
    except BaseException as exc:
        error = exc
        raise
    finally:
        report = check.stop(error)
    return report
