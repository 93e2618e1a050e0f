"""Writes at the front door: intakes, their triage, the pre-assessment, questionnaire versions.

Each service checks everything first and raises one ``ValidationError`` keyed by field, so the
form shows every problem at once and nothing is half-saved (a person registered in the same
submit is rolled back with the intake). Then it writes and records its DomainEvent in the same
transaction. Event payloads name fields and codes of the process, never personal values.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.http import HttpRequest
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from intreccio.access.models import (
    FORWARDED_STATES,
    SOURCES_NEEDING_DETAIL,
    Channel,
    Intake,
    IntakeStatus,
    Need,
    PreAssessment,
    PreAssessmentForm,
    Source,
    Urgency,
)
from intreccio.access.questionnaire import clean_answers, schema_problems
from intreccio.accounts.models import Membership, Operator, Team, TeamKind
from intreccio.audit.services import record_event
from intreccio.people.models import HouseholdMember, Person
from intreccio.people.services import person_create
from intreccio.people.services.common import Errors, clean_text

# Before this the network kept no digital record: an older date is a typing error.
OLDEST_INTAKE_YEAR = 1990
DESCRIPTION_MAX = 300
SOURCE_DETAIL_MAX = 200
INTAKE_FIELDS = (
    "received_on",
    "channel",
    "source",
    "source_detail",
    "prevalent_need",
    "urgency",
    "notes",
    "unidentified_description",
)
PERSON_ERROR_PREFIX = "person_"


def _day(value: datetime.date) -> str:
    return formats.date_format(value, "SHORT_DATE_FORMAT")


def _stale() -> ValidationError:
    return ValidationError(
        _("Someone else changed this intake while you were working on it: reload the page to see their changes."),
        code="stale_version",
    )


def _lock(intake: Intake, version: int) -> Intake:
    locked = Intake.objects.select_for_update().select_related("structure").get(pk=intake.pk)
    if locked.version != version:
        raise _stale()
    return locked


def _wrong_state(intake: Intake, doing: str) -> ValidationError:
    """A specific refusal: what happened to the intake already, and when."""
    when = _day(intake.outcome_on) if intake.outcome_on else ""
    if intake.status == IntakeStatus.CLOSED_INFORMATION:
        message = _("This intake was already closed as information only on %(date)s: it cannot be %(doing)s.")
    elif intake.status == IntakeStatus.URGENT:
        message = _("This intake was already forwarded as urgent on %(date)s: it cannot be %(doing)s.")
    elif intake.status == IntakeStatus.FORWARDED:
        message = _("This intake was already forwarded to the coordination group on %(date)s: it cannot be %(doing)s.")
    else:
        message = _("This intake is still open: it cannot be %(doing)s.")
    return ValidationError(message % {"date": when, "doing": doing}, code="wrong_state")


def _check_choice(errors: Errors, field: str, value: Any, allowed: list[str], message: str) -> None:
    if value not in allowed:
        errors.add(field, message)


def _clean_intake(values: dict[str, Any], errors: Errors) -> dict[str, Any]:
    """The intake's own fields, checked; refusals go to ``errors``."""
    clean: dict[str, Any] = {}
    received_on = values.get("received_on")
    today = timezone.localdate()
    if not isinstance(received_on, datetime.date):
        errors.add("received_on", _("Enter the date the intake was received, as dd/mm/yyyy."))
    elif received_on > today:
        errors.add("received_on", _("The date received is in the future: an intake is recorded once received."))
    elif received_on.year < OLDEST_INTAKE_YEAR:
        errors.add(
            "received_on", _("The date received is before %(year)s: check the year.") % {"year": OLDEST_INTAKE_YEAR}
        )
    clean["received_on"] = received_on
    _check_choice(errors, "channel", values.get("channel"), Channel.values, _("Choose how the intake arrived."))
    _check_choice(errors, "source", values.get("source"), Source.values, _("Choose who made the request or signal."))
    _check_choice(errors, "prevalent_need", values.get("prevalent_need"), Need.values, _("Choose the prevalent need."))
    urgency = values.get("urgency") or Urgency.ORDINARY
    _check_choice(errors, "urgency", urgency, Urgency.values, _("Choose the urgency from the list."))
    for name in ("channel", "source", "prevalent_need"):
        clean[name] = values.get(name)
    clean["urgency"] = urgency
    clean["source_detail"] = clean_text(values.get("source_detail"))
    if clean["source"] in SOURCES_NEEDING_DETAIL and not clean["source_detail"]:
        errors.add("source_detail", _("Say which service, body or person made the signal."))
    if len(clean["source_detail"]) > SOURCE_DETAIL_MAX:
        errors.add("source_detail", _("Write at most %(n)s characters.") % {"n": SOURCE_DETAIL_MAX})
    clean["notes"] = (values.get("notes") or "").strip()
    clean["unidentified_description"] = clean_text(values.get("unidentified_description"))
    if len(clean["unidentified_description"]) > DESCRIPTION_MAX:
        errors.add("unidentified_description", _("Write at most %(n)s characters.") % {"n": DESCRIPTION_MAX})
    return clean


