"""The filter of the auditor's change-history page: a table, and optionally one row of it."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from intreccio.history.selectors import tracked_table_choices


class RowChangeFilterForm(forms.Form):
    table = forms.ChoiceField(
        label=_("Table"),
        error_messages={
            "required": _("Choose the table whose changes you want to see."),
            "invalid_choice": _("Choose one of the tables in the list: that one has no change history."),
        },
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    row = forms.CharField(
        label=_("Row id (optional)"),
        max_length=64,
        required=False,
        help_text=_("The id of one row, e.g. of a person, to see only its changes."),
        widget=forms.TextInput(attrs={"class": "form-control"}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        table = self.fields["table"]
        assert isinstance(table, forms.ChoiceField)
        table.choices = [("", _("— choose a table —")), *tracked_table_choices()]

    def clean_row(self) -> str:
        return str(self.cleaned_data["row"]).strip()
