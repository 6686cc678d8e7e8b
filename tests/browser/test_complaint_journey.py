"""The anonymous complaint journey: a newcomer reports pungli anonymously on the public page, keeps the
number and the secret shown once, follows the report on /lacak/; a Siwas officer, signed in in another
browser, takes and verifies it on the staff case page and writes a public message; the head of Siwas
sees it in the leadership view; the reporter reads the message and answers."""

import pytest
from django.urls import reverse

from bersih.core.testing import TEST_PASSWORD
from bersih.services.models import Case, CaseEvent, Requester
from bersih.services.testing import PDF_BYTES, sipmas_staff

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def sign_in_page(page, base: str, username: str) -> None:
    page.goto(base + "/masuk/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", TEST_PASSWORD)
    page.click("form [type=submit]")
    page.wait_for_url("**/staf/")


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

    # A Siwas officer, in another browser, signs in and handles it on the staff case page: takes the
    # case, verifies it, asks the reporter a question (public) and notes what to check (internal).
    officer = browser.new_context(viewport={"width": 1280, "height": 900})
    staff_page = officer.new_page()
    sign_in_page(staff_page, live_server.url, staff.siwas.username)
    staff_page.goto(live_server.url + reverse("services:case", args=[number]))
    assert number in staff_page.content() and "kuitansi.pdf" in staff_page.content()
    assert "Anonymous" in staff_page.content() or "Anonim" in staff_page.content()
    staff_page.select_option("#assign select[name=assignee]", str(staff.siwas.pk))
    staff_page.click("#assign [type=submit]")
    staff_page.wait_for_load_state()
    staff_page.select_option("#step select[name=status]", "verified")
    staff_page.click("#step [type=submit]")
    staff_page.wait_for_load_state()
    staff_page.fill("#note textarea[name=text]", "Terima kasih. Pukul berapa kejadiannya?")
    staff_page.check("#note input[name=public]")
    staff_page.click("#note [type=submit]")
    staff_page.wait_for_load_state()
    staff_page.fill("#note textarea[name=text]", "Internal: cek CCTV loket")
    staff_page.click("#note [type=submit]")
    staff_page.wait_for_load_state()
    case.refresh_from_db()
    assert case.status == "verified" and case.assignee == staff.siwas and case.clock == "follow_up"
    officer.close()

    # The head of Siwas watches it in the leadership view: counted under complaints, listed behind it.
    head = browser.new_context(viewport={"width": 1280, "height": 900})
    head_page = head.new_page()
    sign_in_page(head_page, live_server.url, staff.siwas_head.username)
    head_page.goto(live_server.url + reverse("services:monitor"))
    assert head_page.locator("table").first.is_visible()
    head_page.goto(live_server.url + reverse("services:monitor-items") + "?module=sipmas&service=dumas")
    assert number in head_page.content()
    head.close()

    # The reporter sees the message (never the internal note) and answers, still anonymous.
    page.goto(page.base + "/lacak/")
    result = page.inner_text("[data-result]")
    assert "Pukul berapa kejadiannya?" in result and "CCTV" not in result
    page.fill("textarea[name=text]", "Sekitar pukul 09.00.")
    page.click("form[action$='/lacak/balas/'] [type=submit]")
    page.wait_for_selector("text=Sekitar pukul 09.00.")
    reply = CaseEvent.objects.get(case=case, kind=CaseEvent.REPLY)
    assert reply.text == "Sekitar pukul 09.00." and not Requester.objects.filter(case=case).exists()
