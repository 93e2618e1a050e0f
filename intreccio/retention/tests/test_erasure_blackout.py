"""Erasure (R13) of a person who asked for blackouts (R21).

The person asked to black out a note of the CPI and the skills interview; a second request on a
note was lifted, with its reason. The case is closed and the person erased: the erasure goes
through (a blackout does not block it), the notes go and their blackouts with them, the interview
stays for statistics (blanked) and its blackout stays active but blanked, so the blanked item is
still hidden from the other services; nothing identifying of the requests remains.
"""

from __future__ import annotations

import pytest
from django.utils import timezone

from intreccio.assessments.models import Assessment
from intreccio.blackout.models import Blackout, TargetType
from intreccio.blackout.services import blackout_lift, blackout_record
from intreccio.cases import permissions as case_permissions
from intreccio.cases.models import CaseNote, Section
from intreccio.cases.services import case_note_add
from intreccio.cases.tests.conftest import Net
from intreccio.core.privacy import Category
from intreccio.history.models import RowChange
from intreccio.retention.scrub import ERASED
from intreccio.retention.services import case_category_purge, person_erase
from intreccio.retention.tests.conftest import close_case, make_subject
from intreccio.retention.tests.test_erasure_dump import orm_dump

pytestmark = pytest.mark.django_db

REASON = "Richiesta di cancellazione n. 2025/31"


def test_erasing_a_person_with_blackouts_removes_the_notes_and_blanks_what_stays(net: Net) -> None:
    subject = make_subject(net, close=False)
    case = subject.case
    bob = net.request(net.bob)
    today = timezone.localdate()
    hidden_note = case_note_add(request=bob, case=case, section=Section.WORK, text=subject.plant("blackout.note"))
    lifted_note = case_note_add(
        request=bob, case=case, section=Section.COMMON, text=subject.plant("blackout.lifted_note")
    )
    on_note = blackout_record(
        request=bob,
        target_type=TargetType.CASE_NOTE,
        target_id=hidden_note.pk,
        requested_on=today,
        request_reference=subject.plant("blackout.reference"),
    )
    lifted = blackout_record(
        request=bob,
        target_type=TargetType.CASE_NOTE,
        target_id=lifted_note.pk,
        requested_on=today,
        request_reference=subject.plant("blackout.lifted_reference"),
    )
    blackout_lift(request=bob, blackout=lifted, reason=subject.plant("blackout.lift_reason"))
    interview = Assessment.objects.get(case=case)
    on_interview = blackout_record(
        request=net.request(net.alice),
        target_type=TargetType.ASSESSMENT,
        target_id=interview.pk,
        requested_on=today,
        request_reference=subject.plant("blackout.interview_reference"),
    )
    case = close_case(net, case)
    before = orm_dump(skip_apps=frozenset({"audit"}))
    assert all(canary in before for key, canary in subject.canaries.items() if key.startswith("blackout."))

    report = person_erase(person=subject.person, actor=net.carla, reason=REASON)

    # The notes went, and the blackouts of the notes with them: nothing points to an item that is gone.
    assert not CaseNote.objects.filter(pk__in=[hidden_note.pk, lifted_note.pk]).exists()
    assert not Blackout.objects.filter(pk__in=[on_note.pk, lifted.pk]).exists()
    assert report.deleted["blackout.Blackout"] == 2
    # The interview stays (blanked, for statistics), and so does its blackout: still active, still
    # hiding it from the other services, without the reference of the request.
    kept = Blackout.objects.get(pk=on_interview.pk)
    assert kept.is_active and kept.target_id == interview.pk and Assessment.objects.filter(pk=interview.pk).exists()
    assert kept.request_reference == ERASED
    assert (TargetType.ASSESSMENT.value, interview.pk) in case_permissions.hidden_items(net.request(net.bob), case)
    # Nothing of the requests is left, in the rows or in their change history.
    after = orm_dump(skip_apps=frozenset({"audit"}))
    left = [key for key, canary in subject.canaries.items() if canary in after]
    assert not left, left
    for blackout_pk in (on_note.pk, lifted.pk, on_interview.pk):
        assert not RowChange.objects.filter(table_name="blackout_blackout", row_pk=str(blackout_pk)).exists()


def test_the_schedule_purging_a_blacked_out_note_takes_its_blackout_too(net: Net) -> None:
    subject = make_subject(net, close=False)
    sara = net.request(net.sara)
    note = case_note_add(request=sara, case=subject.case, section=Section.HEALTH, text="Terapia in corso al SerD.")
    blackout = blackout_record(
        request=sara,
        target_type=TargetType.CASE_NOTE,
        target_id=note.pk,
        requested_on=timezone.localdate(),
        request_reference="Prot. 2025/0099",
    )
    other = Blackout.objects.create(
        person=subject.person,
        case=subject.case,
        target_type=TargetType.ASSESSMENT,
        target_id=note.pk,  # the same key on another kind of item: not the note's
        owner_structure=net.serd,
        requested_on=timezone.localdate(),
        request_reference="Prot. 2025/0100",
        recorded_by=net.sara,
    )
    case = close_case(net, subject.case)

    outcome = case_category_purge(case=case, category=Category.SPECIAL)

    assert outcome is not None
    assert not CaseNote.objects.filter(pk=note.pk).exists()
    assert not Blackout.objects.filter(pk=blackout.pk).exists()
    assert outcome.deleted["blackout.Blackout"] == 1
    assert Blackout.objects.filter(pk=other.pk).exists()
