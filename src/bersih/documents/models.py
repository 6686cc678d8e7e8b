"""Stored files (content-addressed) and documents (letters the units issue, PDFs they receive)."""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from bersih.core.querysets import RestrictedQuerySet


class StoredFile(models.Model):
    """One file's bytes, stored once under their SHA-256 through Django's storage API.

    The same bytes uploaded twice are one row and one stored object; ``original_name`` is the name
    they first arrived under. Rows are never changed: a changed file is a new row.
    """

    sha256 = models.CharField(_("SHA-256"), max_length=64, unique=True)
    size = models.PositiveBigIntegerField(_("size in bytes"))
    content_type = models.CharField(_("content type"), max_length=100)
    original_name = models.CharField(_("original name"), max_length=255, blank=True)
    storage_name = models.CharField(_("storage name"), max_length=300, unique=True)
    created_at = models.DateTimeField(_("stored at"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("stored by"),
    )

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("stored file")
        verbose_name_plural = _("stored files")
        constraints = [
            models.CheckConstraint(condition=Q(size__gt=0), name="storedfile_not_empty"),
        ]

    def __str__(self) -> str:
        return f"{self.original_name or self.sha256[:12]} ({self.content_type})"

    def open(self):
        from django.core.files.storage import default_storage

        return default_storage.open(self.storage_name, "rb")

    def read(self) -> bytes:
        with self.open() as handle:
            return handle.read()

    def read_verified(self) -> bytes:
        """The bytes, checked against the stored SHA-256: a file changed or corrupted in storage raises
        :class:`StoredFileCorrupt`, so that it is never handed out as the original."""
        data = self.read()
        if hashlib.sha256(data).hexdigest() != self.sha256:
            raise StoredFileCorrupt(f"stored file {self.pk} does not match its hash")
        return data


class StoredFileCorrupt(ValueError):
    """A stored file whose bytes no longer match its SHA-256."""


class Document(models.Model):
    """A document a unit issued (usually a signed letter) or received; public by its code only."""

    class Direction(models.TextChoices):
        ISSUED = "issued", _("Issued")
        RECEIVED = "received", _("Received")

    code = models.CharField(_("verification code"), max_length=40, unique=True)
    direction = models.CharField(_("direction"), max_length=10, choices=Direction.choices)
    kind = models.SlugField(_("kind"), max_length=40, help_text=_("e.g. letter, notice, summons"))
    title = models.CharField(
        _("title"), max_length=200, help_text=_("Shown on the public verification page: no personal data.")
    )
    file = models.ForeignKey(
        StoredFile, on_delete=models.PROTECT, related_name="documents", verbose_name=_("file")
    )
    unit = models.ForeignKey(
        "core.Unit", on_delete=models.PROTECT, related_name="documents", verbose_name=_("unit")
    )
    signed = models.BooleanField(_("signed"), default=False)
    signature_valid = models.BooleanField(_("signature valid"), null=True, blank=True)
    signer_subject = models.CharField(_("signer"), max_length=300, blank=True)
    signed_at = models.DateTimeField(_("signed at"), null=True, blank=True)
    issued_at = models.DateTimeField(_("issued at"), auto_now_add=True)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("issued by"),
    )
    ledger_entry = models.ForeignKey(
        "ledger.Entry",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("ledger entry"),
    )

    objects = RestrictedQuerySet.as_manager()
    scope_unit_field = "unit"

    class Meta:
        ordering = ["-issued_at"]
        verbose_name = _("document")
        verbose_name_plural = _("documents")
        constraints = [
            models.CheckConstraint(
                condition=Q(signed=False) | ~Q(signer_subject=""), name="document_signed_has_signer"
            ),
        ]
        indexes = [models.Index(fields=["unit", "-issued_at"])]

    def __str__(self) -> str:
        return f"{self.code} · {self.title}"

    @property
    def public_ref(self) -> str:
        return self.code
