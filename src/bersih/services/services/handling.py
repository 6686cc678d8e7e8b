"""Handling a case: status steps with reasons, notes, assignment and routing, the citizen's replies,
reads of a complainant's identity, the survey invitation when a case closes, and the SLA sweep.

Every function is one transaction that locks the case row, records its ledger entry and queues its
messages; a refused step raises ValidationError or PermissionDenied and writes nothing.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from bersih import ledger
from bersih.core.calendar import deadline
from bersih.core.models import Assignment, Unit
from bersih.ledger.services import SYSTEM
from bersih.notify.services import notify_person

from .. import rules
from ..models import Case, CaseAttachment, CaseEvent, Requester, SurveyInvitation
from .clock import clock_for_step
from .intake import CITIZEN, Upload, _actor_label, _clean_text, _store_uploads
from .messages import tell_requester
from .products import product_issue
from .secrets import secret_matches, token_new

# The statuses after which the citizen is invited to rate the service (a service was delivered).
SURVEY_AFTER = frozenset({"issued", "completed", "closed"})
HANDLER_ROLES = ("officer", "supervisor", "investigator")


def _locked(case: Case) -> Case:
    return Case.objects.select_for_update().get(pk=case.pk)


def _event(case, *, kind, now, actor, public=False, text="", status="") -> CaseEvent:
    return CaseEvent.objects.create(
        case=case,
        at=now,
        kind=kind,
        status=status,
        public=public,
        text=text,
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        actor_label=_actor_label(actor),
    )


def _check_handler(actor, case: Case) -> None:
    """Staff act on a case only with the handle permission and the case in their scope (the unit
    complained about never has it in scope, see ``CaseQuerySet.restrict``)."""
    if actor is SYSTEM:
        return
    if (
        not actor.has_perm("services.handle_case")
        or not Case.objects.restrict(actor).filter(pk=case.pk).exists()
    ):
        raise PermissionDenied(_("You may not handle this case."))


@transaction.atomic
def case_transition(*, actor, case: Case, status: str, reason: str = "", now: datetime | None = None) -> Case:
    """Move a case to its next step (``rules`` say which may follow which). A reason is required where
    the step says so and is shown to the citizen; public steps are told to them."""
    now = now or timezone.now()
    _check_handler(actor, case)
    case = _locked(case)
    if case.closed_at is not None:
        raise ValidationError(_("This case is closed."))
    if status not in rules.allowed_next(case.service, case.status):
        raise ValidationError(
            _("A case in step “%(from)s” cannot move to “%(to)s”.")
            % {"from": case.step.label, "to": case.standard.steps.get(status, rules.Step(status)).label}
        )
    step = case.standard.steps[status]
    reason = _clean_text(reason, 2000, "reason", required=step.needs_reason)
    previous = case.status
    case.status, case.status_reason, case.updated_at = status, reason, now
    clock, due_at = clock_for_step(step, now, case.clock, case.due_at)
    if (clock, due_at) != (case.clock, case.due_at):
        case.escalation_level, case.escalated_at = 0, None  # a new clock: escalation starts over
    case.clock, case.due_at = clock, due_at
    if step.terminal:
        case.closed_at = now
    case.save()
    _event(case, kind=CaseEvent.STATUS, now=now, actor=actor, public=step.public, text=reason, status=status)
    if step.product:  # the step issues a signed letter (rules.PRODUCTS); it fails the step if it fails
        product_issue(actor=actor, case=case, status=status, now=now)
    ledger.record(
        actor=actor,
        action="services.case.status_changed",
        subject=case,
        unit=case.unit,
        data={
            "from": previous,
            "to": status,
            "reason": reason,
            "due_at": due_at.isoformat() if due_at else None,
        },
    )
    if step.public:
        tell_requester(case, "services.case_status", key=f"status:{status}:{case.events.count()}")
    if step.terminal and status in SURVEY_AFTER:
        survey_invitation_create(case=case, now=now)
    return case


@transaction.atomic
def case_note(
    *, actor, case: Case, text: str, public: bool = False, now: datetime | None = None
) -> CaseEvent:
    """An officer's note: internal (officers only) or public (on the citizen's timeline, and told)."""
    now = now or timezone.now()
    _check_handler(actor, case)
    case = _locked(case)
    text = _clean_text(text, 4000, "text", required=True)
    event = _event(case, kind=CaseEvent.NOTE, now=now, actor=actor, public=public, text=text)
    case.updated_at = now
    case.save(update_fields=["updated_at"])
    ledger.record(
        actor=actor,
        action="services.case.noted",
        subject=case,
        unit=case.unit,
        data={"public": public, "length": len(text)},
    )
    if public:
        tell_requester(case, "services.case_note", {"note": text}, key=f"note:{event.pk}")
    return event


def _holds_role_in(user, unit: Unit) -> bool:
    """A handling role in ``unit`` or above it (a unit's officers serve its sub-units too)."""
    return any(
        a.role in HANDLER_ROLES and a.unit_id and unit.path.startswith(a.unit.path)
        for a in user.active_assignments()
    )


@transaction.atomic
def case_assign(
    *, actor, case: Case, assignee=None, unit: Unit | None = None, now: datetime | None = None
) -> Case:
    """Route a case to another unit of the Polres and/or give it to an officer of its unit.

    A sensitive complaint (pungli, misconduct) stays with Siwas or Propam; no case goes to the unit
    complained about. The officer must hold a handling role in the case's unit.
    """
    now = now or timezone.now()
    _check_handler(actor, case)
    case = _locked(case)
    if case.closed_at is not None:
        raise ValidationError(_("This case is closed."))
    changes = {}
    if unit is not None and unit.pk != case.unit_id:
        polres = case.unit.polres()
        if polres is None or not unit.path.startswith(polres.path):
            raise ValidationError({"unit": _("Choose a unit of this Polres.")})
        if case.is_sensitive and unit.kind not in rules.SENSITIVE_HANDLER_FALLBACK:
            raise ValidationError({"unit": _("Reports of pungli and misconduct stay with Siwas or Propam.")})
        if case.complained_unit_id and unit.path.startswith(case.complained_unit.path):
            raise ValidationError({"unit": _("A complaint never goes to the unit complained about.")})
        changes["unit"] = [case.unit.code, unit.code]
        case.unit = unit
        case.assignee = None
    if assignee is not None:
        if not _holds_role_in(assignee, case.unit):
            raise ValidationError({"assignee": _("This officer does not serve in the handling unit.")})
        changes["assignee"] = assignee.username
        case.assignee = assignee
    if not changes:
        raise ValidationError(_("Nothing to change."))
    case.updated_at = now
    case.save()
    _event(
        case,
        kind=CaseEvent.ASSIGNED,
        now=now,
        actor=actor,
        text=", ".join(f"{k}: {v}" for k, v in changes.items()),
    )
    ledger.record(actor=actor, action="services.case.assigned", subject=case, unit=case.unit, data=changes)
    if assignee is not None:
        notify_person(
            user=assignee,
            template="services.case_assigned",
            context={
                "reference": case.tracking_number,
                "service": str(case.standard.name),
                "title": case.title,
            },
            idempotency_key=f"services:{case.pk}:assigned:{assignee.pk}:{case.events.count()}",
            subject=case,
            unit=case.unit,
            actor=actor,
        )
    return case


def case_open_by_secret(tracking_number: str, secret: str) -> Case | None:
    """The case for a tracking number and its secret, or None (unknown number or wrong secret, alike)."""
    case = Case.objects.filter(tracking_number=tracking_number).first()
    if case is None or not secret_matches(case.secret_digest, secret):
        return None
    return case


@transaction.atomic
def case_reply(
    *, case: Case, secret: str, text: str, uploads: list[Upload] | None = None, now: datetime | None = None
) -> CaseEvent:
    """The citizen writes to the handler (an anonymous reporter too): more information, an answer to a
    question, a rebuttal. Needs the case's secret; a postponed complaint resumes its verification."""
    now = now or timezone.now()
    if not secret_matches(case.secret_digest, secret):
        raise PermissionDenied(_("The tracking number or the secret is wrong."))
    case = _locked(case)
    if case.closed_at is not None:
        raise ValidationError(_("This case is closed; file a new one if needed."))
    text = _clean_text(text, rules.DESCRIPTION_MAX, "text", required=True)
    existing = CaseAttachment.objects.filter(case=case, from_citizen=True).count()
    if existing + len(uploads or []) > rules.MAX_ATTACHMENTS * 2:
        raise ValidationError({"attachments": _("This case holds as many files as it may.")})
    _store_uploads(CITIZEN, case, list(uploads or []), now)
    event = _event(case, kind=CaseEvent.REPLY, now=now, actor=CITIZEN, text=text)
    case.updated_at = now
    case.save(update_fields=["updated_at"])
    ledger.record(
        actor=CITIZEN,
        action="services.case.replied",
        subject=case,
        unit=case.unit,
        data={"length": len(text), "files": len(uploads or [])},
    )
    if case.assignee_id:
        notify_person(
            user=case.assignee,
            template="services.case_replied",
            context={"reference": case.tracking_number, "service": str(case.standard.name)},
            idempotency_key=f"services:{case.pk}:reply:{event.pk}",
            subject=case,
            unit=case.unit,
        )
    return event


def reporter_identity_read(*, actor, case: Case, purpose: str = "") -> Requester | None:
    """The requester of a case, for staff. A complainant's identity is read only by the assigned
    handling officer, and every such read is a ledger entry; an anonymous report has none."""
    case = Case.objects.restrict(actor).filter(pk=case.pk).first()  # fresh: who handles it now
    if case is None:
        raise PermissionDenied(_("You may not see this case."))
    requester = Requester.objects.filter(case=case).first()
    if not case.identity_is_secret:
        return requester
    if case.assignee_id != actor.pk:
        raise PermissionDenied(_("Only the officer handling this complaint may see who filed it."))
    ledger.record(
        actor=actor,
        action="services.reporter.read",
        subject=case,
        unit=case.unit,
        data={"privacy": case.privacy, "purpose": purpose[:200], "exists": requester is not None},
    )
    return requester


def survey_invitation_create(*, case: Case, now: datetime) -> str | None:
    """A single-use survey link for a finished case whose requester can be reached; the token goes only
    into the message (its digest is stored). None when there is nobody to invite."""
    if case.privacy == "anonim" or SurveyInvitation.objects.filter(case=case).exists():
        return None
    if not Requester.objects.filter(case=case).exists():
        return None
    token, digest = token_new()
    SurveyInvitation.objects.create(
        case=case,
        token_digest=digest,
        service=case.service,
        unit=case.unit,
        created_at=now,
        expires_at=now + timedelta(days=rules.SURVEY_INVITATION_DAYS),
    )
    url = f"{settings.SITE_URL}{survey_url_path(token)}"
    message = tell_requester(case, "services.survey_invitation", {"survey_url": url}, key="survey")
    ledger.record(
        actor=SYSTEM,
        action="services.survey.invited",
        subject=case,
        unit=case.unit,
        data={"service": case.service, "sent": message is not None},
    )
    return token


def survey_url_path(token: str) -> str:
    """Where the survey lives (the integrity module's page); the token is the only key to it."""
    return reverse("integrity:survey", args=[token])


# --- The SLA sweep ------------------------------------------------------------------------------------


def _active_assignments(**filters):
    today = timezone.localdate()
    return (
        Assignment.objects.filter(
            Q(ends_on__isnull=True) | Q(ends_on__gte=today), starts_on__lte=today, **filters
        )
        .select_related("user")
        .order_by("user_id")
    )


def _escalation_targets(case: Case, level: int):
    """Level 1: the supervisors of the handling unit; level 2: the Polres leadership."""
    if level == 1:
        return _active_assignments(unit=case.unit, role="supervisor")
    polres = case.unit.polres() or case.unit
    return _active_assignments(unit__in=polres.ancestors(), role="leadership")


def _escalate(case: Case, level: int, now: datetime) -> None:
    case.escalation_level, case.escalated_at, case.updated_at = level, now, now
    case.save(update_fields=["escalation_level", "escalated_at", "updated_at"])
    _event(case, kind=CaseEvent.ESCALATED, now=now, actor=SYSTEM, text=str(rules.ESCALATION_LEVELS[level]))
    ledger.record(
        actor=SYSTEM,
        action="services.case.escalated",
        subject=case,
        unit=case.unit,
        data={"level": level, "clock": case.clock, "due_at": case.due_at.isoformat()},
    )
    for assignment in _escalation_targets(case, level):
        notify_person(
            user=assignment.user,
            template="services.case_escalated",
            context={
                "reference": case.tracking_number,
                "service": str(case.standard.name),
                "level": str(rules.ESCALATION_LEVELS[level]),
                "due": timezone.localtime(case.due_at).strftime("%d-%m-%Y %H:%M"),
            },
            idempotency_key=f"services:{case.pk}:escalated:{level}:{case.due_at.isoformat()}:{assignment.user_id}",
            subject=case,
            unit=case.unit,
        )


def services_sla_sweep(now: datetime | None = None) -> dict:
    """Escalate late cases one level at a time and close answered complaints the reporter left
    unanswered. Idempotent: a case is escalated once per level and clock."""
    now = now or timezone.now()
    escalated = closed = 0
    late = (
        Case.objects.open()
        .filter(due_at__lt=now, escalation_level__lt=2)
        .order_by("due_at")
        .values_list("pk", flat=True)
    )
    for pk in list(late[:1000]):
        with transaction.atomic():
            case = Case.objects.select_for_update().get(pk=pk)
            if case.closed_at or not case.due_at or case.due_at >= now:
                continue
            if case.clock == "reply":  # the reporter did not answer: SP4N closes the complaint
                case_transition(actor=SYSTEM, case=case, status="closed", now=now)
                closed += 1
                continue
            leadership_at = deadline(
                case.due_at, rules.ESCALATE_TO_LEADERSHIP_AFTER_WORKING_DAYS, "working_days"
            )
            level = 2 if now >= leadership_at else 1
            if level > case.escalation_level:
                _escalate(case, level, now)
                escalated += 1
    return {"escalated": escalated, "closed": closed}
