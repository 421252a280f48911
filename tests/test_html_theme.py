"""Every HTML output reads in light and dark themes: no colour is a literal outside a theme variable.

The outputs are parsed (``html.parser``) and every colour in a ``style``
attribute or ``<style>`` block must sit in a ``var(--…, fallback)`` chain
(``check/report/theme.py``), so JupyterLab's and VS Code's themes decide it.
One exemption, on purpose: the background of an element marked
``data-tfcheck-fill`` (the category fills of the "where the time went" bar and
its legend swatches). Those are the categories' own colours, the same in every
theme as a chart's series are, and they carry no text (labels sit beside them).
"""

import re
from html.parser import HTMLParser

import pytest
import tensorflow as tf
from IPython.utils.capture import capture_output

from tfplotguard.check.attribution import Attribution
from tfplotguard.check.report import Finding, Report, theme

_COLOUR_PROPERTIES = re.compile(r"^(color|background(-color)?|border(-(top|right|bottom|left))?(-color)?|outline(-color)?"
                                r"|fill|stroke|text-decoration(-color)?|box-shadow|caret-color)$")
_LITERAL = re.compile(r"#[0-9a-fA-F]{3,8}\b|\b(rgba?|hsla?|hwb|lab|lch|oklab|oklch|color)\(|"
                      r"\b(white|black|red|green|blue|grey|gray|orange|yellow|purple|silver|navy|maroon)\b")
# A well-formed var() with a fallback whose fallback is a literal or an already-checked var().
_VAR = re.compile(r"var\(--[\w-]+,\s*(#[0-9a-fA-F]{3,8}|OKVAR)\s*\)")


def bad_colour(value: str) -> bool:
    """True when ``value`` has a colour outside a ``var(--name, fallback)`` chain, or a var() without fallback."""
    previous = None
    while previous != value:
        previous, value = value, _VAR.sub("OKVAR", value)
    return bool(_LITERAL.search(value)) or "var(" in value


def _declarations(style: str):
    for part in style.split(";"):
        name, sep, value = part.partition(":")
        if sep:
            yield name.strip().lower(), value.strip()


class _Colours(HTMLParser):
    """Collects every (where, property, value) whose colour is hard-coded."""

    def __init__(self):
        super().__init__()
        self.bad, self.checked, self.fills, self._in_style = [], 0, 0, False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self._in_style = tag == "style"
        fill = theme.FILL_MARK in attrs
        for name, value in _declarations(attrs.get("style") or ""):
            self._check(f"<{tag}>", name, value, exempt=fill and name in ("background", "background-color"))

    def handle_data(self, data):
        if self._in_style:  # a <style> block: declarations inside rules; custom properties define the theme
            for block in re.findall(r"\{([^{}]*)\}", data):
                for name, value in _declarations(block):
                    if not name.startswith("--"):
                        self._check("<style>", name, value)

    def handle_endtag(self, tag):
        self._in_style = False

    def _check(self, where, name, value, exempt=False):
        if not _COLOUR_PROPERTIES.match(name):
            return
        self.checked += 1
        if exempt:
            self.fills += 1
        elif bad_colour(value):
            self.bad.append((where, name, value))


def colours(html_text: str) -> _Colours:
    parser = _Colours()
    parser.feed(html_text)
    parser.close()
    return parser


def assert_themed(html_text: str) -> _Colours:
    found = colours(html_text)
    assert not found.bad, found.bad
    return found


@pytest.mark.parametrize("value, bad", [
    ("#57606a", True), ("1px solid #999", True), ("rgb(1, 2, 3)", True), ("white", True),
    ("var(--jp-ui-font-color2)", True),  # no fallback: a frontend without the variable shows the default colour
    ("var(--jp-ui-font-color2, #57606a)", False),
    ("var(--jp-ui-font-color2, var(--vscode-descriptionForeground, #57606a))", False),
    ("1px solid var(--jp-border-color1, #999)", False),
    ("var(--jp-ui-font-color2, var(--vscode-descriptionForeground)) #999", True),
])
def test_the_checker_tells_hard_coded_colours_from_themed_ones(value, bad):
    assert bad_colour(value) is bad
    assert bool(colours(f"<div style='color:{value}'>x</div>").bad) is bad


