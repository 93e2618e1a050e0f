"""The nightly retention job: applies ``intreccio.core.privacy.RETENTION`` with a given day as "now".

1. For every category whose action is *delete* (special, judicial, minors, violence): each closed
   case whose closure is at least that many months old loses the content of that category
   (``services.case_category_purge``), once per closure.
2. A person is anonymised (``services.person_anonymise``) when nothing keeps them any more:
   - they have cases (their own or their household's), all closed, the latest closed at least
     ``RETENTION[IDENTIFYING].months`` ago, and nothing was written on their record outside those
     cases for ``NO_CASE_RETENTION_MONTHS``;
   - or they never had a case and nothing was written on their record for
     ``NO_CASE_RETENTION_MONTHS`` (an intake that went no further).
3. A legal hold on the person or on one of their cases keeps everything; an open case too.

The audit trail is never purged: it is append-only and its rows are technical data kept for
``RETENTION[TECHNICAL].months`` (never less than ``AUDIT_MINIMUM_MONTHS``); partition dropping
on PostgreSQL is the database administrator's, not this job's.

Each case purge and each anonymisation is its own transaction, so a failure stops one person,
not the run; a second run on the same day finds nothing left to do.
"""

from __future__ import annotations

import datetime
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import DatabaseError, models
from django.db.models import Exists, OuterRef, Q

from intreccio.access.views_import import KEEP_SECONDS
from intreccio.access.views_import import _directory as upload_directory
from intreccio.audit.services import record_event
from intreccio.cases.models import OPEN_STATES, Case
from intreccio.core.privacy import (
    NO_CASE_RETENTION_MONTHS,
    RETENTION,
    Category,
    RetentionAction,
    RetentionTrigger,
)
from intreccio.people.models import Household, HouseholdMember, Person
from intreccio.retention.models import CategoryPurge, LegalHold, PersonAnonymisation
from intreccio.retention.scrub import SKIPPED_APPS
from intreccio.retention.services import ENDED_STATES, add_months, case_category_purge, case_end, person_anonymise

if TYPE_CHECKING:
    from intreccio.accounts.models import Operator


def purged_categories() -> list[str]:
    """The categories whose content is deleted after the case closes, in a fixed order."""
    return [
        str(category)
        for category in Category
        if RETENTION[category].action == RetentionAction.DELETE
        and RETENTION[category].trigger == RetentionTrigger.CASE_CLOSED
    ]


def _active_hold(**match: Any) -> Exists:
    return Exists(LegalHold.objects.filter(lifted_at__isnull=True, **match))


def _ended_before(category: str, today: datetime.date) -> models.QuerySet[Case]:
    """Ended cases (closed, or transferred away) whose ``category`` content has outlived its months
    and has not been purged for this ending yet."""
    cutoff = add_months(today, -RETENTION[category].months)
    done = CategoryPurge.objects.filter(case=OuterRef("pk"), category=category, closed_on=OuterRef("ended"))
    return (
        Case.objects.filter(status__in=ENDED_STATES)
        .annotate(ended=case_end())
        .filter(ended__lte=cutoff)
        .exclude(Exists(done))
    )


def _held_q() -> Q:
    return Q(_active_hold(case=OuterRef("pk"))) | (Q(person__isnull=False) & Q(_active_hold(person=OuterRef("person"))))


def cases_due(category: str, today: datetime.date) -> models.QuerySet[Case]:
    """Cases whose content of ``category`` the schedule deletes on ``today`` (holds respected)."""
    return _ended_before(category, today).exclude(_held_q()).order_by("pk")


def cases_held(category: str, today: datetime.date) -> models.QuerySet[Case]:
    """Cases that would be due but a legal hold keeps."""
    return _ended_before(category, today).filter(_held_q()).order_by("pk")


