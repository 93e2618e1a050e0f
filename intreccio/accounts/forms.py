"""Forms of the administrator's pages: they parse input; the services decide what is allowed."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from intreccio.accounts.models import Operator, OrganisationKind, Role, Structure, TeamKind
from intreccio.accounts.selectors import OperatorFilters, OrganisationFilters, structure_choices
from intreccio.core.dates import DayFirstDateField
from intreccio.territory.models import Ambito, Comune

if TYPE_CHECKING:
    from django.utils.functional import _StrOrPromise as StrOrPromise


def date_field(label: StrOrPromise, *, required: bool, help_text: StrOrPromise = "") -> DayFirstDateField:
    return DayFirstDateField(label=label, required=required, help_text=help_text or _("dd/mm/yyyy, e.g. 31/01/2025"))


def add_service_errors(form: forms.Form, error: ValidationError) -> None:
    """Show a service's refusal on the fields it names, or above the form for the others."""
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)


class StyledForm(forms.Form):
    """Bootstrap classes on every widget, and ``aria-invalid`` on the fields with errors."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.CheckboxInput):
                css = "form-check-input"
            elif isinstance(widget, forms.Select):
                css = "form-select"
            else:
                css = "form-control"
            widget.attrs["class"] = f"{widget.attrs.get('class', '')} {css}".strip()

    def full_clean(self) -> None:
        super().full_clean()
        self.mark_invalid()

    def add_error(self, field: str | None, error: Any) -> None:
        super().add_error(field, error)
        self.mark_invalid()

    def mark_invalid(self) -> None:
        for name in getattr(self, "_errors", None) or {}:
            if name != NON_FIELD_ERRORS and name in self.fields:
                attrs = self.fields[name].widget.attrs
                attrs["aria-invalid"] = "true"
                if "is-invalid" not in attrs.get("class", ""):
                    attrs["class"] = f"{attrs.get('class', '')} is-invalid".strip()


STATUS_CHOICES = [("active", _("Active")), ("inactive", _("Inactive")), ("", _("All"))]


class FilterForm(StyledForm):
    """A GET filter form; the list shows active things until the user asks for others."""

    def __init__(self, data: Any = None, *args: Any, **kwargs: Any) -> None:
        if data is not None and "status" not in data:
            data = data.copy()
            data["status"] = "active"
        super().__init__(data, *args, **kwargs)


# --- organisations and structures -------------------------------------------------------------


class OrganisationFilterForm(FilterForm):
    q = forms.CharField(label=_("Search"), required=False, max_length=100)
    kind = forms.ChoiceField(label=_("Type"), required=False, choices=[("", _("All types")), *OrganisationKind.choices])
    status = forms.ChoiceField(label=_("Status"), required=False, choices=STATUS_CHOICES)

    def filters(self) -> OrganisationFilters:
        if not self.is_valid():
            return OrganisationFilters(status="active")
        data = self.cleaned_data
        return OrganisationFilters(search=data["q"], kind=data["kind"], status=data["status"])


class OrganisationForm(StyledForm):
    name = forms.CharField(label=_("Name"), max_length=200)
    short_name = forms.CharField(label=_("Short name"), max_length=60, required=False)
    kind = forms.ChoiceField(label=_("Type"), choices=[("", "—"), *OrganisationKind.choices])
    tax_code = forms.CharField(
        label=_("Tax code or VAT number"),
        max_length=32,
        required=False,
        help_text=_("Partita IVA (11 digits) or codice fiscale (16 characters); spaces are ignored."),
    )
    email = forms.EmailField(label=_("E-mail"), required=False)
    phone = forms.CharField(label=_("Phone"), max_length=40, required=False)


class StructureForm(StyledForm):
    name = forms.CharField(label=_("Name"), max_length=200)
    comune = forms.ModelChoiceField(label=_("Comune"), queryset=Comune.objects.none(), required=False)
    address = forms.CharField(label=_("Address"), max_length=200, required=False)
    email = forms.EmailField(label=_("E-mail"), required=False)
    phone = forms.CharField(label=_("Phone"), max_length=40, required=False)
    keeps_notes_private = forms.BooleanField(
        label=_("Case notes stay within this service"),
        required=False,
        help_text=_(
            "For services whose notes must not reach the rest of the case team, such as an addiction service (SerD)."
        ),
    )

    def __init__(self, *args: Any, ambito: Ambito, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        comune: forms.ModelChoiceField = self.fields["comune"]  # type: ignore[assignment]
        comune.queryset = Comune.objects.filter(ambito=ambito).order_by("name")


# --- operators and memberships ----------------------------------------------------------------


class MembershipFieldsMixin(StyledForm):
    structure = forms.ModelChoiceField(label=_("Structure"), queryset=Structure.objects.none())
    role = forms.ChoiceField(label=_("Role"), choices=[("", "—"), *Role.choices])
    valid_from = date_field(_("Valid from"), required=True)
    valid_to = date_field(_("Valid to"), required=False, help_text=_("dd/mm/yyyy; leave empty if open-ended"))

    def __init__(self, *args: Any, ambito: Ambito, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {}).setdefault("valid_from", timezone.localdate())
        super().__init__(*args, **kwargs)
        structure: forms.ModelChoiceField = self.fields["structure"]  # type: ignore[assignment]
        structure.queryset = structure_choices(ambito=ambito).order_by("organisation__name", "name")


class MembershipForm(MembershipFieldsMixin):
    pass


class OperatorForm(StyledForm):
    first_name = forms.CharField(label=_("First name"), max_length=150)
    last_name = forms.CharField(label=_("Last name"), max_length=150)
    email = forms.EmailField(
        label=_("E-mail"), help_text=_("The operator receives here the link to choose a password.")
    )
    fiscal_code = forms.CharField(
        label=_("Codice fiscale"), max_length=32, required=False, help_text=_("Optional; spaces are ignored.")
    )
    phone = forms.CharField(label=_("Phone"), max_length=40, required=False)


class OperatorCreateForm(MembershipFieldsMixin, OperatorForm):
    username = forms.CharField(
        label=_("Username"),
        max_length=150,
        help_text=_("Used to sign in; letters, digits and @ . + - _ only."),
    )

    field_order = [
        "username",
        "first_name",
        "last_name",
        "email",
        "fiscal_code",
        "phone",
        "structure",
        "role",
        "valid_from",
        "valid_to",
    ]


class OperatorFilterForm(FilterForm):
    q = forms.CharField(label=_("Name or username"), required=False, max_length=100)
    organisation = forms.TypedChoiceField(label=_("Organisation"), required=False, coerce=int, empty_value=None)
    role = forms.ChoiceField(label=_("Role"), required=False, choices=[("", _("All roles")), *Role.choices])
    status = forms.ChoiceField(label=_("Status"), required=False, choices=STATUS_CHOICES)

    def __init__(self, *args: Any, ambito: Ambito, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        organisations = ambito.organisations.order_by("name").values_list("pk", "name")
        organisation: forms.TypedChoiceField = self.fields["organisation"]  # type: ignore[assignment]
        organisation.choices = [("", _("All organisations")), *organisations]

    def filters(self) -> OperatorFilters:
        if not self.is_valid():
            return OperatorFilters()
        data = self.cleaned_data
        status = data["status"] if "status" in self.data else "active"
        return OperatorFilters(search=data["q"], organisation_id=data["organisation"], role=data["role"], status=status)


class MembershipEndForm(StyledForm):
    valid_to = date_field(_("Last day"), required=True)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {}).setdefault("valid_to", timezone.localdate())
        super().__init__(*args, **kwargs)


# --- teams ------------------------------------------------------------------------------------


class TeamForm(StyledForm):
    name = forms.CharField(label=_("Name"), max_length=200)
    kind = forms.ChoiceField(label=_("Type"), choices=[("", "—"), *TeamKind.choices])


class OperatorChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        operator: Operator = obj
        return f"{operator.get_full_name() or operator.username} ({operator.username})"


class TeamMemberForm(StyledForm):
    operator = OperatorChoiceField(label=_("Operator"), queryset=Operator.objects.none())
    is_chair = forms.BooleanField(label=_("Chair of the team"), required=False)

    def __init__(self, *args: Any, operators: QuerySet[Operator], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        operator: forms.ModelChoiceField = self.fields["operator"]  # type: ignore[assignment]
        operator.queryset = operators
