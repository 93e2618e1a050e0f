"""The case network of cases/tests/conftest.py, with a case whose team spans five services.

Alice (social service) manages the case of Giulia Ferrari; on its team are Bob (CPI), Hugo
(mental-health centre, CPS), Sara (SerD, whose notes stay in the SerD) and Elena, an educator of
the Azienda Sociale's child-protection service. Carla sees the case from the coordination group
without being on its team; Dario is a social worker of Alice's service who is not on it either.
Hugo's notes are those the health service writes; the person asks to black them out.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from intreccio.accounts.models import Membership, Operator, OrganisationKind, Role, Structure
from intreccio.accounts.tests.factories import OperatorFactory, OrganisationFactory, StructureFactory
from intreccio.cases.models import Case, CaseNote, Section, TeamRole
from intreccio.cases.services import case_note_add
from intreccio.cases.tests.conftest import TODAY, Net, english, net
from intreccio.cases.tests.pages import open_case

__all__ = ["Net", "Team", "english", "net", "team"]


@dataclass
class Team:
    net: Net
    case: Case
    tutela: Structure
    elena: Operator

    def note(self, author: Operator, text: str, section: str = Section.COMMON) -> CaseNote:
        return case_note_add(request=self.net.request(author), case=self.case, section=section, text=text)


@pytest.fixture
def team(net: Net) -> Team:
    azienda = OrganisationFactory.create(
        name="Azienda Sociale del Cremonese", kind=OrganisationKind.SOCIAL_AGENCY, ambito=net.ambito
    )
    tutela = StructureFactory.create(organisation=azienda, name="Servizio tutela minori")
    elena = OperatorFactory.create(username="elena", email="elena@example.org", first_name="Elena", last_name="Neri")
    Membership.objects.create(operator=elena, structure=tutela, role=Role.EDUCATOR, valid_from=TODAY)
    case = open_case(
        net,
        members=[
            (net.bob, net.cpi, TeamRole.CPI_TUTOR),
            (net.hugo, net.cps, TeamRole.MENTAL_HEALTH),
            (net.sara, net.serd, TeamRole.SERD_OPERATOR),
            (elena, tutela, TeamRole.EDUCATOR),
        ],
    )
    return Team(net=net, case=case, tutela=tutela, elena=elena)
