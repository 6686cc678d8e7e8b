"""ETLE tables: cameras, the vehicle registry, camera captures and the violation cases built from them.

The whole flow is modelled here (captured → in review → approved / rejected → letter sent →
confirmed / disputed → paid, with returned letters and blocked STNKs); workflows live in services.
"""

from __future__ import annotations

from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from bersih.core.querysets import RestrictedQuerySet

from . import rules

VEHICLE_CLASS_CHOICES = list(rules.VEHICLE_CLASSES.items())


class Camera(models.Model):
    HIKVISION, DAHUA, OTHER = "hikvision", "dahua", "other"
    VENDOR_CHOICES = [(HIKVISION, "Hikvision"), (DAHUA, "Dahua"), (OTHER, _("other"))]

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=120)
    road = models.CharField(_("road"), max_length=160)
    direction = models.CharField(_("direction"), max_length=80, blank=True)
    latitude = models.DecimalField(_("latitude"), max_digits=9, decimal_places=6)
    longitude = models.DecimalField(_("longitude"), max_digits=9, decimal_places=6)
    speed_limit_kmh = models.PositiveSmallIntegerField(_("speed limit (km/h)"), null=True, blank=True)
    violation_codes = models.JSONField(_("violations enforced"), default=list)
    vendor = models.CharField(_("vendor"), max_length=20, choices=VENDOR_CHOICES, default=OTHER)
    api_client = models.ForeignKey(
        "core.ApiClient",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="etle_cameras",
        verbose_name=_("API client"),
    )
    unit = models.ForeignKey(
        "core.Unit", on_delete=models.PROTECT, related_name="etle_cameras", verbose_name=_("unit")
    )
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = RestrictedQuerySet.as_manager()
    scope_unit_field = "unit"

    class Meta:
        ordering = ["code"]
        verbose_name = _("camera")
        verbose_name_plural = _("cameras")
        constraints = [
            models.CheckConstraint(
                condition=Q(latitude__gte=-90, latitude__lte=90, longitude__gte=-180, longitude__lte=180),
                name="etle_camera_coordinates",
            ),
            models.CheckConstraint(
                condition=Q(speed_limit_kmh__isnull=True) | Q(speed_limit_kmh__gt=0),
                name="etle_camera_speed_limit_positive",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} — {self.name}"

    def enforces(self, code: str) -> bool:
        return code in self.violation_codes


class Vehicle(models.Model):
    """One registered vehicle of the local registry (imported from Regident data as CSV)."""

    plate = models.CharField(_("plate"), max_length=16, unique=True)
    owner_name = models.CharField(_("owner name"), max_length=160)
    owner_address = models.TextField(_("owner address"))
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    email = models.EmailField(_("email"), blank=True)
    vehicle_class = models.CharField(_("vehicle class"), max_length=12, choices=VEHICLE_CLASS_CHOICES)
    make = models.CharField(_("make and model"), max_length=80, blank=True)
    colour = models.CharField(_("colour"), max_length=40, blank=True)
    registration_valid_until = models.DateField(_("registration valid until"), null=True, blank=True)
    blocked = models.BooleanField(_("STNK blocked"), default=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["plate"]
        verbose_name = _("registered vehicle")
        verbose_name_plural = _("registered vehicles")
        constraints = [models.CheckConstraint(condition=~Q(plate=""), name="etle_vehicle_plate_not_empty")]

    def __str__(self) -> str:
        return self.plate


class Violation(models.Model):
    """One case: a vehicle breaking one rule at one camera; several captures may be merged into it."""

    CAPTURED = "captured"
    IN_REVIEW = "in_review"
    APPROVED = "approved"
    REJECTED = "rejected"
    LETTER_SENT = "letter_sent"
    RETURNED = "returned"
    CONFIRMED = "confirmed"
    DISPUTED = "disputed"
    PAID = "paid"
    BLOCKED = "blocked"
    CANCELLED = "cancelled"
    STATUS_CHOICES = [
        (CAPTURED, _("captured")),
        (IN_REVIEW, _("in review")),
        (APPROVED, _("approved")),
        (REJECTED, _("rejected")),
        (LETTER_SENT, _("letter sent")),
        (RETURNED, _("letter returned")),
        (CONFIRMED, _("confirmed")),
        (DISPUTED, _("disputed")),
        (PAID, _("paid")),
        (BLOCKED, _("STNK blocked")),
        (CANCELLED, _("cancelled")),
    ]
    # Captures may still be merged into a case nobody has decided yet.
    OPEN_STATUSES = (CAPTURED, IN_REVIEW)
    # The flow after approval (services/__init__.py names the module of each step):
    #   approved → letter_sent (letters) → confirmed (the owner answered "I drove" or the named driver
    #   did) → paid (payments); letter_sent ⇄ returned (returned mail: blocking paused, wrong-address
    #   work list, resent to a corrected address); letter_sent → disputed (sold / not mine: blocking
    #   paused until an officer decides) → cancelled or back to letter_sent; letter_sent / confirmed →
    #   blocked past a deadline (blocking) → paid lifts the block; a supervisor's lift of a wrong block
    #   (blocking) → cancelled.
    AWAITING_OWNER = (LETTER_SENT, RETURNED, CONFIRMED, DISPUTED, BLOCKED)
    # Why the deadline sweep must leave a case alone for now.
    PAUSE_RETURNED_MAIL, PAUSE_DISPUTE = "returned_mail", "dispute"
    PAUSE_CHOICES = [(PAUSE_RETURNED_MAIL, _("letter returned")), (PAUSE_DISPUTE, _("dispute under review"))]
    DEPOSIT, COURT = "deposit", "court"
    PAYMENT_CHOICES = [(DEPOSIT, _("pay the deposit")), (COURT, _("attend the court hearing"))]

    tracking_number = models.CharField(_("tracking number"), max_length=40, unique=True)
    # The code printed on the letter that the owner types with the plate to confirm (a second factor).
    reference_code = models.CharField(_("reference code"), max_length=16, unique=True)
    status = models.CharField(_("status"), max_length=12, choices=STATUS_CHOICES, default=CAPTURED)
    # No single-column indexes where a composite one starts with the column (unit: worklist; camera:
    # merge), and none on the decider or the letter (never searched by): every index costs each of the
    # thousands of case rows a camera flood writes.
    unit = models.ForeignKey(
        "core.Unit",
        on_delete=models.PROTECT,
        related_name="etle_violations",
        verbose_name=_("unit"),
        db_index=False,
    )
    camera = models.ForeignKey(
        Camera, on_delete=models.PROTECT, related_name="violations", verbose_name=_("camera"), db_index=False
    )
    plate = models.CharField(_("plate"), max_length=16, blank=True)  # empty: unreadable
    violation_code = models.CharField(_("violation"), max_length=30)
    article = models.CharField(_("article"), max_length=160)  # copied at creation: the law of the day
    max_fine = models.PositiveIntegerField(_("maximum fine (Rp)"))
    vehicle_class = models.CharField(
        _("vehicle class"), max_length=12, choices=VEHICLE_CLASS_CHOICES, blank=True
    )
    first_captured_at = models.DateTimeField(_("first captured at"))
    last_captured_at = models.DateTimeField(_("last captured at"))
    capture_count = models.PositiveIntegerField(_("captures"), default=1)
    needs_review = models.BooleanField(_("needs a closer look"), default=False)
    review_reasons = models.JSONField(_("review reasons"), default=list, blank=True)
    # Owner snapshot, taken from the registry when the case is approved (the letter's addressee).
    owner_name = models.CharField(_("owner name"), max_length=160, blank=True)
    owner_address = models.TextField(_("owner address"), blank=True)
    owner_phone = models.CharField(_("owner phone"), max_length=20, blank=True)
    owner_email = models.EmailField(_("owner email"), blank=True)
    vehicle_make = models.CharField(_("make and model"), max_length=80, blank=True)
    vehicle_colour = models.CharField(_("colour"), max_length=40, blank=True)
    registration_valid_until = models.DateField(_("registration valid until"), null=True, blank=True)
    # Deadlines counted from the day of the violation (Perpol 7/2021 Pasal 87(3)(b); rules.py).
    confirm_by = models.DateField(_("confirm by"))
    pay_by = models.DateField(_("pay by"))
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decided_by = models.ForeignKey(
        "core.User",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("decided by"),
        db_index=False,
    )
    rejection_reason = models.TextField(_("rejection reason"), blank=True)
    letter = models.ForeignKey(
        "documents.Document",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("letter"),
        db_index=False,
    )
    letter_sent_at = models.DateTimeField(_("letter sent at"), null=True, blank=True)
    # The number printed on the current letter; each letter of a case (a resend to a corrected
    # address, the notice to a named driver) gets the next one (services/letters.py).
    letter_number = models.CharField(_("letter number"), max_length=80, blank=True)
    letter_count = models.PositiveSmallIntegerField(_("letters sent"), default=0)
    # The post room's report of the current letter coming back (notify.rules.RETURN_REASONS).
    returned_at = models.DateTimeField(_("letter returned at"), null=True, blank=True)
    return_reason = models.CharField(_("return reason"), max_length=40, blank=True)
    # Why a case was closed without a decision on the violation (an undeliverable letter).
    close_reason = models.TextField(_("reason for closing"), blank=True)
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)
    paid_at = models.DateTimeField(_("paid at"), null=True, blank=True)
    blocked_at = models.DateTimeField(_("blocked at"), null=True, blank=True)
    pause_reason = models.CharField(
        _("blocking paused because"), max_length=16, choices=PAUSE_CHOICES, blank=True
    )
    # The driver the owner named ("someone else was driving"): the notice goes to them, the owner is
    # released. Empty while the owner is the addressee.
    driver_name = models.CharField(_("driver name"), max_length=160, blank=True)
    driver_nik = models.CharField(_("driver NIK"), max_length=16, blank=True)
    driver_address = models.TextField(_("driver address"), blank=True)
    driver_phone = models.CharField(_("driver phone"), max_length=20, blank=True)
    driver_email = models.EmailField(_("driver email"), blank=True)
    payment_choice = models.CharField(_("payment route"), max_length=8, choices=PAYMENT_CHOICES, blank=True)
    hearing_on = models.DateField(_("court hearing on"), null=True, blank=True)
    verdict_fine = models.PositiveIntegerField(_("fine set by the court (Rp)"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = RestrictedQuerySet.as_manager()
    scope_unit_field = "unit"

    class Meta:
        ordering = ["-first_captured_at", "-id"]
        verbose_name = _("violation")
        verbose_name_plural = _("violations")
        indexes = [
            # The merge lookup: an open case of this camera, plate and rule, captured lately.
            models.Index(
                fields=["camera", "plate", "violation_code", "last_captured_at"], name="etle_violation_merge"
            ),
            models.Index(fields=["unit", "status", "first_captured_at"], name="etle_violation_worklist"),
            # The deadline sweep: cases waiting for the owner by status, then deadline (the payment
            # deadline is read from the few confirmed cases). The wrong-address list and the unit's
            # work lists use the worklist index.
            models.Index(fields=["status", "confirm_by"], name="etle_violation_confirm_due"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(
                    status__in=[
                        "captured",
                        "in_review",
                        "approved",
                        "rejected",
                        "letter_sent",
                        "returned",
                        "confirmed",
                        "disputed",
                        "paid",
                        "blocked",
                        "cancelled",
                    ]
                ),
                name="etle_violation_status_valid",
            ),
            models.CheckConstraint(condition=Q(capture_count__gte=1), name="etle_violation_has_capture"),
            models.CheckConstraint(
                condition=Q(last_captured_at__gte=F("first_captured_at")), name="etle_violation_capture_order"
            ),
            models.CheckConstraint(condition=Q(pay_by__gte=F("confirm_by")), name="etle_violation_deadlines"),
            models.CheckConstraint(condition=~Q(article=""), name="etle_violation_article"),
            # A letter goes only to a readable plate's owner.
            models.CheckConstraint(
                condition=Q(status__in=["captured", "in_review", "rejected"]) | ~Q(plate=""),
                name="etle_violation_plate_when_decided",
            ),
            models.CheckConstraint(
                condition=Q(hearing_on__isnull=True) | Q(payment_choice="court"),
                name="etle_violation_hearing_only_in_court",
            ),
            models.CheckConstraint(
                condition=Q(driver_nik="") | Q(driver_nik__regex=r"^[0-9]{16}$"),
                name="etle_violation_driver_nik_digits",
            ),
        ]

    def __str__(self) -> str:
        return self.tracking_number


class Capture(models.Model):
    """One camera event as received: idempotent per (camera, event id)."""

    API, HIKVISION, IMPORT, DEMO = "api", "hikvision", "import", "demo"
    SOURCE_CHOICES = [
        (API, "API"),
        (HIKVISION, "Hikvision ISAPI"),
        (IMPORT, _("file import")),
        (DEMO, "demo"),
    ]

    # Indexed through the (camera, event id) unique constraint, which starts with it.
    camera = models.ForeignKey(Camera, on_delete=models.PROTECT, related_name="captures", db_index=False)
    event_id = models.CharField(_("event id"), max_length=100)
    captured_at = models.DateTimeField(_("captured at"))
    received_at = models.DateTimeField(_("received at"))
    source = models.CharField(_("source"), max_length=12, choices=SOURCE_CHOICES)
    plate_read = models.CharField(_("plate as read"), max_length=20, blank=True)
    plate = models.CharField(_("plate"), max_length=16, blank=True)
    confidence = models.PositiveSmallIntegerField(_("confidence"), null=True, blank=True)
    violation_code = models.CharField(_("violation"), max_length=30)
    speed_kmh = models.PositiveSmallIntegerField(_("speed (km/h)"), null=True, blank=True)
    speed_limit_kmh = models.PositiveSmallIntegerField(_("speed limit (km/h)"), null=True, blank=True)
    lane = models.PositiveSmallIntegerField(_("lane"), null=True, blank=True)
    vehicle_class = models.CharField(
        _("vehicle class"), max_length=12, choices=VEHICLE_CLASS_CHOICES, blank=True
    )
    vehicle_colour = models.CharField(_("vehicle colour"), max_length=40, blank=True)
    needs_review = models.BooleanField(_("needs a closer look"), default=False)
    review_reasons = models.JSONField(_("review reasons"), default=list, blank=True)
    payload_sha256 = models.CharField(_("payload SHA-256"), max_length=64)
    violation = models.ForeignKey(Violation, on_delete=models.PROTECT, related_name="captures")
    images = models.ManyToManyField(
        "documents.StoredFile", through="CaptureImage", related_name="+", verbose_name=_("images")
    )

    objects = RestrictedQuerySet.as_manager()
    scope_unit_field = "camera__unit"

    class Meta:
        ordering = ["-captured_at", "-id"]
        verbose_name = _("capture")
        verbose_name_plural = _("captures")
        constraints = [
            models.UniqueConstraint(fields=["camera", "event_id"], name="etle_capture_once_per_event"),
            models.CheckConstraint(condition=~Q(event_id=""), name="etle_capture_event_id"),
            models.CheckConstraint(
                condition=Q(confidence__isnull=True) | Q(confidence__lte=100), name="etle_capture_confidence"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.camera.code}/{self.event_id}"


class CaptureImage(models.Model):
    capture = models.ForeignKey(Capture, on_delete=models.PROTECT, related_name="image_links")
    file = models.ForeignKey("documents.StoredFile", on_delete=models.PROTECT, related_name="+")
    role = models.CharField(_("role"), max_length=20)  # scene, plate, cabin, rider …

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["capture", "file", "role"], name="etle_captureimage_once"),
        ]

    def __str__(self) -> str:
        return f"{self.capture_id}/{self.role}"


class Payment(models.Model):
    """A virtual account opened for a case: the deposit of the maximum fine, or the court's fine.

    The bank pays into ``va_number``; its callback (``services.payments``) closes the account once, for
    the exact amount. At most one account of a case is open at a time.
    """

    OPEN, PAID, EXPIRED, CANCELLED = "open", "paid", "expired", "cancelled"
    STATUS_CHOICES = [
        (OPEN, _("open")),
        (PAID, _("paid")),
        (EXPIRED, _("expired")),
        (CANCELLED, _("cancelled")),
    ]
    DEPOSIT, VERDICT = "deposit", "verdict"
    PURPOSE_CHOICES = [(DEPOSIT, _("deposit of the maximum fine")), (VERDICT, _("fine set by the court"))]

    violation = models.ForeignKey(
        Violation, on_delete=models.PROTECT, related_name="payments", verbose_name=_("violation")
    )
    va_number = models.CharField(_("virtual account"), max_length=15, unique=True)
    purpose = models.CharField(_("purpose"), max_length=8, choices=PURPOSE_CHOICES, default=DEPOSIT)
    amount = models.PositiveIntegerField(_("amount (Rp)"))
    due_on = models.DateField(_("pay by"))
    status = models.CharField(_("status"), max_length=10, choices=STATUS_CHOICES, default=OPEN)
    opened_at = models.DateTimeField(_("opened at"))
    paid_at = models.DateTimeField(_("paid at"), null=True, blank=True)
    bank_reference = models.CharField(_("bank reference"), max_length=64, null=True, blank=True, unique=True)
    channel = models.CharField(_("payment channel"), max_length=20, blank=True)

    objects = RestrictedQuerySet.as_manager()
    scope_unit_field = "violation__unit"

    class Meta:
        ordering = ["-opened_at", "-id"]
        indexes = [models.Index(fields=["status", "paid_at"], name="etle_payment_paid_on")]
        verbose_name = _("virtual account")
        verbose_name_plural = _("virtual accounts")
        constraints = [
            models.CheckConstraint(
                condition=Q(va_number__regex=r"^[0-9]{15}$"), name="etle_payment_va_digits"
            ),
            models.CheckConstraint(condition=Q(amount__gt=0), name="etle_payment_amount_positive"),
            models.CheckConstraint(
                condition=Q(status__in=["open", "paid", "expired", "cancelled"]), name="etle_payment_status"
            ),
            models.CheckConstraint(
                condition=~Q(status="paid") | (Q(paid_at__isnull=False) & Q(bank_reference__isnull=False)),
                name="etle_payment_paid_has_reference",
            ),
            models.UniqueConstraint(
                fields=["violation"], condition=Q(status="open"), name="etle_payment_one_open_per_case"
            ),
        ]

    def __str__(self) -> str:
        return self.va_number


class StnkBlock(models.Model):
    """One block or unblock of a vehicle's STNK, as sent to Samsat: an append-only list, read in order.

    ``Vehicle.blocked`` is the current state; these rows are its history and the export feed (the CSV
    and ``GET /api/v1/etle/blocks`` page through them by id).
    """

    BLOCK, UNBLOCK = "block", "unblock"
    ACTION_CHOICES = [(BLOCK, _("block")), (UNBLOCK, _("unblock"))]

    violation = models.ForeignKey(
        Violation, on_delete=models.PROTECT, related_name="blocks", verbose_name=_("violation")
    )
    plate = models.CharField(_("plate"), max_length=16)
    action = models.CharField(_("action"), max_length=8, choices=ACTION_CHOICES)
    reason = models.CharField(_("reason"), max_length=40)
    at = models.DateTimeField(_("at"))

    objects = RestrictedQuerySet.as_manager()
    scope_unit_field = "violation__unit"

    class Meta:
        ordering = ["id"]
        verbose_name = _("STNK block")
        verbose_name_plural = _("STNK blocks")
        indexes = [models.Index(fields=["plate", "id"], name="etle_block_plate")]
        constraints = [
            models.CheckConstraint(condition=Q(action__in=["block", "unblock"]), name="etle_block_action"),
            models.CheckConstraint(condition=~Q(plate=""), name="etle_block_plate_not_empty"),
        ]

    def __str__(self) -> str:
        return f"{self.action} {self.plate}"


class AppendOnlyQuerySet(models.QuerySet):
    """Rows are written once: bulk updates and deletes are refused."""

    def update(self, **kwargs):
        raise TypeError(f"{self.model.__name__} rows are append-only")

    def delete(self):
        raise TypeError(f"{self.model.__name__} rows are append-only")


class BankCallback(models.Model):
    """Every payment notification the bank sent, accepted or refused: an append-only log.

    Reconciliation and auditors read it to see what was refused and why; the payload itself is kept
    only as its SHA-256 (the bank holds the original).
    """

    ACCEPTED, DUPLICATE, REFUSED = "accepted", "duplicate", "refused"
    OUTCOME_CHOICES = [(ACCEPTED, _("accepted")), (DUPLICATE, _("repeated")), (REFUSED, _("refused"))]

    received_at = models.DateTimeField(_("received at"))
    outcome = models.CharField(_("outcome"), max_length=10, choices=OUTCOME_CHOICES)
    status = models.PositiveSmallIntegerField(_("HTTP status"))
    reason = models.CharField(_("reason"), max_length=40, blank=True)
    va_number = models.CharField(_("virtual account"), max_length=40, blank=True)
    bank_reference = models.CharField(_("bank reference"), max_length=80, blank=True)
    amount = models.BigIntegerField(_("amount (Rp)"), null=True, blank=True)
    payload_sha256 = models.CharField(_("payload SHA-256"), max_length=64, blank=True)
    size = models.PositiveIntegerField(_("size in bytes"), default=0)
    payment = models.ForeignKey(
        Payment,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="callbacks",
        verbose_name=_("virtual account"),
    )

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        ordering = ["-received_at", "-id"]
        verbose_name = _("bank notification")
        verbose_name_plural = _("bank notifications")
        indexes = [models.Index(fields=["received_at"], name="etle_bankcallback_received")]
        constraints = [
            models.CheckConstraint(
                condition=Q(outcome__in=["accepted", "duplicate", "refused"]),
                name="etle_bankcallback_outcome",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.received_at:%Y-%m-%d %H:%M:%S} {self.outcome} {self.reason}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise TypeError("BankCallback rows are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise TypeError("BankCallback rows are append-only")


class Refund(models.Model):
    """What goes back to a violator whose deposit was more than the court's fine (UU 22/2009 Pasal 268).

    Owed until staff record the payout, or until the claim period passes and a sweep hands it to the
    state treasury.
    """

    OWED, PAID, TO_TREASURY = "owed", "paid", "to_treasury"
    STATUS_CHOICES = [(OWED, _("owed")), (PAID, _("paid out")), (TO_TREASURY, _("to the treasury"))]

    violation = models.OneToOneField(
        Violation, on_delete=models.PROTECT, related_name="refund", verbose_name=_("violation")
    )
    payment = models.ForeignKey(
        Payment, on_delete=models.PROTECT, related_name="refunds", verbose_name=_("deposit")
    )
    deposit = models.PositiveIntegerField(_("deposit (Rp)"))
    verdict_fine = models.PositiveIntegerField(_("fine set by the court (Rp)"))
    amount = models.PositiveIntegerField(_("refund (Rp)"))
    claim_by = models.DateField(_("claim by"))
    status = models.CharField(_("status"), max_length=12, choices=STATUS_CHOICES, default=OWED)
    created_at = models.DateTimeField(_("created at"))
    settled_at = models.DateTimeField(_("settled at"), null=True, blank=True)
    settled_by = models.ForeignKey(
        "core.User",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("settled by"),
    )
    payout_reference = models.CharField(_("payout reference"), max_length=64, blank=True)

    objects = RestrictedQuerySet.as_manager()
    scope_unit_field = "violation__unit"

    class Meta:
        ordering = ["claim_by", "id"]
        verbose_name = _("refund")
        verbose_name_plural = _("refunds")
        indexes = [models.Index(fields=["status", "claim_by"], name="etle_refund_due")]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="etle_refund_amount_positive"),
            models.CheckConstraint(
                condition=Q(amount=F("deposit") - F("verdict_fine")), name="etle_refund_is_the_difference"
            ),
            models.CheckConstraint(
                condition=Q(status__in=["owed", "paid", "to_treasury"]), name="etle_refund_status"
            ),
            models.CheckConstraint(
                condition=Q(status="owed") | Q(settled_at__isnull=False), name="etle_refund_settled_at"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.violation} {self.amount}"


class ReconciliationRun(models.Model):
    """One comparison of the bank's daily statement with the payments recorded here."""

    unit = models.ForeignKey("core.Unit", on_delete=models.PROTECT, related_name="+", verbose_name=_("unit"))
    day = models.DateField(_("day"))
    file = models.ForeignKey(
        "documents.StoredFile", on_delete=models.PROTECT, related_name="+", verbose_name=_("statement")
    )
    file_sha256 = models.CharField(_("statement SHA-256"), max_length=64)
    statement_lines = models.PositiveIntegerField(_("statement lines"))
    paid_here = models.PositiveIntegerField(_("paid here"))
    matched = models.PositiveIntegerField(_("matched"))
    mismatch_count = models.PositiveIntegerField(_("mismatches"))
    mismatches = models.JSONField(_("mismatches"), default=list)
    created_at = models.DateTimeField(_("run at"))
    created_by = models.ForeignKey(
        "core.User",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("run by"),
    )
    actor_label = models.CharField(_("run by"), max_length=150)

    objects = RestrictedQuerySet.as_manager()
    scope_unit_field = "unit"

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("reconciliation run")
        verbose_name_plural = _("reconciliation runs")
        constraints = [
            models.CheckConstraint(
                condition=Q(mismatch_count__gte=0) & Q(matched__lte=F("statement_lines")),
                name="etle_reconciliation_counts",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.day} ({self.mismatch_count})"


class Confirmation(models.Model):
    """One answer on the public confirmation page: who drove, with the uploads of a dispute.

    A dispute (sold, not mine) waits for an officer's decision (``decision``); the other answers are final.
    The client's address is kept only as a keyed hash (to tell answers from one connection apart).
    """

    DROVE, OTHER_DRIVER, SOLD, NOT_MINE = rules.DROVE, rules.OTHER_DRIVER, rules.SOLD, rules.NOT_MINE
    ANSWER_CHOICES = list(rules.ANSWERS.items())
    ACCEPTED, REFUSED = "accepted", "refused"
    DECISION_CHOICES = [(ACCEPTED, _("accepted")), (REFUSED, _("refused"))]

    violation = models.ForeignKey(
        Violation, on_delete=models.PROTECT, related_name="confirmations", verbose_name=_("violation")
    )
    answer = models.CharField(_("answer"), max_length=12, choices=ANSWER_CHOICES)
    answered_at = models.DateTimeField(_("answered at"))
    client_hash = models.CharField(_("client address (keyed hash)"), max_length=64)
    buyer_name = models.CharField(_("buyer name"), max_length=160, blank=True)
    buyer_address = models.TextField(_("buyer address"), blank=True)
    decision = models.CharField(_("decision"), max_length=8, choices=DECISION_CHOICES, blank=True)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decided_by = models.ForeignKey(
        "core.User",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("decided by"),
    )
    decision_reason = models.TextField(_("reason"), blank=True)
    uploads = models.ManyToManyField(
        "documents.StoredFile", through="ConfirmationUpload", related_name="+", verbose_name=_("uploads")
    )

    objects = RestrictedQuerySet.as_manager()
    scope_unit_field = "violation__unit"

    class Meta:
        ordering = ["-answered_at", "-id"]
        verbose_name = _("confirmation")
        verbose_name_plural = _("confirmations")
        constraints = [
            models.CheckConstraint(
                condition=Q(answer__in=["drove", "other_driver", "sold", "not_mine"]),
                name="etle_confirmation_answer",
            ),
            # Only a dispute is decided, and a decision has its time.
            models.CheckConstraint(
                condition=Q(decision="") | (Q(answer__in=["sold", "not_mine"]) & Q(decided_at__isnull=False)),
                name="etle_confirmation_decision_on_dispute",
            ),
            # At most one dispute of a case waits for an officer.
            models.UniqueConstraint(
                fields=["violation"],
                condition=Q(answer__in=["sold", "not_mine"], decision=""),
                name="etle_confirmation_one_open_dispute",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.violation_id}/{self.answer}"

    @property
    def is_dispute(self) -> bool:
        return self.answer in rules.DISPUTE_ANSWERS


class ConfirmationUpload(models.Model):
    """A file sent with an answer, with its role (proof of sale, KTP, selfie, vehicle photo)."""

    confirmation = models.ForeignKey(Confirmation, on_delete=models.PROTECT, related_name="upload_links")
    file = models.ForeignKey("documents.StoredFile", on_delete=models.PROTECT, related_name="+")
    role = models.CharField(_("role"), max_length=12, choices=list(rules.UPLOAD_ROLES.items()))

    class Meta:
        ordering = ["id"]
        verbose_name = _("confirmation upload")
        verbose_name_plural = _("confirmation uploads")
        constraints = [
            models.UniqueConstraint(
                fields=["confirmation", "role"], name="etle_confirmationupload_role_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.confirmation_id}/{self.role}"
