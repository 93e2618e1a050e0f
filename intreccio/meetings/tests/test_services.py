"""Meeting services: convening with the e-mail and its .ics, rescheduling, cancelling, attendance,
minutes with their version check, decisions, and the mediators' roster (search and booking)."""

from __future__ import annotations

import datetime
from email.mime.base import MIMEBase
from typing import Any

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from intreccio.audit.models import DomainEvent
from intreccio.cases import selectors as case_selectors
from intreccio.meetings import ics, selectors, services
from intreccio.meetings.models import (
    Attendance,
    BookingStatus,
    Decision,
    MediatorBooking,
    Meeting,
    MeetingInvitee,
    MeetingStatus,
)
from intreccio.meetings.tests.conftest import World, at

pytestmark = pytest.mark.django_db


def refusal(exc: pytest.ExceptionInfo[ValidationError]) -> dict[str, list[str]]:
    return exc.value.message_dict


def calendar_of(message: mail.EmailMessage) -> tuple[str, MIMEBase]:
    [part] = [a for a in message.attachments if isinstance(a, MIMEBase)]
    payload = part.get_payload(decode=True)
    assert isinstance(payload, bytes)
    return payload.decode("utf-8"), part


def props(text: str) -> dict[str, str]:
    """name → value of the VEVENT's properties (the last one wins; ATTENDEE is checked apart)."""
    found: dict[str, str] = {}
    for line in ics.unfold(text):
        name, _sep, value = line.partition(":")
        found[name.split(";")[0]] = value
    return found


def past_meeting(world: World, **kwargs: Any) -> Meeting:
    """A meeting that started an hour ago (it cannot be convened in the past, so it is moved there)."""
    meeting = world.convene()
    Meeting.objects.filter(pk=meeting.pk).update(starts_at=timezone.now() - datetime.timedelta(hours=1), **kwargs)
    meeting.refresh_from_db()
    return meeting


