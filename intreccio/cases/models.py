"""The integrated case (presa in carico integrata): the case, its team, its notes by section.

A case is opened by the coordination group of the ambito from a forwarded intake, for a person
or a household (the household is the unit of care, seed 001:23). Its life is an explicit state
machine (``TRANSITIONS``); every transition is a service in ``services.py`` that checks the
actor's permission, bumps the version (no lost updates) and writes a DomainEvent, from which the
timeline is built.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from intreccio.access.models import Intake, Need
from intreccio.accounts.models import Structure
from intreccio.core.fields import EncryptedTextField
from intreccio.core.models import TimeStampedModel
from intreccio.core.privacy import Category, P, Purpose
from intreccio.people.models import Household, Person
from intreccio.territory.models import Ambito

TECH = P(Category.TECHNICAL, Purpose.SECURITY)
OPS = P(Category.NONE, Purpose.OPERATIONS)
CARE = P(Category.IDENTIFYING, Purpose.CARE)
SPECIAL = P(Category.SPECIAL, Purpose.CARE)


class CaseStatus(models.TextChoices):
    ALLOCATED = "allocated", _("Allocated to a case manager")
    ASSESSING = "assessing", _("Assessment in progress")
    PROJECT_DRAFTED = "project_drafted", _("Project drafted")
    PROJECT_VALIDATED = "project_validated", _("Project validated")
    # A "presa in carico" is feminine in Italian: the context keeps these apart from other "Active"s.
    ACTIVE = "active", pgettext_lazy("case status", "Active")
    SUSPENDED = "suspended", pgettext_lazy("case status", "Suspended")
    RETURNED_TO_TEAM = "returned_to_team", _("Returned to the team (pact not respected)")
    CLOSED = "closed", pgettext_lazy("case status", "Closed")
    TRANSFERRED = "transferred", pgettext_lazy("case status", "Transferred")


# The only moves a case can make; services refuse anything else with a message naming both states.
TRANSITIONS: dict[str, frozenset[str]] = {
    CaseStatus.ALLOCATED: frozenset({CaseStatus.ASSESSING, CaseStatus.CLOSED, CaseStatus.TRANSFERRED}),
    CaseStatus.ASSESSING: frozenset({CaseStatus.PROJECT_DRAFTED, CaseStatus.CLOSED, CaseStatus.TRANSFERRED}),
    CaseStatus.PROJECT_DRAFTED: frozenset({CaseStatus.PROJECT_VALIDATED, CaseStatus.ASSESSING, CaseStatus.CLOSED}),
    CaseStatus.PROJECT_VALIDATED: frozenset({CaseStatus.ACTIVE, CaseStatus.PROJECT_DRAFTED, CaseStatus.CLOSED}),
    CaseStatus.ACTIVE: frozenset(
        {
            CaseStatus.SUSPENDED,
            CaseStatus.RETURNED_TO_TEAM,
            CaseStatus.PROJECT_DRAFTED,
            CaseStatus.CLOSED,
            CaseStatus.TRANSFERRED,
        }
    ),
    CaseStatus.SUSPENDED: frozenset({CaseStatus.ACTIVE, CaseStatus.CLOSED}),
    CaseStatus.RETURNED_TO_TEAM: frozenset({CaseStatus.ACTIVE, CaseStatus.PROJECT_DRAFTED, CaseStatus.CLOSED}),
    CaseStatus.CLOSED: frozenset({CaseStatus.ASSESSING}),
    CaseStatus.TRANSFERRED: frozenset(),
}
OPEN_STATES = frozenset(set(CaseStatus.values) - {CaseStatus.CLOSED, CaseStatus.TRANSFERRED})


class Priority(models.TextChoices):
    ORDINARY = "ordinary", _("Ordinary")
    HIGH = "high", _("High")
    URGENT = "urgent", _("Urgent")


class ClosureOutcome(models.TextChoices):
    GOALS_MET = "goals_met", _("Goals met")
    PARTLY_MET = "partly_met", _("Goals partly met")
    NOT_MET = "not_met", _("Goals not met")
    WITHDRAWN = "withdrawn", _("The person withdrew")
    MOVED = "moved", _("Moved out of the ambito")
    DECEASED = "deceased", _("Deceased")
    OTHER = "other", _("Other")


POSITIVE_OUTCOMES = frozenset({ClosureOutcome.GOALS_MET, ClosureOutcome.PARTLY_MET})


class Case(TimeStampedModel):
    ambito = models.ForeignKey(Ambito, on_delete=models.PROTECT, related_name="cases", verbose_name=_("ambito"))
    number = models.CharField(_("case number"), max_length=32, unique=True, null=True, blank=True)
    person = models.ForeignKey(
        Person, on_delete=models.PROTECT, null=True, blank=True, related_name="cases", verbose_name=_("person")
    )
    household = models.ForeignKey(
        Household, on_delete=models.PROTECT, null=True, blank=True, related_name="cases", verbose_name=_("household")
    )
    intake = models.OneToOneField(
        Intake, on_delete=models.PROTECT, null=True, blank=True, related_name="case", verbose_name=_("intake")
    )
    status = models.CharField(_("status"), max_length=24, choices=CaseStatus.choices, default=CaseStatus.ALLOCATED)
    priority = models.CharField(_("priority"), max_length=16, choices=Priority.choices, default=Priority.ORDINARY)
    prevalent_need = models.CharField(_("prevalent need"), max_length=32, choices=Need.choices)
    case_manager = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="managed_cases", verbose_name=_("case manager")
    )
    case_manager_structure = models.ForeignKey(
        Structure, on_delete=models.PROTECT, related_name="+", verbose_name=_("case manager's service")
    )
    # The three dates the seeds' indicators need (004:2848): access, taken in charge, first intervention.
    accessed_on = models.DateField(_("first access"))
    taken_in_charge_on = models.DateField(_("taken in charge on"))
    first_intervention_on = models.DateField(_("first intervention on"), null=True, blank=True)
    closed_on = models.DateField(_("closed on"), null=True, blank=True)
    closure_outcome = models.CharField(_("outcome"), max_length=16, choices=ClosureOutcome.choices, blank=True)
    closure_reason = EncryptedTextField(_("reason for closing"), blank=True)
    review_every_days = models.PositiveSmallIntegerField(
        _("check-in at least every (days)"), default=90, help_text=_("The national inclusion-pact model asks for 90.")
    )
    version = models.PositiveIntegerField(_("version"), default=1)

    privacy = {
        "id": TECH,
        "created_at": TECH,
        "updated_at": TECH,
        "ambito": OPS,
        "number": CARE,
        "person": CARE,
        "household": CARE,
        "intake": CARE,
        "status": CARE,
        "priority": CARE,
        "prevalent_need": SPECIAL,
        "case_manager": CARE,
        "case_manager_structure": CARE,
        "accessed_on": CARE,
        "taken_in_charge_on": CARE,
        "first_intervention_on": CARE,
        "closed_on": CARE,
        "closure_outcome": CARE,
        "closure_reason": SPECIAL,
        "review_every_days": OPS,
        "version": TECH,
    }

    class Meta:
        verbose_name = _("case")
        verbose_name_plural = _("cases")
        ordering = ["-taken_in_charge_on", "-pk"]
        indexes = [
            models.Index(fields=["ambito", "status"], name="case_ambito_status_idx"),
            models.Index(fields=["case_manager", "status"], name="case_manager_status_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(person__isnull=False) | Q(household__isnull=False), name="case_person_or_household"
            ),
            models.CheckConstraint(condition=Q(status__in=CaseStatus.values), name="case_status_known"),
            models.CheckConstraint(condition=Q(priority__in=Priority.values), name="case_priority_known"),
            models.CheckConstraint(condition=Q(prevalent_need__in=Need.values), name="case_need_known"),
            models.CheckConstraint(
                condition=Q(taken_in_charge_on__gte=F("accessed_on")), name="case_taken_in_charge_after_access"
            ),
            models.CheckConstraint(
                condition=Q(first_intervention_on__isnull=True) | Q(first_intervention_on__gte=F("accessed_on")),
                name="case_first_intervention_after_access",
            ),
            # Closed cases carry their date and outcome; open ones have neither.
            models.CheckConstraint(
                condition=(Q(status=CaseStatus.CLOSED) & Q(closed_on__isnull=False) & ~Q(closure_outcome=""))
                | (~Q(status=CaseStatus.CLOSED) & Q(closed_on__isnull=True) & Q(closure_outcome="")),
                name="case_closed_has_date_and_outcome",
            ),
            models.CheckConstraint(
                condition=Q(closed_on__isnull=True) | Q(closed_on__gte=F("taken_in_charge_on")),
                name="case_closed_after_taken_in_charge",
            ),
            models.CheckConstraint(
                condition=Q(review_every_days__gte=7) & Q(review_every_days__lte=365), name="case_review_interval_sane"
            ),
            models.CheckConstraint(condition=Q(version__gte=1), name="case_version_positive"),
        ]

    def __str__(self) -> str:
        return self.number or f"#{self.pk}"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATES

    def days_to_take_in_charge(self) -> int:
        return (self.taken_in_charge_on - self.accessed_on).days

    def days_to_first_intervention(self) -> int | None:
        if self.first_intervention_on is None:
            return None
        return (self.first_intervention_on - self.accessed_on).days

    def subject_label(self) -> str:
        if self.person_id:
            return str(self.person)
        return str(self.household)


class TeamRole(models.TextChoices):
    """What a member does in the multidisciplinary team (équipe multidisciplinare)."""

    CASE_MANAGER = "case_manager", _("Case manager")
    SOCIAL_WORKER = "social_worker", _("Social worker")
    CPI_TUTOR = "cpi_tutor", _("CPI tutor")
    EDUCATOR = "educator", _("Educator")
    HEALTH_SPECIALIST = "health_specialist", _("Health specialist")
    SERD_OPERATOR = "serd_operator", _("Addiction service (SerD) operator")
    MENTAL_HEALTH = "mental_health", _("Mental-health service operator")
    PROVIDER = "provider", _("Provider operator")
    SYSTEM_TEAM = "system_team", _("Équipe di sistema referent")


class CaseMember(TimeStampedModel):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="members", verbose_name=_("case"))
    operator = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="case_memberships", verbose_name=_("operator")
    )
    structure = models.ForeignKey(
        Structure, on_delete=models.PROTECT, related_name="+", verbose_name=_("service represented")
    )
    team_role = models.CharField(_("role in the team"), max_length=24, choices=TeamRole.choices)
    joined_on = models.DateField(_("joined on"))
    left_on = models.DateField(_("left on"), null=True, blank=True)

    privacy = {
        "id": TECH,
        "created_at": TECH,
        "updated_at": TECH,
        "case": CARE,
        "operator": CARE,
        "structure": CARE,
        "team_role": CARE,
        "joined_on": CARE,
        "left_on": CARE,
    }

    class Meta:
        verbose_name = _("team member")
        verbose_name_plural = _("team members")
        ordering = ["case", "joined_on", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(team_role__in=TeamRole.values), name="casemember_role_known"),
            models.CheckConstraint(
                condition=Q(left_on__isnull=True) | Q(left_on__gte=F("joined_on")), name="casemember_dates_ordered"
            ),
            # An operator is in a team once at a time.
            models.UniqueConstraint(
                fields=["case", "operator"], condition=Q(left_on__isnull=True), name="casemember_one_current_per_case"
            ),
            models.UniqueConstraint(
                fields=["case"],
                condition=Q(left_on__isnull=True, team_role="case_manager"),
                name="casemember_one_current_case_manager",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.operator} – {self.get_team_role_display()}"

    def is_current(self, on: datetime.date | None = None) -> bool:
        return self.left_on is None or (on is not None and self.left_on >= on)


class Section(models.TextChoices):
    """Parts of a case with their own sensitivity; a role sees a section only if granted."""

    COMMON = "common", _("Common")
    WORK = "work", _("Work and employability")
    HEALTH = "health", _("Health")
    DISABILITY = "disability", _("Disability")
    VIOLENCE = "violence", _("Gender-based violence")
    MINORS_COURT = "minors_court", _("Minors and court measures")
    JUDICIAL = "judicial", _("Judicial measures")


SECTION_CATEGORY = {
    Section.COMMON: Category.IDENTIFYING,
    Section.WORK: Category.IDENTIFYING,
    Section.HEALTH: Category.SPECIAL,
    Section.DISABILITY: Category.SPECIAL,
    Section.VIOLENCE: Category.VIOLENCE,
    Section.MINORS_COURT: Category.MINOR,
    Section.JUDICIAL: Category.JUDICIAL,
}


class CaseNote(TimeStampedModel):
    """A note in one section of the case. Notes are not edited: a correction is a new note."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="notes", verbose_name=_("case"))
    section = models.CharField(_("section"), max_length=16, choices=Section.choices)
    text = EncryptedTextField(_("text"))
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("author")
    )
    author_structure = models.ForeignKey(
        Structure, on_delete=models.PROTECT, related_name="+", verbose_name=_("author's service")
    )
    # Notes of an addiction service stay within that service (SerD notes stay with SerD).
    restricted_to_structure = models.BooleanField(_("only for the author's service"), default=False)

    privacy = {
        "id": TECH,
        "created_at": TECH,
        "updated_at": TECH,
        "case": CARE,
        "section": CARE,
        # The most sensitive section a note can be in decides; encrypted in the database (R12).
        "text": P(Category.VIOLENCE, Purpose.CARE),
        "author": TECH,
        "author_structure": TECH,
        "restricted_to_structure": TECH,
    }

    class Meta:
        verbose_name = _("case note")
        verbose_name_plural = _("case notes")
        ordering = ["case", "-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(section__in=Section.values), name="casenote_section_known"),
            models.CheckConstraint(condition=~Q(text=""), name="casenote_text_not_blank"),
        ]

    def __str__(self) -> str:
        return f"{self.case} – {self.get_section_display()}"


class CaseEventText(TimeStampedModel):
    """What an operator wrote with a case event: why it was suspended, returned, re-opened…

    The words are kept here, encrypted, and not in the event's payload: the audit log is
    append-only and hash-chained, so whatever lands there can never be erased with the rest of
    the person's data (GDPR art. 17) nor kept from a database dump. The event names this row.
    """

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="event_texts", verbose_name=_("case"))
    text = EncryptedTextField(_("text"))

    privacy = {
        "id": TECH,
        "created_at": TECH,
        "updated_at": TECH,
        "case": CARE,
        # Free text about the person's path: it may hold anything a note may hold.
        "text": P(Category.VIOLENCE, Purpose.CARE),
    }

    class Meta:
        verbose_name = _("text of a case event")
        verbose_name_plural = _("texts of case events")
        ordering = ["case", "pk"]

    def __str__(self) -> str:
        return f"{self.case} – {self.pk}"
