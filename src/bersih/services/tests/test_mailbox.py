"""Complaints by e-mail, read from a real (local) IMAP server: each unseen mail a named complaint, once;
attachments as evidence or listed; malformed, oversized and replayed mails; a server that fails."""

from __future__ import annotations

from email.message import EmailMessage

import pytest

from bersih.core.schedule import registered_sweeps
from bersih.ledger.models import Entry
from bersih.notify.models import Message
from bersih.services import rules
from bersih.services.models import Case, CaseEvent
from bersih.services.services import secret_matches
from bersih.services.services.mailbox import MailboxSettings, mail_file, mailbox_read, mailbox_sweep
from bersih.services.testing import PDF_BYTES

from .imap_server import ImapTestServer
from .test_complaints import PNG

pytestmark = pytest.mark.django_db


def mail(
    subject="Pelayanan SKCK lambat",
    body="Saya menunggu 3 jam di loket SKCK kemarin.",
    sender="Rina Wati <rina@example.id>",
    message_id="<abc-1@example.id>",
    html=None,
    attachments=(),
) -> bytes:
    message = EmailMessage()
    if sender:
        message["From"] = sender
    message["To"] = "pengaduan@polres.test"
    message["Subject"] = subject
    if message_id:
        message["Message-ID"] = message_id
    if body is not None:
        message.set_content(body)
    if html is not None:
        if body is None:
            message.set_content(html, subtype="html")
        else:
            message.add_alternative(html, subtype="html")
    for name, content, maintype, subtype in attachments:
        message.add_attachment(content, maintype=maintype, subtype=subtype, filename=name)
    return message.as_bytes()


@pytest.fixture
def imap():
    with ImapTestServer() as server:
        yield server


def config(server, **overrides) -> MailboxSettings:
    fields = {
        "host": server.host,
        "port": server.port,
        "security": "none",
        "user": server.user,
        "password": server.password,
        "folder": "INBOX",
        "timeout": 5,
        "polres": "bks",
    }
    fields.update(overrides)
    return MailboxSettings(**fields)


def test_each_unseen_mail_becomes_a_named_complaint_and_the_sender_gets_number_and_secret(org, imap):
    imap.deliver(mail())
    imap.deliver(
        mail(
            subject="Ada pungli di Satpas",
            body="Diminta uang pelicin Rp300.000.",
            sender="anon@example.id",
            message_id="<abc-2@example.id>",
            attachments=[
                ("foto.png", PNG, "image", "png"),
                ("kuitansi.pdf", PDF_BYTES, "application", "pdf"),
                ("virus.exe", b"MZ\x90\x00binary", "application", "octet-stream"),
            ],
        )
    )
    result = mailbox_read(config(imap))
    assert result.error == "" and len(result.filed) == 2 and imap.seen() == [1, 2]
    first = Case.objects.get(tracking_number=result.filed[0])
    assert first.channel == "email" and first.privacy == "named" and first.category == "service_quality"
    assert first.title == "Pelayanan SKCK lambat" and "3 jam" in first.description
    assert first.requester.email == "rina@example.id" and first.requester.full_name == "Rina Wati"
    second = Case.objects.get(tracking_number=result.filed[1])
    assert second.category == "pungli" and second.unit == org.bks_siwas
    assert second.requester.full_name == "anon"
    assert sorted(a.file.original_name for a in second.attachments.all()) == ["foto.png", "kuitansi.pdf"]
    note = CaseEvent.objects.get(case=second, kind=CaseEvent.NOTE)
    assert "virus.exe" in note.text and not note.public
    secret_mail = Message.objects.get(template="services.mail_received", recipient="anon@example.id")
    secret = secret_mail.context["secret"]
    assert secret_matches(second.secret_digest, secret) and secret in secret_mail.body
    assert second.tracking_number in secret_mail.body
    # The standard receipt too, which does not carry the secret.
    receipt = Message.objects.get(template="services.case_received", recipient="anon@example.id")
    assert secret not in receipt.body
    assert Entry.objects.filter(action="services.case.submitted").count() == 2


def test_a_replayed_mail_files_nothing_new(org, imap):
    raw = mail()
    imap.deliver(raw)
    assert len(mailbox_read(config(imap)).filed) == 1
    imap.deliver(raw)  # the same Message-ID again (a resend, a copy in another folder)
    again = mailbox_read(config(imap))
    assert again.filed == [] and again.duplicates == 1 and imap.seen() == [1, 2]
    assert Case.objects.count() == 1
    # Without a Message-ID, the same bytes are the same mail.
    raw = mail(message_id=None, subject="Tanpa ID")
    assert mail_file(raw, polres=org.bks) != "duplicate"
    assert mail_file(raw, polres=org.bks) == "duplicate"
    assert Case.objects.count() == 2


