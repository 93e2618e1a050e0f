"""Unusual access for the auditor's review (Garante's health-dossier guidelines; SECURITY.md R4, R8).

Four rules over the access log of a period:

(a) an operator read more than ``INTRECCIO_REVIEW_DAILY_RECORDS`` distinct records (default 50) in
    one day (a record: one person, case, intake… by its id; list pages are not records);
(b) reads off hours: before 07:00 or from 20:00 (Europe/Rome), and on Sundays;
(c) reads of a case outside the ambito of the reader's organisation;
(d) reads through break-the-glass (the purpose starts with ``break_the_glass:``).

A busy ambito writes some 60,000 access rows a day, so every rule aggregates in the database and
only the alerts come back: (a) and (b) group by operator and local day, (d) by operator and object.
(c) needs the case's ambito, and ``object_id`` is text (lists write ``cases.case:due_checkins``): the
database returns the distinct (organisation, case) pairs read in the period, the ambiti are joined in
Python, and only the pairs outside come back for the per-operator detail.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from django.conf import settings
from django.db.models import Count, Max, Min, Q, QuerySet, Value
from django.db.models.functions import Concat, ExtractHour, ExtractWeekDay, TruncDate
from django.utils import timezone
from django.utils.translation import gettext as _

from intreccio.accounts.models import Organisation
from intreccio.audit.models import AccessEvent
from intreccio.cases.models import Case

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
_ID_CHUNK = 500


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


def many_records(date_from: datetime.date, date_to: datetime.date, threshold: int) -> list[ManyRecords]:
    """(a) Operator-days with more than ``threshold`` distinct objects read, most first."""
    tz = timezone.get_current_timezone()
    rows = (
        _in_period(date_from, date_to)
        # A record is one row of the database (a person, a case…): lists and searches, recorded with
        # ids such as "list" or "due_checkins", are not records.
        .filter(actor__isnull=False, object_id__regex=r"^[0-9]+$")
        .annotate(day=TruncDate("occurred_at", tzinfo=tz), record=Concat("object_type", Value(":"), "object_id"))
        .values("actor_id", "day")
        .annotate(records=Count("record", distinct=True), username=Max("actor_username"))
        .filter(records__gt=threshold)
        .order_by("-records", "-day", "username")
    )
    return [ManyRecords(r["day"], r["actor_id"], r["username"], r["records"]) for r in rows]


def off_hours(date_from: datetime.date, date_to: datetime.date) -> list[OffHours]:
    """(b) Operator-days with reads before 07:00, from 20:00 or on a Sunday (local time), latest first."""
    tz = timezone.get_current_timezone()
    rows = (
        _in_period(date_from, date_to)
        .filter(actor__isnull=False)
        .annotate(
            hour=ExtractHour("occurred_at", tzinfo=tz),
            weekday=ExtractWeekDay("occurred_at", tzinfo=tz),
            day=TruncDate("occurred_at", tzinfo=tz),
        )
        .filter(Q(hour__lt=DAY_STARTS) | Q(hour__gte=EVENING_STARTS) | Q(weekday=SUNDAY))
        .values("actor_id", "day")
        .annotate(reads=Count("id"), first=Min("occurred_at"), last=Max("occurred_at"), username=Max("actor_username"))
        .order_by("-day", "username")
    )
    return [OffHours(r["day"], r["actor_id"], r["username"], r["reads"], r["first"], r["last"]) for r in rows]


def _chunks(values: list[int]) -> list[list[int]]:
    return [values[i : i + _ID_CHUNK] for i in range(0, len(values), _ID_CHUNK)]


def outside_ambito(date_from: datetime.date, date_to: datetime.date) -> list[OutsideAmbito]:
    """(c) Reads of a case whose ambito is not the ambito of the reader's organisation, latest first."""
    case_reads = _in_period(date_from, date_to).filter(object_type=CASE_TYPE, organisation_id__isnull=False)
    pairs = set(case_reads.values_list("organisation_id", "object_id").distinct())
    case_ids = sorted({int(object_id) for _org, object_id in pairs if object_id.isdigit()})
    org_ambito = dict(Organisation.objects.filter(pk__in={org for org, _id in pairs}).values_list("pk", "ambito_id"))
    cases: dict[int, dict[str, Any]] = {}
    for chunk in _chunks(case_ids):
        for row in Case.objects.filter(pk__in=chunk).values("pk", "number", "ambito_id", "ambito__name"):
            cases[row["pk"]] = dict(row)
    outside: dict[int, list[str]] = {}
    for org, object_id in pairs:
        case = cases.get(int(object_id)) if object_id.isdigit() else None
        if org is not None and case is not None and org_ambito.get(org) != case["ambito_id"]:
            outside.setdefault(org, []).append(object_id)
    if not outside:
        return []
    condition = Q()
    for org, object_ids in outside.items():
        condition |= Q(organisation_id=org, object_id__in=object_ids)
    rows = (
        case_reads.filter(condition)
        .values("actor_id", "organisation_id", "object_id")
        .annotate(
            reads=Count("id"),
            first=Min("occurred_at"),
            last=Max("occurred_at"),
            username=Max("actor_username"),
            organisation=Max("organisation_name"),
        )
        .order_by("-last")
    )
    found = []
    for r in rows:
        case = cases[int(r["object_id"])]
        found.append(
            OutsideAmbito(
                actor_id=r["actor_id"],
                username=r["username"],
                organisation=r["organisation"],
                case_id=case["pk"],
                case_number=case["number"] or "",
                case_ambito=case["ambito__name"],
                reads=r["reads"],
                first=r["first"],
                last=r["last"],
                purposes="",
            )
        )
    return _with_bases(found, case_reads)


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
    return Review(
        date_from=date_from,
        date_to=date_to,
        threshold=limit,
        many_records=_cut(many_records(date_from, date_to, limit)),
        off_hours=_cut(off_hours(date_from, date_to)),
        outside_ambito=_cut(outside_ambito(date_from, date_to)),
        break_the_glass=_cut(break_the_glass(date_from, date_to)),
    )
