"""Letters, signatures and verification: real PDFs, real keys, real tampering."""

from __future__ import annotations

import datetime as dt
import io
import stat
from pathlib import Path

import pytest
import segno
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import NameOID
from django.core.management import call_command
from PIL import Image
from pyhanko.pdf_utils.generic import pdf_name
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign import fields, signers

from bersih.core.formatting import rupiah
from bersih.core.tracking import parse
from bersih.documents import keys
from bersih.documents.models import Document
from bersih.documents.pdf import QR_MASK, Letter, letterhead_lines, verification_url
from bersih.documents.services import document_code_new, document_issue, document_receive
from bersih.documents.signing import sign_pdf, verify_pdf
from bersih.documents.testing import pdf_qr_matrix, pdf_text
from bersih.ledger.models import Entry

# These tests compare messages with their English source text (the default language is Indonesian).
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english_messages")]


def make_letter(unit, code: str, body: str = "Dengan hormat, kami sampaikan pemberitahuan ini.") -> bytes:
    letter = Letter(
        unit=unit,
        code=code,
        number="B/17/XI/2026/Satlantas",
        subject="Pemberitahuan pembayaran",
        recipient=["Yth. Sdr. Pemilik Kendaraan", "di Bekasi"],
        on=dt.date(2026, 11, 28),
    )
    letter.paragraph(body)
    letter.table([["No", "Uraian", "Jumlah"], ["1", "Denda tilang", rupiah(250_000)]])
    letter.signature(
        position="KEPALA SATUAN LALU LINTAS", name="Budi Santoso, S.I.K.", rank_nrp="AKP NRP 80010101"
    )
    return letter.render()


def qr_modules(data: str) -> list[list[bool]]:
    """The modules of the QR code segno makes for ``data`` with the letter's settings (mask fixed)."""
    qr = segno.make(data, error="m", mask=QR_MASK, micro=False, boost_error=False)
    return [[bool(v) for v in row] for row in qr.matrix_iter(scale=1, border=0)]


@pytest.fixture
def polres(org):
    org.bks.address = "Jl. Pramuka No. 1"
    org.bks.city = "Bekasi"
    org.bks.phone = "021-8841234"
    org.bks.save()
    return org.bks


def test_letterhead_follows_the_unit_tree(org, polres):
    assert letterhead_lines(org.bks_satlantas) == [
        "KEPOLISIAN NEGARA REPUBLIK INDONESIA",
        "DAERAH METRO JAYA",
        "RESOR METRO BEKASI",
        "SATLANTAS POLRES METRO BEKASI",
    ]
    assert letterhead_lines(org.bks)[-1] == "RESOR METRO BEKASI"


def test_letter_contains_letterhead_text_dates_rupiah_and_code(org, polres):
    code = document_code_new()
    pdf = make_letter(org.bks_satlantas, code)
    assert pdf.startswith(b"%PDF-")
    text = pdf_text(pdf)
    for expected in (
        "KEPOLISIAN NEGARA REPUBLIK INDONESIA",
        "RESOR METRO BEKASI",
        "Jl. Pramuka No. 1 · Bekasi · Telp. 021-8841234",
        "Bekasi, 28 November 2026",
        "Pemberitahuan pembayaran",
        "Rp250.000",
        "Dengan hormat, kami sampaikan pemberitahuan ini.",
        f"Kode verifikasi: {code}",
        verification_url(code),
    ):
        assert expected in text, expected


def test_letter_qr_code_encodes_the_verification_url(org, polres):
    code = document_code_new()
    pdf = make_letter(org.bks_satlantas, code)
    url = verification_url(code)
    assert url.startswith("http") and url.endswith(f"/documents/verifikasi/{code}/")
    assert pdf_qr_matrix(pdf) == qr_modules(url)
    assert pdf_qr_matrix(pdf) != qr_modules(verification_url(document_code_new()))


def test_letter_escapes_markup_and_takes_images(org, polres):
    buffer = io.BytesIO()
    Image.new("RGB", (40, 20), "blue").save(buffer, format="PNG")
    letter = Letter(unit=org.bks, code=document_code_new())
    letter.paragraph("Nama <b>bukan markup</b> & lain-lain")
    letter.image(buffer.getvalue(), width_mm=40)
    pdf = letter.render()
    assert "Nama <b>bukan markup</b> & lain-lain" in pdf_text(pdf).replace("\n", "")
    assert b"/Subtype /Image" in pdf


