"""Email through Django's email backends (SMTP in production, a file under var/mail in the demo).

The Message-ID is derived from the idempotency key, so a message sent twice after a worker crash
carries the same Message-ID and mail clients show it once.
"""

from __future__ import annotations

import hashlib
import smtplib

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMultiAlternatives, get_connection
from django.core.validators import validate_email
from django.utils.translation import gettext as _

from ..attachments import load_bytes
from . import Channel, PermanentFailure, SendResult, TemporaryFailure


def message_id_for(idempotency_key: str) -> str:
    domain = settings.DEFAULT_FROM_EMAIL.rsplit("@", 1)[-1].strip(" >") or "bersih.localhost"
    digest = hashlib.sha256(idempotency_key.encode()).hexdigest()[:40]
    return f"<{digest}@{domain}>"


class EmailChannel(Channel):
    name = "email"

    def normalise_recipient(self, recipient: str) -> str:
        address = recipient.strip()
        try:
            validate_email(address)
        except ValidationError as exc:
            raise ValidationError(_("%(address)s is not an email address.") % {"address": address}) from exc
        return address

    def send(self, message) -> SendResult:
        message_id = message_id_for(message.idempotency_key)
        email = EmailMultiAlternatives(
            subject=message.subject_line,
            body=message.body,
            to=[message.recipient],
            headers={"Message-ID": message_id},
            connection=get_connection(fail_silently=False),
        )
        if message.html_body:
            email.attach_alternative(message.html_body, "text/html")
        for item in message.attachments or []:
            email.attach(item["name"], load_bytes(item["sha256"]), item["content_type"])
        try:
            email.send(fail_silently=False)
        except smtplib.SMTPRecipientsRefused as exc:
            codes = [code for code, _msg in exc.recipients.values()]
            if all(400 <= code < 500 for code in codes):
                raise TemporaryFailure(f"recipient refused for now: {exc.recipients}") from exc
            raise PermanentFailure(f"recipient refused: {exc.recipients}") from exc
        except smtplib.SMTPResponseException as exc:
            if 500 <= exc.smtp_code < 600:
                raise PermanentFailure(f"SMTP {exc.smtp_code}: {exc.smtp_error!r}") from exc
            raise TemporaryFailure(f"SMTP {exc.smtp_code}: {exc.smtp_error!r}") from exc
        except (TimeoutError, smtplib.SMTPException, OSError) as exc:
            raise TemporaryFailure(f"{exc.__class__.__name__}: {exc}") from exc
        return SendResult(provider_id=message_id)
