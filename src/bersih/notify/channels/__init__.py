"""Channels: one small adapter per way of reaching a person, all behind :class:`Channel`.

``channel_for(name)`` answers the adapter that the settings select: the real provider when it is
configured, the development sink (JSON lines under ``NOTIFY_SINK_DIR``) when ``NOTIFY_DEV_SINK`` is on
and the provider is not configured, and None when the channel cannot be used here.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings


class ChannelError(Exception):
    """A delivery failed."""


class TemporaryFailure(ChannelError):
    """Worth retrying: timeouts, 5xx, 408/429, a connection refused, a reply we could not read."""


class PermanentFailure(ChannelError):
    """Will not improve by retrying: an invalid recipient, a refused request (4xx)."""


@dataclass(frozen=True)
class SendResult:
    provider_id: str


class Channel:
    name: str = ""
    development_sink = False

    def send(self, message) -> SendResult:  # pragma: no cover - interface
        raise NotImplementedError

    def normalise_recipient(self, recipient: str) -> str:
        """The recipient as the provider wants it; raises ValidationError when it cannot be used."""
        return recipient.strip()


def channel_for(name: str) -> Channel | None:
    from .email import EmailChannel
    from .post import PostChannel
    from .sink import SinkChannel
    from .sms import SmsGatewayChannel
    from .whatsapp import WhatsAppCloudChannel

    if name == "email":
        return EmailChannel()
    if name == "post":
        return PostChannel()
    if name == "sms":
        if settings.SMS_GATEWAY_URL:
            return SmsGatewayChannel()
        return SinkChannel("sms") if settings.NOTIFY_DEV_SINK else None
    if name == "whatsapp":
        if settings.WHATSAPP_PHONE_NUMBER_ID and settings.WHATSAPP_TOKEN:
            return WhatsAppCloudChannel()
        return SinkChannel("whatsapp") if settings.NOTIFY_DEV_SINK else None
    return None


def normalise_recipient(channel: str, recipient: str) -> str:
    """The recipient as the channel's providers want it (E.164 for phones, a checked email address);
    raises ValidationError when it cannot be used. Independent of which adapter is configured."""
    from .email import EmailChannel
    from .sms import e164

    if channel == "email":
        return EmailChannel().normalise_recipient(recipient)
    if channel in {"sms", "whatsapp"}:
        return e164(recipient)
    return recipient.strip()


def available_channels() -> set[str]:
    return {name for name in ("email", "sms", "whatsapp", "post") if channel_for(name) is not None}
