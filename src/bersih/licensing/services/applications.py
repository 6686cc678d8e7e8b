"""Applications, tickets and check-in: how an applicant gets into the first line.

A walk-in applicant is registered and given a ticket at once (the kiosk); an online applicant books a
day and slot, gets a tracking number, and is given a ticket when they check in on that day.
"""

from __future__ import annotations

import secrets
from datetime import date, datetime, time, timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from bersih import ledger
from bersih.core.identity import nik_check
from bersih.core.models import Unit
from bersih.core.tracking import new_tracking_number

from .. import rules
from ..models import Application, BoardEvent, Ticket, TicketSequence
from .line import board_event, enter_line

TRACKING_PREFIX = "SIM"


def _age_on(birth_date: date, day: date) -> int:
    return day.year - birth_date.year - ((day.month, day.day) < (birth_date.month, birth_date.day))


def _check_service(service: str, sim_class: str, birth_date: date, on: date) -> None:
    if service not in rules.SERVICE_KINDS:
        raise ValidationError(_("Unknown service."), code="service")
    if sim_class not in rules.SIM_CLASSES:
        raise ValidationError(_("Unknown SIM class."), code="sim_class")
    minimum = rules.MIN_AGE.get(sim_class)
    if minimum and service != "renewal" and _age_on(birth_date, on) < minimum:
        raise ValidationError(
            _("A SIM %(cls)s needs an applicant aged at least %(age)d (%(citation)s).")
            % {"cls": rules.SIM_CLASSES[sim_class], "age": minimum, "citation": rules.AGE_CITATION},
            code="age",
        )


def _check_no_live_application(nik: str) -> None:
    live = Application.objects.filter(nik=nik, status__in=Application.LIVE_STATUSES).first()
    if live is not None:
        raise ValidationError(
            _("This NIK already has an application in progress (%(number)s).")
            % {"number": live.tracking_number},
            code="duplicate_nik",
        )


def _check_slot(unit: Unit, day: date, slot: time, now: datetime) -> None:
    today = timezone.localdate(now)
    if slot not in rules.SLOT_STARTS:
        raise ValidationError(_("That is not a service slot."), code="slot")
    if day < today or day > today + timedelta(days=rules.BOOKING_DAYS_AHEAD):
        raise ValidationError(
            _("A day can be booked from today up to %(days)d days ahead.")
            % {"days": rules.BOOKING_DAYS_AHEAD},
            code="day",
        )
    if day.weekday() >= 5:
        raise ValidationError(_("The Satpas does not serve on Saturdays and Sundays."), code="day")
    slot_start = timezone.make_aware(datetime.combine(day, slot))
    if slot_start + timedelta(minutes=rules.SLOT_MINUTES) <= now:
        raise ValidationError(_("That slot is already over."), code="slot")
    # The unit's row is the lock that keeps two bookings from taking the last place together.
    Unit.objects.select_for_update().filter(pk=unit.pk).first()
    taken = Application.objects.filter(
        unit=unit, booked_day=day, booked_slot=slot, status__in=Application.LIVE_STATUSES
    ).count()
    if taken >= rules.SLOT_QUOTA:
        raise ValidationError(_("That slot is full: choose another."), code="slot_full")


def application_register(
    *,
    actor,
    unit: Unit,
    nik: str,
    full_name: str,
    birth_date: date,
    service: str,
    sim_class: str,
    phone: str = "",
    email: str = "",
    booked_day: date | None = None,
    booked_slot: time | None = None,
    now: datetime | None = None,
) -> Application:
    """Register an application: a walk-in (no day or slot) or an online booking for a day and slot."""
    now = now or timezone.now()
    nik = nik_check(nik)
    full_name = " ".join(str(full_name or "").split())
    if not full_name:
        raise ValidationError(_("The applicant's name is required."), code="name")
    online = booked_day is not None or booked_slot is not None
    if online and (booked_day is None or booked_slot is None):
        raise ValidationError(_("An online booking needs a day and a slot."), code="slot")
    _check_service(service, sim_class, birth_date, booked_day or timezone.localdate(now))
    with transaction.atomic():
        _check_no_live_application(nik)
        if online:
            _check_slot(unit, booked_day, booked_slot, now)
        try:
            with transaction.atomic():
                application = Application.objects.create(
                    unit=unit,
                    tracking_number=new_tracking_number(TRACKING_PREFIX),
                    nik=nik,
                    full_name=full_name,
                    birth_date=birth_date,
                    phone=phone,
                    email=email,
                    service=service,
                    sim_class=sim_class,
                    fee=rules.fee(service, sim_class),
                    channel=Application.ONLINE if online else Application.WALK_IN,
                    booked_day=booked_day,
                    booked_slot=booked_slot,
                    status=Application.BOOKED if online else Application.ACTIVE,
                    created_at=now,
                )
        except IntegrityError as exc:  # a second application for the NIK raced this one
            raise ValidationError(
                _("This NIK already has an application in progress."), code="duplicate_nik"
            ) from exc
        ledger.record(
            actor=actor,
            action="licensing.application.registered",
            subject=application,
            unit=unit,
            data={
                "service": service,
                "sim_class": sim_class,
                "channel": application.channel,
                "booked_day": booked_day,
                "booked_slot": booked_slot,
                "fee": application.fee,
            },
        )
    return application


def _next_number(unit: Unit, day: date, prefix: str) -> int:
    TicketSequence.objects.get_or_create(unit=unit, day=day, prefix=prefix)
    sequence = TicketSequence.objects.select_for_update().get(unit=unit, day=day, prefix=prefix)
    sequence.last_number += 1
    sequence.save(update_fields=["last_number"])
    return sequence.last_number


