"""E-mail each case manager the check-ins of their cases that fall due within a week or are overdue.

Run it daily (cron or the task worker). It sends at most one reminder per case and operator a
day, and records each one, so running it twice on a day sends nothing the second time.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand
from django.utils import timezone

from intreccio.plans.services import checkin_reminders_send


class Command(BaseCommand):
    help = "E-mail case managers about check-ins due within 7 days or overdue (once a day per case)."

    def handle(self, *args: Any, **options: Any) -> None:
        sent = checkin_reminders_send(today=timezone.localdate())
        self.stdout.write(f"reminders sent: {sent.emails} e-mails about {sent.cases} cases")
