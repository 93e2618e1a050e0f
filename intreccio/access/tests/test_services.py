"""Every front-door service: what it writes, what it refuses and that a refusal leaves nothing behind."""

from __future__ import annotations

import copy
import datetime
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from intreccio.access import services
from intreccio.access.models import Intake, IntakeStatus, PreAssessment, PreAssessmentForm
from intreccio.access.tests.conftest import RECEIVED, V1_ANSWERS, make_intake
from intreccio.accounts.models import Membership, Operator, Structure, Team
from intreccio.audit.models import DomainEvent
from intreccio.people.models import Person
from intreccio.people.tests.factories import HouseholdMemberFactory

VALUES: dict[str, Any] = {
    "received_on": RECEIVED,
    "channel": "phone",
    "source": "hospital",
    "source_detail": "",
    "prevalent_need": "elderly_care",
    "urgency": "priority",
    "notes": "Dimissione prevista tra una settimana.",
}
NEW_PERSON: dict[str, Any] = {
    "first_name": "Giulia",
    "last_name": "Ferrari",
    "fiscal_code": "",
    "no_fiscal_code_reason": "not_yet_assigned",
    "birth_date": datetime.date(1990, 2, 3),
    "sex": "F",
}


def _membership(operator: Operator) -> Membership:
    return Membership.objects.get(operator=operator)


def _messages(exc: pytest.ExceptionInfo[ValidationError]) -> dict[str, list[str]]:
    return exc.value.message_dict


def _state() -> tuple[int, int, int]:
    return Intake.objects.count(), Person.objects.count(), DomainEvent.objects.count()


# --- intake_create ------------------------------------------------------------------------------


def test_create_for_a_registered_person_links_their_household(alice: Operator, maria: Person) -> None:
    member = HouseholdMemberFactory.create(person=maria)
    intake = services.intake_create(actor=alice, membership=_membership(alice), values=VALUES, person=maria)
    assert intake.person == maria
    assert intake.household == member.household
    assert intake.ambito == _membership(alice).structure.organisation.ambito
    assert intake.status == IntakeStatus.OPEN and intake.version == 1
    event = DomainEvent.objects.get(action="access.intake.created")
    assert event.target_id == str(intake.pk)
    assert event.payload["identified"] is True
    # Codes and field names only: no notes, no names in the audit trail.
    assert "Dimissione" not in str(event.payload) and "Rossi" not in str(event.payload)


def test_create_registers_a_new_person_in_the_same_transaction(alice: Operator) -> None:
    intake = services.intake_create(actor=alice, membership=_membership(alice), values=VALUES, new_person=NEW_PERSON)
    assert intake.person is not None and intake.person.last_name == "Ferrari"
    assert intake.person.registered_by == _membership(alice).structure.organisation
    actions = list(DomainEvent.objects.order_by("seq").values_list("action", flat=True))
    assert actions == ["people.person.created", "access.intake.created"]


def test_create_for_someone_not_identified(alice: Operator) -> None:
    values = {**VALUES, "unidentified_description": "donna sui 40 anni, segnalata dal pronto soccorso"}
    intake = services.intake_create(actor=alice, membership=_membership(alice), values=values)
    assert intake.person is None
    assert intake.unidentified_description.startswith("donna sui 40")


def test_create_refuses_nobody(alice: Operator) -> None:
    with pytest.raises(ValidationError) as exc:
        services.intake_create(actor=alice, membership=_membership(alice), values=VALUES)
    assert "unidentified_description" in _messages(exc)


def test_create_refuses_both_a_person_and_a_new_one(alice: Operator, maria: Person) -> None:
    before = _state()
    with pytest.raises(ValidationError) as exc:
        services.intake_create(
            actor=alice, membership=_membership(alice), values=VALUES, person=maria, new_person=NEW_PERSON
        )
    assert "person" in _messages(exc)
    assert _state() == before


def test_create_refuses_a_future_date_with_a_specific_message(alice: Operator, maria: Person) -> None:
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    with pytest.raises(ValidationError) as exc:
        services.intake_create(
            actor=alice, membership=_membership(alice), values={**VALUES, "received_on": tomorrow}, person=maria
        )
    assert "future" in _messages(exc)["received_on"][0]


