"""Who may see a case, which sections, and who may move it (deny by default, R2-R3).

A case is visible to its current team members, to the members of the coordination group of
its ambito, and to whoever another app gives a reason to see it (the recipients of an active
referral, the holder of a break-the-glass grant), registered with ``register_access_source``;
nobody else. Within a case, the role the operator acts in decides the sections they see; the
coordination group sees only what it needs to allocate, validate and monitor.

Content the person asked to black out (R21) is withdrawn from every reader outside the service
that wrote it by the concealments registered with ``register_concealment``: the case selectors
drop those items before anything (a list, a count, a timeline entry) is built from them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.db.models import Exists, OuterRef, Q
from django.http import HttpRequest

from intreccio.accounts.models import Membership, Operator, Role, TeamKind, TeamMember
from intreccio.accounts.permissions import COORDINATION_ROLES
from intreccio.cases.models import Case, CaseMember, Section

CASE_ROLES = frozenset(
    {
        Role.SOCIAL_WORKER,
        Role.CASE_MANAGER,
        Role.CPI_OPERATOR,
        Role.EDUCATOR,
        Role.HEALTH_SPECIALIST,
        Role.PROVIDER_OPERATOR,
        Role.COORDINATOR,
        Role.SEGRETARIATO,
    }
)

# The sections each role may read when it is on the case's team.
ROLE_SECTIONS: dict[str, frozenset[str]] = {
    Role.CASE_MANAGER: frozenset(
        {Section.COMMON, Section.WORK, Section.DISABILITY, Section.VIOLENCE, Section.MINORS_COURT, Section.JUDICIAL}
    ),
    Role.SOCIAL_WORKER: frozenset(
        {Section.COMMON, Section.WORK, Section.DISABILITY, Section.VIOLENCE, Section.MINORS_COURT, Section.JUDICIAL}
    ),
    Role.CPI_OPERATOR: frozenset({Section.COMMON, Section.WORK}),
    Role.EDUCATOR: frozenset({Section.COMMON, Section.MINORS_COURT}),
    Role.HEALTH_SPECIALIST: frozenset({Section.COMMON, Section.HEALTH, Section.DISABILITY}),
    Role.PROVIDER_OPERATOR: frozenset({Section.COMMON}),
    Role.SEGRETARIATO: frozenset({Section.COMMON}),
    Role.COORDINATOR: frozenset({Section.COMMON, Section.WORK}),
}
# The roles a case manager may act in: chosen by prevalent need (001:126), a health need gets a
# health specialist.
MANAGER_ROLES = frozenset({Role.CASE_MANAGER, Role.SOCIAL_WORKER, Role.HEALTH_SPECIALIST})
# What a member of the coordination group sees of a case whose team they are not on.
COORDINATION_SECTIONS = frozenset({Section.COMMON, Section.WORK})


# The basis of a read, written into the access record's purpose when it is not the team's own.
TEAM_BASIS = "team"
COORDINATION_BASIS = "coordination"


@dataclass(frozen=True)
class AccessSource:
    """Another reason to see a case, contributed by an app built on top of cases.

    ``cases_q(request)`` gives the cases the acting operator may see for this reason (a ``Q`` over
    ``Case``; ``Q(pk__in=[])`` for none); ``sections(request, case)`` the sections of one case it
    opens (empty when the reason does not apply to that case). ``basis`` names the reason in the
    access log (``referral``, ``break_the_glass``), so the person's access report can say why.
    """

    basis: str
    cases_q: Callable[[HttpRequest], Q]
    sections: Callable[[HttpRequest, Case], frozenset[str]]


# A concealment gives, for a reader and a case, the keys ("app.model", pk) of items hidden from them.
Concealment = Callable[[HttpRequest, Case], set[tuple[str, int]]]

# The same for many cases in one go (case id → keys), for reads that rank hundreds of cases.
ConcealmentMany = Callable[[HttpRequest, list[int]], dict[int, set[tuple[str, int]]]]

_ACCESS_SOURCES: list[AccessSource] = []
_CONCEALMENTS: list[Concealment] = []
_CONCEALMENTS_MANY: dict[Concealment, ConcealmentMany] = {}


def register_access_source(source: AccessSource) -> None:
    if all(existing.basis != source.basis for existing in _ACCESS_SOURCES):
        _ACCESS_SOURCES.append(source)


def register_concealment(concealment: Concealment, many: ConcealmentMany | None = None) -> None:
    if concealment not in _CONCEALMENTS:
        _CONCEALMENTS.append(concealment)
    if many is not None:
        _CONCEALMENTS_MANY[concealment] = many


def hidden_items(request: HttpRequest, case: Case) -> set[tuple[str, int]]:
    """What of ``case`` is blacked out for this reader: never shown, counted or hinted at."""
    hidden: set[tuple[str, int]] = set()
    for concealment in _CONCEALMENTS:
        hidden |= concealment(request, case)
    return hidden


def hidden_items_many(request: HttpRequest, case_ids: list[int]) -> dict[int, set[tuple[str, int]]]:
    """``hidden_items`` for each of ``case_ids`` (one query per concealment that can answer for many)."""
    hidden: dict[int, set[tuple[str, int]]] = {pk: set() for pk in case_ids}
    for concealment in _CONCEALMENTS:
        many = _CONCEALMENTS_MANY.get(concealment)
        if many is not None:
            found = many(request, case_ids)
        else:
            found = {case.pk: concealment(request, case) for case in Case.objects.filter(pk__in=case_ids)}
        for pk, keys in found.items():
            hidden.setdefault(pk, set()).update(keys)
    return hidden


def _membership(request: HttpRequest) -> Membership | None:
    return getattr(request, "membership", None)


def _operator(request: HttpRequest) -> Operator:
    return request.user  # type: ignore[return-value]


def is_coordination_member(request: HttpRequest, ambito_id: int) -> bool:
    return ambito_id in coordination_ambito_ids(request)


def coordination_ambito_ids(request: HttpRequest) -> set[int]:
    """The ambiti whose coordination group the operator sits in, when acting in a role that may.

    Asked many times per page (navigation, lists, each case's sections): read once per request.
    """
    membership = _membership(request)
    if membership is None or membership.role not in COORDINATION_ROLES:
        return set()
    cached: tuple[int, set[int]] | None = getattr(request, "_coordination_ambito_ids", None)
    if cached is not None and cached[0] == membership.pk:
        return cached[1]
    ambiti = set(
        TeamMember.objects.filter(
            operator=_operator(request), team__kind=TeamKind.COORDINATION_GROUP, team__is_active=True
        ).values_list("team__ambito_id", flat=True)
    )
    request._coordination_ambito_ids = (membership.pk, ambiti)  # type: ignore[attr-defined]
    return ambiti


def visible_cases_q(request: HttpRequest) -> Q:
    membership = _membership(request)
    if membership is None or membership.role not in CASE_ROLES:
        return Q(pk__in=[])
    on_team = Exists(CaseMember.objects.filter(case=OuterRef("pk"), operator=_operator(request), left_on__isnull=True))
    condition = Q(on_team)
    ambiti = coordination_ambito_ids(request)
    if ambiti:
        condition |= Q(ambito_id__in=ambiti)
    for source in _ACCESS_SOURCES:
        condition |= source.cases_q(request)
    return condition


def is_team_member(request: HttpRequest, case: Case) -> bool:
    return CaseMember.objects.filter(case=case, operator=_operator(request), left_on__isnull=True).exists()


def sections_for(request: HttpRequest, case: Case) -> frozenset[str]:
    """The sections of ``case`` the operator may read now."""
    membership = _membership(request)
    if membership is None:
        return frozenset()
    if is_team_member(request, case):
        return ROLE_SECTIONS.get(membership.role, frozenset())
    allowed: frozenset[str] = frozenset()
    if is_coordination_member(request, case.ambito_id):
        allowed = COORDINATION_SECTIONS & ROLE_SECTIONS.get(membership.role, frozenset())
    for source in _ACCESS_SOURCES:
        allowed |= source.sections(request, case)
    return allowed


def access_basis(request: HttpRequest, case: Case) -> str:
    """Why the operator may read ``case``: the team, the coordination group, or a registered source."""
    if is_team_member(request, case):
        return TEAM_BASIS
    if is_coordination_member(request, case.ambito_id):
        return COORDINATION_BASIS
    for source in _ACCESS_SOURCES:
        if source.sections(request, case):
            return source.basis
    return ""


def access_purpose(request: HttpRequest, case: Case, purpose: str) -> str:
    """The purpose for the access record: prefixed with the basis when it is not team or coordination.

    ``break_the_glass: case_detail`` lets the auditor and the person's access report tell an
    emergency read from ordinary work without another column in the hash-chained log.
    """
    basis = access_basis(request, case)
    if basis in ("", TEAM_BASIS, COORDINATION_BASIS):
        return purpose
    return f"{basis}: {purpose}" if purpose else basis


def can_allocate(request: HttpRequest, ambito_id: int) -> bool:
    """Open cases, choose the case manager, compose the team: the coordination group."""
    return is_coordination_member(request, ambito_id)


def can_manage(request: HttpRequest, case: Case) -> bool:
    """Drive the case (assessment, project, check-ins, closure): its case manager."""
    membership = _membership(request)
    return membership is not None and membership.role in MANAGER_ROLES and case.case_manager_id == request.user.pk


def can_write_section(request: HttpRequest, case: Case, section: str) -> bool:
    return is_team_member(request, case) and section in sections_for(request, case)
