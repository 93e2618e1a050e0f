"""What the home page shows, per role of the active membership."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from intreccio.accounts.models import Membership, Operator, Organisation, Role, Structure, TeamMember

# One sentence per role, shown under the greeting: what this role does in the network.
ROLE_SUMMARIES: dict[str, Promise] = {
    Role.SEGRETARIATO: _(
        "You receive people who turn to the social services, record their requests (istanze and segnalazioni) "
        "and fill in the pre-assessment that starts a presa in carico."
    ),
    Role.SOCIAL_WORKER: _(
        "You follow people and households in charge of the social services: assessment, personalised project "
        "and pact, interventions and reviews."
    ),
    Role.CASE_MANAGER: _(
        "You are the reference person for the cases assigned to you: you coordinate the équipe multidisciplinare, "
        "the project and its deadlines."
    ),
    Role.CPI_OPERATOR: _(
        "You follow the work side of shared cases for the employment centre: employability profile, pact of "
        "service and active labour-market measures."
    ),
    Role.EDUCATOR: _("You carry out educational interventions in the projects of the cases you are part of."),
    Role.HEALTH_SPECIALIST: _(
        "You contribute the health assessment to the équipe multidisciplinare of the cases you are part of."
    ),
    Role.PROVIDER_OPERATOR: _(
        "You deliver the services your organisation provides to the people referred to it, and record them."
    ),
    Role.COORDINATOR: _(
        "You take part in the gruppo di coordinamento operativo: you allocate new cases, validate projects and "
        "follow the workload of the network."
    ),
    Role.PROGRAMME_OFFICER: _(
        "You follow the Piano di Zona of the ambito: objectives, actions, indicators, funds and calls."
    ),
    Role.AUDITOR: _(
        "You check who read and who changed the records of the network: every access to a personal record and "
        "every change is logged and cannot be altered."
    ),
    Role.ADMINISTRATOR: _(
        "You manage the accounts of the ambito: organisations, their services and offices, operators and their "
        "roles. Administrators do not see case records."
    ),
}


def home_context(request: HttpRequest) -> dict[str, Any]:
    operator = request.user
    assert isinstance(operator, Operator)  # the view requires a signed-in operator
    membership: Membership | None = getattr(request, "membership", None)
    memberships: list[Membership] = getattr(request, "memberships", [])
    role = membership.role if membership is not None else None
    context: dict[str, Any] = {
        "role": role,
        "membership": membership,
        "memberships": memberships,
        "role_summary": ROLE_SUMMARIES.get(role or ""),
        "team_memberships": list(
            TeamMember.objects.filter(operator=operator, team__is_active=True)
            .select_related("team")
            .order_by("team__name")
        ),
    }
    if role == Role.ADMINISTRATOR and membership is not None:
        ambito = membership.structure.organisation.ambito
        context["ambito"] = ambito
        context["admin_counts"] = {
            "organisations": Organisation.objects.filter(ambito=ambito).count(),
            "structures": Structure.objects.filter(organisation__ambito=ambito).count(),
            "operators": Operator.objects.filter(memberships__structure__organisation__ambito=ambito)
            .distinct()
            .count(),
        }
    return context
