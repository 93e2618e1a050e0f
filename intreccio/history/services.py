"""Writes to the change history. The triggers add rows; the application only ever removes them."""

from __future__ import annotations

from collections.abc import Collection

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from intreccio.history.models import RowChange
from intreccio.history.triggers import tracked_tables

# Well under SQLite's limit on bound parameters per statement.
PURGE_BATCH = 500


@transaction.atomic
def history_purge(*, table_name: str, row_pks: Collection[str | int]) -> int:
    """Delete every history copy of the rows ``row_pks`` of ``table_name``; return how many went.

    One step of the erasure of a person (GDPR art. 17, SECURITY.md R13): the caller erases or
    anonymises the rows first and purges their history LAST, in the same transaction, because
    the erasing UPDATE or DELETE itself writes one more copy of the old values. The caller
    records the erasure in the audit trail (with this count); the history keeps no trace.
    """
    if (
        table_name not in {t.table for t in tracked_tables()}
        and not RowChange.objects.filter(table_name=table_name).exists()
    ):
        raise ValidationError(
            _("The change history has no table called %(table)s: nothing was deleted."),
            code="unknown_table",
            params={"table": table_name},
        )
    keys = sorted({str(pk) for pk in row_pks})
    purged = 0
    for start in range(0, len(keys), PURGE_BATCH):
        batch = keys[start : start + PURGE_BATCH]
        purged += RowChange.objects.filter(table_name=table_name, row_pk__in=batch).delete()[0]
    return purged
