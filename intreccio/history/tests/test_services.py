"""Erasing a person reaches the change history (SECURITY.md R13): ``history_purge``."""

from __future__ import annotations

import json

import pytest
from django.core.exceptions import ValidationError

from intreccio.history.models import RowChange
from intreccio.history.services import PURGE_BATCH, history_purge
from intreccio.history.tests.conftest import ChangesSince
from intreccio.people.models import Household, Person
from intreccio.people.tests.factories import HouseholdFactory, PersonFactory

pytestmark = pytest.mark.django_db


def _copies(table: str, pk: int) -> int:
    return RowChange.objects.filter(table_name=table, row_pk=str(pk)).count()


def test_purge_deletes_the_copies_of_those_rows_only(new_changes: ChangesSince) -> None:
    gone, kept = PersonFactory.create(), PersonFactory.create()
    for person in (gone, kept):
        for citizenship in ("italiana", "albanese"):
            Person.objects.filter(pk=person.pk).update(citizenship=citizenship)
    household = HouseholdFactory.create()
    Household.objects.filter(pk=household.pk).update(name="Nucleo rinominato")
    assert _copies("people_person", gone.pk) == 2
    assert _copies("people_household", household.pk) == 1

    assert history_purge(table_name="people_person", row_pks=[gone.pk]) == 2

    assert _copies("people_person", gone.pk) == 0
    assert _copies("people_person", kept.pk) == 2
    # Keys name rows of the given table only (a household may well have the same number).
    assert _copies("people_household", household.pk) == 1


def test_purge_accepts_text_and_integer_keys_and_many_of_them(new_changes: ChangesSince) -> None:
    persons = [PersonFactory.create() for _ in range(3)]
    Person.objects.filter(pk__in=[p.pk for p in persons]).update(languages="italiano")
    keys: list[str | int] = [persons[0].pk, str(persons[1].pk), str(persons[1].pk)]
    # More keys than one batch: keys that have no copy are simply not found.
    keys += list(range(10**9, 10**9 + PURGE_BATCH + 10))
    assert history_purge(table_name="people_person", row_pks=keys) == 2
    assert [c.row_pk for c in new_changes()] == [str(persons[2].pk)]


def test_the_erasing_update_writes_a_copy_so_the_purge_comes_last(new_changes: ChangesSince) -> None:
    person = PersonFactory.create(first_name="Carlotta", last_name="Sentinella")
    Person.objects.filter(pk=person.pk).update(languages="sloveno")
    # The erasure blanks the identity: the trigger keeps the name it had in a new copy...
    Person.objects.filter(pk=person.pk).update(first_name="Anonima", last_name="Anonima")
    assert any(c.old_row["last_name"] == "Sentinella" for c in new_changes())
    # ...which the purge, run after it, removes with every earlier copy.
    assert history_purge(table_name="people_person", row_pks=[person.pk]) == 2
    everything = json.dumps(list(RowChange.objects.values_list("old_row", flat=True)))
    assert "Sentinella" not in everything
    assert "Carlotta" not in everything


def test_an_unknown_table_is_refused_and_nothing_is_deleted(new_changes: ChangesSince) -> None:
    person = PersonFactory.create()
    Person.objects.filter(pk=person.pk).update(languages="italiano")
    with pytest.raises(ValidationError) as refused:
        history_purge(table_name="people_persons", row_pks=[person.pk])
    assert refused.value.code == "unknown_table"
    assert new_changes().count() == 1
