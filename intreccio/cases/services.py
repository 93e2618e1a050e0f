"""Writes to cases: opening from an intake, the team, every transition of the state machine, notes.

Each service checks the actor's permission, locks the case row and compares the version the
actor saw (a stale version is refused with ``StaleVersion``, never silently overwritten), moves
the state only along ``TRANSITIONS``, writes a DomainEvent named ``cases.case.<verb>`` in the
same transaction, and e-mails the people concerned after the commit.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from intreccio.access.models import FORWARDED_STATES, Intake
from intreccio.accounts.models import Membership, Operator, Role, Structure
from intreccio.audit.services import record_event
from intreccio.cases import permissions
from intreccio.cases.models import (
    TRANSITIONS,
    Case,
    CaseEventText,
    CaseMember,
    CaseNote,
    CaseStatus,
    ClosureOutcome,
    Priority,
    Section,
    TeamRole,
)
from intreccio.people.services.common import Errors, clean_text

# Which team roles an operator's role may hold: a CPI operator is the CPI tutor, and so on.
TEAM_ROLES_BY_ROLE: dict[str, frozenset[str]] = {
    Role.CASE_MANAGER: frozenset({TeamRole.CASE_MANAGER, TeamRole.SOCIAL_WORKER}),
    Role.SOCIAL_WORKER: frozenset({TeamRole.CASE_MANAGER, TeamRole.SOCIAL_WORKER}),
    Role.HEALTH_SPECIALIST: frozenset(
        {TeamRole.CASE_MANAGER, TeamRole.HEALTH_SPECIALIST, TeamRole.SERD_OPERATOR, TeamRole.MENTAL_HEALTH}
    ),
    Role.CPI_OPERATOR: frozenset({TeamRole.CPI_TUTOR}),
    Role.EDUCATOR: frozenset({TeamRole.EDUCATOR}),
    Role.PROVIDER_OPERATOR: frozenset({TeamRole.PROVIDER, TeamRole.SYSTEM_TEAM}),
    Role.COORDINATOR: frozenset({TeamRole.SYSTEM_TEAM}),
}
REASON_MIN_LENGTH = 10


class StaleVersion(Exception):
    """The case changed since the actor loaded it; the view shows what changed."""

    def __init__(self, current: Case) -> None:
        super().__init__("stale case version")
        self.current = current


def _lock(case: Case, version: int) -> Case:
    locked = Case.objects.select_for_update().get(pk=case.pk)
    if locked.version != version:
        raise StaleVersion(locked)
    return locked


def _move(case: Case, target: str) -> None:
    if target not in TRANSITIONS[case.status]:
        raise ValidationError(
            _("A case that is “%(current)s” cannot become “%(target)s”.")
            % {"current": CaseStatus(case.status).label, "target": CaseStatus(target).label},
            code="wrong_state",
        )
    case.status = target


def _save(case: Case, *fields: str) -> None:
    case.version += 1
    case.save(update_fields=[*fields, "version", "updated_at"])


def _notify(operators: Iterable[Operator], subject: str, body: str) -> None:
    recipients = sorted({o.email for o in operators if o.email and o.is_active})
    if not recipients:
        return
    # After the commit: an e-mail about something that was rolled back would be a lie.
    transaction.on_commit(lambda: send_mail(subject, body, None, recipients, fail_silently=True))


def _team(case: Case) -> list[Operator]:
    return [m.operator for m in case.members.filter(left_on__isnull=True).select_related("operator")]


def _current_membership_in(operator: Operator, structure: Structure) -> Membership | None:
    return Membership.objects.current().filter(operator=operator, structure=structure).order_by("pk").first()


def _require_reason(errors: Errors, field: str, reason: str) -> str:
    text = clean_text(reason)
    if len(text) < REASON_MIN_LENGTH:
        errors.add(field, _("Write the reason in at least %(count)d characters.") % {"count": REASON_MIN_LENGTH})
    return text


def _check_member(errors: Errors, *, operator: Operator, structure: Structure, team_role: str, ambito_id: int) -> None:
    if team_role not in TeamRole.values:
        errors.add("team_role", _("Choose the role in the team from the list."))
        return
    membership = _current_membership_in(operator, structure)
    if membership is None:
        errors.add("operator", _("%(name)s does not work in this service today.") % {"name": operator})
        return
    if structure.organisation.ambito_id != ambito_id:
        errors.add("operator", _("%(name)s works in another ambito.") % {"name": operator})
    allowed = TEAM_ROLES_BY_ROLE.get(membership.role, frozenset())
    if team_role not in allowed:
        errors.add(
            "team_role",
            _("A %(role)s cannot be the %(team_role)s of the team.")
            % {"role": Role(membership.role).label, "team_role": TeamRole(team_role).label},
        )


@transaction.atomic
def case_open(
    *,
    request: HttpRequest,
    intake: Intake,
    case_manager: Operator,
    case_manager_structure: Structure,
    members: list[tuple[Operator, Structure, str]],
    priority: str = Priority.ORDINARY,
    for_household: bool = False,
    taken_in_charge_on: datetime.date | None = None,
) -> Case:
    """The coordination group takes a forwarded intake in charge: a case with its manager and team.

    ``members`` are the other team members as (operator, structure, team role); the base team of
    seed 002:5 is one social operator and one CPI operator, so a team with the case manager alone
    is accepted only when the prevalent need is not about work.
    """
    actor: Operator = request.user  # type: ignore[assignment]
    if not permissions.can_allocate(request, intake.ambito_id):
        raise PermissionDenied
    intake = Intake.objects.select_for_update().get(pk=intake.pk)
    errors = Errors()
    if intake.status not in FORWARDED_STATES:
        errors.add("__all__", _("Only an intake forwarded to the coordination group can be taken in charge."))
    if Case.objects.filter(intake=intake).exists():
        errors.add("__all__", _("This intake has already been taken in charge."))
    if intake.person_id is None:
        errors.add("__all__", _("Identify the person of this intake before opening a case."))
    if for_household and intake.household_id is None:
        errors.add("for_household", _("This intake names no household: open the case for the person."))
    if priority not in Priority.values:
        errors.add("priority", _("Choose the priority from the list."))
    day = taken_in_charge_on or timezone.localdate()
    if day < intake.received_on:
        errors.add("taken_in_charge_on", _("A case cannot be taken in charge before the intake was received."))
    if day > timezone.localdate():
        errors.add("taken_in_charge_on", _("The date of taking in charge cannot be in the future."))
    _check_member(
        errors,
        operator=case_manager,
        structure=case_manager_structure,
        team_role=TeamRole.CASE_MANAGER,
        ambito_id=intake.ambito_id,
    )
    seen = {case_manager.pk}
    for operator, structure, team_role in members:
        if team_role == TeamRole.CASE_MANAGER:
            errors.add(
                "members", _("The team has one case manager: choose another role for %(name)s.") % {"name": operator}
            )
        if operator.pk in seen:
            errors.add("members", _("%(name)s is in the team twice.") % {"name": operator})
        seen.add(operator.pk)
        _check_member(errors, operator=operator, structure=structure, team_role=team_role, ambito_id=intake.ambito_id)
    errors.raise_any()

    case = Case.objects.create(
        ambito_id=intake.ambito_id,
        person_id=intake.person_id,
        household_id=intake.household_id if for_household else None,
        intake=intake,
        priority=priority,
        prevalent_need=intake.prevalent_need,
        case_manager=case_manager,
        case_manager_structure=case_manager_structure,
        accessed_on=intake.received_on,
        taken_in_charge_on=day,
    )
    case.number = f"{case.ambito.code}-{day.year}-{case.pk:06d}"
    case.save(update_fields=["number"])
    CaseMember.objects.create(
        case=case,
        operator=case_manager,
        structure=case_manager_structure,
        team_role=TeamRole.CASE_MANAGER,
        joined_on=day,
    )
    for operator, structure, team_role in members:
        CaseMember.objects.create(case=case, operator=operator, structure=structure, team_role=team_role, joined_on=day)
    record_event(
        action="cases.case.opened",
        actor=actor,
        target=case,
        payload={
            "intake": intake.pk,
            "priority": priority,
            "case_manager": case_manager.pk,
            "members": [[o.pk, r] for o, _s, r in members],
            "waiting_days": (day - intake.received_on).days,
        },
        request=request,
    )
    _notify(
        _team(case),
        _("Intreccio: you are in the team of case %(number)s") % {"number": case.number},
        _(
            "The coordination group has taken case %(number)s in charge and you are in its team. "
            "Sign in to Intreccio to read the pre-assessment and the case."
        )
        % {"number": case.number},
    )
    return case


@transaction.atomic
def case_member_add(
    *, request: HttpRequest, case: Case, version: int, operator: Operator, structure: Structure, team_role: str
) -> Case:
    if not (permissions.can_manage(request, case) or permissions.can_allocate(request, case.ambito_id)):
        raise PermissionDenied
    case = _lock(case, version)
    errors = Errors()
    if not case.is_open:
        errors.add("__all__", _("The team of a closed case cannot change."))
    if team_role == TeamRole.CASE_MANAGER:
        errors.add("team_role", _("To change the case manager, use “Change case manager”."))
    if case.members.filter(operator=operator, left_on__isnull=True).exists():
        errors.add("operator", _("%(name)s is already in the team.") % {"name": operator})
    _check_member(errors, operator=operator, structure=structure, team_role=team_role, ambito_id=case.ambito_id)
    errors.raise_any()
    CaseMember.objects.create(
        case=case, operator=operator, structure=structure, team_role=team_role, joined_on=timezone.localdate()
    )
    _save(case)
    record_event(
        action="cases.case.member_added",
        actor=request.user,  # type: ignore[arg-type]
        target=case,
        payload={"operator": operator.pk, "team_role": team_role},
        request=request,
    )
    _notify(
        [operator],
        _("Intreccio: you joined the team of case %(number)s") % {"number": case.number},
        _("You have been added to the team of case %(number)s as %(role)s.")
        % {"number": case.number, "role": TeamRole(team_role).label},
    )
    return case


@transaction.atomic
def case_member_remove(*, request: HttpRequest, case: Case, version: int, member: CaseMember) -> Case:
    if not (permissions.can_manage(request, case) or permissions.can_allocate(request, case.ambito_id)):
        raise PermissionDenied
    case = _lock(case, version)
    errors = Errors()
    if member.case_id != case.pk or member.left_on is not None:
        errors.add("__all__", _("This operator is not in the team any more."))
    elif member.team_role == TeamRole.CASE_MANAGER:
        errors.add("__all__", _("A team without a case manager is not allowed: change the case manager instead."))
    errors.raise_any()
    member.left_on = timezone.localdate()
    member.save(update_fields=["left_on", "updated_at"])
    _save(case)
    record_event(
        action="cases.case.member_removed",
        actor=request.user,  # type: ignore[arg-type]
        target=case,
        payload={"operator": member.operator_id, "team_role": member.team_role},
        request=request,
    )
    return case


@transaction.atomic
def case_manager_change(
    *, request: HttpRequest, case: Case, version: int, operator: Operator, structure: Structure, reason: str
) -> Case:
    """The coordination group hands the case to another case manager (the old one leaves the role)."""
    if not permissions.can_allocate(request, case.ambito_id):
        raise PermissionDenied
    case = _lock(case, version)
    errors = Errors()
    text = _require_reason(errors, "reason", reason)
    if not case.is_open:
        errors.add("__all__", _("The case manager of a closed case cannot change."))
    if operator.pk == case.case_manager_id:
        errors.add("operator", _("%(name)s is already the case manager.") % {"name": operator})
    _check_member(
        errors, operator=operator, structure=structure, team_role=TeamRole.CASE_MANAGER, ambito_id=case.ambito_id
    )
    errors.raise_any()
    today = timezone.localdate()
    case.members.filter(left_on__isnull=True, team_role=TeamRole.CASE_MANAGER).update(left_on=today)
    case.members.filter(left_on__isnull=True, operator=operator).update(left_on=today)
    CaseMember.objects.create(
        case=case, operator=operator, structure=structure, team_role=TeamRole.CASE_MANAGER, joined_on=today
    )
    previous = case.case_manager_id
    case.case_manager = operator
    case.case_manager_structure = structure
    _save(case, "case_manager", "case_manager_structure")
    record_event(
        action="cases.case.case_manager_changed",
        actor=request.user,  # type: ignore[arg-type]
        target=case,
        payload={"from": previous, "to": operator.pk, "text_id": _words(case, text)},
        request=request,
    )
    _notify(
        [operator],
        _("Intreccio: you are the case manager of case %(number)s") % {"number": case.number},
        _("The coordination group has made you the case manager of case %(number)s.") % {"number": case.number},
    )
    return case


def _words(case: Case, text: str) -> int | None:
    """Keep what the operator wrote with an event out of the append-only log: the event names the row."""
    if not text:
        return None
    return CaseEventText.objects.create(case=case, text=text).pk


def _transition(
    *,
    request: HttpRequest,
    case: Case,
    target: str,
    verb: str,
    payload: dict[str, Any] | None = None,
    errors: Errors | None = None,
    extra_fields: tuple[str, ...] = (),
) -> Case:
    """Move a locked, permission-checked case; ``errors`` carries the caller's own refusals."""
    errors = errors or Errors()
    try:
        _move(case, target)
    except ValidationError as exc:
        errors.add("__all__", exc.messages[0])
    errors.raise_any()
    _save(case, "status", *extra_fields)
    record_event(
        action=f"cases.case.{verb}",
        actor=request.user,  # type: ignore[arg-type]
        target=case,
        payload={"status": target, **(payload or {})},
        request=request,
    )
    return case


