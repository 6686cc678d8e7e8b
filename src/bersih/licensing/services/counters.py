"""Counters and shifts: which clerk staffs which counter today (only they may call at it)."""

from __future__ import annotations

from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from bersih import ledger

from ..models import Counter, CounterShift


def is_counter_clerk_of(user, unit) -> bool:
    """Whether ``user`` is an active counter clerk of ``unit`` (an assignment there or above it)."""
    return user.is_active and any(
        assignment.role == "counter_clerk"
        and assignment.unit_id
        and unit.path.startswith(assignment.unit.path)
        for assignment in user.active_assignments()
    )


def counter_shift_assign(*, actor, counter: Counter, clerk, day: date | None = None) -> CounterShift:
    """A supervisor puts a counter clerk of the Satpas on a counter for a day."""
    day = day or timezone.localdate()
    if not Counter.objects.restrict(actor, "staff").filter(pk=counter.pk).exists():
        raise PermissionDenied(_("This counter is outside your units."))
    if day < timezone.localdate():
        raise ValidationError(_("A shift cannot be assigned for a past day."), code="day")
    if not is_counter_clerk_of(clerk, counter.unit):
        raise ValidationError(
            _("%(name)s is not a counter clerk of this Satpas.") % {"name": clerk}, code="clerk"
        )
    with transaction.atomic():
        if CounterShift.objects.filter(counter=counter, day=day).exists():
            raise ValidationError(_("This counter is already staffed that day."), code="counter_staffed")
        if CounterShift.objects.filter(clerk=clerk, day=day).exists():
            raise ValidationError(_("This clerk already staffs another counter that day."), code="clerk_busy")
        try:
            with transaction.atomic():
                shift = CounterShift.objects.create(
                    counter=counter, clerk=clerk, day=day, assigned_by=actor, assigned_at=timezone.now()
                )
        except IntegrityError as exc:
            raise ValidationError(
                _("This counter or clerk was just assigned by someone else."), code="race"
            ) from exc
        ledger.record(
            actor=actor,
            action="licensing.shift.assigned",
            subject=counter,
            unit=counter.unit,
            data={
                "counter": counter.number,
                "stage": counter.stage,
                "clerk": clerk.get_username(),
                "day": day,
            },
        )
    return shift
