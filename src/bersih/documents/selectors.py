"""Reads of documents shared by the verification page, the staff pages and other modules."""

from __future__ import annotations

from bersih.core.tracking import InvalidTrackingNumber, parse

from . import rules
from .models import Document


def issued_document_by_code(code: str) -> Document | None:
    """The issued document with this code (tolerant of how the code was typed), or None."""
    try:
        number = parse(code)
    except InvalidTrackingNumber:
        return None
    if number.prefix != rules.CODE_PREFIX:
        return None
    return (
        Document.objects.select_related("unit", "file")
        .filter(code=str(number), direction=Document.Direction.ISSUED)
        .first()
    )


def issued_document_by_sha256(sha256: str) -> Document | None:
    return (
        Document.objects.select_related("unit", "file")
        .filter(file__sha256=sha256, direction=Document.Direction.ISSUED)
        .first()
    )


def documents_for(user, *, unit=None, limit: int = 50):
    """The documents a person may see, newest first (bounded)."""
    queryset = Document.objects.restrict(user, "view").select_related("unit", "file")
    if unit is not None:
        queryset = queryset.filter(unit__path__startswith=unit.path)
    return queryset.order_by("-issued_at")[:limit]
