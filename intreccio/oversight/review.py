"""Unusual access for the auditor's review (Garante's health-dossier guidelines; SECURITY.md R4, R8).

Four rules over the access log of a period:

(a) an operator read more than ``INTRECCIO_REVIEW_DAILY_RECORDS`` distinct records (default 50) in
    one day (a record: one person, case, intake… by its id; list pages are not records);
(b) reads off hours: before 07:00 or from 20:00 (Europe/Rome), and on Sundays;
(c) reads of a case outside the ambito of the reader's organisation;
(d) reads through break-the-glass (the purpose starts with ``break_the_glass:``).

A busy ambito writes some 60,000 access rows a day, and a month of them cannot be grouped while
the auditor waits. Every rule is a sum of per-day findings, though: (a) and (b) are per operator
and day already, (c) and (d) add up the reads of the same operator and object over the days. And
the log is append-only, so a closed day's findings never change. So each closed local day is
computed once (``summarise_day``: one grouped query over that day's rows only) and kept in the
``ReviewDay`` tables; a period reads the kept days. Today is kept too, as far as it has gone
(``open_day``): a look adds what the rows appended since its summary bring (found by ``seq``; a
record counts when the operator had not read it earlier that day) and stores the sum once those
rows are many. ``manage.py summarise_access_review`` does the same from cron.

The kept days cannot drift. A day counts the rows with ``seq`` up to the chain head at the time
(``last_seq``; every row up to the head is committed, since rows and head commit together). Each
review first looks at the rows appended since its last look (``checked_seq``): one with a time in a
kept day and a higher ``seq`` than that day counted (a late row: the application never writes one,
but a restored or imported log could) makes the day computed again; so do changed rules
(``rules()``). Whether a case and an organisation are in different ambiti is read when the day is
summarised: the application never moves either to another ambito (a case that leaves is closed).
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import Min, QuerySet
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from intreccio.accounts.models import Organisation
from intreccio.audit.models import AccessEvent, AuditChain
from intreccio.audit.services import ACCESS_CHAIN
from intreccio.cases.models import Case
from intreccio.oversight.models import ReviewCaseRead, ReviewDay, ReviewGlassRead, ReviewOperatorDay
from intreccio.territory.models import Ambito

DEFAULT_DAILY_RECORDS = 50
DEFAULT_PERIOD_DAYS = 30
# Working hours: a read before 07:00 or from 20:00 local time is off hours; so is any read on Sunday.
DAY_STARTS = 7
EVENING_STARTS = 20
CASE_TYPE = "cases.case"
BREAK_THE_GLASS = "break_the_glass"
# Each list is cut at this length; the count of the rest is shown.
SHOWN = 200
# Bumped whenever what a kept day holds changes meaning; kept days of other rules are computed again.
RULES_VERSION = 1


def rules() -> str:
    """The rules a kept day was computed with: a change makes every day computed again."""
    return f"{RULES_VERSION};{DAY_STARTS}-{EVENING_STARTS};{settings.TIME_ZONE}"


def daily_threshold() -> int:
    return int(getattr(settings, "INTRECCIO_REVIEW_DAILY_RECORDS", DEFAULT_DAILY_RECORDS))


def default_period(today: datetime.date | None = None) -> tuple[datetime.date, datetime.date]:
    """The last 30 days, today included."""
    end = today or timezone.localdate()
    return end - datetime.timedelta(days=DEFAULT_PERIOD_DAYS - 1), end


def _at(day: datetime.date, hour: int = 0) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))


def _bounds(date_from: datetime.date, date_to: datetime.date) -> tuple[datetime.datetime, datetime.datetime]:
    """Whole local days: the period ends at midnight after ``date_to``."""
    return _at(date_from), _at(date_to + datetime.timedelta(days=1))


def _days(date_from: datetime.date, date_to: datetime.date) -> list[datetime.date]:
    return [date_from + datetime.timedelta(days=n) for n in range((date_to - date_from).days + 1)]


def _moment(value: datetime.datetime | str) -> datetime.datetime:
    """A timestamp from a raw query: SQLite gives the stored UTC text, PostgreSQL a datetime."""
    moment = parse_datetime(value) if isinstance(value, str) else value
    if moment is None:
        raise ValueError(f"Not a timestamp: {value!r}")
    return timezone.make_aware(moment, datetime.UTC) if timezone.is_naive(moment) else moment


def _maybe_moment(value: datetime.datetime | str | None) -> datetime.datetime | None:
    return None if value is None else _moment(value)


# --- what the page shows --------------------------------------------------------------------------


@dataclass(frozen=True)
class ManyRecords:
    day: datetime.date
    actor_id: int
    username: str
    records: int


@dataclass(frozen=True)
class OffHours:
    day: datetime.date
    actor_id: int
    username: str
    reads: int
    first: datetime.datetime
    last: datetime.datetime

    @property
    def sunday(self) -> bool:
        return self.day.isoweekday() == 7


@dataclass(frozen=True)
class OutsideAmbito:
    actor_id: int
    username: str
    organisation: str
    case_id: int
    case_number: str
    case_ambito: str
    reads: int
    first: datetime.datetime
    last: datetime.datetime
    purposes: str


@dataclass(frozen=True)
class BreakGlassRead:
    actor_id: int
    username: str
    organisation: str
    object_type: str
    object_id: str
    reads: int
    first: datetime.datetime
    last: datetime.datetime


T = TypeVar("T")


@dataclass
class Alerts(Generic[T]):
    rows: list[T]
    total: int

    @property
    def more(self) -> int:
        return self.total - len(self.rows)


@dataclass
class Review:
    date_from: datetime.date
    date_to: datetime.date
    threshold: int
    many_records: Alerts[ManyRecords]
    off_hours: Alerts[OffHours]
    outside_ambito: Alerts[OutsideAmbito]
    break_the_glass: Alerts[BreakGlassRead]

    @property
    def total(self) -> int:
        return self.many_records.total + self.off_hours.total + self.outside_ambito.total + self.break_the_glass.total


def _cut(rows: list[T]) -> Alerts[T]:
    return Alerts(rows=rows[:SHOWN], total=len(rows))


# --- one day's findings, computed or kept ---------------------------------------------------------


@dataclass(frozen=True)
class OperatorDay:
    """(a) and (b) for one operator and day."""

    day: datetime.date
    actor_id: int
    username: str
    records: int
    off_reads: int
    first_off: datetime.datetime | None
    last_off: datetime.datetime | None


@dataclass(frozen=True)
class CaseReads:
    """(c): one operator's reads, in one day and through one organisation, of another ambito's case."""

    actor_id: int
    username: str
    organisation_id: int
    organisation_name: str
    case_id: int
    case_ambito_id: int
    reads: int
    first: datetime.datetime
    last: datetime.datetime
    bases: frozenset[str]


@dataclass(frozen=True)
class GlassReads:
    """(d): one operator's reads, in one day, of one object through break-the-glass."""

    actor_id: int
    username: str
    organisation_name: str
    object_type: str
    object_id: str
    reads: int
    first: datetime.datetime
    last: datetime.datetime


