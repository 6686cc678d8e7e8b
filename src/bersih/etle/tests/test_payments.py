"""The bank's payment notification, the court's verdict, refunds and the payment pages."""

from __future__ import annotations

import json
import time
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import timezone

from bersih.core.testing import sign_in
from bersih.etle import keys, rules, services
from bersih.etle.models import BankCallback, Payment, Refund, StnkBlock, Vehicle, Violation
from bersih.ledger.models import Entry
from bersih.ledger.services import SYSTEM
from bersih.notify.models import Message

pytestmark = pytest.mark.usefixtures("english_messages")

URL = "/api/v1/etle/payments"
SECRET = "test-bank-secret-0123456789"


@pytest.fixture
def bank(approved, settings):
    """An approved case confirmed by its owner (who gave an email), with its deposit account open."""
    settings.ETLE_BANK_SECRET = SECRET
    case = approved.case
    Violation.objects.filter(pk=case.pk).update(
        status=Violation.CONFIRMED,
        confirmed_at=timezone.now(),
        payment_choice=Violation.DEPOSIT,
        owner_email="budi@contoh.id",
    )
    case.refresh_from_db()
    approved.payment = services.payment_open(actor=SYSTEM, violation=case)
    return approved


def payload(payment, **changes):
    data = {
        "va_number": payment.va_number,
        "amount": payment.amount,
        "paid_at": "2026-11-28T10:15:00+07:00",
        "bank_reference": "BRI-20261128-0001",
        "channel": "mobile",
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def post(body, *, secret=SECRET, at=None, signature=None, headers=None):
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    timestamp = str(int(time.time()) if at is None else at)
    signed = services.callback_signature(secret.encode(), timestamp, raw)
    sent = {"X-Bersih-Timestamp": timestamp, "X-Bersih-Signature": signature or signed}
    if headers is not None:
        sent = headers
    return Client().post(URL, raw, content_type="application/json", headers=sent)


def nothing_paid(payment):
    payment.refresh_from_db()
    case = Violation.objects.get(pk=payment.violation_id)
    return payment.status == Payment.OPEN and case.paid_at is None and case.status != Violation.PAID


def last_log():
    return BankCallback.objects.order_by("-id").first()


def test_a_signed_notification_pays_the_account_and_the_case(bank):
    payment = bank.payment
    response = post(payload(payment))
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == "paid" and body["tracking_number"] == bank.case.tracking_number
    payment.refresh_from_db()
    assert payment.status == Payment.PAID and payment.bank_reference == "BRI-20261128-0001"
    assert payment.channel == "mobile"
    case = Violation.objects.get(pk=bank.case.pk)
    assert case.status == Violation.PAID and case.paid_at == payment.paid_at
    entry = Entry.objects.get(action="etle.payment.received")
    assert entry.actor_label == "bank" and entry.data["amount"] == payment.amount
    log = last_log()
    assert (log.outcome, log.status, log.payment_id) == (BankCallback.ACCEPTED, 200, payment.pk)
    assert len(log.payload_sha256) == 64


def test_payment_lifts_the_block_and_queues_a_receipt(bank):
    case = bank.case
    services.block_place(actor=SYSTEM, violation=case, reason="not_paid")
    assert Vehicle.objects.get(plate=case.plate).blocked
    assert post(payload(bank.payment)).status_code == 200
    assert not Vehicle.objects.get(plate=case.plate).blocked
    assert StnkBlock.objects.filter(violation=case).order_by("-id").first().action == StnkBlock.UNBLOCK
    assert StnkBlock.objects.filter(violation=case).order_by("-id").first().reason == "paid"
    assert Violation.objects.get(pk=case.pk).status == Violation.PAID
    message = Message.objects.get(template="etle.receipt")
    assert message.channel == "email" and message.recipient == "budi@contoh.id"
    assert bank.payment.va_number in message.body and "Rp500.000" in message.body


def test_the_receipt_goes_to_the_named_driver_by_sms(bank):
    Violation.objects.filter(pk=bank.case.pk).update(driver_name="Sari", driver_phone="0812-3456-7890")
    assert post(payload(bank.payment)).status_code == 200
    message = Message.objects.get(template="etle.receipt")
    assert message.channel == "sms" and message.recipient == "+6281234567890"


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"X-Bersih-Timestamp": "1"},
        {"X-Bersih-Signature": "00" * 32},
    ],
)
def test_missing_signature_headers_are_refused(bank, headers):
    response = post(payload(bank.payment), headers=headers)
    assert response.status_code == 401
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["reason"] == "signature-missing"
    assert nothing_paid(bank.payment)
    assert last_log().reason == "signature-missing" and last_log().outcome == BankCallback.REFUSED


