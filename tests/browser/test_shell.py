"""The UI shell in a real browser: a phone's width, without JavaScript, by keyboard, within the CSP."""

import pytest

from bersih.core.tests.shell import compiled_catalogues

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PHONE = {"width": 360, "height": 740}

catalogues = pytest.fixture(autouse=True)(compiled_catalogues)


def console_errors(page) -> list[str]:
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    return errors


def horizontal_overflow(page) -> int:
    return page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")


def test_public_home_fits_a_phone_and_breaks_no_policy(page):
    page.set_viewport_size(PHONE)
    errors = console_errors(page)
    page.goto(page.base + "/")
    assert page.locator("h1").inner_text().startswith("Layanan publik")
    assert horizontal_overflow(page) <= 0
    assert errors == []  # a CSP refusal or a missing file shows here
    header = page.evaluate("getComputedStyle(document.querySelector('.site-header')).backgroundColor")
    assert header == "rgb(19, 41, 75)"  # the stylesheet was served and applied


def test_language_switch_works_without_javascript(browser, live_server):
    context = browser.new_context(viewport=PHONE, java_script_enabled=False)
    page = context.new_page()
    page.goto(live_server.url + "/")
    page.select_option("select[name=language]", "en")
    with page.expect_navigation():
        page.get_by_role("button", name="Ganti").click()
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.get_by_role("heading", name="Track a service").is_visible()
    assert page.url == live_server.url + "/"
    context.close()


def test_with_javascript_choosing_a_language_is_enough(page):
    page.goto(page.base + "/")
    assert page.locator("form[action*='setlang'] [type=submit]").count() == 0
    page.select_option("select[name=language]", "en")
    page.wait_for_function("document.documentElement.lang === 'en'")
    assert page.locator("select[name=language]").input_value() == "en"


def test_keyboard_reaches_the_skip_link_first_and_it_moves_focus_to_main(page):
    page.goto(page.base + "/")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip-link"
    assert page.locator(".skip-link").bounding_box()["y"] >= 0  # visible once focused
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"


def test_staff_home_fits_a_phone(page, client, org, make_user):
    officer = make_user("siti", "counter_clerk", org.bks_satpas, full_name="Brigadir Siti Rahmawati")
    client.force_login(officer)
    page.context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": page.base}]
    )
    page.set_viewport_size(PHONE)
    errors = console_errors(page)
    page.goto(page.base + "/staf/")
    assert page.get_by_text("Satpas Polres Metro Bekasi").first.is_visible()
    assert horizontal_overflow(page) <= 0
    assert errors == []
