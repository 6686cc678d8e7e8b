"""Every write of the outbox: queueing, delivering, retrying, delivery reports, post batches and
returned letters.

Modules call :func:`message_queue` (or :func:`notify_person`) inside their own transaction, so a
message exists exactly when the event that caused it committed. Delivery happens after the commit, in
the worker: a task per message, and the ``notify.deliver_due`` sweep as the safety net for a lost task
or a worker that died holding a claim.
"""

from __future__ import annotations

import json
import logging
import random
import secrets
from collections.abc import Callable
from datetime import date, datetime, timedelta

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, models, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from bersih.ledger.services import SYSTEM, describe_subject, record

from . import rules as policy
from .attachments import attachment_ref, load_bytes
from .channels import (
    ChannelError,
    PermanentFailure,
    TemporaryFailure,
    available_channels,
    channel_for,
    normalise_recipient,
)
from .channels.post import check_address
from .channels.sms import check_length
from .models import Message, PostBatch, PostLetter
from .rendering import render_message

logger = logging.getLogger(__name__)


# --- Queueing -------------------------------------------------------------------------------------


def message_queue(
    *,
    channel: str,
    recipient: str,
    template: str,
    context: dict,
    idempotency_key: str,
    language: str = "id",
    subject=None,
    attachments: list[dict] | None = None,
    unit=None,
    actor=SYSTEM,
) -> Message:
    """Queue one message in the caller's transaction; the same ``idempotency_key`` twice answers the
    first message and queues nothing.

    ``subject`` is what the message is about (a model instance or a ledger ``(type, id, ref)`` tuple);
    ``attachments`` are ``{"name", "content_type", "content": bytes}`` or stored references (see
    :mod:`bersih.notify.attachments`). A post letter's address is ``context["address"]``.
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("message_queue() must run inside the transaction of the event it reports")
    if not idempotency_key or len(idempotency_key) > 200:
        raise ValidationError(_("A message needs an idempotency key of at most 200 characters."))
    existing = Message.objects.filter(idempotency_key=idempotency_key).first()
    if existing is not None:
        return existing
    if channel not in policy.CHANNELS:
        raise ValidationError(_("Unknown channel %(channel)s.") % {"channel": channel})
    # A channel without a provider here is still queued: delivery dead-letters it where staff see it,
    # rather than failing the action that caused it. Routing (message_route) avoids such channels.
    clean_context = json.loads(json.dumps(context or {}, cls=DjangoJSONEncoder))
    if channel == "post":
        clean_context["address"] = check_address(clean_context.get("address"))
        recipient = recipient or clean_context["address"]["name"]
    else:
        recipient = normalise_recipient(channel, recipient)
    rendered = render_message(template, channel, language, clean_context)
    if channel == "sms":
        check_length(rendered["body"])
    subject_type, subject_id, subject_ref = describe_subject(subject)
    if unit is None:  # like the ledger: a record's message belongs to the record's unit
        unit = _unit_of(subject)
    refs = [attachment_ref(item) for item in attachments or []]
    try:
        with transaction.atomic():
            message = Message.objects.create(
                channel=channel,
                recipient=recipient,
                template=template,
                language=language,
                context=clean_context,
                attachments=refs,
                idempotency_key=idempotency_key,
                next_attempt_at=timezone.now(),
                subject_type=subject_type,
                subject_id=subject_id,
                subject_ref=subject_ref,
                unit=unit,
                **rendered,
            )
    except IntegrityError:
        # Queued by a concurrent transaction with the same key: that message is the one.
        return Message.objects.get(idempotency_key=idempotency_key)
    record(
        actor=actor,
        action="notify.message.queued",
        subject=message,
        data={"channel": channel, "template": template, "about": subject_ref, "key": idempotency_key},
        unit=unit,
    )
    _enqueue_after_commit(message.pk)
    return message


def _unit_of(subject):
    from bersih.core.models import Unit

    candidate = getattr(subject, "unit", None) if isinstance(subject, models.Model) else None
    return candidate if isinstance(candidate, Unit) else None


def message_route(*, contacts: dict[str, str], preference: str | None = None) -> list[str]:
    """The channels that can carry a message to someone, best first: their preference when it is
    available to them, then the fallback order. ``contacts`` maps channel → address (empty = none)."""
    usable = available_channels()
    candidates = [preference] if preference else []
    candidates += [name for name in policy.CHANNEL_FALLBACK if name != preference]
    return [name for name in candidates if name in usable and (contacts.get(name) or "").strip()]


def notify_person(
    *, user, template: str, context: dict, idempotency_key: str, subject=None, unit=None, actor=SYSTEM
) -> Message | None:
    """Queue a message to a person with an account, on their preferred channel where they can be reached
    there; None (and a warning in the log) when they have no usable contact at all."""
    contacts = {"email": user.email, "sms": user.phone, "whatsapp": user.phone}
    for channel in message_route(contacts=contacts, preference=user.preferred_channel):
        try:
            return message_queue(
                channel=channel,
                recipient=contacts[channel],
                template=template,
                context=context,
                idempotency_key=idempotency_key,
                language=user.language or "id",
                subject=subject,
                unit=unit,
                actor=actor,
            )
        except ValidationError as exc:  # an unusable contact (a malformed number): try the next one
            logger.warning("notify_person: %s unusable for user %s: %s", channel, user.pk, exc)
    logger.warning("notify_person: no channel reaches user %s for %s", user.pk, template)
    return None


def _enqueue_after_commit(message_id: int, run_after: datetime | None = None) -> None:
    def enqueue() -> None:
        from .tasks import deliver_message

        try:
            task = deliver_message.using(run_after=run_after) if run_after else deliver_message
            task.enqueue(message_id=message_id)
        except Exception:  # the deliver_due sweep picks the message up anyway
            logger.exception("could not enqueue delivery of message %s", message_id)

    transaction.on_commit(enqueue)


# --- Delivery -------------------------------------------------------------------------------------


def retry_delay(attempt: int, rng: random.Random | None = None) -> timedelta:
    """Exponential backoff with jitter for the ``attempt``-th failure (1-based)."""
    ceiling = min(policy.RETRY_MAX_DELAY, policy.RETRY_BASE_DELAY * (2 ** max(attempt - 1, 0)))
    factor = 1 - policy.RETRY_JITTER * (rng or random).random()
    return ceiling * factor


def message_claim(*, message_id: int, now: datetime | None = None) -> tuple[Message, str] | None:
    """Take a due message for sending: one conditional UPDATE, so only one worker wins. A claim
    abandoned by a dead worker (``locked_until`` passed) can be taken again."""
    now = now or timezone.now()
    token = secrets.token_hex(16)
    claimed = (
        Message.objects.filter(pk=message_id)
        .filter(Q(status="queued", next_attempt_at__lte=now) | Q(status="sending", locked_until__lt=now))
        .update(
            status="sending",
            locked_until=now + policy.CLAIM_LEASE,
            claim_token=token,
            attempts=F("attempts") + 1,
        )
    )
    if not claimed:
        return None
    return Message.objects.select_related("unit").get(pk=message_id), token


def message_deliver(*, message_id: int, now: datetime | None = None) -> str:
    """Deliver one message if it is due; answers what happened (``sent``, ``retry``, ``dead``,
    ``not-due``). No transaction is held while the provider is called."""
    claim = message_claim(message_id=message_id, now=now)
    if claim is None:
        return "not-due"
    message, token = claim
    if message.attempts > policy.MAX_ATTEMPTS:
        # The previous claim expired without a result, and it was the last attempt allowed.
        return message_record_failure(
            message, token, "no result recorded for the last attempt", permanent=True
        )
    adapter = channel_for(message.channel)
    try:
        if adapter is None:
            raise PermanentFailure(f"the {message.channel} channel is not configured")
        result = adapter.send(message)
    except PermanentFailure as exc:
        return message_record_failure(message, token, str(exc), permanent=True)
    except TemporaryFailure as exc:
        return message_record_failure(message, token, str(exc), permanent=False)
    except Exception as exc:  # an adapter bug must not lose the message: retry, then dead-letter
        logger.exception("channel %s failed on message %s", message.channel, message.pk)
        return message_record_failure(message, token, f"{exc.__class__.__name__}: {exc}", permanent=False)
    return _record_sent(message, token, result.provider_id)


def _record_sent(message: Message, token: str, provider_id: str) -> str:
    now = timezone.now()
    with transaction.atomic():
        updated = Message.objects.filter(pk=message.pk, status="sending", claim_token=token).update(
            status="sent",
            provider_message_id=provider_id[:200],
            sent_at=now,
            locked_until=None,
            claim_token="",
            last_error="",
            next_attempt_at=None,
        )
        if not updated:  # our claim expired and another worker took over; its result counts
            return "superseded"
        record(
            actor=SYSTEM,
            action="notify.message.sent",
            subject=message,
            data={
                "channel": message.channel,
                "template": message.template,
                "attempt": message.attempts,
                "provider_id": provider_id,
                "about": message.subject_ref,
            },
            unit=message.unit,
        )
    return "sent"


def message_record_failure(message: Message, token: str, error: str, *, permanent: bool) -> str:
    now = timezone.now()
    dead = permanent or message.attempts >= policy.MAX_ATTEMPTS
    with transaction.atomic():
        mine = Message.objects.filter(pk=message.pk, status="sending", claim_token=token)
        if dead:
            updated = mine.update(
                status="dead", dead_at=now, last_error=error[:4000], locked_until=None, claim_token=""
            )
        else:
            next_at = now + retry_delay(message.attempts)
            updated = mine.update(
                status="queued",
                next_attempt_at=next_at,
                last_error=error[:4000],
                locked_until=None,
                claim_token="",
            )
        if not updated:
            return "superseded"
        if dead:
            record(
                actor=SYSTEM,
                action="notify.message.dead_lettered",
                subject=message,
                data={
                    "channel": message.channel,
                    "template": message.template,
                    "attempts": message.attempts,
                    "error": error[:500],
                    "permanent": permanent,
                },
                unit=message.unit,
            )
            return "dead"
        _enqueue_after_commit(message.pk, run_after=next_at)
    return "retry"


def message_retry(*, actor, message: Message) -> Message:
    """A person sends a dead-lettered message again (after fixing the address, or the provider)."""
    with transaction.atomic():
        updated = Message.objects.filter(pk=message.pk, status="dead").update(
            status="queued", attempts=0, next_attempt_at=timezone.now(), dead_at=None
        )
        if not updated:
            raise ValidationError(_("Only a dead-lettered message can be retried."))
        record(
            actor=actor,
            action="notify.message.retried",
            subject=message,
            data={
                "channel": message.channel,
                "template": message.template,
                "last_error": message.last_error[:500],
            },
            unit=message.unit,
        )
        _enqueue_after_commit(message.pk)
    message.refresh_from_db()
    return message


def messages_deliver_due(now: datetime | None = None, limit: int = 200) -> dict:
    """The sweep's safety net: deliver what is due, and what a dead worker left claimed."""
    now = now or timezone.now()
    due = (
        Message.objects.filter(
            Q(status="queued", next_attempt_at__lte=now) | Q(status="sending", locked_until__lt=now)
        )
        .order_by("next_attempt_at", "id")
        .values_list("pk", flat=True)[:limit]
    )
    outcomes: dict[str, int] = {}
    for message_id in list(due):
        outcome = message_deliver(message_id=message_id, now=now)
        outcomes[outcome] = outcomes.get(outcome, 0) + 1
    return outcomes


