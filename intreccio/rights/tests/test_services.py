"""Recording and handling a request: who may, every bad input refused with a clear message and
nothing written, every step audited."""

from __future__ import annotations

import datetime

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from intreccio.audit.models import DomainEvent
from intreccio.audit.services import record_event
from intreccio.people.models import LegalRepresentative, LegalRepresentativeKind
from intreccio.rights import services
from intreccio.rights.models import (
    DataSubjectRequest,
    ErasureDecision,
    RefusalReason,
    Requester,
    RequestKind,
    RequestStatus,
    add_months,
)
from intreccio.rights.tests.conftest import World

TODAY = datetime.date.today()


def _errors(exc: pytest.ExceptionInfo[ValidationError]) -> dict[str, list[str]]:
    return exc.value.message_dict


def _representative(world: World, **kwargs: object) -> LegalRepresentative:
    values: dict[str, object] = {
        "person": world.giulia,
        "kind": LegalRepresentativeKind.SUPPORT_ADMINISTRATOR,
        "full_name": "Avv. Paola Neri",
        "court": "Tribunale di Cremona",
        "decree_date": TODAY - datetime.timedelta(days=100),
        "date_from": TODAY - datetime.timedelta(days=90),
        "recorded_by": world.net.alice,
    }
    values.update(kwargs)
    return LegalRepresentative.objects.create(**values)


# --- recording ---------------------------------------------------------------------------------


def test_recording_sets_the_deadline_the_ambito_and_tells_the_group(world: World) -> None:
    received = TODAY - datetime.timedelta(days=2)
    dsr = world.record(RequestKind.ACCESS_REPORT, received_on=received)
    assert dsr.due_on == received + datetime.timedelta(days=15)
    assert dsr.ambito_id == world.net.ambito.pk
    assert dsr.organisation_id == world.net.social.organisation_id
    assert dsr.status == RequestStatus.RECEIVED
    event = DomainEvent.objects.get(action=services.RECORDED, target_id=str(dsr.pk))
    assert event.payload["kind"] == "access_report"
    assert "Ferrari" not in str(event.payload) and "Giulia" not in str(event.payload)


def test_the_group_is_told_after_the_commit_without_the_name(
    world: World, django_capture_on_commit_callbacks: object
) -> None:
    with django_capture_on_commit_callbacks(execute=True):  # type: ignore[operator]
        dsr = world.record(RequestKind.ACCESS)
    assert [m.to for m in mail.outbox] == [["carla@example.org"]]
    body = mail.outbox[0].body
    assert dsr.due_on.strftime("%d/%m/%Y") in mail.outbox[0].subject
    assert "Giulia" not in body and "Ferrari" not in body


def test_an_operator_who_cannot_see_the_person_may_not_record(world: World) -> None:
    with pytest.raises(PermissionDenied):
        world.record(request=world.net.request(world.net.olga))
    assert not DataSubjectRequest.objects.exists()


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"received_on": TODAY + datetime.timedelta(days=1)}, "received_on", "cannot be in the future"),
        ({"received_on": None}, "received_on", "Enter the date the request was received"),
        ({"received_on": TODAY - datetime.timedelta(days=400)}, "received_on", "more than a year ago"),
        ({"kind": "portability"}, "kind", "Choose what the person asks for"),
        ({"channel": "pigeon"}, "channel", "Choose how the request arrived"),
        ({"requested_by": "neighbour"}, "requested_by", "the person or their legal representative"),
        ({"requested_by": Requester.REPRESENTATIVE}, "representative", "Choose the legal representative"),
        ({"rectification_requested": "x"}, "rectification_requested", "Only a rectification request"),
    ],
)
def test_bad_input_is_refused_and_nothing_is_written(
    world: World, change: dict[str, object], field: str, message: str
) -> None:
    with pytest.raises(ValidationError) as exc:
        world.record(**{"kind": RequestKind.ACCESS_REPORT, **change})  # type: ignore[arg-type]
    assert any(message in text for text in _errors(exc)[field]), _errors(exc)
    assert not DataSubjectRequest.objects.exists()
    assert not DomainEvent.objects.filter(action=services.RECORDED).exists()


def test_a_rectification_says_what_to_correct(world: World) -> None:
    with pytest.raises(ValidationError) as exc:
        world.record(RequestKind.RECTIFICATION, rectification_requested="   ")
    assert "Write what the person asks to correct" in _errors(exc)["rectification_requested"][0]
    with pytest.raises(ValidationError) as exc:
        world.record(RequestKind.RECTIFICATION, rectification_requested="bad\x00text")
    assert "NUL" in _errors(exc)["rectification_requested"][0]


def test_a_second_open_request_of_the_same_kind_is_refused(world: World) -> None:
    first = world.record(RequestKind.ACCESS)
    with pytest.raises(ValidationError) as exc:
        world.record(RequestKind.ACCESS)
    assert first.received_on.strftime("%d/%m/%Y") in _errors(exc)["kind"][0]
    world.record(RequestKind.ACCESS_REPORT)  # another kind is fine


