"""Unusual access for the auditor's review (Garante's health-dossier guidelines; SECURITY.md R4, R8).

Four rules over the access log of a period:

(a) an operator read more than ``INTRECCIO_REVIEW_DAILY_RECORDS`` distinct records (default 50) in
    one day (a record: one person, case, intake… by its id; list pages are not records);
(b) reads off hours: before 07:00 or from 20:00 (Europe/Rome), and on Sundays;
(c) reads of a case outside the ambito of the reader's organisation;
(d) reads through break-the-glass (the purpose starts with ``break_the_glass:``).

A busy ambito writes some 60,000 access rows a day, so every rule aggregates in the database and
only the alerts come back: (a) and (b) group by operator and local day, (d) by operator and object.
(c) joins the case and the reader's organisation in SQL to find the (organisation, case) pairs that
cross an ambito; ``object_id`` is text (lists write ``cases.case:due_checkins``), so the join compares
it with the case's id cast to text, never the other way round. Only those pairs come back for the
per-operator detail.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Generic, TypeVar

from django.conf import settings
from django.db import connection
from django.db.models import Count, Max, Min, Q, QuerySet, Value
from django.db.models.functions import Concat, ExtractHour, ExtractWeekDay, TruncDate
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from intreccio.accounts.models import Organisation
from intreccio.audit.models import AccessEvent
from intreccio.cases.models import Case
from intreccio.territory.models import Ambito

DEFAULT_DAILY_RECORDS = 50
DEFAULT_PERIOD_DAYS = 30
# Working hours: a read before 07:00 or from 20:00 local time is off hours; so is any read on Sunday.
DAY_STARTS = 7
EVENING_STARTS = 20
SUNDAY = 1  # Django's week_day: 1 = Sunday … 7 = Saturday, on every database
CASE_TYPE = "cases.case"
BREAK_THE_GLASS = "break_the_glass"
# Each list is cut at this length; the count of the rest is shown.
SHOWN = 200


def daily_threshold() -> int:
    return int(getattr(settings, "INTRECCIO_REVIEW_DAILY_RECORDS", DEFAULT_DAILY_RECORDS))


def default_period(today: datetime.date | None = None) -> tuple[datetime.date, datetime.date]:
    """The last 30 days, today included."""
    end = today or timezone.localdate()
    return end - datetime.timedelta(days=DEFAULT_PERIOD_DAYS - 1), end


def _bounds(date_from: datetime.date, date_to: datetime.date) -> tuple[datetime.datetime, datetime.datetime]:
    """Whole local days: the period ends at midnight after ``date_to``."""
    start = timezone.make_aware(datetime.datetime.combine(date_from, datetime.time.min))
    end = timezone.make_aware(datetime.datetime.combine(date_to + datetime.timedelta(days=1), datetime.time.min))
    return start, end


def _in_period(date_from: datetime.date, date_to: datetime.date) -> QuerySet[AccessEvent]:
    start, end = _bounds(date_from, date_to)
    # ``order_by()`` drops the model's default ordering, which would otherwise join every GROUP BY.
    return AccessEvent.objects.filter(occurred_at__gte=start, occurred_at__lt=end).order_by()


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


def _operator_days(
    date_from: datetime.date, date_to: datetime.date, threshold: int
) -> tuple[list[ManyRecords], list[OffHours]]:
    """(a) and (b) in one pass over the period: both group the reads by operator and local day."""
    tz = timezone.get_current_timezone()
    off = Q(hour__lt=DAY_STARTS) | Q(hour__gte=EVENING_STARTS) | Q(weekday=SUNDAY)
    rows = (
        _in_period(date_from, date_to)
        .filter(actor__isnull=False)
        .annotate(
            day=TruncDate("occurred_at", tzinfo=tz),
            hour=ExtractHour("occurred_at", tzinfo=tz),
            weekday=ExtractWeekDay("occurred_at", tzinfo=tz),
            record=Concat("object_type", Value(":"), "object_id"),
        )
        .values("actor_id", "day")
        .annotate(
            # A record is one row of the database (a person, a case…): lists and searches, recorded
            # with ids such as "list" or "due_checkins", are not records.
            records=Count("record", distinct=True, filter=Q(object_id__regex=r"^[0-9]+$")),
            off_reads=Count("id", filter=off),
            first_off=Min("occurred_at", filter=off),
            last_off=Max("occurred_at", filter=off),
            username=Max("actor_username"),
        )
        .filter(Q(records__gt=threshold) | Q(off_reads__gt=0))
    )
    many, late = [], []
    for r in rows:
        if r["records"] > threshold:
            many.append(ManyRecords(r["day"], r["actor_id"], r["username"], r["records"]))
        if r["off_reads"]:
            late.append(OffHours(r["day"], r["actor_id"], r["username"], r["off_reads"], r["first_off"], r["last_off"]))
    many.sort(key=lambda m: (-m.records, -m.day.toordinal(), m.username))
    late.sort(key=lambda o: (-o.day.toordinal(), o.username))
    return many, late


def many_records(date_from: datetime.date, date_to: datetime.date, threshold: int) -> list[ManyRecords]:
    """(a) Operator-days with more than ``threshold`` distinct records read, most first."""
    return _operator_days(date_from, date_to, threshold)[0]


def off_hours(date_from: datetime.date, date_to: datetime.date) -> list[OffHours]:
    """(b) Operator-days with reads before 07:00, from 20:00 or on a Sunday (local time), latest first."""
    return _operator_days(date_from, date_to, threshold=2**31)[1]


# Reads of a case across an ambito, joined in SQL: the case by its id written as text in the access
# record (list pages such as "due_checkins" match no case), the reader's ambito through the
# organisation. Casting the case's integer id is always safe, so the database may hash-join either
# side; only the crossing (operator, organisation, case) groups come back.
_OUTSIDE_SQL = (
    "SELECT e.actor_id, e.object_id, COUNT(*), MIN(e.occurred_at), MAX(e.occurred_at),"
    " MAX(e.actor_username), MAX(e.organisation_name), MAX(c.number), MAX(a.name)"
    " FROM {events} e"
    " JOIN {organisations} o ON o.id = e.organisation_id"
    " JOIN {cases} c ON CAST(c.id AS VARCHAR(64)) = e.object_id"
    " JOIN {ambiti} a ON a.id = c.ambito_id"
    " WHERE e.object_type = %s AND e.occurred_at >= %s AND e.occurred_at < %s AND c.ambito_id <> o.ambito_id"
    " GROUP BY e.actor_id, e.organisation_id, e.object_id"
    " ORDER BY MAX(e.occurred_at) DESC, e.object_id"
)


def _moment(value: datetime.datetime | str) -> datetime.datetime:
    """A timestamp from a raw query: SQLite gives the stored UTC text, PostgreSQL a datetime."""
    moment = parse_datetime(value) if isinstance(value, str) else value
    if moment is None:
        raise ValueError(f"Not a timestamp: {value!r}")
    return timezone.make_aware(moment, datetime.UTC) if timezone.is_naive(moment) else moment


def outside_ambito(date_from: datetime.date, date_to: datetime.date) -> list[OutsideAmbito]:
    """(c) Reads of a case whose ambito is not the ambito of the reader's organisation, latest first."""
    quote = connection.ops.quote_name
    sql = _OUTSIDE_SQL.format(
        events=quote(AccessEvent._meta.db_table),
        organisations=quote(Organisation._meta.db_table),
        cases=quote(Case._meta.db_table),
        ambiti=quote(Ambito._meta.db_table),
    )
    start, end = (connection.ops.adapt_datetimefield_value(moment) for moment in _bounds(date_from, date_to))
    with connection.cursor() as cursor:
        # Table names from the models' metadata, quoted; every value is a query parameter.
        cursor.execute(sql, [CASE_TYPE, start, end])  # nosec B608
        rows = cursor.fetchall()
    found = [
        OutsideAmbito(
            actor_id=actor_id,
            username=username,
            organisation=organisation,
            case_id=int(object_id),
            case_number=number or "",
            case_ambito=ambito,
            reads=reads,
            first=_moment(first),
            last=_moment(last),
            purposes="",
        )
        for actor_id, object_id, reads, first, last, username, organisation, number, ambito in rows
    ]
    return _with_bases(found, _in_period(date_from, date_to).filter(object_type=CASE_TYPE))


