"""The household's income-measure panel and pages; the person's legal-representative panel and pages.

Alice is a social worker of the Comune di Cremona (records); Dario the CPI operator there
(reads, records nothing); Carol a social worker of another organisation of the ambito, who
cannot see the Rossi household.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from intreccio.accounts.models import Operator, Role
from intreccio.accounts.tests.factories import AmbitoFactory, OrganisationFactory, StructureFactory, operator_with_role
from intreccio.audit.models import AccessEvent
from intreccio.people.models import Household, IncomeSupport, IncomeSupportStatus, LegalRepresentative, Person
from intreccio.people.tests.factories import HouseholdFactory, HouseholdMemberFactory, PersonFactory

D = datetime.date


@dataclass
class Net:
    alice: Operator
    dario: Operator
    carol: Operator
    household: Household
    mario: Person


@pytest.fixture
def net(db: None) -> Net:
    ambito = AmbitoFactory.create(code="CR")
    cremona = OrganisationFactory.create(name="Comune di Cremona", ambito=ambito)
    other = OrganisationFactory.create(name="Azienda Sociale", ambito=ambito)
    structure = StructureFactory.create(organisation=cremona)
    household = HouseholdFactory.create(registered_by=cremona, name="Rossi")
    mario = PersonFactory.create(registered_by=cremona, first_name="Mario", last_name="Rossi", birth_date=D(1950, 1, 1))
    HouseholdMemberFactory.create(household=household, person=mario)
    return Net(
        alice=operator_with_role(Role.SOCIAL_WORKER, structure=structure, username="alice"),
        dario=operator_with_role(Role.CPI_OPERATOR, structure=structure, username="dario"),
        carol=operator_with_role(
            Role.SOCIAL_WORKER, structure=StructureFactory.create(organisation=other), username="carol"
        ),
        household=household,
        mario=mario,
    )


def _client(operator: Operator, language: str = "en") -> Client:
    client = Client()
    client.force_login(operator)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    return client


def _support(net: Net, **values: object) -> IncomeSupport:
    fields: dict[str, object] = {"measure": "adi", "status": IncomeSupportStatus.GRANTED, "date_from": D(2024, 1, 1)}
    fields.update(values)
    return IncomeSupport.objects.create(household=net.household, recorded_by=net.alice, **fields)


def test_household_panel_shows_the_history_with_the_current_measure_highlighted(net: Net) -> None:
    _support(net, measure="rdc", status="ended", date_from=D(2019, 4, 1), date_to=D(2023, 12, 31))
    _support(net, monthly_amount=Decimal("1234.56"), inps_protocol="INPS-ADI-1")
    html = _client(net.alice, "it").get(reverse("people:household_detail", args=[net.household.pk])).content.decode()
    assert 'id="income-measures"' in html
    current = html.split('id="measure-current"')[1].split("</tr>")[0]
    assert "ADI" in current and "€\u00a01.234,56" in current and "01/01/2024" in current
    assert "RdC" in html and "31/12/2023" in html
    assert reverse("people:income_support_create", args=[net.household.pk]) in html


def test_household_panel_warns_that_economic_assistance_is_excluded(net: Net) -> None:
    _support(net)
    html = _client(net.alice).get(reverse("people:household_detail", args=[net.household.pk])).content.decode()
    assert "Economic assistance is not available" in html


def test_readers_see_the_panel_without_recording_links(net: Net) -> None:
    support = _support(net)
    html = _client(net.dario).get(reverse("people:household_detail", args=[net.household.pk])).content.decode()
    assert "ADI" in html
    assert reverse("people:income_support_create", args=[net.household.pk]) not in html
    assert reverse("people:income_support_end", args=[net.household.pk, support.pk]) not in html


def test_record_a_measure_through_the_form(net: Net) -> None:
    url = reverse("people:income_support_create", args=[net.household.pk])
    client = _client(net.alice)
    assert client.get(url).status_code == 200
    response = client.post(
        url,
        {
            "measure": "adi",
            "status": "granted",
            "date_from": "01/02/2024",
            "monthly_amount": "1.234,56",
            "inps_protocol": "INPS-ADI-7",
        },
    )
    assert response.status_code == 302
    support = IncomeSupport.objects.get()
    assert (support.monthly_amount, support.date_from) == (Decimal("1234.56"), D(2024, 2, 1))


@pytest.mark.parametrize(
    ("values", "text"),
    [
        ({"monthly_amount": "-10"}, "cannot be negative"),
        ({"date_from": "31/04/2024"}, "30 days"),
        ({"date_to": "01/01/2023"}, "before the start"),
    ],
)
def test_refused_form_saves_nothing(net: Net, values: dict[str, str], text: str) -> None:
    data = {"measure": "adi", "status": "granted", "date_from": "01/02/2024", **values}
    response = _client(net.alice).post(reverse("people:income_support_create", args=[net.household.pk]), data)
    assert response.status_code == 200
    assert text in response.content.decode()
    assert not IncomeSupport.objects.exists()


def test_end_a_measure_through_the_form(net: Net) -> None:
    support = _support(net)
    url = reverse("people:income_support_end", args=[net.household.pk, support.pk])
    response = _client(net.alice).post(url, {"status": "revoked", "date_to": "30/06/2024"})
    assert response.status_code == 302
    support.refresh_from_db()
    assert (support.status, support.date_to) == ("revoked", D(2024, 6, 30))


def test_measure_pages_are_missing_for_other_roles_and_households(net: Net) -> None:
    support = _support(net)
    other = _support(net, date_from=D(2030, 1, 1), status="applied")
    other.household = HouseholdFactory.create()
    other.save()
    create = reverse("people:income_support_create", args=[net.household.pk])
    end = reverse("people:income_support_end", args=[net.household.pk, support.pk])
    assert _client(net.dario).get(create).status_code == 404
    assert _client(net.carol).get(create).status_code == 404
    assert _client(net.carol).get(end).status_code == 404
    # A measure of another household through this household's URL.
    assert (
        _client(net.alice).get(reverse("people:income_support_end", args=[net.household.pk, other.pk])).status_code
        == 404
    )


# --- legal representative ----------------------------------------------------------------------


def test_person_panel_says_who_signs(net: Net) -> None:
    LegalRepresentative.objects.create(
        person=net.mario,
        kind="support_administrator",
        full_name="Anna Bianchi",
        court="Tribunale di Cremona",
        decree_number="123/2024",
        decree_date=D(2024, 3, 1),
        date_from=D(2024, 3, 15),
        recorded_by=net.alice,
    )
    html = _client(net.alice).get(reverse("people:person_detail", args=[net.mario.pk])).content.decode()
    assert "signs: Anna Bianchi (amministratore di sostegno)" in html
    assert "Tribunale di Cremona" in html and "01/03/2024" in html
    assert AccessEvent.objects.filter(section="registry", object_id=str(net.mario.pk)).exists()


def test_record_and_end_a_legal_representative_through_the_forms(net: Net) -> None:
    client = _client(net.alice)
    url = reverse("people:legal_representative_create", args=[net.mario.pk])
    assert client.get(url).status_code == 200
    refused = client.post(
        url,
        {"kind": "support_administrator", "full_name": "Anna Bianchi", "fiscal_code_value": "BNCNNA70C52D150X",
         "court": "Tribunale di Cremona", "decree_date": "01/03/2024", "date_from": "15/03/2024"},
    )  # fmt: skip
    assert refused.status_code == 200 and "check letter" in refused.content.decode()
    assert not LegalRepresentative.objects.exists()
    response = client.post(
        url,
        {"kind": "support_administrator", "full_name": "Anna Bianchi", "fiscal_code_value": "BNCNNA70C52D150O",
         "court": "Tribunale di Cremona", "decree_date": "01/03/2024", "date_from": "15/03/2024"},
    )  # fmt: skip
    assert response.status_code == 302
    rep = LegalRepresentative.objects.get()
    end = reverse("people:legal_representative_end", args=[net.mario.pk, rep.pk])
    assert client.post(end, {"date_to": "01/06/2024"}).status_code == 302
    rep.refresh_from_db()
    assert rep.date_to == D(2024, 6, 1)


def test_legal_rep_pages_are_missing_for_other_roles_and_persons(net: Net) -> None:
    url = reverse("people:legal_representative_create", args=[net.mario.pk])
    assert _client(net.dario).get(url).status_code == 404
    assert _client(net.carol).get(url).status_code == 404
    html = _client(net.dario).get(reverse("people:person_detail", args=[net.mario.pk])).content.decode()
    assert url not in html
