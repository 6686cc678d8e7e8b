"""Attachment bytes, kept out of the message row.

A message stores references only: ``{"name", "content_type", "sha256", "size"}``. The bytes live once
per SHA-256 under ``outbox/blobs/`` in Django's default storage (filesystem by default, S3-compatible
at scale). This module is the one seam between the outbox and file storage, so that it can later read
from the document store's content-addressed files without touching channels or messages.
"""

from __future__ import annotations

import hashlib

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils.translation import gettext as _

from . import rules as policy

PREFIX = "outbox/blobs"


def blob_path(sha256: str) -> str:
    return f"{PREFIX}/{sha256[:2]}/{sha256}"


def store_bytes(data: bytes) -> str:
    """Keep ``data`` once under its SHA-256 and return the hash."""
    digest = hashlib.sha256(data).hexdigest()
    path = blob_path(digest)
    if not default_storage.exists(path):
        default_storage.save(path, ContentFile(data))
    return digest


def load_bytes(sha256: str) -> bytes:
    """The bytes stored under ``sha256``, checked against the hash (a changed file is refused)."""
    with default_storage.open(blob_path(sha256), "rb") as handle:
        data = handle.read()
    if hashlib.sha256(data).hexdigest() != sha256:
        raise ValueError(f"stored attachment {sha256} does not match its hash")
    return data


def attachment_ref(item: dict) -> dict:
    """Normalise one attachment given by a caller: ``{"name", "content_type", "content": bytes}`` is
    stored now; ``{"name", "content_type", "sha256"}`` must already be stored."""
    name = str(item.get("name") or "").strip()
    content_type = str(item.get("content_type") or "application/octet-stream")
    if not name or "/" in name or "\\" in name:
        raise ValidationError(_("An attachment needs a plain file name."))
    if "content" in item:
        data = item["content"]
        if not isinstance(data, bytes):
            raise ValidationError(_("Attachment content must be bytes."))
        if len(data) > policy.MAX_ATTACHMENT_BYTES:
            raise ValidationError(_("The attachment %(name)s is too large.") % {"name": name})
        return {"name": name, "content_type": content_type, "sha256": store_bytes(data), "size": len(data)}
    sha256 = str(item.get("sha256") or "")
    if len(sha256) != 64 or not default_storage.exists(blob_path(sha256)):
        raise ValidationError(_("The attachment %(name)s is not stored.") % {"name": name})
    return {"name": name, "content_type": content_type, "sha256": sha256, "size": int(item.get("size", 0))}
