"""The assessment's reports: the LKE workbook (XLSX, in the shape of the official sheet) and the PDF
report with the scores per area, a radar chart of the six areas against the WBK line, the verdicts with
their failed conditions and the gap list."""

from __future__ import annotations

import io

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from reportlab.graphics.charts.spider import SpiderChart
from reportlab.graphics.shapes import Drawing, String
from reportlab.lib import colors

from bersih.documents.pdf import Letter
from bersih.documents.services import document_code_new

from .scoring import Score

BOLD = Font(bold=True)
AREA_FILL = PatternFill("solid", fgColor="DDE6F0")
GAPS_IN_REPORT = 10


def _points(value: float) -> float:
    return round(value, 2)


def _answer_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, list | tuple):
        return " / ".join(f"{v:g}" for v in value)
    return str(value)


def lke_workbook(assessment, score: Score, answers: dict, comments: dict | None = None) -> bytes:
    """The LKE as the official sheet lays it out: one row per area, sub-area and question, with weight,
    answer options, answer, score and explanation; the hasil sheet; and the summary with the verdicts."""
    comments = comments or {}
    book = Workbook()
    sheet = book.active
    sheet.title = "LKE"
    sheet.append([assessment.title, "", "", "", "", "", ""])
    sheet.append([f"{score.lke.title} — {score.lke.regulation}, versi {score.lke.version}"])
    sheet.append([])
    header = ["No", "Komponen / Pertanyaan", "Bobot", "Pilihan Jawaban", "Jawaban", "Nilai", "Penjelasan"]
    sheet.append(header)
    for cell in sheet[sheet.max_row]:
        cell.font = BOLD
    for number, area in enumerate(score.areas, start=1):
        sheet.append([number, area.name, area.weight, "", "", _points(area.total), f"{area.share:.0%}"])
        for cell in sheet[sheet.max_row]:
            cell.font, cell.fill = BOLD, AREA_FILL
        for part in ("pemenuhan", "reform"):
            sheet.append(["", part.title(), area.weight / 2, "", "", _points(getattr(area, part)), ""])
            sheet[sheet.max_row][1].font = BOLD
            for sub in (s for s in area.subareas if s.part == part):
                sheet.append([sub.code, sub.name, sub.points, "", "", _points(sub.earned), ""])
                sheet[sheet.max_row][1].font = BOLD
                for qs in sub.questions:
                    q = qs.question
                    sheet.append(
                        [
                            q.code,
                            q.text,
                            _points(qs.available),
                            q.answer.label,
                            _answer_text(answers.get(q.code)),
                            _points(qs.points),
                            comments.get(q.code, ""),
                        ]
                    )
    sheet.append([])
    sheet.append(["", "TOTAL PENGUNGKIT", score.lke.pengungkit_weight, "", "", _points(score.pengungkit), ""])
    sheet[sheet.max_row][1].font = BOLD
    for column, width in zip("ABCDEFG", (10, 80, 8, 22, 12, 8, 40), strict=True):
        sheet.column_dimensions[column].width = width
    for row in sheet.iter_rows(min_row=5):
        row[1].alignment = Alignment(wrap_text=True, vertical="top")

    hasil = book.create_sheet("Hasil")
    hasil.append(["Kode", "Komponen Hasil", "Bobot", "Jawaban", "Nilai"])
    for cell in hasil[1]:
        cell.font = BOLD
    for group in score.lke.hasil:
        hasil.append([group.code, group.name, group.points, "", _points(score.hasil[group.code])])
        for indicator in group.indicators:
            shown = answers.get(indicator.code) if indicator.answer else indicator.survey.upper()
            hasil.append(
                [
                    indicator.code,
                    indicator.name,
                    indicator.points,
                    _answer_text(shown),
                    _points(score.hasil[indicator.code]),
                ]
            )

    summary = book.create_sheet("Rekapitulasi")
    summary.append(["Komponen", "Bobot", "Nilai"])
    for cell in summary[1]:
        cell.font = BOLD
    for area in score.areas:
        summary.append([area.name, area.weight, _points(area.total)])
    summary.append(["Pengungkit", score.lke.pengungkit_weight, _points(score.pengungkit)])
    summary.append(["Hasil", score.lke.hasil_weight, _points(score.hasil_total)])
    summary.append(["TOTAL", 100, _points(score.total)])
    summary.append([])
    for name, verdict in score.verdicts.items():
        summary.append([name.upper(), "MEMENUHI" if verdict.passed else "BELUM MEMENUHI"])
        for failure in verdict.failures:
            summary.append(["", failure])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def areas_radar(score: Score, *, size: float = 260) -> Drawing:
    """The six areas as a share of their weight (0-100%), with the WBK bar (60%) as a second ring."""
    drawing = Drawing(size, size)
    chart = SpiderChart()
    chart.x, chart.y = 40, 30
    chart.width = chart.height = size - 80
    shares = [round(area.share * 100, 1) for area in score.areas]
    wbk_share = score.lke.thresholds["wbk"].area_share * 100
    # An invisible third ring at 100% fixes the scale (the chart scales to its largest value).
    chart.data = [shares, [wbk_share] * len(shares), [100] * len(shares)]
    chart.labels = [area.code for area in score.areas]
    chart.strands[0].strokeColor = colors.HexColor("#1f4e79")
    chart.strands[0].fillColor = colors.Color(0.12, 0.31, 0.47, alpha=0.25)
    chart.strands[1].strokeColor = colors.HexColor("#c0392b")
    chart.strands[1].strokeDashArray = (3, 2)
    chart.strands[1].fillColor = None
    # Fully transparent rather than None: SVG would draw a strand without colours in black.
    chart.strands[2].strokeColor = chart.strands[2].fillColor = colors.Color(1, 1, 1, alpha=0)
    drawing.add(chart)
    drawing.add(
        String(
            size / 2, 8, _("Area scores (% of weight); dashed: WBK minimum"), fontSize=7, textAnchor="middle"
        )
    )
    return drawing


