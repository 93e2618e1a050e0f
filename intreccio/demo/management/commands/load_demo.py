"""manage.py load_demo: the demo network of the Ambito Cremonese, and the logins to try it."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.test.utils import override_settings
from django.utils.translation import gettext as _

from intreccio.demo.services import DemoSummary, demo_load


def format_logins(summary: DemoSummary) -> list[str]:
    headings = (_("Username"), _("Role"), _("Organisation"))
    rows = [(login.username, " + ".join(login.roles), login.organisation) for login in summary.logins]
    widths = [max(len(row[i]) for row in [headings, *rows]) for i in range(2)]
    lines = [f"{r[0]:<{widths[0]}}  {r[1]:<{widths[1]}}  {r[2]}" for r in [headings, *rows]]
    return [*lines, _("Password for every demo login: %(password)s") % {"password": summary.password}]


class Command(BaseCommand):
    help = "Load the demo network of the Ambito territoriale Cremonese (idempotent) and print its logins."

    def handle(self, *args: Any, **options: Any) -> None:
        # Demo accounts share a published password: in production they would be open doors.
        if getattr(settings, "PRODUCTION", False):
            raise CommandError(_("The demo data cannot be loaded in production."))
        # The demo's invented operators would be "notified" of every case it opens: on the
        # console backend that buries the logins under dozens of e-mails. Nobody is there to read them.
        with override_settings(EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend"):
            summary = demo_load()
        self.stdout.write(
            _("%(ambito)s: %(count)d comuni; %(created)d demo rows created.")
            % {
                "ambito": summary.ambito.name,
                "count": summary.comuni_in_ambito,
                "created": sum(summary.created.values()),
            }
        )
        self.stdout.write("")
        for line in format_logins(summary):
            self.stdout.write(line)
