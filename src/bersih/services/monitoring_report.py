"""The weekly summary for the Polres leadership: last week's monitoring figures as a signed PDF, sent by
e-mail through the outbox.

The sweep ``services.weekly_summary`` runs every hour and makes, once per ISO week per Polres, the
summary of the week before (Monday to Sunday, WIB): one document, one ledger entry by the system actor
(``services.monitor.weekly_summary``, whose subject reference ``<polres code> <ISO week>`` is the
idempotency key), and one e-mail with the PDF attached to each leadership person of the Polres with an
e-mail address. The figures are those of the monitoring page as the Polres leadership sees them (the
scope of the first leadership person), so the summary and the page always agree.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from reportlab.graphics.charts.barcharts import HorizontalBarChart
from reportlab.graphics.shapes import Drawing, String
from reportlab.lib import colors
from reportlab.lib.units import mm

from bersih import ledger
from bersih.core.models import Assignment, Unit
from bersih.documents.pdf import Letter
from bersih.documents.services import document_code_new, document_issue
from bersih.ledger.models import Entry
from bersih.ledger.services import SYSTEM
from bersih.notify.services import message_queue

from . import monitoring_selectors as selectors

ACTION = "services.monitor.weekly_summary"
TEMPLATE = "services.weekly_summary"
DOCUMENT_KIND = "services-weekly-summary"
CHART_UNITS = 12  # units drawn in the chart (all are in the table)


def iso_week(day: date) -> str:
    year, week, _weekday = day.isocalendar()
    return f"{year}-W{week:02d}"


def previous_week(now: datetime) -> tuple[date, date]:
    """Monday and Sunday (WIB) of the week before the one ``now`` falls in."""
    today = timezone.localtime(now).date()
    monday = today - timedelta(days=today.weekday() + 7)
    return monday, monday + timedelta(days=6)


def leadership_of(polres: Unit):
    """The active leadership assignments of the Polres (at the Polres or its leadership unit), by person."""
    today = timezone.localdate()
    return (
        Assignment.objects.filter(
            Q(unit=polres) | Q(unit__parent=polres, unit__kind="leadership"),
            Q(ends_on__isnull=True) | Q(ends_on__gte=today),
            role="leadership",
            starts_on__lte=today,
            user__is_active=True,
        )
        .select_related("user")
        .order_by("user_id")
    )


def _percent(part: int | None, whole: int | None) -> str:
    return f"{round(100 * part / whole)}%" if whole else "—"


def _unit_chart(rows: list[dict]) -> Drawing | None:
    rows = [row for row in rows if row["volume"]][:CHART_UNITS]
    if not rows:
        return None
    height = 14 * len(rows) + 30
    drawing = Drawing(170 * mm, height)
    chart = HorizontalBarChart()
    chart.x, chart.y = 70 * mm, 20
    chart.width, chart.height = 95 * mm, height - 30
    chart.data = [[row["volume"] for row in reversed(rows)], [row["breached"] for row in reversed(rows)]]
    chart.categoryAxis.categoryNames = [row["label"][:40] for row in reversed(rows)]
    chart.categoryAxis.labels.fontSize = 7
    chart.valueAxis.labels.fontSize = 7
    chart.valueAxis.valueMin = 0
    chart.bars[0].fillColor = colors.HexColor("#4a6fa5")
    chart.bars[1].fillColor = colors.HexColor("#c0392b")
    drawing.add(chart)
    drawing.add(String(0, 4, "Biru: diterima · Merah: melewati tenggat", fontSize=7))
    return drawing


def summary_pdf(polres: Unit, data: dict, *, code: str, week: str) -> bytes:
    """The summary as a PDF on the Polres letterhead (Indonesian, as the Polres's letters are)."""
    letter = Letter(
        unit=polres,
        code=code,
        subject=f"Ringkasan mingguan pelayanan publik {week}",
        title="RINGKASAN MINGGUAN PELAYANAN PUBLIK",
    )
    letter.paragraph(
        f"Periode {data['start']:%d-%m-%Y} s.d. {data['end']:%d-%m-%Y} (minggu {week}): permohonan layanan, "
        "pengaduan, antrean SIM dan ETLE yang diterima pada minggu itu, dengan keadaannya saat ringkasan "
        "dibuat."
    )
    rows = [["Layanan", "Diterima", "Selesai", "Terbuka", "Terlambat", "Kepatuhan SLA"]]
    for row in data["rows"]:
        rows.append(
            [
                row["label"],
                row["volume"],
                row["closed"],
                row["backlog"],
                "—" if row["breached"] is None else row["breached"],
                _percent(row["met"], row["judged"]),
            ]
        )
    totals = data["totals"]
    rows.append(
        [
            "Semua layanan",
            totals["volume"],
            totals["closed"],
            totals["backlog"],
            totals["breached"],
            _percent(totals["met"], totals["judged"]),
        ]
    )
    letter.table(rows)
    follow = data["follow_up"]
    letter.paragraph(
        f"Tindak lanjut pengaduan: {follow['received']} diterima, {follow['followed_up']} ditindaklanjuti "
        f"({_percent(follow['followed_up'], follow['received'])}), {follow['on_time']} dalam tenggat SP4N "
        f"({_percent(follow['on_time'], follow['received'])}; verifikasi {follow['verify_days']} hari kerja, "
        f"tindak lanjut {follow['follow_up_days']} hari kerja)."
    )
    letter.paragraph("Per satuan kerja:")
    letter.table(
        [["Satuan kerja", "Diterima", "Terlambat"]]
        + [[row["label"], row["volume"], row["breached"]] for row in data["by_unit"]]
    )
    chart = _unit_chart(data["by_unit"])
    if chart is not None:
        letter.flowables.append(chart)
        letter.spacer(3)
    if data["breached_cases"]:
        letter.paragraph("Kasus yang melewati tenggat dan penanggung jawabnya:")
        letter.table(
            [["Nomor", "Layanan", "Satuan kerja", "Petugas"]]
            + [
                [
                    case.tracking_number,
                    str(case.standard.name),
                    case.unit.name,
                    case.assignee.display_name if case.assignee_id else "—",
                ]
                for case in data["breached_cases"]
            ]
        )
    else:
        letter.paragraph("Tidak ada kasus yang melewati tenggat.")
    return letter.render()


def weekly_summary_send(*, polres: Unit, now: datetime) -> dict | None:
    """Last week's summary of ``polres`` to its leadership, unless already made for that week (then
    None). One transaction: the document, the ledger entry and the messages commit together."""
    start, end = previous_week(now)
    week = iso_week(start)
    ref = f"{polres.code} {week}"
    if Entry.objects.filter(action=ACTION, subject_type="core.unit", subject_ref=ref).exists():
        return None
    people = list(leadership_of(polres))
    if not people:
        return None
    viewer = people[0].user
    with transaction.atomic():
        data = selectors.overview(viewer, start=start, end=end, now=now)
        code = document_code_new()
        pdf = summary_pdf(polres, data, code=code, week=week)
        document = document_issue(
            actor=SYSTEM,
            unit=polres,
            kind=DOCUMENT_KIND,
            title=f"Ringkasan mingguan pelayanan publik {week}",
            pdf_bytes=pdf,
            code=code,
        )
        attachment = {
            "name": f"ringkasan-layanan-{polres.code}-{week}.pdf",
            "content_type": "application/pdf",
            "content": document.file.read(),
        }
        context = {
            "unit": polres.name,
            "week": week,
            "start": start.strftime("%d-%m-%Y"),
            "end": end.strftime("%d-%m-%Y"),
            "received": data["totals"]["volume"],
            "breached": data["totals"]["breached"],
            "compliance": _percent(data["totals"]["met"], data["totals"]["judged"]),
            "document_code": code,
        }
        sent, unreachable = [], 0
        for assignment in {a.user_id: a for a in people}.values():
            user = assignment.user
            if not user.email:
                unreachable += 1
                continue
            message = message_queue(
                channel="email",
                recipient=user.email,
                template=TEMPLATE,
                context=context,
                idempotency_key=f"services:weekly:{polres.pk}:{week}:{user.pk}",
                language=user.language or "id",
                subject=("core.unit", polres.pk, ref),
                unit=polres,
                attachments=[attachment],
            )
            sent.append(str(message.ref))
        ledger.record(
            actor=SYSTEM,
            action=ACTION,
            subject=("core.unit", polres.pk, ref),
            unit=polres,
            data={"week": week, "document": code, "messages": sent, "unreachable": unreachable},
        )
    return {"week": week, "document": code, "messages": len(sent), "unreachable": unreachable}


def services_weekly_summary_sweep(now: datetime | None = None) -> dict:
    """Last week's summary for every Polres that has not had it yet (idempotent by ISO week)."""
    now = now or timezone.now()
    made = 0
    for polres in Unit.objects.filter(kind="polres").order_by("path"):
        if weekly_summary_send(polres=polres, now=now) is not None:
            made += 1
    return {"summaries": made}
