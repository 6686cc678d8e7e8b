import pytest
from django.core.exceptions import ValidationError
from django.db import transaction

from bersih.ledger.models import Entry
from bersih.notify import services
from bersih.notify.models import Message

from .conftest import CONTEXT

pytestmark = pytest.mark.django_db


def test_message_is_written_with_the_callers_transaction(org):
    class Boom(Exception):
        pass

    with pytest.raises(Boom), transaction.atomic():
        services.message_queue(
            channel="email",
            recipient="budi@contoh.id",
            template="notify.test",
            context=CONTEXT,
            idempotency_key="rolled-back",
            unit=org.bks,
        )
        raise Boom
    assert not Message.objects.filter(idempotency_key="rolled-back").exists()
    assert not Entry.objects.filter(action="notify.message.queued").exists()


@pytest.mark.django_db(transaction=True)
def test_queue_outside_a_transaction_is_refused():
    with pytest.raises(RuntimeError):
        services.message_queue(
            channel="email",
            recipient="a@contoh.id",
            template="notify.test",
            context=CONTEXT,
            idempotency_key="x",
        )
    assert not Message.objects.exists()


def test_same_idempotency_key_answers_the_first_message(queue):
    first = queue(idempotency_key="etle:notice:1")
    second = queue(idempotency_key="etle:notice:1", recipient="0813-9999-0000")
    assert first.pk == second.pk
    assert Message.objects.filter(idempotency_key="etle:notice:1").count() == 1
    assert Entry.objects.filter(action="notify.message.queued").count() == 1


def test_queue_renders_templates_and_records_ledger(queue, org):
    message = queue(
        channel="email",
        recipient=" budi@contoh.id ",
        idempotency_key="k-email",
        subject=("etle.violation", "7", "ETL-2026-ABCD"),
    )
    assert message.recipient == "budi@contoh.id"
    assert message.subject_line == "Pemberitahuan ETL-2026-ABCD"
    assert "Yth. Budi Santoso" in message.body
    assert "<strong>ETL-2026-ABCD</strong>" in message.html_body
    assert message.status == "queued" and message.next_attempt_at is not None
    entry = Entry.objects.get(action="notify.message.queued")
    assert entry.data["about"] == "ETL-2026-ABCD"
    assert entry.unit == org.bks_satlantas


def test_language_falls_back_to_indonesian(queue):
    english = queue(channel="email", recipient="a@contoh.id", language="en", idempotency_key="en")
    assert english.subject_line == "Notice ETL-2026-ABCD"
    french = queue(channel="email", recipient="a@contoh.id", language="fr", idempotency_key="fr")
    assert french.subject_line == "Pemberitahuan ETL-2026-ABCD"


def test_text_parts_are_not_html_escaped(queue):
    message = queue(context={**CONTEXT, "text": "Denda & biaya <lunas>"}, idempotency_key="amp")
    assert "Denda & biaya <lunas>" in message.body


def test_sms_number_is_normalised_to_e164(queue):
    assert queue(recipient="0812-3456-7890").recipient == "+6281234567890"
    assert queue(recipient="+62 812 3456 7890").recipient == "+6281234567890"


@pytest.mark.parametrize("recipient", ["08123", "bukan nomor", ""])
def test_bad_phone_number_is_refused_and_nothing_is_queued(queue, recipient):
    with pytest.raises(ValidationError):
        queue(recipient=recipient, idempotency_key=f"bad:{recipient}")
    assert not Message.objects.exists()


def test_bad_email_is_refused(queue):
    with pytest.raises(ValidationError):
        queue(channel="email", recipient="not-an-address")


def test_too_long_sms_is_refused(queue):
    with pytest.raises(ValidationError, match="segments"):
        queue(context={**CONTEXT, "text": "x" * 600})


def test_unknown_template_fails_the_callers_action(queue):
    from django.template import TemplateDoesNotExist

    with pytest.raises(TemplateDoesNotExist):
        queue(template="no.such.template")
    assert not Message.objects.exists()


