"""Reconciliation of the bank's daily statement with the payments recorded here, and the bank simulator."""

from __future__ import annotations

import io
from datetime import date, datetime

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.test import Client
from django.utils import timezone

from bersih.core.testing import sign_in
from bersih.etle import rules, services
from bersih.etle.models import Payment, ReconciliationRun, Violation
from bersih.etle.services.payments import BankPaymentIn, payment_record
from bersih.ledger.models import Entry
from bersih.ledger.services import SYSTEM

pytestmark = pytest.mark.usefixtures("english_messages")

DAY = date(2026, 11, 27)
HEADER = "date,va_number,amount,bank_reference\n"


def confirm(case):
    Violation.objects.filter(pk=case.pk).update(status=Violation.CONFIRMED, confirmed_at=timezone.now())
    case.refresh_from_db()
    return case


def paid(payment, reference, at="2026-11-27T09:00:00+07:00"):
    """Pay an account the way the callback does (the row locked, everything recorded)."""
    from django.db import transaction

    with transaction.atomic():
        locked = Payment.objects.select_for_update().get(pk=payment.pk)
        payload = BankPaymentIn(
            va_number=locked.va_number, amount=locked.amount, paid_at=at, bank_reference=reference
        )
        payment_record(payment=locked, payload=payload, now=timezone.now())
    payment.refresh_from_db()
    return payment


@pytest.fixture
def accounts(approved, etle_second_case):
    """Two Bekasi accounts: one paid on DAY (BRI-1), one still open."""
    first = services.payment_open(actor=SYSTEM, violation=confirm(approved.case))
    second = services.payment_open(actor=SYSTEM, violation=confirm(etle_second_case))
    paid(first, "BRI-1")
    return approved, first, second


@pytest.fixture
def etle_second_case(approved, registered):
    from bersih.etle.testing import event

    (result,) = services.captures_ingest(
        actor=approved.etle.client.client,
        camera=approved.etle.camera,
        items=[event(2, violation="red_light")],
    )
    case = Violation.objects.get(tracking_number=result.tracking_number)
    services.violation_approve(actor=approved.investigator, violation=case)
    case.refresh_from_db()
    return case


def statement(*rows, header=HEADER):
    return (header + "".join(f"{row}\n" for row in rows)).encode()


def test_a_matching_statement_has_no_mismatches(accounts):
    review, first, _second = accounts
    run = services.reconciliation_run(
        actor=review.supervisor,
        unit=review.etle.org.bks,
        content=statement(f"2026-11-27,{first.va_number},{first.amount},BRI-1"),
    )
    assert (run.day, run.statement_lines, run.paid_here, run.matched, run.mismatch_count) == (DAY, 1, 1, 1, 0)
    assert run.created_by == review.supervisor and len(run.file_sha256) == 64
    entry = Entry.objects.get(action="etle.reconciliation.run")
    assert entry.data["matched"] == 1 and entry.data["mismatches"] == {}


def test_mismatches_both_ways(accounts):
    review, first, second = accounts
    content = statement(
        f"2026-11-27,{second.va_number},{second.amount},BRI-2",  # paid at the bank, no callback here
        "2026-11-27,888100000000001,500000,BRI-3",  # no such account
    )
    run = services.reconciliation_run(actor=SYSTEM, unit=review.etle.org.bks, content=content)
    kinds = {item["kind"]: item for item in run.mismatches}
    assert set(kinds) == {"not_paid_here", "unknown_va", "missing_from_statement"}
    assert kinds["not_paid_here"]["line"] == 2 and kinds["not_paid_here"]["va_number"] == second.va_number
    assert kinds["unknown_va"]["line"] == 3
    missing = kinds["missing_from_statement"]
    assert missing["va_number"] == first.va_number and missing["line"] is None
    assert missing["tracking_number"] == first.violation.tracking_number
    assert run.matched == 0 and run.mismatch_count == 3 and run.actor_label == "system"


def test_amount_and_reference_differences(accounts):
    review, first, _second = accounts
    run = services.reconciliation_run(
        actor=SYSTEM,
        unit=review.etle.org.bks,
        content=statement(f"2026-11-27,{first.va_number},{first.amount + 1000},BRI-1"),
    )
    (item,) = run.mismatches
    assert item["kind"] == "amount_differs" and item["statement_amount"] == first.amount + 1000
    run = services.reconciliation_run(
        actor=SYSTEM,
        unit=review.etle.org.bks,
        content=statement(f"2026-11-27,{first.va_number},{first.amount},BRI-X"),
    )
    (item,) = run.mismatches
    assert (item["kind"], item["bank_reference"], item["statement_reference"]) == (
        "reference_differs",
        "BRI-1",
        "BRI-X",
    )


