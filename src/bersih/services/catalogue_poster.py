"""What a published service standard says, for the public page and for the poster a service hall
displays: the fee in rupiah (the SIM's per class), the online page, and the poster itself as a PDF
(A3 or A4 portrait) with the Polres's letterhead and a QR code to the online page."""

from __future__ import annotations

import io
from dataclasses import dataclass
from xml.sax.saxutils import escape

from django.conf import settings
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import A3, A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Flowable, KeepTogether, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from bersih.core.formatting import rupiah
from bersih.core.rules import UNIT_KINDS
from bersih.documents.pdf import FONT, FONT_BOLD, Letterhead, QrDrawing
from bersih.licensing import rules as licensing_rules

from . import rules

PAPER = {"a3": A3, "a4": A4}
# The complaint form's address before its page exists under its name (its route is another area's).
COMPLAINT_PATH = "/layanan/pengaduan/"


def _reverse(name: str, fallback: str, **kwargs) -> str:
    try:
        return reverse(name, kwargs=kwargs or None)
    except NoReverseMatch:
        return fallback


def online_url(standard: rules.ServiceStandard) -> str:
    """Where the service is asked for online: the request form, the complaint form, or the module's page."""
    if standard.module:
        return _reverse(standard.module_url, "/")
    if standard.code == rules.COMPLAINT.code:
        return _reverse("services:complaint-form", COMPLAINT_PATH)
    if standard.online:
        return reverse("services:request-form", kwargs={"code": standard.code})
    return reverse("services:standard", kwargs={"code": standard.code})


@dataclass(frozen=True)
class FeeRow:
    label: str
    new: str
    renewal: str


def sim_fee_rows() -> list[FeeRow]:
    """The SIM's PNBP fee per class (licensing.rules.FEES), in rupiah."""
    return [
        FeeRow(
            f"SIM {label}",
            rupiah(licensing_rules.FEES[code]["new"]),
            rupiah(licensing_rules.FEES[code]["renewal"]),
        )
        for code, label in licensing_rules.SIM_CLASSES.items()
        if code in licensing_rules.FEES
    ]


def fee_text(standard: rules.ServiceStandard) -> str:
    """The fee in a few words: an amount, "free", or the SIM's range per class."""
    if standard.code == rules.SIM.code:
        amounts = [fee for fees in licensing_rules.FEES.values() for fee in fees.values()]
        return _("%(low)s to %(high)s, by SIM class") % {
            "low": rupiah(min(amounts)),
            "high": rupiah(max(amounts)),
        }
    if standard.fee:
        return rupiah(standard.fee)
    return _("Free: no fee")


def no_fee_message(standard: rules.ServiceStandard) -> str:
    if standard.fee or standard.code == rules.SIM.code:
        return _(
            "Pay only the official tariff, by the official non-cash channel; no other payment and no "
            "intermediary (calo). Anyone asking for more: report it."
        )
    return _(
        "This service is free of charge and needs no intermediary (calo). Anyone asking for money: report it."
    )


def unit_text(unit) -> str:
    return unit.name if unit is not None else ""


# --- The poster -------------------------------------------------------------------------------------

_TITLE = ParagraphStyle("poster_title", fontName=FONT_BOLD, fontSize=26, leading=32, alignment=TA_CENTER)
_SUBTITLE = ParagraphStyle(
    "poster_subtitle", fontName=FONT_BOLD, fontSize=18, leading=23, alignment=TA_CENTER
)
_LABEL = ParagraphStyle("poster_label", fontName=FONT_BOLD, fontSize=12, leading=16)
_TEXT = ParagraphStyle("poster_text", fontName=FONT, fontSize=12, leading=16)
_WARNING = ParagraphStyle(
    "poster_warning", fontName=FONT_BOLD, fontSize=15, leading=20, alignment=TA_CENTER, textColor=colors.white
)
_CAPTION = ParagraphStyle("poster_caption", fontName=FONT, fontSize=11, leading=14, alignment=TA_CENTER)


class _Qr(Flowable):
    def __init__(self, url: str, size: float):
        super().__init__()
        self.qr = QrDrawing(url, size=size)

    def wrap(self, available_width, available_height):
        self.width = available_width
        return available_width, self.qr.size

    def draw(self):
        self.qr.draw(self.canv, (self.width - self.qr.size) / 2, 0)


def _scaled(style: ParagraphStyle, factor: float) -> ParagraphStyle:
    return ParagraphStyle(
        f"{style.name}_{factor}",
        parent=style,
        fontSize=style.fontSize * factor,
        leading=style.leading * factor,
    )


def _lines(items) -> str:
    return "<br/>".join(escape(str(item)) for item in items)


def _numbered(items) -> str:
    return "<br/>".join(f"{n}. {escape(str(item))}" for n, item in enumerate(items, 1))


