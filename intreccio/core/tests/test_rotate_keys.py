"""R12: ``manage.py rotate_keys`` re-encrypts every row under the active key, and survives interruption.

Values are written under the development key, then the keyring gets a new first key and the
command runs: complete, stopped by ``--limit``, stopped by a real database error raised by a
trigger on one row half-way, and with rows that do not open. At every point every row still
opens with the keyring, and a new run finishes the job.

The change history (R5) keeps copies of rows as stored, sealed under the key of their day; the
command re-encrypts those too, by the same rules, so that once it is done the old key can be
destroyed: every copy then opens with the new key alone.
"""

from __future__ import annotations

import base64
import contextlib
import io
import re
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest
from django.apps import apps
from django.core.management import CommandError, call_command
from django.db import connection, models
from django.db.models.functions import Cast
from django.test import override_settings
from django.utils import translation

from intreccio.core import crypto
from intreccio.core.fields import encrypt_existing_rows, encrypted_fields
from intreccio.core.history_keys import encrypt_existing_rows_and_copies, sealed_columns
from intreccio.core.tests.test_crypto import stored, write_stored
from intreccio.history.models import RowChange
from intreccio.history.triggers import install_triggers, remove_triggers
from intreccio.people.models import Household, Person
from intreccio.people.tests.factories import HouseholdFactory, PersonFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english() -> Iterator[None]:
    """The command speaks the active language (Italian by default): these tests read its English."""
    with translation.override("en"):
        yield


NEW = "k2:" + base64.b64encode(bytes(range(32))).decode()
ROTATED = [NEW, crypto.DEV_KEY_ENTRY]


def _all_values() -> dict[tuple[str, Any], str]:
    """Every non-empty encrypted value of the database, opened with the current keyring (raises if one does not)."""
    ring = crypto.current_keyring()
    values: dict[tuple[str, Any], str] = {}
    for model, field in encrypted_fields():
        context = f"{model._meta.label_lower}.{field.name}"
        rows = model._base_manager.annotate(raw=Cast(field.name, output_field=models.TextField())).values_list(
            "pk", "raw"
        )
        for pk, raw in rows:
            if raw:
                values[(f"{model._meta.label}.{field.name}", pk)] = crypto.decrypt(raw, context=context, keyring=ring)
    return values


def _key_ids() -> dict[str, int]:
    counts: dict[str, int] = {}
    for model, field in encrypted_fields():
        for raw in model._base_manager.annotate(raw=Cast(field.name, output_field=models.TextField())).values_list(
            "raw", flat=True
        ):
            if raw:
                kid = crypto.token_key_id(raw) or "plain"
                counts[kid] = counts.get(kid, 0) + 1
    return counts


def _copies() -> list[tuple[int, str, dict[str, Any]]]:
    """Every change-history copy of a table with encrypted columns: (id, table, old_row)."""
    tables = sealed_columns(encrypted_fields())
    rows = RowChange.objects.filter(table_name__in=list(tables)).order_by("pk")
    return list(rows.values_list("pk", "table_name", "old_row"))


def _history_values() -> dict[tuple[int, str], str]:
    """Every non-empty encrypted value inside the history's copies, opened with the current keyring.

    Raises if one does not open, a value in clear included (``decrypt`` refuses it).
    """
    ring = crypto.current_keyring()
    tables = sealed_columns(encrypted_fields())
    values: dict[tuple[int, str], str] = {}
    for pk, table, old_row in _copies():
        for column, sealed in tables[table].items():
            if old_row.get(column):
                values[(pk, column)] = crypto.decrypt(old_row[column], context=sealed.context, keyring=ring)
    return values


def _history_key_ids() -> Counter[str]:
    tables = sealed_columns(encrypted_fields())
    counts: Counter[str] = Counter()
    for _pk, table, old_row in _copies():
        for column in tables[table]:
            if old_row.get(column):
                counts[crypto.token_key_id(old_row[column]) or "plain"] += 1
    return counts


@pytest.fixture
def world() -> dict[tuple[str, Any], str]:
    """Seven persons with addresses and phones (some empty), three households: 18 values under the dev key.

    The first three persons moved house once: the history keeps their rows as they were, 7 more
    values under the dev key (3 phones, 3 residence addresses, 1 domicile address).
    """
    for index in range(7):
        PersonFactory.create(
            phone=f"333 000 {index:04d}" if index < 5 else "",
            residence_address=f"via Milano {index}, Cremona",
            domicile_address="strada per Crema 3" if index % 2 else "",
        )
    for index in range(3):
        HouseholdFactory.create(address=f"piazza del Comune {index}")
    for index, person in enumerate(Person.objects.order_by("pk")[:3]):
        person.residence_address = f"via Roma {index}, Cremona"
        person.save(update_fields=["residence_address"])
    values = _all_values()
    assert _key_ids() == {"dev": 18}
    assert _history_key_ids() == {"dev": 7}
    return values


