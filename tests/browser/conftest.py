"""Fixtures for the browser tests: the system Chromium through Playwright, one server per frontend.

Nothing here skips: a missing Chromium or Playwright fails the tests with the command that fixes
it. To leave the browser tests out on a machine without them, deselect them: ``-m "not browser"``.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

import frontends  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
FAILURES = ROOT / "build" / "browser-failures"


@pytest.fixture(scope="module")
def chromium():
    """A headless system Chromium, driven by Playwright (which never downloads a browser here).

    Module-scoped, not session-scoped: Playwright's sync API keeps an asyncio event loop marked as
    running in the main thread while it is started, and IPython's top-level ``await`` in the rest
    of the suite (tests/test_tfcheck_cellrun.py) then fails with "This event loop is already running".
    """
    executable = frontends.chromium_path()
    if executable is None:
        pytest.fail(frontends.CHROMIUM_MISSING.format(names=", ".join(frontends.CHROMIUM_NAMES)), pytrace=False)
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.fail("the browser tests need Playwright and the Jupyter frontends: "
                    "pip install -c requirements/test.lock -e '.[test,browser]'", pytrace=False)
    with sync_playwright() as playwright:
        browser = frontends.launch_chromium(playwright, executable)
        try:
            yield browser
        finally:
            browser.close()


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


@pytest.fixture
def page(chromium, request):
    """A fresh browser context and page; a screenshot of it in build/browser-failures/ if the test failed."""
    context = chromium.new_context(viewport={"width": 1280, "height": 1000})
    context.set_default_timeout(60_000)
    page = context.new_page()
    try:
        yield page
    finally:
        report = getattr(request.node, "report_call", None)
        if report is not None and report.failed:
            FAILURES.mkdir(parents=True, exist_ok=True)
            name = "".join(ch if ch.isalnum() or ch in "-_." else "_" for ch in request.node.name)
            try:
                page.screenshot(path=str(FAILURES / f"{name}.png"), full_page=True)
            except Exception as err:  # the screenshot is a debugging aid; the failure is reported anyway
                print(f"no failure screenshot: {err}", file=sys.stderr)
        context.close()
