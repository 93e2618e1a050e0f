"""Writes to meetings: convene, reschedule, cancel, attendance, minutes, decisions, mediators.

Every service checks the actor's permission, refuses bad input with messages keyed by field,
writes a DomainEvent with ``target=case`` (so it shows in the case timeline) in the same
transaction, and sends its e-mails only after the commit. Payloads never carry the agenda,
the minutes or the text of a decision: the audit trail is read by auditors, not by the team.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping, Sequence

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import URLValidator
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from intreccio.accounts.models import Membership, Operator, Organisation
from intreccio.audit.services import record_event
from intreccio.cases.models import Case
from intreccio.meetings import notifications, permissions
from intreccio.meetings.languages import LANGUAGES, language_name
from intreccio.meetings.models import (
    ACTIVE_BOOKING,
    Attendance,
    BookingStatus,
    Decision,
    Mediator,
    MediatorBooking,
    Meeting,
    MeetingInvitee,
    MeetingStatus,
)
from intreccio.people.services.common import Errors, clean_text
from intreccio.territory.models import Comune, SubAmbito

MAX_DURATION = datetime.timedelta(hours=10)
MAX_AHEAD = datetime.timedelta(days=366)
TITLE_MAX = 200
REASON_MIN_LENGTH = 10


class StaleMeeting(Exception):
    """The meeting changed since the actor loaded it; the view shows the current version."""

    def __init__(self, current: Meeting) -> None:
        super().__init__("stale meeting version")
        self.current = current


def _actor(request: HttpRequest) -> Operator:
    return request.user  # type: ignore[return-value]


def _membership(request: HttpRequest) -> Membership:
    membership: Membership = request.membership  # type: ignore[attr-defined]
    return membership


def _lock(meeting: Meeting, version: int) -> Meeting:
    # Lock the meeting row only: the case is a nullable join, which PostgreSQL cannot lock.
    locked = Meeting.objects.select_for_update(of=("self",)).select_related("case", "convened_by").get(pk=meeting.pk)
    if locked.version != version:
        raise StaleMeeting(locked)
    return locked


def _save(meeting: Meeting, *fields: str) -> None:
    meeting.version += 1
    meeting.save(update_fields=[*fields, "version", "updated_at"])


def _case(meeting: Meeting) -> Case:
    # Meetings of governance bodies (no case) are a later issue; nothing here may touch them.
    if meeting.case is None:
        raise PermissionDenied
    return meeting.case


def _require_runner(request: HttpRequest, meeting: Meeting) -> Case:
    case = _case(meeting)
    if not permissions.can_run_meetings(request, case):
        raise PermissionDenied
    return case


def _current_team_ids(case: Case) -> set[int]:
    return set(case.members.filter(left_on__isnull=True).values_list("operator_id", flat=True))


def _check_when_where(
    errors: Errors,
    *,
    starts_at: datetime.datetime | None,
    ends_at: datetime.datetime | None,
    place: str,
    video_link: str,
) -> None:
    now = timezone.now()
    if starts_at is None:
        errors.add("starts_at", _("Enter the date and time the meeting starts."))
    elif starts_at < now:
        errors.add("starts_at", _("A meeting cannot be set in the past: choose a date and time from now on."))
    elif starts_at > now + MAX_AHEAD:
        errors.add("starts_at", _("A meeting is set at most one year ahead: check the year."))
    if ends_at is None:
        errors.add("ends_at", _("Enter the time the meeting ends."))
    elif starts_at is not None and ends_at <= starts_at:
        errors.add("ends_at", _("The meeting must end after it starts."))
    elif starts_at is not None and ends_at - starts_at > MAX_DURATION:
        errors.add("ends_at", _("A meeting lasts at most 10 hours: check the end date and time."))
    if not place and not video_link:
        errors.add("place", _("Write where the meeting takes place, or give the video-call link."))
    if video_link:
        try:
            URLValidator(schemes=["https"])(video_link)
        except ValidationError:
            errors.add("video_link", _("The video-call link must be a full https:// address."))


def _event(request: HttpRequest, action: str, meeting: Meeting, **payload: object) -> None:
    record_event(
        action=action,
        actor=_actor(request),
        target=meeting.case,
        payload={"meeting": meeting.pk, **payload},
        request=request,
    )


def _prefetched(meeting: Meeting) -> Meeting:
    """The meeting with what its e-mails need, read inside the transaction."""
    return (
        Meeting.objects.select_related("case", "convened_by").prefetch_related("invitees__operator").get(pk=meeting.pk)
    )


def _active_bookings(meeting: Meeting) -> list[MediatorBooking]:
    return list(meeting.bookings.filter(ACTIVE_BOOKING).select_related("mediator", "requested_by", "meeting"))


def _organisation_name(request: HttpRequest) -> str:
    return _membership(request).structure.organisation.name


# --- meetings ----------------------------------------------------------------------------------


@transaction.atomic
def meeting_convene(
    *,
    request: HttpRequest,
    case: Case,
    title: str,
    starts_at: datetime.datetime | None,
    ends_at: datetime.datetime | None,
    place: str = "",
    video_link: str = "",
    agenda: str = "",
    invitees: Iterable[Operator],
) -> Meeting:
    """The case manager convenes the team; each invitee gets the convocation with its .ics."""
    if not permissions.can_run_meetings(request, case):
        raise PermissionDenied
    actor = _actor(request)
    errors = Errors()
    title = clean_text(title)
    place = clean_text(place)
    video_link = (video_link or "").strip()
    if not case.is_open:
        errors.add("__all__", _("The team of a closed case does not meet any more."))
    if not title:
        errors.add("title", _("Give the meeting a title, e.g. “Assessment” or “Project review”."))
    elif len(title) > TITLE_MAX:
        errors.add("title", _("The title is at most %(count)d characters.") % {"count": TITLE_MAX})
    _check_when_where(errors, starts_at=starts_at, ends_at=ends_at, place=place, video_link=video_link)
    team = _current_team_ids(case)
    chosen: dict[int, Operator] = {o.pk: o for o in invitees}
    for operator in chosen.values():
        if operator.pk not in team:
            errors.add("invitees", _("%(name)s is not in the team of this case.") % {"name": operator})
    if not set(chosen) - {actor.pk}:
        errors.add("invitees", _("Invite at least one other member of the team."))
    errors.raise_any()
    assert starts_at is not None and ends_at is not None

    meeting = Meeting.objects.create(
        case=case,
        title=title,
        starts_at=starts_at,
        ends_at=ends_at,
        place=place,
        video_link=video_link,
        agenda=(agenda or "").strip(),
        convened_by=actor,
    )
    # The convener is at the meeting too: their attendance is recorded with the others'.
    chosen.setdefault(actor.pk, actor)
    MeetingInvitee.objects.bulk_create(MeetingInvitee(meeting=meeting, operator=o) for o in chosen.values())
    _event(
        request,
        "meetings.meeting.convened",
        meeting,
        starts_at=meeting.starts_at.isoformat(),
        ends_at=meeting.ends_at.isoformat(),
        invitees=sorted(chosen),
    )
    meeting = _prefetched(meeting)
    notifications.send_after_commit(notifications.invitation_messages(meeting, kind="convened", request=request))
    return meeting


@transaction.atomic
def meeting_reschedule(
    *,
    request: HttpRequest,
    meeting: Meeting,
    version: int,
    title: str,
    starts_at: datetime.datetime | None,
    ends_at: datetime.datetime | None,
    place: str = "",
    video_link: str = "",
    agenda: str = "",
) -> Meeting:
    """Change a planned meeting; a new time or place goes out again with a higher SEQUENCE."""
    _require_runner(request, meeting)
    meeting = _lock(meeting, version)
    errors = Errors()
    title = clean_text(title)
    place = clean_text(place)
    video_link = (video_link or "").strip()
    if meeting.status != MeetingStatus.PLANNED:
        errors.add("__all__", _("Only a planned meeting can be changed."))
    if not title:
        errors.add("title", _("Give the meeting a title, e.g. “Assessment” or “Project review”."))
    elif len(title) > TITLE_MAX:
        errors.add("title", _("The title is at most %(count)d characters.") % {"count": TITLE_MAX})
    _check_when_where(errors, starts_at=starts_at, ends_at=ends_at, place=place, video_link=video_link)
    errors.raise_any()

    moved = (meeting.starts_at, meeting.ends_at, meeting.place, meeting.video_link) != (
        starts_at,
        ends_at,
        place,
        video_link,
    )
    meeting.title, meeting.agenda = title, (agenda or "").strip()
    fields = ["title", "agenda"]
    if moved:
        meeting.starts_at, meeting.ends_at = starts_at, ends_at  # type: ignore[assignment]
        meeting.place, meeting.video_link = place, video_link
        meeting.sequence += 1
        fields += ["starts_at", "ends_at", "place", "video_link", "sequence"]
    _save(meeting, *fields)
    _event(
        request,
        "meetings.meeting.rescheduled" if moved else "meetings.meeting.updated",
        meeting,
        starts_at=meeting.starts_at.isoformat(),
        ends_at=meeting.ends_at.isoformat(),
        sequence=meeting.sequence,
    )
    if moved:
        meeting = _prefetched(meeting)
        organisation = _organisation_name(request)
        messages = notifications.invitation_messages(meeting, kind="rescheduled", request=request)
        messages += [
            notifications.mediator_message(b, kind="rescheduled", organisation=organisation)
            for b in _active_bookings(meeting)
        ]
        notifications.send_after_commit(messages)
    return meeting


@transaction.atomic
def meeting_cancel(*, request: HttpRequest, meeting: Meeting, version: int, reason: str) -> Meeting:
    """Cancel a planned meeting: invitees get a CANCEL for their calendars, mediators are released."""
    _require_runner(request, meeting)
    meeting = _lock(meeting, version)
    errors = Errors()
    reason = clean_text(reason)
    if meeting.status != MeetingStatus.PLANNED:
        errors.add("__all__", _("Only a planned meeting can be cancelled."))
    if len(reason) < REASON_MIN_LENGTH:
        errors.add("reason", _("Write the reason in at least %(count)d characters.") % {"count": REASON_MIN_LENGTH})
    errors.raise_any()
    meeting.status = MeetingStatus.CANCELLED
    meeting.cancel_reason = reason
    meeting.sequence += 1
    _save(meeting, "status", "cancel_reason", "sequence")
    bookings = _active_bookings(meeting)
    MediatorBooking.objects.filter(pk__in=[b.pk for b in bookings]).update(status=BookingStatus.CANCELLED)
    _event(request, "meetings.meeting.cancelled", meeting, sequence=meeting.sequence)
    meeting = _prefetched(meeting)
    organisation = _organisation_name(request)
    messages = notifications.invitation_messages(meeting, kind="cancelled", request=request)
    messages += [notifications.mediator_message(b, kind="cancelled", organisation=organisation) for b in bookings]
    notifications.send_after_commit(messages)
    return meeting


@transaction.atomic
def meeting_record_attendance(
    *, request: HttpRequest, meeting: Meeting, version: int, attendance: Mapping[int, str]
) -> Meeting:
    """Who came, once the meeting has started; the meeting is then held."""
    _require_runner(request, meeting)
    meeting = _lock(meeting, version)
    errors = Errors()
    if meeting.status == MeetingStatus.CANCELLED:
        errors.add("__all__", _("A cancelled meeting has no attendance."))
    elif meeting.starts_at > timezone.now():
        errors.add("__all__", _("Attendance can be recorded once the meeting has started."))
    invitees = {i.operator_id: i for i in meeting.invitees.select_related("operator")}
    for operator_id, value in attendance.items():
        if operator_id not in invitees:
            errors.add("attendance", _("Only the people invited can be marked present or absent."))
        elif value not in (Attendance.PRESENT, Attendance.ABSENT_EXCUSED, Attendance.ABSENT):
            errors.add(
                "attendance",
                _("Mark %(name)s present, absent or excused.") % {"name": invitees[operator_id].operator},
            )
    missing = [str(i.operator) for pk, i in invitees.items() if pk not in attendance]
    if missing:
        errors.add("attendance", _("Mark also: %(names)s.") % {"names": ", ".join(missing)})
    elif attendance and not any(v == Attendance.PRESENT for v in attendance.values()):
        errors.add("attendance", _("Nobody was present: cancel the meeting instead."))
    errors.raise_any()
    changed = [i for pk, i in invitees.items() if i.attendance != attendance[pk]]
    for invitee in changed:
        invitee.attendance = attendance[invitee.operator_id]
    MeetingInvitee.objects.bulk_update(changed, ["attendance", "updated_at"])
    meeting.status = MeetingStatus.HELD
    _save(meeting, "status")
    _event(
        request,
        "meetings.meeting.attendance_recorded",
        meeting,
        present=sorted(pk for pk, v in attendance.items() if v == Attendance.PRESENT),
    )
    return meeting


@transaction.atomic
def meeting_record_minutes(*, request: HttpRequest, meeting: Meeting, version: int, minutes: str) -> Meeting:
    """Save the minutes; two people saving from the same version: the second gets StaleMeeting."""
    _case(meeting)
    if not permissions.can_write_minutes(request, meeting):
        raise PermissionDenied
    meeting = _lock(meeting, version)
    errors = Errors()
    minutes = (minutes or "").strip()
    if meeting.status == MeetingStatus.CANCELLED:
        errors.add("__all__", _("A cancelled meeting has no minutes."))
    elif meeting.starts_at > timezone.now():
        errors.add("__all__", _("The minutes can be written once the meeting has started."))
    if not minutes:
        errors.add("minutes", _("Write the minutes: what was discussed and agreed."))
    errors.raise_any()
    meeting.minutes = minutes
    meeting.minutes_by = _actor(request)
    _save(meeting, "minutes", "minutes_by")
    _event(request, "meetings.meeting.minutes_recorded", meeting, version=meeting.version)
    return meeting


@transaction.atomic
def decision_add(
    *,
    request: HttpRequest,
    meeting: Meeting,
    text: str,
    owner: Operator | None,
    due_on: datetime.date | None,
) -> Decision:
    """A decision of the team, with who carries it out and by when; it belongs to the case."""
    case = _require_runner(request, meeting)
    meeting = Meeting.objects.select_for_update().get(pk=meeting.pk)
    errors = Errors()
    text = (text or "").strip()
    if meeting.status == MeetingStatus.CANCELLED:
        errors.add("__all__", _("A cancelled meeting takes no decisions."))
    elif meeting.starts_at > timezone.now():
        errors.add("__all__", _("Decisions are recorded once the meeting has started."))
    if not text:
        errors.add("text", _("Write what was decided."))
    if owner is None:
        errors.add("owner", _("Choose who carries the decision out."))
    elif owner.pk not in _current_team_ids(case):
        errors.add("owner", _("%(name)s is not in the team of this case.") % {"name": owner})
    meeting_day = timezone.localtime(meeting.starts_at).date()
    if due_on is None:
        errors.add("due_on", _("Enter the date by which the decision is carried out."))
    elif due_on < meeting_day:
        errors.add("due_on", _("The due date cannot be before the meeting."))
    elif due_on > meeting_day + MAX_AHEAD:
        errors.add("due_on", _("The due date is at most one year after the meeting: check the year."))
    errors.raise_any()
    assert owner is not None and due_on is not None
    decision = Decision.objects.create(
        meeting=meeting, case=case, text=text, owner=owner, due_on=due_on, recorded_by=_actor(request)
    )
    _event(request, "meetings.decision.added", meeting, decision=decision.pk, owner=owner.pk, due_on=due_on.isoformat())
    return decision


# --- mediators ---------------------------------------------------------------------------------


@transaction.atomic
def mediator_book(*, request: HttpRequest, meeting: Meeting, mediator: Mediator, language: str) -> MediatorBooking:
    """Ask a mediator of the roster to attend; they get the date, place and language only."""
    case = _require_runner(request, meeting)
    meeting = Meeting.objects.select_for_update(of=("self",)).select_related("case").get(pk=meeting.pk)
    errors = Errors()
    if meeting.status != MeetingStatus.PLANNED or meeting.starts_at <= timezone.now():
        errors.add("__all__", _("A mediator can be booked only for a planned meeting that has not started."))
    if mediator.ambito_id != case.ambito_id or not mediator.is_active:
        errors.add("mediator", _("Choose a mediator from the active roster of the ambito."))
    if language not in LANGUAGES:
        errors.add("language", _("Choose the language from the list."))
    elif language not in mediator.language_codes:
        errors.add(
            "language",
            _("%(name)s does not mediate in %(language)s.") % {"name": mediator, "language": language_name(language)},
        )
    if meeting.bookings.filter(ACTIVE_BOOKING, mediator=mediator).exists():
        errors.add("mediator", _("%(name)s is already booked for this meeting.") % {"name": mediator})
    errors.raise_any()
    booking = MediatorBooking.objects.create(
        meeting=meeting, mediator=mediator, language=language, requested_by=_actor(request)
    )
    _event(request, "meetings.mediator.booked", meeting, booking=booking.pk, mediator=mediator.pk)
    booking = MediatorBooking.objects.select_related("meeting", "mediator", "requested_by").get(pk=booking.pk)
    message = notifications.mediator_message(booking, kind="requested", organisation=_organisation_name(request))
    notifications.send_after_commit([message])
    return booking


@transaction.atomic
def mediator_booking_set_status(*, request: HttpRequest, booking: MediatorBooking, status: str) -> MediatorBooking:
    """Record the mediator's answer (confirmed) or release them (cancelled)."""
    meeting = booking.meeting
    _require_runner(request, meeting)
    booking = (
        MediatorBooking.objects.select_for_update(of=("self",))
        .select_related("meeting", "mediator", "requested_by")
        .get(pk=booking.pk)
    )
    allowed = {
        BookingStatus.REQUESTED: {BookingStatus.CONFIRMED, BookingStatus.CANCELLED},
        BookingStatus.CONFIRMED: {BookingStatus.CANCELLED},
        BookingStatus.CANCELLED: set(),
    }
    if status not in allowed[BookingStatus(booking.status)]:
        raise ValidationError({"status": _("This booking cannot change that way any more.")})
    booking.status = status
    booking.save(update_fields=["status", "updated_at"])
    _event(request, f"meetings.booking.{status}", booking.meeting, booking=booking.pk, mediator=booking.mediator_id)
    if status == BookingStatus.CANCELLED:
        message = notifications.mediator_message(booking, kind="cancelled", organisation=_organisation_name(request))
        notifications.send_after_commit([message])
    return booking