def _latest_write(obj: models.Model) -> datetime.datetime | None:
    """When ``obj`` or a row hanging directly off it was last written (cases apart)."""
    stamps: list[datetime.datetime] = []
    own = getattr(obj, "updated_at", None) or getattr(obj, "created_at", None)
    if own is not None:
        stamps.append(own)
    for rel in obj._meta.related_objects:
        related = rel.related_model
        if rel.many_to_many or not isinstance(related, type) or related is Case:
            continue
        # Holds and the job's own marks are accountability, not activity on the record.
        if related._meta.app_label in {*SKIPPED_APPS, "retention"}:
            continue
        names = {f.name for f in related._meta.concrete_fields}
        stamp_field = "updated_at" if "updated_at" in names else "created_at" if "created_at" in names else None
        if stamp_field is None:
            continue
        latest = (
            related._base_manager.filter(**{rel.remote_field.name: obj.pk})
            .aggregate(latest=models.Max(stamp_field))
            .get("latest")
        )
        if latest is not None:
            stamps.append(latest)
    return max(stamps) if stamps else None


def last_activity(person: Person) -> datetime.date | None:
    """The last day something was written on the person's record outside their cases: the
    registry row, intakes, consents, representatives, and their current households' rows."""
    stamps = [_latest_write(person)]
    current = HouseholdMember.objects.filter(person=person, date_out__isnull=True).values("household_id")
    stamps += [_latest_write(household) for household in Household.objects.filter(pk__in=current)]
    days = [stamp.date() for stamp in stamps if stamp is not None]
    return max(days) if days else None


def _cases_of(person: Person) -> models.QuerySet[Case]:
    households = HouseholdMember.objects.filter(person=person).values("household_id")
    return Case.objects.filter(Q(person=person) | Q(household_id__in=households))


@dataclass
class PersonVerdict:
    person_id: int
    due: bool
    rule: str = ""  # "closed_cases" or "no_case"
    held: bool = False


def person_verdict(person: Person, today: datetime.date) -> PersonVerdict:
    """Whether the schedule anonymises ``person`` on ``today``, and by which rule."""
    verdict = PersonVerdict(person_id=person.pk, due=False)
    cases = _cases_of(person)
    activity = last_activity(person)
    quiet = activity is None or activity <= add_months(today, -NO_CASE_RETENTION_MONTHS)
    if not cases.exists():
        verdict.rule = "no_case"
        verdict.due = quiet
    else:
        verdict.rule = "closed_cases"
        if cases.filter(status__in=OPEN_STATES).exists():
            return verdict
        latest = cases.annotate(ended=case_end()).aggregate(latest=models.Max("ended"))["latest"]
        cutoff = add_months(today, -RETENTION[Category.IDENTIFYING].months)
        verdict.due = quiet and latest is not None and latest <= cutoff
    held = LegalHold.objects.filter(Q(person=person) | Q(case__in=cases), lifted_at__isnull=True)
    if verdict.due and held.exists():
        verdict.due, verdict.held = False, True
    return verdict


def person_candidates(today: datetime.date) -> models.QuerySet[Person]:
    """Persons who might be due, narrowed in the database so that a nightly run (and the page's
    forecast) looks only at a few: not anonymised, their registry row untouched for
    NO_CASE_RETENTION_MONTHS, no case of their own open or ended within the schedule.
    ``person_verdict`` decides (household cases, activity, holds)."""
    quiet_since = add_months(today, -NO_CASE_RETENTION_MONTHS)
    identity_cutoff = add_months(today, -RETENTION[Category.IDENTIFYING].months)
    recent_cases = (
        Case.objects.filter(person=OuterRef("pk"))
        .annotate(ended=case_end())
        .filter(Q(status__in=OPEN_STATES) | Q(ended__gt=identity_cutoff))
    )
    return (
        Person.objects.exclude(Exists(PersonAnonymisation.objects.filter(person=OuterRef("pk"))))
        .filter(updated_at__date__lte=quiet_since)
        .exclude(Exists(recent_cases))
        .order_by("pk")
    )


@dataclass
class RetentionPlan:
    """What a run on ``today`` would do: ids only."""

    today: datetime.date
    cases: dict[str, list[int]] = field(default_factory=dict)
    cases_held: dict[str, list[int]] = field(default_factory=dict)
    persons: dict[str, list[int]] = field(default_factory=dict)
    persons_held: list[int] = field(default_factory=list)


