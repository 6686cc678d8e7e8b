"""The bank's SIM fee notification: keyed and signed like ETLE's; a good one moves the applicant on,
every bad one is a clear problem+json that changes nothing but the log."""

from __future__ import annotations

import json
import time

import pytest
from django.test import Client
from django.utils import timezone

from bersih.core.bank import callback_signature
from bersih.core.testing import sign_in
from bersih.core.tests.api_fixtures import bearer, make_machine
from bersih.ledger.models import Entry
from bersih.licensing import keys, rules, services
from bersih.licensing.models import FeeCallback, FeePayment, LineEntry, Ticket

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english_messages")]

URL = "/api/v1/licensing/payments"
SECRET = "test-sim-bank-secret-0123456789"


@pytest.fixture
def bank(sim, walk_in, settings, org):
    """An applicant waiting at the payment stage with the fee's virtual account open, and the bank's key."""
    settings.LICENSING_BANK_SECRET = SECRET
    ticket = walk_in(1)
    for stage in ("registration", "documents", "theory", "practical"):
        entry = services.line_call_next(actor=sim.clerks[stage], counter=sim.counters[stage])
        services.line_finish(actor=sim.clerks[stage], entry=entry)
    ticket.refresh_from_db()
    assert ticket.stage == "payment"
    machine = make_machine(org.bks, name="Bank BRI (SIM)", scopes=("licensing:payments",))
    return type(
        "Bank",
        (),
        {"ticket": ticket, "payment": FeePayment.objects.get(application=ticket.application), "key": machine},
    )