def test_a_wrong_signature_or_secret_is_refused(bank):
    assert post(payload(bank.payment), signature="ab" * 32).status_code == 401
    response = post(payload(bank.payment), secret="another-secret")
    assert response.status_code == 401 and response.json()["reason"] == "signature-invalid"
    assert nothing_paid(bank.payment)
    assert BankCallback.objects.filter(reason="signature-invalid").count() == 2


def test_a_signature_over_other_bytes_is_refused(bank):
    raw = json.dumps(payload(bank.payment)).encode()
    timestamp = str(int(time.time()))
    signature = services.callback_signature(SECRET.encode(), timestamp, raw)
    tampered = raw.replace(b"mobile", b"teller")
    response = Client().post(
        URL,
        tampered,
        content_type="application/json",
        headers={"X-Bersih-Timestamp": timestamp, "X-Bersih-Signature": signature},
    )
    assert response.status_code == 401
    assert nothing_paid(bank.payment)


@pytest.mark.parametrize("offset", [-900, 900, 3600])
def test_a_stale_timestamp_is_refused_even_when_correctly_signed(bank, offset):
    response = post(payload(bank.payment), at=int(time.time()) + offset)
    assert response.status_code == 401 and response.json()["reason"] == "stale-timestamp"
    assert nothing_paid(bank.payment)


def test_a_replayed_request_is_refused_after_the_window(bank):
    raw = json.dumps(payload(bank.payment)).encode()
    sent_at = int(time.time()) - 3600
    signature = services.callback_signature(SECRET.encode(), str(sent_at), raw)
    result = services.bank_callback_receive(
        body=raw, timestamp=str(sent_at), signature=signature, size=len(raw)
    )
    assert result.status == 401 and result.reason == "stale-timestamp"
    assert nothing_paid(bank.payment)


def test_a_non_numeric_timestamp_is_refused(bank):
    raw = json.dumps(payload(bank.payment)).encode()
    signature = services.callback_signature(SECRET.encode(), "yesterday", raw)
    response = Client().post(
        URL,
        raw,
        content_type="application/json",
        headers={"X-Bersih-Timestamp": "yesterday", "X-Bersih-Signature": signature},
    )
    assert response.status_code == 401 and response.json()["reason"] == "stale-timestamp"


def test_malformed_json_is_422_and_logged(bank):
    response = post(b'{"va_number": ')
    assert response.status_code == 422 and response.json()["type"].endswith("/malformed-json")
    assert nothing_paid(bank.payment)
    assert last_log().reason == "malformed-json"


@pytest.mark.parametrize(
    "changes",
    [
        {"extra": "field"},
        {"amount": "500000"},
        {"amount": 500000.5},
        {"amount": -1},
        {"paid_at": "2026-11-28T10:15:00"},
        {"va_number": "12345"},
        {"bank_reference": ""},
        {"channel": "pigeon"},
    ],
)
def test_a_body_that_does_not_fit_the_schema_is_422(bank, changes):
    response = post(payload(bank.payment, **changes))
    assert response.status_code == 422, changes
    assert response.json()["type"].endswith("/validation-error") and response.json()["errors"]
    assert nothing_paid(bank.payment)
    assert last_log().reason == "schema"


def test_a_json_list_is_422(bank):
    assert post([payload(bank.payment)]).status_code == 422


def test_an_oversized_body_is_413_and_not_read(bank):
    big = payload(bank.payment, channel=None)
    big["padding"] = "x" * (rules.MAX_CALLBACK_BYTES + 1)
    response = post(big)
    assert response.status_code == 413
    assert nothing_paid(bank.payment)
    log = last_log()
    assert log.reason == "too-large" and log.payload_sha256 == ""


