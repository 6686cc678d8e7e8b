"""Reads of ETLE: the review queue, the oversight figures, the STNK block feed and the dashboard."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from functools import reduce
from operator import or_
from zoneinfo import ZoneInfo

from django.core.paginator import Paginator
from django.db.models import Count, Max, Min, Prefetch, Q
from django.db.models.functions import ExtractHour, TruncDate
from django.utils import timezone

from bersih.core.models import User
from bersih.core.querysets import unit_scope_q

from . import rules
from .models import Capture, CaptureImage, StnkBlock, Violation
from .registry import registry

# Days and hours are counted in Western Indonesian Time, whatever the database's own zone.
JAKARTA = ZoneInfo("Asia/Jakarta")

DECISION_ACTIONS = {
    "etle.violation.approved": "approved",
    "etle.violation.rejected": "rejected",
    "etle.violation.plate_corrected": "corrected",
    "etle.violation.type_changed": "type_changed",
}


def _role_unit_q(user, role: str, unit_field: str) -> Q | None:
    """Records of the units under those where ``user`` holds ``role`` (not just any role)."""
    paths = sorted({a.unit.path for a in user.active_assignments() if a.role == role and a.unit_id})
    if not paths:
        return None
    return reduce(or_, (Q(**{f"{unit_field}__path__startswith": path}) for path in paths))


def reviewable(user):
    """The cases ``user`` may decide: investigators, in the units where they are investigators."""
    scoped = Violation.objects.restrict(user, "review")
    if not getattr(user, "is_authenticated", False):
        return scoped
    unit_q = _role_unit_q(user, "investigator", "unit")
    return scoped.filter(unit_q) if unit_q is not None else scoped.none()


def _with_evidence(queryset):
    images = CaptureImage.objects.select_related("file")
    captures = Capture.objects.order_by("captured_at", "id").prefetch_related(
        Prefetch("image_links", queryset=images)
    )
    return queryset.select_related("camera").prefetch_related(Prefetch("captures", queryset=captures))


def review_queue(user):
    """Undecided cases in the person's review scope, the oldest first (those waiting longest)."""
    return reviewable(user).filter(status__in=Violation.OPEN_STATUSES).order_by("first_captured_at", "id")


def review_queue_page(user, page_number=1, per_page: int = rules.REVIEW_PAGE_SIZE):
    """One page of the queue with cameras, captures, pictures and registry records loaded.

    Each case gets ``registered`` (its :class:`~bersih.etle.registry.RegisteredVehicle` or None): the
    registry is asked once for the whole page.
    """
    page = Paginator(_with_evidence(review_queue(user)), min(per_page, rules.REVIEW_PAGE_SIZE)).get_page(
        page_number
    )
    found = registry().lookup_many(v.plate for v in page.object_list if v.plate)
    for violation in page.object_list:
        violation.registered = found.get(violation.plate)
        violation.kind = rules.violation_type(violation.violation_code)
        violation.flags = [rules.REVIEW_REASONS.get(r, r) for r in violation.review_reasons]
    return page


def case_for_review(user, tracking_number: str) -> Violation | None:
    """One case in the person's review scope, with its evidence (any status: decided ones show read-only)."""
    violation = _with_evidence(reviewable(user)).filter(tracking_number=tracking_number).first()
    if violation is not None:
        violation.registered = registry().lookup(violation.plate) if violation.plate else None
    return violation


def next_in_queue(user, *, after: Violation | None = None) -> Violation | None:
    """The case to open after deciding ``after``: the oldest still waiting, other than ``after``."""
    queue = review_queue(user)
    if after is not None:
        queue = queue.exclude(pk=after.pk)
    return queue.only("tracking_number").first()


def evidence_image(user, tracking_number: str, image_id: int) -> CaptureImage | None:
    """A picture of a case the person may see (traffic staff in scope), or None."""
    return (
        CaptureImage.objects.select_related("file")
        .filter(
            pk=image_id,
            capture__violation__in=Violation.objects.restrict(user, "view").filter(
                tracking_number=tracking_number
            ),
        )
        .first()
    )


