"""Who may record household members, ISEE declarations and consents.

Reading a household follows ``people.permissions`` (registry roles, visible households only).
Writing is narrower: the data that gates benefits (ISEE) and sharing (consents) is recorded by
the roles that register persons and by those who take people in charge (social worker, case
manager). CPI, health, education and provider operators read the household but record nothing
in it: their own services keep those documents.
"""

from __future__ import annotations

from django.http import HttpRequest

from intreccio.accounts.models import Membership, Role
from intreccio.people.permissions import REGISTERING_ROLES, can_use_registry

HOUSEHOLD_RECORDING_ROLES = REGISTERING_ROLES | {Role.SOCIAL_WORKER, Role.CASE_MANAGER}


def _membership(request: HttpRequest) -> Membership | None:
    return getattr(request, "membership", None)


def can_view_household(request: HttpRequest) -> bool:
    """Whether the household pages are open to the acting role (which households: ``visible_households_q``)."""
    return can_use_registry(request)


def can_record_household_data(request: HttpRequest) -> bool:
    """Create households, add and remove members, record ISEE declarations."""
    membership = _membership(request)
    return can_use_registry(request) and membership is not None and membership.role in HOUSEHOLD_RECORDING_ROLES


def can_record_consent(request: HttpRequest) -> bool:
    """Record and withdraw a person's consents: the same roles that record household data."""
    return can_record_household_data(request)
