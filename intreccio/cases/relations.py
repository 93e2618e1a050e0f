"""What the cases app tells the registry: the persons of an operator's cases are theirs to see."""

from __future__ import annotations

from django.db.models import Q

from intreccio.accounts.models import Membership


def persons_of_my_cases(membership: Membership) -> Q:
    """Persons (and members of households) of the open or closed cases whose team the operator is on."""
    operator_id = membership.operator_id
    return Q(cases__members__operator_id=operator_id, cases__members__left_on__isnull=True) | Q(
        household_memberships__household__cases__members__operator_id=operator_id,
        household_memberships__household__cases__members__left_on__isnull=True,
    )
