"""Intake: a service request or a complaint becomes a case with a tracking number, a secret, a clock
and a handling unit, in one transaction with its ledger entry and the citizen's confirmation."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from bersih import ledger
from bersih.core.identity import nik_check
from bersih.core.models import Unit
from bersih.core.tracking import new_tracking_number
from bersih.documents import rules as document_rules
from bersih.documents.services import file_store
from bersih.ledger.services import SystemActor
from bersih.notify.channels import normalise_recipient

from .. import rules
from ..models import Case, CaseAttachment, CaseEvent, Requester
from .clock import clock_for_step
from .messages import tell_requester
from .secrets import secret_digest, secret_new

# Who files on the public pages: a person without an account.
CITIZEN = SystemActor(label="citizen (public form)")


@dataclass(frozen=True)
class Upload:
    """A file given at intake: which requirement it meets (blank for evidence), its bytes and name."""

    content: bytes
    name: str = ""
    requirement: str = ""


@dataclass(frozen=True)
class Submitted:
    case: Case
    secret: str  # shown once to the citizen; only its HMAC is stored


def _clean_text(value: str, limit: int, field: str, *, required: bool) -> str:
    value = (value or "").strip()
    if required and not value:
        raise ValidationError({field: _("This field is required.")})
    if len(value) > limit:
        raise ValidationError(
            {field: _("At most %(limit)s characters (this has %(n)s).") % {"limit": limit, "n": len(value)}}
        )
    return value


def _clean_requester(data: dict | None, *, service: str, privacy: str) -> dict | None:
    """The requester's identity and contacts, checked; None for an anonymous report."""
    if privacy == "anonim":
        return None  # whatever was typed is dropped: nobody learns who an anonymous reporter is
    data = dict(data or {})
    clean = {
        "full_name": _clean_text(data.get("full_name", ""), 120, "full_name", required=True),
        "nik": (data.get("nik") or "").strip(),
        "address": _clean_text(data.get("address", ""), 300, "address", required=False),
        "preferred_channel": (data.get("preferred_channel") or "").strip(),
        "phone": "",
        "email": "",
    }
    errors = {}
    if clean["nik"] or service in ("skck",):
        try:
            clean["nik"] = nik_check(clean["nik"])
        except ValidationError as exc:
            errors["nik"] = exc.messages
    for field, channel in (("phone", "sms"), ("email", "email")):
        value = (data.get(field) or "").strip()
        if value:
            try:
                clean[field] = normalise_recipient(channel, value)
            except ValidationError as exc:
                errors[field] = exc.messages
    if clean["preferred_channel"] and clean["preferred_channel"] not in ("sms", "whatsapp", "email", "post"):
        errors["preferred_channel"] = [_("Unknown channel.")]
    if errors:
        raise ValidationError(errors)
    return clean


def _polres_of(unit: Unit) -> Unit:
    polres = unit.polres()
    if polres is None:
        raise ValidationError(_("%(unit)s is not part of a Polres.") % {"unit": unit})
    return polres


def _unit_of_kind(polres: Unit, kind: str) -> Unit:
    unit = polres.subtree().filter(kind=kind, active=True).order_by("path").first()
    if unit is None:
        raise ValidationError(
            _("%(polres)s has no active unit of kind %(kind)s to handle this.")
            % {"polres": polres, "kind": kind}
        )
    return unit


def handling_unit(
    *, polres: Unit, service: str, category: str = "", complained_unit: Unit | None = None
) -> Unit:
    """Who handles a new case: the service's responsible unit; for a complaint, its category's unit
    (pungli → Siwas, misconduct → Propam) or Siwas, the Dumas administrator, who verifies and routes
    it; never the unit complained about (then the other supervisory unit takes it)."""
    standard = rules.SERVICES[service]
    kind = standard.unit_kind
    if service == rules.COMPLAINT.code:
        kind = rules.COMPLAINT_CATEGORIES[category]["unit_kind"] or standard.unit_kind
    unit = _unit_of_kind(polres, kind)
    if complained_unit is not None and unit.path.startswith(complained_unit.path):
        fallback = rules.SENSITIVE_HANDLER_FALLBACK.get(kind)
        if fallback is None:
            raise ValidationError(
                _("No unit can handle a complaint about %(unit)s.") % {"unit": complained_unit}
            )
        unit = _unit_of_kind(polres, fallback)
    return unit


def _check_complaint(service: str, category: str, privacy: str, complained_unit, polres) -> None:
    if service != rules.COMPLAINT.code:
        if category or privacy != "named" or complained_unit is not None:
            raise ValidationError(
                _("Only complaints have a category, a privacy mode or a unit complained about.")
            )
        return
    if category not in rules.COMPLAINT_CATEGORIES:
        raise ValidationError({"category": _("Choose the kind of complaint.")})
    if privacy not in rules.PRIVACY_MODES:
        raise ValidationError({"privacy": _("Choose how your identity is treated.")})
    if complained_unit is not None and (
        complained_unit.pk == polres.pk or not complained_unit.path.startswith(polres.path)
    ):
        raise ValidationError({"complained_unit": _("Choose a unit of this Polres.")})


