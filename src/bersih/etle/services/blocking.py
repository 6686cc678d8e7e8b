"""STNK blocks: placed when a deadline passes, lifted by payment or an officer's decision.

Each block and unblock is a ``StnkBlock`` row (the feed Samsat reads) and a ledger entry; the local
registry's ``Vehicle.blocked`` says whether any block on the plate is still in force.

* ``block_place`` / ``block_lift`` — the records themselves (the bank's callback lifts with
  ``reason="paid"``; code that cancels a case lifts with ``reason=rules.LIFT_CANCELLED`` in its own
  transaction — a case without a block in force answers None, so it can always be called);
* ``deadline_due`` / ``deadline_block`` — which case is late and why, and its block by the sweep;
* ``block_lift_manual`` — a supervisor lifts a block for a reason of ``rules.MANUAL_LIFT_REASONS``
  and closes the case.
"""

from __future__ import annotations

from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Exists, Max, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from bersih import ledger

from .. import rules
from ..models import Payment, StnkBlock, Vehicle, Violation


def _block_in_force(violation: Violation) -> bool:
    last = (
        StnkBlock.objects.filter(violation=violation).order_by("-id").values_list("action", flat=True).first()
    )
    return last == StnkBlock.BLOCK


def _plate_still_blocked(plate: str) -> bool:
    """Whether any case still holds a block on the plate (each case's last row decides): one query."""
    last_rows = (
        StnkBlock.objects.filter(plate=plate).values("violation").annotate(last=Max("id")).values("last")
    )
    return StnkBlock.objects.filter(pk__in=last_rows, action=StnkBlock.BLOCK).exists()


def block_place(*, actor, violation: Violation, reason: str, extra: dict | None = None) -> StnkBlock | None:
    """Block the STNK of the case's plate; None when this case's block is already in force.

    ``extra`` adds facts to the ledger entry (the deadline that passed).
    """
    if reason not in rules.BLOCK_REASONS:
        raise ValidationError(_("Unknown reason for a block."), code="reason")
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
                **(extra or {}),
            },
        )
    return row


def block_lift(*, actor, violation: Violation, reason: str, extra: dict | None = None) -> StnkBlock | None:
    """Lift the case's block (the caller sets the case's new status); None when none is in force.

    ``reason`` is one of ``rules.LIFT_REASONS``: ``paid`` for the bank's callback, ``cancelled`` for
    code that cancels a case (call it in the cancelling transaction: a case without a block is a no-op).
    ``Vehicle.blocked`` stays set while another case still blocks the same plate.
    """
    if reason not in rules.LIFT_REASONS:
        raise ValidationError(_("Unknown reason for lifting a block."), code="reason")
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
                **(extra or {}),
            },
        )
    return row


# --- Deadlines ------------------------------------------------------------------------------------


def _paid_payment():
    return Exists(Payment.objects.filter(violation=OuterRef("pk"), status=Payment.PAID))


def _letter_out_q() -> Q:
    """Cases whose letter is out: sent, or approved again for a resend after one was sent."""
    return Q(status=Violation.LETTER_SENT) | Q(status=Violation.APPROVED, letter_sent_at__isnull=False)


def deadline_candidates(today: date):
    """Cases late on ``today`` (WIB), paused or not: ``(not confirmed, not paid)`` querysets.

    Late means the day after the deadline date: ``confirm_by < today`` or ``pay_by < today``.
    """
    not_confirmed = Violation.objects.filter(_letter_out_q(), confirm_by__lt=today)
    not_paid = (
        Violation.objects.filter(status=Violation.CONFIRMED, pay_by__lt=today)
        .annotate(has_paid=_paid_payment())
        .filter(has_paid=False)
    )
    return not_confirmed, not_paid


def deadline_paused(today: date) -> int:
    """Late cases the sweep leaves alone because they are paused (returned mail, dispute under review)."""
    awaiting_confirmation = _letter_out_q() | Q(status__in=(Violation.RETURNED, Violation.DISPUTED))
    late = (awaiting_confirmation & Q(confirm_by__lt=today)) | Q(status=Violation.CONFIRMED, pay_by__lt=today)
    return Violation.objects.filter(late).exclude(pause_reason="").count()


def deadline_due(case: Violation, today: date, *, paid: bool = False) -> str | None:
    """The block reason that applies to ``case`` on ``today`` (WIB), or None if it is not late."""
    if case.pause_reason:
        return None
    letter_out = case.status == Violation.LETTER_SENT or (
        case.status == Violation.APPROVED and case.letter_sent_at is not None
    )
    if letter_out and case.confirm_by < today:
        return rules.BLOCK_NOT_CONFIRMED
    if case.status == Violation.CONFIRMED and case.pay_by < today and not paid:
        return rules.BLOCK_NOT_PAID
    return None


def deadline_block(*, actor, violation: Violation, today: date) -> StnkBlock | None:
    """Block a late case, judged again under the row lock (it may have been paid or paused meanwhile)."""
    with transaction.atomic():
        case = Violation.objects.select_for_update(of=("self",)).get(pk=violation.pk)
        paid = Payment.objects.filter(violation=case, status=Payment.PAID).exists()
        reason = deadline_due(case, today, paid=paid)
        if reason is None:
            return None
        deadline = case.confirm_by if reason == rules.BLOCK_NOT_CONFIRMED else case.pay_by
        return block_place(
            actor=actor,
            violation=case,
            reason=reason,
            extra={"deadline": deadline.isoformat(), "late_on": today.isoformat()},
        )


# --- A supervisor's lift --------------------------------------------------------------------------


def block_lift_manual(*, actor, violation: Violation, reason: str, note: str = "") -> StnkBlock:
    """A supervisor lifts the case's block for a reason of the fixed list; the case is cancelled."""
    if reason not in rules.MANUAL_LIFT_REASONS:
        raise ValidationError(_("Choose a reason from the list."), code="reason")
    note = (note or "").strip()
    if len(note) > rules.MAX_LIFT_NOTE:
        raise ValidationError(
            _("The note is longer than %(limit)d characters.") % {"limit": rules.MAX_LIFT_NOTE}, code="note"
        )
    if not Violation.objects.restrict(actor, "unblock").filter(pk=violation.pk).exists():
        raise PermissionDenied
    with transaction.atomic():
        case = Violation.objects.select_for_update(of=("self",)).get(pk=violation.pk)
        before = case.status
        row = block_lift(
            actor=actor,
            violation=case,
            reason=reason,
            extra={"note": note, "before": {"status": before}, "after": {"status": Violation.CANCELLED}},
        )
        if row is None:
            raise ValidationError(_("This case has no block in force."), code="not_blocked")
        case.status = Violation.CANCELLED
        case.save(update_fields=["status", "updated_at"])
    return row