@transaction.atomic
def case_start_assessment(*, request: HttpRequest, case: Case, version: int) -> Case:
    if not permissions.can_manage(request, case):
        raise PermissionDenied
    case = _lock(case, version)
    return _transition(request=request, case=case, target=CaseStatus.ASSESSING, verb="assessment_started")


@transaction.atomic
def case_mark_project_drafted(*, request: HttpRequest, case: Case, version: int) -> Case:
    """Called by the plans app when the personalised project is ready for validation."""
    if not permissions.can_manage(request, case):
        raise PermissionDenied
    case = _lock(case, version)
    return _transition(request=request, case=case, target=CaseStatus.PROJECT_DRAFTED, verb="project_drafted")


@transaction.atomic
def case_mark_project_validated(*, request: HttpRequest, case: Case, version: int) -> Case:
    """Called by the plans app when the coordination group validates the project."""
    if not permissions.can_allocate(request, case.ambito_id):
        raise PermissionDenied
    case = _lock(case, version)
    case = _transition(request=request, case=case, target=CaseStatus.PROJECT_VALIDATED, verb="project_validated")
    _notify(
        [case.case_manager],
        _("Intreccio: the project of case %(number)s is validated") % {"number": case.number},
        _("The coordination group has validated the personalised project of case %(number)s.")
        % {"number": case.number},
    )
    return case


