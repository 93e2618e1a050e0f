"""The front door: intakes (accesso / istanza / segnalazione) and the pre-assessment questionnaire.

An intake is what the segretariato sociale records when a person comes, calls or is signalled
by someone else (seed 001:56; 003:653). It may concern someone not identified yet. Triage ends
it in one of three ways: information only (closed at intake), forwarded to the coordination
group of the ambito, or forwarded as urgent (seed 001:105).
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from intreccio.accounts.models import Structure, Team
from intreccio.core.fields import EncryptedJSONField, EncryptedTextField
from intreccio.core.models import TimeStampedModel
from intreccio.core.privacy import Category, P, Purpose
from intreccio.people.models import Household, Person
from intreccio.territory.models import Ambito

TECH = P(Category.TECHNICAL, Purpose.SECURITY)
OPS = P(Category.NONE, Purpose.OPERATIONS)
CARE = P(Category.IDENTIFYING, Purpose.CARE)
# Free text and needs written at the front door routinely carry health, violence or court facts.
SPECIAL = P(Category.SPECIAL, Purpose.CARE)


class Channel(models.TextChoices):
    IN_PERSON = "in_person", _("In person")
    PHONE = "phone", _("Phone")
    EMAIL = "email", _("E-mail or certified e-mail (PEC)")
    LETTER = "letter", _("Letter or written request")
    OUTREACH = "outreach", _("Outreach / street unit")
    OTHER = "other", _("Other channel")


class Source(models.TextChoices):
    SELF = "self", _("The person themself")
    FAMILY = "family", _("Family member or acquaintance")
    SCHOOL = "school", _("School")
    HOSPITAL = "hospital", _("Hospital / protected discharge")
    GP = "gp", _("General practitioner or paediatrician")
    COURT = "court", _("Court or judicial authority")
    BAILIFF = "bailiff", _("Bailiff / eviction")
    OTHER_SERVICE = "other_service", _("Another public service")
    THIRD_SECTOR = "third_sector", _("Third-sector body (association, cooperative, Caritas…)")
    OTHER = "other", _("Other source")


# Sources whose detail (which school, which ward, which service) the operator must write down.
SOURCES_NEEDING_DETAIL = frozenset({Source.OTHER_SERVICE, Source.THIRD_SECTOR, Source.OTHER})


class Need(models.TextChoices):
    POVERTY = "poverty", _("Poverty / income")
    WORK = "work", _("Work")
    HOUSING = "housing", _("Housing")
    HEALTH = "health", _("Health")
    DISABILITY = "disability", _("Disability")
    ELDERLY_CARE = "elderly_care", _("Care of an elderly person")
    MINORS_FAMILY = "minors_family", _("Minors and family")
    VIOLENCE = "violence", _("Violence")
    MIGRATION = "migration", _("Migration")
    ADDICTION_MENTAL_HEALTH = "addiction_mental_health", _("Addiction / mental health")
    OTHER = "other", _("Other need")


class Urgency(models.TextChoices):
    ORDINARY = "ordinary", _("Ordinary")
    PRIORITY = "priority", pgettext_lazy("urgency", "Priority")
    URGENT = "urgent", _("Urgent")


class IntakeStatus(models.TextChoices):
    OPEN = "open", _("Open")
    CLOSED_INFORMATION = "closed_information", _("Closed: information and orientation only")
    FORWARDED = "forwarded", _("Forwarded to the coordination group")
    URGENT = "urgent", _("Forwarded as urgent")


# The states in which the coordination group of the ambito has the intake in its queue.
FORWARDED_STATES = frozenset({IntakeStatus.FORWARDED, IntakeStatus.URGENT})


class Intake(TimeStampedModel):
    """One access to the services: a request by the person or a signal by someone else."""

    ambito = models.ForeignKey(Ambito, on_delete=models.PROTECT, related_name="intakes", verbose_name=_("ambito"))
    structure = models.ForeignKey(
        Structure, on_delete=models.PROTECT, related_name="intakes", verbose_name=_("receiving structure")
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("recorded by")
    )
    person = models.ForeignKey(
        Person, on_delete=models.PROTECT, null=True, blank=True, related_name="intakes", verbose_name=_("person")
    )
    household = models.ForeignKey(
        Household,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="intakes",
        verbose_name=_("household"),
    )
    unidentified_description = EncryptedTextField(
        _("who, if not identified"),
        max_length=300,
        blank=True,
        help_text=_("A short description, e.g. “woman about 40, signalled by the emergency room”."),
    )
    received_on = models.DateField(_("date received"))
    channel = models.CharField(_("channel"), max_length=16, choices=Channel.choices)
    source = models.CharField(_("source"), max_length=16, choices=Source.choices)
    source_detail = EncryptedTextField(_("source detail"), max_length=200, blank=True)
    prevalent_need = models.CharField(_("prevalent need"), max_length=32, choices=Need.choices)
    urgency = models.CharField(_("urgency"), max_length=16, choices=Urgency.choices, default=Urgency.ORDINARY)
    notes = EncryptedTextField(_("notes"), blank=True)
    status = models.CharField(_("status"), max_length=24, choices=IntakeStatus.choices, default=IntakeStatus.OPEN)
    outcome_on = models.DateField(_("outcome date"), null=True, blank=True)
    outcome_note = EncryptedTextField(_("outcome note"), blank=True)
    outcome_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("outcome recorded by"),
    )
    forwarded_to = models.ForeignKey(
        Team,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="forwarded_intakes",
        verbose_name=_("forwarded to"),
    )
    version = models.PositiveIntegerField(_("version"), default=1)

    privacy = {
        "id": TECH,
        "created_at": TECH,
        "updated_at": TECH,
        "ambito": OPS,
        "structure": OPS,
        "recorded_by": TECH,
        "person": CARE,
        "household": CARE,
        "unidentified_description": SPECIAL,
        "received_on": CARE,
        "channel": CARE,
        # A hospital, a GP or a court as the source tells health or judicial facts.
        "source": SPECIAL,
        "source_detail": SPECIAL,
        "prevalent_need": SPECIAL,
        "urgency": CARE,
        "notes": SPECIAL,
        "status": CARE,
        "outcome_on": CARE,
        "outcome_note": SPECIAL,
        "outcome_by": TECH,
        "forwarded_to": OPS,
        "version": TECH,
    }

    class Meta:
        verbose_name = _("intake")
        verbose_name_plural = _("intakes")
        ordering = ["-received_on", "-pk"]
        indexes = [
            models.Index(fields=["structure", "status", "received_on"], name="intake_structure_status_idx"),
            models.Index(fields=["ambito", "status"], name="intake_ambito_status_idx"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(channel__in=Channel.values), name="intake_channel_known"),
            models.CheckConstraint(condition=Q(source__in=Source.values), name="intake_source_known"),
            models.CheckConstraint(condition=Q(prevalent_need__in=Need.values), name="intake_need_known"),
            models.CheckConstraint(condition=Q(urgency__in=Urgency.values), name="intake_urgency_known"),
            models.CheckConstraint(condition=Q(status__in=IntakeStatus.values), name="intake_status_known"),
            # Someone the intake is about: a registered person, or at least a description.
            models.CheckConstraint(
                condition=Q(person__isnull=False) | ~Q(unidentified_description=""),
                name="intake_person_or_description",
            ),
            models.CheckConstraint(
                condition=Q(outcome_on__isnull=True) | Q(outcome_on__gte=F("received_on")),
                name="intake_outcome_after_received",
            ),
            # An open intake has no outcome yet; a triaged one always has its date.
            models.CheckConstraint(
                condition=(Q(status=IntakeStatus.OPEN) & Q(outcome_on__isnull=True))
                | (~Q(status=IntakeStatus.OPEN) & Q(outcome_on__isnull=False)),
                name="intake_outcome_date_iff_triaged",
            ),
            models.CheckConstraint(
                condition=~Q(status=IntakeStatus.CLOSED_INFORMATION) | ~Q(outcome_note=""),
                name="intake_information_has_note",
            ),
            # Forwarded intakes name the coordination group that received them, and only they do.
            models.CheckConstraint(
                condition=(Q(status__in=FORWARDED_STATES) & Q(forwarded_to__isnull=False))
                | (~Q(status__in=FORWARDED_STATES) & Q(forwarded_to__isnull=True)),
                name="intake_forwarded_has_group",
            ),
            models.CheckConstraint(
                condition=~Q(status=IntakeStatus.URGENT) | Q(urgency=Urgency.URGENT),
                name="intake_urgent_status_is_urgent",
            ),
            models.CheckConstraint(condition=Q(version__gte=1), name="intake_version_positive"),
        ]

    def __str__(self) -> str:
        who = str(self.person) if self.person_id else self.unidentified_description
        return f"{self.received_on:%d/%m/%Y} – {who}"

    @property
    def is_open(self) -> bool:
        return self.status == IntakeStatus.OPEN

    @property
    def is_forwarded(self) -> bool:
        return self.status in FORWARDED_STATES

    def waiting_days(self, today: datetime.date | None = None) -> int | None:
        """Days the intake has waited in the coordination group's queue (None when not forwarded)."""
        if not self.is_forwarded or self.outcome_on is None:
            return None
        return ((today or timezone.localdate()) - self.outcome_on).days


