"""The colours of tfplotguard's HTML, as theme variables: one palette for every renderer.

A notebook frontend decides the colours, not us. Each entry is a CSS
``var()`` chain: JupyterLab's own variable first (its light and dark themes
set them), then VS Code's notebook renderer's ``--vscode-*`` variable, then a
light-theme literal for a frontend that sets neither (nbconvert HTML, classic
Notebook, a browser opening a saved page). Renderers use these names and
never spell a colour themselves; ``tests/test_html_theme.py`` checks that.

Category colours of the "where the time went" bar are fills (``CATEGORIES``
in :mod:`..attribution.categories`), the same in every theme, and carry no text.
"""

from __future__ import annotations

__all__ = ["theme_var", "TEXT", "MUTED", "WARN", "ERROR", "OK", "BORDER", "BACKGROUND", "FILL_MARK",
           "PAGE_STYLE"]


def theme_var(jupyter: str, vscode: str | None, fallback: str) -> str:
    """``var(--jp-…, var(--vscode-…, fallback))``: a colour that follows the frontend's theme."""
    inner = f"var(--{vscode}, {fallback})" if vscode else fallback
    return f"var(--{jupyter}, {inner})"


#: Body text.
TEXT = theme_var("jp-ui-font-color1", "vscode-foreground", "#24292f")
#: Secondary text: notes, information, sampling details.
MUTED = theme_var("jp-ui-font-color2", "vscode-descriptionForeground", "#57606a")
#: A warning's message.
WARN = theme_var("jp-warn-color0", "vscode-editorWarning-foreground", "#9a6700")
#: A failed cell, a sampler that stopped early.
ERROR = theme_var("jp-error-color0", "vscode-errorForeground", "#cf222e")
#: A cell that ran fine.
OK = theme_var("jp-success-color0", "vscode-testing-iconPassed", "#1a7f37")
#: Outlines of the bar and the legend's swatches.
BORDER = theme_var("jp-border-color1", "vscode-panel-border", "#999")
#: The page's background (a standalone page only: in a notebook the output area has its own).
BACKGROUND = theme_var("jp-layout-color0", "vscode-editor-background", "#ffffff")

#: The attribute that marks an element whose background is a category fill (not text, same in every theme).
FILL_MARK = "data-tfcheck-fill"

#: The ``<style>`` of a standalone page: no frontend sets the variables there, so a browser in dark mode
#: gets dark values for the same variables, and every renderer's HTML reads as it does in JupyterLab.
PAGE_STYLE = f"""\
:root {{ color-scheme: light dark; }}
@media (prefers-color-scheme: dark) {{
  :root {{
    --jp-ui-font-color1: #e6edf3; --jp-ui-font-color2: #9da7b3; --jp-warn-color0: #d29922;
    --jp-error-color0: #f85149; --jp-success-color0: #3fb950; --jp-border-color1: #6e7681;
    --jp-layout-color0: #0d1117;
  }}
}}
body {{ color: {TEXT}; background: {BACKGROUND}; margin: 1.5em; }}
"""