class CheckingStream(io.StringIO):
    """The command's output: at every line it prints (after each batch) every row and every copy must open.

    A copy that existed when the stream was made must still open to the same plain text (the
    rotation adds copies of its own, of values that also open).
    """

    def __init__(self, expected: dict[tuple[str, Any], str]) -> None:
        super().__init__()
        self.expected = expected
        self.history = _history_values()
        self.checks = 0

    def write(self, text: str) -> int:
        assert _all_values() == self.expected
        history = _history_values()
        assert {key: history.get(key) for key in self.history} == self.history
        self.checks += 1
        return super().write(text)


def _in_history(printed: str) -> int:
    """The count of the command's line for the change history."""
    found = re.search(r"(\d+) values? re-encrypted in the change history\.", printed)
    assert found is not None, printed
    return int(found.group(1))


def test_rotation_re_encrypts_every_value_under_the_new_key(world: dict[tuple[str, Any], str]) -> None:
    history_before = _history_values()
    copies_before = {pk: old_row for pk, _table, old_row in _copies()}
    out = io.StringIO()
    with override_settings(FIELD_ENCRYPTION_KEYS=ROTATED):
        call_command("rotate_keys", stdout=out)
        assert _key_ids() == {"k2": 18}
        assert _all_values() == world
        printed = out.getvalue()
        assert "people.Person.phone: 5 re-encrypted (dev: 5)" in printed
        assert "people.Household.address: 3 re-encrypted (dev: 3)" in printed
        assert "18 values re-encrypted." in printed and "Every encrypted value is under the key k2." in printed
        # The history: the 7 values copied before, and those of the copies the rotation itself
        # made (each re-encrypted column is an UPDATE the triggers copy, under the old key).
        assert re.search(r"history\.RowChange\.old_row\[people_person\]: \d+ re-encrypted \(dev: \d+\)", printed)
        assert _in_history(printed) > 7
        assert set(_history_key_ids()) == {"k2"}
        # Re-encrypting the history wrote no copies of its own: only the 18 UPDATEs of the rows did.
        assert RowChange.objects.count() == len(copies_before) + 18
        # A copy keeps everything else exactly; its encrypted values open to what they were.
        after = {pk: old_row for pk, _table, old_row in _copies()}
        for pk, old_row in copies_before.items():
            assert {k: v for k, v in after[pk].items() if not str(v).startswith("enc1:")} == {
                k: v for k, v in old_row.items() if not str(v).startswith("enc1:")
            }
        assert {key: value for key, value in _history_values().items() if key in history_before} == history_before
        # Idempotent: nothing left to do.
        again = io.StringIO()
        call_command("rotate_keys", stdout=again)
        assert "0 values re-encrypted." in again.getvalue()
        assert _in_history(again.getvalue()) == 0
    # The old key can go: everything opens with the new one alone, the history's copies included.
    with override_settings(FIELD_ENCRYPTION_KEYS=[NEW]):
        assert _all_values() == world
        assert len(_history_values()) == sum(_history_key_ids().values())
        checked = io.StringIO()
        call_command("rotate_keys", "--check", stdout=checked)
        assert "dev" not in checked.getvalue()
        assert re.search(r"history\.RowChange\.old_row\[people_person\]: k2: \d+", checked.getvalue())
        # Empty values stay empty.
        empty = Person.objects.filter(phone="").values_list("pk", flat=True)
        assert len(empty) == 2 and all(stored(Person, pk, "phone") == "" for pk in empty)


def test_without_the_history_pass_the_old_key_could_not_go(world: dict[tuple[str, Any], str]) -> None:
    """The control: the columns alone under the new key leave copies that only the old key opens."""
    with override_settings(FIELD_ENCRYPTION_KEYS=ROTATED):
        call_command("rotate_keys", "--limit", "18", stdout=io.StringIO())
        assert _key_ids() == {"k2": 18}
        left = _history_key_ids()["dev"]
        assert left > 7
        with pytest.raises(CommandError, match=f"{left} values are not under the active key"):
            call_command("rotate_keys", "--check", stdout=io.StringIO())
    with (
        override_settings(FIELD_ENCRYPTION_KEYS=[NEW]),
        pytest.raises(crypto.DecryptionError, match="not in the keyring"),
    ):
        _history_values()