def decision_rates(user) -> list[dict]:
    """Per officer: decisions recorded in the ledger on cases of the units in ``user``'s scope.

    Rows: ``officer`` (User), ``approved``, ``rejected``, ``corrected``, ``type_changed``, ``decided``
    and ``approval_rate`` / ``rejection_rate`` (percent of decided, None when nothing was decided).
    """
    from bersih.ledger.models import Entry

    # The ledger's own page is for the oversight roles; these counts are for supervisors too, so the
    # scope is applied here: entries recorded for units under the person's own.
    unit_q = unit_scope_q(user, "unit") if user.has_perm("etle.oversee_violation") else None
    if unit_q is None:
        return []
    entries = Entry.objects.filter(unit_q)
    counts = (
        entries.filter(action__in=DECISION_ACTIONS, actor_kind="user")
        .values("actor_id", "action")
        .annotate(n=Count("id"))
        .order_by()
    )
    rows: dict[str, dict] = {}
    for item in counts:
        row = rows.setdefault(item["actor_id"], {key: 0 for key in DECISION_ACTIONS.values()})
        row[DECISION_ACTIONS[item["action"]]] = item["n"]
    officers = User.objects.in_bulk([int(pk) for pk in rows if pk.isdigit()])
    result = []
    for actor_id, row in rows.items():
        decided = row["approved"] + row["rejected"]
        row.update(
            officer=officers.get(int(actor_id)) if actor_id.isdigit() else None,
            decided=decided,
            approval_rate=round(100 * row["approved"] / decided) if decided else None,
            rejection_rate=round(100 * row["rejected"] / decided) if decided else None,
        )
        result.append(row)
    return sorted(result, key=lambda r: (-r["decided"], str(r["officer"])))


# --- Letters and returned mail -----------------------------------------------------------------------


def returned_cases(user):
    """Cases of the person's units whose letter came back (the wrong-address work list), oldest first."""
    return (
        Violation.objects.restrict(user, "letter")
        .filter(status=Violation.RETURNED)
        .select_related("camera")
        .order_by("returned_at", "id")
    )


def returned_cases_page(user, page_number=1):
    return Paginator(returned_cases(user), rules.REVIEW_PAGE_SIZE).get_page(page_number)


def returned_case(user, tracking_number: str) -> Violation | None:
    return returned_cases(user).filter(tracking_number=tracking_number).first()


def case_for_staff(user, tracking_number: str) -> Violation | None:
    """A case the person may see (traffic staff and oversight of its units), any status."""
    return (
        Violation.objects.restrict(user, "view")
        .select_related("camera", "letter")
        .filter(tracking_number=tracking_number)
        .first()
    )


# --- Payments -----------------------------------------------------------------------------------------

CASE_OFFICER_ROLES = ("investigator", "supervisor")


def _case_officer_q(user, unit_field: str) -> Q | None:
    qs = [q for role in CASE_OFFICER_ROLES if (q := _role_unit_q(user, role, unit_field)) is not None]
    return reduce(or_, qs) if qs else None


def verdict_cases(user):
    """Cases whose verdict ``user`` may record: investigators and supervisors of the case's unit."""
    scoped = Violation.objects.restrict(user, "verdict")
    if not getattr(user, "is_authenticated", False):
        return scoped
    unit_q = _case_officer_q(user, "unit")
    return scoped.filter(unit_q) if unit_q is not None else scoped.none()


def refunds_manageable(user):
    """Refunds ``user`` may settle: investigators and supervisors of the case's unit."""
    from .models import Refund

    scoped = Refund.objects.restrict(user, "settle")
    if not getattr(user, "is_authenticated", False):
        return scoped
    unit_q = _case_officer_q(user, "violation__unit")
    return scoped.filter(unit_q) if unit_q is not None else scoped.none()


PAYMENT_STATUSES = ("open", "paid", "expired", "cancelled")


def payments_page(user, *, status: str = "", page_number=1, per_page: int = 50):
    """Virtual accounts in the person's scope, newest first, with their case (one query per page)."""
    from .models import Payment

    queryset = Payment.objects.restrict(user, "view").select_related("violation")
    if status in PAYMENT_STATUSES:
        queryset = queryset.filter(status=status)
    return Paginator(queryset.order_by("-opened_at", "-id"), per_page).get_page(page_number)


def refunds_list(user, *, limit: int = 200):
    """Refunds in the person's scope: owed first (by claim date), then the settled ones."""
    from django.db.models import Case, IntegerField, Value, When

    from .models import Refund

    order = Case(When(status=Refund.OWED, then=Value(0)), default=Value(1), output_field=IntegerField())
    return list(
        Refund.objects.restrict(user, "view")
        .select_related("violation", "settled_by")
        .annotate(owed_first=order)
        .order_by("owed_first", "claim_by", "id")[:limit]
    )


def reconciliation_runs(user, *, limit: int = 100):
    from .models import ReconciliationRun

    return list(
        ReconciliationRun.objects.restrict(user, "view")
        .select_related("unit")
        .order_by("-created_at", "-id")[:limit]
    )


