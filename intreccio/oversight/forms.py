"""Forms of the oversight pages: the review period (dd/mm/yyyy) and the controller designation."""

from __future__ import annotations

import datetime
from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from intreccio.accounts.forms import StyledForm
from intreccio.accounts.models import Organisation
from intreccio.core.dates import DayFirstDateField
from intreccio.oversight.review import default_period

# A longer period would make the review a slow report rather than a check: a year at most.
MAX_PERIOD_DAYS = 366


class PeriodForm(StyledForm):
    date_from = DayFirstDateField(label=_("From"), required=False, oldest_year=2000)
    date_to = DayFirstDateField(label=_("To"), required=False, oldest_year=2000)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if self.errors:
            return cleaned
        _default_from, default_to = default_period()
        date_to: datetime.date = cleaned.get("date_to") or default_to
        date_from: datetime.date = cleaned.get("date_from") or default_period(date_to)[0]
        if date_from > date_to:
            self.add_error("date_to", _("The end date is before the start date."))
        elif (date_to - date_from).days >= MAX_PERIOD_DAYS:
            self.add_error("date_from", _("Choose a period of at most one year."))
        cleaned["date_from"], cleaned["date_to"] = date_from, date_to
        return cleaned

    def period(self) -> tuple[datetime.date, datetime.date]:
        return self.cleaned_data["date_from"], self.cleaned_data["date_to"]


class ControllerForm(StyledForm):
    lead_organisation = forms.ModelChoiceField(
        label=_("Lead organisation (ente capofila)"),
        queryset=Organisation.objects.none(),
        help_text=_("The organisation that answers for the ambito's joint processing as controller."),
    )
    dpo_name = forms.CharField(
        label=_("Data protection officer (RPD)"),
        max_length=200,
        required=False,
        help_text=_("Name or office, as published by the controller."),
    )
    dpo_email = forms.EmailField(label=_("Data protection officer's e-mail"), required=False)

    def __init__(self, *args: Any, organisations: QuerySet[Organisation], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["lead_organisation"]
        if isinstance(field, forms.ModelChoiceField):
            field.queryset = organisations
