"""Art. 17 erasure (R13): what goes, what stays, when it is refused, and the audit stub."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from intreccio.access.models import Intake, PreAssessment
from intreccio.assessments.models import Assessment
from intreccio.audit.models import DomainEvent
from intreccio.cases.models import Case, CaseMember, CaseNote, CaseStatus
from intreccio.cases.tests.conftest import Net
from intreccio.people.models import (
    Consent,
    Household,
    HouseholdMember,
    IncomeSupport,
    IseeDeclaration,
    LegalRepresentative,
    NoFiscalCodeReason,
    Person,
    PersonTargetGroup,
)
from intreccio.plans.models import Goal
from intreccio.retention.models import AnonymisationKind, PersonAnonymisation
from intreccio.retention.scrub import ERASED, Outcome, blank_row, delete_row
from intreccio.retention.services import legal_hold_place, person_erase
from intreccio.retention.tests.conftest import make_subject

pytestmark = pytest.mark.django_db

REASON = "Richiesta di cancellazione n. 2025/17"


def test_erasure_removes_identity_and_narratives_and_keeps_the_case_for_statistics(net: Net) -> None:
    subject = make_subject(net)
    case_before = Case.objects.get(pk=subject.case.pk)

    report = person_erase(person=subject.person, actor=net.carla, reason=REASON)

    person = Person.objects.get(pk=subject.person.pk)
    assert (person.first_name, person.last_name) == (ERASED, ERASED)
    assert person.fiscal_code is None
    assert person.no_fiscal_code_reason == NoFiscalCodeReason.ANONYMOUS
    assert (person.phone, person.email, person.residence_address, person.domicile_address) == ("", "", "", "")
    assert (person.search_last_name, person.search_first_name) == ("", "")
    assert person.birth_date is not None and (person.birth_date.month, person.birth_date.day) == (1, 1)
    assert person.sex == "F"
    for model in (Consent, LegalRepresentative, PersonTargetGroup, HouseholdMember):
        assert not model.objects.filter(person=person).exists(), model
    assert not CaseNote.objects.filter(case=subject.case).exists()
    assert not PreAssessment.objects.filter(intake=subject.intake).exists()
    household = Household.objects.get(pk=report.household_ids[0])
    assert household.name == ERASED
    assert not IseeDeclaration.objects.filter(household=household).exists()
    assert not IncomeSupport.objects.filter(household=household).exists()
    intake = Intake.objects.get(pk=subject.intake.pk)
    assert (intake.notes, intake.source_detail) == (ERASED, ERASED)
    assert intake.prevalent_need == subject.intake.prevalent_need
    # The case row stays, with its status, dates and codes; its team stays too (operators, not the person).
    case = Case.objects.get(pk=subject.case.pk)
    assert case.status == CaseStatus.CLOSED
    assert (case.closed_on, case.accessed_on, case.prevalent_need) == (
        case_before.closed_on,
        case_before.accessed_on,
        case_before.prevalent_need,
    )
    assert case.closure_reason == ERASED
    assert case.number is None
    assert CaseMember.objects.filter(case=case).count() == 3
    # Answers keep their shape (empty), codes and numbers stay for statistics.
    assessment = Assessment.objects.get(case=case)
    assert (assessment.answers, assessment.scores, assessment.profile_trace) == ({}, {}, [])
    assert (assessment.total, assessment.kind) == (3, "cpi_interview")
    goals = Goal.objects.filter(plan__case=case)
    assert {goal.text for goal in goals} == {ERASED} and goals.count() == 3
    assert PersonAnonymisation.objects.get(person=person).kind == AnonymisationKind.ERASURE
    assert report.case_ids == (case.pk,)
    assert report.deleted["cases.CaseNote"] == 6


def test_a_row_another_row_protects_is_blanked_instead_of_deleted(net: Net) -> None:
    subject = make_subject(net)
    assessment = Assessment.objects.get(case=subject.case)  # its employability profile PROTECTs it
    outcome = Outcome()
    assert delete_row(assessment, outcome) is False
    assert Assessment.objects.filter(pk=assessment.pk).exists() and not outcome.deleted
    assert blank_row(assessment, outcome) is True
    assert Assessment.objects.get(pk=assessment.pk).answers == {}
    assert outcome.anonymised == {"assessments.Assessment": 1}


def test_the_audit_stub_carries_ids_and_counts_only(net: Net) -> None:
    subject = make_subject(net)
    report = person_erase(person=subject.person, actor=net.carla, reason=REASON)
    event = DomainEvent.objects.get(action="retention.person.erased")
    assert (event.target_type, event.target_id) == ("people.person", str(subject.person.pk))
    assert event.payload == report.payload()
    assert event.payload["cases"] == [subject.case.pk]
    text = str(event.payload)
    assert "2025/17" not in text
    assert not any(canary in text for canary in subject.canaries.values())


def test_an_open_case_refuses_the_erasure_and_nothing_is_written(net: Net) -> None:
    subject = make_subject(net, close=False)
    events = DomainEvent.objects.count()
    with pytest.raises(ValidationError, match="open case"):
        person_erase(person=subject.person, actor=net.carla, reason=REASON)
    person = Person.objects.get(pk=subject.person.pk)
    assert person.fiscal_code == "RSSTTV80A41H501G"
    assert CaseNote.objects.filter(case=subject.case).count() == 6
    assert DomainEvent.objects.count() == events
    assert not PersonAnonymisation.objects.exists()


@pytest.mark.parametrize("on", ["person", "case"])
def test_an_active_legal_hold_refuses_the_erasure(net: Net, on: str) -> None:
    subject = make_subject(net)
    target = {"person": subject.person} if on == "person" else {"case": subject.case}
    legal_hold_place(actor=net.carla, reason="Ricorso TAR n. 1234/2025", **target)
    with pytest.raises(ValidationError, match="legal hold"):
        person_erase(person=subject.person, actor=net.carla, reason=REASON)
    assert Person.objects.get(pk=subject.person.pk).fiscal_code == "RSSTTV80A41H501G"


def test_the_reason_may_not_name_the_person(net: Net) -> None:
    subject = make_subject(net)
    with pytest.raises(ValidationError, match="must not contain"):
        person_erase(person=subject.person, actor=net.carla, reason="Cancellazione chiesta da Ottavia in persona")
    with pytest.raises(ValidationError, match="must not contain"):
        person_erase(person=subject.person, actor=net.carla, reason="Richiesta per RSSTTV80A41H501G del 2025")
    with pytest.raises(ValidationError, match="at least"):
        person_erase(person=subject.person, actor=net.carla, reason="n. 17")


def test_a_name_inside_another_word_is_no_name_and_the_reason_is_kept(net: Net) -> None:
    subject = make_subject(net)
    Person.objects.filter(pk=subject.person.pk).update(first_name="Era", last_name="De Santis")
    person = Person.objects.get(pk=subject.person.pk)
    with pytest.raises(ValidationError, match="must not contain"):
        person_erase(person=person, actor=net.carla, reason="Richiesta della sig.ra de santis n. 17")
    person_erase(person=person, actor=net.carla, reason="Erasure request no. 17 (GDPR art. 17)")
    assert PersonAnonymisation.objects.get(person=person).reason == "Erasure request no. 17 (GDPR art. 17)"


def test_a_second_erasure_is_refused(net: Net) -> None:
    subject = make_subject(net)
    person_erase(person=subject.person, actor=net.carla, reason=REASON)
    with pytest.raises(ValidationError, match="already been erased"):
        person_erase(person=Person.objects.get(pk=subject.person.pk), actor=net.carla, reason=REASON)


def test_a_shared_household_keeps_its_data_and_loses_the_person(net: Net) -> None:
    subject = make_subject(net)
    membership = HouseholdMember.objects.get(person=subject.person)
    other = Person.objects.create(
        first_name="Luca",
        last_name="Verdi",
        no_fiscal_code_reason=NoFiscalCodeReason.UNKNOWN,
        registered_by=net.social.organisation,
        created_by=net.alice,
    )
    HouseholdMember.objects.create(
        household=membership.household, person=other, relationship="child", date_in=membership.date_in
    )
    report = person_erase(person=subject.person, actor=net.carla, reason=REASON)
    assert report.household_ids == ()
    household = Household.objects.get(pk=membership.household_id)
    assert household.name == subject.canaries["household.name"]
    assert IseeDeclaration.objects.filter(household=household).exists()
    assert list(household.members.values_list("person_id", flat=True)) == [other.pk]
    assert Person.objects.get(pk=other.pk).last_name == "Verdi"


def test_a_person_in_a_household_whose_case_is_open_is_refused(net: Net) -> None:
    subject = make_subject(net)
    household = HouseholdMember.objects.get(person=subject.person).household
    other = Person.objects.create(
        first_name="Luca",
        last_name="Verdi",
        no_fiscal_code_reason=NoFiscalCodeReason.UNKNOWN,
        registered_by=net.social.organisation,
        created_by=net.alice,
    )
    HouseholdMember.objects.create(
        household=household, person=other, relationship="child", date_in=household.created_at.date()
    )
    # A second case, for the household as a whole, still open.
    Case.objects.create(
        ambito=net.ambito,
        household=household,
        prevalent_need=subject.case.prevalent_need,
        case_manager=net.alice,
        case_manager_structure=net.social,
        accessed_on=subject.case.accessed_on,
        taken_in_charge_on=subject.case.taken_in_charge_on,
    )
    with pytest.raises(ValidationError, match="open case"):
        person_erase(person=subject.person, actor=net.carla, reason=REASON)
    # Once the person has left that household, the erasure goes ahead.
    HouseholdMember.objects.filter(person=subject.person).update(date_out=household.created_at.date())
    person_erase(person=subject.person, actor=net.carla, reason=REASON)
    assert Person.objects.get(pk=subject.person.pk).fiscal_code is None
