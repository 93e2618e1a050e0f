"""F4, the restore drill: back up, change everything, restore, and prove the data is as it was.

Runs on both engines (the suite runs once on SQLite and once on PostgreSQL): row counts and
checksums of every table match the manifest, migrations are current, the audit chains verify.
"""

from __future__ import annotations

import io
import json
import tarfile
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from intreccio.accounts.models import Role
from intreccio.accounts.tests.factories import operator_with_role
from intreccio.audit.models import DomainEvent
from intreccio.audit.services import record_event
from intreccio.core.backup import BackupError, backup_create, backup_restore, read_manifest, table_digests
from intreccio.people.models import Person
from intreccio.people.tests.factories import PersonFactory


@pytest.fixture
def data(transactional_db: None) -> list[Person]:
    operator = operator_with_role(Role.SOCIAL_WORKER)
    persons = [PersonFactory.create(last_name=f"Backup{n}") for n in range(5)]
    for person in persons:
        record_event(action="people.person.created", actor=operator, target=person)
    return persons


def test_restore_brings_back_exactly_what_was_saved(data: list[Person], tmp_path: Path) -> None:
    archive = tmp_path / "drill.tar"
    manifest = backup_create(output=archive)
    assert manifest.tables["people_person"].rows == 5
    assert manifest.tables == table_digests()
    assert archive.stat().st_mode & 0o077 == 0  # nobody but its owner reads a backup
    before_events = DomainEvent.objects.count()

    # After the backup: a person deleted, another renamed, a new one, more audit rows.
    data[0].delete()
    Person.objects.filter(pk=data[1].pk).update(last_name="Cambiato")
    PersonFactory.create(last_name="Dopo")
    record_event(action="people.person.created", actor=None, target=data[2])

    report = backup_restore(archive_path=archive)
    assert report.ok, report.mismatched
    assert sorted(Person.objects.values_list("last_name", flat=True)) == [f"Backup{n}" for n in range(5)]
    assert DomainEvent.objects.count() == before_events
    out = io.StringIO()
    call_command("audit_verify", stdout=out)


def test_the_commands_run_the_whole_drill(data: list[Person], tmp_path: Path) -> None:
    archive = tmp_path / "cmd.tar"
    out = io.StringIO()
    call_command("backup", output=archive, stdout=out)
    assert "tables" in out.getvalue()
    Person.objects.all().delete()
    out = io.StringIO()
    call_command("restore", archive, yes=True, stdout=out)
    text = out.getvalue()
    assert "row counts and checksums match the manifest" in text
    assert "Migrations are current." in text
    assert Person.objects.count() == 5


def test_an_existing_archive_is_never_overwritten(data: list[Person], tmp_path: Path) -> None:
    archive = tmp_path / "once.tar"
    backup_create(output=archive)
    size = archive.stat().st_size
    with pytest.raises(BackupError, match="exists already"):
        backup_create(output=archive)
    assert archive.stat().st_size == size


def test_a_tampered_archive_is_found_out(data: list[Person], tmp_path: Path) -> None:
    archive = tmp_path / "orig.tar"
    manifest = backup_create(output=archive)
    # The same database, but a manifest that claims one more person.
    forged = tmp_path / "forged.tar"
    with tarfile.open(archive) as source, tarfile.open(forged, "w") as target:
        for member in source.getmembers():
            content = source.extractfile(member)
            assert content is not None
            payload = content.read()
            if member.name == "manifest.json":
                claims = json.loads(payload)
                claims["tables"]["people_person"]["rows"] = manifest.tables["people_person"].rows + 1
                payload = json.dumps(claims).encode()
                member.size = len(payload)
            target.addfile(member, io.BytesIO(payload))
    assert read_manifest(forged).tables["people_person"].rows == 6
    report = backup_restore(archive_path=forged)
    assert "people_person" in report.mismatched
    with pytest.raises(CommandError, match=r"differ from the manifest: .*people_person"):
        call_command("restore", forged, yes=True, stdout=io.StringIO())


def test_not_a_backup_is_refused_before_anything_changes(data: list[Person], tmp_path: Path) -> None:
    junk = tmp_path / "junk.tar"
    junk.write_bytes(b"not a tar at all")
    with pytest.raises(CommandError, match="not an Intreccio backup"):
        call_command("restore", junk, yes=True, stdout=io.StringIO())
    assert Person.objects.count() == 5
