"""Letters as PDFs (ReportLab platypus): the unit's letterhead, Indonesian dates and rupiah, tables,
images, and a QR code that opens the public verification page for the letter's code.

    letter = Letter(unit=unit, code=document_code_new(), number="B/123/XI/2026/Satlantas",
                    subject="Pemberitahuan", recipient=["Yth. Sdr. Budi", "di Bekasi"])
    letter.paragraph("Dengan hormat, ...")
    letter.table([["Uraian", "Jumlah"], ["Denda", rupiah(250_000)]])
    letter.signature(position="KEPALA KEPOLISIAN RESOR METRO BEKASI", name="…", rank_nrp="…")
    pdf_bytes = letter.render()

The standard Helvetica family is used: it needs no font file and its text stays searchable.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from datetime import date
from xml.sax.saxutils import escape

import segno
from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from reportlab import rl_config
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_JUSTIFY, TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import (
    Flowable,
    Image,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from bersih.core.formatting import tanggal

# Streams are written deflated but not ASCII85-armoured: armour only serves 7-bit channels, and without
# ReportLab's C accelerator it cost more than laying out the whole letter. Both forms are valid PDF.
rl_config.useA85 = 0

FONT = "Helvetica"
FONT_BOLD = "Helvetica-Bold"
MARGIN = 20 * mm
FOOTER_HEIGHT = 30 * mm
QR_SIZE = 22 * mm
QR_MASK = 0
# Table cells up to this many characters are drawn as plain strings (no wrapping needed).
SHORT_CELL = 30
NATIONAL_HEADER = "KEPOLISIAN NEGARA REPUBLIK INDONESIA"
# How each level of the tree is named in the letterhead ("Polda Metro Jaya" → "DAERAH METRO JAYA").
HEADER_WORDS = {"polda": ("Polda", "DAERAH"), "polres": ("Polres", "RESOR"), "polsek": ("Polsek", "SEKTOR")}

STYLES = {
    "body": ParagraphStyle(
        "body", fontName=FONT, fontSize=11, leading=15, alignment=TA_JUSTIFY, spaceAfter=6
    ),
    "plain": ParagraphStyle("plain", fontName=FONT, fontSize=11, leading=14),
    "right": ParagraphStyle("right", fontName=FONT, fontSize=11, leading=14, alignment=TA_RIGHT),
    "title": ParagraphStyle(
        "title", fontName=FONT_BOLD, fontSize=12, leading=16, alignment=TA_CENTER, spaceBefore=6, spaceAfter=8
    ),
    "cell": ParagraphStyle("cell", fontName=FONT, fontSize=9.5, leading=12),
    "cell_head": ParagraphStyle("cell_head", fontName=FONT_BOLD, fontSize=9.5, leading=12),
}


def verification_url(code: str) -> str:
    """The public page a letter's QR code opens."""
    return settings.SITE_URL + reverse("documents:verify-code", kwargs={"code": code})


def letterhead_lines(unit, ancestors=None) -> list[str]:
    """``KEPOLISIAN NEGARA REPUBLIK INDONESIA / DAERAH METRO JAYA / RESOR METRO BEKASI [/ unit]``."""
    lines = [NATIONAL_HEADER]
    for node in ancestors if ancestors is not None else unit.ancestors():
        words = HEADER_WORDS.get(node.kind)
        if words:
            short, heading = words
            name = node.name.removeprefix(short).strip()
            lines.append(f"{heading} {name}".upper())
        elif node.pk == unit.pk:
            lines.append(node.name.upper())
    return lines


def address_line(unit, ancestors=None) -> str:
    """The first address found walking up from the unit (functional units share their Polres')."""
    for node in reversed(list(ancestors if ancestors is not None else unit.ancestors())):
        if node.address:
            parts = [node.address, node.city]
            if node.phone:
                parts.append(f"Telp. {node.phone}")
            if node.email:
                parts.append(node.email)
            return " · ".join(part for part in parts if part)
    return ""


