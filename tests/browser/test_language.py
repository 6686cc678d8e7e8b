"""The language switch on every page, in a browser without relying on JavaScript."""

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("path", ["/", "/masuk/"])
def test_language_switch_turns_the_page_english_and_back(page, path):
    page.goto(page.base + path)
    assert page.locator("html").get_attribute("lang") == "id"
    page.select_option("select[name=language]", "en")
    switch = page.locator("form[action*='setlang'] [type=submit]")
    if switch.count():  # without JavaScript the form has a button; with it, choosing submits
        switch.first.click()
    page.wait_for_function("document.documentElement.lang === 'en'")
    assert page.url.endswith(path)
    page.select_option("select[name=language]", "id")
    if switch.count():
        switch.first.click()
    page.wait_for_function("document.documentElement.lang === 'id'")
