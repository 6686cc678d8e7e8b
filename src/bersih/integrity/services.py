"""Every write of the integrity zone. Surveys: a respondent's answers, complete and on scale, stored
without anything that identifies them; an invitation token works once and only until it expires."""

from __future__ import annotations

from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from bersih import ledger
from bersih.core.models import Unit
from bersih.ledger.services import SystemActor

from . import rules
from .indices import instruments
from .models import SurveyAnswer, SurveyResponse

RESPONDENT = SystemActor(label="survey respondent (anonymous)")


def _check_scores(instrument_code: str, scores: dict) -> dict[str, int]:
    instrument = instruments()[instrument_code]
    expected = set(instrument.item_codes)
    given = {str(k): v for k, v in (scores or {}).items()}
    missing = sorted(expected - set(given))
    if missing:
        raise ValidationError(
            _("Answer every question (missing: %(items)s).") % {"items": ", ".join(missing)}
        )
    unknown = sorted(set(given) - expected)
    if unknown:
        raise ValidationError(_("Unknown questions: %(items)s.") % {"items": ", ".join(unknown)})
    clean = {}
    for item, value in given.items():
        try:
            number = int(value)
        except (TypeError, ValueError):
            number = None
        if (
            number is None
            or isinstance(value, bool)
            or str(number) != str(value).strip()
            or not (instrument.scale_min <= number <= instrument.scale_max)
        ):
            raise ValidationError(
                _("%(item)s: choose a score from %(low)s to %(high)s.")
                % {"item": item, "low": instrument.scale_min, "high": instrument.scale_max}
            )
        clean[item] = number
    return clean


def _redeem_invitation(token: str, now: datetime):
    """The invitation for ``token``, marked used; ValidationError if unknown, used or expired."""
    from bersih.services.models import SurveyInvitation
    from bersih.services.services.secrets import token_digest

    invitation = SurveyInvitation.objects.select_for_update().filter(token_digest=token_digest(token)).first()
    if invitation is None:
        raise ValidationError(_("This survey link is not valid."), code="token_unknown")
    if invitation.used_at is not None:
        raise ValidationError(_("This survey link has already been used. Thank you!"), code="token_used")
    if invitation.expires_at <= now:
        raise ValidationError(_("This survey link has expired."), code="token_expired")
    invitation.used_at = now
    invitation.save(update_fields=["used_at"])
    return invitation


@transaction.atomic
def survey_submit(
    *,
    answers: dict[str, dict],
    channel: str,
    token: str = "",
    service: str = "",
    unit: Unit | None = None,
    suggestion: str = "",
    now: datetime | None = None,
) -> list[SurveyResponse]:
    """Store one respondent's answers to one or more instruments (``{"skm": {"U1": 4, ...}, ...}``).

    By invitation the token says which service and unit were rated and is spent; by the walk-in link
    the service and unit come from the link. Nothing is linked to the person or their case. A partial
    or out-of-scale survey, a spent or expired token: ValidationError, nothing written.
    """
    now = now or timezone.now()
    if channel not in rules.SURVEY_CHANNELS:
        raise ValidationError(_("Unknown survey channel."))
    if not answers or set(answers) - set(rules.INSTRUMENTS):
        raise ValidationError(_("Unknown survey."))
    clean = {code: _check_scores(code, scores) for code, scores in answers.items()}
    suggestion = (suggestion or "").strip()
    if len(suggestion) > rules.SUGGESTION_MAX:
        raise ValidationError(
            _("The suggestion is too long (at most %(n)s characters).") % {"n": rules.SUGGESTION_MAX}
        )
    if channel == "invitation":
        invitation = _redeem_invitation(token, now)
        service, unit = invitation.service, invitation.unit
    elif not service or unit is None:
        raise ValidationError(_("A walk-in survey names its service and unit."))
    month = now.astimezone(timezone.get_current_timezone()).date().replace(day=1)
    responses = []
    for position, (code, scores) in enumerate(clean.items()):
        response = SurveyResponse.objects.create(
            instrument=code,
            service=service,
            unit=unit,
            month=month,
            channel=channel,
            suggestion=suggestion if position == 0 else "",
            submitted_at=now,
        )
        SurveyAnswer.objects.bulk_create(
            SurveyAnswer(
                response=response,
                instrument=code,
                service=service,
                unit=unit,
                month=month,
                item=item,
                score=score,
            )
            for item, score in scores.items()
        )
        responses.append(response)
    ledger.record(
        actor=RESPONDENT,
        action="integrity.survey.answered",
        subject=("integrity.surveyresponse", responses[0].pk, ""),
        unit=unit,
        data={
            "instruments": sorted(clean),
            "service": service,
            "channel": channel,
            "month": month.isoformat(),
        },
    )
    return responses


