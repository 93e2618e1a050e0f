"""Assessments of a case: versioned tools, the answers given to them, the employability profile.

A tool version (``AssessmentTool``) is a questionnaire whose schema groups questions into
dimensions (work, health, housing…), each in one section of the case, with the scoring rules
written beside the questions. An ``Assessment`` keeps the answers to one version, the scores
computed from them and the rule trace behind its profile; answers to an old version keep the
questions they answered because a version is never edited once it exists. The CPI's
``EmployabilityProfile`` records the class derived from a skills interview and the patto di
servizio signed on it (D.lgs 150/2015).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from intreccio.accounts.models import Structure
from intreccio.cases.models import Case
from intreccio.core.fields import EncryptedJSONField
from intreccio.core.models import TimeStampedModel
from intreccio.core.privacy import Category, P, Purpose

TECH = P(Category.TECHNICAL, Purpose.SECURITY)
OPS = P(Category.NONE, Purpose.OPERATIONS)
CARE = P(Category.IDENTIFYING, Purpose.CARE)
SPECIAL = P(Category.SPECIAL, Purpose.CARE)


class AssessmentKind(models.TextChoices):
    PRELIMINARY = "preliminary", _("Preliminary analysis")
    IN_DEPTH = "in_depth", _("In-depth multidimensional assessment")
    CPI_INTERVIEW = "cpi_interview", _("CPI skills interview")


class AssessmentStatus(models.TextChoices):
    DRAFT = "draft", _("Being filled in")
    COMPLETED = "completed", _("Completed")


class EmployabilityClass(models.TextChoices):
    A = "A", _("A – high employability")
    B = "B", _("B – medium employability")
    C = "C", _("C – low employability")
    D = "D", _("D – no work path for now")


class AssessmentTool(TimeStampedModel):
    """One version of an assessment tool. Published versions are used; none is edited once used."""

    key = models.SlugField(_("key"), max_length=50)
    version = models.PositiveIntegerField(_("version"))
    kind = models.CharField(_("kind"), max_length=16, choices=AssessmentKind.choices)
    title = models.JSONField(_("title"), help_text=_('{"it": ..., "en": ...}'))
    schema = models.JSONField(_("dimensions, questions and scoring rules"))
    is_published = models.BooleanField(_("published"), default=False)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("published by"),
    )

    privacy = {
        "id": TECH,
        "created_at": TECH,
        "updated_at": TECH,
        "key": OPS,
        "version": OPS,
        "kind": OPS,
        "title": OPS,
        "schema": OPS,
        "is_published": OPS,
        "published_at": TECH,
        "published_by": TECH,
    }

    class Meta:
        verbose_name = _("assessment tool")
        verbose_name_plural = _("assessment tools")
        ordering = ["kind", "key", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["key", "version"], name="assessmenttool_unique_version"),
            models.UniqueConstraint(
                fields=["key"], condition=Q(is_published=True), name="assessmenttool_one_published_per_key"
            ),
            models.CheckConstraint(condition=Q(version__gte=1), name="assessmenttool_version_positive"),
            models.CheckConstraint(condition=~Q(key=""), name="assessmenttool_key_not_blank"),
            models.CheckConstraint(condition=Q(kind__in=AssessmentKind.values), name="assessmenttool_kind_known"),
        ]

    def __str__(self) -> str:
        title = self.title.get("it", self.key) if isinstance(self.title, dict) else self.key
        return f"{title} (v{self.version})"


class Assessment(TimeStampedModel):
    """The answers of one case to one tool version, with what was computed from them."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="assessments", verbose_name=_("case"))
    tool = models.ForeignKey(
        AssessmentTool, on_delete=models.PROTECT, related_name="assessments", verbose_name=_("tool version")
    )
    kind = models.CharField(_("kind"), max_length=16, choices=AssessmentKind.choices)
    status = models.CharField(
        _("status"), max_length=16, choices=AssessmentStatus.choices, default=AssessmentStatus.DRAFT
    )
    # The section of the case each dimension belongs to, copied from the tool when started, so
    # that lists can hide what a reader may not see without opening the schema.
    dimension_sections = models.JSONField(_("section of each dimension"), default=dict)
    answers = EncryptedJSONField(_("answers"), default=dict)
    # What the rules read besides the answers (the person's age on the day), kept so that the
    # profile stays reproducible from what is stored.
    facts = models.JSONField(_("facts used by the rules"), default=dict)
    scores = models.JSONField(_("scores per dimension"), default=dict)
    total = models.PositiveSmallIntegerField(_("total need level"), null=True, blank=True)
    profile = models.CharField(_("profile"), max_length=32, blank=True)
    profile_trace = models.JSONField(_("rules behind the profile"), default=list)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("started by")
    )
    completed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("completed by"),
    )
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)
    version = models.PositiveIntegerField(_("version"), default=1)

    privacy = {
        "id": TECH,
        "created_at": TECH,
        "updated_at": TECH,
        "case": CARE,
        "tool": OPS,
        "kind": CARE,
        "status": CARE,
        "dimension_sections": OPS,
        # Answers and what is derived from them may include the health dimension.
        "answers": SPECIAL,
        "facts": CARE,
        "scores": SPECIAL,
        "total": SPECIAL,
        "profile": SPECIAL,
        "profile_trace": SPECIAL,
        "started_by": TECH,
        "completed_by": TECH,
        "completed_at": CARE,
        "version": TECH,
    }

    class Meta:
        verbose_name = _("assessment")
        verbose_name_plural = _("assessments")
        ordering = ["case", "-created_at", "-pk"]
        indexes = [models.Index(fields=["case", "kind", "status"], name="assessment_case_kind_idx")]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=AssessmentKind.values), name="assessment_kind_known"),
            models.CheckConstraint(condition=Q(status__in=AssessmentStatus.values), name="assessment_status_known"),
            # A completed assessment says who completed it and when; a draft says neither.
            models.CheckConstraint(
                condition=(
                    Q(status=AssessmentStatus.COMPLETED) & Q(completed_at__isnull=False) & Q(completed_by__isnull=False)
                )
                | (Q(status=AssessmentStatus.DRAFT) & Q(completed_at__isnull=True) & Q(completed_by__isnull=True)),
                name="assessment_completed_has_who_and_when",
            ),
            models.CheckConstraint(condition=Q(version__gte=1), name="assessment_version_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.case} – {self.get_kind_display()} #{self.pk}"

    @property
    def is_completed(self) -> bool:
        return self.status == AssessmentStatus.COMPLETED


class EmployabilityProfile(TimeStampedModel):
    """The CPI's employability profiling of a case and the patto di servizio signed on it."""

    case = models.ForeignKey(
        Case, on_delete=models.CASCADE, related_name="employability_profiles", verbose_name=_("case")
    )
    assessment = models.OneToOneField(
        Assessment,
        on_delete=models.PROTECT,
        related_name="employability_profile",
        verbose_name=_("skills interview"),
    )
    employability_class = models.CharField(_("employability class"), max_length=1, choices=EmployabilityClass.choices)
    rule_trace = models.JSONField(_("rules behind the class"), default=list)
    pact_signed_on = models.DateField(_("patto di servizio signed on"), null=True, blank=True)
    pact_cpi = models.ForeignKey(
        Structure,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("employment centre of the pact"),
    )
    pact_reference = models.CharField(_("pact reference"), max_length=60, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("recorded by")
    )

    privacy = {
        "id": TECH,
        "created_at": TECH,
        "updated_at": TECH,
        "case": CARE,
        "assessment": CARE,
        "employability_class": CARE,
        "rule_trace": CARE,
        "pact_signed_on": CARE,
        "pact_cpi": CARE,
        "pact_reference": CARE,
        "created_by": TECH,
    }

    class Meta:
        verbose_name = _("employability profile")
        verbose_name_plural = _("employability profiles")
        ordering = ["case", "-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(employability_class__in=EmployabilityClass.values), name="employabilityprofile_class_known"
            ),
            # A signed pact names the employment centre it was signed with.
            models.CheckConstraint(
                condition=Q(pact_signed_on__isnull=True) | Q(pact_cpi__isnull=False),
                name="employabilityprofile_signed_pact_has_cpi",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.case} – {self.employability_class}"
