"""Registering and changing persons: every refusal, the duplicate check, no lost updates.

Alice works at the segretariato sociale of the Comune di Cremona; Bob at the employment centre.
"""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from codicefiscale import codicefiscale
from django.core.exceptions import ValidationError

from intreccio.accounts.models import Operator, Organisation, Role
from intreccio.accounts.tests.factories import OrganisationFactory, StructureFactory, operator_with_role
from intreccio.audit.models import DomainEvent
from intreccio.people.models import NoFiscalCodeReason, Person, TargetGroup
from intreccio.people.services import person_create, person_find_duplicates, person_update
from intreccio.people.tests.factories import PersonFactory
from intreccio.territory.models import Comune
from intreccio.territory.tests.factories import ComuneFactory

MARIO_CF = "RSSMRA80A01D150J"


@pytest.fixture
def cremona(db: None) -> Comune:
    return ComuneFactory.create(istat_code="019036", belfiore_code="D150", name="Cremona", province_code="CR")


@pytest.fixture
def organisation(db: None) -> Organisation:
    return OrganisationFactory.create(name="Comune di Cremona")


@pytest.fixture
def alice(organisation: Organisation) -> Operator:
    structure = StructureFactory.create(organisation=organisation, name="Segretariato sociale")
    return operator_with_role(Role.SEGRETARIATO, structure=structure, username="alice")


def _values(**overrides: Any) -> dict[str, Any]:
    values: dict[str, Any] = {"first_name": "Mario", "last_name": "Rossi", "fiscal_code": MARIO_CF}
    values.update(overrides)
    return values


def _create(alice: Operator, organisation: Organisation, **kwargs: Any) -> Person:
    values = kwargs.pop("values", None) or _values()
    return person_create(actor=alice, organisation=organisation, values=values, **kwargs)


def _refusal(alice: Operator, organisation: Organisation, **values: Any) -> dict[str, list[str]]:
    with pytest.raises(ValidationError) as exc:
        _create(alice, organisation, values=_values(**values))
    return exc.value.message_dict


def test_create_reads_the_codice_fiscale_and_records_the_event(
    alice: Operator, organisation: Organisation, cremona: Comune
) -> None:
    person = _create(alice, organisation, target_groups=[TargetGroup.POVERTY, "not_a_group"])
    assert person.fiscal_code == MARIO_CF
    assert (person.sex, person.birth_date, person.birth_comune) == ("M", datetime.date(1980, 1, 1), cremona)
    assert (person.search_last_name, person.search_first_name) == ("rossi", "mario")
    assert person.registered_by == organisation and person.version == 1
    assert list(person.target_groups.values_list("group", flat=True)) == [TargetGroup.POVERTY]
    event = DomainEvent.objects.get(action="people.person.created")
    assert event.target_id == str(person.pk)
    assert "Rossi" not in str(event.payload)  # the audit trail names fields, never values


def test_a_person_without_codice_fiscale_needs_a_reason(alice: Operator, organisation: Organisation) -> None:
    errors = _refusal(alice, organisation, fiscal_code="")
    assert "fiscal_code" in errors
    person = _create(
        alice,
        organisation,
        values=_values(fiscal_code="", no_fiscal_code_reason=NoFiscalCodeReason.PROTECTED_PSEUDONYM),
    )
    assert person.fiscal_code is None and person.is_protected


def test_a_code_and_a_reason_together_are_refused(alice: Operator, organisation: Organisation) -> None:
    errors = _refusal(alice, organisation, no_fiscal_code_reason=NoFiscalCodeReason.ANONYMOUS)
    assert "no_fiscal_code_reason" in errors


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"fiscal_code": "RSSMRA80A01D150K"}, "fiscal_code"),
        ({"fiscal_code": "RSSMRA80A01D15"}, "fiscal_code"),
        (
            {"birth_date": datetime.date(2100, 1, 1), "fiscal_code": "", "no_fiscal_code_reason": "unknown"},
            "birth_date",
        ),
        (
            {"birth_date": datetime.date(1899, 12, 31), "fiscal_code": "", "no_fiscal_code_reason": "unknown"},
            "birth_date",
        ),
        ({"sex": "F"}, "sex"),
        ({"birth_date": datetime.date(1980, 1, 2)}, "birth_date"),
        ({"last_name": "  "}, "last_name"),
        ({"first_name": ""}, "first_name"),
        ({"email": "not-an-address"}, "email"),
        ({"sex": "X"}, "sex"),
        ({"fiscal_code": "12345678904"}, "fiscal_code"),  # a temporary code with a wrong check digit
    ],
)
def test_each_refusal_is_on_its_field_and_nothing_is_saved(
    alice: Operator, organisation: Organisation, values: dict[str, Any], field: str
) -> None:
    errors = _refusal(alice, organisation, **values)
    assert field in errors, errors
    assert not Person.objects.exists()
    assert not DomainEvent.objects.filter(action="people.person.created").exists()


def test_a_temporary_eleven_digit_code_is_recorded(alice: Operator, organisation: Organisation) -> None:
    person = person_create(
        actor=alice,
        organisation=organisation,
        values={"first_name": "Oksana", "last_name": "Kovalenko", "fiscal_code": "12345678903", "sex": "F"},
    )
    assert person.fiscal_code == "12345678903"


def test_a_birthplace_that_disagrees_with_the_code(
    alice: Operator, organisation: Organisation, cremona: Comune
) -> None:
    milano = ComuneFactory.create(istat_code="015146", belfiore_code="F205", name="Milano", province_code="MI")
    errors = _refusal(alice, organisation, birth_comune=milano)
    assert "birth_comune" in errors
    assert "Cremona" in errors["birth_comune"][0]


