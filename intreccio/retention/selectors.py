"""Reads for the retention page: the schedule as administrators read it, what a run today would
do within the reader's ambiti, the legal holds they may see, and the last runs of the job."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.functional import Promise

from intreccio.accounts.permissions import can_read_audit
from intreccio.audit.models import DomainEvent
from intreccio.cases.models import Case
from intreccio.cases.permissions import coordination_ambito_ids
from intreccio.core.privacy import (
    LEGAL_BASIS,
    RETENTION,
    Category,
    RetentionAction,
    RetentionTrigger,
)
from intreccio.people.models import Person
from intreccio.retention.job import retention_plan
from intreccio.retention.models import LegalHold
from intreccio.retention.permissions import holds_q, persons_of_ambiti_q

RUN_ACTION = "retention.run.completed"
LIFTED_SHOWN = 20
RUNS_SHOWN = 10


@dataclass(frozen=True)
class ScheduleRow:
    category: str
    label: str | Promise
    art6: str | Promise
    special: str | Promise
    months: int
    trigger: str | Promise
    action: str | Promise


def schedule() -> list[ScheduleRow]:
    """One row per category of personal data, in the order of ``Category``."""
    rows = []
    for category in Category:
        if category == Category.NONE:
            continue
        rule, basis = RETENTION[category], LEGAL_BASIS[category]
        rows.append(
            ScheduleRow(
                category=category.value,
                label=category.label,
                art6=basis.art6,
                special=basis.special,
                months=rule.months,
                trigger=RetentionTrigger(rule.trigger).label,
                action=RetentionAction(rule.action).label,
            )
        )
    return rows


@dataclass(frozen=True)
class ForecastRow:
    label: str | Promise
    months: int
    due: int
    held: int


@dataclass(frozen=True)
class Forecast:
    today: datetime.date
    cases: list[ForecastRow]
    persons_closed_cases: int
    persons_no_case: int
    persons_held: int


def _scoped_cases(request: HttpRequest, ids: list[int]) -> int:
    if can_read_audit(request):
        return len(ids)
    return Case.objects.filter(pk__in=ids, ambito_id__in=coordination_ambito_ids(request)).count()


def _scoped_persons(request: HttpRequest, ids: list[int]) -> int:
    if can_read_audit(request):
        return len(ids)
    return Person.objects.filter(persons_of_ambiti_q(coordination_ambito_ids(request)), pk__in=ids).count()


def forecast(request: HttpRequest, today: datetime.date) -> Forecast:
    """What ``apply_retention`` would do on ``today`` (a dry run: nothing written), counted within
    the reader's ambiti (every ambito for the auditor)."""
    plan = retention_plan(today)
    rows = [
        ForecastRow(
            label=Category(category).label,
            months=RETENTION[category].months,
            due=_scoped_cases(request, ids),
            held=_scoped_cases(request, plan.cases_held.get(category, [])),
        )
        for category, ids in plan.cases.items()
    ]
    return Forecast(
        today=today,
        cases=rows,
        persons_closed_cases=_scoped_persons(request, plan.persons.get("closed_cases", [])),
        persons_no_case=_scoped_persons(request, plan.persons.get("no_case", [])),
        persons_held=_scoped_persons(request, plan.persons_held),
    )


def visible_holds(request: HttpRequest) -> tuple[list[LegalHold], list[LegalHold]]:
    """Active holds, and the latest lifted ones, the reader may see."""
    holds = LegalHold.objects.filter(holds_q(request)).select_related(
        "person", "case", "placed_by", "lifted_by", "person__anonymisation"
    )
    active = list(holds.filter(lifted_at__isnull=True).order_by("-placed_at", "-pk"))
    lifted = list(holds.filter(lifted_at__isnull=False).order_by("-lifted_at", "-pk")[:LIFTED_SHOWN])
    return active, lifted


def last_runs() -> QuerySet[DomainEvent]:
    return DomainEvent.objects.filter(action=RUN_ACTION).order_by("-seq")[:RUNS_SHOWN]
