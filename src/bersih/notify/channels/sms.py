"""SMS through an HTTP gateway: one JSON POST per message.

The request is configurable so that most Indonesian gateways fit without code: ``SMS_GATEWAY_URL``,
``SMS_GATEWAY_KEY`` (sent as ``Authorization: Bearer <key>``), ``SMS_FIELD_TO``, ``SMS_FIELD_TEXT``,
``SMS_FIELD_SENDER`` with ``SMS_SENDER``, and ``SMS_FIELD_ID`` (where the reply carries the gateway's
message id). The outbox's idempotency key travels as the ``Idempotency-Key`` header, so a gateway that
honours it drops a repeated send after a worker crash.
"""

from __future__ import annotations

import math

import phonenumbers
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from .. import rules as policy
from . import Channel, PermanentFailure, SendResult, TemporaryFailure
from .http import post_json

# GSM 03.38 default alphabet and its extension table (extension characters take two septets).
GSM7_BASIC = set(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞ\x1bÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§"
    "¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENDED = set("^{}\\[~]|€\f")


def e164(raw: str, region: str = "ID") -> str:
    """An Indonesian (or international) number as E.164: ``0812-3456-7890`` → ``+6281234567890``."""
    try:
        number = phonenumbers.parse(str(raw), region)
    except phonenumbers.NumberParseException as exc:
        raise ValidationError(_("%(number)s is not a phone number.") % {"number": raw}) from exc
    if not phonenumbers.is_valid_number(number):
        raise ValidationError(_("%(number)s is not a valid phone number.") % {"number": raw})
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def is_gsm7(text: str) -> bool:
    return all(ch in GSM7_BASIC or ch in GSM7_EXTENDED for ch in text)


def segments(text: str) -> tuple[str, int]:
    """(encoding, number of SMS segments) for ``text``."""
    if is_gsm7(text):
        septets = sum(2 if ch in GSM7_EXTENDED else 1 for ch in text)
        if septets <= policy.SMS_GSM7_SINGLE:
            return "gsm7", 1
        return "gsm7", math.ceil(septets / policy.SMS_GSM7_MULTI)
    units = len(text.encode("utf-16-le")) // 2
    if units <= policy.SMS_UCS2_SINGLE:
        return "ucs2", 1
    return "ucs2", math.ceil(units / policy.SMS_UCS2_MULTI)


def check_length(text: str) -> int:
    """The segment count of ``text``; a text over ``SMS_MAX_SEGMENTS`` is refused."""
    if not text:
        raise ValidationError(_("An SMS needs a text."))
    _encoding, count = segments(text)
    if count > policy.SMS_MAX_SEGMENTS:
        raise ValidationError(
            _("The SMS needs %(count)d segments; at most %(max)d are allowed.")
            % {"count": count, "max": policy.SMS_MAX_SEGMENTS}
        )
    return count


class SmsGatewayChannel(Channel):
    name = "sms"

    def normalise_recipient(self, recipient: str) -> str:
        return e164(recipient)

    def send(self, message) -> SendResult:
        try:
            to = e164(message.recipient)
            check_length(message.body)
        except ValidationError as exc:
            raise PermanentFailure("; ".join(exc.messages)) from exc
        payload = {settings.SMS_FIELD_TO: to, settings.SMS_FIELD_TEXT: message.body}
        if settings.SMS_SENDER:
            payload[settings.SMS_FIELD_SENDER] = settings.SMS_SENDER
        headers = {"Idempotency-Key": message.idempotency_key}
        if settings.SMS_GATEWAY_KEY:
            headers["Authorization"] = f"Bearer {settings.SMS_GATEWAY_KEY}"
        reply = post_json(settings.SMS_GATEWAY_URL, json=payload, headers=headers)
        provider_id = reply.get(settings.SMS_FIELD_ID)
        if not provider_id:
            raise TemporaryFailure(f"malformed reply: no {settings.SMS_FIELD_ID!r} in {str(reply)[:200]}")
        return SendResult(provider_id=str(provider_id))
