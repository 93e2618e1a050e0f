"""``manage.py history_triggers``: are the change-history triggers in place (SECURITY.md R5)?

``migrate`` makes them; after a migration that failed half-way, or a restore from a dump taken
by hand, this command tells, and ``--install`` makes them again from the current tables.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DEFAULT_DB_ALIAS, connections
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from intreccio.history.triggers import install_triggers, tables_without_triggers


class Command(BaseCommand):
    # argparse needs real strings; like Django's own commands, the help stays in English.
    help = "Check the change-history triggers; exits non-zero when a tracked table lacks them."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--install", action="store_true", help="Make the triggers again first.")
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS, help="The database to check.")

    def handle(self, *args: Any, **options: Any) -> None:
        connection = connections[options["database"]]
        if options["install"]:
            tables = install_triggers(connection)
            self.stdout.write(
                ngettext(
                    "Change-history triggers made on %(count)d table.",
                    "Change-history triggers made on %(count)d tables.",
                    len(tables),
                )
                % {"count": len(tables)}
            )
        missing = tables_without_triggers(connection)
        if missing:
            raise CommandError(
                _("These tables have no change-history triggers: %(tables)s. Run it with --install.")
                % {"tables": ", ".join(missing)}
            )
        self.stdout.write(self.style.SUCCESS(_("Every table with personal data has its change-history triggers.")))
