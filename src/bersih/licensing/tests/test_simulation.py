"""``bersih licensing simulate``: a simulated day through the real services leaves consistent records
and every stage's calls in line order."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from bersih.ledger.models import Entry
from bersih.licensing import simulation
from bersih.licensing.models import Application, CounterShift, LineEntry, Ticket

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english_messages")]


def last_weekday_before(day: date) -> date:
    day -= timedelta(days=1)
    while day.weekday() >= 5:
        day -= timedelta(days=1)
    return day


@pytest.fixture
def satpas(org, make_user):
    make_user("kiosk-test", "counter_clerk", org.bks_satpas)
    make_user("kasatpas-test", "supervisor", org.bks_satpas)
    return org.bks_satpas


def test_a_simulated_day_is_consistent_and_first_in_first_out(satpas, capsys):
    day = last_weekday_before(timezone.localdate())
    call_command(
        "licensing",
        "simulate",
        "--day",
        day.isoformat(),
        "--applicants",
        "70",
        "--seed",
        "3",
        "--unit",
        satpas.code,
    )
    out = capsys.readouterr().out
    assert "consistent" in out
    tickets = Ticket.objects.filter(unit=satpas, day=day)
    assert tickets.count() >= 70  # one more for the re-issued ticket
    assert tickets.filter(state=Ticket.DONE).count() > 30
    # Every stage was worked, the tests failed some, the bank settled fees, and clerks recalled.
    stages = set(LineEntry.objects.filter(day=day, state=LineEntry.DONE).values_list("stage", flat=True))
    assert stages == {
        "registration",
        "documents",
        "theory",
        "practical",
        "payment",
        "biometrics",
        "printing",
        "handover",
    }
    assert tickets.filter(state=Ticket.FAILED).exists()
    actions = set(Entry.objects.values_list("action", flat=True))
    assert {
        "licensing.line.called",
        "licensing.line.recalled",
        "licensing.line.sent_to_back",
        "licensing.payment.paid",
        "licensing.application.checked_in",
    } <= actions
    assert LineEntry.objects.filter(day=day, out_of_order=True).exclude(reason="").exists()
    # The integrity signals it plants: a shared phone, a re-issued NIK, one clerk's short services.
    phones = Application.objects.filter(phone=simulation.SHARED_PHONE).count()
    assert phones >= 3
    reissued = [
        nik
        for nik in Application.objects.values_list("nik", flat=True)
        if Ticket.objects.filter(application__nik=nik, day=day).count() > 1
    ]
    assert reissued
    short = LineEntry.objects.filter(day=day, state=LineEntry.DONE, stage="documents").exclude(called_at=None)
    seconds = [(e.finished_at - e.called_at).total_seconds() for e in short]
    assert min(seconds) < 60 < max(seconds)
    # Every counter was staffed for the day (clerk accounts were added for the missing ones).
    assert CounterShift.objects.filter(day=day, counter__unit=satpas).count() == 12
    assert simulation.check_day(satpas, day) == []


def test_the_same_seed_replays_the_same_day(satpas):
    from django.db import transaction

    day = last_weekday_before(timezone.localdate())

    def replay(seed):
        with transaction.atomic():
            call_command(
                "licensing",
                "simulate",
                "--day",
                day.isoformat(),
                "--applicants",
                "25",
                "--seed",
                str(seed),
                "--unit",
                satpas.code,
                verbosity=0,
            )
            day_record = [
                (
                    t.label,
                    t.state,
                    t.stage,
                    t.application.service,
                    t.priority_reason,
                    t.issued_at,
                    t.closed_at,
                )
                for t in Ticket.objects.filter(unit=satpas, day=day).order_by("issued_at", "id")
            ]
            transaction.set_rollback(True)
        return day_record

    first = replay(9)
    assert first == replay(9)
    assert first != replay(10)


def test_check_day_finds_a_skipped_head(satpas, org):
    day = last_weekday_before(timezone.localdate())
    call_command(
        "licensing",
        "simulate",
        "--day",
        day.isoformat(),
        "--applicants",
        "20",
        "--unit",
        satpas.code,
        verbosity=0,
    )
    entry = LineEntry.objects.filter(day=day, state=LineEntry.DONE, stage="handover").first()
    ticket = entry.ticket
    entry.state = LineEntry.WAITING  # a ticket both done and waiting: the check must see it
    entry.save(update_fields=["state"])
    assert any(ticket.label in problem for problem in simulation.check_day(satpas, day))


def test_bad_arguments_are_refused(satpas):
    with pytest.raises(CommandError, match="no unit"):
        call_command("licensing", "simulate", "--unit", "nowhere")
    with pytest.raises(CommandError, match="--day"):
        call_command("licensing", "simulate", "--day", "2026-13-01", "--unit", satpas.code)
    with pytest.raises(CommandError, match="between"):
        call_command("licensing", "simulate", "--applicants", "0", "--unit", satpas.code)
    day = last_weekday_before(timezone.localdate())
    call_command(
        "licensing",
        "simulate",
        "--day",
        day.isoformat(),
        "--applicants",
        "5",
        "--unit",
        satpas.code,
        verbosity=0,
    )
    with pytest.raises(CommandError, match="already has tickets"):
        call_command("licensing", "simulate", "--day", day.isoformat(), "--unit", satpas.code)
