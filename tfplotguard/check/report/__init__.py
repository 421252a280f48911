"""What ``%tfcheck`` reports: the data model, its renderings, the status panel, the history of reports.

``status`` (the bare ``%tfcheck`` panel) is not imported here: it reads the
probes, and ``import tfplotguard`` (which needs the history) stays lean.
"""

from ..format import format_bytes, format_seconds
from . import theme
from .. import history
from ..history import HISTORY_LIMIT, clear_history, last_report, record, reports
from .model import Finding, Report, error_text, sort_findings
from .render import GROUP_LABELS

__all__ = [
    "Finding", "GROUP_LABELS", "HISTORY_LIMIT", "Report", "clear_history", "error_text",
    "format_bytes", "format_seconds", "last_report", "record", "reports", "sort_findings", "theme",
]
