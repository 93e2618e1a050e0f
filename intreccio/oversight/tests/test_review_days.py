"""The review's kept days: a month is read from per-day summaries, and they cannot drift.

- over random reads (seeded), the kept days give exactly what the rules give computed live over
  every day, and what a plain Python reading of the log gives, before and after late rows;
- a second look reads the kept days back and groups no access rows but today's;
- a row written late into a kept day makes that day, and only that day, computed again; so do
  changed rules; today is never kept;
- ``manage.py summarise_access_review`` keeps the closed days for the nightly run.
"""

from __future__ import annotations

import datetime
import random
import re
from collections import defaultdict
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from intreccio.accounts.models import Operator, Organisation
from intreccio.audit.models import AccessEvent
from intreccio.audit.services import ACCESS_CHAIN, ACCESS_FIELDS, _append_many, actor_context
from intreccio.audit.verify import verify_chain
from intreccio.cases.models import Case
from intreccio.oversight import review
from intreccio.oversight.models import ReviewDay, ReviewOperatorDay
from intreccio.oversight.tests.conftest import World, client_for, local, read, request_as

pytestmark = pytest.mark.usefixtures("english")

JUNE = (datetime.date(2025, 6, 1), datetime.date(2025, 6, 30))
WEDNESDAY = datetime.date(2025, 6, 4)
Read = tuple[Operator, datetime.datetime, str, str, str]


def plant(reads: list[Read]) -> None:
    """Append the reads to the access chain in the order given, whatever their times (as an import
    or a restore could): the audit service's own chain code, one lock and one insert. Times in UTC,
    as the service writes them (the hash covers the timestamp as text)."""
    contexts = {op.pk: actor_context(actor=op, request=request_as(op)) for op, *_rest in reads}
    rows = []
    for operator, when, object_type, object_id, purpose in reads:
        ctx = contexts[operator.pk]
        rows.append(
            AccessEvent(
                occurred_at=when.astimezone(datetime.UTC), actor=operator, actor_username=ctx.username, role=ctx.role,
                organisation_id=ctx.organisation_id, organisation_name=ctx.organisation_name,
                object_type=object_type, object_id=object_id, purpose=purpose, request_id="planted",
            )
        )  # fmt: skip
    with transaction.atomic():
        _append_many(ACCESS_CHAIN, ACCESS_FIELDS, list(rows))


EDGES = [(0, 0), (0, 1), (6, 59), (7, 0), (12, 30), (19, 59), (20, 0), (23, 59)]
PURPOSES = [
    "person_detail", "case_detail", "referral: case_detail", "break_the_glass: case_detail", "break_the_glass",
    "export: break_the_glass_grants; 3 rows", "team: case_detail",
]  # fmt: skip


def random_reads(world: World, rng: random.Random, days: list[datetime.date], count: int) -> list[Read]:
    """Reads with the awkward parts drawn often: the edges of working hours and of the day, Sundays,
    the other ambito's case, lists and ids that are not numbers, emergency purposes."""
    cases = [str(world.case_cremona.pk), str(world.case_crema.pk)]
    reads: list[Read] = []
    for _n in range(count):
        operator = rng.choice([world.alice, world.alice, world.bruno])
        hour, minute = rng.choice(EDGES) if rng.random() < 0.4 else (rng.randint(0, 23), rng.randint(0, 59))
        when = local(rng.choice(days), hour, minute) + datetime.timedelta(seconds=rng.randint(0, 59))
        kind = rng.random()
        if kind < 0.45:
            object_type, object_id = "people.person", rng.choice([str(rng.randint(1, 9)), "007", "7", "12a"])
        elif kind < 0.85:
            object_type, object_id = "cases.case", rng.choice([*cases, *cases, "due_checkins", "list"])
        else:
            object_type, object_id = rng.choice(["cases.casenote", "cases.case"]), str(rng.randint(1, 3))
        reads.append((operator, when, object_type, object_id, rng.choice(PURPOSES)))
    return reads


