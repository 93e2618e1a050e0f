"""Reads of organisations, structures and operators, scoped to what the reader may see."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypeVar

from allauth.mfa.models import Authenticator
from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import AnonymousUser
from django.db.models import Count, Exists, Model, OuterRef, Prefetch, Q, QuerySet
from django.http import Http404, HttpRequest
from django.shortcuts import get_object_or_404
from django.utils import timezone

from intreccio.accounts.models import Membership, Operator, Organisation, Structure, Team, TeamMember
from intreccio.accounts.permissions import can_manage_accounts
from intreccio.territory.models import Ambito

_M = TypeVar("_M", bound=Model)


def has_totp(user: AbstractBaseUser | AnonymousUser) -> bool:
    return Authenticator.objects.filter(user_id=user.pk, type=Authenticator.Type.TOTP).exists()


def membership_list_current(*, operator: Operator) -> list[Membership]:
    """The operator's memberships valid today, in a stable order for the role switcher."""
    return list(
        Membership.objects.current()
        .filter(operator=operator)
        .select_related("structure__organisation__ambito")
        .order_by("structure__organisation__name", "structure__name", "role", "pk")
    )


# --- the ambito administrator's pages ---------------------------------------------------------
# Everything below is scoped to one ambito; the get_*_for_admin functions raise Http404 both for
# a missing object and for one outside the administrator's ambito, so existence never leaks.


@dataclass(frozen=True)
class OrganisationFilters:
    search: str = ""
    kind: str = ""
    status: str = ""  # "", "active" or "inactive"


@dataclass(frozen=True)
class OperatorFilters:
    search: str = ""
    organisation_id: int | None = None
    role: str = ""
    status: str = "active"  # "", "active" or "inactive"


def admin_ambito(request: HttpRequest) -> Ambito:
    """The ambito the request's administrator manages; 404 for every other role."""
    if not can_manage_accounts(request):
        raise Http404
    membership: Membership = request.membership  # type: ignore[attr-defined]
    return membership.structure.organisation.ambito


def _status_filter(queryset: QuerySet[_M], status: str) -> QuerySet[_M]:
    if status == "active":
        return queryset.filter(is_active=True)
    if status == "inactive":
        return queryset.filter(is_active=False)
    return queryset


def _not_ended(prefix: str = "") -> Q:
    today = timezone.localdate()
    return Q(**{f"{prefix}valid_from__lte": today}) & (
        Q(**{f"{prefix}valid_to__isnull": True}) | Q(**{f"{prefix}valid_to__gte": today})
    )


def organisation_list(*, ambito: Ambito, filters: OrganisationFilters) -> QuerySet[Organisation]:
    """The ambito's organisations with how many structures and current operators each has."""
    queryset = Organisation.objects.filter(ambito=ambito).annotate(
        structure_count=Count("structures", distinct=True),
        operator_count=Count(
            "structures__memberships__operator",
            filter=_not_ended("structures__memberships__") & Q(structures__memberships__operator__is_active=True),
            distinct=True,
        ),
    )
    if filters.kind:
        queryset = queryset.filter(kind=filters.kind)
    for term in filters.search.split():
        queryset = queryset.filter(
            Q(name__icontains=term) | Q(short_name__icontains=term) | Q(tax_code__icontains=term)
        )
    return _status_filter(queryset, filters.status).order_by("name")


def structure_list(*, organisation: Organisation) -> QuerySet[Structure]:
    return (
        Structure.objects.filter(organisation=organisation)
        .select_related("comune")
        .annotate(
            operator_count=Count(
                "memberships__operator",
                filter=_not_ended("memberships__") & Q(memberships__operator__is_active=True),
                distinct=True,
            )
        )
        .order_by("-is_active", "name")
    )


def structure_choices(*, ambito: Ambito) -> QuerySet[Structure]:
    """Active structures of active organisations, where a new membership may start."""
    return Structure.objects.filter(
        organisation__ambito=ambito, is_active=True, organisation__is_active=True
    ).select_related("organisation")


def _in_ambito(ambito: Ambito) -> Exists:
    return Exists(Membership.objects.filter(operator=OuterRef("pk"), structure__organisation__ambito=ambito))


def operator_queryset(*, ambito: Ambito) -> QuerySet[Operator]:
    """Operators who have ever had a membership in the ambito."""
    return Operator.objects.filter(_in_ambito(ambito))


