"""Statistics of a Satpas: waiting and service time distributions per stage, counter, clerk and hour,
the service standard's share and the applicants served per day, computed in the database in a fixed
number of queries; the CSV export."""

from __future__ import annotations

import csv
import io
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from bersih.licensing import exports, rules, services, statistics
from bersih.licensing.models import Counter, FeePayment
from bersih.licensing.testing import staff

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english_messages")]

WIB = ZoneInfo("Asia/Jakarta")
MIN = 60


def at(hour, minute=0, second=0):
    """Today (WIB) at the given time: shifts are for today, so the line's clock is today's."""
    return datetime.combine(timezone.localdate(), time(hour), tzinfo=WIB) + timedelta(
        minutes=minute, seconds=second
    )


def serve(sim, stage, called, finished, *, counter=None, clerk=None, outcome="passed"):
    counter = counter or sim.counters[stage]
    clerk = clerk or sim.clerks[stage]
    entry = services.line_call_next(actor=clerk, counter=counter, now=called)
    assert entry is not None
    services.line_finish(actor=clerk, entry=entry, outcome=outcome, now=finished)
    return entry


@pytest.fixture
def day(sim, walk_in, make_user):
    """Twelve applicants through registration today with known waits and services.

    At 08:00-08:09 ten enter and are served at counter 1, waiting 3, 6, ... 30 minutes, 2 minutes each.
    At 10:00 and 10:02 two more are served at a second registration counter by another clerk: waiting
    1 and 45 minutes, served 10 minutes and 30 seconds.
    """
    for i in range(10):
        walk_in(i, now=at(8, i))
    for i in range(10):
        called = at(8, 4 * i + 3)
        serve(sim, "registration", called, called + timedelta(minutes=2))
    second = Counter.objects.create(unit=sim.unit, number=20, stage="registration")
    clerk = make_user("loket-20", "counter_clerk", sim.unit, full_name="Bripda Kedua")
    staff(second, clerk)
    walk_in(20, now=at(10))
    walk_in(21, now=at(10, 2))
    serve(sim, "registration", at(10, 1), at(10, 11), counter=second, clerk=clerk)
    serve(sim, "registration", at(10, 47), at(10, 47, 30), counter=second, clerk=clerk)
    sim.second, sim.second_clerk = second, clerk
    return sim


def figures(sim):
    today = timezone.localdate()
    return statistics.statistics(sim.unit, start=today - timedelta(days=6), end=today)


def by_key(rows):
    return {row["key"]: row for row in rows}


def test_waits_are_distributions_with_nearest_rank_percentiles(day):
    waits = figures(day)["waits"]
    overall = waits["overall"][0]
    # Sorted waits in minutes: 1 3 6 9 12 15 18 21 24 27 30 45. p50 is the 6th, p90 the 11th (of 12).
    assert overall["count"] == 12
    assert (overall["p50"], overall["p90"], overall["max"]) == (15 * MIN, 30 * MIN, 45 * MIN)
    assert overall["mean"] == pytest.approx((sum(range(3, 31, 3)) + 1 + 45) * MIN / 12)
    # Buckets: <5, 5-10, 10-15, 15-30, 30-60, 60-120, >=120 minutes (30 counts in 30-60).
    assert overall["buckets"] == [2, 2, 1, 5, 2, 0, 0]
    # 30 minutes is within the 30-minute standard, 45 is not.
    assert rules.SLA_STAGE_WAIT_MINUTES == 30
    assert (overall["within"], overall["within_share"]) == (11, pytest.approx(11 / 12))
    stage = by_key(waits["stage"])
    assert list(stage) == ["registration"] and stage["registration"]["count"] == 12


