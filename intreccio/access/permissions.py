"""Who may see and handle intakes (deny by default).

An intake is visible to the registry roles of the organisation that received it and, once
forwarded, to the members of the coordination group of its ambito (seed 001:105: the group
"recepisce le istanze trasmesse dal Segretariato sociale"). Only the receiving organisation's
front-door roles change it. The persons the intakes are about become visible along the same
lines, through the relation registered with the registry at start-up.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.http import HttpRequest

from intreccio.access.models import FORWARDED_STATES, Intake
from intreccio.accounts.models import Membership, Role, Team, TeamKind
from intreccio.accounts.permissions import COORDINATION_ROLES
from intreccio.people.permissions import REGISTRY_ROLES

# The roles that receive people at the front door and triage what they bring.
INTAKE_ROLES = frozenset({Role.SEGRETARIATO, Role.SOCIAL_WORKER, Role.CASE_MANAGER, Role.COORDINATOR})


def _membership(request: HttpRequest) -> Membership | None:
    return getattr(request, "membership", None)


def _registry_membership(request: HttpRequest) -> Membership | None:
    membership = _membership(request)
    if membership is None or membership.role not in REGISTRY_ROLES:
        return None
    return membership


def coordination_groups(operator_id: int) -> QuerySet[Team]:
    """The active coordination groups the operator sits in."""
    return Team.objects.filter(kind=TeamKind.COORDINATION_GROUP, is_active=True, memberships__operator_id=operator_id)


def _intakes_q(membership: Membership) -> Q:
    """For one membership: the intakes of its organisation, and those forwarded to its groups
    when the operator acts in a role of the group (not, say, as the CPI operator)."""
    own = Q(structure__organisation_id=membership.structure.organisation_id)
    if membership.role not in COORDINATION_ROLES:
        return own
    ambiti = coordination_groups(membership.operator_id).values("ambito_id")
    return own | Q(status__in=FORWARDED_STATES, ambito_id__in=ambiti)


def visible_intakes_q(request: HttpRequest) -> Q:
    membership = _registry_membership(request)
    if membership is None:
        return Q(pk__in=[])
    return _intakes_q(membership)


def persons_of_visible_intakes(membership: Membership) -> Q:
    """The registry relation: persons of intakes the membership may see (``register_relation``)."""
    intakes = Intake.objects.filter(_intakes_q(membership), person__isnull=False).values("person_id")
    return Q(pk__in=intakes)


def can_list_intakes(request: HttpRequest) -> bool:
    return _registry_membership(request) is not None


def can_create_intake(request: HttpRequest) -> bool:
    membership = _membership(request)
    return membership is not None and membership.role in INTAKE_ROLES


def can_handle_intake(request: HttpRequest, intake: Intake) -> bool:
    """Change the intake: its data, the pre-assessment, the triage outcome."""
    membership = _membership(request)
    return (
        membership is not None
        and membership.role in INTAKE_ROLES
        and intake.structure.organisation_id == membership.structure.organisation_id
    )


def is_coordination_member(request: HttpRequest) -> bool:
    membership = _registry_membership(request)
    return (
        membership is not None
        and membership.role in COORDINATION_ROLES
        and coordination_groups(membership.operator_id).exists()
    )
