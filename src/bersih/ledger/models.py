"""The ledger: an append-only, hash-chained record of everything that happened.

Each entry stores its canonical *body* (see :mod:`bersih.ledger.chain`) and ``hash`` = SHA-256 over the
previous entry's hash and that body, so changing, removing or reordering any entry breaks the chain.
The other columns index the body for search; ``verify`` checks they still agree with it. Database
triggers (created by migration 0002) refuse UPDATE, DELETE and TRUNCATE on both tables here.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from bersih.core.querysets import RestrictedQuerySet, scope_paths

from .chain import CanonicalJSONEncoder, canonical_json


class EntryQuerySet(RestrictedQuerySet):
    def restrict(self, user, action: str = "view") -> EntryQuerySet:
        """Entries of units in the person's scope; entries with no unit (the system's own work,
        installation-wide events) only for those whose scope is a root of the unit tree."""
        scoped = super().restrict(user, action)
        if scoped.query.is_empty():
            return scoped
        roots = [path for path in scope_paths(user) if path.count("/") == 2]
        if not roots:
            return scoped
        return scoped | self.filter(unit__isnull=True)


class Entry(models.Model):
    ACTOR_KINDS = [("user", _("person")), ("client", _("API client")), ("system", _("system"))]

    seq = models.PositiveBigIntegerField(_("sequence"), unique=True)
    at = models.DateTimeField(_("time"))
    actor_kind = models.CharField(_("actor kind"), max_length=8, choices=ACTOR_KINDS)
    actor_id = models.CharField(_("actor id"), max_length=64, blank=True)
    actor_label = models.CharField(_("actor"), max_length=200)
    action = models.CharField(_("action"), max_length=120, db_index=True)
    subject_type = models.CharField(_("subject type"), max_length=80, blank=True)
    subject_id = models.CharField(_("subject id"), max_length=64, blank=True)
    subject_ref = models.CharField(_("public reference"), max_length=80, blank=True)
    unit = models.ForeignKey(
        "core.Unit", on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("unit")
    )
    data = models.JSONField(_("data"), default=dict, encoder=CanonicalJSONEncoder)
    body = models.TextField(_("canonical entry"), default="", editable=False)
    prev_hash = models.CharField(_("previous hash"), max_length=64)
    hash = models.CharField(_("hash"), max_length=64, unique=True)

    objects = EntryQuerySet.as_manager()
    scope_unit_field = "unit"

    class Meta:
        ordering = ["seq"]
        verbose_name = _("ledger entry")
        verbose_name_plural = _("ledger entries")
        indexes = [
            models.Index(fields=["subject_type", "subject_id"], name="ledger_subject_idx"),
            models.Index(fields=["actor_kind", "actor_id"], name="ledger_actor_idx"),
            models.Index(fields=["at"], name="ledger_at_idx"),
        ]

    def __str__(self) -> str:
        return f"#{self.seq} {self.action}"

    @property
    def data_text(self) -> str:
        return canonical_json(self.data)


class Checkpoint(models.Model):
    """A signed statement that entry ``seq`` was the head with ``head_hash`` at ``created_at``.

    Printed and kept off-site, it lets anyone holding the ledger's public key prove the chain up to
    ``seq`` has not been rewritten since, even by someone who could recompute every hash.
    """

    seq = models.PositiveBigIntegerField(_("head sequence"))
    head_hash = models.CharField(_("head hash"), max_length=64)
    entry_count = models.PositiveBigIntegerField(_("entries"))
    created_at = models.DateTimeField(_("created at"))
    statement = models.TextField(_("signed statement"))
    signature = models.CharField(_("signature (base64)"), max_length=120)
    key_id = models.CharField(_("key id"), max_length=64)
    public_key = models.CharField(_("public key (base64)"), max_length=64)

    objects = RestrictedQuerySet.as_manager()
    scope_unit_field = None

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("ledger checkpoint")
        verbose_name_plural = _("ledger checkpoints")

    def __str__(self) -> str:
        return f"checkpoint #{self.seq} {self.head_hash[:12]}"
