"""The second factor: sensitive roles enrol and verify a TOTP authenticator before any staff page."""

from __future__ import annotations

import datetime as dt
import re
from base64 import b32decode
from binascii import unhexlify

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from bersih.core import services
from bersih.core.testing import TEST_PASSWORD, sign_in
from bersih.core.views import PENDING_TOTP_KEY
from bersih.ledger.models import Entry


def code_for(key_hex: str, at: float | None = None) -> str:
    at = at if at is not None else timezone.now().timestamp()
    from django_otp.oath import TOTP

    generator = TOTP(unhexlify(key_hex))
    generator.time = at
    return f"{generator.token():06d}"


def password_sign_in(client, username):
    return client.post("/masuk/", {"username": username, "password": TEST_PASSWORD, "next": "/staf/"})


@pytest.fixture
def investigator(org, make_user):
    return make_user("penyidik", "investigator", org.bks_reskrim)


def test_sensitive_role_without_device_is_sent_to_enrol(client, investigator):
    response = password_sign_in(client, "penyidik")
    assert response.status_code == 302 and response.url == "/staf/"
    staff = client.get("/staf/")
    assert staff.status_code == 302
    assert staff.url.startswith("/masuk/otp/daftar/") and "next=/staf/" in staff.url
    # Other staff pages and the admin are closed too; public pages stay open.
    assert client.get("/admin/").status_code == 302
    assert client.get("/").status_code == 200


def test_enrolment_page_shows_qr_and_secret_and_writes_no_device(client, investigator):
    password_sign_in(client, "penyidik")
    page = client.get("/masuk/otp/daftar/?next=/staf/")
    html = page.content.decode()
    assert page.status_code == 200
    assert "<svg" in html and 'name="otp_token"' in html
    key = client.session[PENDING_TOTP_KEY]
    secret = "".join(html.split('class="otp-secret">')[1].split("</code>")[0].split())
    assert b32decode(secret).hex() == key
    assert not TOTPDevice.objects.filter(user=investigator).exists()


def test_wrong_enrolment_code_is_refused(client, investigator):
    password_sign_in(client, "penyidik")
    client.get("/masuk/otp/daftar/")
    key = client.session[PENDING_TOTP_KEY]
    wrong = f"{(int(code_for(key)) + 1) % 1_000_000:06d}"
    response = client.post("/masuk/otp/daftar/", {"otp_token": wrong})
    assert response.status_code == 400
    assert "The code is not correct" in response.content.decode()
    assert not TOTPDevice.objects.filter(user=investigator).exists()
    assert client.get("/staf/").status_code == 302


def test_malformed_code_is_refused_with_a_clear_message(client, investigator):
    password_sign_in(client, "penyidik")
    client.get("/masuk/otp/daftar/")
    response = client.post("/masuk/otp/daftar/", {"otp_token": "12ab56"})
    assert response.status_code == 400
    assert "Enter the six digits" in response.content.decode()


def test_right_enrolment_code_confirms_device_and_admits(client, investigator):
    password_sign_in(client, "penyidik")
    client.get("/masuk/otp/daftar/?next=/staf/")
    key = client.session[PENDING_TOTP_KEY]
    session_before = client.session.session_key
    response = client.post("/masuk/otp/daftar/?next=/staf/", {"otp_token": code_for(key), "next": "/staf/"})
    assert response.status_code == 302 and response.url == "/masuk/otp/cadangan/?next=%2Fstaf%2F"
    assert client.get("/staf/").status_code == 200
    device = TOTPDevice.objects.get(user=investigator)
    assert device.confirmed and device.key == key
    assert client.session.session_key != session_before
    entry = Entry.objects.get(action="core.auth.otp_device_confirmed")
    assert entry.subject_id == str(investigator.pk)
    assert key not in str(entry.data)


