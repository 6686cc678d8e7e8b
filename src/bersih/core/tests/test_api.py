"""The API shell: authentication, scopes, rate limits, problem+json errors, the core router.

A small router built here (never shipped) stands in for a module's write endpoint, so that bad input
can be shown to answer clearly and write nothing.
"""

from __future__ import annotations

import json
import time
from datetime import timedelta

import pytest
import time_machine
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import include, path
from django.utils import timezone
from ninja import Router

from bersih.core import apikeys
from bersih.core.api import (
    ApiError,
    BersihAPI,
    InputSchema,
    Instant,
    Rupiah,
    api_actor,
    require_scope,
    restrict_for,
)
from bersih.core.auth import LAST_SEEN_KEY
from bersih.core.errors import PROBLEM_BASE, PROBLEM_CONTENT_TYPE
from bersih.core.models import ApiClient, Unit
from bersih.core.testing import sign_in
from bersih.ledger.models import Entry
from bersih.ledger.services import SYSTEM, record

from .api_fixtures import bearer, make_machine

# --- A test-only API mounted beside the real one ---------------------------------------------------

echo = Router()


class EchoIn(InputSchema):
    name: str
    amount: int


@echo.post("echo")
@require_scope("etle:events")
def post_echo(request, payload: EchoIn):
    record(actor=api_actor(request), action="test.echo.created", data=payload.dict())
    return {"name": payload.name, "amount": payload.amount}


@echo.get("boom")
def boom(request):
    raise RuntimeError("secret internals")


class PaymentIn(InputSchema):
    amount: Rupiah
    paid_at: Instant


@echo.post("payments")
def post_payment(request, payload: PaymentIn):
    return {"amount": payload.amount, "paid_at": payload.paid_at.isoformat()}


@echo.get("later")
async def later(request):
    return {"client": request.auth.name}


@echo.get("busy")
def busy(request):
    raise ApiError(409, "conflict", detail="The record changed meanwhile.")


@echo.post("clients")
def post_client(request, payload: EchoIn):
    # A service refusal (Django ValidationError) must answer 422 with the service's reason.
    apikeys.apiclient_create(
        actor=api_actor(request), name=payload.name, owner_unit=request.auth.owner_unit, scopes=["everything"]
    )


@echo.post("units")
def post_unit(request, payload: EchoIn):
    # A database constraint violated by the request must answer 409 and leave nothing behind.
    with transaction.atomic():
        record(actor=api_actor(request), action="test.unit.created", data={})
        Unit.objects.create(code=payload.name, name="Duplicate", kind="polsek")


test_api = BersihAPI(title="Test API", version="0", urls_namespace="test-api")
test_api.add_router("/t/", echo)

urlpatterns = [path("api/test/", test_api.urls), path("", include("bersih.urls"))]
pytestmark = [pytest.mark.django_db, pytest.mark.urls(__name__)]

ME = "/api/v1/core/me"
UNITS = "/api/v1/core/units"
ECHO = "/api/test/t/echo"


def assert_problem(response, status: int, type_: str) -> dict:
    assert response.status_code == status, response.content
    assert response["Content-Type"] == PROBLEM_CONTENT_TYPE
    body = response.json()
    assert body["type"] == PROBLEM_BASE + type_
    assert body["status"] == status and body["title"]
    return body


@pytest.fixture
def machine(org):
    return make_machine(org.bks_satlantas, scopes=["core:read", "etle:events"])


# --- Authentication --------------------------------------------------------------------------------


def test_no_credentials_answer_401_problem(client):
    response = client.get(ME)
    assert_problem(response, 401, "unauthenticated")
    assert response["WWW-Authenticate"].startswith("Bearer")


@pytest.mark.parametrize("header", ["Token abc", "Bearer", "Basic dXNlcjpwYXNz", "bsk_x_y"])
def test_malformed_authorization_header_answers_401(client, machine, header):
    assert_problem(client.get(ME, HTTP_AUTHORIZATION=header), 401, "unauthenticated")


