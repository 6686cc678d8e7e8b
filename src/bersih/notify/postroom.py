"""The post room's paper: plain letters, the day's merged letters PDF, address labels and the handover
manifest (CSV and PDF, a Code 128 barcode of each letter's tracking code)."""

from __future__ import annotations

import csv
import io

from django.utils import timezone
from django.utils.translation import gettext as _
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.generic import pdf_name
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.pdf_utils.writer import PageObject, PdfFileWriter
from reportlab.graphics.barcode import code128
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfgen import canvas

# A4 label sheet: 3 columns by 8 rows of 70 x 37 mm labels (the common "24 per sheet" stock).
LABEL_COLUMNS, LABEL_ROWS = 3, 8
LABEL_WIDTH, LABEL_HEIGHT = 70 * mm, 37 * mm
MANIFEST_FIELDS = [
    "no",
    "tracking_code",
    "name",
    "street",
    "village",
    "city",
    "postcode",
    "province",
    "pages",
]


def plain_letter_pdf(address_lines: list[str], body: str, *, sender: str = "") -> bytes:
    """A one-letter PDF from text, for modules that queue a letter without their own PDF."""
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=A4)
    _width, height = A4
    y = height - 25 * mm
    if sender:
        pdf.setFont("Helvetica-Bold", 11)
        pdf.drawString(20 * mm, y, sender)
        y -= 15 * mm
    pdf.setFont("Helvetica", 11)
    for line in address_lines:
        pdf.drawString(20 * mm, y, line)
        y -= 5.5 * mm
    y -= 10 * mm
    for paragraph in body.splitlines() or [""]:
        for line in _wrap(paragraph, 95):
            if y < 20 * mm:
                pdf.showPage()
                pdf.setFont("Helvetica", 11)
                y = height - 25 * mm
            pdf.drawString(20 * mm, y, line)
            y -= 5.5 * mm
    pdf.showPage()
    pdf.save()
    return buffer.getvalue()


def _wrap(text: str, width: int) -> list[str]:
    words, lines, current = text.split(), [], ""
    for word in words:
        if current and len(current) + 1 + len(word) > width:
            lines.append(current)
            current = word
        else:
            current = f"{current} {word}".strip()
    lines.append(current)
    return lines


def page_count(pdf_bytes: bytes) -> int:
    reader = PdfFileReader(io.BytesIO(pdf_bytes), strict=False)
    return int(reader.root["/Pages"]["/Count"])


def merge_pdfs(documents: list[bytes]) -> bytes:
    """One PDF with every page of ``documents`` in order (each page carried over as a form XObject)."""
    writer = PdfFileWriter()
    for data in documents:
        reader = PdfFileReader(io.BytesIO(data), strict=False)
        for index in range(int(reader.root["/Pages"]["/Count"])):
            page_ref, _resources = reader.find_page_for_modification(index)
            media_box = [float(x) for x in page_ref.get_object().get("/MediaBox", [0, 0, *A4])]
            xobject = writer.import_page_as_xobject(reader, index)
            contents = writer.add_object(generic.StreamObject(stream_data=b"q /Letter Do Q"))
            resources = generic.DictionaryObject(
                {pdf_name("/XObject"): generic.DictionaryObject({pdf_name("/Letter"): xobject})}
            )
            writer.insert_page(PageObject(contents=contents, media_box=media_box, resources=resources))
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def labels_pdf(letters) -> bytes:
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=A4)
    _width, height = A4
    margin_x, margin_y = 0, (height - LABEL_ROWS * LABEL_HEIGHT) / 2
    per_sheet = LABEL_COLUMNS * LABEL_ROWS
    for index, letter in enumerate(letters):
        if index and index % per_sheet == 0:
            pdf.showPage()
        slot = index % per_sheet
        col, row = slot % LABEL_COLUMNS, slot // LABEL_COLUMNS
        x = margin_x + col * LABEL_WIDTH + 5 * mm
        y = height - margin_y - row * LABEL_HEIGHT - 7 * mm
        pdf.setFont("Helvetica-Bold", 9)
        pdf.drawString(x, y, letter.name[:40])
        pdf.setFont("Helvetica", 8)
        for line in letter.address_lines()[1:]:
            y -= 4 * mm
            pdf.drawString(x, y, line[:48])
        pdf.setFont("Courier", 7)
        pdf.drawString(x, height - margin_y - (row + 1) * LABEL_HEIGHT + 3 * mm, letter.tracking_code)
    pdf.showPage()
    pdf.save()
    return buffer.getvalue()


def manifest_rows(letters) -> list[dict]:
    return [
        {
            "no": number,
            "tracking_code": letter.tracking_code,
            "name": letter.name,
            "street": letter.street,
            "village": letter.village,
            "city": letter.city,
            "postcode": letter.postcode,
            "province": letter.province,
            "pages": letter.pages,
        }
        for number, letter in enumerate(letters, start=1)
    ]


def manifest_csv(letters) -> bytes:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=MANIFEST_FIELDS)
    writer.writeheader()
    writer.writerows(manifest_rows(letters))
    return buffer.getvalue().encode("utf-8")


def manifest_pdf(letters, *, unit_name: str, day) -> bytes:
    """The handover sheet the post office signs: one row per letter with its barcode."""
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=A4)
    width, height = A4
    rows = manifest_rows(letters)

    def header() -> float:
        pdf.setFont("Helvetica-Bold", 12)
        pdf.drawString(
            15 * mm, height - 15 * mm, _("Letter handover manifest — %(unit)s") % {"unit": unit_name}
        )
        pdf.setFont("Helvetica", 9)
        pdf.drawString(
            15 * mm,
            height - 21 * mm,
            _("Date %(day)s · %(count)d letters · printed %(printed)s WIB")
            % {
                "day": f"{day:%d-%m-%Y}",
                "count": len(rows),
                "printed": f"{timezone.localtime():%d-%m-%Y %H:%M}",
            },
        )
        return height - 32 * mm

    y = header()
    for row in rows:
        if y < 35 * mm:
            pdf.showPage()
            y = header()
        pdf.setFont("Helvetica", 8)
        pdf.drawString(15 * mm, y, str(row["no"]))
        pdf.drawString(25 * mm, y, row["name"][:38])
        pdf.drawString(25 * mm, y - 4 * mm, f"{row['street'][:50]}, {row['city']} {row['postcode']}")
        barcode = code128.Code128(row["tracking_code"], barHeight=9 * mm, barWidth=0.9)
        barcode.drawOn(pdf, 120 * mm, y - 6 * mm)
        pdf.setFont("Courier", 7)
        pdf.drawString(125 * mm, y - 9 * mm, row["tracking_code"])
        y -= 16 * mm
    pdf.setFont("Helvetica", 9)
    pdf.drawString(15 * mm, 20 * mm, _("Handed over by:") + " ____________________")
    pdf.drawString(width / 2, 20 * mm, _("Received by (post office):") + " ____________________")
    pdf.showPage()
    pdf.save()
    return buffer.getvalue()