def test_a_representative_in_office_may_request(world: World) -> None:
    paola = _representative(world)
    dsr = world.record(requested_by=Requester.REPRESENTATIVE, representative=paola)
    assert dsr.representative == paola


def test_a_representative_not_in_office_on_the_day_or_of_someone_else_is_refused(world: World) -> None:
    ended = _representative(world, date_to=TODAY - datetime.timedelta(days=10))
    with pytest.raises(ValidationError) as exc:
        world.record(requested_by=Requester.REPRESENTATIVE, representative=ended)
    assert "was not in office" in _errors(exc)["representative"][0]
    marcos = _representative(world, person=world.marco)
    with pytest.raises(ValidationError) as exc:
        world.record(requested_by=Requester.REPRESENTATIVE, representative=marcos)
    assert "not the person's" in _errors(exc)["representative"][0]
    paola = _representative(world, kind=LegalRepresentativeKind.GUARDIAN)
    with pytest.raises(ValidationError) as exc:
        world.record(requested_by=Requester.PERSON, representative=paola)
    assert "names no representative" in _errors(exc)["representative"][0]


# --- handling ----------------------------------------------------------------------------------


def test_only_the_coordination_group_handles(world: World) -> None:
    dsr = world.record(RequestKind.ACCESS)
    for outsider in (world.net.alice, world.net.bob, world.net.olga):
        with pytest.raises(PermissionDenied):
            services.request_start(request=world.net.request(outsider), dsr=dsr)
    services.request_start(request=world.net.request(world.net.carla), dsr=dsr)
    dsr.refresh_from_db()
    assert dsr.status == RequestStatus.IN_PROGRESS
    with pytest.raises(ValidationError, match="already in progress"):
        services.request_start(request=world.net.request(world.net.carla), dsr=dsr)


def test_an_extension_needs_a_reason_and_at_most_two_months(world: World) -> None:
    dsr = world.record(RequestKind.ACCESS, received_on=TODAY - datetime.timedelta(days=3))
    carla = world.net.request(world.net.carla)
    for months, reason, field, message in [
        (3, "Molte richieste arrivate insieme", "months", "one or two months"),
        (0, "Molte richieste arrivate insieme", "months", "one or two months"),
        (1, "", "reason", "Write why more time is needed"),
        (1, "troppe", "reason", "at least 10 characters"),
    ]:
        with pytest.raises(ValidationError) as exc:
            services.request_extend(request=carla, dsr=dsr, months=months, reason=reason)
        assert message in _errors(exc)[field][0]
    dsr.refresh_from_db()
    assert dsr.extension_months == 0 and dsr.due_on == dsr.original_due_on
    services.request_extend(request=carla, dsr=dsr, months=1, reason="Molte richieste arrivate insieme")
    dsr.refresh_from_db()
    assert (dsr.extension_months, dsr.extended_on) == (1, TODAY)
    assert dsr.due_on == add_months(dsr.received_on, 2)
    with pytest.raises(ValidationError) as exc:
        services.request_extend(request=carla, dsr=dsr, months=1, reason="Ancora altre richieste arrivate")
    assert "already extended" in _errors(exc)["months"][0]
    services.request_extend(request=carla, dsr=dsr, months=2, reason="Ancora altre richieste arrivate")
    dsr.refresh_from_db()
    assert dsr.extension_months == 2 and dsr.due_on == add_months(dsr.received_on, 3)
    assert "Molte richieste" in dsr.extension_reason and "Ancora altre" in dsr.extension_reason


def test_the_access_report_is_not_extended_and_no_extension_after_the_first_month(world: World) -> None:
    carla = world.net.request(world.net.carla)
    report = world.record(RequestKind.ACCESS_REPORT)
    with pytest.raises(ValidationError, match="cannot be extended"):
        services.request_extend(request=carla, dsr=report, months=1, reason="Molte richieste arrivate insieme")
    late = world.record(RequestKind.ERASURE, received_on=TODAY - datetime.timedelta(days=40))
    with pytest.raises(ValidationError, match="too late to extend"):
        services.request_extend(request=carla, dsr=late, months=1, reason="Molte richieste arrivate insieme")


def test_a_refusal_needs_a_reason_the_law_allows_for_the_kind(world: World) -> None:
    carla = world.net.request(world.net.carla)
    dsr = world.record(RequestKind.ACCESS)
    with pytest.raises(ValidationError) as exc:
        services.request_close(request=carla, dsr=dsr, outcome=RequestStatus.REFUSED)
    assert "Choose the legal reason" in _errors(exc)["refusal_reason"][0]
    with pytest.raises(ValidationError) as exc:
        services.request_close(
            request=carla, dsr=dsr, outcome=RequestStatus.REFUSED, refusal_reason=RefusalReason.LEGAL_OBLIGATION
        )
    assert "not a reason to refuse a request of this kind" in _errors(exc)["refusal_reason"][0]
    with pytest.raises(ValidationError) as exc:
        services.request_close(request=carla, dsr=dsr, outcome="maybe")
    assert "fulfilled or refused" in _errors(exc)["outcome"][0]
    services.request_close(
        request=carla, dsr=dsr, outcome=RequestStatus.REFUSED, refusal_reason=RefusalReason.UNFOUNDED, note="Detto."
    )
    dsr.refresh_from_db()
    assert (dsr.status, dsr.closed_on, dsr.refusal_reason) == (RequestStatus.REFUSED, TODAY, "unfounded")
    with pytest.raises(ValidationError, match="was closed on"):
        services.request_start(request=carla, dsr=dsr)


