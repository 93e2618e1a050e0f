"""Recording and lifting blackouts: who may, what is refused, what is written (SECURITY.md R21)."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from intreccio.audit.models import DomainEvent
from intreccio.blackout.models import Blackout, TargetType
from intreccio.blackout.services import blackout_lift, blackout_record
from intreccio.blackout.tests.conftest import Team
from intreccio.cases.models import CaseNote, Section
from intreccio.cases.permissions import hidden_items
from intreccio.cases.selectors import case_notes, case_timeline

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


def _record(team: Team, by: object, note: CaseNote, **kwargs: object) -> Blackout:
    values: dict[str, object] = {"requested_on": TODAY, "request_reference": "Prot. 2025/0412"}
    values.update(kwargs)
    return blackout_record(
        request=team.net.request(by),  # type: ignore[arg-type]
        target_type=TargetType.CASE_NOTE,
        target_id=note.pk,
        **values,  # type: ignore[arg-type]
    )


def _nothing_written() -> None:
    assert not Blackout.objects.exists()
    assert not DomainEvent.objects.filter(action__startswith="blackout.").exists()


def test_a_team_member_who_reads_the_note_records_the_request(team: Team) -> None:
    net = team.net
    note = team.note(net.hugo, "Ricovero in comunità nel 2019.")
    blackout = _record(team, net.alice, note)
    assert blackout.owner_structure == net.cps  # the service that wrote the note, not the recorder's
    assert (blackout.person, blackout.case, blackout.recorded_by) == (net.person, team.case, net.alice)
    assert blackout.is_active and blackout.request_reference == "Prot. 2025/0412"
    event = DomainEvent.objects.get(action="blackout.item.blacked_out")
    # Targeted at the blackout row, not the case: the case's timeline never shows it.
    assert (event.target_type, event.target_id) == ("blackout.blackout", str(blackout.pk))
    assert event.payload == {
        "target_type": "cases.casenote",
        "target_id": note.pk,
        "case": team.case.pk,
        "person": net.person.pk,
        "owner_structure": net.cps.pk,
    }


def test_the_item_is_hidden_from_every_other_service_and_kept_for_the_writing_one(team: Team) -> None:
    net = team.net
    note = team.note(net.hugo, "Ricovero in comunità nel 2019.")
    _record(team, net.alice, note)
    key = ("cases.casenote", note.pk)
    for reader in (net.alice, net.bob, team.elena, net.carla, net.sara):
        request = net.request(reader)
        assert key in hidden_items(request, team.case), reader
        assert note not in case_notes(request=request, case=team.case, section=Section.COMMON)
        assert all(
            e.payload.get("note") != note.pk for e in (t.event for t in case_timeline(request=request, case=team.case))
        )
    hugo = net.request(net.hugo)
    assert key not in hidden_items(hugo, team.case)
    assert note in case_notes(request=hugo, case=team.case, section=Section.COMMON)
    assert any(t.event.payload.get("note") == note.pk for t in case_timeline(request=hugo, case=team.case))


@pytest.mark.parametrize(
    ("who", "author", "section", "why"),
    [
        ("dario", "hugo", Section.COMMON, "not on the team"),
        ("carla", "hugo", Section.COMMON, "sees the case from the coordination group, not on its team"),
        ("bob", "hugo", Section.HEALTH, "a section the CPI operator may not read"),
        ("alice", "sara", Section.HEALTH, "a SerD note stays within the SerD"),
        ("hugo", "sara", Section.COMMON, "a SerD note stays within the SerD, even in the common section"),
        ("olga", "hugo", Section.COMMON, "another ambito"),
    ],
)
def test_a_blackout_on_a_record_the_operator_cannot_see_is_refused_and_nothing_written(
    team: Team, who: str, author: str, section: str, why: str
) -> None:
    net = team.net
    note = team.note(getattr(net, author), "Testo riservato.", section=section)
    with pytest.raises(PermissionDenied):
        _record(team, getattr(net, who), note)
    _nothing_written()


def test_a_note_that_does_not_exist_is_refused(team: Team) -> None:
    with pytest.raises(PermissionDenied):
        blackout_record(
            request=team.net.request(team.net.alice),
            target_type=TargetType.CASE_NOTE,
            target_id=987654,
            requested_on=TODAY,
            request_reference="Prot. 1",
        )
    with pytest.raises(PermissionDenied):
        blackout_record(
            request=team.net.request(team.net.alice),
            target_type="people.person",
            target_id=team.net.person.pk,
            requested_on=TODAY,
            request_reference="Prot. 1",
        )
    _nothing_written()


def test_a_note_already_hidden_from_the_operator_is_as_if_it_did_not_exist(team: Team) -> None:
    net = team.net
    note = team.note(net.hugo, "Ricovero in comunità nel 2019.")
    _record(team, net.hugo, note)
    with pytest.raises(PermissionDenied):
        _record(team, net.bob, note)
    # The writing service is told plainly: it sees the note and its blackout.
    with pytest.raises(ValidationError, match="already blacked out"):
        _record(team, net.hugo, note, request_reference="Prot. 2")
    assert Blackout.objects.count() == 1


@pytest.mark.parametrize(
    ("values", "field", "message"),
    [
        ({"requested_on": TODAY + datetime.timedelta(days=1)}, "requested_on", "cannot be in the future"),
        ({"requested_on": TODAY - datetime.timedelta(days=3)}, "requested_on", "before the item was written"),
        ({"requested_on": None}, "requested_on", "Enter the date"),
        ({"request_reference": "   "}, "request_reference", "reference of the signed request"),
        ({"request_reference": "x" * 61}, "request_reference", "at most 60"),
        ({"person": "other"}, "person", "Only the person the case is about"),
    ],
)
def test_bad_input_is_refused_with_a_clear_message_and_nothing_written(
    team: Team, values: dict[str, object], field: str, message: str
) -> None:
    from intreccio.people.tests.factories import PersonFactory

    if values.get("person") == "other":
        values = {"person": PersonFactory.create(registered_by=team.net.social.organisation)}
    note = team.note(team.net.hugo, "Ricovero in comunità nel 2019.")
    with pytest.raises(ValidationError) as caught:
        _record(team, team.net.alice, note, **values)
    assert field in caught.value.message_dict
    assert message in " ".join(caught.value.message_dict[field])
    _nothing_written()


def test_one_active_blackout_per_item_is_a_database_rule(team: Team) -> None:
    net = team.net
    note = team.note(net.hugo, "Ricovero in comunità nel 2019.")
    first = _record(team, net.hugo, note)
    values = {
        "person": net.person,
        "case": team.case,
        "target_type": TargetType.CASE_NOTE,
        "target_id": note.pk,
        "owner_structure": net.cps,
        "requested_on": TODAY,
        "request_reference": "Prot. 2",
        "recorded_by": net.hugo,
    }
    with pytest.raises(IntegrityError), transaction.atomic():
        Blackout.objects.create(**values)
    # Once lifted, the person may ask again.
    blackout_lift(request=net.request(net.hugo), blackout=first, reason="Revocata dalla persona.")
    Blackout.objects.create(**values)
    with pytest.raises(IntegrityError), transaction.atomic():
        Blackout.objects.filter(pk=first.pk).update(lifted_at=timezone.now(), lifted_by=None)


def test_the_writing_service_lifts_it_and_the_lifting_is_logged(team: Team) -> None:
    net = team.net
    note = team.note(net.hugo, "Ricovero in comunità nel 2019.")
    blackout = _record(team, net.alice, note)
    bob = net.request(net.bob)
    assert note not in case_notes(request=bob, case=team.case, section=Section.COMMON)
    lifted = blackout_lift(request=net.request(net.hugo), blackout=blackout, reason="La persona revoca la richiesta.")
    assert lifted.lifted_by == net.hugo and lifted.lifted_at is not None and not lifted.is_active
    assert note in case_notes(request=bob, case=team.case, section=Section.COMMON)
    event = DomainEvent.objects.get(action="blackout.item.lifted")
    assert (event.target_type, event.target_id, event.actor_id) == ("blackout.blackout", str(blackout.pk), net.hugo.pk)
    assert event.payload == {
        "target_type": "cases.casenote",
        "target_id": note.pk,
        "case": team.case.pk,
        "owner_structure": net.cps.pk,
    }
    with pytest.raises(ValidationError, match="already lifted"):
        blackout_lift(request=net.request(net.hugo), blackout=blackout, reason="Di nuovo.")


def test_the_case_manager_may_lift_others_may_not(team: Team) -> None:
    net = team.net
    note = team.note(net.hugo, "Ricovero in comunità nel 2019.")
    blackout = _record(team, net.hugo, note)
    for who in (net.bob, team.elena, net.carla, net.dario, net.sara):
        with pytest.raises(PermissionDenied):
            blackout_lift(request=net.request(who), blackout=blackout, reason="Non spetta a me.")
    assert Blackout.objects.get().is_active
    with pytest.raises(ValidationError) as caught:
        blackout_lift(request=net.request(net.alice), blackout=blackout, reason="  ")
    assert "reason" in caught.value.message_dict
    blackout_lift(request=net.request(net.alice), blackout=blackout, reason="Revocata dalla persona al colloquio.")
    assert not Blackout.objects.get().is_active


def test_lifting_needs_the_case_in_sight_even_for_the_writing_service(team: Team) -> None:
    """An operator of the CPS who is not on the team does not see the case, so cannot lift."""
    from intreccio.accounts.models import Membership, Role
    from intreccio.accounts.tests.factories import OperatorFactory

    net = team.net
    ivo = OperatorFactory.create(username="ivo")
    Membership.objects.create(operator=ivo, structure=net.cps, role=Role.HEALTH_SPECIALIST, valid_from=TODAY)
    blackout = _record(team, net.hugo, team.note(net.hugo, "Ricovero in comunità nel 2019."))
    with pytest.raises(PermissionDenied):
        blackout_lift(request=net.request(ivo), blackout=blackout, reason="Non sono nel gruppo.")
