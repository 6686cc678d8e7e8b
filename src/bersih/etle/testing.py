"""Builders for ETLE tests, the demo and the benchmark: a camera with its client and key, events, pictures."""

from __future__ import annotations

import struct
import zlib
from datetime import timedelta
from types import SimpleNamespace

from django.utils import timezone

from bersih.core import apikeys
from bersih.ledger.services import SYSTEM


def png_bytes(colour=(200, 30, 30), size=(8, 8)) -> bytes:
    """A real PNG (the document store sniffs types from the bytes)."""
    width, height = size
    raw = b"".join(b"\x00" + bytes(colour) * width for _ in range(height))

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )


def machine(unit, name, scopes=("etle:events",)):
    client = apikeys.apiclient_create(actor=SYSTEM, name=name, owner_unit=unit, scopes=list(scopes))
    _key, plaintext = apikeys.apikey_issue(actor=SYSTEM, client=client, label="test")
    return SimpleNamespace(
        client=client, plaintext=plaintext, headers={"HTTP_AUTHORIZATION": f"Bearer {plaintext}"}
    )


def make_camera(unit, client, code="cam-tambun-01", **fields):
    from bersih.etle.models import Camera

    defaults = dict(
        name="Simpang Tambun",
        road="Jl. Raya Tambun",
        direction="ke Bekasi",
        latitude="-6.259000",
        longitude="107.054000",
        speed_limit_kmh=60,
        violation_codes=["red_light", "speed", "helmet", "seatbelt"],
        vendor="hikvision",
        api_client=client,
        unit=unit,
    )
    defaults.update(fields)
    return Camera.objects.create(code=code, **defaults)


# One moment for every test event, so that the same event built twice is the same payload.
EVENT_TIME = timezone.now().replace(second=0, microsecond=0) - timedelta(minutes=30)


def event(n=1, **fields):
    """A vendor-neutral event (red light, a car of Kabupaten Bekasi), with ``fields`` changed."""
    item = {
        "event_id": f"evt-{n}",
        "captured_at": EVENT_TIME.isoformat(),
        "plate": "B 1234 FAB",
        "confidence": 95,
        "violation": "red_light",
        "vehicle_class": "car",
    }
    item.update(fields)
    return item