def _is_staff(actor) -> bool:
    return bool(getattr(actor, "is_authenticated", False) and actor.has_perm("licensing.mark_priority"))


def ticket_issue(
    *, actor, application: Application, priority_reason: str = "", now: datetime | None = None
) -> Ticket:
    """Give a live application today's ticket and put it at the back of its first stage's line.

    The priority lane is marked at issue by staff, with its reason; a self-service kiosk cannot mark it.
    """
    now = now or timezone.now()
    if priority_reason and priority_reason not in rules.PRIORITY_REASONS:
        raise ValidationError(_("Unknown priority reason."), code="priority_reason")
    if priority_reason and not _is_staff(actor):
        raise PermissionDenied(_("Only Satpas staff mark an applicant for the priority lane."))
    day = timezone.localdate(now)
    with transaction.atomic():
        application = Application.objects.select_for_update().get(pk=application.pk)
        if application.status != Application.ACTIVE:
            raise ValidationError(_("This application is not in progress."), code="application_state")
        if application.tickets.filter(state__in=Ticket.OPEN_STATES).exists():
            raise ValidationError(
                _("This application already has a ticket in the line."), code="ticket_exists"
            )
        prefix = rules.TICKET_PREFIX[application.service]
        ticket = Ticket.objects.create(
            unit=application.unit,
            application=application,
            day=day,
            prefix=prefix,
            number=_next_number(application.unit, day, prefix),
            public_token=secrets.token_urlsafe(16),
            stage=rules.stages_for(application.service)[0],
            priority_reason=priority_reason,
            priority_marked_by=actor if priority_reason else None,
            issued_at=now,
            issued_by=actor if getattr(actor, "is_authenticated", False) else None,
        )
        enter_line(ticket, ticket.stage, now)
        board_event(ticket, BoardEvent.ISSUED, now)
        ledger.record(
            actor=actor,
            action="licensing.ticket.issued",
            subject=ticket,
            unit=ticket.unit,
            data={
                "application": application.tracking_number,
                "label": ticket.label,
                "stage": ticket.stage,
                "priority_reason": priority_reason,
            },
        )
    return ticket


def ticket_mark_priority(*, actor, ticket: Ticket, reason: str, now: datetime | None = None) -> Ticket:
    """Staff move a waiting ticket into the priority lane (elderly, disabled, pregnant), keeping the time
    it entered the line: it is served before regular tickets, never before earlier priority ones."""
    now = now or timezone.now()
    if reason not in rules.PRIORITY_REASONS:
        raise ValidationError(_("Unknown priority reason."), code="priority_reason")
    if not _is_staff(actor):
        raise PermissionDenied(_("Only Satpas staff mark an applicant for the priority lane."))
    with transaction.atomic():
        ticket = Ticket.objects.select_for_update().get(pk=ticket.pk)
        if ticket.state != Ticket.WAITING:
            raise ValidationError(
                _("Only a waiting ticket can be moved to the priority lane."), code="ticket_state"
            )
        if ticket.priority_reason:
            raise ValidationError(_("This ticket is already in the priority lane."), code="already_priority")
        ticket.priority_reason, ticket.priority_marked_by = reason, actor
        ticket.save(update_fields=["priority_reason", "priority_marked_by"])
        ticket.entries.filter(state="waiting").update(priority=True)
        # The ticket moved ahead: it may now be near enough to be told.
        from .board import near_notify

        near_notify(unit_id=ticket.unit_id, day=ticket.day, stage=ticket.stage, now=now)
        ledger.record(
            actor=actor,
            action="licensing.ticket.priority_marked",
            subject=ticket,
            unit=ticket.unit,
            data={"label": ticket.label, "reason": reason},
        )
    return ticket


def _checkin_window(application: Application) -> tuple[datetime, datetime]:
    start = timezone.make_aware(datetime.combine(application.booked_day, application.booked_slot))
    return (
        start - timedelta(minutes=rules.CHECKIN_EARLY_MINUTES),
        start + timedelta(minutes=rules.SLOT_MINUTES + rules.CHECKIN_LATE_MINUTES),
    )


def application_check_in(*, actor, unit: Unit, tracking_number: str, now: datetime | None = None) -> Ticket:
    """An applicant who booked online arrives: their tracking number (typed or from the QR) gives them
    today's ticket, once, within their slot's check-in window, at the Satpas they booked."""
    now = now or timezone.now()
    with transaction.atomic():
        application = (
            Application.objects.select_for_update().filter(tracking_number=tracking_number, unit=unit).first()
        )
        if application is None or application.channel != Application.ONLINE:
            raise ValidationError(_("No booking with that tracking number at this Satpas."), code="not_found")
        if application.status == Application.ACTIVE:
            raise ValidationError(_("This booking has already checked in."), code="checked_in")
        if application.status != Application.BOOKED:
            raise ValidationError(
                _("This booking can no longer be used (%(status)s).")
                % {"status": application.get_status_display()},
                code="application_state",
            )
        if application.booked_day != timezone.localdate(now):
            raise ValidationError(
                _("This booking is for %(day)s, not today.")
                % {"day": application.booked_day.strftime("%d-%m-%Y")},
                code="other_day",
            )
        opens, closes = _checkin_window(application)
        if now < opens:
            raise ValidationError(_("Check-in for this slot opens one hour before it."), code="too_early")
        if now > closes:
            raise ValidationError(_("This booking's slot has passed; book another day."), code="expired")
        application.status = Application.ACTIVE
        application.save(update_fields=["status"])
        ledger.record(
            actor=actor,
            action="licensing.application.checked_in",
            subject=application,
            unit=unit,
            data={"booked_day": application.booked_day, "booked_slot": application.booked_slot},
        )
        return ticket_issue(actor=actor, application=application, now=now)
