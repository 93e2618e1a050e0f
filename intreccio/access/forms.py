"""Forms of the front door: they parse what was typed; the services decide what is allowed."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django import forms
from django.db import models
from django.utils.translation import gettext_lazy as _

from intreccio.access.models import Channel, IntakeStatus, Need, Source, Urgency
from intreccio.access.questionnaire import label
from intreccio.access.selectors import IntakeFilters
from intreccio.accounts.forms import StyledForm
from intreccio.accounts.models import Structure
from intreccio.core.dates import DayFirstDateField
from intreccio.people.models import NoFiscalCodeReason, Sex

if TYPE_CHECKING:
    from django.db.models import QuerySet

WHO_NEW = "new"


def _blank(choices: type[models.TextChoices]) -> list[tuple[str, Any]]:
    return [("", "—"), *choices.choices]


WHO_UNIDENTIFIED = "unidentified"


class DayMonthYearField(DayFirstDateField):
    """Dates of the front door: any year a document may carry (the range checks are the services')."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("help_text", _("dd/mm/yyyy"))
        super().__init__(oldest_year=1, latest_year=9999, **kwargs)


# --- intake -------------------------------------------------------------------------------------


class IntakeForm(StyledForm):
    """Who the intake is about (picked, new or described) and the intake's own fields."""

    who = forms.CharField(required=False, widget=forms.HiddenInput)
    unidentified_description = forms.CharField(
        label=_("Who is it about?"),
        required=False,
        max_length=300,
        help_text=_("A short description, e.g. “woman about 40, signalled by the emergency room”."),
    )
    # Required by the service, which says which date it wants.
    received_on = DayMonthYearField(label=_("Date received"), required=False)
    # Plain text fields with the choices as widgets: the service, not the form, refuses an unknown
    # value, with a message that says what the field is for.
    channel = forms.CharField(label=_("Channel"), required=False, widget=forms.Select(choices=_blank(Channel)))
    source = forms.CharField(
        label=_("Who made the request or signal"), required=False, widget=forms.Select(choices=_blank(Source))
    )
    source_detail = forms.CharField(
        label=_("Source detail"),
        required=False,
        max_length=200,
        help_text=_("Which school, ward, service or body; required for other services and bodies."),
    )
    prevalent_need = forms.CharField(
        label=_("Prevalent need"), required=False, widget=forms.Select(choices=_blank(Need))
    )
    urgency = forms.CharField(
        label=_("Urgency"), required=False, initial=Urgency.ORDINARY, widget=forms.RadioSelect(choices=Urgency.choices)
    )
    notes = forms.CharField(label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 4}))
    confirm_not_duplicate = forms.BooleanField(
        label=_("It is a different person: register them anyway"), required=False
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["urgency"].widget.attrs["class"] = "form-check-input"

    def intake_values(self) -> dict[str, Any]:
        names = ("received_on", "channel", "source", "source_detail", "prevalent_need", "urgency", "notes")
        values = {name: self.cleaned_data.get(name) for name in names}
        values["unidentified_description"] = (
            self.cleaned_data.get("unidentified_description", "") if self.who_choice == WHO_UNIDENTIFIED else ""
        )
        return values

    @property
    def who_choice(self) -> str:
        """What was picked: a person's id, "new" or "unidentified" (read before validation)."""
        return str(self.data.get("who", "")) if self.is_bound else ""


class NewPersonForm(StyledForm):
    """The minimum to register a person at the front door; the registry page completes it later."""

    last_name = forms.CharField(label=_("Surname"), max_length=100, required=False)
    first_name = forms.CharField(label=_("First name"), max_length=100, required=False)
    fiscal_code = forms.CharField(label=_("Codice fiscale"), max_length=32, required=False)
    no_fiscal_code_reason = forms.ChoiceField(
        label=_("If there is no codice fiscale, why"), choices=[("", "—"), *NoFiscalCodeReason.choices], required=False
    )
    birth_date = DayMonthYearField(label=_("Date of birth"), required=False)
    sex = forms.ChoiceField(label=_("Sex"), choices=[("", "—"), *Sex.choices], required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("prefix", "person")
        super().__init__(*args, **kwargs)
        self.fields["fiscal_code"].widget.attrs.update({"autocapitalize": "characters", "autocomplete": "off"})

    def person_values(self) -> dict[str, Any]:
        return dict(self.cleaned_data)


class OutcomeForm(StyledForm):
    """Closing, forwarding or marking urgent: the version seen, a note, the date (today if empty)."""

    version = forms.IntegerField(widget=forms.HiddenInput)
    outcome_note = forms.CharField(label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    outcome_on = DayMonthYearField(
        label=_("Outcome date"), required=False, help_text=_("dd/mm/yyyy; leave empty for today.")
    )


# --- the list -----------------------------------------------------------------------------------


class IntakeFilterForm(StyledForm):
    status = forms.ChoiceField(
        required=False, choices=[("", _("All")), *IntakeStatus.choices], widget=forms.HiddenInput
    )
    urgency = forms.ChoiceField(label=_("Urgency"), required=False, choices=[("", _("All")), *Urgency.choices])
    channel = forms.ChoiceField(label=_("Channel"), required=False, choices=[("", _("All")), *Channel.choices])
    source = forms.ChoiceField(label=_("Source"), required=False, choices=[("", _("All")), *Source.choices])
    prevalent_need = forms.ChoiceField(
        label=_("Prevalent need"), required=False, choices=[("", _("All")), *Need.choices]
    )
    received_from = DayMonthYearField(label=_("Received from"), required=False)
    received_to = DayMonthYearField(label=_("Received until"), required=False)
    structure = forms.ModelChoiceField(label=_("Structure"), required=False, queryset=Structure.objects.none())

    def __init__(self, *args: Any, structures: QuerySet[Structure], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["structure"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = structures
        field.empty_label = _("All")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("received_from"), data.get("received_to")
        if start and end and start > end:
            self.add_error("received_to", _("The end of the range is before its start."))
        return data

    def filters(self) -> IntakeFilters:
        if not self.is_valid():
            return IntakeFilters(
                status=str(self.data.get("status", "")) if self.data.get("status") in IntakeStatus.values else ""
            )
        data = self.cleaned_data
        structure = data.get("structure")
        return IntakeFilters(
            status=data["status"],
            urgency=data["urgency"],
            channel=data["channel"],
            source=data["source"],
            prevalent_need=data["prevalent_need"],
            received_from=data["received_from"],
            received_to=data["received_to"],
            structure=structure.pk if structure is not None else None,
        )


# --- the questionnaire --------------------------------------------------------------------------


class RawMultipleField(forms.Field):
    """Ticked boxes as they came: the service checks them against the schema."""

    widget = forms.CheckboxSelectMultiple

    def to_python(self, value: Any) -> list[str]:
        if not value:
            return []
        return [str(v) for v in value] if isinstance(value, list | tuple) else [str(value)]


def questionnaire_form(schema: dict[str, Any], data: Any = None, initial: dict[str, Any] | None = None) -> forms.Form:
    """A form with one field per question of ``schema``, labels in the active language.

    Fields only collect what was typed or ticked; ``pre_assessment_save`` validates it, so
    the rules live in one place whether the answers come from this page or from an import.
    """
    form = forms.Form(data=data, initial=_initial(schema, initial or {}))
    for section in schema.get("sections", []):
        for question in section.get("questions", []):
            kind = question["type"]
            choices = [(c["value"], label(c["label"])) for c in question.get("choices", [])]
            common: dict[str, Any] = {"label": label(question["label"]), "required": False}
            if question.get("help"):
                common["help_text"] = label(question["help"])
            field: forms.Field
            if kind == "choice":
                field = forms.CharField(widget=forms.RadioSelect(choices=choices), **common)
            elif kind == "multi_choice":
                field = RawMultipleField(widget=forms.CheckboxSelectMultiple(choices=choices), **common)
            elif kind == "yes_no":
                field = forms.CharField(
                    widget=forms.RadioSelect(choices=[("yes", _("Yes")), ("no", _("No"))]), **common
                )
            elif kind == "number":
                field = forms.CharField(
                    widget=forms.TextInput(attrs={"inputmode": "decimal", "class": "form-control"}), **common
                )
            else:
                limit = question.get("max_length")
                attrs = {"rows": 3, "class": "form-control"}
                if limit:
                    attrs["maxlength"] = limit
                field = forms.CharField(widget=forms.Textarea(attrs=attrs), **common)
            form.fields[question["key"]] = field
    return form


def _initial(schema: dict[str, Any], answers: dict[str, Any]) -> dict[str, Any]:
    """Stored answers as the widgets expect them (yes/no as "yes"/"no", numbers as typed in Italian)."""
    initial: dict[str, Any] = {}
    for section in schema.get("sections", []):
        for question in section.get("questions", []):
            key = question["key"]
            if key not in answers:
                continue
            value = answers[key]
            if question["type"] == "yes_no":
                value = "yes" if value else "no"
            elif question["type"] == "number":
                value = str(value).replace(".", ",")
            initial[key] = value
    return initial
