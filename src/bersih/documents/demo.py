"""Demo documents: one signed letter of the demo Polres, to open on the public verification page."""

from __future__ import annotations

from bersih.core.formatting import rupiah
from bersih.ledger.services import SYSTEM

from .pdf import Letter
from .services import document_code_new, document_issue


def _demo_unit(world):
    """The demo Polres (or its traffic unit), whatever codes the organisation builder chose."""
    units = list(world.units.values())
    for kind in ("satlantas", "polres"):
        for unit in units:
            if unit.kind == kind:
                return unit
    return units[0] if units else None


def seed(world) -> None:
    unit = _demo_unit(world)
    if unit is None:  # the organisation is not built yet: nothing to sign with
        return
    code = document_code_new()
    letter = Letter(
        unit=unit,
        code=code,
        number="B/1024/XI/2026/Satlantas",
        subject="Pemberitahuan pembayaran denda tilang elektronik",
        recipient=["Yth. Sdr. Pemilik Kendaraan B 1234 XYZ", "di Bekasi"],
    )
    letter.paragraph(
        "Dengan hormat, bersama ini kami beritahukan bahwa denda atas pelanggaran lalu lintas yang "
        "terekam kamera tilang elektronik telah dibayar lunas dan perkara dinyatakan selesai."
    )
    letter.table([["No", "Uraian", "Jumlah"], ["1", "Denda pelanggaran lalu lintas", rupiah(250_000)]])
    letter.paragraph(
        "Demikian pemberitahuan ini kami sampaikan untuk dapat dipergunakan sebagaimana mestinya."
    )
    letter.signature(position="KASAT LANTAS", name="Contoh Pejabat Demo", rank_nrp="AKP NRP 00000000")
    document = document_issue(
        actor=SYSTEM,
        unit=unit,
        kind="letter",
        title="Pemberitahuan pembayaran denda (contoh)",
        pdf_bytes=letter.render(),
        code=code,
    )
    world.log(f"  signed demo letter: /documents/verifikasi/{document.code}/")
