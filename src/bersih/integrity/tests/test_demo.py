"""The integrity demo: a year of surveys, a failed and an improving assessment, a working survey link."""

from __future__ import annotations

import pytest

from bersih.integrity import demo, services
from bersih.integrity.models import Assessment, SurveyResponse
from bersih.ledger.verify import verify_ledger

pytestmark = [pytest.mark.django_db]


@pytest.fixture
def world(settings, tmp_path, monkeypatch):
    from bersih.core import demo as core_demo

    settings.VAR_DIR = tmp_path
    monkeypatch.setattr(demo, "RESPONDENTS", 150)
    world = core_demo.new_world(7, log=lambda *_: None)
    core_demo.seed(world)
    demo.seed(world)
    return world


def test_last_year_failed_and_this_year_improves(world):
    last, this = Assessment.objects.order_by("period_start")
    assert last.closed_at is not None and this.round == "tpi"
    last_score, this_score = services.assessment_score(last, "final"), services.assessment_score(this, "self")
    assert not last_score.verdicts["wbk"].passed and last_score.verdicts["wbk"].failures
    assert this_score.total > last_score.total
    assert services.round_differences(this, "tpi")  # the TPI marked answers down


def test_surveys_cover_the_year_and_the_survey_link_opens(world, client, settings):
    assert SurveyResponse.objects.filter(instrument="skm").count() == 150
    assert SurveyResponse.objects.values("month").distinct().count() >= 10
    url = (settings.VAR_DIR / "demo-survey-link.txt").read_text().splitlines()[1]
    assert "/integritas/survei/" in url
    assert client.get(url[url.index("/integritas/") :]).status_code == 200
    assert verify_ledger().ok
