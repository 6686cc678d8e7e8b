"""The assessment pages: who may see and act, answers and evidence through the forms, bad input shown
and nothing changed, rounds, and the downloads."""

from __future__ import annotations

import io
from datetime import date

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from bersih.core.testing import sign_in
from bersih.integrity import services
from bersih.integrity.models import AnswerEvidence, AssessmentAnswer

# Messages are compared in English, the source language.
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english_messages")]


@pytest.fixture
def coordinator(org, make_user):
    return make_user("koordinator", "supervisor", org.bks, language="en")


@pytest.fixture
def assessment(org, coordinator):
    return services.assessment_create(
        actor=coordinator,
        unit=org.bks,
        title="ZI Polres 2026",
        period_start=date(2026, 1, 1),
        period_end=date(2026, 12, 31),
    )


@pytest.fixture
def signed_in(client, coordinator):
    sign_in(client, coordinator)
    return client


def test_pages_need_a_sign_in_and_hide_other_units_assessments(client, assessment, make_user, org):
    url = reverse("integrity:assessment", args=[assessment.pk])
    assert client.get(url).status_code == 302
    sign_in(client, make_user("depok-head", "supervisor", org.dpk))
    assert client.get(url).status_code == 404
    assert client.get(reverse("integrity:assessment-area", args=[assessment.pk, "PW"])).status_code == 404
    assert "ZI Polres 2026" not in client.get(reverse("integrity:assessments")).content.decode()


def test_the_list_creates_an_assessment(signed_in, english_messages):
    response = signed_in.post(
        reverse("integrity:assessments"),
        {
            "title": "ZI 2027",
            "period_start": "2027-01-01",
            "period_end": "2027-12-31",
            "target": "wbk",
            "prior_status": "",
        },
    )
    assert response.status_code == 302
    page = signed_in.get(response["Location"]).content.decode()
    assert "ZI 2027" in page and "Total 0.00 of 100 — below 75.00" in page
    bad = signed_in.post(
        reverse("integrity:assessments"),
        {"title": "", "period_start": "x", "period_end": "", "target": "gold"},
    )
    assert bad.status_code == 400


def test_answering_through_the_area_page(signed_in, assessment, english_messages):
    save = reverse("integrity:answer-save", args=[assessment.pk, "PW.4.a"])
    response = signed_in.post(save, {"value": "A", "comment": "<script>x</script>SK WBS 2026"})
    assert response.status_code == 302 and response["Location"].endswith("#q-PW.4.a")
    page = signed_in.get(reverse("integrity:assessment-area", args=[assessment.pk, "PW"])).content.decode()
    assert "&lt;script&gt;x&lt;/script&gt;SK WBS 2026" in page and "<script>x" not in page
    numeric = reverse("integrity:answer-save", args=[assessment.pk, "PW.R2.a"])
    signed_in.post(numeric, {"first": "45", "second": "50"})
    assert AssessmentAnswer.objects.get(question="PW.R2.a").value == [45.0, 50.0]
    wrong = signed_in.post(numeric, {"first": "60", "second": "50"}, follow=True)
    assert "larger than the whole" in wrong.content.decode()
    assert AssessmentAnswer.objects.get(question="PW.R2.a").value == [45.0, 50.0]
    signed_in.post(save, {"value": "Q"})
    assert AssessmentAnswer.objects.get(question="PW.4.a").value == "A"
    assert (
        signed_in.post(
            reverse("integrity:answer-save", args=[assessment.pk, "NOPE"]), {"value": "A"}
        ).status_code
        == 404
    )


def test_evidence_through_the_area_page(signed_in, assessment):
    signed_in.post(reverse("integrity:answer-save", args=[assessment.pk, "PW.4.a"]), {"value": "A"})
    url = reverse("integrity:evidence-save", args=[assessment.pk, "PW.4.a"])
    signed_in.post(
        url, {"label": "Pengaduan pungli di Sipmas", "link": "/layanan/staf/kasus/?kategori=pungli"}
    )
    signed_in.post(url, {"label": "Bukan PDF", "file": io.BytesIO(b"MZ\x90\x00")})
    signed_in.post(url, {"label": "Tautan jahat", "link": "javascript:alert(1)"})
    assert list(AnswerEvidence.objects.values_list("label", flat=True)) == ["Pengaduan pungli di Sipmas"]


def test_rounds_advance_and_downloads_carry_the_answers(signed_in, assessment, english_messages):
    signed_in.post(reverse("integrity:answer-save", args=[assessment.pk, "PW.4.a"]), {"value": "A"})
    signed_in.post(reverse("integrity:assessment-advance", args=[assessment.pk]))
    assessment.refresh_from_db()
    assert assessment.round == "tpi"
    workbook = signed_in.get(reverse("integrity:assessment-workbook", args=[assessment.pk]))
    rows = {
        row[0]: row
        for row in load_workbook(io.BytesIO(workbook.content))["LKE"].iter_rows(values_only=True)
        if row[0]
    }
    assert rows["PW.4.a"][4] == "A"
    report = signed_in.get(reverse("integrity:assessment-report", args=[assessment.pk]))
    assert report["Content-Type"] == "application/pdf" and report.content.startswith(b"%PDF")


def test_an_officer_without_the_advance_permission_cannot_close_a_round(client, assessment, make_user, org):
    sign_in(client, make_user("petugas", "officer", org.bks))
    assert client.post(reverse("integrity:assessment-advance", args=[assessment.pk])).status_code == 403
    assessment.refresh_from_db()
    assert assessment.round == "self"


def test_the_report_carries_the_survey_results_of_the_period(signed_in, assessment, org):
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from bersih.documents.testing import pdf_text
    from bersih.integrity.services import survey_submit

    when = datetime(2026, 6, 1, 10, tzinfo=ZoneInfo("Asia/Jakarta"))
    survey_submit(
        answers={"skm": {f"U{n}": 3 for n in range(1, 10)}},
        channel="walk_in",
        service="skck",
        unit=org.bks_intelkam,
        now=when,
    )
    report = signed_in.get(reverse("integrity:assessment-report", args=[assessment.pk]))
    text = " ".join(pdf_text(report.content).split())
    assert "Citizen surveys" in text and "75.00 (C)" in text


def test_a_head_assigns_a_coordinator_on_the_assessment_page(
    signed_in, assessment, make_user, org, english_messages
):
    officer = make_user("koord-page", "officer", org.bks_siwas, full_name="Koordinator Pengawasan")
    page = signed_in.get(reverse("integrity:assessment", args=[assessment.pk])).content.decode()
    assert "Koordinator Pengawasan" in page  # offered in the choice
    signed_in.post(reverse("integrity:coordinator-save", args=[assessment.pk, "PW"]), {"user": officer.pk})
    assert assessment.coordinators.get().user == officer
    signed_in.post(reverse("integrity:coordinator-save", args=[assessment.pk, "PW"]), {"user": "999999"})
    assert assessment.coordinators.get().user == officer
