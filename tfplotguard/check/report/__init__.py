"""What ``%tfcheck`` reports: the data model, its renderings, the status panel, the history of reports.

``status`` (the bare ``%tfcheck`` panel) is not imported here: it reads the
probes, and ``import tfplotguard`` (which needs the history) stays lean.
"""

from ..format import format_bytes, format_seconds
from . import theme
from .. import history  # noqa: F401 (tfplotguard.check.report.history, as before the regroup)
from ..history import HISTORY_LIMIT, clear_history, last_report, record, reports
from ..findings.finding import Finding, sort_findings
from .model import Report, error_text
from .render import GROUP_LABELS

__all__ = [
    "Finding", "GROUP_LABELS", "HISTORY_LIMIT", "Report", "clear_history", "error_text",
    "format_bytes", "format_seconds", "last_report", "record", "reports", "sort_findings", "theme",
]