def test_long_letter_has_qr_on_every_page(org, polres):
    code = document_code_new()
    pdf = make_letter(org.bks, code, body="Kalimat panjang untuk mengisi halaman. " * 400)
    text = pdf_text(pdf)
    assert "Halaman 2" in text
    assert text.count(f"Kode verifikasi: {code}") >= 2
    assert pdf_qr_matrix(pdf, page=1) == pdf_qr_matrix(pdf, page=0) != []


def test_keys_init_creates_a_private_development_ca(settings):
    directory = Path(settings.KEYS_DIR)
    call_command("keys", "init")
    assert (directory / keys.CA_CERT).exists()
    mode = stat.S_IMODE((directory / keys.CA_KEY).stat().st_mode)
    assert mode == 0o600
    before = (directory / keys.CA_CERT).read_bytes()
    call_command("keys", "init")  # idempotent: kept
    assert (directory / keys.CA_CERT).read_bytes() == before
    call_command("keys", "init", "--force")
    assert (directory / keys.CA_CERT).read_bytes() != before
    ca = x509.load_pem_x509_certificate((directory / keys.CA_CERT).read_bytes())
    assert ca.extensions.get_extension_for_class(x509.BasicConstraints).value.ca


def test_unit_certificate_is_issued_once_on_first_signing(org, settings):
    directory = Path(settings.KEYS_DIR) / keys.UNITS_DIR
    first = keys.unit_credentials(org.bks)
    assert stat.S_IMODE((directory / "bks.key").stat().st_mode) == 0o600
    again = keys.unit_credentials(org.bks)
    assert first.cert_pem == again.cert_pem
    cert = x509.load_pem_x509_certificate(first.cert_pem)
    assert cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value == "Polres Metro Bekasi"


def test_without_dev_ca_a_unit_needs_a_configured_certificate(org, settings):
    settings.DOCUMENT_DEV_CA = False
    with pytest.raises(keys.SigningKeyMissing):
        keys.unit_credentials(org.bks)


def test_issued_letter_is_signed_stored_and_recorded(org, polres, officer):
    code = document_code_new()
    document = document_issue(
        actor=officer,
        unit=org.bks_satlantas,
        kind="letter",
        title="Pemberitahuan pembayaran",
        pdf_bytes=make_letter(org.bks_satlantas, code),
        code=code,
    )
    document.refresh_from_db()
    assert document.code == code and parse(code).prefix == "DOC"
    assert document.signed and "Polres Metro Bekasi" in document.signer_subject
    assert document.signed_at is not None
    assert document.issued_by == officer
    signed = document.file.read()
    result = verify_pdf(signed)
    assert result.ok, result.reasons
    assert result.signer_name == "Polres Metro Bekasi"
    assert not result.timestamped
    assert f"Kode verifikasi: {code}" in pdf_text(signed)
    entry = document.ledger_entry
    assert entry.action == "documents.document.issued"
    assert entry.subject_ref == code
    assert entry.data["sha256"] == document.file.sha256
    assert entry.unit_id == org.bks_satlantas.pk


def test_unsigned_pdf_is_not_genuine(org, polres):
    result = verify_pdf(make_letter(org.bks, document_code_new()))
    assert not result.signed and not result.ok
    assert result.reasons


def test_garbage_is_not_a_pdf():
    result = verify_pdf(b"%PDF-1.7\nthis is not really a pdf")
    assert not result.ok and result.reasons


def _flip_in_signed_content(signed: bytes) -> bytes:
    """Change one byte of the first page's content stream (covered by the signature)."""
    start = signed.index(b"stream\r\n") if b"stream\r\n" in signed else signed.index(b"stream\n")
    data = bytearray(signed)
    data[start + 40] ^= 0x01
    return bytes(data)


def test_altered_bytes_fail_verification(org, polres):
    signed = sign_pdf(make_letter(org.bks, document_code_new()), org.bks)
    assert verify_pdf(signed).ok
    result = verify_pdf(_flip_in_signed_content(signed))
    assert not result.intact and not result.genuine
    assert any("changed" in reason for reason in result.reasons)


