"""The investigator's decision on a case: approve, reject, correct the plate, change the violation."""

from __future__ import annotations

from datetime import timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from bersih import ledger

from .. import plates, rules
from ..models import Capture, Violation
from ..registry import registry
from .letters import notice_enqueue_after_commit

# --- Review: the investigator's decision ------------------------------------------------------------
# Each act locks the case row, checks the person and the state again under the lock (so two officers
# cannot both decide one case), changes it and records the before/after values in the ledger.


def _review_lock(actor, violation: Violation) -> Violation:
    """The case, locked, if ``actor`` may decide it now; PermissionDenied or ValidationError otherwise."""
    from ..selectors import reviewable

    if not actor.has_perm("etle.review_violation"):
        raise PermissionDenied(_("Only investigators decide camera violations."))
    # Only the case row is locked, not the unit row the scope filter joins.
    locked = reviewable(actor).select_for_update(of=("self",)).filter(pk=violation.pk).first()
    if locked is None:
        raise PermissionDenied(_("This case is outside your units."))
    if locked.status not in Violation.OPEN_STATUSES:
        raise ValidationError(
            _("This case was already decided (%(status)s).") % {"status": locked.get_status_display()},
            code="decided",
        )
    return locked


def _camera_colour(violation: Violation) -> str:
    """The colour the camera saw on the case's latest capture that reported one."""
    colour = (
        Capture.objects.filter(violation=violation)
        .exclude(vehicle_colour="")
        .order_by("-captured_at", "-id")
        .values_list("vehicle_colour", flat=True)
        .first()
    )
    return colour or ""


def registry_reasons(violation: Violation, vehicle, camera_colour: str) -> list[str]:
    """The registry's flags for the case's plate: not registered, or a class/colour unlike the camera's.

    A registered vehicle of another class or colour than the one photographed is the sign of a fake
    or borrowed plate: the investigator must look before a letter goes to that owner.
    """
    if not violation.plate:
        return []
    if vehicle is None:
        return ["registry_missing"]
    reasons = []
    if violation.vehicle_class and vehicle.vehicle_class != violation.vehicle_class:
        reasons.append("registry_mismatch")
    if (
        camera_colour
        and vehicle.colour
        and rules.colour_key(camera_colour) != rules.colour_key(vehicle.colour)
    ):
        reasons.append("colour_mismatch")
    return reasons


def _refresh_flags(violation: Violation, vehicle, *, plate_typed: bool) -> None:
    keep = set(violation.review_reasons) - rules.REGISTRY_REASONS
    if plate_typed:
        keep -= rules.PLATE_READ_REASONS
    reasons = sorted(keep | set(registry_reasons(violation, vehicle, _camera_colour(violation))))
    violation.review_reasons, violation.needs_review = reasons, bool(reasons)


def _record_decision(actor, violation: Violation, verb: str, data: dict) -> None:
    ledger.record(
        actor=actor,
        action=f"etle.violation.{verb}",
        subject=violation,
        unit=violation.unit,
        data={"tracking_number": violation.tracking_number, **data},
    )


def violation_approve(*, actor, violation: Violation) -> Violation:
    """Approve the case: the owner is taken from the registry into the case, the deadlines set.

    The plate must be readable and registered (correct it, or reject the case, otherwise). The
    confirmation letter is sent by a task queued when this commits (and by the ``etle.letters``
    sweep should that task be lost).
    """
    with transaction.atomic():
        case = _review_lock(actor, violation)
        if not case.plate:
            raise ValidationError(
                _("The plate is unreadable: correct it from the pictures, or reject the case."), code="plate"
            )
        vehicle = registry().lookup(case.plate)
        if vehicle is None:
            raise ValidationError(
                _("Plate %(plate)s is not in the vehicle registry: correct the plate, or reject the case.")
                % {"plate": case.plate},
                code="registry",
            )
        before = {"status": case.status}
        _refresh_flags(case, vehicle, plate_typed=False)
        now = timezone.now()
        day = timezone.localtime(case.first_captured_at).date()
        case.owner_name, case.owner_address = vehicle.owner_name, vehicle.owner_address
        case.owner_phone, case.owner_email = vehicle.phone, vehicle.email
        case.vehicle_make, case.vehicle_colour = vehicle.make, vehicle.colour
        case.registration_valid_until = vehicle.registration_valid_until
        # Counted from the day of the violation (Perpol 7/2021 Pasal 87(3)(b)), with today's rules.
        case.confirm_by = day + timedelta(days=rules.confirm_days())
        case.pay_by = day + timedelta(days=rules.pay_days())
        case.status, case.decided_at, case.decided_by = Violation.APPROVED, now, actor
        case.save()
        _record_decision(
            actor,
            case,
            "approved",
            {
                "before": before,
                "after": {
                    "status": case.status,
                    "plate": case.plate,
                    "owner_name": case.owner_name,
                    "confirm_by": case.confirm_by.isoformat(),
                    "pay_by": case.pay_by.isoformat(),
                },
                "flags": case.review_reasons,
            },
        )
        # The confirmation letter goes out from the worker once this commits (services/letters.py).
        notice_enqueue_after_commit(case.pk)
    return case


