"""``manage.py restore <archive>``: replace the database with a backup and prove it (F4).

After the restore every table's row count and checksum are compared with the archive's manifest,
the migrations are checked against the code, and the audit chains are verified.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from intreccio.core.backup import BackupError, backup_restore, read_manifest


class Command(BaseCommand):
    help = "Restore a backup made with `manage.py backup`, then verify counts, checksums, migrations and audit."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("archive", type=Path, help="The .tar archive written by `manage.py backup`.")
        parser.add_argument(
            "--yes",
            action="store_true",
            help="Do not ask for confirmation: everything in the database now is replaced.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        archive: Path = options["archive"]
        try:
            manifest = read_manifest(archive)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        if not options["yes"]:
            answer = input(
                f"Replace the whole database with the backup of {manifest.created_at}? Type 'yes' to go on: "
            )
            if answer.strip().lower() != "yes":
                raise CommandError("Restore cancelled: nothing was changed.")
        try:
            report = backup_restore(archive_path=archive)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        if not report.ok:
            raise CommandError(f"Restored, but these tables differ from the manifest: {', '.join(report.mismatched)}.")
        self.stdout.write(f"Restored {len(manifest.tables)} tables; row counts and checksums match the manifest.")
        executor = MigrationExecutor(connection)
        pending = executor.migration_plan(executor.loader.graph.leaf_nodes())
        if pending:
            self.stdout.write(
                f"{len(pending)} migrations of this version are not applied yet: run `manage.py migrate` now."
            )
        else:
            self.stdout.write("Migrations are current.")
        call_command("audit_verify", stdout=self.stdout, stderr=self.stderr)
