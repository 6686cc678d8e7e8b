"""The platform mechanisms used together, as a module's service uses them: one transaction records the
ledger entry, issues a signed letter with a tracking number, and queues its notification — or, when
anything fails, leaves nothing behind."""

from __future__ import annotations

import pytest
from django.db import transaction

from bersih import ledger
from bersih.core import tracking
from bersih.documents.models import Document
from bersih.documents.pdf import Letter
from bersih.documents.services import document_code_new, document_issue
from bersih.documents.signing import verify_pdf
from bersih.ledger.models import Entry
from bersih.ledger.verify import verify_ledger
from bersih.notify.models import Message
from bersih.notify.services import message_queue


class PermitRefused(Exception):
    pass


@transaction.atomic
def permit_issue(*, actor, unit, holder: str, email: str, refuse_at_end: bool = False) -> Document:
    """A service in the shape every module writes: validate, change, record, notify, in one transaction."""
    number = tracking.new_tracking_number("TST")
    code = document_code_new()
    letter = Letter(unit=unit, code=code, number=number, subject="Izin keramaian", recipient=[holder])
    letter.paragraph(f"Izin keramaian diberikan kepada {holder}.")
    document = document_issue(
        actor=actor, unit=unit, kind="permit", title="Izin keramaian", pdf_bytes=letter.render(), code=code
    )
    ledger.record(
        actor=actor,
        action="test.permit.issued",
        subject=("test.permit", 1, number),
        data={"holder": holder},
        unit=unit,
    )
    message_queue(
        channel="email",
        recipient=email,
        template="notify.test",
        context={
            "name": holder,
            "reference": number,
            "text": "izin terbit",
            "url": "https://bersih.example.id/lacak/",
        },
        idempotency_key=f"permit:{number}",
        subject=document,
        unit=unit,
    )
    if refuse_at_end:
        raise PermitRefused("refused after every step was taken")
    return document


@pytest.fixture
def platform(settings, tmp_path):
    from bersih.core.management.commands.keys import key_initialisers

    settings.KEYS_DIR = tmp_path / "keys"
    settings.MEDIA_ROOT = tmp_path / "files"
    settings.TIMESTAMP_URL = ""
    settings.KEYS_DIR.mkdir()
    for _label, init_keys in key_initialisers():
        init_keys(settings.KEYS_DIR, force=False)


@pytest.mark.django_db
def test_a_service_uses_every_mechanism_in_one_transaction(platform, org, make_user):
    officer = make_user("intelkam", "officer", org.bks_intelkam)
    document = permit_issue(
        actor=officer, unit=org.bks_intelkam, holder="Siti Rahayu", email="siti@example.id"
    )

    check = verify_pdf(document.file.read())
    assert check.ok and check.intact
    entry = Entry.objects.get(action="test.permit.issued")
    assert tracking.is_valid(entry.subject_ref)
    assert entry.actor_label == "intelkam"
    message = Message.objects.get(idempotency_key=f"permit:{entry.subject_ref}")
    assert message.status == "queued" and message.unit == org.bks_intelkam
    assert verify_ledger().ok


@pytest.mark.django_db
def test_a_failed_service_leaves_nothing_behind(platform, org, make_user):
    officer = make_user("intelkam", "officer", org.bks_intelkam)
    entries_before = Entry.objects.count()
    with pytest.raises(PermitRefused):
        permit_issue(
            actor=officer, unit=org.bks_intelkam, holder="Siti", email="siti@example.id", refuse_at_end=True
        )
    assert not Document.objects.exists()
    assert not Message.objects.exists()
    assert Entry.objects.count() == entries_before
    assert verify_ledger().ok
