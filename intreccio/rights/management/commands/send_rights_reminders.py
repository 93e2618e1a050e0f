"""E-mail each coordination group its data subject requests overdue or due within three days.

Run it daily (cron or the task worker). Each ambito is reminded at most once a day: the sending
is recorded, so running it twice on a day sends nothing the second time.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand
from django.utils import timezone

from intreccio.rights.services import request_reminders_send


class Command(BaseCommand):
    help = "E-mail coordination groups about data subject requests overdue or due within 3 days (once a day)."

    def handle(self, *args: Any, **options: Any) -> None:
        sent = request_reminders_send(today=timezone.localdate())
        self.stdout.write(f"reminders sent: {sent} e-mails")
