"""What the home page shows, per role of the active membership."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from intreccio.accounts.models import Operator, Organisation, Role, Structure


def home_context(request: HttpRequest) -> dict[str, Any]:
    membership = getattr(request, "membership", None)
    role = membership.role if membership is not None else None
    context: dict[str, Any] = {"role": role, "membership": membership}
    if role == Role.ADMINISTRATOR and membership is not None:
        ambito = membership.structure.organisation.ambito
        context["admin_counts"] = {
            "organisations": Organisation.objects.filter(ambito=ambito).count(),
            "structures": Structure.objects.filter(organisation__ambito=ambito).count(),
            "operators": Operator.objects.filter(memberships__structure__organisation__ambito=ambito)
            .distinct()
            .count(),
        }
    return context
