"""R2 by relation: role × relation to a case × every case URL and the referral page.

For the matrix world's case (tests/matrix.py, intreccio/cases/tests/matrix_rules.py) with one
active referral to a third-sector service (matrix_rules.py beside this file), an operator in
every role is given each relation to the case:

- team member: on the case's current team;
- coordination group: in the ambito's coordination group, not on the team;
- referral recipient: working in the receiving service;
- other ambito: working in another ambito (in its coordination group, for the roles that sit
  in one);
- none: working in the case manager's own service, with no tie to the case.

Every ``cases:*`` URL about the case answers 404/403 (GET, and POST for the POST-only ones) to
referral recipients, other ambiti and operators with no relation: a referral opens its own
page, never the case. The ``cases:*`` lists (caseload, allocation queue, intake fragments) may
answer, but never name the case. The referral page answers 200 only to the team (the sender
side) and to the recipients, in the roles that work on cases; 404 to everyone else. Positive
controls show the harness reaches the pages: the team and the coordination group open the case.
"""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from intreccio.accounts.models import Operator, Organisation, OrganisationKind, Role, Structure, TeamKind
from intreccio.accounts.permissions import COORDINATION_ROLES
from intreccio.accounts.tests.factories import (
    AmbitoFactory,
    MembershipFactory,
    OperatorFactory,
    TeamFactory,
    TeamMemberFactory,
)
from intreccio.cases.models import CaseMember, TeamRole
from intreccio.cases.permissions import CASE_ROLES
from intreccio.cases.services import TEAM_ROLES_BY_ROLE
from intreccio.cases.tests.matrix_rules import _case
from intreccio.referrals.models import Referral
from intreccio.referrals.tests.matrix_rules import matrix_referral
from tests.matrix import ALL_ROLES, Rule, World, build_world, collect_rules, iter_url_patterns

RULES = collect_rules()
CASE_URLS = sorted({name for name, _route in iter_url_patterns() if name.startswith("cases:")})
RELATIONS = ("team", "coordination", "recipient", "other_ambito", "none")
DENIED_RELATIONS = frozenset({"recipient", "other_ambito", "none"})
DENIED = {403, 404}
# Minimal valid bodies for the POST-only case URLs: a refusal must not be a mere form error.
POST_DATA: dict[str, dict[str, Any]] = {
    "cases:note_add": {"section": "common", "text": "Nota di prova"},
    "cases:case_action": {"close-version": "1", "close-outcome": "other", "close-reason": "Motivo della prova."},
}


def _team_role(role: str) -> str:
    allowed = TEAM_ROLES_BY_ROLE.get(role, frozenset())
    # The case already has its case manager; a second would break a database constraint.
    for choice in (TeamRole.SOCIAL_WORKER, TeamRole.HEALTH_SPECIALIST, TeamRole.CPI_TUTOR, TeamRole.EDUCATOR):
        if choice in allowed:
            return choice
    return TeamRole.PROVIDER if TeamRole.PROVIDER in allowed else TeamRole.SYSTEM_TEAM


def _operator(username: str, structure: Structure, role: str) -> Operator:
    operator = OperatorFactory.create(username=username)
    MembershipFactory.create(operator=operator, structure=structure, role=role)
    return operator


def _relate(w: World, relation: str) -> dict[str, Operator]:
    """One operator per role, each with ``relation`` to the world's case."""
    case = _case(w)
    referral = matrix_referral(w)
    operators: dict[str, Operator] = {}
    if relation == "other_ambito":
        other = AmbitoFactory.create(code="ALTRO", name="Altro ambito")
        organisation = Organisation.objects.create(name="Comune altrove", kind=OrganisationKind.COMUNE, ambito=other)
        elsewhere = Structure.objects.create(organisation=organisation, name="Servizio sociale")
        group = TeamFactory.create(ambito=other, kind=TeamKind.COORDINATION_GROUP, name="Coordinamento altrove")
    for role in Role.values:
        username = f"rel_{relation}_{role}"
        if relation == "team":
            operator = _operator(username, w.structure, role)
            CaseMember.objects.create(
                case=case,
                operator=operator,
                structure=w.structure,
                team_role=_team_role(role),
                joined_on=datetime.date(2025, 3, 10),
            )
        elif relation == "coordination":
            operator = _operator(username, w.structure, role)
            TeamMemberFactory.create(team=w.objects["group"], operator=operator)
        elif relation == "recipient":
            operator = _operator(username, referral.to_structure, role)
        elif relation == "other_ambito":
            operator = _operator(username, elsewhere, role)
            if role in COORDINATION_ROLES:
                TeamMemberFactory.create(team=group, operator=operator)
        else:
            operator = _operator(username, w.structure, role)
        operators[role] = operator
    return operators


