"""``package_for_profile`` and ``package_compare``: which package fits, and how a plan deviates from it.

The comparison's core is pure, so hypothesis throws unsaved services and items at it; the
selectors around it are checked against the database.
"""

from __future__ import annotations

import datetime
import random
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from intreccio.accounts.models import Operator
from intreccio.catalogue import services
from intreccio.catalogue.compare import DeviationKind, PackageComparison, Planned, compare_items
from intreccio.catalogue.models import (
    AssistancePackage,
    CareLoad,
    Employability,
    PackageItem,
    PackageStatus,
    QuantityBasis,
    Service,
)
from intreccio.catalogue.selectors import package_compare, package_for_profile, package_get
from intreccio.catalogue.tests.factories import PackageFactory, PackageItemFactory
from intreccio.territory.models import Ambito

D = Decimal


def _service(pk: int) -> Service:
    return Service(pk=pk, code=f"S{pk}", name=f"Servizio {pk}", unit_cost=D("10"))


def _item(
    service: Service, quantity: str, *, mandatory: bool = True, basis: str = QuantityBasis.PER_MONTH
) -> PackageItem:
    return PackageItem(service=service, quantity=D(quantity), basis=basis, is_mandatory=mandatory)


def _compare(items: list[PackageItem], planned: list[Planned], lo: str = "100", hi: str = "1000") -> PackageComparison:
    return compare_items(items=items, budget_min=D(lo), budget_max=D(hi), planned=planned)


def _kinds(result: PackageComparison) -> list[tuple[DeviationKind, int | None]]:
    return [(d.kind, d.service.pk if d.service else None) for d in result.deviations]


SAD, ADM, PUC, EXTRA = _service(1), _service(2), _service(3), _service(4)
ITEMS = [_item(SAD, "8"), _item(ADM, "4"), _item(PUC, "10", mandatory=False, basis=QuantityBasis.TOTAL)]


# --- examples ---------------------------------------------------------------------------------


def test_the_standard_plan_fits() -> None:
    result = _compare(ITEMS, [(SAD, D("8"), D("300")), (ADM, D("4"), D("200")), (PUC, D("10"), D("0"))])
    assert result.fits and result.deviations == () and result.planned_total == D("500")


def test_optional_services_may_be_left_out_or_reduced() -> None:
    assert _compare(ITEMS, [(SAD, D("8"), D("300")), (ADM, D("4"), D("200"))]).fits
    assert _compare(ITEMS, [(SAD, D("8"), D("300")), (ADM, D("4"), D("200")), (PUC, D("2"), D("0"))]).fits


def test_missing_extra_quantity_and_budget() -> None:
    result = _compare(ITEMS, [(SAD, D("10"), D("900")), (EXTRA, D("1"), D("150")), (PUC, D("12"), D("0"))])
    assert _kinds(result) == [
        (DeviationKind.ABOVE_STANDARD, 1),
        (DeviationKind.MISSING, 2),
        (DeviationKind.ABOVE_STANDARD, 3),
        (DeviationKind.EXTRA, 4),
        (DeviationKind.BUDGET_ABOVE, None),
    ]
    assert [d.service.pk for d in result.missing if d.service] == [2]
    assert [d.service.pk for d in result.extra if d.service] == [4]
    assert result.budget is not None and result.budget.kind == DeviationKind.BUDGET_ABOVE
    messages = [d.message for d in result.deviations]
    assert messages[0] == "“Servizio 1”: 10 a month planned, above the standard of 8 a month."
    assert messages[1] == "“Servizio 2” is a mandatory service of the package (4 a month) and is not planned."
    assert messages[2] == "“Servizio 3”: 12 in total planned, above the standard of 10 in total."
    assert messages[3] == "“Servizio 4” is not in the package."
    assert messages[4] == "The planned total of €1,050.00 a year is above the package's range (€100.00 – €1,000.00)."


def test_mandatory_below_standard_and_budget_below() -> None:
    result = _compare(ITEMS, [(SAD, D("7.5"), D("40")), (ADM, D("4"), D("40"))])
    assert _kinds(result) == [(DeviationKind.BELOW_STANDARD, 1), (DeviationKind.BUDGET_BELOW, None)]
    assert result.deviations[0].planned_quantity == D("7.5") and result.deviations[0].standard_quantity == D("8")
    assert result.quantity == [result.deviations[0]]