@dataclass(frozen=True)
class Letterhead:
    """What the top of every letter of a unit says; build it once per batch of letters."""

    lines: tuple[str, ...]
    address: str
    place: str

    @classmethod
    def for_unit(cls, unit) -> Letterhead:
        ancestors = list(unit.ancestors())  # one query for the whole letterhead
        place = next((node.city for node in reversed(ancestors) if node.city), "")
        return cls(tuple(letterhead_lines(unit, ancestors)), address_line(unit, ancestors), place)


@dataclass
class QrDrawing:
    """A QR code drawn as vector rectangles (one per run of dark modules), crisp at any zoom.

    The mask is fixed: any of the eight masks is valid QR, and choosing the "best" one costs more
    than the rest of the letter. The path is written in module units as one literal, for the same reason.
    """

    data: str
    size: float = QR_SIZE
    error: str = "m"
    matrix: list[list[bool]] = field(init=False)

    def __post_init__(self):
        qr = segno.make(self.data, error=self.error, micro=False, mask=QR_MASK, boost_error=False)
        self.matrix = [[bool(v) for v in row] for row in qr.matrix]  # without the quiet zone

    def path_operators(self) -> str:
        count = len(self.matrix)
        ops = []
        for row_index, row in enumerate(self.matrix):
            y = count - row_index - 1
            start = None
            for col, dark in enumerate([*row, False]):
                if dark and start is None:
                    start = col
                elif not dark and start is not None:
                    ops.append(f"{start} {y} {col - start} 1 re")
                    start = None
        return " ".join(ops)

    def draw(self, canvas, x: float, y: float) -> None:
        """Draw with the lower-left corner at (x, y)."""
        canvas.saveState()
        canvas.translate(x, y)
        module = self.size / len(self.matrix)
        canvas.scale(module, module)
        canvas.setFillColor(colors.black)
        canvas.addLiteral(f"n {self.path_operators()} f")
        canvas.restoreState()


def _column_widths(rows: list[list], width: float) -> list[float]:
    """Share the width by each column's longest text (at least 4 characters' worth)."""
    longest = [max(4, *(len(str(row[i])) for row in rows)) for i in range(len(rows[0]))]
    return [width * n / sum(longest) for n in longest]


class _LabelledLines(Flowable):
    """``Nomor   : …`` / ``Perihal : …`` on single lines, colons aligned (drawn directly: no table)."""

    leading = 14

    def __init__(self, rows: list[tuple[str, str]]):
        super().__init__()
        self.rows = rows

    def wrap(self, available_width, available_height):
        return available_width, self.leading * len(self.rows)

    def split(self, available_width, available_height):
        return []

    def draw(self):
        canvas = self.canv
        canvas.setFont(FONT, 11)
        for index, (label, value) in enumerate(self.rows):
            y = self.leading * (len(self.rows) - index - 1) + 3
            canvas.drawString(0, y, label)
            canvas.drawString(22 * mm, y, ":")
            canvas.drawString(26 * mm, y, value)


class _SignatureBlock(Flowable):
    """The official's position, room for a stamp, the underlined name and rank; never split over pages."""

    leading = 14
    gap = 16 * mm

    def __init__(self, position: str, name: str, rank_nrp: str):
        super().__init__()
        self.position, self.name, self.rank_nrp = position, name, rank_nrp

    def wrap(self, available_width, available_height):
        self.width = available_width
        self.height = 6 * mm + self.leading * 3 + self.gap
        return self.width, self.height

    def split(self, available_width, available_height):
        return []

    def draw(self):
        canvas = self.canv
        centre = self.width * 0.45 + self.width * 0.55 / 2
        y = self.height - 6 * mm - 11
        canvas.setFont(FONT, 11)
        canvas.drawCentredString(centre, y, self.position)
        y -= self.gap + self.leading
        if self.name:
            canvas.drawCentredString(centre, y, self.name)
            half = stringWidth(self.name, FONT, 11) / 2
            canvas.setLineWidth(0.6)
            canvas.line(centre - half, y - 1.5, centre + half, y - 1.5)
        if self.rank_nrp:
            canvas.drawCentredString(centre, y - self.leading, self.rank_nrp)


