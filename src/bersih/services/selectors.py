"""Sipmas reads that views, the API and reports share (see DESIGN: selectors read, bounded)."""

from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from django.core.cache import cache
from django.db.models import Count, Exists, F, OuterRef, Q, Window
from django.db.models.functions import RowNumber, TruncMonth
from django.utils import timezone

from bersih.licensing.statistics import SecondsBetween

from . import rules
from .models import Case, CaseEvent

# --- Transparency: open data per service and month -----------------------------------------------------

JAKARTA = ZoneInfo("Asia/Jakarta")
# The published figures of each row, in order (the CSV's columns after service and month).
OPEN_DATA_FIGURES = ("received", "completed", "median_completion_hours", "sla_compliance_percent")


def _months(today: date, count: int) -> list[date]:
    """The first days of the last ``count`` months, oldest first, the current one included."""
    year, month = today.year, today.month
    found = []
    for _ in range(count):
        found.append(date(year, month, 1))
        year, month = (year - 1, 12) if month == 1 else (year, month - 1)
    return found[::-1]


def _suppress(value, n: int, name: str, suppressed: list[str]):
    """``value`` unless it rests on 1 to 4 cases (then None, and ``name`` is flagged)."""
    if 0 < n < rules.SMALL_COUNT_SUPPRESSION:
        suppressed.append(name)
        return None
    return value


def _day(value) -> date:
    return timezone.localtime(value, JAKARTA).date() if isinstance(value, datetime) else value


def _open_data(today: date, now: datetime) -> dict:
    months = _months(today, rules.OPEN_DATA_MONTHS)
    since = datetime.combine(months[0], time.min, tzinfo=JAKARTA)
    escalated = CaseEvent.objects.filter(case=OuterRef("pk"), kind=CaseEvent.ESCALATED)
    cases = (
        Case.objects.filter(submitted_at__gte=since)
        .annotate(month=TruncMonth("submitted_at", tzinfo=JAKARTA))
        .alias(escalated=Exists(escalated))
    )
    late = Q(escalated=True) | Q(closed_at__isnull=True, due_at__lt=now)
    counts = {
        (row["service"], _day(row["month"])): row
        for row in cases.order_by()
        .values("service", "month")
        .annotate(
            received=Count("pk"),
            completed=Count("pk", filter=Q(closed_at__isnull=False)),
            met=Count("pk", filter=Q(closed_at__isnull=False, escalated=False)),
            late=Count("pk", filter=late),
        )
    }
    # Medians (nearest rank) of the completion time, in the database: each (service, month) group's
    # completed cases numbered by duration; only the row at rank ceil(n/2) comes back.
    partition = [F("service"), F("month")]
    ranked = (
        cases.filter(closed_at__isnull=False)
        .annotate(secs=SecondsBetween("closed_at", "submitted_at"))
        .annotate(
            rn=Window(RowNumber(), partition_by=partition, order_by=[F("secs").asc(), F("pk").asc()]),
            n=Window(Count("pk"), partition_by=partition),
        )
        .annotate(k=(F("n") * 50 + 99) / 100)
        .annotate(hit=F("rn") - F("k"))
        .filter(hit=0)
        .values("service", "month", "secs")
    )
    medians = {(row["service"], _day(row["month"])): row["secs"] for row in ranked}
    rows = []
    for code in rules.CASE_SERVICES:
        for month in months:
            found = counts.get((code, month), {})
            received, completed = found.get("received", 0), found.get("completed", 0)
            decided = found.get("met", 0) + found.get("late", 0)
            suppressed: list[str] = []
            median = medians.get((code, month))
            share = round(100 * found["met"] / decided, 1) if decided else None
            rows.append(
                {
                    "service": code,
                    "service_name": str(rules.SERVICES[code].name),
                    "month": month.strftime("%Y-%m"),
                    "received": _suppress(received, received, "received", suppressed),
                    "completed": _suppress(completed, completed, "completed", suppressed),
                    "median_completion_hours": _suppress(
                        round(median / 3600, 1) if median is not None else None,
                        completed,
                        "median_completion_hours",
                        suppressed,
                    ),
                    "sla_compliance_percent": _suppress(share, decided, "sla_compliance_percent", suppressed),
                    "suppressed": suppressed,
                }
            )
    return {
        "generated_at": now.isoformat(),
        "period": {"from": months[0].strftime("%Y-%m"), "to": months[-1].strftime("%Y-%m")},
        "suppression_threshold": rules.SMALL_COUNT_SUPPRESSION,
        "rows": rows,
    }


def open_data_services(*, today: date | None = None, fresh: bool = False) -> dict:
    """Aggregate figures per Sipmas service and month for the public (the transparency page and the
    open-data API): cases received, completed, the median completion time, the share finished within
    the standard; no personal data, and any figure resting on fewer than ``SMALL_COUNT_SUPPRESSION``
    cases withheld (None, named in ``suppressed``).

    Two queries whatever the number of cases (one GROUP BY, one window query), kept in the cache for
    ``OPEN_DATA_CACHE_SECONDS``. Complaints (``dumas``) count every category together: reports of pungli
    and misconduct appear only inside that total.
    """
    now = timezone.now()
    today = today or timezone.localdate(now)
    if fresh:
        return _open_data(today, now)
    key = f"services:open-data:v1:{today.isoformat()}"
    return cache.get_or_set(key, lambda: _open_data(today, now), rules.OPEN_DATA_CACHE_SECONDS)