# --- Delivery reports (WhatsApp webhook) ----------------------------------------------------------

STATUS_ORDER = {"sent": 1, "delivered": 2, "read": 3}


def whatsapp_statuses_record(*, payload: dict) -> int:
    """Apply the delivery reports in a (signature-checked) webhook payload; answers how many changed a
    message. Reports never move a message backwards (a late "delivered" after "read" changes nothing)."""
    changed = 0
    for status in _statuses_in(payload):
        provider_id, state = str(status.get("id") or ""), str(status.get("status") or "")
        if not provider_id or state not in {*STATUS_ORDER, "failed"}:
            continue
        with transaction.atomic():
            message = (
                Message.objects.select_for_update()
                .filter(channel="whatsapp", provider_message_id=provider_id)
                .first()
            )
            if message is None or message.status == "dead":
                continue
            if state == "failed":
                errors = status.get("errors") or [{}]
                error = f"{errors[0].get('code', '')} {errors[0].get('title', '')}".strip() or "failed"
                message.status, message.dead_at, message.last_error = "dead", timezone.now(), error
                message.save(update_fields=["status", "dead_at", "last_error"])
                action = "notify.message.dead_lettered"
            else:
                if STATUS_ORDER.get(message.status, 0) >= STATUS_ORDER[state]:
                    continue
                message.status = state
                if state == "delivered" and message.delivered_at is None:
                    message.delivered_at = timezone.now()
                message.save(update_fields=["status", "delivered_at"])
                action = f"notify.message.{state}"
            record(
                actor=SYSTEM,
                action=action,
                subject=message,
                data={"channel": "whatsapp", "provider_id": provider_id, "report": state},
                unit=message.unit,
            )
            changed += 1
    return changed


