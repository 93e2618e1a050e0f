"""Who may do what with organisations, structures and operators.

Deny by default: a capability is granted only by the role of the membership the operator is
acting in now (the header's role switcher), never by the union of all their roles.
"""

from __future__ import annotations

from django.http import HttpRequest

from intreccio.accounts.models import Membership, Role

# The roles in which a member of a coordination group acts for the group (allocating, validating,
# reading forwarded intakes). The same operator acting as a CPI operator or a health specialist
# sees only what that role sees: the group's view is not carried into every role.
COORDINATION_ROLES = frozenset({Role.COORDINATOR, Role.SOCIAL_WORKER, Role.CASE_MANAGER})


def active_role(request: HttpRequest) -> str | None:
    membership: Membership | None = getattr(request, "membership", None)
    return membership.role if membership is not None else None


def can_manage_accounts(request: HttpRequest) -> bool:
    """The ambito administrator manages organisations, structures and operators (not cases)."""
    return active_role(request) == Role.ADMINISTRATOR


def can_read_audit(request: HttpRequest) -> bool:
    return active_role(request) == Role.AUDITOR
