"""Helpers and fixtures for the case page tests (clients per operator, cases in bulk)."""

from __future__ import annotations

import datetime
from typing import Any

from django.conf import settings
from django.test import Client

from intreccio.access.models import Channel, Intake, IntakeStatus, Need, Source
from intreccio.accounts.models import Membership, Operator
from intreccio.accounts.sessions import SESSION_MEMBERSHIP
from intreccio.cases import services
from intreccio.cases.models import Case, CaseMember, TeamRole
from intreccio.cases.tests.conftest import TODAY, Net
from intreccio.people.tests.factories import PersonFactory


def client_for(operator: Operator, role: str | None = None) -> Client:
    """A signed-in client in English, acting in ``role`` (the first membership by default)."""
    client = Client()
    client.force_login(operator)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    if role is not None:
        session = client.session
        session[SESSION_MEMBERSHIP] = Membership.objects.current().get(operator=operator, role=role).pk
        session.save()
    return client


def open_case(net: Net, **kwargs: Any) -> Case:
    params: dict[str, Any] = {
        "request": net.request(net.carla),
        "intake": net.intake,
        "case_manager": net.alice,
        "case_manager_structure": net.social,
        "members": [(net.bob, net.cpi, TeamRole.CPI_TUTOR), (net.sara, net.serd, TeamRole.SERD_OPERATOR)],
    }
    params.update(kwargs)
    return services.case_open(**params)


def to_validated(net: Net, case: Case) -> Case:
    alice = net.request(net.alice)
    case = services.case_start_assessment(request=alice, case=case, version=case.version)
    case = services.case_mark_project_drafted(request=alice, case=case, version=case.version)
    return services.case_mark_project_validated(request=net.request(net.carla), case=case, version=case.version)


def forwarded_intake(net: Net, *, need: str = Need.WORK, **kwargs: Any) -> Intake:
    received = TODAY - datetime.timedelta(days=5)
    values: dict[str, Any] = {
        "ambito": net.ambito,
        "structure": net.social,
        "recorded_by": net.alice,
        "person": PersonFactory.create(registered_by=net.social.organisation),
        "received_on": received,
        "channel": Channel.IN_PERSON,
        "source": Source.SELF,
        "prevalent_need": need,
        "status": IntakeStatus.FORWARDED,
        "outcome_on": received,
        "forwarded_to": net.group,
    }
    values.update(kwargs)
    return Intake.objects.create(**values)


def bulk_cases(net: Net, count: int, *, members: int = 2) -> list[Case]:
    """``count`` cases managed by Alice with Bob (and Sara) on the team, written straight to the tables.

    The query-count tests need many cases quickly; the services are tested elsewhere.
    """
    cases = []
    for _index in range(count):
        intake = forwarded_intake(net)
        case = Case.objects.create(
            ambito=net.ambito,
            person=intake.person,
            intake=intake,
            prevalent_need=intake.prevalent_need,
            case_manager=net.alice,
            case_manager_structure=net.social,
            accessed_on=intake.received_on,
            taken_in_charge_on=TODAY,
        )
        case.number = f"CRE-{TODAY.year}-{case.pk:06d}"
        case.save(update_fields=["number"])
        team = [(net.alice, net.social, TeamRole.CASE_MANAGER), (net.bob, net.cpi, TeamRole.CPI_TUTOR)]
        team += [(net.sara, net.serd, TeamRole.SERD_OPERATOR)][: max(members - 1, 0)]
        CaseMember.objects.bulk_create(
            [CaseMember(case=case, operator=o, structure=s, team_role=r, joined_on=TODAY) for o, s, r in team]
        )
        cases.append(case)
    return cases
