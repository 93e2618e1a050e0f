"""Dates as operators type them: dd/mm/yyyy, refused with a message that says what is wrong.

"31/04/2025" is told that April has 30 days and "29/02/2023" that 2023 is not a leap year: a
generic "enter a valid date" leaves the operator guessing which part to fix. ISO dates
(yyyy-mm-dd, what a browser date picker sends) are accepted too.
"""

from __future__ import annotations

import calendar
import datetime
import re
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

OLDEST_YEAR = 1900
LATEST_YEAR = 2100
MONTHS = (
    _("January"), _("February"), _("March"), _("April"), _("May"), _("June"),
    _("July"), _("August"), _("September"), _("October"), _("November"), _("December"),
)  # fmt: skip

_DAY_FIRST = re.compile(r"^([0-9]{1,2})[/.-]([0-9]{1,2})[/.-]([0-9]+)$")
_ISO = re.compile(r"^([0-9]{4})-([0-9]{2})-([0-9]{2})$")


def parse_day_first(raw: str, *, oldest_year: int = OLDEST_YEAR, latest_year: int = LATEST_YEAR) -> datetime.date:
    """The date typed in ``raw``, or a ValidationError naming the part that is wrong."""
    text = "".join(raw.split())
    iso = _ISO.match(text) if text.isascii() else None
    match = _DAY_FIRST.match(text) if text.isascii() else None
    if iso:
        year, month, day = (int(part) for part in iso.groups())
    elif match:
        day, month, year = (int(part) for part in match.groups())
        if len(match.group(3)) != 4:
            raise ValidationError(gettext("Write the year with four digits, e.g. 31/01/2025."), code="year_digits")
    else:
        raise ValidationError(gettext("Enter the date as dd/mm/yyyy, e.g. 31/01/2025."), code="invalid")
    if not oldest_year <= year <= latest_year:
        raise ValidationError(
            gettext("The year %(year)s is out of range: check it (between %(first)s and %(last)s).")
            % {"year": year, "first": oldest_year, "last": latest_year},
            code="year_range",
        )
    if not 1 <= month <= 12:
        raise ValidationError(
            gettext("There is no month %(month)s: the month goes from 01 to 12.") % {"month": month}, code="month"
        )
    last_day = calendar.monthrange(year, month)[1]
    if not 1 <= day <= last_day:
        if month == 2 and day == 29:
            raise ValidationError(
                gettext("29/02/%(year)s does not exist: %(year)s is not a leap year.") % {"year": year}, code="leap"
            )
        else:
            message = gettext("%(date)s does not exist: %(month)s has %(days)s days.") % {
                "date": f"{day:02d}/{month:02d}/{year}",
                "month": MONTHS[month - 1],
                "days": last_day,
            }
            raise ValidationError(message, code="day")
    return datetime.date(year, month, day)


class DayFirstDateField(forms.Field):
    """A form field for ``parse_day_first``, shown back as dd/mm/yyyy."""

    widget = forms.TextInput

    def __init__(self, *, oldest_year: int = OLDEST_YEAR, latest_year: int = LATEST_YEAR, **kwargs: Any) -> None:
        kwargs.setdefault("help_text", _("dd/mm/yyyy, e.g. 31/01/2025"))
        super().__init__(**kwargs)
        self.oldest_year = oldest_year
        self.latest_year = latest_year
        self.widget.attrs.update(
            {"placeholder": _("dd/mm/yyyy"), "inputmode": "numeric", "autocomplete": "off", "maxlength": "10"}
        )

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, datetime.date):
            return value.strftime("%d/%m/%Y")
        return value

    def to_python(self, value: Any) -> datetime.date | None:
        if isinstance(value, datetime.date):
            return value
        if value in self.empty_values or not str(value).strip():
            return None
        return parse_day_first(str(value), oldest_year=self.oldest_year, latest_year=self.latest_year)