def test_enrolled_person_verifies_with_a_code_at_each_sign_in(client, investigator):
    device = TOTPDevice.objects.create(user=investigator, name="phone", confirmed=True)
    password_sign_in(client, "penyidik")
    response = client.get("/staf/")
    assert response.url.startswith("/masuk/otp/?")
    # Enrolling a second device is not offered.
    assert client.get("/masuk/otp/daftar/").url.startswith("/masuk/otp/")
    code = totp(device.bin_key)
    response = client.post("/masuk/otp/?next=/staf/", {"otp_token": f"{code:06d}", "next": "/staf/"})
    assert response.status_code == 302 and response.url == "/staf/"
    assert client.get("/staf/").status_code == 200
    assert Entry.objects.filter(action="core.auth.second_factor_verified").count() == 1


def test_wrong_code_is_refused_and_recorded(client, investigator):
    device = TOTPDevice.objects.create(user=investigator, name="phone", confirmed=True)
    password_sign_in(client, "penyidik")
    wrong = (totp(device.bin_key) + 1) % 1_000_000
    response = client.post("/masuk/otp/", {"otp_token": f"{wrong:06d}"})
    assert response.status_code == 400
    assert "The code is not correct or has expired" in response.content.decode()
    assert client.get("/staf/").status_code == 302
    assert Entry.objects.filter(action="core.auth.second_factor_failed").count() == 1


def test_a_used_code_cannot_be_replayed(client, investigator):
    device = TOTPDevice.objects.create(user=investigator, name="phone", confirmed=True)
    at = timezone.now()
    with time_machine.travel(at, tick=False):
        code = f"{totp(device.bin_key):06d}"
        password_sign_in(client, "penyidik")
        assert client.post("/masuk/otp/", {"otp_token": code}).status_code == 302
        client.post("/keluar/")
        password_sign_in(client, "penyidik")
        assert client.post("/masuk/otp/", {"otp_token": code}).status_code == 400


def test_repeated_wrong_codes_are_throttled(client, investigator):
    device = TOTPDevice.objects.create(user=investigator, name="phone", confirmed=True)
    at = timezone.now()
    with time_machine.travel(at, tick=False):
        password_sign_in(client, "penyidik")
        wrong = f"{(totp(device.bin_key) + 7) % 1_000_000:06d}"
        client.post("/masuk/otp/", {"otp_token": wrong})
        # Right after a failure even the right code waits out the throttle.
        right = f"{totp(device.bin_key):06d}"
        assert client.post("/masuk/otp/", {"otp_token": right}).status_code == 400
    device.refresh_from_db()
    assert device.throttling_failure_count == 1
    with time_machine.travel(at + dt.timedelta(seconds=2), tick=False):
        assert client.post("/masuk/otp/", {"otp_token": right}).status_code == 302


def test_non_sensitive_roles_need_no_second_factor(client, org, make_user):
    make_user("loket", "counter_clerk", org.bks_satpas)
    password_sign_in(client, "loket")
    assert client.get("/staf/").status_code == 200


def test_ended_sensitive_role_no_longer_needs_second_factor(client, org, make_user):
    person = make_user("mantan", "investigator", org.bks_reskrim)
    person.assignments.update(
        starts_on=timezone.localdate() - dt.timedelta(days=30),
        ends_on=timezone.localdate() - dt.timedelta(days=1),
    )
    password_sign_in(client, "mantan")
    assert client.get("/staf/").status_code == 200


def test_testing_helper_signs_in_past_the_second_factor(client, investigator):
    sign_in(client, investigator)
    assert client.get("/staf/").status_code == 200


