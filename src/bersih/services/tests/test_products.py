"""Products (handling): the SKTLK letter, the crowd permit, the STTLP receipt and the SP2HP progress
letters, issued as signed PDFs when their step is reached, e-mailed and downloadable with the secret."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from bersih.core.testing import sign_in
from bersih.documents.models import Document
from bersih.documents.pdf import verification_url
from bersih.documents.signing import verify_pdf
from bersih.documents.testing import pdf_text
from bersih.ledger.models import Entry
from bersih.notify.models import Message
from bersih.services import rules, selectors, services
from bersih.services.models import Case, CaseEvent
from bersih.services.testing import file_request


@pytest.fixture(autouse=True)
def isolated_files(settings, tmp_path):
    """Each test signs with its own development CA; files stay in tmp_path."""
    settings.KEYS_DIR = tmp_path / "keys"
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.NOTIFY_SINK_DIR = tmp_path / "outbox"
    settings.TIMESTAMP_URL = ""
    settings.DOCUMENT_DEV_CA = True
    settings.DOCUMENT_TRUST_ROOTS = []
    settings.SITE_URL = "https://bersih.contoh.id"


def _text(pdf: bytes) -> str:
    return " ".join(pdf_text(pdf).split())


def _request(org, service, **overrides):
    overrides.setdefault(
        "requester", {"full_name": "Siti Aminah", "email": "siti@contoh.id", "phone": "0812-3456-7890"}
    )
    return file_request(org, service, **overrides)


def test_the_sktlk_letter_is_signed_attached_and_on_the_case(org, staff):
    submitted = _request(org, "sktlk", details={"items": "Dompet kulit hitam berisi KTP"})
    case = services.case_transition(actor=staff.spkt, case=submitted.case, status="issued")
    case.refresh_from_db()
    document = case.product
    assert document is not None and document.kind == "sktlk" and document.signed
    pdf = document.file.read()
    check = verify_pdf(pdf)
    assert check.ok, check.reasons
    text = _text(pdf)
    assert "SURAT KETERANGAN TANDA LAPOR KEHILANGAN" in text
    assert "RESOR METRO BEKASI" in text and "Siti Aminah" in text
    assert "Dompet kulit hitam berisi KTP" in text and case.tracking_number in text
    assert f"Kode verifikasi: {document.code}" in text and verification_url(document.code) in text
    assert "KEPALA SIAGA SPKT" in text
    assert any(
        month in text
        for month in (
            "Januari",
            "Februari",
            "Maret",
            "April",
            "Mei",
            "Juni",
            "Juli",
            "Agustus",
            "September",
            "Oktober",
            "November",
            "Desember",
        )
    )
    event = case.events.get(kind=CaseEvent.PRODUCT)
    assert event.public and document.code in event.text
    message = Message.objects.get(template="services.case_product")
    assert message.channel == "email" and message.recipient == "siti@contoh.id"
    assert message.attachments[0]["name"] == f"sktlk-{case.tracking_number}.pdf"
    assert message.attachments[0]["sha256"] == document.file.sha256
    entry = Entry.objects.get(action="services.product.issued")
    assert entry.data["document"] == document.code and entry.data["emailed"] is True
    assert Entry.objects.filter(action="documents.document.issued").count() == 1


def test_the_crowd_permit_is_issued_at_its_last_step(org, staff):
    case = _request(org, "keramaian", details={"event_name": "Pentas seni RW 05", "venue": "Lapangan"}).case
    for status in ("verified", "assessed"):
        case = services.case_transition(actor=staff.intelkam, case=case, status=status)
    assert Case.objects.get(pk=case.pk).product is None  # no product before its step
    case = services.case_transition(actor=staff.intelkam, case=case, status="issued")
    pdf = Case.objects.get(pk=case.pk).product.file.read()
    assert verify_pdf(pdf).ok
    text = _text(pdf)
    assert "SURAT IZIN KERAMAIAN" in text and "Pentas seni RW 05" in text
    assert "KEPALA SATUAN INTELIJEN KEAMANAN" in text


def test_the_crime_report_gets_a_receipt_then_numbered_progress_letters(org, staff):
    case = _request(org, "lp").case
    case = services.case_transition(actor=staff.spkt, case=case, status="received")
    receipt = Case.objects.get(pk=case.pk).product
    assert receipt.kind == "sttlp" and "SURAT TANDA TERIMA LAPORAN POLISI" in _text(receipt.file.read())
    services.case_transition(actor=staff.spkt, case=case, status="progress", reason="Saksi diperiksa")
    first = Case.objects.get(pk=case.pk).product
    services.case_transition(actor=staff.spkt, case=case, status="progress", reason="Barang bukti disita")
    second = Case.objects.get(pk=case.pk).product
    assert first.kind == second.kind == "sp2hp" and first.code != second.code
    text = _text(second.file.read())
    assert (
        "pemberitahuan ke-2" in text
        and "Barang bukti disita" in text
        and f"SP2HP/{case.tracking_number}/2/" in text
    )
    assert verify_pdf(second.file.read()).ok
    codes = [d.code for d in selectors.case_products(Case.objects.get(pk=case.pk))]
    assert codes == [receipt.code, first.code, second.code]


def test_steps_without_a_product_issue_nothing_and_no_email_without_an_address(org, staff):
    case = file_request(org, "sktlk").case  # phone only
    services.case_transition(actor=staff.spkt, case=case, status="verified")
    assert not Document.objects.exists()
    services.case_transition(actor=staff.spkt, case=case, status="issued")
    assert Document.objects.count() == 1
    assert not Message.objects.filter(template="services.case_product").exists()
    assert Entry.objects.get(action="services.product.issued").data["emailed"] is False


def test_a_refused_step_issues_no_product(org, staff):
    case = _request(org, "sktlk").case
    with pytest.raises(ValidationError):
        services.case_transition(actor=staff.spkt, case=case, status="refused")  # no reason
    assert not Document.objects.exists() and Case.objects.get(pk=case.pk).status == "submitted"


def test_every_product_named_by_a_step_exists():
    named = {s.product for std in rules.SERVICES.values() for s in std.steps.values() if s.product}
    assert named == set(rules.PRODUCTS)


# --- The citizen's download ---------------------------------------------------------------------------


def test_the_citizen_downloads_the_letter_with_the_secret_only(client, org, staff):
    submitted = _request(org, "sktlk")
    services.case_transition(actor=staff.spkt, case=submitted.case, status="issued")
    document = Case.objects.get(pk=submitted.case.pk).product
    url = reverse("services:case-product", args=[document.code])
    ok = client.get(url, {"nomor": submitted.case.tracking_number, "kode": submitted.secret})
    assert ok.status_code == 200 and ok["Content-Type"] == "application/pdf"
    assert b"".join(ok.streaming_content) == document.file.read()
    assert (
        client.get(url, {"nomor": submitted.case.tracking_number, "kode": "AAAAA-AAAAA"}).status_code == 404
    )
    assert client.get(url).status_code == 404
    other = _request(org, "sktlk", salt="2")
    # another case's secret does not open this case's letter
    assert client.get(url, {"nomor": other.case.tracking_number, "kode": other.secret}).status_code == 404


def test_staff_in_scope_download_the_product_from_the_case_page(client, org, staff):
    submitted = _request(org, "sktlk")
    services.case_transition(actor=staff.spkt, case=submitted.case, status="issued")
    document = Case.objects.get(pk=submitted.case.pk).product
    sign_in(client, staff.spkt)
    page = client.get(reverse("services:case", args=[submitted.case.tracking_number]))
    assert document.code in page.content.decode()
