"""The bare ``%tfcheck`` panel (:class:`StatusReport`): its text and HTML (``check.status`` gathers it)."""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from typing import Any


@dataclass
class StatusReport:
    """The bare ``%tfcheck`` panel: sections of ``(label, value)`` rows, plus the raw data."""

    sections: list[list[Any]] = field(default_factory=list)  # [[title, [[label, text], ...]], ...]
    data: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """The panel's raw data, JSON-able."""
        return self.data

    def __str__(self) -> str:
        rows = [row for _, section in self.sections for row in section]
        width = max((len(label) for label, _ in rows), default=0)
        lines = ["%tfcheck status"]
        for title, section in self.sections:
            lines.append(f"  {title}")
            lines += [f"    {label:<{width}}  {text}" for label, text in section]
        return "\n".join(lines)

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        printer.text(str(self))

    def _repr_html_(self) -> str:
        e = html.escape
        out = ['<div class="tfcheck-status" style="font-family: monospace, monospace; font-size: 12px">',
               "<b>%tfcheck status</b>", "<table style='border-collapse: collapse'>"]
        for title, section in self.sections:
            out.append(f"<tr><th colspan=2 style='text-align:left; padding-top:0.4em'>{e(title)}</th></tr>")
            out += [f"<tr><td style='text-align:left; padding-right:1em'>{e(k)}</td><td style='text-align:left'>{e(v)}</td></tr>"
                    for k, v in section]
        out.append("</table></div>")
        return "\n".join(out)

    def mimebundle(self) -> dict[str, str]:
        """``{"text/plain", "text/html"}`` for ``display(..., raw=True)``."""
        return {"text/plain": str(self), "text/html": self._repr_html_()}
