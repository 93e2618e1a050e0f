"""``manage.py backup``: one archive with the database and a manifest that proves its restore (F4)."""

from __future__ import annotations

import datetime
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from intreccio.core.backup import BackupError, backup_create


class Command(BaseCommand):
    help = "Back up the whole database into one .tar archive with a manifest of row counts and checksums."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--output",
            type=Path,
            help="Archive to write (default: <data dir>/backups/intreccio-<date-time>.tar). Never overwritten.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        output: Path | None = options["output"]
        if output is None:
            stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
            output = Path(settings.DATA_DIR) / "backups" / f"intreccio-{stamp}.tar"
        try:
            manifest = backup_create(output=output)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        rows = sum(t.rows for t in manifest.tables.values())
        tables = len(manifest.tables)
        self.stdout.write(f"Backup written to {output}: {tables} tables, {rows} rows ({manifest.engine}).")