@dataclass
class DayFindings:
    day: datetime.date
    reads: int = 0
    operators: list[OperatorDay] = field(default_factory=list)
    cases: list[CaseReads] = field(default_factory=list)
    glass: list[GlassReads] = field(default_factory=list)


def _tables() -> dict[str, str]:
    quote = connection.ops.quote_name
    return {
        "events": quote(AccessEvent._meta.db_table),
        "organisations": quote(Organisation._meta.db_table),
        "cases": quote(Case._meta.db_table),
    }


def _adapt(moment: datetime.datetime) -> Any:
    return connection.ops.adapt_datetimefield_value(moment)


# A record is one row of the database (a person, a case…) named by a numeric id: lists and searches,
# recorded with ids such as "list" or "due_checkins", are not records. GLOB is SQLite's own matcher,
# much cheaper than the REGEXP function Django adds to it.
_DIGITS = {
    "postgresql": "r.object_id ~ '^[0-9]+$'",
    "sqlite": "(r.object_id <> '' AND r.object_id NOT GLOB '*[^0-9]*')",
}

# One day in one statement and one pass over its rows: the reads are grouped by operator,
# organisation, object and purpose (a few thousand groups for 60,000 reads), and the three rules
# are read off those groups:
#   'o' (a, b): per operator, the numeric objects counted once, the reads off hours;
#   'c' (c): the groups of a case whose ambito is not the organisation's. The case is joined by its
#       id written as text (list pages such as "due_checkins" match no case); casting the case's
#       integer id is always safe, casting the text could fail;
#   'g' (d): the groups whose purpose is break-the-glass (SUBSTR, not LIKE: "_" is no wildcard).
# The groups are computed once (PostgreSQL 12+ and SQLite 3.35+ materialise a CTE used thrice).
_DAY_SQL = """
WITH g AS (
  SELECT e.actor_id, e.organisation_id, e.object_type, e.object_id, e.purpose,
    MAX(e.actor_username) AS username, MAX(e.organisation_name) AS org_name, COUNT(*) AS reads,
    SUM(CASE WHEN e.occurred_at < %(day_starts)s OR e.occurred_at >= %(evening)s THEN 1 ELSE 0 END) AS off_reads,
    MIN(CASE WHEN e.occurred_at < %(day_starts)s OR e.occurred_at >= %(evening)s THEN e.occurred_at END) AS first_off,
    MAX(CASE WHEN e.occurred_at < %(day_starts)s OR e.occurred_at >= %(evening)s THEN e.occurred_at END) AS last_off,
    MIN(e.occurred_at) AS first_at, MAX(e.occurred_at) AS last_at
  FROM {events} e
  WHERE {at} >= %(start)s AND {at} < %(end)s AND e.seq > %(after)s AND e.seq <= %(seq)s AND e.actor_id IS NOT NULL
  GROUP BY e.actor_id, e.organisation_id, e.object_type, e.object_id, e.purpose
)
SELECT 'o', r.actor_id, NULL, NULL, NULL, NULL, MAX(r.username), NULL, SUM(r.reads),
  SUM(CASE WHEN {digits}{new} THEN 1 ELSE 0 END), SUM(r.off_reads), MIN(r.first_off), MAX(r.last_off)
FROM (
  SELECT g.actor_id, g.object_type, g.object_id, MAX(g.username) AS username, SUM(g.reads) AS reads,
    SUM(g.off_reads) AS off_reads, MIN(g.first_off) AS first_off, MAX(g.last_off) AS last_off
  FROM g GROUP BY g.actor_id, g.object_type, g.object_id
) r
GROUP BY r.actor_id
UNION ALL
SELECT 'c', g.actor_id, g.organisation_id, g.object_type, g.object_id, g.purpose, g.username, g.org_name,
  g.reads, c.ambito_id, NULL, g.first_at, g.last_at
FROM g
JOIN {organisations} o ON o.id = g.organisation_id
JOIN {cases} c ON CAST(c.id AS VARCHAR(64)) = g.object_id
WHERE g.object_type = %(case_type)s AND c.ambito_id <> o.ambito_id
UNION ALL
SELECT 'g', g.actor_id, g.organisation_id, g.object_type, g.object_id, g.purpose, g.username, g.org_name,
  g.reads, NULL, NULL, g.first_at, g.last_at
FROM g
WHERE g.purpose = %(glass)s OR SUBSTR(g.purpose, 1, %(glass_prefix_length)s) = %(glass_prefix)s
"""
# Only the rows after ``after`` (today's since its last summary): a record counts as new when the
# operator did not read it earlier that day (the object index finds the earlier reads of it).
_NEW_RECORD = (
    " AND NOT EXISTS (SELECT 1 FROM {events} p WHERE p.object_type = r.object_type AND p.object_id = r.object_id"
    " AND p.occurred_at >= %(start)s AND p.occurred_at < %(end)s AND p.actor_id = r.actor_id AND p.seq <= %(after)s)"
)
# Only today's newest rows: found by seq. SQLite would rather take the time index (the two ranges
# look alike to it); a unary "+" keeps it off that index. PostgreSQL weighs the ranges itself.
_RECENT_AT = {"sqlite": "+e.occurred_at"}
# The day's groups fit in memory: without this PostgreSQL's default 4 MB sorts them on disk.
_POSTGRES_WORK_MEM = "SET LOCAL work_mem = '32MB'"


