"""Password reset by e-mail: the link arrives, works once, and both steps are recorded."""

from __future__ import annotations

import re

import pytest
from django.core import mail

from bersih.core.testing import TEST_PASSWORD
from bersih.ledger.models import Entry

NEW_PASSWORD = "a-fresh-and-long-passphrase-2026"


@pytest.fixture(autouse=True)
def locmem_mail(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


@pytest.fixture
def officer(org, make_user):
    return make_user("lantas", "officer", org.bks_satlantas, email="lantas@polri.example.id")


def request_reset(client, email="lantas@polri.example.id"):
    return client.post("/masuk/reset/", {"email": email})


def link_in(message) -> str:
    return re.search(r"https?://[^/\s]+(/masuk/reset/\S+/)", message.body).group(1)


def test_reset_end_to_end_and_the_link_works_once(client, officer):
    response = request_reset(client)
    assert response.status_code == 302 and response.url == "/masuk/reset/terkirim/"
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["lantas@polri.example.id"]
    assert "lantas" in message.body
    link = link_in(message)

    form_page = client.get(link, follow=True)
    assert 'name="new_password1"' in form_page.content.decode()
    set_url = form_page.redirect_chain[-1][0]
    done = client.post(set_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert done.status_code == 302 and done.url == "/masuk/reset/selesai/"

    officer.refresh_from_db()
    assert officer.check_password(NEW_PASSWORD)
    assert [e.action for e in Entry.objects.order_by("seq")] == [
        "core.auth.password_reset_requested",
        "core.auth.password_reset_completed",
    ]
    # The same link again: refused, and nothing changes.
    again = client.get(link, follow=True)
    assert "This link no longer works" in again.content.decode()
    assert Entry.objects.count() == 2

    signed_in = client.post("/masuk/", {"username": "lantas", "password": NEW_PASSWORD})
    assert signed_in.status_code == 302


def test_unknown_address_is_answered_alike_and_writes_nothing(client, officer):
    response = request_reset(client, "nobody@example.id")
    assert response.status_code == 302 and response.url == "/masuk/reset/terkirim/"
    assert mail.outbox == []
    assert not Entry.objects.exists()


def test_malformed_address_is_refused(client, officer):
    response = request_reset(client, "not-an-address")
    assert response.status_code == 200
    assert mail.outbox == []
    assert not Entry.objects.exists()


def test_mismatched_new_passwords_change_nothing(client, officer):
    request_reset(client)
    form_page = client.get(link_in(mail.outbox[0]), follow=True)
    set_url = form_page.redirect_chain[-1][0]
    response = client.post(set_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD + "x"})
    assert response.status_code == 200
    officer.refresh_from_db()
    assert officer.check_password(TEST_PASSWORD)
    assert not Entry.objects.filter(action="core.auth.password_reset_completed").exists()


def test_tampered_token_is_refused(client, officer):
    request_reset(client)
    link = link_in(mail.outbox[0])
    tampered = link[:-3] + ("aa/" if not link.endswith("aa/") else "bb/")
    page = client.get(tampered, follow=True)
    assert "This link no longer works" in page.content.decode()


def test_reset_requests_are_rate_limited_per_address(client, officer):
    for _attempt in range(5):
        assert request_reset(client, "nobody@example.id").status_code == 302
    refused = request_reset(client)
    assert refused.status_code == 429
    assert "Too many reset requests" in refused.content.decode()
    assert mail.outbox == []
