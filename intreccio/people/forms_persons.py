"""Forms of the person pages: they parse what was typed; people.services.persons decides what is allowed."""

from __future__ import annotations

import datetime
import re
from typing import TYPE_CHECKING, Any

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from intreccio.accounts.forms import StyledForm
from intreccio.core import fiscal_code
from intreccio.core.dates import DayFirstDateField, parse_day_first
from intreccio.people.models import NoFiscalCodeReason, Person, Sex, TargetGroup
from intreccio.people.search import normalise_name
from intreccio.territory.models import Comune

if TYPE_CHECKING:
    from django.utils.functional import _StrOrPromise as StrOrPromise

_ISTAT = re.compile(r"^[0-9]{6}$")
_BELFIORE = re.compile(r"^[A-Z][0-9]{3}$")
_NAME_WITH_PROVINCE = re.compile(r"^(.*?)\s*\(\s*([A-Za-z]{2})\s*\)$")
OLDEST_YEAR = 1900
COMUNE_FIELDS = ("birth_comune", "residence_comune", "domicile_comune")


def parse_day_first_date(raw: str, *, oldest_year: int = OLDEST_YEAR) -> datetime.date:
    return parse_day_first(raw, oldest_year=oldest_year)


def resolve_comune(text: str) -> Comune:
    """A comune from what was typed: its ISTAT code, its Belfiore code, or its name ("Castro (BG)")."""
    value = " ".join(text.split())
    if _ISTAT.match(value):
        found = list(Comune.objects.filter(istat_code=value)[:2])
    elif _BELFIORE.match(value.upper()):
        found = list(Comune.objects.filter(belfiore_code=value.upper())[:2])
    else:
        province = ""
        match = _NAME_WITH_PROVINCE.match(value)
        if match:
            value, province = match.group(1), match.group(2).upper()
        candidates = Comune.objects.filter(name__iexact=value)
        if province:
            candidates = candidates.filter(province_code=province)
        found = list(candidates[:2])
        if not found:
            # "Nicolò" typed "Nicolo": compare without accents and apostrophes among same-initial names.
            wanted = normalise_name(value)
            initial = Comune.objects.filter(name__istartswith=value[:1]) if value else Comune.objects.none()
            if province:
                initial = initial.filter(province_code=province)
            found = [c for c in initial if normalise_name(c.name) == wanted][:2]
    if not found:
        raise ValidationError(
            gettext("No comune is called “%(name)s”: check the spelling, or type its ISTAT code (6 digits).")
            % {"name": text.strip()},
            code="unknown_comune",
        )
    if len(found) > 1:
        raise ValidationError(
            gettext("Several comuni are called “%(name)s”: add the province, e.g. “%(example)s”.")
            % {"name": text.strip(), "example": f"{found[0].name} ({found[0].province_code})"},
            code="ambiguous_comune",
        )
    return found[0]


def comune_choices(*, organisation_ambito_id: int | None, person: Person | None = None) -> QuerySet[Comune]:
    """The comuni of the operator's ambito, plus those already on the person being edited."""
    condition = Q(ambito_id=organisation_ambito_id) if organisation_ambito_id else Q(pk__in=[])
    if person is not None:
        current = [getattr(person, f"{name}_id") for name in COMUNE_FIELDS]
        condition |= Q(pk__in=[pk for pk in current if pk])
    return Comune.objects.filter(condition).order_by("name")


def _comune_select(label: StrOrPromise) -> forms.ModelChoiceField:
    return forms.ModelChoiceField(
        label=label, queryset=Comune.objects.none(), required=False, empty_label=_("— choose from the ambito —")
    )


def _comune_other(label: StrOrPromise) -> forms.CharField:
    return forms.CharField(
        label=label,
        required=False,
        max_length=200,
        help_text=_("A comune outside the ambito: its name (add the province if needed) or ISTAT code."),
    )