def operator_list(*, ambito: Ambito, filters: OperatorFilters | None = None) -> QuerySet[Operator]:
    """Operators of the ambito with their current memberships there and whether they enrolled TOTP."""
    filters = filters or OperatorFilters()
    in_ambito = Membership.objects.filter(operator=OuterRef("pk"), structure__organisation__ambito=ambito)
    queryset = operator_queryset(ambito=ambito).annotate(
        has_mfa=Exists(Authenticator.objects.filter(user=OuterRef("pk"), type=Authenticator.Type.TOTP))
    )
    for term in filters.search.split():
        queryset = queryset.filter(
            Q(username__icontains=term)
            | Q(first_name__icontains=term)
            | Q(last_name__icontains=term)
            | Q(email__icontains=term)
        )
    if filters.organisation_id is not None:
        queryset = queryset.filter(
            Exists(in_ambito.filter(_not_ended(), structure__organisation_id=filters.organisation_id))
        )
    if filters.role:
        queryset = queryset.filter(Exists(in_ambito.filter(_not_ended(), role=filters.role)))
    current = (
        Membership.objects.filter(_not_ended(), structure__organisation__ambito=ambito)
        .select_related("structure__organisation")
        .order_by("structure__organisation__name", "structure__name", "role")
    )
    return (
        _status_filter(queryset, filters.status)
        .prefetch_related(Prefetch("memberships", queryset=current, to_attr="ambito_memberships"))
        .order_by("last_name", "first_name", "username")
    )


def operator_memberships(*, operator: Operator, ambito: Ambito) -> list[Membership]:
    """All the operator's memberships in the ambito, current first, newest first."""
    memberships = list(
        Membership.objects.filter(operator=operator, structure__organisation__ambito=ambito)
        .select_related("structure__organisation")
        .order_by("-valid_from", "structure__organisation__name", "structure__name")
    )
    memberships.sort(key=lambda m: not m.is_current())
    return memberships


def operator_teams(*, operator: Operator, ambito: Ambito) -> list[TeamMember]:
    return list(
        TeamMember.objects.filter(operator=operator, team__ambito=ambito).select_related("team").order_by("team__name")
    )


def team_list(*, ambito: Ambito) -> QuerySet[Team]:
    chairs = TeamMember.objects.filter(is_chair=True).select_related("operator")
    return (
        Team.objects.filter(ambito=ambito)
        .annotate(member_count=Count("memberships"))
        .prefetch_related(Prefetch("memberships", queryset=chairs, to_attr="chairs"))
        .order_by("-is_active", "name")
    )


def team_members(*, team: Team) -> list[TeamMember]:
    return list(
        team.memberships.select_related("operator").order_by("-is_chair", "operator__last_name", "operator__first_name")
    )


def team_member_choices(*, team: Team) -> QuerySet[Operator]:
    """Active operators of the team's ambito who are not yet in the team."""
    return (
        Operator.objects.filter(_in_ambito(team.ambito), is_active=True)
        .exclude(team_memberships__team=team)
        .order_by("last_name", "first_name", "username")
    )


def get_organisation_for_admin(request: HttpRequest, pk: int) -> Organisation:
    return get_object_or_404(Organisation, pk=pk, ambito=admin_ambito(request))


def get_structure_for_admin(request: HttpRequest, pk: int) -> Structure:
    return get_object_or_404(
        Structure.objects.select_related("organisation"), pk=pk, organisation__ambito=admin_ambito(request)
    )


def get_operator_for_admin(request: HttpRequest, pk: int) -> Operator:
    ambito = admin_ambito(request)
    queryset = operator_queryset(ambito=ambito).annotate(
        has_mfa=Exists(Authenticator.objects.filter(user=OuterRef("pk"), type=Authenticator.Type.TOTP))
    )
    return get_object_or_404(queryset, pk=pk)


def get_membership_for_admin(request: HttpRequest, pk: int) -> Membership:
    return get_object_or_404(
        Membership.objects.select_related("operator", "structure__organisation"),
        pk=pk,
        structure__organisation__ambito=admin_ambito(request),
    )


def get_team_for_admin(request: HttpRequest, pk: int) -> Team:
    return get_object_or_404(Team.objects.select_related("ambito"), pk=pk, ambito=admin_ambito(request))


def get_team_member_for_admin(request: HttpRequest, *, team_pk: int, pk: int) -> TeamMember:
    return get_object_or_404(
        TeamMember.objects.select_related("team", "operator"),
        pk=pk,
        team_id=team_pk,
        team__ambito=admin_ambito(request),
    )
