"""The outbox: messages written in the same transaction as the event that causes them, post letters
and their daily batches, and the scheduler's record of sweep runs."""

from __future__ import annotations

import uuid

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from bersih.core.querysets import RestrictedQuerySet

from . import rules as policy


class Message(models.Model):
    """One notification to one recipient on one channel.

    ``body``/``subject_line``/``html_body`` are rendered when the message is queued (inside the caller's
    transaction), so a broken template fails the action that caused it rather than a worker later.
    """

    ref = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    channel = models.CharField(_("channel"), max_length=12, choices=list(policy.CHANNELS.items()))
    recipient = models.CharField(_("recipient"), max_length=254)
    template = models.CharField(_("template"), max_length=100)
    language = models.CharField(_("language"), max_length=8, default="id")
    context = models.JSONField(_("context"), default=dict, blank=True)
    subject_line = models.CharField(_("subject line"), max_length=250, blank=True)
    body = models.TextField(_("body"), blank=True)
    html_body = models.TextField(_("HTML body"), blank=True)
    attachments = models.JSONField(_("attachments"), default=list, blank=True)
    idempotency_key = models.CharField(_("idempotency key"), max_length=200, unique=True)
    status = models.CharField(
        _("status"), max_length=12, choices=list(policy.STATUSES.items()), default="queued", db_index=True
    )
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True)
    # A worker's claim: the message is "sending" until locked_until; claim_token says whose claim it is.
    locked_until = models.DateTimeField(null=True, blank=True)
    claim_token = models.CharField(max_length=32, blank=True)
    provider_message_id = models.CharField(_("provider message id"), max_length=200, blank=True)
    # What the message is about (a ledger subject: type, id, public reference).
    subject_type = models.CharField(max_length=80, blank=True)
    subject_id = models.CharField(max_length=64, blank=True)
    subject_ref = models.CharField(_("about"), max_length=80, blank=True)
    unit = models.ForeignKey(
        "core.Unit", on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("unit")
    )
    created_at = models.DateTimeField(_("queued at"), auto_now_add=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)
    dead_at = models.DateTimeField(_("dead-lettered at"), null=True, blank=True)

    objects = RestrictedQuerySet.as_manager()
    scope_unit_field = "unit"

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("message")
        verbose_name_plural = _("messages")
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="notify_msg_due_idx"),
            models.Index(fields=["channel", "provider_message_id"], name="notify_msg_provider_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="sending") | Q(locked_until__isnull=False),
                name="notify_sending_is_claimed",
            ),
            models.CheckConstraint(condition=~Q(idempotency_key=""), name="notify_idempotency_key_set"),
        ]

    def __str__(self) -> str:
        return f"{self.get_channel_display()} · {self.template} · {self.get_status_display()}"

    @property
    def public_ref(self) -> str:
        return str(self.ref)


class PostBatch(models.Model):
    """One day's letters of one Polres: the printable PDF, labels and the handover manifest."""

    ref = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    unit = models.ForeignKey("core.Unit", on_delete=models.PROTECT, related_name="+", verbose_name=_("unit"))
    day = models.DateField(_("day"))
    letters_pdf = models.CharField(max_length=300, blank=True)
    labels_pdf = models.CharField(max_length=300, blank=True)
    manifest_csv = models.CharField(max_length=300, blank=True)
    manifest_pdf = models.CharField(max_length=300, blank=True)
    letter_count = models.PositiveIntegerField(_("letters"), default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = RestrictedQuerySet.as_manager()
    scope_unit_field = "unit"

    class Meta:
        ordering = ["-day", "unit"]
        verbose_name = _("post batch")
        verbose_name_plural = _("post batches")
        constraints = [models.UniqueConstraint(fields=["unit", "day"], name="notify_one_batch_per_unit_day")]

    def __str__(self) -> str:
        return f"{self.unit} · {self.day:%Y-%m-%d}"

    @property
    def public_ref(self) -> str:
        return str(self.ref)


class PostLetter(models.Model):
    """A letter handed to the post room: the post channel's "delivery" of a message."""

    STATUSES = [
        ("waiting", _("Waiting for the day's batch")),
        ("batched", _("In a batch")),
        ("returned", _("Returned")),
    ]

    message = models.OneToOneField(Message, on_delete=models.PROTECT, related_name="letter")
    unit = models.ForeignKey("core.Unit", on_delete=models.PROTECT, related_name="+", verbose_name=_("unit"))
    tracking_code = models.CharField(_("tracking code"), max_length=20, unique=True)
    name = models.CharField(_("addressee"), max_length=160)
    street = models.CharField(_("street"), max_length=300)
    village = models.CharField(_("village / district"), max_length=160, blank=True)
    city = models.CharField(_("city"), max_length=120)
    province = models.CharField(_("province"), max_length=120, blank=True)
    postcode = models.CharField(_("postcode"), max_length=10)
    pdf_sha256 = models.CharField(max_length=64)
    pages = models.PositiveIntegerField(default=1)
    batch = models.ForeignKey(
        PostBatch, on_delete=models.PROTECT, null=True, blank=True, related_name="letters"
    )
    status = models.CharField(_("status"), max_length=10, choices=STATUSES, default="waiting")
    return_reason = models.CharField(
        _("return reason"), max_length=40, blank=True, choices=list(policy.RETURN_REASONS.items())
    )
    return_note = models.CharField(_("note"), max_length=300, blank=True)
    returned_at = models.DateTimeField(_("returned at"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = RestrictedQuerySet.as_manager()
    scope_unit_field = "unit"

    class Meta:
        ordering = ["postcode", "city", "street", "id"]
        verbose_name = _("letter")
        verbose_name_plural = _("letters")
        constraints = [
            models.CheckConstraint(
                condition=Q(status="returned", return_reason__gt="", returned_at__isnull=False)
                | (~Q(status="returned") & Q(return_reason="")),
                name="notify_letter_return_has_reason",
            ),
        ]

    def __str__(self) -> str:
        return self.tracking_code

    def address_lines(self) -> list[str]:
        lines = [self.name, self.street]
        if self.village:
            lines.append(self.village)
        lines.append(f"{self.city} {self.postcode}".strip())
        if self.province:
            lines.append(self.province)
        return lines


class SweepRun(models.Model):
    """The scheduler's memory of each periodic sweep (see ``bersih.core.schedule``).

    A row is claimed with a conditional UPDATE, so two workers never run the same sweep at once.
    """

    name = models.CharField(max_length=100, unique=True)
    last_started = models.DateTimeField(null=True, blank=True)
    last_finished = models.DateTimeField(null=True, blank=True)
    running_until = models.DateTimeField(null=True, blank=True)
    last_result = models.TextField(blank=True)
    last_ok = models.BooleanField(default=True)
    runs = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["name"]
        verbose_name = _("sweep run")
        verbose_name_plural = _("sweep runs")

    def __str__(self) -> str:
        return self.name
