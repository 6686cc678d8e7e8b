"""The content-addressed store: de-duplication, sniffed types, size limits, storage, ledger."""

from __future__ import annotations

import hashlib
import io

import pytest
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image
from reportlab.pdfgen import canvas

from bersih.documents import rules
from bersih.documents.models import StoredFile
from bersih.documents.services import file_store
from bersih.ledger.models import Entry


def small_pdf(text: str = "Halo") -> bytes:
    buffer = io.BytesIO()
    page = canvas.Canvas(buffer)
    page.drawString(72, 720, text)
    page.save()
    return buffer.getvalue()


def small_png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), "red").save(buffer, format="PNG")
    return buffer.getvalue()


@pytest.mark.django_db
def test_same_bytes_are_stored_once(officer):
    data = small_pdf()
    first = file_store(actor=officer, content=data, original_name="surat.pdf", allowed_types=rules.PDF)
    second = file_store(actor=officer, content=data, original_name="copy.pdf", allowed_types=rules.PDF)
    assert first.pk == second.pk
    assert StoredFile.objects.count() == 1
    assert first.sha256 == hashlib.sha256(data).hexdigest()
    assert (first.size, first.content_type, first.original_name) == (
        len(data),
        "application/pdf",
        "surat.pdf",
    )
    assert first.created_by == officer
    assert first.read() == data
    assert default_storage.exists(first.storage_name)
    assert first.storage_name.endswith(first.sha256)
    # One ledger entry for the one write; the duplicate wrote nothing.
    assert Entry.objects.filter(action="documents.file.stored").count() == 1


@pytest.mark.django_db
def test_different_bytes_are_different_rows(officer):
    a = file_store(actor=officer, content=small_pdf("a"), original_name="a.pdf", allowed_types=rules.PDF)
    b = file_store(actor=officer, content=small_pdf("b"), original_name="b.pdf", allowed_types=rules.PDF)
    assert a.pk != b.pk and a.sha256 != b.sha256


@pytest.mark.django_db
def test_django_upload_objects_and_image_types(officer):
    upload = SimpleUploadedFile("photo.pdf", small_png(), content_type="application/pdf")
    stored = file_store(actor=officer, content=upload, original_name="../../etc/photo.pdf")
    # The type comes from the bytes, never from the client's name or header; the name is only a label.
    assert stored.content_type == "image/png"
    assert stored.original_name == "photo.pdf"


EXE = (
    b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00"
    + b"\x00" * 48
    + b"PE\x00\x00"
    + b"\x00" * 200
)
HTML = b"<!doctype html><html><body><script>alert(1)</script></body></html>"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("content", "code"),
    [
        (EXE, "file_type"),
        (HTML, "file_type"),
        (b"just some text that claims to be a PDF", "file_type"),
        (b"", "file_empty"),
    ],
    ids=["exe-as-pdf", "html-as-pdf", "text-as-pdf", "empty"],
)
def test_refused_uploads_change_nothing(officer, content, code):
    upload = SimpleUploadedFile("surat.pdf", content, content_type="application/pdf")
    with pytest.raises(ValidationError) as caught:
        file_store(actor=officer, content=upload, original_name="surat.pdf", allowed_types=rules.PDF)
    assert caught.value.code == code
    assert caught.value.messages[0]
    assert StoredFile.objects.count() == 0
    assert not Entry.objects.exists()


@pytest.mark.django_db
def test_png_is_refused_where_only_pdf_is_allowed(officer):
    with pytest.raises(ValidationError, match="PDF") as caught:
        file_store(actor=officer, content=small_png(), original_name="x.pdf", allowed_types=rules.PDF)
    assert caught.value.code == "file_type"


@pytest.mark.django_db
def test_oversized_upload_is_refused(officer):
    data = small_pdf() + b"\n%" + b"x" * 4096
    with pytest.raises(ValidationError) as caught:
        file_store(
            actor=officer, content=data, original_name="big.pdf", allowed_types=rules.PDF, max_bytes=4096
        )
    assert caught.value.code == "file_too_large"
    assert "kB" in caught.value.messages[0]
    assert StoredFile.objects.count() == 0
    # Exactly at the limit is accepted.
    exact = file_store(actor=officer, content=data, allowed_types=rules.PDF, max_bytes=len(data))
    assert exact.size == len(data)


@pytest.mark.django_db
def test_error_messages_follow_the_language(officer):
    from django.utils import translation

    with translation.override("en"), pytest.raises(ValidationError) as caught:
        file_store(actor=officer, content=b"", allowed_types=rules.PDF)
    assert caught.value.messages == ["The file is empty."]
