"""Summarise the access log for the unusual-access review, so the auditor's look at a month reads
only kept days: the closed days not kept yet, and today's reads so far. Run it from cron after
midnight and, on a busy ambito, every quarter of an hour (today's summary then stays fresh):

    */15 * * * *  cd /srv/intreccio && .venv/bin/python manage.py summarise_access_review

Days already kept are left alone (running it twice does nothing more), except a day a late row
has fallen into since (it is computed again). ``--from``/``--to`` (dd/mm/yyyy) choose the closed
days; by default the last 30, the page's default period.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from intreccio.core.dates import parse_day_first
from intreccio.oversight.models import ReviewDay
from intreccio.oversight.review import DEFAULT_PERIOD_DAYS, open_day, summarise


class Command(BaseCommand):
    help = "Summarise the access log for the unusual-access review: closed days (default: the last 30) and today."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--from", dest="date_from", help="First day (dd/mm/yyyy).")
        parser.add_argument("--to", dest="date_to", help="Last closed day (dd/mm/yyyy); default: yesterday.")

    def _day(self, options: dict[str, Any], name: str, default: datetime.date) -> datetime.date:
        if not options.get(name):
            return default
        try:
            return parse_day_first(options[name])
        except ValidationError as exc:
            raise CommandError(f"--{name.removeprefix('date_')}: {' '.join(exc.messages)}") from exc

    def handle(self, *args: Any, **options: Any) -> None:
        today = timezone.localdate()
        date_to = self._day(options, "date_to", today - datetime.timedelta(days=1))
        date_from = self._day(options, "date_from", date_to - datetime.timedelta(days=DEFAULT_PERIOD_DAYS - 1))
        if date_from > date_to:
            raise CommandError("--from is after --to.")
        computed = summarise(date_from, date_to, today=today)
        self.stdout.write(
            f"Access review {date_from:%d/%m/%Y}-{date_to:%d/%m/%Y}: {len(computed)} day(s) summarised"
            + (f" ({', '.join(f'{day:%d/%m/%Y}' for day in computed)})" if computed else ", all kept already")
        )
        # Today's summary is stored again however few rows came since its last store.
        found = open_day(today, store_after=1)
        summary = ReviewDay.objects.get(day=today)
        self.stdout.write(
            f"Today {today:%d/%m/%Y}: {found.reads} read(s), kept up to access record #{summary.last_seq}"
        )
