"""The personalised project (progetto personalizzato, PAP) and its pact.

A case has one current plan; a re-plan supersedes it (the old one is kept for the record). The
plan carries the pact (patto per l'inclusione, patto di servizio, patto gener-attivo), its goals,
the commitments of the person and of each service, the interventions chosen from the catalogue,
the deviations from the assistance package with their reasons, the coordination group's
decisions and the check-ins of monitoring.

Goals, commitments and interventions belong to a section of the case (an intervention takes it
from its catalogue area), so that a reader sees only what their role may read and the printable
pact carries no health content.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from intreccio.accounts.models import Organisation, Structure
from intreccio.cases.models import Case, Section
from intreccio.catalogue.compare import DeviationKind
from intreccio.catalogue.models import AssistancePackage, QuantityBasis, Service
from intreccio.core.fields import EncryptedTextField
from intreccio.core.models import TimeStampedModel
from intreccio.core.privacy import Category, P, Purpose

TECH = P(Category.TECHNICAL, Purpose.SECURITY)
OPS = P(Category.NONE, Purpose.OPERATIONS)
CARE = P(Category.IDENTIFYING, Purpose.CARE)
# Free text about a person's path can hold anything, health included: classified at the worst.
NARRATIVE = P(Category.SPECIAL, Purpose.CARE)
ECONOMIC = P(Category.ECONOMIC, Purpose.CARE)


class PlanStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted for validation")
    VALIDATED = "validated", _("Validated")
    SENT_BACK = "sent_back", _("Sent back for changes")
    SUPERSEDED = "superseded", _("Superseded")


# The states in which the case manager may still change the content of a plan.
EDITABLE_STATES = frozenset({PlanStatus.DRAFT, PlanStatus.SENT_BACK})


class Plan(TimeStampedModel):
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="plans", verbose_name=_("case"))
    number = models.PositiveSmallIntegerField(_("plan number"), default=1)
    status = models.CharField(_("status"), max_length=16, choices=PlanStatus.choices, default=PlanStatus.DRAFT)
    package = models.ForeignKey(
        AssistancePackage,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="plans",
        verbose_name=_("assistance package"),
    )
    summary = EncryptedTextField(_("summary of the project"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("created by")
    )
    submitted_on = models.DateField(_("submitted on"), null=True, blank=True)
    validated_on = models.DateField(_("validated on"), null=True, blank=True)
    version = models.PositiveIntegerField(_("version"), default=1)

    privacy = {
        "id": TECH,
        "created_at": TECH,
        "updated_at": TECH,
        "case": CARE,
        "number": CARE,
        "status": CARE,
        "package": CARE,
        "summary": NARRATIVE,
        "created_by": TECH,
        "submitted_on": CARE,
        "validated_on": CARE,
        "version": TECH,
    }

    class Meta:
        verbose_name = _("personalised project")
        verbose_name_plural = _("personalised projects")
        ordering = ["case", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["case", "number"], name="plan_unique_number_per_case"),
            # One current plan per case: a re-plan supersedes the previous one first.
            models.UniqueConstraint(
                fields=["case"], condition=~Q(status="superseded"), name="plan_one_current_per_case"
            ),
            models.CheckConstraint(condition=Q(status__in=PlanStatus.values), name="plan_status_known"),
            models.CheckConstraint(condition=Q(version__gte=1), name="plan_version_positive"),
            models.CheckConstraint(condition=Q(number__gte=1), name="plan_number_positive"),
            models.CheckConstraint(
                condition=~Q(status="validated") | Q(validated_on__isnull=False), name="plan_validated_has_date"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.case} – PAP {self.number}"

    @property
    def is_editable(self) -> bool:
        return self.status in EDITABLE_STATES

    @property
    def is_current(self) -> bool:
        return self.status != PlanStatus.SUPERSEDED


class PactType(models.TextChoices):
    INCLUSION = "inclusion", _("Patto per l'inclusione")
    SERVICE = "service", _("Patto di servizio (CPI)")
    GENERATIVE = "generative", _("Patto gener-attivo")


class PactSubtype(models.TextChoices):
    """The two kinds of patti gener-attivi of the Crema district plan (003:521-522)."""

    SOCIAL_INCLUSION = "social_inclusion", _("Social inclusion")
    AUTONOMY = "autonomy", _("Autonomy")


class Signatory(models.TextChoices):
    PERSON = "person", _("The person")
    LEGAL_REPRESENTATIVE = "legal_representative", _("The legal representative")


# The 70-75 % target of realised contents applies to patti gener-attivi (003:561).
GENERATIVE_TARGET_PERCENT = 70


class Pact(TimeStampedModel):
    plan = models.OneToOneField(Plan, on_delete=models.CASCADE, related_name="pact", verbose_name=_("plan"))
    pact_type = models.CharField(_("type of pact"), max_length=16, choices=PactType.choices)
    subtype = models.CharField(_("kind of patto gener-attivo"), max_length=20, choices=PactSubtype.choices, blank=True)
    duration_months = models.PositiveSmallIntegerField(_("duration (months)"), default=12)
    signatory = models.CharField(_("signed by"), max_length=24, choices=Signatory.choices, default=Signatory.PERSON)
    # Free text until the registry has legal representatives of its own.
    representative_name = models.CharField(_("legal representative"), max_length=200, blank=True)
    representative_capacity = models.CharField(
        _("capacity"), max_length=100, blank=True, help_text=_("e.g. amministratore di sostegno, tutore, curatore")
    )
    signed_on = models.DateField(_("signed on"), null=True, blank=True)

    privacy = {
        "id": TECH,
        "created_at": TECH,
        "updated_at": TECH,
        "plan": CARE,
        "pact_type": CARE,
        "subtype": CARE,
        "duration_months": CARE,
        "signatory": CARE,
        # That someone has a guardian says something about their capacity: special category.
        "representative_name": P(Category.SPECIAL, Purpose.CARE),
        "representative_capacity": P(Category.SPECIAL, Purpose.CARE),
        "signed_on": CARE,
    }

    class Meta:
        verbose_name = _("pact")
        verbose_name_plural = _("pacts")
        constraints = [
            models.CheckConstraint(condition=Q(pact_type__in=PactType.values), name="pact_type_known"),
            models.CheckConstraint(
                condition=(Q(pact_type="generative") & Q(subtype__in=PactSubtype.values))
                | (~Q(pact_type="generative") & Q(subtype="")),
                name="pact_subtype_only_for_generative",
            ),
            models.CheckConstraint(
                condition=Q(duration_months__gte=1) & Q(duration_months__lte=36), name="pact_duration_sane"
            ),
            models.CheckConstraint(
                condition=Q(signatory="person", representative_name="")
                | (Q(signatory="legal_representative") & ~Q(representative_name="")),
                name="pact_representative_named",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.plan} – {self.get_pact_type_display()}"

    @property
    def is_generative(self) -> bool:
        return self.pact_type == PactType.GENERATIVE


class GoalStatus(models.TextChoices):
    OPEN = "open", _("Open")
    ACHIEVED = "achieved", _("Achieved")
    PARTLY = "partly", _("Partly achieved")
    NOT_ACHIEVED = "not_achieved", _("Not achieved")


class Goal(TimeStampedModel):
    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="goals", verbose_name=_("plan"))
    section = models.CharField(_("section"), max_length=16, choices=Section.choices, default=Section.COMMON)
    text = EncryptedTextField(_("goal"))
    indicator = EncryptedTextField(_("indicator"), max_length=300)
    target = EncryptedTextField(_("target"), max_length=200, blank=True)
    due_on = models.DateField(_("due on"))
    status = models.CharField(_("status"), max_length=16, choices=GoalStatus.choices, default=GoalStatus.OPEN)

    privacy = {
        "id": TECH,
        "created_at": TECH,
        "updated_at": TECH,
        "plan": CARE,
        "section": CARE,
        "text": NARRATIVE,
        "indicator": NARRATIVE,
        "target": NARRATIVE,
        "due_on": CARE,
        "status": CARE,
    }

    class Meta:
        verbose_name = _("goal")
        verbose_name_plural = _("goals")
        ordering = ["plan", "due_on", "pk"]
        constraints = [
            models.CheckConstraint(condition=~Q(text=""), name="goal_text_not_blank"),
            models.CheckConstraint(condition=~Q(indicator=""), name="goal_indicator_not_blank"),
            models.CheckConstraint(condition=Q(status__in=GoalStatus.values), name="goal_status_known"),
            models.CheckConstraint(condition=Q(section__in=Section.values), name="goal_section_known"),
        ]

    def __str__(self) -> str:
        return self.text[:60]


class Owner(models.TextChoices):
    PERSON = "person", _("The person")
    SERVICE = "service", _("A service")


class Commitment(TimeStampedModel):
    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="commitments", verbose_name=_("plan"))
    section = models.CharField(_("section"), max_length=16, choices=Section.choices, default=Section.COMMON)
    owner = models.CharField(_("who commits"), max_length=16, choices=Owner.choices)
    structure = models.ForeignKey(
        Structure, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("service")
    )
    text = EncryptedTextField(_("commitment"))
    due_on = models.DateField(_("due on"), null=True, blank=True)
    done_on = models.DateField(_("done on"), null=True, blank=True)

    privacy = {
        "id": TECH,
        "created_at": TECH,
        "updated_at": TECH,
        "plan": CARE,
        "section": CARE,
        "owner": CARE,
        "structure": CARE,
        "text": NARRATIVE,
        "due_on": CARE,
        "done_on": CARE,
    }

    class Meta:
        verbose_name = _("commitment")
        verbose_name_plural = _("commitments")
        ordering = ["plan", "owner", "pk"]
        constraints = [
            models.CheckConstraint(condition=~Q(text=""), name="commitment_text_not_blank"),
            models.CheckConstraint(condition=Q(section__in=Section.values), name="commitment_section_known"),
            # Every commitment has an owner: the person, or one named service.
            models.CheckConstraint(
                condition=Q(owner="person", structure__isnull=True) | Q(owner="service", structure__isnull=False),
                name="commitment_has_owner",
            ),
        ]

    def __str__(self) -> str:
        return self.text[:60]

    @property
    def is_done(self) -> bool:
        return self.done_on is not None


# Services of these catalogue areas say something about health, disability or violence.
AREA_SECTIONS = {
    "mental_health_addiction": Section.HEALTH,
    "disability": Section.DISABILITY,
    "violence": Section.VIOLENCE,
}


def section_of_service(service: Service) -> str:
    return AREA_SECTIONS.get(service.area, Section.COMMON)


class PlannedIntervention(TimeStampedModel):
    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="interventions", verbose_name=_("plan"))
    service = models.ForeignKey(Service, on_delete=models.PROTECT, related_name="+", verbose_name=_("service"))
    section = models.CharField(_("section"), max_length=16, choices=Section.choices, default=Section.COMMON)
    provider = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+", verbose_name=_("provider"))
    quantity = models.DecimalField(_("quantity"), max_digits=8, decimal_places=2)
    basis = models.CharField(_("quantity is"), max_length=16, choices=QuantityBasis.choices)
    months = models.PositiveSmallIntegerField(_("months"), default=12)
    # The catalogue's unit cost when planned: a later tariff change does not rewrite the pact.
    unit_cost = models.DecimalField(_("unit cost"), max_digits=10, decimal_places=2)
    amount = models.DecimalField(_("amount"), max_digits=12, decimal_places=2)
    starts_on = models.DateField(_("planned start"), null=True, blank=True)
    ends_on = models.DateField(_("planned end"), null=True, blank=True)
    started_on = models.DateField(_("started on"), null=True, blank=True)

    privacy = {
        "id": TECH,
        "created_at": TECH,
        "updated_at": TECH,
        "plan": CARE,
        # Which service a person gets can reveal health (a SerD path): the section decides who reads it.
        "service": NARRATIVE,
        "section": CARE,
        "provider": CARE,
        "quantity": ECONOMIC,
        "basis": ECONOMIC,
        "months": ECONOMIC,
        "unit_cost": ECONOMIC,
        "amount": ECONOMIC,
        "starts_on": CARE,
        "ends_on": CARE,
        "started_on": CARE,
    }

    class Meta:
        verbose_name = _("planned intervention")
        verbose_name_plural = _("planned interventions")
        ordering = ["plan", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="intervention_quantity_positive"),
            models.CheckConstraint(condition=Q(basis__in=QuantityBasis.values), name="intervention_basis_known"),
            models.CheckConstraint(
                condition=Q(months__gte=1) & Q(months__lte=12), name="intervention_months_within_a_year"
            ),
            models.CheckConstraint(condition=Q(unit_cost__gte=0), name="intervention_unit_cost_not_negative"),
            models.CheckConstraint(condition=Q(amount__gte=0), name="intervention_amount_not_negative"),
            models.CheckConstraint(
                condition=Q(ends_on__isnull=True) | Q(starts_on__isnull=True) | Q(ends_on__gte=F("starts_on")),
                name="intervention_dates_ordered",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.plan} – {self.service.name}"


def intervention_amount(*, quantity: Decimal, basis: str, months: int, unit_cost: Decimal) -> Decimal:
    """The cost over the plan's year: a monthly quantity runs for ``months`` months."""
    factor = months if basis == QuantityBasis.PER_MONTH else 1
    return (quantity * unit_cost * factor).quantize(Decimal("0.01"))


