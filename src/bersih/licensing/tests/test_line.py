"""The line engine: strict order, the priority lane and its anti-starvation rule, recalls and no-shows,
finishing and sending back, transfers and the supervisor's override; each act in the ledger."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from bersih.ledger.models import Entry
from bersih.licensing import rules, services
from bersih.licensing.models import Application, BoardEvent, FeePayment, LineEntry, Ticket

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english_messages")]


def call(sim, stage):
    return services.line_call_next(actor=sim.clerks[stage], counter=sim.counters[stage])


def finish(sim, entry, outcome=LineEntry.PASSED):
    return services.line_finish(actor=sim.clerks[entry.stage], entry=entry, outcome=outcome)


def test_counter_calls_in_arrival_order_and_numbers_count_per_service(sim, walk_in):
    tickets = [walk_in(1), walk_in(2, service="renewal"), walk_in(3)]
    assert [t.label for t in tickets] == ["A-001", "B-001", "A-002"]
    called = [call(sim, "registration").ticket for _ in range(1)]
    finish(sim, LineEntry.objects.get(ticket=called[0], state="called"))
    called += [call(sim, "registration").ticket]
    finish(sim, LineEntry.objects.get(ticket=called[1], state="called"))
    called += [call(sim, "registration").ticket]
    assert [t.pk for t in called] == [t.pk for t in tickets]
    finish(sim, LineEntry.objects.get(ticket=called[2], state="called"))
    assert call(sim, "registration") is None  # the line is empty


def test_priority_lane_is_served_first_but_never_starves_the_regular_line(sim, walk_in):
    regular = [walk_in(n) for n in range(4)]
    priority = [walk_in(10 + n, priority="elderly") for n in range(5)]
    order = []
    for _ in range(9):
        entry = call(sim, "registration")
        order.append(entry.ticket.pk)
        finish(sim, entry)
    limit = rules.PRIORITY_STREAK_LIMIT
    expected = [t.pk for t in priority[:limit]] + [regular[0].pk]
    assert order[: limit + 1] == expected
    # Every ticket was served exactly once, each lane in its own arrival order.
    assert sorted(order) == sorted(t.pk for t in regular + priority)
    assert [pk for pk in order if pk in {t.pk for t in regular}] == [t.pk for t in regular]
    assert [pk for pk in order if pk in {t.pk for t in priority}] == [t.pk for t in priority]


def test_priority_is_marked_only_by_staff_with_a_reason(sim, walk_in):
    from bersih.ledger.services import SYSTEM

    ticket = walk_in(1)
    with pytest.raises(PermissionDenied):
        services.ticket_mark_priority(actor=SYSTEM, ticket=ticket, reason="pregnant")
    with pytest.raises(ValidationError):
        services.ticket_mark_priority(actor=sim.clerks["registration"], ticket=ticket, reason="vip")
    services.ticket_mark_priority(actor=sim.clerks["registration"], ticket=ticket, reason="pregnant")
    assert LineEntry.objects.get(ticket=ticket, state="waiting").priority
    assert Entry.objects.filter(action="licensing.ticket.priority_marked", subject_id=str(ticket.pk)).exists()


def test_only_the_clerk_staffing_the_counter_today_may_call(sim, walk_in, make_user):
    walk_in(1)
    stranger = make_user("clerk-elsewhere", "counter_clerk", sim.unit)
    entries_before = Entry.objects.count()
    with pytest.raises(PermissionDenied):
        services.line_call_next(actor=stranger, counter=sim.counters["registration"])
    with pytest.raises(PermissionDenied):  # staffs another counter
        services.line_call_next(actor=sim.clerks["theory"], counter=sim.counters["registration"])
    assert Entry.objects.count() == entries_before
    assert not LineEntry.objects.filter(state="called").exists()


def test_a_counter_serves_one_applicant_at_a_time(sim, walk_in):
    walk_in(1), walk_in(2)
    call(sim, "registration")
    with pytest.raises(ValidationError) as exc:
        call(sim, "registration")
    assert exc.value.code == "counter_busy"
    assert LineEntry.objects.filter(state="called").count() == 1


def test_a_new_sim_goes_through_every_stage_and_the_bank_settles_the_fee(sim, walk_in):
    ticket = walk_in(1)
    for stage in ("registration", "documents", "theory", "practical"):
        finish(sim, call(sim, stage))
    ticket.refresh_from_db()
    assert ticket.stage == "payment"
    payment = FeePayment.objects.get(application=ticket.application)
    assert payment.amount == rules.fee("new", "C") == 100_000
    entry = LineEntry.objects.get(ticket=ticket, stage="payment")
    with pytest.raises(ValidationError):
        services.fee_payment_settle(payment=payment, amount=50_000, bank_reference="REF-1")
    services.fee_payment_settle(payment=payment, amount=100_000, bank_reference="REF-1", channel="qris")
    with pytest.raises(ValidationError) as exc:
        services.fee_payment_settle(payment=payment, amount=100_000, bank_reference="REF-2")
    assert exc.value.code == "already_paid"
    entry.refresh_from_db()
    assert entry.state == "done"
    for stage in ("biometrics", "printing", "handover"):
        finish(sim, call(sim, stage))
    ticket.refresh_from_db()
    ticket.application.refresh_from_db()
    assert ticket.state == Ticket.DONE and ticket.application.status == Application.COMPLETED
    actions = list(Entry.objects.filter(subject_id=str(ticket.pk)).values_list("action", flat=True))
    assert actions.count("licensing.line.called") == 7 and actions.count("licensing.line.finished") == 7


def test_a_renewal_skips_the_tests(sim, walk_in):
    ticket = walk_in(1, service="renewal")
    finish(sim, call(sim, "registration"))
    finish(sim, call(sim, "documents"))
    ticket.refresh_from_db()
    assert ticket.stage == "payment"
    assert FeePayment.objects.get(application=ticket.application).amount == 75_000


def test_a_failed_test_ends_the_visit_and_frees_the_nik(sim, walk_in):
    ticket = walk_in(1)
    finish(sim, call(sim, "registration"))
    with pytest.raises(ValidationError):
        finish(sim, call(sim, "documents"), outcome=LineEntry.FAILED)  # only tests can be failed
    finish(sim, LineEntry.objects.get(ticket=ticket, state="called"))
    finish(sim, call(sim, "theory"), outcome=LineEntry.FAILED)
    ticket.refresh_from_db()
    assert ticket.state == Ticket.FAILED
    assert ticket.application.status == Application.FAILED
    assert walk_in(1).pk != ticket.pk  # the same NIK may apply again


def test_the_payment_stage_is_not_finished_at_a_counter(sim, walk_in, make_user):
    from bersih.licensing.models import Counter
    from bersih.licensing.testing import staff

    walk_in(1, service="renewal")
    finish(sim, call(sim, "registration"))
    finish(sim, call(sim, "documents"))
    counter = Counter.objects.create(unit=sim.unit, number=20, stage="payment")
    clerk = make_user("kasir", "counter_clerk", sim.unit)
    staff(counter, clerk)
    entry = services.line_call_next(actor=clerk, counter=counter)
    with pytest.raises(ValidationError) as exc:
        services.line_finish(actor=clerk, entry=entry)
    assert exc.value.code == "payment"


def test_recalls_then_the_back_of_the_line_once_then_expiry(sim, walk_in):
    first, second = walk_in(1), walk_in(2)
    clerk = sim.clerks["registration"]
    entry = call(sim, "registration")
    assert entry.ticket == first
    with pytest.raises(ValidationError) as exc:
        services.line_no_show(actor=clerk, entry=entry)
    assert exc.value.code == "recalls_first"
    for _ in range(rules.RECALL_LIMIT):
        services.line_recall(actor=clerk, entry=entry)
    with pytest.raises(ValidationError):
        services.line_recall(actor=clerk, entry=entry)
    services.line_no_show(actor=clerk, entry=entry)
    # Behind the second applicant now.
    assert call(sim, "registration").ticket == second
    finish(sim, LineEntry.objects.get(ticket=second, state="called"))
    again = call(sim, "registration")
    assert again.ticket == first
    for _ in range(rules.RECALL_LIMIT):
        services.line_recall(actor=clerk, entry=again)
    services.line_no_show(actor=clerk, entry=again)
    first.refresh_from_db()
    assert first.state == Ticket.EXPIRED and first.application.status == Application.EXPIRED
    assert BoardEvent.objects.filter(ticket=first, kind="recall").count() == 2 * rules.RECALL_LIMIT
    assert Entry.objects.filter(action="licensing.line.sent_to_back").count() == 1
    assert Entry.objects.filter(action="licensing.ticket.expired").count() == 1


def test_send_back_to_an_earlier_stage_needs_a_reason(sim, walk_in):
    ticket = walk_in(1)
    finish(sim, call(sim, "registration"))
    entry = call(sim, "documents")
    clerk = sim.clerks["documents"]
    with pytest.raises(ValidationError):
        services.line_send_back(actor=clerk, entry=entry, to_stage="registration", reason="  ")
    with pytest.raises(ValidationError):
        services.line_send_back(actor=clerk, entry=entry, to_stage="theory", reason="salah")
    services.line_send_back(actor=clerk, entry=entry, to_stage="registration", reason="KTP tidak terbaca")
    ticket.refresh_from_db()
    assert ticket.stage == "registration" and ticket.state == Ticket.WAITING
    assert Entry.objects.get(action="licensing.line.sent_back").data["reason"] == "KTP tidak terbaca"


def test_another_clerks_applicant_cannot_be_finished(sim, walk_in):
    walk_in(1)
    entry = call(sim, "registration")
    with pytest.raises(PermissionDenied):
        services.line_finish(actor=sim.clerks["documents"], entry=entry)
    entry.refresh_from_db()
    assert entry.state == "called"


def test_transfer_to_another_counter_of_the_stage(sim, make_user, walk_in):
    from bersih.licensing.models import Counter
    from bersih.licensing.testing import staff

    walk_in(1)
    entry = call(sim, "registration")
    target = Counter.objects.create(unit=sim.unit, number=21, stage="registration")
    with pytest.raises(ValidationError) as exc:
        services.line_transfer(actor=sim.clerks["registration"], entry=entry, counter=target)
    assert exc.value.code == "counter_unstaffed"
    second_clerk = make_user("loket-21", "counter_clerk", sim.unit)
    staff(target, second_clerk)
    with pytest.raises(ValidationError):
        services.line_transfer(actor=sim.clerks["registration"], entry=entry, counter=sim.counters["theory"])
    services.line_transfer(actor=sim.clerks["registration"], entry=entry, counter=target)
    entry.refresh_from_db()
    assert entry.counter == target and entry.clerk == second_clerk
    assert BoardEvent.objects.filter(kind="transfer", counter_number=target.number).exists()


def test_out_of_order_only_by_a_supervisor_with_a_written_reason(sim, walk_in):
    walk_in(1), walk_in(2)
    third = walk_in(3)
    entry = LineEntry.objects.get(ticket=third, state="waiting")
    counter = sim.counters["registration"]
    with pytest.raises(PermissionDenied):
        services.line_override(
            actor=sim.clerks["registration"], entry=entry, counter=counter, reason="x" * 40
        )
    with pytest.raises(ValidationError):
        services.line_override(actor=sim.supervisor, entry=entry, counter=counter, reason="urgent")
    services.line_override(
        actor=sim.supervisor, entry=entry, counter=counter, reason="Pemohon pingsan, perlu dilayani segera"
    )
    entry.refresh_from_db()
    assert entry.state == "called" and entry.out_of_order
    record = Entry.objects.get(action="licensing.line.override")
    assert record.data["passed"] == 2 and record.actor_id == str(sim.supervisor.pk)


def test_override_outside_the_supervisors_units_is_refused(sim, walk_in, org, make_user):
    walk_in(1)
    entry = LineEntry.objects.get(state="waiting")
    outsider = make_user("kasatpas-depok", "supervisor", org.dpk_satpas)
    with pytest.raises(PermissionDenied):
        services.line_override(
            actor=outsider,
            entry=entry,
            counter=sim.counters["registration"],
            reason="Pemohon lansia sakit berat",
        )
    assert not LineEntry.objects.filter(state="called").exists()


def test_one_live_application_per_nik_and_other_bad_applications(sim, walk_in):
    from datetime import date

    from bersih.ledger.services import SYSTEM
    from bersih.licensing.testing import nik_for

    walk_in(1)
    base = dict(actor=SYSTEM, unit=sim.unit, full_name="X", birth_date=date(1990, 5, 17), sim_class="C")
    count = Application.objects.count()
    with pytest.raises(ValidationError) as exc:
        services.application_register(nik=nik_for(1), service="new", **base)
    assert exc.value.code == "duplicate_nik"
    with pytest.raises(ValidationError):
        services.application_register(nik="1234", service="new", **base)
    with pytest.raises(ValidationError) as exc:
        young = {**base, "birth_date": timezone.localdate() - timedelta(days=365 * 16)}
        services.application_register(nik=nik_for(2), service="new", **young)
    assert exc.value.code == "age"
    with pytest.raises(ValidationError):
        services.application_register(nik=nik_for(3), service="gift", **base)
    assert Application.objects.count() == count
