"""Reads of personalised projects, scoped through the case (404 unless visible) and audited.

Every page goes through ``case_get_for_user`` (which records the read of the case) and shows only
the goals, commitments and interventions of sections the reader may read. The validation page
also reads the most similar validated cases of the ambito ("equal need, equal offer", 001:107):
case numbers and what they received, never names, each read recorded.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TypeVar

from django.db.models import Prefetch, QuerySet
from django.http import Http404, HttpRequest
from django.utils import timezone

from intreccio.accounts.models import Operator, Structure
from intreccio.assessments.selectors import CaseProfile, case_profiles_for
from intreccio.audit.services import record_access, record_access_many
from intreccio.cases import permissions as case_permissions
from intreccio.cases.models import OPEN_STATES, Case, CaseMember, Section
from intreccio.cases.selectors import case_get_for_user
from intreccio.catalogue.compare import PackageComparison
from intreccio.catalogue.models import AssistancePackage, PackageItem, Service
from intreccio.catalogue.selectors import package_compare
from intreccio.plans import permissions
from intreccio.plans.models import (
    CheckIn,
    Commitment,
    Deviation,
    Goal,
    Pact,
    Plan,
    PlannedIntervention,
    PlanStatus,
    Validation,
    ValidationOutcome,
    realised_percent,
    section_of_service,
)
from intreccio.plans.routing import Routing, RoutingProfile, suggest_paths
from intreccio.plans.services import default_package, planned_lines

# How far ahead a check-in counts as "due" on the case manager's list and in reminders.
DUE_WITHIN_DAYS = 7
SIMILAR_LIMIT = 5
# The newest validated plans of the ambito looked at for similar cases: enough to find close
# profiles, bounded so the page costs the same in a large ambito.
SIMILAR_CANDIDATES = 500


def _actor(request: HttpRequest) -> Operator:
    return request.user  # type: ignore[return-value]


def current_plan(case: Case) -> Plan | None:
    return (
        Plan.objects.filter(case=case)
        .exclude(status=PlanStatus.SUPERSEDED)
        .select_related("pact", "package", "created_by")
        .first()
    )


def _record_sections(request: HttpRequest, case: Case, sections: set[str], purpose: str) -> None:
    """One access record per sensitive section shown (the case itself is recorded on fetch)."""
    for section in sorted(sections - {Section.COMMON}):
        record_access(actor=_actor(request), obj=case, request=request, section=section, purpose=purpose)


@dataclass
class PlanContent:
    """What of a plan one reader may see."""

    goals: list[Goal]
    commitments: list[Commitment]
    interventions: list[PlannedIntervention]
    sections_shown: set[str]
    total: Decimal  # every intervention: the budget is validated as a whole
    visible_total: Decimal
    hidden_lines: int = 0

    @property
    def person_commitments(self) -> list[Commitment]:
        return [c for c in self.commitments if c.owner == "person"]

    @property
    def service_commitments(self) -> list[Commitment]:
        return [c for c in self.commitments if c.owner == "service"]


def _content(plan: Plan, allowed: frozenset[str]) -> PlanContent:
    goals = [g for g in plan.goals.all() if g.section in allowed]
    commitments = [
        c
        for c in plan.commitments.select_related("structure__organisation").order_by("owner", "pk")
        if c.section in allowed
    ]
    all_interventions = list(plan.interventions.select_related("service", "provider").order_by("pk"))
    interventions = [i for i in all_interventions if i.section in allowed]
    shown = {g.section for g in goals} | {c.section for c in commitments} | {i.section for i in interventions}
    return PlanContent(
        goals=goals,
        commitments=commitments,
        interventions=interventions,
        sections_shown=shown,
        total=sum((i.amount for i in all_interventions), Decimal(0)),
        visible_total=sum((i.amount for i in interventions), Decimal(0)),
        hidden_lines=len(all_interventions) - len(interventions),
    )


def _package_with_items(plan: Plan) -> AssistancePackage | None:
    if plan.package_id is None:
        return None
    return (
        AssistancePackage.objects.filter(pk=plan.package_id)
        .prefetch_related(Prefetch("items", queryset=PackageItem.objects.select_related("service")))
        .first()
    )


def _comparison(plan: Plan, package: AssistancePackage | None) -> PackageComparison | None:
    if package is None:
        return None
    interventions = list(plan.interventions.select_related("service"))
    return package_compare(package=package, planned=planned_lines(package=package, interventions=interventions))


@dataclass(frozen=True)
class DeviationView:
    deviation: Deviation
    visible: bool  # False: about a service of a section the reader may not read


def _deviation_views(plan: Plan, allowed: frozenset[str]) -> list[DeviationView]:
    return [
        DeviationView(d, d.service is None or section_of_service(d.service) in allowed)
        for d in plan.deviations.select_related("service").order_by("pk")
    ]


# --- the panel on the case page --------------------------------------------------------------------


@dataclass
class CasePanel:
    case: Case
    plan: Plan | None
    pact: Pact | None
    content: PlanContent | None
    last_checkin: CheckIn | None
    next_due: datetime.date | None
    can_create: bool
    can_edit: bool
    can_validate: bool
    can_print: bool
    can_check_in: bool

    @property
    def days_overdue(self) -> int:
        if self.next_due is None:
            return 0
        return max((timezone.localdate() - self.next_due).days, 0)


def next_checkin_due(plan: Plan, last: CheckIn | None, every_days: int) -> datetime.date | None:
    """When the pact's next check-in is due: after the last one, or after the validation."""
    if plan.status != PlanStatus.VALIDATED:
        return None
    if last is not None:
        return last.next_due_on
    if plan.validated_on is None:
        return None
    return plan.validated_on + datetime.timedelta(days=every_days)