class Deviation(TimeStampedModel):
    """Where the plan departs from its package; the coordination group reads the reason."""

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="deviations", verbose_name=_("plan"))
    kind = models.CharField(_("kind"), max_length=16, choices=[(k.value, k.value) for k in DeviationKind])
    service = models.ForeignKey(
        Service, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("service")
    )
    description = EncryptedTextField(_("what deviates"), max_length=400)
    reason = EncryptedTextField(_("reason"), blank=True)

    privacy = {
        "id": TECH,
        "created_at": TECH,
        "updated_at": TECH,
        "plan": CARE,
        "kind": CARE,
        "service": NARRATIVE,
        "description": NARRATIVE,
        "reason": NARRATIVE,
    }

    class Meta:
        verbose_name = _("deviation from the package")
        verbose_name_plural = _("deviations from the package")
        ordering = ["plan", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=[k.value for k in DeviationKind]), name="deviation_kind_known"),
            models.UniqueConstraint(fields=["plan", "kind", "service"], name="deviation_one_per_kind_and_service"),
            # NULL services are distinct in a unique index: one budget deviation per plan needs its own rule.
            models.UniqueConstraint(
                fields=["plan", "kind"], condition=Q(service__isnull=True), name="deviation_one_budget_per_plan"
            ),
        ]

    def __str__(self) -> str:
        return self.description

    @property
    def is_explained(self) -> bool:
        return bool(self.reason.strip())


