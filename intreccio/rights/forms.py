"""Forms of the rights pages: they parse input; the services decide what is allowed and say why."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from intreccio.accounts.forms import StyledForm, date_field
from intreccio.accounts.reauth import ReauthenticationMixin
from intreccio.people.models import LegalRepresentative
from intreccio.rights.models import (
    REFUSALS_BY_KIND,
    DataSubjectRequest,
    ErasureDecision,
    RefusalReason,
    RequestChannel,
    Requester,
    RequestKind,
    RequestStatus,
)

EMPTY = ("", "—")


class RepresentativeChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.full_name} ({obj.get_kind_display()})"


class RequestForm(StyledForm):
    kind = forms.ChoiceField(label=_("What the person asks for"), required=False, choices=[EMPTY, *RequestKind.choices])
    received_on = date_field(
        _("Received on"), required=False, help_text=_("dd/mm/yyyy: the deadline runs from this day.")
    )
    channel = forms.ChoiceField(label=_("Received by"), required=False, choices=[EMPTY, *RequestChannel.choices])
    requested_by = forms.ChoiceField(
        label=_("Requested by"), required=False, choices=Requester.choices, initial=Requester.PERSON
    )
    representative = RepresentativeChoice(
        label=_("Legal representative"),
        queryset=LegalRepresentative.objects.none(),
        required=False,
        help_text=_("Only when the representative made the request."),
    )
    rectification_requested = forms.CharField(
        label=_("What the person asks to correct"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("For a rectification: which data is wrong and how it should read."),
    )

    def __init__(self, *args: Any, representatives: list[LegalRepresentative], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["representative"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = LegalRepresentative.objects.filter(pk__in=[r.pk for r in representatives]).order_by("pk")
        if not representatives:
            del self.fields["representative"]
            self.fields["requested_by"].choices = [(Requester.PERSON, Requester.PERSON.label)]  # type: ignore[attr-defined]


class ExtendForm(StyledForm):
    months = forms.ChoiceField(
        label=_("Extend by"), required=False, choices=[("", "—"), ("1", _("one month")), ("2", _("two months"))]
    )

    def clean_months(self) -> int:
        value: str = self.cleaned_data["months"]
        return int(value) if value else 0

    reason = forms.CharField(
        label=_("Why more time is needed"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("The person is told of the extension and of its reason within the first month (art. 12(3))."),
    )


def _refusal_choices(kind: str) -> list[tuple[str, Any]]:
    return [EMPTY, *[(code, RefusalReason(code).label) for code in REFUSALS_BY_KIND[kind]]]


class CloseForm(StyledForm):
    outcome = forms.ChoiceField(
        label=_("Outcome"),
        required=False,
        choices=[EMPTY, (RequestStatus.FULFILLED, _("Fulfilled / delivered")), (RequestStatus.REFUSED, _("Refused"))],
    )
    refusal_reason = forms.ChoiceField(label=_("Legal reason for refusing"), required=False)
    rectification_done = forms.CharField(
        label=_("What was corrected"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Correct the data on the person's page first, then write here what changed."),
    )
    note = forms.CharField(
        label=_("Note on the outcome"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("How and when the answer was given to the person."),
    )

    def __init__(self, *args: Any, dsr: DataSubjectRequest, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["refusal_reason"].choices = _refusal_choices(dsr.kind)  # type: ignore[attr-defined]
        if dsr.kind != RequestKind.RECTIFICATION:
            del self.fields["rectification_done"]


class ErasureDecisionForm(StyledForm):
    decision = forms.ChoiceField(label=_("Decision"), required=False, choices=[EMPTY, *ErasureDecision.choices])
    refusal_reason = forms.ChoiceField(
        label=_("Legal reason for refusing"), required=False, choices=_refusal_choices(RequestKind.ERASURE)
    )
    note = forms.CharField(
        label=_("Note on the decision"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("What is kept and why, or what will be erased."),
    )


class ExportForm(ReauthenticationMixin, StyledForm):
    file_format = forms.ChoiceField(
        label=_("File"),
        choices=[("pdf", _("PDF, to read and print")), ("json", _("JSON, machine-readable"))],
        initial="pdf",
        widget=forms.RadioSelect,
    )


class ErasureExecuteForm(ReauthenticationMixin, StyledForm):
    confirm = forms.BooleanField(
        label=_("I understand that the erasure cannot be undone"),
        error_messages={"required": _("Tick the box to confirm that the erasure cannot be undone.")},
    )