def case_panel(*, request: HttpRequest, case_pk: int) -> CasePanel:
    case = case_get_for_user(request=request, pk=case_pk, purpose="plans")
    plan = current_plan(case)
    allowed = permissions.readable_sections(request, case)
    content = _content(plan, allowed) if plan else None
    last = CheckIn.objects.filter(case=case).order_by("-held_on", "-pk").first()
    if content:
        _record_sections(request, case, content.sections_shown, "plans")
    editable = permissions.can_edit(request, case)
    return CasePanel(
        case=case,
        plan=plan,
        pact=getattr(plan, "pact", None) if plan else None,
        content=content,
        last_checkin=last,
        next_due=next_checkin_due(plan, last, case.review_every_days) if plan else None,
        can_create=editable
        and case.status in permissions.PLANNABLE_STATES
        and (plan is None or plan.status == PlanStatus.VALIDATED),
        can_edit=editable and plan is not None and plan.is_editable,
        can_validate=plan is not None
        and plan.status == PlanStatus.SUBMITTED
        and permissions.can_validate(request, case),
        can_print=plan is not None and permissions.can_print(request, case),
        can_check_in=editable and plan is not None and plan.status == PlanStatus.VALIDATED,
    )


def case_for_new_plan(*, request: HttpRequest, case_pk: int) -> tuple[Case, Routing, list[AssistancePackage]]:
    """The case, its routing and the packages to choose from, for the case manager only (404 otherwise)."""
    case = case_get_for_user(request=request, pk=case_pk, purpose="plan_create")
    if not permissions.can_edit(request, case):
        raise Http404
    return case, routing_for(request=request, case=case), package_choices(case)


def package_choices(case: Case) -> list[AssistancePackage]:
    return list(AssistancePackage.objects.filter(ambito_id=case.ambito_id, status="approved").order_by("code"))


def routing_for(*, request: HttpRequest, case: Case) -> Routing:
    """The paths suggested for the case from what the reader may know of its assessments."""
    profile = case_profiles_for(request=request, case_ids=[case.pk]).get(case.pk)
    return suggest_paths(RoutingProfile(profile.employability_class, profile.path) if profile else None)


def default_package_for(*, request: HttpRequest, case: Case) -> AssistancePackage | None:
    """The package that fits the case's profile as the reader may know it (nothing blacked out for them)."""
    return default_package(case, profile=case_profiles_for(request=request, case_ids=[case.pk]).get(case.pk))


# --- one plan ----------------------------------------------------------------------------------------


def plan_get_for_user(*, request: HttpRequest, pk: int, purpose: str) -> Plan:
    """The plan if its case is visible (404 otherwise), with the read of the case recorded."""
    plan = Plan.objects.filter(pk=pk).only("pk", "case_id").first()
    if plan is None:
        raise Http404
    case = case_get_for_user(request=request, pk=plan.case_id, purpose=purpose)
    found = Plan.objects.select_related("pact", "package", "created_by").get(pk=pk)
    found.case = case
    return found


@dataclass(frozen=True)
class ServiceChoice:
    service: Service
    suggestions: list[str]
    discouraged: bool  # a work-path service for a person without a work path