def _roster_ambito(request: HttpRequest) -> int:
    ambito_id = permissions.roster_ambito_id(request)
    if ambito_id is None:
        raise PermissionDenied
    return ambito_id


def _mediator_values(
    errors: Errors,
    *,
    ambito_id: int,
    name: str,
    email: str,
    languages: Sequence[str],
    organisation: Organisation | None,
    sub_ambiti: Sequence[SubAmbito],
    comuni: Sequence[Comune],
    exclude_pk: int | None = None,
) -> tuple[str, str, str]:
    name = clean_text(name)
    email = (email or "").strip().lower()
    codes = sorted({code for code in languages if code})
    if not name:
        errors.add("name", _("Write the mediator's name."))
    if not email:
        errors.add("email", _("Write the e-mail address the requests go to."))
    elif Mediator.objects.filter(ambito_id=ambito_id, email=email).exclude(pk=exclude_pk or 0).exists():
        errors.add("email", _("Another mediator of the roster has this e-mail address."))
    if not codes:
        errors.add("languages", _("Choose at least one language."))
    unknown = [code for code in codes if code not in LANGUAGES]
    if unknown:
        errors.add("languages", _("Choose the languages from the list."))
    if organisation is not None and organisation.ambito_id != ambito_id:
        errors.add("organisation", _("Choose an organisation of this ambito's network."))
    if any(s.ambito_id != ambito_id for s in sub_ambiti):
        errors.add("sub_ambiti", _("Choose sub-ambiti of this ambito."))
    if any(c.ambito_id != ambito_id for c in comuni):
        errors.add("comuni", _("Choose comuni of this ambito."))
    return name, email, " ".join(codes)