def test_an_html_only_mail_is_reduced_to_its_text(org):
    html = "<html><head><style>p{}</style></head><body><p>Petugas <b>kasar</b> &amp; membentak</p>"
    html += "<script>alert(1)</script></body></html>"
    number = mail_file(mail(body=None, html=html), polres=org.bks)
    case = Case.objects.get(tracking_number=number)
    assert case.description == "Petugas kasar & membentak"
    assert case.category == "misconduct" and case.unit == org.bks_propam


def test_confidential_by_subject_and_long_text_cut_with_a_note(org):
    number = mail_file(mail(subject="RAHASIA: laporan", body="x " * 3000), polres=org.bks)
    case = Case.objects.get(tracking_number=number)
    assert case.privacy == "rahasia" and len(case.description) == rules.DESCRIPTION_MAX
    assert CaseEvent.objects.filter(case=case, kind=CaseEvent.NOTE, text__contains="4000").exists()


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        (mail(sender=None), "no_sender"),
        (mail(sender="not an address"), "no_sender"),
        (b"\x00\x01garbage without headers", "no_sender"),
    ],
)
def test_malformed_mails_are_refused_recorded_and_flagged_seen(org, imap, raw, reason):
    imap.deliver(raw)
    result = mailbox_read(config(imap))
    assert result.refused == [reason] and result.filed == [] and imap.seen() == [1]
    assert not Case.objects.exists()
    entry = Entry.objects.get(action="services.mail.refused")
    assert reason in entry.body


def test_an_oversized_mail_is_refused_without_being_parsed(org, imap, monkeypatch):
    monkeypatch.setattr(rules, "MAIL_MAX_BYTES", 2000)
    imap.deliver(mail(attachments=[("big.pdf", PDF_BYTES + b"0" * 3000, "application", "pdf")]))
    imap.deliver(mail(message_id="<small@example.id>"))
    result = mailbox_read(config(imap))
    assert result.refused == ["too_large"] and len(result.filed) == 1 and imap.seen() == [1, 2]


@pytest.mark.parametrize("fail", ["login", "drop", "garbage"])
def test_a_failing_server_files_nothing_loses_nothing_and_does_not_raise(org, imap, fail):
    imap.deliver(mail())
    imap.fail = fail
    result = mailbox_read(config(imap))
    assert result.error and result.filed == []
    assert imap.seen() == [] and not Case.objects.exists()
    imap.fail = ""  # the server recovers: the mail is filed on the next sweep
    assert len(mailbox_read(config(imap)).filed) == 1 and imap.seen() == [1]


def test_wrong_password_unknown_folder_and_no_server(org, imap):
    imap.deliver(mail())
    assert "AUTHENTICATIONFAILED" in mailbox_read(config(imap, password="salah")).error
    assert "SELECT" in mailbox_read(config(imap, folder="Arsip")).error
    closed = config(imap, port=1)  # nothing listens there
    assert mailbox_read(closed).error
    assert not Case.objects.exists() and imap.seen() == []


def test_the_sweep_is_registered_reads_settings_and_is_off_without_a_host(org, imap, settings):
    assert "services.mailbox" in registered_sweeps()
    settings.SIPMAS_IMAP_HOST = ""
    assert mailbox_sweep() == {
        "configured": False,
        "filed": 0,
        "duplicates": 0,
        "refused": 0,
        "error": "",
    }
    settings.SIPMAS_IMAP_HOST = imap.host
    settings.SIPMAS_IMAP_PORT = imap.port
    settings.SIPMAS_IMAP_SECURITY = "none"
    settings.SIPMAS_IMAP_USER = imap.user
    settings.SIPMAS_IMAP_PASSWORD = imap.password
    settings.SIPMAS_MAILBOX_POLRES = "bks"
    imap.deliver(mail())
    assert mailbox_sweep()["filed"] == 1
    assert "UID FETCH" in imap.commands and "UID STORE" in imap.commands
    settings.SIPMAS_MAILBOX_POLRES = ""  # two Polres here: the mailbox's must be named
    assert "SIPMAS_MAILBOX_POLRES" in mailbox_sweep()["error"]