@dataclass
class PlanEditor:
    plan: Plan
    pact: Pact
    content: PlanContent
    deviations: list[DeviationView]
    comparison: PackageComparison | None
    routing: Routing
    services: list[ServiceChoice]
    team_structures: list[Structure]
    packages: list[AssistancePackage]
    allowed_sections: list[str]
    can_edit: bool
    can_submit: bool
    can_check_in: bool
    decisions: list[Validation] = field(default_factory=list)
    checkins: list[CheckIn] = field(default_factory=list)


def _service_choices(case: Case, routing: Routing) -> list[ServiceChoice]:
    services = Service.objects.filter(ambito_id=case.ambito_id, is_active=True).prefetch_related("providers")
    choices = [
        ServiceChoice(
            service=s,
            suggestions=[x.label for x in routing.suggested(s)],
            discouraged=routing.excludes_work_path and s.is_work_path,
        )
        for s in services.order_by("area", "name", "pk")
    ]
    # Suggested first, then the rest in catalogue order; what a person without a work path is not offered, last.
    return sorted(choices, key=lambda c: (c.discouraged, not c.suggestions))


def team_structures(case: Case) -> list[Structure]:
    ids = CaseMember.objects.filter(case=case, left_on__isnull=True).values_list("structure_id", flat=True)
    return list(
        Structure.objects.filter(pk__in=ids).select_related("organisation").order_by("organisation__name", "name")
    )


def plan_editor(*, request: HttpRequest, pk: int) -> PlanEditor:
    plan = plan_get_for_user(request=request, pk=pk, purpose="plan_edit")
    case = plan.case
    allowed = permissions.readable_sections(request, case)
    content = _content(plan, allowed)
    _record_sections(request, case, content.sections_shown, "plan_edit")
    package = _package_with_items(plan)
    routing = routing_for(request=request, case=case)
    editable = permissions.can_edit(request, case) and plan.is_editable
    return PlanEditor(
        plan=plan,
        pact=plan.pact,
        content=content,
        deviations=_deviation_views(plan, allowed),
        comparison=_comparison(plan, package),
        routing=routing,
        services=_service_choices(case, routing) if editable else [],
        team_structures=team_structures(case) if editable else [],
        packages=package_choices(case) if editable else [],
        allowed_sections=[s for s in Section.values if s in allowed],
        can_edit=editable,
        can_submit=editable,
        can_check_in=plan.status == PlanStatus.VALIDATED and permissions.can_edit(request, case),
        decisions=list(plan.validations.select_related("decided_by").order_by("-decided_on", "-pk")),
        checkins=list(plan.checkins.order_by("-held_on", "-pk")),
    )


def plan_for_edit(*, request: HttpRequest, pk: int) -> Plan:
    """The plan for a write by its case manager; 404 for anyone else."""
    plan = plan_get_for_user(request=request, pk=pk, purpose="plan_edit")
    if not permissions.can_edit(request, plan.case):
        raise Http404
    return plan


PlanItem = TypeVar("PlanItem", Goal, Commitment, PlannedIntervention, Deviation)


def plan_item(plan: Plan, model: type[PlanItem], pk: int) -> PlanItem:
    """One goal, commitment, intervention or deviation of ``plan``; 404 for another plan's."""
    item = model._default_manager.filter(plan=plan, pk=pk).first()
    if item is None:
        raise Http404
    return item


# --- validation: the package and the most similar validated cases ------------------------------------


@dataclass(frozen=True)
class SimilarLine:
    service: Service
    provider_name: str
    quantity: Decimal
    basis: str
    amount: Decimal


@dataclass(frozen=True)
class SimilarCase:
    number: str
    employability_class: str
    distance: int
    compared_dimensions: int
    lines: list[SimilarLine]
    total: Decimal
    hidden_lines: int  # lines of sections the reader may not read: counted in the total only
    package_code: str


def _distance(mine: CaseProfile, theirs: CaseProfile, allowed: frozenset[str]) -> tuple[int, int]:
    """Sum of the differences of need levels on the dimensions both have and the reader may see."""
    keys = [
        k
        for k in mine.levels
        if k in theirs.levels
        and mine.level_sections.get(k, Section.COMMON) in allowed
        and theirs.level_sections.get(k, Section.COMMON) in allowed
    ]
    return sum(abs(mine.levels[k] - theirs.levels[k]) for k in keys), len(keys)


