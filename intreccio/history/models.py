"""The change history: the previous state of every changed or deleted row (SECURITY.md R5).

Rows are written only by database triggers (see ``intreccio.history.triggers``), never by the
application, so that an ORM ``update()``, a ``bulk_update()``, a ``QuerySet.delete()`` or raw
SQL is recorded exactly like a ``save()``. The table is not append-only: the erasure of a
person deletes the history of that person's rows (``intreccio.history.services.history_purge``).
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from intreccio.core.privacy import Category, P, Purpose

HISTORY = P(Category.TECHNICAL, Purpose.SECURITY)
# The previous row is a copy of a row of any tracked table: identity, economic situation,
# health and disability, judicial data, minors, gender-based violence. It is classified as the
# strictest art. 9 category it can carry (special), read only by auditors, and shown on the
# auditor's page as column names, never as values.
OLD_ROW = P(Category.SPECIAL, Purpose.SECURITY)


class Operation(models.TextChoices):
    UPDATE = "update", _("update")
    DELETE = "delete", _("delete")


class RowChange(models.Model):
    """One row as it was just before an UPDATE or a DELETE changed it."""

    table_name = models.CharField(_("table"), max_length=63, editable=False)
    row_pk = models.CharField(_("row"), max_length=64, editable=False)
    operation = models.CharField(_("operation"), max_length=6, choices=Operation.choices, editable=False)
    changed_at = models.DateTimeField(_("when"), editable=False)
    old_row = models.JSONField(_("previous row"), editable=False)
    # Updates only: the columns whose value changed, in alphabetical order.
    changed_columns = models.JSONField(_("changed columns"), null=True, editable=False)
    # PostgreSQL only: the transaction that made the change (rows of one save share it).
    transaction_id = models.BigIntegerField(_("transaction"), null=True, editable=False)

    privacy = {
        "id": HISTORY,
        "table_name": HISTORY,
        "row_pk": HISTORY,
        "operation": HISTORY,
        "changed_at": HISTORY,
        "old_row": OLD_ROW,
        "changed_columns": HISTORY,
        "transaction_id": HISTORY,
    }

    class Meta:
        verbose_name = _("row change")
        verbose_name_plural = _("row changes")
        ordering = ["-changed_at", "-id"]
        indexes = [models.Index(fields=["table_name", "row_pk", "changed_at"], name="rowchange_row_idx")]

    def __str__(self) -> str:
        return f"{self.operation} {self.table_name}:{self.row_pk} at {self.changed_at:%Y-%m-%d %H:%M}"
