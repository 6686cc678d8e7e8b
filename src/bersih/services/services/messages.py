"""Telling the citizen: one message per event on the channel their preference and contacts allow,
queued in the transaction of the event (the outbox delivers it)."""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.exceptions import ValidationError

from bersih.notify.services import message_queue, message_route

from ..models import Case, Requester

logger = logging.getLogger(__name__)


def case_context(case: Case, requester: Requester | None = None) -> dict:
    return {
        "name": requester.full_name if requester else "",
        "reference": case.tracking_number,
        "service": str(case.standard.name),
        "status": str(case.step.label),
        "reason": case.status_reason,
        "due": case.due_at.isoformat() if case.due_at else "",
        "url": f"{settings.SITE_URL}/lacak/",  # the one tracking page of every module
    }


def tell_requester(case: Case, template: str, extra: dict | None = None, *, key: str) -> object | None:
    """Queue ``template`` to the case's requester (none for anonymous reports, who follow the case
    with their number and secret); ``key`` makes it once per event."""
    requester = Requester.objects.filter(case=case).first()
    if requester is None:
        return None
    contacts = {"email": requester.email, "sms": requester.phone, "whatsapp": requester.phone}
    context = {**case_context(case, requester), **(extra or {})}
    for channel in message_route(contacts=contacts, preference=requester.preferred_channel or None):
        try:
            return message_queue(
                channel=channel,
                recipient=contacts[channel],
                template=template,
                context=context,
                language=case.language,
                idempotency_key=f"services:{case.pk}:{key}:{channel}",
                subject=case,
                unit=case.unit,
            )
        except ValidationError as exc:  # an unusable contact: the next channel
            logger.warning("case %s: %s unusable: %s", case.pk, channel, exc)
    return None