def _current_household(person: Person | None) -> Any:
    if person is None:
        return None
    member = HouseholdMember.objects.filter(person=person, date_out__isnull=True).select_related("household").first()
    return member.household if member is not None else None


@transaction.atomic
def intake_create(
    *,
    actor: Operator,
    membership: Membership,
    values: dict[str, Any],
    person: Person | None = None,
    new_person: dict[str, Any] | None = None,
    confirm_not_duplicate: bool = False,
    request: HttpRequest | None = None,
) -> Intake:
    """Record an intake at the operator's structure, about ``person``, a person registered now
    (``new_person``: the values ``person_create`` takes), or someone described but not identified.

    Refusals of the new person's fields are keyed ``person_<field>``; a probable duplicate
    comes back under ``person`` with code ``possible_duplicate`` and the candidates' ids.
    """
    errors = Errors()
    clean = _clean_intake(values, errors)
    if person is not None and new_person is not None:
        errors.add("person", _("Choose an existing person or register a new one, not both."))
    if person is None and new_person is None and not clean["unidentified_description"]:
        errors.add(
            "unidentified_description",
            _("Choose the person, register them, or describe who the intake is about (e.g. “man about 60”)."),
        )
    organisation = membership.structure.organisation
    duplicate: ValidationError | None = None
    if new_person is not None:
        # Registered inside this transaction: any refusal below rolls the person back too.
        try:
            person = person_create(
                actor=actor,
                organisation=organisation,
                values=new_person,
                confirm_not_duplicate=confirm_not_duplicate,
                request=request,
            )
        except ValidationError as exc:
            if hasattr(exc, "error_dict"):
                for field, field_errors in exc.error_dict.items():
                    for error in field_errors:
                        errors.add(PERSON_ERROR_PREFIX + field, error.messages[0])
            else:
                duplicate = exc
    if duplicate is not None:
        # Keyed like the rest, so the form shows the candidates beside any other refusal.
        raise ValidationError({**errors.by_field, "person": [duplicate]})
    errors.raise_any()
    intake = Intake.objects.create(
        ambito=organisation.ambito,
        structure=membership.structure,
        recorded_by=actor,
        person=person,
        household=_current_household(person),
        **clean,
    )
    record_event(
        action="access.intake.created",
        actor=actor,
        target=intake,
        payload={
            "identified": person is not None,
            "new_person": new_person is not None,
            "fields": sorted(k for k, v in clean.items() if v not in ("", None)),
        },
        request=request,
    )
    return intake


@transaction.atomic
def intake_update(
    *, actor: Operator, intake: Intake, version: int, values: dict[str, Any], request: HttpRequest | None = None
) -> Intake:
    """Correct an open intake's data; ``version`` is the one the operator saw (no lost updates)."""
    locked = _lock(intake, version)
    if not locked.is_open:
        raise _wrong_state(locked, _("edited"))
    errors = Errors()
    clean = _clean_intake(values, errors)
    if locked.person_id is None and not clean["unidentified_description"]:
        errors.add("unidentified_description", _("Describe who the intake is about, or link the person."))
    errors.raise_any()
    changed = sorted(name for name, value in clean.items() if getattr(locked, name) != value)
    for name, value in clean.items():
        setattr(locked, name, value)
    locked.version += 1
    locked.save()
    record_event(
        action="access.intake.updated", actor=actor, target=locked, payload={"fields": changed}, request=request
    )
    return locked


