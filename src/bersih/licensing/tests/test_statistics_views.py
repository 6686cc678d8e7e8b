"""The statistics and integrity pages and the CSV: who may see them, for which Satpas, at what cost."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from bersih.core.testing import sign_in
from bersih.licensing import services
from bersih.licensing.models import LineEntry

from .test_statistics import at, serve

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english_messages")]

PAGES = ["/sim/staf/statistik/", "/sim/staf/integritas/", "/sim/staf/statistik/csv/"]


@pytest.fixture
def busy(sim, walk_in):
    for n in range(4):
        walk_in(n, now=at(8, n))
    serve(sim, "registration", at(8, 5), at(8, 7))
    services.line_override(
        actor=sim.supervisor,
        entry=LineEntry.objects.filter(state="waiting", stage="registration").order_by("-entered_at").first(),
        counter=sim.counters["registration"],
        reason="Ibu hamil tua, mendesak dilayani",
        now=at(8, 8),
    )
    return sim


@pytest.mark.parametrize("url", PAGES)
def test_clerks_are_forbidden(client, busy, url):
    client.force_login(busy.clerks["registration"])
    assert client.get(url).status_code == 403


@pytest.mark.parametrize("url", PAGES)
def test_supervisors_and_oversight_of_the_polres_may_read(client, busy, org, make_user, url):
    client.force_login(busy.supervisor)
    assert client.get(url).status_code == 200
    sign_in(client, make_user("propam-bekasi", "oversight", org.bks))
    assert client.get(url, {"satpas": "bks-satpas"}).status_code == 200


@pytest.mark.parametrize("url", PAGES)
def test_another_polres_satpas_answers_404(client, busy, org, make_user, url):
    client.force_login(busy.supervisor)
    assert client.get(url, {"satpas": "dpk-satpas"}).status_code == 404
    assert client.get(url, {"satpas": "nowhere"}).status_code == 404
    sign_in(client, make_user("propam-depok", "oversight", org.dpk))
    assert client.get(url, {"satpas": "bks-satpas"}).status_code == 404


def test_the_statistics_page_draws_its_charts_and_tables(client, busy):
    client.force_login(busy.supervisor)
    response = client.get("/sim/staf/statistik/")
    assert response.status_code == 200
    html = response.content.decode()
    assert html.count("<svg") == 5 and html.count('role="img"') == 5
    assert "style=" not in html and "<script>" not in html
    assert "Satpas Polres Metro Bekasi" in html and "90th percentile" in html
    assert "/sim/staf/statistik/csv/?satpas=bks-satpas" in html


def test_the_chart_coordinates_stay_machine_numbers_in_indonesian(client, busy, settings):
    settings.LANGUAGE_CODE = "id"
    client.force_login(busy.supervisor)
    html = client.get("/sim/staf/statistik/").content.decode()
    svgs = re.findall(r"<svg.*?</svg>", html, flags=re.S)
    assert len(svgs) == 5 and not any(re.search(r'="[0-9.]*,[0-9]', svg) for svg in svgs)
    assert "Statistik layanan SIM" in html


def test_the_integrity_page_lists_the_override(client, busy):
    client.force_login(busy.supervisor)
    html = client.get("/sim/staf/integritas/").content.decode()
    assert "Ibu hamil tua, mendesak dilayani" in html
    assert busy.supervisor.display_name in html


def test_the_csv_download(client, busy):
    client.force_login(busy.supervisor)
    today = timezone.localdate()
    response = client.get("/sim/staf/statistik/csv/", {"start": today.isoformat(), "end": today.isoformat()})
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    assert f"sim-statistics-bks-satpas-{today:%Y%m%d}" in response["Content-Disposition"]
    lines = response.content.decode().splitlines()
    assert lines[0].startswith("metric,dimension,group,count")
    assert any(line.startswith("wait,stage,Registration,2,") for line in lines)


@pytest.mark.parametrize(
    "query",
    [
        {"start": "2026-11-30", "end": "2026-11-01"},
        {"start": "2025-01-01", "end": "2026-11-30"},
        {"start": "x"},
    ],
)
def test_a_bad_period_is_refused(client, busy, query):
    client.force_login(busy.supervisor)
    page = client.get("/sim/staf/statistik/", query)
    assert page.status_code == 400 and b"<svg" in page.content
    assert client.get("/sim/staf/integritas/", query).status_code == 400
    assert client.get("/sim/staf/statistik/csv/", query).status_code == 400


def test_a_person_without_a_satpas_sees_a_note(client, org, make_user):
    client.force_login(make_user("kasat-reskrim", "supervisor", org.bks_reskrim))
    response = client.get("/sim/staf/statistik/")
    assert response.status_code == 200 and b"There is no Satpas in your units." in response.content
    assert client.get("/sim/staf/statistik/csv/").status_code == 404


def _page_queries(client, url) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


@pytest.mark.parametrize("url", PAGES[:2])
def test_the_pages_cost_a_fixed_number_of_queries(client, busy, walk_in, url):
    client.force_login(busy.supervisor)
    before = _page_queries(client, url)
    for n in range(10, 20):
        walk_in(n, now=at(9, n - 10))
    entry = busy.counters["registration"].entries.get(state="called")
    services.line_finish(actor=busy.clerks["registration"], entry=entry, now=at(9, 30))
    for minute in range(31, 40):
        serve(busy, "registration", at(9, minute), at(9, minute, 20))
    later = LineEntry.objects.filter(state="waiting", stage="registration").order_by("-entered_at").first()
    services.line_override(
        actor=busy.supervisor,
        entry=later,
        counter=busy.counters["registration"],
        reason="Penyandang disabilitas, kursi roda",
        now=at(10) + timedelta(minutes=1),
    )
    assert _page_queries(client, url) == before


def test_the_tiles_are_on_the_staff_home_for_supervisors_only(client, busy):
    client.force_login(busy.supervisor)
    html = client.get("/staf/").content.decode()
    assert "/sim/staf/statistik/" in html and "/sim/staf/integritas/" in html
    client.force_login(busy.clerks["registration"])
    html = client.get("/staf/").content.decode()
    assert "/sim/staf/statistik/" not in html
