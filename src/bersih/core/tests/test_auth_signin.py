"""Sign-in: wrong passwords, lockout and its end, idle sessions, sign-out; each recorded in the ledger."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from bersih.core.testing import TEST_PASSWORD
from bersih.ledger.models import Entry

# These tests compare messages with their English source text (the default language is Indonesian).
pytestmark = pytest.mark.usefixtures("english_messages")

LOGIN = "/masuk/"


def actions() -> list[str]:
    return list(Entry.objects.order_by("seq").values_list("action", flat=True))


def sign_in(client, username, password=TEST_PASSWORD, **extra):
    return client.post(LOGIN, {"username": username, "password": password}, **extra)


@pytest.fixture
def officer(org, make_user):
    return make_user("lantas", "officer", org.bks_satlantas, email="lantas@polri.example.id", language="en")


def test_login_url_is_the_sign_in_page(client, db):
    assert reverse("core:login") == LOGIN
    page = client.get(LOGIN)
    assert page.status_code == 200
    html = page.content.decode()
    assert 'name="username"' in html and 'name="password"' in html
    # Each field has its label, drawn by the shell's one form layout.
    assert re.search(r'<label class="field__label" for="id_username">', html)
    assert re.search(r'<label class="field__label" for="id_password">', html)


def test_right_password_signs_in_and_is_recorded(client, officer):
    response = sign_in(client, "lantas")
    assert response.status_code == 302
    assert response.url == reverse("core:staff-home")
    assert client.get(reverse("core:staff-home")).status_code == 200
    entry = Entry.objects.get(action="core.auth.signed_in")
    assert entry.actor_label == "lantas"
    assert entry.unit == officer.active_assignments()[0].unit
    assert entry.data["second_factor_required"] is False


def test_wrong_password_is_refused_clearly_and_recorded_without_the_password(client, officer):
    response = sign_in(client, "lantas", "not-the-password")
    assert response.status_code == 200
    assert "The username or password is not correct" in response.content.decode()
    assert "_auth_user_id" not in client.session
    assert client.get(reverse("core:staff-home")).status_code == 302
    entry = Entry.objects.get(action="core.auth.sign_in_failed")
    assert entry.data["username"] == "lantas"
    assert entry.subject_id == str(officer.pk)
    assert entry.actor_label == "anonymous"
    assert "not-the-password" not in str(entry.data)
    assert actions() == ["core.auth.sign_in_failed"]


def test_unknown_username_is_answered_like_a_wrong_password(client, officer):
    response = sign_in(client, "nobody-here", "whatever-password")
    assert "The username or password is not correct" in response.content.decode()
    entry = Entry.objects.get(action="core.auth.sign_in_failed")
    assert entry.data["username"] == "nobody-here"
    assert entry.subject_id == ""


def test_deactivated_account_cannot_sign_in(client, officer):
    officer.is_active = False
    officer.save()
    response = sign_in(client, "lantas")
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session


def test_five_failures_lock_the_account_for_ten_minutes(client, officer):
    for _attempt in range(4):
        assert sign_in(client, "lantas", "wrong-password").status_code == 200
    fifth = sign_in(client, "lantas", "wrong-password")
    assert fifth.status_code == 429
    assert "Try again in 10 minutes" in fifth.content.decode()
    assert actions().count("core.auth.sign_in_failed") == 5
    assert actions().count("core.auth.locked_out") == 1
    lockout = Entry.objects.get(action="core.auth.locked_out")
    assert lockout.data["username"] == "lantas" and lockout.data["minutes"] == 10

    # The right password is refused while locked, and the refused attempt writes nothing.
    recorded = Entry.objects.count()
    sixth = sign_in(client, "lantas")
    assert sixth.status_code == 429
    assert "_auth_user_id" not in client.session
    assert Entry.objects.count() == recorded


def test_lockout_ends_after_ten_minutes(client, officer):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        for _attempt in range(5):
            sign_in(client, "lantas", "wrong-password")
        assert sign_in(client, "lantas").status_code == 429
    with time_machine.travel(start + dt.timedelta(minutes=9), tick=False):
        assert sign_in(client, "lantas").status_code == 429
    with time_machine.travel(start + dt.timedelta(minutes=10, seconds=5), tick=False):
        response = sign_in(client, "lantas")
        assert response.status_code == 302
        assert "_auth_user_id" in client.session


def test_one_address_spraying_many_accounts_is_locked(client, org, make_user):
    for name in ("a1", "a2", "a3", "a4", "a5"):
        make_user(name, "officer", org.bks_spkt)
    for name in ("a1", "a2", "a3", "a4"):
        assert sign_in(client, name, "Password123!").status_code == 200
    assert sign_in(client, "a5", "Password123!").status_code == 429


def test_idle_session_ends_after_thirty_minutes_with_a_message(client, officer):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        sign_in(client, "lantas")
        assert client.get("/staf/").status_code == 200
    with time_machine.travel(start + dt.timedelta(minutes=29), tick=False):
        assert client.get("/staf/").status_code == 200  # activity renews the clock
    with time_machine.travel(start + dt.timedelta(minutes=29 + 31), tick=False):
        response = client.get("/staf/")
        assert response.status_code == 302
        assert response.url.startswith(LOGIN) and "next=/staf/" in response.url
        page = client.get(response.url)
        assert "Your session ended after 30 minutes without activity" in page.content.decode()
        assert "_auth_user_id" not in client.session
        # The notice is shown once.
        assert "Your session ended" not in client.get(LOGIN).content.decode()
    assert actions().count("core.auth.session_expired") == 1
    assert "core.auth.signed_out" not in actions()


def test_sign_out_is_recorded(client, officer):
    sign_in(client, "lantas")
    response = client.post(reverse("core:logout"))
    assert response.status_code in (200, 302)
    assert "_auth_user_id" not in client.session
    assert actions()[-1] == "core.auth.signed_out"


def test_sign_out_needs_post(client, officer):
    sign_in(client, "lantas")
    assert client.get(reverse("core:logout")).status_code == 405
    assert "_auth_user_id" in client.session


def test_next_parameter_to_another_site_is_ignored(client, officer):
    response = client.post(
        LOGIN, {"username": "lantas", "password": TEST_PASSWORD, "next": "https://evil.example/"}
    )
    assert response.url == reverse("core:staff-home")


def test_sign_in_sets_the_persons_language(client, org, make_user):
    make_user("english", "officer", org.bks_spkt, language="en")
    response = sign_in(client, "english")
    assert response.cookies["bersih_language"].value == "en"


def test_operator_unlocks_an_account_with_axes_reset_username(client, officer):
    from django.core.management import call_command

    for _attempt in range(5):
        sign_in(client, "lantas", "wrong-password")
    assert sign_in(client, "lantas").status_code == 429
    call_command("axes_reset_username", "lantas", stdout=open("/dev/null", "w"))  # noqa: SIM115
    call_command("axes_reset_ip", "127.0.0.1", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert sign_in(client, "lantas").status_code == 302