def reconciliation_run(user, run_id: int):
    from .models import ReconciliationRun

    return (
        ReconciliationRun.objects.restrict(user, "view")
        .select_related("unit", "file")
        .filter(pk=run_id)
        .first()
    )


def case_messages(violation: Violation, limit: int = 50) -> list:
    """The outbox messages about the case, oldest first (at most ``limit``)."""
    from bersih.notify.models import Message

    return list(
        Message.objects.filter(subject_type=Violation._meta.label_lower, subject_id=str(violation.pk))
        .only("channel", "status", "created_at", "sent_at", "context", "attachments", "template")
        .order_by("created_at", "id")[:limit]
    )


def reconciliation_units(user):
    """The units a person may reconcile for: those where they hold a traffic role (not oversight)."""
    from bersih.core.models import Unit

    roles = {"officer", "investigator", "supervisor", "administrator"}
    ids = {a.unit_id for a in user.active_assignments() if a.role in roles and a.unit_id}
    return list(Unit.objects.filter(pk__in=ids).order_by("path"))


# --- The owner's confirmation page and the officers' dispute review ---------------------------------


def _code_key(reference_code: str) -> str:
    """The reference code as stored: upper case, no spaces or dashes, O read as 0 and I/L as 1."""
    from bersih.core.tracking import ALIASES, normalise

    return normalise(reference_code or "").translate(ALIASES)


def case_for_owner(reference_code: str, plate: str) -> Violation | None:
    """The case of this reference code if ``plate`` is its plate; None for an unknown code *or* a wrong
    plate (the caller cannot tell which)."""
    import hmac

    from . import plates

    code = _code_key(reference_code)
    violation = Violation.objects.filter(reference_code=code).first() if 0 < len(code) <= 16 else None
    given = plates.compact(plate or "").encode()
    if violation is None or not violation.plate:
        hmac.compare_digest(given, given)  # the same work either way
        return None
    return violation if hmac.compare_digest(given, plates.compact(violation.plate).encode()) else None


def owner_case(violation_id: int) -> Violation | None:
    """The case an owner opened (from their session), with its camera, captures and pictures."""
    return _with_evidence(Violation.objects.all()).filter(pk=violation_id).first()


def owner_picture(violation: Violation, sha256: str):
    """A camera picture of ``violation`` by its SHA-256 (public URLs carry no database ids), or None."""
    return (
        CaptureImage.objects.select_related("file")
        .filter(capture__violation=violation, file__sha256=sha256)
        .first()
    )


def open_payment(violation: Violation):
    from .models import Payment

    return Payment.objects.filter(violation=violation, status=Payment.OPEN).first()


def _open_dispute_prefetch():
    from .models import Confirmation, ConfirmationUpload

    uploads = ConfirmationUpload.objects.select_related("file")
    return Prefetch(
        "confirmations",
        queryset=Confirmation.objects.filter(answer__in=rules.DISPUTE_ANSWERS, decision="").prefetch_related(
            Prefetch("upload_links", queryset=uploads)
        ),
        to_attr="open_disputes",
    )


def dispute_queue(user):
    """Disputed cases the investigator may decide, the longest waiting first (bounded by the page)."""
    return (
        reviewable(user)
        .filter(status=Violation.DISPUTED)
        .select_related("camera")
        .prefetch_related(_open_dispute_prefetch())
        .order_by("updated_at", "id")
    )


def dispute_queue_page(user, page_number=1, per_page: int = rules.REVIEW_PAGE_SIZE):
    return Paginator(dispute_queue(user), min(per_page, rules.REVIEW_PAGE_SIZE)).get_page(page_number)


def dispute_case(user, tracking_number: str) -> Violation | None:
    """A disputed case in the investigator's scope with its evidence and the open dispute's uploads."""
    violation = (
        _with_evidence(reviewable(user))
        .prefetch_related(_open_dispute_prefetch())
        .filter(tracking_number=tracking_number, status=Violation.DISPUTED)
        .first()
    )
    if violation is not None:
        violation.dispute = violation.open_disputes[0] if violation.open_disputes else None
    return violation


def dispute_upload(user, tracking_number: str, upload_id: int):
    """An upload of a dispute of a case the investigator may decide, or None."""
    from .models import ConfirmationUpload

    return (
        ConfirmationUpload.objects.select_related("file", "confirmation__violation__unit")
        .filter(
            pk=upload_id,
            confirmation__violation__in=reviewable(user).filter(tracking_number=tracking_number),
        )
        .first()
    )


