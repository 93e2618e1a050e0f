"""Navigation entries of the cases app (registered in CasesConfig.ready)."""

from __future__ import annotations

from django.http import HttpRequest

from intreccio.cases.permissions import CASE_ROLES, coordination_ambito_ids


def can_open_caseload(request: HttpRequest) -> bool:
    membership = getattr(request, "membership", None)
    return membership is not None and membership.role in CASE_ROLES


def sits_in_a_coordination_group(request: HttpRequest) -> bool:
    return bool(coordination_ambito_ids(request))
