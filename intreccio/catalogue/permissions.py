"""Who may read and who may change the catalogue and the packages of an ambito (deny by default).

The catalogue is the network's shared offer: every operator who works on cases reads it, to
build projects from it. Programme officers (Ufficio di Piano) and coordinators keep it, on
behalf of the Cabina di regia that approves the packages. Administrators administer accounts
and auditors read the audit trail: neither has a reason to be here. Each operator sees the
catalogue of the ambito their acting organisation belongs to, and nothing of other ambiti.
"""

from __future__ import annotations

from django.http import HttpRequest

from intreccio.accounts.models import Membership, Role
from intreccio.cases.permissions import CASE_ROLES

MANAGER_ROLES = frozenset({Role.PROGRAMME_OFFICER, Role.COORDINATOR})
READER_ROLES = CASE_ROLES | MANAGER_ROLES


def _membership(request: HttpRequest) -> Membership | None:
    return getattr(request, "membership", None)


def catalogue_ambito_id(request: HttpRequest) -> int | None:
    """The ambito whose catalogue the acting operator may read, or None when they may read none."""
    membership = _membership(request)
    if membership is None or membership.role not in READER_ROLES:
        return None
    return membership.structure.organisation.ambito_id


def can_read_catalogue(request: HttpRequest) -> bool:
    return catalogue_ambito_id(request) is not None


def can_manage_catalogue(request: HttpRequest) -> bool:
    membership = _membership(request)
    return membership is not None and membership.role in MANAGER_ROLES
