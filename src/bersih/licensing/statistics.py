"""Reads for oversight of a Satpas: how long applicants wait and are served, and the integrity signals.

Every figure is computed in the database, on SQLite and PostgreSQL alike, in a fixed number of queries
whatever the number of applicants (tested): durations with ``SecondsBetween``, counts, means, maxima,
histogram buckets and the share within the service standard with ``GROUP BY``, and the percentiles
(nearest rank) with window functions that return only the rows at the wanted ranks. Lists of signals
are capped at ``SIGNAL_ROWS`` rows each.

The service standard and the signals' thresholds are rule data (``rules.SLA_*``, ``rules.SHARED_CONTACT_*``,
``rules.SHORT_SERVICE_SECONDS``, ``rules.REISSUE_*``); ``docs/licensing.md`` explains each signal.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.db.models import Count, F, FloatField, Func, Max, Min, Q, Sum, Window
from django.db.models.functions import ExtractHour, Lower, RowNumber
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from bersih.core.models import Unit, User
from bersih.core.selectors import units_visible_to
from bersih.ledger.models import Entry

from . import rules
from .models import Application, LineEntry, Ticket

JAKARTA = ZoneInfo("Asia/Jakarta")

# The statistics page's period: the last week by default, at most about a quarter.
DEFAULT_DAYS = 7
MAX_DAYS = 92
# The most rows one list of signals shows (the oldest beyond it are counted, not listed).
SIGNAL_ROWS = 200
PERCENTILES = (50, 90)

# Histogram buckets as (low, high) in minutes; the last is open-ended.
WAIT_BUCKETS = [(0, 5), (5, 10), (10, 15), (15, 30), (30, 60), (60, 120), (120, None)]
SERVICE_BUCKETS = [(0, 1), (1, 2), (2, 5), (5, 10), (10, 20), (20, 30), (30, None)]


class SecondsBetween(Func):
    """Seconds from the second expression to the first (``end - start``), to the millisecond, computed
    by the database: ``EXTRACT(EPOCH ...)`` on PostgreSQL, ``julianday`` arithmetic on SQLite."""

    arity = 2
    output_field = FloatField()

    def _parts(self, compiler, connection):
        end_sql, end_params = compiler.compile(self.source_expressions[0])
        start_sql, start_params = compiler.compile(self.source_expressions[1])
        return end_sql, start_sql, (*end_params, *start_params)

    def as_sql(self, compiler, connection, **extra_context):
        end, start, params = self._parts(compiler, connection)
        return (
            f"CAST(ROUND(CAST(EXTRACT(EPOCH FROM ({end} - {start})) AS NUMERIC), 3) AS DOUBLE PRECISION)",
            params,
        )

    def as_sqlite(self, compiler, connection, **extra_context):
        end, start, params = self._parts(compiler, connection)
        return f"ROUND((julianday({end}) - julianday({start})) * 86400.0, 3)", params


# --- Periods and scope ----------------------------------------------------------------------------


def default_period(today: date | None = None) -> tuple[date, date]:
    today = today or timezone.localdate()
    return today - timedelta(days=DEFAULT_DAYS - 1), today


def satpas_units(user):
    """The Satpas units whose statistics ``user`` may read (none without the permission)."""
    if not user.has_perm("licensing.view_statistics"):
        return Unit.objects.none()
    return units_visible_to(user).filter(kind="satpas").order_by("name")


def _day_bounds(start: date, end: date) -> tuple[datetime, datetime]:
    low = datetime.combine(start, time.min, tzinfo=JAKARTA)
    high = datetime.combine(end + timedelta(days=1), time.min, tzinfo=JAKARTA)
    return low, high


# --- Distributions --------------------------------------------------------------------------------

WAIT = {"start": "entered_at", "end": "called_at", "buckets": WAIT_BUCKETS}
SERVICE = {"start": "called_at", "end": "finished_at", "buckets": SERVICE_BUCKETS}

# How a distribution is split: the key grouped on and the fields that name the group.
DIMENSIONS = {
    "overall": ([], []),
    "stage": (["stage"], ["stage"]),
    "counter": (["counter_id"], ["counter__number"]),
    "clerk": (["clerk_id"], ["clerk__full_name", "clerk__username"]),
    "hour": (["hour"], ["hour"]),
}


def _durations(entries, metric: dict):
    """The entries that have both ends of ``metric``, each with ``secs`` and the hour (WIB) it began."""
    return entries.filter(
        **{f"{metric['start']}__isnull": False, f"{metric['end']}__isnull": False}
    ).annotate(
        secs=SecondsBetween(metric["end"], metric["start"]),
        hour=ExtractHour(metric["start"], tzinfo=JAKARTA),
    )


def _bucket_counts(metric: dict) -> dict:
    counts = {}
    for index, (low, high) in enumerate(metric["buckets"]):
        condition = Q(secs__gte=low * 60)
        if high is not None:
            condition &= Q(secs__lt=high * 60)
        counts[f"b{index}"] = Count("pk", filter=condition)
    return counts


def _percentile_rows(rows, keys: list[str]) -> dict:
    """Rows of the nearest-rank percentiles by group: {group key: {50: secs, 90: secs}}.

    Each group's rows are numbered by duration (``RowNumber`` over the group) and counted (``Count`` over
    the group); the p-th percentile is the row numbered ceil(p·n/100). One filter keeps exactly the rows
    at those ranks: (rn - k50)·(rn - k90) = 0, a product, because a filter on window functions cannot
    be a disjunction.
    """
    partition = [F(key) for key in keys] or None
    ranks = {p: (F("n") * p + 99) / 100 for p in PERCENTILES}
    ranked = rows.annotate(
        rn=Window(RowNumber(), partition_by=partition, order_by=[F("secs").asc(), F("pk").asc()]),
        n=Window(Count("pk"), partition_by=partition),
    )
    for p, rank in ranks.items():
        ranked = ranked.annotate(**{f"k{p}": rank})
    product = None
    for p in PERCENTILES:
        factor = F("rn") - F(f"k{p}")
        product = factor if product is None else product * factor
    hits = (
        ranked.annotate(hit=product)
        .filter(hit=0)
        .values(*keys, "rn", "secs", *(f"k{p}" for p in PERCENTILES))
    )
    found: dict = {}
    for row in hits:
        group = tuple(row[key] for key in keys)
        for p in PERCENTILES:
            if row["rn"] == row[f"k{p}"]:
                found.setdefault(group, {})[p] = row["secs"]
    return found


def _sla_seconds(metric: dict) -> int | None:
    return rules.SLA_STAGE_WAIT_MINUTES * 60 if metric is WAIT else None


def distribution(entries, metric: dict, dimension: str) -> list[dict]:
    """The distribution of ``metric`` (waiting or service seconds) per group of ``dimension``: count,
    mean, p50, p90, max, the histogram's bucket counts and, for waits, how many were within the stage
    standard. Two queries: one ``GROUP BY``, one window query for the percentiles."""
    keys, names = DIMENSIONS[dimension]
    rows = _durations(entries, metric)
    sla = _sla_seconds(metric)
    aggregates = {
        "count": Count("pk"),
        "total": Sum("secs"),
        "longest": Max("secs"),
        **_bucket_counts(metric),
    }
    if sla is not None:
        aggregates["within"] = Count("pk", filter=Q(secs__lte=sla))
    if keys:
        grouped = list(rows.values(*keys, *names).annotate(**aggregates).order_by(*keys))
    else:
        overall = rows.aggregate(**aggregates)
        grouped = [overall] if overall["count"] else []
    percentiles = _percentile_rows(rows, keys)
    result = []
    for row in grouped:
        group = tuple(row[key] for key in keys)
        count = row["count"]
        found = percentiles.get(group, {})
        result.append(
            {
                "key": group[0] if group else None,
                "label": _label(dimension, row),
                "count": count,
                "mean": row["total"] / count if count else None,
                "p50": found.get(50),
                "p90": found.get(90),
                "max": row["longest"],
                "buckets": [row[f"b{i}"] for i in range(len(metric["buckets"]))],
                "within": row.get("within"),
                "within_share": (row["within"] / count) if sla is not None and count else None,
            }
        )
    if dimension == "stage":
        order = {stage: n for n, stage in enumerate(rules.STAGE_ORDER)}
        result.sort(key=lambda r: order.get(r["key"], len(order)))
    return result


def _label(dimension: str, row: dict) -> str:
    if dimension == "stage":
        return str(rules.STAGES.get(row["stage"], row["stage"]))
    if dimension == "counter":
        return f"Loket {row['counter__number']}" if row["counter__number"] is not None else "—"
    if dimension == "clerk":
        return row["clerk__full_name"] or row["clerk__username"] or "—"
    if dimension == "hour":
        return f"{row['hour']:02d}:00"
    return str(_("All"))


def bucket_labels(metric: dict) -> list[str]:
    labels = []
    for low, high in metric["buckets"]:
        labels.append(f"{low}-{high}" if high is not None else f"≥ {low}")
    return labels


def _entries(unit: Unit, start: date, end: date):
    return LineEntry.objects.filter(unit=unit, day__gte=start, day__lte=end)


def served_per_day(unit: Unit, start: date, end: date) -> list[dict]:
    """Per day: tickets issued, applicants whose visit was completed (handed their SIM), and how many of
    those completed within the visit standard (``rules.SLA_VISIT_MINUTES`` from ticket to handover)."""
    visit = SecondsBetween("closed_at", "issued_at")
    counts = {
        row["day"]: row
        for row in Ticket.objects.filter(unit=unit, day__gte=start, day__lte=end)
        .alias(visit_secs=visit)
        .values("day")
        .annotate(
            issued=Count("pk"),
            served=Count("pk", filter=Q(state=Ticket.DONE)),
            within=Count("pk", filter=Q(state=Ticket.DONE, visit_secs__lte=rules.SLA_VISIT_MINUTES * 60)),
        )
        .order_by("day")
    }
    days = []
    for offset in range((end - start).days + 1):
        day = start + timedelta(days=offset)
        row = counts.get(day, {})
        days.append(
            {
                "day": day,
                "issued": row.get("issued", 0),
                "served": row.get("served", 0),
                "within": row.get("within", 0),
            }
        )
    return days


def statistics(unit: Unit, *, start: date, end: date) -> dict:
    """The waiting and service times of ``unit``'s lines between two dates (inclusive), per stage,
    counter, clerk and hour of day, the applicants served per day and the share within the standard."""
    entries = _entries(unit, start, end)
    waits = {dim: distribution(entries, WAIT, dim) for dim in DIMENSIONS}
    # Service at the payment stage is the bank's time to confirm, not a counter's: it is not a service time.
    served = entries.filter(state=LineEntry.DONE).exclude(stage=rules.PAYMENT_STAGE)
    services = {dim: distribution(served, SERVICE, dim) for dim in DIMENSIONS}
    days = served_per_day(unit, start, end)
    total_served = sum(day["served"] for day in days)
    total_within = sum(day["within"] for day in days)
    overall_wait = waits["overall"][0] if waits["overall"] else None
    return {
        "unit": unit,
        "start": start,
        "end": end,
        "waits": waits,
        "services": services,
        "days": days,
        "wait_buckets": bucket_labels(WAIT),
        "service_buckets": bucket_labels(SERVICE),
        "sla": {
            "stage_minutes": rules.SLA_STAGE_WAIT_MINUTES,
            "visit_minutes": rules.SLA_VISIT_MINUTES,
            "stage_share": overall_wait["within_share"] if overall_wait else None,
            "visit_share": total_within / total_served if total_served else None,
            "served": total_served,
            "visit_within": total_within,
        },
    }


# --- Integrity signals ------------------------------------------------------------------------------


def mask_nik(nik: str) -> str:
    """A NIK with its region kept and its serial's end: 3275********0001."""
    return f"{nik[:4]}{'*' * (len(nik) - 8)}{nik[-4:]}" if len(nik) > 8 else "*" * len(nik)


