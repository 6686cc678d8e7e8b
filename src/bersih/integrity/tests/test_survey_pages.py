"""The survey pages: by invitation (once), by the walk-in link (rate-limited, honeypot, too fast),
partial answers refused, and the public IKM page."""

from __future__ import annotations

import time

import pytest
from django.core import signing
from django.core.cache import cache
from django.urls import reverse

from bersih.integrity.forms import STARTED_SALT
from bersih.integrity.models import SurveyResponse
from bersih.notify.models import Message
from bersih.services import services as sipmas
from bersih.services.testing import file_request, sipmas_staff

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fresh_rate_limits():
    cache.clear()


@pytest.fixture
def invitation_url(org, make_user):
    staff = sipmas_staff(org, make_user)
    case = file_request(org, "sktlk").case
    sipmas.case_transition(actor=staff.spkt, case=case, status="issued")
    body = Message.objects.get(template="services.survey_invitation").body
    return "/integritas/survei/" + body.split("/integritas/survei/")[1].split()[0]


def skm_post(score="4", **extra):
    data = {f"skm-U{n}": score for n in range(1, 10)}
    data.update(extra)
    return data


def started(seconds_ago: float) -> str:
    return signing.dumps(time.time() - seconds_ago, salt=STARTED_SALT)


def test_the_invitation_link_takes_one_survey(client, invitation_url):
    page = client.get(invitation_url)
    assert page.status_code == 200 and "SKTLK" in page.content.decode()
    response = client.post(
        invitation_url, skm_post("3", suggestion="<script>alert(1)</script>Ruang tunggu panas")
    )
    assert response.status_code == 302 and response["Location"] == reverse("integrity:survey-done")
    assert client.get(reverse("integrity:survey-done")).status_code == 200
    response = SurveyResponse.objects.get()
    assert response.channel == "invitation" and response.service == "sktlk"
    again = client.post(invitation_url, skm_post("1"))
    assert again.status_code == 410 and SurveyResponse.objects.count() == 1


def test_a_partial_survey_is_refused_with_the_form_shown_again(client, invitation_url, english_messages):
    data = skm_post()
    del data["skm-U4"]
    assert client.post(invitation_url, data).status_code == 400
    partial_ipak = skm_post(**{"ipak-AK1": "6"})
    response = client.post(invitation_url, partial_ipak)
    assert response.status_code == 400 and "or none of them" in response.content.decode()
    assert client.post(invitation_url, skm_post("7")).status_code == 400
    assert not SurveyResponse.objects.exists()


def test_an_unknown_link_is_not_found(client):
    assert client.get("/integritas/survei/not-a-token/").status_code == 404


def test_the_walk_in_link_refuses_scripts(client, org):
    url = reverse("integrity:survey-walk-in", args=["skck", "bks-intelkam"])
    assert client.get(url).status_code == 200
    assert client.post(url, skm_post(started=started(2))).status_code == 400  # too fast to have read it
    assert client.post(url, skm_post(started="forged")).status_code == 400
    assert client.post(url, skm_post(started=started(60), website="http://spam")).status_code == 400
    assert not SurveyResponse.objects.exists()
    assert client.post(url, skm_post(started=started(60))).status_code == 302
    assert SurveyResponse.objects.get().channel == "walk_in"


def test_the_walk_in_link_is_rate_limited(client, org):
    url = reverse("integrity:survey-walk-in", args=["skck", "bks-intelkam"])
    statuses = [client.post(url, skm_post(started=started(60))).status_code for _ in range(6)]
    assert statuses == [302] * 5 + [429]
    assert SurveyResponse.objects.count() == 5


def test_walk_in_links_of_unknown_services_or_units_are_not_found(client, org):
    assert client.get(reverse("integrity:survey-walk-in", args=["gold", "bks-intelkam"])).status_code == 404
    assert client.get(reverse("integrity:survey-walk-in", args=["skck", "nowhere"])).status_code == 404


def test_the_ikm_page_shows_the_latest_index_per_service(client, invitation_url, english_messages):
    client.post(invitation_url, skm_post("3"))
    page = client.get(reverse("integrity:ikm")).content.decode()
    assert "75.00" in page and ">C<" in page


def test_staff_see_their_units_results_and_the_skm_report(
    client, invitation_url, make_user, org, english_messages
):
    from bersih.core.testing import sign_in
    from bersih.documents.testing import pdf_text

    client.post(invitation_url, skm_post("3", suggestion="Antrean terlalu panjang"))
    sign_in(client, make_user("kasat", "supervisor", org.bks))
    page = client.get(reverse("integrity:surveys")).content.decode()
    assert "IKM 75.00 (C)" in page and "Antrean terlalu panjang" in page
    report = client.get(reverse("integrity:skm-report"))
    text = " ".join(pdf_text(report.content).split())
    assert "75.00 (C" in text and "Persyaratan" in text
    assert (
        client.get(reverse("integrity:surveys"), {"start": "2026-12-01", "end": "2026-01-01"}).status_code
        == 400
    )


def test_other_polres_staff_do_not_see_these_results(
    client, invitation_url, make_user, org, english_messages
):
    from bersih.core.testing import sign_in

    client.post(invitation_url, skm_post("3"))
    sign_in(client, make_user("kasat-depok", "supervisor", org.dpk))
    assert "No survey answers in this period." in client.get(reverse("integrity:surveys")).content.decode()


def test_results_per_unit_and_the_populations_of_every_service(client, org, make_user, english_messages):
    from datetime import date

    from bersih.core.testing import sign_in
    from bersih.integrity.selectors import service_volumes

    url = reverse("integrity:survey-walk-in", args=["skck", "bks-intelkam"])
    client.post(url, skm_post("4", started=started(60)))
    sign_in(client, make_user("kasat2", "supervisor", org.bks))
    page = client.get(reverse("integrity:surveys")).content.decode()
    assert "Per unit" in page and "100.00 (A)" in page
    assert "/integritas/survei/layanan/skck/bks-intelkam/" in page and "<svg" in page  # the hall's QR
    today = date.today()
    assert service_volumes(units=None, since=today.replace(month=1, day=1), until=today) == {}
