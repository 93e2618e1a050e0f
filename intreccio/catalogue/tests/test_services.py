"""Writes to the catalogue and the packages: what they save, the events they record, what they refuse."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.utils import timezone

from intreccio.accounts.models import Operator, Organisation
from intreccio.accounts.tests.factories import OrganisationFactory
from intreccio.audit.models import DomainEvent
from intreccio.catalogue import services
from intreccio.catalogue.models import (
    AssistancePackage,
    CareLoad,
    Employability,
    PackageItem,
    PackageStatus,
    QuantityBasis,
    Service,
    ServiceArea,
    ServiceUnit,
)
from intreccio.catalogue.services import PackageData, ServiceData
from intreccio.catalogue.tests.factories import PackageFactory, PackageItemFactory, ServiceFactory
from intreccio.territory.models import Ambito

pytestmark = pytest.mark.django_db
APPROVAL_DAY = datetime.date(2026, 3, 2)
CABINA = "Cabina di regia della Rete per l'inclusione attiva – verbale n. 3"


def _errors(exc: pytest.ExceptionInfo[ValidationError]) -> dict[str, list[str]]:
    return exc.value.message_dict


def _service_data(**kwargs: Any) -> ServiceData:
    values: dict[str, Any] = {
        "code": "adm",
        "name": "Assistenza domiciliare minori (ADM)",
        "area": ServiceArea.MINORS_FAMILY,
        "unit": ServiceUnit.HOUR,
        "unit_cost": Decimal("24.80"),
        "description": "Educativa domiciliare",
        "is_work_path": False,
        "providers": [],
    }
    values.update(kwargs)
    return ServiceData(**values)


def _package_data(**kwargs: Any) -> PackageData:
    values: dict[str, Any] = {
        "name": "Media occupabilità, basso carico di cura",
        "employability": Employability.MEDIUM,
        "care_load": CareLoad.LOW,
        "intensity": "medium",
        "budget_min": Decimal("1500"),
        "budget_max": Decimal("4000"),
        "notes": "",
    }
    values.update(kwargs)
    return PackageData(**values)


def _approve(paola: Operator, package: AssistancePackage, on: datetime.date = APPROVAL_DAY) -> AssistancePackage:
    return services.package_approve(actor=paola, package=package, approved_by=CABINA, approved_on=on)


# --- services of the catalogue ------------------------------------------------------------------


def test_service_create_normalises_and_records(paola: Operator, ambito: Ambito, cooperativa: Organisation) -> None:
    service = services.service_create(
        actor=paola, ambito=ambito, data=_service_data(code=" adm ", name="  ADM   educativa ", providers=[cooperativa])
    )
    assert (service.code, service.name, service.is_active) == ("ADM", "ADM educativa", True)
    assert list(service.providers.all()) == [cooperativa]
    event = DomainEvent.objects.get(action="catalogue.service.created")
    assert event.payload["code"] == "ADM" and event.payload["unit_cost"] == "24.80"


def test_service_create_refuses_every_bad_field_at_once(paola: Operator, ambito: Ambito, sad: Service) -> None:
    foreign = OrganisationFactory.create(name="Comune di Casalmaggiore")
    with pytest.raises(ValidationError) as exc:
        services.service_create(
            actor=paola,
            ambito=ambito,
            data=_service_data(
                code="sad", name="", area="space", unit="week", unit_cost=Decimal("-1"), providers=[foreign]
            ),
        )
    errors = _errors(exc)
    assert errors["code"] == ["The code SAD is already used by “Assistenza domiciliare (SAD)”."]
    assert errors["name"] == ["Enter the name."]
    assert errors["area"] == ["Choose the area from the list."]
    assert errors["unit"] == ["Choose the unit from the list."]
    assert errors["unit_cost"] == ["The unit cost cannot be negative."]
    assert errors["providers"] == ["Choose providers among the active organisations of the ambito."]
    assert Service.objects.count() == 1
    assert not DomainEvent.objects.filter(action="catalogue.service.created").exists()


@pytest.mark.parametrize(
    ("code", "cost", "field", "message"),
    [
        ("A B", Decimal("1"), "code", "Use up to 20 letters, digits"),
        ("X" * 21, Decimal("1"), "code", "Use up to 20 letters, digits"),
        ("", Decimal("1"), "code", "Enter a short code"),
        ("OK", None, "unit_cost", "Enter the unit cost in euro"),
        ("OK", Decimal("1.005"), "unit_cost", "Use at most two decimals"),
        ("OK", Decimal("100000000"), "unit_cost", "The unit cost is too large"),
    ],
)
def test_service_field_refusals(
    paola: Operator, ambito: Ambito, code: str, cost: Decimal | None, field: str, message: str
) -> None:
    with pytest.raises(ValidationError) as exc:
        services.service_create(actor=paola, ambito=ambito, data=_service_data(code=code, unit_cost=cost))
    assert _errors(exc)[field][0].startswith(message)


def test_service_update_keeps_its_code_and_records_changed_fields(paola: Operator, sad: Service) -> None:
    services.service_update(
        actor=paola, service=sad, data=_service_data(code="SAD", name=sad.name, unit_cost=Decimal("23.00"))
    )
    sad.refresh_from_db()
    assert sad.unit_cost == Decimal("23.00") and sad.area == ServiceArea.MINORS_FAMILY
    event = DomainEvent.objects.get(action="catalogue.service.updated")
    assert {"unit_cost", "area", "providers", "description"} <= set(event.payload["fields"])
    assert "code" not in event.payload["fields"]


def test_unit_does_not_change_under_an_approved_package(
    paola: Operator, draft: AssistancePackage, sad: Service
) -> None:
    _approve(paola, draft)
    with pytest.raises(ValidationError) as exc:
        services.service_update(
            actor=paola, service=sad, data=_service_data(code="SAD", name=sad.name, unit=ServiceUnit.DAY)
        )
    assert "approved packages count this service in it (PA-01 v1)" in _errors(exc)["unit"][0]


def test_deactivate_and_reactivate(paola: Operator, counselling: Service) -> None:
    services.service_deactivate(actor=paola, service=counselling)
    counselling.refresh_from_db()
    assert not counselling.is_active
    with pytest.raises(ValidationError) as exc:
        services.service_deactivate(actor=paola, service=counselling)
    assert _errors(exc)[NON_FIELD_ERRORS] == ["This service is already inactive."]
    services.service_reactivate(actor=paola, service=counselling)
    counselling.refresh_from_db()
    assert counselling.is_active
    actions = list(
        DomainEvent.objects.filter(action__startswith="catalogue.service.")
        .order_by("pk")
        .values_list("action", flat=True)
    )
    assert actions == ["catalogue.service.deactivated", "catalogue.service.reactivated"]


def test_a_service_in_an_approved_package_is_not_deactivated(
    paola: Operator, draft: AssistancePackage, sad: Service
) -> None:
    _approve(paola, draft)
    with pytest.raises(ValidationError) as exc:
        services.service_deactivate(actor=paola, service=sad)
    assert "approved packages (PA-01 v1)" in _errors(exc)[NON_FIELD_ERRORS][0]
    sad.refresh_from_db()
    assert sad.is_active


# --- packages -----------------------------------------------------------------------------------


def test_package_create_is_a_draft_version_1(paola: Operator, ambito: Ambito) -> None:
    package = services.package_create(actor=paola, ambito=ambito, code="pa-02", data=_package_data())
    assert (package.code, package.version, package.status) == ("PA-02", 1, PackageStatus.DRAFT)
    assert package.approved_on is None and package.approved_by == ""
    assert DomainEvent.objects.filter(action="catalogue.package.created").count() == 1


def test_package_create_refusals(paola: Operator, ambito: Ambito, draft: AssistancePackage) -> None:
    with pytest.raises(ValidationError) as exc:
        services.package_create(
            actor=paola,
            ambito=ambito,
            code="PA-01",
            data=_package_data(
                name=" ",
                employability="x",
                care_load="x",
                intensity="x",
                budget_min=Decimal("5000"),
                budget_max=Decimal("4000"),
            ),
        )
    errors = _errors(exc)
    assert errors["code"] == ["A package with code PA-01 exists already: open it and create a new version instead."]
    assert errors["budget_max"] == ["The maximum budget is lower than the minimum: check the two figures."]
    assert set(errors) == {"code", "name", "employability", "care_load", "intensity", "budget_max"}
    assert AssistancePackage.objects.count() == 1


def test_negative_budgets_are_refused_on_their_field(paola: Operator, ambito: Ambito) -> None:
    with pytest.raises(ValidationError) as exc:
        services.package_create(
            actor=paola, ambito=ambito, code="PA-09", data=_package_data(budget_min=Decimal("-1"), budget_max=None)
        )
    assert _errors(exc) == {
        "budget_min": ["The minimum budget cannot be negative."],
        "budget_max": ["Enter the maximum budget in euro, e.g. 1.250,00."],
    }


def test_draft_update(paola: Operator, draft: AssistancePackage) -> None:
    services.package_update(actor=paola, package=draft, data=_package_data(employability=Employability.LOW))
    draft.refresh_from_db()
    assert draft.care_load == CareLoad.LOW and draft.budget_max == Decimal("4000")
    event = DomainEvent.objects.get(action="catalogue.package.updated")
    assert set(event.payload["fields"]) == {"name", "care_load", "intensity", "budget_min", "budget_max"}


def test_editing_an_approved_package_is_refused(paola: Operator, draft: AssistancePackage) -> None:
    _approve(paola, draft)
    with pytest.raises(ValidationError) as exc:
        services.package_update(actor=paola, package=draft, data=_package_data())
    assert _errors(exc)[NON_FIELD_ERRORS] == [
        "Version 1 of PA-01 was approved on 02/03/2026 and cannot be edited: create a new version to change it."
    ]
    draft.refresh_from_db()
    assert draft.name == "Bassa occupabilità, alto carico di cura"


def test_items_of_an_approved_package_do_not_change(
    paola: Operator, draft: AssistancePackage, counselling: Service
) -> None:
    _approve(paola, draft)
    with pytest.raises(ValidationError):
        services.package_item_add(
            actor=paola, package=draft, service=counselling, quantity=Decimal("2"), basis="per_month", is_mandatory=True
        )
    with pytest.raises(ValidationError):
        services.package_item_remove(actor=paola, item=draft.items.first())  # type: ignore[arg-type]
    assert draft.items.count() == 2


def test_item_add_and_remove(paola: Operator, draft: AssistancePackage, counselling: Service) -> None:
    item = services.package_item_add(
        actor=paola, package=draft, service=counselling, quantity=Decimal("2.5"), basis="per_month", is_mandatory=False
    )
    assert item.yearly_cost() == Decimal("2.5") * 12 * Decimal("40.00")
    services.package_item_remove(actor=paola, item=item)
    assert not PackageItem.objects.filter(pk=item.pk).exists()
    actions = list(
        DomainEvent.objects.filter(action__startswith="catalogue.package.item")
        .order_by("pk")
        .values_list("action", flat=True)
    )
    assert actions == ["catalogue.package.item_added", "catalogue.package.item_removed"]


def test_item_add_refusals(paola: Operator, draft: AssistancePackage, sad: Service, other_ambito: Ambito) -> None:
    def refusal(**kwargs: Any) -> dict[str, list[str]]:
        values: dict[str, Any] = {"service": sad, "quantity": Decimal("1"), "basis": "per_month", "is_mandatory": True}
        values.update(kwargs)
        with pytest.raises(ValidationError) as exc:
            services.package_item_add(actor=paola, package=draft, **values)
        return _errors(exc)

    assert refusal()["service"] == [
        "“Assistenza domiciliare (SAD)” is already in the package: remove it first to change its quantity."
    ]
    assert refusal(service=None)["service"] == ["Choose a service from the catalogue."]
    foreign = ServiceFactory.create(ambito=other_ambito)
    assert refusal(service=foreign)["service"] == ["Choose a service from this ambito's catalogue."]
    inactive = ServiceFactory.create(ambito=draft.ambito, name="Vecchio servizio", is_active=False)
    assert refusal(service=inactive)["service"] == ["“Vecchio servizio” is no longer active: choose an active service."]
    fresh = ServiceFactory.create(ambito=draft.ambito)
    assert refusal(service=fresh, quantity=Decimal("0"))["quantity"] == ["The quantity must be more than zero."]
    assert refusal(service=fresh, quantity=None)["quantity"] == ["Enter the standard quantity, e.g. 4 or 2,5."]
    assert refusal(service=fresh, quantity=Decimal("1.125"))["quantity"] == ["Use at most two decimals."]
    assert refusal(service=fresh, basis="weekly")["basis"] == ["Say whether the quantity is per month or in total."]
    assert draft.items.count() == 2


def test_no_work_path_package_refuses_work_path_services(
    paola: Operator, ambito: Ambito, tirocinio: Service, draft: AssistancePackage
) -> None:
    therapy = PackageFactory.create(ambito=ambito, code="PA-T", employability=Employability.NONE, care_load="any")
    with pytest.raises(ValidationError) as exc:
        services.package_item_add(
            actor=paola, package=therapy, service=tirocinio, quantity=Decimal("1"), basis="total", is_mandatory=True
        )
    assert _errors(exc)["service"] == [
        "“Tirocinio di inclusione” is part of a work path; this package is for people without one."
    ]
    # A draft that holds an internship cannot become a no-work-path package either.
    with pytest.raises(ValidationError) as exc:
        services.package_update(actor=paola, package=draft, data=_package_data(employability=Employability.NONE))
    assert "remove Tirocinio di inclusione first" in _errors(exc)["employability"][0]


def test_approve_records_body_and_date(paola: Operator, draft: AssistancePackage) -> None:
    approved = _approve(paola, draft)
    approved.refresh_from_db()
    assert approved.status == PackageStatus.APPROVED
    assert (approved.approved_by, approved.approved_on) == (CABINA, APPROVAL_DAY)
    event = DomainEvent.objects.get(action="catalogue.package.approved")
    assert event.payload == {
        "code": "PA-01",
        "version": 1,
        "approved_by": CABINA,
        "approved_on": "2026-03-02",
        "items": 2,
    }


def test_approving_without_items_is_refused(paola: Operator, ambito: Ambito) -> None:
    empty = PackageFactory.create(ambito=ambito)
    with pytest.raises(ValidationError) as exc:
        _approve(paola, empty)
    assert _errors(exc)[NON_FIELD_ERRORS] == ["Add the package's services before approving it."]
    empty.refresh_from_db()
    assert empty.is_draft


def test_approving_with_optional_items_only_is_refused(paola: Operator, ambito: Ambito) -> None:
    package = PackageFactory.create(ambito=ambito)
    PackageItemFactory.create(package=package, is_mandatory=False)
    with pytest.raises(ValidationError) as exc:
        _approve(paola, package)
    assert _errors(exc)[NON_FIELD_ERRORS] == ["At least one service of the package must be mandatory."]


def test_approval_refusals_on_their_fields(paola: Operator, draft: AssistancePackage) -> None:
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    with pytest.raises(ValidationError) as exc:
        services.package_approve(actor=paola, package=draft, approved_by="  ", approved_on=tomorrow)
    errors = _errors(exc)
    assert errors["approved_by"] == ["Name the body and its act, e.g. “Cabina di regia – verbale n. 3”."]
    assert errors["approved_on"] == ["The approval date is in the future: record the approval once it is given."]
    with pytest.raises(ValidationError) as exc:
        services.package_approve(actor=paola, package=draft, approved_by=CABINA, approved_on=None)
    assert _errors(exc)["approved_on"] == ["Enter the date of the approval, as dd/mm/yyyy."]


def test_approving_a_package_whose_mandatory_services_exceed_the_budget_is_refused(
    paola: Operator, draft: AssistancePackage
) -> None:
    AssistancePackage.objects.filter(pk=draft.pk).update(budget_min=Decimal("1000"), budget_max=Decimal("5000"))
    with pytest.raises(ValidationError) as exc:
        _approve(paola, draft)
    # 8 hours a month × 12 × € 22.50 + 6 months × € 500.
    assert _errors(exc)[NON_FIELD_ERRORS] == [
        "The mandatory services alone cost €5,160.00 a year at catalogue prices, more than the maximum budget of "
        "€5,000.00: raise the budget or reduce the quantities."
    ]


def test_approving_with_an_inactive_service_is_refused(paola: Operator, draft: AssistancePackage, sad: Service) -> None:
    Service.objects.filter(pk=sad.pk).update(is_active=False)
    with pytest.raises(ValidationError) as exc:
        _approve(paola, draft)
    assert _errors(exc)[NON_FIELD_ERRORS] == [
        "These services are no longer active: Assistenza domiciliare (SAD). Remove them first."
    ]


def test_one_approved_package_per_profile(paola: Operator, ambito: Ambito, draft: AssistancePackage) -> None:
    _approve(paola, draft)
    rival = PackageFactory.create(
        ambito=ambito, code="PA-99", employability=draft.employability, care_load=draft.care_load
    )
    PackageItemFactory.create(package=rival)
    with pytest.raises(ValidationError) as exc:
        _approve(paola, rival)
    assert _errors(exc)[NON_FIELD_ERRORS] == [
        "The approved package PA-01 v1 (“Bassa occupabilità, alto carico di cura”) is already the one for Low "
        "employability, High care load: retire it first, so that equal needs get one offer."
    ]


def test_a_draft_is_approved_once(paola: Operator, draft: AssistancePackage) -> None:
    _approve(paola, draft)
    with pytest.raises(ValidationError) as exc:
        _approve(paola, draft)
    assert "cannot be approved again" in _errors(exc)[NON_FIELD_ERRORS][0]
    assert DomainEvent.objects.filter(action="catalogue.package.approved").count() == 1


def test_new_version_copies_and_approval_retires_the_previous(
    paola: Operator, draft: AssistancePackage, counselling: Service
) -> None:
    v1 = _approve(paola, draft, on=datetime.date(2026, 1, 15))
    v2 = services.package_new_version(actor=paola, package=v1)
    assert (v2.code, v2.version, v2.status) == ("PA-01", 2, PackageStatus.DRAFT)
    assert sorted(i.service.code for i in v2.items.all()) == ["SAD", "TIR"]
    with pytest.raises(ValidationError) as exc:
        services.package_new_version(actor=paola, package=v1)
    assert _errors(exc)[NON_FIELD_ERRORS] == ["Version 2 of PA-01 is already being drafted: continue with that one."]
    services.package_item_add(
        actor=paola, package=v2, service=counselling, quantity=Decimal("2"), basis="per_month", is_mandatory=False
    )
    assert v1.items.count() == 2  # the approved version is untouched
    with pytest.raises(ValidationError) as exc:
        _approve(paola, v2, on=datetime.date(2026, 1, 14))
    assert _errors(exc)["approved_on"] == [
        "Version 1 was approved on 15/01/2026: the new version cannot be approved before it."
    ]
    _approve(paola, v2, on=datetime.date(2026, 3, 1))
    v1.refresh_from_db()
    assert (v1.status, v1.retired_on) == (PackageStatus.RETIRED, datetime.date(2026, 3, 1))
    retired = DomainEvent.objects.get(action="catalogue.package.retired")
    assert retired.payload == {"code": "PA-01", "version": 1, "replaced_by": 2}
    # A third version can be drafted from the retired one too; it numbers after the latest.
    v3 = services.package_new_version(actor=paola, package=v1)
    assert v3.version == 3


def test_new_version_of_a_draft_is_refused(paola: Operator, draft: AssistancePackage) -> None:
    with pytest.raises(ValidationError) as exc:
        services.package_new_version(actor=paola, package=draft)
    assert _errors(exc)[NON_FIELD_ERRORS] == ["This version is still a draft: change it directly."]


def test_retire(paola: Operator, draft: AssistancePackage) -> None:
    with pytest.raises(ValidationError) as exc:
        services.package_retire(actor=paola, package=draft)
    assert _errors(exc)[NON_FIELD_ERRORS] == ["A draft is not in use, so it cannot be retired."]
    _approve(paola, draft)
    with pytest.raises(ValidationError) as exc:
        services.package_retire(actor=paola, package=draft, retired_on=datetime.date(2026, 1, 1))
    assert "it cannot be retired before" in _errors(exc)["retired_on"][0]
    services.package_retire(actor=paola, package=draft)
    draft.refresh_from_db()
    assert (draft.status, draft.retired_on) == (PackageStatus.RETIRED, timezone.localdate())
    with pytest.raises(ValidationError) as exc:
        services.package_retire(actor=paola, package=draft)
    assert _errors(exc)[NON_FIELD_ERRORS][0].startswith("This version was already retired on")
    # Retired versions are not edited either.
    with pytest.raises(ValidationError) as exc:
        services.package_update(actor=paola, package=draft, data=_package_data())
    assert "was retired on" in _errors(exc)[NON_FIELD_ERRORS][0]


def test_item_basis_counts_a_year(draft: AssistancePackage) -> None:
    per_month, total = (
        draft.items.get(basis=QuantityBasis.PER_MONTH),
        draft.items.get(basis=QuantityBasis.TOTAL),
    )
    assert per_month.yearly_quantity() == Decimal("96") and per_month.yearly_cost() == Decimal("2160.00")
    assert total.yearly_quantity() == Decimal("6") and total.yearly_cost() == Decimal("3000.00")


@pytest.mark.parametrize(("stored", "shown"), [("4.50", "4.5"), ("10.00", "10"), ("2.25", "2.25"), ("0.10", "0.1")])
def test_quantities_are_shown_without_trailing_zeros(stored: str, shown: str) -> None:
    assert str(PackageItem(quantity=Decimal(stored)).quantity_shown()) == shown
