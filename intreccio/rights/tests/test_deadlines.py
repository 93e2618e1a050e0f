"""Deadlines: 15 days for the access report, one month for access, rectification and erasure
(art. 12(3)), ending on the last day of a shorter month, extendable by two months at most."""

from __future__ import annotations

import datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from intreccio.rights.models import RequestKind, add_months, due_date

D = datetime.date


@pytest.mark.parametrize(
    ("received", "due"),
    [
        (D(2025, 3, 1), D(2025, 3, 16)),
        (D(2025, 12, 20), D(2026, 1, 4)),  # across the year
        (D(2024, 2, 20), D(2024, 3, 6)),  # across a leap February
        (D(2025, 2, 20), D(2025, 3, 7)),
    ],
)
def test_access_report_is_due_in_15_days(received: D, due: D) -> None:
    assert due_date(RequestKind.ACCESS_REPORT, received) == due


@pytest.mark.parametrize("kind", [RequestKind.ACCESS, RequestKind.RECTIFICATION, RequestKind.ERASURE])
@pytest.mark.parametrize(
    ("received", "due"),
    [
        (D(2025, 3, 10), D(2025, 4, 10)),
        (D(2025, 1, 31), D(2025, 2, 28)),  # no 31 February: the last day of the month
        (D(2024, 1, 31), D(2024, 2, 29)),  # leap year
        (D(2025, 3, 31), D(2025, 4, 30)),
        (D(2025, 12, 31), D(2026, 1, 31)),  # across the year
        (D(2024, 2, 29), D(2024, 3, 29)),
    ],
)
def test_other_requests_are_due_in_one_month(kind: str, received: D, due: D) -> None:
    assert due_date(kind, received) == due


@pytest.mark.parametrize(
    ("received", "months", "due"),
    [
        (D(2025, 1, 31), 1, D(2025, 3, 31)),
        (D(2025, 1, 31), 2, D(2025, 4, 30)),  # three months from receipt, the last day of April
        (D(2023, 11, 30), 2, D(2024, 2, 29)),
        (D(2025, 10, 15), 2, D(2026, 1, 15)),
    ],
)
def test_an_extension_adds_up_to_two_months_from_receipt(received: D, months: int, due: D) -> None:
    assert due_date(RequestKind.ACCESS, received, months) == due


@given(st.dates(min_value=D(1990, 1, 1), max_value=D(2090, 12, 31)), st.integers(min_value=0, max_value=36))
def test_add_months_lands_in_the_right_month_on_the_same_or_last_day(day: D, months: int) -> None:
    result = add_months(day, months)
    assert (result.year * 12 + result.month) - (day.year * 12 + day.month) == months
    if result.day != day.day:
        # Only a shorter month moves the day, and then to its last day.
        assert result.day < day.day
        assert (result + datetime.timedelta(days=1)).day == 1
