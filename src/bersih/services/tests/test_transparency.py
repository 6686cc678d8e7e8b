"""Transparency: the public page and the open-data API (JSON, CSV) with figures per service and month,
computed in the database in a fixed number of queries, with small counts withheld and no personal
data."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.cache import cache

from bersih.services import selectors
from bersih.services.models import Case, CaseEvent
from bersih.services.testing import NIK, file_complaint, file_request

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english_messages")]
WIB = ZoneInfo("Asia/Jakarta")
TODAY = date(2026, 11, 20)
SUBMITTED = datetime(2026, 11, 10, 9, 0, tzinfo=WIB)


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def figures(org):
    """Six SKTLK requests in November (five completed in 1 to 5 hours, one of them escalated on the way;
    one open and overdue), two SKCK requests, two complaints (one a pungli report), and one SKTLK
    request a year before (outside the period)."""
    for hours in range(1, 6):
        case = file_request(org, "sktlk", salt=str(hours), now=SUBMITTED).case
        Case.objects.filter(pk=case.pk).update(
            status="issued", closed_at=SUBMITTED + timedelta(hours=hours), due_at=None
        )
        if hours == 5:
            CaseEvent.objects.create(case=case, at=SUBMITTED + timedelta(hours=2), kind=CaseEvent.ESCALATED)
    file_request(org, "sktlk", salt="open", now=SUBMITTED)
    for n in range(2):
        file_request(org, "skck", salt=str(n), now=SUBMITTED)
    file_complaint(org, "pungli", "anonim", now=SUBMITTED)
    file_complaint(org, "service_quality", "named", now=SUBMITTED)
    file_request(org, "sktlk", salt="old", now=SUBMITTED - timedelta(days=365))


def _row(data, service, month="2026-11"):
    return next(r for r in data["rows"] if r["service"] == service and r["month"] == month)


def test_figures_per_service_and_month_with_small_counts_withheld(figures, django_assert_num_queries):
    with django_assert_num_queries(2):
        data = selectors.open_data_services(today=TODAY, fresh=True)
    assert data["period"] == {"from": "2025-12", "to": "2026-11"} and data["suppression_threshold"] == 5
    assert len(data["rows"]) == 5 * 12  # every Sipmas service, every month, zeros included
    sktlk = _row(data, "sktlk")
    assert sktlk["received"] == 6 and sktlk["completed"] == 5
    assert sktlk["median_completion_hours"] == 3.0  # nearest rank of 1, 2, 3, 4, 5 hours
    assert sktlk["sla_compliance_percent"] == round(100 * 4 / 6, 1)  # 4 met; 1 escalated, 1 overdue
    assert sktlk["suppressed"] == []
    skck = _row(data, "skck")
    assert skck["received"] is None and skck["sla_compliance_percent"] is None  # 2 overdue: too few
    assert skck["suppressed"] == ["received", "sla_compliance_percent"]
    assert skck["completed"] == 0 and skck["median_completion_hours"] is None
    dumas = _row(data, "dumas")
    assert dumas["received"] is None and "received" in dumas["suppressed"]
    empty = _row(data, "lp")
    assert empty["received"] == 0 and empty["suppressed"] == [] and empty["sla_compliance_percent"] is None
    assert all(r["received"] in (0, None) for r in data["rows"] if r["month"] != "2026-11")


def test_a_median_or_share_over_fewer_than_five_cases_is_withheld(org):
    for hours in range(1, 7):
        case = file_request(org, "lp", salt=str(hours), now=SUBMITTED).case
        if hours <= 3:
            Case.objects.filter(pk=case.pk).update(closed_at=SUBMITTED + timedelta(hours=hours), due_at=None)
    row = _row(selectors.open_data_services(today=TODAY, fresh=True), "lp")
    assert row["received"] == 6 and row["completed"] is None and row["median_completion_hours"] is None
    assert set(row["suppressed"]) >= {"completed", "median_completion_hours"}


def test_the_query_count_does_not_grow_with_the_cases(figures, org, django_assert_num_queries):
    for n in range(5):
        file_request(org, "keramaian", salt=f"more{n}", now=SUBMITTED)
    with django_assert_num_queries(2):
        data = selectors.open_data_services(today=TODAY, fresh=True)
    assert _row(data, "keramaian")["received"] == 5


def test_figures_are_cached(figures, org):
    first = selectors.open_data_services(today=TODAY)
    for n in range(5):
        file_request(org, "keramaian", salt=f"later{n}", now=SUBMITTED)
    assert selectors.open_data_services(today=TODAY) == first  # until the cache expires
    assert _row(selectors.open_data_services(today=TODAY, fresh=True), "keramaian")["received"] == 5


def _responses(client):
    return {
        "json": client.get("/api/v1/open-data/services.json"),
        "csv": client.get("/api/v1/open-data/services.csv"),
        "page": client.get("/layanan/transparansi/"),
    }


def test_the_api_and_the_page_publish_no_personal_data(client, org):
    now = datetime.now(WIB)
    for n in range(5):
        file_request(
            org,
            "sktlk",
            salt=str(n),
            now=now,
            requester={"full_name": "Siti Aminah", "nik": NIK, "phone": "0812-3456-7890"},
            description="Dompet hilang di Pasar Baru",
        )
    file_complaint(org, "pungli", "named", requester={"full_name": "Budi Santoso", "email": "budi@x.id"})
    responses = _responses(client)
    for name, response in responses.items():
        assert response.status_code == 200, name
        body = response.content.decode()
        for private in ("Siti", "Aminah", NIK, "3456", "Budi", "budi@x.id", "Pasar", "Rp200.000", "pungli"):
            assert private not in body, (name, private)
    data = responses["json"].json()
    month = now.strftime("%Y-%m")
    assert _row(data, "sktlk", month)["received"] == 5
    dumas = _row(data, "dumas", month)
    assert dumas["received"] is None and "received" in dumas["suppressed"]
    rows = list(csv.DictReader(io.StringIO(responses["csv"].content.decode())))
    assert responses["csv"]["Content-Type"].startswith("text/csv")
    assert list(rows[0]) == ["service", "service_name", "month", *selectors.OPEN_DATA_FIGURES]
    dumas = next(r for r in rows if r["service"] == "dumas" and r["month"] == month)
    assert dumas["received"] == "<5"
    sktlk = next(r for r in rows if r["service"] == "sktlk" and r["month"] == month)
    assert sktlk["received"] == "5"
    page = responses["page"].content.decode()
    assert "&lt;5" in page and "/api/v1/open-data/services.csv" in page


def test_the_open_data_needs_no_key_and_refuses_writes(client):
    assert client.get("/api/v1/open-data/services.json").status_code == 200
    assert client.post("/api/v1/open-data/services.json").status_code == 405
