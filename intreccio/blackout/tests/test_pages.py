"""The blackout pages: recording from a note, the writing service's list, lifting, the auditor's register."""

from __future__ import annotations

import datetime

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from intreccio.accounts.models import Membership, Operator, Role
from intreccio.accounts.tests.factories import OperatorFactory
from intreccio.audit.models import AccessEvent, DomainEvent
from intreccio.blackout.models import Blackout, TargetType
from intreccio.blackout.services import blackout_record
from intreccio.blackout.tests.conftest import Team
from intreccio.cases.models import CaseNote, Section
from intreccio.cases.tests.conftest import TODAY
from intreccio.cases.tests.pages import client_for

pytestmark = pytest.mark.django_db

NOTE = "Ricovero in comunità terapeutica nel 2019."


def _day(value: datetime.date) -> str:
    return value.strftime("%d/%m/%Y")


def _blackout(team: Team, note: CaseNote, by: Operator) -> Blackout:
    return blackout_record(
        request=team.net.request(by),
        target_type=TargetType.CASE_NOTE,
        target_id=note.pk,
        requested_on=timezone.localdate(),
        request_reference="Prot. 2025/0412",
    )


def _auditor(team: Team) -> Operator:
    auditor = OperatorFactory.create(username="franca")
    Membership.objects.create(operator=auditor, structure=team.net.social, role=Role.AUDITOR, valid_from=TODAY)
    return auditor


def _section_html(client: Client, team: Team, section: str = Section.COMMON) -> str:
    return client.get(reverse("cases:case_section", args=[team.case.pk, section])).content.decode()


def test_team_members_get_a_black_out_link_on_the_notes_they_read(team: Team) -> None:
    note = team.note(team.net.hugo, NOTE)
    link = reverse("blackout:record_note", args=[note.pk])
    assert link in _section_html(client_for(team.net.bob), team)
    assert link in _section_html(client_for(team.net.hugo), team)
    # The coordinator reads the common section from the coordination group, off the team: no link.
    carla = _section_html(client_for(team.net.carla), team)
    assert NOTE in carla and link not in carla


def test_recording_from_the_note_hides_it_and_the_writing_service_sees_a_badge(team: Team) -> None:
    net = team.net
    note = team.note(net.hugo, NOTE)
    url = reverse("blackout:record_note", args=[note.pk])
    alice = client_for(net.alice)
    page = alice.get(url)
    assert page.status_code == 200
    assert NOTE in page.content.decode() and "CPS" in page.content.decode()
    assert AccessEvent.objects.filter(actor=net.alice, purpose="blackout_record", object_id=str(team.case.pk)).exists()

    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    refused = alice.post(url, {"requested_on": _day(tomorrow), "request_reference": "Prot. 1"})
    assert refused.status_code == 200
    assert "cannot be in the future" in refused.content.decode()
    assert not Blackout.objects.exists()
    refused = alice.post(url, {"requested_on": "31/04/2025", "request_reference": ""})
    html = refused.content.decode()
    assert "April" in html and "This field is required" in html
    assert not Blackout.objects.exists()

    done = alice.post(url, {"requested_on": _day(timezone.localdate()), "request_reference": " Prot.  2025/0412 "})
    assert done.status_code == 302
    assert done["Location"].endswith("?section=common#case-sections")
    blackout = Blackout.objects.get()
    assert (blackout.recorded_by, blackout.owner_structure, blackout.request_reference) == (
        net.alice,
        net.cps,
        "Prot. 2025/0412",
    )
    assert NOTE not in _section_html(alice, team)
    hugo = _section_html(client_for(net.hugo), team)
    assert NOTE in hugo and "blacked out at the person's request" in hugo
    assert reverse("blackout:blackout_list") in hugo
    # The badge is for the writing service only, and the link to black it out again is gone.
    assert url not in hugo


def test_a_note_the_operator_cannot_read_answers_404_and_nothing_is_written(team: Team) -> None:
    net = team.net
    health = team.note(net.hugo, "Diagnosi riservata.", section=Section.HEALTH)
    serd = team.note(net.sara, "Nota del SerD.", section=Section.COMMON)
    hidden = team.note(net.hugo, NOTE)
    _blackout(team, hidden, net.hugo)
    bob = client_for(net.bob)
    form = {"requested_on": _day(timezone.localdate()), "request_reference": "Prot. 9"}
    for note in (health, serd, hidden):
        url = reverse("blackout:record_note", args=[note.pk])
        assert bob.get(url).status_code == 404
        assert bob.post(url, form).status_code == 404
    assert client_for(net.dario).get(reverse("blackout:record_note", args=[hidden.pk])).status_code == 404
    assert bob.get(reverse("blackout:record_note", args=[987654])).status_code == 404
    assert Blackout.objects.count() == 1
    assert DomainEvent.objects.filter(action="blackout.item.blacked_out").count() == 1