def test_stopped_at_a_limit_every_row_opens_and_a_new_run_finishes(world: dict[tuple[str, Any], str]) -> None:
    with override_settings(FIELD_ENCRYPTION_KEYS=ROTATED):
        stream = CheckingStream(world)
        call_command("rotate_keys", "--limit", "7", "--batch-size", "2", "--verbosity", "2", stdout=stream)
        assert _key_ids() == {"k2": 7, "dev": 11}
        assert "Stopped at the limit of 7 values" in stream.getvalue()
        assert stream.checks >= 4  # one per committed batch at least
        assert "change history" not in stream.getvalue()  # not reached
        left = 11 + _history_key_ids()["dev"]
        with pytest.raises(CommandError, match=f"{left} values are not under the active key"):
            call_command("rotate_keys", "--check", stdout=io.StringIO())
        stream = CheckingStream(world)
        call_command("rotate_keys", "--batch-size", "2", "--verbosity", "2", stdout=stream)
        assert _key_ids() == {"k2": 18}
        assert "11 values re-encrypted." in stream.getvalue()
        assert _all_values() == world
        assert set(_history_key_ids()) == {"k2"}


def test_stopped_inside_the_history_every_copy_opens_and_a_new_run_finishes(
    world: dict[tuple[str, Any], str],
) -> None:
    with override_settings(FIELD_ENCRYPTION_KEYS=ROTATED):
        # 18 values in the rows, then 5 in the copies, two copies per transaction.
        stream = CheckingStream(world)
        call_command("rotate_keys", "--limit", "23", "--batch-size", "2", "--verbosity", "2", stdout=stream)
        assert _key_ids() == {"k2": 18}
        assert _in_history(stream.getvalue()) == 5
        assert "Stopped at the limit of 23 values" in stream.getvalue()
        assert "history.RowChange.old_row[people_household]: batch 1 committed" in stream.getvalue()
        left = _history_key_ids()["dev"]
        assert left > 0 and _history_key_ids()["k2"] >= 5
        with pytest.raises(CommandError, match=f"{left} values are not under the active key"):
            call_command("rotate_keys", "--check", stdout=io.StringIO())
        stream = CheckingStream(world)
        call_command("rotate_keys", "--batch-size", "2", "--verbosity", "2", stdout=stream)
        assert _in_history(stream.getvalue()) == left
        assert set(_history_key_ids()) == {"k2"}
    with override_settings(FIELD_ENCRYPTION_KEYS=[NEW]):
        assert _all_values() == world
        _history_values()
        call_command("rotate_keys", "--check", stdout=io.StringIO())


def _install_fault(table: str, column: str, pk: int) -> None:
    """A trigger that refuses to update one row: a real database error in the middle of a run."""
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(
                f"CREATE TRIGGER rotation_fault BEFORE UPDATE OF {column} ON {table} "
                f"WHEN OLD.id = {pk:d} BEGIN SELECT RAISE(ABORT, 'injected fault'); END"
            )
        else:
            cursor.execute(
                "CREATE FUNCTION rotation_fault() RETURNS trigger LANGUAGE plpgsql AS "
                "$$ BEGIN RAISE EXCEPTION 'injected fault'; END $$"
            )
            cursor.execute(
                f"CREATE TRIGGER rotation_fault BEFORE UPDATE OF {column} ON {table} "
                f"FOR EACH ROW WHEN (OLD.id = {pk:d}) EXECUTE FUNCTION rotation_fault()"
            )


def _remove_fault(table: str) -> None:
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("DROP TRIGGER rotation_fault")
        else:
            cursor.execute(f"DROP TRIGGER rotation_fault ON {table}")
            cursor.execute("DROP FUNCTION rotation_fault()")


