"""Leadership monitoring: the figures across modules, scope, the drill-down, bounded queries and the
weekly summary sent to leadership."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from bersih.core.testing import sign_in
from bersih.documents.testing import pdf_text
from bersih.ledger.models import Entry
from bersih.notify.attachments import load_bytes
from bersih.notify.models import Message
from bersih.services import monitoring_report, monitoring_selectors, services
from bersih.services.models import Case
from bersih.services.monitoring_testing import bulk_cases, bulk_tickets, bulk_violations
from bersih.services.testing import file_complaint, file_request

pytestmark = pytest.mark.django_db
WIB = ZoneInfo("Asia/Jakarta")
# Monday 16 November 2026, 09:00 WIB: the week's first working day.
MONDAY = datetime(2026, 11, 16, 9, 0, tzinfo=WIB)
NOW = datetime(2026, 11, 20, 15, 0, tzinfo=WIB)  # the Friday after


@pytest.fixture(autouse=True)
def isolated_files(settings, tmp_path):
    settings.KEYS_DIR = tmp_path / "keys"
    settings.MEDIA_ROOT = tmp_path / "files"
    settings.TIMESTAMP_URL = ""
    settings.DOCUMENT_DEV_CA = True
    settings.DOCUMENT_TRUST_ROOTS = []


@pytest.fixture
def world(org, staff):
    """A week of real cases through the services: one SKTLK served in time and one late (escalated by the
    sweep, then issued), two SKCK still open (one past its clock), a pungli complaint verified and answered
    in time, a complaint about Satlantas left waiting past its verification deadline."""
    quick = file_request(org, "sktlk", now=MONDAY, salt="1").case
    services.case_transition(
        actor=staff.spkt, case=quick, status="issued", now=MONDAY + timedelta(minutes=30)
    )
    late = file_request(org, "sktlk", now=MONDAY, salt="2").case
    services.case_assign(actor=staff.spkt_head, case=late, assignee=staff.spkt, now=MONDAY)
    services.services_sla_sweep(now=MONDAY + timedelta(hours=2))
    late.refresh_from_db()
    services.case_transition(actor=staff.spkt, case=late, status="issued", now=MONDAY + timedelta(hours=3))
    overdue = file_request(org, "skck", now=MONDAY, salt="3").case
    services.case_assign(actor=staff.intelkam_head, case=overdue, assignee=staff.intelkam, now=MONDAY)
    fresh = file_request(org, "skck", now=NOW - timedelta(hours=1), salt="4").case
    pungli = file_complaint(org, now=MONDAY).case
    services.case_transition(
        actor=staff.siwas, case=pungli, status="verified", now=MONDAY + timedelta(hours=4)
    )
    services.case_transition(
        actor=staff.siwas,
        case=pungli,
        status="answered",
        reason="Petugas diperiksa.",
        now=NOW - timedelta(hours=3),
    )
    about_satlantas = file_complaint(
        org, category="service_quality", privacy="named", complained_unit=org.bks_satlantas, now=MONDAY
    ).case
    return {
        "quick": quick,
        "late": late,
        "overdue": overdue,
        "fresh": fresh,
        "pungli": pungli,
        "about_satlantas": about_satlantas,
    }


def _overview(user, **kwargs):
    return monitoring_selectors.overview(user, start=MONDAY.date(), end=NOW.date(), now=NOW, **kwargs)


def _row(data, service):
    return next(row for row in data["rows"] if row["service"] == service)


def test_the_figures_per_service_count_volume_backlog_breaches_and_compliance(world, staff):
    data = _overview(staff.kapolres)
    sktlk, skck, dumas = _row(data, "sktlk"), _row(data, "skck"), _row(data, "dumas")
    assert (sktlk["volume"], sktlk["closed"], sktlk["backlog"]) == (2, 2, 0)
    # One issued in time, one issued after the sweep escalated it: half compliant.
    assert (sktlk["met"], sktlk["breached"], sktlk["judged"], sktlk["compliance"]) == (1, 1, 2, 0.5)
    # Open SKCKs: the one past its working-day clock is breached and judged; the fresh one is not judged.
    assert (skck["volume"], skck["backlog"], skck["breached"], skck["judged"], skck["met"]) == (2, 2, 1, 1, 0)
    assert skck["compliance"] == 0
    # The complaint about Satlantas waited past its 3 working days of verification.
    assert (dumas["volume"], dumas["breached"]) == (2, 1)
    follow = data["follow_up"]
    assert (follow["received"], follow["followed_up"], follow["on_time"]) == (2, 1, 1)
    assert follow["rate"] == 0.5
    assert data["totals"]["volume"] == 6 and data["totals"]["breached"] == 3
    # Owners of the breached cases: the handling unit and officer.
    owners = {case.tracking_number: (case.unit, case.assignee) for case in data["breached_cases"]}
    assert owners == {
        world["late"].tracking_number: (staff.spkt.assignments.get().unit, staff.spkt),
        world["overdue"].tracking_number: (staff.intelkam.assignments.get().unit, staff.intelkam),
        world["about_satlantas"].tracking_number: (world["about_satlantas"].unit, None),
    }
    weeks = {row["key"]: row for row in data["by_week"]}
    assert weeks[MONDAY.date()]["volume"] == 6 and weeks[MONDAY.date()]["breached"] == 3
    units = {row["label"]: row for row in data["by_unit"]}
    assert units[world["late"].unit.name] == {
        "key": world["late"].unit_id,
        "label": world["late"].unit.name,
        "volume": 2,
        "breached": 1,
    }


def test_a_unit_head_sees_only_the_units_scope_and_never_complaints_about_the_unit(world, staff, client):
    data = _overview(staff.satlantas_head)
    assert _row(data, "dumas")["volume"] == 0 and data["totals"]["volume"] == 0
    intelkam = _overview(staff.intelkam_head)
    assert intelkam["totals"]["volume"] == 2 and _row(intelkam, "skck")["breached"] == 1
    sign_in(client, staff.satlantas_head)
    listed = client.get(
        reverse("services:monitor-items"),
        {"module": "sipmas", "figure": "volume", "start": "2026-11-16", "end": "2026-11-20"},
    )
    assert listed.status_code == 200
    assert world["about_satlantas"].tracking_number not in listed.content.decode()
    oversight = client.get  # the Kapolres sees the complaint about Satlantas
    sign_in(client, staff.kapolres)
    page = oversight(
        reverse("services:monitor-items"),
        {"module": "sipmas", "figure": "breached", "start": "2026-11-16", "end": "2026-11-20"},
    )
    assert world["about_satlantas"].tracking_number in page.content.decode()


def test_the_page_needs_the_monitoring_permission(world, staff, client):
    url = reverse("services:monitor")
    assert client.get(url).status_code == 302  # to sign in
    sign_in(client, staff.spkt)  # an officer: not leadership, oversight or a supervisor
    assert client.get(url).status_code == 403
    assert client.get(reverse("services:monitor-items"), {"module": "sipmas"}).status_code == 403
    sign_in(client, staff.oversight)
    assert client.get(url).status_code == 200


def test_the_page_shows_every_module_with_charts_and_links_to_the_items(world, staff, client):
    sign_in(client, staff.kapolres)
    response = client.get(reverse("services:monitor"), {"start": "2026-11-16", "end": "2026-11-20"})
    html = response.content.decode()
    assert response.status_code == 200
    assert html.count("<svg") == 4 and "chart-weeks" in html and "chart-late-units" in html
    assert world["late"].tracking_number in html and staff.spkt.display_name in html
    assert "module=sipmas&amp;figure=breached&amp;service=sktlk" in html
    assert "module=sim&amp;figure=volume" in html and "module=etle&amp;figure=volume" in html


@pytest.mark.parametrize(
    "params",
    [
        {"start": "2026-11-20", "end": "2026-11-16"},  # the wrong way round
        {"start": "2020-01-01", "end": "2026-11-20"},  # too long
        {"start": "kemarin", "end": "2026-11-20"},
    ],
)
def test_a_malformed_period_answers_400(staff, client, params):
    sign_in(client, staff.kapolres)
    assert client.get(reverse("services:monitor"), params).status_code == 400


@pytest.mark.parametrize(
    "params",
    [
        {"module": "kas"},
        {"module": "sipmas", "figure": "semua"},
        {"module": "sipmas", "service": "<script>"},
        {"module": "sipmas", "week": "2026-11-18"},  # not a Monday
        {"module": "sipmas", "unit": "abc"},
        {"module": "sipmas", "start": "2026-11-20", "end": "2026-11-01"},
    ],
)
def test_malformed_drill_down_parameters_answer_400_and_list_nothing(world, staff, client, params):
    sign_in(client, staff.kapolres)
    query = {"start": "2026-11-16", "end": "2026-11-20", **params}
    response = client.get(reverse("services:monitor-items"), query)
    assert response.status_code == 400
    assert world["late"].tracking_number not in response.content.decode()
    assert "<script>" not in response.content.decode()


def test_the_drill_down_lists_the_items_behind_a_figure_by_unit_and_week(world, staff, client, org):
    sign_in(client, staff.kapolres)
    base = {"module": "sipmas", "start": "2026-11-16", "end": "2026-11-20"}
    url = reverse("services:monitor-items")
    breached = client.get(url, {**base, "figure": "breached", "service": "sktlk"}).content.decode()
    assert world["late"].tracking_number in breached and world["quick"].tracking_number not in breached
    met = client.get(url, {**base, "figure": "met"}).content.decode()
    assert world["quick"].tracking_number in met and world["late"].tracking_number not in met
    unit = client.get(url, {**base, "unit": world["overdue"].unit_id}).content.decode()
    assert world["overdue"].tracking_number in unit and world["late"].tracking_number not in unit
    depok = file_request(org, "sktlk", unit=org.dpk, now=MONDAY, salt="5").case
    outside = client.get(url, {**base, "unit": depok.unit_id}).content.decode()  # another Polres
    assert depok.tracking_number not in outside and world["late"].tracking_number not in outside
    other_week = client.get(url, {**base, "week": "2026-11-09"}).content.decode()
    assert world["late"].tracking_number not in other_week
    followed = client.get(url, {**base, "figure": "followed_on_time"}).content.decode()
    assert world["pungli"].tracking_number in followed
    assert world["about_satlantas"].tracking_number not in followed


def test_sim_and_etle_figures_come_from_their_modules(org, staff):
    from bersih.etle.testing import machine, make_camera

    bulk_tickets(org.bks_satpas, 34, now=NOW, days=3)
    camera = make_camera(org.bks_satlantas, machine(org.bks_satlantas, "cam").client)
    bulk_violations(org.bks_satlantas, camera, 20, now=NOW, days=3)
    data = _overview(staff.oversight)
    sim, etle = _row(data, "sim"), _row(data, "etle")
    from bersih.licensing.models import Ticket

    tickets = Ticket.objects.filter(day__gte=MONDAY.date(), day__lte=NOW.date())
    done = tickets.filter(state=Ticket.DONE)
    within = [t for t in done if (t.closed_at - t.issued_at) <= timedelta(minutes=180)]
    assert sim["volume"] == tickets.count() > 0
    assert sim["met"] == len(within) and sim["breached"] == done.count() - len(within)
    assert sim["judged"] == done.count()  # failed tests are judged neither way
    assert etle["volume"] == 20 and etle["backlog"] == 5 and etle["breached"] is None
    assert len(data["breached_tickets"]) == min(sim["breached"], monitoring_selectors.BREACHED_ROWS)
    # A Sipmas supervisor outside traffic sees no SIM or ETLE items.
    assert _row(_overview(staff.intelkam_head), "sim")["volume"] == 0


def _queries(client, url, params) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url, params).status_code == 200
    return len(captured)


def test_the_overview_and_drill_down_cost_the_same_queries_on_small_and_larger_data(
    org, staff, client, django_assert_max_num_queries
):
    from bersih.etle.testing import machine, make_camera

    camera = make_camera(org.bks_satlantas, machine(org.bks_satlantas, "cam").client)
    sign_in(client, staff.kapolres)
    params = {"start": "2026-06-01", "end": "2026-11-20"}
    items = {**params, "module": "sipmas", "figure": "breached"}
    counts = []
    for size in (12, 600):
        bulk_cases(org, size, now=NOW, seed=size)
        bulk_tickets(org.bks_satpas, size // 6, now=NOW, seed=size)
        bulk_violations(org.bks_satlantas, camera, size // 6, now=NOW, seed=size)
        with django_assert_max_num_queries(20):
            overview = _queries(client, reverse("services:monitor"), params)
        with django_assert_max_num_queries(12):
            listed = _queries(client, reverse("services:monitor-items"), items)
        counts.append((overview, listed))
    print("QUERIES", counts)
    assert counts[0] == counts[1], counts
    assert Case.objects.count() == 612


# --- The weekly summary -------------------------------------------------------------------------------

NEXT_MONDAY = datetime(2026, 11, 23, 7, 0, tzinfo=WIB)


def test_the_weekly_summary_sends_last_weeks_pdf_to_leadership_once(world, staff, org, make_user):
    deputy = make_user("wakapolres", "leadership", org.bks_leadership, email="waka@polri.test")
    make_user("no-mail", "leadership", org.bks, email="")
    result = monitoring_report.services_weekly_summary_sweep(now=NEXT_MONDAY)
    assert result == {"summaries": 1}  # Depok has no leadership person: nothing to send
    messages = Message.objects.filter(template="services.weekly_summary").order_by("recipient")
    assert [m.recipient for m in messages] == [staff.kapolres.email, deputy.email]
    assert all(m.channel == "email" and "2026-W47" in m.subject_line for m in messages)
    attachment = messages[0].attachments[0]
    assert attachment["name"] == "ringkasan-layanan-bks-2026-W47.pdf"
    assert attachment["content_type"] == "application/pdf"
    pdf = load_bytes(attachment["sha256"])
    text = pdf_text(pdf)
    assert "RINGKASAN MINGGUAN PELAYANAN PUBLIK" in text and "16-11-2026 s.d. 22-11-2026" in text
    assert "Semua layanan" in text and world["late"].tracking_number in text
    assert staff.spkt.display_name in text
    entry = Entry.objects.get(action="services.monitor.weekly_summary")
    assert entry.actor_kind == "system" and entry.subject_ref == "bks 2026-W47"
    assert entry.data["unreachable"] == 1 and len(entry.data["messages"]) == 2
    # The same week again (later that day, or the next hour): nothing new.
    assert monitoring_report.services_weekly_summary_sweep(now=NEXT_MONDAY + timedelta(hours=5)) == {
        "summaries": 0
    }
    assert Message.objects.filter(template="services.weekly_summary").count() == 2
    # The next week makes the next summary.
    assert monitoring_report.services_weekly_summary_sweep(now=NEXT_MONDAY + timedelta(days=7)) == {
        "summaries": 1
    }
    assert Entry.objects.filter(action="services.monitor.weekly_summary").count() == 2


def test_the_weekly_summary_sweep_is_registered():
    from bersih.core.schedule import registered_sweeps

    sweep = registered_sweeps()["services.weekly_summary"]
    assert sweep.function is monitoring_report.services_weekly_summary_sweep


def test_the_nav_entry_shows_for_leadership_only(staff):
    from bersih.core.navigation import navigation_for

    assert "services-monitor" in [e.key for e in navigation_for(staff.kapolres)]
    assert "services-monitor" not in [e.key for e in navigation_for(staff.spkt)]