def violation_reject(*, actor, violation: Violation, reason: str, note: str = "") -> Violation:
    """Turn the case down for one of ``rules.REJECTION_REASONS`` (``other`` needs a note)."""
    note = (note or "").strip()
    if reason not in rules.REJECTION_REASONS:
        raise ValidationError(_("Choose one of the listed reasons."), code="reason")
    if reason == rules.REJECT_OTHER and not note:
        raise ValidationError(_("Explain the reason in the note."), code="note")
    if len(note) > rules.MAX_REJECTION_NOTE:
        raise ValidationError(
            _("The note is longer than %(limit)d characters.") % {"limit": rules.MAX_REJECTION_NOTE},
            code="note",
        )
    with transaction.atomic():
        case = _review_lock(actor, violation)
        before = case.status
        case.status, case.decided_at, case.decided_by = Violation.REJECTED, timezone.now(), actor
        # The code first (for counting), the officer's note after it.
        case.rejection_reason = f"{reason}\n{note}" if note else reason
        case.save()
        _record_decision(
            actor,
            case,
            "rejected",
            {"before": {"status": before}, "after": {"status": case.status}, "reason": reason, "note": note},
        )
    return case


def rejection_parts(violation: Violation) -> tuple[str, str]:
    """(reason code, note) of a rejected case."""
    code, _sep, note = violation.rejection_reason.partition("\n")
    return code, note


def violation_correct_plate(*, actor, violation: Violation, plate: str) -> Violation:
    """Set the plate as read from the pictures; the registry is asked again and the flags recomputed."""
    try:
        parsed = plates.parse(plate)
    except plates.PlateError as exc:
        raise ValidationError(exc.message, code="plate") from None
    if parsed.ambiguous:
        # The typed text only fits once O/0 or I/1 are swapped: the officer must type what is on the plate.
        raise ValidationError(
            _("The plate mixes up O/0 or I/1: type it as it is on the plate."), code="plate"
        )
    with transaction.atomic():
        case = _review_lock(actor, violation)
        if str(parsed) == case.plate:
            raise ValidationError(_("The plate is unchanged."), code="unchanged")
        before = {"plate": case.plate, "review_reasons": case.review_reasons}
        case.plate = str(parsed)
        vehicle = registry().lookup(case.plate)
        _refresh_flags(case, vehicle, plate_typed=True)
        if not parsed.known_region and "unknown_region" not in case.review_reasons:
            case.review_reasons = sorted([*case.review_reasons, "unknown_region"])
            case.needs_review = True
        elif parsed.known_region and "unknown_region" in case.review_reasons:
            case.review_reasons = [r for r in case.review_reasons if r != "unknown_region"]
            case.needs_review = bool(case.review_reasons)
        case.status = Violation.IN_REVIEW
        case.save()
        _record_decision(
            actor,
            case,
            "plate_corrected",
            {
                "before": before,
                "after": {"plate": case.plate, "review_reasons": case.review_reasons},
                "registered": vehicle is not None,
            },
        )
    return case


def violation_change_type(*, actor, violation: Violation, code: str) -> Violation:
    """Change the violation; its article and maximum fine are copied again from ``rules``."""
    kind = rules.violation_type(code)
    if kind is None or not kind.camera_detectable:
        raise ValidationError(_("Unknown violation code: %(code)s.") % {"code": code}, code="violation")
    with transaction.atomic():
        case = _review_lock(actor, violation)
        if case.violation_code == kind.code:
            raise ValidationError(_("The violation is unchanged."), code="unchanged")
        if case.vehicle_class and case.vehicle_class not in kind.classes:
            raise ValidationError(
                _("%(violation)s does not apply to a %(class)s.")
                % {"violation": kind.name_en, "class": rules.VEHICLE_CLASSES[case.vehicle_class]},
                code="class",
            )
        before = {"violation": case.violation_code, "article": case.article, "max_fine": case.max_fine}
        case.violation_code, case.article, case.max_fine = kind.code, kind.article, kind.max_fine
        case.status = Violation.IN_REVIEW
        case.save()
        _record_decision(
            actor,
            case,
            "type_changed",
            {
                "before": before,
                "after": {"violation": kind.code, "article": kind.article, "max_fine": kind.max_fine},
            },
        )
    return case
