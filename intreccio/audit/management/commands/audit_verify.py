"""``manage.py audit_verify``: prove the audit trail is as it was written (SECURITY.md R6, F4)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from intreccio.audit.verify import CHAINS, DEFAULT_CHUNK_SIZE, ChainReport, verify_chain


class Command(BaseCommand):
    # argparse needs real strings; like Django's own commands, the help stays in English.
    help = "Verify the audit hash chains; exits non-zero when a row was forged, edited or deleted."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--chain",
            action="append",
            choices=sorted(CHAINS),
            help="Verify only this chain (repeatable). Default: every chain.",
        )
        parser.add_argument(
            "--chunk-size",
            type=int,
            default=DEFAULT_CHUNK_SIZE,
            help="Rows read per query.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["chunk_size"] < 1:
            raise CommandError(_("--chunk-size must be at least 1."))
        names = options["chain"] or list(CHAINS)
        failed = 0
        for name in names:
            report = verify_chain(name, chunk_size=options["chunk_size"])
            self._print(report, verbosity=options["verbosity"])
            failed += len(report.problems)
        if failed:
            raise CommandError(
                ngettext(
                    "The audit trail failed verification: %(count)d problem.",
                    "The audit trail failed verification: %(count)d problems.",
                    failed,
                )
                % {"count": failed}
            )

    def _print(self, report: ChainReport, *, verbosity: int) -> None:
        rows = ngettext("%(name)s: %(rows)d row", "%(name)s: %(rows)d rows", report.rows) % {
            "name": report.name,
            "rows": report.rows,
        }
        if report.ok:
            self.stdout.write(self.style.SUCCESS(_("%(rows)s, OK") % {"rows": rows}))
            if verbosity >= 2:
                # Kept outside the database (e.g. in the operations log), the head lets a later run
                # tell a chain cut at its end and rewound from an intact one.
                self.stdout.write(
                    _("%(name)s: head at seq %(seq)d, hash %(hash)s")
                    % {"name": report.name, "seq": report.last_seq, "hash": report.last_hash or "-"}
                )
            return
        summary = ngettext("%(rows)s, %(count)d problem:", "%(rows)s, %(count)d problems:", len(report.problems))
        self.stdout.write(self.style.ERROR(summary % {"rows": rows, "count": len(report.problems)}))
        for problem in report.problems:
            self.stdout.write(f"  {report.name}: {problem.message}")
