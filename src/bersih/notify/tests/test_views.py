"""The outbox staff pages: allowed, forbidden, out of scope; the retry button; the post room."""

from datetime import date

import pytest
from django.urls import reverse

from bersih.core.testing import sign_in
from bersih.ledger.models import Entry
from bersih.ledger.services import SYSTEM
from bersih.notify import services
from bersih.notify.models import Message, PostLetter

from .conftest import CONTEXT, Reply

# These tests compare messages with their English source text (the default language is Indonesian).
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english_messages")]


@pytest.fixture
def dead_message(queue, sms_gateway):
    sms_gateway.reply_next(Reply(400, {"error": "invalid destination"}))
    message = queue(idempotency_key="dead-one")
    services.message_deliver(message_id=message.pk)
    message.refresh_from_db()
    assert message.status == "dead"
    return message


@pytest.fixture
def other_polres_message(queue, org):
    return queue(idempotency_key="dpk-one", unit=org.dpk_satlantas)


def test_anonymous_is_sent_to_sign_in(client):
    response = client.get(reverse("notify:outbox"))
    assert response.status_code == 302 and reverse("core:login") in response["Location"]


def test_person_without_outbox_role_is_forbidden(client, org, make_user, dead_message):
    sign_in(client, make_user("clerk", "counter_clerk", org.bks_satpas))
    assert client.get(reverse("notify:outbox")).status_code == 403
    assert client.get(reverse("notify:message", kwargs={"ref": dead_message.ref})).status_code == 403
    assert client.post(reverse("notify:retry", kwargs={"ref": dead_message.ref})).status_code == 403


def test_outbox_lists_messages_in_scope_with_masked_recipients(
    client, org, make_user, dead_message, other_polres_message, django_assert_max_num_queries
):
    sign_in(client, make_user("spv", "supervisor", org.bks))
    with django_assert_max_num_queries(12):
        response = client.get(reverse("notify:outbox"))
    assert response.status_code == 200
    page = list(response.context["page"].object_list)
    assert [m.pk for m in page] == [dead_message.pk]  # Depok's message is out of scope
    body = response.content.decode()
    assert "+62812****7890" in body and "+6281234567890" not in body
    assert reverse("notify:retry", kwargs={"ref": dead_message.ref}) in body


def test_outbox_counts_every_status_with_zero_where_none(client, org, make_user, dead_message):
    sign_in(client, make_user("spv", "supervisor", org.bks))
    response = client.get(reverse("notify:outbox"))
    counts = {key: count for key, _label, count in response.context["status_counts"]}
    assert counts == {"queued": 0, "sending": 0, "sent": 0, "delivered": 0, "read": 0, "dead": 1}
    body = response.content.decode()
    shown = '<span class="stat-list__label">{}</span> <span class="stat-list__value">{}</span>'
    assert shown.format("Queued", 0) in body and shown.format("Dead-lettered", 1) in body


def test_list_query_count_does_not_grow_with_messages(
    client, org, make_user, queue, django_assert_max_num_queries
):
    for i in range(30):
        queue(idempotency_key=f"many-{i}")
    sign_in(client, make_user("spv", "supervisor", org.bks))
    with django_assert_max_num_queries(12):
        assert client.get(reverse("notify:outbox")).status_code == 200


def test_filters(client, org, make_user, dead_message, queue):
    queue(channel="email", recipient="budi@contoh.id", idempotency_key="mail-1")
    sign_in(client, make_user("spv", "supervisor", org.bks))
    dead = client.get(reverse("notify:outbox"), {"status": "dead"}).context["page"].object_list
    assert [m.pk for m in dead] == [dead_message.pk]
    emails = client.get(reverse("notify:outbox"), {"channel": "email"}).context["page"].object_list
    assert [m.channel for m in emails] == ["email"]


def test_detail_in_scope_and_out_of_scope(client, org, make_user, dead_message, other_polres_message):
    sign_in(client, make_user("officer", "officer", org.bks_satlantas))
    response = client.get(reverse("notify:message", kwargs={"ref": dead_message.ref}))
    assert response.status_code == 200 and b"HTTP 400" in response.content
    assert client.get(reverse("notify:message", kwargs={"ref": other_polres_message.ref})).status_code == 404


def test_retry_button(client, org, make_user, dead_message, sms_gateway):
    sign_in(client, make_user("spv", "supervisor", org.bks))
    response = client.post(reverse("notify:retry", kwargs={"ref": dead_message.ref}))
    assert response.status_code == 302
    dead_message.refresh_from_db()
    assert dead_message.status == "queued" and dead_message.attempts == 0
    assert Entry.objects.filter(action="notify.message.retried").count() == 1
    # A second press changes nothing.
    client.post(reverse("notify:retry", kwargs={"ref": dead_message.ref}))
    assert Entry.objects.filter(action="notify.message.retried").count() == 1