def test_create_refuses_unknown_choices_field_by_field(alice: Operator, maria: Person) -> None:
    values = {**VALUES, "channel": "pigeon", "source": "oracle", "prevalent_need": "x", "urgency": "later"}
    with pytest.raises(ValidationError) as exc:
        services.intake_create(actor=alice, membership=_membership(alice), values=values, person=maria)
    assert set(_messages(exc)) >= {"channel", "source", "prevalent_need", "urgency"}


def test_create_needs_the_detail_of_other_sources(alice: Operator, maria: Person) -> None:
    with pytest.raises(ValidationError) as exc:
        services.intake_create(
            actor=alice, membership=_membership(alice), values={**VALUES, "source": "third_sector"}, person=maria
        )
    assert "source_detail" in _messages(exc)


def test_a_refused_intake_leaves_no_person_and_no_event(alice: Operator) -> None:
    """The new person is valid, the intake is not: the person must not stay behind."""
    before = _state()
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    with pytest.raises(ValidationError) as exc:
        services.intake_create(
            actor=alice,
            membership=_membership(alice),
            values={**VALUES, "received_on": tomorrow},
            new_person=NEW_PERSON,
        )
    assert "received_on" in _messages(exc)
    assert _state() == before


def test_person_and_intake_refusals_come_together(alice: Operator) -> None:
    before = _state()
    with pytest.raises(ValidationError) as exc:
        services.intake_create(
            actor=alice,
            membership=_membership(alice),
            values={**VALUES, "channel": ""},
            new_person={**NEW_PERSON, "last_name": "", "birth_date": datetime.date(2999, 1, 1)},
        )
    messages = _messages(exc)
    assert {"channel", "person_last_name", "person_birth_date"} <= set(messages)
    assert _state() == before


def test_a_probable_duplicate_is_surfaced_then_confirmed(alice: Operator, maria: Person) -> None:
    twin = {**NEW_PERSON, "first_name": "Maria", "last_name": "Rossi", "birth_date": maria.birth_date}
    before = _state()
    with pytest.raises(ValidationError) as exc:
        services.intake_create(actor=alice, membership=_membership(alice), values=VALUES, new_person=twin)
    error = exc.value.error_dict["person"][0]
    assert error.code == "possible_duplicate"
    assert error.params is not None and maria.pk in error.params["candidates"]
    assert _state() == before
    intake = services.intake_create(
        actor=alice, membership=_membership(alice), values=VALUES, new_person=twin, confirm_not_duplicate=True
    )
    assert intake.person is not None and intake.person != maria


# --- intake_update and intake_link_person ------------------------------------------------------


def test_update_bumps_the_version_and_names_the_fields(alice: Operator, intake: Intake) -> None:
    updated = services.intake_update(actor=alice, intake=intake, version=1, values={**VALUES, "notes": "Aggiornato"})
    assert updated.version == 2 and updated.notes == "Aggiornato"
    event = DomainEvent.objects.get(action="access.intake.updated")
    assert "notes" in event.payload["fields"] and "Aggiornato" not in str(event.payload)


def test_update_with_a_stale_version_is_refused(alice: Operator, intake: Intake) -> None:
    services.intake_update(actor=alice, intake=intake, version=1, values=VALUES)
    with pytest.raises(ValidationError) as exc:
        services.intake_update(actor=alice, intake=intake, version=1, values={**VALUES, "notes": "lost"})
    assert exc.value.code == "stale_version"
    intake.refresh_from_db()
    assert intake.notes != "lost"


def test_update_of_a_closed_intake_is_refused(alice: Operator, intake: Intake) -> None:
    services.intake_close_information(actor=alice, intake=intake, version=1, outcome_note="Informata su ADI.")
    with pytest.raises(ValidationError) as exc:
        services.intake_update(actor=alice, intake=intake, version=2, values=VALUES)
    assert exc.value.code == "wrong_state"
    assert "closed as information only" in exc.value.messages[0]


def test_link_person_to_an_unidentified_intake(alice: Operator, front_desk: Structure, maria: Person) -> None:
    intake = make_intake(front_desk, alice)
    linked = services.intake_link_person(actor=alice, intake=intake, version=1, person=maria)
    assert linked.person == maria and linked.version == 2
    with pytest.raises(ValidationError) as exc:
        services.intake_link_person(actor=alice, intake=linked, version=2, person=maria)
    assert "already linked" in _messages(exc)["person"][0]