class TestConvene:
    def test_the_case_manager_convenes_and_the_team_gets_the_ics_after_commit(
        self, world: World, django_capture_on_commit_callbacks: Any
    ) -> None:
        mail.outbox.clear()
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            meeting = world.convene()
        assert mail.outbox == []  # nothing leaves before the commit
        for callback in callbacks:
            callback()
        assert sorted(m.to[0] for m in mail.outbox) == ["alice@example.org", "bob@example.org", "sara@example.org"]
        assert set(meeting.invitees.values_list("operator__username", flat=True)) == {"alice", "bob", "sara"}
        assert meeting.status == MeetingStatus.PLANNED and meeting.sequence == 0

        message = next(m for m in mail.outbox if m.to == ["bob@example.org"])
        text, part = calendar_of(message)
        assert part.get_content_type() == "text/calendar"
        assert part.get_param("method") == "REQUEST"
        assert text.endswith("\r\n") and "\n" not in text.replace("\r\n", "")
        assert all(len(raw.encode()) <= 75 for raw in text.split("\r\n"))
        lines = ics.unfold(text)
        found = props(text)
        assert found["METHOD"] == "REQUEST"
        assert found["UID"] == f"meeting-{meeting.uid}@intreccio.local"
        assert found["SEQUENCE"] == "0"
        assert found["DTSTART"] == meeting.starts_at.astimezone(datetime.UTC).strftime("%Y%m%dT%H%M%SZ")
        assert found["DTEND"] == meeting.ends_at.astimezone(datetime.UTC).strftime("%Y%m%dT%H%M%SZ")
        assert found["DTSTAMP"].endswith("Z")
        assert found["SUMMARY"] == f"Team meeting\\, case {world.case.number}"
        assert found["LOCATION"] == "Via Palestro 11\\, Cremona\\, sala 2"
        assert lines.count("BEGIN:VEVENT") == 1
        assert any(line.startswith("ORGANIZER") and line.endswith("mailto:alice@example.org") for line in lines)
        attendees = [line for line in lines if line.startswith("ATTENDEE")]
        assert len(attendees) == 3
        assert any(line.endswith("mailto:sara@example.org") for line in attendees)
        # Nothing of the person or of the agenda leaves by e-mail.
        for sentinel in ("Giulia", "Ferrari", "tirocinio", world.net.person.fiscal_code or "Ferrari"):
            assert sentinel not in text and sentinel not in str(message.body) and sentinel not in str(message.subject)
        assert str(world.case.number) in str(message.subject)

    def test_a_domain_event_on_the_case_timeline_without_the_agenda(self, world: World) -> None:
        meeting = world.convene()
        event = DomainEvent.objects.get(action="meetings.meeting.convened")
        assert (event.target_type, event.target_id) == ("cases.case", str(world.case.pk))
        assert event.payload["meeting"] == meeting.pk
        assert "tirocinio" not in str(event.payload)
        timeline = case_selectors.case_timeline(request=world.net.request(world.net.alice), case=world.case)
        assert "meetings.meeting.convened" in [entry.event.action for entry in timeline]

    @pytest.mark.parametrize("who", ["bob", "sara", "dario", "carla", "olga"])
    def test_only_the_case_manager_convenes(self, world: World, who: str) -> None:
        with pytest.raises(PermissionDenied):
            world.convene(request=world.net.request(getattr(world.net, who)))
        assert not Meeting.objects.exists()

    def test_invitees_must_be_in_the_team(self, world: World) -> None:
        with pytest.raises(ValidationError) as exc:
            world.convene(invitees=[world.net.bob, world.net.dario])
        assert refusal(exc) == {"invitees": [f"{world.net.dario} is not in the team of this case."]}
        assert not Meeting.objects.exists()

    def test_someone_else_must_be_invited(self, world: World) -> None:
        with pytest.raises(ValidationError) as exc:
            world.convene(invitees=[world.net.alice])
        assert refusal(exc) == {"invitees": ["Invite at least one other member of the team."]}

    def test_past_backwards_too_long_and_nowhere_are_refused_on_their_fields(
        self, world: World, django_capture_on_commit_callbacks: Any
    ) -> None:
        with django_capture_on_commit_callbacks(execute=True), pytest.raises(ValidationError) as exc:
            world.convene(starts_at=at(-1, 10), ends_at=at(-1, 9), place="", video_link="")
        errors = refusal(exc)
        assert errors["starts_at"] == ["A meeting cannot be set in the past: choose a date and time from now on."]
        assert errors["ends_at"] == ["The meeting must end after it starts."]
        assert errors["place"] == ["Write where the meeting takes place, or give the video-call link."]
        with pytest.raises(ValidationError) as exc:
            world.convene(starts_at=at(2, 9), ends_at=at(3, 9), video_link="http://meet.example/x")
        assert set(refusal(exc)) == {"ends_at", "video_link"}
        with pytest.raises(ValidationError) as exc:
            world.convene(starts_at=at(800, 9), ends_at=at(800, 10))
        assert set(refusal(exc)) == {"starts_at"}
        assert not Meeting.objects.exists() and mail.outbox == []

    def test_an_online_meeting(self, world: World) -> None:
        meeting = world.convene(place="", video_link="https://meet.example.org/em-42")
        assert meeting.video_link == "https://meet.example.org/em-42"

    def test_a_closed_case_does_not_meet(self, world: World) -> None:
        from intreccio.cases.models import Case

        Case.objects.filter(pk=world.case.pk).update(
            status="closed", closed_on=timezone.localdate(), closure_outcome="withdrawn"
        )
        world.case.refresh_from_db()
        with pytest.raises(ValidationError) as exc:
            world.convene()
        assert "__all__" in refusal(exc)

    def test_the_database_refuses_a_meeting_ending_before_it_starts_and_a_second_invitee_row(
        self, world: World
    ) -> None:
        from django.db import IntegrityError, transaction

        meeting = world.convene()
        with pytest.raises(IntegrityError), transaction.atomic():
            Meeting.objects.filter(pk=meeting.pk).update(ends_at=meeting.starts_at)
        with pytest.raises(IntegrityError), transaction.atomic():
            MeetingInvitee.objects.create(meeting=meeting, operator=world.net.bob)


