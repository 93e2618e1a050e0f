"""The network of the case tests, plus a person with something of everything, written with canaries.

Every free text held about the person carries a unique canary string, so that a database dump
can be searched for each one after the erasure.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal

import pytest
from django.utils import timezone, translation

from intreccio.access.models import Channel, Intake, IntakeStatus, Need, PreAssessment, PreAssessmentForm, Source
from intreccio.assessments.models import (
    Assessment,
    AssessmentKind,
    AssessmentStatus,
    AssessmentTool,
    EmployabilityProfile,
)
from intreccio.cases import services as case_services
from intreccio.cases.models import Case, ClosureOutcome, Section, TeamRole
from intreccio.cases.tests.conftest import Net, net  # noqa: F401  (fixtures)
from intreccio.meetings.models import Decision, Meeting, MeetingStatus
from intreccio.people.models import (
    ConsentScope,
    HouseholdMember,
    IncomeMeasure,
    IncomeSupport,
    IncomeSupportStatus,
    IseeKind,
    LegalRepresentative,
    LegalRepresentativeKind,
    Person,
    PersonTargetGroup,
    Relationship,
    TargetGroup,
)
from intreccio.people.services.households import consent_record, household_create, isee_record
from intreccio.people.services.persons import person_update
from intreccio.plans.models import (
    CheckIn,
    Commitment,
    Deviation,
    Goal,
    Owner,
    Pact,
    PactType,
    Plan,
    Signatory,
    Validation,
)

CANARY_PREFIX = "KNR"


@pytest.fixture(autouse=True)
def english() -> Iterator[None]:
    with translation.override("en"):
        yield


@dataclass
class Subject:
    """A person with a closed case and data in every corner, and the canaries planted in it."""

    person: Person
    case: Case
    intake: Intake
    canaries: dict[str, str] = field(default_factory=dict)

    def plant(self, where: str) -> str:
        value = f"{CANARY_PREFIX}{len(self.canaries):03d}X{where.upper().replace('.', 'Q')}"
        self.canaries[where] = value
        return value


def open_case(network: Net, intake: Intake) -> Case:
    return case_services.case_open(
        request=network.request(network.carla),
        intake=intake,
        case_manager=network.alice,
        case_manager_structure=network.social,
        members=[(network.bob, network.cpi, TeamRole.CPI_TUTOR), (network.sara, network.serd, TeamRole.SERD_OPERATOR)],
    )


def close_case(
    network: Net, case: Case, *, reason: str = "Obiettivi raggiunti nel percorso", on: datetime.date | None = None
) -> Case:
    return case_services.case_close(
        request=network.request(network.alice),
        case=case,
        version=case.version,
        outcome=ClosureOutcome.GOALS_MET,
        reason=reason,
        closed_on=on,
    )


def make_subject(network: Net, *, close: bool = True) -> Subject:
    """The network's person, given identity, contacts, a household, ISEE, a measure, consents, a legal
    representative, a pre-assessment, a case with notes in every section, then (by default) closed."""
    today = timezone.localdate()
    person = network.person
    subject = Subject(person=person, case=None, intake=network.intake)  # type: ignore[arg-type]
    alice = network.alice
    person = person_update(
        actor=alice,
        person=person,
        version=person.version,
        values={
            "first_name": "Ottavia",
            "last_name": subject.plant("person.last_name"),
            "fiscal_code": "RSSTTV80A41H501G",
            "sex": "F",
            "birth_date": datetime.date(1980, 1, 1),
            "residence_address": subject.plant("person.residence_address"),
            "domicile_address": subject.plant("person.domicile_address"),
            "phone": "+39 333 9876543",
            "email": "ottavia.canary@example.org",
            "birth_country": subject.plant("person.birth_country"),
            "citizenship": subject.plant("person.citizenship"),
            "languages": subject.plant("person.languages"),
        },
    )
    subject.canaries["person.email"] = "ottavia.canary"
    subject.canaries["person.fiscal_code"] = "RSSTTV80A41H501G"
    subject.canaries["person.first_name"] = "Ottavia"
    # Stored as typed by the registry (capitalised), and normalised for the search box.
    subject.canaries["person.last_name"] = person.last_name
    subject.canaries["search.last_name"] = person.search_last_name
    subject.person = person
    PersonTargetGroup.objects.create(person=person, group=TargetGroup.VIOLENCE)
    household = household_create(
        actor=alice,
        organisation=network.social.organisation,
        name=subject.plant("household.name"),
        address=subject.plant("household.address"),
    )
    HouseholdMember.objects.create(
        household=household,
        person=person,
        relationship=Relationship.REFERENCE,
        date_in=today - datetime.timedelta(days=700),
    )
    isee_record(
        actor=alice,
        household=household,
        kind=IseeKind.ORDINARY,
        value=Decimal("7654.32"),
        valid_from=today - datetime.timedelta(days=60),
        valid_to=today + datetime.timedelta(days=300),
        dsu_protocol=subject.plant("isee.dsu"),
    )
    IncomeSupport.objects.create(
        household=household,
        measure=IncomeMeasure.ADI,
        status=IncomeSupportStatus.GRANTED,
        date_from=today - datetime.timedelta(days=50),
        monthly_amount=Decimal("500.00"),
        inps_protocol=subject.plant("income.inps"),
        recorded_by=alice,
    )
    consent_record(
        actor=alice,
        person=person,
        scope=ConsentScope.NETWORK_SHARING,
        given_on=today - datetime.timedelta(days=30),
        given_by=subject.plant("consent.given_by"),
        document_reference=subject.plant("consent.document"),
    )
    LegalRepresentative.objects.create(
        person=person,
        kind=LegalRepresentativeKind.SUPPORT_ADMINISTRATOR,
        full_name=subject.plant("legalrep.name"),
        contact=subject.plant("legalrep.contact"),
        court=subject.plant("legalrep.court"),
        decree_date=today - datetime.timedelta(days=400),
        date_from=today - datetime.timedelta(days=400),
        recorded_by=alice,
    )
    intake = Intake.objects.get(pk=network.intake.pk)
    Intake.objects.filter(pk=intake.pk).update(
        household=household, notes=subject.plant("intake.notes"), source_detail=subject.plant("intake.source")
    )
    form = PreAssessmentForm.objects.create(key="pre", version=1, title="Scheda", schema={}, is_published=True)
    PreAssessment.objects.create(
        intake=intake,
        form=form,
        answers={"story": subject.plant("preassessment.answers")},
        completed_by=alice,
    )
    intake.refresh_from_db()
    subject.intake = intake
    case = open_case(network, intake)
    writers = {
        Section.COMMON: network.alice,
        Section.WORK: network.bob,
        Section.HEALTH: network.sara,
        Section.VIOLENCE: network.alice,
        Section.MINORS_COURT: network.alice,
        Section.JUDICIAL: network.alice,
    }
    for section, writer in writers.items():
        case_services.case_note_add(
            request=network.request(writer), case=case, section=section, text=subject.plant(f"note.{section}")
        )
    add_case_content(network, subject, case)
    case.refresh_from_db()
    if close:
        case = close_case(network, case, reason=subject.plant("case.closure_reason"))
    subject.case = case
    return subject


def add_case_content(network: Net, subject: Subject, case: Case) -> None:
    """A plan with its pact, goals in two sections, a commitment, a deviation, a validation and a
    check-in; an assessment with an employability profile; a meeting with minutes and a decision."""
    alice, now = network.alice, timezone.now()
    today = timezone.localdate()
    plan = Plan.objects.create(case=case, created_by=alice, summary=subject.plant("plan.summary"))
    Pact.objects.create(
        plan=plan,
        pact_type=PactType.INCLUSION,
        signatory=Signatory.LEGAL_REPRESENTATIVE,
        representative_name=subject.plant("pact.representative"),
        representative_capacity="tutore",
    )
    for section in (Section.COMMON, Section.HEALTH, Section.JUDICIAL):
        Goal.objects.create(
            plan=plan,
            section=section,
            text=subject.plant(f"goal.{section}"),
            indicator=subject.plant(f"goal.indicator.{section}"),
            due_on=today + datetime.timedelta(days=90),
        )
    Commitment.objects.create(plan=plan, owner=Owner.PERSON, text=subject.plant("commitment.text"))
    Deviation.objects.create(
        plan=plan, kind="budget_above", description=subject.plant("deviation.text"), reason=subject.plant("dev.why")
    )
    Validation.objects.create(
        plan=plan, decided_by=network.carla, decided_on=today, outcome="sent_back", note=subject.plant("validation")
    )
    CheckIn.objects.create(
        plan=plan,
        case=case,
        held_on=today,
        computed_percent=10,
        realised_percent=20,
        percent_reason=subject.plant("checkin.reason"),
        outcome=subject.plant("checkin.outcome"),
        next_due_on=today + datetime.timedelta(days=90),
        recorded_by=alice,
    )
    tool = AssessmentTool.objects.create(
        key="multi", version=1, kind=AssessmentKind.CPI_INTERVIEW, title={"it": "Colloquio"}, schema={}
    )
    assessment = Assessment.objects.create(
        case=case,
        tool=tool,
        kind=AssessmentKind.CPI_INTERVIEW,
        status=AssessmentStatus.COMPLETED,
        answers={"health": subject.plant("assessment.answers")},
        facts={"age": 45},
        scores={"health": 3},
        total=3,
        profile="C",
        profile_trace=[subject.plant("assessment.trace")],
        started_by=alice,
        completed_by=alice,
        completed_at=now,
    )
    EmployabilityProfile.objects.create(
        case=case,
        assessment=assessment,
        employability_class="C",
        rule_trace=[subject.plant("profile.trace")],
        pact_reference=subject.plant("profile.pact"),
        created_by=network.bob,
    )
    meeting = Meeting.objects.create(
        case=case,
        title=subject.plant("meeting.title"),
        starts_at=now - datetime.timedelta(hours=2),
        ends_at=now - datetime.timedelta(hours=1),
        place=subject.plant("meeting.place"),
        agenda=subject.plant("meeting.agenda"),
        minutes=subject.plant("meeting.minutes"),
        status=MeetingStatus.HELD,
        convened_by=alice,
    )
    Decision.objects.create(
        meeting=meeting,
        case=case,
        text=subject.plant("decision.text"),
        owner=alice,
        due_on=today + datetime.timedelta(days=10),
        recorded_by=alice,
    )


def unrelated_intake(network: Net, person: Person) -> Intake:
    return Intake.objects.create(
        ambito=network.ambito,
        structure=network.social,
        recorded_by=network.alice,
        person=person,
        received_on=timezone.localdate() - datetime.timedelta(days=3),
        channel=Channel.IN_PERSON,
        source=Source.SELF,
        prevalent_need=Need.WORK,
        status=IntakeStatus.FORWARDED,
        outcome_on=timezone.localdate() - datetime.timedelta(days=2),
        forwarded_to=network.group,
    )
