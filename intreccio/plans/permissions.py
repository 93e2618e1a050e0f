"""Who may read, write, validate and print personalised projects (deny by default).

Reading follows the case (its team and the coordination group of its ambito), and within a plan
each goal, commitment and intervention is shown only to readers of its section (the case
manager, who plans every part, reads them all). The case manager writes the plan and records
check-ins; the coordination group validates or sends back; only team members print the pact,
which never carries the health, disability, violence, minors or judicial sections.
"""

from __future__ import annotations

from django.http import HttpRequest

from intreccio.cases import permissions as case_permissions
from intreccio.cases.models import Case, CaseStatus, Section

# The case states in which a new plan may be drafted: the first plan, or a re-plan.
PLANNABLE_STATES = frozenset(
    {CaseStatus.ASSESSING, CaseStatus.PROJECT_DRAFTED, CaseStatus.RETURNED_TO_TEAM, CaseStatus.ACTIVE}
)
# What the printed pact may carry: it travels between services and to the person's home.
PRINTABLE_SECTIONS = frozenset({Section.COMMON, Section.WORK})


def can_edit(request: HttpRequest, case: Case) -> bool:
    return case.is_open and case_permissions.can_manage(request, case)


def can_validate(request: HttpRequest, case: Case) -> bool:
    return case_permissions.can_allocate(request, case.ambito_id)


def can_print(request: HttpRequest, case: Case) -> bool:
    return case_permissions.is_team_member(request, case)


def readable_sections(request: HttpRequest, case: Case) -> frozenset[str]:
    """The sections of the plan's items the operator may read.

    The case manager owns the project and plans every part of it, the therapeutic path included
    (001:126-130), so they read and write every section of the plan; the case's notes keep their
    own, stricter rules. Everyone else reads the sections their role is granted on the case.
    """
    if case_permissions.can_manage(request, case):
        return frozenset(Section.values)
    return case_permissions.sections_for(request, case)


def printable_sections(request: HttpRequest, case: Case) -> frozenset[str]:
    return PRINTABLE_SECTIONS & readable_sections(request, case)
