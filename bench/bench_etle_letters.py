"""ETLE confirmation letters: signed letters per CPU-second as a ratio to the same letter unsigned.

The limit is the same confirmation letter (letterhead, facts table, QR code of the confirmation link,
warning, attachment page with the evidence pictures) rendered without a signature, measured in the
same run. Also shown: the whole ``notice_send`` (render, sign, verify, store, four messages queued,
ledger entries) as a ratio to the unsigned letter.
"""

from __future__ import annotations

import tempfile

from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import transaction
from django.test import override_settings

from bench.bench_pdf import _rates
from bench.report import figure


def _case():
    from bersih.core.testing import build_test_org, make_user
    from bersih.etle import services
    from bersih.etle.models import Vehicle, Violation
    from bersih.etle.testing import event, machine, make_camera, png_bytes

    org = build_test_org()
    org.bks.address, org.bks.city = "Jl. Pramuka No. 1", "Bekasi"
    org.bks.save()
    client = machine(org.bks_satlantas, "Kamera ETLE Satlantas")
    camera = make_camera(org.bks_satlantas, client.client)
    Vehicle.objects.create(
        plate="B 1234 FAB",
        owner_name="Budi Santoso",
        owner_address="Jl. Raya Tambun No. 1, Desa Mekarsari, Kabupaten Bekasi 17510",
        phone="081234567890",
        email="budi@contoh.id",
        vehicle_class="car",
        make="Toyota Avanza",
        colour="Hitam",
    )
    files = {
        "scene": SimpleUploadedFile("scene.png", png_bytes((40, 60, 80), (640, 360)), "image/png"),
        "plate": SimpleUploadedFile("plate.png", png_bytes((240, 240, 240), (240, 80)), "image/png"),
    }
    images = [{"role": "scene", "part": "scene"}, {"role": "plate", "part": "plate"}]
    (result,) = services.captures_ingest(
        actor=client.client, camera=camera, items=[event(1, images=images)], files=files
    )
    case = Violation.objects.get(tracking_number=result.tracking_number)
    investigator = make_user("penyidik-bench", "investigator", org.bks_satlantas)
    services.violation_approve(actor=investigator, violation=case)
    case.refresh_from_db()
    return case


def run() -> bool:
    from bersih.documents.services import document_code_new
    from bersih.documents.signing import sign_pdf, signing_unit
    from bersih.etle import services
    from bersih.etle.models import Violation
    from bersih.etle.services.letters import _evidence
    from bersih.ledger.services import SYSTEM

    call_command("migrate", verbosity=0)
    with (
        tempfile.TemporaryDirectory() as keys,
        tempfile.TemporaryDirectory() as media,
        override_settings(KEYS_DIR=keys, MEDIA_ROOT=media, TIMESTAMP_URL="", DOCUMENT_DEV_CA=True),
        transaction.atomic(),
    ):
        case = _case()
        pictures = _evidence(case)
        signer = signing_unit(case.unit)
        code = document_code_new()

        def unsigned() -> bytes:
            return services.letter_build(case, code=code, number="B/1/XI/2026", pictures=pictures).render()

        def signed() -> bytes:
            return sign_pdf(unsigned(), signer, reason="Surat konfirmasi", location="Bekasi")

        def sent() -> None:
            Violation.objects.filter(pk=case.pk).update(status=Violation.APPROVED)
            services.notice_send(actor=SYSTEM, violation=case)

        plain, signed_rate, full = _rates(unsigned, signed, sent, seconds=3.0)
        figure("confirmation letter, unsigned (2 pages, QR, 2 pictures)", plain, "letters/s")
        ok = figure(
            "the same letter signed (PAdES B-B, ECDSA P-256)",
            signed_rate,
            "letters/s",
            limit=plain,
            note="ratio of signed to unsigned letters",
        )
        figure(
            "notice_send: sign, verify, store, queue post/email/SMS/WhatsApp, ledger",
            full,
            "cases/s",
            limit=plain,
            note="ratio to the unsigned letter",
        )
        transaction.set_rollback(True)
    return ok