def test_the_writing_service_told_the_item_is_already_blacked_out(team: Team) -> None:
    note = team.note(team.net.hugo, NOTE)
    _blackout(team, note, team.net.hugo)
    page = client_for(team.net.hugo).get(reverse("blackout:record_note", args=[note.pk]))
    assert page.status_code == 200
    assert "already blacked out" in page.content.decode() and "Record the blackout" not in page.content.decode()


def test_the_list_shows_the_writing_service_its_blackouts_and_nobody_else_anything(team: Team) -> None:
    net = team.net
    _blackout(team, team.note(net.hugo, NOTE), net.alice)
    url = reverse("blackout:blackout_list")
    hugo = client_for(net.hugo).get(url).content.decode()
    assert "Prot. 2025/0412" in hugo and reverse("cases:case_detail", args=[team.case.pk]) in hugo
    assert "Lift…" in hugo and NOTE not in hugo
    for other in (net.bob, team.elena, net.carla, net.sara, net.dario):
        html = client_for(other).get(url).content.decode()
        assert "Prot. 2025/0412" not in html and "No active blackout." in html, other
    # Alice recorded it: she finds her own request (no content), and may lift it as case manager.
    alice = client_for(net.alice).get(url).content.decode()
    assert "Prot. 2025/0412" in alice and NOTE not in alice and "Lift…" in alice
    assert AccessEvent.objects.filter(actor=net.hugo, object_type="blackout.blackout", object_id="list").exists()


def test_lifting_from_the_list(team: Team) -> None:
    net = team.net
    note = team.note(net.hugo, NOTE)
    blackout = _blackout(team, note, net.hugo)
    url = reverse("blackout:lift", args=[blackout.pk])
    for other in (net.bob, team.elena, net.carla, net.alice, net.sara):
        # Alice manages the case but did not record it and is not of the CPS: not even told it exists.
        assert client_for(other).get(url).status_code == 404, other
        assert client_for(other).post(url, {"reason": "Revoca."}).status_code == 404, other
    hugo = client_for(net.hugo)
    assert hugo.get(url).status_code == 200
    assert AccessEvent.objects.filter(actor=net.hugo, object_type="blackout.blackout", object_id=str(blackout.pk))
    refused = hugo.post(url, {"reason": "   "})
    assert refused.status_code == 200 and "This field is required" in refused.content.decode()
    assert Blackout.objects.get().is_active
    done = hugo.post(url, {"reason": "La persona ha revocato la richiesta (prot. 2025/0500)."})
    assert done.status_code == 302 and done["Location"] == reverse("blackout:blackout_list")
    lifted = Blackout.objects.get()
    assert lifted.lifted_by == net.hugo and lifted.lift_reason.startswith("La persona")
    assert DomainEvent.objects.filter(action="blackout.item.lifted", target_id=str(blackout.pk)).exists()
    assert NOTE in _section_html(client_for(net.bob), team)
    listing = hugo.get(reverse("blackout:blackout_list")).content.decode()
    assert "No active blackout." in listing and "Prot. 2025/0412" in listing
    again = hugo.post(url, {"reason": "Di nuovo."})
    assert again.status_code == 200 and "already lifted" in again.content.decode()


def test_the_auditor_reads_the_register_without_content(team: Team) -> None:
    net = team.net
    note = team.note(net.hugo, NOTE)
    _blackout(team, note, net.alice)
    auditor = _auditor(team)
    url = reverse("blackout:register")
    html = client_for(auditor).get(url).content.decode()
    assert net.alice.get_username() in html and str(net.person.pk) in html and net.cps.name in html
    assert NOTE not in html and net.person.last_name not in html
    assert AccessEvent.objects.filter(actor=auditor, object_id="register", purpose="audit review").exists()
    for other in (net.hugo, net.alice, net.carla):
        assert client_for(other).get(url).status_code == 404


def test_a_household_case_asks_which_member_signed(team: Team) -> None:
    from intreccio.people.tests.factories import HouseholdFactory, HouseholdMemberFactory, PersonFactory

    net = team.net
    household = HouseholdFactory.create(registered_by=net.social.organisation)
    HouseholdMemberFactory.create(household=household, person=net.person)
    partner = HouseholdMemberFactory.create(
        household=household, person=PersonFactory.create(registered_by=net.social.organisation)
    ).person
    team.case.household = household
    team.case.save(update_fields=["household"])
    note = team.note(net.hugo, NOTE)
    url = reverse("blackout:record_note", args=[note.pk])
    hugo = client_for(net.hugo)
    assert "Who asked" in hugo.get(url).content.decode()
    form = {"requested_on": _day(timezone.localdate()), "request_reference": "Prot. 7"}
    assert "This field is required" in hugo.post(url, form).content.decode()
    assert hugo.post(url, {**form, "person": partner.pk}).status_code == 302
    assert Blackout.objects.get().person == partner
