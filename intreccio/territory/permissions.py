"""Who may see which ambito: its own administrator, acting in that role now; nobody else."""

from __future__ import annotations

from django.http import HttpRequest

from intreccio.accounts.models import Membership
from intreccio.accounts.permissions import can_manage_accounts


def administered_ambito_id(request: HttpRequest) -> int | None:
    """The ambito the operator administers in their active membership, if they act as administrator."""
    if not can_manage_accounts(request):
        return None
    membership: Membership | None = getattr(request, "membership", None)
    if membership is None:
        return None
    return membership.structure.organisation.ambito_id