def _statuses_in(payload: dict):
    """The ``statuses`` of a webhook payload, skipping anything not shaped as the Cloud API sends it."""

    def items(container, key):
        value = container.get(key) if isinstance(container, dict) else None
        return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []

    for entry in items(payload, "entry"):
        for change in items(entry, "changes"):
            yield from items(change.get("value"), "statuses")


# --- Post -----------------------------------------------------------------------------------------

ReturnHandler = Callable[..., None]
_RETURN_HANDLERS: dict[str, list[ReturnHandler]] = {}


def register_return_handler(template: str, handler: ReturnHandler) -> None:
    """Tell a module when one of its letters comes back: ``handler(letter=..., reason=..., actor=...)``
    runs inside the transaction that records the return, so the module's own ledger entry commits
    with it. Register at import time (the module's ``apps.py`` ready())."""
    handlers = _RETURN_HANDLERS.setdefault(template, [])
    if handler not in handlers:
        handlers.append(handler)


def post_letter_return(*, actor, letter: PostLetter, reason: str, note: str = "") -> PostLetter:
    if reason not in policy.RETURN_REASONS:
        raise ValidationError(_("Unknown return reason."))
    with transaction.atomic():
        letter = PostLetter.objects.select_for_update().select_related("message").get(pk=letter.pk)
        if letter.status == "returned":
            raise ValidationError(_("This letter is already recorded as returned."))
        letter.status, letter.return_reason = "returned", reason
        letter.return_note, letter.returned_at = note.strip()[:300], timezone.now()
        letter.save(update_fields=["status", "return_reason", "return_note", "returned_at"])
        message = letter.message
        record(
            actor=actor,
            action="notify.letter.returned",
            subject=message,
            data={"tracking_code": letter.tracking_code, "reason": reason, "about": message.subject_ref},
            unit=message.unit,
        )
        for handler in _RETURN_HANDLERS.get(message.template, []):
            handler(letter=letter, reason=reason, actor=actor)
    return letter


