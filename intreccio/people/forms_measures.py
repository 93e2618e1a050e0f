"""Forms of the income-measure and legal-representative pages: they parse; the services decide."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from intreccio.accounts.forms import StyledForm
from intreccio.core.dates import DayFirstDateField
from intreccio.people.forms_households import parse_amount
from intreccio.people.models import IncomeMeasure, IncomeSupportStatus, LegalRepresentativeKind


class MonthlyAmountField(forms.Field):
    """Euro typed as operators write them ("1.234,56", "500"); the ISEE parser does the work."""

    widget = forms.TextInput

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("help_text", _("Per month, in euro, e.g. 500,00. Leave empty if not known."))
        super().__init__(**kwargs)
        self.widget.attrs.update({"inputmode": "decimal", "autocomplete": "off", "placeholder": "500,00"})

    def to_python(self, value: Any) -> Decimal | None:
        if value in self.empty_values or not str(value).strip():
            return None
        text = str(value).strip()
        # The shared parser words its refusal of a sign for ISEE values: say it for this amount.
        if re.match(r"^[-\u2212]", text):
            raise ValidationError(_("The monthly amount cannot be negative."), code="negative")
        return parse_amount(text)


class IncomeSupportForm(StyledForm):
    measure = forms.ChoiceField(label=_("Measure"), choices=IncomeMeasure.choices)
    status = forms.ChoiceField(label=_("Status"), choices=IncomeSupportStatus.choices)
    date_from = DayFirstDateField(label=_("From"), help_text=_("dd/mm/yyyy: the first month of the measure"))
    date_to = DayFirstDateField(
        label=_("To"), required=False, help_text=_("dd/mm/yyyy; empty while the measure goes on")
    )
    monthly_amount = MonthlyAmountField(label=_("Monthly amount"), required=False)
    inps_protocol = forms.CharField(
        label=_("INPS protocol number"),
        required=False,
        max_length=40,
        help_text=_("As printed on the INPS decision, e.g. INPS-ADI-2024-0001234."),
    )


class IncomeSupportEndForm(StyledForm):
    status = forms.ChoiceField(
        label=_("How it ended"),
        choices=[(IncomeSupportStatus.ENDED, _("Ended")), (IncomeSupportStatus.REVOKED, _("Revoked by INPS"))],
    )
    date_to = DayFirstDateField(label=_("Last day"))


class LegalRepresentativeForm(StyledForm):
    kind = forms.ChoiceField(label=_("Kind"), choices=LegalRepresentativeKind.choices)
    full_name = forms.CharField(label=_("Name of the representative"), max_length=200)
    fiscal_code_value = forms.CharField(
        label=_("Codice fiscale of the representative"),
        required=False,
        max_length=40,
        help_text=_("Leave empty when the decree names an office (e.g. the mayor) rather than a person."),
    )
    contact = forms.CharField(label=_("Contact"), required=False, max_length=200, help_text=_("Phone or e-mail."))
    court = forms.CharField(label=_("Court (tribunale)"), max_length=200, help_text=_("e.g. Tribunale di Cremona"))
    decree_number = forms.CharField(label=_("Decree number"), required=False, max_length=60)
    decree_date = DayFirstDateField(label=_("Decree date"))
    date_from = DayFirstDateField(label=_("In office from"), help_text=_("dd/mm/yyyy: usually the date of the oath"))


class LegalRepresentativeEndForm(StyledForm):
    date_to = DayFirstDateField(label=_("Last day in office"))