def test_a_zero_quantity_line_counts_as_not_planned() -> None:
    result = _compare(ITEMS, [(SAD, D("8"), D("300")), (ADM, D("0"), D("0")), (EXTRA, D("0"), D("0"))])
    assert _kinds(result) == [(DeviationKind.MISSING, 2)]


def test_lines_of_the_same_service_add_up() -> None:
    result = _compare(ITEMS, [(SAD, D("4"), D("150")), (ADM, D("4"), D("200")), (SAD, D("4"), D("150"))])
    assert result.fits and result.planned_total == D("500")


def test_the_budget_bounds_are_inclusive() -> None:
    standard = [(SAD, D("8"), D("0")), (ADM, D("4"), D("0"))]
    assert _compare(ITEMS, [*standard, (SAD, D("0"), D("100"))]).fits
    assert _compare(ITEMS, [*standard, (SAD, D("0"), D("1000"))]).fits
    assert _compare(ITEMS, [*standard, (SAD, D("0"), D("99.99"))]).budget is not None
    assert _compare(ITEMS, [*standard, (SAD, D("0"), D("1000.01"))]).budget is not None


def test_negative_input_is_a_programming_error() -> None:
    with pytest.raises(ValueError):
        _compare(ITEMS, [(SAD, D("-1"), D("0"))])
    with pytest.raises(ValueError):
        _compare(ITEMS, [(SAD, D("1"), D("-0.01"))])


def test_an_empty_plan_misses_every_mandatory_service() -> None:
    result = _compare(ITEMS, [], lo="0")
    assert _kinds(result) == [(DeviationKind.MISSING, 1), (DeviationKind.MISSING, 2)]


# --- properties -------------------------------------------------------------------------------

quantities = st.decimals(min_value=0, max_value=100, places=2, allow_nan=False, allow_infinity=False)
amounts = st.decimals(min_value=0, max_value=5000, places=2, allow_nan=False, allow_infinity=False)


@st.composite
def scenarios(draw: st.DrawFn) -> tuple[list[PackageItem], list[Planned], Decimal, Decimal]:
    services = [_service(pk) for pk in range(1, 9)]
    in_package = draw(st.lists(st.sampled_from(services), unique_by=lambda s: s.pk, max_size=6))
    items = [
        _item(
            service,
            str(draw(st.decimals(min_value=D("0.5"), max_value=50, places=1))),
            mandatory=draw(st.booleans()),
            basis=draw(st.sampled_from(QuantityBasis.values)),
        )
        for service in in_package
    ]
    planned = draw(st.lists(st.tuples(st.sampled_from(services), quantities, amounts), max_size=10))
    lo = draw(amounts)
    hi = lo + draw(amounts)
    return items, planned, lo, hi


@settings(max_examples=200, deadline=None)
@given(scenarios())
def test_property_each_deviation_has_its_reason(
    scenario: tuple[list[PackageItem], list[Planned], Decimal, Decimal],
) -> None:
    items, planned, lo, hi = scenario
    result = compare_items(items=items, budget_min=lo, budget_max=hi, planned=planned)
    planned_qty: dict[int, Decimal] = {}
    for service, quantity, _amount in planned:
        planned_qty[service.pk] = planned_qty.get(service.pk, D("0")) + quantity
    package_pks = {item.service.pk for item in items}
    missing = {item.service.pk for item in items if item.is_mandatory and planned_qty.get(item.service.pk, 0) == 0}
    extra = {pk for pk, q in planned_qty.items() if pk not in package_pks and q > 0}
    assert {d.service.pk for d in result.missing if d.service} == missing
    assert {d.service.pk for d in result.extra if d.service} == extra
    total = sum((amount for _s, _q, amount in planned), D("0"))
    assert result.planned_total == total
    assert (result.budget is not None) == (not lo <= total <= hi)
    # At most one deviation per service, and every deviation names a service unless it is the budget.
    named = [d.service.pk for d in result.deviations if d.service]
    assert len(named) == len(set(named))
    assert all(
        (d.service is None) == (d.kind in {DeviationKind.BUDGET_ABOVE, DeviationKind.BUDGET_BELOW})
        for d in result.deviations
    )
    assert result.fits == (not result.deviations)