class QuestionType(models.TextChoices):
    CHOICE = "choice", _("One choice")
    MULTI_CHOICE = "multi_choice", _("Several choices")
    YES_NO = "yes_no", _("Yes or no")
    TEXT = "text", _("Text")
    NUMBER = "number", _("Number")


class PreAssessmentForm(TimeStampedModel):
    """One version of a questionnaire, e.g. version 1 of the “scheda di pre-assessment”.

    A version's schema is never edited once it exists: a change is a new version, so the
    answers given to an old version keep the questions they answered.
    """

    key = models.SlugField(_("key"), max_length=50)
    version = models.PositiveIntegerField(_("version"))
    title = models.CharField(_("title"), max_length=200)
    schema = models.JSONField(_("sections and questions"))
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
        "title": OPS,
        "schema": OPS,
        "is_published": OPS,
        "published_at": TECH,
        "published_by": TECH,
    }

    class Meta:
        verbose_name = _("pre-assessment form")
        verbose_name_plural = _("pre-assessment forms")
        ordering = ["key", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["key", "version"], name="preassessmentform_unique_version"),
            models.UniqueConstraint(
                fields=["key"], condition=Q(is_published=True), name="preassessmentform_one_published_per_key"
            ),
            models.CheckConstraint(condition=Q(version__gte=1), name="preassessmentform_version_positive"),
            models.CheckConstraint(condition=~Q(key=""), name="preassessmentform_key_not_blank"),
            models.CheckConstraint(condition=~Q(title=""), name="preassessmentform_title_not_blank"),
        ]

    def __str__(self) -> str:
        return f"{self.title} (v{self.version})"


