"""The violation table and policy numbers as data."""

from __future__ import annotations

from datetime import timedelta

from bersih.etle import rules


def test_every_violation_has_its_article_and_a_whole_rupiah_fine():
    for code, kind in rules.VIOLATION_TYPES.items():
        assert kind.code == code
        assert "UU No. 22 Tahun 2009" in kind.article
        assert isinstance(kind.max_fine, int) and kind.max_fine > 0
        assert kind.classes <= rules.ALL_CLASSES and kind.classes
        assert kind.evidence <= set(rules.EVIDENCE_KINDS)


def test_figures_from_the_law():
    table = rules.VIOLATION_TYPES
    assert (table["speed"].article.startswith("Pasal 287 ayat (5)"), table["speed"].max_fine) == (
        True,
        500_000,
    )
    assert table["phone"].max_fine == 750_000
    assert table["no_sim"].max_fine == 1_000_000
    assert table["headlight"].max_fine == 100_000
    assert table["helmet"].article.startswith("Pasal 291 ayat (1)")
    assert table["helmet"].classes == {rules.MOTORCYCLE}


def test_deadlines_are_configurable(settings):
    assert (rules.confirm_days(), rules.pay_days()) == (8, 15)
    settings.ETLE_CONFIRM_DAYS, settings.ETLE_PAY_DAYS = 7, 14
    assert (rules.confirm_days(), rules.pay_days()) == (7, 14)
    settings.ETLE_MERGE_WINDOW_MINUTES = 3
    assert rules.merge_window() == timedelta(minutes=3)


def test_bekasi_area_letters():
    assert rules.PMJ_AREAS["F"] == "Kabupaten Bekasi"
    assert rules.PMJ_AREAS["K"] == "Kota Bekasi"
    assert "B" in rules.REGION_CODES and "F" in rules.REGION_CODES
