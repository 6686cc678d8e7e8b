"""Staff lists on a phone: wide tables scroll inside their own region, never the page."""

import pytest

from bersih import ledger
from bersih.core.testing import sign_in
from bersih.core.tests.shell import compiled_catalogues
from bersih.ledger.services import SYSTEM

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PHONE = {"width": 360, "height": 740}

catalogues = pytest.fixture(autouse=True)(compiled_catalogues)


def horizontal_overflow(page) -> int:
    return page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")


def open_as(page, client, user, path):
    sign_in(client, user)
    page.context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": page.base}]
    )
    page.set_viewport_size(PHONE)
    page.goto(page.base + path)


def test_ledger_with_long_entries_fits_a_phone(page, client, org, make_user):
    # Long unbroken machine text (hashes, JSON) once widened the whole page far past the screen.
    ledger.record(
        actor=SYSTEM,
        action="etle.violation.approved_with_a_long_action_name",
        subject=("etle.violation", 1, "ETLE-" + "B" * 60),
        unit=org.bks_satlantas,
        data={"note": "x" * 400},
    )
    open_as(page, client, make_user("siwas", "oversight", org.bks), "/ledger/")
    region = page.locator(".table-wrap")
    assert region.get_attribute("role") == "region"
    assert page.evaluate("getComputedStyle(document.querySelector('.table-wrap')).overflowX") == "auto"
    assert page.get_by_text("ETLE-" + "B" * 60).first.is_visible()
    assert horizontal_overflow(page) <= 0


def test_document_verification_page_fits_a_phone(page):
    page.set_viewport_size(PHONE)
    page.goto(page.base + "/documents/verifikasi/")
    assert page.locator("input[type=file]").is_visible()
    assert horizontal_overflow(page) <= 0