def _basis(purpose: str) -> str:
    """Why a read was allowed: the purpose's prefix (``referral``, ``break_the_glass``…), or ""."""
    return purpose.split(":", 1)[0].strip() if ":" in purpose else ""


def compute_day(day: datetime.date, *, up_to_seq: int | None = None, after_seq: int = 0) -> DayFindings:
    """The findings of one local day, from the access rows with ``seq`` up to ``up_to_seq``.

    With ``after_seq``, only the rows after it: what they add to the day's summary up to it, where
    an operator's ``records`` are the records they had not read before that day.
    """
    start, end = _bounds(day, day)
    # Off hours: before the working day starts or from the evening; a Sunday's day never starts.
    sunday = day.isoweekday() == 7
    day_starts, evening = (start, start) if sunday else (_at(day, DAY_STARTS), _at(day, EVENING_STARTS))
    params = {
        "day_starts": _adapt(day_starts),
        "evening": _adapt(evening),
        "start": _adapt(start),
        "end": _adapt(end),
        "seq": up_to_seq if up_to_seq is not None else 2**62,
        "after": after_seq,
        "case_type": CASE_TYPE,
        "glass": BREAK_THE_GLASS,
        "glass_prefix": f"{BREAK_THE_GLASS}:",
        "glass_prefix_length": len(BREAK_THE_GLASS) + 1,
    }
    # Table names from the models' metadata, quoted; every value is a query parameter.
    tables = _tables()
    sql = _DAY_SQL.format(
        digits=_DIGITS.get(connection.vendor, _DIGITS["postgresql"]),
        new=_NEW_RECORD.format(**tables) if after_seq else "",
        at=_RECENT_AT.get(connection.vendor, "e.occurred_at") if after_seq else "e.occurred_at",
        **tables,
    )
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(_POSTGRES_WORK_MEM)
        cursor.execute(sql, params)  # nosec B608
        rows = cursor.fetchall()
    found = DayFindings(day=day)
    cases: dict[tuple[int, int, str], list[Any]] = {}
    glass: dict[tuple[int, str, str], list[Any]] = {}
    for kind, actor_id, org_id, object_type, object_id, purpose, username, org_name, reads, n, off, first, last in rows:
        if kind == "o":
            found.reads += int(reads)
            if n or off:
                first_off, last_off = _maybe_moment(first), _maybe_moment(last)
                found.operators.append(OperatorDay(day, actor_id, username, int(n), int(off), first_off, last_off))
            continue
        first, last = _moment(first), _moment(last)
        if kind == "c":
            group = cases.setdefault((actor_id, org_id, object_id), [0, first, last, "", "", n, set()])
            group[6].add(_basis(purpose))
        else:
            group = glass.setdefault((actor_id, object_type, object_id), [0, first, last, "", ""])
        group[0] += int(reads)
        group[1], group[2] = min(group[1], first), max(group[2], last)
        group[3], group[4] = max(group[3], username), max(group[4], org_name)
    found.cases = [
        CaseReads(actor_id, u, org_id, o, int(object_id), a, n, f, la, frozenset(b))
        for (actor_id, org_id, object_id), (n, f, la, u, o, a, b) in cases.items()
    ]
    found.glass = [
        GlassReads(actor_id, u, o, object_type, object_id, n, f, la)
        for (actor_id, object_type, object_id), (n, f, la, u, o) in glass.items()
    ]
    return found


