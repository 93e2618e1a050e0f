"""The meeting pages as the team, as colleagues off the team and as other ambiti: 404s, what is
shown, one access record per read, flat query counts, forms that put refusals on their fields."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from intreccio.audit.models import AccessEvent
from intreccio.meetings.models import Decision, MediatorBooking, Meeting, MeetingStatus
from intreccio.meetings.tests.conftest import World, client_for

pytestmark = pytest.mark.django_db


def _started(world: World) -> Meeting:
    meeting = world.convene()
    Meeting.objects.filter(pk=meeting.pk).update(starts_at=timezone.now() - datetime.timedelta(hours=1))
    meeting.refresh_from_db()
    return meeting


def _reads(world: World) -> int:
    return AccessEvent.objects.filter(object_type="cases.case", object_id=str(world.case.pk)).count()


class TestVisibility:
    @pytest.mark.parametrize("who", ["alice", "bob", "sara"])
    def test_the_team_sees_the_panel_and_the_meeting(self, world: World, who: str) -> None:
        meeting = world.convene()
        client = client_for(getattr(world.net, who))
        before = _reads(world)
        panel = client.get(reverse("meetings:case_panel", args=[world.case.pk]))
        assert panel.status_code == 200 and "Valutazione multidimensionale" in panel.content.decode()
        detail = client.get(reverse("meetings:meeting_detail", args=[meeting.pk]))
        assert detail.status_code == 200 and "Esito del colloquio CPI" in detail.content.decode()
        ics = client.get(reverse("meetings:ics", args=[meeting.pk]))
        assert ics.status_code == 200 and ics["Content-Type"].startswith("text/calendar")
        assert b"BEGIN:VCALENDAR\r\n" in ics.content and b"Ferrari" not in ics.content
        assert _reads(world) == before + 3  # every read is recorded on the case

    @pytest.mark.parametrize("who", ["dario", "carla", "olga"])
    def test_anyone_off_the_team_gets_404_everywhere_and_no_access_record(self, world: World, who: str) -> None:
        meeting = _started(world)
        booking = MediatorBooking.objects.create(
            meeting=meeting, mediator=world.amina, language="ar", requested_by=world.net.alice
        )
        client = client_for(getattr(world.net, who))
        before = _reads(world)
        urls = [
            reverse("meetings:case_panel", args=[world.case.pk]),
            reverse("meetings:meeting_new", args=[world.case.pk]),
        ]
        urls += [
            reverse(f"meetings:{name}", args=[meeting.pk])
            for name in ("meeting_detail", "meeting_edit", "meeting_cancel", "attendance", "minutes", "decision_add")
        ]
        urls += [reverse("meetings:mediator_book", args=[meeting.pk]), reverse("meetings:ics", args=[meeting.pk])]
        for url in urls:
            assert client.get(url).status_code == 404, url
            # Read-only pages refuse POST before looking (405): nothing leaks either way.
            assert client.post(url, {"minutes": "x", "version": 1, "reason": "abcdefghijkl"}).status_code in {404, 405}
        status_url = reverse("meetings:booking_status", args=[meeting.pk, booking.pk])
        assert client.post(status_url, {"status": "cancelled"}).status_code == 404
        assert _reads(world) == before
        meeting.refresh_from_db()
        booking.refresh_from_db()
        assert meeting.minutes == "" and meeting.status == MeetingStatus.PLANNED and booking.status == "requested"

    def test_team_members_see_but_do_not_run(self, world: World) -> None:
        meeting = world.convene()
        bob = client_for(world.net.bob)
        for name in ("meeting_edit", "meeting_cancel", "attendance", "decision_add", "mediator_book"):
            assert bob.get(reverse(f"meetings:{name}", args=[meeting.pk])).status_code == 404
        assert bob.get(reverse("meetings:meeting_new", args=[world.case.pk])).status_code == 404
        html = bob.get(reverse("meetings:meeting_detail", args=[meeting.pk])).content.decode()
        assert reverse("meetings:meeting_cancel", args=[meeting.pk]) not in html

    def test_the_panel_is_a_fragment_for_htmx(self, world: World) -> None:
        world.convene()
        response = client_for(world.net.alice).get(
            reverse("meetings:case_panel", args=[world.case.pk]), HTTP_HX_REQUEST="true"
        )
        html = response.content.decode()
        assert response.status_code == 200 and "<html" not in html and 'id="meetings-panel"' in html


class TestQueryCounts:
    def _count(self, world: World, url: str) -> int:
        client = client_for(world.net.alice)
        client.get(url)  # session and memberships warmed up
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        return len(queries)

    def test_the_panel_stays_flat(self, world: World) -> None:
        url = reverse("meetings:case_panel", args=[world.case.pk])
        meeting = _started(world)
        self._decide(world, meeting)
        few = self._count(world, url)
        for _ in range(4):
            other = world.convene()
            MediatorBooking.objects.create(
                meeting=other, mediator=world.amina, language="ar", requested_by=world.net.alice
            )
            self._decide(world, _started(world))
        assert self._count(world, url) == few

    def test_the_detail_stays_flat(self, world: World) -> None:
        meeting = _started(world)
        url = reverse("meetings:meeting_detail", args=[meeting.pk])
        self._decide(world, meeting)
        few = self._count(world, url)
        for _ in range(5):
            self._decide(world, meeting)
        MediatorBooking.objects.create(meeting=meeting, mediator=world.li, language="zh", requested_by=world.net.alice)
        assert self._count(world, url) == few

    def _decide(self, world: World, meeting: Meeting) -> None:
        Decision.objects.create(
            meeting=meeting,
            case=world.case,
            text="Colloquio",
            owner=world.net.bob,
            due_on=timezone.localdate(),
            recorded_by=world.net.alice,
        )


class TestForms:
    def test_convene_from_the_page(self, world: World, django_capture_on_commit_callbacks: Any) -> None:
        from django.core import mail

        client = client_for(world.net.alice)
        url = reverse("meetings:meeting_new", args=[world.case.pk])
        form = client.get(url).content.decode()
        assert "Bob" in form or str(world.net.bob) in form
        day = (timezone.localdate() + datetime.timedelta(days=4)).strftime("%d/%m/%Y")
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(
                url,
                {
                    "title": "Verifica del progetto",
                    "day": day,
                    "start_time": "09:30",
                    "end_time": "11:00",
                    "place": "Via Palestro 11",
                    "agenda": "Tirocinio",
                    "invitees": [world.net.bob.pk],
                },
            )
        meeting = Meeting.objects.get()
        assert response.status_code == 302 and response["Location"] == reverse(
            "meetings:meeting_detail", args=[meeting.pk]
        )
        assert timezone.localtime(meeting.starts_at).strftime("%d/%m/%Y %H:%M") == f"{day} 09:30"
        assert sorted(m.to[0] for m in mail.outbox) == ["alice@example.org", "bob@example.org"]

    def test_refusals_land_on_their_fields(self, world: World) -> None:
        client = client_for(world.net.alice)
        yesterday = (timezone.localdate() - datetime.timedelta(days=1)).strftime("%d/%m/%Y")
        response = client.post(
            reverse("meetings:meeting_new", args=[world.case.pk]),
            {"title": "X", "day": yesterday, "start_time": "10:00", "end_time": "09:00", "place": "", "invitees": []},
        )
        assert response.status_code == 200
        form = response.context["form"]
        assert form.errors["start_time"] == ["A meeting cannot be set in the past: choose a date and time from now on."]
        assert form.errors["end_time"] == ["The meeting must end after it starts."]
        assert "place" in form.errors and "invitees" in form.errors
        assert not Meeting.objects.exists()

    def test_the_second_minutes_writer_sees_the_first_text_and_keeps_theirs(self, world: World) -> None:
        meeting = _started(world)
        url = reverse("meetings:minutes", args=[meeting.pk])
        assert (
            client_for(world.net.alice).post(url, {"version": meeting.version, "minutes": "Testo di Alice"}).status_code
            == 302
        )
        response = client_for(world.net.bob).post(url, {"version": meeting.version, "minutes": "Testo di Bob"})
        html = response.content.decode()
        assert response.status_code == 200 and "Testo di Alice" in html and "Testo di Bob" in html
        meeting.refresh_from_db()
        assert meeting.minutes == "Testo di Alice"

    def test_attendance_decision_and_cancel_pages(self, world: World) -> None:
        meeting = _started(world)
        client = client_for(world.net.alice)
        data = {
            "version": meeting.version,
            **{f"op_{op.pk}": "present" for op in (world.net.alice, world.net.bob, world.net.sara)},
        }
        assert client.post(reverse("meetings:attendance", args=[meeting.pk]), data).status_code == 302
        due = (timezone.localdate() + datetime.timedelta(days=20)).strftime("%d/%m/%Y")
        response = client.post(
            reverse("meetings:decision_add", args=[meeting.pk]),
            {"text": "Iscrizione al corso", "owner": world.net.bob.pk, "due_on": due},
        )
        assert response.status_code == 302
        panel = client.get(reverse("meetings:case_panel", args=[world.case.pk])).content.decode()
        assert "Iscrizione al corso" in panel and due in panel
        future = world.convene()
        response = client.post(
            reverse("meetings:meeting_cancel", args=[future.pk]),
            {"version": future.version, "reason": "Persona ricoverata"},
        )
        assert response.status_code == 302
        future.refresh_from_db()
        assert future.status == MeetingStatus.CANCELLED

    def test_find_and_book_a_mediator(self, world: World) -> None:
        meeting = world.convene()
        client = client_for(world.net.alice)
        url = reverse("meetings:mediator_book", args=[meeting.pk])
        html = client.get(url, {"language": "ar", "comune": str(world.casalbuttano.pk)}).content.decode()
        assert html.index("Omar Haddad") < html.index("Amina Benali") and "Li Wei" not in html
        response = client.post(f"{url}?language=ar", {"mediator": world.omar.pk, "language": "ar"})
        assert response.status_code == 302
        assert MediatorBooking.objects.get().mediator == world.omar
        response = client.post(f"{url}?language=ar", {"mediator": world.omar.pk, "language": "ar"})
        assert "already booked" in response.content.decode()


class TestRoster:
    def test_coordinators_keep_the_roster_others_get_404(self, world: World) -> None:
        carla = client_for(world.net.carla)
        html = carla.get(reverse("meetings:mediator_list")).content.decode()
        assert "Amina Benali" in html and "Li Wei" in html
        response = carla.post(
            reverse("meetings:mediator_create"),
            {"name": "Fatou Diop", "email": "fatou@mediazione.example", "languages": ["wo", "fr"], "is_active": "on"},
        )
        assert response.status_code == 302
        response = carla.post(
            reverse("meetings:mediator_update", args=[world.li.pk]),
            {"name": "Li Wei", "email": world.li.email, "languages": ["zh"], "sub_ambiti": [world.south.pk]},
        )
        assert response.status_code == 302
        world.li.refresh_from_db()
        assert not world.li.is_active
        for who in ("alice", "bob", "olga"):
            client = client_for(getattr(world.net, who))
            assert client.get(reverse("meetings:mediator_list")).status_code == 404
            assert client.get(reverse("meetings:mediator_update", args=[world.li.pk])).status_code == 404

    def test_a_roster_form_without_languages(self, world: World) -> None:
        response = client_for(world.net.carla).post(
            reverse("meetings:mediator_create"), {"name": "X", "email": "x@x.it"}
        )
        assert response.context["form"].errors["languages"] == ["Choose at least one language."]


def test_a_stale_reschedule_shows_the_meeting_as_it_is_now(world: World) -> None:
    meeting = world.convene()
    url = reverse("meetings:meeting_edit", args=[meeting.pk])
    client = client_for(world.net.alice)
    day = (timezone.localdate() + datetime.timedelta(days=6)).strftime("%d/%m/%Y")
    data = {
        "version": meeting.version,
        "title": "Nuovo titolo",
        "day": day,
        "start_time": "15:00",
        "end_time": "16:00",
        "place": "Sala 3",
    }
    assert client.post(url, data).status_code == 302
    response = client.post(url, {**data, "title": "Titolo vecchio"})
    assert response.status_code == 200
    assert "Someone changed this meeting meanwhile" in response.content.decode()
    assert response.context["form"]["title"].value() == "Nuovo titolo"
    meeting.refresh_from_db()
    assert (meeting.title, meeting.sequence) == ("Nuovo titolo", 1)