def test_an_unknown_account_is_404(bank):
    response = post(payload(bank.payment, va_number="888100000000000"))
    assert response.status_code == 404 and response.json()["reason"] == "unknown-va"
    assert nothing_paid(bank.payment)
    assert last_log().va_number == "888100000000000"


def test_a_wrong_amount_is_422_and_changes_nothing(bank):
    response = post(payload(bank.payment, amount=bank.payment.amount - 1))
    assert response.status_code == 422 and response.json()["reason"] == "amount-mismatch"
    assert nothing_paid(bank.payment)
    assert not Entry.objects.filter(action="etle.payment.received").exists()
    assert not Message.objects.filter(template="etle.receipt").exists()
    assert last_log().amount == bank.payment.amount - 1


@pytest.mark.parametrize("status", [Payment.CANCELLED, Payment.EXPIRED])
def test_a_closed_account_is_409(bank, status):
    Payment.objects.filter(pk=bank.payment.pk).update(status=status)
    response = post(payload(bank.payment))
    assert response.status_code == 409 and response.json()["reason"] == f"account-{status}"
    bank.payment.refresh_from_db()
    assert bank.payment.status == status and bank.payment.bank_reference is None


def test_the_same_notification_again_answers_the_first_result(bank):
    first = post(payload(bank.payment))
    again = post(payload(bank.payment))
    assert first.status_code == again.status_code == 200
    assert first.json() == again.json()
    assert Entry.objects.filter(action="etle.payment.received").count() == 1
    assert Message.objects.filter(template="etle.receipt").count() == 1
    assert last_log().outcome == BankCallback.DUPLICATE


@pytest.mark.parametrize(
    "changes",
    [{"paid_at": "2026-11-28T10:16:00+07:00"}, {"channel": "atm"}, {"channel": None}],
)
def test_the_same_reference_with_other_content_is_409(bank, changes):
    assert post(payload(bank.payment)).status_code == 200
    response = post(payload(bank.payment, **changes))
    assert response.status_code == 409 and response.json()["reason"] == "reference-reused"
    bank.payment.refresh_from_db()
    assert bank.payment.channel == "mobile"


def test_a_second_payment_of_a_paid_account_is_409(bank):
    assert post(payload(bank.payment)).status_code == 200
    response = post(payload(bank.payment, bank_reference="BRI-20261128-0002"))
    assert response.status_code == 409 and response.json()["reason"] == "already-paid"
    assert Entry.objects.filter(action="etle.payment.received").count() == 1


def test_a_reference_of_another_account_is_409(bank, approved):
    assert post(payload(bank.payment)).status_code == 200
    Payment.objects.filter(pk=bank.payment.pk).update(status=Payment.CANCELLED)
    other = Payment.objects.create(
        violation=bank.case,
        va_number=services.virtual_account_new(),
        amount=100_000,
        purpose=Payment.VERDICT,
        due_on=bank.case.pay_by,
        opened_at=timezone.now(),
    )
    response = post(payload(other, amount=100_000))
    assert response.status_code == 409
    other.refresh_from_db()
    assert other.status == Payment.OPEN


def test_the_callback_log_is_append_only(bank):
    post(payload(bank.payment))
    log = last_log()
    with pytest.raises(TypeError):
        log.save()
    with pytest.raises(TypeError):
        log.delete()
    with pytest.raises(TypeError):
        BankCallback.objects.update(reason="x")
    with pytest.raises(TypeError):
        BankCallback.objects.all().delete()


def test_the_development_secret_is_created_once_under_the_keys_dir(settings, tmp_path):
    settings.ETLE_BANK_SECRET = ""
    settings.KEYS_DIR = tmp_path
    assert keys.init_keys(tmp_path) == [f"bank secret created: {keys.SECRET_NAME}"]
    first = keys.bank_secret()
    assert keys.init_keys(tmp_path) == [f"bank secret kept ({keys.SECRET_NAME})"]
    assert keys.bank_secret() == first and len(first) >= 40
    assert (tmp_path / keys.SECRET_NAME).stat().st_mode & 0o777 == 0o600
    settings.PRODUCTION = True
    with pytest.raises(keys.BankSecretMissing):
        keys.bank_secret()


