"""Reading back the PDFs we make, for tests of every module that issues letters.

``pdf_text(pdf)`` gives the text drawn on each page; ``pdf_qr_matrix(pdf)`` rebuilds the QR code's modules
from the drawn rectangles, to compare with ``segno.make(url)``.
"""

from __future__ import annotations

import io
import re

from pyhanko.pdf_utils.reader import PdfFileReader

_STRING = re.compile(rb"\((?P<text>(?:\\.|[^\\)])*)\)\s*Tj")
_RECT = re.compile(rb"(-?[\d.]+) (-?[\d.]+) (-?[\d.]+) (-?[\d.]+) re")
_ESCAPES = {b"n": b"\n", b"r": b"\r", b"t": b"\t", b"(": b"(", b")": b")", b"\\": b"\\"}


def page_contents(pdf_bytes: bytes) -> list[bytes]:
    reader = PdfFileReader(io.BytesIO(pdf_bytes), strict=False)
    pages = []
    for index in range(len(reader.root["/Pages"]["/Kids"])):
        page = reader.root["/Pages"]["/Kids"][index]
        contents = page["/Contents"]
        streams = contents if isinstance(contents, list) else [contents]
        pages.append(b"".join(stream.data for stream in streams))
    return pages


def _unescape(raw: bytes) -> str:
    def one(match: re.Match) -> bytes:
        escaped = match.group(1)
        if escaped[:1].isdigit():
            return bytes([int(escaped, 8)])
        return _ESCAPES.get(escaped, escaped)

    out = re.sub(rb"\\([0-7]{1,3}|.)", one, raw)
    return out.decode("cp1252", errors="replace")


def pdf_text(pdf_bytes: bytes) -> str:
    """Every string drawn with Tj, one per line, page after page (Helvetica: WinAnsi encoding)."""
    return "\n".join(
        _unescape(match["text"])
        for content in page_contents(pdf_bytes)
        for match in _STRING.finditer(content)
    )


def pdf_qr_matrix(pdf_bytes: bytes, page: int = 0) -> list[list[bool]]:
    """The QR modules drawn on ``page``: rectangles of equal height on one grid (the QR is the only
    filled rectangle path we draw)."""
    rects = [tuple(float(v) for v in m.groups()) for m in _RECT.finditer(page_contents(pdf_bytes)[page])]
    if not rects:
        return []
    rects = [r for r in rects if r[2] > 0 and r[3] > 0]  # tables draw their backgrounds upside down
    if not rects:
        return []
    module = min(h for _, _, _, h in rects)
    rects = [r for r in rects if abs(r[3] - module) < 1e-6]
    left = min(x for x, _, _, _ in rects)
    top = max(y + h for _, y, _, h in rects)
    size = round((max(x + w for x, _, w, _ in rects) - left) / module)
    matrix = [[False] * size for _ in range(size)]
    for x, y, w, h in rects:
        row = round((top - (y + h)) / module)
        first = round((x - left) / module)
        for col in range(first, first + round(w / module)):
            matrix[row][col] = True
    return matrix
