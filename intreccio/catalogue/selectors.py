"""Reads of the catalogue and the packages, scoped to one ambito.

The ``*_get`` functions raise Http404 both for a missing object and for one of another ambito,
so existence never leaks. ``package_for_profile`` and ``package_compare`` are what the plans app
calls to validate a personalised project against its package (seed 001:107).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, Prefetch, Q, QuerySet
from django.http import Http404

from intreccio.accounts.models import Organisation
from intreccio.catalogue.compare import PackageComparison, Planned, compare_items
from intreccio.catalogue.models import (
    AssistancePackage,
    CareLoad,
    Employability,
    PackageItem,
    PackageStatus,
    Service,
)
from intreccio.territory.models import Ambito


@dataclass(frozen=True)
class ServiceFilters:
    q: str = ""
    area: str = ""
    status: str = "active"  # "active", "inactive" or "" for all


def service_list(*, ambito_id: int, filters: ServiceFilters | None = None) -> QuerySet[Service]:
    """The ambito's catalogue with providers, in area and name order."""
    filters = filters or ServiceFilters()
    services = Service.objects.filter(ambito_id=ambito_id).prefetch_related(
        Prefetch("providers", queryset=Organisation.objects.order_by("name"))
    )
    if filters.q:
        services = services.filter(Q(name__icontains=filters.q) | Q(code__icontains=filters.q))
    if filters.area:
        services = services.filter(area=filters.area)
    if filters.status == "active":
        services = services.filter(is_active=True)
    elif filters.status == "inactive":
        services = services.filter(is_active=False)
    return services.order_by("area", "name", "pk")


def service_get(*, ambito_id: int, pk: int) -> Service:
    service = Service.objects.filter(ambito_id=ambito_id, pk=pk).prefetch_related("providers").first()
    if service is None:
        raise Http404
    return service


def service_choices(*, ambito_id: int, exclude_package: AssistancePackage | None = None) -> QuerySet[Service]:
    """Active services that can go in a package (those already in it left out)."""
    services = Service.objects.filter(ambito_id=ambito_id, is_active=True)
    if exclude_package is not None:
        services = services.exclude(package_items__package=exclude_package)
    return services.order_by("area", "name", "pk")


def provider_choices(*, ambito_id: int) -> QuerySet[Organisation]:
    return Organisation.objects.filter(ambito_id=ambito_id, is_active=True).order_by("name")


def package_list(*, ambito_id: int, status: str = "") -> QuerySet[AssistancePackage]:
    """Every version of every package of the ambito, with its number of items."""
    packages = AssistancePackage.objects.filter(ambito_id=ambito_id).annotate(
        item_count=Count("items"), mandatory_count=Count("items", filter=Q(items__is_mandatory=True))
    )
    if status:
        packages = packages.filter(status=status)
    return packages.order_by("code", "-version")


def package_status_counts(*, ambito_id: int) -> dict[str, int]:
    rows = AssistancePackage.objects.filter(ambito_id=ambito_id).values("status").annotate(n=Count("pk"))
    return {row["status"]: row["n"] for row in rows}


def _with_items(packages: QuerySet[AssistancePackage]) -> QuerySet[AssistancePackage]:
    return packages.prefetch_related(
        Prefetch(
            "items",
            queryset=PackageItem.objects.select_related("service").order_by(
                "-is_mandatory", "service__area", "service__name", "pk"
            ),
        )
    )


def package_get(*, ambito_id: int, pk: int) -> AssistancePackage:
    package = _with_items(AssistancePackage.objects.filter(ambito_id=ambito_id, pk=pk)).first()
    if package is None:
        raise Http404
    return package


def package_item_get(*, package: AssistancePackage, pk: int) -> PackageItem:
    item = PackageItem.objects.filter(package=package, pk=pk).select_related("service", "package").first()
    if item is None:
        raise Http404
    return item


def package_versions(*, package: AssistancePackage) -> list[AssistancePackage]:
    """All versions of the package's code, newest first (the package itself included)."""
    return list(AssistancePackage.objects.filter(ambito_id=package.ambito_id, code=package.code).order_by("-version"))


def package_for_profile(*, ambito: Ambito, employability: str, care_load: str) -> AssistancePackage | None:
    """The approved package that fits an assessment profile, items prefetched; None when none does.

    A package for exactly this care load wins over one for any care load. The database allows
    one approved package per profile, so the answer is never ambiguous.
    """
    if employability not in Employability.values or care_load not in CareLoad.values:
        raise ValueError(f"Unknown profile: {employability!r}, {care_load!r}")
    candidates = _with_items(
        AssistancePackage.objects.filter(
            ambito=ambito,
            status=PackageStatus.APPROVED,
            employability=employability,
            care_load__in={care_load, CareLoad.ANY},
        )
    )
    found = list(candidates)
    exact = [p for p in found if p.care_load == care_load]
    best = exact or found
    return best[0] if best else None


def package_compare(*, package: AssistancePackage, planned: Iterable[Planned]) -> PackageComparison:
    """What ``planned`` (service, quantity on the item's basis, yearly amount in euro) lacks or adds.

    Uses the package's prefetched items when there are (``package_get``, ``package_for_profile``),
    so it costs no query then.
    """
    return compare_items(
        items=list(package.items.all()), budget_min=package.budget_min, budget_max=package.budget_max, planned=planned
    )


@dataclass(frozen=True)
class PackageCost:
    mandatory: Decimal
    all_items: Decimal


def package_standard_cost(*, package: AssistancePackage) -> PackageCost:
    """The yearly cost of the package's items at catalogue prices (mandatory ones, and all)."""
    items = list(package.items.all())
    mandatory = sum((item.yearly_cost() for item in items if item.is_mandatory), Decimal("0"))
    return PackageCost(mandatory=mandatory, all_items=sum((item.yearly_cost() for item in items), Decimal("0")))


@dataclass(frozen=True)
class ProfileCell:
    employability: str
    care_load: str
    package: AssistancePackage | None
    # No package for this exact care load, but the one for any care load applies.
    covered_by_any: bool = False


@dataclass(frozen=True)
class ProfileRow:
    label: str
    cells: list[ProfileCell]


@dataclass(frozen=True)
class ProfileGrid:
    columns: list[str]
    rows: list[ProfileRow]


def package_profile_grid(*, ambito_id: int) -> ProfileGrid:
    """Approved packages by employability (rows) and care load (columns): where the offer has gaps."""
    approved = {
        (p.employability, p.care_load): p
        for p in AssistancePackage.objects.filter(ambito_id=ambito_id, status=PackageStatus.APPROVED)
    }
    rows = [
        ProfileRow(
            label=str(label),
            cells=[
                ProfileCell(
                    employability,
                    care_load,
                    approved.get((employability, care_load)),
                    covered_by_any=(employability, care_load) not in approved
                    and (employability, CareLoad.ANY) in approved,
                )
                for care_load in CareLoad.values
            ],
        )
        for employability, label in Employability.choices
    ]
    return ProfileGrid(columns=[str(label) for label in CareLoad.labels], rows=rows)
