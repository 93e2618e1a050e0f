"""Reads of the registry: who sees whom, what the search finds, and the access trail of every read.

Alice (segretariato, Comune di Cremona) registered Mario Rossi. Carol (segretariato, Comune di
Crema) has never met him: she learns only that the network knows him and whom to contact.
"""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.db.models import QuerySet
from django.http import Http404, HttpRequest
from django.test import RequestFactory

from intreccio.accounts.models import Membership, Operator, Organisation, Role
from intreccio.accounts.tests.factories import OrganisationFactory, StructureFactory, operator_with_role
from intreccio.audit.models import AccessEvent
from intreccio.people.models import Person
from intreccio.people.selectors import (
    person_get_for_user,
    person_hits_for_user,
    person_page_for_user,
    person_search,
)
from intreccio.people.tests.factories import HouseholdMemberFactory, IseeDeclarationFactory, PersonFactory


def _request(operator: Operator) -> HttpRequest:
    request = RequestFactory().get("/persone/")
    request.user = operator
    request.membership = Membership.objects.select_related("structure__organisation").get(operator=operator)  # type: ignore[attr-defined]
    return request


@pytest.fixture
def cremona(db: None) -> Organisation:
    return OrganisationFactory.create(name="Comune di Cremona")


@pytest.fixture
def crema(db: None) -> Organisation:
    return OrganisationFactory.create(name="Comune di Crema")


@pytest.fixture
def alice(cremona: Organisation) -> Operator:
    return operator_with_role(Role.SEGRETARIATO, structure=StructureFactory.create(organisation=cremona))


@pytest.fixture
def carol(crema: Organisation) -> Operator:
    return operator_with_role(Role.SEGRETARIATO, structure=StructureFactory.create(organisation=crema))


@pytest.fixture
def mario(cremona: Organisation) -> Person:
    return PersonFactory.create(
        first_name="Mario",
        last_name="Rossi",
        fiscal_code="RSSMRA80A01D150J",
        birth_date=datetime.date(1980, 1, 1),
        registered_by=cremona,
    )


def _names(hits: list) -> list[str]:
    return [str(hit.person) for hit in hits]


def test_the_registering_organisation_sees_the_person_others_get_404(
    alice: Operator, carol: Operator, mario: Person
) -> None:
    assert person_get_for_user(request=_request(alice), pk=mario.pk) == mario
    with pytest.raises(Http404):
        person_get_for_user(request=_request(carol), pk=mario.pk)
    with pytest.raises(Http404):
        person_get_for_user(request=_request(alice), pk=mario.pk + 1000)


@pytest.mark.parametrize("role", [Role.ADMINISTRATOR, Role.AUDITOR, Role.PROGRAMME_OFFICER])
def test_roles_outside_the_registry_get_404(role: str, cremona: Organisation, mario: Person) -> None:
    operator = operator_with_role(role, structure=StructureFactory.create(organisation=cremona))
    with pytest.raises(Http404):
        person_get_for_user(request=_request(operator), pk=mario.pk)
    with pytest.raises(Http404):
        person_search(request=_request(operator), text="rossi")


def test_every_read_writes_an_access_event(alice: Operator, mario: Person) -> None:
    person_get_for_user(request=_request(alice), pk=mario.pk, purpose="test")
    person_get_for_user(request=_request(alice), pk=mario.pk, purpose="test")
    events = AccessEvent.objects.filter(object_type="people.person", object_id=str(mario.pk))
    assert events.count() == 2
    assert {e.actor_id for e in events} == {alice.pk}


def test_a_refused_read_writes_nothing(carol: Operator, mario: Person) -> None:
    with pytest.raises(Http404):
        person_get_for_user(request=_request(carol), pk=mario.pk)
    assert not AccessEvent.objects.exists()


def test_search_marks_hits_visible_or_known_to_the_network(alice: Operator, carol: Operator, mario: Person) -> None:
    [hit] = person_search(request=_request(alice), text="rossi")
    assert hit.visible and hit.person == mario
    [hit] = person_search(request=_request(carol), text="rossi")
    assert not hit.visible
    assert hit.contact == "Comune di Cremona"


def test_search_results_are_recorded_as_reads(alice: Operator, carol: Operator, mario: Person) -> None:
    person_search(request=_request(carol), text="rossi mario")
    event = AccessEvent.objects.get(object_id=str(mario.pk))
    assert (event.section, event.purpose, event.actor_id) == ("search_result", "search", carol.pk)


def test_an_empty_query_reads_nobody(alice: Operator, mario: Person) -> None:
    assert person_search(request=_request(alice), text="  ") == []
    assert not AccessEvent.objects.exists()