def test_link_person_with_a_stale_version(alice: Operator, front_desk: Structure, maria: Person) -> None:
    intake = make_intake(front_desk, alice, version=3)
    with pytest.raises(ValidationError) as exc:
        services.intake_link_person(actor=alice, intake=intake, version=2, person=maria)
    assert exc.value.code == "stale_version"


# --- triage ------------------------------------------------------------------------------------


def test_close_as_information_needs_a_note(alice: Operator, intake: Intake) -> None:
    before = _state()
    with pytest.raises(ValidationError) as exc:
        services.intake_close_information(actor=alice, intake=intake, version=1, outcome_note="  ")
    assert "outcome_note" in _messages(exc)
    assert _state() == before


def test_close_as_information(alice: Operator, intake: Intake) -> None:
    closed = services.intake_close_information(
        actor=alice, intake=intake, version=1, outcome_note="Orientata al CAF per l'ISEE."
    )
    assert closed.status == IntakeStatus.CLOSED_INFORMATION
    assert closed.outcome_on == timezone.localdate() and closed.outcome_by == alice
    assert DomainEvent.objects.filter(action="access.intake.closed_information").count() == 1


def test_outcome_date_before_receipt_is_refused(alice: Operator, intake: Intake) -> None:
    with pytest.raises(ValidationError) as exc:
        services.intake_close_information(
            actor=alice, intake=intake, version=1, outcome_note="x", outcome_on=RECEIVED - datetime.timedelta(days=1)
        )
    assert "before the intake was received (10/03/2025)" in _messages(exc)["outcome_on"][0]


def test_outcome_date_in_the_future_is_refused(alice: Operator, intake: Intake) -> None:
    with pytest.raises(ValidationError) as exc:
        services.intake_close_information(
            actor=alice,
            intake=intake,
            version=1,
            outcome_note="x",
            outcome_on=timezone.localdate() + datetime.timedelta(days=3),
        )
    assert "future" in _messages(exc)["outcome_on"][0]


def test_forward_without_a_coordination_group_is_refused_clearly(
    alice: Operator, intake: Intake, form_v1: PreAssessmentForm
) -> None:
    services.pre_assessment_save(actor=alice, intake=intake, form=form_v1, answers=V1_ANSWERS)
    before = _state()
    with pytest.raises(ValidationError) as exc:
        services.intake_forward(actor=alice, intake=intake, version=1)
    assert exc.value.code == "no_coordination_group"
    assert "no active coordination group" in exc.value.messages[0]
    assert _state() == before


def test_an_inactive_group_does_not_receive(alice: Operator, intake: Intake, group: Team) -> None:
    group.is_active = False
    group.save()
    with pytest.raises(ValidationError) as exc:
        services.intake_mark_urgent(actor=alice, intake=intake, version=1, outcome_note="Sfratto domani")
    assert exc.value.code == "no_coordination_group"


def test_forward_needs_the_pre_assessment(alice: Operator, intake: Intake, group: Team) -> None:
    with pytest.raises(ValidationError) as exc:
        services.intake_forward(actor=alice, intake=intake, version=1)
    assert "pre_assessment" in _messages(exc)


def test_forward(alice: Operator, intake: Intake, group: Team, form_v1: PreAssessmentForm) -> None:
    services.pre_assessment_save(actor=alice, intake=intake, form=form_v1, answers=V1_ANSWERS)
    forwarded = services.intake_forward(actor=alice, intake=intake, version=1)
    assert forwarded.status == IntakeStatus.FORWARDED and forwarded.forwarded_to == group
    assert forwarded.version == 2
    event = DomainEvent.objects.get(action="access.intake.forwarded")
    assert event.payload == {"team": group.pk}


def test_forward_twice_is_refused_with_what_happened(
    alice: Operator, intake: Intake, group: Team, form_v1: PreAssessmentForm
) -> None:
    services.pre_assessment_save(actor=alice, intake=intake, form=form_v1, answers=V1_ANSWERS)
    services.intake_forward(actor=alice, intake=intake, version=1)
    with pytest.raises(ValidationError) as exc:
        services.intake_forward(actor=alice, intake=intake, version=2)
    assert exc.value.code == "wrong_state"
    assert "already forwarded to the coordination group on" in exc.value.messages[0]


