"""Reads of the audit trail for the auditor's pages; authorization is the caller's job."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.utils import timezone

from intreccio.audit.models import AccessEvent, DomainEvent

PAGE_SIZE = 50


@dataclass(frozen=True)
class AccessLogFilters:
    username: str = ""
    object_type: str = ""
    object_id: str = ""
    date_from: datetime.date | None = None
    date_to: datetime.date | None = None

    @property
    def active(self) -> bool:
        return any((self.username, self.object_type, self.object_id, self.date_from, self.date_to))


@dataclass(frozen=True)
class DomainLogFilters:
    username: str = ""
    action: str = ""
    target_type: str = ""
    target_id: str = ""
    date_from: datetime.date | None = None
    date_to: datetime.date | None = None

    @property
    def active(self) -> bool:
        return any((self.username, self.action, self.target_type, self.target_id, self.date_from, self.date_to))


def _day_bounds(
    date_from: datetime.date | None, date_to: datetime.date | None
) -> tuple[datetime.datetime | None, datetime.datetime | None]:
    """Whole local days: "to 31/03" includes the evening of 31 March in Italy."""
    start = timezone.make_aware(datetime.datetime.combine(date_from, datetime.time.min)) if date_from else None
    end = timezone.make_aware(datetime.datetime.combine(date_to, datetime.time.max)) if date_to else None
    return start, end


def _paginate(qs: QuerySet[AccessEvent] | QuerySet[DomainEvent], page: str | int | None) -> Page:
    result = Paginator(qs, PAGE_SIZE).get_page(page)
    # Evaluate now: the view records its own read before rendering, and that new row must not
    # slip into a page whose count was taken before it.
    result.object_list = list(result.object_list)
    return result


def access_event_page(*, filters: AccessLogFilters, page: str | int | None = None) -> Page:
    """One page of access events matching ``filters``, newest first."""
    qs = AccessEvent.objects.order_by("-seq")
    if filters.username:
        # Through the operator (indexed with the time) rather than the stored username snapshot.
        qs = qs.filter(actor__username__iexact=filters.username)
    if filters.object_type:
        qs = qs.filter(object_type=filters.object_type)
    if filters.object_id:
        qs = qs.filter(object_id=filters.object_id)
    start, end = _day_bounds(filters.date_from, filters.date_to)
    if start:
        qs = qs.filter(occurred_at__gte=start)
    if end:
        qs = qs.filter(occurred_at__lte=end)
    return _paginate(qs, page)


def domain_event_page(*, filters: DomainLogFilters, page: str | int | None = None) -> Page:
    """One page of domain events matching ``filters``, newest first."""
    qs = DomainEvent.objects.order_by("-seq")
    if filters.username:
        qs = qs.filter(actor__username__iexact=filters.username)
    if filters.action:
        # A prefix, so that "cases." lists everything that happened to cases.
        qs = qs.filter(action__startswith=filters.action)
    if filters.target_type:
        qs = qs.filter(target_type=filters.target_type)
    if filters.target_id:
        qs = qs.filter(target_id=filters.target_id)
    start, end = _day_bounds(filters.date_from, filters.date_to)
    if start:
        qs = qs.filter(occurred_at__gte=start)
    if end:
        qs = qs.filter(occurred_at__lte=end)
    return _paginate(qs, page)