@transaction.atomic
def case_send_back_project(*, request: HttpRequest, case: Case, version: int, reason: str) -> Case:
    """The coordination group does not validate: the project goes back to the case manager."""
    if not permissions.can_allocate(request, case.ambito_id):
        raise PermissionDenied
    case = _lock(case, version)
    errors = Errors()
    text = _require_reason(errors, "reason", reason)
    if case.status == CaseStatus.PROJECT_DRAFTED:
        # Sending back a drafted project keeps it drafted: the state machine needs no move.
        errors.raise_any()
        _save(case)
        record_event(
            action="cases.case.project_sent_back",
            actor=request.user,  # type: ignore[arg-type]
            target=case,
            payload={"text_id": _words(case, text)},
            request=request,
        )
    else:
        case = _transition(
            request=request,
            case=case,
            target=CaseStatus.PROJECT_DRAFTED,
            verb="project_sent_back",
            payload={"text_id": _words(case, text)},
            errors=errors,
        )
    _notify(
        [case.case_manager],
        _("Intreccio: the project of case %(number)s needs changes") % {"number": case.number},
        # The reason stays in Intreccio: e-mail is no place for what the person's path is made of.
        _("The coordination group has sent the project of case %(number)s back: read why on the case page.")
        % {"number": case.number},
    )
    return case


