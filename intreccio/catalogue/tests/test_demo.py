"""The demo catalogue loads through the services, fits the rules, and loads once."""

from __future__ import annotations

from decimal import Decimal

import pytest

from intreccio.accounts.models import Operator, Role
from intreccio.accounts.tests.factories import OrganisationFactory, StructureFactory, operator_with_role
from intreccio.catalogue.models import AssistancePackage, PackageItem, PackageStatus, Service
from intreccio.catalogue.selectors import package_compare, package_for_profile
from intreccio.demo import catalogue, data
from intreccio.demo.catalogue import APPROVED_BY, PACKAGES, SERVICES, demo_catalogue_load
from intreccio.territory.models import Ambito

pytestmark = pytest.mark.django_db


@pytest.fixture
def programmazione(ambito: Ambito) -> Operator:
    for name in (
        "Comune di Cremona",
        "ASST di Cremona",
        "Centro per l'Impiego di Cremona",
        "Cooperativa sociale La Trama",
    ):
        OrganisationFactory.create(ambito=ambito, name=name)
    azienda = OrganisationFactory.create(ambito=ambito, name="Azienda Sociale del Cremonese")
    return operator_with_role(
        Role.PROGRAMME_OFFICER, structure=StructureFactory.create(organisation=azienda), username="programmazione"
    )


def test_demo_catalogue_loads_once(ambito: Ambito, programmazione: Operator) -> None:
    created = demo_catalogue_load(ambito=ambito, operators={"programmazione": programmazione})
    items = sum(len(spec.items) for spec in PACKAGES)
    assert created == {
        "catalogue_services": len(SERVICES),
        "assistance_packages": len(PACKAGES),
        "package_items": items,
    }
    assert AssistancePackage.objects.filter(status=PackageStatus.APPROVED, approved_by=APPROVED_BY).count() == len(
        PACKAGES
    )
    # Cr.Forma is missing from this network: its services load without it.
    assert not Service.objects.get(code="VFORM").providers.exists()
    assert set(Service.objects.get(code="SAD").providers.values_list("name", flat=True)) == {
        "Comune di Cremona",
        "Cooperativa sociale La Trama",
    }
    again = demo_catalogue_load(ambito=ambito, operators={"programmazione": programmazione})
    assert sum(again.values()) == 0
    assert (Service.objects.count(), AssistancePackage.objects.count(), PackageItem.objects.count()) == (
        len(SERVICES),
        len(PACKAGES),
        items,
    )


def test_every_profile_of_the_demo_has_its_package(ambito: Ambito, programmazione: Operator) -> None:
    demo_catalogue_load(ambito=ambito, operators={"programmazione": programmazione})
    found = {
        (employability, care_load): package_for_profile(ambito=ambito, employability=employability, care_load=care_load)
        for employability in ("high", "medium", "low", "none")
        for care_load in ("low", "high")
    }
    assert found[("none", "high")].code == "PA-06"  # type: ignore[union-attr]
    assert found[("none", "low")].code == "PA-05"  # type: ignore[union-attr]
    assert found[("high", "high")].code == "PA-04"  # type: ignore[union-attr]
    assert found[("medium", "high")] is None  # an honest gap the Cabina di regia can see in the grid
    # Planning a package's standard at the bottom of its range fits it.
    package = found[("low", "high")]
    assert package is not None
    planned = [(item.service, item.quantity, Decimal("0")) for item in package.items.all()]
    planned.append((planned[0][0], Decimal("0"), package.budget_min))
    assert package_compare(package=package, planned=planned).fits


def test_demo_organisations_are_named_as_in_the_demo_network() -> None:
    names = {spec.name for spec in data.ORGANISATIONS}
    used = {name for spec in catalogue.SERVICES for name in spec.providers}
    assert used <= names, used - names
    assert catalogue.ACTOR in {spec.username for spec in data.OPERATORS}