# --- kept days ------------------------------------------------------------------------------------


def _head() -> int:
    """The access chain's last seq: every row up to it is committed (rows and head commit together)."""
    return AuditChain.objects.filter(name=ACCESS_CHAIN).values_list("last_seq", flat=True).first() or 0


def _store(found: DayFindings, *, last_seq: int) -> None:
    with transaction.atomic():
        ReviewDay.objects.filter(day=found.day).delete()
        try:
            with transaction.atomic():
                summary = ReviewDay.objects.create(
                    day=found.day,
                    rules=rules(),
                    last_seq=last_seq,
                    checked_seq=last_seq,
                    reads=found.reads,
                    computed_at=timezone.now(),
                )
        except IntegrityError:
            return  # another review summarised the day at the same moment: its rows stand
        ReviewOperatorDay.objects.bulk_create(
            ReviewOperatorDay(
                summary=summary, actor_id=o.actor_id, username=o.username, records=o.records,
                off_reads=o.off_reads, first_off=o.first_off, last_off=o.last_off,
            )
            for o in found.operators
        )  # fmt: skip
        ReviewCaseRead.objects.bulk_create(
            ReviewCaseRead(
                summary=summary, actor_id=c.actor_id, username=c.username, organisation_id=c.organisation_id,
                organisation_name=c.organisation_name, case_id=c.case_id, case_ambito_id=c.case_ambito_id,
                reads=c.reads, first=c.first, last=c.last, bases=sorted(c.bases),
            )
            for c in found.cases
        )  # fmt: skip
        ReviewGlassRead.objects.bulk_create(
            ReviewGlassRead(
                summary=summary, actor_id=g.actor_id, username=g.username, organisation_name=g.organisation_name,
                object_type=g.object_type, object_id=g.object_id, reads=g.reads, first=g.first, last=g.last,
            )
            for g in found.glass
        )  # fmt: skip


