"""Writes of the retention app: the art. 17 erasure, the schedule's purges and anonymisations, legal holds.

Each is one transaction that writes its DomainEvent (ids, counts and category codes only: never a
name or a text) and purges the change history of every row it deleted or blanked, so that the old
values do not survive in the history table. The audit trail itself is append-only and stays.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db import models, transaction
from django.db.models import Q
from django.db.models.functions import Coalesce, TruncDate
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from intreccio.audit.services import record_event
from intreccio.cases.models import OPEN_STATES, Case, CaseStatus
from intreccio.people.models import HouseholdMember, Person
from intreccio.people.search import normalise_name
from intreccio.people.services.common import Errors, clean_text
from intreccio.retention.models import AnonymisationKind, CategoryPurge, LegalHold, PersonAnonymisation
from intreccio.retention.scrub import (
    Outcome,
    Rows,
    blank_row,
    case_rows,
    delete_row,
    exclusive_households,
    holds_category,
    person_rows,
    purge_history,
    row_keys,
    section_category,
    wipe_identity,
)

if TYPE_CHECKING:
    from intreccio.accounts.models import Operator

# Rows that are nothing but the person's data: deleted whole on erasure (a row another row
# protects is blanked instead). Every other row reached is kept with its free content blanked.
ERASURE_DELETES = frozenset(
    {
        "cases.CaseNote",
        "access.PreAssessment",
        "people.Consent",
        "people.LegalRepresentative",
        "people.PersonTargetGroup",
        "people.HouseholdMember",
        "people.IseeDeclaration",
        "people.IncomeSupport",
    }
)
# The schedule anonymises economic data (RETENTION[ECONOMIC] is "anonymise"): the ISEE values and
# measure periods of a household nobody else belongs to stay, without protocol numbers, for statistics.
SCHEDULE_DELETES = ERASURE_DELETES - {"people.IseeDeclaration", "people.IncomeSupport"}
REASON_MIN_LENGTH = 10
# A case has ended when closed, or transferred away (a transfer has no closing date: its last change counts).
ENDED_STATES = frozenset({CaseStatus.CLOSED, CaseStatus.TRANSFERRED})


def case_end() -> Coalesce:
    """The day a case ended, as a query expression over ``Case``."""
    return Coalesce("closed_on", TruncDate("updated_at"), output_field=models.DateField())


def ended_on(case: Case) -> datetime.date | None:
    if case.status not in ENDED_STATES:
        return None
    return case.closed_on or timezone.localtime(case.updated_at).date()


@dataclass(frozen=True)
class ErasureReport:
    """What an erasure did, in ids and counts (what the audit stub says too)."""

    person_id: int
    case_ids: tuple[int, ...]
    household_ids: tuple[int, ...]
    deleted: dict[str, int]
    anonymised: dict[str, int]
    categories: tuple[str, ...]
    history_purged: int

    def payload(self) -> dict[str, Any]:
        return {
            "person": self.person_id,
            "cases": list(self.case_ids),
            "households": list(self.household_ids),
            "deleted": dict(sorted(self.deleted.items())),
            "anonymised": dict(sorted(self.anonymised.items())),
            "categories": list(self.categories),
            "history_purged": self.history_purged,
        }


# --- shared checks ---------------------------------------------------------------------------


def active_holds_q() -> Q:
    return Q(lifted_at__isnull=True)


def held_case_ids(case_ids: set[int]) -> set[int]:
    return set(LegalHold.objects.filter(active_holds_q(), case_id__in=case_ids).values_list("case_id", flat=True))


def person_is_held(person: Person) -> bool:
    return LegalHold.objects.filter(active_holds_q(), person=person).exists()


def cases_of(rows: Rows) -> list[Case]:
    return [obj for obj in rows.of(Case) if isinstance(obj, Case)]


def open_household_cases(person: Person) -> list[Case]:
    """Open cases of a household the person currently belongs to (they are part of that care)."""
    households = HouseholdMember.objects.filter(person=person, date_out__isnull=True).values("household_id")
    return list(Case.objects.filter(household_id__in=households, status__in=OPEN_STATES))


def _scrub_person(rows: Rows, person: Person, *, deletes: frozenset[str]) -> Outcome:
    outcome = Outcome()
    for (model, _pk), obj in rows.objects.items():
        if model is Person:
            continue
        if model._meta.label in deletes and delete_row(obj, outcome):
            continue
        blank_row(obj, outcome)
    wipe_identity(person, outcome)
    return outcome


def _lock_person(person: Person) -> Person:
    return Person._base_manager.select_for_update().get(pk=person.pk)


# --- art. 17 erasure ---------------------------------------------------------------------------


def _check_reason(errors: Errors, person: Person, reason: str) -> str:
    text = clean_text(reason)
    if len(text) < REASON_MIN_LENGTH:
        errors.add(
            "reason",
            _("Say why the data is erased (at least %(count)d characters), e.g. the number of the request.")
            % {"count": REASON_MIN_LENGTH},
        )
        return text
    # The reason stays in the accountability record: it must not bring the identity back.
    words = [normalise_name(word) for word in text.split()]
    # A name is a word of the reason, or two or three adjacent ones ("De Santis", "Maria Grazia").
    spans = {"".join(words[i : i + n]) for n in (1, 2, 3) for i in range(len(words))}
    names = {normalise_name(person.last_name), normalise_name(person.first_name)} - {""}
    if names & spans or (person.fiscal_code and person.fiscal_code.lower() in text.lower().replace(" ", "")):
        errors.add(
            "reason",
            _("The reason must not contain the person's name or codice fiscale: cite the request number instead."),
        )
    return text


@transaction.atomic
def person_erase(*, person: Person, actor: Operator, request: HttpRequest | None = None, reason: str) -> ErasureReport:
    """Erase everything that identifies ``person`` (GDPR art. 17), keeping anonymous rows for statistics.

    The person row and their cases stay (ids, status, dates, codes), without names, codice fiscale,
    contacts, addresses, search columns, notes, narratives, answers, consents, ISEE, measures and
    legal representatives. Refused, with nothing written, while a legal hold is active on the person
    or one of their cases, or while a case of theirs (or of a household they belong to) is open.
    The caller decides who may erase; ``reason`` (a request number, never a name) is required.
    """
    person = _lock_person(person)
    errors = Errors()
    text = _check_reason(errors, person, reason)
    done = PersonAnonymisation.objects.filter(person=person).first()
    if done is not None and done.kind == AnonymisationKind.ERASURE:
        errors.add("person", _("This person's data has already been erased."))
    rows = person_rows(person)
    cases = cases_of(rows)
    case_ids = {case.pk for case in cases}
    if person_is_held(person) or held_case_ids(case_ids):
        errors.add(
            "person",
            _("A legal hold keeps this person's data: it cannot be erased until the hold is lifted."),
        )
    open_cases = [case for case in cases if case.status in OPEN_STATES] + open_household_cases(person)
    if open_cases:
        errors.add(
            "person",
            _(
                "The person has an open case (%(numbers)s): close it, or take the person out of the "
                "household in care, before erasing."
            )
            % {"numbers": ", ".join(sorted({str(case) for case in open_cases}))},
        )
    errors.raise_any()
    households = tuple(h.pk for h in exclusive_households(person))
    outcome = _scrub_person(rows, person, deletes=ERASURE_DELETES)
    history_purged = purge_history(row_keys(rows, outcome), person_id=person.pk)
    now = timezone.now()
    if done is None:
        PersonAnonymisation.objects.create(
            person=person, kind=AnonymisationKind.ERASURE, done_at=now, done_by=actor, reason=text
        )
    else:
        PersonAnonymisation.objects.filter(pk=done.pk).update(
            kind=AnonymisationKind.ERASURE, done_at=now, done_by=actor, reason=text
        )
    report = ErasureReport(
        person_id=person.pk,
        case_ids=tuple(sorted(case_ids)),
        household_ids=households,
        deleted=dict(outcome.deleted),
        anonymised=dict(outcome.anonymised),
        categories=tuple(sorted(outcome.categories)),
        history_purged=history_purged,
    )
    # The reason is not in the payload: audit rows outlive the erasure and carry no text.
    record_event(
        action="retention.person.erased", actor=actor, target=person, payload=report.payload(), request=request
    )
    return report


# --- the schedule ------------------------------------------------------------------------------


def add_months(day: datetime.date, months: int) -> datetime.date:
    """``day`` moved by ``months`` calendar months (the 31st becomes the month's last day)."""
    index = day.year * 12 + (day.month - 1) + months
    year, month = divmod(index, 12)
    month += 1
    for last in (31, 30, 29, 28):
        try:
            return datetime.date(year, month, min(day.day, last))
        except ValueError:
            continue
    raise ValueError(day)  # pragma: no cover - every month has a 28th


@transaction.atomic
def case_category_purge(*, case: Case, category: str, actor: Operator | None = None) -> Outcome | None:
    """Delete the content of one category of a closed case (the schedule says its time is up).

    Rows that live in a section of that category (notes, goals, commitments…) are deleted; free
    content of that category in the case's other rows (a closure reason, an assessment's answers,
    the intake's notes) is blanked. None when the case is not eligible any more (re-opened, held,
    already purged for this closure).
    """
    case = Case._base_manager.select_for_update().get(pk=case.pk)
    ended = ended_on(case)
    if ended is None:
        return None
    if held_case_ids({case.pk}) or (case.person is not None and person_is_held(case.person)):
        return None
    if CategoryPurge.objects.filter(case=case, category=category, closed_on=ended).exists():
        return None
    outcome = Outcome()
    rows = case_rows(case)
    for (model, _pk), obj in rows.objects.items():
        in_section = section_category(model, obj)
        if in_section is not None:
            if in_section == category and not delete_row(obj, outcome):
                blank_row(obj, outcome)
            continue
        blank_row(obj, outcome, categories={category})
    history_purged = purge_history(row_keys(rows, outcome), person_id=case.person_id, only=holds_category(category))
    CategoryPurge.objects.create(case=case, category=category, closed_on=ended, done_at=timezone.now())
    record_event(
        action="retention.case.purged",
        actor=actor,
        target=case,
        payload={
            "category": category,
            "ended_on": ended.isoformat(),
            "deleted": dict(sorted(outcome.deleted.items())),
            "anonymised": dict(sorted(outcome.anonymised.items())),
            "history_purged": history_purged,
        },
    )
    return outcome


@transaction.atomic
def person_anonymise(*, person: Person, actor: Operator | None = None) -> Outcome | None:
    """Anonymise a person the schedule no longer lets the network keep (see ``retention.job``).

    Same as an erasure, except that economic data is anonymised rather than deleted. None when a
    hold or an open case keeps the person, or when they are anonymous already.
    """
    person = _lock_person(person)
    if PersonAnonymisation.objects.filter(person=person).exists() or person_is_held(person):
        return None
    rows = person_rows(person)
    cases = cases_of(rows)
    if held_case_ids({case.pk for case in cases}) or open_household_cases(person):
        return None
    if any(case.status in OPEN_STATES for case in cases):
        return None
    households = [h.pk for h in exclusive_households(person)]
    outcome = _scrub_person(rows, person, deletes=SCHEDULE_DELETES)
    history_purged = purge_history(row_keys(rows, outcome), person_id=person.pk)
    PersonAnonymisation.objects.create(person=person, kind=AnonymisationKind.SCHEDULE, done_at=timezone.now())
    record_event(
        action="retention.person.anonymised",
        actor=actor,
        target=person,
        payload={
            "person": person.pk,
            "cases": sorted(case.pk for case in cases),
            "households": households,
            "deleted": dict(sorted(outcome.deleted.items())),
            "anonymised": dict(sorted(outcome.anonymised.items())),
            "categories": sorted(outcome.categories),
            "history_purged": history_purged,
        },
    )
    return outcome


# --- legal holds -------------------------------------------------------------------------------


def _hold_target(hold: LegalHold) -> models.Model:
    return hold.case if hold.case_id else hold.person  # type: ignore[return-value]


@transaction.atomic
def legal_hold_place(
    *,
    actor: Operator,
    reason: str,
    person: Person | None = None,
    case: Case | None = None,
    request: HttpRequest | None = None,
) -> LegalHold:
    """Suspend erasure and the schedule for a person or a case while a legal claim needs the data."""
    errors = Errors()
    if (person is None) == (case is None):
        errors.add("target", _("Choose either a person or a case to hold."))
    text = clean_text(reason)
    if len(text) < REASON_MIN_LENGTH:
        errors.add(
            "reason",
            _("Say which proceeding needs the data kept (at least %(count)d characters).")
            % {"count": REASON_MIN_LENGTH},
        )
    if person is not None:
        person = _lock_person(person)
        if PersonAnonymisation.objects.filter(person=person).exists():
            errors.add("target", _("This person's data has already been anonymised: there is nothing left to hold."))
        elif person_is_held(person):
            errors.add("target", _("A legal hold on this person is already active."))
    if case is not None:
        case = Case._base_manager.select_for_update().get(pk=case.pk)
        if held_case_ids({case.pk}):
            errors.add("target", _("A legal hold on this case is already active."))
    errors.raise_any()
    hold = LegalHold.objects.create(person=person, case=case, reason=text, placed_by=actor, placed_at=timezone.now())
    record_event(
        action="retention.hold.placed",
        actor=actor,
        target=_hold_target(hold),
        payload={"hold": hold.pk, "person": hold.person_id, "case": hold.case_id},
        request=request,
    )
    return hold


@transaction.atomic
def legal_hold_lift(*, hold: LegalHold, actor: Operator, reason: str, request: HttpRequest | None = None) -> LegalHold:
    """End a hold: from the next run the schedule applies again (and erasure is possible)."""
    hold = LegalHold.objects.select_for_update().get(pk=hold.pk)
    errors = Errors()
    if not hold.is_active:
        errors.add("hold", _("This legal hold has already been lifted."))
    text = clean_text(reason)
    if len(text) < REASON_MIN_LENGTH:
        errors.add(
            "lift_reason",
            _("Say why the hold ends (at least %(count)d characters).") % {"count": REASON_MIN_LENGTH},
        )
    errors.raise_any()
    hold.lifted_at = max(timezone.now(), hold.placed_at)
    hold.lifted_by = actor
    hold.lift_reason = text
    hold.save(update_fields=["lifted_at", "lifted_by", "lift_reason", "updated_at"])
    record_event(
        action="retention.hold.lifted",
        actor=actor,
        target=_hold_target(hold),
        payload={"hold": hold.pk, "person": hold.person_id, "case": hold.case_id},
        request=request,
    )
    return hold
