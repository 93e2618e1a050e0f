"""Demo assessments: the demo cases get their preliminary analysis, and the ones further along their
in-depth assessment and CPI skills interview with the employability profile.

Everything goes through the assessment services, acting as the team members of each case, so
the demo shows the same events, scores and rule traces real work would. Cases still waiting
for their team (``allocated``) and closed ones are left as the cases demo made them; a case
that already has an assessment is left alone, so running the loader again changes nothing.
"""

from __future__ import annotations

import datetime
from collections import Counter
from typing import Any

from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from intreccio.accounts.models import Membership, Operator, Role
from intreccio.assessments.models import Assessment, AssessmentKind, AssessmentTool
from intreccio.assessments.services import (
    assessment_complete,
    assessment_save,
    assessment_start,
    employability_profile_record,
)
from intreccio.cases.models import Case, CaseMember, CaseStatus

# Answer sets chosen by case number, so that the demo shows different paths and classes.
PRELIMINARY: list[dict[str, Any]] = [
    {
        "occupation": "unemployed_long",
        "registered_cpi": "yes",
        "income_adequacy": "short",
        "arrears": "no",
        "housing": "stable",
        "network": "weak",
        "minors": "no",
        "care_load": "none",
        "specialist_needs": "no",
    },
    {
        "occupation": "never_worked",
        "registered_cpi": "no",
        "income_adequacy": "none",
        "arrears": "yes",
        "housing": "at_risk",
        "network": "none",
        "minors": "yes",
        "care_load": "young_children",
        "specialist_needs": "yes",
        "notes": "Nucleo monogenitoriale, sfratto per morosità in corso.",
    },
    {
        "occupation": "employed",
        "registered_cpi": "yes",
        "income_adequacy": "short",
        "arrears": "yes",
        "housing": "stable",
        "network": "none",
        "minors": "yes",
        "care_load": "dependent_adult",
        "specialist_needs": "no",
    },
]
IN_DEPTH_SOCIAL: dict[str, Any] = {
    "occupation": "unemployed_long",
    "months_without_work": "20",
    "job_search": "yes",
    "barriers": ["care", "digital"],
    "housing": "at_risk",
    "housing_cost_share": "55",
    "overcrowded": "no",
    "education": "lower_secondary",
    "italian": "native",
    "digital": "basic",
    "network": "weak",
    "conflicts": "no",
    "single_parent": "yes",
    "minors": "2",
    "monthly_income": "480",
    "arrears": "yes",
    "dependants": "1",
    "care_hours": "25",
    "care_help": "no",
}
IN_DEPTH_HEALTH: dict[str, Any] = {
    "health_condition": "mild",
    "daily_limits": "no",
    "specialist_service": "no",
    "health_notes": "Riferisce insonnia e stanchezza; nessuna terapia in corso.",
}
CPI_INTERVIEWS: list[dict[str, Any]] = [
    {
        "last_worked": "1_3_years",
        "sectors": "Pulizie industriali, magazzino",
        "education": "lower_secondary",
        "italian": "native",
        "digital": "basic",
        "driving_licence": "yes",
        "availability": "part_time",
        "training": "yes",
    },
    {
        "last_worked": "never",
        "education": "none",
        "italian": "basic",
        "digital": "none",
        "driving_licence": "no",
        "availability": "limited",
        "training": "yes",
    },
]
FURTHER_ALONG = frozenset(set(CaseStatus.values) - {CaseStatus.ALLOCATED, CaseStatus.ASSESSING})


def _request(operator: Operator, member: CaseMember | None, roles: set[str]) -> HttpRequest | None:
    """A request as ``operator`` acting in their membership of the service they represent on the team."""
    memberships = Membership.objects.current().filter(operator=operator, role__in=roles)
    if member is not None:
        memberships = memberships.filter(structure=member.structure)
    membership = memberships.select_related("structure__organisation").order_by("pk").first()
    if membership is None:
        return None
    request = HttpRequest()
    request.user = operator
    request.membership = membership  # type: ignore[attr-defined]
    request.request_id = "demo"  # type: ignore[attr-defined]
    return request


def _fill(
    request: HttpRequest, case: Case, tool: AssessmentTool, steps: list[tuple[HttpRequest, dict[str, Any]]]
) -> Assessment:
    assessment = assessment_start(request=request, case=case, tool=tool)
    for who, answers in steps:
        assessment = assessment_save(request=who, assessment=assessment, version=assessment.version, answers=answers)
    return assessment_complete(request=request, assessment=assessment, version=assessment.version)


@transaction.atomic
def demo_assessments_load(*, operators: dict[str, Operator]) -> Counter[str]:
    """Assess the open demo cases managed by demo operators; a no-op when there are none yet."""
    created: Counter[str] = Counter()
    tools = {t.kind: t for t in AssessmentTool.objects.filter(is_published=True)}
    if len(tools) < len(AssessmentKind.values):
        return created
    demo_ids = [o.pk for o in operators.values()]
    cases = (
        Case.objects.filter(case_manager_id__in=demo_ids, status__in=set(CaseStatus.values) - {CaseStatus.ALLOCATED})
        .exclude(status__in=[CaseStatus.CLOSED, CaseStatus.TRANSFERRED])
        .filter(assessments__isnull=True)
        .select_related("case_manager", "person")
        .order_by("pk")
    )
    for index, case in enumerate(cases):
        team = list(case.members.filter(left_on__isnull=True).select_related("operator", "structure"))
        lead = _request(
            case.case_manager,
            next((m for m in team if m.operator_id == case.case_manager_id), None),
            {Role.CASE_MANAGER, Role.SOCIAL_WORKER},
        )
        if lead is None:
            continue
        _fill(lead, case, tools[AssessmentKind.PRELIMINARY], [(lead, PRELIMINARY[index % len(PRELIMINARY)])])
        created["assessments"] += 1
        if case.status not in FURTHER_ALONG:
            continue
        health = next(
            (r for m in team if (r := _request(m.operator, m, {Role.HEALTH_SPECIALIST})) is not None),
            None,
        )
        steps = [(lead, IN_DEPTH_SOCIAL)] + ([(health, IN_DEPTH_HEALTH)] if health is not None else [])
        if health is not None:
            _fill(lead, case, tools[AssessmentKind.IN_DEPTH], steps)
            created["assessments"] += 1
        cpi = next((r for m in team if (r := _request(m.operator, m, {Role.CPI_OPERATOR})) is not None), None)
        if cpi is None:
            continue
        interview = _fill(cpi, case, tools[AssessmentKind.CPI_INTERVIEW], [(cpi, CPI_INTERVIEWS[index % 2])])
        created["assessments"] += 1
        employability_profile_record(
            request=cpi,
            assessment=interview,
            pact_signed_on=max(case.accessed_on, timezone.localdate() - datetime.timedelta(days=7)),
            pact_cpi=cpi.membership.structure,  # type: ignore[attr-defined]
            pact_reference=f"PS-{case.number}",
        )
        created["employability_profiles"] += 1
    return created