class TestRescheduleAndCancel:
    def test_a_new_time_goes_out_with_a_higher_sequence_and_the_same_uid(
        self, world: World, django_capture_on_commit_callbacks: Any
    ) -> None:
        with django_capture_on_commit_callbacks(execute=True):
            meeting = world.convene()
        first = props(calendar_of(mail.outbox[0])[0])
        mail.outbox.clear()
        request = world.net.request(world.net.alice)
        with django_capture_on_commit_callbacks(execute=True):
            meeting = services.meeting_reschedule(
                request=request,
                meeting=meeting,
                version=meeting.version,
                title=meeting.title,
                starts_at=at(5, 15),
                ends_at=at(5, 16),
                place=meeting.place,
                agenda=meeting.agenda,
            )
        assert meeting.sequence == 1 and meeting.version == 2
        assert len(mail.outbox) == 3
        second = props(calendar_of(mail.outbox[0])[0])
        assert second["UID"] == first["UID"]
        assert int(second["SEQUENCE"]) > int(first["SEQUENCE"])
        assert second["METHOD"] == "REQUEST" and second["DTSTART"] != first["DTSTART"]
        assert mail.outbox[0].subject.startswith("New date")

    def test_changing_only_the_agenda_sends_nothing(
        self, world: World, django_capture_on_commit_callbacks: Any
    ) -> None:
        meeting = world.convene()
        mail.outbox.clear()
        with django_capture_on_commit_callbacks(execute=True):
            meeting = services.meeting_reschedule(
                request=world.net.request(world.net.alice),
                meeting=meeting,
                version=meeting.version,
                title=meeting.title,
                starts_at=meeting.starts_at,
                ends_at=meeting.ends_at,
                place=meeting.place,
                agenda="Solo il punto 1",
            )
        assert meeting.sequence == 0 and mail.outbox == []
        assert DomainEvent.objects.filter(action="meetings.meeting.updated").exists()

    def test_a_stale_version_is_refused(self, world: World) -> None:
        meeting = world.convene()
        with pytest.raises(services.StaleMeeting):
            services.meeting_reschedule(
                request=world.net.request(world.net.alice),
                meeting=meeting,
                version=meeting.version + 1,
                title="x",
                starts_at=at(5, 15),
                ends_at=at(5, 16),
                place="x",
            )

    def test_cancelling_sends_a_cancel_and_releases_the_mediator(
        self, world: World, django_capture_on_commit_callbacks: Any
    ) -> None:
        meeting = world.convene()
        alice = world.net.request(world.net.alice)
        booking = services.mediator_book(request=alice, meeting=meeting, mediator=world.amina, language="ar")
        meeting.refresh_from_db()
        mail.outbox.clear()
        with django_capture_on_commit_callbacks(execute=True):
            meeting = services.meeting_cancel(
                request=alice, meeting=meeting, version=meeting.version, reason="La persona è ricoverata."
            )
        assert meeting.status == MeetingStatus.CANCELLED and meeting.sequence == 1
        team_mail = [m for m in mail.outbox if m.to != [world.amina.email]]
        assert len(team_mail) == 3
        text, part = calendar_of(team_mail[0])
        found = props(text)
        assert found["METHOD"] == "CANCEL" and found["STATUS"] == "CANCELLED" and found["SEQUENCE"] == "1"
        assert part.get_param("method") == "CANCEL"
        [to_mediator] = [m for m in mail.outbox if m.to == [world.amina.email]]
        assert "ricoverata" not in str(to_mediator.body) and str(world.case.number) not in str(to_mediator.body)
        booking.refresh_from_db()
        assert booking.status == BookingStatus.CANCELLED

    def test_a_cancel_needs_a_reason_and_a_planned_meeting(self, world: World) -> None:
        meeting = world.convene()
        alice = world.net.request(world.net.alice)
        with pytest.raises(ValidationError) as exc:
            services.meeting_cancel(request=alice, meeting=meeting, version=meeting.version, reason="no")
        assert refusal(exc) == {"reason": ["Write the reason in at least 10 characters."]}
        meeting = services.meeting_cancel(
            request=alice, meeting=meeting, version=meeting.version, reason="Rinviata a data da definire"
        )
        with pytest.raises(ValidationError) as exc:
            services.meeting_cancel(request=alice, meeting=meeting, version=meeting.version, reason="Ancora una volta")
        assert refusal(exc) == {"__all__": ["Only a planned meeting can be cancelled."]}

    def test_bob_cannot_cancel(self, world: World) -> None:
        meeting = world.convene()
        with pytest.raises(PermissionDenied):
            services.meeting_cancel(
                request=world.net.request(world.net.bob), meeting=meeting, version=1, reason="Non posso venire"
            )


