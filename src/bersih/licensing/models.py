"""The Satpas's SIM service: counters and who staffs them, applications, the day's tickets, each
stage's line, the board's event feed and the fee payments.

The line is strict first-in-first-out: a stage's line is its ``LineEntry`` rows in the order of
``entered_at`` (then ``id``), with one priority lane beside it. The only way to serve someone out of
that order is a supervisor's override with a written reason (``services.line_override``); every move
is a ledger entry. Workflows live in ``services``; these tables hold only what must always be true.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from bersih.core.querysets import RestrictedQuerySet

from . import rules

STAGE_CHOICES = list(rules.STAGES.items())
SERVICE_CHOICES = list(rules.SERVICE_KINDS.items())
CLASS_CHOICES = list(rules.SIM_CLASSES.items())
PRIORITY_CHOICES = list(rules.PRIORITY_REASONS.items())


class Counter(models.Model):
    """A service counter (loket) of a Satpas, serving one stage."""

    unit = models.ForeignKey(
        "core.Unit", on_delete=models.PROTECT, related_name="sim_counters", verbose_name=_("Satpas")
    )
    number = models.PositiveSmallIntegerField(_("counter number"))
    stage = models.CharField(_("stage"), max_length=20, choices=STAGE_CHOICES)
    name = models.CharField(_("name"), max_length=80, blank=True)
    active = models.BooleanField(_("active"), default=True)

    objects = RestrictedQuerySet.as_manager()
    scope_unit_field = "unit"

    class Meta:
        ordering = ["unit", "number"]
        verbose_name = _("counter")
        verbose_name_plural = _("counters")
        constraints = [
            models.UniqueConstraint(fields=["unit", "number"], name="licensing_counter_number_unique"),
            models.CheckConstraint(condition=Q(number__gte=1), name="licensing_counter_number_positive"),
        ]

    def __str__(self) -> str:
        return f"Loket {self.number}"


class CounterShift(models.Model):
    """Which clerk staffs which counter on a day: only they may call at it."""

    counter = models.ForeignKey(
        Counter, on_delete=models.PROTECT, related_name="shifts", verbose_name=_("counter")
    )
    clerk = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="sim_shifts", verbose_name=_("clerk")
    )
    day = models.DateField(_("day"))
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    assigned_at = models.DateTimeField(_("assigned at"))

    objects = RestrictedQuerySet.as_manager()
    scope_unit_field = "counter__unit"

    class Meta:
        ordering = ["-day", "counter__number"]
        verbose_name = _("counter shift")
        verbose_name_plural = _("counter shifts")
        constraints = [
            models.UniqueConstraint(fields=["counter", "day"], name="licensing_shift_one_clerk_per_counter"),
            models.UniqueConstraint(fields=["clerk", "day"], name="licensing_shift_one_counter_per_clerk"),
        ]

    def __str__(self) -> str:
        return f"{self.counter} {self.day}: {self.clerk}"


class Application(models.Model):
    """One applicant's application for one SIM service, walk-in or booked online for a day and slot.

    One NIK holds at most one live application (booked or in progress): a database constraint.
    """

    BOOKED, ACTIVE, COMPLETED, FAILED, CANCELLED, EXPIRED = (
        "booked",
        "active",
        "completed",
        "failed",
        "cancelled",
        "expired",
    )
    STATUS_CHOICES = [
        (BOOKED, _("booked")),
        (ACTIVE, _("in progress")),
        (COMPLETED, _("completed")),
        (FAILED, _("failed a test")),
        (CANCELLED, _("cancelled")),
        (EXPIRED, _("expired")),
    ]
    LIVE_STATUSES = (BOOKED, ACTIVE)
    WALK_IN, ONLINE = "walk_in", "online"
    CHANNEL_CHOICES = [(WALK_IN, _("walk-in")), (ONLINE, _("online pre-registration"))]

    unit = models.ForeignKey(
        "core.Unit", on_delete=models.PROTECT, related_name="sim_applications", verbose_name=_("Satpas")
    )
    tracking_number = models.CharField(_("tracking number"), max_length=40, unique=True)
    nik = models.CharField(_("NIK"), max_length=16)
    full_name = models.CharField(_("full name"), max_length=160)
    birth_date = models.DateField(_("date of birth"))
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    email = models.EmailField(_("email"), blank=True)
    service = models.CharField(_("service"), max_length=10, choices=SERVICE_CHOICES)
    sim_class = models.CharField(_("SIM class"), max_length=4, choices=CLASS_CHOICES)
    fee = models.PositiveIntegerField(_("fee (Rp)"))
    channel = models.CharField(_("channel"), max_length=10, choices=CHANNEL_CHOICES, default=WALK_IN)
    booked_day = models.DateField(_("booked day"), null=True, blank=True)
    booked_slot = models.TimeField(_("booked slot"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=STATUS_CHOICES, default=ACTIVE)
    health_certificate = models.CharField(_("health certificate number"), max_length=60, blank=True)
    psychology_certificate = models.CharField(_("psychology certificate number"), max_length=60, blank=True)
    created_at = models.DateTimeField(_("created at"))
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)

    objects = RestrictedQuerySet.as_manager()
    scope_unit_field = "unit"

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("SIM application")
        verbose_name_plural = _("SIM applications")
        indexes = [
            models.Index(fields=["nik"], name="licensing_application_nik"),
            models.Index(fields=["unit", "booked_day", "booked_slot"], name="licensing_application_slot"),
            models.Index(fields=["phone"], name="licensing_application_phone"),
            models.Index(fields=["email"], name="licensing_application_email"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["nik"],
                condition=Q(status__in=("booked", "active")),
                name="licensing_one_live_application_per_nik",
            ),
            models.CheckConstraint(
                condition=Q(nik__regex=r"^[0-9]{16}$"), name="licensing_application_nik_digits"
            ),
            models.CheckConstraint(
                condition=Q(channel="walk_in") | Q(booked_day__isnull=False, booked_slot__isnull=False),
                name="licensing_online_application_has_slot",
            ),
        ]

    def __str__(self) -> str:
        return self.tracking_number

    @property
    def public_ref(self) -> str:
        return self.tracking_number


class Ticket(models.Model):
    """The applicant's number for one day's visit ("A-012"), from the kiosk or from check-in.

    ``public_token`` opens the applicant's phone page (its QR is printed on the ticket); it reveals the
    number, place and stage, never the applicant's identity.
    """

    WAITING, IN_SERVICE, DONE, FAILED, EXPIRED, CANCELLED = (
        "waiting",
        "in_service",
        "done",
        "failed",
        "expired",
        "cancelled",
    )
    STATE_CHOICES = [
        (WAITING, _("waiting")),
        (IN_SERVICE, _("being served")),
        (DONE, _("done")),
        (FAILED, _("failed a test")),
        (EXPIRED, _("expired")),
        (CANCELLED, _("cancelled")),
    ]
    OPEN_STATES = (WAITING, IN_SERVICE)

    unit = models.ForeignKey(
        "core.Unit", on_delete=models.PROTECT, related_name="sim_tickets", verbose_name=_("Satpas")
    )
    application = models.ForeignKey(
        Application, on_delete=models.PROTECT, related_name="tickets", verbose_name=_("application")
    )
    day = models.DateField(_("day"))
    prefix = models.CharField(_("prefix"), max_length=1)
    number = models.PositiveIntegerField(_("number"))
    public_token = models.CharField(_("public token"), max_length=32, unique=True)
    stage = models.CharField(_("current stage"), max_length=20, choices=STAGE_CHOICES)
    state = models.CharField(_("state"), max_length=12, choices=STATE_CHOICES, default=WAITING)
    priority_reason = models.CharField(
        _("priority reason"), max_length=10, choices=PRIORITY_CHOICES, blank=True
    )
    priority_marked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    issued_at = models.DateTimeField(_("issued at"))
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    # "Tell me when I am NEAR_PLACES away": the channel and address asked for, and when it was sent.
    near_channel = models.CharField(_("notify channel"), max_length=10, blank=True)
    near_recipient = models.CharField(_("notify address"), max_length=254, blank=True)
    near_notified_at = models.DateTimeField(null=True, blank=True)

    objects = RestrictedQuerySet.as_manager()
    scope_unit_field = "unit"

    class Meta:
        ordering = ["day", "issued_at", "id"]
        verbose_name = _("queue ticket")
        verbose_name_plural = _("queue tickets")
        constraints = [
            models.UniqueConstraint(
                fields=["unit", "day", "prefix", "number"], name="licensing_ticket_number_unique"
            ),
            models.UniqueConstraint(
                fields=["application"],
                condition=Q(state__in=("waiting", "in_service")),
                name="licensing_one_open_ticket_per_application",
            ),
        ]

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        """The number as the hall hears it: "A-012"."""
        return f"{self.prefix}-{self.number:03d}"

    @property
    def public_ref(self) -> str:
        return f"{self.day.isoformat()} {self.label}"


class LineEntry(models.Model):
    """A ticket's place in one stage's line, from entering it until it leaves.

    The line is ordered by ``entered_at`` then ``id``; ``priority`` entries form the priority lane.
    Called entries belong to the counter that called them until finished, sent back or no-show.
    """

    WAITING, CALLED, DONE, SENT_BACK, EXPIRED, CANCELLED = (
        "waiting",
        "called",
        "done",
        "sent_back",
        "expired",
        "cancelled",
    )
    STATE_CHOICES = [
        (WAITING, _("waiting")),
        (CALLED, _("called")),
        (DONE, _("done")),
        (SENT_BACK, _("sent back")),
        (EXPIRED, _("expired")),
        (CANCELLED, _("cancelled")),
    ]
    PASSED, FAILED = "passed", "failed"
    OUTCOME_CHOICES = [(PASSED, _("passed")), (FAILED, _("failed"))]

    unit = models.ForeignKey(
        "core.Unit", on_delete=models.PROTECT, related_name="+", verbose_name=_("Satpas")
    )
    ticket = models.ForeignKey(
        Ticket, on_delete=models.PROTECT, related_name="entries", verbose_name=_("ticket")
    )
    day = models.DateField(_("day"))
    stage = models.CharField(_("stage"), max_length=20, choices=STAGE_CHOICES)
    priority = models.BooleanField(_("priority lane"), default=False)
    entered_at = models.DateTimeField(_("entered the line at"))
    state = models.CharField(_("state"), max_length=10, choices=STATE_CHOICES, default=WAITING)
    counter = models.ForeignKey(
        Counter,
        on_delete=models.PROTECT,
        related_name="entries",
        null=True,
        blank=True,
        verbose_name=_("counter"),
    )
    clerk = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    called_at = models.DateTimeField(_("called at"), null=True, blank=True)
    last_called_at = models.DateTimeField(_("last called at"), null=True, blank=True)
    recalls = models.PositiveSmallIntegerField(_("recalls"), default=0)
    sent_to_back = models.PositiveSmallIntegerField(_("times sent to the back"), default=0)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    outcome = models.CharField(_("outcome"), max_length=8, choices=OUTCOME_CHOICES, blank=True)
    # Why this entry left its order: a supervisor's override, or a clerk's send-back to an earlier stage.
    reason = models.TextField(_("reason"), blank=True)
    out_of_order = models.BooleanField(_("served out of order"), default=False)

    objects = RestrictedQuerySet.as_manager()
    scope_unit_field = "unit"

    class Meta:
        ordering = ["entered_at", "id"]
        verbose_name = _("line entry")
        verbose_name_plural = _("line entries")
        indexes = [
            models.Index(
                fields=["unit", "day", "stage", "state", "priority", "entered_at", "id"],
                name="licensing_line_head",
            ),
            models.Index(fields=["counter", "state"], name="licensing_line_counter"),
        ]
        constraints = [
            # A ticket stands in at most one line at a time.
            models.UniqueConstraint(
                fields=["ticket"],
                condition=Q(state__in=("waiting", "called")),
                name="licensing_one_place_per_ticket",
            ),
            models.CheckConstraint(
                condition=~Q(state="called") | Q(counter__isnull=False, called_at__isnull=False),
                name="licensing_called_has_counter",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.ticket_id} @ {self.stage}"


class StageLine(models.Model):
    """One stage's line at a Satpas on a day: the row ``line_call_next`` locks, so two counters of the
    stage take turns, and the count of consecutive priority calls (the anti-starvation rule)."""

    unit = models.ForeignKey("core.Unit", on_delete=models.PROTECT, related_name="+")
    day = models.DateField()
    stage = models.CharField(max_length=20, choices=STAGE_CHOICES)
    priority_streak = models.PositiveSmallIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["unit", "day", "stage"], name="licensing_stage_line_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.stage}"


class TicketSequence(models.Model):
    """The last number issued per Satpas, day and prefix (locked while a ticket is issued)."""

    unit = models.ForeignKey("core.Unit", on_delete=models.PROTECT, related_name="+")
    day = models.DateField()
    prefix = models.CharField(max_length=1)
    last_number = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["unit", "day", "prefix"], name="licensing_ticket_sequence_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.prefix}: {self.last_number}"


class BoardEvent(models.Model):
    """What the hall's display board shows and says, in order: the feed its live stream follows.

    Written in the same transaction as the call (or recall, finish...) it announces; the id is the
    stream's event id, so a board that reconnects asks for what it missed.
    """

    CALL, RECALL, FINISH, NO_SHOW, SENT_BACK, OVERRIDE, TRANSFER, ISSUED = (
        "call",
        "recall",
        "finish",
        "no_show",
        "sent_back",
        "override",
        "transfer",
        "issued",
    )
    KIND_CHOICES = [
        (CALL, _("call")),
        (RECALL, _("recall")),
        (FINISH, _("finish")),
        (NO_SHOW, _("no-show")),
        (SENT_BACK, _("sent back")),
        (OVERRIDE, _("served out of order")),
        (TRANSFER, _("transfer")),
        (ISSUED, _("ticket issued")),
    ]

    unit = models.ForeignKey("core.Unit", on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField()
    kind = models.CharField(max_length=10, choices=KIND_CHOICES)
    ticket = models.ForeignKey(Ticket, on_delete=models.PROTECT, related_name="+")
    label = models.CharField(max_length=10)
    stage = models.CharField(max_length=20, choices=STAGE_CHOICES)
    counter_number = models.PositiveSmallIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["unit", "id"], name="licensing_board_feed")]

    def __str__(self) -> str:
        return f"{self.kind} {self.label}"


class FeePayment(models.Model):
    """The PNBP fee of an application, paid non-cash into a virtual account or by QRIS.

    The bank's signed callback closes it once, for the exact amount; that moves the applicant past
    the payment stage. There is no cash field anywhere.
    """

    OPEN, PAID, CANCELLED = "open", "paid", "cancelled"
    STATUS_CHOICES = [(OPEN, _("open")), (PAID, _("paid")), (CANCELLED, _("cancelled"))]

    application = models.OneToOneField(
        Application, on_delete=models.PROTECT, related_name="payment", verbose_name=_("application")
    )
    va_number = models.CharField(_("virtual account"), max_length=15, unique=True)
    amount = models.PositiveIntegerField(_("amount (Rp)"))
    status = models.CharField(_("status"), max_length=10, choices=STATUS_CHOICES, default=OPEN)
    opened_at = models.DateTimeField(_("opened at"))
    paid_at = models.DateTimeField(_("paid at"), null=True, blank=True)
    bank_reference = models.CharField(_("bank reference"), max_length=64, null=True, blank=True, unique=True)
    channel = models.CharField(_("payment channel"), max_length=20, blank=True)

    objects = RestrictedQuerySet.as_manager()
    scope_unit_field = "application__unit"

    class Meta:
        ordering = ["-opened_at", "-id"]
        verbose_name = _("SIM fee payment")
        verbose_name_plural = _("SIM fee payments")
        constraints = [
            models.CheckConstraint(
                condition=Q(va_number__regex=r"^[0-9]{15}$"), name="licensing_payment_va_digits"
            ),
            models.CheckConstraint(
                condition=Q(status="paid", paid_at__isnull=False, bank_reference__isnull=False)
                | ~Q(status="paid"),
                name="licensing_paid_has_reference",
            ),
        ]

    def __str__(self) -> str:
        return self.va_number


class FeeCallbackQuerySet(models.QuerySet):
    """Rows are written once: bulk updates and deletes are refused."""

    def update(self, **kwargs):
        raise TypeError("FeeCallback rows are append-only")

    def delete(self):
        raise TypeError("FeeCallback rows are append-only")


class FeeCallback(models.Model):
    """Every SIM fee notification the bank sent, accepted or refused: an append-only log.

    Oversight reads it to see what was refused and why; the payload itself is kept only as its SHA-256
    (the bank holds the original).
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
    client = models.ForeignKey(
        "core.ApiClient", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    payment = models.ForeignKey(
        FeePayment,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="callbacks",
        verbose_name=_("virtual account"),
    )

    objects = FeeCallbackQuerySet.as_manager()

    class Meta:
        ordering = ["-received_at", "-id"]
        verbose_name = _("SIM fee notification")
        verbose_name_plural = _("SIM fee notifications")
        indexes = [models.Index(fields=["received_at"], name="licensing_feecallback_received")]
        constraints = [
            models.CheckConstraint(
                condition=Q(outcome__in=["accepted", "duplicate", "refused"]),
                name="licensing_feecallback_outcome",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.received_at:%Y-%m-%d %H:%M:%S} {self.outcome} {self.reason}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise TypeError("FeeCallback rows are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise TypeError("FeeCallback rows are append-only")
