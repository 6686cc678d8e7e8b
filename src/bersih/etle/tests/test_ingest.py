"""The ingestion pipeline: each item judged alone, replays change nothing, merging, review flags."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from bersih.etle import services
from bersih.etle.models import Capture, CaptureImage, Violation
from bersih.etle.services import ingest as ingest_module
from bersih.etle.testing import event, png_bytes
from bersih.ledger.models import Entry

pytestmark = pytest.mark.usefixtures("english_messages")


def ingest(etle, items, **kwargs):
    return services.captures_ingest(actor=etle.client.client, camera=etle.camera, items=items, **kwargs)


def test_accepts_an_event_as_a_violation_with_the_law_copied(etle, registered):
    (result,) = ingest(etle, [event(1)])
    assert (result.outcome, result.status) == ("accepted", 201)
    violation = Violation.objects.get(tracking_number=result.tracking_number)
    assert violation.tracking_number.startswith("ETLE-")
    assert violation.status == Violation.CAPTURED
    assert violation.plate == "B 1234 FAB"
    assert violation.unit == etle.org.bks_satlantas
    assert violation.article.startswith("Pasal 287 ayat (2)")
    assert violation.max_fine == 500_000
    day = timezone.localtime(violation.first_captured_at).date()
    assert (violation.confirm_by - day, violation.pay_by - day) == (timedelta(days=8), timedelta(days=15))
    assert len(violation.reference_code) == 10
    capture = violation.captures.get()
    assert capture.event_id == "evt-1" and capture.source == Capture.API
    # no pictures sent: a reviewer must see that the evidence is missing
    assert violation.needs_review and "evidence_missing" in violation.review_reasons


def test_one_ledger_entry_per_batch_names_every_event(etle, registered):
    before = Entry.objects.count()
    results = ingest(etle, [event(1), event(2, plate="B 2345 FXY", vehicle_class="motorcycle")])
    entries = list(Entry.objects.filter(seq__gt=before, action="etle.captures.ingested"))
    assert len(entries) == 1
    assert entries[0].data["accepted"] == ["evt-1", "evt-2"]
    assert sorted(entries[0].data["opened"]) == sorted(r.tracking_number for r in results)
    assert entries[0].actor_kind == "client"


def test_a_replay_changes_nothing_and_says_so(etle, registered):
    (first,) = ingest(etle, [event(1)])
    entries = Entry.objects.count()
    (again,) = ingest(etle, [event(1)])
    assert (again.outcome, again.status, again.tracking_number) == ("duplicate", 200, first.tracking_number)
    assert Capture.objects.count() == 1 and Violation.objects.count() == 1
    assert Entry.objects.count() == entries  # nothing written, not even a ledger entry


def test_the_same_event_id_with_other_content_is_a_conflict(etle):
    ingest(etle, [event(1)])
    (result,) = ingest(etle, [event(1, plate="B 9999 FAB")])
    assert (result.outcome, result.status, result.problem_type) == ("rejected", 409, "conflict")
    assert Capture.objects.get().plate == "B 1234 FAB"


def test_a_duplicate_inside_one_batch(etle):
    first, second = ingest(etle, [event(1), event(1)])
    assert first.outcome == "accepted"
    assert (second.outcome, second.tracking_number) == ("duplicate", first.tracking_number)
    assert Capture.objects.count() == 1


def test_a_bad_item_never_blocks_the_good_ones(etle):
    now = timezone.now()
    results = ingest(
        etle,
        [
            event(1),
            event(2, plate="<script>"),
            event(3, captured_at=(now + timedelta(hours=1)).isoformat()),
            event(4, captured_at=(now - timedelta(days=400)).isoformat()),
            event(5, violation="flying"),
            event(6, violation="phone"),  # not enforced by this camera
            event(7, captured_at="2026-11-28T10:00:00"),  # no offset
            event(8, extra="field"),
            event(9, violation="speed", speed_kmh=50),  # not above the 60 km/h limit
            "not an object",
            event(11, images=[{"role": "scene", "part": "missing.jpg"}]),
            event(12),
        ],
    )
    outcomes = [(r.outcome, r.problem_type) for r in results]
    assert outcomes == [
        ("accepted", ""),
        ("rejected", "invalid-plate"),
        ("rejected", "event-time"),
        ("rejected", "event-time"),
        ("rejected", "unknown-violation"),
        ("rejected", "unknown-violation"),
        ("rejected", "validation-error"),
        ("rejected", "validation-error"),
        ("rejected", "missing-evidence"),
        ("rejected", "validation-error"),
        ("rejected", "missing-image"),
        ("merged", ""),  # same plate, camera and rule a moment later: the same case
    ]
    assert [e["type"] for e in results[7].errors] == ["extra_forbidden"]
    assert "future" in results[2].reason
    assert set(Capture.objects.values_list("event_id", flat=True)) == {"evt-1", "evt-12"}
    assert Violation.objects.get().capture_count == 2


def test_merge_window(etle, settings):
    settings.ETLE_MERGE_WINDOW_MINUTES = 10
    base = timezone.now() - timedelta(hours=2)
    results = ingest(
        etle,
        [
            event(1, captured_at=base.isoformat()),
            event(2, captured_at=(base + timedelta(minutes=5)).isoformat()),
            event(3, captured_at=(base + timedelta(minutes=30)).isoformat()),
            event(4, captured_at=(base + timedelta(minutes=6)).isoformat(), violation="speed", speed_kmh=90),
            event(5, captured_at=(base + timedelta(minutes=7)).isoformat(), plate="B 4321 FAB"),
        ],
    )
    assert [r.outcome for r in results] == ["accepted", "merged", "accepted", "accepted", "accepted"]
    assert results[0].tracking_number == results[1].tracking_number != results[2].tracking_number
    # a later batch still merges into the open case within the window
    (later,) = ingest(etle, [event(6, captured_at=(base + timedelta(minutes=33)).isoformat())])
    assert (later.outcome, later.tracking_number) == ("merged", results[2].tracking_number)
    case = Violation.objects.get(tracking_number=results[2].tracking_number)
    assert case.capture_count == 2
    assert case.last_captured_at - case.first_captured_at == timedelta(minutes=3)


def test_a_decided_case_takes_no_more_captures(etle):
    (first,) = ingest(etle, [event(1)])
    Violation.objects.filter(tracking_number=first.tracking_number).update(status=Violation.APPROVED)
    (second,) = ingest(etle, [event(2)])
    assert second.outcome == "accepted" and second.tracking_number != first.tracking_number


def test_review_flags(etle, registered):
    results = ingest(
        etle,
        [
            event(1, plate=""),
            event(2, plate="B 12O4 FAB"),
            event(3, confidence=40, plate="B 5555 FAB"),
            event(4, plate="QQ 12 AB"),
            event(5, plate="B 1234 FAB", vehicle_class="motorcycle", violation="helmet"),
            event(6, plate="B 1234 FAB", vehicle_class="car", violation="helmet"),
        ],
    )
    reasons = [set(r.review_reasons) for r in results]
    assert {"unreadable"} <= reasons[0]
    assert {"ambiguous_characters"} <= reasons[1]
    assert {"low_confidence", "registry_missing"} <= reasons[2]
    assert {"unknown_region"} <= reasons[3]
    assert {"registry_mismatch"} <= reasons[4]  # a motorcycle on a car's plate
    assert {"class_mismatch"} <= reasons[5]
    unreadable = Violation.objects.get(tracking_number=results[0].tracking_number)
    assert unreadable.plate == "" and unreadable.needs_review
    assert Capture.objects.get(event_id="evt-2").plate_read == "B 12O4 FAB"  # kept as read


def test_unreadable_plates_are_never_merged(etle):
    first, second = ingest(etle, [event(1, plate=""), event(2, plate="")])
    assert first.tracking_number != second.tracking_number


def test_pictures_go_to_the_document_store(etle):
    picture = png_bytes()
    items = [
        event(1, images=[{"role": "scene", "part": "scene"}, {"role": "plate", "part": "plate"}]),
    ]
    (result,) = ingest(etle, items, files={"scene": picture, "plate": png_bytes((0, 0, 0))})
    assert result.outcome == "accepted"
    capture = Capture.objects.get()
    assert sorted(capture.image_links.values_list("role", flat=True)) == ["plate", "scene"]
    stored = capture.image_links.get(role="scene").file
    assert stored.content_type == "image/png" and stored.read() == picture
    assert "evidence_missing" not in result.review_reasons
    # a later event may refer to the stored picture by its SHA-256
    (again,) = ingest(etle, [event(2, plate="B 77 FA", images=[{"role": "scene", "sha256": stored.sha256}])])
    assert again.outcome == "accepted"
    assert CaptureImage.objects.filter(file=stored).count() == 2


@pytest.mark.parametrize(
    "content, kind",
    [
        (b"MZ\x90\x00" + b"\x00" * 200, "file_type"),  # a Windows executable named .jpg
        (b"<html><script>alert(1)</script></html>", "file_type"),
        (b"", "file_empty"),
    ],
)
def test_pictures_that_are_not_pictures(etle, content, kind):
    (result,) = ingest(
        etle, [event(1, images=[{"role": "scene", "part": "x.jpg"}])], files={"x.jpg": content}
    )
    assert (result.outcome, result.problem_type) == ("rejected", "invalid-image")
    assert result.errors[0]["type"] == kind
    assert not Capture.objects.exists() and not Violation.objects.exists()


def test_pictures_too_large(etle, settings):
    from bersih.etle import rules

    big = png_bytes() + b"\x00" * rules.MAX_IMAGE_BYTES
    (result,) = ingest(etle, [event(1, images=[{"role": "scene", "part": "a"}])], files={"a": big})
    assert result.errors[0]["type"] == "file_too_large"
    assert not Capture.objects.exists()


def test_batch_size_limit(etle):
    from django.core.exceptions import ValidationError

    from bersih.etle import rules

    with pytest.raises(ValidationError):
        ingest(etle, [event(n) for n in range(rules.MAX_BATCH_ITEMS + 1)])
    assert not Capture.objects.exists()


def test_a_concurrent_insert_is_retried_as_a_replay(etle, monkeypatch):
    """Another request stored the same event after our read: the insert fails, the retry says duplicate."""
    (first,) = ingest(etle, [event(1)])
    real = ingest_module._stored_events
    calls = []

    def read_before_the_other_commit(camera, event_ids):
        calls.append(event_ids)
        return {} if len(calls) == 1 else real(camera, event_ids)

    monkeypatch.setattr(ingest_module, "_stored_events", read_before_the_other_commit)
    (result,) = ingest(etle, [event(1)])
    assert len(calls) == 2
    assert (result.outcome, result.tracking_number) == ("duplicate", first.tracking_number)
    assert Capture.objects.count() == 1 and Violation.objects.count() == 1


def test_tracking_numbers_drawn_for_a_batch_are_valid_and_distinct():
    from bersih.core.tracking import CROCKFORD, parse

    pool = ingest_module._RandomPool(100)  # about 2,400 characters
    numbers = [services.tracking_number_new(2026, pool) for _ in range(600)]  # past the pool's end too
    assert all(str(parse(n)) == n and n.startswith("ETLE-2026-") for n in numbers)
    assert len(set(numbers)) == len(numbers)
    codes = [services.reference_code_new(pool) for _ in range(100)]
    assert all(len(c) == 10 and set(c) <= set(CROCKFORD) for c in codes)


def test_registry_lookup_answers_what_the_orm_reads(db):
    from datetime import date

    from bersih.etle.models import Vehicle
    from bersih.etle.registry import VEHICLE_FIELDS, RegisteredVehicle, registry

    Vehicle.objects.create(
        plate="B 1 FA", vehicle_class="car", registration_valid_until=date(2027, 3, 1), blocked=True
    )
    Vehicle.objects.create(plate="B 2 FA", vehicle_class="motorcycle", owner_name="Sari")
    plates = ["B 1 FA", "B 2 FA", "B 3 FA", "B 1 FA", ""] + [f"D {n} XY" for n in range(1, 600)]  # two chunks
    found = registry().lookup_many(plates)
    expected = {
        row["plate"]: RegisteredVehicle(**row)
        for row in Vehicle.objects.filter(plate__in=["B 1 FA", "B 2 FA"]).values(*VEHICLE_FIELDS)
    }
    assert found == expected
    assert found["B 1 FA"].registration_valid_until == date(2027, 3, 1) and found["B 1 FA"].blocked is True
    assert found["B 2 FA"].registration_valid_until is None and found["B 2 FA"].blocked is False
    assert registry().lookup("B 3 FA") is None
