"""A small network for break-the-glass tests.

Ambito Cremonese: Carla coordinates and chairs the coordination group, Gianni (social worker)
sits in it too; Alice is the social worker managing Giulia's case; Bob (CPI), Dario (social
worker), Sara (health specialist) and Elena (educator) are not on the team; Pia works at the
social secretariat; Aldo is the auditor. Olga is a social worker and Marco the coordinator of
another ambito. Every case carries a note in every section, each with its own sentinel.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import decrypt, format_hotp_value, hotp_value, yield_hotp_counters_from_time
from django.core.cache import cache
from django.http import HttpRequest
from django.test import Client, RequestFactory
from django.utils import timezone, translation

from intreccio.access.models import Need
from intreccio.accounts.models import (
    Membership,
    Operator,
    OrganisationKind,
    Role,
    Structure,
    Team,
    TeamKind,
    TeamMember,
)
from intreccio.accounts.tests.factories import (
    TEST_PASSWORD,
    AmbitoFactory,
    OperatorFactory,
    OrganisationFactory,
    StructureFactory,
)
from intreccio.breakglass.models import BreakGlassGrant, ReasonCode
from intreccio.cases.models import Case, CaseMember, CaseNote, Section, TeamRole
from intreccio.people.models import Person, PersonTargetGroup, TargetGroup
from intreccio.people.tests.factories import PersonFactory
from intreccio.territory.models import Ambito

TODAY = datetime.date.today()
REASON = "Giulia ha chiamato in crisi, la sua assistente sociale non risponde"
CF_GIULIA = "FRRGLI80A41D150X"
CF_VIOLENCE = "VLNPRS85B42D150Y"
CF_OTHER_AMBITO = "THRPRS75D44D150W"


def sentinel(case: Case, section: str) -> str:
    return f"SENTINEL-{case.pk}-{section.upper()}"


@dataclass
class Net:
    ambito: Ambito
    other_ambito: Ambito
    social: Structure
    cpi: Structure
    asst: Structure
    group: Team
    carla: Operator
    gianni: Operator
    alice: Operator
    bob: Operator
    dario: Operator
    sara: Operator
    elena: Operator
    pia: Operator
    aldo: Operator
    olga: Operator
    marco: Operator
    giulia: Person
    case: Case
    violence_case: Case
    violence_person_case: Case
    other_ambito_case: Case

    def request(self, operator: Operator, method: str = "post") -> HttpRequest:
        """A request as ``operator`` acting in their (only) membership, as the middleware sets it."""
        request = getattr(RequestFactory(), method)("/emergenza/nuovo/", REMOTE_ADDR="10.1.1.1")
        request.user = operator
        request.membership = (
            Membership.objects.current().filter(operator=operator).select_related("structure__organisation").first()
        )
        request.request_id = "test"
        from django.contrib.sessions.backends.db import SessionStore

        request.session = SessionStore()
        return request

    def client(self, operator: Operator) -> Client:
        client = Client()
        client.force_login(operator)
        client.cookies["django_language"] = "en"
        return client


def _operator(username: str, structure: Structure, role: str, **kwargs: object) -> Operator:
    operator = OperatorFactory.create(username=username, email=f"{username}@example.org", **kwargs)
    Membership.objects.create(operator=operator, structure=structure, role=role, valid_from=TODAY)
    return operator


def make_case(
    *, ambito: Ambito, number: str, person: Person, need: str, manager: Operator, structure: Structure
) -> Case:
    day = TODAY - datetime.timedelta(days=30)
    case = Case.objects.create(
        ambito=ambito,
        number=number,
        person=person,
        prevalent_need=need,
        case_manager=manager,
        case_manager_structure=structure,
        accessed_on=day,
        taken_in_charge_on=day,
    )
    CaseMember.objects.create(
        case=case, operator=manager, structure=structure, team_role=TeamRole.CASE_MANAGER, joined_on=day
    )
    for section in Section.values:
        CaseNote.objects.create(
            case=case, section=section, text=sentinel(case, section), author=manager, author_structure=structure
        )
    return case


@pytest.fixture(autouse=True)
def english_and_fresh_cache() -> Iterator[None]:
    # allauth remembers used TOTP codes in the cache; an earlier test's code must not count here.
    cache.clear()
    with translation.override("en"):
        yield
    cache.clear()


@pytest.fixture
def net(db: None) -> Net:
    ambito = AmbitoFactory.create(code="CRE", name="Ambito Cremonese")
    other_ambito = AmbitoFactory.create(code="CRM", name="Ambito Cremasco")
    comune = OrganisationFactory.create(name="Comune di Cremona", ambito=ambito)
    cpi_org = OrganisationFactory.create(
        name="Centro per l'Impiego", kind=OrganisationKind.EMPLOYMENT_CENTRE, ambito=ambito
    )
    asst_org = OrganisationFactory.create(name="ASST", kind=OrganisationKind.HEALTH_TRUST, ambito=ambito)
    social = StructureFactory.create(organisation=comune, name="Servizio sociale")
    cpi = StructureFactory.create(organisation=cpi_org, name="CPI Cremona")
    asst = StructureFactory.create(organisation=asst_org, name="CPS")
    elsewhere = StructureFactory.create(organisation=OrganisationFactory.create(ambito=other_ambito), name="Sociale")
    carla = _operator("carla", social, Role.COORDINATOR, first_name="Carla", last_name="Coordinatrice")
    gianni = _operator("gianni", social, Role.SOCIAL_WORKER)
    alice = _operator("alice", social, Role.SOCIAL_WORKER)
    bob = _operator("bob", cpi, Role.CPI_OPERATOR, first_name="Bob", last_name="Bianchi")
    dario = _operator("dario", social, Role.SOCIAL_WORKER)
    sara = _operator("sara", asst, Role.HEALTH_SPECIALIST)
    elena = _operator("elena", social, Role.EDUCATOR)
    pia = _operator("pia", social, Role.SEGRETARIATO)
    aldo = _operator("aldo", social, Role.AUDITOR)
    olga = _operator("olga", elsewhere, Role.SOCIAL_WORKER)
    marco = _operator("marco", elsewhere, Role.COORDINATOR)
    group = Team.objects.create(name="Gruppo di coordinamento", kind=TeamKind.COORDINATION_GROUP, ambito=ambito)
    TeamMember.objects.create(team=group, operator=carla, is_chair=True)
    TeamMember.objects.create(team=group, operator=gianni)
    other_group = Team.objects.create(name="Coordinamento", kind=TeamKind.COORDINATION_GROUP, ambito=other_ambito)
    TeamMember.objects.create(team=other_group, operator=marco, is_chair=True)

    giulia = PersonFactory.create(registered_by=comune, first_name="Giulia", last_name="Ferrari", fiscal_code=CF_GIULIA)
    case = make_case(
        ambito=ambito, number="CR-2025-000001", person=giulia, need=Need.WORK, manager=alice, structure=social
    )
    violence_case = make_case(
        ambito=ambito,
        number="CR-2025-000002",
        person=PersonFactory.create(registered_by=comune, fiscal_code=CF_VIOLENCE),
        need=Need.VIOLENCE,
        manager=alice,
        structure=social,
    )
    marked = PersonFactory.create(registered_by=comune, fiscal_code="MRKPRS90C43D150Z")
    PersonTargetGroup.objects.create(person=marked, group=TargetGroup.VIOLENCE)
    violence_person_case = make_case(
        ambito=ambito, number="CR-2025-000003", person=marked, need=Need.HOUSING, manager=alice, structure=social
    )
    other_ambito_case = make_case(
        ambito=other_ambito,
        number="CRM-2025-000001",
        person=PersonFactory.create(fiscal_code=CF_OTHER_AMBITO),
        need=Need.WORK,
        manager=olga,
        structure=elsewhere,
    )
    return Net(
        ambito=ambito,
        other_ambito=other_ambito,
        social=social,
        cpi=cpi,
        asst=asst,
        group=group,
        carla=carla,
        gianni=gianni,
        alice=alice,
        bob=bob,
        dario=dario,
        sara=sara,
        elena=elena,
        pia=pia,
        aldo=aldo,
        olga=olga,
        marco=marco,
        giulia=giulia,
        case=case,
        violence_case=violence_case,
        violence_person_case=violence_person_case,
        other_ambito_case=other_ambito_case,
    )


def totp_code(operator: Operator, step: int = 0) -> str:
    """The authenticator code of ``operator`` now (``step`` = -1 / +1 for the neighbouring ones)."""
    authenticator = Authenticator.objects.get(user=operator, type=Authenticator.Type.TOTP)
    counters = list(yield_hotp_counters_from_time())
    return format_hotp_value(hotp_value(decrypt(authenticator.data["secret"]), counters[len(counters) // 2 + step]))


def request_data(operator: Operator, identifier: str, **overrides: object) -> dict[str, object]:
    data: dict[str, object] = {
        "identifier": identifier,
        "reason_code": ReasonCode.IMMINENT_RISK,
        "reason_text": REASON,
        "hours": 2,
        "password": TEST_PASSWORD,
        "code": totp_code(operator),
    }
    data.update(overrides)
    return data


def grant_for(
    operator: Operator,
    case: Case,
    *,
    hours: int = 2,
    granted_at: datetime.datetime | None = None,
    **fields: object,
) -> BreakGlassGrant:
    """A grant written directly (for the reads, the queue and the review), as the service would."""
    membership = Membership.objects.current().filter(operator=operator).select_related("structure").get()
    start = granted_at or timezone.now()
    return BreakGlassGrant.objects.create(
        operator=operator,
        role=membership.role,
        structure=membership.structure,
        case=case,
        reason_code=ReasonCode.CONTINUITY_OF_CARE,
        reason_text=REASON,
        granted_at=start,
        expires_at=start + datetime.timedelta(hours=hours),
        **fields,
    )