def test_an_access_report_is_delivered_only_once_printed(world: World) -> None:
    carla = world.net.request(world.net.carla)
    dsr = world.record(RequestKind.ACCESS_REPORT)
    with pytest.raises(ValidationError) as exc:
        services.request_close(request=carla, dsr=dsr, outcome=RequestStatus.FULFILLED)
    assert "Print the access report" in _errors(exc)["outcome"][0]
    record_event(action=services.REPORT_GENERATED, actor=world.net.carla, target=dsr, payload={}, request=carla)
    services.request_close(request=carla, dsr=dsr, outcome=RequestStatus.FULFILLED, note="Consegnato a mano")
    dsr.refresh_from_db()
    assert dsr.status == RequestStatus.FULFILLED and dsr.closed_by == world.net.carla


def test_an_access_request_is_delivered_only_once_the_copy_was_produced(world: World) -> None:
    carla = world.net.request(world.net.carla)
    dsr = world.record(RequestKind.ACCESS)
    with pytest.raises(ValidationError) as exc:
        services.request_close(request=carla, dsr=dsr, outcome=RequestStatus.FULFILLED)
    assert "Produce the copy of the data" in _errors(exc)["outcome"][0]


def test_a_rectification_is_closed_with_what_was_corrected(world: World) -> None:
    carla = world.net.request(world.net.carla)
    dsr = world.record(RequestKind.RECTIFICATION)
    with pytest.raises(ValidationError) as exc:
        services.request_close(request=carla, dsr=dsr, outcome=RequestStatus.FULFILLED)
    assert "Write what was corrected" in _errors(exc)["rectification_done"][0]
    with pytest.raises(ValidationError) as exc:
        services.request_close(
            request=carla,
            dsr=dsr,
            outcome=RequestStatus.REFUSED,
            refusal_reason=RefusalReason.ACCURATE,
            rectification_done="telefono",
        )
    assert "corrected nothing" in _errors(exc)["rectification_done"][0]
    services.request_close(
        request=carla, dsr=dsr, outcome=RequestStatus.FULFILLED, rectification_done="Telefono corretto"
    )
    dsr.refresh_from_db()
    assert dsr.rectification_done == "Telefono corretto"
    payload = DomainEvent.objects.get(action=services.CLOSED, target_id=str(dsr.pk)).payload
    assert "Telefono" not in str(payload)


def test_an_erasure_is_refused_with_an_art_17_3_reason_or_granted(world: World) -> None:
    carla = world.net.request(world.net.carla)
    dsr = world.record(RequestKind.ERASURE)
    with pytest.raises(ValidationError, match="closed by its decision"):
        services.request_close(request=carla, dsr=dsr, outcome=RequestStatus.FULFILLED)
    with pytest.raises(ValidationError) as exc:
        services.erasure_decide(request=carla, dsr=dsr, decision=ErasureDecision.REFUSED)
    assert "Choose the legal reason" in _errors(exc)["refusal_reason"][0]
    with pytest.raises(ValidationError) as exc:
        services.erasure_decide(
            request=carla, dsr=dsr, decision=ErasureDecision.REFUSED, refusal_reason=RefusalReason.ACCURATE
        )
    assert "not a reason to refuse" in _errors(exc)["refusal_reason"][0]
    services.erasure_decide(
        request=carla,
        dsr=dsr,
        decision=ErasureDecision.REFUSED,
        refusal_reason=RefusalReason.LEGAL_OBLIGATION,
        note="La cartella sociale è conservata per obbligo di legge.",
    )
    dsr.refresh_from_db()
    assert dsr.status == RequestStatus.REFUSED and dsr.erasure_decision == ErasureDecision.REFUSED
    assert dsr.refusal_reason == RefusalReason.LEGAL_OBLIGATION and dsr.closed_on == TODAY

    other = world.record(RequestKind.ERASURE)
    services.erasure_decide(request=carla, dsr=other, decision=ErasureDecision.GRANTED)
    other.refresh_from_db()
    assert other.status == RequestStatus.IN_PROGRESS and other.erasure_decided_by == world.net.carla
    with pytest.raises(ValidationError, match="already decided"):
        services.erasure_decide(request=carla, dsr=other, decision=ErasureDecision.REFUSED)


def test_the_database_refuses_a_refusal_without_reason(world: World) -> None:
    from django.db import IntegrityError, transaction

    dsr = world.record(RequestKind.ACCESS)
    with pytest.raises(IntegrityError), transaction.atomic():
        DataSubjectRequest.objects.filter(pk=dsr.pk).update(
            status=RequestStatus.REFUSED, closed_on=timezone.localdate()
        )
