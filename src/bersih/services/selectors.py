"""Every read of Sipmas that pages, the API and reports share (see DESIGN: selectors read).

Each area appends its own section below.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.core.cache import cache
from django.core.paginator import Paginator
from django.db.models import Count, Exists, F, OuterRef, Q, Window
from django.db.models.functions import RowNumber, TruncMonth
from django.utils import timezone

from bersih.documents.models import Document
from bersih.licensing.statistics import SecondsBetween

from . import rules
from .models import Case, CaseAttachment, CaseEvent

# --- Handling (staff): case lists, late lists, the case page, products -----------------------------


@dataclass(frozen=True)
class CaseFilters:
    """The staff list's filters, as parsed from the query string (unknown values are ignored)."""

    service: str = ""
    status: str = ""
    category: str = ""
    state: str = ""  # "open", "closed" or "" (both)
    mine: bool = False
    unit: int | None = None
    number: str = ""  # a tracking number or its start


def staff_cases(user, filters: CaseFilters | None = None):
    """The cases in ``user``'s scope (never a complaint about their own unit), filtered, newest first."""
    filters = filters or CaseFilters()
    cases = Case.objects.restrict(user).select_related("unit", "assignee")
    if filters.service in rules.CASE_SERVICES:
        cases = cases.filter(service=filters.service)
    if filters.status:
        cases = cases.filter(status=filters.status)
    if filters.category in rules.COMPLAINT_CATEGORIES:
        cases = cases.filter(category=filters.category)
    if filters.state == "open":
        cases = cases.filter(closed_at__isnull=True)
    elif filters.state == "closed":
        cases = cases.filter(closed_at__isnull=False)
    if filters.mine:
        cases = cases.filter(assignee=user)
    if filters.unit:
        cases = cases.filter(unit_id=filters.unit)
    if filters.number:
        cases = cases.filter(tracking_number__istartswith=filters.number)
    return cases.order_by("-submitted_at", "-id")


def staff_cases_page(
    user, filters: CaseFilters | None = None, page_number=1, per_page: int = rules.STAFF_PAGE_SIZE
):
    return Paginator(staff_cases(user, filters), min(per_page, rules.STAFF_PAGE_SIZE)).get_page(page_number)


def late_cases(user, *, now: datetime | None = None, limit: int = 200) -> dict:
    """Open cases of ``user``'s scope whose clock runs out within ``rules.DUE_SOON_HOURS`` (``due_soon``)
    or has run out (``breached``), the most urgent first, each list bounded by ``limit``."""
    now = now or timezone.now()
    running = (
        Case.objects.restrict(user).open().filter(due_at__isnull=False).select_related("unit", "assignee")
    )
    soon = now + timedelta(hours=rules.DUE_SOON_HOURS)
    breached = running.filter(due_at__lt=now).order_by("due_at", "id")
    due_soon = running.filter(due_at__gte=now, due_at__lt=soon).order_by("due_at", "id")
    return {
        "breached": list(breached[:limit]),
        "breached_count": breached.count(),
        "due_soon": list(due_soon[:limit]),
        "due_soon_count": due_soon.count(),
        "now": now,
    }


def staff_case(user, tracking_number: str) -> Case | None:
    """The case with this number if it lies in ``user``'s scope (else None: the page answers 404)."""
    return (
        Case.objects.restrict(user)
        .select_related("unit", "assignee", "complained_unit", "product")
        .filter(tracking_number=str(tracking_number or "").strip().upper())
        .first()
    )


def case_events(case: Case, limit: int = 500) -> list[CaseEvent]:
    """The whole timeline of a case for staff (public and internal events), oldest first."""
    return list(CaseEvent.objects.filter(case=case).order_by("at", "id")[:limit])


def case_files(case: Case) -> list[CaseAttachment]:
    return list(CaseAttachment.objects.filter(case=case).select_related("file").order_by("added_at", "id"))


def case_file(user, tracking_number: str, attachment_id: int) -> CaseAttachment | None:
    """One file of a case in ``user``'s scope (None otherwise)."""
    case = staff_case(user, tracking_number)
    if case is None:
        return None
    return CaseAttachment.objects.filter(case=case, pk=attachment_id).select_related("file").first()


def case_products(case: Case) -> list[Document]:
    """The letters issued for a case (STTLP, SP2HP, SKTLK, permits), oldest first; ``Case.product`` is
    the latest."""
    files = CaseAttachment.objects.filter(case=case, from_citizen=False).values("file_id")
    return list(
        Document.objects.filter(direction=Document.Direction.ISSUED, file_id__in=files)
        .select_related("file")
        .order_by("issued_at", "id")
    )


def case_product_for_citizen(case: Case, code: str) -> Document | None:
    """A letter of ``case`` by its verification code (the caller has checked the case's secret)."""
    return next((d for d in case_products(case) if d.code == str(code or "").strip().upper()), None)


def assignable_officers(case: Case):
    """Officers holding a handling role in the case's Polres (its units or above it): whom a case may
    be given to, with or after routing it (``case_assign`` checks the officer serves the handling unit)."""
    from bersih.core.models import Unit, User

    from .services.handling import HANDLER_ROLES

    today = timezone.localdate()
    polres = case.unit.polres() or case.unit
    units = Unit.objects.filter(Q(path__startswith=polres.path) | Q(pk__in=polres.ancestors().values("pk")))
    return (
        User.objects.filter(
            Q(assignments__ends_on__isnull=True) | Q(assignments__ends_on__gte=today),
            assignments__starts_on__lte=today,
            assignments__role__in=HANDLER_ROLES,
            assignments__unit__in=units,
            is_active=True,
        )
        .distinct()
        .order_by("full_name", "username")
    )


def case_of_product(code: str) -> Case | None:
    """The case a product (by its document code) was issued for, or None."""
    document = Document.objects.filter(code=str(code or "").strip().upper()).only("file_id").first()
    if document is None:
        return None
    link = CaseAttachment.objects.filter(file_id=document.file_id, from_citizen=False).select_related("case")
    found = link.first()
    return found.case if found else None


# --- Tracking: the citizen's own view of a case --------------------------------------------------


def citizen_timeline(case) -> list:
    """What the holder of a case's number and secret sees: its public steps and the officers' public
    messages (``timeline.public_events``), with the citizen's own replies among them in time order.
    Internal notes, routing, assignees and the reporter's identity never appear."""
    from django.utils.translation import gettext as _

    from bersih.core.tracking import TimelineEvent

    from .models import CaseEvent
    from .timeline import public_events

    events = public_events(case)
    replies = case.events.filter(kind=CaseEvent.REPLY).order_by("at", "id").only("at", "text")
    events += [TimelineEvent(reply.at, _("Your message"), reply.text) for reply in replies]
    return sorted(events, key=lambda event: event.at)


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