@transaction.atomic
def intake_link_person(
    *, actor: Operator, intake: Intake, version: int, person: Person, request: HttpRequest | None = None
) -> Intake:
    """The person an unidentified intake was about has been identified (or registered)."""
    locked = _lock(intake, version)
    if locked.person_id is not None:
        if locked.person_id == person.pk:
            raise ValidationError({"person": _("The intake is already linked to this person.")})
        raise ValidationError(
            {"person": _("The intake is already linked to another person: a wrong link must be reported.")}
        )
    locked.person = person
    locked.household = _current_household(person)
    locked.version += 1
    locked.save()
    record_event(
        action="access.intake.person_linked",
        actor=actor,
        target=locked,
        payload={"household": locked.household_id is not None},
        request=request,
    )
    return locked


def _active_coordination_group(intake: Intake) -> Team:
    group = Team.objects.filter(ambito_id=intake.ambito_id, kind=TeamKind.COORDINATION_GROUP, is_active=True).first()
    if group is None:
        raise ValidationError(
            _(
                "The ambito has no active coordination group to receive the intake: ask the ambito's "
                "administrator to set it up, then forward again."
            ),
            code="no_coordination_group",
        )
    return group


def _outcome_date(errors: Errors, intake: Intake, outcome_on: datetime.date | None) -> datetime.date:
    day = outcome_on or timezone.localdate()
    if day > timezone.localdate():
        errors.add("outcome_on", _("The outcome date is in the future: record the outcome once it happens."))
    elif day < intake.received_on:
        errors.add(
            "outcome_on",
            _("The outcome date is before the intake was received (%(date)s).") % {"date": _day(intake.received_on)},
        )
    return day


@transaction.atomic
def intake_close_information(
    *,
    actor: Operator,
    intake: Intake,
    version: int,
    outcome_note: str,
    outcome_on: datetime.date | None = None,
    request: HttpRequest | None = None,
) -> Intake:
    """Information and orientation only: the intake ends at the front door, with a note of what was said."""
    locked = _lock(intake, version)
    if not locked.is_open:
        raise _wrong_state(locked, _("closed as information only"))
    errors = Errors()
    note = (outcome_note or "").strip()
    if not note:
        errors.add("outcome_note", _("Write what information or orientation was given."))
    day = _outcome_date(errors, locked, outcome_on)
    errors.raise_any()
    locked.status = IntakeStatus.CLOSED_INFORMATION
    locked.outcome_on = day
    locked.outcome_note = note
    locked.outcome_by = actor
    locked.version += 1
    locked.save()
    record_event(action="access.intake.closed_information", actor=actor, target=locked, request=request)
    return locked


@transaction.atomic
def intake_forward(
    *,
    actor: Operator,
    intake: Intake,
    version: int,
    outcome_note: str = "",
    outcome_on: datetime.date | None = None,
    request: HttpRequest | None = None,
) -> Intake:
    """Send the intake, with its pre-assessment, to the coordination group of the ambito (seed 001:105)."""
    locked = _lock(intake, version)
    if not locked.is_open:
        raise _wrong_state(locked, _("forwarded"))
    group = _active_coordination_group(locked)
    errors = Errors()
    if not locked.pre_assessments.exists():
        errors.add(
            "pre_assessment",
            _("Complete the pre-assessment form first: the coordination group receives it with the intake."),
        )
    day = _outcome_date(errors, locked, outcome_on)
    errors.raise_any()
    locked.status = IntakeStatus.FORWARDED
    locked.forwarded_to = group
    locked.outcome_on = day
    locked.outcome_note = (outcome_note or "").strip()
    locked.outcome_by = actor
    locked.version += 1
    locked.save()
    record_event(
        action="access.intake.forwarded", actor=actor, target=locked, payload={"team": group.pk}, request=request
    )
    return locked


