"""The supervisors' pages: shifts for a day, today's lines and serving out of order; the counters in
the administration."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from bersih.core.testing import sign_in
from bersih.ledger.models import Entry
from bersih.licensing.models import Counter, CounterShift, LineEntry

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english_messages")]

SHIFTS = "/sim/staf/shift/"
LINES = "/sim/staf/antrian/"


@pytest.fixture
def boss(client, sim):
    sign_in(client, sim.supervisor)
    return client


def messages_of(response):
    return [str(m) for m in response.context["messages"]]


# --- Shifts -------------------------------------------------------------------------------------------


def test_the_shift_page_lists_counters_per_stage_with_todays_clerks(boss, sim):
    response = boss.get(SHIFTS)
    assert response.status_code == 200
    board = response.context["board"]
    assert [group.stage for group in board] == [s for s in sim.counters]
    registration = board[0].rows[0]
    assert (
        registration[0] == sim.counters["registration"]
        and registration[1].clerk == sim.clerks["registration"]
    )


def test_a_supervisor_assigns_a_clerk_for_a_later_day(boss, sim, make_user):
    tomorrow = timezone.localdate() + timedelta(days=1)
    counter = sim.counters["theory"]
    new_clerk = make_user("loket-baru", "counter_clerk", sim.unit, language="en")
    page = boss.get(SHIFTS, {"day": tomorrow.isoformat(), "unit": sim.unit.code})
    assert new_clerk in page.context["clerks"]
    assert all(shift is None for group in page.context["board"] for _, shift in group.rows)
    response = boss.post(
        SHIFTS, {"counter": counter.pk, "clerk": new_clerk.pk, "day": tomorrow.isoformat()}, follow=True
    )
    assert any("staffs counter 3" in m for m in messages_of(response))
    shift = CounterShift.objects.get(counter=counter, day=tomorrow)
    assert shift.clerk == new_clerk and shift.assigned_by == sim.supervisor
    assert Entry.objects.filter(action="licensing.shift.assigned").count() == 1
    assert response.context["day"] == tomorrow


def test_shift_refusals_are_messages_and_change_nothing(boss, sim, make_user, org):
    today = timezone.localdate()
    counter = sim.counters["theory"]
    busy = boss.post(
        SHIFTS,
        {"counter": counter.pk, "clerk": sim.clerks["documents"].pk, "day": today.isoformat()},
        follow=True,
    )
    assert "This counter is already staffed that day." in messages_of(busy)
    past = boss.post(
        SHIFTS,
        {
            "counter": counter.pk,
            "clerk": sim.clerks["documents"].pk,
            "day": (today - timedelta(days=1)).isoformat(),
        },
        follow=True,
    )
    assert "A shift cannot be assigned for a past day." in messages_of(past)
    outsider = make_user("loket-depok", "counter_clerk", org.dpk_satpas)
    foreign = boss.post(
        SHIFTS,
        {"counter": counter.pk, "clerk": outsider.pk, "day": (today + timedelta(days=1)).isoformat()},
        follow=True,
    )
    assert any("valid choice" in m for m in messages_of(foreign))
    assert CounterShift.objects.count() == len(sim.counters)


def test_shifts_out_of_scope_answer_404(boss, sim, org):
    elsewhere = Counter.objects.create(unit=org.dpk_satpas, number=1, stage="registration")
    response = boss.post(
        SHIFTS,
        {"counter": elsewhere.pk, "clerk": sim.clerks["theory"].pk, "day": timezone.localdate().isoformat()},
    )
    assert response.status_code == 404
    assert boss.get(SHIFTS, {"unit": org.dpk_satpas.code}).status_code == 404
    assert not CounterShift.objects.filter(counter=elsewhere).exists()


@pytest.mark.parametrize("who", ["clerk", "investigator"])
def test_only_supervisors_open_the_shift_and_line_pages(client, sim, make_user, who):
    person = sim.clerks["registration"] if who == "clerk" else make_user("penyidik", "investigator", sim.unit)
    sign_in(client, person)
    assert client.get(SHIFTS).status_code == 403
    assert client.get(LINES).status_code == 403
    assert client.post(SHIFTS, {"counter": sim.counters["theory"].pk}).status_code == 403


def test_a_bad_day_falls_back_to_today_with_a_message(boss, sim):
    response = boss.get(SHIFTS, {"day": "kemarin"})
    assert response.context["day"] == timezone.localdate()
    assert "Give the day as YYYY-MM-DD." in messages_of(response)


def test_the_shift_page_takes_a_fixed_number_of_queries(boss, sim, make_user, django_assert_max_num_queries):
    boss.get(SHIFTS)
    with django_assert_max_num_queries(20) as few:
        boss.get(SHIFTS)
    for n in range(10):
        Counter.objects.create(unit=sim.unit, number=40 + n, stage="biometrics")
        make_user(f"loket-x{n}", "counter_clerk", sim.unit)
    with django_assert_max_num_queries(len(few.captured_queries)):
        boss.get(SHIFTS)


# --- Today's lines and serving out of order ----------------------------------------------------------


def test_the_lines_page_shows_each_stage_in_order_with_lane_and_wait(boss, sim, walk_in):
    first, second = walk_in(1), walk_in(2)
    elderly = walk_in(3, priority="elderly")
    response = boss.get(LINES)
    assert response.status_code == 200
    registration = response.context["lines"][0]
    assert registration.stage == "registration"
    assert [e.ticket for e in registration.entries] == [first, second, elderly]
    assert registration.counters == [sim.counters["registration"]]
    page = response.content.decode()
    assert "A-001" in page and "A-003" in page and "Elderly (60 or older)" in page and "0 min" in page


def test_serve_out_of_order_with_a_reason(boss, sim, walk_in):
    walk_in(1), walk_in(2)
    third = walk_in(3)
    entry = LineEntry.objects.get(ticket=third)
    response = boss.post(
        f"{LINES}{entry.pk}/layani/",
        {"counter": sim.counters["registration"].pk, "reason": "Pemohon sakit, dokter minta segera"},
        follow=True,
    )
    assert any("called to counter 1 out of order" in m for m in messages_of(response))
    entry.refresh_from_db()
    assert entry.state == "called" and entry.out_of_order and entry.reason.startswith("Pemohon sakit")
    record = Entry.objects.get(action="licensing.line.override")
    assert record.data["passed"] == 2


def test_serving_out_of_order_without_a_real_reason_is_refused(boss, sim, walk_in):
    walk_in(1)
    entry = LineEntry.objects.get(ticket=walk_in(2))
    url = f"{LINES}{entry.pk}/layani/"
    short = boss.post(url, {"counter": sim.counters["registration"].pk, "reason": "ok"}, follow=True)
    assert any("at least 15 characters" in m for m in messages_of(short))
    wrong_stage = boss.post(url, {"counter": sim.counters["theory"].pk, "reason": "x" * 20}, follow=True)
    assert any("valid choice" in m for m in messages_of(wrong_stage))
    assert not LineEntry.objects.filter(state="called").exists()
    assert not Entry.objects.filter(action="licensing.line.override").exists()


def test_serving_at_a_busy_counter_is_refused(boss, sim, walk_in):
    from bersih.licensing import services

    walk_in(1)
    entry = LineEntry.objects.get(ticket=walk_in(2))
    services.line_call_next(actor=sim.clerks["registration"], counter=sim.counters["registration"])
    response = boss.post(
        f"{LINES}{entry.pk}/layani/",
        {"counter": sim.counters["registration"].pk, "reason": "Ibu hamil tua, pusing"},
        follow=True,
    )
    assert "Finish ticket A-001 at this counter first." in messages_of(response)
    entry.refresh_from_db()
    assert entry.state == "waiting"


def test_an_entry_outside_the_supervisors_units_answers_404(client, sim, walk_in, org, make_user):
    entry = LineEntry.objects.get(ticket=walk_in(1))
    sign_in(client, make_user("kasatpas-depok", "supervisor", org.dpk_satpas))
    response = client.post(
        f"{LINES}{entry.pk}/layani/", {"counter": sim.counters["registration"].pk, "reason": "x" * 20}
    )
    assert response.status_code == 404
    assert client.get(LINES, {"unit": sim.unit.code}).status_code == 404
    assert client.get(LINES).context["unit"] is None
    entry.refresh_from_db()
    assert entry.state == "waiting"


def test_the_lines_page_takes_a_fixed_number_of_queries(boss, sim, walk_in, django_assert_max_num_queries):
    walk_in(1)
    boss.get(LINES)
    with django_assert_max_num_queries(20) as few:
        boss.get(LINES)
    for n in range(2, 20):
        walk_in(n, priority="elderly" if n % 3 == 0 else "")
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = boss.get(LINES)
    assert len(response.context["lines"][0].entries) == 19


# --- Counters in the administration -----------------------------------------------------------------


def test_a_supervisor_sets_up_a_counter_through_the_service(sim, org, make_user):
    from django.core.exceptions import PermissionDenied, ValidationError

    from bersih.licensing import services

    counter = services.counter_save(
        actor=sim.supervisor, unit=sim.unit, number=12, stage="theory", name="Ruang ujian 2"
    )
    assert Entry.objects.get(action="licensing.counter.saved").data["before"] is None
    with pytest.raises(ValidationError) as exc:
        services.counter_save(actor=sim.supervisor, unit=sim.unit, number=1, stage="theory")
    assert exc.value.code == "number_taken"
    with pytest.raises(ValidationError):
        services.counter_save(actor=sim.supervisor, unit=sim.unit, number=13, stage="dance")
    with pytest.raises(PermissionDenied):
        services.counter_save(actor=sim.supervisor, unit=org.dpk_satpas, number=1, stage="theory")
    with pytest.raises(PermissionDenied):
        services.counter_save(actor=sim.clerks["theory"], unit=sim.unit, number=14, stage="theory")
    services.counter_save(
        actor=sim.supervisor, unit=sim.unit, number=12, stage="practical", active=False, counter=counter
    )
    counter.refresh_from_db()
    assert (counter.stage, counter.active) == ("practical", False)


def test_the_admin_adds_a_counter_and_shows_the_day_read_only(client, sim, org, make_user):
    admin_user = make_user("admin-satpas", "administrator", org.bks, is_staff=True)
    sign_in(client, admin_user)
    response = client.post(
        "/admin/licensing/counter/add/",
        {"unit": sim.unit.pk, "number": 15, "stage": "printing", "name": "Cetak 2", "active": "on"},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert Counter.objects.get(unit=sim.unit, number=15).stage == "printing"
    assert Entry.objects.filter(action="licensing.counter.saved").count() == 1
    for model in ("countershift", "application", "ticket", "lineentry", "feepayment", "feecallback"):
        assert client.get(f"/admin/licensing/{model}/").status_code == 200, model
    assert client.get("/admin/licensing/countershift/add/").status_code == 403
