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
