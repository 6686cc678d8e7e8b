"""Sipmas: every service request and complaint as a ``Case`` with a tracking number, a clock and an
owner; who asked (``Requester``, absent for anonymous reports); what happened (``CaseEvent``); the
files (``CaseAttachment``); and the after-service survey invitation (``SurveyInvitation``).

Requests and complaints share one table so that one clock, one escalation and one monitoring view
serve both; a complaint is the case of the ``dumas`` service with a category and a privacy mode.
Workflows live in ``services``; these tables hold only what must always be true.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from bersih.core.querysets import RestrictedQuerySet, paths_above

from . import rules

SERVICE_CHOICES = [(code, rules.SERVICES[code].name) for code in rules.CASE_SERVICES]
CATEGORY_CHOICES = [(code, c["label"]) for code, c in rules.COMPLAINT_CATEGORIES.items()]
PRIVACY_CHOICES = list(rules.PRIVACY_MODES.items())
CHANNEL_CHOICES = list(rules.CHANNELS.items())
# Every step of every service (a code means the same step wherever it appears; the first label wins).
STATUS_CHOICES = list(
    {code: step.label for s in reversed(rules.SERVICES.values()) for code, step in s.steps.items()}.items()
)


class CaseQuerySet(RestrictedQuerySet):
    def restrict(self, user, action: str = "view") -> CaseQuerySet:
        """Cases of units in the person's scope, but never a complaint about the person's own unit:
        a unit complained about does not see the complaint, whatever its scope."""
        scoped = super().restrict(user, action)
        if scoped.query.is_empty():
            return scoped
        # The units a person belongs to, with every unit above them: a complaint about any of those is
        # a complaint about the person's own unit (a Satpas clerk does not see one about Satlantas).
        own = paths_above(user, including_own=True)
        return scoped.exclude(complained_unit__path__in=own) if own else scoped

    def open(self) -> CaseQuerySet:
        return self.filter(closed_at__isnull=True)

    def complaints(self) -> CaseQuerySet:
        return self.filter(service=rules.COMPLAINT.code)

    def requests(self) -> CaseQuerySet:
        return self.exclude(service=rules.COMPLAINT.code)


class Case(models.Model):
    tracking_number = models.CharField(_("tracking number"), max_length=32, unique=True)
    service = models.CharField(_("service"), max_length=20, choices=SERVICE_CHOICES)
    category = models.CharField(_("category"), max_length=20, choices=CATEGORY_CHOICES, blank=True)
    privacy = models.CharField(_("privacy"), max_length=10, choices=PRIVACY_CHOICES, default="named")
    channel = models.CharField(_("channel"), max_length=10, choices=CHANNEL_CHOICES, default="web")
    unit = models.ForeignKey(
        "core.Unit", on_delete=models.PROTECT, related_name="service_cases", verbose_name=_("handling unit")
    )
    complained_unit = models.ForeignKey(
        "core.Unit",
        on_delete=models.PROTECT,
        related_name="complaints_about",
        null=True,
        blank=True,
        verbose_name=_("unit complained about"),
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="service_cases",
        null=True,
        blank=True,
        verbose_name=_("handling officer"),
    )
    status = models.CharField(_("status"), max_length=20, choices=STATUS_CHOICES)
    status_reason = models.TextField(_("reason for the status"), blank=True)
    title = models.CharField(_("subject"), max_length=rules.TITLE_MAX)
    description = models.TextField(_("description"), max_length=rules.DESCRIPTION_MAX, blank=True)
    address = models.CharField(_("place"), max_length=300, blank=True)
    latitude = models.DecimalField(_("latitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(_("longitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    occurred_on = models.DateField(_("date of the event"), null=True, blank=True)
    details = models.JSONField(_("service details"), default=dict, blank=True)
    submitted_at = models.DateTimeField(_("submitted at"))
    updated_at = models.DateTimeField(_("updated at"))
    clock = models.CharField(_("running clock"), max_length=20, blank=True)
    due_at = models.DateTimeField(_("due at"), null=True, blank=True)
    escalation_level = models.PositiveSmallIntegerField(_("escalation level"), default=0)
    escalated_at = models.DateTimeField(_("escalated at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    # The second factor: HMAC of the secret shown once to the citizen (never stored in clear).
    secret_digest = models.CharField(max_length=64, editable=False)
    language = models.CharField(_("language"), max_length=5, default="id")
    # Open311 clients may get a token first (GET tokens/{id}); here the request id comes at once.
    intake_token = models.CharField(max_length=40, unique=True, null=True, blank=True, editable=False)
    product = models.ForeignKey(
        "documents.Document",
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        verbose_name=_("product issued"),
    )

    objects = CaseQuerySet.as_manager()
    scope_unit_field = "unit"

    class Meta:
        ordering = ["-submitted_at", "-id"]
        verbose_name = _("service case")
        verbose_name_plural = _("service cases")
        indexes = [
            models.Index(fields=["service", "submitted_at"], name="services_case_service_idx"),
            models.Index(fields=["unit", "status"], name="services_case_unit_status_idx"),
            models.Index(
                fields=["due_at"], name="services_case_due_idx", condition=Q(closed_at__isnull=True)
            ),
            models.Index(fields=["updated_at"], name="services_case_updated_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(service=rules.COMPLAINT.code) | Q(category=""),
                name="services_case_category_only_for_complaints",
            ),
            models.CheckConstraint(
                condition=Q(service=rules.COMPLAINT.code) | Q(privacy="named"),
                name="services_case_privacy_only_for_complaints",
            ),
            models.CheckConstraint(
                condition=~Q(service=rules.COMPLAINT.code) | ~Q(category=""),
                name="services_case_complaint_has_category",
            ),
        ]
        permissions = [
            ("handle_case", "Handle service cases: status, notes, assignment"),
            ("verify_complaint", "Verify and route complaints (the Dumas administrator)"),
            ("monitor_services", "See the leadership monitoring view"),
        ]

    def __str__(self) -> str:
        return self.tracking_number

    @property
    def standard(self) -> rules.ServiceStandard:
        return rules.SERVICES[self.service]

    @property
    def step(self) -> rules.Step:
        return self.standard.steps[self.status]

    @property
    def is_complaint(self) -> bool:
        return self.service == rules.COMPLAINT.code

    @property
    def is_sensitive(self) -> bool:
        return self.category in rules.SENSITIVE_CATEGORIES

    @property
    def identity_is_secret(self) -> bool:
        """A complainant's identity (any complaint) is read only by the handling officer, and each read
        is a ledger entry; an applicant's is read by the unit serving them."""
        return self.is_complaint


