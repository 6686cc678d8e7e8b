"""The investigator's review: approve, reject, correct the plate, change the violation."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from bersih.etle import services
from bersih.etle.models import Vehicle, Violation
from bersih.ledger.models import Entry

pytestmark = pytest.mark.usefixtures("english_messages")


def entries(action):
    return list(Entry.objects.filter(action=action))


def unchanged(case):
    """The case as stored equals ``case`` as read before the refused act."""
    stored = Violation.objects.get(pk=case.pk)
    fields = ["status", "plate", "violation_code", "article", "max_fine", "owner_name", "decided_by_id"]
    return all(getattr(stored, f) == getattr(case, f) for f in fields)


def test_approve_snapshots_the_owner_and_sets_the_deadlines(review, settings):
    settings.ETLE_CONFIRM_DAYS, settings.ETLE_PAY_DAYS = 7, 14
    case = services.violation_approve(actor=review.investigator, violation=review.case)
    case.refresh_from_db()
    assert case.status == Violation.APPROVED
    assert (case.owner_name, case.vehicle_make, case.vehicle_colour) == (
        "Budi Santoso",
        "Toyota Avanza",
        "Hitam",
    )
    assert case.decided_by == review.investigator and case.decided_at is not None
    day = timezone.localtime(case.first_captured_at).date()
    assert (case.confirm_by - day, case.pay_by - day) == (timedelta(days=7), timedelta(days=14))
    (entry,) = entries("etle.violation.approved")
    assert entry.actor_id == str(review.investigator.pk) and entry.unit == case.unit
    assert entry.data["before"] == {"status": "captured"}
    assert entry.data["after"]["owner_name"] == "Budi Santoso"


def test_a_case_cannot_be_decided_twice(review):
    services.violation_approve(actor=review.investigator, violation=review.case)
    with pytest.raises(ValidationError, match="already decided"):
        services.violation_reject(actor=review.investigator, violation=review.case, reason="duplicate")
    with pytest.raises(ValidationError, match="already decided"):
        services.violation_approve(actor=review.investigator, violation=review.case)
    assert Violation.objects.get(pk=review.case.pk).status == Violation.APPROVED
    assert len(entries("etle.violation.approved")) == 1 and not entries("etle.violation.rejected")


@pytest.mark.parametrize("who", ["officer", "supervisor", "depok"])
def test_only_investigators_in_scope_decide(review, who):
    actor = getattr(review, who)
    for act, kwargs in [
        (services.violation_approve, {}),
        (services.violation_reject, {"reason": "duplicate"}),
        (services.violation_correct_plate, {"plate": "B 2345 FXY"}),
        (services.violation_change_type, {"code": "sign"}),
    ]:
        with pytest.raises(PermissionDenied):
            act(actor=actor, violation=review.case, **kwargs)
    assert unchanged(review.case)
    assert not Entry.objects.filter(action__startswith="etle.violation.").exists()


def test_an_investigator_role_elsewhere_does_not_widen_the_scope(review, org):
    from bersih.core.models import Assignment

    # An officer in Bekasi who is an investigator only in Depok may not decide Bekasi's cases.
    Assignment.objects.create(user=review.depok, role="officer", unit=org.bks_satlantas)
    with pytest.raises(PermissionDenied):
        services.violation_approve(actor=review.depok, violation=review.case)


def test_reject_needs_a_listed_reason_and_a_note_for_other(review):
    with pytest.raises(ValidationError, match="listed reasons"):
        services.violation_reject(actor=review.investigator, violation=review.case, reason="bored")
    with pytest.raises(ValidationError, match="note"):
        services.violation_reject(actor=review.investigator, violation=review.case, reason="other")
    with pytest.raises(ValidationError, match="longer than"):
        services.violation_reject(
            actor=review.investigator, violation=review.case, reason="other", note="x" * 501
        )
    assert unchanged(review.case)
    case = services.violation_reject(
        actor=review.investigator, violation=review.case, reason="other", note="Pawai resmi"
    )
    assert case.status == Violation.REJECTED
    assert services.rejection_parts(case) == ("other", "Pawai resmi")
    (entry,) = entries("etle.violation.rejected")
    assert entry.data["reason"] == "other" and entry.data["note"] == "Pawai resmi"


def test_correcting_the_plate_looks_the_registry_up_again(review):
    Vehicle.objects.create(
        plate="B 2345 FXY", owner_name="Sari", owner_address="Tambun", vehicle_class="car", colour="Putih"
    )
    case = services.violation_correct_plate(
        actor=review.investigator, violation=review.case, plate="b2345fxy"
    )
    assert case.plate == "B 2345 FXY" and case.status == Violation.IN_REVIEW
    # Registered as a white car, photographed black: a possible fake or borrowed plate.
    assert "colour_mismatch" in case.review_reasons and case.needs_review
    (entry,) = entries("etle.violation.plate_corrected")
    assert entry.data["before"]["plate"] == "B 1234 FAB" and entry.data["after"]["plate"] == "B 2345 FXY"
    # An unregistered plate is flagged, and cannot be approved.
    case = services.violation_correct_plate(actor=review.investigator, violation=case, plate="B 9 ZZZ")
    assert "registry_missing" in case.review_reasons
    with pytest.raises(ValidationError, match="not in the vehicle registry"):
        services.violation_approve(actor=review.investigator, violation=case)
    assert Violation.objects.get(pk=case.pk).status == Violation.IN_REVIEW


@pytest.mark.parametrize(
    ("plate", "message"),
    [("<script>", "letters, digits"), ("B 1234 FAB", "unchanged"), ("B 12O4 FAB", "O/0"), ("", "No plate")],
)
def test_a_bad_plate_correction_changes_nothing(review, plate, message):
    with pytest.raises(ValidationError, match=message):
        services.violation_correct_plate(actor=review.investigator, violation=review.case, plate=plate)
    assert unchanged(review.case)
    assert not entries("etle.violation.plate_corrected")


def test_the_class_mismatch_of_the_registry_is_flagged(review, registered):
    registered.vehicle_class = "motorcycle"
    registered.save()
    case = services.violation_approve(actor=review.investigator, violation=review.case)
    assert "registry_mismatch" in case.review_reasons
    assert "registry_mismatch" in entries("etle.violation.approved")[0].data["flags"]


def test_changing_the_type_copies_the_article_and_fine_again(review):
    case = services.violation_change_type(actor=review.investigator, violation=review.case, code="phone")
    case.refresh_from_db()
    assert (case.violation_code, case.article, case.max_fine) == (
        "phone",
        "Pasal 283 UU No. 22 Tahun 2009",
        750_000,
    )
    (entry,) = entries("etle.violation.type_changed")
    assert entry.data["before"]["violation"] == "red_light" and entry.data["after"]["max_fine"] == 750_000


@pytest.mark.parametrize(
    ("code", "message"),
    [("nonsense", "Unknown"), ("no_sim", "Unknown"), ("red_light", "unchanged"), ("helmet", "apply")],
)
def test_a_bad_type_change_changes_nothing(review, code, message):
    with pytest.raises(ValidationError, match=message):
        services.violation_change_type(actor=review.investigator, violation=review.case, code=code)
    assert unchanged(review.case)
    assert not entries("etle.violation.type_changed")


def test_an_unreadable_plate_cannot_be_approved(review, etle):
    from bersih.etle.testing import event

    (result,) = services.captures_ingest(
        actor=etle.client.client, camera=etle.camera, items=[event(9, plate="")]
    )
    case = Violation.objects.get(tracking_number=result.tracking_number)
    with pytest.raises(ValidationError, match="unreadable"):
        services.violation_approve(actor=review.investigator, violation=case)
    case = services.violation_correct_plate(actor=review.investigator, violation=case, plate="B 1234 FAB")
    assert "unreadable" not in case.review_reasons
    assert services.violation_approve(actor=review.investigator, violation=case).status == Violation.APPROVED