def payload(payment, **changes):
    data = {
        "va_number": payment.va_number,
        "amount": payment.amount,
        "paid_at": timezone.localtime().replace(microsecond=0).isoformat(),
        "bank_reference": "BRI-SIM-0001",
        "channel": "va",
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def post(bank, body, *, secret=SECRET, at=None, signature=None, key=None, extra=None):
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    timestamp = str(int(time.time()) if at is None else at)
    signed = callback_signature(secret.encode(), timestamp, raw)
    headers = {"HTTP_X_BERSIH_TIMESTAMP": timestamp, "HTTP_X_BERSIH_SIGNATURE": signature or signed}
    headers.update(bearer(key or bank.key.plaintext))
    headers.update(extra or {})
    return Client().post(URL, raw, content_type="application/json", **headers)


def unchanged(bank):
    bank.payment.refresh_from_db()
    entry = LineEntry.objects.get(ticket=bank.ticket, stage="payment")
    return bank.payment.status == FeePayment.OPEN and entry.state == LineEntry.WAITING


def problem(response, status, type_):
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/problem+json")
    body = response.json()
    assert body["type"].endswith(type_)
    assert body["detail"]
    return body


def test_a_good_payment_settles_the_fee_and_moves_the_applicant_on(bank):
    response = post(bank, payload(bank.payment, channel="qris"))
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == "paid" and body["stage"] == "biometrics" and body["channel"] == "qris"
    bank.payment.refresh_from_db()
    assert bank.payment.status == FeePayment.PAID and bank.payment.bank_reference == "BRI-SIM-0001"
    assert LineEntry.objects.get(ticket=bank.ticket, stage="payment").state == LineEntry.DONE
    assert LineEntry.objects.get(ticket=bank.ticket, stage="biometrics").state == LineEntry.WAITING
    assert Ticket.objects.get(pk=bank.ticket.pk).stage == "biometrics"
    log = FeeCallback.objects.get()
    assert (log.outcome, log.status, log.payment_id, log.client_id) == (
        "accepted",
        200,
        bank.payment.pk,
        bank.key.client.pk,
    )
    paid = Entry.objects.get(action="licensing.payment.paid")
    assert paid.actor_label == "bank" and paid.data["channel"] == "qris"


def test_the_same_notification_again_answers_the_same_success(bank):
    body = payload(bank.payment)
    first = post(bank, body)
    again = post(bank, body)
    assert first.status_code == again.status_code == 200
    assert first.json() == again.json()
    assert list(FeeCallback.objects.order_by("id").values_list("outcome", flat=True)) == [
        "accepted",
        "duplicate",
    ]
    assert Entry.objects.filter(action="licensing.payment.paid").count() == 1
    assert LineEntry.objects.filter(ticket=bank.ticket, stage="biometrics").count() == 1


def test_a_second_payment_of_a_paid_fee_is_refused(bank):
    assert post(bank, payload(bank.payment)).status_code == 200
    body = problem(post(bank, payload(bank.payment, bank_reference="BRI-SIM-0002")), 409, "conflict")
    assert body["reason"] == "already-paid"
    bank.payment.refresh_from_db()
    assert bank.payment.bank_reference == "BRI-SIM-0001"
    body = problem(post(bank, payload(bank.payment, amount=bank.payment.amount + 1)), 409, "conflict")
    assert body["reason"] == "reference-reused"
    assert Entry.objects.filter(action="licensing.payment.paid").count() == 1


@pytest.mark.parametrize(
    ("send", "status", "type_", "reason"),
    [
        (
            lambda b: post(b, payload(b.payment), signature="0" * 64),
            401,
            "unauthenticated",
            "signature-invalid",
        ),
        (
            lambda b: post(b, payload(b.payment), secret="another-secret"),
            401,
            "unauthenticated",
            "signature-invalid",
        ),
        (
            lambda b: post(b, payload(b.payment), at=int(time.time()) - 600),
            401,
            "unauthenticated",
            "stale-timestamp",
        ),
        (
            lambda b: post(b, payload(b.payment), at=int(time.time()) + 600),
            401,
            "unauthenticated",
            "stale-timestamp",
        ),
        (
            lambda b: post(b, payload(b.payment), extra={"HTTP_X_BERSIH_SIGNATURE": ""}),
            401,
            "unauthenticated",
            "signature-missing",
        ),
        (lambda b: post(b, payload(b.payment, va_number="888200000000000")), 404, "not-found", "unknown-va"),
        (lambda b: post(b, payload(b.payment, amount=50_000)), 422, "validation-error", "amount-mismatch"),
        (lambda b: post(b, payload(b.payment, channel="cash")), 422, "validation-error", "schema"),
        (lambda b: post(b, payload(b.payment, amount="100000")), 422, "validation-error", "schema"),
        (
            lambda b: post(b, payload(b.payment, paid_at="2026-11-28T10:00:00")),
            422,
            "validation-error",
            "schema",
        ),
        (lambda b: post(b, {**payload(b.payment), "cash": 100_000}), 422, "validation-error", "schema"),
        (lambda b: post(b, b'{"va_number": "1'), 422, "malformed-json", "malformed-json"),
        (lambda b: post(b, b"[1, 2]"), 422, "validation-error", "schema"),
        (
            lambda b: post(
                b, json.dumps({**payload(b.payment), "pad": "x" * rules.MAX_CALLBACK_BYTES}).encode()
            ),
            413,
            "payload-too-large",
            "too-large",
        ),
    ],
    ids=[
        "bad-signature",
        "wrong-secret",
        "stale",
        "future",
        "unsigned",
        "unknown-va",
        "wrong-amount",
        "cash-channel",
        "amount-as-text",
        "naive-time",
        "extra-field",
        "malformed-json",
        "not-an-object",
        "oversized",
    ],
)
def test_a_bad_notification_is_a_clear_problem_and_changes_nothing(bank, send, status, type_, reason):
    entries = Entry.objects.count()
    body = problem(send(bank), status, type_)
    assert body["reason"] == reason
    assert unchanged(bank)
    assert Entry.objects.count() == entries
    log = FeeCallback.objects.get()
    assert (log.outcome, log.status, log.reason) == ("refused", status, reason)


def test_a_replayed_request_is_refused_after_the_window(bank):
    raw = json.dumps(payload(bank.payment)).encode()
    sent_at = int(time.time())
    signature = callback_signature(SECRET.encode(), str(sent_at), raw)
    later = timezone.now() + rules.BANK_TIMESTAMP_SKEW + timezone.timedelta(seconds=5)
    result = services.fee_callback_receive(
        body=raw, timestamp=str(sent_at), signature=signature, size=len(raw), now=later
    )
    assert (result.status, result.reason) == (401, "stale-timestamp")
    assert unchanged(bank)


def test_only_the_banks_key_with_the_scope_reports_a_payment(bank, org, sim, client):
    no_key = Client().post(URL, json.dumps(payload(bank.payment)), content_type="application/json")
    problem(no_key, 401, "unauthenticated")
    other = make_machine(org.bks, name="Kamera", scopes=("core:read",))
    problem(post(bank, payload(bank.payment), key=other.plaintext), 403, "forbidden")
    sign_in(client, sim.supervisor)
    raw = json.dumps(payload(bank.payment)).encode()
    timestamp = str(int(time.time()))
    session = client.post(
        URL,
        raw,
        content_type="application/json",
        HTTP_X_BERSIH_TIMESTAMP=timestamp,
        HTTP_X_BERSIH_SIGNATURE=callback_signature(SECRET.encode(), timestamp, raw),
    )
    assert session.status_code in (403,), session.content
    assert unchanged(bank)
    assert not FeeCallback.objects.exists()


def test_no_secret_in_production_refuses_every_notification(bank, settings):
    settings.LICENSING_BANK_SECRET = ""
    settings.PRODUCTION = True
    body = problem(post(bank, payload(bank.payment)), 401, "unauthenticated")
    assert body["reason"] == "no-secret"
    assert unchanged(bank)


def test_the_development_secret_is_created_once_under_the_keys_dir(settings, tmp_path):
    settings.LICENSING_BANK_SECRET = ""
    settings.KEYS_DIR = tmp_path
    assert keys.init_keys(tmp_path) == [f"bank secret created: {keys.SECRET_NAME}"]
    first = keys.bank_secret()
    assert keys.init_keys(tmp_path) == [f"bank secret kept ({keys.SECRET_NAME})"]
    assert keys.bank_secret() == first and len(first) >= 40
    assert (tmp_path / keys.SECRET_NAME).stat().st_mode & 0o777 == 0o600
    settings.PRODUCTION = True
    with pytest.raises(keys.BankSecretMissing):
        keys.bank_secret()


def test_the_deploy_check_warns_without_the_secret(settings):
    from bersih.licensing.checks import bank_secret_configured

    settings.PRODUCTION = True
    settings.LICENSING_BANK_SECRET = ""
    assert [w.id for w in bank_secret_configured()] == ["bersih.licensing.W001"]
    settings.LICENSING_BANK_SECRET = "agreed"
    assert bank_secret_configured() == []


def test_the_log_is_append_only(bank):
    post(bank, payload(bank.payment))
    log = FeeCallback.objects.get()
    with pytest.raises(TypeError):
        log.save()
    with pytest.raises(TypeError):
        FeeCallback.objects.update(reason="x")
    with pytest.raises(TypeError):
        FeeCallback.objects.all().delete()


def test_no_cash_field_exists_anywhere():
    from django.apps import apps

    names = {f.name for model in apps.get_app_config("licensing").get_models() for f in model._meta.fields}
    assert not {name for name in names if "cash" in name}
    assert "cash" not in rules.PAYMENT_CHANNELS


class _Routed:
    """``urlopen`` answered by the test client: the command's request goes to the real endpoint."""

    def __init__(self):
        self.requests = []

    def __call__(self, request, timeout=None):
        import io
        import urllib.error

        self.requests.append(request)
        headers = {
            k: v for k, v in request.header_items() if k.lower().startswith(("x-bersih", "authorization"))
        }
        response = Client().post(URL, request.data, content_type="application/json", headers=headers)
        if response.status_code >= 400:
            raise urllib.error.HTTPError(
                request.full_url, response.status_code, "", {}, io.BytesIO(response.content)
            )
        return _Answer(response)


class _Answer:
    def __init__(self, response):
        self.status, self._body = response.status_code, response.content

    def read(self):
        return self._body

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


def test_bank_pay_command_signs_like_the_bank(bank, monkeypatch, settings, tmp_path):
    import io

    from django.core.management import CommandError, call_command

    settings.VAR_DIR = tmp_path  # no demo key file: a key must be given
    routed = _Routed()
    monkeypatch.setattr("urllib.request.urlopen", routed)
    with pytest.raises(CommandError):
        call_command("licensing", "bank-pay", bank.payment.va_number, "--key", "")
    out = io.StringIO()
    va = bank.payment.va_number
    call_command("licensing", "bank-pay", va, "--reference", "SIM-1", "--key", bank.key.plaintext, stdout=out)
    assert routed.requests[0].full_url == "http://127.0.0.1:8000/api/v1/licensing/payments"
    assert out.getvalue().splitlines()[-1].startswith("200 ")
    bank.payment.refresh_from_db()
    assert bank.payment.status == FeePayment.PAID and bank.payment.bank_reference == "SIM-1"
    out = io.StringIO()
    call_command("licensing", "bank-pay", va, "--reference", "SIM-2", "--key", bank.key.plaintext, stdout=out)
    assert out.getvalue().splitlines()[-1].startswith("409 ")
    sent = routed.requests[-1]
    timestamp = sent.get_header("X-bersih-timestamp")
    assert sent.get_header("X-bersih-signature") == callback_signature(SECRET.encode(), timestamp, sent.data)


def test_bank_pay_command_uses_the_demo_banks_key(bank, monkeypatch, settings, tmp_path):
    """In the demo the bank's key comes from var/demo-api-keys.txt: the line with the fee scope."""
    import io

    from django.core.management import call_command

    settings.VAR_DIR = tmp_path
    (tmp_path / "demo-api-keys.txt").write_text(
        "# Demo API keys\n"
        "bsk_camera_key  Kamera  [etle:events]\n"
        f"{bank.key.plaintext}  Bank Mitra  [etle:payments licensing:payments]\n"
    )
    routed = _Routed()
    monkeypatch.setattr("urllib.request.urlopen", routed)
    out = io.StringIO()
    call_command("licensing", "bank-pay", bank.payment.va_number, "--key", "", stdout=out)
    assert routed.requests[0].get_header("Authorization") == f"Bearer {bank.key.plaintext}"
    assert out.getvalue().splitlines()[-1].startswith("200 ")


def test_bank_pay_command_says_when_the_server_cannot_be_reached(bank):
    import socket

    from django.core.management import CommandError, call_command

    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with pytest.raises(CommandError, match="cannot reach"):
        call_command(
            "licensing",
            "bank-pay",
            bank.payment.va_number,
            "--key",
            bank.key.plaintext,
            "--url",
            f"http://127.0.0.1:{port}",
        )
    bank.payment.refresh_from_db()
    assert bank.payment.status == FeePayment.OPEN