class Letter:
    """A one-letterhead letter of ``unit`` with the verification QR of ``code`` on every page."""

    def __init__(
        self,
        *,
        unit,
        code: str,
        number: str = "",
        subject: str = "",
        recipient: list[str] | None = None,
        place: str = "",
        on: date | None = None,
        title: str = "",
        lang: str = "id",
        letterhead: Letterhead | None = None,
    ):
        self.unit = unit
        self.code = code
        self.lang = lang
        self.flowables: list = []
        self.url = verification_url(code)
        self.qr = QrDrawing(self.url)
        letterhead = letterhead or Letterhead.for_unit(unit)
        self._head = letterhead.lines
        self._address = letterhead.address
        place = place or letterhead.place
        when = tanggal(on or timezone.localdate(), lang)
        self.flowables.append(Paragraph(escape(f"{place}, {when}" if place else when), STYLES["right"]))
        self.flowables.append(Spacer(1, 3 * mm))
        rows = [(label, value) for label, value in (("Nomor", number), ("Perihal", subject)) if value]
        if rows and all(stringWidth(value, FONT, 11) < A4[0] - 2 * MARGIN - 26 * mm for _, value in rows):
            self.flowables += [_LabelledLines(rows), Spacer(1, 2 * mm)]
        elif rows:  # a long subject wraps in a table
            self.table(
                [[label, ":", value] for label, value in rows],
                col_widths=[22 * mm, 4 * mm, None],
                header=False,
                grid=False,
            )
        if recipient:
            self.flowables.append(Spacer(1, 3 * mm))
            for line in recipient:
                self.flowables.append(Paragraph(escape(line), STYLES["plain"]))
            self.flowables.append(Spacer(1, 4 * mm))
        if title:
            self.heading(title)

    # --- content --------------------------------------------------------------------------------

    def heading(self, text: str) -> Letter:
        self.flowables.append(Paragraph(f"<u>{escape(text)}</u>", STYLES["title"]))
        return self

    def paragraph(self, text: str) -> Letter:
        """Plain text (escaped: never markup from data)."""
        self.flowables.append(Paragraph(escape(text), STYLES["body"]))
        return self

    def spacer(self, height_mm: float = 4) -> Letter:
        self.flowables.append(Spacer(1, height_mm * mm))
        return self

    def table(
        self, rows: list[list], *, col_widths: list | None = None, header: bool = True, grid: bool = True
    ) -> Letter:
        """A table of text cells; the first row is the header when ``header``."""
        if not rows:
            return self
        cells = [[self._cell(value, header and i == 0) for value in row] for i, row in enumerate(rows)]
        width = A4[0] - 2 * MARGIN
        if col_widths and None in col_widths:
            fixed = sum(w for w in col_widths if w)
            free = (width - fixed) / col_widths.count(None)
            col_widths = [w or free for w in col_widths]
        table = Table(cells, colWidths=col_widths or _column_widths(rows, width), hAlign="LEFT")
        style = [
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ("LEFTPADDING", (0, 0), (-1, -1), 3),
            ("FONT", (0, 0), (-1, -1), FONT, 9.5, 12),
        ]
        if header:
            style += [("FONT", (0, 0), (-1, 0), FONT_BOLD, 9.5, 12)]
        if grid:
            style += [("GRID", (0, 0), (-1, -1), 0.5, colors.black)]
        if header and grid:
            style += [("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8e8e8"))]
        table.setStyle(TableStyle(style))
        self.flowables.append(table)
        self.flowables.append(Spacer(1, 3 * mm))
        return self

    @staticmethod
    def _cell(value, bold: bool):
        """Short text as a plain cell (fast); longer text as a paragraph, so that it wraps."""
        text = str(value)
        if len(text) <= SHORT_CELL and "\n" not in text:
            return text
        return Paragraph(escape(text), STYLES["cell_head" if bold else "cell"])

    def image(self, data: bytes, *, width_mm: float = 60) -> Letter:
        """A JPEG or PNG, scaled to ``width_mm`` keeping its proportions."""
        picture = Image(io.BytesIO(data))
        ratio = picture.imageHeight / picture.imageWidth
        picture.drawWidth = width_mm * mm
        picture.drawHeight = width_mm * mm * ratio
        picture.hAlign = "LEFT"
        self.flowables += [picture, Spacer(1, 3 * mm)]
        return self

    def drawing(self, drawing) -> Letter:
        """A ReportLab graphics drawing (a chart), at its own size."""
        drawing.hAlign = "CENTER"
        self.flowables += [drawing, Spacer(1, 3 * mm)]
        return self

    def signature(self, *, position: str, name: str = "", rank_nrp: str = "") -> Letter:
        """The signing official's block, on the right; the digital signature is the unit's."""
        self.flowables.append(_SignatureBlock(position, name, rank_nrp))
        return self

    # --- page furniture ---------------------------------------------------------------------------

    def _draw_letterhead(self, canvas, doc) -> None:
        top = A4[1] - MARGIN
        canvas.saveState()
        canvas.setFont(FONT_BOLD, 10.5)
        y = top
        for line in self._head:
            canvas.drawCentredString(A4[0] / 2, y, line)
            y -= 13
        if self._address:
            canvas.setFont(FONT, 8)
            canvas.drawCentredString(A4[0] / 2, y, self._address)
            y -= 6
        canvas.setLineWidth(1.5)
        canvas.line(MARGIN, y, A4[0] - MARGIN, y)
        canvas.setLineWidth(0.5)
        canvas.line(MARGIN, y - 2.5, A4[0] - MARGIN, y - 2.5)
        canvas.restoreState()
        self._draw_footer(canvas, doc)

    def _draw_footer(self, canvas, doc) -> None:
        x, y = MARGIN, MARGIN - 8 * mm
        self.qr.draw(canvas, x, y)
        canvas.saveState()
        canvas.setFont(FONT, 7.5)
        text_x = x + QR_SIZE + 4 * mm
        canvas.drawString(text_x, y + QR_SIZE - 8, "Dokumen ini ditandatangani secara elektronik.")
        canvas.drawString(text_x, y + QR_SIZE - 18, "Periksa keasliannya dengan memindai kode QR atau di:")
        canvas.drawString(text_x, y + QR_SIZE - 28, self.url)
        canvas.setFont(FONT_BOLD, 9)
        canvas.drawString(text_x, y + 4, f"Kode verifikasi: {self.code}")
        canvas.setFont(FONT, 7.5)
        canvas.drawRightString(A4[0] - MARGIN, y + 4, f"Halaman {doc.page}")
        canvas.restoreState()

    def _header_height(self) -> float:
        return len(self._head) * 13 + (6 if self._address else 0) + 8 * mm

    def render(self) -> bytes:
        buffer = io.BytesIO()
        document = SimpleDocTemplate(
            buffer,
            pagesize=A4,
            leftMargin=MARGIN,
            rightMargin=MARGIN,
            topMargin=MARGIN,
            bottomMargin=MARGIN + FOOTER_HEIGHT - 8 * mm,
            title=self.code,
            author=self.unit.name,
            creator="Bersih",
            subject=self.url,
        )
        story = [Spacer(1, self._header_height()), *self.flowables]
        document.build(story, onFirstPage=self._draw_letterhead, onLaterPages=self._draw_footer)
        return buffer.getvalue()
