"""The anonymous complaint journey: a newcomer reports pungli anonymously on the public page, keeps the
number and the secret shown once, follows the report on /lacak/; a Siwas officer, signed in in another
browser, verifies it and writes a public message; the reporter reads it and answers."""

import pytest
from django.urls import NoReverseMatch, reverse

from bersih.core.testing import TEST_PASSWORD
from bersih.services import services
from bersih.services.models import Case, CaseEvent, Requester
from bersih.services.testing import PDF_BYTES, sipmas_staff

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_anonymous_pungli_report_is_followed_and_answered(page, browser, live_server, org, make_user):
    staff = sipmas_staff(org, make_user)

    # The newcomer files the report: anonymous hides the identity fields.
    page.goto(page.base + "/layanan/pengaduan/")
    page.select_option("select[name=polres]", org.bks.code)
    page.check("input[name=category][value=pungli]")
    page.check("input[name=privacy][value=named]")
    assert page.locator(".identity-fields").is_visible()
    page.check("input[name=privacy][value=anonim]")
    assert not page.locator(".identity-fields").is_visible()
    page.fill("input[name=title]", "Diminta uang di loket SKCK")
    page.fill(
        "textarea[name=description]",
        "Senin pagi di loket SKCK, petugas berseragam meminta Rp200.000 agar SKCK selesai hari itu.",
    )
    page.fill("input[name=address]", "Loket SKCK Polres Metro Bekasi")
    page.select_option("select[name=complained_unit]", org.bks_intelkam.code)
    page.set_input_files(
        "input[name=evidence]",
        files=[{"name": "kuitansi.pdf", "mimeType": "application/pdf", "buffer": PDF_BYTES}],
    )
    page.click("form.complaint-form [type=submit]")
    page.wait_for_url("**/layanan/pengaduan/selesai/")
    number = page.inner_text("[data-tracking]").strip()
    secret = page.inner_text("[data-secret]").strip()
    case = Case.objects.get(tracking_number=number)
    assert case.privacy == "anonim" and case.unit == org.bks_siwas and case.attachments.count() == 1
    assert not Requester.objects.filter(case=case).exists()
    # Shown once: a reload shows neither code.
    page.reload()
    assert secret not in page.content() and page.locator("[data-secret]").count() == 0

    # The reporter follows it on the tracking page.
    page.goto(page.base + "/lacak/")
    page.fill("input[name=nomor]", number.lower())
    page.fill("input[name=kode]", secret)
    page.click("form [type=submit]:has-text('Lacak'), form [type=submit]:has-text('Track')")
    page.wait_for_selector("[data-result]")
    assert secret not in page.url and number in page.inner_text("[data-result]")

    # A Siwas officer, in another browser, signs in; the case is verified and answered publicly.
    officer = browser.new_context(viewport={"width": 1280, "height": 900})
    staff_page = officer.new_page()
    staff_page.goto(live_server.url + "/masuk/")
    staff_page.fill("input[name=username]", staff.siwas.username)
    staff_page.fill("input[name=password]", TEST_PASSWORD)
    staff_page.click("form [type=submit]")
    staff_page.wait_for_url("**/staf/")
    try:
        case_url = reverse("services:case", args=[number])
    except NoReverseMatch:
        case_url = None
    if case_url:  # the staff case page shows the report to the Siwas officer
        staff_page.goto(live_server.url + case_url)
        assert number in staff_page.content()
    services.case_assign(actor=staff.siwas_head, case=case, assignee=staff.siwas)
    services.case_transition(actor=staff.siwas, case=case, status="verified")
    services.case_note(
        actor=staff.siwas, case=case, text="Terima kasih. Pukul berapa kejadiannya?", public=True
    )
    services.case_note(actor=staff.siwas, case=case, text="Internal: cek CCTV loket", public=False)
    officer.close()

    # The reporter sees the message (never the internal note) and answers, still anonymous.
    page.goto(page.base + "/lacak/")
    result = page.inner_text("[data-result]")
    assert "Pukul berapa kejadiannya?" in result and "CCTV" not in result
    page.fill("textarea[name=text]", "Sekitar pukul 09.00.")
    page.click("form[action$='/lacak/balas/'] [type=submit]")
    page.wait_for_selector("text=Sekitar pukul 09.00.")
    reply = CaseEvent.objects.get(case=case, kind=CaseEvent.REPLY)
    assert reply.text == "Sekitar pukul 09.00." and not Requester.objects.filter(case=case).exists()