def test_an_account_of_another_unit_is_named_as_such(accounts):
    review, first, _second = accounts
    run = services.reconciliation_run(
        actor=SYSTEM,
        unit=review.etle.org.dpk,
        content=statement(f"2026-11-27,{first.va_number},{first.amount},BRI-1"),
    )
    assert [item["kind"] for item in run.mismatches] == ["other_unit"]
    assert run.paid_here == 0


def test_an_empty_statement_needs_its_day(accounts):
    review, _first, _second = accounts
    with pytest.raises(ValidationError):
        services.reconciliation_run(actor=SYSTEM, unit=review.etle.org.bks, content=statement())
    run = services.reconciliation_run(actor=SYSTEM, unit=review.etle.org.bks, content=statement(), day=DAY)
    assert [item["kind"] for item in run.mismatches] == ["missing_from_statement"]


@pytest.mark.parametrize(
    ("content", "fragment"),
    [
        (b"", "empty"),
        (b"date;va_number;amount;bank_reference\n", "Line 1"),
        (b"va_number,date,amount,bank_reference\n", "Line 1"),
        (statement("2026-11-27,888100000000001,500000"), "Line 2"),
        (statement("27/11/2026,888100000000001,500000,R1"), "Line 2"),
        (statement("2026-11-27,88810000000000X,500000,R1"), "Line 2"),
        (statement("2026-11-27,888100000000001,500000.00,R1"), "Line 2"),
        (statement("2026-11-27,888100000000001,-5,R1"), "Line 2"),
        (statement("2026-11-27,888100000000001,500000,"), "Line 2"),
        (statement("2026-11-27,888100000000001,1,R1", "2026-11-28,888100000000002,1,R2"), "Line 3"),
        (statement("2026-11-27,888100000000001,1,R1", "2026-11-27,888100000000002,1,R1"), "Line 3"),
        (statement('2026-11-27,888100000000001,1,"R1'), "Line 2"),
        (b"\xff\xfe" + HEADER.encode("utf-16-le"), "UTF-8"),
    ],
)
def test_a_malformed_statement_is_refused_with_its_line_and_stores_nothing(accounts, content, fragment):
    review, _first, _second = accounts
    with pytest.raises(ValidationError) as caught:
        services.reconciliation_run(actor=SYSTEM, unit=review.etle.org.bks, content=content)
    assert fragment in " ".join(caught.value.messages)
    assert not ReconciliationRun.objects.exists()
    assert not Entry.objects.filter(action="etle.reconciliation.run").exists()


def test_the_day_given_must_be_the_statement_day(accounts):
    _review, first, _second = accounts
    with pytest.raises(ValidationError) as caught:
        services.statement_parse(
            statement(f"2026-11-27,{first.va_number},{first.amount},BRI-1"), day=date(2026, 11, 26)
        )
    assert "Line 2" in caught.value.messages[0]


