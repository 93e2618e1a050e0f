"""Matrix rules for the administrator's pages: only the administrator role gets in, everyone else 404."""

from __future__ import annotations

from typing import Any

from intreccio.accounts.models import Membership, Role, TeamMember
from intreccio.accounts.tests.factories import TeamFactory, TeamMemberFactory
from tests.matrix import Rule, World

ADMIN = frozenset({Role.ADMINISTRATOR.value})


def _organisation(w: World) -> dict[str, Any]:
    return {"pk": w.organisation.pk}


def _operator(w: World) -> dict[str, Any]:
    return {"pk": w.operators[Role.SOCIAL_WORKER].pk}


def _membership(w: World) -> dict[str, Any]:
    membership = Membership.objects.get(operator=w.operators[Role.SOCIAL_WORKER])
    return {"pk": membership.pk}


def _team_member(w: World) -> TeamMember:
    if "team_member" not in w.objects:
        team = TeamFactory.create(ambito=w.ambito, name="Equipe della matrice")
        w.objects["team_member"] = TeamMemberFactory.create(team=team, operator=w.operators[Role.EDUCATOR])
    member: TeamMember = w.objects["team_member"]
    return member


RULES: dict[str, Rule] = {
    "accounts:organisation_list": Rule(roles=ADMIN),
    "accounts:organisation_create": Rule(roles=ADMIN),
    "accounts:organisation_detail": Rule(roles=ADMIN, kwargs=_organisation),
    "accounts:organisation_update": Rule(roles=ADMIN, kwargs=_organisation),
    "accounts:organisation_deactivate": Rule(roles=ADMIN, kwargs=_organisation, get=False),
    "accounts:structure_create": Rule(roles=ADMIN, kwargs=lambda w: {"organisation_pk": w.organisation.pk}),
    "accounts:structure_update": Rule(roles=ADMIN, kwargs=lambda w: {"pk": w.structure.pk}),
    "accounts:structure_deactivate": Rule(roles=ADMIN, kwargs=lambda w: {"pk": w.structure.pk}, get=False),
    "accounts:operator_list": Rule(roles=ADMIN),
    "accounts:operator_create": Rule(roles=ADMIN),
    "accounts:operator_detail": Rule(roles=ADMIN, kwargs=_operator),
    "accounts:operator_update": Rule(roles=ADMIN, kwargs=_operator),
    "accounts:operator_deactivate": Rule(roles=ADMIN, kwargs=_operator, get=False),
    "accounts:operator_reset_mfa": Rule(roles=ADMIN, kwargs=_operator, get=False),
    "accounts:membership_add": Rule(roles=ADMIN, kwargs=lambda w: {"operator_pk": _operator(w)["pk"]}),
    "accounts:membership_end": Rule(roles=ADMIN, kwargs=_membership, get=False),
    "accounts:team_list": Rule(roles=ADMIN),
    "accounts:team_create": Rule(roles=ADMIN),
    "accounts:team_detail": Rule(roles=ADMIN, kwargs=lambda w: {"pk": _team_member(w).team_id}),
    "accounts:team_member_add": Rule(roles=ADMIN, kwargs=lambda w: {"pk": _team_member(w).team_id}, get=False),
    "accounts:team_member_remove": Rule(
        roles=ADMIN, kwargs=lambda w: {"pk": _team_member(w).team_id, "member_pk": _team_member(w).pk}, get=False
    ),
}