def similar_cases(*, request: HttpRequest, case: Case, limit: int = SIMILAR_LIMIT) -> list[SimilarCase]:
    """The validated cases of the ambito closest to ``case`` by assessment profile: the same
    employability class, then the need levels the reader may see, nearest first."""
    allowed = permissions.readable_sections(request, case)
    mine = case_profiles_for(request=request, case_ids=[case.pk]).get(case.pk)
    if mine is None or not mine.employability_class:
        return []
    candidates = list(
        Plan.objects.filter(case__ambito_id=case.ambito_id, status=PlanStatus.VALIDATED)
        .exclude(case_id=case.pk)
        .order_by("-validated_on", "-pk")
        .values_list("pk", "case_id")[:SIMILAR_CANDIDATES]
    )
    # What is blacked out for the reader neither ranks a case nor shows: their profiles are computed without it.
    profiles = case_profiles_for(request=request, case_ids=[case_id for _pk, case_id in candidates])
    scored = []
    for plan_pk, case_id in candidates:
        theirs = profiles.get(case_id)
        if theirs is None or theirs.employability_class != mine.employability_class:
            continue
        distance, compared = _distance(mine, theirs, allowed)
        scored.append((distance, -compared, plan_pk, theirs))
    scored.sort(key=lambda row: (row[0], row[1], -row[2]))
    chosen = scored[:limit]
    if not chosen:
        return []
    plans = {
        p.pk: p
        for p in Plan.objects.filter(pk__in=[row[2] for row in chosen])
        .select_related("case", "package")
        .prefetch_related(
            Prefetch("interventions", queryset=PlannedIntervention.objects.select_related("service", "provider"))
        )
    }
    result = []
    for distance, compared, plan_pk, theirs in chosen:
        plan = plans[plan_pk]
        interventions = list(plan.interventions.all())
        visible = [i for i in interventions if i.section in allowed]
        result.append(
            SimilarCase(
                number=plan.case.number or "",
                employability_class=theirs.employability_class,
                distance=distance,
                compared_dimensions=-compared,
                lines=[SimilarLine(i.service, i.provider.name, i.quantity, i.basis, i.amount) for i in visible],
                total=sum((i.amount for i in interventions), Decimal(0)),
                hidden_lines=len(interventions) - len(visible),
                package_code=plan.package.code if plan.package else "",
            )
        )
    record_access_many(
        actor=_actor(request),
        objs=[plans[row[2]].case for row in chosen],
        request=request,
        section=Section.COMMON,
        purpose="similar_cases",
    )
    return result


@dataclass
class ValidationPage:
    plan: Plan
    pact: Pact
    content: PlanContent
    package: AssistancePackage | None
    comparison: PackageComparison | None
    deviations: list[DeviationView]
    similar: list[SimilarCase]
    profile: CaseProfile | None
    decisions: list[Validation]
    can_decide: bool

    @property
    def hidden_deviations(self) -> int:
        return sum(1 for d in self.deviations if not d.visible)


def validation_page(*, request: HttpRequest, pk: int) -> ValidationPage:
    """For the coordination group of the case's ambito (404 for everyone else)."""
    plan = plan_get_for_user(request=request, pk=pk, purpose="plan_validation")
    case = plan.case
    if not permissions.can_validate(request, case):
        raise Http404
    allowed = permissions.readable_sections(request, case)
    content = _content(plan, allowed)
    _record_sections(request, case, content.sections_shown, "plan_validation")
    package = _package_with_items(plan)
    return ValidationPage(
        plan=plan,
        pact=plan.pact,
        content=content,
        package=package,
        comparison=_comparison(plan, package),
        deviations=_deviation_views(plan, allowed),
        similar=similar_cases(request=request, case=case),
        profile=case_profiles_for(request=request, case_ids=[case.pk]).get(case.pk),
        decisions=list(plan.validations.select_related("decided_by").order_by("-decided_on", "-pk")),
        can_decide=plan.status == PlanStatus.SUBMITTED,
    )


def plan_for_decision(*, request: HttpRequest, pk: int) -> Plan:
    plan = plan_get_for_user(request=request, pk=pk, purpose="plan_validation")
    if not permissions.can_validate(request, plan.case):
        raise Http404
    return plan


# --- monitoring -------------------------------------------------------------------------------------


@dataclass
class CheckInContext:
    plan: Plan
    pact: Pact
    content: PlanContent
    computed: int
    last: CheckIn | None
    history: list[CheckIn]


