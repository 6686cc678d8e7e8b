"""``bersih etle import`` and ``bersih etle import-vehicles``."""

from __future__ import annotations

import csv
import json
from io import StringIO

import pytest
from django.core.management import call_command

from bersih.etle.models import Capture, Vehicle
from bersih.etle.testing import event

pytestmark = pytest.mark.usefixtures("english_messages")


def run(*args) -> str:
    out = StringIO()
    call_command("etle", *args, stdout=out, stderr=StringIO())
    return out.getvalue()


def test_import_jsonl_with_a_summary(etle, tmp_path):
    lines = [
        json.dumps({"camera": etle.camera.code, **event(1)}),
        json.dumps({"camera": etle.camera.code, **event(2, plate="B 4444 FAB")}),
        json.dumps({"camera": etle.camera.code, **event(1)}),  # replay
        "{broken",
        json.dumps({"camera": "cam-nowhere", **event(3)}),
        json.dumps({"camera": etle.camera.code, **event(4, plate="??")}),
    ]
    path = tmp_path / "events.jsonl"
    path.write_text("\n".join(lines) + "\n")
    output = run("import", str(path), "--no-progress")
    assert "accepted: 2, merged: 0, duplicate: 1, rejected: 3" in output
    assert "Line 4 is not JSON." in output
    assert "unknown camera cam-nowhere" in output
    assert set(Capture.objects.values_list("event_id", "source")) == {
        ("evt-1", "import"),
        ("evt-2", "import"),
    }
    # importing the same file again changes nothing
    assert "accepted: 0, merged: 0, duplicate: 3" in run("import", str(path), "--no-progress")
    assert Capture.objects.count() == 2


def test_import_csv(etle, tmp_path):
    path = tmp_path / "events.csv"
    with path.open("w", newline="") as handle:
        writer = csv.DictWriter(
            handle, ["camera", "event_id", "captured_at", "plate", "confidence", "violation", "speed_kmh"]
        )
        writer.writeheader()
        writer.writerow(
            {
                **{
                    k: v for k, v in event(1, violation="speed", speed_kmh=95).items() if k != "vehicle_class"
                },
                "camera": etle.camera.code,
            }
        )
        writer.writerow(
            {
                **{k: v for k, v in event(2, confidence="high").items() if k != "vehicle_class"},
                "camera": etle.camera.code,
            }
        )
    output = run("import", str(path), "--no-progress")
    assert "accepted: 1, merged: 0, duplicate: 0, rejected: 1" in output
    capture = Capture.objects.get()
    assert (capture.speed_kmh, capture.speed_limit_kmh, capture.confidence) == (95, 60, 95)


def test_import_vehicles(db, tmp_path):
    path = tmp_path / "vehicles.csv"
    header = ",".join(
        [
            "plate",
            "owner_name",
            "owner_address",
            "phone",
            "email",
            "vehicle_class",
            "make",
            "colour",
            "registration_valid_until",
            "blocked",
        ]
    )
    rows = [
        "b1234fab,Budi,Jl. Raya Setu 1,0812,budi@example.id,car,Toyota,Hitam,2027-05-01,",
        "B 2345 FXY,Siti,Jl. Raya Babelan 2,,,motorcycle,Honda,Merah,,ya",
        "not a plate,X,Y,,,car,,,,",
        "B 3456 FAA,Z,Jl. X,,,spaceship,,,,",
        "B 4567 FAA,Z,Jl. X,,,car,,,31-12-2027,",
    ]
    path.write_text("\n".join([header, *rows]) + "\n")
    output = run("import-vehicles", str(path))
    assert output.startswith("created: 2, updated: 0, rejected: 3")
    assert "line 4:" in output and "line 5:" in output and "line 6:" in output
    budi = Vehicle.objects.get(plate="B 1234 FAB")
    assert str(budi.registration_valid_until) == "2027-05-01" and not budi.blocked
    assert Vehicle.objects.get(plate="B 2345 FXY").blocked
    path.write_text("\n".join([header, rows[0].replace("Budi", "Budi Santoso")]) + "\n")
    assert run("import-vehicles", str(path)).startswith("created: 0, updated: 1")
    assert Vehicle.objects.get(plate="B 1234 FAB").owner_name == "Budi Santoso"


def test_missing_file(db):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError):
        run("import", "/nonexistent/events.jsonl")


def test_register_a_camera(etle):
    from bersih.etle.models import Camera
    from bersih.ledger.models import Entry

    output = run(
        "camera",
        "bks-setu-02",
        "--name",
        "Simpang Setu",
        "--road",
        "Jl. Raya Setu",
        "--lat",
        "-6.34",
        "--lon",
        "107.03",
        "--speed-limit",
        "40",
        "--violations",
        "red_light,helmet",
        "--unit",
        etle.org.bks_satlantas.code,
        "--client",
        etle.client.client.name,
    )
    assert "bks-setu-02 registered" in output
    camera = Camera.objects.get(code="bks-setu-02")
    assert camera.violation_codes == ["red_light", "helmet"] and camera.api_client == etle.client.client
    entry = Entry.objects.get(action="etle.camera.registered", data__code="bks-setu-02")
    assert entry.data["violations"] == ["red_light", "helmet"]
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="Unknown violation code"):
        run(
            "camera",
            "bks-setu-03",
            "--name",
            "X",
            "--road",
            "Y",
            "--lat",
            "0",
            "--lon",
            "0",
            "--violations",
            "flying",
            "--unit",
            etle.org.bks_satlantas.code,
        )
    assert not Camera.objects.filter(code="bks-setu-03").exists()
