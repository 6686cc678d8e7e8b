"""The shell in a real browser (Debian's chromium): a phone's width, no JavaScript, the keyboard, the CSP."""

from __future__ import annotations

import os
import shutil

import pytest

from bersih.core.tests.shell import compiled_catalogues

CHROMIUM = os.environ.get("BERSIH_CHROMIUM") or shutil.which("chromium")
pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM, reason="chromium is not installed"),
]
PHONE = {"width": 360, "height": 740}

catalogues = pytest.fixture(autouse=True)(compiled_catalogues)


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread; the test's own ORM calls are synchronous.
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
            yield browser
            browser.close()


def open_page(browser, url, *, javascript=True, cookies=()):
    context = browser.new_context(viewport=PHONE, java_script_enabled=javascript)
    context.add_cookies(list(cookies))
    page = context.new_page()
    problems = []
    page.on("console", lambda message: problems.append(message.text) if message.type == "error" else None)
    page.goto(url)
    return page, problems


def horizontal_overflow(page) -> int:
    return page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")


@pytest.mark.django_db(transaction=True)
def test_public_home_fits_a_phone_and_breaks_no_policy(browser, live_server):
    page, problems = open_page(browser, live_server.url + "/")
    assert page.locator("h1").inner_text().startswith("Layanan publik")
    assert horizontal_overflow(page) <= 0
    assert problems == []  # a CSP refusal or a missing file would show here
    css_applied = page.evaluate("getComputedStyle(document.querySelector('.site-header')).backgroundColor")
    assert css_applied == "rgb(19, 41, 75)"


@pytest.mark.django_db(transaction=True)
def test_language_switch_works_without_javascript(browser, live_server):
    page, _ = open_page(browser, live_server.url + "/", javascript=False)
    page.get_by_role("button", name="English").click()
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.get_by_role("heading", name="Track a service").is_visible()
    assert page.url == live_server.url + "/"


@pytest.mark.django_db(transaction=True)
def test_keyboard_reaches_the_skip_link_first_and_it_moves_focus_to_main(browser, live_server):
    page, _ = open_page(browser, live_server.url + "/")
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.className")
    assert focused == "skip-link"
    box = page.locator(".skip-link").bounding_box()
    assert box["y"] >= 0  # visible once focused
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"


@pytest.mark.django_db(transaction=True)
def test_staff_home_fits_a_phone(browser, live_server, client, org, make_user):
    officer = make_user("siti", "counter_clerk", org.bks_satpas, full_name="Brigadir Siti Rahmawati")
    client.force_login(officer)
    session = {"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}
    page, problems = open_page(browser, live_server.url + "/staf/", cookies=[session])
    assert page.get_by_text("Satpas Polres Metro Bekasi").first.is_visible()
    assert horizontal_overflow(page) <= 0
    assert problems == []
