"""The ETLE demo: cameras on Bekasi roads, a registry, yesterday's events through the pipeline."""

from __future__ import annotations

import pytest
from django.core.management import call_command

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