@transaction.atomic
def case_activate(*, request: HttpRequest, case: Case, version: int) -> Case:
    if not permissions.can_manage(request, case):
        raise PermissionDenied
    case = _lock(case, version)
    return _transition(request=request, case=case, target=CaseStatus.ACTIVE, verb="activated")


@transaction.atomic
def case_suspend(*, request: HttpRequest, case: Case, version: int, reason: str) -> Case:
    if not permissions.can_manage(request, case):
        raise PermissionDenied
    case = _lock(case, version)
    errors = Errors()
    text = _require_reason(errors, "reason", reason)
    return _transition(
        request=request,
        case=case,
        target=CaseStatus.SUSPENDED,
        verb="suspended",
        payload={"text_id": _words(case, text)},
        errors=errors,
    )


@transaction.atomic
def case_resume(*, request: HttpRequest, case: Case, version: int) -> Case:
    if not permissions.can_manage(request, case):
        raise PermissionDenied
    case = _lock(case, version)
    errors = Errors()
    if case.status != CaseStatus.SUSPENDED:
        errors.add("__all__", _("Only a suspended case can be resumed."))
    return _transition(request=request, case=case, target=CaseStatus.ACTIVE, verb="resumed", errors=errors)


@transaction.atomic
def case_return_to_team(*, request: HttpRequest, case: Case, version: int, reason: str) -> Case:
    """The CPI operator sends the person back to the team: the pact is not respected (001:71)."""
    membership = getattr(request, "membership", None)
    if membership is None or membership.role != Role.CPI_OPERATOR or not permissions.is_team_member(request, case):
        raise PermissionDenied
    case = _lock(case, version)
    errors = Errors()
    text = _require_reason(errors, "reason", reason)
    case = _transition(
        request=request,
        case=case,
        target=CaseStatus.RETURNED_TO_TEAM,
        verb="returned_to_team",
        payload={"text_id": _words(case, text)},
        errors=errors,
    )
    _notify(
        [case.case_manager],
        _("Intreccio: case %(number)s returned to the team") % {"number": case.number},
        _(
            "The employment centre reports that the pact of case %(number)s is not respected (D.lgs 150/2015 "
            "art. 20). Read the reason and answer in Intreccio."
        )
        % {"number": case.number},
    )
    return case


