"""Forms of the catalogue pages: they parse what was typed; the services decide what is allowed.

Amounts are accepted as operators write them ("1.250,50", "1250,50", "1250.50"); quantities
with a decimal comma or point ("2,5").
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from intreccio.accounts.forms import StyledForm
from intreccio.accounts.models import Organisation
from intreccio.catalogue.models import (
    CareLoad,
    Employability,
    Intensity,
    QuantityBasis,
    Service,
    ServiceArea,
    ServiceUnit,
)
from intreccio.catalogue.services import PackageData, ServiceData
from intreccio.core.dates import DayFirstDateField
from intreccio.people.forms_households import parse_amount

_MINUS = re.compile(r"^\s*[-\u2212]")


def _choices(choices: list[tuple[str, Any]]) -> list[tuple[str, Any]]:
    # No preselected answer: a default would be saved unread.
    return [("", _("Choose…")), *choices]


class EuroField(forms.Field):
    """An amount in euro, typed Italian-style or with a decimal point."""

    widget = forms.TextInput

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("help_text", _("In euro, e.g. 1.250,50"))
        super().__init__(**kwargs)
        self.widget.attrs.update({"inputmode": "decimal", "autocomplete": "off"})

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, Decimal):
            # Shown back as an Italian operator writes it, without thousands separators to misread.
            return f"{value:.2f}".replace(".", ",")
        return value

    def to_python(self, value: Any) -> Decimal | None:
        if value in self.empty_values:
            return None
        if isinstance(value, Decimal):
            return value
        if _MINUS.match(str(value)):
            raise ValidationError(_("Amounts cannot be negative."), code="negative")
        return parse_amount(str(value))


class QuantityField(forms.Field):
    widget = forms.TextInput

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.widget.attrs.update({"inputmode": "decimal", "autocomplete": "off"})

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, Decimal):
            return f"{value.normalize():f}".replace(".", ",")
        return value

    def to_python(self, value: Any) -> Decimal | None:
        if value in self.empty_values:
            return None
        text = str(value).strip().replace(",", ".")
        if not re.fullmatch(r"-?\d+(\.\d+)?", text):
            raise ValidationError(_("Write the quantity with digits, e.g. 4 or 2,5."), code="invalid")
        try:
            return Decimal(text)
        except InvalidOperation as exc:  # pragma: no cover - the pattern admits digits only
            raise ValidationError(_("Write the quantity with digits, e.g. 4 or 2,5."), code="invalid") from exc


class ServiceFilterForm(StyledForm):
    q = forms.CharField(label=_("Name or code"), required=False, max_length=100)
    area = forms.ChoiceField(label=_("Area"), required=False, choices=[("", _("All areas")), *ServiceArea.choices])
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("active", _("Active")), ("inactive", _("Inactive")), ("all", _("All"))],
    )


class ServiceForm(StyledForm):
    code = forms.CharField(label=_("Code"), max_length=20, help_text=_("Short and unique in the ambito, e.g. SAD."))
    name = forms.CharField(label=_("Name"), max_length=200)
    area = forms.ChoiceField(label=_("Area"), choices=_choices(ServiceArea.choices))
    unit = forms.ChoiceField(label=_("Unit"), choices=_choices(ServiceUnit.choices))
    unit_cost = EuroField(label=_("Standard unit cost"))
    providers = forms.ModelMultipleChoiceField(
        label=_("Provider organisations"),
        queryset=Organisation.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    is_work_path = forms.BooleanField(
        label=_("Part of a work path"),
        required=False,
        help_text=_("Training, internships, job search: not offered to people without a work path."),
    )
    is_economic_assistance = forms.BooleanField(
        label=_("Municipal economic assistance"),
        required=False,
        help_text=_("Not offered to households already receiving a national income measure (SIA, ReI, RdC, ADI…)."),
    )
    description = forms.CharField(label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args: Any, providers: QuerySet[Organisation], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field: forms.ModelMultipleChoiceField = self.fields["providers"]  # type: ignore[assignment]
        field.queryset = providers
        # Checkboxes, not a select: the StyledForm class would be wrong on the list itself.
        field.widget.attrs["class"] = "form-check-input"

    def data_for_service(self) -> ServiceData:
        data = self.cleaned_data
        return ServiceData(
            code=data["code"],
            name=data["name"],
            area=data["area"],
            unit=data["unit"],
            unit_cost=data["unit_cost"],
            description=data["description"],
            is_work_path=data["is_work_path"],
            is_economic_assistance=data["is_economic_assistance"],
            providers=list(data["providers"]),
        )

    @staticmethod
    def initial_for(service: Service) -> dict[str, Any]:
        return {
            "code": service.code,
            "name": service.name,
            "area": service.area,
            "unit": service.unit,
            "unit_cost": service.unit_cost,
            "providers": list(service.providers.all()),
            "is_work_path": service.is_work_path,
            "is_economic_assistance": service.is_economic_assistance,
            "description": service.description,
        }


class PackageForm(StyledForm):
    code = forms.CharField(label=_("Code"), max_length=20, help_text=_("Kept by every version, e.g. PA-01."))
    name = forms.CharField(label=_("Name"), max_length=200)
    employability = forms.ChoiceField(label=_("Employability"), choices=_choices(Employability.choices))
    care_load = forms.ChoiceField(label=_("Care load"), choices=_choices(CareLoad.choices))
    intensity = forms.ChoiceField(label=_("Intensity"), choices=_choices(Intensity.choices))
    budget_min = EuroField(label=_("Minimum yearly budget"))
    budget_max = EuroField(label=_("Maximum yearly budget"))
    notes = forms.CharField(label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 4}))

    def __init__(self, *args: Any, with_code: bool = True, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not with_code:
            # The code names every version of the package: it is chosen once.
            del self.fields["code"]

    def data_for_package(self) -> PackageData:
        data = self.cleaned_data
        return PackageData(
            name=data["name"],
            employability=data["employability"],
            care_load=data["care_load"],
            intensity=data["intensity"],
            budget_min=data["budget_min"],
            budget_max=data["budget_max"],
            notes=data["notes"],
        )


def _service_label(service: Service) -> str:
    return f"{service.name} ({service.get_unit_display()}, {service.get_area_display()})"


class PackageItemForm(StyledForm):
    service = forms.ModelChoiceField(
        label=_("Service"),
        queryset=Service.objects.none(),
        empty_label=_("Choose…"),
        error_messages={
            "invalid_choice": _("Choose an active service of the catalogue that is not in the package yet.")
        },
    )
    quantity = QuantityField(label=_("Standard quantity"), help_text=_("In the service's unit, e.g. 4 or 2,5."))
    basis = forms.ChoiceField(label=_("The quantity is"), choices=_choices(QuantityBasis.choices))
    is_mandatory = forms.BooleanField(
        label=_("Mandatory"),
        required=False,
        initial=True,
        help_text=_("A project for this need is expected to include it; leaving it out needs a reason."),
    )

    def __init__(self, *args: Any, services: QuerySet[Service], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field: forms.ModelChoiceField = self.fields["service"]  # type: ignore[assignment]
        field.queryset = services
        field.label_from_instance = _service_label  # type: ignore[method-assign,assignment]


class ApproveForm(StyledForm):
    approved_by = forms.CharField(
        label=_("Approved by"),
        max_length=200,
        help_text=_("The body and its act, e.g. “Cabina di regia – verbale n. 3”."),
    )
    # The Cabina di regia's minutes start in 2000 at the earliest; an older year is a typing error.
    approved_on = DayFirstDateField(label=_("Approved on"), oldest_year=2000)