def test_a_database_error_half_way_loses_nothing_and_a_new_run_finishes(world: dict[tuple[str, Any], str]) -> None:
    # Fields are rotated in a stable order (access…, people.Household, people.Person); the
    # residence address of the fifth person fails, in the third batch of that column.
    fifth = Person.objects.order_by("pk")[4]
    _install_fault("people_person", "residence_address", fifth.pk)
    with override_settings(FIELD_ENCRYPTION_KEYS=ROTATED):
        stream = CheckingStream(world)
        with pytest.raises(CommandError, match="Run the command again") as raised:
            call_command("rotate_keys", "--batch-size", "2", "--verbosity", "2", stdout=stream)
        assert "people.Person.residence_address" in str(raised.value)
        # Households (3) and the first two batches of residence addresses (4) were committed;
        # the failing batch (persons 5 and 6) was rolled back whole.
        person_rows = Person.objects.order_by("pk")
        kids = [crypto.token_key_id(stored(Person, p.pk, "residence_address")) for p in person_rows]
        assert kids == ["k2", "k2", "k2", "k2", "dev", "dev", "dev"]
        assert _key_ids() == {"k2": 7, "dev": 11}
        assert _all_values() == world
        _remove_fault("people_person")
        call_command("rotate_keys", stdout=io.StringIO())
        assert _key_ids() == {"k2": 18}
        assert _all_values() == world


def test_a_database_error_in_the_history_loses_nothing_and_a_new_run_finishes(
    world: dict[tuple[str, Any], str],
) -> None:
    """A real error on one copy half-way through the history: its batch rolls back whole, the rest stays done."""
    person_copies = [pk for pk, table, _old_row in _copies() if table == "people_person"]
    _install_fault("history_rowchange", "old_row", person_copies[1])
    with override_settings(FIELD_ENCRYPTION_KEYS=ROTATED):
        stream = CheckingStream(world)
        with pytest.raises(CommandError, match="Run the command again") as raised:
            call_command("rotate_keys", "--batch-size", "2", stdout=stream)
        assert "history.RowChange.old_row[people_person]" in str(raised.value)
        assert _key_ids() == {"k2": 18}
        # The failing batch (the first two copies of persons) kept its values under the old key.
        first_two = {pk: old_row for pk, _table, old_row in _copies() if pk in person_copies[:2]}
        assert {crypto.token_key_id(row["phone"]) for row in first_two.values()} == {"dev"}
        _history_values()
        _remove_fault("history_rowchange")
        call_command("rotate_keys", stdout=io.StringIO())
        assert set(_history_key_ids()) == {"k2"}


def test_values_that_do_not_open_are_listed_left_alone_and_the_exit_code_says_so(
    world: dict[tuple[str, Any], str],
) -> None:
    first, second = Person.objects.order_by("pk")[:2]
    gone = crypto.encrypt("0372 999", context="people.person.phone", keyring=crypto.parse_keyring(["gone:" + "A" * 43]))
    write_stored(Person, first.pk, "phone", gone)
    copied = stored(Person, second.pk, "residence_address")
    write_stored(Person, second.pk, "phone", copied)
    out, err = io.StringIO(), io.StringIO()
    with override_settings(FIELD_ENCRYPTION_KEYS=ROTATED), pytest.raises(CommandError) as raised:
        call_command("rotate_keys", stdout=out, stderr=err)
    # manage.py turns a CommandError into this exit status.
    assert raised.value.returncode == 1
    listed = err.getvalue()
    lines = listed.strip().splitlines()
    assert f"{len(lines)} values cannot be decrypted" in str(raised.value)
    assert f"people.Person.phone #{first.pk}: " in listed and "key 'gone'" in listed
    assert f"people.Person.phone #{second.pk}: " in listed and "authentication failed" in listed
    # Rotating the persons' other columns copied the bad phones into the history: listed too.
    in_history = [line for line in lines if line.startswith("history.RowChange.old_row[people_person] #")]
    assert len(in_history) == len(lines) - 2 and in_history
    assert all("people.person.phone" in line for line in in_history)
    shown = out.getvalue() + listed + str(raised.value)
    assert "0372 999" not in shown and "via Roma" not in shown and "via Milano" not in shown
    # Left as they were; every other value moved to the new key.
    assert stored(Person, first.pk, "phone") == gone and stored(Person, second.pk, "phone") == copied
    assert _key_ids() == {"k2": 16, "gone": 1, "dev": 1}
    # Copies of the value copied from another column still name the dev key: they do not open either.
    assert set(_history_key_ids()) == {"k2", "gone", "dev"}