def test_stale_version_wins_over_the_action(alice: Operator, intake: Intake, group: Team) -> None:
    with pytest.raises(ValidationError) as exc:
        services.intake_mark_urgent(actor=alice, intake=intake, version=7, outcome_note="x")
    assert exc.value.code == "stale_version"


def test_mark_urgent_from_open_without_pre_assessment(alice: Operator, intake: Intake, group: Team) -> None:
    urgent = services.intake_mark_urgent(actor=alice, intake=intake, version=1, outcome_note="Minori soli in casa")
    assert urgent.status == IntakeStatus.URGENT and urgent.urgency == "urgent"
    assert DomainEvent.objects.get(action="access.intake.marked_urgent").payload["escalated"] is False


def test_mark_urgent_escalates_a_forwarded_intake(
    alice: Operator, intake: Intake, group: Team, form_v1: PreAssessmentForm
) -> None:
    services.pre_assessment_save(actor=alice, intake=intake, form=form_v1, answers=V1_ANSWERS)
    services.intake_forward(actor=alice, intake=intake, version=1)
    urgent = services.intake_mark_urgent(actor=alice, intake=intake, version=2, outcome_note="Peggiorata")
    assert urgent.status == IntakeStatus.URGENT
    assert DomainEvent.objects.get(action="access.intake.marked_urgent").payload["escalated"] is True


def test_mark_urgent_needs_a_reason(alice: Operator, intake: Intake, group: Team) -> None:
    with pytest.raises(ValidationError) as exc:
        services.intake_mark_urgent(actor=alice, intake=intake, version=1, outcome_note="")
    assert "outcome_note" in _messages(exc)


def test_a_closed_intake_cannot_become_urgent(alice: Operator, intake: Intake, group: Team) -> None:
    services.intake_close_information(actor=alice, intake=intake, version=1, outcome_note="Informata")
    with pytest.raises(ValidationError) as exc:
        services.intake_mark_urgent(actor=alice, intake=intake, version=2, outcome_note="x")
    assert "cannot be marked urgent" in exc.value.messages[0]


def test_an_urgent_intake_cannot_be_closed(alice: Operator, intake: Intake, group: Team) -> None:
    services.intake_mark_urgent(actor=alice, intake=intake, version=1, outcome_note="x")
    with pytest.raises(ValidationError) as exc:
        services.intake_close_information(actor=alice, intake=intake, version=2, outcome_note="y")
    assert "already forwarded as urgent" in exc.value.messages[0]


# --- pre-assessment and questionnaire versions ----------------------------------------------------


def test_pre_assessment_is_cleaned_and_saved(alice: Operator, intake: Intake, form_v1: PreAssessmentForm) -> None:
    saved = services.pre_assessment_save(actor=alice, intake=intake, form=form_v1, answers=V1_ANSWERS)
    assert saved.answers["household_size"] == 3
    assert saved.answers["isee_value"] == 4200.5
    assert saved.answers["eviction"] is True and saved.answers["caregiver"] is False
    event = DomainEvent.objects.get(action="access.intake.pre_assessment_saved")
    assert event.target_id == str(intake.pk)
    assert "morosità" not in str(event.payload)


def test_pre_assessment_refusals_per_question(alice: Operator, intake: Intake, form_v1: PreAssessmentForm) -> None:
    answers = {
        **V1_ANSWERS,
        "household_size": "tre",
        "household_minors": "1,5",
        "household_type": "commune",
        "income_sources": ["family_help", "lottery"],
        "isee_value": "-3",
        "eviction": "maybe",
        "request_summary": "",
    }
    with pytest.raises(ValidationError) as exc:
        services.pre_assessment_save(actor=alice, intake=intake, form=form_v1, answers=answers)
    messages = _messages(exc)
    assert messages["household_size"] == ["Enter a number, e.g. 3 or 2,5."]
    assert messages["household_minors"] == ["Enter a whole number."]
    assert messages["household_type"] == ["Choose one of the answers listed."]
    assert messages["income_sources"] == ["Choose only among the answers listed."]
    assert messages["isee_value"] == ["Enter a number of at least 0."]
    assert messages["eviction"] == ["Answer yes or no."]
    assert messages["request_summary"] == ["Answer this question."]
    assert not PreAssessment.objects.exists()


