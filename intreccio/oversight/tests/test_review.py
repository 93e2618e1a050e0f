"""The auditor's review of unusual access: each rule fires on planted reads and stays silent on an
ordinary day; the rules are aggregated in the database (the number of queries does not grow)."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from intreccio.oversight import review
from intreccio.oversight.models import ReviewDay
from intreccio.oversight.tests.conftest import World, local, read

pytestmark = pytest.mark.usefixtures("english")

WEDNESDAY = datetime.date(2025, 6, 4)
THURSDAY = datetime.date(2025, 6, 5)
SUNDAY = datetime.date(2025, 6, 8)
JUNE = (datetime.date(2025, 6, 1), datetime.date(2025, 6, 30))


def _june() -> review.Review:
    return review.review(*JUNE, threshold=50)


def _ordinary_day(world: World, day: datetime.date) -> None:
    """Alice's working day: 40 persons and her team's case, from 07:00 to 19:59, in her ambito."""
    for n in range(40):
        read(world.alice, local(day, 7 + n // 4, n % 60), object_id=str(n + 1))
    for hour in (9, 12, 19):
        read(world.alice, local(day, hour, 59), object_type="cases.case", object_id=str(world.case_cremona.pk))
    # A list page recorded on the case type with a non-numeric id must not disturb the ambito rule.
    read(world.alice, local(day, 10), object_type="cases.case", object_id="due_checkins", purpose="due_checkins")
    # Bruno works on his own ambito's case.
    read(world.bruno, local(day, 8), object_type="cases.case", object_id=str(world.case_crema.pk))


def test_an_ordinary_day_raises_no_alert(world: World) -> None:
    _ordinary_day(world, WEDNESDAY)
    result = _june()
    assert result.total == 0, result


class TestManyRecords:
    def test_more_than_the_threshold_in_one_day_is_an_alert(self, world: World) -> None:
        for n in range(50):
            read(world.alice, local(WEDNESDAY, 10, n % 60), object_id=str(n + 1))
        # List pages are not records, however many.
        for name in ("list", "due_checkins", "allocation_queue"):
            read(world.alice, local(WEDNESDAY, 11), object_type="cases.case", object_id=name)
        assert not _june().many_records.rows
        read(world.alice, local(WEDNESDAY, 12), object_id="51")
        rows = _june().many_records.rows
        assert [(r.username, r.day, r.records) for r in rows] == [("alice", WEDNESDAY, 51)]

    def test_records_are_counted_once_and_per_day(self, world: World) -> None:
        # 60 reads of 30 records on Wednesday, 30 other records on Thursday: 30 a day, no alert.
        for n in range(60):
            read(world.alice, local(WEDNESDAY, 10, n), object_id=str(n % 30))
        for n in range(30):
            read(world.alice, local(THURSDAY, 10, n), object_id=str(100 + n))
        assert not review.review(*JUNE, threshold=30).many_records.rows
        assert [r.records for r in review.review(*JUNE, threshold=29).many_records.rows] == [30, 30]

    def test_a_person_and_a_case_with_the_same_id_are_two_records(self, world: World) -> None:
        read(world.alice, local(WEDNESDAY, 10), object_type="people.person", object_id="7")
        read(world.alice, local(WEDNESDAY, 11), object_type="cases.case", object_id="7")
        assert [r.records for r in review.review(*JUNE, threshold=1).many_records.rows] == [2]

    def test_the_threshold_is_a_setting(self, world: World, settings) -> None:
        for n in range(6):
            read(world.alice, local(WEDNESDAY, 10, n), object_id=str(n))
        settings.INTRECCIO_REVIEW_DAILY_RECORDS = 5
        assert review.review(*JUNE).threshold == 5
        assert len(review.review(*JUNE).many_records.rows) == 1


class TestOffHours:
    def test_before_seven_and_from_eight_in_the_evening_local_time(self, world: World) -> None:
        read(world.alice, local(WEDNESDAY, 6, 59))
        read(world.alice, local(WEDNESDAY, 7, 0))
        read(world.alice, local(WEDNESDAY, 19, 59))
        read(world.alice, local(THURSDAY, 20, 0))
        rows = _june().off_hours.rows
        assert [(r.day, r.reads, f"{r.first.astimezone():%H:%M}") for r in rows] == [
            (THURSDAY, 1, f"{local(THURSDAY, 20).astimezone():%H:%M}"),
            (WEDNESDAY, 1, f"{local(WEDNESDAY, 6, 59).astimezone():%H:%M}"),
        ]

    def test_the_hour_is_italian_not_utc(self, world: World) -> None:
        # 05:30 UTC in June is 07:30 in Rome: working hours. 19:30 UTC is 21:30 in Rome: off hours.
        read(world.alice, datetime.datetime(2025, 6, 4, 5, 30, tzinfo=datetime.UTC))
        read(world.alice, datetime.datetime(2025, 6, 5, 19, 30, tzinfo=datetime.UTC))
        assert [r.day for r in _june().off_hours.rows] == [THURSDAY]

    def test_any_read_on_sunday(self, world: World) -> None:
        read(world.alice, local(SUNDAY, 11))
        read(world.alice, local(SUNDAY, 12))
        rows = _june().off_hours.rows
        assert [(r.day, r.reads, r.sunday) for r in rows] == [(SUNDAY, 2, True)]

    def test_a_read_just_after_midnight_belongs_to_the_local_day(self, world: World) -> None:
        # 00:30 in Rome on Monday 9 June is still Sunday 22:30 in UTC.
        read(world.alice, local(datetime.date(2025, 6, 9), 0, 30))
        assert [r.day for r in _june().off_hours.rows] == [datetime.date(2025, 6, 9)]


class TestOutsideAmbito:
    def test_a_case_of_another_ambito_is_an_alert(self, world: World) -> None:
        for hour in (9, 10):
            read(world.bruno, local(WEDNESDAY, hour), object_type="cases.case", object_id=str(world.case_cremona.pk))
        read(world.alice, local(WEDNESDAY, 9), object_type="cases.case", object_id=str(world.case_cremona.pk))
        rows = _june().outside_ambito.rows
        assert [(r.username, r.organisation, r.case_number, r.case_ambito, r.reads) for r in rows] == [
            ("bruno", "Comune di Crema", "CRE-2025-1", "Ambito Cremonese", 2)
        ]
        assert rows[0].purposes == "team or coordination group"

    def test_the_basis_of_the_read_is_shown(self, world: World) -> None:
        read(
            world.bruno,
            local(WEDNESDAY, 9),
            object_type="cases.case",
            object_id=str(world.case_cremona.pk),
            purpose="referral: case_detail",
        )
        assert _june().outside_ambito.rows[0].purposes == "referral"

    def test_only_cases_count(self, world: World) -> None:
        # A person with the same id as the other ambito's case is not a case read.
        read(world.bruno, local(WEDNESDAY, 9), object_type="people.person", object_id=str(world.case_cremona.pk))
        assert not _june().outside_ambito.rows


class TestBreakTheGlass:
    def test_reads_through_an_emergency_grant_are_listed(self, world: World) -> None:
        case = str(world.case_cremona.pk)
        read(world.alice, local(WEDNESDAY, 9), object_type="cases.case", object_id=case, purpose="case_detail")
        for minute in (0, 5):
            read(
                world.alice,
                local(WEDNESDAY, 10, minute),
                object_type="cases.case",
                object_id=case,
                purpose="break_the_glass: case_detail",
            )
        rows = _june().break_the_glass.rows
        assert [(r.username, r.object_type, r.object_id, r.reads) for r in rows] == [("alice", "cases.case", case, 2)]

    def test_a_purpose_that_merely_mentions_it_is_not_one(self, world: World) -> None:
        read(world.alice, local(WEDNESDAY, 9), purpose="export: break_the_glass_grants; 3 rows")
        assert not _june().break_the_glass.rows


def test_the_period_bounds_are_whole_local_days(world: World) -> None:
    read(world.alice, local(datetime.date(2025, 5, 31), 23, 59))
    read(world.alice, local(datetime.date(2025, 7, 1), 0, 0))
    assert _june().total == 0
    read(world.alice, local(datetime.date(2025, 6, 30), 23, 59))
    assert _june().total == 1


def test_the_rules_aggregate_in_the_database(world: World) -> None:
    """The number of queries does not grow with the number of reads or alerts: a bounded number per
    day when the days are summarised (first view), the same few when they are read back (second)."""

    def queries() -> tuple[int, int]:
        ReviewDay.objects.all().delete()
        with CaptureQueriesContext(connection) as first:
            review.review(*JUNE, threshold=3)
        with CaptureQueriesContext(connection) as second:
            review.review(*JUNE, threshold=3)
        return len(first), len(second)

    def plant(day: datetime.date) -> None:
        for n in range(5):
            read(world.alice, local(day, 22, n), object_id=str(n))
            read(world.bruno, local(day, 6, n), object_type="cases.case", object_id=str(world.case_cremona.pk))
            read(world.alice, local(day, 10, n), object_type="cases.case", object_id=str(world.case_cremona.pk),
                 purpose="break_the_glass: case_detail")  # fmt: skip

    plant(WEDNESDAY)
    first_few, second_few = queries()
    for day in range(10, 20):
        plant(datetime.date(2025, 6, day))
    result = review.review(*JUNE, threshold=3)
    assert len(result.many_records.rows) == 11 and len(result.off_hours.rows) == 22
    first_many, second_many = queries()
    assert second_many == second_few
    # Per day: the one grouped query, the kept rows of the three rules, the day's own row.
    assert first_few <= first_many <= first_few + 3 * 10
