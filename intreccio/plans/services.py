"""Writes to personalised projects: the plan and its pact, goals, commitments, interventions,
deviations from the package, submission, the coordination group's decision, check-ins.

Every service checks the actor's permission, locks the plan row and compares the version the
actor saw (``StalePlan`` carries the current plan, never a silent overwrite), refuses bad input
with messages keyed by field, and writes a DomainEvent on the case (so it shows in the case's
timeline) whose payload holds ids, counts and states, never the text a person's path is made of.
The case moves through the cases app's own transition services, in the same transaction.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal
from functools import partial
from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Max
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from intreccio.accounts.models import Operator, Organisation, Structure
from intreccio.assessments.selectors import CaseProfile, case_profiles_for
from intreccio.audit.services import record_event
from intreccio.cases import services as case_services
from intreccio.cases.models import Case, CaseStatus, Section
from intreccio.cases.services import REASON_MIN_LENGTH
from intreccio.catalogue.models import AssistancePackage, PackageStatus, QuantityBasis, Service
from intreccio.catalogue.selectors import package_compare, package_for_profile
from intreccio.people.models import Household, HouseholdMember
from intreccio.people.selectors_measures import economic_assistance_eligibility
from intreccio.people.services.common import Errors, clean_text
from intreccio.plans import permissions
from intreccio.plans.models import (
    GENERATIVE_TARGET_PERCENT,
    CheckIn,
    CheckInReminder,
    Commitment,
    Deviation,
    Goal,
    GoalStatus,
    Owner,
    Pact,
    PactSubtype,
    PactType,
    Plan,
    PlannedIntervention,
    PlanStatus,
    Signatory,
    Validation,
    ValidationOutcome,
    intervention_amount,
    next_due,
    realised_percent,
    section_of_service,
)
from intreccio.plans.routing import care_load_of, employability_of

MONTHS_PER_YEAR = 12


class StalePlan(Exception):
    """The plan changed since the actor loaded it; the view shows the current one."""

    def __init__(self, current: Plan) -> None:
        super().__init__("stale plan version")
        self.current = current


def _actor(request: HttpRequest) -> Operator:
    return request.user  # type: ignore[return-value]


def _lock(plan: Plan, version: int) -> Plan:
    locked = Plan.objects.select_for_update().select_related("case").get(pk=plan.pk)
    if locked.version != version:
        raise StalePlan(locked)
    return locked


def _bump(plan: Plan, *fields: str) -> None:
    plan.version += 1
    plan.save(update_fields=[*fields, "version", "updated_at"])


def _event(request: HttpRequest, plan: Plan, verb: str, payload: dict[str, Any] | None = None) -> None:
    record_event(
        action=f"plans.{verb}",
        actor=_actor(request),
        target=plan.case,
        payload={"plan": plan.pk, "plan_version": plan.version, **(payload or {})},
        request=request,
    )


def _require_editor(request: HttpRequest, case: Case) -> None:
    # The case as it is now: a case closed since the page was loaded is not planned any more.
    if not permissions.can_edit(request, Case.objects.get(pk=case.pk)):
        raise PermissionDenied


def _require_editable(errors: Errors, plan: Plan) -> None:
    if not plan.is_editable:
        errors.add(
            "__all__",
            _("A plan that is “%(status)s” cannot be changed: only a draft or a plan sent back can.")
            % {"status": PlanStatus(plan.status).label},
        )


def _reason(errors: Errors, field: str, value: str) -> str:
    text = clean_text(value)
    if len(text) < REASON_MIN_LENGTH:
        errors.add(field, _("Write the reason in at least %(count)d characters.") % {"count": REASON_MIN_LENGTH})
    return text


def _date_text(day: datetime.date) -> str:
    return day.strftime("%d/%m/%Y")


# --- the plan and its pact ------------------------------------------------------------------------


def default_package(case: Case, *, profile: CaseProfile | None) -> AssistancePackage | None:
    """The approved package that fits ``profile`` (the case's latest assessments), if it is known.

    Pass the profile as the reader may know it (``case_profiles_for``): an assessment blacked out
    for them must not choose the package either.
    """
    if profile is None:
        return None
    employability = employability_of(profile.employability_class)
    if employability is None:
        return None
    return package_for_profile(ambito=case.ambito, employability=employability, care_load=care_load_of(profile.levels))


@dataclass(frozen=True)
class PactData:
    pact_type: str
    subtype: str = ""
    duration_months: int = 12
    signatory: str = Signatory.PERSON
    representative_name: str = ""
    representative_capacity: str = ""
    signed_on: datetime.date | None = None


def _check_pact(errors: Errors, data: PactData, case: Case) -> PactData:
    if data.pact_type not in PactType.values:
        errors.add("pact_type", _("Choose the type of pact from the list."))
    subtype = data.subtype if data.pact_type == PactType.GENERATIVE else ""
    if data.pact_type == PactType.GENERATIVE and subtype not in PactSubtype.values:
        errors.add("subtype", _("A patto gener-attivo is for social inclusion or for autonomy: choose one."))
    if not 1 <= data.duration_months <= 36:
        errors.add("duration_months", _("A pact lasts from 1 to 36 months."))
    name = clean_text(data.representative_name)
    capacity = clean_text(data.representative_capacity)
    if data.signatory not in Signatory.values:
        errors.add("signatory", _("Choose who signs the pact."))
    elif data.signatory == Signatory.LEGAL_REPRESENTATIVE and not name:
        errors.add("representative_name", _("Write the name of the legal representative who signs the pact."))
    elif data.signatory == Signatory.PERSON:
        name, capacity = "", ""
    if data.signed_on is not None:
        if data.signed_on > timezone.localdate():
            errors.add("signed_on", _("The pact cannot be signed in the future."))
        elif data.signed_on < case.taken_in_charge_on:
            errors.add("signed_on", _("The pact cannot be signed before the case was taken in charge."))
    return PactData(
        pact_type=data.pact_type,
        subtype=subtype,
        duration_months=data.duration_months,
        signatory=data.signatory,
        representative_name=name,
        representative_capacity=capacity,
        signed_on=data.signed_on,
    )


def _check_package(errors: Errors, package: AssistancePackage | None, case: Case) -> None:
    if package is not None and (package.ambito_id != case.ambito_id or package.status != PackageStatus.APPROVED):
        errors.add("package", _("Choose an approved package of the case's ambito."))


@transaction.atomic
def plan_create(
    *,
    request: HttpRequest,
    case: Case,
    pact: PactData,
    summary: str = "",
    package: AssistancePackage | None = None,
) -> Plan:
    """The case manager drafts a plan: the first one, or a re-plan that will supersede the current one.

    Without a package chosen, the one that fits the case's assessment profile is taken.
    """
    _require_editor(request, case)
    case = Case.objects.select_for_update().get(pk=case.pk)
    errors = Errors()
    if case.status not in permissions.PLANNABLE_STATES:
        errors.add(
            "__all__",
            _("A project cannot be drafted for a case that is “%(status)s”.")
            % {"status": CaseStatus(case.status).label},
        )
    current = case.plans.exclude(status=PlanStatus.SUPERSEDED).first()
    if current is not None and current.status != PlanStatus.VALIDATED:
        errors.add("__all__", _("This case already has a project being drafted: continue that one."))
    pact = _check_pact(errors, pact, case)
    _check_package(errors, package, case)
    errors.raise_any()
    if package is None:
        package = default_package(case, profile=case_profiles_for(request=request, case_ids=[case.pk]).get(case.pk))
    if current is not None:
        # A re-plan replaces the validated plan; the old one stays on record, superseded.
        current.status = PlanStatus.SUPERSEDED
        _bump(current, "status")
    number = (case.plans.aggregate(n=Max("number"))["n"] or 0) + 1
    plan = Plan.objects.create(
        case=case,
        number=number,
        package=package,
        summary=(summary or "").strip(),
        created_by=_actor(request),
    )
    Pact.objects.create(plan=plan, **pact.__dict__)
    _event(
        request,
        plan,
        "plan.created",
        {
            "number": number,
            "pact_type": pact.pact_type,
            "package": package.pk if package else None,
            "replaces": current.pk if current else None,
        },
    )
    return plan


@transaction.atomic
def plan_update(
    *,
    request: HttpRequest,
    plan: Plan,
    version: int,
    pact: PactData,
    summary: str,
    package: AssistancePackage | None,
) -> Plan:
    _require_editor(request, plan.case)
    plan = _lock(plan, version)
    errors = Errors()
    _require_editable(errors, plan)
    pact = _check_pact(errors, pact, plan.case)
    _check_package(errors, package, plan.case)
    errors.raise_any()
    Pact.objects.filter(plan=plan).update(**pact.__dict__, updated_at=timezone.now())
    package_changed = plan.package_id != (package.pk if package else None)
    plan.summary = (summary or "").strip()
    plan.package = package
    _bump(plan, "summary", "package")
    if package_changed:
        refresh_deviations(plan=plan)
    _event(request, plan, "plan.updated", {"pact_type": pact.pact_type, "package": package.pk if package else None})
    return plan


# --- goals ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class GoalData:
    text: str
    indicator: str
    due_on: datetime.date | None
    target: str = ""
    section: str = Section.COMMON


def _check_goal(errors: Errors, request: HttpRequest, plan: Plan, data: GoalData) -> GoalData:
    text = (data.text or "").strip()
    indicator = clean_text(data.indicator)
    if not text:
        errors.add("text", _("Write the goal."))
    if not indicator:
        errors.add("indicator", _("Say how the goal will be measured: write its indicator."))
    if data.due_on is None:
        errors.add("due_on", _("Give the goal a due date."))
    elif data.due_on < plan.case.taken_in_charge_on:
        errors.add("due_on", _("A goal cannot be due before the case was taken in charge."))
    if data.section not in permissions.readable_sections(request, plan.case):
        errors.add("section", _("Choose a section you may write in."))
    return GoalData(
        text=text, indicator=indicator, due_on=data.due_on, target=clean_text(data.target), section=data.section
    )


@transaction.atomic
def goal_add(*, request: HttpRequest, plan: Plan, version: int, data: GoalData) -> Goal:
    _require_editor(request, plan.case)
    plan = _lock(plan, version)
    errors = Errors()
    _require_editable(errors, plan)
    data = _check_goal(errors, request, plan, data)
    errors.raise_any()
    goal = Goal.objects.create(plan=plan, **data.__dict__)
    _bump(plan)
    _event(request, plan, "goal.added", {"goal": goal.pk, "section": goal.section})
    return goal


@transaction.atomic
def goal_update(*, request: HttpRequest, plan: Plan, version: int, goal: Goal, data: GoalData) -> Goal:
    _require_editor(request, plan.case)
    plan = _lock(plan, version)
    errors = Errors()
    _require_editable(errors, plan)
    if goal.plan_id != plan.pk:
        errors.add("__all__", _("This goal is not part of the plan."))
    data = _check_goal(errors, request, plan, data)
    errors.raise_any()
    for name, value in data.__dict__.items():
        setattr(goal, name, value)
    goal.save()
    _bump(plan)
    _event(request, plan, "goal.updated", {"goal": goal.pk, "section": goal.section})
    return goal


@transaction.atomic
def goal_remove(*, request: HttpRequest, plan: Plan, version: int, goal: Goal) -> Plan:
    _require_editor(request, plan.case)
    plan = _lock(plan, version)
    errors = Errors()
    _require_editable(errors, plan)
    if goal.plan_id != plan.pk:
        errors.add("__all__", _("This goal is not part of the plan."))
    errors.raise_any()
    pk = goal.pk
    goal.delete()
    _bump(plan)
    _event(request, plan, "goal.removed", {"goal": pk})
    return plan


# --- commitments ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class CommitmentData:
    owner: str
    text: str
    structure: Structure | None = None
    due_on: datetime.date | None = None
    section: str = Section.COMMON


def team_structure_ids(case: Case) -> set[int]:
    return set(case.members.filter(left_on__isnull=True).values_list("structure_id", flat=True))


def _check_commitment(errors: Errors, request: HttpRequest, plan: Plan, data: CommitmentData) -> CommitmentData:
    text = (data.text or "").strip()
    structure = data.structure
    if not text:
        errors.add("text", _("Write the commitment."))
    if data.owner == Owner.PERSON:
        structure = None
    elif data.owner == Owner.SERVICE:
        if structure is None:
            errors.add("structure", _("Choose the service that takes on this commitment."))
        elif structure.pk not in team_structure_ids(plan.case):
            errors.add("structure", _("Only a service represented in the team can take on a commitment."))
    else:
        errors.add("owner", _("Every commitment has an owner: the person or a service of the team."))
    if data.due_on is not None and data.due_on < plan.case.taken_in_charge_on:
        errors.add("due_on", _("A commitment cannot be due before the case was taken in charge."))
    if data.section not in permissions.readable_sections(request, plan.case):
        errors.add("section", _("Choose a section you may write in."))
    return CommitmentData(owner=data.owner, text=text, structure=structure, due_on=data.due_on, section=data.section)


@transaction.atomic
def commitment_add(*, request: HttpRequest, plan: Plan, version: int, data: CommitmentData) -> Commitment:
    _require_editor(request, plan.case)
    plan = _lock(plan, version)
    errors = Errors()
    _require_editable(errors, plan)
    data = _check_commitment(errors, request, plan, data)
    errors.raise_any()
    commitment = Commitment.objects.create(plan=plan, **data.__dict__)
    _bump(plan)
    _event(request, plan, "commitment.added", {"commitment": commitment.pk, "owner": data.owner})
    return commitment


@transaction.atomic
def commitment_update(
    *, request: HttpRequest, plan: Plan, version: int, commitment: Commitment, data: CommitmentData
) -> Commitment:
    _require_editor(request, plan.case)
    plan = _lock(plan, version)
    errors = Errors()
    _require_editable(errors, plan)
    if commitment.plan_id != plan.pk:
        errors.add("__all__", _("This commitment is not part of the plan."))
    data = _check_commitment(errors, request, plan, data)
    errors.raise_any()
    for name, value in data.__dict__.items():
        setattr(commitment, name, value)
    commitment.save()
    _bump(plan)
    _event(request, plan, "commitment.updated", {"commitment": commitment.pk, "owner": data.owner})
    return commitment


@transaction.atomic
def commitment_remove(*, request: HttpRequest, plan: Plan, version: int, commitment: Commitment) -> Plan:
    _require_editor(request, plan.case)
    plan = _lock(plan, version)
    errors = Errors()
    _require_editable(errors, plan)
    if commitment.plan_id != plan.pk:
        errors.add("__all__", _("This commitment is not part of the plan."))
    errors.raise_any()
    pk = commitment.pk
    commitment.delete()
    _bump(plan)
    _event(request, plan, "commitment.removed", {"commitment": pk})
    return plan


# --- interventions and the package ----------------------------------------------------------------


@dataclass(frozen=True)
class InterventionData:
    service: Service | None
    provider: Organisation | None
    quantity: Decimal | None
    basis: str = QuantityBasis.TOTAL
    months: int = MONTHS_PER_YEAR
    starts_on: datetime.date | None = None
    ends_on: datetime.date | None = None


def _household_of(case: Case) -> Household | None:
    """The case's household, or the person's current one: the unit whose income measures count."""
    if case.household_id is not None:
        return case.household
    if case.person_id is None:
        return None
    member = (
        HouseholdMember.objects.filter(person_id=case.person_id, date_out__isnull=True)
        .select_related("household")
        .first()
    )
    return member.household if member is not None else None


def _check_intervention(errors: Errors, plan: Plan, data: InterventionData) -> None:
    service = data.service
    if service is None or service.ambito_id != plan.case.ambito_id or not service.is_active:
        errors.add("service", _("Choose an active service of the ambito's catalogue."))
    elif data.provider is None or not service.providers.filter(pk=data.provider.pk).exists():
        errors.add("provider", _("Choose one of the providers of “%(service)s”.") % {"service": service.name})
    if service is not None and service.is_economic_assistance:
        household = _household_of(plan.case)
        eligibility = economic_assistance_eligibility(household) if household is not None else None
        if eligibility is not None and not eligibility.ok:
            errors.add("service", eligibility.reason)
    if data.quantity is None or data.quantity <= 0:
        errors.add("quantity", _("The quantity must be more than zero."))
    if data.basis not in QuantityBasis.values:
        errors.add("basis", _("Say whether the quantity is per month or in total."))
    if not 1 <= data.months <= MONTHS_PER_YEAR:
        errors.add("months", _("A plan covers from 1 to 12 months."))
    if data.starts_on and data.starts_on < plan.case.accessed_on:
        errors.add("starts_on", _("An intervention cannot start before the person's first access."))
    if data.starts_on and data.ends_on and data.ends_on < data.starts_on:
        errors.add("ends_on", _("The end comes before the start."))


def _intervention_values(data: InterventionData) -> dict[str, Any]:
    assert data.service is not None and data.quantity is not None
    return {
        "service": data.service,
        "provider": data.provider,
        "section": section_of_service(data.service),
        "quantity": data.quantity,
        "basis": data.basis,
        "months": data.months,
        "unit_cost": data.service.unit_cost,
        "amount": intervention_amount(
            quantity=data.quantity, basis=data.basis, months=data.months, unit_cost=data.service.unit_cost
        ),
        "starts_on": data.starts_on,
        "ends_on": data.ends_on,
    }


def quantity_on_basis(intervention: PlannedIntervention, basis: str) -> Decimal:
    """The planned quantity read on a package item's basis (per month over the year, or in total)."""
    if intervention.basis == basis:
        return intervention.quantity
    if basis == QuantityBasis.TOTAL:
        return intervention.quantity * intervention.months
    return (intervention.quantity / MONTHS_PER_YEAR).quantize(Decimal("0.01"))


def planned_lines(
    *, package: AssistancePackage, interventions: list[PlannedIntervention]
) -> list[tuple[Service, Decimal, Decimal]]:
    """The plan's interventions as ``package_compare`` reads them (service, quantity, yearly amount)."""
    bases = {item.service_id: item.basis for item in package.items.all()}
    return [(iv.service, quantity_on_basis(iv, bases.get(iv.service_id, iv.basis)), iv.amount) for iv in interventions]


def refresh_deviations(*, plan: Plan) -> list[Deviation]:
    """Bring the plan's deviations in line with its interventions, keeping the reasons already given."""
    if plan.package_id is None:
        plan.deviations.all().delete()
        return []
    package = AssistancePackage.objects.prefetch_related("items__service").get(pk=plan.package_id)
    interventions = list(plan.interventions.select_related("service"))
    comparison = package_compare(package=package, planned=planned_lines(package=package, interventions=interventions))
    existing = {(d.kind, d.service_id): d for d in plan.deviations.all()}
    kept: list[Deviation] = []
    for found in comparison.deviations:
        key = (found.kind.value, found.service.pk if found.service else None)
        deviation = existing.pop(key, None)
        if deviation is None:
            deviation = Deviation.objects.create(
                plan=plan, kind=key[0], service=found.service, description=found.message[:400]
            )
        elif deviation.description != found.message[:400]:
            deviation.description = found.message[:400]
            deviation.save(update_fields=["description", "updated_at"])
        kept.append(deviation)
    Deviation.objects.filter(pk__in=[d.pk for d in existing.values()]).delete()
    return kept


@transaction.atomic
def intervention_add(*, request: HttpRequest, plan: Plan, version: int, data: InterventionData) -> PlannedIntervention:
    _require_editor(request, plan.case)
    plan = _lock(plan, version)
    errors = Errors()
    _require_editable(errors, plan)
    _check_intervention(errors, plan, data)
    errors.raise_any()
    intervention = PlannedIntervention.objects.create(plan=plan, **_intervention_values(data))
    _bump(plan)
    refresh_deviations(plan=plan)
    _event(
        request,
        plan,
        "intervention.added",
        {"intervention": intervention.pk, "service": intervention.service_id, "section": intervention.section},
    )
    return intervention


@transaction.atomic
def intervention_update(
    *, request: HttpRequest, plan: Plan, version: int, intervention: PlannedIntervention, data: InterventionData
) -> PlannedIntervention:
    _require_editor(request, plan.case)
    plan = _lock(plan, version)
    errors = Errors()
    _require_editable(errors, plan)
    if intervention.plan_id != plan.pk:
        errors.add("__all__", _("This intervention is not part of the plan."))
    _check_intervention(errors, plan, data)
    errors.raise_any()
    for name, value in _intervention_values(data).items():
        setattr(intervention, name, value)
    intervention.save()
    _bump(plan)
    refresh_deviations(plan=plan)
    _event(request, plan, "intervention.updated", {"intervention": intervention.pk, "section": intervention.section})
    return intervention


@transaction.atomic
def intervention_remove(*, request: HttpRequest, plan: Plan, version: int, intervention: PlannedIntervention) -> Plan:
    _require_editor(request, plan.case)
    plan = _lock(plan, version)
    errors = Errors()
    _require_editable(errors, plan)
    if intervention.plan_id != plan.pk:
        errors.add("__all__", _("This intervention is not part of the plan."))
    errors.raise_any()
    pk, section = intervention.pk, intervention.section
    intervention.delete()
    _bump(plan)
    refresh_deviations(plan=plan)
    _event(request, plan, "intervention.removed", {"intervention": pk, "section": section})
    return plan


@transaction.atomic
def deviation_explain(
    *, request: HttpRequest, plan: Plan, version: int, deviation: Deviation, reason: str
) -> Deviation:
    """The case manager says why the plan departs from its package (the group reads it)."""
    _require_editor(request, plan.case)
    plan = _lock(plan, version)
    errors = Errors()
    _require_editable(errors, plan)
    if deviation.plan_id != plan.pk:
        errors.add("__all__", _("This deviation is not part of the plan."))
    text = _reason(errors, "reason", reason)
    errors.raise_any()
    deviation.reason = text
    deviation.save(update_fields=["reason", "updated_at"])
    _bump(plan)
    _event(request, plan, "deviation.explained", {"deviation": deviation.pk, "kind": deviation.kind})
    return deviation


@transaction.atomic
def intervention_start(
    *, request: HttpRequest, plan: Plan, version: int, intervention: PlannedIntervention, started_on: datetime.date
) -> PlannedIntervention:
    """The intervention has started: the case's first intervention date follows (004:2848)."""
    _require_editor(request, plan.case)
    plan = _lock(plan, version)
    errors = Errors()
    if plan.status != PlanStatus.VALIDATED:
        errors.add("__all__", _("Interventions start once the coordination group has validated the project."))
    if intervention.plan_id != plan.pk:
        errors.add("__all__", _("This intervention is not part of the plan."))
    if started_on > timezone.localdate():
        errors.add("started_on", _("The start date cannot be in the future."))
    elif started_on < plan.case.taken_in_charge_on:
        errors.add("started_on", _("An intervention cannot start before the case was taken in charge."))
    errors.raise_any()
    intervention.started_on = started_on
    intervention.save(update_fields=["started_on", "updated_at"])
    _bump(plan)
    case_services.case_record_first_intervention(case=plan.case, on=started_on)
    _event(request, plan, "intervention.started", {"intervention": intervention.pk, "started_on": started_on})
    return intervention


# --- submission and the coordination group's decision ----------------------------------------------


def submission_problems(plan: Plan) -> Errors:
    """What keeps a plan from going to the coordination group, by field."""
    errors = Errors()
    if not plan.goals.exists():
        errors.add("goals", _("A pact without goals cannot be submitted: add at least one goal."))
    team = team_structure_ids(plan.case)
    for commitment in plan.commitments.select_related("structure"):
        if commitment.owner == Owner.SERVICE and commitment.structure_id not in team:
            errors.add(
                "commitments",
                _(
                    "The commitment “%(text)s” has no owner in the team any more: "
                    "give it to the person or to a service of the team."
                )
                % {"text": commitment.text[:60]},
            )
    deviations = refresh_deviations(plan=plan)
    unexplained = [d for d in deviations if not d.is_explained]
    if unexplained:
        errors.add(
            "deviations",
            _("%(count)d deviations from the package have no reason: explain each one.") % {"count": len(unexplained)},
        )
    pact = Pact.objects.filter(plan=plan).first()
    if pact is None:
        errors.add("pact_type", _("Choose the type of pact."))
    return errors


@transaction.atomic
def plan_submit(*, request: HttpRequest, plan: Plan, version: int) -> Plan:
    """The case manager sends the project to the coordination group; the case is "project drafted"."""
    _require_editor(request, plan.case)
    plan = _lock(plan, version)
    errors = submission_problems(plan)
    _require_editable(errors, plan)
    errors.raise_any()
    case = plan.case
    if case.status != CaseStatus.PROJECT_DRAFTED:
        # A project sent back keeps its case "drafted": no move then.
        case = case_services.case_mark_project_drafted(request=request, case=case, version=case.version)
    plan.status = PlanStatus.SUBMITTED
    plan.submitted_on = timezone.localdate()
    _bump(plan, "status", "submitted_on")
    _event(request, plan, "plan.submitted", {"deviations": plan.deviations.count()})
    return plan


@transaction.atomic
def plan_validate(*, request: HttpRequest, plan: Plan, version: int, note: str = "") -> Plan:
    """The coordination group validates: equal need, equal offer (001:107)."""
    if not permissions.can_validate(request, plan.case):
        raise PermissionDenied
    plan = _lock(plan, version)
    errors = Errors()
    if plan.status != PlanStatus.SUBMITTED:
        errors.add(
            "__all__",
            _("Only a submitted project can be validated; this one is “%(status)s”.")
            % {"status": PlanStatus(plan.status).label},
        )
    elif plan.deviations.filter(reason="").exists():
        errors.add("deviations", _("Some deviations from the package have no reason: send the project back."))
    errors.raise_any()
    today = timezone.localdate()
    Validation.objects.create(
        plan=plan,
        decided_by=_actor(request),
        decided_on=today,
        outcome=ValidationOutcome.VALIDATED,
        note=(note or "").strip(),
    )
    case = plan.case
    case_services.case_mark_project_validated(request=request, case=case, version=case.version)
    plan.status = PlanStatus.VALIDATED
    plan.validated_on = today
    _bump(plan, "status", "validated_on")
    _event(request, plan, "plan.validated")
    return plan


@transaction.atomic
def plan_send_back(*, request: HttpRequest, plan: Plan, version: int, reason: str) -> Plan:
    if not permissions.can_validate(request, plan.case):
        raise PermissionDenied
    plan = _lock(plan, version)
    errors = Errors()
    text = _reason(errors, "reason", reason)
    if plan.status != PlanStatus.SUBMITTED:
        errors.add(
            "__all__",
            _("Only a submitted project can be sent back; this one is “%(status)s”.")
            % {"status": PlanStatus(plan.status).label},
        )
    errors.raise_any()
    Validation.objects.create(
        plan=plan,
        decided_by=_actor(request),
        decided_on=timezone.localdate(),
        outcome=ValidationOutcome.SENT_BACK,
        note=text,
    )
    case = plan.case
    case_services.case_send_back_project(request=request, case=case, version=case.version, reason=text)
    plan.status = PlanStatus.SENT_BACK
    _bump(plan, "status")
    _event(request, plan, "plan.sent_back")
    return plan


# --- monitoring -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class CheckInData:
    held_on: datetime.date | None
    outcome: str
    realised_percent: int | None = None  # None: take the computed one
    percent_reason: str = ""
    goal_statuses: dict[int, str] | None = None
    commitments_done: dict[int, datetime.date | None] | None = None


@transaction.atomic
def checkin_record(*, request: HttpRequest, plan: Plan, version: int, data: CheckInData) -> CheckIn:
    """A monitoring check-in: goals and commitments brought up to date, the share realised, the next date.

    The percentage is computed from the goals and commitments; the case manager may correct it
    with a reason. For a patto gener-attivo, below 70 % is flagged (target 70-75 %, 003:561).
    """
    _require_editor(request, plan.case)
    plan = _lock(plan, version)
    case = plan.case
    errors = Errors()
    today = timezone.localdate()
    if plan.status != PlanStatus.VALIDATED:
        errors.add(
            "__all__",
            _("Check-ins follow a validated project; this one is “%(status)s”.")
            % {"status": PlanStatus(plan.status).label},
        )
    if data.held_on is None:
        errors.add("held_on", _("Give the date of the check-in."))
    elif data.held_on < case.taken_in_charge_on:
        errors.add(
            "held_on",
            _("A check-in cannot be dated before the case was taken in charge (%(date)s).")
            % {"date": _date_text(case.taken_in_charge_on)},
        )
    elif data.held_on > today:
        errors.add("held_on", _("A check-in cannot be dated in the future."))
    outcome = (data.outcome or "").strip()
    if not outcome:
        errors.add("outcome", _("Write the outcome of the check-in."))
    goals = {g.pk: g for g in plan.goals.all()}
    commitments = {c.pk: c for c in plan.commitments.all()}
    for pk, status in (data.goal_statuses or {}).items():
        if pk not in goals or status not in GoalStatus.values:
            errors.add("goals", _("Choose the status of each goal from the list."))
            break
        goals[pk].status = status
    for pk, done_on in (data.commitments_done or {}).items():
        if pk not in commitments:
            errors.add("commitments", _("A commitment of another plan was sent."))
            break
        if done_on is not None and (done_on > today or done_on < case.taken_in_charge_on):
            errors.add("commitments", _("A commitment's date must fall between taking in charge and today."))
            break
        commitments[pk].done_on = done_on
    computed = realised_percent(list(goals.values()), list(commitments.values()))
    percent = computed if data.realised_percent is None else data.realised_percent
    reason = ""
    if not 0 <= percent <= 100:
        errors.add("realised_percent", _("The percentage goes from 0 to 100."))
    elif percent != computed:
        reason = _reason(errors, "percent_reason", data.percent_reason)
    errors.raise_any()
    assert data.held_on is not None
    for pk in data.goal_statuses or {}:
        goals[pk].save(update_fields=["status", "updated_at"])
    for pk in data.commitments_done or {}:
        commitments[pk].save(update_fields=["done_on", "updated_at"])
    pact = Pact.objects.get(plan=plan)
    checkin = CheckIn.objects.create(
        plan=plan,
        case=case,
        held_on=data.held_on,
        computed_percent=computed,
        realised_percent=percent,
        percent_reason=reason,
        below_target=pact.is_generative and percent < GENERATIVE_TARGET_PERCENT,
        outcome=outcome,
        next_due_on=next_due(data.held_on, case.review_every_days),
        recorded_by=_actor(request),
    )
    _bump(plan)
    _event(
        request,
        plan,
        "checkin.recorded",
        {"checkin": checkin.pk, "percent": percent, "computed": computed, "below_target": checkin.below_target},
    )
    return checkin


# --- reminders ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RemindersSent:
    emails: int
    cases: int


@transaction.atomic
def checkin_reminders_send(*, today: datetime.date) -> RemindersSent:
    """One e-mail per case manager listing their due or overdue check-ins not yet reminded today.

    The e-mail names case numbers and dates only: it may travel outside the platform.
    """
    from intreccio.plans.selectors import due_for_reminders  # selectors import services: late to avoid a cycle

    emails = cases = 0
    for manager_id, rows in due_for_reminders(today=today).items():
        manager = rows[0].case.case_manager
        already = set(
            CheckInReminder.objects.filter(operator_id=manager_id, sent_on=today).values_list("case_id", flat=True)
        )
        fresh = [row for row in rows if row.case.pk not in already]
        if not fresh or not manager.email or not manager.is_active:
            continue
        CheckInReminder.objects.bulk_create(
            [CheckInReminder(case=row.case, operator=manager, due_on=row.due_on, sent_on=today) for row in fresh]
        )
        lines = []
        for row in fresh:
            late = (today - row.due_on).days
            if late > 0:
                lines.append(
                    _("- case %(number)s: check-in overdue by %(days)d days (due %(date)s)")
                    % {"number": row.case.number, "days": late, "date": _date_text(row.due_on)}
                )
            else:
                lines.append(
                    _("- case %(number)s: check-in due by %(date)s")
                    % {"number": row.case.number, "date": _date_text(row.due_on)}
                )
        subject = _("Intreccio: %(count)d check-ins of pacts due") % {"count": len(fresh)}
        body = "\n".join(
            [_("These pacts need their check-in (at least every 90 days, or as the case says):"), "", *lines, ""]
        )
        transaction.on_commit(partial(send_mail, subject, body, None, [manager.email], fail_silently=False))
        emails += 1
        cases += len(fresh)
    return RemindersSent(emails=emails, cases=cases)
