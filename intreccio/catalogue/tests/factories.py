"""factory_boy factories for the catalogue. Use ``XFactory.create(...)`` so mypy sees the model."""

from __future__ import annotations

import datetime
from decimal import Decimal

import factory

from intreccio.accounts.tests.factories import AmbitoFactory
from intreccio.catalogue.models import (
    AssistancePackage,
    CareLoad,
    Employability,
    Intensity,
    PackageItem,
    PackageStatus,
    QuantityBasis,
    Service,
    ServiceArea,
    ServiceUnit,
)

APPROVED_ON = datetime.date(2026, 2, 10)


class ServiceFactory(factory.django.DjangoModelFactory[Service]):
    class Meta:
        model = Service

    ambito = factory.SubFactory(AmbitoFactory)
    code = factory.Sequence(lambda n: f"S{n:03d}")
    name = factory.Sequence(lambda n: f"Servizio {n}")
    area = ServiceArea.POVERTY
    unit = ServiceUnit.HOUR
    unit_cost = Decimal("25.00")


class PackageFactory(factory.django.DjangoModelFactory[AssistancePackage]):
    """A draft; pass ``status=PackageStatus.APPROVED`` for one with its approval recorded."""

    class Meta:
        model = AssistancePackage

    ambito = factory.SubFactory(AmbitoFactory)
    code = factory.Sequence(lambda n: f"PA-{n:02d}")
    version = 1
    name = factory.Sequence(lambda n: f"Pacchetto {n}")
    employability = Employability.LOW
    care_load = CareLoad.HIGH
    intensity = Intensity.HIGH
    budget_min = Decimal("2000.00")
    budget_max = Decimal("6000.00")
    approved_by = factory.LazyAttribute(
        lambda o: "Cabina di regia – verbale n. 3" if o.status != PackageStatus.DRAFT else ""
    )
    approved_on = factory.LazyAttribute(lambda o: APPROVED_ON if o.status != PackageStatus.DRAFT else None)
    retired_on = factory.LazyAttribute(lambda o: APPROVED_ON if o.status == PackageStatus.RETIRED else None)
    status = PackageStatus.DRAFT


class PackageItemFactory(factory.django.DjangoModelFactory[PackageItem]):
    class Meta:
        model = PackageItem

    package = factory.SubFactory(PackageFactory)
    service = factory.SubFactory(ServiceFactory, ambito=factory.SelfAttribute("..package.ambito"))
    quantity = Decimal("4")
    basis = QuantityBasis.PER_MONTH
    is_mandatory = True
