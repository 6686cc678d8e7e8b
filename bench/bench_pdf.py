"""PDF letters: one-page letters with letterhead and QR per second, against a bare ReportLab page.

The limit is a bare ReportLab page with the same text — every line the letter prints, letterhead and
footer lines included, as plain platypus paragraphs and a table — without the letter's layout, rules,
QR code or unit lookup, measured in the same run.
Target: letters ≥ 0.5 of it, each letter reading its unit's letterhead. Also shown: a batch sharing
one Letterhead, the same lines drawn on a bare canvas (for scale), and signed letters as a ratio to
unsigned ones.
"""

from __future__ import annotations

import io
import tempfile
import time

from django.core.management import call_command
from django.db import transaction
from django.test import override_settings
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.pdfgen import canvas
from reportlab.platypus import Paragraph, SimpleDocTemplate, Table

from bench.report import figure

SECONDS = 1.5
STYLES = getSampleStyleSheet()  # made once, as the letter toolkit's styles are
HEAD = ["Bekasi, 28 November 2026", "Nomor: B/17/XI/2026", "Perihal: Pemberitahuan"]
SIGNATURE = ["KEPALA SATUAN LALU LINTAS", "Budi Santoso"]
# The letterhead and footer lines of the letter under test, filled in by run().
PRINTED: list[str] = []
# A realistic one-page letter: four paragraphs of body text.
BODY = [
    "Dengan hormat, bersama ini kami beritahukan bahwa kendaraan bermotor dengan nomor polisi yang "
    "tercatat atas nama Saudara telah terekam oleh kamera penegakan hukum elektronik melakukan "
    "pelanggaran lalu lintas pada tanggal 3 November 2026 pukul 08.15 WIB di Jalan Ahmad Yani, Bekasi.",
    "Sesuai ketentuan Undang-Undang Nomor 22 Tahun 2009 tentang Lalu Lintas dan Angkutan Jalan, "
    "pelanggaran tersebut dikenai denda sebagaimana tercantum dalam tabel di bawah ini. Pembayaran "
    "telah kami terima melalui bank persepsi dan dicatat dalam buku besar yang tidak dapat diubah.",
    "Surat ini merupakan tanda terima yang sah. Keaslian surat dapat diperiksa oleh siapa pun dengan "
    "memindai kode QR di bagian bawah halaman atau dengan memasukkan kode verifikasi pada halaman "
    "verifikasi dokumen. Surat yang telah diubah setelah ditandatangani akan ditolak oleh pemeriksaan.",
    "Apabila Saudara merasa keberatan atas pelanggaran tersebut, Saudara dapat mengajukan sanggahan "
    "melalui layanan pengaduan dalam waktu tujuh hari kerja sejak surat ini diterima. Demikian "
    "pemberitahuan ini kami sampaikan, atas perhatian dan kerja sama Saudara kami ucapkan terima kasih.",
]
TABLE = [["No", "Uraian", "Jumlah"], ["1", "Denda tilang elektronik", "Rp250.000"]]


def _rates(*makers, seconds: float = SECONDS, rounds: int = 8) -> list[float]:
    """Items per CPU-second of each maker, measured in alternating slices: on a shared machine other
    processes' load changes wall time far more than this process's CPU time, and falls on all alike."""
    for make in makers:
        make()  # warm up (font metrics, imports, the first certificate)
    counts, spent = [0] * len(makers), [0.0] * len(makers)
    for _ in range(rounds):
        for index, make in enumerate(makers):
            started = time.process_time()
            while (elapsed := time.process_time() - started) < seconds / rounds:
                make()
                counts[index] += 1
            spent[index] += elapsed
    return [count / elapsed for count, elapsed in zip(counts, spent, strict=True)]


def bare_page() -> bytes:
    """The same text in a plain platypus document: paragraphs and a table, nothing else."""
    buffer = io.BytesIO()
    story = [Paragraph(line, STYLES["Normal"]) for line in [*PRINTED, *HEAD, *BODY]]
    story.append(Table(TABLE))
    story += [Paragraph(line, STYLES["Normal"]) for line in SIGNATURE]
    SimpleDocTemplate(buffer, pagesize=A4).build(story)
    return buffer.getvalue()


def canvas_page() -> bytes:
    """The same text, drawn line by line on a plain canvas: no layout at all."""
    buffer = io.BytesIO()
    page = canvas.Canvas(buffer, pagesize=A4)
    page.setFont("Helvetica", 11)
    y = 780
    for line in [*PRINTED, *HEAD, *BODY, *SIGNATURE]:
        page.drawString(56, y, line)
        y -= 16
    for row in TABLE:
        page.drawString(56, y, "   ".join(row))
        y -= 16
    page.showPage()
    page.save()
    return buffer.getvalue()


def run() -> bool:
    from bersih.core.testing import build_test_org
    from bersih.documents.pdf import Letter, Letterhead, verification_url
    from bersih.documents.services import document_code_new
    from bersih.documents.signing import sign_pdf

    call_command("migrate", verbosity=0)
    with tempfile.TemporaryDirectory() as keys, override_settings(KEYS_DIR=keys), transaction.atomic():
        org = build_test_org()
        org.bks.address, org.bks.city = "Jl. Pramuka No. 1", "Bekasi"
        org.bks.save()
        unit, code = org.bks_satlantas, document_code_new()

        shared = Letterhead.for_unit(unit)
        url = verification_url(code)
        PRINTED[:] = [
            *shared.lines,
            shared.address,
            "Dokumen ini ditandatangani secara elektronik.",
            "Periksa keasliannya dengan memindai kode QR atau di:",
            url,
            f"Kode verifikasi: {code}",
            "Halaman 1",
        ]

        def letter(letterhead=None) -> bytes:
            built = Letter(
                unit=unit, code=code, number="B/17/XI/2026", subject="Pemberitahuan", letterhead=letterhead
            )
            for line in BODY:
                built.paragraph(line)
            built.table(TABLE)
            built.signature(position="KEPALA SATUAN LALU LINTAS", name="Budi Santoso")
            return built.render()

        pdf = letter()

        def batch_letter() -> bytes:
            return letter(shared)

        def signed() -> bytes:
            return sign_pdf(pdf, org.bks)

        bare, drawn, letters, batch, signed_rate = _rates(
            bare_page, canvas_page, letter, batch_letter, signed
        )
        ok = figure("letters with letterhead and QR", letters, "letters/s", limit=bare, target_ratio=0.5)
        figure(
            "the same, in a batch sharing one Letterhead",
            batch,
            "letters/s",
            limit=bare,
            note="the unit tree is read once per batch",
        )
        figure("the same lines on a bare canvas (for scale)", drawn, "pages/s", limit=letters)
        figure(
            "signing a letter (PAdES B-B, ECDSA P-256)",
            1 / (1 / letters + 1 / signed_rate),
            "signed letters/s",
            limit=letters,
            note="ratio of signed to unsigned letters",
        )
        transaction.set_rollback(True)
    return ok
