"""The SIM queue's figures for the leadership monitoring view (Sipmas reads them, copies nothing).

A ticket is one applicant's visit. It meets the service standard when it is done within
``rules.SLA_VISIT_MINUTES`` of being issued; a done ticket served later, or an open one (waiting or being
served) already older than that, is *breached*; a failed test or a no-show is judged neither way.
Every figure is one ``GROUP BY`` in the database, whatever the number of tickets.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from django.db.models import Count, OuterRef, Q, Subquery
from django.db.models.functions import TruncWeek

from . import rules
from .models import LineEntry, Ticket
from .statistics import JAKARTA, SecondsBetween


def _visit_limit() -> int:
    return rules.SLA_VISIT_MINUTES * 60


def _late_open_q(now: datetime) -> Q:
    return Q(state__in=Ticket.OPEN_STATES, issued_at__lt=now - timedelta(minutes=rules.SLA_VISIT_MINUTES))


def _breached_q(now: datetime) -> Q:
    return Q(state=Ticket.DONE, visit_secs__gt=_visit_limit()) | _late_open_q(now)


def tickets(user, start: date, end: date):
    """Tickets of the Satpas units in ``user``'s scope issued on the days from ``start`` to ``end``."""
    return (
        Ticket.objects.restrict(user, "view")
        .filter(day__gte=start, day__lte=end)
        .alias(visit_secs=SecondsBetween("closed_at", "issued_at"))
    )


def _aggregates(now: datetime) -> dict:
    return {
        "volume": Count("pk"),
        "closed": Count("pk", filter=~Q(state__in=Ticket.OPEN_STATES)),
        "backlog": Count("pk", filter=Q(state__in=Ticket.OPEN_STATES)),
        "met": Count("pk", filter=Q(state=Ticket.DONE, visit_secs__lte=_visit_limit())),
        "breached": Count("pk", filter=_breached_q(now)),
        # Judged against the standard: done, or open past it (a failed test or a no-show is not).
        "judged": Count("pk", filter=Q(state=Ticket.DONE) | _late_open_q(now)),
    }


def queue_figures(user, *, start: date, end: date, now: datetime, week=None) -> dict:
    """Per Satpas and week: tickets issued, closed, still open, within the visit standard, breached and
    judged. One query; ``week(field)`` is the expression that numbers a moment's week (the caller's
    calendar; by default the Monday of the week in WIB)."""
    week = week or (lambda field: TruncWeek(field, tzinfo=JAKARTA))
    rows = list(
        tickets(user, start, end)
        .annotate(week=week("issued_at"))
        .values("unit_id", "unit__code", "unit__name", "week")
        .annotate(**_aggregates(now))
        .order_by()
    )
    return {"rows": rows, "standard_minutes": rules.SLA_VISIT_MINUTES}


def queue_items(user, *, start: date, end: date, now: datetime, figure: str = "volume"):
    """The tickets behind one figure, oldest first, each with ``officer``: the clerk who served its last
    stage (the owner of the delay). A queryset: the caller paginates it."""
    scoped = tickets(user, start, end)
    if figure == "breached":
        scoped = scoped.filter(_breached_q(now))
    elif figure == "backlog":
        scoped = scoped.filter(state__in=Ticket.OPEN_STATES)
    elif figure == "met":
        scoped = scoped.filter(state=Ticket.DONE, visit_secs__lte=_visit_limit())
    last_clerk = LineEntry.objects.filter(ticket=OuterRef("pk"), clerk__isnull=False).order_by(
        "-entered_at", "-id"
    )
    return (
        scoped.select_related("unit", "application")
        .annotate(
            officer_name=Subquery(last_clerk.values("clerk__full_name")[:1]),
            visit_seconds=SecondsBetween("closed_at", "issued_at"),
        )
        .order_by("issued_at", "id")
    )
