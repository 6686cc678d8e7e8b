"""The development sink: instead of an SMS gateway or WhatsApp, append a JSON line to a file.

Selected only when ``NOTIFY_DEV_SINK`` is on (the development profile's default) and the real provider
is not configured, so that the demo shows messages "sent" without any network. Never in production.
"""

from __future__ import annotations

import json
from pathlib import Path

from django.conf import settings
from django.utils import timezone

from . import Channel, SendResult


class SinkChannel(Channel):
    development_sink = True

    def __init__(self, name: str):
        self.name = name

    def normalise_recipient(self, recipient: str) -> str:
        from .sms import e164

        return e164(recipient)

    def send(self, message) -> SendResult:
        directory = Path(settings.NOTIFY_SINK_DIR)
        directory.mkdir(parents=True, exist_ok=True)
        provider_id = f"sink-{message.idempotency_key}"
        line = {
            "at": timezone.now().isoformat(),
            "channel": self.name,
            "to": message.recipient,
            "template": message.template,
            "text": message.body,
            "id": provider_id,
        }
        with (directory / f"{self.name}.jsonl").open("a", encoding="utf-8") as handle:
            handle.write(json.dumps(line, ensure_ascii=False) + "\n")
        return SendResult(provider_id=provider_id)
