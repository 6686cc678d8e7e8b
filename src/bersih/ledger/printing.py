"""A checkpoint on paper: one A4 page with its fields in full and a QR code of its JSON, to sign,
file and keep off-site. ``bersih ledger checkpoint --pdf FILE`` writes it."""

from __future__ import annotations

import io
import json
import textwrap

import segno
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader
from reportlab.pdfgen import canvas


def checkpoint_lines(exported: dict) -> list[str]:
    return [
        f"Entry (head)   #{exported['seq']}",
        f"Entries        {exported['entry_count']}",
        f"Head hash      {exported['head_hash']}",
        f"Time (UTC)     {exported['created_at']}",
        f"Key id         {exported['key_id']}",
        f"Public key     {exported['public_key']}",
        "Signature",
        *textwrap.wrap(exported["signature"], 64, initial_indent="  ", subsequent_indent="  "),
        "Signed statement",
        *textwrap.wrap(exported["statement"], 80, initial_indent="  ", subsequent_indent="  "),
    ]


def checkpoint_pdf(exported: dict) -> bytes:
    buffer = io.BytesIO()
    page = canvas.Canvas(buffer, pagesize=A4, pageCompression=0)
    page.setTitle(f"Bersih ledger checkpoint #{exported['seq']}")
    _, height = A4
    y = height - 25 * mm
    page.setFont("Helvetica-Bold", 16)
    page.drawString(20 * mm, y, "Bersih ledger checkpoint")
    y -= 12 * mm
    page.setFont("Courier", 9)
    for line in checkpoint_lines(exported):
        page.drawString(20 * mm, y, line)
        y -= 5 * mm
    qr = segno.make(json.dumps(exported, sort_keys=True, separators=(",", ":")), error="m")
    png = io.BytesIO()
    qr.save(png, kind="png", scale=4, border=2)
    png.seek(0)
    size = 70 * mm
    page.drawImage(ImageReader(png), 20 * mm, y - size - 5 * mm, size, size)
    page.setFont("Helvetica", 9)
    text_y = y - 10 * mm
    for line in (
        "Verify: bersih ledger verify --checkpoint <this checkpoint as JSON>",
        "The QR code holds the same checkpoint as JSON.",
        "",
        "Printed and filed by (name, NRP, signature, date):",
    ):
        page.drawString(100 * mm, text_y, line)
        text_y -= 5 * mm
    page.showPage()
    page.save()
    return buffer.getvalue()
