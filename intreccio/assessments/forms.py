"""Forms of the assessment pages: the answers (built from the tool's schema) and the CPI profile."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from intreccio.access.forms import questionnaire_form
from intreccio.accounts.models import Structure
from intreccio.core.dates import DayFirstDateField


def answers_form(
    dimensions: list[dict[str, Any]], data: Any = None, answers: dict[str, Any] | None = None
) -> forms.Form:
    """One field per question of ``dimensions``, with the stored answers as initial values.

    The fields only collect what was typed or ticked: ``assessment_save`` checks it against the
    schema, as it does for answers arriving any other way. The widgets are the pre-assessment's,
    so both questionnaires look and behave the same.
    """
    shaped = {"sections": [{"questions": d.get("questions", [])} for d in dimensions]}
    return questionnaire_form(shaped, data=data, initial=answers or {})


class VersionForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


class CentreField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Structure) -> str:
        return f"{obj.organisation.name} – {obj.name}"


class ProfileForm(forms.Form):
    # Typed dd/mm/yyyy like every other date of the interface (ISO is accepted too).
    pact_signed_on = DayFirstDateField(
        label=_("Patto di servizio signed on"),
        required=False,
        help_text=_("Leave empty if the pact is not signed yet."),
    )
    pact_cpi = CentreField(label=_("Employment centre"), queryset=Structure.objects.none(), required=False)
    pact_reference = forms.CharField(label=_("Pact reference (protocol)"), required=False, max_length=60)

    def __init__(self, *args: Any, centres: list[Structure], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["pact_cpi"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = Structure.objects.filter(pk__in=[c.pk for c in centres]).select_related("organisation")