def test_an_oversized_statement_is_refused(accounts, settings):
    review, _first, _second = accounts
    big = HEADER.encode() + b"2026-11-27,888100000000001,1,R1\n" * (rules.MAX_STATEMENT_BYTES // 30)
    with pytest.raises(ValidationError) as caught:
        services.reconciliation_run(actor=SYSTEM, unit=review.etle.org.bks, content=big)
    assert caught.value.code == "statement_too_large"


def test_the_command_reconciles_and_lists_mismatches(accounts, tmp_path):
    _review, first, second = accounts
    path = tmp_path / "statement.csv"
    path.write_bytes(statement(f"2026-11-27,{second.va_number},{second.amount},BRI-2"))
    out = io.StringIO()
    call_command("etle", "reconcile", str(path), "--unit", "bks", stdout=out)
    text = out.getvalue()
    assert "1 statement lines, 1 paid here, 0 matched, 2 mismatches" in text
    assert "not_paid_here" in text and "missing_from_statement" in text and first.va_number in text
    bad = tmp_path / "bad.csv"
    bad.write_bytes(statement("2026-11-27,123,1,R"))
    with pytest.raises(CommandError, match="Line 2"):
        call_command("etle", "reconcile", str(bad), stdout=io.StringIO())
    with pytest.raises(CommandError):
        call_command("etle", "reconcile", str(path), "--day", "27-11-2026", stdout=io.StringIO())


def test_the_upload_page_runs_and_shows_mismatches(accounts, client):
    review, _first, second = accounts
    sign_in(client, review.supervisor)
    assert client.get("/etle/staf/pembayaran/rekonsiliasi/").status_code == 200
    upload = SimpleUploadedFile(
        "mutasi.csv", statement(f"2026-11-27,{second.va_number},{second.amount},BRI-2"), "text/csv"
    )
    response = client.post(
        "/etle/staf/pembayaran/rekonsiliasi/", {"unit": review.etle.org.bks_satlantas.pk, "statement": upload}
    )
    run = ReconciliationRun.objects.get()
    assert response.status_code == 302 and response["Location"].endswith(f"/{run.pk}/")
    page = client.get(response["Location"]).content.decode()
    assert second.va_number in page and "missed notification" in page
    bad = SimpleUploadedFile("bad.csv", b"nonsense\n", "text/csv")
    response = client.post(
        "/etle/staf/pembayaran/rekonsiliasi/", {"unit": review.etle.org.bks_satlantas.pk, "statement": bad}
    )
    assert response.status_code == 400 and "Line 1" in response.content.decode()
    assert ReconciliationRun.objects.count() == 1


def test_runs_are_scoped_and_the_upload_needs_a_traffic_role(accounts, make_user):
    review, first, _second = accounts
    run = services.reconciliation_run(
        actor=SYSTEM,
        unit=review.etle.org.bks_satlantas,
        content=statement(f"2026-11-27,{first.va_number},{first.amount},BRI-1"),
    )
    depok = Client()
    sign_in(depok, review.depok)
    assert depok.get(f"/etle/staf/pembayaran/rekonsiliasi/{run.pk}/").status_code == 404
    leader = Client()
    sign_in(leader, make_user("kapolres", "leadership", review.etle.org.bks, language="en"))
    assert leader.get(f"/etle/staf/pembayaran/rekonsiliasi/{run.pk}/").status_code == 200
    upload = SimpleUploadedFile("s.csv", statement(), "text/csv")
    response = leader.post(
        "/etle/staf/pembayaran/rekonsiliasi/",
        {"unit": review.etle.org.bks.pk, "statement": upload, "day": "2026-11-27"},
    )
    assert response.status_code == 403
    assert ReconciliationRun.objects.count() == 1


class _Routed:
    """``urlopen`` answered by the test client: the command's request goes to the real endpoint."""

    def __init__(self):
        self.requests = []

    def __call__(self, request, timeout=None):
        import urllib.error

        self.requests.append(request)
        headers = {k: v for k, v in request.header_items() if k.lower().startswith("x-bersih")}
        response = Client().post(
            "/api/v1/etle/payments", request.data, content_type="application/json", headers=headers
        )
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


def test_bank_pay_signs_like_the_bank(accounts, settings, monkeypatch):
    settings.ETLE_BANK_SECRET = "simulated-bank-secret"
    _review, _first, second = accounts
    routed = _Routed()
    monkeypatch.setattr("urllib.request.urlopen", routed)
    out = io.StringIO()
    call_command("etle", "bank-pay", second.va_number, "--reference", "SIM-1", stdout=out)
    assert routed.requests[0].full_url == "http://127.0.0.1:8000/api/v1/etle/payments"
    assert out.getvalue().splitlines()[-1].startswith("200 ")
    second.refresh_from_db()
    assert second.status == Payment.PAID and second.bank_reference == "SIM-1"
    out = io.StringIO()
    call_command("etle", "bank-pay", second.va_number, "--amount", "1", "--reference", "SIM-2", stdout=out)
    assert out.getvalue().splitlines()[-1].startswith("409 ")
    sent = routed.requests[0]
    timestamp = sent.get_header("X-bersih-timestamp")
    expected = services.callback_signature(b"simulated-bank-secret", timestamp, sent.data)
    assert sent.get_header("X-bersih-signature") == expected


def test_paid_at_outside_the_day_is_a_day_difference(accounts):
    review, first, _second = accounts
    Payment.objects.filter(pk=first.pk).update(paid_at=timezone.make_aware(datetime(2026, 11, 26, 23, 0)))
    run = services.reconciliation_run(
        actor=SYSTEM,
        unit=review.etle.org.bks,
        content=statement(f"2026-11-27,{first.va_number},{first.amount},BRI-1"),
    )
    assert [item["kind"] for item in run.mismatches] == ["day_differs"]
