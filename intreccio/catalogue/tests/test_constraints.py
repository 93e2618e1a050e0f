"""Integrity lives in the database: each constraint refuses its bad shape on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.db import IntegrityError, transaction

from intreccio.catalogue.models import AssistancePackage, PackageItem, PackageStatus, Service
from intreccio.catalogue.tests.factories import APPROVED_ON, PackageFactory, PackageItemFactory, ServiceFactory
from intreccio.territory.models import Ambito

pytestmark = pytest.mark.django_db


def _refused(make: Callable[[], Any]) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        make()


def _package(ambito: Ambito, **kwargs: Any) -> Callable[[], AssistancePackage]:
    return lambda: PackageFactory.create(ambito=ambito, **kwargs)


def test_service_shapes(ambito: Ambito) -> None:
    ServiceFactory.create(ambito=ambito, code="SAD")
    _refused(lambda: ServiceFactory.create(ambito=ambito, code="SAD"))
    _refused(lambda: ServiceFactory.create(ambito=ambito, code=""))
    _refused(lambda: ServiceFactory.create(ambito=ambito, name=""))
    _refused(lambda: ServiceFactory.create(ambito=ambito, area="space"))
    _refused(lambda: ServiceFactory.create(ambito=ambito, unit="week"))
    _refused(lambda: ServiceFactory.create(ambito=ambito, unit_cost=Decimal("-0.01")))
    # Another ambito may use the same code.
    ServiceFactory.create(code="SAD")
    ServiceFactory.create(ambito=ambito, unit_cost=Decimal("0"))


def test_budget_range(ambito: Ambito) -> None:
    _refused(_package(ambito, budget_min=Decimal("5000"), budget_max=Decimal("4999.99")))
    _refused(_package(ambito, budget_min=Decimal("-1"), budget_max=Decimal("10")))
    PackageFactory.create(ambito=ambito, budget_min=Decimal("0"), budget_max=Decimal("0"))
    PackageFactory.create(ambito=ambito, budget_min=Decimal("100"), budget_max=Decimal("100"))


def test_package_choices_and_shapes(ambito: Ambito) -> None:
    _refused(_package(ambito, code=""))
    _refused(_package(ambito, name=""))
    _refused(_package(ambito, version=0))
    _refused(_package(ambito, employability="stellar"))
    _refused(_package(ambito, care_load="medium"))
    _refused(_package(ambito, intensity="extreme"))
    _refused(lambda: PackageFactory.create(ambito=ambito, status="archived", approved_by="x", approved_on=APPROVED_ON))


def test_code_and_version_are_unique(ambito: Ambito) -> None:
    PackageFactory.create(ambito=ambito, code="PA-01", version=1, status=PackageStatus.RETIRED)
    _refused(_package(ambito, code="PA-01", version=1, status=PackageStatus.RETIRED))
    PackageFactory.create(ambito=ambito, code="PA-01", version=2)


def test_one_approved_version_per_code(ambito: Ambito) -> None:
    PackageFactory.create(ambito=ambito, code="PA-01", version=1, status=PackageStatus.APPROVED)
    _refused(_package(ambito, code="PA-01", version=2, status=PackageStatus.APPROVED, employability="medium"))
    PackageFactory.create(ambito=ambito, code="PA-01", version=2, status=PackageStatus.RETIRED, employability="medium")


def test_one_draft_per_code(ambito: Ambito) -> None:
    PackageFactory.create(ambito=ambito, code="PA-01", version=1)
    _refused(_package(ambito, code="PA-01", version=2))


def test_one_approved_package_per_profile(ambito: Ambito, other_ambito: Ambito) -> None:
    PackageFactory.create(ambito=ambito, code="PA-01", employability="low", care_load="high", status="approved")
    _refused(_package(ambito, code="PA-02", employability="low", care_load="high", status="approved"))
    # Drafts, other care loads and other ambiti are free.
    PackageFactory.create(ambito=ambito, code="PA-03", employability="low", care_load="high")
    PackageFactory.create(ambito=ambito, code="PA-04", employability="low", care_load="any", status="approved")
    PackageFactory.create(ambito=other_ambito, code="PA-01", employability="low", care_load="high", status="approved")


def test_approval_is_recorded_with_date_and_body(ambito: Ambito) -> None:
    _refused(lambda: PackageFactory.create(ambito=ambito, status="approved", approved_by="", approved_on=APPROVED_ON))
    _refused(lambda: PackageFactory.create(ambito=ambito, status="approved", approved_by="Cabina", approved_on=None))
    # A draft carries no approval.
    _refused(lambda: PackageFactory.create(ambito=ambito, status="draft", approved_by="Cabina", approved_on=None))
    _refused(lambda: PackageFactory.create(ambito=ambito, status="draft", approved_by="", approved_on=APPROVED_ON))


def test_retirement_is_recorded_after_approval(ambito: Ambito) -> None:
    _refused(lambda: PackageFactory.create(ambito=ambito, status="retired", retired_on=None))
    _refused(
        lambda: PackageFactory.create(
            ambito=ambito, status="retired", retired_on=APPROVED_ON - datetime.timedelta(days=1)
        )
    )
    _refused(lambda: PackageFactory.create(ambito=ambito, status="approved", retired_on=APPROVED_ON))


def test_package_items(ambito: Ambito) -> None:
    package = PackageFactory.create(ambito=ambito)
    service = ServiceFactory.create(ambito=ambito)
    PackageItemFactory.create(package=package, service=service)
    _refused(lambda: PackageItemFactory.create(package=package, service=service))
    _refused(lambda: PackageItemFactory.create(package=package, quantity=Decimal("0")))
    _refused(lambda: PackageItemFactory.create(package=package, quantity=Decimal("-1")))
    _refused(lambda: PackageItemFactory.create(package=package, basis="per_week"))


def test_a_service_in_a_package_is_not_deleted(ambito: Ambito) -> None:
    item = PackageItemFactory.create(package=PackageFactory.create(ambito=ambito))
    _refused(lambda: Service.objects.filter(pk=item.service_id).delete())
    item.package.delete()
    assert not PackageItem.objects.filter(pk=item.pk).exists()
