"""Every write of the documents app: storing files, issuing and receiving documents."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import filetype
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from bersih import ledger
from bersih.core.tracking import new_tracking_number

from . import rules
from .models import Document, StoredFile
from .signing import sign_pdf, signing_unit, verify_pdf


@dataclass(frozen=True)
class CheckedUpload:
    content: bytes
    sha256: str
    content_type: str


def read_content(content) -> bytes:
    """Bytes from bytes or a (Django) file object."""
    if isinstance(content, bytes | bytearray | memoryview):
        return bytes(content)
    if hasattr(content, "chunks"):
        return b"".join(content.chunks())
    return content.read()


def upload_check(content, *, allowed_types, max_bytes: int) -> CheckedUpload:
    """Refuse empty, oversized and wrongly typed files; the type is sniffed from the bytes themselves."""
    data = read_content(content)
    if not data:
        raise ValidationError(_("The file is empty."), code="file_empty")
    if len(data) > max_bytes:
        raise ValidationError(
            _("The file is %(size)s; the largest allowed is %(limit)s.")
            % {"size": _megabytes(len(data)), "limit": _megabytes(max_bytes)},
            code="file_too_large",
        )
    kind = filetype.guess(data[:8192])
    sniffed = kind.mime if kind else ""
    if not sniffed and "text/csv" in allowed_types and _is_text(data):
        sniffed = "text/csv"
    if sniffed not in allowed_types:
        allowed = ", ".join(sorted(_type_label(t) for t in allowed_types))
        raise ValidationError(
            _("This file is not an accepted type (%(allowed)s); its content is %(found)s.")
            % {"allowed": allowed, "found": _type_label(sniffed) if sniffed else _("not recognised")},
            code="file_type",
        )
    return CheckedUpload(data, hashlib.sha256(data).hexdigest(), sniffed)


def file_store(
    *,
    actor,
    content,
    original_name: str = "",
    allowed_types=rules.EVIDENCE,
    max_bytes: int = rules.MAX_PDF_BYTES,
) -> StoredFile:
    """Store the bytes once: the same bytes give the same row (and one object in storage)."""
    checked = upload_check(content, allowed_types=allowed_types, max_bytes=max_bytes)
    existing = StoredFile.objects.filter(sha256=checked.sha256).first()
    if existing is not None:
        return existing
    name = storage_name_for(checked.sha256)
    if not default_storage.exists(name):
        name = default_storage.save(name, ContentFile(checked.content))
    try:
        with transaction.atomic():
            stored = StoredFile.objects.create(
                sha256=checked.sha256,
                size=len(checked.content),
                content_type=checked.content_type,
                original_name=_clean_name(original_name),
                storage_name=name,
                created_by=actor if getattr(actor, "is_authenticated", False) else None,
            )
            ledger.record(
                actor=actor,
                action="documents.file.stored",
                subject=("documents.storedfile", stored.pk, stored.sha256[:16]),
                data={"sha256": stored.sha256, "size": stored.size, "content_type": stored.content_type},
            )
    except IntegrityError:
        # Another request stored the same bytes at the same moment: theirs is the row.
        stored = StoredFile.objects.get(sha256=checked.sha256)
        if stored.storage_name != name:
            default_storage.delete(name)
    return stored


def storage_name_for(sha256: str) -> str:
    return f"sha256/{sha256[:2]}/{sha256[2:4]}/{sha256}"


def document_code_new() -> str:
    """A fresh verification code (``DOC-2026-…``): print it (and its QR) on the letter, then issue it."""
    while True:
        code = new_tracking_number(rules.CODE_PREFIX)
        if not Document.objects.filter(code=code).exists():
            return code


@transaction.atomic
def document_issue(
    *,
    actor,
    unit,
    kind: str,
    title: str,
    pdf_bytes: bytes,
    code: str | None = None,
    sign: bool = True,
    reason: str = "",
) -> Document:
    """Sign (with the unit's certificate), store, and record a document the unit issues.

    ``code`` is the one printed on the PDF (from :func:`document_code_new`); one is made if omitted.
    """
    code = code or document_code_new()
    if sign:
        signer_unit = signing_unit(unit)
        pdf_bytes = sign_pdf(pdf_bytes, signer_unit, reason=reason or title, location=unit.city or "")
        check = verify_pdf(pdf_bytes)
        if not check.ok:  # never hand out a document that our own verification page would reject
            raise RuntimeError(f"the signed document does not verify: {check.reasons}")
    stored = file_store(
        actor=actor,
        content=pdf_bytes,
        original_name=f"{code}.pdf",
        allowed_types=rules.PDF,
        max_bytes=rules.MAX_PDF_BYTES,
    )
    document = Document.objects.create(
        code=code,
        direction=Document.Direction.ISSUED,
        kind=kind,
        title=title,
        file=stored,
        unit=unit,
        signed=sign,
        signature_valid=True if sign else None,
        signer_subject=check.signer_subject if sign else "",
        signed_at=check.signed_at if sign else None,
        issued_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    document.ledger_entry = ledger.record(
        actor=actor,
        action="documents.document.issued",
        subject=document,
        unit=unit,
        data={
            "code": code,
            "kind": kind,
            "sha256": stored.sha256,
            "signed": sign,
            "signer": document.signer_subject,
        },
    )
    document.save(update_fields=["ledger_entry"])
    return document


@transaction.atomic
def document_receive(*, actor, unit, kind: str, title: str, content, original_name: str = "") -> Document:
    """Store a PDF that arrived from outside and record whether its signature verifies."""
    stored = file_store(
        actor=actor,
        content=content,
        original_name=original_name,
        allowed_types=rules.PDF,
        max_bytes=rules.MAX_PDF_BYTES,
    )
    result = verify_pdf(stored.read())
    document = Document.objects.create(
        code=document_code_new(),
        direction=Document.Direction.RECEIVED,
        kind=kind,
        title=title,
        file=stored,
        unit=unit,
        signed=result.signed and bool(result.signer_subject),
        signature_valid=result.ok if result.signed else None,
        signer_subject=result.signer_subject,
        signed_at=result.signed_at,
        issued_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    document.ledger_entry = ledger.record(
        actor=actor,
        action="documents.document.received",
        subject=document,
        unit=unit,
        data={
            "sha256": stored.sha256,
            "signed": result.signed,
            "genuine": result.genuine,
            "intact": result.intact,
            "signer": result.signer_subject,
            "checked_at": timezone.now().isoformat(),
        },
    )
    document.save(update_fields=["ledger_entry"])
    return document


def _is_text(data: bytes) -> bool:
    if b"\x00" in data:
        return False
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):.1f} MB" if size >= 100 * 1024 else f"{size / 1024:.0f} kB"


def _type_label(mime: str) -> str:
    return {
        "application/pdf": "PDF",
        "image/jpeg": "JPEG",
        "image/png": "PNG",
        "image/webp": "WebP",
        "text/csv": "CSV",
    }.get(mime, mime)


def _clean_name(name: str) -> str:
    """Keep only the base name of what the client sent; it is shown, never used as a path."""
    return str(name).replace("\\", "/").rsplit("/", 1)[-1][:255]