class PersonForm(StyledForm):
    last_name = forms.CharField(label=_("Surname"), max_length=100)
    first_name = forms.CharField(label=_("First name"), max_length=100)
    fiscal_code = forms.CharField(
        label=_("Codice fiscale"),
        max_length=40,
        required=False,
        help_text=_("16 characters, or the 11-digit temporary code. Spaces and lowercase are fine."),
    )
    no_fiscal_code_reason = forms.ChoiceField(
        label=_("If there is no codice fiscale, why"),
        required=False,
        choices=[("", "—"), *NoFiscalCodeReason.choices],
        help_text=_(
            "For a victim of violence who must not be found, choose the pseudonym and write the pseudonym "
            "in the surname and first-name fields: the real name is never recorded here."
        ),
    )
    sex = forms.ChoiceField(label=_("Sex"), required=False, choices=[("", "—"), *Sex.choices])
    birth_date = DayFirstDateField(label=_("Date of birth"), required=False)
    birth_comune = _comune_select(_("Comune of birth"))
    birth_comune_other = _comune_other(_("…or another comune of birth"))
    birth_country = forms.CharField(
        label=_("Country of birth"), max_length=100, required=False, help_text=_("For persons born abroad.")
    )
    citizenship = forms.CharField(label=_("Citizenship"), max_length=100, required=False)
    languages = forms.CharField(label=_("Languages spoken"), max_length=200, required=False)
    residence_address = forms.CharField(label=_("Residence address"), max_length=200, required=False)
    residence_comune = _comune_select(_("Comune of residence"))
    residence_comune_other = _comune_other(_("…or another comune of residence"))
    domicile_address = forms.CharField(
        label=_("Domicile address"),
        max_length=200,
        required=False,
        help_text=_("Only where it differs from the residence."),
    )
    domicile_comune = _comune_select(_("Comune of domicile"))
    domicile_comune_other = _comune_other(_("…or another comune of domicile"))
    phone = forms.CharField(label=_("Phone"), max_length=40, required=False)
    email = forms.CharField(label=_("E-mail"), max_length=254, required=False)
    target_groups = forms.MultipleChoiceField(
        label=_("Target groups"), required=False, choices=TargetGroup.choices, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args: Any, comuni: QuerySet[Comune], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in COMUNE_FIELDS:
            field = self.fields[name]
            assert isinstance(field, forms.ModelChoiceField)
            field.queryset = comuni
        # StyledForm gives every widget "form-control"; the checkboxes are laid out by the template.
        self.fields["target_groups"].widget.attrs["class"] = "form-check-input"

    def clean_fiscal_code(self) -> str:
        # Checked here too, so that a wrong code is reported along with the other field errors
        # instead of only after they are fixed; the service checks it again against the rest.
        value: str = self.cleaned_data.get("fiscal_code") or ""
        if fiscal_code.normalise(value):
            fiscal_code.parse(value)
        return value

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for name in COMUNE_FIELDS:
            typed = (data.get(f"{name}_other") or "").strip()
            if not typed:
                continue
            try:
                comune = resolve_comune(typed)
            except ValidationError as exc:
                self.add_error(f"{name}_other", exc)
                continue
            chosen = data.get(name)
            if chosen is not None and chosen != comune:
                self.add_error(
                    f"{name}_other", gettext("Choose the comune from the list or type it, not both: they differ.")
                )
                continue
            data[name] = comune
        return data

    def service_values(self) -> dict[str, Any]:
        """What the person services take: the model's fields, without the form's helpers."""
        data = self.cleaned_data
        excluded = {"target_groups", "confirm_not_duplicate", "version"} | {f"{n}_other" for n in COMUNE_FIELDS}
        return {name: value for name, value in data.items() if name not in excluded}


class PersonCreateForm(PersonForm):
    confirm_not_duplicate = forms.BooleanField(
        label=_("I have checked: this is a different person"),
        required=False,
        help_text=_("Tick only after comparing with the persons listed above."),
    )


class PersonUpdateForm(PersonForm):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


class PersonSearchForm(forms.Form):
    q = forms.CharField(
        label=_("Search the registry"),
        required=False,
        max_length=200,
        help_text=_("Surname and name in any order, birth year (or dd/mm/yyyy), codice fiscale or its beginning."),
        widget=forms.TextInput(attrs={"class": "form-control", "autocomplete": "off", "type": "search"}),
    )
