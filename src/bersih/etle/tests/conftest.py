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
