"""The ETLE dashboard: its figures against a seeded set, its scope, its query count and its page."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from bersih.core.testing import sign_in
from bersih.etle import selectors
from bersih.etle.models import Violation
from bersih.etle.testing import make_camera

pytestmark = pytest.mark.usefixtures("english_messages")

WIB = ZoneInfo("Asia/Jakarta")
NOW = datetime(2026, 11, 30, 12, 0, tzinfo=WIB)
START, END = date(2026, 11, 1), date(2026, 11, 30)
V = Violation


def at(day, hour, minute=0):
    return datetime(2026, 11, day, hour, minute, tzinfo=WIB)


class Seeder:
    def __init__(self, base):
        self.base = base
        self.n = 0

    def case(self, captured, status, **fields):
        self.n += 1
        copy = Violation.objects.get(pk=self.base.pk)
        copy.pk = None
        copy._state.adding = True
        copy.tracking_number = f"ETLE-DASH-{self.n:05d}"
        copy.reference_code = f"REFDASH{self.n:03d}"
        copy.first_captured_at = copy.last_captured_at = captured
        copy.status = status
        copy.decided_by = fields.pop("decided_by", None)
        copy.decided_at = fields.pop("decided_at", None)
        for name in ("letter_sent_at", "confirmed_at", "paid_at", "blocked_at"):
            setattr(copy, name, fields.pop(name, None))
        for name, value in fields.items():
            setattr(copy, name, value)
        copy.save()
        return copy


@pytest.fixture
def seeded(approved, make_user):
    """Bekasi cases at each stage, on two cameras, one across midnight; a Depok case; an old one."""
    org = approved.etle.org
    base = approved.case
    # The fixture's own case moves out of the period (its captures keep it in the table).
    old = datetime(2026, 9, 1, 8, tzinfo=WIB)
    Violation.objects.filter(pk=base.pk).update(
        first_captured_at=old, last_captured_at=old, decided_at=old, status=V.PAID
    )
    cibitung = make_camera(
        org.bks_satlantas, approved.etle.client.client, code="cam-cibitung-01", name="Cibitung"
    )
    other = make_user("penyidik-2", "investigator", org.bks_satlantas, language="en")
    s = Seeder(base)
    inv, sent = approved.investigator, at(21, 9)
    decided = {"decided_by": inv}
    s.case(
        at(20, 8, 30),
        V.PAID,
        decided_at=at(20, 10),
        letter_sent_at=sent,
        confirmed_at=sent,
        paid_at=sent,
        **decided,
    )
    s.case(
        at(20, 8, 45), V.CONFIRMED, decided_at=at(20, 11), letter_sent_at=sent, confirmed_at=sent, **decided
    )
    # 23.30 WIB on the 21st is 16.30 UTC the same day; 00.30 WIB on the 22nd is 17.30 UTC on the 21st.
    s.case(
        at(21, 23, 30), V.LETTER_SENT, decided_at=at(22, 8), letter_sent_at=sent, camera=cibitung, **decided
    )
    s.case(
        at(22, 0, 30),
        V.LETTER_SENT,
        decided_at=at(22, 9),
        letter_sent_at=sent,
        violation_code="speed",
        **decided,
    )
    s.case(at(22, 7), V.REJECTED, decided_at=at(22, 10), decided_by=other)
    s.case(
        at(23, 7),
        V.RETURNED,
        decided_at=at(23, 8),
        letter_sent_at=sent,
        pause_reason=V.PAUSE_RETURNED_MAIL,
        **decided,
    )
    s.case(
        at(23, 8),
        V.DISPUTED,
        decided_at=at(23, 9),
        letter_sent_at=sent,
        pause_reason=V.PAUSE_DISPUTE,
        **decided,
    )
    s.case(at(24, 8), V.BLOCKED, decided_at=at(24, 9), letter_sent_at=sent, blocked_at=sent, **decided)
    s.case(at(24, 9), V.CANCELLED, decided_at=at(24, 10), letter_sent_at=sent, camera=cibitung, **decided)
    # The review queue: 10 days and 2 days old, and half a day old.
    s.case(NOW - timedelta(days=10), V.IN_REVIEW, violation_code="speed")
    s.case(NOW - timedelta(days=2), V.CAPTURED)
    s.case(NOW - timedelta(hours=12), V.CAPTURED, camera=cibitung)
    # Outside: another Polres's case, and one before the period.
    s.case(
        at(20, 8),
        V.PAID,
        camera=approved.etle.other_camera,
        unit=org.dpk_satlantas,
        decided_at=at(20, 9),
        **decided,
    )
    s.case(
        datetime(2026, 10, 1, 8, tzinfo=WIB),
        V.PAID,
        decided_at=datetime(2026, 10, 1, 9, tzinfo=WIB),
        **decided,
    )
    return approved


def test_the_funnel_and_outcomes_count_the_seeded_cases(seeded):
    data = selectors.dashboard(seeded.supervisor, start=START, end=END, now=NOW)
    assert data["funnel"] == {
        "captured": 12,
        "approved": 8,  # all decided but the rejected one (the cancelled was approved first)
        "sent": 8,
        "confirmed": 2,
        "paid": 1,
        "in_review": 3,
        "rejected": 1,
        "returned": 1,
        "disputed": 1,
        "blocked": 1,
        "blocked_now": 1,
        "cancelled": 1,
    }


def test_cameras_hours_types_and_days_are_counted_in_wib(seeded):
    data = selectors.dashboard(seeded.supervisor, start=START, end=END, now=NOW)
    assert [(row["code"], row["count"]) for row in data["by_camera"]] == [
        ("cam-tambun-01", 9),
        ("cam-cibitung-01", 3),
    ]
    hours = {row["hour"]: row["count"] for row in data["by_hour"] if row["count"]}
    assert len(data["by_hour"]) == 24
    # The queue cases: 12.00 on the 20th, 12.00 on the 28th, 00.00 on the 30th.
    assert hours == {0: 2, 7: 2, 8: 4, 9: 1, 12: 2, 23: 1}
    assert [(row["code"], row["count"]) for row in data["by_type"]] == [("red_light", 10), ("speed", 2)]
    assert data["by_type"][0]["kind"].code == "red_light"
    days = {row["day"]: row["count"] for row in data["by_day"] if row["count"]}
    assert len(data["by_day"]) == 30 and data["by_day"][0]["day"] == START
    assert days == {
        date(2026, 11, 20): 3,
        date(2026, 11, 21): 1,
        date(2026, 11, 22): 2,
        date(2026, 11, 23): 2,
        date(2026, 11, 24): 2,
        date(2026, 11, 28): 1,
        date(2026, 11, 30): 1,
    }


def test_the_backlog_ages_and_officer_throughput(seeded):
    data = selectors.dashboard(seeded.supervisor, start=START, end=END, now=NOW)
    backlog = data["backlog"]
    assert backlog["total"] == 3 and backlog["oldest_age"] == timedelta(days=10)
    assert backlog["median_age"] == timedelta(days=2)
    assert [b["count"] for b in backlog["buckets"]] == [1, 1, 0, 1, 0]
    officers = {row["officer"].username: row for row in data["officers"]}
    assert set(officers) == {"penyidik", "penyidik-2"}
    mine = officers["penyidik"]
    assert (mine["decided"], mine["days"], mine["most"], mine["rejection_rate"]) == (8, 4, 2, 0)
    assert mine["per_day"] == 2.0
    theirs = officers["penyidik-2"]
    assert (theirs["decided"], theirs["rejected"], theirs["rejection_rate"]) == (1, 1, 100)


def test_a_median_of_an_even_queue_is_the_mean_of_the_middle_two(seeded):
    Violation.objects.filter(tracking_number="ETLE-DASH-00012").delete()
    backlog = selectors.dashboard(seeded.supervisor, start=START, end=END, now=NOW)["backlog"]
    assert backlog["total"] == 2 and backlog["median_age"] == timedelta(days=6)


def test_the_period_narrows_the_figures(seeded):
    data = selectors.dashboard(seeded.supervisor, start=date(2026, 11, 22), end=date(2026, 11, 22), now=NOW)
    assert data["funnel"]["captured"] == 2 and len(data["by_day"]) == 1
    assert {row["officer"].username: row["decided"] for row in data["officers"]} == {
        "penyidik": 2,
        "penyidik-2": 1,
    }


def test_another_polres_sees_only_its_own(seeded, make_user):
    depok = make_user("kasat-depok", "supervisor", seeded.etle.org.dpk_satlantas)
    data = selectors.dashboard(depok, start=START, end=END, now=NOW)
    assert data["funnel"]["captured"] == 1 and data["funnel"]["paid"] == 1
    assert [row["code"] for row in data["by_camera"]] == ["cam-depok-01"]
    assert data["backlog"]["total"] == 0 and data["backlog"]["median_age"] is None
    # Polda leadership sees both Polres.
    polda = make_user("kapolda", "leadership", seeded.etle.org.polda)
    assert selectors.dashboard(polda, start=START, end=END, now=NOW)["funnel"]["captured"] == 13


def _queries(user):
    from bersih.core.models import User

    fresh = User.objects.get(pk=user.pk)
    with CaptureQueriesContext(connection) as captured:
        selectors.dashboard(fresh, start=START, end=END, now=NOW)
    return len(captured)


def test_the_figures_cost_a_fixed_number_of_queries(seeded, django_assert_max_num_queries):
    before = _queries(seeded.supervisor)
    seeder = Seeder(Violation.objects.get(tracking_number="ETLE-DASH-00001"))
    seeder.n = 100
    for day in range(1, 20):
        seeder.case(at(day, day % 24), V.LETTER_SENT, decided_at=at(day, 23), decided_by=seeded.supervisor)
        seeder.case(at(day, 3), V.IN_REVIEW)
    assert _queries(seeded.supervisor) == before
    with django_assert_max_num_queries(12):
        selectors.dashboard(seeded.supervisor, start=START, end=END, now=NOW)


def test_the_page_for_supervisors_and_leadership(client, seeded, make_user):
    client.force_login(seeded.officer)
    assert client.get("/etle/staf/dasbor/").status_code == 403
    sign_in(client, seeded.investigator)
    assert client.get("/etle/staf/dasbor/").status_code == 403
    client.force_login(make_user("kasat-depok", "supervisor", seeded.etle.org.dpk_satlantas))
    empty = client.get("/etle/staf/dasbor/", {"start": "2026-11-25", "end": "2026-11-26"})
    assert empty.status_code == 200 and "No violations in this period." in empty.content.decode()
    client.force_login(seeded.supervisor)
    response = client.get("/etle/staf/dasbor/", {"start": "2026-11-01", "end": "2026-11-30"})
    assert response.status_code == 200
    html = response.content.decode()
    assert html.count("<svg") == 6 and html.count('role="img"') == 6
    assert "style=" not in html and "<script>" not in html
    assert "Cibitung" in html and "Show as a table" in html
    leader = make_user("kapolres", "leadership", seeded.etle.org.bks_leadership)
    sign_in(client, leader)
    assert client.get("/etle/staf/dasbor/").status_code == 200


@pytest.mark.parametrize(
    "query",
    [
        {"start": "2026-11-30", "end": "2026-11-01"},
        {"start": "2025-01-01", "end": "2026-11-30"},
        {"start": "x"},
    ],
)
def test_a_bad_period_is_refused_and_the_default_shown(client, seeded, query):
    client.force_login(seeded.supervisor)
    response = client.get("/etle/staf/dasbor/", query)
    assert response.status_code == 400 and b"<svg" in response.content


def test_the_dashboard_tile_is_on_the_staff_home_for_supervisors(client, seeded):
    client.force_login(seeded.supervisor)
    html = client.get("/staf/").content.decode()
    assert "/etle/staf/dasbor/" in html and "/etle/staf/blokir/" in html


def test_chart_coordinates_are_not_localised(client, seeded, settings):
    """Indonesian writes 18,5 for 18.5: SVG coordinates must stay machine numbers in every language."""
    import re

    settings.LANGUAGE_CODE = "id"
    client.force_login(seeded.supervisor)
    html = client.get("/etle/staf/dasbor/", {"start": "2026-11-01", "end": "2026-11-30"}).content.decode()
    svgs = re.findall(r"<svg.*?</svg>", html, flags=re.S)
    assert len(svgs) == 6
    assert not any(re.search(r'="[0-9.]*,[0-9]', svg) for svg in svgs)
    assert 'width="360.0"' in svgs[0] or 'width="360"' in svgs[0]


def test_violation_types_are_named_in_the_page_language(client, seeded, settings):
    from bersih.etle import rules

    data = selectors.dashboard(seeded.supervisor, start=START, end=END, now=NOW)
    codes = {row["code"] for row in data["by_type"]}
    kind = rules.violation_type(sorted(codes)[0])
    settings.LANGUAGE_CODE = "id"
    client.force_login(seeded.supervisor)
    client.cookies["django_language"] = "id"
    html = client.get("/etle/staf/dasbor/", {"start": "2026-11-01", "end": "2026-11-30"}).content.decode()
    assert kind.name_id[:20] in html and kind.name_en[:20] not in html
