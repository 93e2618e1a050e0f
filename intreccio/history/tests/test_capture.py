"""Every way of changing or deleting a row leaves its previous state in the history (SECURITY.md R5).

These run on both engines: SQLite's per-table triggers and PostgreSQL's shared function.
"""

from __future__ import annotations

import datetime
import json

import pytest
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from intreccio.accounts.models import Operator
from intreccio.accounts.tests.factories import OperatorFactory
from intreccio.history.models import Operation
from intreccio.history.tests.conftest import ChangesSince
from intreccio.people.models import Household, HouseholdMember, Person
from intreccio.people.tests.factories import HouseholdFactory, HouseholdMemberFactory, PersonFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def persons() -> list[Person]:
    return [
        PersonFactory.create(first_name=name, citizenship=citizenship, phone=phone)
        for name, citizenship, phone in (
            ("Maria", "italiana", "0461 111"),
            ("Giulia", "albanese", "0461 222"),
            ("Sara", "rumena", "0461 333"),
        )
    ]


def _raw(table: str, column: str, pk: int) -> object:
    """A column's value as stored: ciphertext for an encrypted field."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {connection.ops.quote_name(column)} FROM {table} WHERE id = %s", [pk])  # noqa: S608
        return cursor.fetchone()[0]


def _ids(persons: list[Person]) -> list[int]:
    return [p.pk for p in persons]


def test_queryset_update_records_every_row_it_touched(persons: list[Person], new_changes: ChangesSince) -> None:
    updated = Person.objects.filter(pk__in=_ids(persons)).update(citizenship="ucraina")
    assert updated == 3
    changes = list(new_changes())
    assert [(c.table_name, c.row_pk, c.operation) for c in changes] == [
        ("people_person", str(p.pk), Operation.UPDATE) for p in sorted(persons, key=lambda p: p.pk)
    ]
    by_pk = {c.row_pk: c for c in changes}
    for person in persons:
        change = by_pk[str(person.pk)]
        assert change.old_row["citizenship"] == person.citizenship
        assert change.old_row["first_name"] == person.first_name
        assert change.old_row["id"] == person.pk
        assert change.changed_columns == ["citizenship"]
    assert Person.objects.filter(citizenship="ucraina").count() == 3


def test_bulk_update_records_the_old_values(persons: list[Person], new_changes: ChangesSince) -> None:
    for person in persons:
        person.last_name = f"{person.last_name}-nuovo"
    Person.objects.bulk_update(persons, ["last_name"])
    old = {str(p.pk): p.last_name.removesuffix("-nuovo") for p in persons}
    changes = list(new_changes())
    assert len(changes) == 3
    assert {c.row_pk: c.old_row["last_name"] for c in changes} == old
    assert all(c.changed_columns == ["last_name"] and c.operation == Operation.UPDATE for c in changes)


def test_queryset_delete_records_every_whole_row(new_changes: ChangesSince) -> None:
    household = HouseholdFactory.create()
    members = [
        HouseholdMemberFactory.create(household=household, person=PersonFactory.create(first_name=name))
        for name in ("Maria", "Luca")
    ]
    deleted, _ = HouseholdMember.objects.filter(household=household).delete()
    assert deleted == 2
    changes = list(new_changes())
    assert sorted((c.table_name, c.row_pk, c.operation) for c in changes) == sorted(
        ("people_householdmember", str(m.pk), "delete") for m in members
    )
    by_pk = {c.row_pk: c for c in changes}
    for member in members:
        old_row = by_pk[str(member.pk)].old_row
        assert by_pk[str(member.pk)].changed_columns is None
        assert old_row["person_id"] == member.person_id
        assert old_row["household_id"] == household.pk
        assert old_row["relationship"] == member.relationship
        assert set(old_row) == {f.column for f in HouseholdMember._meta.concrete_fields}


def test_raw_sql_update_is_recorded(persons: list[Person], new_changes: ChangesSince) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE people_person SET languages = %s, birth_country = %s WHERE id = %s",
            ["italiano, albanese", "Albania", persons[0].pk],
        )
    (change,) = new_changes()
    assert change.row_pk == str(persons[0].pk)
    assert change.old_row["languages"] == ""
    assert change.old_row["birth_country"] == ""
    assert change.changed_columns == ["birth_country", "languages"]


def test_the_history_holds_columns_as_stored_and_never_decodes_them(
    persons: list[Person], new_changes: ChangesSince
) -> None:
    # An encrypted field (the phone, R12) reaches the history as the ciphertext it is stored as.
    person = persons[0]
    stored_phone = _raw("people_person", "phone", person.pk)
    Person.objects.filter(pk=person.pk).update(first_name="Marta")
    (change,) = new_changes()
    assert change.old_row["phone"] == stored_phone
    if stored_phone != "0461 111":  # the column is encrypted: its plaintext is nowhere in the copy
        assert "0461 111" not in json.dumps(change.old_row)


def test_raw_sql_delete_is_recorded(new_changes: ChangesSince) -> None:
    household = HouseholdFactory.create(name="Nucleo Verdi", address="Via dei Mille 3")
    stored_address = _raw("people_household", "address", household.pk)
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM people_household WHERE id = %s", [household.pk])
    (change,) = new_changes()
    assert (change.table_name, change.operation) == ("people_household", "delete")
    assert change.old_row["name"] == "Nucleo Verdi"
    assert change.old_row["address"] == stored_address
    assert not Household.objects.filter(pk=household.pk).exists()


def test_save_is_recorded_with_the_columns_it_changed(persons: list[Person], new_changes: ChangesSince) -> None:
    person = persons[0]
    person.first_name = "Marta"
    person.save()
    (change,) = new_changes()
    assert change.old_row["first_name"] == "Maria"
    # save() writes every column; only those whose value changed are listed: the name, the time
    # of the change, and the encrypted columns, whose ciphertext changes at every write.
    unchanged = {f.column for f in Person._meta.concrete_fields} - set(change.changed_columns or [])
    assert {"first_name", "updated_at"} <= set(change.changed_columns or [])
    assert {"last_name", "citizenship", "birth_date", "created_at", "created_by_id"} <= unchanged


def test_an_update_that_changes_nothing_writes_nothing(persons: list[Person], new_changes: ChangesSince) -> None:
    Person.objects.filter(pk__in=_ids(persons)).update(first_name=F("first_name"))
    assert not new_changes().exists()


def test_change_time_and_transaction(persons: list[Person], new_changes: ChangesSince) -> None:
    before = timezone.now() - datetime.timedelta(seconds=5)
    with transaction.atomic():
        Person.objects.filter(pk=persons[0].pk).update(languages="1")
        Person.objects.filter(pk=persons[1].pk).update(languages="2")
    first, second = new_changes()
    assert before <= first.changed_at <= timezone.now() + datetime.timedelta(seconds=5)
    if connection.vendor == "postgresql":
        # One transaction id for the rows changed together: the history groups a save.
        assert first.transaction_id is not None
        assert first.transaction_id == second.transaction_id
    else:
        assert first.transaction_id is None


def test_a_rolled_back_change_leaves_no_history(persons: list[Person], new_changes: ChangesSince) -> None:
    with pytest.raises(RuntimeError), transaction.atomic():
        Person.objects.filter(pk=persons[0].pk).update(languages="1")
        raise RuntimeError("changed my mind")
    assert not new_changes().exists()


def test_untracked_tables_write_nothing(new_changes: ChangesSince) -> None:
    household = HouseholdFactory.create()
    organisation = household.registered_by
    organisation.name = "Comune rinominato"
    organisation.save()  # an organisation holds no personal data
    assert not new_changes().exists()


def test_password_hash_and_last_login_never_reach_the_history(new_changes: ChangesSince) -> None:
    operator: Operator = OperatorFactory.create(first_name="Anna")
    start = new_changes().count()
    Operator.objects.filter(pk=operator.pk).update(last_login=timezone.now())
    operator.set_password("another long passphrase")
    operator.save(update_fields=["password"])
    assert new_changes().count() == start, "a login or a new password is not a change of the record"
    Operator.objects.filter(pk=operator.pk).update(first_name="Annalisa")
    change = new_changes().last()
    assert change is not None
    assert change.old_row["first_name"] == "Anna"
    assert "password" not in change.old_row
    assert "last_login" not in change.old_row
    assert change.changed_columns == ["first_name"]