def oracle(date_from: datetime.date, date_to: datetime.date, threshold: int) -> dict[str, list[Any]]:
    """The four rules read plainly off every access row of the period, in Python."""
    start = local(date_from, 0)
    end = local(date_to + datetime.timedelta(days=1), 0)
    org_ambito = dict(Organisation.objects.values_list("pk", "ambito_id"))
    case_ambito = {str(pk): ambito for pk, ambito in Case.objects.values_list("pk", "ambito_id")}
    records: dict[tuple[Any, ...], set[tuple[str, str]]] = defaultdict(set)
    off: dict[tuple[Any, ...], list[datetime.datetime]] = defaultdict(list)
    outside: dict[tuple[Any, ...], list[AccessEvent]] = defaultdict(list)
    glass: dict[tuple[Any, ...], list[AccessEvent]] = defaultdict(list)
    for e in AccessEvent.objects.filter(occurred_at__gte=start, occurred_at__lt=end):
        moment = timezone.localtime(e.occurred_at)
        key = (moment.date(), e.actor_username)
        if re.fullmatch(r"[0-9]+", e.object_id):
            records[key].add((e.object_type, e.object_id))
        if moment.hour < 7 or moment.hour >= 20 or moment.isoweekday() == 7:
            off[key].append(e.occurred_at)
        if (
            e.object_type == "cases.case"
            and e.object_id in case_ambito
            and e.organisation_id in org_ambito
            and case_ambito[e.object_id] != org_ambito[e.organisation_id]
        ):
            outside[(e.actor_username, e.organisation_name, int(e.object_id))].append(e)
        if e.purpose == "break_the_glass" or e.purpose.startswith("break_the_glass:"):
            glass[(e.actor_username, e.object_type, e.object_id)].append(e)

    def bases(events: list[AccessEvent]) -> str:
        found = {e.purpose.split(":", 1)[0].strip() if ":" in e.purpose else "" for e in events}
        return ", ".join(sorted(b or "team or coordination group" for b in found))

    return {
        "many": sorted((day, user, len(r)) for (day, user), r in records.items() if len(r) > threshold),
        "off": sorted((day, user, len(m), min(m), max(m)) for (day, user), m in off.items()),
        "outside": sorted(
            (*key, len(events), min(e.occurred_at for e in events), max(e.occurred_at for e in events), bases(events))
            for key, events in outside.items()
        ),
        "glass": sorted(
            (*key, len(events), min(e.occurred_at for e in events), max(e.occurred_at for e in events))
            for key, events in glass.items()
        ),
    }


def as_rows(result: review.Review) -> dict[str, list[Any]]:
    return {
        "many": [(r.day, r.username, r.records) for r in result.many_records.rows],
        "off": [(r.day, r.username, r.reads, r.first, r.last) for r in result.off_hours.rows],
        "outside": [
            (r.username, r.organisation, r.case_id, r.reads, r.first, r.last, r.purposes)
            for r in result.outside_ambito.rows
        ],
        "glass": [
            (r.username, r.object_type, r.object_id, r.reads, r.first, r.last) for r in result.break_the_glass.rows
        ],
    }


def _sorted(rows: dict[str, list[Any]]) -> dict[str, list[Any]]:
    return {name: sorted(items) for name, items in rows.items()}


