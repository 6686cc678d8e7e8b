import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_public_home_opens_in_indonesian(page):
    page.goto(page.base + "/")
    assert page.locator("html").get_attribute("lang") == "id"
    assert page.title().endswith("Bersih")