@transaction.atomic
def mediator_create(
    *,
    request: HttpRequest,
    name: str,
    email: str,
    phone: str = "",
    languages: Sequence[str],
    organisation: Organisation | None = None,
    sub_ambiti: Sequence[SubAmbito] = (),
    comuni: Sequence[Comune] = (),
) -> Mediator:
    ambito_id = _roster_ambito(request)
    errors = Errors()
    name, email, codes = _mediator_values(
        errors,
        ambito_id=ambito_id,
        name=name,
        email=email,
        languages=languages,
        organisation=organisation,
        sub_ambiti=sub_ambiti,
        comuni=comuni,
    )
    errors.raise_any()
    try:
        with transaction.atomic():
            mediator = Mediator.objects.create(
                ambito_id=ambito_id,
                name=name,
                email=email,
                phone=clean_text(phone),
                languages=codes,
                organisation=organisation,
            )
    except IntegrityError:
        raise ValidationError({"email": _("Another mediator of the roster has this e-mail address.")}) from None
    mediator.sub_ambiti.set(sub_ambiti)
    mediator.comuni.set(comuni)
    record_event(
        action="meetings.mediator.created",
        actor=_actor(request),
        target=mediator,
        payload={"languages": codes, "sub_ambiti": [s.pk for s in sub_ambiti], "comuni": [c.pk for c in comuni]},
        request=request,
    )
    return mediator