def test_unconfigured_channel_is_queued_and_dead_lettered_visibly(queue, settings):
    settings.NOTIFY_DEV_SINK = False  # no WhatsApp provider and no development sink
    message = queue(channel="whatsapp")
    assert message.status == "queued"
    assert services.message_deliver(message_id=message.pk) == "dead"
    message.refresh_from_db()
    assert "not configured" in message.last_error


def test_route_prefers_the_persons_channel_when_available(settings):
    contacts = {"email": "a@contoh.id", "sms": "0812", "whatsapp": "0812"}
    assert services.message_route(contacts=contacts, preference="email") == ["email", "whatsapp", "sms"]
    assert services.message_route(contacts={**contacts, "email": ""}, preference="email") == [
        "whatsapp",
        "sms",
    ]
    settings.NOTIFY_DEV_SINK = False  # no SMS or WhatsApp provider configured here
    assert services.message_route(contacts=contacts, preference="whatsapp") == ["email"]


def test_notify_person_uses_preference_and_language(org, make_user):
    person = make_user(
        "siti", email="siti@contoh.id", phone="0812-1111-2222", preferred_channel="sms", language="en"
    )
    with transaction.atomic():
        message = services.notify_person(
            user=person, template="notify.test", context=CONTEXT, idempotency_key="p1"
        )
    assert (message.channel, message.recipient, message.language) == ("sms", "+6281211112222", "en")
    assert message.body.startswith("Polres Metro Bekasi: Surat konfirmasi terbit. Number")


def test_notify_person_skips_an_unusable_contact(org, make_user):
    person = make_user("joko", email="joko@contoh.id", phone="12", preferred_channel="whatsapp")
    with transaction.atomic():
        message = services.notify_person(
            user=person, template="notify.test", context=CONTEXT, idempotency_key="p2"
        )
    assert message.channel == "email"


def test_attachment_is_stored_once_by_hash(queue):
    from bersih.notify.attachments import load_bytes

    a = queue(
        channel="email",
        recipient="a@contoh.id",
        attachments=[{"name": "surat.pdf", "content_type": "application/pdf", "content": b"%PDF-1.4 x"}],
    )
    b = queue(
        channel="email",
        recipient="b@contoh.id",
        attachments=[
            {"name": "s.pdf", "content_type": "application/pdf", "sha256": a.attachments[0]["sha256"]}
        ],
    )
    assert a.attachments[0]["sha256"] == b.attachments[0]["sha256"]
    assert load_bytes(b.attachments[0]["sha256"]) == b"%PDF-1.4 x"
    with pytest.raises(ValidationError):
        queue(channel="email", recipient="c@contoh.id", attachments=[{"name": "x.pdf", "sha256": "0" * 64}])
    with pytest.raises(ValidationError):
        queue(channel="email", recipient="c@contoh.id", attachments=[{"name": "../x.pdf", "content": b"x"}])


def test_templates_never_ask_anyone_to_install_anything():
    from pathlib import Path

    import bersih

    root = Path(bersih.__file__).parent
    words = ("install", "unduh aplikasi", "download aplikasi", "play store", "app store", "pasang aplikasi")
    for path in root.glob("*/templates/notify/*/*"):
        text = path.read_text(encoding="utf-8").lower()
        assert not any(word in text for word in words), path


def test_message_about_a_record_belongs_to_its_unit(org):
    from bersih.core.models import Assignment
    from bersih.core.testing import make_user

    officer = make_user("o", "officer", org.bks_spkt)
    assignment = Assignment.objects.get(user=officer)  # any record with a unit will do
    with transaction.atomic():
        message = services.message_queue(
            channel="email",
            recipient="a@contoh.id",
            template="notify.test",
            context=CONTEXT,
            idempotency_key="about-record",
            subject=assignment,
        )
    assert message.unit == org.bks_spkt
    assert (message.subject_type, message.subject_id) == ("core.assignment", str(assignment.pk))