def poster_rows(standard: rules.ServiceStandard, unit) -> list[tuple[str, str]]:
    """(label, paragraph markup) of the standard's content, in the poster's order."""
    requirements = [
        f"{r.label}{'' if r.required else ' (' + _('if any') + ')'}" for r in standard.requirements
    ]
    if standard.code == rules.SIM.code:
        fee = _lines(
            [f"{row.label}: {_('new')} {row.new}, {_('renewal')} {row.renewal}" for row in sim_fee_rows()]
        )
    else:
        fee = escape(fee_text(standard))
    rows = [
        (_("Requirements"), _numbered(requirements) if requirements else escape(_("See the module's page."))),
        (
            _("Procedure"),
            _numbered(standard.procedure) if standard.procedure else escape(_("See the module's page.")),
        ),
        (_("Time limit"), escape(str(standard.time_limit))),
        (_("Fee"), f'{fee}<br/><font size="9">{escape(str(standard.fee_basis))}</font>'),
        (_("Product"), escape(str(standard.product))),
        (_("Legal basis"), _lines(standard.legal_basis)),
        (_("Responsible unit"), escape(unit_text(unit) or str(UNIT_KINDS.get(standard.unit_kind, "")))),
        (_("Complaints"), escape(str(standard.complaint_channel))),
    ]
    return rows


def poster_pdf(*, standard: rules.ServiceStandard, polres, unit, paper: str = "a3") -> bytes:
    """The standard of ``standard`` at ``polres`` as the poster of its service hall."""
    size = PAPER[paper]
    factor = 1.0 if paper == "a3" else 0.72
    margin = 18 * mm * factor
    head = Letterhead.for_unit(polres)
    head_height = (len(head.lines) * 16 + (10 if head.address else 0)) * factor + 10 * mm
    url = settings.SITE_URL + online_url(standard)
    label_style, text_style = _scaled(_LABEL, factor), _scaled(_TEXT, factor)
    width = size[0] - 2 * margin
    table = Table(
        [
            [Paragraph(escape(label), label_style), Paragraph(markup, text_style)]
            for label, markup in poster_rows(standard, unit)
        ],
        colWidths=[width * 0.24, width * 0.76],
        hAlign="LEFT",
    )
    table.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("GRID", (0, 0), (-1, -1), 0.75, colors.black),
                ("BACKGROUND", (0, 0), (0, -1), colors.HexColor("#eeeeee")),
                ("TOPPADDING", (0, 0), (-1, -1), 5 * factor),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 6 * factor),
            ]
        )
    )
    warning = Table(
        [[Paragraph(escape(no_fee_message(standard)), _scaled(_WARNING, factor))]], colWidths=[width]
    )
    warning.setStyle(
        TableStyle(
            [
                ("BACKGROUND", (0, 0), (-1, -1), colors.HexColor("#8b0000")),
                ("TOPPADDING", (0, 0), (-1, -1), 8 * factor),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 10 * factor),
            ]
        )
    )
    story = [
        Spacer(1, head_height),
        Paragraph(escape(_("SERVICE STANDARD")), _scaled(_TITLE, factor)),
        Spacer(1, 2 * mm),
        Paragraph(escape(str(standard.name)), _scaled(_SUBTITLE, factor)),
        Spacer(1, 6 * mm * factor),
        table,
        Spacer(1, 6 * mm * factor),
        warning,
        Spacer(1, 6 * mm * factor),
        KeepTogether(
            [
                _Qr(url, 45 * mm * factor),
                Spacer(1, 2 * mm),
                Paragraph(escape(_("Scan to apply or read more online:")), _scaled(_CAPTION, factor)),
                Paragraph(escape(url), _scaled(_CAPTION, factor)),
            ]
        ),
    ]

    def letterhead(canvas, doc):
        canvas.saveState()
        y = size[1] - margin
        canvas.setFont(FONT_BOLD, 14 * factor)
        for line in head.lines:
            canvas.drawCentredString(size[0] / 2, y, line)
            y -= 16 * factor
        if head.address:
            canvas.setFont(FONT, 10 * factor)
            canvas.drawCentredString(size[0] / 2, y, head.address)
            y -= 8 * factor
        canvas.setLineWidth(2)
        canvas.line(margin, y, size[0] - margin, y)
        canvas.setLineWidth(0.6)
        canvas.line(margin, y - 3, size[0] - margin, y - 3)
        canvas.restoreState()

    buffer = io.BytesIO()
    document = SimpleDocTemplate(
        buffer,
        pagesize=size,
        leftMargin=margin,
        rightMargin=margin,
        topMargin=margin,
        bottomMargin=margin,
        title=f"{_('Service standard')}: {standard.name}",
        author=polres.name,
        creator="Bersih",
    )
    document.build(story, onFirstPage=letterhead, onLaterPages=letterhead)
    return buffer.getvalue()
