"""An applicant books a SIM service online in a browser: Satpas, service, class, an hour with places
left, their details → the booking number with its QR code, and the confirmation queued."""

import pytest

from bersih.licensing.models import Application
from bersih.licensing.testing import nik_for
from bersih.notify.models import Message

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def places_left(page, slot: str) -> str:
    return page.locator(f"label.slot:has(input[value='{slot}']) .slot__left").get_attribute("data-remaining")


def test_applicant_books_a_slot_online(page, org):
    page.goto(page.base + "/sim/daftar/")
    page.select_option("#satpas-choice", org.bks_satpas.code)
    page.click("form[method=get] [type=submit]")
    page.wait_for_selector("input[name=slot]")
    page.click("label.kiosk-choice__option:has(input[value=renewal])")
    page.click("label.kiosk-choice__option:has(input[name=sim_class][value=C])")
    first_open = page.locator("input[name=slot]:not([disabled])").first
    chosen = first_open.get_attribute("value")
    places = page.locator(f"label.slot:has(input[value='{chosen}']) .slot__left").get_attribute(
        "data-remaining"
    )
    assert places == "20"
    first_open.check()
    page.fill("input[name=nik]", nik_for(7))
    page.fill("input[name=full_name]", "Siti Rahmawati")
    page.fill("input[name=birth_date]", "1988-03-02")
    page.fill("input[name=phone]", "0812 3456 7890")
    page.click("form.booking-form [type=submit]")
    page.wait_for_url("**/sim/daftar/selesai/")

    application = Application.objects.get()
    assert page.inner_text("[data-tracking]") == application.tracking_number
    assert page.locator(".slip__qr svg").count() == 1
    assert application.unit == org.bks_satpas
    assert application.service == "renewal" and application.sim_class == "C"
    assert f"{application.booked_day:%Y-%m-%d}T{application.booked_slot:%H:%M}" == chosen
    assert "Pendaftaran Anda" in page.content()  # Indonesian by default
    assert set(Message.objects.values_list("channel", flat=True)) == {"sms", "whatsapp"}

    # The hour now shows one place fewer.
    page.goto(page.base + f"/sim/daftar/?satpas={org.bks_satpas.code}")
    left = page.locator(f"label.slot:has(input[value='{chosen}']) .slot__left").get_attribute(
        "data-remaining"
    )
    assert left == "19"