def summarise_day(day: datetime.date, *, head: int | None = None) -> DayFindings:
    """Compute a closed day and keep it, replacing what was kept for it; ``head``: the chain's head."""
    head = _head() if head is None else head
    found = compute_day(day, up_to_seq=head)
    _store(found, last_seq=head)
    return found


def forget_late_days(*, today: datetime.date | None = None) -> list[datetime.date]:
    """Drop the kept days that a row appended since the last look falls into; the days dropped.

    Only the rows after the oldest ``checked_seq`` are read (by ``seq``, its unique index): after
    the nightly command or a page view, that is today's rows so far, or the few since.
    """
    checked = ReviewDay.objects.aggregate(low=Min("checked_seq"))["low"]
    if checked is None:
        return []
    head = _head()
    if head <= checked:
        return []
    today = today or timezone.localdate()
    first_live = _at(today)
    latest: dict[datetime.date, int] = {}
    for seq, moment in (
        AccessEvent.objects.filter(seq__gt=checked, seq__lte=head, occurred_at__lt=first_live)
        .order_by()
        .values_list("seq", "occurred_at")
    ):
        day = timezone.localtime(moment).date()
        latest[day] = max(seq, latest.get(day, 0))
    stale = [
        day
        for day, last_seq in ReviewDay.objects.filter(day__in=latest).values_list("day", "last_seq")
        if latest[day] > last_seq
    ]
    ReviewDay.objects.filter(day__in=stale).delete()
    # Today's partial summary is checked by its own rows after ``last_seq``, not here (its rows were
    # not read above): its mark stays, so once the day is over its late rows are found like others.
    ReviewDay.objects.filter(checked_seq__lt=head, day__lt=today).update(checked_seq=head)
    return sorted(stale)


def summarise(
    date_from: datetime.date, date_to: datetime.date, *, today: datetime.date | None = None
) -> list[datetime.date]:
    """Keep every closed day of the period not kept yet (or kept stale); the days computed."""
    today = today or timezone.localdate()
    forget_late_days(today=today)
    last = min(date_to, today - datetime.timedelta(days=1))
    if last < date_from:
        return []
    kept = set(ReviewDay.objects.filter(day__range=(date_from, last), rules=rules()).values_list("day", flat=True))
    missing = [day for day in _days(date_from, last) if day not in kept]
    head = _head() if missing else 0
    for day in missing:
        summarise_day(day, head=head)
    return missing