class TestAttendanceMinutesDecisions:
    def test_attendance_once_started_makes_the_meeting_held(self, world: World) -> None:
        future = world.convene()
        alice = world.net.request(world.net.alice)
        marks = {world.net.alice.pk: Attendance.PRESENT, world.net.bob.pk: Attendance.PRESENT}
        with pytest.raises(ValidationError) as exc:
            services.meeting_record_attendance(request=alice, meeting=future, version=future.version, attendance=marks)
        assert refusal(exc)["__all__"] == ["Attendance can be recorded once the meeting has started."]

        meeting = past_meeting(world)
        with pytest.raises(ValidationError) as exc:
            services.meeting_record_attendance(
                request=alice, meeting=meeting, version=meeting.version, attendance=marks
            )
        assert refusal(exc) == {"attendance": [f"Mark also: {world.net.sara}."]}
        marks[world.net.sara.pk] = Attendance.ABSENT_EXCUSED
        meeting = services.meeting_record_attendance(
            request=alice, meeting=meeting, version=meeting.version, attendance=marks
        )
        assert meeting.status == MeetingStatus.HELD
        assert dict(meeting.invitees.values_list("operator__username", "attendance")) == {
            "alice": "present",
            "bob": "present",
            "sara": "absent_excused",
        }

    def test_nobody_present_and_strangers_are_refused(self, world: World) -> None:
        meeting = past_meeting(world)
        alice = world.net.request(world.net.alice)
        nobody = {op.pk: Attendance.ABSENT for op in (world.net.alice, world.net.bob, world.net.sara)}
        with pytest.raises(ValidationError) as exc:
            services.meeting_record_attendance(
                request=alice, meeting=meeting, version=meeting.version, attendance=nobody
            )
        assert refusal(exc) == {"attendance": ["Nobody was present: cancel the meeting instead."]}
        stranger = {**nobody, world.net.dario.pk: Attendance.PRESENT}
        with pytest.raises(ValidationError) as exc:
            services.meeting_record_attendance(
                request=alice, meeting=meeting, version=meeting.version, attendance=stranger
            )
        assert "Only the people invited can be marked present or absent." in refusal(exc)["attendance"]

    def test_minutes_by_an_invitee_and_the_stale_save_refused(self, world: World) -> None:
        meeting = past_meeting(world)
        seen_by_bob = meeting.version
        meeting = services.meeting_record_minutes(
            request=world.net.request(world.net.alice), meeting=meeting, version=meeting.version, minutes="Verbale v1"
        )
        with pytest.raises(services.StaleMeeting) as stale:
            services.meeting_record_minutes(
                request=world.net.request(world.net.bob), meeting=meeting, version=seen_by_bob, minutes="Il mio testo"
            )
        assert stale.value.current.minutes == "Verbale v1"
        meeting = services.meeting_record_minutes(
            request=world.net.request(world.net.bob), meeting=meeting, version=meeting.version, minutes="Verbale v2"
        )
        assert (meeting.minutes, meeting.minutes_by) == ("Verbale v2", world.net.bob)
        event = DomainEvent.objects.filter(action="meetings.meeting.minutes_recorded").last()
        assert event is not None and "Verbale" not in str(event.payload)

    def test_minutes_refused_before_the_meeting_and_to_who_is_not_invited(self, world: World) -> None:
        meeting = world.convene(invitees=[world.net.bob])
        with pytest.raises(ValidationError) as exc:
            services.meeting_record_minutes(
                request=world.net.request(world.net.alice), meeting=meeting, version=meeting.version, minutes="x"
            )
        assert refusal(exc) == {"__all__": ["The minutes can be written once the meeting has started."]}
        with pytest.raises(PermissionDenied):  # Sara is on the team but was not invited
            services.meeting_record_minutes(
                request=world.net.request(world.net.sara), meeting=meeting, version=meeting.version, minutes="x"
            )
        with pytest.raises(PermissionDenied):
            services.meeting_record_minutes(
                request=world.net.request(world.net.dario), meeting=meeting, version=meeting.version, minutes="x"
            )

    def test_decisions_belong_to_the_case_with_an_owner_of_the_team_and_a_due_date(self, world: World) -> None:
        meeting = past_meeting(world)
        alice = world.net.request(world.net.alice)
        decision = services.decision_add(
            request=alice,
            meeting=meeting,
            text="Attivare il tirocinio presso la cooperativa",
            owner=world.net.bob,
            due_on=timezone.localdate() + datetime.timedelta(days=30),
        )
        assert decision.case == world.case and decision.owner == world.net.bob
        event = DomainEvent.objects.get(action="meetings.decision.added")
        assert event.target_id == str(world.case.pk) and "tirocinio" not in str(event.payload)
        with pytest.raises(ValidationError) as exc:
            services.decision_add(
                request=alice, meeting=meeting, text="", owner=world.net.dario, due_on=datetime.date(2020, 1, 1)
            )
        assert refusal(exc) == {
            "text": ["Write what was decided."],
            "owner": [f"{world.net.dario} is not in the team of this case."],
            "due_on": ["The due date cannot be before the meeting."],
        }
        with pytest.raises(PermissionDenied):
            services.decision_add(
                request=world.net.request(world.net.bob), meeting=meeting, text="x", owner=world.net.bob, due_on=None
            )
        assert Decision.objects.count() == 1