@transaction.atomic
def case_answer_return(*, request: HttpRequest, case: Case, version: int, answer: str, replan: bool) -> Case:
    """The case manager answers a non-compliance report: resume the pact, or re-plan."""
    if not permissions.can_manage(request, case):
        raise PermissionDenied
    case = _lock(case, version)
    errors = Errors()
    text = _require_reason(errors, "answer", answer)
    if case.status != CaseStatus.RETURNED_TO_TEAM:
        errors.add("__all__", _("This case has not been returned to the team."))
    target = CaseStatus.PROJECT_DRAFTED if replan else CaseStatus.ACTIVE
    return _transition(
        request=request,
        case=case,
        target=target,
        verb="return_answered",
        payload={"text_id": _words(case, text), "replan": replan},
        errors=errors,
    )


@transaction.atomic
def case_close(
    *, request: HttpRequest, case: Case, version: int, outcome: str, reason: str, closed_on: datetime.date | None = None
) -> Case:
    if not permissions.can_manage(request, case):
        raise PermissionDenied
    case = _lock(case, version)
    errors = Errors()
    text = _require_reason(errors, "reason", reason)
    if outcome not in ClosureOutcome.values:
        errors.add("outcome", _("Choose the outcome from the list."))
    day = closed_on or timezone.localdate()
    if day < case.taken_in_charge_on:
        errors.add("closed_on", _("A case cannot close before it was taken in charge."))
    if day > timezone.localdate():
        errors.add("closed_on", _("The closing date cannot be in the future."))
    case.closed_on = day
    case.closure_outcome = outcome
    case.closure_reason = text
    case = _transition(
        request=request,
        case=case,
        target=CaseStatus.CLOSED,
        verb="closed",
        payload={"outcome": outcome},
        errors=errors,
        extra_fields=("closed_on", "closure_outcome", "closure_reason"),
    )
    _notify(
        _team(case),
        _("Intreccio: case %(number)s closed") % {"number": case.number},
        _("Case %(number)s has been closed (%(outcome)s).")
        % {"number": case.number, "outcome": ClosureOutcome(outcome).label},
    )
    return case


