"""load_demo: idempotent, quick, one working demo login per role, teams with a chair."""

from __future__ import annotations

import io
import time

import pytest
from django.contrib.auth.hashers import make_password
from django.core.management import CommandError, call_command
from django.db.models import Model
from django.test import override_settings

from intreccio.accounts.models import (
    Membership,
    Operator,
    Organisation,
    OrganisationKind,
    Role,
    Structure,
    Team,
    TeamKind,
    TeamMember,
)
from intreccio.audit.models import DomainEvent
from intreccio.demo import data
from intreccio.demo.services import demo_load
from intreccio.territory.models import Ambito, Comune

pytestmark = pytest.mark.django_db

MODELS: tuple[type[Model], ...] = (
    Ambito,
    Comune,
    Organisation,
    Structure,
    Operator,
    Membership,
    Team,
    TeamMember,
    DomainEvent,
)


def _counts() -> dict[str, int]:
    return {model.__name__: model._default_manager.count() for model in MODELS}


def test_load_is_idempotent_and_quick() -> None:
    started = time.monotonic()
    first = demo_load()
    assert time.monotonic() - started < 10
    counts = _counts()
    second = demo_load()
    assert _counts() == counts
    assert sum(first.created.values()) > 0
    assert sum(second.created.values()) == 0
    assert DomainEvent.objects.filter(action="demo.network.loaded").count() == 1
    assert DomainEvent.objects.filter(action="territory.ambito.created").count() == 1


def test_the_cremonese_ambito_has_its_48_comuni() -> None:
    summary = demo_load()
    assert summary.ambito.name == "Ambito territoriale Cremonese"
    assert summary.comuni_in_ambito == 48
    assert summary.ambito.comuni.filter(istat_code="019036").exists()
    assert not summary.ambito.comuni.exclude(province_code="CR").exists()


def test_the_signatories_of_the_protocol_are_organisations_of_the_ambito() -> None:
    ambito = demo_load().ambito
    names = set(Organisation.objects.filter(ambito=ambito).values_list("name", flat=True))
    for name in ("Comune di Cremona", "Azienda Sociale del Cremonese", "ASST di Cremona", "Provincia di Cremona",
                 "CGIL", "CISL", "UIL", "Cr.Forma", "Forum Provinciale Terzo Settore di Cremona"):  # fmt: skip
        assert name in names
    cpi = Organisation.objects.get(name="Centro per l'Impiego di Cremona")
    assert cpi.kind == OrganisationKind.EMPLOYMENT_CENTRE
    assert Structure.objects.filter(organisation__ambito=ambito, comune__istat_code="019036").exists()


def test_every_role_has_a_demo_operator_with_a_current_membership() -> None:
    demo_load()
    current = Membership.objects.current().filter(operator__is_demo=True)
    assert set(current.values_list("role", flat=True)) == set(Role.values)


def test_one_demo_operator_can_switch_between_two_roles() -> None:
    demo_load()
    assistente = Operator.objects.get(username="assistente")
    assert set(assistente.current_memberships().values_list("role", flat=True)) == {
        Role.SOCIAL_WORKER,
        Role.CASE_MANAGER,
    }


def test_demo_passwords_work() -> None:
    demo_load()
    operators = Operator.objects.filter(is_demo=True)
    assert operators.count() == len(data.OPERATORS)
    for operator in operators:
        assert operator.check_password(data.DEMO_PASSWORD), operator.username
        assert operator.email.endswith("@example.org")


def test_a_changed_demo_password_is_reset() -> None:
    demo_load()
    Operator.objects.filter(username="cpi").update(password=make_password("something-else-entirely"))
    demo_load()
    assert Operator.objects.get(username="cpi").check_password(data.DEMO_PASSWORD)


def test_the_coordination_group_has_a_chair() -> None:
    ambito = demo_load().ambito
    group = Team.objects.get(ambito=ambito, kind=TeamKind.COORDINATION_GROUP, is_active=True)
    chair = TeamMember.objects.get(team=group, is_chair=True).operator
    assert chair.current_memberships().filter(role=Role.COORDINATOR).exists()
    roles = set(Membership.objects.current().filter(operator__teams=group).values_list("role", flat=True))
    assert {Role.COORDINATOR, Role.SOCIAL_WORKER, Role.CPI_OPERATOR} <= roles
    system_team = Team.objects.get(ambito=ambito, kind=TeamKind.SYSTEM_TEAM)
    organisations = Organisation.objects.filter(structures__memberships__operator__teams=system_team).distinct()
    assert organisations.count() >= 3


# The hosts `make run` allows: the loaders' requests must not claim the test client's "testserver".
@override_settings(ALLOWED_HOSTS=["127.0.0.1", "localhost", "[::1]"])
def test_command_prints_the_logins_and_the_password() -> None:
    out = io.StringIO()
    call_command("load_demo", stdout=out)
    text = out.getvalue()
    for spec in data.OPERATORS:
        assert spec.username in text
    assert data.DEMO_PASSWORD in text
    assert "Comune di Cremona" in text
    assert len(text.splitlines()) < 20


@override_settings(PRODUCTION=True)
def test_command_refuses_to_run_in_production() -> None:
    with pytest.raises(CommandError):
        call_command("load_demo", stdout=io.StringIO())
    assert not Operator.objects.filter(is_demo=True).exists()