def totals(result: review.Review) -> tuple[int, ...]:
    return tuple(
        a.total for a in (result.many_records, result.off_hours, result.outside_ambito, result.break_the_glass)
    )


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
def test_kept_days_give_what_the_live_rules_and_the_log_give(world: World, seed: int, monkeypatch) -> None:
    rng = random.Random(seed)
    # June with its Sundays, or the end of summer time (Sunday 26 October 2025 has 25 hours).
    if seed % 2:
        date_from, date_to = datetime.date(2025, 6, 1), datetime.date(2025, 6, 14)
    else:
        date_from, date_to = datetime.date(2025, 10, 24), datetime.date(2025, 10, 31)
    days = [date_from + datetime.timedelta(days=n) for n in range((date_to - date_from).days + 1)]
    # "Today" inside the period: days before it are kept, today is live, later days (a clock ahead) too.
    today = days[-3]
    # A few reads just outside the period, which no rule may count.
    plant(random_reads(world, rng, days, 150) + random_reads(world, rng, [date_from - datetime.timedelta(days=1)], 5))
    for threshold in (2, 4):
        kept = review.review(date_from, date_to, threshold, today=today)
        live = review.review(date_from, date_to, threshold, today=today, keep=False)
        assert as_rows(kept) == as_rows(live) and totals(kept) == totals(live)
        assert _sorted(as_rows(kept)) == oracle(date_from, date_to, threshold)
    # Lists cut short: the kept days' first alerts are sorted and cut in the database, ties kept.
    with monkeypatch.context() as short:
        short.setattr(review, "SHOWN", 3)
        kept = review.review(date_from, date_to, 1, today=today)
        live = review.review(date_from, date_to, 1, today=today, keep=False)
        assert as_rows(kept) == as_rows(live) and totals(kept) == totals(live)
        assert len(kept.off_hours.rows) == 3 and kept.off_hours.more > 0
    # Days before today are kept whole, today up to the chain's head.
    assert set(ReviewDay.objects.values_list("day", flat=True)) == {d for d in days if d <= today}

    def same(today: datetime.date, threshold: int = 3) -> None:
        kept = review.review(date_from, date_to, threshold, today=today)
        live = review.review(date_from, date_to, threshold, today=today, keep=False)
        assert as_rows(kept) == as_rows(live) and totals(kept) == totals(live)
        assert _sorted(as_rows(kept)) == oracle(date_from, date_to, threshold)

    # Reads written late into the kept days, and more for today: today adds the rows after its
    # summary (not stored again: fewer than STORE_AFTER), the kept days follow.
    plant(random_reads(world, rng, days, 60))
    same(today)
    today_kept = ReviewDay.objects.get(day=today)
    plant(random_reads(world, rng, [today], 20))
    same(today)
    assert ReviewDay.objects.get(day=today).last_seq == today_kept.last_seq
    # Stored again after each look, and added to again.
    monkeypatch.setattr(review, "STORE_AFTER", 1)
    plant(random_reads(world, rng, [today], 20))
    same(today)
    assert ReviewDay.objects.get(day=today).last_seq > today_kept.last_seq
    plant(random_reads(world, rng, [today, days[0]], 20))
    same(today, threshold=2)
    # The next day: yesterday's summary, kept while it was today, misses the reads added to it but
    # not stored; they are found like late rows and the day is computed again.
    monkeypatch.setattr(review, "STORE_AFTER", 10_000)
    plant(random_reads(world, rng, [today], 10))
    same(today)
    same(today + datetime.timedelta(days=1))
    assert verify_chain(ACCESS_CHAIN).ok  # the planted reads are a valid part of the chain


def test_a_second_look_reads_the_kept_days_back(world: World) -> None:
    reads = [(world.alice, local(d, 22), "people.person", str(d.day), "person_detail") for d in review._days(*JUNE)]
    plant(reads)
    first = review.review(*JUNE)
    kept = dict(ReviewDay.objects.values_list("day", "computed_at"))
    assert len(kept) == 30

    def grouping(captured: CaptureQueriesContext) -> list[str]:
        table = AccessEvent._meta.db_table
        return [q["sql"] for q in captured.captured_queries if table in q["sql"] and "GROUP BY" in q["sql"]]

    with CaptureQueriesContext(connection) as second_look:
        second = review.review(*JUNE)
    assert as_rows(second) == as_rows(first) and len(second.off_hours.rows) == 30
    assert dict(ReviewDay.objects.values_list("day", "computed_at")) == kept  # reused, not computed again
    assert not grouping(second_look)  # no access row grouped: June is closed, nothing is live
    assert len(second_look) <= 10
    with CaptureQueriesContext(connection) as a_week:
        review.review(datetime.date(2025, 6, 1), datetime.date(2025, 6, 7))
    assert len(a_week) == len(second_look)  # the same few queries whatever the period's length

    # The control: without the kept days, every day's rows are grouped again.
    ReviewDay.objects.all().delete()
    with CaptureQueriesContext(connection) as forgotten:
        review.review(*JUNE)
    assert len(grouping(forgotten)) >= 30