def retention_plan(today: datetime.date) -> RetentionPlan:
    """Computed without writing anything: the dry run and the retention page show it."""
    plan = RetentionPlan(today=today)
    for category in purged_categories():
        plan.cases[category] = list(cases_due(category, today).values_list("pk", flat=True))
        plan.cases_held[category] = list(cases_held(category, today).values_list("pk", flat=True))
    plan.persons = {"closed_cases": [], "no_case": []}
    for person in person_candidates(today):
        verdict = person_verdict(person, today)
        if verdict.due:
            plan.persons[verdict.rule].append(person.pk)
        elif verdict.held:
            plan.persons_held.append(person.pk)
    return plan


def purge_stale_uploads() -> int:
    """Beneficiary lists uploaded for an import and left unconfirmed beyond their day.

    They are the only files with personal data the application writes to disk (exports and PDFs
    are made for each request and never stored); the import removes them only at the next upload.
    """
    limit = time.time() - KEEP_SECONDS
    removed = 0
    for entry in upload_directory().iterdir():
        if entry.suffix in (".csv", ".json") and entry.is_file() and entry.stat().st_mtime < limit:
            entry.unlink(missing_ok=True)
            removed += 1
    return removed


@dataclass
class RunSummary:
    plan: RetentionPlan
    dry_run: bool
    cases_purged: Counter[str] = field(default_factory=Counter)
    rows_deleted: Counter[str] = field(default_factory=Counter)
    rows_anonymised: Counter[str] = field(default_factory=Counter)
    persons_anonymised: Counter[str] = field(default_factory=Counter)
    uploads_removed: int = 0
    failures: list[str] = field(default_factory=list)

    def payload(self) -> dict[str, Any]:
        return {
            "today": self.plan.today.isoformat(),
            "cases_purged": dict(sorted(self.cases_purged.items())),
            "persons_anonymised": dict(sorted(self.persons_anonymised.items())),
            "rows_deleted": dict(sorted(self.rows_deleted.items())),
            "rows_anonymised": dict(sorted(self.rows_anonymised.items())),
            "cases_held": {category: len(ids) for category, ids in sorted(self.plan.cases_held.items())},
            "persons_held": len(self.plan.persons_held),
            "uploads_removed": self.uploads_removed,
            "failures": self.failures,
        }


def retention_run(*, today: datetime.date, dry_run: bool = False, actor: Operator | None = None) -> RunSummary:
    """Apply the schedule as of ``today``. A dry run only computes the plan and writes nothing."""
    plan = retention_plan(today)
    summary = RunSummary(plan=plan, dry_run=dry_run)
    if dry_run:
        return summary
    for category, case_ids in plan.cases.items():
        for case in Case.objects.filter(pk__in=case_ids).order_by("pk"):
            try:
                outcome = case_category_purge(case=case, category=category, actor=actor)
            except (DatabaseError, ValidationError) as exc:
                summary.failures.append(f"case {case.pk} {category}: {type(exc).__name__}")
                continue
            if outcome is not None:
                summary.cases_purged[category] += 1
                summary.rows_deleted.update(outcome.deleted)
                summary.rows_anonymised.update(outcome.anonymised)
    for rule, person_ids in plan.persons.items():
        for person in Person.objects.filter(pk__in=person_ids).order_by("pk"):
            # Checked again: a purge above, or another operator, may have changed things since.
            if not person_verdict(person, today).due:
                continue
            try:
                outcome = person_anonymise(person=person, actor=actor)
            except (DatabaseError, ValidationError) as exc:
                summary.failures.append(f"person {person.pk}: {type(exc).__name__}")
                continue
            if outcome is not None:
                summary.persons_anonymised[rule] += 1
                summary.rows_deleted.update(outcome.deleted)
                summary.rows_anonymised.update(outcome.anonymised)
    summary.uploads_removed = purge_stale_uploads()
    # Every real run leaves its trace, even an empty one: the page shows that the job runs.
    record_event(action="retention.run.completed", actor=actor, payload=summary.payload())
    return summary