class Requester(models.Model):
    """Who filed the case and how to reach them; none for an anonymous report."""

    case = models.OneToOneField(Case, on_delete=models.PROTECT, related_name="requester")
    full_name = models.CharField(_("full name"), max_length=120)
    nik = models.CharField(_("NIK"), max_length=16, blank=True)
    phone = models.CharField(_("phone (E.164)"), max_length=20, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    address = models.CharField(_("address"), max_length=300, blank=True)
    preferred_channel = models.CharField(_("preferred channel"), max_length=10, blank=True)

    objects = RestrictedQuerySet.as_manager()
    scope_unit_field = "case__unit"

    class Meta:
        verbose_name = _("requester")
        verbose_name_plural = _("requesters")

    def __str__(self) -> str:
        return self.full_name


class CaseEvent(models.Model):
    """One thing that happened to a case. Public events make the citizen's timeline; internal ones
    (notes between officers, routing) never leave the staff pages."""

    SUBMITTED = "submitted"
    STATUS = "status"
    NOTE = "note"
    ASSIGNED = "assigned"
    ESCALATED = "escalated"
    REPLY = "reply"  # the citizen wrote (anonymous reporters too, through the number and secret)
    ATTACHMENT = "attachment"
    PRODUCT = "product"
    KINDS = [
        (SUBMITTED, _("submitted")),
        (STATUS, _("status changed")),
        (NOTE, _("note")),
        (ASSIGNED, _("assigned")),
        (ESCALATED, _("escalated")),
        (REPLY, _("citizen's reply")),
        (ATTACHMENT, _("file added")),
        (PRODUCT, _("product issued")),
    ]

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="events")
    at = models.DateTimeField(_("time"))
    kind = models.CharField(_("kind"), max_length=12, choices=KINDS)
    status = models.CharField(_("status"), max_length=20, blank=True)
    public = models.BooleanField(_("public"), default=False)
    text = models.TextField(_("text"), blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    actor_label = models.CharField(_("by"), max_length=120, blank=True)

    objects = RestrictedQuerySet.as_manager()
    scope_unit_field = "case__unit"

    class Meta:
        ordering = ["at", "id"]
        verbose_name = _("case event")
        verbose_name_plural = _("case events")
        indexes = [models.Index(fields=["case", "at"], name="services_event_case_idx")]

    def __str__(self) -> str:
        return f"{self.case_id} {self.kind} {self.status}".strip()


class CaseAttachment(models.Model):
    """A file of a case: a requirement uploaded by the citizen, evidence, or an officer's document."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="attachments")
    file = models.ForeignKey("documents.StoredFile", on_delete=models.PROTECT, related_name="+")
    requirement = models.CharField(_("requirement"), max_length=30, blank=True)
    from_citizen = models.BooleanField(_("from the citizen"), default=True)
    added_at = models.DateTimeField(_("added at"))

    objects = RestrictedQuerySet.as_manager()
    scope_unit_field = "case__unit"

    class Meta:
        ordering = ["added_at", "id"]
        verbose_name = _("case file")
        verbose_name_plural = _("case files")
        constraints = [
            models.UniqueConstraint(fields=["case", "file"], name="services_attachment_once_per_case")
        ]

    def __str__(self) -> str:
        return f"{self.case_id}: {self.file_id}"


class SurveyInvitation(models.Model):
    """A single-use link to the satisfaction survey, made when a case closes. The survey's answers are
    the integrity module's and are not linked to the person: the token only says which service and
    unit were rated."""

    case = models.OneToOneField(Case, on_delete=models.PROTECT, related_name="survey_invitation")
    token_digest = models.CharField(max_length=64, unique=True, editable=False)
    service = models.CharField(_("service"), max_length=20)
    unit = models.ForeignKey("core.Unit", on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("created at"))
    expires_at = models.DateTimeField(_("expires at"))
    used_at = models.DateTimeField(_("used at"), null=True, blank=True)

    objects = RestrictedQuerySet.as_manager()
    scope_unit_field = "unit"

    class Meta:
        verbose_name = _("survey invitation")
        verbose_name_plural = _("survey invitations")

    def __str__(self) -> str:
        return f"{self.service} {self.created_at:%Y-%m-%d}"