def _store_uploads(actor, case: Case, uploads: list[Upload], now: datetime) -> None:
    if len(uploads) > rules.MAX_ATTACHMENTS:
        raise ValidationError(
            {"attachments": _("At most %(n)s files per case.") % {"n": rules.MAX_ATTACHMENTS}}
        )
    requirements = {r.code for r in case.standard.requirements if r.upload}
    for upload in uploads:
        if upload.requirement and upload.requirement not in requirements:
            raise ValidationError(
                {"attachments": _("Unknown requirement %(code)s.") % {"code": upload.requirement}}
            )
        limit = document_rules.MAX_PDF_BYTES
        stored = file_store(actor=actor, content=upload.content, original_name=upload.name, max_bytes=limit)
        CaseAttachment.objects.get_or_create(
            case=case, file=stored, defaults={"requirement": upload.requirement, "added_at": now}
        )


def _check_requirements(service: str, uploads: list[Upload], channel: str) -> None:
    """Online intake must carry every required upload; at the counter the officer sees the papers."""
    if channel == "counter":
        return
    given = {u.requirement for u in uploads}
    missing = [
        str(r.label)
        for r in rules.SERVICES[service].requirements
        if r.upload and r.required and r.code not in given
    ]
    if missing:
        raise ValidationError({"attachments": _("Missing: %(list)s.") % {"list": "; ".join(missing)}})


@transaction.atomic
def case_submit(
    *,
    actor=CITIZEN,
    service: str,
    unit: Unit,
    title: str,
    description: str = "",
    requester: dict | None = None,
    privacy: str = "named",
    category: str = "",
    complained_unit: Unit | None = None,
    channel: str = "web",
    address: str = "",
    latitude=None,
    longitude=None,
    occurred_on: date | None = None,
    details: dict | None = None,
    uploads: list[Upload] | None = None,
    language: str = "id",
    intake_token: str | None = None,
    now: datetime | None = None,
) -> Submitted:
    """File a request or complaint with ``unit``'s Polres (any unit of it, or the Polres itself).

    Returns the case and its secret, which the caller shows once. Anonymous reports keep no identity
    at all. Raises ValidationError, writing nothing, on any bad field, missing requirement or file.
    """
    now = now or timezone.now()
    if service not in rules.CASE_SERVICES:
        raise ValidationError({"service": _("Unknown service.")})
    if channel not in rules.CHANNELS:
        raise ValidationError({"channel": _("Unknown channel.")})
    polres = _polres_of(unit)
    _check_complaint(service, category, privacy, complained_unit, polres)
    title = _clean_text(title, rules.TITLE_MAX, "title", required=True)
    description = _clean_text(description, rules.DESCRIPTION_MAX, "description", required=service == "dumas")
    who = _clean_requester(requester, service=service, privacy=privacy)
    uploads = list(uploads or [])
    _check_requirements(service, uploads, channel)
    standard = rules.SERVICES[service]
    secret = secret_new()
    case = Case(
        tracking_number=new_tracking_number(standard.prefix, timezone.localtime(now).year),
        service=service,
        category=category,
        privacy=privacy,
        channel=channel,
        unit=handling_unit(
            polres=polres, service=service, category=category, complained_unit=complained_unit
        ),
        complained_unit=complained_unit,
        status=standard.first_step,
        title=title,
        description=description,
        address=_clean_text(address, 300, "address", required=False),
        latitude=latitude,
        longitude=longitude,
        occurred_on=occurred_on,
        details=details or {},
        submitted_at=now,
        updated_at=now,
        secret_digest=secret_digest(secret),
        language=language if language in dict(settings.LANGUAGES) else "id",
        intake_token=intake_token,
    )
    case.clock, case.due_at = clock_for_step(standard.steps[case.status], now, case.clock, case.due_at)
    case.full_clean(exclude=["secret_digest", "unit", "complained_unit", "product", "assignee"])
    case.save()
    if who is not None:
        Requester.objects.create(case=case, **who)
    _store_uploads(actor, case, uploads, now)
    CaseEvent.objects.create(
        case=case,
        at=now,
        kind=CaseEvent.SUBMITTED,
        status=case.status,
        public=True,
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        actor_label=_actor_label(actor),
    )
    ledger.record(
        actor=actor,
        action="services.case.submitted",
        subject=case,
        unit=case.unit,
        data={
            "service": service,
            "category": category,
            "privacy": privacy,
            "channel": channel,
            "complained_unit": complained_unit.code if complained_unit else None,
            "files": len(uploads),
            "due_at": case.due_at.isoformat() if case.due_at else None,
        },
    )
    # The secret is not sent: a message is stored in the outbox, and the secret only as its HMAC.
    tell_requester(case, "services.case_received", key="received")
    return Submitted(case=case, secret=secret)


def _actor_label(actor) -> str:
    if getattr(actor, "is_authenticated", False):
        return getattr(actor, "display_name", "") or str(actor)
    return str(getattr(actor, "label", "") or _("citizen"))