def test_the_page_groups_only_todays_reads_on_a_second_view(world: World) -> None:
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    read(world.alice, local(yesterday, 22, 15))
    client = client_for(world.ugo)
    table = AccessEvent._meta.db_table

    def grouped(captured: CaptureQueriesContext) -> int:
        return sum(1 for q in captured.captured_queries if table in q["sql"] and "GROUP BY" in q["sql"])

    with CaptureQueriesContext(connection) as first:
        assert "22:15" in client.get(reverse("oversight:review")).content.decode()
    with CaptureQueriesContext(connection) as second:
        assert "22:15" in client.get(reverse("oversight:review")).content.decode()
    assert ReviewDay.objects.count() == 30  # the days of the default period, today up to the head
    assert grouped(first) >= 29
    assert grouped(second) == 1  # today's one grouped query, nothing else
    assert AccessEvent.objects.filter(object_type="oversight.review").count() == 2  # each view recorded


class TestNoDrift:
    def test_a_late_row_makes_its_day_computed_again_and_no_other(self, world: World) -> None:
        plant([(world.alice, local(WEDNESDAY, 10), "people.person", "1", "person_detail")])
        assert review.review(*JUNE).total == 0
        before = dict(ReviewDay.objects.values_list("day", "pk"))
        # A row with a higher seq but a time in a kept day: written late (an import, a restore).
        plant([(world.alice, local(WEDNESDAY, 22), "people.person", "2", "person_detail")])
        result = review.review(*JUNE)
        assert [(r.day, r.reads) for r in result.off_hours.rows] == [(WEDNESDAY, 1)]
        after = dict(ReviewDay.objects.values_list("day", "pk"))
        assert {day for day in after if after[day] != before[day]} == {WEDNESDAY}
        wednesday = ReviewDay.objects.get(day=WEDNESDAY)
        head = AccessEvent.objects.order_by("-seq").values_list("seq", flat=True).first()
        assert wednesday.last_seq == head and wednesday.reads == 2
        assert set(ReviewDay.objects.values_list("checked_seq", flat=True)) == {head}

    def test_rows_of_today_and_of_days_not_kept_change_no_kept_day(self, world: World) -> None:
        review.review(*JUNE)
        before = dict(ReviewDay.objects.values_list("day", "pk"))
        today = timezone.localdate()
        plant([
            (world.alice, local(today, 6), "people.person", "1", "person_detail"),
            (world.alice, local(datetime.date(2025, 7, 2), 6), "people.person", "1", "person_detail"),
        ])  # fmt: skip
        assert review.forget_late_days() == []
        assert dict(ReviewDay.objects.values_list("day", "pk")) == before

    def test_changed_rules_make_every_day_computed_again(self, world: World, monkeypatch) -> None:
        review.review(*JUNE)
        before = set(ReviewDay.objects.values_list("pk", flat=True))
        monkeypatch.setattr(review, "RULES_VERSION", review.RULES_VERSION + 1)
        review.review(*JUNE)
        assert not before & set(ReviewDay.objects.values_list("pk", flat=True))
        assert set(ReviewDay.objects.values_list("rules", flat=True)) == {review.rules()}

    def test_today_is_kept_up_to_the_head_and_then_added_to(self, world: World, monkeypatch) -> None:
        today = timezone.localdate()
        plant([(world.alice, local(today, 5), "people.person", "1", "person_detail")])
        result = review.review(today - datetime.timedelta(days=2), today)
        assert [(r.day, r.reads) for r in result.off_hours.rows] == [(today, 1)]
        summary = ReviewDay.objects.get(day=today)
        assert summary.last_seq == AccessEvent.objects.order_by("-seq").values_list("seq", flat=True).first()
        # Later reads of today: added by seq, one grouped query over them alone; the summary stays.
        plant([(world.alice, local(today, 6, n), "people.person", str(n), "person_detail") for n in range(1, 4)])
        with CaptureQueriesContext(connection) as look:
            result = review.review(today, today)
        assert [(r.day, r.reads) for r in result.off_hours.rows] == [(today, 4)]
        table = AccessEvent._meta.db_table
        grouped = [q["sql"] for q in look.captured_queries if table in q["sql"] and "GROUP BY" in q["sql"]]
        assert len(grouped) == 1 and "e.seq >" in grouped[0]
        assert ReviewDay.objects.get(day=today).pk == summary.pk
        # Once enough rows have come, the sum is stored.
        monkeypatch.setattr(review, "STORE_AFTER", 2)
        plant([(world.alice, local(today, 6, n), "people.person", str(n), "person_detail") for n in range(4, 6)])
        assert review.review(today, today).off_hours.rows[0].reads == 6
        stored = ReviewDay.objects.get(day=today)
        assert stored.last_seq > summary.last_seq and stored.reads == 6
        assert ReviewOperatorDay.objects.get(summary=stored).records == 5  # persons 1..5, person 1 twice

    def test_the_threshold_applies_to_kept_days_as_they_are_read(self, world: World) -> None:
        plant([(world.alice, local(WEDNESDAY, 10, n), "people.person", str(n), "person_detail") for n in range(6)])
        assert len(review.review(*JUNE, threshold=5).many_records.rows) == 1
        assert ReviewOperatorDay.objects.get().records == 6
        assert not review.review(*JUNE, threshold=6).many_records.rows


