"""The integrity zone: assessments of a unit against the LKE (each review round's answers kept apart,
with evidence), and the citizen survey responses (anonymous: never linked to a person or a case).

Scoring is not stored: it is computed from the answers with the assessment's own LKE version
(``scoring.score``), so a corrected answer is the only thing that changes a score.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from bersih.core.querysets import RestrictedQuerySet, paths_above

from . import rules


class AssessmentQuerySet(RestrictedQuerySet):
    def restrict(self, user, action: str = "view") -> AssessmentQuerySet:
        """Assessments of units in the person's scope, and of the units above theirs: the Polres's
        assessment is answered by the coordinators of its functional units."""
        scoped = super().restrict(user, action)
        if not getattr(user, "is_authenticated", False) or not user.has_perm(
            f"integrity.{action}_assessment"
        ):
            return scoped  # nothing, as the base says
        above = paths_above(user)
        return scoped | self.filter(unit__path__in=above) if above else scoped


class Assessment(models.Model):
    unit = models.ForeignKey(
        "core.Unit", on_delete=models.PROTECT, related_name="assessments", verbose_name=_("unit")
    )
    title = models.CharField(_("title"), max_length=160)
    period_start = models.DateField(_("period from"))
    period_end = models.DateField(_("period to"))
    target = models.CharField(
        _("predicate sought"), max_length=4, choices=list(rules.PREDICATES.items()), default="wbk"
    )
    prior_status = models.CharField(_("predicate held"), max_length=4, blank=True)
    lke_version = models.CharField(_("LKE version"), max_length=40)
    round = models.CharField(
        _("current round"), max_length=10, choices=list(rules.ROUNDS.items()), default="self"
    )
    ipak = models.DecimalField(_("IPAK (1-4)"), max_digits=4, decimal_places=2, null=True, blank=True)
    ipkp = models.DecimalField(_("IPKP (1-4)"), max_digits=4, decimal_places=2, null=True, blank=True)
    created_at = models.DateTimeField(_("created at"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True
    )
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)

    objects = AssessmentQuerySet.as_manager()
    scope_unit_field = "unit"

    class Meta:
        ordering = ["-period_end", "-id"]
        verbose_name = _("assessment")
        verbose_name_plural = _("assessments")
        constraints = [
            models.CheckConstraint(
                condition=Q(period_end__gte=models.F("period_start")), name="integrity_period_order"
            ),
            models.CheckConstraint(
                condition=Q(ipak__isnull=True) | Q(ipak__gte=1, ipak__lte=4), name="integrity_ipak_on_four"
            ),
            models.CheckConstraint(
                condition=Q(ipkp__isnull=True) | Q(ipkp__gte=1, ipkp__lte=4), name="integrity_ipkp_on_four"
            ),
        ]

    def __str__(self) -> str:
        return self.title


class AssessmentAnswer(models.Model):
    """One round's answer to one question (or hasil indicator): its value, comment, status, and, where
    the system offered a live indicator, the offered value and any override with its reason."""

    DRAFT, SUBMITTED = "draft", "submitted"

    assessment = models.ForeignKey(Assessment, on_delete=models.PROTECT, related_name="answers")
    round = models.CharField(_("round"), max_length=10, choices=list(rules.ROUNDS.items()))
    question = models.CharField(_("question"), max_length=20)
    value = models.JSONField(
        _("answer"), null=True, blank=True
    )  # a letter, or [part, whole] / [before, after]
    comment = models.TextField(_("comment"), blank=True)
    status = models.CharField(
        _("status"), max_length=10, default=DRAFT, choices=[(DRAFT, _("draft")), (SUBMITTED, _("submitted"))]
    )
    offered_value = models.JSONField(_("value offered by the system"), null=True, blank=True)
    override_reason = models.TextField(_("reason for not taking the offered value"), blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True
    )
    answered_at = models.DateTimeField(_("answered at"))

    objects = RestrictedQuerySet.as_manager()
    scope_unit_field = "assessment__unit"

    class Meta:
        ordering = ["assessment", "round", "question"]
        verbose_name = _("assessment answer")
        verbose_name_plural = _("assessment answers")
        constraints = [
            models.UniqueConstraint(
                fields=["assessment", "round", "question"], name="integrity_one_answer_per_round"
            )
        ]

    def __str__(self) -> str:
        return f"{self.question} ({self.round})"


class AnswerEvidence(models.Model):
    """Evidence for an answer: an uploaded document or a link to live records of the system."""

    answer = models.ForeignKey(AssessmentAnswer, on_delete=models.PROTECT, related_name="evidence")
    label = models.CharField(_("what it shows"), max_length=200)
    file = models.ForeignKey(
        "documents.StoredFile", on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    link = models.CharField(_("link to records"), max_length=300, blank=True)
    added_at = models.DateTimeField(_("added at"))
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True
    )

    objects = RestrictedQuerySet.as_manager()
    scope_unit_field = "answer__assessment__unit"

    class Meta:
        ordering = ["added_at", "id"]
        verbose_name = _("evidence")
        verbose_name_plural = _("evidence")
        constraints = [
            models.CheckConstraint(
                condition=(Q(file__isnull=False) & Q(link="")) | (Q(file__isnull=True) & ~Q(link="")),
                name="integrity_evidence_file_or_link",
            )
        ]

    def __str__(self) -> str:
        return self.label


class SurveyResponse(models.Model):
    """One respondent's answers to one instrument: which service and unit were rated, when, and how the
    respondent came (invitation or walk-in link). Nothing here identifies the person."""

    instrument = models.CharField(_("survey"), max_length=6, choices=list(rules.INSTRUMENTS.items()))
    service = models.CharField(_("service"), max_length=20)
    unit = models.ForeignKey("core.Unit", on_delete=models.PROTECT, related_name="+")
    month = models.DateField(_("month"))  # the first day of the month answered in
    channel = models.CharField(_("channel"), max_length=10, choices=list(rules.SURVEY_CHANNELS.items()))
    suggestion = models.TextField(_("suggestion"), blank=True, max_length=rules.SUGGESTION_MAX)
    submitted_at = models.DateTimeField(_("submitted at"))

    objects = RestrictedQuerySet.as_manager()
    scope_unit_field = "unit"

    class Meta:
        ordering = ["-submitted_at", "-id"]
        verbose_name = _("survey response")
        verbose_name_plural = _("survey responses")
        indexes = [models.Index(fields=["instrument", "service", "month"], name="integrity_response_idx")]

    def __str__(self) -> str:
        return f"{self.instrument} {self.service} {self.month:%Y-%m}"


class SurveyAnswer(models.Model):
    """One item's score. The grouping columns are copied from the response so that the indices over
    millions of answers are one indexed GROUP BY without a join."""

    response = models.ForeignKey(SurveyResponse, on_delete=models.PROTECT, related_name="answers")
    instrument = models.CharField(max_length=6)
    service = models.CharField(max_length=20)
    unit = models.ForeignKey("core.Unit", on_delete=models.PROTECT, related_name="+")
    month = models.DateField()
    item = models.CharField(_("item"), max_length=10)
    score = models.PositiveSmallIntegerField(_("score"))

    objects = RestrictedQuerySet.as_manager()
    scope_unit_field = "unit"

    class Meta:
        verbose_name = _("survey answer")
        verbose_name_plural = _("survey answers")
        indexes = [
            models.Index(fields=["instrument", "service", "month", "item"], name="integrity_answer_idx"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["response", "item"], name="integrity_one_score_per_item"),
            models.CheckConstraint(condition=Q(score__gte=1, score__lte=6), name="integrity_score_on_scale"),
        ]

    def __str__(self) -> str:
        return f"{self.item}={self.score}"


class AreaCoordinator(models.Model):
    """Who answers an area of an assessment in the unit's rounds (self-assessment and follow-up): the
    area's coordinator. Without one, any officer or head of the unit's tree may answer the area."""

    assessment = models.ForeignKey(Assessment, on_delete=models.PROTECT, related_name="coordinators")
    area = models.CharField(_("area"), max_length=10)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True
    )
    assigned_at = models.DateTimeField(_("assigned at"))

    objects = RestrictedQuerySet.as_manager()
    scope_unit_field = "assessment__unit"

    class Meta:
        ordering = ["assessment", "area"]
        verbose_name = _("area coordinator")
        verbose_name_plural = _("area coordinators")
        constraints = [
            models.UniqueConstraint(fields=["assessment", "area"], name="integrity_one_coordinator_per_area")
        ]

    def __str__(self) -> str:
        return f"{self.area}: {self.user}"
