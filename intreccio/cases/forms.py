"""Forms of the case pages: they parse what was typed; the services decide what is allowed."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from intreccio.access.forms import DayMonthYearField
from intreccio.access.models import Intake, Need
from intreccio.accounts.forms import StyledForm
from intreccio.accounts.models import Membership, Operator, Role
from intreccio.cases.models import CaseMember, CaseStatus, ClosureOutcome, Priority, Section, TeamRole
from intreccio.cases.selectors import WORK_NEEDS, Candidate, CaseloadFilters, Suggestion

SCOPE_MINE = "mine"
SCOPE_AMBITO = "ambito"
MEMBER_PREFIX = "member_"


def _style(field: forms.Field) -> None:
    """The Bootstrap class StyledForm gives the fields it knows when the form is built."""
    css = "form-select" if isinstance(field.widget, forms.Select) else "form-control"
    if isinstance(field.widget, forms.CheckboxInput):
        css = "form-check-input"
    field.widget.attrs["class"] = f"{field.widget.attrs.get('class', '')} {css}".strip()


def _membership_label(membership: Membership) -> str:
    operator = membership.operator
    structure = membership.structure
    return f"{operator.get_full_name() or operator.get_username()} – {structure.name} ({structure.organisation})"


# --- the caseload -------------------------------------------------------------------------------


class CaseloadFilterForm(StyledForm):
    scope = forms.ChoiceField(
        label=_("Cases"),
        required=False,
        choices=[(SCOPE_MINE, _("My cases")), (SCOPE_AMBITO, _("All cases of the ambito"))],
    )
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("open", _("Open cases")), ("", _("All")), *CaseStatus.choices],
    )
    priority = forms.ChoiceField(label=_("Priority"), required=False, choices=[("", _("All")), *Priority.choices])
    prevalent_need = forms.ChoiceField(
        label=_("Prevalent need"), required=False, choices=[("", _("All")), *Need.choices]
    )
    # Parsed as a number: the selector only ever filters the cases the operator may see anyway.
    case_manager = forms.IntegerField(label=_("Case manager"), required=False, widget=forms.Select)

    def configure(self, *, case_managers: list[Operator], sees_ambito: bool) -> None:
        """Once the listing is known: the case managers to choose from, and the scope for the group."""
        widget = self.fields["case_manager"].widget
        assert isinstance(widget, forms.Select)
        widget.choices = [("", _("All")), *((o.pk, o.get_full_name() or o.get_username()) for o in case_managers)]
        if not sees_ambito:
            del self.fields["scope"]

    def filters(self) -> CaseloadFilters:
        """The filters asked for; an empty or unreadable query gives the operator's open cases."""
        if not self.is_bound or not self.is_valid():
            return CaseloadFilters()
        data = self.cleaned_data
        return CaseloadFilters(
            scope=data.get("scope") or SCOPE_MINE,
            # No status in the query means the default tab, open cases; an empty one means all.
            status=data["status"] if "status" in self.data else "open",
            priority=data["priority"],
            prevalent_need=data["prevalent_need"],
            case_manager=data["case_manager"],
        )


# --- allocation -----------------------------------------------------------------------------------


