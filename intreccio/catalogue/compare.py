"""How a planned set of services deviates from an assistance package (equal need, equal offer).

A pure function over the package's items and budget: no queries, no writes, so the plans app
can call it on every validation page and the tests can throw any input at it. Quantities of a
planned line are read on the item's own basis (per month or in total), amounts are euro for a
year, as the package's budget range is.

What counts as a deviation, each needing a reason from the coordination group:
- a mandatory service of the package that is not planned (``missing``);
- a mandatory service planned below its standard quantity, or any service planned above it;
- a planned service that is not in the package (``extra``);
- a yearly total outside the package's budget range.
An optional service left out, or planned below its standard, is the package working as meant.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from django.utils import formats
from django.utils.translation import gettext as _

from intreccio.catalogue.models import PackageItem, QuantityBasis, Service
from intreccio.core.templatetags.money import euro

ZERO = Decimal("0")


class DeviationKind(StrEnum):
    MISSING = "missing"
    BELOW_STANDARD = "below_standard"
    ABOVE_STANDARD = "above_standard"
    EXTRA = "extra"
    BUDGET_BELOW = "budget_below"
    BUDGET_ABOVE = "budget_above"


BUDGET_KINDS = frozenset({DeviationKind.BUDGET_BELOW, DeviationKind.BUDGET_ABOVE})
QUANTITY_KINDS = frozenset({DeviationKind.BELOW_STANDARD, DeviationKind.ABOVE_STANDARD})


@dataclass(frozen=True)
class Deviation:
    kind: DeviationKind
    message: str
    service: Service | None = None
    standard_quantity: Decimal | None = None
    planned_quantity: Decimal | None = None


@dataclass(frozen=True)
class PackageComparison:
    deviations: tuple[Deviation, ...]
    planned_total: Decimal
    budget_min: Decimal
    budget_max: Decimal

    @property
    def fits(self) -> bool:
        return not self.deviations

    def of_kind(self, *kinds: DeviationKind) -> list[Deviation]:
        return [d for d in self.deviations if d.kind in kinds]

    @property
    def missing(self) -> list[Deviation]:
        return self.of_kind(DeviationKind.MISSING)

    @property
    def extra(self) -> list[Deviation]:
        return self.of_kind(DeviationKind.EXTRA)

    @property
    def quantity(self) -> list[Deviation]:
        return self.of_kind(*QUANTITY_KINDS)

    @property
    def budget(self) -> Deviation | None:
        found = self.of_kind(*BUDGET_KINDS)
        return found[0] if found else None


Planned = tuple[Service, Decimal, Decimal]


def _quantity(value: Decimal, basis: str) -> str:
    number = formats.number_format(Decimal(f"{value.normalize():f}"), use_l10n=True)
    if basis == QuantityBasis.PER_MONTH:
        return _("%(n)s a month") % {"n": number}
    return _("%(n)s in total") % {"n": number}


def _merge(planned: Iterable[Planned]) -> tuple[dict[int, tuple[Service, Decimal]], Decimal]:
    """Planned quantities summed per service (in first-seen order), and the total amount."""
    lines: dict[int, tuple[Service, Decimal]] = {}
    total = ZERO
    for service, quantity, amount in planned:
        if quantity < 0 or amount < 0:
            raise ValueError("Planned quantities and amounts are never negative.")
        previous = lines.get(service.pk)
        lines[service.pk] = (service, quantity + (previous[1] if previous else ZERO))
        total += amount
    return lines, total


def compare_items(
    *, items: Sequence[PackageItem], budget_min: Decimal, budget_max: Decimal, planned: Iterable[Planned]
) -> PackageComparison:
    """The deviations of ``planned`` (service, quantity, yearly amount) from a package's items and budget."""
    lines, total = _merge(planned)
    deviations: list[Deviation] = []
    in_package: set[int] = set()
    for item in items:
        service = item.service
        in_package.add(service.pk)
        line = lines.get(service.pk)
        quantity = line[1] if line else ZERO
        standard = _quantity(item.quantity, item.basis)
        if quantity == 0:
            if item.is_mandatory:
                deviations.append(
                    Deviation(
                        DeviationKind.MISSING,
                        _("“%(service)s” is a mandatory service of the package (%(standard)s) and is not planned.")
                        % {"service": service.name, "standard": standard},
                        service,
                        item.quantity,
                        quantity,
                    )
                )
        elif quantity < item.quantity and item.is_mandatory:
            deviations.append(
                Deviation(
                    DeviationKind.BELOW_STANDARD,
                    _("“%(service)s”: %(planned)s planned, below the standard of %(standard)s.")
                    % {"service": service.name, "planned": _quantity(quantity, item.basis), "standard": standard},
                    service,
                    item.quantity,
                    quantity,
                )
            )
        elif quantity > item.quantity:
            deviations.append(
                Deviation(
                    DeviationKind.ABOVE_STANDARD,
                    _("“%(service)s”: %(planned)s planned, above the standard of %(standard)s.")
                    % {"service": service.name, "planned": _quantity(quantity, item.basis), "standard": standard},
                    service,
                    item.quantity,
                    quantity,
                )
            )
    for pk, (service, quantity) in lines.items():
        if pk not in in_package and quantity > 0:
            deviations.append(
                Deviation(
                    DeviationKind.EXTRA,
                    _("“%(service)s” is not in the package.") % {"service": service.name},
                    service,
                    None,
                    quantity,
                )
            )
    if total < budget_min:
        deviations.append(
            Deviation(
                DeviationKind.BUDGET_BELOW,
                _("The planned total of %(total)s a year is below the package's range (%(min)s – %(max)s).")
                % {"total": euro(total), "min": euro(budget_min), "max": euro(budget_max)},
            )
        )
    elif total > budget_max:
        deviations.append(
            Deviation(
                DeviationKind.BUDGET_ABOVE,
                _("The planned total of %(total)s a year is above the package's range (%(min)s – %(max)s).")
                % {"total": euro(total), "min": euro(budget_min), "max": euro(budget_max)},
            )
        )
    return PackageComparison(
        deviations=tuple(deviations), planned_total=total, budget_min=budget_min, budget_max=budget_max
    )