def _with_bases(found: list[OutsideAmbito], case_reads: QuerySet[AccessEvent]) -> list[OutsideAmbito]:
    """Why each outside read was allowed, as its purposes' bases (``referral``, ``break_the_glass``…)."""
    if not found:
        return found
    condition = Q()
    for item in found[:SHOWN]:
        condition |= Q(actor_id=item.actor_id, object_id=str(item.case_id))
    bases: dict[tuple[int, str], set[str]] = {}
    for actor_id, object_id, purpose in (
        case_reads.filter(condition).values_list("actor_id", "object_id", "purpose").distinct()
    ):
        basis = purpose.split(":", 1)[0].strip() if ":" in purpose else ""
        bases.setdefault((actor_id, object_id), set()).add(basis or _("team or coordination group"))
    return [
        OutsideAmbito(
            **{**item.__dict__, "purposes": ", ".join(sorted(bases.get((item.actor_id, str(item.case_id)), set())))}
        )
        for item in found
    ]


def break_the_glass(date_from: datetime.date, date_to: datetime.date) -> list[BreakGlassRead]:
    """(d) Reads through an emergency grant, by operator and object, latest first."""
    rows = (
        _in_period(date_from, date_to)
        .filter(Q(purpose=BREAK_THE_GLASS) | Q(purpose__startswith=f"{BREAK_THE_GLASS}:"))
        .values("actor_id", "object_type", "object_id")
        .annotate(
            reads=Count("id"),
            first=Min("occurred_at"),
            last=Max("occurred_at"),
            username=Max("actor_username"),
            organisation=Max("organisation_name"),
        )
        .order_by("-last")
    )
    return [
        BreakGlassRead(
            actor_id=r["actor_id"],
            username=r["username"],
            organisation=r["organisation"],
            object_type=r["object_type"],
            object_id=r["object_id"],
            reads=r["reads"],
            first=r["first"],
            last=r["last"],
        )
        for r in rows
    ]


def review(date_from: datetime.date, date_to: datetime.date, threshold: int | None = None) -> Review:
    limit = daily_threshold() if threshold is None else threshold
    many, late = _operator_days(date_from, date_to, limit)
    return Review(
        date_from=date_from,
        date_to=date_to,
        threshold=limit,
        many_records=_cut(many),
        off_hours=_cut(late),
        outside_ambito=_cut(outside_ambito(date_from, date_to)),
        break_the_glass=_cut(break_the_glass(date_from, date_to)),
    )
