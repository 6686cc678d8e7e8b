"""ETLE fixtures: a camera of Satlantas Bekasi with its client, another Polres's camera, a vehicle."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from bersih.etle.testing import machine, make_camera


@pytest.fixture
def etle(org, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    cam_client = machine(org.bks_satlantas, "Kamera ETLE Satlantas")
    other_client = machine(org.dpk_satlantas, "Kamera ETLE Depok")
    camera = make_camera(org.bks_satlantas, cam_client.client)
    other_camera = make_camera(org.dpk_satlantas, other_client.client, code="cam-depok-01")
    return SimpleNamespace(
        org=org, client=cam_client, other=other_client, camera=camera, other_camera=other_camera
    )


@pytest.fixture
def registered(db):
    from bersih.etle.models import Vehicle

    return Vehicle.objects.create(
        plate="B 1234 FAB",
        owner_name="Budi Santoso",
        owner_address="Jl. Raya Tambun No. 1, Kabupaten Bekasi",
        vehicle_class="car",
        make="Toyota Avanza",
        colour="Hitam",
    )


@pytest.fixture
def review(etle, registered, make_user):
    """Investigators of Bekasi and Depok, and a Bekasi case with a scene and a plate picture."""
    from bersih.etle import services
    from bersih.etle.models import Violation
    from bersih.etle.testing import event, png_bytes

    files = {"scene": png_bytes((10, 10, 10)), "plate": png_bytes((250, 250, 250))}
    images = [{"role": "scene", "part": "scene"}, {"role": "plate", "part": "plate"}]
    (result,) = services.captures_ingest(
        actor=etle.client.client,
        camera=etle.camera,
        items=[event(1, images=images, vehicle_colour="black")],
        files={name: _upload(name, data) for name, data in files.items()},
    )
    org = etle.org
    return SimpleNamespace(
        etle=etle,
        case=Violation.objects.get(tracking_number=result.tracking_number),
        investigator=make_user("penyidik", "investigator", org.bks_satlantas, language="en"),
        depok=make_user("penyidik-depok", "investigator", org.dpk_satlantas, language="en"),
        officer=make_user("petugas", "officer", org.bks_satlantas, language="en"),
        supervisor=make_user("kasat", "supervisor", org.bks_satlantas, language="en"),
    )


def _upload(name, data):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(f"{name}.png", data, content_type="image/png")


@pytest.fixture
def approved(review, registered):
    """The review case, approved by the Bekasi investigator (the owner is Budi Santoso)."""
    from bersih.etle import services

    services.violation_approve(actor=review.investigator, violation=review.case)
    review.case.refresh_from_db()
    return review


@pytest.fixture
def sent(approved):
    """The approved case with its confirmation letter sent (set here: the letters step is its own module)."""
    from django.utils import timezone

    from bersih.etle.models import Violation

    case = approved.case
    case.status, case.letter_sent_at = Violation.LETTER_SENT, timezone.now()
    case.save(update_fields=["status", "letter_sent_at"])
    return approved