@transaction.atomic
def mediator_update(
    *,
    request: HttpRequest,
    mediator: Mediator,
    name: str,
    email: str,
    phone: str = "",
    languages: Sequence[str],
    organisation: Organisation | None = None,
    sub_ambiti: Sequence[SubAmbito] = (),
    comuni: Sequence[Comune] = (),
    is_active: bool = True,
) -> Mediator:
    ambito_id = _roster_ambito(request)
    if mediator.ambito_id != ambito_id:
        raise PermissionDenied
    errors = Errors()
    name, email, codes = _mediator_values(
        errors,
        ambito_id=ambito_id,
        name=name,
        email=email,
        languages=languages,
        organisation=organisation,
        sub_ambiti=sub_ambiti,
        comuni=comuni,
        exclude_pk=mediator.pk,
    )
    errors.raise_any()
    mediator = Mediator.objects.select_for_update().get(pk=mediator.pk)
    mediator.name, mediator.email, mediator.phone = name, email, clean_text(phone)
    mediator.languages, mediator.organisation, mediator.is_active = codes, organisation, is_active
    mediator.save()
    mediator.sub_ambiti.set(sub_ambiti)
    mediator.comuni.set(comuni)
    record_event(
        action="meetings.mediator.updated",
        actor=_actor(request),
        target=mediator,
        payload={"languages": codes, "is_active": is_active},
        request=request,
    )
    return mediator