def test_incremental_update_after_signing_fails_verification(org, polres):
    signed = sign_pdf(make_letter(org.bks, document_code_new()), org.bks)
    writer = IncrementalPdfFileWriter(io.BytesIO(signed))
    # Replace the page's content with other text: the signed bytes stay intact, the document does not.
    page = writer.root["/Pages"]["/Kids"][0]
    from pyhanko.pdf_utils.generic import StreamObject

    forged = writer.add_object(StreamObject(stream_data=b"BT /F1 24 Tf 72 700 Td (Denda Rp0) Tj ET"))
    page.get_object()[pdf_name("/Contents")] = forged
    writer.update_container(page.get_object())
    out = io.BytesIO()
    writer.write(out)
    result = verify_pdf(out.getvalue())
    assert not result.intact
    assert not result.ok


def _self_made_signer():
    """A key and a self-signed certificate that claim to be the Polres but come from no trusted CA."""
    from asn1crypto import keys as asn1_keys
    from asn1crypto import x509 as asn1_x509
    from pyhanko_certvalidator.registry import SimpleCertificateStore

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Polres Metro Bekasi")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=30))
        .add_extension(
            x509.KeyUsage(True, True, False, False, False, False, False, False, False), critical=True
        )
        .sign(key, hashes.SHA256())
    )
    return signers.SimpleSigner(
        signing_cert=asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER)),
        signing_key=asn1_keys.PrivateKeyInfo.load(
            key.private_bytes(
                serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
            )
        ),
        cert_registry=SimpleCertificateStore(),
    )


def forged_signature(pdf: bytes) -> bytes:
    meta = signers.PdfSignatureMetadata(field_name="Forged", subfilter=fields.SigSeedSubFilter.PADES)
    out = signers.PdfSigner(meta, signer=_self_made_signer()).sign_pdf(
        IncrementalPdfFileWriter(io.BytesIO(pdf))
    )
    return out.getvalue()


def test_pdf_signed_with_a_self_made_key_is_not_genuine(org, polres):
    keys.init_keys(Path(keys.keys_dir()))
    result = verify_pdf(forged_signature(make_letter(org.bks, document_code_new())))
    assert result.signed and result.intact
    assert not result.genuine
    assert result.signer_name == "Polres Metro Bekasi"  # it claims the name, but nobody vouches for it
    assert any("trusted" in reason for reason in result.reasons)


def test_received_pdf_is_stored_with_its_verification(org, polres, officer):
    genuine = sign_pdf(make_letter(org.dpk, document_code_new()), org.dpk)
    received = document_receive(
        actor=officer, unit=org.bks_satlantas, kind="letter", title="Surat dari Polres Depok", content=genuine
    )
    assert received.direction == Document.Direction.RECEIVED
    assert received.signature_valid is True and "Depok" in received.signer_subject
    forged = document_receive(
        actor=officer,
        unit=org.bks_satlantas,
        kind="letter",
        title="Surat palsu",
        content=forged_signature(make_letter(org.dpk, document_code_new())),
    )
    assert forged.signature_valid is False
    actions = list(Entry.objects.filter(action="documents.document.received").values_list("data", flat=True))
    assert [data["genuine"] for data in actions] == [True, False]


@pytest.fixture
def timestamp_server(settings):
    """An RFC 3161 timestamp authority on a local port, certified by the development CA."""
    import threading
    from http.server import BaseHTTPRequestHandler, HTTPServer

    from asn1crypto import keys as asn1_keys
    from asn1crypto import tsp
    from asn1crypto import x509 as asn1_x509
    from cryptography.x509.oid import ExtendedKeyUsageOID
    from pyhanko.sign.timestamps.dummy_client import DummyTimeStamper

    directory = Path(settings.KEYS_DIR)
    keys.init_keys(directory)
    ca_key = serialization.load_pem_private_key((directory / keys.CA_KEY).read_bytes(), password=None)
    ca_cert = x509.load_pem_x509_certificate((directory / keys.CA_CERT).read_bytes())
    tsa_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)  # pyHanko's test TSA is RSA-only
    now = dt.datetime.now(dt.UTC)
    tsa_cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Test TSA")]))
        .issuer_name(ca_cert.subject)
        .public_key(tsa_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=30))
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]), critical=True)
        .sign(ca_key, hashes.SHA256())
    )
    stamper = DummyTimeStamper(
        tsa_cert=asn1_x509.Certificate.load(tsa_cert.public_bytes(serialization.Encoding.DER)),
        tsa_key=asn1_keys.PrivateKeyInfo.load(
            tsa_key.private_bytes(
                serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
            )
        ),
    )
    requests = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers["Content-Length"]))
            requests.append(self.headers["Content-Type"])
            reply = stamper.request_tsa_response(tsp.TimeStampReq.load(body)).dump()
            self.send_response(200)
            self.send_header("Content-Type", "application/timestamp-reply")
            self.send_header("Content-Length", str(len(reply)))
            self.end_headers()
            self.wfile.write(reply)

        def log_message(self, *args):
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    settings.TIMESTAMP_URL = f"http://127.0.0.1:{server.server_port}/tsa"
    yield requests
    server.shutdown()
    server.server_close()


