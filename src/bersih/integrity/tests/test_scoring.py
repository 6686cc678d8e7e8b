"""The LKE engine against hand-computed examples: every answer type, every threshold, the failed
conditions named, the gap list, and data files refused with the line of their fault."""

from __future__ import annotations

from fractions import Fraction

import pytest

from bersih.integrity.indices import ikm, ikm_grade, index_on_four, instruments, krejcie_morgan, nrr
from bersih.integrity.lke import DATA_DIR, LkeDataError, lke_version, parse_lke
from bersih.integrity.scoring import AnswerError, answer_fraction, score

LKE = lke_version("90-2021.1")
TEXT = (DATA_DIR / "lke-permenpanrb-90-2021.yaml").read_text(encoding="utf-8")
TYPES = LKE.answer_types


@pytest.mark.parametrize(
    ("kind", "value", "fraction"),
    [
        ("yn", "Y", 1),
        ("yn", "T", 0),
        ("abc", "A", 1),
        ("abc", "B", 0.5),
        ("abc", "c", 0),
        ("abcd", "B", 0.67),
        ("abcd", "C", 0.33),
        ("abcd", "D", 0),
        ("abcde", "B", 0.75),
        ("abcde", "C", 0.5),
        ("abcde", "D", 0.25),
        ("abcde", "E", 0),
        ("ratio", (45, 60), 0.75),
        ("ratio", (0, 0), 1),  # nothing was due
        ("decrease", (10, 4), 0.6),  # violations fell from 10 to 4
        ("decrease", (4, 10), 0),  # they grew
        ("decrease", (0, 0), 1),
        ("decrease", (0, 3), 0),
        ("abcd", None, 0),  # unanswered
    ],
)
def test_each_answer_type_earns_its_fraction(kind, value, fraction):
    assert answer_fraction(TYPES[kind], value) == pytest.approx(fraction)


@pytest.mark.parametrize(
    ("kind", "value"),
    [
        ("abcd", "E"),
        ("yn", "A"),
        ("abc", ("1", "2")),
        ("ratio", "A"),
        ("ratio", (5, 0)),
        ("ratio", (-1, 4)),
        ("decrease", ("x", 1)),
        ("ratio", (7, 5)),
    ],
)
def test_answers_of_the_wrong_type_are_refused(kind, value):
    with pytest.raises(AnswerError):
        answer_fraction(TYPES[kind], value)


def top_answers() -> dict:
    """Every question answered with its best answer (ratios complete, decreases to zero)."""
    answers = {}
    for question in LKE.questions:
        if question.answer.numeric == "ratio":
            answers[question.code] = (10, 10)
        elif question.answer.numeric == "decrease":
            answers[question.code] = (5, 0)
        else:
            answers[question.code] = max(question.answer.choices, key=question.answer.choices.get)
    answers["CK"] = "A"
    return answers


def test_a_sub_area_is_its_points_times_the_mean_of_its_answers():
    answers = {"PW.3.a": "A", "PW.3.b": "B", "PW.3.c": "D"}
    result = score(LKE, answers)
    sub = next(s for s in result.area("PW").subareas if s.code == "PW.3")
    assert sub.earned == pytest.approx(1.5 * (1 + 0.67 + 0) / 3)  # 0.835


def test_full_marks_are_100_and_pass_both_predicates_for_a_wbk_unit():
    result = score(LKE, top_answers(), {"ipak": 4, "ipkp": 4}, prior_status="wbk")
    assert result.pengungkit == pytest.approx(60) and result.hasil_total == pytest.approx(40)
    assert result.total == pytest.approx(100)
    assert result.verdicts["wbk"].passed and result.verdicts["wbbm"].passed
    assert result.gaps == ()


def test_wbbm_needs_the_wbk_predicate_first():
    result = score(LKE, top_answers(), {"ipak": 4, "ipkp": 4})
    assert result.verdicts["wbk"].passed
    assert result.verdicts["wbbm"].failures == ("Requires the WBK predicate first",)


