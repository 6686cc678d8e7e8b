"""The ETLE demo: cameras on Bekasi roads, a registry, yesterday's events through the pipeline."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.utils import timezone

from bersih.etle import demo
from bersih.etle.models import Camera, Capture, Vehicle, Violation
from bersih.ledger.models import Entry


@pytest.fixture
def demo_loaded(db, settings, tmp_path):
    settings.VAR_DIR = tmp_path
    settings.MEDIA_ROOT = tmp_path / "media"
    call_command("seed_demo", seed=7, verbosity=0)


def test_demo_etle(demo_loaded):
    cameras = Camera.objects.all()
    assert cameras.count() == len(demo.DEMO_CAMERAS)
    assert {c.api_client.name for c in cameras} == {demo.DEMO_CAMERA_CLIENT}
    assert all(c.unit.code == "bks-satlantas" for c in cameras)
    assert Vehicle.objects.count() == demo.VEHICLES
    assert not Vehicle.objects.exclude(plate__regex=r"^B [1-9][0-9]{0,3} F[A-Z]{1,2}$").exists()
    captures = Capture.objects.count()
    assert demo.EVENTS <= captures < demo.EVENTS * 1.2
    assert Violation.objects.count() < captures  # repeats were merged
    assert Violation.objects.filter(needs_review=True, plate="").exists()  # unreadable reads
    assert Violation.objects.filter(needs_review=False).exists()
    assert Entry.objects.filter(action="etle.captures.ingested", actor_kind="client").exists()


def test_demo_takes_cases_through_every_state_of_the_flow(demo_loaded, settings):
    from bersih.etle.models import Confirmation, Payment, Refund, StnkBlock
    from bersih.ledger.verify import verify_ledger

    statuses = set(Violation.objects.values_list("status", flat=True))
    expected = {"captured", "rejected", "letter_sent", "returned", "confirmed", "disputed", "paid", "blocked"}
    assert expected <= statuses
    assert Violation.objects.exclude(driver_name="").filter(status="letter_sent").exists()  # a named driver
    assert Confirmation.objects.filter(answer__in=["sold", "not_mine"], decision="").count() >= 2
    assert Payment.objects.filter(status="paid").exists() and Payment.objects.filter(status="open").exists()
    assert Violation.objects.filter(payment_choice="court", hearing_on__isnull=False).exists()
    assert Refund.objects.exists()
    reasons = set(StnkBlock.objects.filter(action="block").values_list("reason", flat=True))
    assert reasons == {"not_confirmed", "not_paid"}
    assert StnkBlock.objects.filter(action="unblock", reason="paid").exists()  # paid after the block
    # A case due today is left for the worker's first sweep.
    from bersih.etle.services import deadline_due

    assert any(
        deadline_due(case, timezone.localdate()) for case in Violation.objects.filter(status="letter_sent")
    )
    listing = (settings.VAR_DIR / "demo-etle-cases.txt").read_text()
    blocked = Violation.objects.filter(status="blocked").first()
    assert blocked.tracking_number in listing and blocked.reference_code in listing
    assert verify_ledger().ok
