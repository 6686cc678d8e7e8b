"""An investigator reviews camera violations in a browser: pictures, keys, the next case."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from bersih.core.testing import TEST_PASSWORD
from bersih.etle import services
from bersih.etle.models import Vehicle, Violation
from bersih.etle.testing import event, machine, make_camera, png_bytes

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_investigator_approves_by_key_and_rejects_the_next_case(page, org, make_user, settings, tmp_path):
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
    services.captures_ingest(
        actor=client.client,
        camera=camera,
        items=[event(1, images=images), event(2, plate="B 2345 FXY", captured_at=event()["captured_at"])],
        files=files,
    )
    first, second = Violation.objects.order_by("first_captured_at", "id")
    user = make_user("penyidik", "investigator", org.bks_satlantas)
    device = TOTPDevice.objects.create(user=user, name="phone", confirmed=True)

    page.goto(page.base + "/masuk/")
    page.fill("input[name=username]", "penyidik")
    page.fill("input[name=password]", TEST_PASSWORD)
    page.click("form [type=submit]")
    page.wait_for_url("**/masuk/otp/**")
    page.fill("input[name=otp_token]", f"{totp(device.bin_key):06d}")
    page.click("form [type=submit]")
    page.wait_for_url("**/staf/")

    page.goto(page.base + "/etle/staf/tinjau/")
    page.click(f"text={first.tracking_number}")
    page.wait_for_url(f"**/{first.tracking_number}/")
    # The evidence pictures load from the staff-only picture view.
    loaded = page.eval_on_selector_all(".evidence img", "imgs => imgs.map(i => i.complete && i.naturalWidth)")
    assert loaded == [8, 8]
    page.keyboard.press("a")  # approve, then the next case of the queue opens
    page.wait_for_url(f"**/{second.tracking_number}/")
    assert Violation.objects.get(pk=first.pk).status == Violation.APPROVED
    page.keyboard.press("r")  # the rejection reason gets the focus
    assert page.evaluate("document.activeElement.name") == "reason"
    page.select_option("#reject select[name=reason]", "duplicate")
    page.click("#reject button[type=submit]")
    page.wait_for_url("**/etle/staf/tinjau/")
    assert Violation.objects.get(pk=second.pk).status == Violation.REJECTED
