"""Sign-in, the second factor and lockout, as a person does them in a browser."""

import pytest
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from bersih.core.testing import TEST_PASSWORD
from bersih.ledger.models import Entry

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def sign_in(page, username, password):
    page.goto(page.base + "/masuk/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("form [type=submit]")


def test_officer_signs_in_and_sees_the_staff_home(page, org, make_user):
    make_user("lantas", "officer", org.bks_satlantas, full_name="Budi Santoso")
    sign_in(page, "lantas", TEST_PASSWORD)
    page.wait_for_url("**/staf/")
    assert "Budi Santoso" in page.content()
    assert Entry.objects.filter(action="core.auth.signed_in", actor_label="lantas").exists()


def test_sensitive_role_needs_the_totp_code(page, org, make_user):
    user = make_user("kapolres", "leadership", org.bks)
    device = TOTPDevice.objects.create(user=user, name="phone", confirmed=True)
    sign_in(page, "kapolres", TEST_PASSWORD)
    page.wait_for_url("**/masuk/otp/**")
    page.fill("input[name=otp_token]", "000000" if totp(device.bin_key) != 0 else "111111")
    page.click("form [type=submit]")
    assert "/masuk/otp/" in page.url  # a wrong code keeps the person at the second factor
    page.fill("input[name=otp_token]", f"{totp(device.bin_key):06d}")
    page.click("form [type=submit]")
    page.wait_for_url("**/staf/")


def test_five_wrong_passwords_lock_the_account(page, org, make_user):
    make_user("spkt", "officer", org.bks_spkt)
    for _ in range(5):
        sign_in(page, "spkt", "wrong-password")
    sign_in(page, "spkt", TEST_PASSWORD)
    body = page.content()
    assert "/staf/" not in page.url
    assert "10" in body  # the lockout page says how long the lockout lasts
    assert Entry.objects.filter(action="core.auth.locked_out").exists()
