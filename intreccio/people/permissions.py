"""Who may see and change persons and households (need-to-know, deny by default).

An operator sees a person's registry data only when their organisation has a reason to: it
registered the person, or another app says so (an intake handled by the organisation, a case
the operator works on…). Apps contribute those reasons through ``register_relation`` at start
up, so this module never imports the apps built on top of it. Everyone else who may use the
registry learns only that the network knows the person, and whom to contact.
"""

from __future__ import annotations

from collections.abc import Callable

from django.db.models import Q
from django.http import HttpRequest

from intreccio.accounts.models import Membership, Role

# A relation gives, for the acting membership, the persons it may see.
Relation = Callable[[Membership], Q]
_RELATIONS: list[Relation] = []

REGISTRY_ROLES = frozenset(
    {
        Role.SEGRETARIATO,
        Role.SOCIAL_WORKER,
        Role.CASE_MANAGER,
        Role.CPI_OPERATOR,
        Role.EDUCATOR,
        Role.HEALTH_SPECIALIST,
        Role.PROVIDER_OPERATOR,
        Role.COORDINATOR,
    }
)
REGISTERING_ROLES = frozenset({Role.SEGRETARIATO, Role.SOCIAL_WORKER, Role.CASE_MANAGER, Role.COORDINATOR})


def register_relation(relation: Relation) -> None:
    if relation not in _RELATIONS:
        _RELATIONS.append(relation)


def _membership(request: HttpRequest) -> Membership | None:
    return getattr(request, "membership", None)


def can_use_registry(request: HttpRequest) -> bool:
    """Search the registry (and see that a person is known to the network)."""
    membership = _membership(request)
    return membership is not None and membership.role in REGISTRY_ROLES


def can_register_person(request: HttpRequest) -> bool:
    membership = _membership(request)
    return membership is not None and membership.role in REGISTERING_ROLES


def visible_persons_q(request: HttpRequest) -> Q:
    """The persons whose registry data the acting operator may read. ``Q(pk__in=[])`` when none."""
    membership = _membership(request)
    if membership is None or membership.role not in REGISTRY_ROLES:
        return Q(pk__in=[])
    condition = Q(registered_by_id=membership.structure.organisation_id)
    for relation in _RELATIONS:
        condition |= relation(membership)
    return condition


def visible_households_q(request: HttpRequest) -> Q:
    """A household is visible when the operator's organisation registered it or one of its members is visible."""
    membership = _membership(request)
    if membership is None or membership.role not in REGISTRY_ROLES:
        return Q(pk__in=[])
    from intreccio.people.models import Person

    visible = Person.objects.filter(visible_persons_q(request)).values("pk")
    return Q(registered_by_id=membership.structure.organisation_id) | Q(members__person__in=visible)