def test_retry_needs_post_csrf_permission_and_scope(
    client, org, make_user, dead_message, other_polres_message
):
    officer = make_user("officer", "officer", org.bks_satlantas)
    sign_in(client, officer)
    assert client.post(reverse("notify:retry", kwargs={"ref": dead_message.ref})).status_code == 403
    spv_dpk = make_user("spv-dpk", "supervisor", org.dpk)
    sign_in(client, spv_dpk)
    assert client.post(reverse("notify:retry", kwargs={"ref": dead_message.ref})).status_code == 404
    sign_in(client, make_user("spv", "supervisor", org.bks))
    assert client.get(reverse("notify:retry", kwargs={"ref": dead_message.ref})).status_code == 405
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    strict.force_login(make_user("spv2", "supervisor", org.bks))
    assert strict.post(reverse("notify:retry", kwargs={"ref": dead_message.ref})).status_code == 403
    dead_message.refresh_from_db()
    assert dead_message.status == "dead"


@pytest.fixture
def batch(queue, org):
    message = queue(
        channel="post",
        recipient="",
        idempotency_key="post-1",
        context={
            **CONTEXT,
            "address": {"name": "Ani", "street": "Jl. Melati 3", "city": "Bekasi", "postcode": "17145"},
        },
    )
    services.message_deliver(message_id=message.pk)
    return services.post_batch_build(actor=SYSTEM, unit=org.bks, day=date(2026, 3, 2))


def test_post_room_downloads_in_and_out_of_scope(client, org, make_user, batch):
    # The post room is the Polres's: batches and letters belong to the Polres unit, not to the
    # functional unit that wrote the letter, so a Satlantas officer does not see other units' letters.
    sign_in(client, make_user("lantas", "officer", org.bks_satlantas))
    assert list(client.get(reverse("notify:post")).context["page"].object_list) == []
    sign_in(client, make_user("officer", "officer", org.bks))
    page = client.get(reverse("notify:post"))
    assert page.status_code == 200 and list(page.context["page"].object_list) == [batch]
    for name, start in [
        ("letters.pdf", b"%PDF"),
        ("labels.pdf", b"%PDF"),
        ("manifest.pdf", b"%PDF"),
        ("manifest.csv", b"no,"),
    ]:
        response = client.get(reverse("notify:batch-file", kwargs={"ref": batch.ref, "name": name}))
        assert response.status_code == 200
        assert b"".join(response.streaming_content).startswith(start)
    assert (
        client.get(reverse("notify:batch-file", kwargs={"ref": batch.ref, "name": "secret.txt"})).status_code
        == 404
    )
    sign_in(client, make_user("officer-dpk", "officer", org.dpk))
    assert (
        client.get(reverse("notify:batch-file", kwargs={"ref": batch.ref, "name": "letters.pdf"})).status_code
        == 404
    )


def test_record_returned_letter_form(client, org, make_user, batch):
    letter = PostLetter.objects.get()
    sign_in(client, make_user("officer", "officer", org.bks))
    bad = client.post(reverse("notify:post"), {"tracking_code": "SRNOPE", "reason": "ditolak"})
    assert bad.status_code == 400
    invalid = client.post(reverse("notify:post"), {"tracking_code": letter.tracking_code, "reason": "hilang"})
    assert invalid.status_code == 400
    ok = client.post(
        reverse("notify:post"),
        {"tracking_code": letter.tracking_code.lower(), "reason": "alamat_tidak_ditemukan"},
    )
    assert ok.status_code == 302
    letter.refresh_from_db()
    assert letter.status == "returned"


def test_returned_letter_out_of_scope_is_not_found(client, org, make_user, batch):
    letter = PostLetter.objects.get()
    sign_in(client, make_user("officer-dpk", "officer", org.dpk))
    response = client.post(
        reverse("notify:post"), {"tracking_code": letter.tracking_code, "reason": "ditolak"}
    )
    assert response.status_code == 400 and "No letter" in response.content.decode()
    letter.refresh_from_db()
    assert letter.status == "batched"


def test_oversight_may_look_but_not_record_returns(client, org, make_user, batch):
    letter = PostLetter.objects.get()
    sign_in(client, make_user("wakapolres", "oversight", org.bks))
    assert list(client.get(reverse("notify:post")).context["page"].object_list) == [batch]
    assert (
        client.post(
            reverse("notify:post"), {"tracking_code": letter.tracking_code, "reason": "ditolak"}
        ).status_code
        == 403
    )


def test_navigation_entry_shown_to_outbox_roles(client, org, make_user):
    sign_in(client, make_user("spv", "supervisor", org.bks))
    assert reverse("notify:outbox").encode() in client.get(reverse("core:staff-home")).content
    sign_in(client, make_user("clerk", "counter_clerk", org.bks_satpas))
    assert reverse("notify:outbox").encode() not in client.get(reverse("core:staff-home")).content


def test_message_row_for_unit_less_messages_is_invisible(client, org, make_user, queue):
    message = queue(idempotency_key="no-unit", unit=None)
    sign_in(client, make_user("admin", "administrator", org.polda))
    assert client.get(reverse("notify:message", kwargs={"ref": message.ref})).status_code == 404
    assert Message.objects.filter(pk=message.pk).exists()