@transaction.atomic
def intake_mark_urgent(
    *,
    actor: Operator,
    intake: Intake,
    version: int,
    outcome_note: str,
    outcome_on: datetime.date | None = None,
    request: HttpRequest | None = None,
) -> Intake:
    """Forward as urgent, from an open intake or one already forwarded whose situation worsened.

    No pre-assessment is required: an urgent situation must not wait for the form.
    """
    locked = _lock(intake, version)
    if locked.status not in (IntakeStatus.OPEN, IntakeStatus.FORWARDED):
        raise _wrong_state(locked, _("marked urgent"))
    group = _active_coordination_group(locked)
    errors = Errors()
    note = (outcome_note or "").strip()
    if not note:
        errors.add("outcome_note", _("Write why the situation is urgent: the coordination group reads it first."))
    day = _outcome_date(errors, locked, outcome_on)
    errors.raise_any()
    escalated = locked.status in FORWARDED_STATES
    locked.status = IntakeStatus.URGENT
    locked.urgency = Urgency.URGENT
    locked.forwarded_to = group
    locked.outcome_on = day
    locked.outcome_note = note
    locked.outcome_by = actor
    locked.version += 1
    locked.save()
    record_event(
        action="access.intake.marked_urgent",
        actor=actor,
        target=locked,
        payload={"team": group.pk, "escalated": escalated},
        request=request,
    )
    return locked


@transaction.atomic
def pre_assessment_save(
    *,
    actor: Operator,
    intake: Intake,
    form: PreAssessmentForm,
    answers: dict[str, Any],
    request: HttpRequest | None = None,
) -> PreAssessment:
    """Save the answers to ``form`` (the published version) as the intake's current pre-assessment."""
    locked = Intake.objects.select_for_update().get(pk=intake.pk)
    if not locked.is_open:
        raise _wrong_state(locked, _("given a new pre-assessment"))
    if not form.is_published:
        raise ValidationError(
            _("A newer version of the form was published while you were filling it in: open the form again."),
            code="form_not_published",
        )
    clean, problems = clean_answers(form.schema, answers)
    if problems:
        raise ValidationError({key: [message] for key, message in problems.items()})
    pre_assessment = PreAssessment.objects.create(intake=locked, form=form, answers=clean, completed_by=actor)
    record_event(
        action="access.intake.pre_assessment_saved",
        actor=actor,
        target=locked,
        payload={
            "pre_assessment": pre_assessment.pk,
            "form": form.key,
            "version": form.version,
            "answered": len(clean),
        },
        request=request,
    )
    return pre_assessment


@transaction.atomic
def questionnaire_publish(
    *, actor: Operator | None, key: str, title: str, schema: dict[str, Any], request: HttpRequest | None = None
) -> PreAssessmentForm:
    """Publish a new version of a questionnaire; the previous version stays, with its answers, unpublished."""
    errors = Errors()
    title = clean_text(title)
    if not title:
        errors.add("title", _("Give the questionnaire a title."))
    for problem in schema_problems(schema):
        errors.add("schema", problem)
    errors.raise_any()
    # Lock the key's versions so that two publications cannot take the same number.
    current = list(PreAssessmentForm.objects.select_for_update().filter(key=key).values_list("pk", flat=True))
    number = (PreAssessmentForm.objects.filter(pk__in=current).aggregate(n=Max("version"))["n"] or 0) + 1
    PreAssessmentForm.objects.filter(key=key, is_published=True).update(is_published=False)
    form = PreAssessmentForm.objects.create(
        key=key,
        version=number,
        title=title,
        schema=schema,
        is_published=True,
        published_at=timezone.now(),
        published_by=actor,
    )
    record_event(
        action="access.questionnaire.published",
        actor=actor,
        target=form,
        payload={"key": key, "version": number},
        request=request,
    )
    return form
