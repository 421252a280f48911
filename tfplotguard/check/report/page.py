"""A report as a standalone HTML page (``%%tfcheck --html FILE``): the notebook's HTML, made to travel."""

from __future__ import annotations

import html
import time

from . import theme

__all__ = ["standalone_page"]


def standalone_page(fragment: str, title: str, started: float | None = None) -> str:
    """A complete UTF-8 HTML document around ``fragment`` (a report's or panel's ``_repr_html_()``).

    The page sets no colour of its own beyond the theme's variables
    (:data:`.theme.PAGE_STYLE`): a browser in dark mode shows it dark, as
    JupyterLab's dark theme does.
    """
    when = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(started)) if started else ""
    footer = f"measured {when} · " if when else ""
    return (
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
        f"<title>{html.escape(title)}</title>\n<style>\n{theme.PAGE_STYLE}</style>\n</head>\n<body>\n"
        f"{fragment}\n"
        f"<p style=\"color:{theme.MUTED};font-family:sans-serif;font-size:11px;margin-top:2em\">"
        f"{html.escape(footer)}written by tfplotguard's %%tfcheck</p>\n"
        "</body>\n</html>\n"
    )
