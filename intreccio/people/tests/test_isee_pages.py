"""The ISEE form: amounts typed the Italian way or with a point, dates day first, refusals on their field."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import pytest
from django.urls import reverse

from intreccio.audit.models import DomainEvent
from intreccio.people.models import IseeDeclaration
from intreccio.people.tests.factories import IseeDeclarationFactory
from intreccio.people.tests.test_households_pages import Network, build_network

D = datetime.date


@pytest.fixture
def net(db: None) -> Network:
    return build_network()


def _post(net: Network, language: str = "en", **values: str) -> Any:
    data = {
        "kind": "ordinary",
        "value": "9.360,50",
        "valid_from": "15/01/2025",
        "valid_to": "31/12/2025",
        "dsu_protocol": "INPS-ISEE-2025-00012345A-00",
        **values,
    }
    return net.client(net.alice, language=language).post(reverse("people:isee_create", args=[net.household.pk]), data)


def _unchanged(before: tuple[int, int]) -> bool:
    return (IseeDeclaration.objects.count(), DomainEvent.objects.count()) == before


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("9.360,50", Decimal("9360.50")),
        ("9360.50", Decimal("9360.50")),
        ("9360,5", Decimal("9360.50")),
        ("€ 1.234.567,89", Decimal("1234567.89")),
        ("9.360", Decimal("9360")),
        ("0", Decimal("0")),
    ],
)
def test_record_with_the_amount_as_typed(net: Network, typed: str, stored: Decimal) -> None:
    response = _post(net, value=typed)
    assert response.status_code == 302, response.context["form"].errors
    assert response["Location"] == reverse("people:household_detail", args=[net.household.pk])
    isee = IseeDeclaration.objects.get()
    assert (isee.value, isee.valid_from, isee.valid_to) == (stored, D(2025, 1, 15), D(2025, 12, 31))
    assert isee.recorded_by == net.alice


@pytest.mark.parametrize(
    ("values", "field", "message"),
    [
        ({"value": "-100"}, "value", "The ISEE value cannot be negative."),
        ({"value": "-1.234,56"}, "value", "The ISEE value cannot be negative."),
        ({"value": "dieci euro"}, "value", "Write the amount in euro with digits, e.g. 9.360,50 or 9360.50."),
        ({"value": "12,345"}, "value", "Use at most two decimals (cents), e.g. 9.360,50."),
        ({"value": ""}, "value", None),
        ({"valid_to": "14/01/2025"}, "valid_to", "The end of validity is before its start: check the dates."),
        ({"valid_from": "31/04/2025"}, "valid_from", "31/04/2025 does not exist: April has 30 days."),
        ({"valid_to": "29/02/2025"}, "valid_to", "29/02/2025 does not exist: 2025 is not a leap year."),
        ({"kind": "lottery"}, "kind", None),
    ],
)
def test_refusals_are_on_the_field_and_save_nothing(
    net: Network, values: dict[str, str], field: str, message: str | None
) -> None:
    before = (IseeDeclaration.objects.count(), DomainEvent.objects.count())
    response = _post(net, **values)
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert field in errors
    if message is not None:
        assert errors[field] == [message]
        assert message in response.content.decode()
    assert _unchanged(before)


def test_overlap_is_refused_with_the_other_period(net: Network) -> None:
    IseeDeclarationFactory.create(household=net.household, valid_from=D(2025, 1, 1), valid_to=D(2025, 12, 31))
    before = (IseeDeclaration.objects.count(), DomainEvent.objects.count())
    response = _post(net, valid_from="01/06/2025", valid_to="31/05/2026")
    (message,) = response.context["form"].errors["valid_from"]
    assert "01/01/2025" in message and "31/12/2025" in message
    assert _unchanged(before)


def test_the_form_is_on_the_field_in_italian_too(net: Network) -> None:
    response = _post(net, language="it", value="-5")
    assert response.status_code == 200
    assert 'aria-invalid="true"' in response.content.decode()
    assert IseeDeclaration.objects.count() == 0


def test_the_page_offers_the_end_of_the_year(net: Network) -> None:
    response = net.client(net.alice).get(reverse("people:isee_create", args=[net.household.pk]))
    assert response.status_code == 200
    assert f"31/12/{datetime.date.today().year}" in response.content.decode()
