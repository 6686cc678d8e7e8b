"""Reads of ETLE: the investigators' review queue and the oversight figures of their decisions."""

from __future__ import annotations

from functools import reduce
from operator import or_

from django.core.paginator import Paginator
from django.db.models import Count, Prefetch, Q

from bersih.core.models import User
from bersih.core.querysets import unit_scope_q

from . import rules
from .models import Capture, CaptureImage, Violation
from .registry import registry

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
