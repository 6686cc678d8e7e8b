"""Citizen surveys: a complete, on-scale answer is stored without identity; an invitation works once
and not after it expires; results per service and month are computed from the database."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from fractions import Fraction
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError

from bersih.integrity.models import SurveyAnswer, SurveyResponse
from bersih.integrity.selectors import survey_results
from bersih.integrity.services import survey_submit
from bersih.ledger.models import Entry
from bersih.services import services as sipmas
from bersih.services.models import SurveyInvitation
from bersih.services.testing import file_request

pytestmark = pytest.mark.django_db
WIB = ZoneInfo("Asia/Jakarta")
NOW = datetime(2026, 11, 27, 10, 0, tzinfo=WIB)


def skm(score=4, **changes):
    return {f"U{n}": score for n in range(1, 10)} | changes


def invitation_token(org, staff) -> str:
    case = file_request(org, "sktlk", now=NOW).case
    sipmas.case_transition(actor=staff.spkt, case=case, status="issued", now=NOW)
    return _token_of(case)


def _token_of(case):
    """The token was only in the message; the test reads it back from the queued e-mail/SMS body."""
    from bersih.notify.models import Message

    body = Message.objects.get(template="services.survey_invitation", subject_id=str(case.pk)).body
    return body.split("/integritas/survei/")[1].split("/")[0]


@pytest.fixture
def staff(org, make_user):
    from bersih.services.testing import sipmas_staff

    return sipmas_staff(org, make_user)


def test_an_invitation_answer_is_stored_for_the_service_and_unit_not_the_person(org, staff):
    token = invitation_token(org, staff)
    responses = survey_submit(
        answers={"skm": skm(3), "ipak": {f"AK{n}": 6 for n in range(1, 9)}},
        channel="invitation",
        token=token,
        now=NOW,
    )
    assert [r.instrument for r in responses] == ["skm", "ipak"]
    assert {(r.service, r.unit.code, r.month) for r in responses} == {
        ("sktlk", "bks-spkt", date(2026, 11, 1))
    }
    assert SurveyAnswer.objects.count() == 9 + 8
    assert not [
        f.name for f in SurveyResponse._meta.get_fields() if f.name in ("case", "invitation", "requester")
    ]
    entry = Entry.objects.get(action="integrity.survey.answered")
    assert entry.actor_kind == "system" and "Siti" not in entry.body
    assert SurveyInvitation.objects.get().used_at == NOW


def test_a_token_works_once(org, staff):
    token = invitation_token(org, staff)
    survey_submit(answers={"skm": skm()}, channel="invitation", token=token, now=NOW)
    with pytest.raises(ValidationError, match="already been used"):
        survey_submit(answers={"skm": skm()}, channel="invitation", token=token, now=NOW)
    assert SurveyResponse.objects.count() == 1


def test_an_expired_or_unknown_token_is_refused(org, staff):
    token = invitation_token(org, staff)
    with pytest.raises(ValidationError, match="expired"):
        survey_submit(answers={"skm": skm()}, channel="invitation", token=token, now=NOW + timedelta(days=15))
    with pytest.raises(ValidationError, match="not valid"):
        survey_submit(answers={"skm": skm()}, channel="invitation", token="guess", now=NOW)
    assert not SurveyResponse.objects.exists() and SurveyInvitation.objects.get().used_at is None


@pytest.mark.parametrize(
    "answers",
    [
        {"skm": {"U1": 4}},  # partial
        {"skm": skm(5)},  # off the 4-point scale
        {"skm": skm(0)},
        {"skm": skm(U3="x")},
        {"skm": skm(U3=True)},
        {"skm": skm(U3="3.5")},
        {"skm": skm() | {"U10": 4}},  # a question that does not exist
        {"skm2": skm()},
        {},
    ],
)
def test_partial_or_off_scale_answers_are_refused_and_nothing_is_stored(org, answers):
    with pytest.raises(ValidationError):
        survey_submit(answers=answers, channel="walk_in", service="skck", unit=org.bks_intelkam, now=NOW)
    assert not SurveyResponse.objects.exists() and not SurveyAnswer.objects.exists()


def test_a_walk_in_survey_names_its_service_and_unit(org):
    with pytest.raises(ValidationError):
        survey_submit(answers={"skm": skm()}, channel="walk_in", now=NOW)
    with pytest.raises(ValidationError):
        survey_submit(answers={"skm": skm()}, channel="fax", service="skck", unit=org.bks_intelkam, now=NOW)
    with pytest.raises(ValidationError):
        survey_submit(
            answers={"skm": skm()},
            channel="walk_in",
            service="skck",
            unit=org.bks_intelkam,
            suggestion="x" * 1001,
            now=NOW,
        )


def test_results_per_service_and_month_match_the_hand_computed_ikm(org):
    # Two respondents for SKCK: all 4s and all 3s -> NRR 3.5 everywhere -> IKM 87.5 (B).
    for score in (4, 3):
        survey_submit(
            answers={"skm": skm(score)}, channel="walk_in", service="skck", unit=org.bks_intelkam, now=NOW
        )
    # One for SKTLK in October with U1 = 1: IKM = (1 + 8 x 4) / 9 x 25 = 91.67 (A).
    survey_submit(
        answers={"skm": skm(4, U1=1)},
        channel="walk_in",
        service="sktlk",
        unit=org.bks_spkt,
        now=NOW - timedelta(days=40),
    )
    results = {r.key: r for r in survey_results(instrument="skm")}
    skck = results[("skck", date(2026, 11, 1))]
    assert skck.respondents == 2 and skck.nrr["U5"] == Fraction(7, 2)
    assert skck.index == Fraction(175, 2) and skck.grade == "B"
    sktlk = results[("sktlk", date(2026, 10, 1))]
    assert sktlk.index == Fraction(33, 9) * 25 and sktlk.grade == "A"
    only_november = survey_results(instrument="skm", since=date(2026, 11, 1))
    assert [r.key for r in only_november] == [("skck", date(2026, 11, 1))]


def test_perception_indices_are_on_the_four_point_scale(org):
    survey_submit(
        answers={"ipak": {f"AK{n}": 6 for n in range(1, 9)}},
        channel="walk_in",
        service="skck",
        unit=org.bks_intelkam,
        now=NOW,
    )
    survey_submit(
        answers={"ipak": {f"AK{n}": 4 for n in range(1, 9)}},
        channel="walk_in",
        service="skck",
        unit=org.bks_intelkam,
        now=NOW,
    )
    (result,) = survey_results(instrument="ipak", group_by=("unit_id",))
    # Mean 5 on the 6-point scale -> 1 + 4 x 3/5 = 3.4 on the 4-point scale.
    assert result.index == Fraction(17, 5) and result.respondents == 2


def test_an_assessment_takes_its_survey_indices_from_the_answers_of_its_units(org, make_user):
    from bersih.integrity import services as integrity

    coordinator = make_user("koordinator", "supervisor", org.bks)
    assessment = integrity.assessment_create(
        actor=coordinator,
        unit=org.bks,
        title="ZI 2026",
        period_start=date(2026, 1, 1),
        period_end=date(2026, 12, 31),
    )
    for score in (6, 5):  # mean 5.5 on the 6-point scale -> 1 + 4.5 x 3/5 = 3.70
        survey_submit(
            answers={"ipak": {f"AK{n}": score for n in range(1, 9)}},
            channel="walk_in",
            service="skck",
            unit=org.bks_intelkam,
            now=NOW,
        )
    survey_submit(
        answers={"ipkp": {f"KP{n}": 3 for n in range(1, 7)}},
        channel="walk_in",
        service="sktlk",
        unit=org.bks_spkt,
        now=NOW,
    )
    survey_submit(
        answers={"ipkp": {f"KP{n}": 1 for n in range(1, 7)}},
        channel="walk_in",
        service="sktlk",
        unit=org.dpk_spkt,
        now=NOW,
    )
    assessment = integrity.assessment_surveys_refresh(actor=coordinator, assessment=assessment)
    assert str(assessment.ipak) == "3.70" and str(assessment.ipkp) == "3.00"  # Depok's answer is not Bekasi's
    assert integrity.assessment_score(assessment).hasil["IPAK"] == pytest.approx(3.7 / 4 * 17.5)