def mask_phone(phone: str) -> str:
    """A phone number with its prefix and last three digits kept: +62812*****001."""
    if len(phone) <= 6:
        return "*" * len(phone)
    return f"{phone[:6]}{'*' * (len(phone) - 9)}{phone[-3:]}"


def mask_email(email: str) -> str:
    """An e-mail address with two letters of its name and its domain kept: bu*****@example.com."""
    name, _at, domain = email.partition("@")
    return f"{name[:2]}{'*' * max(len(name) - 2, 3)}@{domain}"


def out_of_order(unit: Unit, start: date, end: date) -> dict:
    """Applicants served out of order (the supervisor's override), newest first, with the reason, the
    supervisor who ordered it (from the ledger), the counter and clerk who served, and how many waiting
    applicants were passed; and the totals per supervisor."""
    flagged = (
        _entries(unit, start, end)
        .filter(out_of_order=True)
        .select_related("ticket", "counter", "clerk")
        .order_by("-called_at", "-id")
    )
    total = flagged.count()
    entries = list(flagged[:SIGNAL_ROWS])
    records = {}
    if entries:
        for record in Entry.objects.filter(
            action="licensing.line.override",
            subject_type="licensing.ticket",
            subject_id__in=[str(entry.ticket_id) for entry in entries],
        ).order_by("seq"):
            records[(record.subject_id, record.data.get("stage"))] = record
    people = {
        str(user.pk): user.display_name
        for user in User.objects.filter(
            pk__in=[r.actor_id for r in records.values() if r.actor_kind == "user" and r.actor_id.isdigit()]
        )
    }
    rows, by_actor = [], {}
    for entry in entries:
        record = records.get((str(entry.ticket_id), entry.stage))
        passed = int(record.data.get("passed", 0)) if record else None
        actor = (people.get(record.actor_id) or record.actor_label) if record else "—"
        rows.append(
            {
                "entry": entry,
                "label": entry.ticket.label,
                "stage": rules.STAGES.get(entry.stage, entry.stage),
                "reason": entry.reason,
                "supervisor": actor,
                "clerk": entry.clerk.display_name if entry.clerk else "—",
                "counter": entry.counter.number if entry.counter else None,
                "passed": passed,
                "at": entry.called_at,
            }
        )
        summary = by_actor.setdefault(actor, {"supervisor": actor, "count": 0, "passed": 0})
        summary["count"] += 1
        summary["passed"] += passed or 0
    return {
        "total": total,
        "rows": rows,
        "by_supervisor": sorted(by_actor.values(), key=lambda s: (-s["count"], s["supervisor"])),
    }


