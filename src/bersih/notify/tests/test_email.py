"""Email through Django's SMTP backend to a real local SMTP server (aiosmtpd)."""

import pytest

from bersih.notify import services
from bersih.notify.channels.email import message_id_for

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def test_email_with_attachment_arrives(queue, smtp_server):
    message = queue(
        channel="email",
        recipient="budi@contoh.id",
        idempotency_key="etle:notice:9:email",
        attachments=[{"name": "surat-konfirmasi.pdf", "content_type": "application/pdf", "content": PDF}],
    )
    assert services.message_deliver(message_id=message.pk) == "sent"
    [received] = smtp_server.messages
    assert received["to"] == ["budi@contoh.id"]
    email = received["message"]
    assert email["Subject"] == "Pemberitahuan ETL-2026-ABCD"
    assert email["Message-ID"] == message_id_for("etle:notice:9:email")
    text = email.get_body(preferencelist=("plain",)).get_content()
    html = email.get_body(preferencelist=("html",)).get_content()
    assert "Yth. Budi Santoso" in text and "<strong>ETL-2026-ABCD</strong>" in html
    [attachment] = list(email.iter_attachments())
    assert attachment.get_filename() == "surat-konfirmasi.pdf"
    assert attachment.get_content_type() == "application/pdf"
    assert attachment.get_content() == PDF
    message.refresh_from_db()
    assert message.status == "sent" and message.provider_message_id == email["Message-ID"]


def test_resent_email_keeps_its_message_id(queue, smtp_server):
    message = queue(channel="email", recipient="budi@contoh.id", idempotency_key="same-key")
    claimed, _token = services.message_claim(message_id=message.pk)
    from bersih.notify.channels.email import EmailChannel

    EmailChannel().send(claimed)  # sent, then the worker died
    from datetime import timedelta

    from django.utils import timezone

    from bersih.notify import rules as policy

    services.messages_deliver_due(now=timezone.now() + policy.CLAIM_LEASE + timedelta(seconds=1))
    ids = {m["message"]["Message-ID"] for m in smtp_server.messages}
    assert len(smtp_server.messages) == 2 and ids == {message_id_for("same-key")}


def test_refused_recipient_is_dead_lettered(queue, smtp_server):
    message = queue(channel="email", recipient="refuse@contoh.id")
    assert services.message_deliver(message_id=message.pk) == "dead"
    message.refresh_from_db()
    assert "550" in message.last_error
    assert smtp_server.messages == []


def test_greylisted_recipient_is_retried(queue, smtp_server):
    message = queue(channel="email", recipient="later@contoh.id")
    assert services.message_deliver(message_id=message.pk) == "retry"


def test_smtp_server_down_is_retried(queue, settings):
    from .conftest import free_port

    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", free_port(), 2
    message = queue(channel="email", recipient="budi@contoh.id")
    assert services.message_deliver(message_id=message.pk) == "retry"
    message.refresh_from_db()
    assert message.status == "queued" and "ConnectionRefused" in message.last_error
