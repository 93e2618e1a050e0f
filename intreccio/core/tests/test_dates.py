"""Typed dates: every bad input gets a message that names what is wrong (SECURITY.md "Bad inputs")."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation
from hypothesis import given
from hypothesis import strategies as st

from intreccio.core.dates import DayFirstDateField, parse_day_first


@pytest.mark.parametrize(
    ("typed", "code"),
    [
        ("29/02/2023", "leap"),
        ("31/04/2025", "day"),
        ("00/00/0000", "year_range"),
        ("01/01/1899", "year_range"),
        ("01/01/2101", "year_range"),
        ("13/13/2020", "month"),
        ("1/1/80", "year_digits"),
        ("45000", "invalid"),
        ("", "invalid"),
        ("３１/０１/２０２０", "invalid"),
    ],
)
def test_bad_dates_say_what_is_wrong(typed: str, code: str) -> None:
    with pytest.raises(ValidationError) as exc:
        parse_day_first(typed)
    assert exc.value.code == code


def test_messages_name_the_month_and_its_days() -> None:
    with translation.override("en"), pytest.raises(ValidationError) as exc:
        parse_day_first("31/04/2025")
    assert exc.value.messages == ["31/04/2025 does not exist: April has 30 days."]
    with translation.override("it"), pytest.raises(ValidationError) as exc:
        parse_day_first("31/04/2025")
    assert "aprile" in exc.value.messages[0].lower()


@given(st.dates(min_value=datetime.date(1900, 1, 1), max_value=datetime.date(2100, 12, 31)))
def test_every_real_date_round_trips(day: datetime.date) -> None:
    assert parse_day_first(day.strftime("%d/%m/%Y")) == day
    assert parse_day_first(day.isoformat()) == day
    assert parse_day_first(f"{day.day}.{day.month}.{day.year}") == day
    field = DayFirstDateField()
    assert field.to_python(field.prepare_value(day)) == day


@given(st.text(max_size=20))
def test_any_text_is_a_date_or_a_validation_error(text: str) -> None:
    try:
        result = parse_day_first(text)
    except ValidationError:
        return
    assert isinstance(result, datetime.date)