def _client(operator: Operator) -> Client:
    client = Client()
    client.force_login(operator)
    client.cookies["django_language"] = "en"
    return client


def _url(name: str, rule: Rule, w: World) -> tuple[str, dict[str, Any]]:
    kwargs = rule.kwargs(w) if rule.kwargs else {}
    return reverse(name, kwargs=kwargs), kwargs


@pytest.fixture
def world(db: None) -> World:
    w = build_world()
    _case(w)
    matrix_referral(w)
    return w


def test_the_harness_covers_every_case_url_and_finds_those_about_the_case(world: World) -> None:
    assert CASE_URLS and all(name in RULES for name in CASE_URLS)
    case = _case(world)
    about_the_case = {name for name in CASE_URLS if _url(name, RULES[name], world)[1].get("pk") == case.pk}
    assert {"cases:case_detail", "cases:case_section", "cases:case_timeline", "cases:note_add"} <= about_the_case


@pytest.mark.parametrize("relation", RELATIONS)
def test_case_urls_and_the_referral_page_by_relation(relation: str, world: World) -> None:
    case = _case(world)
    referral: Referral = matrix_referral(world)
    operators = _relate(world, relation)
    detail = reverse("referrals:referral_detail", args=[referral.pk])
    failures: list[str] = []
    for role in sorted(ALL_ROLES):
        client = _client(operators[role])
        for name in CASE_URLS:
            rule = RULES[name]
            url, kwargs = _url(name, rule, world)
            names_the_case = kwargs.get("pk") == case.pk
            if not rule.get:
                status = client.post(url, POST_DATA.get(name, {})).status_code
                if relation in DENIED_RELATIONS and status not in DENIED:
                    failures.append(f"{role}/{relation} POST {name}: {status}")
                continue
            response = client.get(url)
            if names_the_case:
                if relation in DENIED_RELATIONS and response.status_code not in DENIED:
                    failures.append(f"{role}/{relation} GET {name}: {response.status_code}")
            elif relation in DENIED_RELATIONS and str(case.number) in response.content.decode():
                failures.append(f"{role}/{relation} GET {name} names the case")
        # Positive controls: the harness does reach the case for who may open it.
        opens_case = (relation == "team" and role in CASE_ROLES) or (
            relation == "coordination" and role in COORDINATION_ROLES
        )
        status = client.get(reverse("cases:case_detail", args=[case.pk])).status_code
        if opens_case and status != 200:
            failures.append(f"{role}/{relation} cannot open the case: {status}")
        # The referral page: the sender side (the team) and the recipients, in a role on cases.
        expected = {200} if relation in ("team", "recipient") and role in CASE_ROLES else DENIED
        status = client.get(detail).status_code
        if status not in expected:
            failures.append(f"{role}/{relation} referral page: {status}, expected {sorted(expected)}")
    assert not failures, "\n".join(failures)


def test_the_recipients_lose_the_referral_page_when_it_closes(world: World) -> None:
    referral: Referral = matrix_referral(world)
    operators = _relate(world, "recipient")
    detail = reverse("referrals:referral_detail", args=[referral.pk])
    readers = [operators[role] for role in sorted(CASE_ROLES)]
    assert all(_client(o).get(detail).status_code == 200 for o in readers)
    Referral.objects.filter(pk=referral.pk).update(
        status="rejected", answered_by=readers[0], answered_at=referral.sent_at, answer_note="Nessun posto."
    )
    assert all(_client(o).get(detail).status_code == 404 for o in readers)
