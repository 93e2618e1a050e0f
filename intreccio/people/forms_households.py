"""Forms of the household, ISEE and consent pages: they parse what was typed; the services decide.

Dates are typed day first (dd/mm/yyyy) in every interface language, because the documents the
operators copy from are Italian; an impossible date gets a message that says why it is
impossible. Amounts are accepted as operators write them: "9.360,50", "9360,50", "9360.50".
"""

from __future__ import annotations

import datetime
import re
from decimal import Decimal, InvalidOperation
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from intreccio.accounts.forms import StyledForm
from intreccio.accounts.models import Organisation
from intreccio.core.dates import LATEST_YEAR, OLDEST_YEAR, DayFirstDateField, parse_day_first
from intreccio.people.models import ConsentScope, IseeKind, Relationship
from intreccio.territory.models import Comune


def parse_date(raw: str) -> datetime.date:
    """A date typed as dd/mm/yyyy (or ISO yyyy-mm-dd, as a browser date picker sends it)."""
    return parse_day_first(raw, oldest_year=OLDEST_YEAR, latest_year=LATEST_YEAR)


def _grouped(text: str, sep: str) -> bool:
    return re.fullmatch(r"\d{1,3}(?:" + re.escape(sep) + r"\d{3})+", text) is not None


def parse_amount(raw: str) -> Decimal:
    """An amount in euro typed Italian-style ("9.360,50") or with a decimal point ("9360.50").

    With both separators the last one is the decimal separator; a lone comma is a decimal
    comma; a lone dot is a decimal point unless it groups thousands ("9.360" is 9360 euro,
    as an Italian document writes it).
    """
    text = re.sub(r"[\s\u00a0\u202f€]", "", raw).replace("\u2212", "-")
    if text.startswith("-"):
        raise ValidationError(_("The ISEE value cannot be negative."), code="negative")
    text = text.lstrip("+")
    not_understood = ValidationError(
        _("Write the amount in euro with digits, e.g. 9.360,50 or 9360.50."), code="invalid"
    )
    if not text or not re.fullmatch(r"[\d.,]+", text):
        raise not_understood
    comma, dot = text.rfind(","), text.rfind(".")
    if comma >= 0 and dot >= 0:
        decimal_sep = "," if comma > dot else "."
        thousands = "." if decimal_sep == "," else ","
        whole, _sep, cents = text.rpartition(decimal_sep)
        if not _grouped(whole, thousands) and not whole.isdigit():
            raise not_understood
        whole = whole.replace(thousands, "")
    elif comma >= 0:
        whole, _sep, cents = text.rpartition(",")
        if "," in whole:
            if not _grouped(text, ","):
                raise not_understood
            whole, cents = text.replace(",", ""), ""
    elif dot >= 0:
        if _grouped(text, "."):
            whole, cents = text.replace(".", ""), ""
        else:
            whole, _sep, cents = text.rpartition(".")
            if "." in whole:
                raise not_understood
    else:
        whole, cents = text, ""
    if not whole.isdigit() or (cents and not cents.isdigit()):
        raise not_understood
    if len(cents) > 2:
        raise ValidationError(_("Use at most two decimals (cents), e.g. 9.360,50."), code="decimals")
    # No amount the registry keeps reaches a billion euro; more digits are a typing slip.
    if len(whole.lstrip("0")) > 9:
        raise ValidationError(_("This amount is too large: check the digits."), code="too_large")
    try:
        return Decimal(f"{whole}.{cents or '0'}")
    except InvalidOperation as exc:  # pragma: no cover - the pattern above admits digits only
        raise not_understood from exc


class EuroAmountField(forms.Field):
    widget = forms.TextInput

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("help_text", _("In euro, e.g. 9.360,50"))
        super().__init__(**kwargs)
        self.widget.attrs.update({"inputmode": "decimal", "autocomplete": "off", "placeholder": "9.360,50"})

    def to_python(self, value: Any) -> Decimal | None:
        if value in self.empty_values:
            return None
        if isinstance(value, Decimal):
            return value
        return parse_amount(str(value))


class HouseholdForm(StyledForm):
    name = forms.CharField(
        label=_("Name of the household"),
        max_length=200,
        help_text=_("Usually the reference person's surname, e.g. Famiglia Rossi."),
    )
    address = forms.CharField(label=_("Address"), max_length=200, required=False)
    comune = forms.ModelChoiceField(label=_("Comune"), queryset=Comune.objects.none(), required=False)

    def __init__(self, *args: Any, comuni: Any, with_reference: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        comune: forms.ModelChoiceField = self.fields["comune"]  # type: ignore[assignment]
        comune.queryset = comuni
        if with_reference:
            self.fields["date_in"] = DayFirstDateField(label=_("Reference person member from"))
            self.fields["date_in"].widget.attrs["class"] = "form-control"


class MemberAddForm(StyledForm):
    person = forms.IntegerField(
        widget=forms.HiddenInput,
        required=False,
        error_messages={"invalid": _("Search for the person and choose them from the results.")},
    )
    # No preselected answer: the reference person is usually there already, and a default would be saved unread.
    relationship = forms.ChoiceField(
        label=_("Relationship to the reference person"),
        choices=[("", _("Choose…")), *Relationship.choices],
        error_messages={"required": _("Choose the relationship from the list.")},
    )
    date_in = DayFirstDateField(label=_("Member from"))

    def clean_person(self) -> int | None:
        person: int | None = self.cleaned_data.get("person")
        if person is None:
            raise ValidationError(_("Search for the person and choose them from the results."), code="required")
        return person


class MemberLeaveForm(StyledForm):
    date_out = DayFirstDateField(label=_("Left the household on"))


class IseeForm(StyledForm):
    kind = forms.ChoiceField(label=_("Type of ISEE"), choices=IseeKind.choices, initial=IseeKind.ORDINARY)
    value = EuroAmountField(label=_("ISEE value (€)"))
    valid_from = DayFirstDateField(label=_("Valid from"))
    valid_to = DayFirstDateField(
        label=_("Valid until"), help_text=_("dd/mm/yyyy; an ordinary ISEE is valid until 31 December.")
    )
    dsu_protocol = forms.CharField(
        label=_("DSU protocol number"),
        max_length=40,
        required=False,
        help_text=_("As printed on the attestation, e.g. INPS-ISEE-2026-00012345A-00."),
    )


class ConsentForm(StyledForm):
    scope = forms.ChoiceField(label=_("What may be shared"), choices=ConsentScope.choices)
    recipient = forms.ModelChoiceField(
        label=_("With"),
        queryset=Organisation.objects.none(),
        required=False,
        empty_label=_("Every service of the network"),
    )
    given_on = DayFirstDateField(label=_("Given on"))
    given_by = forms.CharField(
        label=_("Signed by"),
        max_length=200,
        help_text=_("The person, or their legal representative (name and role, e.g. guardian)."),
    )
    document_reference = forms.CharField(
        label=_("Document reference"),
        max_length=200,
        required=False,
        help_text=_("Where the signed form is kept, e.g. its protocol number."),
    )

    def __init__(self, *args: Any, recipients: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        recipient: forms.ModelChoiceField = self.fields["recipient"]  # type: ignore[assignment]
        recipient.queryset = recipients


class ConsentWithdrawForm(StyledForm):
    withdrawn_on = DayFirstDateField(label=_("Withdrawn on"))
