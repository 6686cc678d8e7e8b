"""The end-of-day sweep: stale tickets and missed bookings expire, once, each a system ledger entry."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import pytest
from django.utils import timezone

from bersih.core.schedule import registered_sweeps
from bersih.ledger.models import Entry
from bersih.ledger.services import SYSTEM
from bersih.licensing import services
from bersih.licensing.models import Application, LineEntry, Ticket
from bersih.licensing.testing import nik_for, staff

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english_messages")]


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour, minute)))


def last_weekday_before(day: date) -> date:
    day -= timedelta(days=1)
    while day.weekday() >= 5:
        day -= timedelta(days=1)
    return day


def book(sim, n: int, day: date, slot: time = time(9)) -> Application:
    return services.application_register(
        actor=SYSTEM,
        unit=sim.unit,
        nik=nik_for(n),
        full_name=f"Pemohon {n}",
        birth_date=date(1990, 5, 17),
        service="renewal",
        sim_class="A",
        booked_day=day,
        booked_slot=slot,
        now=at(day, 7),
    )


def test_the_sweep_is_registered():
    sweep = registered_sweeps()["licensing.expire"]
    assert sweep.function is services.licensing_expire


def test_open_tickets_of_past_days_expire_with_their_line_entries(sim, walk_in):
    today = timezone.localdate()
    yesterday = today - timedelta(days=1)
    waiting = walk_in(1, now=at(yesterday, 9))
    called = walk_in(2, now=at(yesterday, 9, 5))
    staff(sim.counters["registration"], sim.clerks["registration"], day=yesterday)
    entry = services.line_call_next(
        actor=sim.clerks["registration"], counter=sim.counters["registration"], now=at(yesterday, 9, 10)
    )
    assert entry.ticket_id == waiting.pk
    entry = services.line_finish(actor=sim.clerks["registration"], entry=entry, now=at(yesterday, 9, 15))
    entry = services.line_call_next(
        actor=sim.clerks["registration"], counter=sim.counters["registration"], now=at(yesterday, 9, 20)
    )
    assert entry.ticket_id == called.pk  # called, never finished: the day ended with them at the counter
    current = walk_in(3)  # today's ticket is left alone

    summary = services.licensing_expire(timezone.now())
    assert summary == {"tickets": 2, "bookings": 0, "more": False}
    for ticket in (waiting, called):
        ticket.refresh_from_db()
        assert ticket.state == Ticket.EXPIRED and ticket.closed_at is not None
        assert Application.objects.get(pk=ticket.application_id).status == Application.EXPIRED
        assert not LineEntry.objects.filter(ticket=ticket, state__in=("waiting", "called")).exists()
    # The finished stage keeps its outcome; the open one (documents for 1, registration for 2) expired.
    assert LineEntry.objects.get(ticket=waiting, stage="registration").state == LineEntry.DONE
    assert LineEntry.objects.get(ticket=waiting, stage="documents").state == LineEntry.EXPIRED
    assert LineEntry.objects.get(ticket=called, stage="registration").state == LineEntry.EXPIRED
    current.refresh_from_db()
    assert current.state == Ticket.WAITING
    expired = Entry.objects.filter(action="licensing.ticket.expired")
    assert expired.count() == 2 and set(expired.values_list("actor_kind", flat=True)) == {"system"}
    assert {e.data["was"] for e in expired} == {"waiting", "in_service"}

    # Idempotent: a second run finds nothing and writes nothing.
    count = Entry.objects.count()
    assert services.licensing_expire(timezone.now()) == {"tickets": 0, "bookings": 0, "more": False}
    assert Entry.objects.count() == count


def test_a_booking_whose_day_passed_without_check_in_expires_and_frees_the_nik(sim):
    today = timezone.localdate()
    past = last_weekday_before(today)
    missed = book(sim, 1, past)
    checked_in = book(sim, 2, past)
    services.application_check_in(
        actor=SYSTEM, unit=sim.unit, tracking_number=checked_in.tracking_number, now=at(past, 9)
    )
    future_day = today + timedelta(days=1)
    while future_day.weekday() >= 5:
        future_day += timedelta(days=1)
    upcoming = book(sim, 3, future_day)

    summary = services.licensing_expire(timezone.now())
    # The checked-in applicant's ticket (of that past day) expires too; the future booking stays.
    assert summary == {"tickets": 1, "bookings": 1, "more": False}
    missed.refresh_from_db(), upcoming.refresh_from_db(), checked_in.refresh_from_db()
    assert missed.status == Application.EXPIRED and missed.closed_at is not None
    assert upcoming.status == Application.BOOKED
    assert checked_in.status == Application.EXPIRED
    entry = Entry.objects.get(action="licensing.application.expired")
    assert entry.actor_kind == "system" and entry.subject_id == str(missed.pk)
    # The NIK may apply again.
    again = services.application_register(
        actor=SYSTEM,
        unit=sim.unit,
        nik=missed.nik,
        full_name="Pemohon 1",
        birth_date=date(1990, 5, 17),
        service="renewal",
        sim_class="A",
    )
    assert again.status == Application.ACTIVE
    assert services.licensing_expire(timezone.now())["bookings"] == 0


def test_the_sweep_works_in_batches(sim, walk_in):
    yesterday = timezone.localdate() - timedelta(days=1)
    for n in range(3):
        walk_in(n, now=at(yesterday, 9, n))
    assert services.licensing_expire(timezone.now(), batch=2) == {"tickets": 2, "bookings": 0, "more": True}
    assert services.licensing_expire(timezone.now(), batch=2) == {"tickets": 1, "bookings": 0, "more": False}


def test_a_ticket_of_today_or_a_closed_one_is_not_expired_one_by_one(sim, walk_in):
    ticket = walk_in(1)
    assert services.ticket_expire_stale(ticket=ticket, now=timezone.now()) is None
    ticket.refresh_from_db()
    assert ticket.state == Ticket.WAITING