class TestMediators:
    def test_search_by_language(self, world: World) -> None:
        find = selectors.mediator_find
        assert [m.name for m in find(ambito_id=world.net.ambito.pk, language="ar")] == ["Amina Benali", "Omar Haddad"]
        assert [m.name for m in find(ambito_id=world.net.ambito.pk, language="fr")] == ["Amina Benali"]
        assert find(ambito_id=world.net.ambito.pk, language="r") == []  # part of a code is not a code
        assert find(ambito_id=world.net.other_ambito.pk, language="ar") == []

    def test_search_by_area(self, world: World) -> None:
        find = selectors.mediator_find
        ambito = world.net.ambito.pk
        # Omar covers the north: first there; Amina covers everywhere; neither Li nor Ion speaks Arabic.
        assert [m.name for m in find(ambito_id=ambito, language="ar", comune=world.casalbuttano)] == [
            "Omar Haddad",
            "Amina Benali",
        ]
        assert [m.name for m in find(ambito_id=ambito, language="ar", comune=world.pescarolo)] == ["Amina Benali"]
        assert [m.name for m in find(ambito_id=ambito, language="zh", comune=world.pescarolo)] == ["Li Wei"]
        assert find(ambito_id=ambito, language="zh", comune=world.casalbuttano) == []
        assert [m.name for m in find(ambito_id=ambito, language="ro", comune=world.cremona)] == ["Ion Popescu"]
        assert find(ambito_id=ambito, language="ro", comune=world.pescarolo) == []
        assert [m.name for m in find(ambito_id=ambito, language="zh", sub_ambito=world.south)] == ["Li Wei"]
        world.amina.is_active = False
        world.amina.save()
        assert find(ambito_id=ambito, language="fr") == []

    def test_booking_sends_the_mediator_only_date_place_and_language(
        self, world: World, django_capture_on_commit_callbacks: Any
    ) -> None:
        meeting = world.convene()
        mail.outbox.clear()
        with django_capture_on_commit_callbacks(execute=True):
            booking = services.mediator_book(
                request=world.net.request(world.net.alice), meeting=meeting, mediator=world.li, language="zh"
            )
        assert booking.status == BookingStatus.REQUESTED
        [message] = mail.outbox
        assert message.to == [world.li.email] and message.reply_to == ["alice@example.org"]
        assert "Chinese" in message.subject
        text, _part = calendar_of(message)
        everything = str(message.subject) + str(message.body) + text
        for secret in (str(world.case.number), "Giulia", "Ferrari", "Valutazione", "tirocinio", "CPI"):
            assert secret not in everything
        assert "Via Palestro 11" in str(message.body)

    def test_booking_refusals(self, world: World) -> None:
        meeting = world.convene()
        alice = world.net.request(world.net.alice)
        with pytest.raises(ValidationError) as exc:
            services.mediator_book(request=alice, meeting=meeting, mediator=world.li, language="ar")
        assert refusal(exc) == {"language": ["Li Wei does not mediate in Arabic."]}
        services.mediator_book(request=alice, meeting=meeting, mediator=world.amina, language="ar")
        with pytest.raises(ValidationError) as exc:
            services.mediator_book(request=alice, meeting=meeting, mediator=world.amina, language="fr")
        assert refusal(exc) == {"mediator": ["Amina Benali is already booked for this meeting."]}
        with pytest.raises(PermissionDenied):
            services.mediator_book(
                request=world.net.request(world.net.bob), meeting=meeting, mediator=world.omar, language="ar"
            )
        assert MediatorBooking.objects.count() == 1

    def test_confirm_then_release(self, world: World, django_capture_on_commit_callbacks: Any) -> None:
        meeting = world.convene()
        alice = world.net.request(world.net.alice)
        booking = services.mediator_book(request=alice, meeting=meeting, mediator=world.amina, language="ar")
        booking = services.mediator_booking_set_status(request=alice, booking=booking, status=BookingStatus.CONFIRMED)
        assert booking.status == BookingStatus.CONFIRMED
        mail.outbox.clear()
        with django_capture_on_commit_callbacks(execute=True):
            booking = services.mediator_booking_set_status(request=alice, booking=booking, status="cancelled")
        assert [m.to for m in mail.outbox] == [[world.amina.email]]
        with pytest.raises(ValidationError):
            services.mediator_booking_set_status(request=alice, booking=booking, status="confirmed")

    def test_the_roster_is_kept_by_coordinators_of_the_ambito(self, world: World) -> None:
        carla = world.net.request(world.net.carla)
        mediator = services.mediator_create(
            request=carla,
            name="Olena Kovalenko",
            email="Olena@Mediazione.example",
            languages=["uk", "ru"],
            organisation=world.cooperative,
            comuni=[world.cremona],
        )
        assert mediator.languages == "ru uk" and mediator.email == "olena@mediazione.example"
        with pytest.raises(ValidationError) as exc:
            services.mediator_create(request=carla, name="", email="olena@mediazione.example", languages=["xx"])
        assert set(refusal(exc)) == {"name", "email", "languages"}
        with pytest.raises(PermissionDenied):
            services.mediator_create(
                request=world.net.request(world.net.alice), name="X", email="x@x.it", languages=["ar"]
            )
        updated = services.mediator_update(
            request=carla,
            mediator=mediator,
            name="Olena Kovalenko",
            email=mediator.email,
            languages=["uk"],
            is_active=False,
        )
        assert updated.languages == "uk" and not updated.is_active
