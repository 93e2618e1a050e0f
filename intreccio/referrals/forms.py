"""Forms of the referral pages: they parse input; referrals/disclosure.py and the services decide."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from intreccio.accounts.forms import StyledForm
from intreccio.accounts.models import Structure
from intreccio.cases.models import Section
from intreccio.people.models import Consent
from intreccio.referrals.models import OverrideBasis


class StructureChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.name} – {obj.organisation} ({obj.organisation.get_kind_display()})"


class ConsentChoice(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        reach = str(obj.recipient) if obj.recipient_id else str(_("every service of the network"))
        return str(
            _("%(scope)s – with %(reach)s – given on %(day)s by %(who)s")
            % {
                "scope": obj.get_scope_display(),
                "reach": reach,
                "day": obj.given_on.strftime("%d/%m/%Y"),
                "who": obj.given_by,
            }
        )


class ReferralForm(StyledForm):
    to_structure = StructureChoice(
        label=_("Receiving service"),
        queryset=Structure.objects.none(),
        empty_label=_("— choose the service —"),
        help_text=_("Services of the ambito's network where someone can read the referral in Intreccio."),
    )
    reason = forms.CharField(
        label=_("Reason for the referral"),
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_(
            "What the receiving service should do and what it needs to know. Write only what it needs: "
            "it reads this, the person's identity and contacts, and the notes of the sections you share."
        ),
    )

    def __init__(
        self,
        *args: Any,
        structures: list[Structure],
        sections: list[str],
        consents: list[Consent],
        can_override: bool,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["to_structure"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = Structure.objects.filter(pk__in=[s.pk for s in structures]).select_related("organisation")
        self.fields["shared_sections"] = forms.MultipleChoiceField(
            label=_("Sections to share"),
            choices=[(s, Section(s).label) for s in sections],
            widget=forms.CheckboxSelectMultiple,
            required=False,
            help_text=_(
                "Only sections you read. The receiving service reads their notes as they are when you send, "
                "without the notes a service keeps to itself. Share none if the reason says enough."
            ),
        )
        self.fields["consents"] = ConsentChoice(
            label=_("The person's consents this referral rests on"),
            queryset=Consent.objects.filter(pk__in=[c.pk for c in consents]).select_related("recipient"),
            widget=forms.CheckboxSelectMultiple,
            required=False,
        )
        if can_override:
            self.fields["override_basis"] = forms.ChoiceField(
                label=_("Legal basis of the override"),
                choices=[("", _("— no override: the person consented —")), *OverrideBasis.choices],
                required=False,
            )
            self.fields["override_reason"] = forms.CharField(
                label=_("Why the referral cannot rest on the person's consent"),
                widget=forms.Textarea(attrs={"rows": 3}),
                required=False,
                help_text=_(
                    "At least 20 characters. Stored on the referral with your name and the time; "
                    "the auditor and the person's access report can see it."
                ),
            )

    def service_kwargs(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "to_structure": data["to_structure"],
            "reason": data["reason"],
            "shared_sections": list(data.get("shared_sections") or []),
            "consents": list(data.get("consents") or []),
            "override_basis": data.get("override_basis", ""),
            "override_reason": data.get("override_reason", ""),
        }


class VersionForm(StyledForm):
    version = forms.IntegerField(widget=forms.HiddenInput)


class AcceptForm(VersionForm):
    note = forms.CharField(
        label=_("Note for the sending service (optional)"),
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        help_text=_("E.g. who will contact the person, and when."),
    )


class RejectForm(VersionForm):
    reason = forms.CharField(
        label=_("Why you decline"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("The sending service reads it. After declining you no longer see the referral."),
    )


class CompleteForm(VersionForm):
    outcome = forms.CharField(
        label=_("Outcome"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("What was done. After closing the referral your service no longer sees the person's data."),
    )


class WithdrawForm(VersionForm):
    reason = forms.CharField(
        label=_("Why you withdraw the referral"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("The receiving service loses access to the person's data at once."),
    )