def _window_start(end: date, days: int) -> datetime:
    return _day_bounds(end - timedelta(days=days - 1), end)[0]


def shared_contacts(unit: Unit, end: date) -> list[dict]:
    """Phone numbers and e-mail addresses given by at least ``SHARED_CONTACT_THRESHOLD`` applications of
    the Satpas registered in the ``SHARED_CONTACT_WINDOW_DAYS`` days up to ``end``: a broker's sign.
    Shown masked, with the applications' tracking numbers."""
    low = _window_start(end, rules.SHARED_CONTACT_WINDOW_DAYS)
    high = _day_bounds(end, end)[1]
    recent = Application.objects.filter(unit=unit, created_at__gte=low, created_at__lt=high)
    threshold = rules.SHARED_CONTACT_THRESHOLD
    found = []
    for kind, field in (("phone", F("phone")), ("email", Lower("email"))):
        contacts = (
            recent.exclude(**{kind: ""})
            .annotate(contact=field)
            .values("contact")
            .annotate(n=Count("pk"))
            .filter(n__gte=threshold)
            .order_by("-n", "contact")[:SIGNAL_ROWS]
        )
        found += [(kind, row["contact"], row["n"]) for row in contacts]
    if not found:
        return []
    phones = {contact for kind, contact, _n in found if kind == "phone"}
    emails = {contact for kind, contact, _n in found if kind == "email"}
    numbers: dict = {}
    for application in (
        recent.annotate(email_lower=Lower("email"))
        .filter(Q(phone__in=phones) | Q(email_lower__in=emails))
        .order_by("created_at", "id")
        .values("tracking_number", "phone", "email_lower")
    ):
        if application["phone"] in phones:
            numbers.setdefault(("phone", application["phone"]), []).append(application["tracking_number"])
        if application["email_lower"] in emails:
            numbers.setdefault(("email", application["email_lower"]), []).append(
                application["tracking_number"]
            )
    return [
        {
            "kind": kind,
            "contact": mask_phone(contact) if kind == "phone" else mask_email(contact),
            "applications": count,
            "tracking_numbers": numbers.get((kind, contact), []),
        }
        for kind, contact, count in found
    ]


