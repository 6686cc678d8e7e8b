"""The products of Sipmas's services: the letters a step issues (``rules.Step.product``) — the SKTLK
letter, the crowd permit, the crime report receipt (STTLP) and the progress letters (SP2HP).

A product is built as a :class:`~bersih.documents.pdf.Letter` (the Polres letterhead, an Indonesian
date, the verification QR), signed and recorded by ``documents.services.document_issue``, kept on the
case (``Case.product`` holds the latest; a public ``product`` event each), and e-mailed to the requester
with the PDF attached. ``case_transition`` calls :func:`product_issue` inside its own transaction, so a
letter that cannot be made leaves the step undone.
"""

from __future__ import annotations

from datetime import datetime

from django.utils import timezone
from reportlab.lib.units import mm

from bersih import ledger
from bersih.core.formatting import tanggal
from bersih.documents.pdf import Letter
from bersih.documents.services import document_code_new, document_issue

from .. import rules
from ..models import Case, CaseAttachment, CaseEvent, Requester
from .intake import _actor_label
from .messages import case_context

PRODUCT_TEMPLATE = "services.case_product"
ROMAN_MONTHS = ("I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X", "XI", "XII")
# How the case's service details are labelled on the letters (keys the intake forms may store).
DETAIL_LABELS = {
    "items": "Barang/dokumen yang hilang",
    "lost_items": "Barang/dokumen yang hilang",
    "lost_where": "Tempat kehilangan",
    "event_name": "Nama kegiatan",
    "event_date": "Tanggal kegiatan",
    "event_time": "Waktu kegiatan",
    "venue": "Tempat kegiatan",
    "attendance": "Perkiraan jumlah peserta",
    "organiser": "Penyelenggara",
    "crime": "Jenis peristiwa",
    "reported_party": "Terlapor",
}


def product_number(product: rules.Product, case: Case, sequence: int, on) -> str:
    """``<prefix>/<tracking number>/<n>/<roman month>/<year>``: unique per case and letter."""
    return f"{product.number_prefix}/{case.tracking_number}/{sequence}/{ROMAN_MONTHS[on.month - 1]}/{on.year}"


def _detail_rows(case: Case) -> list[list[str]]:
    rows = []
    for key, value in (case.details or {}).items():
        if isinstance(value, str | int | float) and str(value).strip():
            rows.append([DETAIL_LABELS.get(key, key.replace("_", " ").capitalize()), str(value)[:300]])
    return rows


def _facts(case: Case, requester: Requester | None) -> list[list[str]]:
    rows = [["Nomor layanan", case.tracking_number]]
    if requester is not None:
        rows.append(["Nama pelapor/pemohon", requester.full_name])
        if requester.nik:
            rows.append(["NIK", requester.nik])
        if requester.address:
            rows.append(["Alamat", requester.address])
    rows.append(["Perihal", case.title])
    if case.occurred_on:
        rows.append(["Tanggal kejadian", tanggal(case.occurred_on)])
    if case.address:
        rows.append(["Tempat", case.address])
    rows += _detail_rows(case)
    received = timezone.localtime(case.submitted_at)
    rows.append(["Diterima", f"{tanggal(received)} pukul {received:%H.%M} WIB"])
    return rows


def _opening(product: rules.Product, case: Case, sequence: int) -> list[str]:
    """The letter's statement, per product (official Indonesian wording)."""
    if product.code == "sktlk_letter":
        return [
            "Yang bertanda tangan di bawah ini menerangkan bahwa pada tanggal tersebut di bawah telah "
            "datang melapor kepada Sentra Pelayanan Kepolisian Terpadu (SPKT) orang dengan keterangan "
            "berikut, yang menyatakan kehilangan barang/dokumen sebagaimana diuraikan:",
        ]
    if product.code == "crowd_permit":
        return [
            "Berdasarkan permohonan yang diterima dan hasil penelitian persyaratan serta penilaian "
            "keamanan, dengan ini diberikan izin keramaian untuk kegiatan berikut:",
        ]
    if product.code == "sttlp":
        return [
            "Telah diterima laporan polisi dari orang dengan keterangan berikut, dan laporan tersebut "
            "telah dicatat untuk ditindaklanjuti sesuai ketentuan peraturan perundang-undangan:",
        ]
    return [
        f"Bersama ini diberitahukan perkembangan hasil penyidikan (pemberitahuan ke-{sequence}) atas "
        "laporan polisi berikut:",
    ]