# --- The court's verdict and refunds ----------------------------------------------------------------


def pay(bank):
    assert post(payload(bank.payment)).status_code == 200
    bank.case.refresh_from_db()


def test_a_lower_verdict_after_the_deposit_owes_the_difference(bank):
    pay(bank)
    case = services.verdict_record(actor=bank.investigator, violation=bank.case, fine=150_000)
    assert case.verdict_fine == 150_000
    refund = Refund.objects.get(violation=case)
    assert (refund.amount, refund.deposit, refund.status) == (350_000, 500_000, Refund.OWED)
    assert refund.claim_by == timezone.localdate() + rules.REFUND_CLAIM_PERIOD
    assert Entry.objects.get(action="etle.refund.owed").data["amount"] == 350_000
    assert "Pasal 268" in Entry.objects.get(action="etle.verdict.recorded").data["article"]
    with pytest.raises(ValidationError) as caught:
        services.verdict_record(actor=bank.investigator, violation=case, fine=100_000)
    assert caught.value.code == "recorded"


def test_a_verdict_equal_to_the_deposit_owes_nothing(bank):
    pay(bank)
    services.verdict_record(actor=bank.supervisor, violation=bank.case, fine=500_000)
    assert not Refund.objects.exists()


def test_on_the_court_route_the_verdict_opens_an_account_for_the_fine(bank):
    Violation.objects.filter(pk=bank.case.pk).update(payment_choice=Violation.COURT)
    case = services.verdict_record(actor=bank.investigator, violation=bank.case, fine=200_000)
    account = case.verdict_account
    assert (account.purpose, account.amount, account.status) == (Payment.VERDICT, 200_000, Payment.OPEN)
    bank.payment.refresh_from_db()
    assert bank.payment.status == Payment.CANCELLED
    response = post(payload(account, amount=200_000))
    assert response.status_code == 200
    assert Violation.objects.get(pk=case.pk).status == Violation.PAID
    assert not Refund.objects.exists()


@pytest.mark.parametrize("fine", [0, -5, 500_001, True, "100000"])
def test_a_verdict_fine_outside_the_law_is_refused(bank, fine):
    with pytest.raises(ValidationError):
        services.verdict_record(actor=bank.investigator, violation=bank.case, fine=fine)
    assert Violation.objects.get(pk=bank.case.pk).verdict_fine is None


def test_a_verdict_needs_a_confirmed_case(approved):
    with pytest.raises(ValidationError) as caught:
        services.verdict_record(actor=approved.investigator, violation=approved.case, fine=100_000)
    assert caught.value.code == "status"


def test_only_investigators_and_supervisors_of_the_unit_record_verdicts(bank):
    for person in (bank.officer, bank.depok):
        with pytest.raises(ValidationError) as caught:
            services.verdict_record(actor=person, violation=bank.case, fine=100_000)
        assert caught.value.code == "forbidden"
    assert not Entry.objects.filter(action="etle.verdict.recorded").exists()


def test_a_refund_is_paid_out_once(bank):
    pay(bank)
    services.verdict_record(actor=bank.investigator, violation=bank.case, fine=150_000)
    refund = Refund.objects.get()
    with pytest.raises(ValidationError):
        services.refund_pay(actor=bank.supervisor, refund=refund, reference="")
    with pytest.raises(ValidationError) as caught:
        services.refund_pay(actor=bank.depok, refund=refund, reference="TRF-1")
    assert caught.value.code == "forbidden"
    paid = services.refund_pay(actor=bank.supervisor, refund=refund, reference="TRF-1")
    assert paid.status == Refund.PAID and paid.settled_by == bank.supervisor
    with pytest.raises(ValidationError) as caught:
        services.refund_pay(actor=bank.supervisor, refund=refund, reference="TRF-2")
    assert caught.value.code == "settled"
    assert Entry.objects.filter(action="etle.refund.paid").count() == 1