# --- STNK blocks ----------------------------------------------------------------------------------

BLOCK_FIELDS = (
    "id",
    "action",
    "plate",
    "violation__tracking_number",
    "reason",
    "at",
    "violation__unit__code",
)


def blocked_cases(user):
    """Cases with the STNK blocked that ``user`` may lift (supervisors, in their units), latest first."""
    return (
        Violation.objects.restrict(user, "unblock")
        .filter(status=Violation.BLOCKED)
        .select_related("camera")
        .order_by("-blocked_at", "-id")
    )


def blocked_case(user, tracking_number: str) -> Violation | None:
    return (
        Violation.objects.restrict(user, "unblock")
        .filter(tracking_number=tracking_number)
        .select_related("camera", "unit")
        .first()
    )


def block_feed(queryset, *, after: int = 0, limit: int = rules.BLOCKS_PAGE_DEFAULT) -> list[dict]:
    """Block and unblock records after the id ``after``, in id order, at most ``limit`` (one query).

    ``limit`` may exceed the page size by one: the API asks one more to know whether more wait.
    """
    limit = max(1, min(limit, rules.BLOCKS_PAGE_MAX + 1))
    return list(queryset.filter(pk__gt=after).order_by("pk").values(*BLOCK_FIELDS)[:limit])


def block_records(user, *, start: date, end: date, unit=None):
    """The block records ``user`` may read between two WIB dates (inclusive), optionally one unit's subtree.

    A values queryset in id order of :data:`BLOCK_FIELDS`, read by the CSV download in chunks.
    """
    low, high = day_bounds(start, end)
    records = StnkBlock.objects.restrict(user, "view").filter(at__gte=low, at__lt=high)
    if unit is not None:
        records = records.filter(violation__unit__path__startswith=unit.path)
    return records.order_by("pk").values(*BLOCK_FIELDS)


def last_block_id() -> int:
    return StnkBlock.objects.aggregate(last=Max("pk"))["last"] or 0


# --- Dashboard ------------------------------------------------------------------------------------


def day_bounds(start: date, end: date) -> tuple[datetime, datetime]:
    """From the start of ``start`` to the end of ``end`` in WIB, as aware datetimes [low, high)."""
    low = datetime.combine(start, time.min, tzinfo=JAKARTA)
    high = datetime.combine(end + timedelta(days=1), time.min, tzinfo=JAKARTA)
    return low, high


def default_period(today: date | None = None) -> tuple[date, date]:
    today = today or timezone.localdate()
    return today - timedelta(days=rules.DASHBOARD_DEFAULT_DAYS - 1), today


def _funnel(cases) -> dict:
    V = Violation
    sent = Q(letter_sent_at__isnull=False) | Q(status__in=(*V.AWAITING_OWNER, V.PAID))
    counts = cases.aggregate(
        captured=Count("pk"),
        approved=Count("pk", filter=~Q(status__in=(*V.OPEN_STATUSES, V.REJECTED))),
        sent=Count("pk", filter=sent),
        confirmed=Count("pk", filter=Q(confirmed_at__isnull=False) | Q(status__in=(V.CONFIRMED, V.PAID))),
        paid=Count("pk", filter=Q(status=V.PAID) | Q(paid_at__isnull=False)),
        in_review=Count("pk", filter=Q(status__in=V.OPEN_STATUSES)),
        rejected=Count("pk", filter=Q(status=V.REJECTED)),
        returned=Count("pk", filter=Q(status=V.RETURNED) | Q(pause_reason=V.PAUSE_RETURNED_MAIL)),
        disputed=Count("pk", filter=Q(status=V.DISPUTED) | Q(pause_reason=V.PAUSE_DISPUTE)),
        blocked=Count("pk", filter=Q(blocked_at__isnull=False) | Q(status=V.BLOCKED)),
        blocked_now=Count("pk", filter=Q(status=V.BLOCKED)),
        cancelled=Count("pk", filter=Q(status=V.CANCELLED)),
    )
    return counts