def test_an_area_below_its_share_is_named_with_its_figures():
    answers = top_answers() | {"PW.R1.a": "E", "PW.R2.a": (2, 10), "PW.R3.a": (0, 10)}
    result = score(LKE, answers, {"ipak": 4, "ipkp": 4})
    assert result.area("PW").total == pytest.approx(8.1)  # 7.5 + 3 x 0.2
    failures = result.verdicts["wbk"].failures
    assert failures == ("Penguatan Pengawasan 8.1 of 15 — below 60%",)
    assert [gap.question.code for gap in result.gaps] == ["PW.R1.a", "PW.R2.a", "PW.R3.a"]
    assert [round(gap.gain, 2) for gap in result.gaps] == [2.5, 2.4, 2.0]


def test_an_area_exactly_at_its_share_passes():
    # Pengawasan 9.0 of 15 is exactly 60%: PW.R2 earns 3 x 0.5 = 1.5 with R1 and R3 at zero.
    answers = top_answers() | {"PW.R1.a": "E", "PW.R2.a": (5, 10), "PW.R3.a": (0, 10)}
    result = score(LKE, answers, {"ipak": 4, "ipkp": 4})
    assert result.area("PW").total == pytest.approx(9.0)
    assert not [f for f in result.verdicts["wbk"].failures if "Pengawasan" in f]
    assert [f for f in result.verdicts["wbbm"].failures if "Pengawasan" in f] == [
        "Penguatan Pengawasan 9 of 15 — below 75%"
    ]


def test_the_survey_indices_convert_linearly_and_meet_their_thresholds_exactly():
    result = score(LKE, top_answers(), {"ipak": 3.60, "ipkp": 3.20}, prior_status="wbk")
    assert result.hasil["IPAK"] == pytest.approx(15.75) and result.hasil["IPKP"] == pytest.approx(14.0)
    assert result.verdicts["wbk"].passed
    assert "Pelayanan Publik yang Prima 14.00 — below 15.75" in result.verdicts["wbbm"].failures


def test_ipak_just_below_its_bar_fails_with_the_figure():
    result = score(LKE, top_answers(), {"ipak": 3.59, "ipkp": 3.6})
    failures = result.verdicts["wbk"].failures
    assert "Indeks Persepsi Anti Korupsi 15.71 — below 15.75" in failures
    # BBA = 15.7125 + 5 = 20.71: above 18.25, so only the indicator's own bar fails.
    assert len(failures) == 1


def test_capaian_kinerja_thresholds_differ_for_wbk_and_wbbm():
    result = score(LKE, top_answers() | {"CK": "C"}, {"ipak": 4, "ipkp": 4}, prior_status="wbk")
    assert result.hasil["CK"] == pytest.approx(2.5)
    assert result.verdicts["wbk"].passed
    assert "Capaian Kinerja 2.50 — below 3.75" in result.verdicts["wbbm"].failures


def test_birokrasi_bersih_below_its_bar():
    result = score(LKE, top_answers() | {"CK": "E"}, {"ipak": 3.6, "ipkp": 4})
    failures = result.verdicts["wbk"].failures
    assert "Birokrasi yang Bersih dan Akuntabel 15.75 — below 18.25" in failures
    assert "Capaian Kinerja 0.00 — below 2.50" in failures


def test_total_and_pengungkit_thresholds():
    # Nothing answered: pengungkit 0; hasil 5 (CK) + 17.5 + 17.5 = 40.
    result = score(LKE, {"CK": "A"}, {"ipak": 4, "ipkp": 4})
    failures = result.verdicts["wbk"].failures
    assert failures[:2] == ("Total 40.00 of 100 — below 75.00", "Pengungkit 0.00 of 60.00 — below 40.00")
    assert "Manajemen Perubahan 0 of 8 — below 60%" in failures
    assert len(failures) == 2 + 6


def test_a_wrong_answer_names_its_question():
    with pytest.raises(AnswerError, match=r"PW\.4\.a"):
        score(LKE, {"PW.4.a": "D"})
    with pytest.raises(AnswerError):
        score(LKE, {}, {"ipak": 4.5})


# --- Data files refused with the line of their fault ----------------------------------------------


