"""Database constraints of intakes and questionnaires: integrity holds even if a service is bypassed."""

from __future__ import annotations

import datetime

import pytest
from django.db import IntegrityError, transaction

from intreccio.access.models import Intake, IntakeStatus, PreAssessmentForm
from intreccio.access.questionnaire import schema_problems
from intreccio.access.tests.conftest import RECEIVED, make_intake
from intreccio.accounts.models import Operator, Structure, Team
from intreccio.people.models import Person


def _refused(**kwargs: object) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        make_intake(**kwargs)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "field,value",
    [
        ("channel", "pigeon"),
        ("source", "oracle"),
        ("prevalent_need", "boredom"),
        ("urgency", "whenever"),
        ("status", "lost"),
    ],
)
def test_unknown_choices_are_refused_by_the_database(
    front_desk: Structure, alice: Operator, maria: Person, field: str, value: str
) -> None:
    _refused(structure=front_desk, recorded_by=alice, person=maria, **{field: value})


def test_an_intake_needs_a_person_or_a_description(front_desk: Structure, alice: Operator) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        Intake.objects.create(
            ambito=front_desk.organisation.ambito,
            structure=front_desk,
            recorded_by=alice,
            received_on=RECEIVED,
            channel="phone",
            source="school",
            prevalent_need="minors_family",
        )


def test_outcome_date_cannot_precede_receipt(front_desk: Structure, alice: Operator, group: Team) -> None:
    _refused(
        structure=front_desk,
        recorded_by=alice,
        status=IntakeStatus.FORWARDED,
        forwarded_to=group,
        outcome_on=RECEIVED - datetime.timedelta(days=1),
    )


def test_open_intakes_have_no_outcome_and_triaged_ones_have_a_date(
    front_desk: Structure, alice: Operator, group: Team
) -> None:
    _refused(structure=front_desk, recorded_by=alice, outcome_on=RECEIVED)
    _refused(structure=front_desk, recorded_by=alice, status=IntakeStatus.CLOSED_INFORMATION, outcome_note="x")


def test_closing_as_information_needs_a_note(front_desk: Structure, alice: Operator) -> None:
    _refused(structure=front_desk, recorded_by=alice, status=IntakeStatus.CLOSED_INFORMATION, outcome_on=RECEIVED)


def test_forwarded_intakes_name_their_group_and_only_they(front_desk: Structure, alice: Operator, group: Team) -> None:
    _refused(structure=front_desk, recorded_by=alice, status=IntakeStatus.FORWARDED)
    _refused(structure=front_desk, recorded_by=alice, forwarded_to=group)


def test_urgent_status_implies_urgent_urgency(front_desk: Structure, alice: Operator, group: Team) -> None:
    _refused(
        structure=front_desk, recorded_by=alice, status=IntakeStatus.URGENT, forwarded_to=group, urgency="ordinary"
    )
    intake = make_intake(
        front_desk, alice, status=IntakeStatus.URGENT, forwarded_to=group, urgency="urgent", outcome_note="x"
    )
    assert intake.is_forwarded


def test_version_starts_at_one(front_desk: Structure, alice: Operator) -> None:
    _refused(structure=front_desk, recorded_by=alice, version=0)


def test_only_one_published_version_per_key(form_v1: PreAssessmentForm) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        PreAssessmentForm.objects.create(
            key=form_v1.key, version=2, title="Bis", schema=form_v1.schema, is_published=True
        )
    with pytest.raises(IntegrityError), transaction.atomic():
        PreAssessmentForm.objects.create(key=form_v1.key, version=1, title="Again", schema=form_v1.schema)


def test_version_one_is_shipped_valid_and_bilingual(form_v1: PreAssessmentForm) -> None:
    assert form_v1.is_published
    assert schema_problems(form_v1.schema) == []
    sections = [s["key"] for s in form_v1.schema["sections"]]
    assert sections == ["household", "income", "work", "housing", "health", "care", "services", "urgency"]
    for section in form_v1.schema["sections"]:
        for question in section["questions"]:
            assert question["label"]["it"] and question["label"]["en"]


def test_waiting_days(front_desk: Structure, alice: Operator, group: Team) -> None:
    intake = make_intake(front_desk, alice, status=IntakeStatus.FORWARDED, forwarded_to=group)
    assert intake.waiting_days(RECEIVED + datetime.timedelta(days=12)) == 12
    assert make_intake(front_desk, alice).waiting_days() is None