def test_per_counter_clerk_and_hour_groups(day):
    waits = figures(day)["waits"]
    counters = by_key(waits["counter"])
    first, second = counters[day.counters["registration"].pk], counters[day.second.pk]
    assert (first["label"], first["count"], first["p50"], first["p90"]) == ("Loket 1", 10, 15 * MIN, 27 * MIN)
    assert (second["label"], second["count"], second["p50"], second["p90"]) == ("Loket 20", 2, MIN, 45 * MIN)
    assert second["within_share"] == pytest.approx(0.5)
    clerks = by_key(waits["clerk"])
    assert clerks[day.second_clerk.pk]["label"] == "Bripda Kedua"
    assert clerks[day.clerks["registration"].pk]["max"] == 30 * MIN
    # Hours of entering the line (WIB): ten at 8, two at 10, none at 9.
    hours = by_key(waits["hour"])
    assert sorted(hours) == [8, 10]
    assert (hours[8]["count"], hours[8]["p50"], hours[8]["max"]) == (10, 15 * MIN, 30 * MIN)
    assert (hours[10]["count"], hours[10]["p50"], hours[10]["max"]) == (2, MIN, 45 * MIN)
    assert hours[10]["label"] == "10:00"


def test_service_times_per_stage_and_hour_of_the_call(day):
    services_ = figures(day)["services"]
    overall = services_["overall"][0]
    # Sorted services in seconds: 30, 120 x 10, 600.
    assert (overall["count"], overall["p50"], overall["p90"], overall["max"]) == (12, 120, 120, 600)
    assert overall["buckets"] == [1, 0, 10, 0, 1, 0, 0]
    assert overall["within"] is None  # the standard is about waiting, not service
    hours = by_key(services_["hour"])
    assert (hours[10]["p50"], hours[10]["p90"]) == (30, 600)
    clerks = by_key(services_["clerk"])
    assert clerks[day.second_clerk.pk]["mean"] == pytest.approx(315)


def test_nothing_outside_the_period_or_the_satpas_is_counted(day, org):
    yesterday = timezone.localdate() - timedelta(days=1)
    data = statistics.statistics(day.unit, start=yesterday, end=yesterday)
    assert data["waits"]["overall"] == [] and data["waits"]["stage"] == []
    assert data["days"] == [{"day": yesterday, "issued": 0, "served": 0, "within": 0}]
    elsewhere = statistics.statistics(org.dpk_satpas, start=timezone.localdate(), end=timezone.localdate())
    assert elsewhere["waits"]["overall"] == [] and elsewhere["sla"]["stage_share"] is None


def _through(sim, ticket, start, step_minutes):
    """Take ``ticket`` (the only one in each line) through every stage from ``start``."""
    clock = start
    for stage in rules.stages_for(ticket.application.service):
        clock += timedelta(minutes=step_minutes)
        if stage == rules.PAYMENT_STAGE:
            payment = FeePayment.objects.get(application=ticket.application)
            services.fee_payment_settle(
                payment=payment, amount=payment.amount, bank_reference=f"REF-{ticket.pk}", now=clock
            )
            continue
        serve(sim, stage, clock, clock + timedelta(minutes=step_minutes))
        clock += timedelta(minutes=step_minutes)
    return clock


def test_served_per_day_and_the_visit_standard(sim, walk_in):
    assert rules.SLA_VISIT_MINUTES == 180
    quick = walk_in(1, service="renewal", now=at(8))
    # A renewal has five counter stages and the payment: 11 steps of 10 minutes = 110 minutes.
    assert _through(sim, quick, at(8), 10) - at(8) == timedelta(minutes=110)
    slow = walk_in(2, service="renewal", now=at(10))
    # 11 steps of 20 minutes: 220 minutes, over the standard.
    assert _through(sim, slow, at(10), 20) - at(10) == timedelta(minutes=220)
    walk_in(3, now=at(12))  # still waiting: issued, not served
    data = figures(sim)
    today = data["days"][-1]
    assert (today["issued"], today["served"], today["within"]) == (3, 2, 1)
    assert len(data["days"]) == 7 and all(d["served"] == 0 for d in data["days"][:-1])
    assert data["sla"]["visit_share"] == pytest.approx(0.5)
    # The payment stage is the bank's: not a counter's service time.
    assert "payment" not in by_key(data["services"]["stage"])
    assert list(by_key(data["services"]["stage"])) == [
        s for s in rules.stages_for("renewal") if s != rules.PAYMENT_STAGE
    ]