class TestCommand:
    def test_it_keeps_the_last_30_closed_days_once(self, world: World) -> None:
        yesterday = timezone.localdate() - datetime.timedelta(days=1)
        plant([(world.alice, local(yesterday, 22), "people.person", "1", "person_detail")])
        out = _call()
        assert "30 day(s) summarised" in out
        days = sorted(ReviewDay.objects.values_list("day", flat=True))
        assert days[0] == yesterday - datetime.timedelta(days=29) and days[-2:] == [yesterday, timezone.localdate()]
        assert "0 day(s) summarised, all kept already" in _call()
        # The page then reads yesterday back: it computes only today's first day of the period.
        before = ReviewDay.objects.get(day=yesterday).pk
        assert "22:00" in client_for(world.ugo).get(reverse("oversight:review")).content.decode()
        assert ReviewDay.objects.get(day=yesterday).pk == before

    def test_a_chosen_period_and_today_up_to_the_head(self, world: World) -> None:
        today = timezone.localdate()
        plant([(world.alice, local(today, 5), "people.person", "1", "person_detail")])
        out = _call("--from", f"{today - datetime.timedelta(days=1):%d/%m/%Y}", "--to", f"{today:%d/%m/%Y}")
        assert "1 day(s) summarised" in out and "1 read(s)" in out
        assert sorted(ReviewDay.objects.values_list("day", flat=True)) == [today - datetime.timedelta(days=1), today]
        # Run again later: today's summary is stored again with the one new read, however few.
        plant([(world.alice, local(today, 6), "people.person", "2", "person_detail")])
        assert "2 read(s)" in _call()
        assert ReviewDay.objects.get(day=today).reads == 2

    @pytest.mark.parametrize(
        ("args", "message"),
        [(["--from", "31/02/2025"], "--from"), (["--from", "02/06/2025", "--to", "01/06/2025"], "after")],
    )
    def test_wrong_days_are_refused(self, world: World, args: list[str], message: str) -> None:
        with pytest.raises(CommandError, match=message):
            _call(*args)
        assert not ReviewDay.objects.exists()


def _call(*args: str) -> str:
    from io import StringIO

    out = StringIO()
    call_command("summarise_access_review", *args, stdout=out)
    return out.getvalue()
