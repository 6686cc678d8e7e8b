"""The end of a Satpas day: tickets still open when their day has passed, and online bookings whose
day passed without a check-in, expire. Run by the ``licensing.expire`` sweep (``..sweeps``).

Both steps are idempotent: each record is judged again under its row lock, and an expired record is
no longer a candidate. Each expiry is a ledger entry by the system actor. An expired application frees
its NIK for a new application (the one-live-application rule counts only booked and active ones).
"""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils import timezone

from bersih import ledger
from bersih.ledger.services import SYSTEM

from ..models import Application, LineEntry, Ticket

# At most this many tickets and this many bookings are expired in one run; the sweep's ``more``
# says the next run has work left.
EXPIRE_BATCH = 500


def ticket_expire_stale(*, ticket: Ticket, now: datetime, actor=SYSTEM) -> Ticket | None:
    """Expire one ticket still open after its day ended: its line entry, the ticket and the application.
    None if it is no longer open or its day has not ended (nothing changed)."""
    today = timezone.localdate(now)
    with transaction.atomic():
        ticket = Ticket.objects.select_for_update().filter(pk=ticket.pk).first()
        if ticket is None or ticket.state not in Ticket.OPEN_STATES or ticket.day >= today:
            return None
        open_entries = LineEntry.objects.filter(
            ticket=ticket, state__in=(LineEntry.WAITING, LineEntry.CALLED)
        )
        stage = ticket.stage
        was = ticket.state
        open_entries.update(state=LineEntry.EXPIRED, finished_at=now)
        ticket.state, ticket.closed_at = Ticket.EXPIRED, now
        ticket.save(update_fields=["state", "closed_at"])
        Application.objects.filter(pk=ticket.application_id, status=Application.ACTIVE).update(
            status=Application.EXPIRED, closed_at=now
        )
        ledger.record(
            actor=actor,
            action="licensing.ticket.expired",
            subject=ticket,
            unit=ticket.unit,
            data={
                "label": ticket.label,
                "day": ticket.day,
                "stage": stage,
                "was": was,
                "outcome": "day ended",
            },
        )
    return ticket


def booking_expire_missed(*, application: Application, now: datetime, actor=SYSTEM) -> Application | None:
    """Expire an online booking whose day passed without a check-in (its NIK is free again). None if it
    is no longer booked or its day has not passed."""
    today = timezone.localdate(now)
    with transaction.atomic():
        application = Application.objects.select_for_update().filter(pk=application.pk).first()
        if (
            application is None
            or application.status != Application.BOOKED
            or application.booked_day is None
            or application.booked_day >= today
        ):
            return None
        application.status, application.closed_at = Application.EXPIRED, now
        application.save(update_fields=["status", "closed_at"])
        ledger.record(
            actor=actor,
            action="licensing.application.expired",
            subject=application,
            unit=application.unit,
            data={
                "booked_day": application.booked_day,
                "booked_slot": application.booked_slot,
                "outcome": "no check-in",
            },
        )
    return application


def licensing_expire(now: datetime, *, batch: int = EXPIRE_BATCH) -> dict:
    """Expire the open tickets of past days and the missed bookings, at most ``batch`` of each."""
    today = timezone.localdate(now)
    tickets = Ticket.objects.filter(state__in=Ticket.OPEN_STATES, day__lt=today)
    bookings = Application.objects.filter(status=Application.BOOKED, booked_day__lt=today)
    summary = {"tickets": 0, "bookings": 0}
    for pk in tickets.order_by("pk").values_list("pk", flat=True)[:batch]:
        if ticket_expire_stale(ticket=Ticket(pk=pk), now=now) is not None:
            summary["tickets"] += 1
    for pk in bookings.order_by("pk").values_list("pk", flat=True)[:batch]:
        if booking_expire_missed(application=Application(pk=pk), now=now) is not None:
            summary["bookings"] += 1
    summary["more"] = tickets.exists() or bookings.exists()
    return summary
