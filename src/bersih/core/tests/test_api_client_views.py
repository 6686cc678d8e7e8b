"""Staff pages for API clients: administrators of the owning unit only; others forbidden or 404."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from bersih.core import apikeys
from bersih.core.models import ApiClient, ApiKey
from bersih.core.testing import sign_in
from bersih.ledger.models import Entry

from .api_fixtures import make_machine

pytestmark = pytest.mark.django_db


def signed_in(user, *, enforce_csrf=False) -> Client:
    browser = Client(enforce_csrf_checks=enforce_csrf)
    sign_in(browser, user)  # with the second factor where the person's roles need one
    return browser


@pytest.fixture
def admin(org, make_user):
    return signed_in(make_user("admin-bks", "administrator", org.bks))


@pytest.fixture
def camera(org):
    return make_machine(org.bks_satlantas, name="Kamera Tol")


def detail_url(client) -> str:
    return reverse("core:apiclient-detail", args=[client.pk])


def test_anonymous_is_sent_to_sign_in(client, camera):
    response = client.get(reverse("core:apiclient-list"))
    assert response.status_code == 302 and reverse("core:login") in response["Location"]
    assert client.post(reverse("core:apikey-issue", args=[camera.client.pk])).status_code == 302
    assert camera.client.keys.count() == 1


def test_officer_is_forbidden(org, make_user, camera):
    officer = signed_in(make_user("budi", "officer", org.bks_satlantas))
    assert officer.get(reverse("core:apiclient-list")).status_code == 403
    assert officer.get(detail_url(camera.client)).status_code == 403
    assert officer.post(reverse("core:apikey-issue", args=[camera.client.pk])).status_code == 403
    assert camera.client.keys.count() == 1


def test_administrator_lists_clients_of_their_units_only(org, admin, camera):
    make_machine(org.dpk_satlantas, name="Kamera Depok")
    page = admin.get(reverse("core:apiclient-list")).content.decode()
    assert "Kamera Tol" in page and camera.key.prefix in page
    assert "Kamera Depok" not in page


def test_client_of_another_polres_answers_404(org, admin):
    depok = make_machine(org.dpk_satlantas, name="Kamera Depok")
    assert admin.get(detail_url(depok.client)).status_code == 404
    assert admin.post(reverse("core:apikey-issue", args=[depok.client.pk])).status_code == 404
    revoke = reverse("core:apikey-revoke", args=[depok.client.pk, depok.key.prefix])
    assert admin.post(revoke).status_code == 404
    assert apikeys.verify_key(depok.plaintext) is not None
    assert depok.client.keys.count() == 1


def test_administrator_creates_a_client(org, admin):
    response = admin.post(
        reverse("core:apiclient-create"),
        {
            "name": "Bank Jabar Banten",
            "owner_unit": org.bks_satlantas.pk,
            "scopes": ["etle:payments"],
            "rate_limit_per_minute": 120,
        },
    )
    client = ApiClient.objects.get(name="Bank Jabar Banten")
    assert response.status_code == 302 and response["Location"] == detail_url(client)
    assert client.scopes == ["etle:payments"] and client.owner_unit == org.bks_satlantas
    entry = Entry.objects.get(action="core.apiclient.created")
    assert (entry.actor_kind, entry.actor_label) == ("user", "admin-bks")


def test_create_refuses_a_unit_outside_scope_and_unknown_scopes(org, admin):
    for owner, scopes in ((org.dpk_satlantas.pk, ["core:read"]), (org.bks.pk, ["root"])):
        response = admin.post(
            reverse("core:apiclient-create"),
            {"name": "X", "owner_unit": owner, "scopes": scopes, "rate_limit_per_minute": 10},
        )
        assert response.status_code == 200 and response.context["form"].errors
    assert not ApiClient.objects.filter(name="X").exists()


def test_issue_shows_the_key_once_and_never_stores_it(admin, camera):
    response = admin.post(reverse("core:apikey-issue", args=[camera.client.pk]), {"label": "cadangan"})
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    plaintext = response.context["plaintext"]
    key = apikeys.verify_key(plaintext)
    assert key is not None and key.label == "cadangan"
    assert plaintext in response.content.decode()
    detail = admin.get(detail_url(camera.client)).content.decode()
    assert key.prefix in detail and plaintext not in detail


def test_rotate_and_revoke_from_the_page(admin, camera):
    rotate = reverse("core:apikey-rotate", args=[camera.client.pk, camera.key.prefix])
    response = admin.post(rotate, {"grace_hours": 2})
    new_plaintext = response.context["plaintext"]
    assert apikeys.verify_key(new_plaintext) is not None
    assert apikeys.verify_key(camera.plaintext) is not None  # still inside the grace period
    revoke = reverse("core:apikey-revoke", args=[camera.client.pk, camera.key.prefix])
    assert admin.post(revoke).status_code == 302
    assert apikeys.verify_key(camera.plaintext) is None
    assert ApiKey.objects.get(pk=camera.key.pk).revoked_at is not None
    again = admin.post(revoke, follow=True)
    assert [m.level_tag for m in again.context["messages"]] == ["success", "error"]
    assert Entry.objects.filter(action="core.apikey.revoked").count() == 1


def test_forms_are_posted_with_the_csrf_token(org, make_user, camera):
    browser = signed_in(make_user("admin-bks", "administrator", org.bks), enforce_csrf=True)
    refused = browser.post(reverse("core:apikey-issue", args=[camera.client.pk]), {"label": "x"})
    assert refused.status_code == 403
    assert camera.client.keys.count() == 1
    page = browser.get(detail_url(camera.client))
    token = page.context["csrf_token"]
    accepted = browser.post(
        reverse("core:apikey-issue", args=[camera.client.pk]),
        {"label": "x", "csrfmiddlewaretoken": str(token)},
    )
    assert accepted.status_code == 200
    assert camera.client.keys.count() == 2


def test_only_post_changes_keys(admin, camera):
    assert admin.get(reverse("core:apikey-issue", args=[camera.client.pk])).status_code == 405
    assert camera.client.keys.count() == 1


def test_list_query_count_does_not_grow_with_clients(org, admin):
    counts = []
    for n in range(2):
        make_machine(org.bks_satlantas, name=f"Kamera {n}")
        with CaptureQueriesContext(connection) as queries:
            assert admin.get(reverse("core:apiclient-list")).status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1]


def test_switching_a_client_off_stops_every_key_at_once(admin, camera):
    url = reverse("core:apiclient-set-active", args=[camera.client.pk])
    assert admin.post(url, {"active": "0"}).status_code == 302
    assert apikeys.verify_key(camera.plaintext) is None
    assert Entry.objects.filter(action="core.apiclient.deactivated").count() == 1
    assert admin.post(url, {"active": "1"}).status_code == 302
    assert apikeys.verify_key(camera.plaintext) is not None
    assert Entry.objects.filter(action="core.apiclient.reactivated").count() == 1
    admin.post(url, {"active": "1"})  # already on: refused, nothing recorded
    assert Entry.objects.filter(action="core.apiclient.reactivated").count() == 1


def test_switching_off_another_polres_client_answers_404(org, admin):
    depok = make_machine(org.dpk_satlantas, name="Kamera Depok")
    url = reverse("core:apiclient-set-active", args=[depok.client.pk])
    assert admin.post(url, {"active": "0"}).status_code == 404
    assert ApiClient.objects.get(pk=depok.client.pk).active


def test_staff_home_offers_api_clients_to_administrators_only(org, admin, make_user):
    url = reverse("core:apiclient-list")
    assert url in admin.get(reverse("core:staff-home")).content.decode()
    officer = signed_in(make_user("budi", "officer", org.bks_satlantas))
    assert url not in officer.get(reverse("core:staff-home")).content.decode()
