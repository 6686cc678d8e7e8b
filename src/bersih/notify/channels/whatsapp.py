"""WhatsApp through the WhatsApp Business Cloud API: approved template messages only.

``POST {WHATSAPP_API_URL}/{WHATSAPP_PHONE_NUMBER_ID}/messages`` with a bearer token. The Cloud API
has no idempotency key, so delivery is at least once: a worker that dies after the API accepted a
message but before the outbox recorded it sends it again when its claim expires.
Delivery reports arrive at the webhook (``notify.views.whatsapp_webhook``), signed with the app secret.
"""

from __future__ import annotations

from django.conf import settings

from ..rendering import whatsapp_spec
from . import Channel, PermanentFailure, SendResult, TemporaryFailure
from .http import post_json
from .sms import e164


def _text(value) -> dict:
    return {"type": "text", "text": str(value)}


def template_payload(message) -> dict:
    """The Cloud API request for ``message``: template name, language and its parameters."""
    spec = whatsapp_spec(message.template, message.language)
    context = message.context or {}

    def value(key: str):
        if key not in context:
            raise PermanentFailure(f"the WhatsApp template needs {key!r} in the message context")
        return context[key]

    components = []
    if spec.get("header"):
        components.append({"type": "header", "parameters": [_text(value(k)) for k in spec["header"]]})
    if spec.get("body"):
        components.append({"type": "body", "parameters": [_text(value(k)) for k in spec["body"]]})
    for button in spec.get("buttons", []):
        components.append(
            {
                "type": "button",
                "sub_type": button.get("sub_type", "url"),
                "index": str(button.get("index", 0)),
                "parameters": [_text(value(button["param"]))],
            }
        )
    return {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        # The Cloud API wants the number without the leading "+".
        "to": e164(message.recipient).lstrip("+"),
        "type": "template",
        "template": {"name": spec["name"], "language": {"code": message.language}, "components": components},
    }


class WhatsAppCloudChannel(Channel):
    name = "whatsapp"

    def normalise_recipient(self, recipient: str) -> str:
        return e164(recipient)

    def send(self, message) -> SendResult:
        url = f"{settings.WHATSAPP_API_URL.rstrip('/')}/{settings.WHATSAPP_PHONE_NUMBER_ID}/messages"
        headers = {"Authorization": f"Bearer {settings.WHATSAPP_TOKEN}"}
        try:
            payload = template_payload(message)
        except PermanentFailure:
            raise
        except Exception as exc:  # a template or number the API could never accept
            raise PermanentFailure(f"{exc.__class__.__name__}: {exc}") from exc
        reply = post_json(url, json=payload, headers=headers)
        try:
            provider_id = reply["messages"][0]["id"]
        except (KeyError, IndexError, TypeError) as exc:
            raise TemporaryFailure(f"malformed reply: {str(reply)[:200]}") from exc
        return SendResult(provider_id=str(provider_id))
