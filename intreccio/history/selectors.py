"""Reads of the change history for the auditor's page: when and what changed, never the values."""

from __future__ import annotations

from django.core.paginator import Page, Paginator

from intreccio.core.privacy import intreccio_models
from intreccio.history.models import RowChange
from intreccio.history.triggers import tracked_tables

PAGE_SIZE = 50


def model_label(table_name: str) -> str:
    """``app.model`` of the model behind a table (the table's name for a many-to-many table)."""
    for model in intreccio_models():
        if model._meta.db_table == table_name:
            return model._meta.label_lower
    return table_name


def tracked_table_choices() -> list[tuple[str, str]]:
    """``(table, "Model name (table)")`` for every tracked table, by model name."""
    names = {m._meta.db_table: str(m._meta.verbose_name).capitalize() for m in intreccio_models()}
    choices = [(t.table, f"{names.get(t.table, t.table)} ({t.table})") for t in tracked_tables()]
    return sorted(choices, key=lambda choice: choice[1].lower())


def row_change_page(*, table_name: str, row_pk: str = "", page: str | int | None = None) -> Page[RowChange]:
    """One page of the changes of one table, or of one row of it, newest first.

    Only what the page shows is loaded: the previous rows (personal data) stay in the database.
    """
    qs = RowChange.objects.filter(table_name=table_name).order_by("-changed_at", "-id")
    if row_pk:
        qs = qs.filter(row_pk=row_pk)
    qs = qs.only("id", "table_name", "row_pk", "operation", "changed_at", "changed_columns", "transaction_id")
    result = Paginator(qs, PAGE_SIZE).get_page(page)
    # Evaluated now: the view records its read before rendering.
    result.object_list = list(result.object_list)
    return result