class ValidationOutcome(models.TextChoices):
    VALIDATED = "validated", _("Validated")
    SENT_BACK = "sent_back", _("Sent back")


class Validation(TimeStampedModel):
    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="validations", verbose_name=_("plan"))
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("decided by")
    )
    decided_on = models.DateField(_("decided on"))
    outcome = models.CharField(_("outcome"), max_length=16, choices=ValidationOutcome.choices)
    note = EncryptedTextField(_("note"), blank=True)

    privacy = {
        "id": TECH,
        "created_at": TECH,
        "updated_at": TECH,
        "plan": CARE,
        "decided_by": CARE,
        "decided_on": CARE,
        "outcome": CARE,
        "note": NARRATIVE,
    }

    class Meta:
        verbose_name = _("validation decision")
        verbose_name_plural = _("validation decisions")
        ordering = ["plan", "-decided_on", "-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(outcome__in=ValidationOutcome.values), name="validation_outcome_known"),
            models.CheckConstraint(
                condition=Q(outcome="validated") | ~Q(note=""), name="validation_send_back_has_reason"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.plan} – {self.get_outcome_display()}"


class CheckIn(TimeStampedModel):
    """A monitoring review of the pact: how much of it is realised, and when the next one is due."""

    plan = models.ForeignKey(Plan, on_delete=models.PROTECT, related_name="checkins", verbose_name=_("plan"))
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="checkins", verbose_name=_("case"))
    held_on = models.DateField(_("held on"))
    computed_percent = models.PositiveSmallIntegerField(_("realised, computed (%)"))
    realised_percent = models.PositiveSmallIntegerField(_("contents realised (%)"))
    percent_reason = EncryptedTextField(_("why the percentage differs from the computed one"), blank=True)
    below_target = models.BooleanField(_("below the target"), default=False)
    outcome = EncryptedTextField(_("outcome"))
    next_due_on = models.DateField(_("next check-in due on"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("recorded by")
    )

    privacy = {
        "id": TECH,
        "created_at": TECH,
        "updated_at": TECH,
        "plan": CARE,
        "case": CARE,
        "held_on": CARE,
        "computed_percent": CARE,
        "realised_percent": CARE,
        "percent_reason": NARRATIVE,
        "below_target": CARE,
        "outcome": NARRATIVE,
        "next_due_on": CARE,
        "recorded_by": TECH,
    }

    class Meta:
        verbose_name = _("check-in")
        verbose_name_plural = _("check-ins")
        ordering = ["case", "-held_on", "-pk"]
        indexes = [models.Index(fields=["case", "-held_on"], name="checkin_case_held_idx")]
        constraints = [
            models.CheckConstraint(condition=Q(realised_percent__lte=100), name="checkin_percent_at_most_100"),
            models.CheckConstraint(condition=Q(computed_percent__lte=100), name="checkin_computed_at_most_100"),
            models.CheckConstraint(condition=Q(next_due_on__gt=F("held_on")), name="checkin_next_after_held"),
            models.CheckConstraint(
                condition=Q(realised_percent=F("computed_percent")) | ~Q(percent_reason=""),
                name="checkin_edited_percent_has_reason",
            ),
            models.CheckConstraint(condition=~Q(outcome=""), name="checkin_outcome_not_blank"),
        ]

    def __str__(self) -> str:
        return f"{self.case} – {self.held_on:%d/%m/%Y}"


class CheckInReminder(models.Model):
    """One reminder e-mail sent for a case's due check-in: the command sends at most one a day."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="+", verbose_name=_("case"))
    operator = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", verbose_name=_("operator")
    )
    due_on = models.DateField(_("check-in due on"))
    sent_on = models.DateField(_("sent on"))

    privacy = {
        "id": TECH,
        "case": TECH,
        "operator": TECH,
        "due_on": TECH,
        "sent_on": TECH,
    }

    class Meta:
        verbose_name = _("check-in reminder")
        verbose_name_plural = _("check-in reminders")
        constraints = [
            models.UniqueConstraint(fields=["case", "operator", "sent_on"], name="checkinreminder_once_a_day"),
        ]

    def __str__(self) -> str:
        return f"{self.case} – {self.sent_on}"


def realised_percent(goals: list[Goal], commitments: list[Commitment]) -> int:
    """Share of the pact's contents realised: achieved goals and done commitments count one, partly
    achieved goals a half. A pact with nothing in it has realised nothing."""
    items = len(goals) + len(commitments)
    if items == 0:
        return 0
    score = Decimal(0)
    for goal in goals:
        if goal.status == GoalStatus.ACHIEVED:
            score += 1
        elif goal.status == GoalStatus.PARTLY:
            score += Decimal("0.5")
    score += sum(1 for c in commitments if c.done_on is not None)
    return int((score * 100 / items).quantize(Decimal(1), rounding="ROUND_HALF_UP"))


def next_due(held_on: datetime.date, every_days: int) -> datetime.date:
    return held_on + datetime.timedelta(days=every_days)