def _queries(sim) -> int:
    with CaptureQueriesContext(connection) as captured:
        figures(sim)
    return len(captured)


def test_the_figures_cost_a_fixed_number_of_queries(day, walk_in, django_assert_max_num_queries):
    before = _queries(day)
    for i in range(30, 40):
        walk_in(i, now=at(11, i - 30))
    for i in range(10):
        called = at(12, 3 * i)
        serve(
            day,
            "registration",
            called,
            called + timedelta(minutes=1),
            counter=day.second,
            clerk=day.second_clerk,
        )
    for i in range(5):
        called = at(13, 3 * i)
        serve(day, "documents", called, called + timedelta(minutes=2))
    assert _queries(day) == before
    # Two per dimension (5) and metric (2), and one for the days.
    with django_assert_max_num_queries(21):
        figures(day)


def test_the_csv_has_a_row_per_group_and_day(day):
    data = figures(day)
    handle = io.StringIO()
    exports.write_csv(handle, data)
    rows = list(csv.DictReader(io.StringIO(handle.getvalue())))
    overall = next(r for r in rows if r["metric"] == "wait" and r["dimension"] == "overall")
    assert (overall["count"], overall["p50_seconds"], overall["p90_seconds"], overall["max_seconds"]) == (
        "12",
        "900",
        "1800",
        "2700",
    )
    assert overall["within_standard"] == "11" and overall["wait_min_15-30"] == "5"
    assert overall["service_min_0-1"] == ""
    hour = next(
        r for r in rows if r["metric"] == "service" and r["dimension"] == "hour" and r["group"] == "10:00"
    )
    assert hour["count"] == "2" and hour["service_min_0-1"] == "1" and hour["service_min_10-20"] == "1"
    days = [r for r in rows if r["metric"] == "visit"]
    assert len(days) == 7 and days[-1]["issued"] == "12"


def _nearest_rank(values, p):
    ordered = sorted(values)
    return ordered[-(-p * len(ordered) // 100) - 1]


def test_database_percentiles_match_the_nearest_rank_definition(sim, walk_in):
    """For any set of waits, the window query's p50/p90/max equal the textbook nearest rank."""
    from hypothesis import given, settings
    from hypothesis import strategies as st

    from bersih.licensing.models import LineEntry

    ticket = walk_in(1, now=at(8))
    LineEntry.objects.filter(ticket=ticket).update(state=LineEntry.DONE)
    today = timezone.localdate()

    @settings(max_examples=40)
    @given(
        groups=st.lists(
            st.lists(st.integers(min_value=0, max_value=4 * 3600), min_size=1, max_size=25),
            min_size=1,
            max_size=3,
        )
    )
    def check(groups):
        LineEntry.objects.filter(ticket=ticket, stage__in=rules.STAGE_ORDER[1:4]).delete()
        rows = []
        for stage, waits in zip(rules.STAGE_ORDER[1:4], groups, strict=False):
            for wait in waits:
                rows.append(
                    LineEntry(
                        unit=sim.unit,
                        ticket=ticket,
                        day=today,
                        stage=stage,
                        state=LineEntry.DONE,
                        entered_at=at(8),
                        called_at=at(8) + timedelta(seconds=wait),
                        finished_at=at(8) + timedelta(seconds=wait + 60),
                    )
                )
        LineEntry.objects.bulk_create(rows)
        entries = LineEntry.objects.filter(unit=sim.unit, day=today, stage__in=rules.STAGE_ORDER[1:4])
        found = by_key(statistics.distribution(entries, statistics.WAIT, "stage"))
        for stage, waits in zip(rules.STAGE_ORDER[1:4], groups, strict=False):
            row = found[stage]
            assert row["count"] == len(waits)
            assert row["p50"] == pytest.approx(_nearest_rank(waits, 50))
            assert row["p90"] == pytest.approx(_nearest_rank(waits, 90))
            assert row["max"] == pytest.approx(max(waits))
            assert sum(row["buckets"]) == len(waits)

    check()