class CaseOpenForm(StyledForm):
    """The coordination group's decision: case manager, team, priority, date of taking in charge."""

    case_manager = forms.ChoiceField(label=_("Case manager"))
    priority = forms.ChoiceField(label=_("Priority"), choices=Priority.choices, initial=Priority.ORDINARY)
    for_household = forms.BooleanField(
        label=_("Take the whole household in charge"),
        required=False,
        help_text=_("The household is the unit of care: its members share the case."),
    )
    taken_in_charge_on = DayMonthYearField(
        label=_("Taken in charge on"), required=False, help_text=_("dd/mm/yyyy; leave empty for today.")
    )
    confirm_incomplete_team = forms.BooleanField(
        label=_("Open the case without a CPI operator in the team"),
        required=False,
        help_text=_("The base team for work and poverty is one social operator and one CPI operator."),
    )

    def __init__(
        self,
        *args: Any,
        intake: Intake,
        candidates: list[Candidate],
        suggestion: Suggestion,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.intake = intake
        self.candidates = {c.key: c for c in candidates}
        suggested = [c.key for c in suggestion.candidates]
        others = [c.key for c in candidates if TeamRole.CASE_MANAGER in c.team_roles and c.key not in set(suggested)]
        field = self.fields["case_manager"]
        assert isinstance(field, forms.ChoiceField)
        groups: list[tuple[Any, Any]] = [("", "—")]
        if suggested:
            groups.append((_("Suggested for this need"), [(k, self._label(k)) for k in suggested]))
        if others:
            groups.append((_("Other operators who can manage a case"), [(k, self._label(k)) for k in others]))
        field.choices = groups
        if suggested and not self.is_bound:
            self.initial["case_manager"] = suggested[0]
        if intake.household_id is None:
            del self.fields["for_household"]
        if intake.prevalent_need not in WORK_NEEDS:
            del self.fields["confirm_incomplete_team"]
        # One select per operator who can be in the team: empty, or the role they would hold.
        proposed: set[str] = set()
        for candidate in candidates:
            roles = [r for r in candidate.team_roles if r != TeamRole.CASE_MANAGER]
            if not roles:
                continue
            member_field = forms.ChoiceField(
                label=_membership_label(candidate.membership),
                required=False,
                choices=[("", _("Not in the team")), *((r, TeamRole(r).label) for r in roles)],
            )
            _style(member_field)
            self.fields[MEMBER_PREFIX + candidate.key] = member_field
            role = candidate.membership.role
            if not self.is_bound and role in suggestion.member_roles and role not in proposed:
                # The first operator of each role the base team needs is proposed, not imposed.
                proposed.add(role)
                self.initial[MEMBER_PREFIX + candidate.key] = roles[0]

    def _label(self, key: str) -> str:
        candidate = self.candidates[key]
        return str(
            _("%(who)s · %(count)d open cases")
            % {"who": _membership_label(candidate.membership), "count": candidate.open_cases}
        )

    def member_fields(self) -> list[tuple[Candidate, forms.BoundField]]:
        return [
            (self.candidates[name[len(MEMBER_PREFIX) :]], self[name])
            for name in self.fields
            if name.startswith(MEMBER_PREFIX)
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        manager = self.candidates.get(data.get("case_manager") or "")
        members = [
            (self.candidates[name[len(MEMBER_PREFIX) :]], value)
            for name, value in data.items()
            if name.startswith(MEMBER_PREFIX) and value
        ]
        data["members"] = members
        if manager is not None and any(c.membership.operator_id == manager.membership.operator_id for c, _r in members):
            self.add_error(None, _("The case manager is already in the team: leave their other role empty."))
        has_cpi = any(c.membership.role == Role.CPI_OPERATOR for c, _r in members)
        if self.intake.prevalent_need in WORK_NEEDS and not data.get("confirm_incomplete_team") and not has_cpi:
            self.add_error(
                "confirm_incomplete_team",
                _(
                    "For a work or poverty need the base team has a CPI operator: add one, or confirm that the "
                    "case opens without."
                ),
            )
        return data

    def service_kwargs(self) -> dict[str, Any]:
        manager = self.candidates[self.cleaned_data["case_manager"]].membership
        return {
            "case_manager": manager.operator,
            "case_manager_structure": manager.structure,
            "members": [
                (c.membership.operator, c.membership.structure, role) for c, role in self.cleaned_data["members"]
            ],
            "priority": self.cleaned_data["priority"],
            "for_household": bool(self.cleaned_data.get("for_household")),
            "taken_in_charge_on": self.cleaned_data.get("taken_in_charge_on"),
        }


# --- actions on a case ------------------------------------------------------------------------------


class VersionForm(StyledForm):
    """Every change carries the version the operator saw: a stale one gets the conflict page."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


class ReasonForm(VersionForm):
    reason = forms.CharField(
        label=_("Reason"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("At least 10 characters; the team will read it in the history of the case."),
    )


class AnswerReturnForm(VersionForm):
    answer = forms.CharField(
        label=_("Your answer"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("What the team decided about the pact that was not respected (at least 10 characters)."),
    )
    next_step = forms.ChoiceField(
        label=_("Then"),
        widget=forms.RadioSelect,
        choices=[
            ("resume", _("Resume the pact as it is (the case becomes active again)")),
            ("replan", _("Re-plan: draft a new project")),
        ],
        initial="resume",
    )


class CloseForm(VersionForm):
    outcome = forms.ChoiceField(label=_("Outcome"), choices=[("", "—"), *ClosureOutcome.choices])
    reason = forms.CharField(
        label=_("Reason for closing"), widget=forms.Textarea(attrs={"rows": 3}), help_text=_("At least 10 characters.")
    )
    closed_on = DayMonthYearField(
        label=_("Closed on"), required=False, help_text=_("dd/mm/yyyy; leave empty for today.")
    )


class _CandidateForm(VersionForm):
    def __init__(self, *args: Any, candidates: list[Candidate], manager_only: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        usable = [c for c in candidates if not manager_only or TeamRole.CASE_MANAGER in c.team_roles]
        self.candidates = {c.key: c for c in usable}
        field = self.fields["membership"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [
            ("", "—"),
            *((c.key, f"{_membership_label(c.membership)} · {Role(c.membership.role).label}") for c in usable),
        ]

    def chosen(self) -> Membership:
        return self.candidates[self.cleaned_data["membership"]].membership


class MemberAddForm(_CandidateForm):
    membership = forms.ChoiceField(label=_("Operator"))
    team_role = forms.ChoiceField(
        label=_("Role in the team"),
        choices=[("", "—"), *((v, label) for v, label in TeamRole.choices if v != TeamRole.CASE_MANAGER)],
    )


class ManagerChangeForm(_CandidateForm):
    membership = forms.ChoiceField(label=_("New case manager"))
    reason = forms.CharField(
        label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}), help_text=_("At least 10 characters.")
    )

    def __init__(self, *args: Any, candidates: list[Candidate], **kwargs: Any) -> None:
        super().__init__(*args, candidates=candidates, manager_only=True, **kwargs)


class MemberRemoveForm(VersionForm):
    member = forms.TypedChoiceField(label=_("Team member"), coerce=int)

    def __init__(self, *args: Any, members: list[CaseMember], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.members = {m.pk: m for m in members if m.team_role != TeamRole.CASE_MANAGER}
        field = self.fields["member"]
        assert isinstance(field, forms.TypedChoiceField)
        field.choices = [
            ("", "—"),
            *(
                (m.pk, f"{m.operator.get_full_name() or m.operator.get_username()} – {m.get_team_role_display()}")
                for m in self.members.values()
            ),
        ]

    def chosen(self) -> CaseMember:
        return self.members[self.cleaned_data["member"]]


class NoteForm(StyledForm):
    section = forms.ChoiceField(choices=Section.choices, widget=forms.HiddenInput)
    text = forms.CharField(label=_("New note"), widget=forms.Textarea(attrs={"rows": 3}))
