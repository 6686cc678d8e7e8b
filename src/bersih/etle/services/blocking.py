"""STNK blocks: placed when a deadline passes, lifted by payment or an officer's decision.

Each block and unblock is a ``StnkBlock`` row (the feed Samsat reads) and a ledger entry; the local
registry's ``Vehicle.blocked`` says whether any block on the plate is still in force.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from bersih import ledger

from ..models import StnkBlock, Vehicle, Violation


def _block_in_force(violation: Violation) -> bool:
    last = (
        StnkBlock.objects.filter(violation=violation).order_by("-id").values_list("action", flat=True).first()
    )
    return last == StnkBlock.BLOCK


def _plate_still_blocked(plate: str) -> bool:
    """Whether another case still holds a block on the plate (each case's last row decides)."""
    for violation_id in StnkBlock.objects.filter(plate=plate).values_list("violation", flat=True).distinct():
        last = (
            StnkBlock.objects.filter(violation_id=violation_id)
            .order_by("-id")
            .values_list("action", flat=True)
            .first()
        )
        if last == StnkBlock.BLOCK:
            return True
    return False


def block_place(*, actor, violation: Violation, reason: str) -> StnkBlock | None:
    """Block the STNK of the case's plate; None when this case's block is already in force."""
    with transaction.atomic():
        case = Violation.objects.select_for_update(of=("self",)).get(pk=violation.pk)
        if _block_in_force(case):
            return None
        now = timezone.now()
        row = StnkBlock.objects.create(
            violation=case, plate=case.plate, action=StnkBlock.BLOCK, reason=reason, at=now
        )
        before = case.status
        case.status, case.blocked_at = Violation.BLOCKED, now
        case.save(update_fields=["status", "blocked_at", "updated_at"])
        Vehicle.objects.filter(plate=case.plate).update(blocked=True, updated_at=now)
        ledger.record(
            actor=actor,
            action="etle.stnk.blocked",
            subject=case,
            unit=case.unit,
            data={
                "tracking_number": case.tracking_number,
                "plate": case.plate,
                "reason": reason,
                "before": {"status": before},
                "block": row.pk,
            },
        )
    return row


def block_lift(*, actor, violation: Violation, reason: str) -> StnkBlock | None:
    """Lift the case's block (the caller sets the case's new status); None when none is in force."""
    with transaction.atomic():
        case = Violation.objects.select_for_update(of=("self",)).get(pk=violation.pk)
        if not _block_in_force(case):
            return None
        now = timezone.now()
        row = StnkBlock.objects.create(
            violation=case, plate=case.plate, action=StnkBlock.UNBLOCK, reason=reason, at=now
        )
        still_blocked = _plate_still_blocked(case.plate)
        Vehicle.objects.filter(plate=case.plate).update(blocked=still_blocked, updated_at=now)
        ledger.record(
            actor=actor,
            action="etle.stnk.unblocked",
            subject=case,
            unit=case.unit,
            data={
                "tracking_number": case.tracking_number,
                "plate": case.plate,
                "reason": reason,
                "plate_still_blocked": still_blocked,
                "unblock": row.pk,
            },
        )
    return row