def test_the_sweep_hands_unclaimed_refunds_to_the_treasury_once(bank):
    from bersih.core.schedule import registered_sweeps

    pay(bank)
    services.verdict_record(actor=bank.investigator, violation=bank.case, fine=150_000)
    refund = Refund.objects.get()
    sweep = registered_sweeps()["etle.refunds_to_treasury"]
    on_the_last_day = timezone.now() + rules.REFUND_CLAIM_PERIOD
    assert sweep.function(on_the_last_day) == {"to_treasury": 0}
    later = on_the_last_day + timedelta(days=2)
    assert sweep.function(later) == {"to_treasury": 1}
    assert sweep.function(later) == {"to_treasury": 0}
    refund.refresh_from_db()
    assert refund.status == Refund.TO_TREASURY and refund.settled_at == later
    entry = Entry.objects.get(action="etle.refund.to_treasury")
    assert entry.actor_kind == "system"


# --- Pages --------------------------------------------------------------------------------------------


def test_the_payments_page_shows_accounts_and_refunds_in_scope(bank, make_user, client):
    pay(bank)
    services.verdict_record(actor=bank.investigator, violation=bank.case, fine=150_000)
    leader = make_user("kapolres", "leadership", bank.etle.org.bks, language="en")
    sign_in(client, leader)
    response = client.get("/etle/staf/pembayaran/")
    assert response.status_code == 200
    text = response.content.decode()
    assert bank.payment.va_number in text and "Rp350.000" in text
    depok = Client()
    sign_in(depok, bank.depok)
    other = depok.get("/etle/staf/pembayaran/")
    assert other.status_code == 200 and bank.payment.va_number not in other.content.decode()


def test_the_payments_page_needs_a_role(bank, make_user, client):
    assert client.get("/etle/staf/pembayaran/").status_code == 302
    nobody = make_user("warga", language="en")
    sign_in(client, nobody)
    assert client.get("/etle/staf/pembayaran/").status_code == 403


def test_the_verdict_page_records_the_fine_and_the_refund_payout(bank, client):
    pay(bank)
    sign_in(client, bank.investigator)
    url = f"/etle/staf/putusan/{bank.case.tracking_number}/"
    assert client.get(url).status_code == 200
    assert client.post(url, {"fine": "abc"}).status_code == 400
    response = client.post(url, {"fine": "150000"})
    assert response.status_code == 302
    refund = Refund.objects.get()
    response = client.post(f"/etle/staf/pengembalian/{refund.pk}/bayar/", {"reference": "TRF-9"})
    assert response.status_code == 302
    refund.refresh_from_db()
    assert refund.status == Refund.PAID and refund.payout_reference == "TRF-9"


def test_the_verdict_page_is_404_out_of_scope_and_403_for_other_roles(bank, client):
    sign_in(client, bank.depok)
    url = f"/etle/staf/putusan/{bank.case.tracking_number}/"
    assert client.get(url).status_code == 404
    assert client.post(url, {"fine": "100000"}).status_code == 404
    officer = Client()
    sign_in(officer, bank.officer)
    assert officer.get(url).status_code == 403
    assert Violation.objects.get(pk=bank.case.pk).verdict_fine is None


def test_the_payments_page_reads_in_a_fixed_number_of_queries(bank, client):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    pay(bank)
    services.verdict_record(actor=bank.investigator, violation=bank.case, fine=150_000)
    sign_in(client, bank.supervisor)
    client.get("/etle/staf/pembayaran/")  # warm the session and permission caches
    with CaptureQueriesContext(connection) as one:
        assert client.get("/etle/staf/pembayaran/").status_code == 200
    for n in range(3):
        Payment.objects.create(
            violation=bank.case,
            va_number=services.virtual_account_new(),
            amount=100_000 + n,
            purpose=Payment.VERDICT,
            due_on=bank.case.pay_by,
            opened_at=timezone.now(),
            status=Payment.CANCELLED,
        )
    with CaptureQueriesContext(connection) as four:
        response = client.get("/etle/staf/pembayaran/")
    assert response.content.decode().count("<code>8") >= 4
    assert len(four.captured_queries) == len(one.captured_queries)
