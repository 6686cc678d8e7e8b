"""Reads of the SIM service shared by views, API and reports: the Satpas a kiosk serves, a ticket in
scope, the slots' free places; statistics and integrity signals (from ``statistics``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import reduce
from operator import or_

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from bersih.core.models import Unit
from bersih.core.querysets import scope_paths

from . import rules
from .models import Application, Ticket

# --- Statistics and integrity signals (computed in the database: see ``statistics``) ---------------
from .statistics import (  # noqa: F401
    default_period,
    distribution,
    integrity,
    out_of_order,
    reissued_tickets,
    satpas_units,
    served_per_day,
    shared_contacts,
    short_services,
    statistics,
)


def bookable_satpas() -> QuerySet[Unit]:
    """Every active Satpas: the public booking form offers these."""
    return Unit.objects.filter(kind="satpas", active=True).order_by("name")


def kiosk_units(user) -> QuerySet[Unit]:
    """The Satpas units where ``user`` may issue tickets: their scope's Satpas, with licensing.add_ticket."""
    if not getattr(user, "is_authenticated", False) or not user.has_perm("licensing.add_ticket"):
        return Unit.objects.none()
    paths = scope_paths(user)
    if not paths:
        return Unit.objects.none()
    return bookable_satpas().filter(reduce(or_, (Q(path__startswith=path) for path in paths)))


def kiosk_unit(user, code: str) -> Unit | None:
    """The Satpas ``code`` if ``user`` may issue tickets there; None (a 404) otherwise."""
    return kiosk_units(user).filter(code=code).first()


def kiosk_ticket(unit: Unit, token: str) -> Ticket | None:
    return Ticket.objects.filter(unit=unit, public_token=token).select_related("application", "unit").first()


def todays_ticket(unit: Unit, label: str, day: date | None = None) -> Ticket | None:
    """Today's ticket of ``unit`` by its label as the hall hears it ("A-012", "a12", "A 012")."""
    cleaned = "".join(ch for ch in str(label or "").upper() if ch.isalnum())
    if len(cleaned) < 2 or not cleaned[0].isalpha() or not cleaned[1:].isdigit() or len(cleaned) > 8:
        return None
    return (
        Ticket.objects.filter(
            unit=unit, day=day or timezone.localdate(), prefix=cleaned[0], number=int(cleaned[1:])
        )
        .select_related("application")
        .first()
    )


@dataclass(frozen=True)
class Slot:
    day: date
    start: time
    taken: int
    remaining: int
    open: bool  # bookable now: not over, not full

    @property
    def value(self) -> str:
        return f"{self.day.isoformat()}T{self.start:%H:%M}"


def booking_days(today: date) -> list[date]:
    """The weekdays from today up to rules.BOOKING_DAYS_AHEAD days ahead."""
    return [
        today + timedelta(days=n)
        for n in range(rules.BOOKING_DAYS_AHEAD + 1)
        if (today + timedelta(days=n)).weekday() < 5
    ]


def slots(unit: Unit, now: datetime | None = None) -> list[Slot]:
    """Every bookable day's slots at ``unit`` with their remaining places (one query)."""
    now = now or timezone.now()
    days = booking_days(timezone.localdate(now))
    if not days:
        return []
    counts = {
        (row["booked_day"], row["booked_slot"]): row["n"]
        for row in Application.objects.filter(
            unit=unit,
            booked_day__in=days,
            status__in=Application.LIVE_STATUSES,
        )
        .values("booked_day", "booked_slot")
        .annotate(n=Count("id"))
    }
    result = []
    for day in days:
        for start in rules.SLOT_STARTS:
            taken = counts.get((day, start), 0)
            remaining = max(0, rules.SLOT_QUOTA - taken)
            ends = timezone.make_aware(datetime.combine(day, start)) + timedelta(minutes=rules.SLOT_MINUTES)
            result.append(Slot(day, start, taken, remaining, remaining > 0 and ends > now))
    return result


def priority_marked_today(unit: Unit, day: date | None = None) -> list[Ticket]:
    """Today's tickets in the priority lane at ``unit``, with who marked them (bounded: one day)."""
    return list(
        Ticket.objects.filter(unit=unit, day=day or timezone.localdate())
        .exclude(priority_reason="")
        .select_related("priority_marked_by")
        .order_by("issued_at", "id")[:200]
    )
