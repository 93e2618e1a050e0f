"""Filters of the auditor's pages. Dates are typed as Italian users write them: dd/mm/yyyy."""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING, Any

from django import forms
from django.utils.translation import gettext_lazy as _

from intreccio.audit.selectors import AccessLogFilters, DomainLogFilters
from intreccio.core.dates import DayFirstDateField

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

# Beyond these the bounds of a local day no longer convert to UTC, and no audit row can exist.
EARLIEST = datetime.date(1900, 1, 1)
LATEST = datetime.date(2999, 12, 31)


def _text(label: StrOrPromise, max_length: int) -> forms.CharField:
    return forms.CharField(
        label=label,
        max_length=max_length,
        required=False,
        widget=forms.TextInput(attrs={"class": "form-control"}),
    )


def _date(label: StrOrPromise) -> DayFirstDateField:
    field = DayFirstDateField(
        label=label, required=False, oldest_year=EARLIEST.year, latest_year=LATEST.year, help_text=""
    )
    field.widget.attrs["class"] = "form-control"
    return field


class _DateRangeForm(forms.Form):
    date_from = _date(_("From"))
    date_to = _date(_("To"))

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        date_from, date_to = cleaned.get("date_from"), cleaned.get("date_to")
        if date_from and date_to and date_from > date_to:
            self.add_error("date_to", _("The end date is before the start date."))
        return cleaned


class AccessLogFilterForm(_DateRangeForm):
    username = _text(_("Operator (username)"), 150)
    object_type = _text(_("Object type"), 100)
    object_id = _text(_("Object id"), 64)

    field_order = ["username", "object_type", "object_id", "date_from", "date_to"]

    def filters(self) -> AccessLogFilters:
        data = self.cleaned_data
        return AccessLogFilters(
            username=data["username"],
            object_type=data["object_type"].lower(),
            object_id=data["object_id"],
            date_from=data.get("date_from"),
            date_to=data.get("date_to"),
        )


class DomainLogFilterForm(_DateRangeForm):
    username = _text(_("Operator (username)"), 150)
    action = _text(_("Action (or its beginning, e.g. cases.)"), 100)
    target_type = _text(_("Target type"), 100)
    target_id = _text(_("Target id"), 64)

    field_order = ["username", "action", "target_type", "target_id", "date_from", "date_to"]

    def filters(self) -> DomainLogFilters:
        data = self.cleaned_data
        return DomainLogFilters(
            username=data["username"],
            action=data["action"].lower(),
            target_type=data["target_type"].lower(),
            target_id=data["target_id"],
            date_from=data.get("date_from"),
            date_to=data.get("date_to"),
        )