def test_unknown_prefix_and_wrong_secret_answer_the_same_401(client, machine):
    prefix, secret = apikeys.parse_key(machine.plaintext)
    unknown = client.get(ME, **bearer(apikeys.format_key("zzzzzzzzzz", secret)))
    wrong = client.get(ME, **bearer(apikeys.format_key(prefix, "A" * 43)))
    assert assert_problem(unknown, 401, "unauthenticated") == assert_problem(wrong, 401, "unauthenticated")
    assert 'error="invalid_token"' in wrong["WWW-Authenticate"]


def test_key_works_as_bearer_and_as_x_api_key(client, machine):
    for headers in (bearer(machine.plaintext), {"HTTP_X_API_KEY": machine.plaintext}):
        response = client.get(ME, **headers)
        assert response.status_code == 200
        assert response.json() == {
            "kind": "client",
            "name": machine.client.name,
            "username": None,
            "roles": [],
            "scopes": ["core:read", "etle:events"],
            "owner_unit": "bks-satlantas",
            "agency": None,
        }


def test_revoked_key_answers_401(client, machine):
    apikeys.apikey_revoke(actor=SYSTEM, key=machine.key)
    assert_problem(client.get(ME, **bearer(machine.plaintext)), 401, "unauthenticated")


def test_expired_key_answers_401(client, org):
    machine = make_machine(org.bks, expires_at=timezone.now() + timedelta(hours=1))
    assert client.get(ME, **bearer(machine.plaintext)).status_code == 200
    with time_machine.travel(timezone.now() + timedelta(hours=2)):
        assert_problem(client.get(ME, **bearer(machine.plaintext)), 401, "unauthenticated")


def test_rotated_key_works_during_grace_and_not_after(client, machine):
    _new, new_plaintext = apikeys.apikey_rotate(actor=SYSTEM, key=machine.key, grace_hours=24)
    assert client.get(ME, **bearer(machine.plaintext)).status_code == 200
    assert client.get(ME, **bearer(new_plaintext)).status_code == 200
    with time_machine.travel(timezone.now() + timedelta(hours=24, minutes=1)):
        assert_problem(client.get(ME, **bearer(machine.plaintext)), 401, "unauthenticated")
        assert client.get(ME, **bearer(new_plaintext)).status_code == 200


def test_inactive_client_answers_401(client, machine):
    ApiClient.objects.filter(pk=machine.client.pk).update(active=False)
    assert_problem(client.get(ME, **bearer(machine.plaintext)), 401, "unauthenticated")


def test_missing_scope_answers_403_and_writes_nothing(client, org):
    reader = make_machine(org.bks, name="Reader", scopes=["core:read"])
    before = Entry.objects.count()
    response = client.post(
        ECHO, {"name": "x", "amount": 1}, content_type="application/json", **bearer(reader.plaintext)
    )
    body = assert_problem(response, 403, "forbidden")
    assert "etle:events" in body["detail"]
    assert Entry.objects.count() == before
    nothing = make_machine(org.bks, name="Nothing", scopes=[])
    assert_problem(client.get(UNITS, **bearer(nothing.plaintext)), 403, "forbidden")


