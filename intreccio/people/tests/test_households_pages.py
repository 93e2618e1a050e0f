"""Household pages: who gets in, what they see, what a refused submit leaves behind.

Alice is a social worker and Bruno a segretariato operator of the Comune di Cremona; Dario is
the CPI operator there (reads households, records nothing); Carol is a social worker of the
Azienda Sociale, another organisation of the same ambito, whose households Alice cannot see.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass
from decimal import Decimal

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from intreccio.accounts.models import Operator, Organisation, Role
from intreccio.accounts.tests.factories import (
    AmbitoFactory,
    OrganisationFactory,
    StructureFactory,
    operator_with_role,
)
from intreccio.audit.models import AccessEvent, DomainEvent
from intreccio.people.models import Household, HouseholdMember, IseeDeclaration, Person, Relationship
from intreccio.people.permissions import REGISTRY_ROLES
from intreccio.people.tests.factories import (
    HouseholdFactory,
    HouseholdMemberFactory,
    IseeDeclarationFactory,
    PersonFactory,
)

TODAY = timezone.localdate()
D = datetime.date


@dataclass
class Network:
    organisation: Organisation
    other_organisation: Organisation
    alice: Operator
    bruno: Operator
    dario: Operator
    carol: Operator
    household: Household
    mario: Person
    lucia: Person
    stranger: Person

    def client(self, operator: Operator, language: str = "") -> Client:
        client = Client()
        client.force_login(operator)
        if language:
            client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
        return client


def build_network() -> Network:
    ambito = AmbitoFactory.create(code="CR", name="Ambito di Cremona")
    organisation = OrganisationFactory.create(name="Comune di Cremona", ambito=ambito)
    other = OrganisationFactory.create(name="Azienda Sociale del Cremonese", ambito=ambito)
    structure = StructureFactory.create(organisation=organisation)
    household = HouseholdFactory.create(registered_by=organisation, name="Famiglia Rossi", address="Via Palestro 3")
    mario = PersonFactory.create(registered_by=organisation, first_name="Mario", last_name="Rossi")
    lucia = PersonFactory.create(registered_by=organisation, first_name="Lucia", last_name="Rossi")
    # Known to the other organisation only: Alice sees the membership, not the person's data.
    stranger = PersonFactory.create(
        registered_by=other, first_name="Ignazio", last_name="Sconosciuto", birth_date=D(1941, 7, 9)
    )
    return Network(
        organisation=organisation,
        other_organisation=other,
        alice=operator_with_role(Role.SOCIAL_WORKER, structure=structure, username="alice"),
        bruno=operator_with_role(Role.SEGRETARIATO, structure=structure, username="bruno"),
        dario=operator_with_role(Role.CPI_OPERATOR, structure=structure, username="dario"),
        carol=operator_with_role(
            Role.SOCIAL_WORKER, structure=StructureFactory.create(organisation=other), username="carol"
        ),
        household=household,
        mario=mario,
        lucia=lucia,
        stranger=stranger,
    )


@pytest.fixture
def net(db: None) -> Network:
    return build_network()


def _counts() -> tuple[int, int, int, int]:
    return (
        Household.objects.count(),
        HouseholdMember.objects.count(),
        IseeDeclaration.objects.count(),
        DomainEvent.objects.count(),
    )


def _detail(net: Network) -> str:
    return reverse("people:household_detail", args=[net.household.pk])


class TestWhoGetsIn:
    @pytest.mark.parametrize("role", sorted(Role.values))
    def test_detail_per_role(self, net: Network, role: str) -> None:
        structure = StructureFactory.create(organisation=net.organisation)
        operator = operator_with_role(role, structure=structure)
        status = net.client(operator).get(_detail(net)).status_code
        assert status == (200 if role in REGISTRY_ROLES else 404)

    def test_another_organisations_household_is_404_without_an_access_record(self, net: Network) -> None:
        theirs = HouseholdFactory.create(registered_by=net.other_organisation, name="Famiglia Verdi")
        before = AccessEvent.objects.count()
        client = net.client(net.alice)
        for url in (
            reverse("people:household_detail", args=[theirs.pk]),
            reverse("people:household_member_add", args=[theirs.pk]),
            reverse("people:isee_create", args=[theirs.pk]),
        ):
            assert client.get(url).status_code == 404, url
        assert AccessEvent.objects.count() == before
        assert net.client(net.carol).get(reverse("people:household_detail", args=[theirs.pk])).status_code == 200

    def test_a_visible_member_opens_the_household_to_another_organisation(self, net: Network) -> None:
        theirs = HouseholdFactory.create(registered_by=net.other_organisation)
        HouseholdMemberFactory.create(household=theirs, person=net.mario)
        response = net.client(net.alice).get(reverse("people:household_detail", args=[theirs.pk]))
        assert response.status_code == 200

    def test_writes_to_another_organisations_household_are_404_and_save_nothing(self, net: Network) -> None:
        theirs = HouseholdFactory.create(registered_by=net.other_organisation)
        member = HouseholdMemberFactory.create(household=theirs, person=net.stranger)
        before = _counts()
        client = net.client(net.alice)
        posts = [
            (reverse("people:household_member_add", args=[theirs.pk]), {"person": net.mario.pk}),
            (reverse("people:household_member_leave", args=[theirs.pk, member.pk]), {"date_out": "01/01/2025"}),
            (reverse("people:isee_create", args=[theirs.pk]), {"kind": "ordinary", "value": "1"}),
        ]
        for url, data in posts:
            assert client.post(url, data).status_code == 404, url
        assert _counts() == before

    def test_a_member_of_another_household_is_404(self, net: Network) -> None:
        other = HouseholdFactory.create(registered_by=net.organisation)
        member = HouseholdMemberFactory.create(household=other, person=net.mario)
        url = reverse("people:household_member_leave", args=[net.household.pk, member.pk])
        assert net.client(net.alice).get(url).status_code == 404

    def test_the_cpi_operator_reads_but_records_nothing(self, net: Network) -> None:
        client = net.client(net.dario)
        assert client.get(_detail(net)).status_code == 200
        assert "membri/aggiungi" not in client.get(_detail(net)).content.decode()
        before = _counts()
        response = client.post(
            reverse("people:isee_create", args=[net.household.pk]),
            {"kind": "ordinary", "value": "100", "valid_from": "01/01/2025", "valid_to": "31/12/2025"},
        )
        assert response.status_code == 404
        assert client.get(reverse("people:household_create")).status_code == 404
        assert _counts() == before


class TestDetail:
    def test_shows_members_past_members_and_isee(self, net: Network) -> None:
        HouseholdMemberFactory.create(household=net.household, person=net.mario, date_in=D(2019, 4, 1))
        HouseholdMemberFactory.create(
            household=net.household,
            person=net.lucia,
            relationship=Relationship.CHILD,
            date_in=D(2019, 4, 1),
            date_out=D(2024, 9, 30),
        )
        HouseholdMemberFactory.create(
            household=net.household, person=net.stranger, relationship=Relationship.GRANDPARENT, date_in=D(2021, 2, 3)
        )
        current = IseeDeclarationFactory.create(
            household=net.household,
            value=Decimal("9360.50"),
            valid_from=TODAY - datetime.timedelta(days=10),
            valid_to=TODAY + datetime.timedelta(days=10),
            dsu_protocol="INPS-ISEE-0001",
        )
        IseeDeclarationFactory.create(
            household=net.household, value=Decimal("12000"), valid_from=D(2020, 1, 1), valid_to=D(2020, 12, 31)
        )
        before = AccessEvent.objects.count()
        response = net.client(net.alice).get(_detail(net))
        body = response.content.decode()
        assert response.status_code == 200
        # Reading the household is recorded.
        assert AccessEvent.objects.count() == before + 1
        event = AccessEvent.objects.order_by("-seq").first()
        assert event is not None
        assert (event.object_type, event.object_id) == ("people.household", str(net.household.pk))
        # Members current and past apart; dates day first.
        current_part, past_part = body.split('id="past-members-title"')
        assert "Rossi Mario" in current_part and "01/04/2019" in current_part
        assert "Rossi Lucia" in past_part and "30/09/2024" in past_part
        # The member known only to another organisation: name and contact, no birth date, no link.
        assert "Sconosciuto Ignazio" in current_part
        assert "Azienda Sociale del Cremonese" in current_part
        assert "09/07/1941" not in body
        # ISEE: in euro the Italian way; the one valid today highlighted.
        assert "€\u00a09.360,50" in body
        assert "€\u00a012.000,00" in body
        assert re.search(r'<tr class="table-success">\s*<th scope="row">[^<]*</th>\s*<td[^>]*>€\u00a09\.360,50', body)
        assert response.context["page"].valid_isee_ids == frozenset({current.pk})
        assert "INPS-ISEE-0001" in body

    def test_members_link_to_the_person_page_when_it_exists(self, net: Network) -> None:
        HouseholdMemberFactory.create(household=net.household, person=net.mario)
        HouseholdMemberFactory.create(household=net.household, person=net.stranger, relationship="grandparent")
        body = net.client(net.alice).get(_detail(net)).content.decode()
        try:
            mario_url = reverse("people:person_detail", args=[net.mario.pk])
        except NoReverseMatch:
            pytest.skip("the person pages are not there yet")
        assert f'href="{mario_url}"' in body
        assert f'href="{reverse("people:person_detail", args=[net.stranger.pk])}"' not in body

    def test_english_amounts(self, net: Network) -> None:
        IseeDeclarationFactory.create(household=net.household, value=Decimal("1234.56"))
        body = net.client(net.alice, language="en").get(_detail(net)).content.decode()
        assert "€1,234.56" in body

    def test_honest_empty_state(self, net: Network) -> None:
        response = net.client(net.alice, language="en").get(_detail(net))
        body = response.content.decode()
        assert "No ISEE recorded" in body
        assert "<table" not in body

    def test_query_count_does_not_grow_with_members_and_isee(self, net: Network, django_assert_max_num_queries) -> None:
        def fill(household: Household, n: int) -> None:
            for i in range(n):
                person = PersonFactory.create(registered_by=net.organisation if i % 2 else net.other_organisation)
                HouseholdMemberFactory.create(
                    household=household, person=person, date_in=D(2020, 1, 1), date_out=D(2021, 1, 1) if i % 3 else None
                )
                IseeDeclarationFactory.create(
                    household=household, valid_from=D(2000 + i, 1, 1), valid_to=D(2000 + i, 12, 31)
                )

        small = HouseholdFactory.create(registered_by=net.organisation)
        large = HouseholdFactory.create(registered_by=net.organisation)
        fill(small, 3)
        fill(large, 20)
        client = net.client(net.alice)
        client.get(reverse("people:household_detail", args=[small.pk]))  # session and memberships warmed up
        with CaptureQueriesContext(connection) as few:
            assert client.get(reverse("people:household_detail", args=[small.pk])).status_code == 200
        with django_assert_max_num_queries(len(few.captured_queries)):
            response = client.get(reverse("people:household_detail", args=[large.pk]))
        assert response.status_code == 200
        assert len(response.context["page"].isee_declarations) == 20


class TestCreate:
    def test_create_a_household(self, net: Network) -> None:
        response = net.client(net.bruno).post(
            reverse("people:household_create"), {"name": "Famiglia Bianchi", "address": "Via Milano 2"}
        )
        household = Household.objects.get(name="Famiglia Bianchi")
        assert response.status_code == 302
        assert response["Location"] == reverse("people:household_detail", args=[household.pk])
        assert household.registered_by == net.organisation

    def test_from_a_person_makes_them_the_reference_person(self, net: Network) -> None:
        url = reverse("people:household_create") + f"?person={net.mario.pk}"
        client = net.client(net.alice)
        page = client.get(url)
        assert page.context["form"].initial["name"] == "Rossi"
        response = client.post(url, {"name": "Famiglia Rossi bis", "date_in": "02/03/2024"})
        assert response.status_code == 302
        member = HouseholdMember.objects.get(person=net.mario)
        assert member.household.name == "Famiglia Rossi bis"
        assert (member.relationship, member.date_in) == (Relationship.REFERENCE, D(2024, 3, 2))

    def test_from_a_person_already_in_a_household_saves_nothing(self, net: Network) -> None:
        HouseholdMemberFactory.create(household=net.household, person=net.mario)
        before = _counts()
        url = reverse("people:household_create") + f"?person={net.mario.pk}"
        response = net.client(net.alice).post(url, {"name": "Famiglia Nuova", "date_in": "02/03/2024"})
        assert response.status_code == 200
        assert "Famiglia Rossi" in " ".join(response.context["form"].non_field_errors())
        assert _counts() == before

    def test_from_a_person_not_visible_is_404(self, net: Network) -> None:
        url = reverse("people:household_create") + f"?person={net.stranger.pk}"
        assert net.client(net.alice).get(url).status_code == 404

    @pytest.mark.parametrize(
        ("raw", "fragment"),
        [("31/04/2024", "30"), ("29/02/2023", "2023"), ("00/00/0000", "0"), ("2/3/24", "four digits")],
    )
    def test_impossible_dates_are_refused_on_the_field(self, net: Network, raw: str, fragment: str) -> None:
        before = _counts()
        url = reverse("people:household_create") + f"?person={net.mario.pk}"
        response = net.client(net.alice, language="en").post(url, {"name": "Famiglia Rossi", "date_in": raw})
        assert response.status_code == 200
        (message,) = response.context["form"].errors["date_in"]
        assert fragment in message
        assert message in response.content.decode()
        assert _counts() == before


class TestMembers:
    def _url(self, net: Network) -> str:
        return reverse("people:household_member_add", args=[net.household.pk])

    def test_htmx_search_lists_only_visible_persons(self, net: Network) -> None:
        PersonFactory.create(registered_by=net.other_organisation, first_name="Rita", last_name="Rossi")
        response = net.client(net.alice).get(self._url(net), {"q": "rossi"}, HTTP_HX_REQUEST="true")
        body = response.content.decode()
        assert response.status_code == 200
        assert "<html" not in body
        assert f'value="{net.mario.pk}"' in body and f'value="{net.lucia.pk}"' in body
        assert "Rita" not in body

    def test_search_without_htmx_renders_the_page(self, net: Network) -> None:
        response = net.client(net.alice).get(self._url(net), {"q": "rossi mario"})
        assert response.status_code == 200
        assert f'value="{net.mario.pk}"' in response.content.decode()

    def test_add_a_member(self, net: Network) -> None:
        response = net.client(net.alice).post(
            self._url(net), {"person": net.mario.pk, "relationship": "spouse", "date_in": "15/06/2022"}
        )
        assert response.status_code == 302
        member = HouseholdMember.objects.get(household=net.household)
        assert (member.person, member.relationship, member.date_in) == (net.mario, "spouse", D(2022, 6, 15))

    def test_preselected_from_the_person_page(self, net: Network) -> None:
        response = net.client(net.alice).get(self._url(net), {"person": net.mario.pk})
        assert f'value="{net.mario.pk}" checked' in response.content.decode()

    @pytest.mark.parametrize(
        ("data", "field"),
        [
            ({"relationship": "child", "date_in": "01/01/2022"}, "person"),  # nobody chosen
            ({"person": "abc", "relationship": "child", "date_in": "01/01/2022"}, "person"),
            ({"person": "STRANGER", "relationship": "child", "date_in": "01/01/2022"}, "person"),  # not visible
            ({"person": "MARIO", "relationship": "child", "date_in": "31/04/2022"}, "date_in"),
            ({"person": "MARIO", "relationship": "child", "date_in": "29/02/2023"}, "date_in"),
            ({"person": "MARIO", "relationship": "chauffeur", "date_in": "01/01/2022"}, "relationship"),
        ],
    )
    def test_refused_submits_save_nothing(self, net: Network, data: dict[str, str], field: str) -> None:
        data = {k: {"MARIO": str(net.mario.pk), "STRANGER": str(net.stranger.pk)}.get(v, v) for k, v in data.items()}
        before = _counts()
        response = net.client(net.alice).post(self._url(net), data)
        assert response.status_code == 200
        assert field in response.context["form"].errors
        assert _counts() == before

    def test_duplicate_membership_is_refused_on_the_person(self, net: Network) -> None:
        other = HouseholdFactory.create(registered_by=net.organisation, name="Famiglia Verdi")
        HouseholdMemberFactory.create(household=other, person=net.mario)
        HouseholdMemberFactory.create(household=net.household, person=net.lucia)
        client = net.client(net.alice, language="en")
        before = _counts()
        for person, expected in ((net.mario, "Famiglia Verdi"), (net.lucia, "already")):
            response = client.post(
                self._url(net), {"person": person.pk, "relationship": "child", "date_in": "01/01/2022"}
            )
            (message,) = response.context["form"].errors["person"]
            assert expected in message
            assert message in response.content.decode()
        assert _counts() == before

    def test_leave(self, net: Network) -> None:
        member = HouseholdMemberFactory.create(household=net.household, person=net.mario, date_in=D(2020, 1, 1))
        url = reverse("people:household_member_leave", args=[net.household.pk, member.pk])
        client = net.client(net.alice)
        assert client.get(url).status_code == 200
        before = _counts()
        response = client.post(url, {"date_out": "29/02/2023"})
        assert "date_out" in response.context["form"].errors
        response = client.post(url, {"date_out": "31/12/2019"})
        assert "date_out" in response.context["form"].errors
        assert _counts() == before
        response = client.post(url, {"date_out": "29/02/2024"})
        assert response.status_code == 302
        member.refresh_from_db()
        assert member.date_out == D(2024, 2, 29)


class TestMemberChoices:
    def test_persons_already_in_a_household_cannot_be_chosen(self, net: Network) -> None:
        other = HouseholdFactory.create(registered_by=net.organisation, name="Famiglia Verdi")
        HouseholdMemberFactory.create(household=other, person=net.mario)
        HouseholdMemberFactory.create(household=net.household, person=net.lucia)
        url = reverse("people:household_member_add", args=[net.household.pk])
        body = net.client(net.alice).get(url, {"q": "rossi"}, HTTP_HX_REQUEST="true").content.decode()
        assert re.search(rf'value="{net.mario.pk}" disabled', body)
        assert re.search(rf'value="{net.lucia.pk}" disabled', body)
        assert "Famiglia Verdi" in body

    def test_the_relationship_is_not_preselected(self, net: Network) -> None:
        url = reverse("people:household_member_add", args=[net.household.pk])
        response = net.client(net.alice).post(url, {"person": net.mario.pk, "date_in": "01/01/2022"})
        assert "relationship" in response.context["form"].errors
        assert not HouseholdMember.objects.exists()

    def test_the_reference_person_heads_the_list(self, net: Network) -> None:
        HouseholdMemberFactory.create(
            household=net.household, person=net.lucia, relationship="child", date_in=D(2001, 1, 1)
        )
        HouseholdMemberFactory.create(household=net.household, person=net.mario, date_in=D(2010, 1, 1))
        page = net.client(net.alice).get(_detail(net)).context["page"]
        assert [m.person for m in page.current_members] == [net.mario, net.lucia]