def test_every_problem_is_reported_at_once(alice: Operator, organisation: Organisation) -> None:
    errors = _refusal(alice, organisation, first_name="", sex="F", email="x")
    assert {"first_name", "sex", "email"} <= set(errors)


# --- duplicates -------------------------------------------------------------------------------


def _duplicate_candidates(alice: Operator, organisation: Organisation, values: dict[str, Any]) -> list[int]:
    with pytest.raises(ValidationError) as exc:
        _create(alice, organisation, values=values)
    assert exc.value.code == "possible_duplicate"
    assert exc.value.params is not None
    return list(exc.value.params["candidates"])


def test_same_codice_fiscale_is_a_duplicate_and_confirming_does_not_help(
    alice: Operator, organisation: Organisation
) -> None:
    existing = PersonFactory.create(fiscal_code=MARIO_CF, first_name="Mario", last_name="Rossi")
    # The warning lists the registered person, so that the operator can pick them.
    assert _duplicate_candidates(alice, organisation, _values()) == [existing.pk]
    # Confirming does not help: the code is unique.
    with pytest.raises(ValidationError) as exc:
        _create(alice, organisation, confirm_not_duplicate=True)
    assert "fiscal_code" in exc.value.message_dict
    assert [
        c.person
        for c in person_find_duplicates(fiscal_code_value=MARIO_CF, first_name="X", last_name="Y", birth_date=None)
    ] == [existing]


def test_an_omocodia_variant_is_a_duplicate(alice: Operator, organisation: Organisation) -> None:
    variant = codicefiscale.decode(MARIO_CF)["omocodes"][2]
    existing = PersonFactory.create(fiscal_code=variant, first_name="Mario", last_name="Rossi")
    assert _duplicate_candidates(alice, organisation, _values()) == [existing.pk]


@pytest.mark.parametrize(
    ("last_name", "first_name"),
    [
        ("Rossi", "Mario"),
        ("ROSSI", "mario"),
        ("Rosis", "Mario"),  # two letters swapped
        ("Rossi", "Mraio"),
        ("Rossi", "Mario Luigi"),  # a second first name
        ("Mario", "Rossi"),  # surname and first name swapped
        ("Rossì", "Màrio"),
    ],
)
def test_a_similar_name_with_the_same_birth_date_is_a_duplicate(
    alice: Operator, organisation: Organisation, last_name: str, first_name: str
) -> None:
    existing = PersonFactory.create(first_name="Mario", last_name="Rossi", birth_date=datetime.date(1980, 1, 1))
    values = _values(last_name=last_name, first_name=first_name, fiscal_code="", no_fiscal_code_reason="unknown")
    values["birth_date"] = datetime.date(1980, 1, 1)
    assert _duplicate_candidates(alice, organisation, values) == [existing.pk]


def test_a_different_name_or_date_is_not_a_duplicate(alice: Operator, organisation: Organisation) -> None:
    PersonFactory.create(first_name="Mario", last_name="Rossi", birth_date=datetime.date(1980, 1, 1))
    PersonFactory.create(first_name="Anna", last_name="Rossi", birth_date=datetime.date(1980, 1, 2))
    values = _values(first_name="Anna", fiscal_code="", no_fiscal_code_reason="unknown")
    values["birth_date"] = datetime.date(1980, 1, 1)
    person = _create(alice, organisation, values=values)
    assert person.pk


def test_confirming_creates_the_person(alice: Operator, organisation: Organisation) -> None:
    PersonFactory.create(first_name="Mario", last_name="Rossi", birth_date=datetime.date(1980, 1, 1))
    values = _values(fiscal_code="", no_fiscal_code_reason="unknown", birth_date=datetime.date(1980, 1, 1))
    with pytest.raises(ValidationError):
        _create(alice, organisation, values=values)
    person = _create(alice, organisation, values=values, confirm_not_duplicate=True)
    assert Person.objects.filter(search_last_name="rossi").count() == 2
    assert person.pk


# --- updates ----------------------------------------------------------------------------------


def test_update_with_the_current_version(alice: Operator, organisation: Organisation) -> None:
    person = _create(alice, organisation)
    updated = person_update(
        actor=alice,
        person=person,
        version=1,
        values=_values(first_name="Mario Luigi", phone="0372 123456"),
        target_groups=[TargetGroup.ELDERLY],
    )
    assert updated.version == 2 and updated.first_name == "Mario Luigi"
    assert updated.search_first_name == "marioluigi"
    event = DomainEvent.objects.get(action="people.person.updated")
    assert event.payload["fields"] == ["first_name", "phone"]


def test_a_stale_version_is_refused_and_nothing_is_lost(alice: Operator, organisation: Organisation) -> None:
    person = _create(alice, organisation)
    person_update(actor=alice, person=person, version=1, values=_values(phone="111"))
    with pytest.raises(ValidationError) as exc:
        person_update(actor=alice, person=person, version=1, values=_values(phone="222"))
    assert exc.value.code == "stale_version"
    person.refresh_from_db()
    assert (person.phone, person.version) == ("111", 2)


def test_update_cannot_take_the_code_of_another_person(alice: Operator, organisation: Organisation) -> None:
    PersonFactory.create(fiscal_code=MARIO_CF)
    other = _create(alice, organisation, values=_values(fiscal_code="", no_fiscal_code_reason="unknown"))
    with pytest.raises(ValidationError) as exc:
        person_update(actor=alice, person=other, version=1, values=_values())
    assert "fiscal_code" in exc.value.message_dict