def test_a_value_written_in_clear_around_the_application_is_sealed() -> None:
    person = PersonFactory.create(phone="")
    write_stored(Person, person.pk, "phone", "333 5550000")
    out = io.StringIO()
    call_command("rotate_keys", stdout=out)
    assert "people.Person.phone: 0 re-encrypted, 1 found unencrypted and encrypted" in out.getvalue()
    assert stored(Person, person.pk, "phone").startswith("enc1:dev:")
    assert Person.objects.get(pk=person.pk).phone == "333 5550000"
    # Sealing it was an UPDATE: the history copied the plain value, and the history pass sealed the copy.
    printed = "history.RowChange.old_row[people_person]: 0 re-encrypted, 1 found unencrypted and encrypted"
    assert printed in out.getvalue()
    assert list(_history_values().values()) == ["333 5550000"]
    assert _history_key_ids() == {"dev": 1}


def test_check_counts_the_values_under_each_key(world: dict[tuple[str, Any], str]) -> None:
    out = io.StringIO()
    call_command("rotate_keys", "--check", stdout=out)
    assert "people.Person.phone: dev: 5" in out.getvalue()
    assert "people.Household.address: dev: 3" in out.getvalue()
    assert "history.RowChange.old_row[people_person]: dev: 7" in out.getvalue()
    assert "Every encrypted value is under the key dev." in out.getvalue()


def test_the_migration_seals_existing_plain_rows_and_its_reverse_opens_them() -> None:
    person = PersonFactory.create(phone="")
    household = HouseholdFactory.create()
    write_stored(Person, person.pk, "phone", "333 4440000")
    write_stored(Household, household.pk, "address", "via Manzoni 7")
    forward, backward = encrypt_existing_rows("people", {"Person": ["phone"], "Household": ["address"]})
    forward(apps, None)
    assert stored(Person, person.pk, "phone").startswith("enc1:dev:")
    assert Household.objects.get(pk=household.pk).address == "via Manzoni 7"
    forward(apps, None)  # idempotent
    assert Person.objects.get(pk=person.pk).phone == "333 4440000"
    backward(apps, None)
    assert stored(Person, person.pk, "phone") == "333 4440000"
    assert stored(Household, household.pk, "address") == "via Manzoni 7"


def _copies_of(table: str, pk: int) -> list[dict[str, Any]]:
    rows = RowChange.objects.filter(table_name=table, row_pk=str(pk)).order_by("pk")
    return list(rows.values_list("old_row", flat=True))


@contextlib.contextmanager
def _as_in_migrate() -> Iterator[None]:
    """``migrate`` runs its migrations without the history triggers (see intreccio.history.triggers)."""
    remove_triggers(connection)
    try:
        yield
    finally:
        install_triggers(connection)


def test_the_migration_seals_the_history_copies_too_and_its_reverse_opens_them() -> None:
    # Copies made before the column was encrypted hold the value in clear, as stored then.
    person = PersonFactory.create(phone="")
    write_stored(Person, person.pk, "phone", "333 4440000")
    write_stored(Person, person.pk, "phone", "333 4440001")
    write_stored(Person, person.pk, "residence_address", "via Manzoni 7")
    assert [row["phone"] for row in _copies_of("people_person", person.pk)] == ["", "333 4440000", "333 4440001"]
    forward, backward = encrypt_existing_rows_and_copies("people", {"Person": ["phone", "residence_address"]})
    with _as_in_migrate():
        forward(apps, None)
    sealed = _copies_of("people_person", person.pk)
    assert sealed[0]["phone"] == "" and all(row["phone"].startswith("enc1:dev:") for row in sealed[1:])
    assert all(crypto.is_token(row["residence_address"]) for row in sealed if row["residence_address"])
    opened = _history_values()
    copies = RowChange.objects.filter(table_name="people_person", row_pk=str(person.pk)).order_by("pk")
    assert [opened[(pk, "phone")] for pk in copies.values_list("pk", flat=True)[1:]] == ["333 4440000", "333 4440001"]
    with _as_in_migrate():
        forward(apps, None)  # idempotent
        assert _copies_of("people_person", person.pk) == sealed
        backward(apps, None)
    assert [row["phone"] for row in _copies_of("people_person", person.pk)] == ["", "333 4440000", "333 4440001"]
    assert stored(Person, person.pk, "phone") == "333 4440001"


def test_a_new_key_entry_is_printed_for_the_keyring() -> None:
    out = io.StringIO()
    call_command("rotate_keys", "--new-key", "k3", stdout=out)
    entry = out.getvalue().strip()
    assert crypto.parse_keyring([entry]).active_id == "k3"
    with pytest.raises(CommandError):
        call_command("rotate_keys", "--new-key", "bad id", stdout=io.StringIO())
    with pytest.raises(CommandError, match="--batch-size"):
        call_command("rotate_keys", "--batch-size", "0", stdout=io.StringIO())
