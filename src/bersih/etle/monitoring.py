"""ETLE's figures for the leadership monitoring view (Sipmas reads them, copies nothing).

Volume is the violations first captured in the period; the backlog is those of them still waiting for
an officer's review (``Violation.OPEN_STATUSES``); decided are those reviewed. ETLE publishes no service
clock for the review itself (the 8 days to confirm are the owner's), so no SLA figure is made here:
the age of the review backlog is on the ETLE dashboard. The figures are one ``GROUP BY``.
"""

from __future__ import annotations

from datetime import date

from django.db.models import Count, Q
from django.db.models.functions import TruncWeek

from .models import Violation
from .selectors import JAKARTA, day_bounds


def violations(user, start: date, end: date):
    low, high = day_bounds(start, end)
    return Violation.objects.restrict(user, "view").filter(
        first_captured_at__gte=low, first_captured_at__lt=high
    )


def _aggregates() -> dict:
    return {
        "volume": Count("pk"),
        "backlog": Count("pk", filter=Q(status__in=Violation.OPEN_STATUSES)),
        "closed": Count("pk", filter=~Q(status__in=Violation.OPEN_STATUSES)),
    }


def case_figures(user, *, start: date, end: date, week=None) -> dict:
    """Per unit and week: violations captured, waiting for review, reviewed. One query; ``week(field)``
    numbers a moment's week (by default the Monday of the week in WIB)."""
    week = week or (lambda field: TruncWeek(field, tzinfo=JAKARTA))
    rows = list(
        violations(user, start, end)
        .annotate(week=week("first_captured_at"))
        .values("unit_id", "unit__code", "unit__name", "week")
        .annotate(**_aggregates())
        .order_by()
    )
    return {"rows": rows}


def case_items(user, *, start: date, end: date, figure: str = "volume"):
    """The violations behind one figure, oldest first, with their unit and deciding officer."""
    scoped = violations(user, start, end)
    if figure == "backlog":
        scoped = scoped.filter(status__in=Violation.OPEN_STATUSES)
    elif figure == "closed":
        scoped = scoped.exclude(status__in=Violation.OPEN_STATUSES)
    return scoped.select_related("unit", "decided_by").order_by("first_captured_at", "id")
