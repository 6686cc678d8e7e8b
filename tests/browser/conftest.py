"""Browser tests: Playwright drives Debian's chromium (never a browser build downloaded by a tool).

Without chromium these tests are skipped on a developer's machine; CI sets ``BERSIH_REQUIRE_BROWSER=1``
(``.ci/run`` installs chromium), where a missing browser is a failure instead.
"""

from __future__ import annotations

import os
import shutil

import pytest

# Playwright's sync API runs an event loop in the test thread; the ORM calls the tests make around it
# are still synchronous and safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def chromium_path() -> str | None:
    return os.environ.get("BERSIH_CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.fixture(scope="session")
def browser():
    executable = chromium_path()
    if not executable:
        if os.environ.get("BERSIH_REQUIRE_BROWSER") == "1":
            pytest.fail(
                "chromium is required for the browser tests (BERSIH_REQUIRE_BROWSER=1) but was not found"
            )
        pytest.skip("chromium is not installed (the CI installs it from Debian's packages)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, headless=True, args=CHROMIUM_FLAGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, live_server):
    """A fresh browser context (no cookies) on a phone-sized screen, with ``page.base`` set to the server."""
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="id-ID")
    page = context.new_page()
    page.set_default_timeout(10_000)
    page.base = live_server.url
    yield page
    context.close()