def short_services(unit: Unit, start: date, end: date) -> list[dict]:
    """Per clerk and stage: the services finished faster than ``SHORT_SERVICE_SECONDS`` for the stage
    (a test nobody took, a check not made), with how many that clerk served at the stage in all."""
    short = Q()
    for stage, seconds in rules.SHORT_SERVICE_SECONDS.items():
        short |= Q(stage=stage, secs__lt=seconds)
    rows = (
        _durations(
            _entries(unit, start, end).filter(
                state=LineEntry.DONE, stage__in=list(rules.SHORT_SERVICE_SECONDS)
            ),
            SERVICE,
        )
        .values("clerk_id", "clerk__full_name", "clerk__username", "stage")
        .annotate(served=Count("pk"), short=Count("pk", filter=short), fastest=Min("secs"))
        .filter(short__gt=0)
        .order_by("-short", "clerk__username", "stage")[:SIGNAL_ROWS]
    )
    return [
        {
            "clerk": row["clerk__full_name"] or row["clerk__username"] or "—",
            "stage": rules.STAGES.get(row["stage"], row["stage"]),
            "threshold": rules.SHORT_SERVICE_SECONDS[row["stage"]],
            "short": row["short"],
            "served": row["served"],
            "share": row["short"] / row["served"],
            "fastest": row["fastest"],
        }
        for row in rows
    ]


