"""Apply the retention schedule (SECURITY.md R13). Run it nightly, e.g. from cron:

    15 2 * * *  cd /srv/intreccio && .venv/bin/python manage.py apply_retention

``--today dd/mm/yyyy`` applies the schedule as of another day (a test, or a run that was missed);
``--dry-run`` prints what a run would do and writes nothing. Running it twice does nothing more.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone, translation

from intreccio.core.dates import parse_day_first
from intreccio.core.privacy import NO_CASE_RETENTION_MONTHS, RETENTION, Category
from intreccio.retention.job import RunSummary, retention_run


class Command(BaseCommand):
    help = "Apply the retention schedule: purge expired categories of ended cases, anonymise persons nothing keeps."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--today", help="Apply the schedule as of this day (dd/mm/yyyy); default: today.")
        parser.add_argument("--dry-run", action="store_true", help="Print what would be done; write nothing.")

    def handle(self, *args: Any, **options: Any) -> None:
        today = timezone.localdate()
        if options.get("today"):
            try:
                today = parse_day_first(options["today"])
            except ValidationError as exc:
                raise CommandError(f"--today: {' '.join(exc.messages)}") from exc
        with translation.override("en"):
            summary = retention_run(today=today, dry_run=options["dry_run"])
        self._print(summary)
        if summary.failures:
            raise CommandError(f"{len(summary.failures)} item(s) failed: " + "; ".join(summary.failures))

    def _print(self, summary: RunSummary) -> None:
        plan = summary.plan
        out = self.stdout
        title = f"Retention schedule as of {plan.today:%d/%m/%Y}"
        out.write(title + (" (dry run: nothing written)" if summary.dry_run else ""))
        for category, case_ids in plan.cases.items():
            months = RETENTION[category].months
            done = len(case_ids) if summary.dry_run else summary.cases_purged[category]
            verb = "would be purged" if summary.dry_run else "purged"
            held = len(plan.cases_held.get(category, []))
            out.write(
                f"  {Category(category).value}: {done} ended case(s) {verb} ({months} months after the end)"
                + (f", {held} kept by a legal hold" if held else "")
            )
        for rule, label in (
            ("closed_cases", f"all cases ended {RETENTION[Category.IDENTIFYING].months} months ago"),
            ("no_case", f"no case, nothing written for {NO_CASE_RETENTION_MONTHS} months"),
        ):
            done = len(plan.persons.get(rule, [])) if summary.dry_run else summary.persons_anonymised[rule]
            verb = "would be anonymised" if summary.dry_run else "anonymised"
            out.write(f"  persons {verb} ({label}): {done}")
        if plan.persons_held:
            out.write(f"  persons kept by a legal hold: {len(plan.persons_held)}")
        if not summary.dry_run:
            deleted = sum(summary.rows_deleted.values())
            blanked = sum(summary.rows_anonymised.values())
            out.write(f"  rows deleted: {deleted}, rows blanked: {blanked}")
            out.write(f"  unconfirmed import uploads removed: {summary.uploads_removed}")
