"""Post: a letter is "sent" when it is handed to the post room, i.e. when its :class:`PostLetter`
waits for the day's batch. The module gives the letter's PDF as the message's first PDF attachment;
without one, the ``post`` template's text is printed as a plain letter.

The address is the message context's ``address``: ``{"name", "street", "village", "city", "province",
"postcode"}``.
"""

from __future__ import annotations

import secrets

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from ..attachments import load_bytes, store_bytes
from ..postroom import page_count, plain_letter_pdf
from . import Channel, PermanentFailure, SendResult

CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
REQUIRED_ADDRESS_FIELDS = ("name", "street", "city", "postcode")


def check_address(address) -> dict:
    if not isinstance(address, dict):
        raise ValidationError(_("A letter needs an address."))
    missing = [key for key in REQUIRED_ADDRESS_FIELDS if not str(address.get(key) or "").strip()]
    if missing:
        raise ValidationError(_("The address lacks: %(fields)s.") % {"fields": ", ".join(missing)})
    return {
        key: str(address.get(key) or "").strip() for key in (*REQUIRED_ADDRESS_FIELDS, "village", "province")
    }


def new_tracking_code() -> str:
    """``SR`` and ten random Crockford base-32 characters: printed as the letter's barcode."""
    return "SR" + "".join(secrets.choice(CROCKFORD) for _ in range(10))


class PostChannel(Channel):
    name = "post"

    def send(self, message) -> SendResult:
        from ..models import PostLetter

        existing = PostLetter.objects.filter(message=message).first()
        if existing is not None:  # a retry after a crash: the letter is already in the post room
            return SendResult(provider_id=existing.tracking_code)
        if message.unit_id is None:
            raise PermanentFailure("a letter needs the unit that sends it")
        try:
            address = check_address((message.context or {}).get("address"))
        except ValidationError as exc:
            raise PermanentFailure("; ".join(exc.messages)) from exc
        pdfs = [a for a in message.attachments or [] if a.get("content_type") == "application/pdf"]
        if pdfs:
            sha256 = pdfs[0]["sha256"]
            pages = page_count(load_bytes(sha256))
        else:
            data = plain_letter_pdf(
                [address["name"], address["street"], f"{address['city']} {address['postcode']}"],
                message.body,
                sender=str(message.unit),
            )
            sha256, pages = store_bytes(data), page_count(data)
        polres = message.unit.polres() or message.unit
        with transaction.atomic():
            letter = PostLetter.objects.create(
                message=message,
                unit=polres,
                tracking_code=new_tracking_code(),
                pdf_sha256=sha256,
                pages=pages,
                **address,
            )
        return SendResult(provider_id=letter.tracking_code)