def checkin_context(*, request: HttpRequest, pk: int) -> CheckInContext:
    """The validated plan with its goals and commitments, for its case manager (404 otherwise)."""
    plan = plan_for_edit(request=request, pk=pk)
    if plan.status != PlanStatus.VALIDATED:
        raise Http404
    case = plan.case
    content = _content(plan, permissions.readable_sections(request, case))
    _record_sections(request, case, content.sections_shown, "checkin")
    history = list(plan.checkins.select_related("recorded_by").order_by("-held_on", "-pk"))
    return CheckInContext(
        plan=plan,
        pact=plan.pact,
        content=content,
        computed=realised_percent(list(plan.goals.all()), list(plan.commitments.all())),
        last=history[0] if history else None,
        history=history,
    )


@dataclass(frozen=True)
class DueCheckIn:
    case: Case
    plan: Plan
    due_on: datetime.date
    last_held_on: datetime.date | None
    last_percent: int | None

    @property
    def days_overdue(self) -> int:
        return max((timezone.localdate() - self.due_on).days, 0)

    @property
    def days_left(self) -> int:
        return max((self.due_on - timezone.localdate()).days, 0)


def _due(plans: QuerySet[Plan], until: datetime.date) -> list[DueCheckIn]:
    """Validated plans of open cases whose next check-in falls on or before ``until``, most overdue first."""
    rows = list(
        plans.filter(status=PlanStatus.VALIDATED, case__status__in=OPEN_STATES).select_related(
            "case__person", "case__household", "case__case_manager", "pact"
        )
    )
    latest: dict[int, CheckIn] = {}
    for checkin in CheckIn.objects.filter(plan__in=[p.pk for p in rows]).order_by("plan_id", "held_on", "pk"):
        latest[checkin.plan_id] = checkin
    due = []
    for plan in rows:
        last = latest.get(plan.pk)
        when = next_checkin_due(plan, last, plan.case.review_every_days)
        if when is not None and when <= until:
            due.append(
                DueCheckIn(
                    case=plan.case,
                    plan=plan,
                    due_on=when,
                    last_held_on=last.held_on if last else None,
                    last_percent=last.realised_percent if last else None,
                )
            )
    return sorted(due, key=lambda d: (d.due_on, d.case.pk))


def due_checkins(*, request: HttpRequest) -> list[DueCheckIn]:
    """The check-ins due within a week or overdue on the cases the operator manages."""
    membership = getattr(request, "membership", None)
    if membership is None or membership.role not in case_permissions.CASE_ROLES:
        raise Http404
    found = _due(
        Plan.objects.filter(case__case_manager=_actor(request)),
        timezone.localdate() + datetime.timedelta(DUE_WITHIN_DAYS),
    )
    record_access(
        actor=_actor(request),
        request=request,
        object_type="cases.case",
        object_id="due_checkins",
        section="list",
        purpose="due_checkins",
    )
    return found


def due_for_reminders(*, today: datetime.date) -> dict[int, list[DueCheckIn]]:
    """Unscoped, for the reminder command: by case manager, every check-in due within a week or overdue."""
    by_manager: dict[int, list[DueCheckIn]] = defaultdict(list)
    for due in _due(Plan.objects.all(), today + datetime.timedelta(DUE_WITHIN_DAYS)):
        by_manager[due.case.case_manager_id].append(due)
    return dict(by_manager)


# --- the printable pact -----------------------------------------------------------------------------


@dataclass
class PactDocument:
    plan: Plan
    pact: Pact
    case: Case
    content: PlanContent
    validation: Validation | None
    team: list[Structure]
    generated_on: datetime.date


def pact_document(*, request: HttpRequest, pk: int) -> PactDocument:
    """What the printed pact carries, for team members only (404 otherwise); the print is recorded."""
    plan = plan_get_for_user(request=request, pk=pk, purpose="print")
    case = plan.case
    if not permissions.can_print(request, case):
        raise Http404
    content = _content(plan, permissions.printable_sections(request, case))
    record_access(actor=_actor(request), obj=case, request=request, section=Section.COMMON, purpose="print")
    _record_sections(request, case, content.sections_shown, "print")
    validation = (
        plan.validations.filter(outcome=ValidationOutcome.VALIDATED)
        .select_related("decided_by")
        .order_by("-pk")
        .first()
    )
    return PactDocument(
        plan=plan,
        pact=plan.pact,
        case=case,
        content=content,
        validation=validation,
        team=team_structures(case),
        generated_on=timezone.localdate(),
    )
