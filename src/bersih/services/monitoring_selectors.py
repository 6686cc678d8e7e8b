"""Reads of the leadership monitoring view: every module's health in one place, from each module's own
selectors (Sipmas cases here, the SIM queue from ``licensing.monitoring``, ETLE from ``etle.monitoring``),
never from copied state.

Definitions (``docs/services.md``, "Leadership monitoring"), for the items *submitted in the period*:

* **volume** — how many; **closed** — finished (any terminal step); **backlog** — still open now;
* **breached** — a Sipmas case whose clock ran out: the SLA sweep escalated it at least once (an
  ``escalated`` event, which stays when the case later moves on), or it is open now past its deadline.
  The reporter's reply clock of an answered complaint is the citizen's, not ours: it never counts;
* **SLA compliance** — met ÷ judged, where *met* is closed without a breach and *judged* is closed plus
  open-and-breached (an open case still within its clock is not judged yet);
* **complaint follow-up** — complaints answered (answered or closed) or settled by the Dumas
  administrator with a reason (forwarded, archived), and those of them without a breach of the SP4N
  deadlines (verified within 3, followed up within 5 working days: the complaint's clocks).

Every figure is a ``GROUP BY`` in the database; the page costs the same number of queries whatever the
number of cases (tested with small and larger data).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.db.models import Count, DateTimeField, Exists, F, Func, IntegerField, OuterRef, Q, Value

from . import rules
from .models import Case, CaseEvent

JAKARTA = ZoneInfo("Asia/Jakarta")

# The page's period: the last 12 weeks by default, at most a year.
DEFAULT_DAYS = 84
MAX_DAYS = 366
# Breached items listed per module on the overview (the drill-down pages through all of them).
BREACHED_ROWS = 20
ITEMS_PER_PAGE = 50
# A complaint is followed up once it is answered, or settled by the administrator with a reason.
FOLLOWED_UP = ("answered", "closed", "forwarded", "archived")
MODULES = ("sipmas", "sim", "etle")
FIGURES = ("volume", "closed", "backlog", "met", "breached", "followed_up", "followed_on_time")


def default_period(today: date) -> tuple[date, date]:
    return today - timedelta(days=DEFAULT_DAYS - 1), today


def day_bounds(start: date, end: date) -> tuple[datetime, datetime]:
    low = datetime.combine(start, datetime.min.time(), tzinfo=JAKARTA)
    high = datetime.combine(end + timedelta(days=1), datetime.min.time(), tzinfo=JAKARTA)
    return low, high


def week_start(day: date) -> date:
    return day - timedelta(days=day.weekday())


def ratio(part: int, whole: int) -> float | None:
    return part / whole if whole else None


# --- Sipmas cases -----------------------------------------------------------------------------------


def breached_q(now: datetime) -> Q:
    """A case whose clock ran out (see the module's docstring); needs the ``escalated`` alias."""
    return Q(escalated=True) | (Q(closed_at__isnull=True, due_at__lt=now) & ~Q(clock="reply"))


def cases(user, start: date, end: date):
    """The Sipmas cases in ``user``'s scope submitted from ``start`` to ``end`` (WIB dates, inclusive),
    never a complaint about the person's own unit (``Case.objects.restrict``)."""
    low, high = day_bounds(start, end)
    escalations = CaseEvent.objects.filter(case=OuterRef("pk"), kind=CaseEvent.ESCALATED)
    return (
        Case.objects.restrict(user)
        .filter(submitted_at__gte=low, submitted_at__lt=high)
        .alias(escalated=Exists(escalations))
    )


def _case_aggregates(now: datetime) -> dict:
    """The counts the figures derive from (``_case_figures``). The EXISTS on escalations is costly per
    row, so each count asks it only where a cheap condition has not decided already (SQL evaluates
    ``AND``/``OR`` left to right): a closed case, an open one not late by its clock, a followed-up
    complaint (followed-up complaints are closed or wait on the reporter's clock, never late by ours)."""
    late_now = Q(due_at__lt=now) & ~Q(clock="reply")
    followed = Q(service=rules.COMPLAINT.code, status__in=FOLLOWED_UP)
    return {
        "volume": Count("pk"),
        "closed": Count("pk", filter=Q(closed_at__isnull=False)),
        "closed_late": Count("pk", filter=Q(closed_at__isnull=False) & Q(escalated=True)),
        "open_breached": Count("pk", filter=Q(closed_at__isnull=True) & (late_now | Q(escalated=True))),
        "followed_up": Count("pk", filter=followed),
        "followed_late": Count("pk", filter=followed & Q(escalated=True)),
    }


def _case_figures(group: dict) -> dict:
    """The figures of one group of cases from its counts (see the module's docstring)."""
    return {
        **group,
        "backlog": group["volume"] - group["closed"],
        "met": group["closed"] - group["closed_late"],
        "breached": group["closed_late"] + group["open_breached"],
        "judged": group["closed"] + group["open_breached"],
        "followed_on_time": group["followed_up"] - group["followed_late"],
    }


def filter_cases(queryset, figure: str, now: datetime):
    if figure == "closed":
        return queryset.filter(closed_at__isnull=False)
    if figure == "backlog":
        return queryset.filter(closed_at__isnull=True)
    if figure == "met":
        return queryset.filter(closed_at__isnull=False).exclude(escalated=True)
    if figure == "breached":
        return queryset.filter(breached_q(now))
    if figure == "followed_up":
        return queryset.filter(service=rules.COMPLAINT.code, status__in=FOLLOWED_UP)
    if figure == "followed_on_time":
        return queryset.filter(service=rules.COMPLAINT.code, status__in=FOLLOWED_UP).exclude(breached_q(now))
    return queryset


# --- The overview -----------------------------------------------------------------------------------


def _row(module: str, code: str, label: str, counts: dict, *, sla: bool = True) -> dict:
    volume, closed, breached = counts.get("volume", 0), counts.get("closed", 0), counts.get("breached", 0)
    met, judged = counts.get("met", 0), counts.get("judged", 0)
    return {
        "module": module,
        "service": code,
        "label": label,
        "volume": volume,
        "closed": closed,
        "backlog": counts.get("backlog", 0),
        "met": met if sla else None,
        "breached": breached if sla else None,
        "judged": judged if sla else None,
        "compliance": ratio(met, judged) if sla else None,
    }


def _merge(target: dict, key, label: str, volume: int, breached: int) -> None:
    row = target.setdefault(key, {"key": key, "label": label, "volume": 0, "breached": 0})
    row["volume"] += volume
    row["breached"] += breached or 0


class WeekIndex(Func):
    """Whole weeks from ``origin`` (a Monday, 00:00 WIB) to a moment: 0 for the first week of the period.

    Plain arithmetic in SQL on both databases (``julianday`` on SQLite, ``EXTRACT(EPOCH …)`` on
    PostgreSQL): truncating to a week with the database's time-zone functions costs a call into Python
    per row on SQLite, which at 100,000 cases is most of the page's time."""

    output_field = IntegerField()

    def __init__(self, field: str, origin: datetime):
        super().__init__(F(field), Value(origin, output_field=DateTimeField()))

    def _parts(self, compiler, connection):
        moment, moment_params = compiler.compile(self.source_expressions[0])
        origin, origin_params = compiler.compile(self.source_expressions[1])
        return moment, origin, (*moment_params, *origin_params)

    def as_sql(self, compiler, connection, **extra_context):
        moment, origin, params = self._parts(compiler, connection)
        return f"CAST(FLOOR(EXTRACT(EPOCH FROM ({moment} - {origin})) / 604800) AS INTEGER)", params

    def as_sqlite(self, compiler, connection, **extra_context):
        moment, origin, params = self._parts(compiler, connection)
        return f"CAST((julianday({moment}) - julianday({origin})) / 7 AS INTEGER)", params


def _sum(rows, keys) -> dict:
    total: dict = {}
    for row in rows:
        for key in keys:
            total[key] = total.get(key, 0) + row[key]
    return total


def overview(user, *, start: date, end: date, now: datetime) -> dict:
    """Every figure of the monitoring page for the items of ``user``'s scope in the period: per module
    and service, per unit and per week, the complaint follow-up, and the first breached items with their
    owners. Five queries whatever the data: one GROUP BY (service, unit, week) for Sipmas, one
    (unit, week) each for the SIM queue and ETLE (their rows are bounded by units and weeks, not
    by cases), and one bounded list each of breached cases and SIM visits."""
    from bersih.etle import monitoring as etle_monitoring
    from bersih.licensing import monitoring as sim_monitoring
    from bersih.licensing import rules as sim_rules

    first_monday = week_start(start)
    origin = day_bounds(first_monday, first_monday)[0]

    def week(field):
        return WeekIndex(field, origin)

    def monday(index) -> date:
        return first_monday + timedelta(days=7 * int(index))

    scoped = cases(user, start, end)
    groups = list(
        scoped.annotate(week=week("submitted_at"))
        .values("service", "unit_id", "unit__name", "week")
        .annotate(**_case_aggregates(now))
        .order_by()
    )
    groups = [_case_figures(group) for group in groups]
    keys = ("volume", "closed", "backlog", "met", "breached", "judged", "followed_up", "followed_on_time")
    rows = [
        _row(
            "sipmas",
            code,
            str(rules.SERVICES[code].name),
            _sum([g for g in groups if g["service"] == code], keys),
        )
        for code in rules.CASE_SERVICES
    ]
    complaints = _sum([g for g in groups if g["service"] == rules.COMPLAINT.code], keys)
    received = complaints.get("volume", 0)
    follow_up = {
        "received": received,
        "followed_up": complaints.get("followed_up", 0),
        "on_time": complaints.get("followed_on_time", 0),
        "rate": ratio(complaints.get("followed_up", 0), received),
        "on_time_rate": ratio(complaints.get("followed_on_time", 0), received),
        "verify_days": rules.VERIFY_WORKING_DAYS,
        "follow_up_days": rules.FOLLOW_UP_WORKING_DAYS,
    }
    units: dict = {}
    weeks: dict = {}
    for group in groups:
        _merge(units, group["unit_id"], group["unit__name"], group["volume"], group["breached"])
        _merge(weeks, monday(group["week"]), "", group["volume"], group["breached"])
    breached_cases = list(
        filter_cases(scoped, "breached", now)
        .select_related("unit", "assignee")
        .order_by("submitted_at", "id")[:BREACHED_ROWS]
    )

    sim = sim_monitoring.queue_figures(user, start=start, end=end, now=now, week=week)
    for group in sim["rows"]:
        _merge(units, group["unit_id"], group["unit__name"], group["volume"], group["breached"])
        _merge(weeks, monday(group["week"]), "", group["volume"], group["breached"])
    sim_keys = ("volume", "closed", "backlog", "met", "breached", "judged")
    rows.append(_row("sim", "sim", str(rules.SIM.name), _sum(sim["rows"], sim_keys)))
    breached_tickets = list(
        sim_monitoring.queue_items(user, start=start, end=end, now=now, figure="breached")[:BREACHED_ROWS]
    )

    etle = etle_monitoring.case_figures(user, start=start, end=end, week=week)
    for group in etle["rows"]:
        _merge(units, group["unit_id"], group["unit__name"], group["volume"], 0)
        _merge(weeks, monday(group["week"]), "", group["volume"], 0)
    rows.append(
        _row(
            "etle",
            "etle",
            str(rules.ETLE.name),
            _sum(etle["rows"], ("volume", "closed", "backlog")),
            sla=False,
        )
    )

    totals = _row("all", "", "", _sum(rows, ("volume", "closed", "backlog")))
    judged_rows = [r for r in rows if r["judged"] is not None]
    totals.update(_sum(judged_rows, ("met", "breached", "judged")))
    totals["compliance"] = ratio(totals["met"], totals["judged"])
    # Every week of the period, empty ones too, so the chart's axis is the calendar.
    all_weeks = []
    day = first_monday
    while day <= end:
        all_weeks.append(weeks.get(day, {"key": day, "volume": 0, "breached": 0}))
        day += timedelta(days=7)
    return {
        "start": start,
        "end": end,
        "now": now,
        "rows": rows,
        "totals": totals,
        "follow_up": follow_up,
        "by_unit": sorted(units.values(), key=lambda r: (-r["volume"], r["label"])),
        "by_week": all_weeks,
        "breached_cases": breached_cases,
        "breached_tickets": breached_tickets,
        "sim_standard_minutes": sim_rules.SLA_VISIT_MINUTES,
    }


# --- Drill-down ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ItemFilter:
    module: str
    figure: str = "volume"
    service: str = ""
    unit_id: int | None = None
    week: date | None = None


def items(user, *, start: date, end: date, now: datetime, which: ItemFilter):
    """The items behind one figure of the overview, as a queryset the caller paginates (two queries a
    page): Sipmas cases, SIM tickets or ETLE violations, in ``user``'s scope only."""
    from bersih.etle import monitoring as etle_monitoring
    from bersih.licensing import monitoring as sim_monitoring

    if which.week is not None:  # a week of the chart, inside the period
        start, end = max(start, which.week), min(end, which.week + timedelta(days=6))
    if which.module == "sim":
        figure = (
            which.figure if which.figure in ("volume", "closed", "backlog", "met", "breached") else "volume"
        )
        queryset = sim_monitoring.queue_items(user, start=start, end=end, now=now, figure=figure)
        if figure == "closed":
            queryset = queryset.exclude(state__in=("waiting", "in_service"))
    elif which.module == "etle":
        figure = which.figure if which.figure in ("volume", "closed", "backlog") else "volume"
        queryset = etle_monitoring.case_items(user, start=start, end=end, figure=figure)
    else:
        queryset = filter_cases(cases(user, start, end), which.figure, now)
        if which.service:
            queryset = queryset.filter(service=which.service)
        queryset = queryset.select_related("unit", "assignee").annotate(late=breached_annotation(now))
        queryset = queryset.order_by("submitted_at", "id")
    if which.unit_id is not None:
        queryset = queryset.filter(unit_id=which.unit_id)
    return queryset


def breached_annotation(now: datetime):
    from django.db.models import BooleanField, ExpressionWrapper

    return ExpressionWrapper(breached_q(now), output_field=BooleanField())


def sim_standard_minutes() -> int:
    from bersih.licensing import rules as sim_rules

    return sim_rules.SLA_VISIT_MINUTES