@pytest.mark.parametrize(
    "text",
    [
        "rossi",
        "ROSSI",
        "ros",
        "Rossi Mario",
        "Mario Rossi",
        "mario ros",
        "Rosis",  # two letters swapped
        "Rossi Maro",  # a prefix of the wrong spelling does not match… but the right one does below
        "Rossi 1980",
        "rossi 01/01/1980",
        "RSSMRA80",
        "rssmra80a01",
        "RSSMRA",
        "RSSMRA80A01D150J",
    ],
)
def test_the_search_finds_mario_however_he_is_typed(alice: Operator, mario: Person, text: str) -> None:
    hits = person_search(request=_request(alice), text=text)
    if text == "Rossi Maro":
        assert mario not in [h.person for h in hits]
        return
    assert mario in [h.person for h in hits], text


@pytest.mark.parametrize(
    ("stored", "typed"),
    [
        (("Anna", "D'Angelo"), "dangelo anna"),
        (("Anna", "D'Angelo"), "D'Angelo"),
        (("Anna", "D'Angelo"), "d angelo"),
        (("Nicolò", "Bianchi"), "bianchi nicolo"),
        (("Maria Grazia", "De Santis"), "De Santis Maria Grazia"),
        (("Maria Grazia", "De Santis"), "maria grazia de santis"),
        (("Maria Grazia", "De Santis"), "desantis"),
        (("Maria Grazia", "De Santis"), "Santis"),
        (("Ahmed", "El Amrani"), "amrani"),
    ],
)
def test_accents_apostrophes_and_compound_names(
    alice: Operator, cremona: Organisation, stored: tuple[str, str], typed: str
) -> None:
    first, last = stored
    person = PersonFactory.create(first_name=first, last_name=last, registered_by=cremona)
    hits = person_search(request=_request(alice), text=typed)
    if typed in {"Santis", "amrani"}:
        # A search matches the start of the surname: the second word of a compound is not a start.
        assert person not in [h.person for h in hits]
    else:
        assert person in [h.person for h in hits], typed


def test_exact_matches_come_before_typo_matches(alice: Operator, cremona: Organisation) -> None:
    PersonFactory.create(last_name="Orssi", first_name="Anna", registered_by=cremona)
    PersonFactory.create(last_name="Rossi", first_name="Zeno", registered_by=cremona)
    PersonFactory.create(last_name="Mario", first_name="Rossi", registered_by=cremona)  # "rossi" as a first name
    assert _names(person_search(request=_request(alice), text="rossi")) == [
        "Rossi Zeno",
        "Mario Rossi",
        "Orssi Anna",
    ]


def test_birth_year_narrows(alice: Operator, cremona: Organisation, mario: Person) -> None:
    PersonFactory.create(
        last_name="Rossi", first_name="Luca", birth_date=datetime.date(1990, 3, 3), registered_by=cremona
    )
    assert _names(person_search(request=_request(alice), text="rossi 1980")) == ["Rossi Mario"]


def test_duplicate_candidates_as_the_operator_may_see_them(alice: Operator, carol: Operator, mario: Person) -> None:
    [hit] = person_hits_for_user(request=_request(carol), pks=[mario.pk], purpose="duplicate_check")
    assert not hit.visible
    assert AccessEvent.objects.filter(object_id=str(mario.pk), purpose="duplicate_check").count() == 1


def test_person_page_reads_household_and_isee(alice: Operator, mario: Person) -> None:
    member = HouseholdMemberFactory.create(person=mario)
    isee = IseeDeclarationFactory.create(
        household=member.household, valid_from=datetime.date(2026, 1, 15), valid_to=datetime.date(2026, 12, 31)
    )
    page = person_page_for_user(request=_request(alice), pk=mario.pk, today=datetime.date(2026, 3, 1))
    assert page.current_membership == member
    assert page.current_isee == isee
    assert page.can_edit
    page = person_page_for_user(request=_request(alice), pk=mario.pk, today=datetime.date(2027, 3, 1))
    assert page.current_isee is None


def _index_names() -> set[str]:
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, "people_person")
    return set(constraints)


def test_the_prefix_search_indexes_exist(db: None) -> None:
    """Created by raw SQL (0002): a later migration that rebuilds the table on SQLite would drop them."""
    assert {"person_last_prefix_idx", "person_first_prefix_idx"} <= _index_names()
    if connection.vendor == "sqlite":
        assert "person_cf_prefix_idx" in _index_names()


def _plan(queryset: QuerySet[Person]) -> str:
    if connection.vendor != "postgresql":
        return queryset.explain()
    # On a near-empty table PostgreSQL rightly prefers a sequential scan: ask whether it could use an index.
    with connection.cursor() as cursor:
        cursor.execute("SET enable_seqscan = off")
        try:
            return queryset.explain()
        finally:
            cursor.execute("SET enable_seqscan = on")


@pytest.mark.parametrize(
    "condition",
    [
        {"search_last_name__startswith": "ross"},
        {"search_first_name__startswith": "mar"},
        {"fiscal_code__startswith": "RSSMRA8"},
    ],
)
def test_a_prefix_search_uses_an_index(mario: Person, condition: dict[str, str]) -> None:
    plan = _plan(Person.objects.filter(**condition))
    if connection.vendor == "sqlite":
        assert "USING INDEX" in plan or "USING COVERING INDEX" in plan, plan
    else:
        assert "Index" in plan and "Seq Scan" not in plan, plan