def assessment_report_pdf(assessment, score: Score, *, survey_lines: list[list] | None = None) -> bytes:
    """The assessment's report on the unit's letterhead: scores per area, radar chart, verdicts with
    their failed conditions, the gap list and the survey results."""
    letter = Letter(
        unit=assessment.unit, code=document_code_new(), title=_("Zona Integritas self-assessment")
    )
    letter.paragraph(
        _("%(title)s, %(start)s to %(end)s. %(lke)s (version %(version)s).")
        % {
            "title": assessment.title,
            "start": assessment.period_start.isoformat(),
            "end": assessment.period_end.isoformat(),
            "lke": score.lke.title,
            "version": score.lke.version,
        }
    )
    rows = [[_("Area"), _("Weight"), _("Pemenuhan"), _("Reform"), _("Score"), "%"]]
    for area in score.areas:
        rows.append(
            [
                area.name,
                f"{area.weight:g}",
                f"{area.pemenuhan:.2f}",
                f"{area.reform:.2f}",
                f"{area.total:.2f}",
                f"{area.share:.0%}",
            ]
        )
    rows.append([_("Pengungkit"), f"{score.lke.pengungkit_weight:g}", "", "", f"{score.pengungkit:.2f}", ""])
    for group in score.lke.hasil:
        rows.append([group.name, f"{group.points:g}", "", "", f"{score.hasil[group.code]:.2f}", ""])
    rows.append([_("Total"), "100", "", "", f"{score.total:.2f}", ""])
    letter.table(rows)
    letter.drawing(areas_radar(score))
    for name, verdict in score.verdicts.items():
        state = _("met") if verdict.passed else _("not met")
        letter.heading(f"{name.upper()}: {state}")
        for failure in verdict.failures:
            letter.paragraph(f"• {failure}")
    if score.gaps:
        letter.heading(_("Where the score can rise most"))
        letter.table(
            [[_("Question"), _("Area"), _("Points available")]]
            + [
                [f"{g.question.code} {g.question.text}", g.area, f"{g.gain:.2f}"]
                for g in score.gaps[:GAPS_IN_REPORT]
            ]
        )
    if survey_lines:
        letter.heading(_("Citizen surveys"))
        letter.table(survey_lines)
    return letter.render()


def radar_svg(score: Score) -> str:
    """The radar chart as inline SVG for the pages (the same drawing as in the PDF report)."""
    from reportlab.graphics import renderSVG

    text = renderSVG.drawToString(areas_radar(score))
    return text[text.index("<svg") :]


def skm_report_pdf(unit, overview: dict, *, since, until) -> bytes:
    """The SKM report in the customary form: per service the nine elements' NRR and weighted NRR
    (exact 1/9), the IKM, its grade and the respondents against the sample needed, then suggestions."""
    from fractions import Fraction

    from .indices import ikm_grade

    letter = Letter(unit=unit, code=document_code_new(), title=_("Public satisfaction survey (SKM) report"))
    letter.paragraph(
        _(
            "Survey period %(start)s to %(end)s, PermenPANRB 14/2017: nine elements on a 1 to 4 scale; "
            "IKM = the sum of NRR x 1/9, x 25."
        )
        % {"start": since.isoformat(), "end": until.isoformat()}
    )
    for row in overview["rows"]:
        skm = row["skm"]
        letter.heading(service_label(row["service"]))
        table = [["No", _("Element"), _("NRR"), _("Weighted NRR")]]
        for number, (element, value) in enumerate(row["elements"], start=1):
            weighted = value * Fraction(1, 9) if value is not None else None
            table.append(
                [
                    str(number),
                    element,
                    f"{float(value):.3f}" if value is not None else "-",
                    f"{float(weighted):.4f}" if weighted is not None else "-",
                ]
            )
        grade, meaning = ikm_grade(skm.index)
        table.append(["", _("IKM"), "", f"{float(skm.index):.2f} ({grade}, {meaning})"])
        letter.table(table)
        sample = row["sample_needed"]
        letter.paragraph(
            _("Respondents: %(n)s; sample needed for %(population)s services finished: %(sample)s.")
            % {"n": skm.respondents, "population": row["population"] or "-", "sample": sample or "-"}
        )
    if overview["suggestions"]:
        letter.heading(_("Suggestions from respondents"))
        for item in overview["suggestions"][:20]:
            letter.paragraph(f"• {item['suggestion']}")
    return letter.render()


def service_label(code: str) -> str:
    from bersih.services.rules import SERVICES

    standard = SERVICES.get(code)
    return str(standard.name) if standard else code
