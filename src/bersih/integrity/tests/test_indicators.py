"""Evidence from the system: live figures offered as answers to their LKE questions."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from bersih.core.testing import sign_in
from bersih.integrity import indicators, services
from bersih.integrity.lke import lke_version
from bersih.services import services as sipmas
from bersih.services.testing import file_complaint, file_request, sipmas_staff

pytestmark = pytest.mark.django_db
WIB = ZoneInfo("Asia/Jakarta")


@pytest.fixture
def staff(org, make_user):
    return sipmas_staff(org, make_user)


def test_the_figures_come_from_the_cases_of_the_period(org, staff):
    now = datetime.now(tz=WIB)
    complaint = file_complaint(org, "pungli", now=now - timedelta(days=3)).case
    file_complaint(org, "service_quality", privacy="named", channel="email", now=now - timedelta(days=2))
    sipmas.case_transition(actor=staff.siwas, case=complaint, status="verified", now=now - timedelta(days=2))
    sipmas.case_transition(
        actor=staff.siwas,
        case=complaint,
        status="answered",
        reason="Petugas diperiksa Propam",
        now=now - timedelta(days=1),
    )
    request = file_request(org, "sktlk", now=now - timedelta(hours=3)).case
    sipmas.case_transition(
        actor=staff.spkt, case=request, status="issued", now=now - timedelta(hours=2, minutes=30)
    )
    figures = indicators.figures(staff.kapolres, start=date.today() - timedelta(days=30), end=date.today())
    assert figures["complaints_handled"].value == [1, 2]
    assert figures["complaint_channels"].value == "C" and "email, web" in figures["complaint_channels"].figure
    assert figures["wbs_used"].value == "B"  # one report, not finished yet
    assert figures["service_standards"].value == "A"
    assert figures["innovations_in_use"].value == "D"  # only Sipmas had cases in this period


def test_offered_values_fit_each_questions_answer_type():
    lke = lke_version("90-2021.1")
    offered = {
        "complaint_channels": indicators.Offered("complaint_channels", "B", "", "/"),
        "complaints_handled": indicators.Offered("complaints_handled", [3, 4], "", "/"),
        "wbs_present": indicators.Offered("wbs_present", "E", "", "/"),
    }
    result = indicators.offered_for(lke.questions, offered)
    assert result["PW.3.a"].value == "B"  # A-D
    assert result["PP.R2.a"].value == "B"  # A-E
    assert result["PW.R2.a"].value == [3, 4]  # a numeric pair
    assert result["PW.4.a"].value == "C"  # E on an A-C question is its lowest


def test_the_area_page_offers_the_figures_and_an_override_needs_a_reason(
    client, org, staff, english_messages
):
    coordinator = staff.satlantas_head
    assessment = services.assessment_create(
        actor=coordinator,
        unit=org.bks,
        title="ZI",
        period_start=date(date.today().year, 1, 1),
        period_end=date(date.today().year, 12, 31),
    )
    sign_in(client, coordinator)
    page = client.get(reverse("integrity:assessment-area", args=[assessment.pk, "PW"])).content.decode()
    assert "The system offers" in page and "complaints followed up" in page
    save = reverse("integrity:answer-save", args=[assessment.pk, "PW.R2.a"])
    response = client.post(save, {"first": "9", "second": "10", "offered": "[0, 0]"}, follow=True)
    assert "Say why the value offered by the system is not taken." in response.content.decode()
    client.post(
        save,
        {
            "first": "9",
            "second": "10",
            "offered": "[0, 0]",
            "override_reason": "Pengaduan lisan dicatat manual",
        },
    )
    assert services.round_answers(assessment, "self")["PW.R2.a"] == (9.0, 10.0)