@dataclass
class Kept:
    """The kept findings of a period: (a) and (b) the first alerts in the page's order and how many
    more there are; (c) and (d) every day's groups, to be added up."""

    many: list[ManyRecords]
    many_more: int
    late: list[OffHours]
    late_more: int
    parts: DayFindings


def _first(rows: QuerySet[ReviewOperatorDay], order: tuple[str, ...], fields: tuple[str, ...]) -> tuple[list[Any], int]:
    """The first ``SHOWN`` rows in ``order`` and every row tied with the last of them (the page
    breaks ties by username in Python), and the count of the others."""
    total = rows.count()
    first = list(rows.order_by(*order).values_list(*fields)[:SHOWN]) if total else []
    if total > SHOWN:
        last = first[-1]
        ties = {name.lstrip("-"): last[fields.index(name.lstrip("-"))] for name in order}
        seen = {row[0] for row in first}
        first += [row for row in rows.filter(**ties).values_list(*fields) if row[0] not in seen]
    return first, total - len(first)


def _kept(date_from: datetime.date, date_to: datetime.date, threshold: int) -> Kept:
    """What the kept days of a period (all kept) give; (a) and (b) are sorted and cut in the database."""
    period = {"summary__day__range": (date_from, date_to)}
    operator_days = ReviewOperatorDay.objects.filter(**period)
    many, many_more = _first(
        operator_days.filter(records__gt=threshold),
        ("-records", "-summary__day"),
        ("id", "records", "summary__day", "actor_id", "username"),
    )
    late, late_more = _first(
        operator_days.filter(off_reads__gt=0),
        ("-summary__day",),
        ("id", "summary__day", "actor_id", "username", "off_reads", "first_off", "last_off"),
    )
    parts = DayFindings(day=date_from)
    parts.cases = [
        CaseReads(a, u, oid, o, cid, amb, n, f, la, frozenset(b))
        for a, u, oid, o, cid, amb, n, f, la, b in ReviewCaseRead.objects.filter(**period).values_list(
            "actor_id", "username", "organisation_id", "organisation_name", "case_id", "case_ambito_id", "reads",
            "first", "last", "bases",
        )
    ]  # fmt: skip
    parts.glass = [
        GlassReads(*row)
        for row in ReviewGlassRead.objects.filter(**period).values_list(
            "actor_id", "username", "organisation_name", "object_type", "object_id", "reads", "first", "last"
        )
    ]
    return Kept(
        many=[ManyRecords(day, actor_id, username, records) for _id, records, day, actor_id, username in many],
        many_more=many_more,
        late=[OffHours(day, a, u, n, first, last) for _id, day, a, u, n, first, last in late],
        late_more=late_more,
        parts=parts,
    )


# --- today ---------------------------------------------------------------------------------------

# Today's summary is kept too, up to the chain head of its last store; a look computes only the rows
# appended since (by seq) and stores the sum again once they are this many.
STORE_AFTER = 2000


def _load(summary: ReviewDay) -> DayFindings:
    """A kept day's every row, as computed."""
    found = DayFindings(day=summary.day, reads=summary.reads)
    found.operators = [
        OperatorDay(summary.day, *row)
        for row in summary.operators.values_list(
            "actor_id", "username", "records", "off_reads", "first_off", "last_off"
        )
    ]
    found.cases = [
        CaseReads(a, u, oid, o, cid, amb, n, f, la, frozenset(b))
        for a, u, oid, o, cid, amb, n, f, la, b in summary.case_reads.values_list(
            "actor_id", "username", "organisation_id", "organisation_name", "case_id", "case_ambito_id", "reads",
            "first", "last", "bases",
        )
    ]  # fmt: skip
    found.glass = [
        GlassReads(*row)
        for row in summary.glass_reads.values_list(
            "actor_id", "username", "organisation_name", "object_type", "object_id", "reads", "first", "last"
        )
    ]
    return found


