"""The e-mails of meetings: convocation, rescheduling and cancellation with their .ics, mediators' requests.

Messages are built inside the service's transaction (what they say is what was saved) and sent
by ``send_after_commit``. They carry only what a recipient needs to turn up: the case number,
date, time and place, and a link to Intreccio for the agenda. The agenda, minutes and the
person's name stay behind the login, because mail leaves the network's access control.
"""

from __future__ import annotations

from collections.abc import Sequence
from email.mime.text import MIMEText
from email.utils import parseaddr

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db import transaction
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from intreccio.accounts.models import Operator
from intreccio.meetings import ics
from intreccio.meetings.languages import language_name
from intreccio.meetings.models import MediatorBooking, Meeting


def when_text(meeting: Meeting) -> str:
    start = timezone.localtime(meeting.starts_at)
    end = timezone.localtime(meeting.ends_at)
    return _("%(day)s, %(start)s–%(end)s") % {
        "day": start.strftime("%d/%m/%Y"),
        "start": start.strftime("%H:%M"),
        "end": end.strftime("%H:%M") if end.date() == start.date() else end.strftime("%d/%m/%Y %H:%M"),
    }


def where_text(meeting: Meeting) -> str:
    return " – ".join(part for part in (meeting.place, meeting.video_link) if part)


def summary(meeting: Meeting) -> str:
    if meeting.case is None:
        return meeting.title
    return _("Team meeting, case %(number)s") % {"number": meeting.case.number or meeting.case.pk}


def _party(operator: Operator) -> ics.Party:
    return ics.Party(name=operator.get_full_name() or operator.get_username(), email=operator.email)


def _organizer(meeting: Meeting) -> ics.Party:
    convener = meeting.convened_by
    if convener.email:
        return _party(convener)
    return ics.Party(name="Intreccio", email=_from_address())


def _from_address() -> str:
    return parseaddr(settings.DEFAULT_FROM_EMAIL)[1] or "noreply@intreccio.local"


def meeting_calendar(meeting: Meeting, *, link: str = "") -> str:
    """The meeting's .ics as its invitees' calendars should hold it now."""
    attendees = [_party(i.operator) for i in meeting.invitees.all() if i.operator.email]
    event = ics.CalendarEvent(
        uid=ics.uid_for(f"meeting-{meeting.uid}"),
        sequence=meeting.sequence,
        starts_at=meeting.starts_at,
        ends_at=meeting.ends_at,
        summary=summary(meeting),
        location=where_text(meeting),
        description=_("Agenda and documents in Intreccio: %(link)s") % {"link": link} if link else "",
        organizer=_organizer(meeting),
        attendees=attendees,
        cancelled=meeting.status == "cancelled",
    )
    return ics.calendar(event)


def _ics_part(text: str, *, cancelled: bool, filename: str) -> MIMEText:
    part = MIMEText(text, "calendar", "utf-8")
    # Calendar clients act on the method parameter of the part (RFC 6047 §2.4).
    part.set_param("method", "CANCEL" if cancelled else "REQUEST")
    part.add_header("Content-Disposition", "attachment", filename=filename)
    return part


def meeting_link(request: HttpRequest | None, meeting: Meeting) -> str:
    path = reverse("meetings:meeting_detail", args=[meeting.pk])
    return request.build_absolute_uri(path) if request is not None else path


def invitation_messages(meeting: Meeting, *, kind: str, request: HttpRequest | None) -> list[EmailMessage]:
    """One message per invitee with an e-mail address; ``kind`` is convened, rescheduled or cancelled."""
    link = meeting_link(request, meeting)
    text = meeting_calendar(meeting, link=link)
    cancelled = kind == "cancelled"
    values = {"summary": summary(meeting), "when": when_text(meeting), "where": where_text(meeting), "link": link}
    subjects = {
        "convened": _("Convocation: %(summary)s, %(when)s"),
        "rescheduled": _("New date: %(summary)s, %(when)s"),
        "cancelled": _("Cancelled: %(summary)s, %(when)s"),
    }
    bodies = {
        "convened": _(
            "You are invited to the meeting of the team of the case.\n\nWhen: %(when)s\nWhere: %(where)s\n\n"
            "The agenda is in Intreccio: %(link)s\nThe attached invitation adds the meeting to your calendar."
        ),
        "rescheduled": _(
            "The meeting of the team of the case has changed.\n\nWhen: %(when)s\nWhere: %(where)s\n\n"
            "Details in Intreccio: %(link)s\nThe attached invitation updates your calendar."
        ),
        "cancelled": _(
            "The meeting of the team of the case planned for %(when)s has been cancelled.\n\n"
            "Details in Intreccio: %(link)s\nThe attached file removes it from your calendar."
        ),
    }
    messages = []
    recipients = sorted({i.operator.email for i in meeting.invitees.all() if i.operator.email and i.operator.is_active})
    for recipient in recipients:
        message = EmailMessage(subjects[kind] % values, bodies[kind] % values, None, [recipient])
        message.attach(
            _ics_part(text, cancelled=cancelled, filename="invito.ics" if not cancelled else "annullato.ics")
        )
        messages.append(message)
    return messages


def mediator_message(booking: MediatorBooking, *, kind: str, organisation: str) -> EmailMessage:
    """To the mediator: date, time, place and language only, never the case or the person."""
    meeting = booking.meeting
    values = {
        "when": when_text(meeting),
        "where": where_text(meeting),
        "language": language_name(booking.language),
        "organisation": organisation,
    }
    subjects = {
        "requested": _("Request for linguistic-cultural mediation (%(language)s), %(when)s"),
        "rescheduled": _("New date for the mediation (%(language)s): %(when)s"),
        "cancelled": _("Mediation cancelled (%(language)s), %(when)s"),
    }
    bodies = {
        "requested": _(
            "%(organisation)s asks for linguistic-cultural mediation in %(language)s at a meeting.\n\n"
            "When: %(when)s\nWhere: %(where)s\n\nPlease confirm your availability by replying to this message."
        ),
        "rescheduled": _(
            "The meeting for which mediation in %(language)s was requested has moved.\n\n"
            "When: %(when)s\nWhere: %(where)s\n\nPlease confirm your availability by replying to this message."
        ),
        "cancelled": _("The mediation in %(language)s requested for %(when)s is no longer needed. Thank you."),
    }
    reply_to = [booking.requested_by.email] if booking.requested_by.email else []
    message = EmailMessage(
        subjects[kind] % values, bodies[kind] % values, None, [booking.mediator.email], reply_to=reply_to
    )
    cancelled = kind == "cancelled"
    event = ics.CalendarEvent(
        uid=ics.uid_for(f"mediation-{meeting.uid}-{booking.pk}"),
        sequence=meeting.sequence,
        starts_at=meeting.starts_at,
        ends_at=meeting.ends_at,
        summary=_("Linguistic-cultural mediation (%(language)s)") % values,
        location=where_text(meeting),
        description="",
        organizer=_party(booking.requested_by) if booking.requested_by.email else _organizer(meeting),
        attendees=[ics.Party(name=booking.mediator.name, email=booking.mediator.email)],
        cancelled=cancelled,
    )
    message.attach(_ics_part(ics.calendar(event), cancelled=cancelled, filename="mediazione.ics"))
    return message


def send_after_commit(messages: Sequence[EmailMessage]) -> None:
    if not messages:
        return

    def send() -> None:
        # A mail server that is down must not undo a meeting already saved; the page shows it anyway.
        get_connection(fail_silently=True).send_messages(list(messages))

    transaction.on_commit(send)