def test_administrator_removes_a_lost_device_and_it_is_recorded(client, org, make_user, investigator):
    admin = make_user("admin", "administrator", org.bks)
    TOTPDevice.objects.create(user=investigator, name="phone", confirmed=True)
    with pytest.raises(ValidationError):
        services.otp_devices_reset(actor=admin, user=investigator, reason="")
    assert services.otp_devices_reset(actor=admin, user=investigator, reason="Phone lost") == 1
    assert not TOTPDevice.objects.filter(user=investigator).exists()
    assert Entry.objects.get(action="core.auth.otp_device_removed").data["reason"] == "Phone lost"
    # At the next sign-in the person enrols a new authenticator.
    password_sign_in(client, "penyidik")
    assert client.get("/staf/").url.startswith("/masuk/otp/daftar/")


def test_device_reset_outside_scope_is_refused(org, make_user, investigator):
    admin_depok = make_user("admin-dpk", "administrator", org.dpk)
    TOTPDevice.objects.create(user=investigator, name="phone", confirmed=True)
    with pytest.raises(PermissionDenied):
        services.otp_devices_reset(actor=admin_depok, user=investigator, reason="Phone lost")
    assert TOTPDevice.objects.filter(user=investigator).exists()
    assert not Entry.objects.exists()


def enrol(client, username="penyidik"):
    password_sign_in(client, username)
    client.get("/masuk/otp/daftar/?next=/staf/")
    key = client.session[PENDING_TOTP_KEY]
    return client.post("/masuk/otp/daftar/", {"otp_token": code_for(key), "next": "/staf/"})


def test_backup_codes_are_offered_after_enrolment_and_each_works_once(client, investigator):
    response = enrol(client)
    assert response.status_code == 302 and response.url.startswith("/masuk/otp/cadangan/")
    explained = client.get(response.url)
    assert "Create backup codes" in explained.content.decode()
    assert not StaticDevice.objects.filter(user=investigator).exists()  # GET writes nothing
    issued = client.post("/masuk/otp/cadangan/", {"next": "/staf/"})
    codes = re.findall(r"<li><code>([a-z2-7]{8})</code></li>", issued.content.decode())
    assert len(codes) == 10
    assert issued["Cache-Control"].startswith("max-age=0")
    entry = Entry.objects.get(action="core.auth.backup_codes_issued")
    assert entry.data == {"count": 10} and codes[0] not in str(entry.data)

    client.post("/keluar/")
    password_sign_in(client, "penyidik")
    assert client.post("/masuk/otp/", {"otp_token": codes[0].upper()}).status_code == 302
    assert client.get("/staf/").status_code == 200
    client.post("/keluar/")
    password_sign_in(client, "penyidik")
    assert client.post("/masuk/otp/", {"otp_token": codes[0]}).status_code == 400


def test_new_backup_codes_replace_the_old_ones(client, investigator):
    enrol(client)
    first = re.findall(r"<code>([a-z2-7]{8})</code>", client.post("/masuk/otp/cadangan/").content.decode())
    second = re.findall(r"<code>([a-z2-7]{8})</code>", client.post("/masuk/otp/cadangan/").content.decode())
    assert set(first).isdisjoint(second)
    client.post("/keluar/")
    password_sign_in(client, "penyidik")
    assert client.post("/masuk/otp/", {"otp_token": first[1]}).status_code == 400


def test_backup_codes_need_the_second_factor_first(client, investigator):
    TOTPDevice.objects.create(user=investigator, name="phone", confirmed=True)
    password_sign_in(client, "penyidik")
    response = client.post("/masuk/otp/cadangan/")
    assert response.status_code == 302 and response.url.startswith("/masuk/otp/?")
    assert not StaticDevice.objects.exists()


def test_unverified_session_is_anonymous_to_the_api(rf, investigator):
    from django.contrib.sessions.backends.db import SessionStore

    from bersih.core.auth import guard_staff_session

    request = rf.get("/api/v1/anything")
    request.session = SessionStore()
    request.user = investigator  # signed in with the password only: no is_verified() yet
    assert guard_staff_session(request) is None
    assert not request.user.is_authenticated

    page = rf.get("/staf/")
    page.session = SessionStore()
    page.user = investigator
    assert guard_staff_session(page).status_code == 302