def reissued_tickets(unit: Unit, end: date) -> list[dict]:
    """NIKs given more than ``REISSUE_THRESHOLD`` tickets at the Satpas in the ``REISSUE_WINDOW_DAYS``
    days up to ``end`` (a re-issued ticket starts a new place in the line). The NIK is shown masked."""
    first = end - timedelta(days=rules.REISSUE_WINDOW_DAYS - 1)
    recent = Ticket.objects.filter(unit=unit, day__gte=first, day__lte=end)
    niks = list(
        recent.values("application__nik")
        .annotate(n=Count("pk"))
        .filter(n__gt=rules.REISSUE_THRESHOLD)
        .order_by("-n", "application__nik")
        .values_list("application__nik", "n")[:SIGNAL_ROWS]
    )
    if not niks:
        return []
    tickets: dict = {}
    for ticket in (
        recent.filter(application__nik__in=[nik for nik, _n in niks])
        .select_related("application")
        .order_by("issued_at", "id")
    ):
        tickets.setdefault(ticket.application.nik, []).append(ticket)
    return [
        {
            "nik": mask_nik(nik),
            "tickets": count,
            "issued": [
                {
                    "label": ticket.label,
                    "day": ticket.day,
                    "state": ticket.get_state_display(),
                    "tracking_number": ticket.application.tracking_number,
                }
                for ticket in tickets.get(nik, [])
            ],
        }
        for nik, count in niks
    ]


def integrity(unit: Unit, *, start: date, end: date) -> dict:
    """Every integrity signal of ``unit``: the period's out-of-order serves and short services, and the
    shared contacts and re-issued tickets of the rules' windows up to the period's end."""
    return {
        "unit": unit,
        "start": start,
        "end": end,
        "out_of_order": out_of_order(unit, start, end),
        "shared_contacts": shared_contacts(unit, end),
        "short_services": short_services(unit, start, end),
        "reissued": reissued_tickets(unit, end),
        "thresholds": {
            "shared_contact": rules.SHARED_CONTACT_THRESHOLD,
            "shared_contact_days": rules.SHARED_CONTACT_WINDOW_DAYS,
            "short_service": rules.SHORT_SERVICE_SECONDS,
            "reissue": rules.REISSUE_THRESHOLD,
            "reissue_days": rules.REISSUE_WINDOW_DAYS,
        },
    }