def _closing(product: rules.Product, case: Case) -> list[str]:
    if product.code == "sktlk_letter":
        return [
            "Surat keterangan ini bukan pengganti barang/dokumen yang hilang dan hanya berlaku untuk "
            "keperluan pengurusan penggantinya. Apabila keterangan pelapor tidak benar, pelapor "
            "bertanggung jawab sesuai ketentuan hukum yang berlaku.",
        ]
    if product.code == "crowd_permit":
        return [
            "Penyelenggara wajib menjaga ketertiban dan keamanan, mematuhi ketentuan yang berlaku, dan "
            "bekerja sama dengan petugas kepolisian di lapangan. Izin ini dapat dicabut apabila "
            "kegiatan mengganggu keamanan dan ketertiban masyarakat.",
        ]
    if product.code == "sttlp":
        return [
            "Pelapor akan menerima surat pemberitahuan perkembangan hasil penyidikan (SP2HP). "
            "Perkembangan laporan dapat diikuti dengan nomor layanan dan kode rahasia pada laman /lacak/.",
        ]
    return [
        f"Perkembangan: {case.status_reason or case.step.label}",
        "Apabila terdapat pertanyaan, pelapor dapat menghubungi penyidik melalui nomor layanan di atas.",
    ]


def product_letter(
    product: rules.Product, case: Case, *, code: str, number: str, sequence: int, on
) -> Letter:
    """The product of ``case`` as a :class:`Letter` (not yet rendered or signed)."""
    requester = Requester.objects.filter(case=case).first()
    recipient = [f"Yth. Sdr. {requester.full_name}"] if requester is not None else []
    letter = Letter(
        unit=case.unit, code=code, number=number, subject=product.title, recipient=recipient, on=on
    )
    letter.heading(product.title)
    for text in _opening(product, case, sequence):
        letter.paragraph(text)
    letter.table(_facts(case, requester), col_widths=[50 * mm, None], header=False)
    for text in _closing(product, case):
        letter.paragraph(text)
    letter.paragraph("Dasar: " + "; ".join(product.legal_basis) + ".")
    letter.signature(position=product.signer)
    return letter


def _sequence(case: Case, status: str) -> int:
    return CaseEvent.objects.filter(case=case, kind=CaseEvent.PRODUCT, status=status).count() + 1


def product_issue(*, actor, case: Case, status: str, now: datetime):
    """Issue the product of the step ``status`` the (locked) case has just entered; None if it has none.

    Runs inside ``case_transition``'s transaction: the letter is built, signed and recorded, the case
    points to it, a public event says so, the ledger records it and the requester's e-mail carries it.
    """
    code_name = case.standard.steps[status].product
    if not code_name:
        return None
    product = rules.PRODUCTS[code_name]
    today = timezone.localdate(now)
    sequence = _sequence(case, status)
    number = product_number(product, case, sequence, today)
    code = document_code_new()
    pdf = product_letter(product, case, code=code, number=number, sequence=sequence, on=today).render()
    document = document_issue(
        actor=actor,
        unit=case.unit,
        kind=product.kind,
        title=product.title,  # public on the verification page: no names
        pdf_bytes=pdf,
        code=code,
        reason=f"{product.title} {case.tracking_number}",
    )
    case.product = document
    case.save(update_fields=["product"])
    # The letter is one of the case's files (an officer's, not the citizen's): case_products() lists them.
    CaseAttachment.objects.get_or_create(
        case=case, file=document.file, defaults={"from_citizen": False, "added_at": now}
    )
    CaseEvent.objects.create(
        case=case,
        at=now,
        kind=CaseEvent.PRODUCT,
        status=status,
        public=True,
        text=f"{product.title} — {number} ({code})",
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        actor_label=_actor_label(actor),
    )
    sent = _email_product(case, document, product, number)
    ledger.record(
        actor=actor,
        action="services.product.issued",
        subject=case,
        unit=case.unit,
        data={"product": product.code, "document": code, "number": number, "emailed": sent},
    )
    return document


def _email_product(case: Case, document, product: rules.Product, number: str) -> bool:
    """Queue the letter, attached, to the requester's e-mail address; False when they have none."""
    from django.core.exceptions import ValidationError

    from bersih.notify.services import message_queue

    requester = Requester.objects.filter(case=case).first()
    if requester is None or not requester.email:
        return False
    context = {
        **case_context(case, requester),
        "product": product.title,
        "letter_number": number,
        "document_code": document.code,
    }
    attachment = {
        "name": f"{product.kind}-{case.tracking_number}.pdf",
        "content_type": "application/pdf",
        "content": document.file.read(),
    }
    try:
        message_queue(
            channel="email",
            recipient=requester.email,
            template=PRODUCT_TEMPLATE,
            context=context,
            language=case.language,
            idempotency_key=f"services:{case.pk}:product:{document.code}",
            subject=case,
            unit=case.unit,
            attachments=[attachment],
        )
    except ValidationError:
        return False
    return True
