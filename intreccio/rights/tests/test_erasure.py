"""Art. 17: a granted erasure is carried out through the retention app's erasure, after
re-authentication; refused with nothing written while the person's case is open; the request
stays as the record that the erasure was asked for, decided and done."""

from __future__ import annotations

import pytest
from django.urls import reverse

from intreccio.accounts.tests.factories import TEST_PASSWORD
from intreccio.audit.models import DomainEvent
from intreccio.cases import services as case_services
from intreccio.cases.models import CaseNote, ClosureOutcome
from intreccio.people.models import Person
from intreccio.rights import services
from intreccio.rights.models import DataSubjectRequest, ErasureDecision, RequestKind, RequestStatus
from intreccio.rights.tests.conftest import CANARY, MARCO_SECRET, World, client_for, totp_code


def _note_exists(text: str) -> bool:
    # Notes may be encrypted in the database (R12): compared in Python, not in SQL.
    return any(note.text == text for note in CaseNote.objects.all())


def _granted(world: World) -> DataSubjectRequest:
    dsr = world.record(RequestKind.ERASURE)
    services.erasure_decide(
        request=world.net.request(world.net.carla), dsr=dsr, decision=ErasureDecision.GRANTED, note="Nessun obbligo"
    )
    return dsr


def _close_case(world: World) -> None:
    case = world.case
    case.refresh_from_db()
    case_services.case_close(
        request=world.net.request(world.net.alice),
        case=case,
        version=case.version,
        outcome=ClosureOutcome.values[0],
        reason="Percorso concluso con la persona",
    )


def _erase(world: World, dsr: DataSubjectRequest, **data: str) -> object:
    values = {"confirm": "on", "password": TEST_PASSWORD, "code": totp_code(world.net.carla), **data}
    return client_for(world.net.carla).post(reverse("rights:erasure_execute", args=[dsr.pk]), values)


def test_an_open_case_stops_the_erasure_and_nothing_is_written(world: World) -> None:
    dsr = _granted(world)
    response = _erase(world, dsr)
    assert response.status_code == 200  # type: ignore[attr-defined]
    assert "open case" in response.content.decode()  # type: ignore[attr-defined]
    dsr.refresh_from_db()
    assert dsr.status == RequestStatus.IN_PROGRESS and dsr.erased_on is None
    assert Person.objects.get(pk=world.giulia.pk).last_name == "Ferrari"
    assert _note_exists(CANARY)
    assert not DomainEvent.objects.filter(action=services.ERASED).exists()


def test_a_granted_erasure_is_carried_out_and_closes_the_request(world: World) -> None:
    _close_case(world)
    dsr = _granted(world)
    response = _erase(world, dsr)
    assert response.status_code == 302  # type: ignore[attr-defined]
    dsr.refresh_from_db()
    assert dsr.status == RequestStatus.FULFILLED
    assert dsr.erased_on is not None and dsr.closed_by == world.net.carla
    assert dsr.person_id == world.giulia.pk  # the request stays as the accountability record
    giulia = Person.objects.get(pk=world.giulia.pk)
    assert giulia.last_name != "Ferrari"
    assert not _note_exists(CANARY)
    # Marco, who shares the household, keeps everything.
    assert Person.objects.get(pk=world.marco.pk).last_name == "Ferrari"
    assert _note_exists(MARCO_SECRET)
    assert DomainEvent.objects.filter(action="retention.person.erased", target_id=str(giulia.pk)).exists()
    event = DomainEvent.objects.get(action=services.ERASED, target_id=str(dsr.pk))
    assert event.payload["cases"] == [world.case.pk]
    assert "Ferrari" not in str(event.payload)


def test_the_erasure_needs_re_authentication_and_the_confirmation(world: World) -> None:
    _close_case(world)
    dsr = _granted(world)
    for data in ({"password": "not-my-password-1"}, {"confirm": ""}):
        response = _erase(world, dsr, **data)
        assert response.status_code == 200  # type: ignore[attr-defined]
    dsr.refresh_from_db()
    assert dsr.status == RequestStatus.IN_PROGRESS
    assert Person.objects.get(pk=world.giulia.pk).last_name == "Ferrari"


@pytest.mark.parametrize("who", ["alice", "olga"])
def test_only_the_coordination_group_erases(world: World, who: str) -> None:
    _close_case(world)
    dsr = _granted(world)
    operator = getattr(world.net, who)
    response = client_for(operator).post(
        reverse("rights:erasure_execute", args=[dsr.pk]),
        {"confirm": "on", "password": TEST_PASSWORD, "code": totp_code(operator)},
    )
    assert response.status_code == 404
    assert Person.objects.get(pk=world.giulia.pk).last_name == "Ferrari"


def test_an_undecided_or_refused_erasure_cannot_be_carried_out(world: World) -> None:
    dsr = world.record(RequestKind.ERASURE)
    assert client_for(world.net.carla).get(reverse("rights:erasure_execute", args=[dsr.pk])).status_code == 404
