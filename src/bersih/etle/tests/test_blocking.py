"""Deadlines and STNK blocks: the sweep, lifting (payment, cancellation, a supervisor), the Samsat feed."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from bersih.core.schedule import registered_sweeps
from bersih.etle import rules, services
from bersih.etle.models import Payment, StnkBlock, Vehicle, Violation
from bersih.etle.sweeps import deadlines_apply
from bersih.etle.testing import machine
from bersih.ledger.models import Entry
from bersih.ledger.services import SYSTEM

pytestmark = pytest.mark.usefixtures("english_messages")

WIB = ZoneInfo("Asia/Jakarta")
CONFIRM_BY, PAY_BY = date(2026, 12, 1), date(2026, 12, 10)
BLOCKS = "/api/v1/etle/blocks"


def wib(day: date, hour=0, minute=0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=WIB)


def set_state(case, status, **fields):
    fields.setdefault("confirm_by", CONFIRM_BY)
    fields.setdefault("pay_by", PAY_BY)
    Violation.objects.filter(pk=case.pk).update(status=status, **fields)
    case.refresh_from_db()
    return case


def another_case(case, n, **fields):
    """A copy of ``case`` under new numbers (the same plate unless ``fields`` says otherwise)."""
    copy = Violation.objects.get(pk=case.pk)
    copy.pk = None
    copy._state.adding = True
    copy.tracking_number = f"ETLE-TEST-{n:05d}"
    copy.reference_code = f"REFTEST{n:03d}"
    for name, value in fields.items():
        setattr(copy, name, value)
    copy.save()
    return copy


def paid_payment(case):
    payment = services.payment_open(actor=SYSTEM, violation=case)
    Payment.objects.filter(pk=payment.pk).update(
        status=Payment.PAID, paid_at=timezone.now(), bank_reference=f"BANK-{case.pk}"
    )
    return payment


# --- The sweep ------------------------------------------------------------------------------------


def test_the_sweep_is_registered():
    sweep = registered_sweeps()["etle.deadlines"]
    assert sweep.function is deadlines_apply and sweep.interval == rules.DEADLINE_SWEEP_INTERVAL


def test_a_sent_letter_is_not_late_on_its_deadline_day_and_blocked_the_next(approved):
    case = set_state(approved.case, Violation.LETTER_SENT, letter_sent_at=timezone.now())
    summary = deadlines_apply(wib(CONFIRM_BY, 23, 59))
    case.refresh_from_db()
    assert case.status == Violation.LETTER_SENT and summary[rules.BLOCK_NOT_CONFIRMED] == 0
    assert not StnkBlock.objects.exists()

    summary = deadlines_apply(wib(date(2026, 12, 2), 0, 0))
    case.refresh_from_db()
    assert summary[rules.BLOCK_NOT_CONFIRMED] == 1 and summary["more"] is False
    assert case.status == Violation.BLOCKED and case.blocked_at is not None
    row = StnkBlock.objects.get()
    assert (row.action, row.reason, row.plate) == (StnkBlock.BLOCK, "not_confirmed", case.plate)
    assert Vehicle.objects.get(plate=case.plate).blocked
    entry = Entry.objects.get(action="etle.stnk.blocked")
    assert entry.actor_kind == "system" and entry.data["deadline"] == "2026-12-01"
    assert entry.data["late_on"] == "2026-12-02" and entry.data["reason"] == "not_confirmed"


def test_the_day_is_counted_in_wib_not_utc(approved):
    set_state(approved.case, Violation.LETTER_SENT)
    # 16:59 UTC on the deadline day is 23:59 WIB: not late; 17:00 UTC is the next day in Jakarta.
    deadlines_apply(datetime(2026, 12, 1, 16, 59, tzinfo=UTC))
    assert not StnkBlock.objects.exists()
    deadlines_apply(datetime(2026, 12, 1, 17, 0, tzinfo=UTC))
    assert StnkBlock.objects.count() == 1


def test_an_approved_case_is_blocked_only_once_a_letter_went_out(approved):
    case = set_state(approved.case, Violation.APPROVED, letter_sent_at=None)
    deadlines_apply(wib(date(2026, 12, 20)))
    case.refresh_from_db()
    assert case.status == Violation.APPROVED and not StnkBlock.objects.exists()
    # Approved again for a resend after a letter was sent: the deadline still runs.
    set_state(case, Violation.APPROVED, letter_sent_at=timezone.now())
    assert deadlines_apply(wib(date(2026, 12, 20)))[rules.BLOCK_NOT_CONFIRMED] == 1


@pytest.mark.parametrize("route", [Violation.DEPOSIT, Violation.COURT])
def test_a_confirmed_case_is_blocked_the_day_after_pay_by(approved, route):
    case = set_state(approved.case, Violation.CONFIRMED, confirmed_at=timezone.now(), payment_choice=route)
    summary = deadlines_apply(wib(PAY_BY, 23, 0))
    assert summary[rules.BLOCK_NOT_PAID] == 0 and not StnkBlock.objects.exists()
    summary = deadlines_apply(wib(date(2026, 12, 11), 0, 1))
    case.refresh_from_db()
    assert summary == {"not_confirmed": 0, "not_paid": 1, "paused": 0, "more": False}
    assert case.status == Violation.BLOCKED
    assert StnkBlock.objects.get().reason == "not_paid"


def test_a_confirmed_case_with_a_paid_payment_is_not_blocked(approved):
    case = set_state(approved.case, Violation.CONFIRMED)
    paid_payment(case)
    summary = deadlines_apply(wib(date(2026, 12, 20)))
    case.refresh_from_db()
    assert summary[rules.BLOCK_NOT_PAID] == 0 and case.status == Violation.CONFIRMED


@pytest.mark.parametrize(
    ("status", "pause"),
    [
        (Violation.LETTER_SENT, Violation.PAUSE_RETURNED_MAIL),
        (Violation.RETURNED, Violation.PAUSE_RETURNED_MAIL),
        (Violation.DISPUTED, Violation.PAUSE_DISPUTE),
        (Violation.CONFIRMED, Violation.PAUSE_DISPUTE),
    ],
)
def test_paused_cases_are_skipped_and_reported(approved, status, pause):
    case = set_state(approved.case, status, pause_reason=pause)
    summary = deadlines_apply(wib(date(2026, 12, 20)))
    case.refresh_from_db()
    assert summary["paused"] == 1 and summary["not_confirmed"] + summary["not_paid"] == 0
    assert case.status == status and not StnkBlock.objects.exists()
    assert not Entry.objects.filter(action="etle.stnk.blocked").exists()


@pytest.mark.parametrize(
    "status", [Violation.PAID, Violation.CANCELLED, Violation.REJECTED, Violation.IN_REVIEW]
)
def test_closed_and_undecided_cases_are_left_alone(approved, status):
    set_state(approved.case, status, letter_sent_at=timezone.now())
    summary = deadlines_apply(wib(date(2027, 1, 31)))
    assert summary == {"not_confirmed": 0, "not_paid": 0, "paused": 0, "more": False}


def test_a_second_run_changes_nothing(approved):
    set_state(approved.case, Violation.LETTER_SENT)
    late = wib(date(2026, 12, 5))
    deadlines_apply(late)
    entries, rows = Entry.objects.count(), StnkBlock.objects.count()
    summary = deadlines_apply(late)
    assert summary == {"not_confirmed": 0, "not_paid": 0, "paused": 0, "more": False}
    assert (Entry.objects.count(), StnkBlock.objects.count()) == (entries, rows)


def test_a_run_is_bounded_and_the_next_takes_the_rest(approved, monkeypatch):
    monkeypatch.setattr(rules, "DEADLINE_SWEEP_BATCH", 2)
    set_state(approved.case, Violation.LETTER_SENT)
    for n in range(1, 3):
        another_case(approved.case, n)
    another_case(approved.case, 3, status=Violation.CONFIRMED)
    late = wib(date(2026, 12, 20))
    first = deadlines_apply(late)
    assert first["not_confirmed"] + first["not_paid"] == 2 and first["more"] is True
    second = deadlines_apply(late)
    assert second["not_confirmed"] + second["not_paid"] == 2 and second["more"] is False
    assert Violation.objects.filter(status=Violation.BLOCKED).count() == 4


def test_a_case_paid_while_the_sweep_ran_is_judged_again_under_the_lock(approved):
    case = set_state(approved.case, Violation.CONFIRMED)
    paid_payment(case)
    assert services.deadline_block(actor=SYSTEM, violation=case, today=date(2026, 12, 20)) is None
    assert not StnkBlock.objects.exists()


def test_the_command_runs_the_sweep_at_a_given_time(approved):
    set_state(approved.case, Violation.LETTER_SENT)
    out = io.StringIO()
    call_command("etle", "sweep-deadlines", "--now", "2026-12-01T23:00:00+07:00", stdout=out)
    assert "blocked: 0 not confirmed, 0 not paid; paused: 0" in out.getvalue()
    call_command("etle", "sweep-deadlines", "--now", "2026-12-02T08:00:00+07:00", stdout=out)
    assert "blocked: 1 not confirmed" in out.getvalue()
    with pytest.raises(CommandError, match="offset"):
        call_command("etle", "sweep-deadlines", "--now", "2026-12-02T08:00:00")
    with pytest.raises(CommandError, match="ISO"):
        call_command("etle", "sweep-deadlines", "--now", "yesterday")


# --- Lifting ---------------------------------------------------------------------------------------


def test_payment_of_one_case_keeps_the_plate_blocked_while_another_case_blocks_it(approved):
    first = set_state(approved.case, Violation.LETTER_SENT)
    second = another_case(first, 1)
    deadlines_apply(wib(date(2026, 12, 5)))
    assert StnkBlock.objects.filter(action=StnkBlock.BLOCK).count() == 2
    vehicle = Vehicle.objects.get(plate=first.plate)
    assert vehicle.blocked

    services.block_lift(actor=SYSTEM, violation=first, reason=rules.LIFT_PAID)
    vehicle.refresh_from_db()
    assert vehicle.blocked  # the second case still blocks the plate
    assert Entry.objects.filter(action="etle.stnk.unblocked").get().data["plate_still_blocked"] is True

    services.block_lift(actor=SYSTEM, violation=second, reason=rules.LIFT_PAID)
    vehicle.refresh_from_db()
    assert not vehicle.blocked


def test_cancelling_a_case_lifts_its_block_and_a_case_without_one_is_a_no_op(approved):
    case = set_state(approved.case, Violation.LETTER_SENT)
    assert services.block_lift(actor=SYSTEM, violation=case, reason=rules.LIFT_CANCELLED) is None
    deadlines_apply(wib(date(2026, 12, 5)))
    row = services.block_lift(actor=SYSTEM, violation=case, reason=rules.LIFT_CANCELLED)
    assert (row.action, row.reason) == (StnkBlock.UNBLOCK, "cancelled")
    assert not Vehicle.objects.get(plate=case.plate).blocked


def test_unknown_reasons_are_refused(approved):
    case = approved.case
    with pytest.raises(ValidationError):
        services.block_place(actor=SYSTEM, violation=case, reason="because")
    with pytest.raises(ValidationError):
        services.block_lift(actor=SYSTEM, violation=case, reason="because")
    assert not StnkBlock.objects.exists()


def test_a_supervisor_lifts_a_block_with_a_reason_and_closes_the_case(approved):
    case = set_state(approved.case, Violation.LETTER_SENT)
    deadlines_apply(wib(date(2026, 12, 5)))
    row = services.block_lift_manual(
        actor=approved.supervisor, violation=case, reason="court_order", note="Penetapan PN 12/2026"
    )
    case.refresh_from_db()
    assert case.status == Violation.CANCELLED and row.reason == "court_order"
    assert not Vehicle.objects.get(plate=case.plate).blocked
    entry = Entry.objects.get(action="etle.stnk.unblocked")
    assert entry.actor_id == str(approved.supervisor.pk) and entry.data["note"] == "Penetapan PN 12/2026"
    assert entry.data["after"] == {"status": "cancelled"}
    # Closed: the sweep does not block it again.
    deadlines_apply(wib(date(2026, 12, 6)))
    assert StnkBlock.objects.count() == 2


def test_a_manual_lift_needs_a_listed_reason_a_supervisor_in_scope_and_a_block(approved, make_user):
    case = set_state(approved.case, Violation.LETTER_SENT)
    deadlines_apply(wib(date(2026, 12, 5)))
    depok = make_user("kasat-depok", "supervisor", approved.etle.org.dpk_satlantas)
    for bad in ("paid", "cancelled", "because"):
        with pytest.raises(ValidationError):
            services.block_lift_manual(actor=approved.supervisor, violation=case, reason=bad)
    with pytest.raises(ValidationError):
        services.block_lift_manual(
            actor=approved.supervisor, violation=case, reason="wrong_owner", note="x" * 501
        )
    for person in (approved.officer, approved.investigator, depok):
        with pytest.raises(PermissionDenied):
            services.block_lift_manual(actor=person, violation=case, reason="wrong_owner")
    assert StnkBlock.objects.count() == 1
    services.block_lift_manual(actor=approved.supervisor, violation=case, reason="wrong_owner")
    with pytest.raises(ValidationError):
        services.block_lift_manual(actor=approved.supervisor, violation=case, reason="wrong_owner")


def test_the_lift_page_for_supervisors_only(client, approved, make_user):
    case = set_state(approved.case, Violation.LETTER_SENT)
    deadlines_apply(wib(date(2026, 12, 5)))
    url = f"/etle/staf/blokir/{case.tracking_number}/buka/"
    client.force_login(approved.officer)
    assert client.get("/etle/staf/blokir/").status_code == 403
    assert client.post(url, {"reason": "wrong_owner"}).status_code == 403
    depok = make_user("kasat-depok", "supervisor", approved.etle.org.dpk_satlantas)
    client.force_login(depok)
    assert client.post(url, {"reason": "wrong_owner"}).status_code == 404
    client.force_login(approved.supervisor)
    listing = client.get("/etle/staf/blokir/")
    assert listing.status_code == 200 and case.tracking_number in listing.content.decode()
    assert client.get(url).status_code == 200
    assert client.post(url, {"reason": "because"}).status_code == 400
    assert StnkBlock.objects.count() == 1
    response = client.post(url, {"reason": "dispute_accepted", "note": "Keberatan diterima"})
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.status == Violation.CANCELLED
    assert StnkBlock.objects.last().reason == "dispute_accepted"


# --- The Samsat feed --------------------------------------------------------------------------------


def _blocked_and_lifted(approved):
    case = set_state(approved.case, Violation.LETTER_SENT)
    deadlines_apply(wib(date(2026, 12, 5)))
    services.block_lift(actor=SYSTEM, violation=case, reason=rules.LIFT_PAID)
    return case


def test_the_export_command_writes_the_records_as_csv(approved, tmp_path):
    case = _blocked_and_lifted(approved)
    first, second = StnkBlock.objects.order_by("pk")
    target = tmp_path / "blocks.csv"
    err = io.StringIO()
    call_command("etle", "export-blocks", "--out", str(target), stderr=err)
    rows = list(csv.reader(target.open(encoding="utf-8")))
    assert rows[0] == ["id", "action", "plate", "tracking_number", "reason", "at", "unit"]
    assert rows[1] == [
        str(first.pk),
        "block",
        case.plate,
        case.tracking_number,
        "not_confirmed",
        first.at.astimezone(WIB).isoformat(),
        "bks-satlantas",
    ]
    assert rows[1][5].endswith("+07:00")
    assert rows[2][1:2] == ["unblock"] and rows[2][4] == "paid"
    assert f"last id: {second.pk}" in err.getvalue()
    call_command("etle", "export-blocks", "--after", str(first.pk), "--out", str(target), stderr=err)
    rows = list(csv.reader(target.open(encoding="utf-8")))
    assert [r[0] for r in rows[1:]] == [str(second.pk)]
    with pytest.raises(CommandError):
        call_command("etle", "export-blocks", "--after", "-1")


def test_the_staff_download_is_scoped_and_checked(client, approved, make_user):
    _blocked_and_lifted(approved)
    today = timezone.localdate()
    query = {"start": today.isoformat(), "end": today.isoformat()}
    client.force_login(approved.officer)
    assert client.get("/etle/staf/blokir/unduh/", query).status_code == 403
    client.force_login(approved.supervisor)
    response = client.get("/etle/staf/blokir/unduh/", query)
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    lines = b"".join(response.streaming_content).decode().splitlines()
    assert len(lines) == 3 and lines[1].split(",")[1] == "block"
    assert client.get("/etle/staf/blokir/unduh/", {**query, "unit": "bks-satlantas"}).status_code == 200
    # A unit outside the person's scope is not a choice; a reversed or too long period is refused.
    assert client.get("/etle/staf/blokir/unduh/", {**query, "unit": "dpk-satlantas"}).status_code == 400
    assert (
        client.get("/etle/staf/blokir/unduh/", {"start": "2026-12-02", "end": "2026-12-01"}).status_code
        == 400
    )
    assert (
        client.get("/etle/staf/blokir/unduh/", {"start": "2024-01-01", "end": "2026-12-01"}).status_code
        == 400
    )
    depok = make_user("kasat-depok", "supervisor", approved.etle.org.dpk_satlantas)
    client.force_login(depok)
    lines = b"".join(client.get("/etle/staf/blokir/unduh/", query).streaming_content).decode().splitlines()
    assert len(lines) == 1  # the header only: Bekasi's blocks are not Depok's


def test_the_api_pages_by_cursor(client, approved):
    _blocked_and_lifted(approved)
    first, second = StnkBlock.objects.order_by("pk")
    samsat = machine(approved.etle.org.bks, "Samsat Bekasi", scopes=("etle:blocks",))
    response = client.get(BLOCKS, {"limit": 1}, **samsat.headers)
    assert response.status_code == 200
    body = response.json()
    assert [item["id"] for item in body["items"]] == [first.pk] and body["more"] is True
    assert body["next"] == first.pk and body["items"][0]["at"].endswith("+07:00")
    assert body["items"][0]["tracking_number"] == approved.case.tracking_number
    body = client.get(BLOCKS, {"after": body["next"], "limit": 1}, **samsat.headers).json()
    assert [item["action"] for item in body["items"]] == ["unblock"] and body["more"] is False
    body = client.get(BLOCKS, {"after": body["next"]}, **samsat.headers).json()
    assert body == {"items": [], "next": second.pk, "more": False}


def test_the_api_refuses_bad_callers_and_bad_cursors(client, approved):
    _blocked_and_lifted(approved)
    assert client.get(BLOCKS).status_code == 401
    camera = approved.etle.client
    response = client.get(BLOCKS, **camera.headers)
    assert response.status_code == 403 and "etle:blocks" in response.json()["detail"]
    samsat = machine(approved.etle.org.bks, "Samsat Bekasi", scopes=("etle:blocks",))
    for query in ({"after": -1}, {"after": "abc"}, {"after": 10**9}, {"limit": 0}, {"limit": 1001}):
        response = client.get(BLOCKS, query, **samsat.headers)
        assert response.status_code == 422, query
        assert response.json()["type"].endswith("/validation-error")
    # A key of another Polres reads the feed of its own unit only.
    depok = machine(approved.etle.org.dpk, "Samsat Depok", scopes=("etle:blocks",))
    assert client.get(BLOCKS, **depok.headers).json()["items"] == []


def test_people_read_the_feed_with_the_permission_only(client, approved):
    _blocked_and_lifted(approved)
    client.force_login(approved.officer)
    assert client.get(BLOCKS).status_code == 403
    client.force_login(approved.supervisor)
    assert len(client.get(BLOCKS).json()["items"]) == 2


def test_the_worker_runs_the_sweep_once_per_interval(approved):
    from bersih.core.schedule import run_due_sweeps

    set_state(approved.case, Violation.LETTER_SENT)
    late = wib(date(2026, 12, 5), 8)
    ran = run_due_sweeps(late, only={"etle.deadlines"})
    assert "'not_confirmed': 1" in ran["etle.deadlines"]
    assert run_due_sweeps(late, only={"etle.deadlines"}) == {}  # the interval has not passed


def test_the_date_inputs_carry_iso_dates_in_indonesian(client, approved, settings):
    settings.LANGUAGE_CODE = "id"
    client.force_login(approved.supervisor)
    html = client.get("/etle/staf/blokir/").content.decode()
    today = timezone.localdate().isoformat()
    assert f'type="date" name="end" value="{today}"' in html and "Pemblokiran STNK" in html