class PreAssessment(TimeStampedModel):
    """The answers to one version of the questionnaire for one intake.

    Saving again adds a new row: the latest is the current one, the earlier ones are the
    history, and each keeps the form version it answered.
    """

    intake = models.ForeignKey(
        Intake, on_delete=models.CASCADE, related_name="pre_assessments", verbose_name=_("intake")
    )
    form = models.ForeignKey(
        PreAssessmentForm, on_delete=models.PROTECT, related_name="answers", verbose_name=_("form version")
    )
    answers = EncryptedJSONField(_("answers"), default=dict)
    completed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("completed by")
    )
    completed_at = models.DateTimeField(_("completed at"), default=timezone.now)

    privacy = {
        "id": TECH,
        "created_at": TECH,
        "updated_at": TECH,
        "intake": CARE,
        "form": OPS,
        # Health, disability, violence and income answers: special category as a whole.
        "answers": SPECIAL,
        "completed_by": TECH,
        "completed_at": TECH,
    }

    class Meta:
        verbose_name = _("pre-assessment")
        verbose_name_plural = _("pre-assessments")
        ordering = ["intake", "-completed_at", "-pk"]
        get_latest_by = ["completed_at", "pk"]

    def __str__(self) -> str:
        return f"{self.form} – {self.intake_id}"
