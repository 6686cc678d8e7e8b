"""The applicant's "tell me when I am near" request, and the message it brings.

An applicant asks on their ticket's phone page for an SMS or a WhatsApp message when they are
``NEAR_PLACES`` places from the counter. After every call (and wherever an entry leaves a line ahead
of others), ``near_notify`` runs in the same transaction: it finds the stage's tickets now within
``NEAR_PLACES`` that asked and were not told, and queues one message each through the outbox, with an
idempotency key per ticket, so nobody is told twice.
"""

from __future__ import annotations

from datetime import date, datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from bersih import ledger
from bersih.ledger.services import SYSTEM
from bersih.notify.channels import normalise_recipient
from bersih.notify.services import message_queue

from .. import rules
from ..models import Ticket

NEAR_CHANNELS = ("sms", "whatsapp")
NEAR_TEMPLATE = "licensing.near"


def _masked(recipient: str) -> str:
    return "•" * max(0, len(recipient) - 4) + recipient[-4:]


def ticket_notify_near_request(
    *, ticket: Ticket, channel: str, recipient: str, client_address: str = "", now: datetime | None = None
) -> Ticket:
    """The ticket's holder asks to be told by ``channel`` at ``recipient`` when ``NEAR_PLACES`` places
    from the counter; if they already are, the message goes now. One request per ticket."""
    now = now or timezone.now()
    if channel not in NEAR_CHANNELS:
        raise ValidationError({"channel": _("Choose SMS or WhatsApp.")}, code="channel")
    try:
        recipient = normalise_recipient(channel, str(recipient or ""))
    except ValidationError as exc:
        raise ValidationError({"recipient": exc.messages}, code="recipient") from exc
    with transaction.atomic():
        ticket = Ticket.objects.select_for_update().get(pk=ticket.pk)
        if ticket.state not in Ticket.OPEN_STATES:
            raise ValidationError(_("This ticket is no longer in the line."), code="ticket_closed")
        if ticket.near_channel:
            raise ValidationError(
                _("A message has already been requested for this ticket."), code="already_requested"
            )
        ticket.near_channel, ticket.near_recipient = channel, recipient
        ticket.save(update_fields=["near_channel", "near_recipient"])
        ledger.record(
            actor=SYSTEM,
            action="licensing.ticket.near_requested",
            subject=ticket,
            unit=ticket.unit,
            data={
                "label": ticket.label,
                "channel": channel,
                "recipient": _masked(recipient),
                "client_address": client_address,
            },
        )
        near_notify(unit_id=ticket.unit_id, day=ticket.day, stage=ticket.stage, now=now)
    ticket.refresh_from_db()
    return ticket


def near_notify(*, unit_id: int, day: date, stage: str, now: datetime) -> list[Ticket]:
    """Queue the "you are nearly there" message for each ticket of the stage's line now within
    ``NEAR_PLACES`` places that asked and was not told (in the caller's transaction)."""
    from ..selectors import upcoming

    if stage == rules.PAYMENT_STAGE:
        return []
    asked = Ticket.objects.filter(
        unit_id=unit_id, day=day, stage=stage, state=Ticket.WAITING, near_notified_at__isnull=True
    ).exclude(near_channel="")
    if not asked.exists():  # the usual case: nobody in this line asked, so no need to rank the line
        return []
    rows = upcoming(unit_id, day, [stage], rules.NEAR_PLACES + 1)[stage]
    ticket_ids = {row["ticket_id"]: places for places, row in enumerate(rows)}
    # SKIP LOCKED: a ticket whose holder is asking right now is told by that request (or the next
    # call); waiting for its lock here could deadlock with it.
    due = list(
        Ticket.objects.select_for_update(skip_locked=True, of=("self",))
        .filter(pk__in=ticket_ids, near_notified_at__isnull=True)
        .exclude(near_channel="")
        .select_related("unit")
        .order_by("pk")
    )
    with translation.override("id"):  # the messages are in Indonesian
        stage_label = str(rules.STAGES[stage])
    for ticket in due:
        places = ticket_ids[ticket.pk]
        message_queue(
            channel=ticket.near_channel,
            recipient=ticket.near_recipient,
            template=NEAR_TEMPLATE,
            context={
                "unit": ticket.unit.name,
                "label": ticket.label,
                "places": places,
                "stage": stage_label,
                "url": settings.SITE_URL
                + reverse("licensing:ticket-phone", kwargs={"token": ticket.public_token}),
            },
            idempotency_key=f"licensing:ticket:{ticket.pk}:near",
            subject=ticket,
            unit=ticket.unit,
        )
        ticket.near_notified_at = now
        ticket.save(update_fields=["near_notified_at"])
    return due