def test_pre_assessment_of_a_forwarded_intake_is_refused(
    alice: Operator, intake: Intake, group: Team, form_v1: PreAssessmentForm
) -> None:
    services.intake_mark_urgent(actor=alice, intake=intake, version=1, outcome_note="x")
    with pytest.raises(ValidationError) as exc:
        services.pre_assessment_save(actor=alice, intake=intake, form=form_v1, answers=V1_ANSWERS)
    assert exc.value.code == "wrong_state"


def _v2_schema(form_v1: PreAssessmentForm) -> dict[str, Any]:
    schema = copy.deepcopy(form_v1.schema)
    schema["sections"][0]["questions"].append(
        {
            "key": "pets",
            "type": "yes_no",
            "required": True,
            "label": {"it": "Animali domestici?", "en": "Pets?"},
        }
    )
    schema["sections"][0]["questions"][2]["label"] = {"it": "Tipologia del nucleo", "en": "Household type (v2)"}
    return schema


def test_publishing_a_new_version(alice: Operator, form_v1: PreAssessmentForm) -> None:
    v2 = services.questionnaire_publish(
        actor=alice, key="pre_assessment", title="Scheda 2026", schema=_v2_schema(form_v1)
    )
    form_v1.refresh_from_db()
    assert v2.version == 2 and v2.is_published
    assert not form_v1.is_published
    assert DomainEvent.objects.get(action="access.questionnaire.published").payload == {
        "key": "pre_assessment",
        "version": 2,
    }


def test_answers_to_an_unpublished_version_are_refused(
    alice: Operator, intake: Intake, form_v1: PreAssessmentForm
) -> None:
    services.questionnaire_publish(actor=alice, key="pre_assessment", title="Scheda 2026", schema=_v2_schema(form_v1))
    form_v1.refresh_from_db()
    with pytest.raises(ValidationError) as exc:
        services.pre_assessment_save(actor=alice, intake=intake, form=form_v1, answers=V1_ANSWERS)
    assert exc.value.code == "form_not_published"


def test_a_new_version_never_changes_old_answers(alice: Operator, intake: Intake, form_v1: PreAssessmentForm) -> None:
    old = services.pre_assessment_save(actor=alice, intake=intake, form=form_v1, answers=V1_ANSWERS)
    schema_before = copy.deepcopy(form_v1.schema)
    v2 = services.questionnaire_publish(
        actor=alice, key="pre_assessment", title="Scheda 2026", schema=_v2_schema(form_v1)
    )
    old.refresh_from_db()
    form_v1.refresh_from_db()
    assert old.form == form_v1 and form_v1.schema == schema_before
    with pytest.raises(ValidationError) as exc:
        services.pre_assessment_save(actor=alice, intake=intake, form=v2, answers=V1_ANSWERS)
    assert "pets" in _messages(exc)
    new = services.pre_assessment_save(actor=alice, intake=intake, form=v2, answers={**V1_ANSWERS, "pets": "no"})
    assert new.form == v2 and PreAssessment.objects.count() == 2


@pytest.mark.parametrize(
    "schema",
    [
        {},
        {"sections": []},
        {"sections": [{"title": {"it": "A", "en": "A"}, "questions": []}]},
        {
            "sections": [
                {"title": {"it": "A"}, "questions": [{"key": "q", "type": "text", "label": {"it": "Q", "en": "Q"}}]}
            ]
        },
        {
            "sections": [
                {
                    "title": {"it": "A", "en": "A"},
                    "questions": [{"key": "q", "type": "slider", "label": {"it": "Q", "en": "Q"}}],
                }
            ]
        },
        {
            "sections": [
                {
                    "title": {"it": "A", "en": "A"},
                    "questions": [
                        {
                            "key": "q",
                            "type": "choice",
                            "label": {"it": "Q", "en": "Q"},
                            "choices": [{"value": "a", "label": {"it": "a", "en": "a"}}],
                        }
                    ],
                }
            ]
        },
    ],
)
def test_publishing_refuses_broken_schemas(alice: Operator, form_v1: PreAssessmentForm, schema: dict[str, Any]) -> None:
    with pytest.raises(ValidationError) as exc:
        services.questionnaire_publish(actor=alice, key="pre_assessment", title="Broken", schema=schema)
    assert "schema" in _messages(exc)
    form_v1.refresh_from_db()
    assert form_v1.is_published
