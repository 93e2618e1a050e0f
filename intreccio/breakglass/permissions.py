"""Who may break the glass, on which cases, and what an active grant opens (SECURITY.md R8).

Registered in ``BreakglassConfig.ready()`` with the cases and people permission modules: an active
grant of the acting operator, in the role and structure they asked it in, opens its case with the
sections of that role minus the violence section, and makes the person of the case visible. A
violence record (prevalent need violence, a person in the violence target group or registered
under a protection pseudonym) is never opened, even by a grant that exists.
"""

from __future__ import annotations

from django.conf import settings
from django.db.models import Exists, OuterRef, Q
from django.http import HttpRequest

from intreccio.access.models import Need
from intreccio.accounts.models import Membership, Role
from intreccio.accounts.permissions import can_read_audit
from intreccio.breakglass.models import BreakGlassGrant, active_grants_q
from intreccio.cases.models import Case, Section
from intreccio.cases.permissions import ROLE_SECTIONS, coordination_ambito_ids
from intreccio.people.models import HouseholdMember, NoFiscalCodeReason, Person, TargetGroup

BASIS = "break_the_glass"

# The roles that may ask for emergency access: those who act for a person in an emergency.
BREAK_GLASS_ROLES = frozenset(
    {Role.SOCIAL_WORKER, Role.CASE_MANAGER, Role.HEALTH_SPECIALIST, Role.CPI_OPERATOR, Role.EDUCATOR}
)
# Never opened by an emergency access, whatever the role would see on the team.
SEALED_SECTIONS = frozenset({Section.VIOLENCE})
DEFAULT_MAX_HOURS = 4


def max_hours() -> int:
    """The longest emergency access an operator may ask for (``BREAK_GLASS_MAX_HOURS``)."""
    return max(1, int(getattr(settings, "BREAK_GLASS_MAX_HOURS", DEFAULT_MAX_HOURS)))


def duration_choices() -> list[int]:
    longest = max_hours()
    return sorted({hours for hours in (1, 2, 4) if hours <= longest} | {longest})


def _membership(request: HttpRequest) -> Membership | None:
    return getattr(request, "membership", None)


def can_request(request: HttpRequest) -> bool:
    membership = _membership(request)
    return membership is not None and membership.role in BREAK_GLASS_ROLES


def sealed_cases_q() -> Q:
    """Violence records: an emergency access never opens them, nor says that they exist."""
    protected = Person.objects.filter(
        Q(target_groups__group=TargetGroup.VIOLENCE) | Q(no_fiscal_code_reason=NoFiscalCodeReason.PROTECTED_PSEUDONYM)
    ).values("pk")
    return (
        Q(prevalent_need=Need.VIOLENCE)
        | Q(person__in=protected)
        | Q(Exists(HouseholdMember.objects.filter(household_id=OuterRef("household_id"), person__in=protected)))
    )


def is_sealed(case: Case) -> bool:
    return Case.objects.filter(sealed_cases_q(), pk=case.pk).exists()


def active_grants(membership: Membership) -> Q:
    """The grants in force for this operator acting in this role and structure (a ``Q`` on grants)."""
    return active_grants_q() & Q(
        operator_id=membership.operator_id, role=membership.role, structure_id=membership.structure_id
    )


def open_case_ids(membership: Membership | None) -> set[int]:
    """The cases the membership's active grants open now (violence records never)."""
    if membership is None or membership.role not in BREAK_GLASS_ROLES:
        return set()
    granted = set(BreakGlassGrant.objects.filter(active_grants(membership)).values_list("case_id", flat=True))
    if not granted:
        return set()
    sealed = set(Case.objects.filter(sealed_cases_q(), pk__in=granted).values_list("pk", flat=True))
    return granted - sealed


# --- the extension points of cases and people (registered in apps.py) --------------------------


def cases_q(request: HttpRequest) -> Q:
    return Q(pk__in=sorted(open_case_ids(_membership(request))))


def sections(request: HttpRequest, case: Case) -> frozenset[str]:
    membership = _membership(request)
    if membership is None or case.pk not in open_case_ids(membership):
        return frozenset()
    return ROLE_SECTIONS.get(membership.role, frozenset()) - SEALED_SECTIONS


def persons_of_granted_cases(membership: Membership) -> Q:
    """The person of a case opened by an active grant (the household's members for a household case)."""
    case_ids = open_case_ids(membership)
    if not case_ids:
        return Q(pk__in=[])
    person_ids: set[int] = set()
    household_ids: set[int] = set()
    for person_id, household_id in Case.objects.filter(pk__in=case_ids).values_list("person_id", "household_id"):
        if person_id is not None:
            person_ids.add(person_id)
        elif household_id is not None:
            household_ids.add(household_id)
    if household_ids:
        person_ids |= set(
            HouseholdMember.objects.filter(household_id__in=household_ids).values_list("person_id", flat=True)
        )
    return Q(pk__in=sorted(person_ids))


# --- review -------------------------------------------------------------------------------------


def review_ambito_ids(request: HttpRequest) -> set[int]:
    """The ambiti whose grants the operator reviews: their coordination group's, in a group role."""
    return coordination_ambito_ids(request)


def can_see_review_queue(request: HttpRequest) -> bool:
    return can_read_audit(request) or bool(review_ambito_ids(request))


def can_review(request: HttpRequest, grant: BreakGlassGrant) -> bool:
    """A member of the coordination group of the case's ambito, never the grant's own operator."""
    return grant.operator_id != request.user.pk and grant.case.ambito_id in review_ambito_ids(request)