def post_batch_build(*, actor, unit, day: date) -> PostBatch | None:
    """Gather a Polres's waiting letters into the batch of ``day``: letters PDF in address order,
    labels, manifest CSV and PDF. Idempotent: a day has at most one batch; letters that arrive after it
    was built wait for the next day's. Answers the new batch, or None when nothing was done."""
    from . import postroom

    if PostBatch.objects.filter(unit=unit, day=day).exists():
        return None
    letters = list(
        PostLetter.objects.filter(unit=unit, status="waiting", batch__isnull=True).order_by(
            "postcode", "city", "street", "id"
        )
    )
    if not letters:
        return None
    files = {
        "letters_pdf": ("letters.pdf", postroom.merge_pdfs([load_bytes(x.pdf_sha256) for x in letters])),
        "labels_pdf": ("labels.pdf", postroom.labels_pdf(letters)),
        "manifest_csv": ("manifest.csv", postroom.manifest_csv(letters)),
        "manifest_pdf": ("manifest.pdf", postroom.manifest_pdf(letters, unit_name=unit.name, day=day)),
    }
    with transaction.atomic():
        try:
            with transaction.atomic():
                batch = PostBatch.objects.create(unit=unit, day=day, letter_count=len(letters))
        except IntegrityError:  # another worker built it meanwhile
            return None
        for field, (name, data) in files.items():
            path = default_storage.save(
                f"outbox/batches/{day:%Y/%m/%d}/{unit.code}-{batch.ref}-{name}", ContentFile(data)
            )
            setattr(batch, field, path)
        batch.save(update_fields=list(files))
        PostLetter.objects.filter(pk__in=[x.pk for x in letters], status="waiting").update(
            batch=batch, status="batched"
        )
        record(
            actor=actor,
            action="notify.post_batch.built",
            subject=batch,
            data={"day": day.isoformat(), "letters": [x.tracking_code for x in letters]},
            unit=unit,
        )
    return batch


def post_batches_due(now: datetime | None = None) -> dict:
    """The daily sweep: after the cut-off hour, build today's batch for every Polres with letters."""
    local = timezone.localtime(now or timezone.now())
    if local.hour < policy.POST_BATCH_CUTOFF_HOUR:
        return {"built": 0, "reason": "before cut-off"}
    from bersih.core.models import Unit

    unit_ids = PostLetter.objects.filter(status="waiting").values_list("unit_id", flat=True).distinct()
    built = 0
    for unit in Unit.objects.filter(pk__in=list(unit_ids)):
        if post_batch_build(actor=SYSTEM, unit=unit, day=local.date()) is not None:
            built += 1
    return {"built": built}


__all__ = [
    "ChannelError",
    "message_deliver",
    "message_queue",
    "message_retry",
    "message_route",
    "notify_person",
    "post_batch_build",
    "post_letter_return",
    "register_return_handler",
    "whatsapp_statuses_record",
]