def _backlog(user, now: datetime) -> dict:
    """The review queue as it stands: size, oldest, median age and age buckets (two queries)."""
    queue = Violation.objects.restrict(user, "view").filter(status__in=Violation.OPEN_STATUSES)
    buckets = {}
    for index, (low, high) in enumerate(rules.BACKLOG_BUCKETS):
        condition = Q(first_captured_at__lte=now - timedelta(days=low))
        if high is not None:
            condition &= Q(first_captured_at__gt=now - timedelta(days=high))
        buckets[f"b{index}"] = Count("pk", filter=condition)
    counts = queue.aggregate(total=Count("pk"), oldest=Min("first_captured_at"), **buckets)
    total = counts["total"]
    median = None
    if total:
        middle = list(
            queue.order_by("first_captured_at", "pk").values_list("first_captured_at", flat=True)[
                (total - 1) // 2 : total // 2 + 1
            ]
        )
        ages = [now - moment for moment in middle]
        median = sum(ages, timedelta()) / len(ages)
    return {
        "total": total,
        "oldest": counts["oldest"],
        "oldest_age": now - counts["oldest"] if counts["oldest"] else None,
        "median_age": median,
        "buckets": [
            {"low": low, "high": high, "count": counts[f"b{index}"]}
            for index, (low, high) in enumerate(rules.BACKLOG_BUCKETS)
        ],
    }


def _throughput(decided) -> list[dict]:
    """Per officer: decisions, days with a decision, per day (mean and most), rejection rate."""
    per_day = (
        decided.annotate(day=TruncDate("decided_at", tzinfo=JAKARTA))
        .values("decided_by", "day")
        .annotate(n=Count("pk"), rejected=Count("pk", filter=Q(status=Violation.REJECTED)))
        .order_by()[: rules.DASHBOARD_MAX_ROWS * rules.DASHBOARD_MAX_DAYS]
    )
    rows: dict[int, dict] = {}
    for item in per_day:
        row = rows.setdefault(item["decided_by"], {"decided": 0, "rejected": 0, "days": 0, "most": 0})
        row["decided"] += item["n"]
        row["rejected"] += item["rejected"]
        row["days"] += 1
        row["most"] = max(row["most"], item["n"])
    officers = User.objects.in_bulk(list(rows))
    result = []
    for officer_id, row in rows.items():
        row.update(
            officer=officers.get(officer_id),
            per_day=round(row["decided"] / row["days"], 1),
            rejection_rate=round(100 * row["rejected"] / row["decided"]),
        )
        result.append(row)
    result.sort(key=lambda r: (-r["decided"], str(r["officer"])))
    return result[: rules.DASHBOARD_MAX_ROWS]


def dashboard(user, *, start: date, end: date, now: datetime | None = None) -> dict:
    """The ETLE figures of ``user``'s units for cases first captured between two WIB dates (inclusive).

    Every figure is counted in the database (GROUP BY), in a fixed number of queries whatever the
    number of cases: the funnel, cases by camera, hour of day, violation and day, the review backlog
    (as it stands now) and the officers' decisions in the period.
    """
    now = now or timezone.now()
    low, high = day_bounds(start, end)
    scoped = Violation.objects.restrict(user, "view")
    cases = scoped.filter(first_captured_at__gte=low, first_captured_at__lt=high)
    by_camera = list(
        cases.values("camera__code", "camera__name")
        .annotate(n=Count("pk"))
        .order_by("-n", "camera__code")[: rules.DASHBOARD_MAX_ROWS]
    )
    hours = dict(
        cases.annotate(hour=ExtractHour("first_captured_at", tzinfo=JAKARTA))
        .values("hour")
        .annotate(n=Count("pk"))
        .order_by("hour")
        .values_list("hour", "n")
    )
    by_code = list(cases.values("violation_code").annotate(n=Count("pk")).order_by("-n", "violation_code"))
    days = dict(
        cases.annotate(day=TruncDate("first_captured_at", tzinfo=JAKARTA))
        .values("day")
        .annotate(n=Count("pk"))
        .order_by("day")
        .values_list("day", "n")
    )
    span = (end - start).days + 1
    decided = scoped.filter(decided_at__gte=low, decided_at__lt=high, decided_by__isnull=False)
    return {
        "start": start,
        "end": end,
        "funnel": _funnel(cases),
        "by_camera": [
            {"code": r["camera__code"], "name": r["camera__name"], "count": r["n"]} for r in by_camera
        ],
        "by_hour": [{"hour": hour, "count": hours.get(hour, 0)} for hour in range(24)],
        "by_type": [
            {
                "code": r["violation_code"],
                "kind": rules.violation_type(r["violation_code"]),
                "count": r["n"],
            }
            for r in by_code
        ],
        "by_day": [
            {"day": start + timedelta(days=i), "count": days.get(start + timedelta(days=i), 0)}
            for i in range(span)
        ],
        "backlog": _backlog(user, now),
        "officers": _throughput(decided),
    }