def test_the_checker_exempts_only_the_background_of_marked_fills():
    assert not colours(f'<span {theme.FILL_MARK}="cell" style="background:#4e79a7">').bad
    assert colours(f'<span {theme.FILL_MARK}="cell" style="color:#4e79a7">').bad
    assert colours('<span style="background:#4e79a7">').bad


def test_every_palette_entry_is_a_theme_chain_with_jupyter_vscode_and_a_literal():
    for name in ("TEXT", "MUTED", "WARN", "ERROR", "OK", "BORDER", "BACKGROUND"):
        value = getattr(theme, name)
        assert value.startswith("var(--jp-") and "var(--vscode-" in value and not bad_colour(value), name


def _attribution(error=None) -> dict:
    att = Attribution.build(
        wall_s=1.0, categories={"cell": 0.5, "tf_eager_ops": 0.3, "mpl_draw": 0.001, "output": 0.001},
        lines={1: {"cell": 0.5}, 2: {"tf_eager_ops": 0.3}}, threads={}, samples=300, interval_s=0.001,
        error=error,
    )
    return att.to_dict()


def _every_branch(**overrides) -> Report:
    """A report that takes every branch of the HTML: warning, information, a hidden minor finding, notes."""
    fields = dict(
        source="y = f(x)", wall_s=1.0, cpu_user_s=1.0, cores=2, utilisation=1.0, interval_ms=50.0,
        thread_groups=[{"group": "main", "cpu_s": 1.0, "threads": 1, "names": ["python"]}],
        tensors=[{"name": "y", "shape": [2], "dtype": "float32", "device": "CPU:0", "bytes": 8, "change": "new"}],
        tf={"imported": True}, attribution=_attribution(error="RuntimeError: stopped"),
        counts={"figures": 2},
        findings=[Finding("retracing", "f was traced 3 times.", "pass tensors.", share=0.4, seconds=0.4),
                  Finding("pools", "TensorFlow's pools did the work.", "nothing to fix.", severity="info"),
                  Finding("tiny", "a minor one.", "ignore it.", minor=True)],
        notes=["a note"],
    )
    fields.update(overrides)
    return Report(**fields)


@pytest.mark.parametrize("ok", [True, False])
def test_the_full_report_with_findings_and_attribution_is_themed(ok):
    report = _every_branch(ok=ok, error=None if ok else "ValueError: boom")
    html_text = report._repr_html_()
    assert "Where the time went" in html_text and "the sampler stopped early" in html_text
    assert "1 minor finding (" in html_text and "note: a note" in html_text
    found = assert_themed(html_text)
    assert found.fills >= 4  # the bar's segments and the legend's swatches are there, exempted as fills
    assert (theme.OK if ok else theme.ERROR) in html_text and theme.WARN in html_text and theme.MUTED in html_text


@pytest.mark.parametrize("overrides", [{}, {"ok": False, "error": "ZeroDivisionError: division by zero"},
                                       {"findings": []}])
def test_the_compact_auto_line_is_themed(overrides):
    report = _every_branch(kind="auto", attribution=None, **overrides)
    assert_themed(report.mimebundle(compact=True)["text/html"])


def test_a_real_cell_report_and_the_status_panel_are_themed(tfcheck):
    tfcheck.user_ns["tf"] = tf
    try:
        with capture_output() as cap:
            tfcheck.run_cell("@tf.function\ndef scale(x, n):\n    return x * n\n")
            tfcheck.run_cell("%%tfcheck --all\nfor i in range(6):\n    scale(tf.constant([1.0]), i)\n")
            tfcheck.run_cell("%tfcheck")
        report_html, status_html = [o.data["text/html"] for o in cap.outputs]
        assert "tfcheck-report" in report_html and "Where the time went" in report_html
        assert "traced 6 times" in report_html
        assert colours(report_html).checked >= 5
        assert_themed(report_html)
        assert "tfcheck-status" in status_html
        assert_themed(status_html)
    finally:
        for name in ("tf", "scale", "i"):
            tfcheck.user_ns.pop(name, None)
