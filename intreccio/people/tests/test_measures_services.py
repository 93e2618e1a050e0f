"""National income measures: the database's own rules, the services, the eligibility rule of 001:139.

The Rossi household had RdC until 2023 and ADI since 2024; Alice (social worker) records.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.test import override_settings
from django.utils import timezone, translation

from intreccio.accounts.models import Operator, Role
from intreccio.accounts.tests.factories import operator_with_role
from intreccio.audit.models import DomainEvent
from intreccio.people.models import Household, IncomeSupport, IncomeSupportStatus
from intreccio.people.selectors_measures import (
    economic_assistance_eligibility,
    household_on_income_measure,
)
from intreccio.people.services.measures import income_support_end, income_support_record
from intreccio.people.tests.factories import HouseholdFactory

D = datetime.date
GRANTED = IncomeSupportStatus.GRANTED


@pytest.fixture(autouse=True)
def english() -> Iterator[None]:
    with translation.override("en"):
        yield


@pytest.fixture
def alice(db: None) -> Operator:
    return operator_with_role(Role.SOCIAL_WORKER, username="alice")


@pytest.fixture
def household(db: None) -> Household:
    return HouseholdFactory.create(name="Rossi")


def _row(household: Household, actor: Operator, **values: object) -> IncomeSupport:
    fields: dict[str, object] = {"measure": "adi", "status": GRANTED, "date_from": D(2024, 1, 1)}
    fields.update(values)
    return IncomeSupport.objects.create(household=household, recorded_by=actor, **fields)


def _refused(exc: pytest.ExceptionInfo[ValidationError], field: str, text: str) -> None:
    messages = " ".join(exc.value.message_dict.get(field, []))
    assert text in messages, exc.value.message_dict


# --- the database --------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    "values",
    [
        {"monthly_amount": Decimal("-1")},
        {"date_to": D(2023, 12, 31)},
        {"measure": "xyz"},
        {"status": "paid"},
        {"status": IncomeSupportStatus.ENDED},  # ended without an end date
        {"measure": "none", "monthly_amount": Decimal("10")},
        {"measure": "none", "inps_protocol": "P1"},
    ],
)
def test_database_refuses_inconsistent_rows(household: Household, alice: Operator, values: dict[str, object]) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        _row(household, alice, **values)


@pytest.mark.django_db
def test_database_refuses_overlapping_periods_in_effect(household: Household, alice: Operator) -> None:
    _row(
        household,
        alice,
        measure="rdc",
        status=IncomeSupportStatus.ENDED,
        date_from=D(2020, 1, 1),
        date_to=D(2023, 12, 31),
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        _row(household, alice, date_from=D(2023, 12, 31))
    open_ended = _row(household, alice, date_from=D(2024, 1, 1))
    with pytest.raises(IntegrityError), transaction.atomic():
        _row(household, alice, measure="sfl", date_from=D(2030, 1, 1))
    # An update that makes two periods overlap is refused as well.
    later = _row(household, alice, measure="sfl", status=IncomeSupportStatus.APPLIED, date_from=D(2025, 6, 1))
    with pytest.raises(IntegrityError), transaction.atomic():
        IncomeSupport.objects.filter(pk=later.pk).update(status=GRANTED)
    # Applications and revocations do not count; another household is free.
    _row(household, alice, status=IncomeSupportStatus.REVOKED, date_from=D(2024, 2, 1), date_to=D(2024, 3, 1))
    _row(HouseholdFactory.create(), alice, date_from=D(2024, 1, 1))
    assert open_ended.pk


@pytest.mark.django_db
def test_database_refuses_the_same_protocol_twice(household: Household, alice: Operator) -> None:
    _row(household, alice, status=IncomeSupportStatus.APPLIED, inps_protocol="INPS-1")
    with pytest.raises(IntegrityError), transaction.atomic():
        _row(household, alice, status=IncomeSupportStatus.APPLIED, inps_protocol="INPS-1", date_from=D(2025, 1, 1))


# --- services ------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_record_and_end_a_measure_with_events_without_amounts(household: Household, alice: Operator) -> None:
    support = income_support_record(
        actor=alice,
        household=household,
        measure="adi",
        status=GRANTED,
        date_from=D(2024, 1, 1),
        monthly_amount=Decimal("512.40"),
        inps_protocol=" INPS-ADI-2024-1 ",
    )
    assert support.inps_protocol == "INPS-ADI-2024-1"
    income_support_end(actor=alice, support=support, date_to=D(2024, 12, 31))
    support.refresh_from_db()
    assert (support.status, support.date_to) == (IncomeSupportStatus.ENDED, D(2024, 12, 31))
    events = list(DomainEvent.objects.filter(action__startswith="people.income_support").order_by("pk"))
    assert [e.action for e in events] == ["people.income_support.recorded", "people.income_support.ended"]
    for event in events:
        text = str(event.payload)
        assert "512" not in text and "INPS-ADI" not in text and "adi" not in text


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("values", "field", "text"),
    [
        ({"monthly_amount": Decimal("-5")}, "monthly_amount", "negative"),
        ({"monthly_amount": Decimal("1.234")}, "monthly_amount", "two decimals"),
        ({"monthly_amount": Decimal("100000")}, "monthly_amount", "too large"),
        ({"measure": "none", "monthly_amount": Decimal("5")}, "monthly_amount", "no amount"),
        ({"measure": "xyz"}, "measure", "from the list"),
        ({"status": "paid"}, "status", "from the list"),
        ({"date_from": D(2015, 12, 31)}, "date_from", "2016"),
        ({"date_to": D(2023, 1, 1)}, "date_to", "before the start"),
        ({"status": IncomeSupportStatus.ENDED}, "date_to", "date it stopped"),
        ({"inps_protocol": "X" * 41}, "inps_protocol", "at most 40"),
    ],
)
def test_record_refusals(
    household: Household, alice: Operator, values: dict[str, object], field: str, text: str
) -> None:
    kwargs: dict[str, object] = {"measure": "adi", "status": GRANTED, "date_from": D(2024, 1, 1)}
    kwargs.update(values)
    with pytest.raises(ValidationError) as exc:
        income_support_record(actor=alice, household=household, **kwargs)  # type: ignore[arg-type]
    _refused(exc, field, text)
    assert not IncomeSupport.objects.exists()


@pytest.mark.django_db
def test_overlap_is_explained_with_the_other_period(household: Household, alice: Operator) -> None:
    income_support_record(
        actor=alice, household=household, measure="rdc", status=IncomeSupportStatus.ENDED,
        date_from=D(2019, 4, 1), date_to=D(2023, 12, 31),
    )  # fmt: skip
    with pytest.raises(ValidationError) as exc:
        income_support_record(actor=alice, household=household, measure="adi", status=GRANTED, date_from=D(2023, 6, 1))
    _refused(exc, "date_from", "from 01/04/2019 to 31/12/2023")
    income_support_record(actor=alice, household=household, measure="adi", status=GRANTED, date_from=D(2024, 1, 1))
    with pytest.raises(ValidationError) as exc:
        income_support_record(actor=alice, household=household, measure="sfl", status=GRANTED, date_from=D(2025, 1, 1))
    _refused(exc, "date_from", "no end")


@pytest.mark.django_db
def test_end_refusals(household: Household, alice: Operator) -> None:
    support = _row(household, alice)
    with pytest.raises(ValidationError) as exc:
        income_support_end(actor=alice, support=support, date_to=D(2023, 12, 1))
    _refused(exc, "date_to", "before the start")
    with pytest.raises(ValidationError) as exc:
        income_support_end(actor=alice, support=support, date_to=D(2024, 5, 1), status=GRANTED)
    _refused(exc, "status", "ended or was revoked")
    income_support_end(actor=alice, support=support, date_to=D(2024, 5, 1), status=IncomeSupportStatus.REVOKED)
    with pytest.raises(ValidationError) as exc:
        income_support_end(actor=alice, support=support, date_to=D(2024, 6, 1))
    _refused(exc, "date_to", "already ended on 01/05/2024")


# --- selector and the eligibility rule -----------------------------------------------------------


@pytest.mark.django_db
def test_household_on_income_measure_by_date_and_measure(household: Household, alice: Operator) -> None:
    rdc = _row(
        household,
        alice,
        measure="rdc",
        status=IncomeSupportStatus.ENDED,
        date_from=D(2019, 4, 1),
        date_to=D(2023, 12, 31),
    )
    adi = _row(household, alice, status=IncomeSupportStatus.SUSPENDED, date_from=D(2024, 1, 1))
    _row(household, alice, measure="sia", status=IncomeSupportStatus.APPLIED, date_from=D(2017, 1, 1))
    assert household_on_income_measure(household, on=D(2023, 12, 31)) == rdc
    assert household_on_income_measure(household, on=D(2024, 1, 1)) == adi
    assert household_on_income_measure(household, on=D(2017, 6, 1)) is None  # only applied for
    assert household_on_income_measure(household, on=D(2024, 6, 1), measures=["rdc", "sia"]) is None
    assert household_on_income_measure(HouseholdFactory.create()) is None


@pytest.mark.django_db
def test_economic_assistance_refused_to_households_on_sia(household: Household, alice: Operator) -> None:
    """Seed 001:139: "Assistenza economica (esclusi utenti già beneficiari SIA)"."""
    _row(
        household,
        alice,
        measure="sia",
        status=IncomeSupportStatus.ENDED,
        date_from=D(2017, 1, 1),
        date_to=D(2017, 12, 31),
    )
    refused = economic_assistance_eligibility(household, on=D(2017, 5, 1))
    assert not refused.ok
    assert "SIA" in refused.reason and "01/01/2017" in refused.reason
    assert economic_assistance_eligibility(household, on=D(2018, 1, 1)).ok


@pytest.mark.django_db
def test_economic_assistance_generalised_and_configurable(household: Household, alice: Operator) -> None:
    _row(household, alice, measure="adi", date_from=D(2024, 1, 1))
    assert not economic_assistance_eligibility(household, on=D(2024, 3, 1)).ok
    with override_settings(INTRECCIO_ECONOMIC_ASSISTANCE_EXCLUDED_MEASURES=["sia"]):
        assert economic_assistance_eligibility(household, on=D(2024, 3, 1)).ok
    assert economic_assistance_eligibility(household, on=timezone.localdate() - datetime.timedelta(days=4000)).ok