def line_of(text: str, needle: str) -> int:
    return text[: text.index(needle)].count("\n") + 1


def test_weights_that_do_not_sum_are_refused():
    broken = TEXT.replace(
        "        points: 0.5\n        questions:\n          - {code: MP.1.a",
        "        points: 0.6\n        questions:\n          - {code: MP.1.a",
        1,
    )
    with pytest.raises(
        LkeDataError, match=r"line \d+: the weights of area MP's pemenuhan add up to 4.1, not 4"
    ):
        parse_lke(broken, "broken.yaml")


def test_a_question_without_an_answer_type_is_refused_with_its_line():
    broken = TEXT.replace("{code: TT.3.a, answer: yn, ", "{code: TT.3.a, ")
    with pytest.raises(LkeDataError) as error:
        parse_lke(broken, "broken.yaml")
    assert f"line {line_of(broken, '{code: TT.3.a')}: question TT.3.a has no answer type" in str(error.value)


def test_an_unknown_answer_type_and_a_duplicate_code_are_refused():
    with pytest.raises(LkeDataError, match="unknown answer type abcdef"):
        parse_lke(TEXT.replace("{code: MP.1.a, answer: yn", "{code: MP.1.a, answer: abcdef"))
    with pytest.raises(LkeDataError, match=r"code MP\.1\.a appears twice"):
        parse_lke(TEXT.replace("{code: MP.1.b,", "{code: MP.1.a,"))


def test_a_missing_threshold_is_refused():
    broken = TEXT.replace("    BBA: 19.50\n", "")
    with pytest.raises(LkeDataError) as error:
        parse_lke(broken, "broken.yaml")
    assert f"line {line_of(broken, '  wbbm:') + 1}: 'BBA' is missing" in str(error.value)


def test_a_choice_outside_zero_to_one_and_bad_yaml_are_refused():
    with pytest.raises(LkeDataError, match="fraction from 0 to 1"):
        parse_lke(TEXT.replace("choices: {A: 1, B: 0.5, C: 0}", "choices: {A: 2, B: 0.5, C: 0}"))
    with pytest.raises(LkeDataError, match="line 3: not valid YAML"):
        parse_lke("a: 1\nb: 2\n  c: [\n")


# --- Survey arithmetic -------------------------------------------------------------------------------


def test_ikm_uses_exact_ninths():
    assert ikm([Fraction(3)] * 9) == 75
    assert ikm([Fraction(7, 2)] * 9) == Fraction(175, 2)  # 87.5, where 0.111 would give 87.41
    values = [nrr(total, 100) for total in (350, 340, 320, 300, 360, 330, 345, 310, 325)]
    assert float(ikm(values)) == pytest.approx(sum(values) / 9 * 25)


@pytest.mark.parametrize(
    ("value", "grade"),
    [
        (100, "A"),
        (88.31, "A"),
        (88.30, "B"),
        (76.61, "B"),
        (76.60, "C"),
        (65.0, "C"),
        (64.99, "D"),
        (25, "D"),
    ],
)
def test_ikm_grades_follow_the_table(value, grade):
    assert ikm_grade(value)[0] == grade


def test_six_point_perception_means_rescale_to_four():
    ipak = instruments()["ipak"]
    assert index_on_four(ipak, 6) == 4 and index_on_four(ipak, 1) == 1
    assert index_on_four(ipak, Fraction(7, 2)) == Fraction(5, 2)
    with pytest.raises(ValueError):
        index_on_four(ipak, 7)
    assert index_on_four(instruments()["ipkp"], Fraction(33, 10)) == Fraction(33, 10)


@pytest.mark.parametrize(
    ("population", "sample"), [(100, 80), (1000, 278), (10000, 370), (10**9, 384), (10, 10)]
)
def test_krejcie_morgan_sample_sizes(population, sample):
    assert krejcie_morgan(population) == sample


def test_the_skm_has_nine_elements_on_a_four_point_scale():
    skm = instruments()["skm"]
    assert len(skm.items) == 9 and (skm.scale_min, skm.scale_max) == (1, 4)