# --- Assessments -------------------------------------------------------------------------------------


def _check_round_open(assessment, round_code: str) -> None:
    if assessment.closed_at is not None:
        raise ValidationError(_("This assessment is closed."))
    if round_code != assessment.round:
        raise ValidationError(
            _("The assessment is in its %(current)s round; answers of the %(round)s round are closed.")
            % {"current": rules.ROUNDS[assessment.round], "round": rules.ROUNDS.get(round_code, round_code)}
        )


@transaction.atomic
def assessment_create(
    *,
    actor,
    unit: Unit,
    title: str,
    period_start,
    period_end,
    target: str = "wbk",
    prior_status: str = "",
    now=None,
):
    """A new assessment of ``unit`` for a period, on the current LKE version (which it keeps)."""
    from .models import Assessment

    now = now or timezone.now()
    if target not in rules.PREDICATES or prior_status not in ("", *rules.PREDICATES):
        raise ValidationError(_("Unknown predicate."))
    if period_end < period_start:
        raise ValidationError(_("The period ends before it starts."))
    title = (title or "").strip()
    if not title or len(title) > 160:
        raise ValidationError({"title": _("Give the assessment a title of at most 160 characters.")})
    assessment = Assessment.objects.create(
        unit=unit,
        title=title,
        period_start=period_start,
        period_end=period_end,
        target=target,
        prior_status=prior_status,
        lke_version=rules.CURRENT_LKE_VERSION,
        created_at=now,
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    ledger.record(
        actor=actor,
        action="integrity.assessment.created",
        subject=assessment,
        unit=unit,
        data={
            "target": target,
            "lke": assessment.lke_version,
            "from": str(period_start),
            "to": str(period_end),
        },
    )
    return assessment


def _clean_value(lke, code: str, value):
    """The stored form of an answer (a letter or [a, b]), after checking it fits the question's type."""
    from .scoring import AnswerError, answer_fraction

    try:
        question = lke.question(code)
        answer_type = question.answer
    except KeyError:
        indicator = next((i for i in lke.answered_indicators if i.code == code), None)
        if indicator is None:
            raise ValidationError(_("Unknown question %(code)s.") % {"code": code}) from None
        answer_type = indicator.answer
    if value in (None, ""):
        return None
    try:
        answer_fraction(answer_type, value)
    except AnswerError as exc:
        raise ValidationError({"value": str(exc)}) from exc
    return value.strip().upper() if isinstance(value, str) else [float(v) for v in value]


def _check_area_coordinator(actor, assessment, question: str) -> None:
    """In the unit's own rounds an area with a coordinator is answered by that coordinator (or a head
    of the unit: supervisors and leadership may always step in)."""
    from django.core.exceptions import PermissionDenied

    from .lke import lke_version
    from .models import AreaCoordinator

    if assessment.round not in COORDINATED_ROUNDS:
        return
    lke = lke_version(assessment.lke_version)
    area = next(
        (a.code for a in lke.areas for s in a.subareas for q in s.questions if q.code == question), None
    )
    coordinator = AreaCoordinator.objects.filter(assessment=assessment, area=area).first() if area else None
    if coordinator is None or coordinator.user_id == actor.pk:
        return
    if any(a.role in ("supervisor", "leadership") for a in actor.active_assignments()):
        return
    raise PermissionDenied(
        _("%(area)s is answered by its coordinator, %(name)s.") % {"area": area, "name": coordinator.user}
    )


# The rounds the unit answers itself, where each area's coordinator answers its questions.
COORDINATED_ROUNDS = ("self", "follow_up")


@transaction.atomic
def coordinator_assign(*, actor, assessment, area: str, user, now=None):
    """Make ``user`` (an officer or head of the assessed unit's tree) the coordinator of ``area``."""
    from django.core.exceptions import PermissionDenied

    from .lke import lke_version
    from .models import AreaCoordinator

    now = now or timezone.now()
    if assessment.closed_at is not None:
        raise ValidationError(_("This assessment is closed."))
    if area not in {a.code for a in lke_version(assessment.lke_version).areas}:
        raise ValidationError({"area": _("Unknown area.")})
    if not any(a.role in ("supervisor", "leadership") for a in actor.active_assignments()):
        raise PermissionDenied(_("Only a head or the leadership assigns coordinators."))
    path = assessment.unit.path
    if not any(
        a.role in ("officer", "supervisor") and a.unit_id and a.unit.path.startswith(path)
        for a in user.active_assignments()
    ):
        raise ValidationError({"user": _("A coordinator is an officer or head of the assessed unit.")})
    coordinator, _created = AreaCoordinator.objects.update_or_create(
        assessment=assessment,
        area=area,
        defaults={"user": user, "assigned_by": actor, "assigned_at": now},
    )
    ledger.record(
        actor=actor,
        action="integrity.coordinator.assigned",
        subject=assessment,
        unit=assessment.unit,
        data={"area": area, "user": user.username},
    )
    return coordinator


def _check_round_role(actor, assessment) -> None:
    """Only the roles of the current round, held in the assessed unit's tree, answer in it."""
    from django.core.exceptions import PermissionDenied

    if not getattr(actor, "is_authenticated", False):
        raise PermissionDenied(_("Sign in to answer."))
    roles = rules.ROUND_ROLES[assessment.round]
    path = assessment.unit.path
    if not any(
        a.role in roles and a.unit_id and (path.startswith(a.unit.path) or a.unit.path.startswith(path))
        for a in actor.active_assignments()
    ):
        raise PermissionDenied(
            _("In the %(round)s round only these roles answer: %(roles)s.")
            % {"round": rules.ROUNDS[assessment.round], "roles": ", ".join(roles)}
        )


@transaction.atomic
def assessment_answer(
    *,
    actor,
    assessment,
    question: str,
    value,
    comment: str = "",
    offered_value=None,
    override_reason: str = "",
    now=None,
):
    """Answer (or change the answer to) one question in the assessment's current round. Where the system
    offered a live value and the answer differs from it, a reason is required."""
    from .lke import lke_version
    from .models import Assessment, AssessmentAnswer

    now = now or timezone.now()
    assessment = Assessment.objects.select_for_update().get(pk=assessment.pk)
    _check_round_open(assessment, assessment.round)
    _check_round_role(actor, assessment)
    _check_area_coordinator(actor, assessment, question)
    lke = lke_version(assessment.lke_version)
    clean = _clean_value(lke, question, value)
    offered = _clean_value(lke, question, offered_value) if offered_value not in (None, "") else None
    override_reason = (override_reason or "").strip()
    if offered is not None and clean != offered and not override_reason:
        raise ValidationError({"override_reason": _("Say why the value offered by the system is not taken.")})
    answer, _created = AssessmentAnswer.objects.update_or_create(
        assessment=assessment,
        round=assessment.round,
        question=question,
        defaults={
            "value": clean,
            "comment": (comment or "").strip()[:4000],
            "offered_value": offered,
            "override_reason": override_reason if offered is not None and clean != offered else "",
            "answered_by": actor if getattr(actor, "is_authenticated", False) else None,
            "answered_at": now,
            "status": AssessmentAnswer.DRAFT,
        },
    )
    ledger.record(
        actor=actor,
        action="integrity.answer.saved",
        subject=assessment,
        unit=assessment.unit,
        data={
            "round": assessment.round,
            "question": question,
            "value": clean,
            "overridden": bool(answer.override_reason),
        },
    )
    return answer


def round_answers(assessment, round_code: str) -> dict[str, object]:
    """The answers a round stands on: its own, and for questions it did not touch, the latest earlier
    round's (a reviewer who does not answer a question agrees with the answer before)."""
    from .models import AssessmentAnswer

    order = rules.ROUND_ORDER[: rules.ROUND_ORDER.index(round_code) + 1]
    answers: dict[str, object] = {}
    rows = AssessmentAnswer.objects.filter(assessment=assessment, round__in=order).values_list(
        "round", "question", "value"
    )
    for _round, question, value in sorted(rows, key=lambda row: order.index(row[0])):
        answers[question] = tuple(value) if isinstance(value, list) else value
    return answers


def round_differences(assessment, round_code: str) -> dict[str, tuple[object, object]]:
    """Questions whose answer in ``round_code`` differs from the round before: code -> (before, now)."""
    index = rules.ROUND_ORDER.index(round_code)
    if index == 0:
        return {}
    before = round_answers(assessment, rules.ROUND_ORDER[index - 1])
    now = round_answers(assessment, round_code)
    return {code: (before.get(code), value) for code, value in now.items() if before.get(code) != value}


def assessment_score(assessment, round_code: str | None = None):
    """The score of a round (the current one by default), with the assessment's own LKE version."""
    from .lke import lke_version
    from .scoring import score

    surveys = {
        "ipak": float(assessment.ipak) if assessment.ipak else None,
        "ipkp": float(assessment.ipkp) if assessment.ipkp else None,
    }
    return score(
        lke_version(assessment.lke_version),
        round_answers(assessment, round_code or assessment.round),
        surveys,
        prior_status=assessment.prior_status,
    )


@transaction.atomic
def assessment_advance(*, actor, assessment, now=None):
    """Close the current round (its answers submitted) and open the next; after the final round the
    assessment closes. Each round's answers stay as they were."""
    from .models import Assessment, AssessmentAnswer

    now = now or timezone.now()
    assessment = Assessment.objects.select_for_update().get(pk=assessment.pk)
    if assessment.closed_at is not None:
        raise ValidationError(_("This assessment is closed."))
    current = assessment.round
    AssessmentAnswer.objects.filter(assessment=assessment, round=current).update(
        status=AssessmentAnswer.SUBMITTED
    )
    result = assessment_score(assessment, current)
    index = rules.ROUND_ORDER.index(current)
    if index + 1 < len(rules.ROUND_ORDER):
        assessment.round = rules.ROUND_ORDER[index + 1]
    else:
        assessment.closed_at = now
    assessment.save(update_fields=["round", "closed_at"])
    ledger.record(
        actor=actor,
        action="integrity.assessment.round_closed",
        subject=assessment,
        unit=assessment.unit,
        data={
            "round": current,
            "total": round(result.total, 2),
            "wbk": result.verdicts["wbk"].passed,
            "wbbm": result.verdicts["wbbm"].passed,
        },
    )
    return assessment


# --- Evidence ----------------------------------------------------------------------------------------

EVIDENCE_LINK_PREFIXES = ("/", "https://")


@transaction.atomic
def evidence_add(
    *, actor, answer, label: str, content: bytes | None = None, name: str = "", link: str = "", now=None
):
    """Evidence for an answer of the current round: an uploaded document (PDF or image, checked by its
    content) or a link to records (a page of this system, or an https address)."""
    from bersih.documents import rules as document_rules
    from bersih.documents.services import file_store

    from .models import AnswerEvidence, Assessment

    now = now or timezone.now()
    assessment = Assessment.objects.select_for_update().get(pk=answer.assessment_id)
    _check_round_open(assessment, answer.round)
    _check_round_role(actor, assessment)
    _check_area_coordinator(actor, assessment, answer.question)
    label = (label or "").strip()
    if not label or len(label) > 200:
        raise ValidationError({"label": _("Say what the evidence shows (at most 200 characters).")})
    link = (link or "").strip()
    if bool(content) == bool(link):
        raise ValidationError(_("Give either a file or a link."))
    stored = None
    if content:
        stored = file_store(
            actor=actor, content=content, original_name=name, allowed_types=document_rules.EVIDENCE
        )
    elif (
        not link.startswith(EVIDENCE_LINK_PREFIXES)
        or link.startswith("//")
        or len(link) > 300
        or any(c.isspace() for c in link)
    ):
        raise ValidationError(
            {"link": _("A link is a page of this system (starting with /) or an https address.")}
        )
    evidence = AnswerEvidence.objects.create(
        answer=answer,
        label=label,
        file=stored,
        link="" if stored else link,
        added_at=now,
        added_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    ledger.record(
        actor=actor,
        action="integrity.evidence.added",
        subject=assessment,
        unit=assessment.unit,
        data={
            "question": answer.question,
            "round": answer.round,
            "file": stored.sha256 if stored else None,
            "link": link,
        },
    )
    return evidence


@transaction.atomic
def assessment_surveys_refresh(*, actor, assessment, now=None):
    """Take IPAK and IPKP for the assessment's period from the survey answers of the assessed unit's
    tree (the hasil component); an index without answers stays as it was."""
    from decimal import ROUND_HALF_UP, Decimal

    from .models import Assessment
    from .selectors import survey_results

    assessment = Assessment.objects.select_for_update().select_related("unit").get(pk=assessment.pk)
    if assessment.closed_at is not None:
        raise ValidationError(_("This assessment is closed."))
    units = list(Unit.objects.filter(path__startswith=assessment.unit.path).values_list("pk", flat=True))
    taken = {}
    for code in ("ipak", "ipkp"):
        results = survey_results(
            instrument=code,
            group_by=(),
            units=units,
            since=assessment.period_start.replace(day=1),
            until=assessment.period_end,
        )
        if results:
            value = Decimal(results[0].index.numerator) / Decimal(results[0].index.denominator)
            taken[code] = value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
            setattr(assessment, code, taken[code])
    assessment.save(update_fields=["ipak", "ipkp"])
    ledger.record(
        actor=actor,
        action="integrity.assessment.surveys_taken",
        subject=assessment,
        unit=assessment.unit,
        data={code: str(value) for code, value in taken.items()},
    )
    return assessment