def _earliest(a: datetime.datetime | None, b: datetime.datetime | None) -> datetime.datetime | None:
    return b if a is None else a if b is None else min(a, b)


def _latest(a: datetime.datetime | None, b: datetime.datetime | None) -> datetime.datetime | None:
    return b if a is None else a if b is None else max(a, b)


def _add(kept: DayFindings, delta: DayFindings) -> DayFindings:
    """A day's summary up to some seq plus what the rows after it add (``compute_day(after_seq=…)``)."""
    found = DayFindings(day=kept.day, reads=kept.reads + delta.reads)
    operators = {o.actor_id: o for o in kept.operators}
    for d in delta.operators:
        o = operators.get(d.actor_id)
        operators[d.actor_id] = d if o is None else OperatorDay(
            o.day, o.actor_id, max(o.username, d.username), o.records + d.records, o.off_reads + d.off_reads,
            _earliest(o.first_off, d.first_off), _latest(o.last_off, d.last_off),
        )  # fmt: skip
    found.operators = list(operators.values())
    cases: dict[tuple[int, int, int], CaseReads] = {}
    for c in [*kept.cases, *delta.cases]:
        seen = cases.get((c.actor_id, c.organisation_id, c.case_id))
        cases[(c.actor_id, c.organisation_id, c.case_id)] = c if seen is None else _case_sum(seen, c)
    found.cases = list(cases.values())
    glass: dict[tuple[int, str, str], GlassReads] = {}
    for g in [*kept.glass, *delta.glass]:
        seen_glass = glass.get((g.actor_id, g.object_type, g.object_id))
        glass[(g.actor_id, g.object_type, g.object_id)] = g if seen_glass is None else _glass_sum(seen_glass, g)
    found.glass = list(glass.values())
    return found


def open_day(day: datetime.date, *, store_after: int | None = None) -> DayFindings:
    """Today's findings: its kept summary plus the rows appended since, stored again when they are
    ``store_after`` (default ``STORE_AFTER``) or more."""
    with transaction.atomic():
        head = _head()
        # One look at a time brings the day's summary forward (another waits, then reads it).
        summary = ReviewDay.objects.select_for_update().filter(day=day, rules=rules()).first()
        if summary is None:
            found = compute_day(day, up_to_seq=head)
            _store(found, last_seq=head)
            return found
        kept = _load(summary)
        if summary.last_seq >= head:
            return kept
        delta = compute_day(day, after_seq=summary.last_seq, up_to_seq=head)
        found = _add(kept, delta)
        if delta.reads >= (STORE_AFTER if store_after is None else store_after):
            _store(found, last_seq=head)
        return found


# --- the period -----------------------------------------------------------------------------------


def _later_days(date_from: datetime.date, date_to: datetime.date) -> list[datetime.date]:
    """Days after today in the period with any read (a clock ahead): normally none, in one query."""
    if date_to < date_from:
        return []
    start, end = _bounds(date_from, date_to)
    moments = (
        AccessEvent.objects.filter(occurred_at__gte=start, occurred_at__lt=end)
        .order_by()
        .datetimes("occurred_at", "day", tzinfo=timezone.get_current_timezone())
    )
    return sorted({moment.date() for moment in moments})


def _case_sum(a: CaseReads, b: CaseReads) -> CaseReads:
    return CaseReads(
        a.actor_id, max(a.username, b.username), a.organisation_id, max(a.organisation_name, b.organisation_name),
        a.case_id, a.case_ambito_id, a.reads + b.reads, min(a.first, b.first), max(a.last, b.last), a.bases | b.bases,
    )  # fmt: skip


def _glass_sum(a: GlassReads, b: GlassReads) -> GlassReads:
    return GlassReads(
        a.actor_id, max(a.username, b.username), max(a.organisation_name, b.organisation_name), a.object_type,
        a.object_id, a.reads + b.reads, min(a.first, b.first), max(a.last, b.last),
    )  # fmt: skip


