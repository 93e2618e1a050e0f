"""Forms of the plan pages: they parse what the operator typed; the services decide."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from intreccio.accounts.models import Organisation, Structure
from intreccio.cases.models import Section
from intreccio.catalogue.forms import QuantityField
from intreccio.catalogue.models import AssistancePackage, QuantityBasis, Service
from intreccio.core.dates import DayFirstDateField
from intreccio.plans.models import Commitment, Goal, GoalStatus, Owner, PactSubtype, PactType, Signatory


class VersionForm(forms.Form):
    """Every change carries the plan version the operator saw: a stale one gets the conflict page."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


def _section_choices(allowed: Iterable[str]) -> list[tuple[str, Any]]:
    return [(value, label) for value, label in Section.choices if value in allowed]


class PlanForm(VersionForm):
    pact_type = forms.ChoiceField(label=_("Type of pact"), choices=PactType.choices)
    subtype = forms.ChoiceField(
        label=_("Kind of patto gener-attivo"),
        required=False,
        choices=[("", _("— only for a patto gener-attivo —")), *PactSubtype.choices],
    )
    duration_months = forms.IntegerField(label=_("Duration (months)"), min_value=1, max_value=36, initial=12)
    package = forms.ModelChoiceField(
        label=_("Assistance package"),
        queryset=AssistancePackage.objects.none(),
        required=False,
        empty_label=_("No package fits"),
    )
    summary = forms.CharField(
        label=_("Summary of the project"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    signatory = forms.ChoiceField(label=_("Signed by"), choices=Signatory.choices, initial=Signatory.PERSON)
    representative_name = forms.CharField(label=_("Legal representative"), required=False, max_length=200)
    representative_capacity = forms.CharField(
        label=_("Capacity"),
        required=False,
        max_length=100,
        help_text=_("e.g. amministratore di sostegno, tutore, curatore"),
    )
    signed_on = DayFirstDateField(label=_("Signed on"), required=False)

    def __init__(self, *args: Any, packages: list[AssistancePackage], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["package"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = AssistancePackage.objects.filter(pk__in=[p.pk for p in packages]).order_by("code")


class NewPlanForm(PlanForm):
    """The first save has no version yet."""

    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


class GoalForm(VersionForm):
    text = forms.CharField(label=_("Goal"), widget=forms.Textarea(attrs={"rows": 2}), required=False)
    indicator = forms.CharField(label=_("Indicator"), max_length=300, required=False)
    target = forms.CharField(label=_("Target"), max_length=200, required=False)
    due_on = DayFirstDateField(label=_("Due on"), required=False)
    section = forms.ChoiceField(label=_("Section"), initial=Section.COMMON)

    def __init__(self, *args: Any, sections: Iterable[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["section"].choices = _section_choices(sections)  # type: ignore[attr-defined]

    @staticmethod
    def initial_for(goal: Goal, version: int) -> dict[str, Any]:
        return {
            "version": version,
            "text": goal.text,
            "indicator": goal.indicator,
            "target": goal.target,
            "due_on": goal.due_on,
            "section": goal.section,
        }


class CommitmentForm(VersionForm):
    owner = forms.ChoiceField(label=_("Who commits"), choices=[("", _("— choose —")), *Owner.choices], required=False)
    structure = forms.ModelChoiceField(
        label=_("Service"), queryset=Structure.objects.none(), required=False, empty_label=_("— the person —")
    )
    text = forms.CharField(label=_("Commitment"), widget=forms.Textarea(attrs={"rows": 2}), required=False)
    due_on = DayFirstDateField(label=_("Due on"), required=False)
    section = forms.ChoiceField(label=_("Section"), initial=Section.COMMON)

    def __init__(self, *args: Any, sections: Iterable[str], structures: list[Structure], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["section"].choices = _section_choices(sections)  # type: ignore[attr-defined]
        field = self.fields["structure"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = Structure.objects.filter(pk__in=[s.pk for s in structures]).select_related("organisation")
        field.label_from_instance = lambda obj: f"{obj.name} ({obj.organisation.name})"  # type: ignore[method-assign]

    @staticmethod
    def initial_for(commitment: Commitment, version: int) -> dict[str, Any]:
        return {
            "version": version,
            "owner": commitment.owner,
            "structure": commitment.structure_id,
            "text": commitment.text,
            "due_on": commitment.due_on,
            "section": commitment.section,
        }


class InterventionForm(VersionForm):
    service = forms.ModelChoiceField(label=_("Service"), queryset=Service.objects.none(), required=False)
    provider = forms.ModelChoiceField(label=_("Provider"), queryset=Organisation.objects.none(), required=False)
    quantity = QuantityField(label=_("Quantity"), required=False)
    basis = forms.ChoiceField(label=_("The quantity is"), choices=QuantityBasis.choices, initial=QuantityBasis.TOTAL)
    months = forms.IntegerField(
        label=_("Months"), min_value=1, max_value=12, initial=12, help_text=_("For a quantity per month.")
    )
    starts_on = DayFirstDateField(label=_("Planned start"), required=False)
    ends_on = DayFirstDateField(label=_("Planned end"), required=False)

    def __init__(self, *args: Any, services: list[Service], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        service = self.fields["service"]
        provider = self.fields["provider"]
        assert isinstance(service, forms.ModelChoiceField) and isinstance(provider, forms.ModelChoiceField)
        service.queryset = Service.objects.filter(pk__in=[s.pk for s in services]).order_by("area", "name")
        provider_ids = {o.pk for s in services for o in s.providers.all()}
        provider.queryset = Organisation.objects.filter(pk__in=provider_ids).order_by("name")


class ReasonForm(VersionForm):
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}), required=False)


class NoteForm(VersionForm):
    note = forms.CharField(label=_("Note"), widget=forms.Textarea(attrs={"rows": 2}), required=False)


class StartForm(VersionForm):
    started_on = DayFirstDateField(label=_("Started on"))


class CheckInForm(VersionForm):
    held_on = DayFirstDateField(label=_("Date of the check-in"), required=False)
    outcome = forms.CharField(label=_("Outcome"), widget=forms.Textarea(attrs={"rows": 3}), required=False)
    realised_percent = forms.IntegerField(
        label=_("Contents realised (%)"),
        required=False,
        help_text=_("Leave empty to take the share computed from the goals and commitments."),
    )
    percent_reason = forms.CharField(
        label=_("Why the percentage differs from the computed one"),
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
    )

    def __init__(self, *args: Any, goals: list[Goal], commitments: list[Commitment], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.goals = goals
        self.commitments = commitments
        for goal in goals:
            self.fields[f"goal_{goal.pk}"] = forms.ChoiceField(
                label=goal.text, choices=GoalStatus.choices, initial=goal.status
            )
        for commitment in commitments:
            self.fields[f"commitment_{commitment.pk}"] = DayFirstDateField(
                label=commitment.text, required=False, initial=commitment.done_on, help_text=_("Done on (dd/mm/yyyy)")
            )

    def goal_fields(self) -> list[tuple[Goal, forms.BoundField]]:
        return [(g, self[f"goal_{g.pk}"]) for g in self.goals]

    def commitment_fields(self) -> list[tuple[Commitment, forms.BoundField]]:
        return [(c, self[f"commitment_{c.pk}"]) for c in self.commitments]
