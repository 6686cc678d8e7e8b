"""The organisation (a tree of units), partner agencies, people with scoped roles, and machine clients."""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from . import rules as policy


class Unit(models.Model):
    """A node of the police tree: Polda → Polres → Polsek and functional units.

    ``path`` is the materialised path of codes (``/pmj/bekasi/satlantas/``) so that a scope is one
    indexed prefix match, whatever the depth.
    """

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=160)
    kind = models.CharField(_("kind"), max_length=20, choices=list(policy.UNIT_KINDS.items()))
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("parent"),
    )
    path = models.CharField(max_length=500, unique=True, editable=False)
    address = models.CharField(_("address"), max_length=300, blank=True)
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    email = models.EmailField(_("email"), blank=True)
    city = models.CharField(_("city"), max_length=80, blank=True)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["path"]
        verbose_name = _("unit")
        verbose_name_plural = _("units")
        constraints = [
            models.CheckConstraint(condition=~Q(parent=models.F("id")), name="unit_not_own_parent"),
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):
        self.path = f"{self.parent.path if self.parent_id else '/'}{self.code}/"
        super().save(*args, **kwargs)

    @property
    def depth(self) -> int:
        return self.path.count("/") - 1

    def ancestors(self) -> models.QuerySet[Unit]:
        codes = [code for code in self.path.strip("/").split("/")]
        return Unit.objects.filter(code__in=codes).order_by("path")

    def subtree(self) -> models.QuerySet[Unit]:
        return Unit.objects.filter(path__startswith=self.path)

    def polres(self) -> Unit | None:
        """The Polres this unit belongs to (itself if it is one)."""
        return self.ancestors().filter(kind="polres").last()


class Agency(models.Model):
    """A partner agency: prosecutor, court, Bapas, social services, regional government, bank."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=160)
    kind = models.CharField(_("kind"), max_length=20, choices=list(policy.AGENCY_KINDS.items()))
    region = models.CharField(_("region"), max_length=120, blank=True)
    address = models.CharField(_("address"), max_length=300, blank=True)
    email = models.EmailField(_("email"), blank=True)
    partner_units = models.ManyToManyField(
        Unit, blank=True, related_name="partner_agencies", verbose_name=_("partner units")
    )
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["kind", "name"]
        verbose_name = _("partner agency")
        verbose_name_plural = _("partner agencies")

    def __str__(self) -> str:
        return self.name


class User(AbstractUser):
    """A person who signs in: an officer of a unit or a user of a partner agency.

    Citizens have no account; they act with a tracking number and a second factor.
    """

    full_name = models.CharField(_("full name"), max_length=160, blank=True)
    nrp = models.CharField(
        _("NRP / NIP"), max_length=30, blank=True, help_text=_("Police or civil-service number")
    )
    rank = models.CharField(_("rank"), max_length=60, blank=True)
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    language = models.CharField(
        _("language"), max_length=8, choices=[("id", "Bahasa Indonesia"), ("en", "English")], default="id"
    )
    preferred_channel = models.CharField(
        _("preferred notification channel"),
        max_length=12,
        choices=[("email", _("Email")), ("sms", _("SMS")), ("whatsapp", _("WhatsApp"))],
        default="email",
    )

    objects = UserManager()

    class Meta:
        verbose_name = _("person")
        verbose_name_plural = _("people")

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        return self.full_name or self.get_full_name() or self.username

    def active_assignments(self) -> list[Assignment]:
        """The roles this person holds today, read once per request (the user object lives that long)."""
        today = timezone.localdate()
        cached = self.__dict__.get("_active_assignments")
        if cached is None or cached[0] != today:
            rows = list(
                self.assignments.filter(
                    Q(ends_on__isnull=True) | Q(ends_on__gte=today), starts_on__lte=today
                ).select_related("unit", "agency")
            )
            self._active_assignments = cached = (today, rows)
        return cached[1]

    def forget_roles(self) -> None:
        """Drop what was read of this person's roles and scope (after a role is granted or ended)."""
        for attribute in (
            "_active_assignments",
            "_bersih_roles",
            "_bersih_scope_paths",
            "_bersih_scope_agencies",
        ):
            self.__dict__.pop(attribute, None)

    @property
    def requires_second_factor(self) -> bool:
        return any(a.role in policy.SENSITIVE_ROLES for a in self.active_assignments())


class Assignment(models.Model):
    """A role a person holds in one unit (its subtree is their scope) or in one partner agency."""

    user = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="assignments", verbose_name=_("person")
    )
    role = models.CharField(_("role"), max_length=20, choices=list(policy.ROLES.items()))
    unit = models.ForeignKey(
        Unit,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="assignments",
        verbose_name=_("unit"),
    )
    agency = models.ForeignKey(
        Agency,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="assignments",
        verbose_name=_("agency"),
    )
    starts_on = models.DateField(_("starts on"), default=timezone.localdate)
    ends_on = models.DateField(_("ends on"), null=True, blank=True)
    granted_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("granted by")
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["user", "role"]
        verbose_name = _("role assignment")
        verbose_name_plural = _("role assignments")
        constraints = [
            # A role is held in exactly one place: a unit, or (for agency users) an agency.
            models.CheckConstraint(
                condition=(Q(role="agency_user", unit__isnull=True, agency__isnull=False))
                | (~Q(role="agency_user") & Q(unit__isnull=False, agency__isnull=True)),
                name="assignment_in_unit_or_agency",
            ),
            models.UniqueConstraint(fields=["user", "role", "unit", "agency"], name="assignment_unique"),
            models.CheckConstraint(
                condition=Q(ends_on__isnull=True) | Q(ends_on__gte=models.F("starts_on")),
                name="assignment_ends_after_start",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_role_display()} — {self.unit or self.agency}"


class ApiClient(models.Model):
    """A machine that calls the API: a camera system, the payment bank, a partner's case system."""

    name = models.CharField(_("name"), max_length=120, unique=True)
    owner_unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, related_name="api_clients", verbose_name=_("owner unit")
    )
    agency = models.ForeignKey(
        Agency,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="api_clients",
        verbose_name=_("agency"),
    )
    scopes = models.JSONField(_("scopes"), default=list)
    rate_limit_per_minute = models.PositiveIntegerField(
        _("requests per minute"), default=policy.API_DEFAULT_RATE_PER_MINUTE
    )
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("API client")
        verbose_name_plural = _("API clients")

    def __str__(self) -> str:
        return self.name

    def has_scope(self, scope: str) -> bool:
        return scope in self.scopes


class ApiKey(models.Model):
    """One secret of an API client. Only a SHA-256 of the secret is kept; the ``prefix`` finds the row.

    A client may hold several live keys at once, which is how a key is rotated without downtime.
    """

    client = models.ForeignKey(
        ApiClient, on_delete=models.CASCADE, related_name="keys", verbose_name=_("client")
    )
    prefix = models.CharField(max_length=16, unique=True)
    secret_hash = models.CharField(max_length=64)
    label = models.CharField(_("label"), max_length=80, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(_("expires at"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("API key")
        verbose_name_plural = _("API keys")

    def __str__(self) -> str:
        return f"{self.client} · {self.prefix}"

    def is_live(self, at=None) -> bool:
        at = at or timezone.now()
        return (self.revoked_at is None or self.revoked_at > at) and (
            self.expires_at is None or self.expires_at > at
        )
