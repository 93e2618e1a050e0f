"""Forms of the blackout pages: they parse input; the services decide what is allowed."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from intreccio.accounts.forms import StyledForm, date_field
from intreccio.blackout.models import REFERENCE_MAX
from intreccio.blackout.services import LIFT_REASON_MAX
from intreccio.people.models import Person


class PersonChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.last_name} {obj.first_name}"


class RecordForm(StyledForm):
    """The person's request: when they asked and the reference of the signed request."""

    person = PersonChoice(
        label=_("Who asked"),
        queryset=Person.objects.none(),
        required=False,
        help_text=_("The member of the household who signed the request."),
    )
    requested_on = date_field(
        _("Requested on"), required=True, help_text=_("The day the person signed the request: dd/mm/yyyy.")
    )
    request_reference = forms.CharField(
        label=_("Reference of the request"),
        max_length=REFERENCE_MAX,
        help_text=_("E.g. the protocol number of the signed request. Do not write what the request says."),
    )

    def __init__(self, *args: Any, members: list[Person] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if members:
            field = self.fields["person"]
            assert isinstance(field, forms.ModelChoiceField)
            field.queryset = Person.objects.filter(pk__in=[p.pk for p in members]).order_by("last_name", "first_name")
            field.required = True
        else:
            del self.fields["person"]


class LiftForm(StyledForm):
    reason = forms.CharField(
        label=_("Why the blackout is lifted"),
        max_length=LIFT_REASON_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("E.g. “The person withdrew the request on 12/05/2025, protocol 2025/4411”."),
    )
