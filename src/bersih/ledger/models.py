"""The ledger: an append-only, hash-chained record of everything that happened.

Each entry's ``hash`` is SHA-256 over the previous entry's hash and this entry's canonical bytes
(see :func:`bersih.ledger.chain.canonical_bytes`), so changing, removing or reordering any entry
breaks every hash after it. Database triggers refuse UPDATE and DELETE on the table.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

from bersih.core.querysets import RestrictedQuerySet


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
    data = models.JSONField(_("data"), default=dict)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)

    objects = RestrictedQuerySet.as_manager()
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