@transaction.atomic
def case_reopen(*, request: HttpRequest, case: Case, version: int, reason: str) -> Case:
    """Re-open a closed case: back to assessment, with the reason on record."""
    if not (permissions.can_manage(request, case) or permissions.can_allocate(request, case.ambito_id)):
        raise PermissionDenied
    case = _lock(case, version)
    errors = Errors()
    text = _require_reason(errors, "reason", reason)
    previous = {"closed_on": case.closed_on.isoformat() if case.closed_on else None, "outcome": case.closure_outcome}
    if case.status == CaseStatus.CLOSED:
        case.closed_on = None
        case.closure_outcome = ""
    return _transition(
        request=request,
        case=case,
        target=CaseStatus.ASSESSING,
        verb="reopened",
        payload={"text_id": _words(case, text), "previous": previous},
        errors=errors,
        extra_fields=("closed_on", "closure_outcome"),
    )


@transaction.atomic
def case_note_add(*, request: HttpRequest, case: Case, section: str, text: str) -> CaseNote:
    """A note in one section; notes of a service that keeps them private stay within it."""
    errors = Errors()
    if section not in Section.values:
        errors.add("section", _("Choose the section from the list."))
    elif not permissions.can_write_section(request, case, section):
        raise PermissionDenied
    body = (text or "").strip()
    if not body:
        errors.add("text", _("Write the note."))
    errors.raise_any()
    actor: Operator = request.user  # type: ignore[assignment]
    membership = request.membership  # type: ignore[attr-defined]
    structure = membership.structure
    note = CaseNote.objects.create(
        case=case,
        section=section,
        text=body,
        author=actor,
        author_structure=structure,
        restricted_to_structure=structure.keeps_notes_private,
    )
    record_event(
        action="cases.note.added",
        actor=request.user,  # type: ignore[arg-type]
        target=case,
        # The timeline needs to know who may see that a note exists at all.
        payload={
            "section": section,
            "note": note.pk,
            "restricted_to": structure.pk if note.restricted_to_structure else None,
        },
        request=request,
    )
    return note


@transaction.atomic
def case_record_first_intervention(*, case: Case, on: datetime.date) -> None:
    """Called when an intervention starts: keeps the earliest start as the first intervention date."""
    locked = Case.objects.select_for_update().get(pk=case.pk)
    if locked.first_intervention_on is None or on < locked.first_intervention_on:
        locked.first_intervention_on = max(on, locked.accessed_on)
        locked.save(update_fields=["first_intervention_on", "updated_at"])
