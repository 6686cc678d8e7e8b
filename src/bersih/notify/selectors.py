"""Reads of the outbox shared by the staff pages: scoped, filtered, bounded."""

from __future__ import annotations

from django.core.paginator import Page, Paginator

from . import rules as policy
from .models import Message, PostBatch, PostLetter

PAGE_SIZE = 50


def mask_recipient(channel: str, recipient: str) -> str:
    """Enough of an address to recognise it, not enough to copy it: ``bu***@example.id``,
    ``+62812****7890``."""
    if channel == "email" and "@" in recipient:
        local, domain = recipient.split("@", 1)
        return f"{local[:2]}***@{domain}"
    if channel in {"sms", "whatsapp"} and len(recipient) > 8:
        return f"{recipient[:6]}{'*' * (len(recipient) - 10)}{recipient[-4:]}"
    if channel == "post":
        return recipient.split(" ")[0] + " ***" if recipient else ""
    return recipient[:2] + "***"


def messages_page(user, *, status: str = "", channel: str = "", page: int = 1) -> Page:
    queryset = Message.objects.restrict(user, "view").select_related("unit")
    if status in policy.STATUSES:
        queryset = queryset.filter(status=status)
    if channel in policy.CHANNELS:
        queryset = queryset.filter(channel=channel)
    result = Paginator(queryset.order_by("-created_at", "-id"), PAGE_SIZE).get_page(page)
    for message in result.object_list:
        message.masked_recipient = mask_recipient(message.channel, message.recipient)
    return result


def message_for(user, ref, action: str = "view") -> Message:
    """One message in ``user``'s scope (raises Message.DoesNotExist otherwise → 404)."""
    message = Message.objects.restrict(user, action).select_related("unit").get(ref=ref)
    message.masked_recipient = mask_recipient(message.channel, message.recipient)
    return message


def batches_page(user, *, page: int = 1) -> Page:
    queryset = PostBatch.objects.restrict(user, "view").select_related("unit").order_by("-day", "unit__path")
    return Paginator(queryset, PAGE_SIZE).get_page(page)


def batch_for(user, ref) -> PostBatch:
    return PostBatch.objects.restrict(user, "view").select_related("unit").get(ref=ref)


def letter_for(user, tracking_code: str, action: str = "return") -> PostLetter:
    return (
        PostLetter.objects.restrict(user, action)
        .select_related("message")
        .get(tracking_code=tracking_code.strip().upper())
    )


def status_counts(user) -> dict[str, int]:
    from django.db.models import Count

    rows = Message.objects.restrict(user, "view").values("status").annotate(n=Count("id"))
    return {row["status"]: row["n"] for row in rows}