@settings(max_examples=100, deadline=None)
@given(scenarios(), st.randoms(use_true_random=False))
def test_property_order_of_planned_lines_does_not_matter(
    scenario: tuple[list[PackageItem], list[Planned], Decimal, Decimal], rng: random.Random
) -> None:
    items, planned, lo, hi = scenario
    shuffled = list(planned)
    rng.shuffle(shuffled)
    a = compare_items(items=items, budget_min=lo, budget_max=hi, planned=planned)
    b = compare_items(items=items, budget_min=lo, budget_max=hi, planned=shuffled)
    key = lambda r: sorted((d.kind, d.service.pk if d.service else 0, d.planned_quantity or 0) for d in r.deviations)  # noqa: E731
    assert key(a) == key(b)


@settings(max_examples=100, deadline=None)
@given(scenarios())
def test_property_planning_the_standard_fits(
    scenario: tuple[list[PackageItem], list[Planned], Decimal, Decimal],
) -> None:
    items, _planned, lo, hi = scenario
    standard: list[Planned] = [(item.service, item.quantity, D("0")) for item in items]
    result = compare_items(
        items=items, budget_min=D("0"), budget_max=hi, planned=[*standard, (_service(1), D("0"), lo)]
    )
    assert result.fits, result.deviations


# --- the selectors over the database ----------------------------------------------------------


@pytest.mark.django_db
def test_package_compare_uses_the_prefetched_items(
    draft: AssistancePackage, sad: Service, tirocinio: Service, django_assert_num_queries: object
) -> None:
    package = package_get(ambito_id=draft.ambito_id, pk=draft.pk)
    with django_assert_num_queries(0):  # type: ignore[operator]
        result = package_compare(package=package, planned=[(sad, D("8"), D("2160")), (tirocinio, D("6"), D("3000"))])
    assert result.fits


def _approved(ambito: Ambito, code: str, employability: str, care_load: str) -> AssistancePackage:
    package = PackageFactory.create(
        ambito=ambito, code=code, employability=employability, care_load=care_load, status=PackageStatus.APPROVED
    )
    PackageItemFactory.create(package=package)
    return package


@pytest.mark.django_db
def test_package_for_profile(ambito: Ambito, other_ambito: Ambito) -> None:
    low_high = _approved(ambito, "PA-01", Employability.LOW, CareLoad.HIGH)
    none_any = _approved(ambito, "PA-02", Employability.NONE, CareLoad.ANY)
    none_high = _approved(ambito, "PA-03", Employability.NONE, CareLoad.HIGH)
    PackageFactory.create(ambito=ambito, code="PA-04", employability=Employability.LOW, care_load=CareLoad.LOW)  # draft
    PackageFactory.create(
        ambito=ambito, code="PA-05", employability=Employability.HIGH, care_load=CareLoad.LOW, status="retired"
    )
    _approved(other_ambito, "PA-01", Employability.LOW, CareLoad.LOW)

    assert package_for_profile(ambito=ambito, employability="low", care_load="high") == low_high
    # The exact care load wins; "any" fills the gaps.
    assert package_for_profile(ambito=ambito, employability="none", care_load="high") == none_high
    assert package_for_profile(ambito=ambito, employability="none", care_load="low") == none_any
    # Drafts, retired versions and other ambiti never answer.
    assert package_for_profile(ambito=ambito, employability="low", care_load="low") is None
    assert package_for_profile(ambito=ambito, employability="high", care_load="low") is None
    assert package_for_profile(ambito=other_ambito, employability="low", care_load="high") is None
    with pytest.raises(ValueError):
        package_for_profile(ambito=ambito, employability="brilliant", care_load="low")


@pytest.mark.django_db
def test_package_for_profile_prefetches_items(ambito: Ambito, django_assert_num_queries: object) -> None:
    _approved(ambito, "PA-01", Employability.LOW, CareLoad.HIGH)
    with django_assert_num_queries(2):  # type: ignore[operator]
        package = package_for_profile(ambito=ambito, employability="low", care_load="high")
        assert package is not None
        assert [item.service.name for item in package.items.all()]


@pytest.mark.django_db
def test_package_for_profile_follows_the_new_version(paola: Operator, draft: AssistancePackage) -> None:
    v1 = services.package_approve(
        actor=paola, package=draft, approved_by="Cabina di regia", approved_on=datetime.date(2026, 1, 10)
    )
    v2 = services.package_new_version(actor=paola, package=v1)
    assert package_for_profile(ambito=draft.ambito, employability="low", care_load="high") == v1
    services.package_approve(
        actor=paola, package=v2, approved_by="Cabina di regia", approved_on=datetime.date(2026, 2, 10)
    )
    assert package_for_profile(ambito=draft.ambito, employability="low", care_load="high") == v2
