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
    ]
    # Captures may still be merged into a case nobody has decided yet.
    OPEN_STATUSES = (CAPTURED, IN_REVIEW)

    tracking_number = models.CharField(_("tracking number"), max_length=40, unique=True)
    # The code printed on the letter that the owner types with the plate to confirm (a second factor).
    reference_code = models.CharField(_("reference code"), max_length=16, unique=True)
    status = models.CharField(_("status"), max_length=12, choices=STATUS_CHOICES, default=CAPTURED)
    unit = models.ForeignKey(
        "core.Unit", on_delete=models.PROTECT, related_name="etle_violations", verbose_name=_("unit")
    )
    camera = models.ForeignKey(
        Camera, on_delete=models.PROTECT, related_name="violations", verbose_name=_("camera")
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
    )
    rejection_reason = models.TextField(_("rejection reason"), blank=True)
    letter = models.ForeignKey(
        "documents.Document",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("letter"),
    )
    letter_sent_at = models.DateTimeField(_("letter sent at"), null=True, blank=True)
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)
    paid_at = models.DateTimeField(_("paid at"), null=True, blank=True)
    blocked_at = models.DateTimeField(_("blocked at"), null=True, blank=True)
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

    camera = models.ForeignKey(Camera, on_delete=models.PROTECT, related_name="captures")
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