def test_rate_limit_answers_429_with_retry_after(client, org):
    machine = make_machine(org.bks, scopes=["core:read"], rate=2)
    with time_machine.travel(time.time() // 60 * 60 + 5, tick=False):  # the start of a window
        first = client.get(ME, **bearer(machine.plaintext))
        assert first.status_code == 200
        assert first["RateLimit-Limit"] == "2" and first["RateLimit-Remaining"] == "1"
        assert client.get(ME, **bearer(machine.plaintext)).status_code == 200
        refused = client.get(ME, **bearer(machine.plaintext))
    assert_problem(refused, 429, "rate-limited")
    assert 1 <= int(refused["Retry-After"]) <= 60
    assert refused["RateLimit-Remaining"] == "0"


# --- Sessions and CSRF -----------------------------------------------------------------------------


def signed_in(user, *, enforce_csrf=False) -> Client:
    browser = Client(enforce_csrf_checks=enforce_csrf)
    sign_in(browser, user)  # with the second factor where the person's roles need one
    return browser


def test_session_of_a_person_authenticates(org, make_user):
    officer = make_user("budi", "officer", org.bks_satlantas)
    response = signed_in(officer).get(ME)
    assert response.status_code == 200
    assert response.json()["kind"] == "user"
    assert response.json()["roles"] == [{"role": "officer", "unit": "bks-satlantas", "agency": None}]


def test_session_without_the_owed_second_factor_is_anonymous_to_the_api(org, make_user):
    admin = make_user("admin", "administrator", org.bks)
    half = Client()
    half.force_login(admin)  # password only: an administrator still owes the second factor
    assert_problem(half.get(ME), 401, "unauthenticated")
    assert signed_in(admin).get(ME).json()["roles"][0]["role"] == "administrator"


def test_session_post_requires_the_csrf_token(org, make_user):
    officer = make_user("budi", "officer", org.bks_satlantas)
    browser = signed_in(officer, enforce_csrf=True)
    before = Entry.objects.count()
    payload = json.dumps({"name": "Budi", "amount": 5})
    refused = browser.post(ECHO, payload, content_type="application/json")
    assert_problem(refused, 403, "forbidden")
    assert Entry.objects.count() == before
    browser.get("/api/v1/docs")  # the docs page carries the token for session calls, and sets the cookie
    token = browser.cookies["csrftoken"].value
    accepted = browser.post(ECHO, payload, content_type="application/json", HTTP_X_CSRFTOKEN=token)
    assert accepted.status_code == 200, accepted.content
    entry = Entry.objects.get(action="test.echo.created")
    assert (entry.actor_kind, entry.actor_label) == ("user", "budi")


def test_api_key_posts_need_no_csrf_token(org, machine):
    browser = Client(enforce_csrf_checks=True)
    response = browser.post(
        ECHO, {"name": "plate", "amount": 3}, content_type="application/json", **bearer(machine.plaintext)
    )
    assert response.status_code == 200
    assert Entry.objects.get(action="test.echo.created").actor_kind == "client"


def test_expired_session_answers_401_saying_so(org, make_user):
    officer = make_user("budi", "officer", org.bks_satlantas)
    browser = signed_in(officer)
    session = browser.session
    session[LAST_SEEN_KEY] = time.time() - 3 * 3600
    session.save()
    body = assert_problem(browser.get(ME), 401, "unauthenticated")
    assert "expired" in body["title"].lower() or "expired" in body.get("detail", "").lower()


# --- Bad input writes nothing ----------------------------------------------------------------------


def post_echo_raw(client, machine, body: bytes | str):
    return client.post(ECHO, body, content_type="application/json", **bearer(machine.plaintext))


def test_malformed_json_answers_400(client, machine):
    before = Entry.objects.count()
    for body in ('{"name": "x", "amount": ', b"\xff\xfe", "{'name': 'x'}"):
        assert_problem(post_echo_raw(client, machine, body), 400, "malformed-json")
    assert Entry.objects.count() == before


def test_unknown_field_answers_422_naming_it(client, machine):
    before = Entry.objects.count()
    response = post_echo_raw(client, machine, json.dumps({"name": "x", "amount": 1, "admin": True}))
    body = assert_problem(response, 422, "validation-error")
    assert {
        "loc": ["body", "payload", "admin"],
        "msg": "Extra inputs are not permitted",
        "type": "extra_forbidden",
    } in (body["errors"])
    assert Entry.objects.count() == before


def test_wrong_type_answers_422_without_echoing_input(client, machine):
    response = post_echo_raw(client, machine, json.dumps({"name": "x", "amount": "sepuluh-juta-rahasia"}))
    body = assert_problem(response, 422, "validation-error")
    assert [e["loc"] for e in body["errors"]] == [["body", "payload", "amount"]]
    assert "sepuluh-juta-rahasia" not in response.content.decode()


def test_oversized_body_answers_413_problem(client, machine, settings):
    settings.MAX_REQUEST_BYTES = 1024
    before = Entry.objects.count()
    response = post_echo_raw(client, machine, json.dumps({"name": "x" * 2000, "amount": 1}))
    assert_problem(response, 413, "payload-too-large")
    assert Entry.objects.count() == before


def test_body_over_the_upload_limit_answers_413_problem(client, machine, settings):
    # The size guard lets the request through, but Django refuses to read a body this large.
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024
    before = Entry.objects.count()
    response = post_echo_raw(client, machine, json.dumps({"name": "x" * 2000, "amount": 1}))
    assert_problem(response, 413, "payload-too-large")
    assert Entry.objects.count() == before


def test_service_refusal_answers_422_with_its_reason(client, machine):
    body = {"name": "Bank", "amount": 1}
    response = client.post(
        "/api/test/t/clients", body, content_type="application/json", **bearer(machine.plaintext)
    )
    problem = assert_problem(response, 422, "validation-error")
    assert [e["type"] for e in problem["errors"]] == ["unknown_scope"]
    assert not ApiClient.objects.filter(name="Bank").exists()


def test_constraint_violation_answers_409_and_writes_nothing(client, machine):
    before = Entry.objects.count()
    body = {"name": "bks", "amount": 1}
    response = client.post(
        "/api/test/t/units", body, content_type="application/json", **bearer(machine.plaintext)
    )
    assert_problem(response, 409, "conflict")
    assert Entry.objects.count() == before
    assert Unit.objects.filter(code="bks").count() == 1


@pytest.mark.parametrize(
    "body",
    [
        {"amount": "500000", "paid_at": "2026-11-28T10:00:00+07:00"},
        {"amount": 500000.5, "paid_at": "2026-11-28T10:00:00+07:00"},
        {"amount": -1, "paid_at": "2026-11-28T10:00:00+07:00"},
        {"amount": 500000, "paid_at": "2026-11-28T10:00:00"},
    ],
)
def test_money_is_whole_rupiah_and_times_carry_an_offset(client, machine, body):
    response = client.post(
        "/api/test/t/payments", body, content_type="application/json", **bearer(machine.plaintext)
    )
    assert_problem(response, 422, "validation-error")


def test_a_well_formed_payment_passes(client, machine):
    body = {"amount": 500000, "paid_at": "2026-11-28T10:00:00+07:00"}
    response = client.post(
        "/api/test/t/payments", body, content_type="application/json", **bearer(machine.plaintext)
    )
    assert response.json() == {"amount": 500000, "paid_at": "2026-11-28T10:00:00+07:00"}


def test_unexpected_error_answers_500_without_internals(client, machine):
    response = client.get("/api/test/t/boom", **bearer(machine.plaintext))
    assert_problem(response, 500, "server-error")
    assert "secret internals" not in response.content.decode()
    assert "Traceback" not in response.content.decode()


def test_api_error_keeps_its_type(client, machine):
    body = assert_problem(client.get("/api/test/t/busy", **bearer(machine.plaintext)), 409, "conflict")
    assert body["detail"] == "The record changed meanwhile."


def test_async_operations_authenticate_and_refuse_methods_alike(client, machine):
    assert client.get("/api/test/t/later", **bearer(machine.plaintext)).json() == {
        "client": machine.client.name
    }
    assert_problem(client.get("/api/test/t/later"), 401, "unauthenticated")
    assert_problem(client.put("/api/test/t/later", **bearer(machine.plaintext)), 405, "method-not-allowed")


def test_unknown_endpoint_and_wrong_method_are_problems(client, machine):
    assert_problem(client.get("/api/v1/core/nothing-here", **bearer(machine.plaintext)), 404, "not-found")
    response = client.delete(ME, **bearer(machine.plaintext))
    assert_problem(response, 405, "method-not-allowed")
    assert response["Allow"] == "GET"


# --- The core router: scope and pagination ---------------------------------------------------------


def test_unit_outside_the_callers_scope_answers_404(client, org, machine, make_user):
    assert client.get(f"{UNITS}/bks-satpas", **bearer(machine.plaintext)).json()["parent"] == "bks-satlantas"
    assert_problem(client.get(f"{UNITS}/dpk-satlantas", **bearer(machine.plaintext)), 404, "not-found")
    assert_problem(client.get(f"{UNITS}/bks", **bearer(machine.plaintext)), 404, "not-found")
    officer = signed_in(make_user("sari", "officer", org.dpk_spkt))
    assert officer.get(f"{UNITS}/dpk-spkt").status_code == 200
    assert_problem(officer.get(f"{UNITS}/bks-spkt"), 404, "not-found")
    assert_problem(officer.get(f"{UNITS}/no-such-unit"), 404, "not-found")


def test_units_list_is_paginated_filtered_and_ordered(client, org, make_user):
    auditor = signed_in(make_user("audit", "oversight", org.polda))
    first = auditor.get(UNITS, {"limit": 5, "ordering": "code"}).json()
    assert first["count"] == 21
    assert [u["code"] for u in first["items"]] == [
        "bks",
        "bks-intelkam",
        "bks-leadership",
        "bks-ppa",
        "bks-propam",
    ]
    second = auditor.get(first["next"]).json()
    assert second["items"][0]["code"] == "bks-reskrim"
    kinds = auditor.get(UNITS, {"kind": "satlantas"}).json()
    assert [u["code"] for u in kinds["items"]] == ["bks-satlantas", "dpk-satlantas"] and kinds["next"] is None
    children = auditor.get(UNITS, {"parent": "bks-reskrim"}).json()
    assert [u["code"] for u in children["items"]] == ["bks-ppa"]
    for bad in ({"limit": 501}, {"limit": 0}, {"offset": -1}, {"kind": "galaxy"}, {"ordering": "secret"}):
        assert_problem(auditor.get(UNITS, bad), 422, "validation-error")


def test_units_list_shows_only_the_callers_subtree(client, machine):
    page = client.get(UNITS, **bearer(machine.plaintext)).json()
    assert [u["code"] for u in page["items"]] == ["bks-satlantas", "bks-satpas"]


def test_units_list_query_count_does_not_grow_with_page_size(org, make_user):
    auditor = signed_in(make_user("audit", "oversight", org.polda))
    auditor.get(ME)  # settle the session
    counts = []
    for limit in (2, 50):
        with CaptureQueriesContext(connection) as queries:
            assert auditor.get(UNITS, {"limit": limit}).status_code == 200
        counts.append(len(queries))
    # The same count for 2 or 50 units; most of it is the session, the person and their second factor.
    assert counts[0] == counts[1] <= 14


def test_require_scope_refuses_a_scope_that_does_not_exist():
    with pytest.raises(ValueError):
        require_scope("etle:evnets")


def test_restrict_for_narrows_a_client_to_its_owner_units_subtree(org, machine, rf):
    for unit in (org.bks_satlantas, org.bks_satpas, org.dpk_satlantas, org.bks):
        record(actor=SYSTEM, action="test.thing.created", unit=unit, data={})
    request = rf.get("/api/v1/anything")
    request.auth = machine.client
    visible = restrict_for(request, Entry.objects.filter(action="test.thing.created"))
    assert sorted(e.unit.code for e in visible) == ["bks-satlantas", "bks-satpas"]
