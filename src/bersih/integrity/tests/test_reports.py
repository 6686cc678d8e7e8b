"""The LKE workbook and the PDF report carry the scores, the verdicts and the gaps."""

from __future__ import annotations

import io
from datetime import date

import pytest
from openpyxl import load_workbook

from bersih.documents.testing import pdf_text
from bersih.integrity import services
from bersih.integrity.lke import lke_version
from bersih.integrity.reports import assessment_report_pdf, lke_workbook
from bersih.integrity.scoring import score

pytestmark = pytest.mark.django_db


@pytest.fixture
def assessment(org, make_user):
    coordinator = make_user("koordinator", "supervisor", org.bks)
    return services.assessment_create(
        actor=coordinator,
        unit=org.bks,
        title="ZI 2026",
        period_start=date(2026, 1, 1),
        period_end=date(2026, 12, 31),
    )


ANSWERS = {"PW.4.a": "A", "PW.4.b": "C", "PW.R2.a": (8, 10), "CK": "B"}


def test_the_workbook_has_the_sheet_shape_and_the_scores(assessment):
    result = score(lke_version("90-2021.1"), ANSWERS, {"ipak": 3.5, "ipkp": 3.2})
    book = load_workbook(
        io.BytesIO(lke_workbook(assessment, result, ANSWERS, {"PW.4.b": "Belum dievaluasi"}))
    )
    assert book.sheetnames == ["LKE", "Hasil", "Rekapitulasi"]
    rows = {row[0]: row for row in book["LKE"].iter_rows(values_only=True) if row[0]}
    assert rows["PW.4.a"][3] == "A/B/C" and rows["PW.4.a"][4] == "A" and rows["PW.4.a"][5] == 0.5
    assert rows["PW.4.b"][6] == "Belum dievaluasi"
    assert rows["PW.R2.a"][4] == "8 / 10" and rows["PW.R2.a"][5] == 2.4
    assert rows["PW.4"][5] == 0.5  # 1.5 x (1 + 0 + 0) / 3
    summary = list(book["Rekapitulasi"].iter_rows(values_only=True))
    assert ("TOTAL", 100, round(result.total, 2)) in summary
    assert any(row[1] == "Penguatan Pengawasan 2.9 of 15 — below 60%" for row in summary)


def test_the_pdf_report_carries_scores_verdicts_and_gaps(assessment):
    result = score(lke_version("90-2021.1"), ANSWERS, {"ipak": 3.5, "ipkp": 3.2})
    text = " ".join(pdf_text(assessment_report_pdf(assessment, result)).split())
    assert "ZI 2026" in text and "Penguatan Pengawasan" in text
    assert "WBK: not met" in text and "Penguatan Pengawasan 2.9 of 15" in text
    assert "PW.R1.a" in text  # the largest gap (2.5 points)
