"""Parsing what operators type (amounts, dates) and showing amounts per language; hypothesis over the inputs."""

from __future__ import annotations

import calendar
import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation
from hypothesis import given
from hypothesis import strategies as st

from intreccio.core.templatetags.money import euro
from intreccio.people.forms_households import parse_amount, parse_date

CENTS = st.integers(min_value=0, max_value=99_999_999_99)


def _italian(amount: Decimal) -> str:
    whole, cents = f"{amount:.2f}".split(".")
    groups = f"{int(whole):,}".replace(",", ".")
    return f"{groups},{cents}"


@given(CENTS)
def test_amount_round_trips_italian_and_point_styles(cents: int) -> None:
    amount = Decimal(cents) / 100
    assert parse_amount(_italian(amount)) == amount
    assert parse_amount(f"{amount:.2f}") == amount
    assert parse_amount(f"{amount:,.2f}") == amount  # 1,234.56 as an English document writes it


@given(CENTS.filter(lambda c: c > 0))
def test_negative_amounts_get_their_own_message(cents: int) -> None:
    amount = Decimal(cents) / 100
    for typed in (f"-{_italian(amount)}", f"−{amount}", f"- {amount}"):
        with pytest.raises(ValidationError) as exc:
            parse_amount(typed)
        assert exc.value.code == "negative"


@given(st.text(max_size=30))
def test_amount_parser_never_crashes(text: str) -> None:
    try:
        value = parse_amount(text)
    except ValidationError:
        return
    assert value >= 0
    assert value == value.quantize(Decimal("0.01")) or value == value.to_integral()


@given(st.dates(min_value=datetime.date(1900, 1, 1), max_value=datetime.date(2100, 12, 31)))
def test_real_dates_parse(day: datetime.date) -> None:
    assert parse_date(day.strftime("%d/%m/%Y")) == day
    assert parse_date(day.isoformat()) == day
    assert parse_date(f"{day.day}/{day.month}/{day.year}") == day


@given(st.integers(1, 31), st.integers(1, 12), st.integers(1900, 2100))
def test_impossible_dates_are_refused_with_a_reason(day: int, month: int, year: int) -> None:
    if day <= calendar.monthrange(year, month)[1]:
        return
    with pytest.raises(ValidationError) as exc:
        parse_date(f"{day:02d}/{month:02d}/{year}")
    assert exc.value.code in {"day", "leap"}


@pytest.mark.parametrize(
    ("typed", "code"),
    [
        ("31/04/2025", "day"),
        ("29/02/2023", "leap"),
        ("00/00/0000", "year_range"),
        ("01/01/1899", "year_range"),
        ("01/13/2025", "month"),
        ("12/31/2025", "month"),  # month and day swapped
        ("1/1/25", "year_digits"),  # two-digit year
        ("45000", "invalid"),  # an Excel serial
        ("31.12.2025\u200b", "invalid"),
    ],
)
def test_bad_dates(typed: str, code: str) -> None:
    with pytest.raises(ValidationError) as exc:
        parse_date(typed)
    assert exc.value.code == code


def test_day_first_separators() -> None:
    assert parse_date(" 31.12.2025 ") == parse_date("31-12-2025") == datetime.date(2025, 12, 31)


@pytest.mark.parametrize(
    ("language", "value", "shown"),
    [
        ("it", Decimal("1234.56"), "€\u00a01.234,56"),
        ("it", Decimal("0"), "€\u00a00,00"),
        ("it", Decimal("9360.5"), "€\u00a09.360,50"),
        ("en", Decimal("1234.56"), "€1,234.56"),
        ("en", Decimal("1234567.5"), "€1,234,567.50"),
        ("it", None, ""),
    ],
)
def test_euro_filter(language: str, value: Decimal | None, shown: str) -> None:
    with translation.override(language):
        assert euro(value) == shown
