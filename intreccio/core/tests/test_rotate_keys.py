"""R12: ``manage.py rotate_keys`` re-encrypts every row under the active key, and survives interruption.

Values are written under the development key, then the keyring gets a new first key and the
command runs: complete, stopped by ``--limit``, stopped by a real database error raised by a
trigger on one row half-way, and with rows that do not open. At every point every row still
opens with the keyring, and a new run finishes the job.
"""

from __future__ import annotations

import base64
import io
from typing import Any

import pytest
from django.apps import apps
from django.core.management import CommandError, call_command
from django.db import connection, models
from django.db.models.functions import Cast
from django.test import override_settings

from intreccio.core import crypto
from intreccio.core.fields import encrypt_existing_rows, encrypted_fields
from intreccio.core.tests.test_crypto import stored, write_stored
from intreccio.people.models import Household, Person
from intreccio.people.tests.factories import HouseholdFactory, PersonFactory

pytestmark = pytest.mark.django_db

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


@pytest.fixture
def world() -> dict[tuple[str, Any], str]:
    """Seven persons with addresses and phones (some empty), three households: 18 values under the dev key."""
    for index in range(7):
        PersonFactory.create(
            phone=f"333 000 {index:04d}" if index < 5 else "",
            residence_address=f"via Roma {index}, Cremona",
            domicile_address="strada per Crema 3" if index % 2 else "",
        )
    for index in range(3):
        HouseholdFactory.create(address=f"piazza del Comune {index}")
    values = _all_values()
    assert _key_ids() == {"dev": 18}
    return values


class CheckingStream(io.StringIO):
    """The command's output: at every line it prints (after each batch) every row must open."""

    def __init__(self, expected: dict[tuple[str, Any], str]) -> None:
        super().__init__()
        self.expected = expected
        self.checks = 0

    def write(self, text: str) -> int:
        assert _all_values() == self.expected
        self.checks += 1
        return super().write(text)


def test_rotation_re_encrypts_every_value_under_the_new_key(world: dict[tuple[str, Any], str]) -> None:
    out = io.StringIO()
    with override_settings(FIELD_ENCRYPTION_KEYS=ROTATED):
        call_command("rotate_keys", stdout=out)
        assert _key_ids() == {"k2": 18}
        assert _all_values() == world
        printed = out.getvalue()
        assert "people.Person.phone: 5 re-encrypted (dev: 5)" in printed
        assert "people.Household.address: 3 re-encrypted (dev: 3)" in printed
        assert "18 values re-encrypted." in printed and "Every encrypted value is under the key k2." in printed
        # Idempotent: nothing left to do.
        again = io.StringIO()
        call_command("rotate_keys", stdout=again)
        assert "0 values re-encrypted." in again.getvalue()
    # The old key can go: everything opens with the new one alone.
    with override_settings(FIELD_ENCRYPTION_KEYS=[NEW]):
        assert _all_values() == world
        call_command("rotate_keys", "--check", stdout=io.StringIO())
        # Empty values stay empty.
        empty = Person.objects.filter(phone="").values_list("pk", flat=True)
        assert len(empty) == 2 and all(stored(Person, pk, "phone") == "" for pk in empty)


def test_stopped_at_a_limit_every_row_opens_and_a_new_run_finishes(world: dict[tuple[str, Any], str]) -> None:
    with override_settings(FIELD_ENCRYPTION_KEYS=ROTATED):
        stream = CheckingStream(world)
        call_command("rotate_keys", "--limit", "7", "--batch-size", "2", "--verbosity", "2", stdout=stream)
        assert _key_ids() == {"k2": 7, "dev": 11}
        assert "Stopped at the limit of 7 values" in stream.getvalue()
        assert stream.checks >= 4  # one per committed batch at least
        with pytest.raises(CommandError, match="11 values are not under the active key"):
            call_command("rotate_keys", "--check", stdout=io.StringIO())
        stream = CheckingStream(world)
        call_command("rotate_keys", "--batch-size", "2", "--verbosity", "2", stdout=stream)
        assert _key_ids() == {"k2": 18}
        assert "11 values re-encrypted." in stream.getvalue()
        assert _all_values() == world


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
    assert "2 values cannot be decrypted" in str(raised.value)
    listed = err.getvalue()
    assert f"people.Person.phone #{first.pk}: " in listed and "key 'gone'" in listed
    assert f"people.Person.phone #{second.pk}: " in listed and "authentication failed" in listed
    shown = out.getvalue() + listed + str(raised.value)
    assert "0372 999" not in shown and "via Roma" not in shown
    # Left as they were; every other value moved to the new key.
    assert stored(Person, first.pk, "phone") == gone and stored(Person, second.pk, "phone") == copied
    assert _key_ids() == {"k2": 16, "gone": 1, "dev": 1}


def test_a_value_written_in_clear_around_the_application_is_sealed() -> None:
    person = PersonFactory.create(phone="")
    write_stored(Person, person.pk, "phone", "333 5550000")
    out = io.StringIO()
    call_command("rotate_keys", stdout=out)
    assert "people.Person.phone: 0 re-encrypted, 1 found unencrypted and encrypted" in out.getvalue()
    assert stored(Person, person.pk, "phone").startswith("enc1:dev:")
    assert Person.objects.get(pk=person.pk).phone == "333 5550000"


def test_check_counts_the_values_under_each_key(world: dict[tuple[str, Any], str]) -> None:
    out = io.StringIO()
    call_command("rotate_keys", "--check", stdout=out)
    assert "people.Person.phone: dev: 5" in out.getvalue()
    assert "people.Household.address: dev: 3" in out.getvalue()
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


def test_a_new_key_entry_is_printed_for_the_keyring() -> None:
    out = io.StringIO()
    call_command("rotate_keys", "--new-key", "k3", stdout=out)
    entry = out.getvalue().strip()
    assert crypto.parse_keyring([entry]).active_id == "k3"
    with pytest.raises(CommandError):
        call_command("rotate_keys", "--new-key", "bad id", stdout=io.StringIO())
    with pytest.raises(CommandError, match="--batch-size"):
        call_command("rotate_keys", "--batch-size", "0", stdout=io.StringIO())