def _merge_cases(items: Iterable[CaseReads]) -> list[OutsideAmbito]:
    merged: dict[tuple[int, int, int], CaseReads] = {}
    for c in items:
        key = (c.actor_id, c.organisation_id, c.case_id)
        seen = merged.get(key)
        merged[key] = c if seen is None else _case_sum(seen, c)
    ordered = sorted(merged.values(), key=lambda c: (-c.last.timestamp(), str(c.case_id), c.actor_id))
    shown = ordered[:SHOWN]
    numbers = dict(Case.objects.filter(pk__in={c.case_id for c in shown}).values_list("pk", "number"))
    ambiti = dict(Ambito.objects.filter(pk__in={c.case_ambito_id for c in shown}).values_list("pk", "name"))
    team = _("team or coordination group")
    return [
        OutsideAmbito(
            actor_id=c.actor_id,
            username=c.username,
            organisation=c.organisation_name,
            case_id=c.case_id,
            case_number=numbers.get(c.case_id) or "" if index < SHOWN else "",
            case_ambito=ambiti.get(c.case_ambito_id, "") if index < SHOWN else "",
            reads=c.reads,
            first=c.first,
            last=c.last,
            purposes=", ".join(sorted(basis or team for basis in c.bases)),
        )
        for index, c in enumerate(ordered)
    ]


def _merge_glass(items: Iterable[GlassReads]) -> list[BreakGlassRead]:
    merged: dict[tuple[int, str, str], GlassReads] = {}
    for g in items:
        key = (g.actor_id, g.object_type, g.object_id)
        seen = merged.get(key)
        merged[key] = g if seen is None else _glass_sum(seen, g)
    ordered = sorted(merged.values(), key=lambda g: (-g.last.timestamp(), g.username, g.object_type, g.object_id))
    return [
        BreakGlassRead(
            g.actor_id, g.username, g.organisation_name, g.object_type, g.object_id, g.reads, g.first, g.last
        )
        for g in ordered
    ]


def review(
    date_from: datetime.date,
    date_to: datetime.date,
    threshold: int | None = None,
    *,
    today: datetime.date | None = None,
    keep: bool = True,
) -> Review:
    """The alerts of a period: closed days from their kept summaries (made now if missing), today
    and any later day computed live. ``keep=False`` computes every day live and keeps nothing."""
    limit = daily_threshold() if threshold is None else threshold
    today = today or timezone.localdate()
    last_closed = min(date_to, today - datetime.timedelta(days=1))
    parts: list[DayFindings] = []
    kept = Kept(many=[], many_more=0, late=[], late_more=0, parts=DayFindings(day=date_from))
    if last_closed >= date_from:
        if keep:
            summarise(date_from, last_closed, today=today)
            kept = _kept(date_from, last_closed, limit)
        else:
            parts += [compute_day(day) for day in _days(date_from, last_closed)]
    if date_from <= today <= date_to:
        parts.append(open_day(today) if keep else compute_day(today))
    tomorrow = max(date_from, today + datetime.timedelta(days=1))
    parts += [compute_day(day) for day in _later_days(tomorrow, date_to)]

    operators = [o for part in parts for o in part.operators]
    many = kept.many + [ManyRecords(o.day, o.actor_id, o.username, o.records) for o in operators if o.records > limit]
    late = kept.late + [
        OffHours(o.day, o.actor_id, o.username, o.off_reads, o.first_off, o.last_off)
        for o in operators
        if o.off_reads and o.first_off is not None and o.last_off is not None
    ]
    many.sort(key=lambda m: (-m.records, -m.day.toordinal(), m.username))
    late.sort(key=lambda o: (-o.day.toordinal(), o.username))
    parts.append(kept.parts)
    return Review(
        date_from=date_from,
        date_to=date_to,
        threshold=limit,
        many_records=Alerts(rows=many[:SHOWN], total=len(many) + kept.many_more),
        off_hours=Alerts(rows=late[:SHOWN], total=len(late) + kept.late_more),
        outside_ambito=_cut(_merge_cases(c for part in parts for c in part.cases)),
        break_the_glass=_cut(_merge_glass(g for part in parts for g in part.glass)),
    )
