"""iCalendar (RFC 5545) invitations for meetings: REQUEST on convening and rescheduling, CANCEL.

Times are written in UTC (the ``Z`` form), which every calendar converts to local time without
needing a VTIMEZONE block. The summary names the case by its number, never the person: the
file travels by e-mail and lands in calendars outside Intreccio's access control.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass

from django.conf import settings
from django.utils import timezone

CRLF = "\r\n"
MAX_OCTETS = 75
PRODID = "-//Intreccio//Meetings//IT"


@dataclass(frozen=True)
class Party:
    name: str
    email: str


@dataclass(frozen=True)
class CalendarEvent:
    uid: str
    sequence: int
    starts_at: datetime.datetime
    ends_at: datetime.datetime
    summary: str
    location: str
    description: str
    organizer: Party
    attendees: Sequence[Party]
    cancelled: bool = False


def escape_text(value: str) -> str:
    """TEXT value escaping (RFC 5545 §3.3.11)."""
    value = value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
    return value.replace("\r\n", "\\n").replace("\n", "\\n").replace("\r", "\\n")


def _param(value: str) -> str:
    # Parameter values are quoted so that ':', ';' and ',' in names are safe; DQUOTE cannot appear.
    return '"' + value.replace('"', "'").replace("\r", " ").replace("\n", " ") + '"'


def fold(line: str) -> str:
    """Fold a content line at 75 octets without splitting a UTF-8 character (§3.1)."""
    out: list[str] = []
    current = ""
    current_octets = 0
    limit = MAX_OCTETS
    for char in line:
        size = len(char.encode("utf-8"))
        if current_octets + size > limit:
            out.append(current)
            current = " "
            current_octets = 1
            limit = MAX_OCTETS
        current += char
        current_octets += size
    out.append(current)
    return CRLF.join(out)


def utc_stamp(moment: datetime.datetime) -> str:
    return moment.astimezone(datetime.UTC).strftime("%Y%m%dT%H%M%SZ")


def uid_for(key: str) -> str:
    domain = getattr(settings, "INTRECCIO_CALENDAR_DOMAIN", "intreccio.local")
    return f"{key}@{domain}"


def _mailto(email: str) -> str:
    return f"mailto:{email}"


def calendar(event: CalendarEvent, *, now: datetime.datetime | None = None) -> str:
    """The whole VCALENDAR, CRLF line endings, folded."""
    method = "CANCEL" if event.cancelled else "REQUEST"
    lines = [
        "BEGIN:VCALENDAR",
        f"PRODID:{PRODID}",
        "VERSION:2.0",
        "CALSCALE:GREGORIAN",
        f"METHOD:{method}",
        "BEGIN:VEVENT",
        f"UID:{event.uid}",
        f"DTSTAMP:{utc_stamp(now or timezone.now())}",
        f"DTSTART:{utc_stamp(event.starts_at)}",
        f"DTEND:{utc_stamp(event.ends_at)}",
        f"SEQUENCE:{event.sequence}",
        f"STATUS:{'CANCELLED' if event.cancelled else 'CONFIRMED'}",
        f"SUMMARY:{escape_text(event.summary)}",
    ]
    if event.location:
        lines.append(f"LOCATION:{escape_text(event.location)}")
    if event.description:
        lines.append(f"DESCRIPTION:{escape_text(event.description)}")
    lines.append(f"ORGANIZER;CN={_param(event.organizer.name)}:{_mailto(event.organizer.email)}")
    for attendee in event.attendees:
        lines.append(
            f"ATTENDEE;CN={_param(attendee.name)};CUTYPE=INDIVIDUAL;ROLE=REQ-PARTICIPANT;"
            f"PARTSTAT=NEEDS-ACTION;RSVP=TRUE:{_mailto(attendee.email)}"
        )
    lines += ["TRANSP:OPAQUE", "END:VEVENT", "END:VCALENDAR"]
    return "".join(fold(line) + CRLF for line in lines)


def unfold(text: str) -> list[str]:
    """The content lines of an iCalendar text (for tests and for reading one back)."""
    return text.replace("\r\n ", "").replace("\r\n\t", "").split("\r\n")[:-1]