def test_signature_is_timestamped_when_a_server_is_configured(org, polres, timestamp_server):
    signed = sign_pdf(make_letter(org.bks, document_code_new()), org.bks)
    # pyHanko asks once to size the signature, then for the real token.
    assert timestamp_server and set(timestamp_server) == {"application/timestamp-query"}
    result = verify_pdf(signed)
    assert result.ok, result.reasons
    assert result.timestamped
    assert abs(result.signed_at - dt.datetime.now(dt.UTC)) < dt.timedelta(minutes=5)


def test_unsigned_issue_is_recorded_as_unsigned(org, polres, officer):
    code = document_code_new()
    document = document_issue(
        actor=officer,
        unit=org.bks,
        kind="notice",
        title="Pengumuman",
        pdf_bytes=make_letter(org.bks, code),
        code=code,
        sign=False,
    )
    assert not document.signed and document.signer_subject == "" and document.signature_valid is None
    assert not verify_pdf(document.file.read()).signed
    assert document.ledger_entry.data["signed"] is False


def test_long_subject_wraps_and_short_one_stays_on_its_line(org, polres):
    long_subject = "Pemberitahuan " + "pelanggaran lalu lintas yang terekam kamera elektronik " * 3
    pdf = Letter(unit=org.bks, code=document_code_new(), number="B/1/XI/2026", subject=long_subject).render()
    text = pdf_text(pdf)
    assert "B/1/XI/2026" in text
    assert "".join(text.split()).count("".join(long_subject.split())) == 1
    short = pdf_text(Letter(unit=org.bks, code=document_code_new(), subject="Undangan").render())
    assert "Perihal\n:\nUndangan" in short


def test_issue_without_a_signing_certificate_writes_nothing(org, polres, officer, settings):
    settings.DOCUMENT_DEV_CA = False
    code = document_code_new()
    with pytest.raises(keys.SigningKeyMissing):
        document_issue(
            actor=officer,
            unit=org.bks,
            kind="letter",
            title="Surat",
            pdf_bytes=make_letter(org.bks, code),
            code=code,
        )
    assert not Document.objects.exists()
    assert not Entry.objects.filter(action__startswith="documents.").exists()


def test_expired_development_certificate_is_issued_again(org, settings):
    import time_machine

    first = keys.unit_credentials(org.bks).cert_pem
    with time_machine.travel(dt.datetime.now(dt.UTC) + dt.timedelta(days=365 * keys.UNIT_YEARS + 1)):
        renewed = keys.unit_credentials(org.bks).cert_pem
        assert renewed != first
        assert not keys._expires_soon(renewed)
        settings.DOCUMENT_DEV_CA = False
        with pytest.raises(keys.SigningKeyMissing, match="expired"):
            # a production certificate past its end is refused, never renewed on the fly
            (Path(settings.KEYS_DIR) / keys.UNITS_DIR / "bks.pem").write_bytes(first)
            keys.unit_credentials(org.bks)


def test_verify_document_command(org, polres, officer, tmp_path):
    from io import StringIO

    from django.core.management.base import CommandError

    code = document_code_new()
    document = document_issue(
        actor=officer,
        unit=org.bks,
        kind="letter",
        title="Surat",
        pdf_bytes=make_letter(org.bks, code),
        code=code,
    )
    good = tmp_path / "good.pdf"
    good.write_bytes(document.file.read())
    out = StringIO()
    call_command("verify_document", str(good), stdout=out)
    assert "genuine:  yes" in out.getvalue() and f"issued here: {code}" in out.getvalue()
    bad = tmp_path / "bad.pdf"
    bad.write_bytes(_flip_in_signed_content(document.file.read()))
    with pytest.raises(CommandError, match="not genuine"):
        call_command("verify_document", str(bad), stdout=StringIO())
