"""An owner confirms a camera violation in a browser: code and plate, the evidence, the deposit's account."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from bersih.etle import services
from bersih.etle.models import Payment, Vehicle, Violation
from bersih.etle.testing import event, machine, make_camera, png_bytes

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_owner_confirms_and_gets_the_virtual_account(page, org, make_user, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    client = machine(org.bks_satlantas, "Kamera ETLE")
    camera = make_camera(org.bks_satlantas, client.client)
    Vehicle.objects.create(
        plate="B 1234 FAB", owner_name="Budi Santoso", owner_address="Tambun", vehicle_class="car"
    )
    images = [{"role": "scene", "part": "scene"}, {"role": "plate", "part": "plate"}]
    files = {
        name: SimpleUploadedFile(f"{name}.png", png_bytes(colour), content_type="image/png")
        for name, colour in (("scene", (20, 20, 20)), ("plate", (240, 240, 240)))
    }
    services.captures_ingest(actor=client.client, camera=camera, items=[event(1, images=images)], files=files)
    case = Violation.objects.get()
    services.violation_approve(actor=make_user("penyidik", "investigator", org.bks_satlantas), violation=case)
    # The letters step (its own module) sends the letter; here the case is simply marked as sent.
    Violation.objects.filter(pk=case.pk).update(status=Violation.LETTER_SENT, letter_sent_at=timezone.now())
    case.refresh_from_db()

    page.goto(page.base + "/etle/")
    page.fill("input[name=reference_code]", case.reference_code.lower())
    page.fill("input[name=plate]", "b 1234 fab")
    page.click("form [type=submit]")
    page.wait_for_url("**/etle/kasus/")
    assert case.tracking_number in page.content()
    # The evidence pictures load through the session-checked public view.
    loaded = page.eval_on_selector_all(".evidence img", "imgs => imgs.map(i => i.complete && i.naturalWidth)")
    assert loaded == [8, 8]

    page.click("form[action$='/jawab/drove/'] button")
    page.wait_for_selector("form[action$='/bayar/deposit/']")
    assert Violation.objects.get(pk=case.pk).status == Violation.CONFIRMED
    page.click("form[action$='/bayar/deposit/'] button")
    page.wait_for_selector("[data-va]")
    payment = Payment.objects.get(violation=case)
    assert page.inner_text("[data-va]") == payment.va_number
    assert "Rp500.000" in page.content()
