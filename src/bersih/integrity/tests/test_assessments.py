"""Assessments: answers checked against their question's type, each round's answers kept apart and
differences shown, a reason to override a value the system offered, rounds advancing to the final."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.exceptions import ValidationError

from bersih.integrity import services
from bersih.integrity.models import AssessmentAnswer
from bersih.ledger.models import Entry

pytestmark = pytest.mark.django_db


@pytest.fixture
def coordinator(org, make_user):
    return make_user("koordinator", "supervisor", org.bks, language="en")


@pytest.fixture
def assessment(org, coordinator):
    return services.assessment_create(
        actor=coordinator,
        unit=org.bks,
        title="ZI 2026",
        period_start=date(2026, 1, 1),
        period_end=date(2026, 12, 31),
    )


def test_an_assessment_keeps_the_lke_version_it_was_made_with(assessment):
    assert assessment.lke_version == "90-2021.1" and assessment.round == "self"
    assert Entry.objects.filter(action="integrity.assessment.created").count() == 1


@pytest.mark.parametrize(
    ("question", "value"),
    [
        ("PW.4.a", "D"),
        ("PW.R2.a", "A"),
        ("PW.R2.a", [5, 2]),
        ("PW.R2.a", ["x", 1]),
        ("MP.1.a", ("1", "1")),
        ("XX.9", "A"),
        ("CK", "F"),
    ],
)
def test_an_answer_of_the_wrong_type_is_refused(coordinator, assessment, question, value):
    with pytest.raises(ValidationError):
        services.assessment_answer(actor=coordinator, assessment=assessment, question=question, value=value)
    assert not AssessmentAnswer.objects.exists()


def test_overriding_an_offered_value_needs_a_reason(coordinator, assessment):
    with pytest.raises(ValidationError) as error:
        services.assessment_answer(
            actor=coordinator, assessment=assessment, question="PW.R2.a", value=[9, 10], offered_value=[7, 10]
        )
    assert "override_reason" in error.value.message_dict
    answer = services.assessment_answer(
        actor=coordinator,
        assessment=assessment,
        question="PW.R2.a",
        value=[9, 10],
        offered_value=[7, 10],
        override_reason="Dua pengaduan diselesaikan di luar sistem, berita acara terlampir",
    )
    assert answer.value == [9.0, 10.0] and answer.offered_value == [7.0, 10.0] and answer.override_reason


def test_rounds_keep_their_own_answers_and_show_differences(coordinator, assessment, make_user, org):
    tpi = make_user("tpi", "oversight", org.bks, language="en")
    services.assessment_answer(actor=coordinator, assessment=assessment, question="PW.4.a", value="A")
    services.assessment_answer(actor=coordinator, assessment=assessment, question="PW.4.b", value="A")
    self_score = services.assessment_score(assessment, "self")
    assessment = services.assessment_advance(actor=coordinator, assessment=assessment)
    assert assessment.round == "tpi"
    with pytest.raises(ValidationError):
        # a closed round takes no more answers; the new round's answers are the reviewer's own
        services._check_round_open(assessment, "self")
    services.assessment_answer(
        actor=tpi, assessment=assessment, question="PW.4.b", value="C", comment="Belum ada evaluasi WBS"
    )
    assert services.round_differences(assessment, "tpi") == {"PW.4.b": ("A", "C")}
    tpi_score = services.assessment_score(assessment, "tpi")
    # PW.4 is 1.5 points over three questions: self earns 1.0, the TPI 0.5 (PW.4.a carried over).
    assert self_score.area("PW").pemenuhan == pytest.approx(1.0)
    assert tpi_score.area("PW").pemenuhan == pytest.approx(0.5)
    assert AssessmentAnswer.objects.get(round="self", question="PW.4.b").status == "submitted"


def test_after_the_final_round_the_assessment_closes(coordinator, assessment):
    for _round in ("self", "tpi", "follow_up", "final"):
        assessment = services.assessment_advance(actor=coordinator, assessment=assessment)
    assert assessment.closed_at is not None
    with pytest.raises(ValidationError):
        services.assessment_answer(actor=coordinator, assessment=assessment, question="PW.4.a", value="A")
    with pytest.raises(ValidationError):
        services.assessment_advance(actor=coordinator, assessment=assessment)
    assert Entry.objects.filter(action="integrity.assessment.round_closed").count() == 4


def test_bad_assessment_fields_are_refused(coordinator, org):
    with pytest.raises(ValidationError):
        services.assessment_create(
            actor=coordinator,
            unit=org.bks,
            title="",
            period_start=date(2026, 1, 1),
            period_end=date(2026, 2, 1),
        )
    with pytest.raises(ValidationError):
        services.assessment_create(
            actor=coordinator,
            unit=org.bks,
            title="X",
            period_start=date(2026, 2, 1),
            period_end=date(2026, 1, 1),
        )
    with pytest.raises(ValidationError):
        services.assessment_create(
            actor=coordinator,
            unit=org.bks,
            title="X",
            period_start=date(2026, 1, 1),
            period_end=date(2026, 2, 1),
            target="gold",
        )


def test_only_the_rounds_roles_answer_in_it(coordinator, assessment, make_user, org):
    from django.core.exceptions import PermissionDenied

    tpi = make_user("tpi2", "oversight", org.bks)
    outsider = make_user("depok", "supervisor", org.dpk)
    for actor in (tpi, outsider):
        with pytest.raises(PermissionDenied):
            services.assessment_answer(actor=actor, assessment=assessment, question="PW.4.a", value="A")
    assert not AssessmentAnswer.objects.exists()


def test_evidence_is_a_checked_file_or_a_link(coordinator, assessment):
    answer = services.assessment_answer(
        actor=coordinator, assessment=assessment, question="PW.4.a", value="A"
    )
    pdf = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
    evidence = services.evidence_add(
        actor=coordinator, answer=answer, label="SK WBS", content=pdf, name="sk.pdf"
    )
    assert evidence.file.content_type == "application/pdf"
    link = services.evidence_add(
        actor=coordinator,
        answer=answer,
        label="Pengaduan pungli",
        link="/layanan/staf/kasus/?kategori=pungli",
    )
    assert link.link.startswith("/layanan/")
    for bad in (
        {"label": "x", "content": b"MZ\x90\x00", "name": "a.exe"},
        {"label": "x", "link": "javascript:alert(1)"},
        {"label": "x", "link": "//evil.example/"},
        {"label": "", "link": "/ok/"},
        {"label": "x"},
        {"label": "x", "content": pdf, "link": "/both/"},
    ):
        with pytest.raises(ValidationError):
            services.evidence_add(actor=coordinator, answer=answer, **bad)
    assert answer.evidence.count() == 2


def test_an_areas_coordinator_answers_it_and_heads_may_step_in(coordinator, assessment, make_user, org):
    from django.core.exceptions import PermissionDenied

    officer = make_user("koord-pw", "officer", org.bks_siwas)
    colleague = make_user("petugas-lain", "officer", org.bks_spkt)
    services.coordinator_assign(actor=coordinator, assessment=assessment, area="PW", user=officer)
    services.assessment_answer(actor=officer, assessment=assessment, question="PW.4.a", value="A")
    with pytest.raises(PermissionDenied):
        services.assessment_answer(actor=colleague, assessment=assessment, question="PW.4.b", value="A")
    services.assessment_answer(
        actor=colleague, assessment=assessment, question="MP.1.a", value="Y"
    )  # no coordinator
    services.assessment_answer(
        actor=coordinator, assessment=assessment, question="PW.4.b", value="B"
    )  # a head
    assert AssessmentAnswer.objects.count() == 3
    assert Entry.objects.filter(action="integrity.coordinator.assigned").count() == 1


def test_coordinators_are_assigned_by_heads_from_the_assessed_unit(coordinator, assessment, make_user, org):
    from django.core.exceptions import PermissionDenied

    officer = make_user("koord", "officer", org.bks_siwas)
    with pytest.raises(PermissionDenied):
        services.coordinator_assign(actor=officer, assessment=assessment, area="PW", user=officer)
    with pytest.raises(ValidationError):
        services.coordinator_assign(actor=coordinator, assessment=assessment, area="XX", user=officer)
    with pytest.raises(ValidationError):
        services.coordinator_assign(
            actor=coordinator,
            assessment=assessment,
            area="PW",
            user=make_user("depok", "officer", org.dpk_spkt),
        )
    assert not assessment.coordinators.exists()
