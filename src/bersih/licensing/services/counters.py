"""Counters and shifts: which clerk staffs which counter today (only they may call at it)."""

from __future__ import annotations

from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from bersih import ledger
from bersih.core.querysets import scope_paths

from .. import rules
from ..models import Counter, CounterShift, LineEntry


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


def _in_scope(actor, unit) -> bool:
    if getattr(actor, "is_superuser", False):
        return True
    return any(unit.path.startswith(path) for path in scope_paths(actor))


def counter_save(
    *,
    actor,
    unit,
    number: int,
    stage: str,
    name: str = "",
    active: bool = True,
    counter: Counter | None = None,
) -> Counter:
    """Set up a counter of a Satpas (or change one): its number, the stage it serves, its name and
    whether it is open. Only the people who set up the Satpas's counters, inside their units."""
    if not actor.has_perm("licensing.change_counter") or not _in_scope(actor, unit):
        raise PermissionDenied(_("This Satpas is outside your units."))
    if counter is not None and counter.unit_id != unit.pk:
        raise ValidationError(_("A counter stays at its Satpas."), code="unit")
    if stage not in rules.STAGES:
        raise ValidationError(_("Unknown stage."), code="stage")
    if not isinstance(number, int) or not 1 <= number <= 999:
        raise ValidationError(_("A counter number is between 1 and 999."), code="number")
    name = " ".join(str(name or "").split())
    with transaction.atomic():
        if Counter.objects.filter(unit=unit, number=number).exclude(pk=getattr(counter, "pk", None)).exists():
            raise ValidationError(
                _("This Satpas already has a counter %(number)d.") % {"number": number}, code="number_taken"
            )
        before = None
        if counter is None:
            counter = Counter(unit=unit)
        else:
            counter = Counter.objects.select_for_update().get(pk=counter.pk)
            before = {
                "number": counter.number,
                "stage": counter.stage,
                "name": counter.name,
                "active": counter.active,
            }
            if counter.stage != stage and counter.entries.filter(state=LineEntry.CALLED).exists():
                raise ValidationError(
                    _("Finish the applicant being served before the counter serves another stage."),
                    code="counter_busy",
                )
        counter.number, counter.stage, counter.name, counter.active = number, stage, name, active
        counter.save()
        ledger.record(
            actor=actor,
            action="licensing.counter.saved",
            subject=counter,
            unit=unit,
            data={"number": number, "stage": stage, "name": name, "active": active, "before": before},
        )
    return counter
