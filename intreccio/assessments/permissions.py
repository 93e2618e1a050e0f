"""Who may read, fill in, complete and profile assessments (deny by default).

Reading follows the case: whoever may see the case sees its assessments, but only the
dimensions whose section they may read (``cases.permissions.sections_for``), and no score or
profile derived from a section they may not read. Writing a dimension needs a place on the team
and the right to that section. The case manager starts and completes the preliminary and the
in-depth assessment; the CPI operator on the team does the skills interview and the profiling
(seed 001:65-68), which the case manager may also complete.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.http import HttpRequest

from intreccio.accounts.models import Role
from intreccio.assessments.models import Assessment, AssessmentKind, AssessmentStatus
from intreccio.cases import permissions as case_permissions
from intreccio.cases.models import Case


def _role(request: HttpRequest) -> str:
    membership = getattr(request, "membership", None)
    return membership.role if membership is not None else ""


def is_cpi_on_team(request: HttpRequest, case: Case) -> bool:
    return _role(request) == Role.CPI_OPERATOR and case_permissions.is_team_member(request, case)


def startable_kinds(request: HttpRequest, case: Case) -> frozenset[str]:
    """The kinds of assessment the operator may start on this case now."""
    if not case.is_open:
        return frozenset()
    kinds: set[str] = set()
    if case_permissions.can_manage(request, case):
        kinds |= {AssessmentKind.PRELIMINARY, AssessmentKind.IN_DEPTH, AssessmentKind.CPI_INTERVIEW}
    if is_cpi_on_team(request, case):
        kinds.add(AssessmentKind.CPI_INTERVIEW)
    return frozenset(kinds)


def can_complete(request: HttpRequest, assessment: Assessment) -> bool:
    if assessment.status != AssessmentStatus.DRAFT or not assessment.case.is_open:
        return False
    if case_permissions.can_manage(request, assessment.case):
        return True
    return assessment.kind == AssessmentKind.CPI_INTERVIEW and is_cpi_on_team(request, assessment.case)


def writable_dimensions(request: HttpRequest, assessment: Assessment) -> list[str]:
    """The dimensions of a draft the operator may fill in: on the team, with the right to the section."""
    if assessment.status != AssessmentStatus.DRAFT or not assessment.case.is_open:
        return []
    case = assessment.case
    if not case_permissions.is_team_member(request, case):
        return []
    allowed = case_permissions.sections_for(request, case)
    return [key for key, section in assessment.dimension_sections.items() if section in allowed]


def readable(sections: Iterable[str], allowed: frozenset[str]) -> bool:
    """A value derived from ``sections`` may be shown only to who may read every one of them."""
    return all(section in allowed for section in sections)


def can_record_profile(request: HttpRequest, case: Case) -> bool:
    return case.is_open and is_cpi_on_team(request, case)
