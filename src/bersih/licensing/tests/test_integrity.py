"""Integrity signals for oversight: out-of-order serves, shared contacts, abnormally short services and
re-issued tickets, each firing above its threshold and not below, with contacts and NIKs masked."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.utils import timezone

from bersih.ledger.services import SYSTEM
from bersih.licensing import rules, services, statistics
from bersih.licensing.models import LineEntry
from bersih.licensing.testing import nik_for

from .test_statistics import at, serve

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english_messages")]


def today():
    return timezone.localdate()


def signals(sim):
    return statistics.integrity(sim.unit, start=today() - timedelta(days=6), end=today())


def register(sim, n, *, phone="", email="", now=None):
    return services.application_register(
        actor=SYSTEM,
        unit=sim.unit,
        nik=nik_for(n),
        full_name=f"Pemohon {n}",
        birth_date=date(1990, 5, 17),
        service="new",
        sim_class="C",
        phone=phone,
        email=email,
        now=now,
    )


def test_masking():
    assert statistics.mask_nik("3275011705900001") == "3275********0001"
    assert statistics.mask_phone("+6281234567890") == "+62812*****890"
    assert statistics.mask_email("budi.santoso@example.com") == "bu**********@example.com"
    assert statistics.mask_email("ab@example.com") == "ab***@example.com"


def test_out_of_order_serves_show_the_reason_the_supervisor_and_how_many_were_passed(sim, walk_in):
    tickets = [walk_in(n, now=at(8, n)) for n in range(4)]
    jumper = LineEntry.objects.get(ticket=tickets[3], state="waiting")
    assert signals(sim)["out_of_order"]["total"] == 0
    reason = "Pemohon pingsan, perlu segera dilayani"
    services.line_override(
        actor=sim.supervisor, entry=jumper, counter=sim.counters["registration"], reason=reason, now=at(8, 10)
    )
    found = signals(sim)["out_of_order"]
    assert found["total"] == 1
    row = found["rows"][0]
    assert row["label"] == tickets[3].label and row["reason"] == reason
    assert row["passed"] == 3 and row["counter"] == sim.counters["registration"].number
    assert row["supervisor"] == sim.supervisor.display_name
    assert row["clerk"] == sim.clerks["registration"].display_name
    assert found["by_supervisor"] == [{"supervisor": sim.supervisor.display_name, "count": 1, "passed": 3}]
    # Outside the period it is not listed.
    yesterday = today() - timedelta(days=1)
    assert statistics.out_of_order(sim.unit, yesterday, yesterday)["total"] == 0


def test_a_contact_shared_by_the_threshold_is_a_signal_and_one_fewer_is_not(sim):
    assert rules.SHARED_CONTACT_THRESHOLD == 3
    broker_phone, broker_mail = "+6281299990001", "Calo.Sim@Example.com"
    below = "+6281277770002"
    numbers = []
    for n in range(3):
        application = register(sim, n, phone=broker_phone, email="")
        numbers.append(application.tracking_number)
    for n in range(3, 5):
        register(sim, n, phone=below)
    # The same address in other capitals is the same address.
    mails = [register(sim, 5, email=broker_mail), register(sim, 6, email=broker_mail.lower())]
    assert len(statistics.shared_contacts(sim.unit, today())) == 1  # two e-mails: below the threshold
    mails.append(register(sim, 7, email=broker_mail.upper()))
    found = statistics.shared_contacts(sim.unit, today())
    assert [(row["kind"], row["applications"]) for row in found] == [("phone", 3), ("email", 3)]
    phone, mail = found
    assert phone["contact"] == statistics.mask_phone(broker_phone) and broker_phone not in phone["contact"]
    assert phone["tracking_numbers"] == numbers
    assert mail["contact"] == "ca******@example.com"
    assert mail["tracking_numbers"] == [a.tracking_number for a in mails]
    assert all(below not in row["contact"] for row in found)


def test_shared_contacts_count_only_the_window(sim):
    old = timezone.now() - timedelta(days=rules.SHARED_CONTACT_WINDOW_DAYS + 1)
    register(sim, 1, phone="+6281200000009", now=old)
    register(sim, 2, phone="+6281200000009")
    register(sim, 3, phone="+6281200000009")
    assert statistics.shared_contacts(sim.unit, today()) == []
    assert len(statistics.shared_contacts(sim.unit, timezone.localdate(old))) == 0


def test_a_service_below_its_minimum_is_a_signal_at_the_minimum_it_is_not(sim, walk_in):
    minimum = rules.SHORT_SERVICE_SECONDS["registration"]
    walk_in(1, now=at(8))
    walk_in(2, now=at(8))
    walk_in(3, now=at(8))
    serve(sim, "registration", at(8, 1), at(8, 1, minimum))  # exactly the minimum: fine
    assert statistics.short_services(sim.unit, today(), today()) == []
    serve(sim, "registration", at(8, 5), at(8, 5, minimum - 1))
    serve(sim, "registration", at(8, 10), at(8, 10, 10))
    found = statistics.short_services(sim.unit, today(), today())
    assert len(found) == 1
    row = found[0]
    assert row["clerk"] == sim.clerks["registration"].display_name
    assert (row["short"], row["served"], row["threshold"], row["fastest"]) == (2, 3, minimum, 10)
    assert str(row["stage"]) == "Registration"


def test_a_nik_given_more_tickets_than_the_threshold_is_a_signal(sim, walk_in):
    assert rules.REISSUE_THRESHOLD == 1
    first = walk_in(1, now=at(8))
    walk_in(2, now=at(8, 1))
    assert statistics.reissued_tickets(sim.unit, today()) == []
    # Applicant 1 fails the theory test and comes back the same day with a new application and ticket.
    serve(sim, "registration", at(8, 2), at(8, 4))
    serve(sim, "registration", at(8, 5), at(8, 7))
    serve(sim, "documents", at(8, 8), at(8, 10))
    serve(sim, "theory", at(8, 11), at(8, 30), outcome="failed")
    again = services.ticket_issue(actor=SYSTEM, application=register(sim, 1), now=at(9))
    found = statistics.reissued_tickets(sim.unit, today())
    assert len(found) == 1
    row = found[0]
    assert row["nik"] == "3275********" + nik_for(1)[-4:] and nik_for(1) not in str(row)
    assert row["tickets"] == 2
    assert [t["label"] for t in row["issued"]] == [first.label, again.label]
    assert row["issued"][0]["tracking_number"] == first.application.tracking_number
    # Outside the window (the window ends before today) nothing is counted.
    assert statistics.reissued_tickets(sim.unit, today() - timedelta(days=1)) == []
