"""The iCalendar writer on its own: escaping, folding at 75 octets, CRLF, the properties."""

from __future__ import annotations

import datetime

from intreccio.meetings import ics

START = datetime.datetime(2026, 3, 2, 9, 30, tzinfo=datetime.UTC)


def _event(**kwargs: object) -> ics.CalendarEvent:
    values: dict[str, object] = {
        "uid": "meeting-1@intreccio.local",
        "sequence": 0,
        "starts_at": START,
        "ends_at": START + datetime.timedelta(hours=1),
        "summary": "Team meeting, case CRE-2026-000001",
        "location": "Via Palestro 11; sala 2, Cremona",
        "description": "",
        "organizer": ics.Party("Alice Neri", "alice@example.org"),
        "attendees": [ics.Party("Bob Conti", "bob@example.org")],
    }
    values.update(kwargs)
    return ics.CalendarEvent(**values)  # type: ignore[arg-type]


def test_text_is_escaped() -> None:
    assert ics.escape_text("a,b;c\\d\ne") == "a\\,b\\;c\\\\d\\ne"


def test_long_lines_fold_at_75_octets_without_splitting_characters() -> None:
    line = "DESCRIPTION:" + "àèìòù" * 40
    folded = ics.fold(line)
    parts = folded.split("\r\n")
    assert len(parts) > 2
    assert all(len(part.encode("utf-8")) <= 75 for part in parts)
    assert all(part.startswith(" ") for part in parts[1:])
    assert "".join(p[1:] if i else p for i, p in enumerate(parts)) == line


def test_a_calendar_is_well_formed() -> None:
    text = ics.calendar(_event(), now=START)
    assert text.endswith("\r\n")
    assert "\n" not in text.replace("\r\n", "")
    lines = ics.unfold(text)
    assert lines[0] == "BEGIN:VCALENDAR" and lines[-1] == "END:VCALENDAR"
    assert "METHOD:REQUEST" in lines and "STATUS:CONFIRMED" in lines
    assert "DTSTART:20260302T093000Z" in lines and "DTEND:20260302T103000Z" in lines
    assert "LOCATION:Via Palestro 11\\; sala 2\\, Cremona" in lines
    assert 'ORGANIZER;CN="Alice Neri":mailto:alice@example.org' in lines
    assert any(
        line.startswith('ATTENDEE;CN="Bob Conti";') and line.endswith(":mailto:bob@example.org") for line in lines
    )


def test_a_cancellation() -> None:
    lines = ics.unfold(ics.calendar(_event(cancelled=True, sequence=2), now=START))
    assert "METHOD:CANCEL" in lines and "STATUS:CANCELLED" in lines and "SEQUENCE:2" in lines


def test_names_with_separators_are_quoted() -> None:
    text = ics.calendar(_event(organizer=ics.Party('Rossi, "Ada"; coord.', "ada@example.org")), now=START)
    assert "ORGANIZER;CN=\"Rossi, 'Ada'; coord.\":mailto:ada@example.org" in ics.unfold(text)
