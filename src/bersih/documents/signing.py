"""PAdES signatures with pyHanko: sign a PDF with a unit's certificate, and verify any signed PDF.

``sign_pdf(pdf_bytes, unit)`` makes a PAdES B-B signature, or B-T (with a signature timestamp) when
``TIMESTAMP_URL`` names an RFC 3161 server. ``verify_pdf(pdf_bytes)`` answers three questions for
people: is it genuine (a valid signature by a certificate that chains to a trusted root), is it unchanged
since it was signed, and who signed it when.
"""

from __future__ import annotations

import io
import logging
from dataclasses import dataclass, field
from datetime import datetime

from asn1crypto import keys as asn1_keys
from asn1crypto import pem
from asn1crypto import x509 as asn1_x509
from django.conf import settings
from django.utils.translation import gettext as _
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.misc import PdfError
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import fields, signers, timestamps
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko.sign.validation.status import ModificationLevel, SignatureCoverageLevel
from pyhanko_certvalidator import ValidationContext
from pyhanko_certvalidator.registry import SimpleCertificateStore

from .keys import trust_roots_pem, unit_credentials

logger = logging.getLogger(__name__)
FIELD_NAME = "BersihSignature"
# Room for the CMS signature (ECDSA/RSA signature, the certificate chain) and a timestamp token.
RESERVED_BYTES = 12 * 1024
RESERVED_TIMESTAMP_BYTES = 12 * 1024


def _load_cert(data: bytes) -> asn1_x509.Certificate:
    if pem.detect(data):
        _, _, data = pem.unarmor(data)
    return asn1_x509.Certificate.load(data)


def _load_key(data: bytes) -> asn1_keys.PrivateKeyInfo:
    if pem.detect(data):
        _, _, data = pem.unarmor(data)
    return asn1_keys.PrivateKeyInfo.load(data)


def signer_for(unit) -> signers.SimpleSigner:
    """A pyHanko signer holding the unit's key, its certificate and the chain to embed."""
    credentials = unit_credentials(unit)
    chain = [_load_cert(c) for c in credentials.chain_pems]
    return signers.SimpleSigner(
        signing_cert=_load_cert(credentials.cert_pem),
        signing_key=_load_key(credentials.key_pem),
        cert_registry=SimpleCertificateStore.from_certs(chain),
    )


def timestamper() -> timestamps.TimeStamper | None:
    url = getattr(settings, "TIMESTAMP_URL", "")
    return (
        timestamps.HTTPTimeStamper(url, timeout=getattr(settings, "TIMESTAMP_TIMEOUT", 10)) if url else None
    )


def signing_unit(unit):
    """Letters are signed in the name of the Polres (or the unit itself above or outside one)."""
    return unit.polres() or unit


def sign_pdf(pdf_bytes: bytes, unit, *, reason: str = "", location: str = "") -> bytes:
    """The PDF with a PAdES signature of ``unit`` appended as an incremental update."""
    meta = signers.PdfSignatureMetadata(
        field_name=FIELD_NAME,
        md_algorithm="sha256",
        subfilter=fields.SigSeedSubFilter.PADES,
        reason=reason or None,
        location=location or None,
        name=unit.name,
    )
    stamper = timestamper()
    pdf_signer = signers.PdfSigner(meta, signer=signer_for(unit), timestamper=stamper)
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf_bytes), strict=False)
    # A fixed reservation for the signature container saves pyHanko a trial signature per document.
    reserved = RESERVED_BYTES + (RESERVED_TIMESTAMP_BYTES if stamper else 0)
    output = pdf_signer.sign_pdf(writer, bytes_reserved=reserved)
    return output.getvalue()


@dataclass
class VerificationResult:
    """What the public verification page shows; ``reasons`` explain every "no" in the user's language."""

    signed: bool = False
    genuine: bool = False  # valid signature, certificate chains to a trusted root
    intact: bool = False  # nothing changed since signing
    signer_name: str = ""
    signer_subject: str = ""
    signed_at: datetime | None = None
    timestamped: bool = False
    reasons: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.signed and self.genuine and self.intact


def validation_context() -> ValidationContext:
    roots = [_load_cert(pem_bytes) for pem_bytes in trust_roots_pem()]
    # No certificate in use carries revocation URLs we could reach offline; fetching is off on purpose.
    return ValidationContext(trust_roots=roots, allow_fetching=False, revocation_mode="soft-fail")


def verify_pdf(pdf_bytes: bytes) -> VerificationResult:
    """Check every signature in the PDF; the result is genuine and intact only if all of them are."""
    result = VerificationResult()
    try:
        reader = PdfFileReader(io.BytesIO(pdf_bytes), strict=False)
        signatures = reader.embedded_signatures
    except (PdfError, ValueError, KeyError, TypeError) as exc:
        logger.info("unreadable PDF on verification: %s", exc)
        result.reasons.append(_("The file cannot be read as a PDF."))
        return result
    if not signatures:
        result.reasons.append(_("The PDF carries no digital signature."))
        return result
    result.signed = True
    result.genuine = result.intact = True
    context = validation_context()
    for embedded in signatures:
        try:
            status = validate_pdf_signature(embedded, context)
        except Exception as exc:  # a malformed signature must read as "not genuine", never crash the page
            logger.info("signature could not be validated: %s", exc)
            result.genuine = result.intact = False
            result.reasons.append(_("A signature in the PDF is malformed."))
            continue
        _merge(result, status)
    result.reasons = list(dict.fromkeys(result.reasons))
    return result


def _merge(result: VerificationResult, status) -> None:
    cert = status.signing_cert
    result.signer_name = cert.subject.native.get("common_name", "") if cert else ""
    result.signer_subject = cert.subject.human_friendly if cert else ""
    timestamp = status.timestamp_validity
    if timestamp is not None and timestamp.intact and timestamp.valid and timestamp.trusted:
        result.signed_at = timestamp.timestamp
        result.timestamped = True
    else:  # the time the signer claims, without a trusted timestamp to vouch for it
        result.signed_at = status.signer_reported_dt
    if not status.intact:
        # The signed bytes no longer hash to what was signed: nothing else about it can be trusted.
        result.intact = result.genuine = False
        result.reasons.append(_("The content was changed after it was signed."))
    elif not status.valid:
        result.genuine = False
        result.reasons.append(_("The signature does not match the signer's certificate."))
    elif not status.trusted:
        result.genuine = False
        result.reasons.append(_("The signer's certificate was not issued by a trusted authority."))
    unchanged = status.coverage == SignatureCoverageLevel.ENTIRE_FILE or (
        status.modification_level is not None and status.modification_level <= ModificationLevel.LTA_UPDATES
    )
    if not unchanged:
        result.intact = False
        result.reasons.append(_("Something was added to the PDF after it was signed."))
