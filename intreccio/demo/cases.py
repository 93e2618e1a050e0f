"""Demo cases of the Cremonese: forwarded intakes taken in charge by the coordination group and
moved along the case path by the operators who would do it, through the access and cases services.

One case went through non-compliance (returned by the CPI, answered by the case manager), one
closed with a positive outcome, one takes the Diallo household in charge, one has a health
note written by the SerD; two intakes still wait in the coordination group's queue. Running it
again finds what exists and changes nothing.
"""

from __future__ import annotations

import datetime
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.http import HttpRequest
from django.test import RequestFactory
from django.utils import timezone

from intreccio.access.models import FORWARDED_STATES, Intake
from intreccio.access.selectors import published_form
from intreccio.access.services import intake_create, intake_forward, intake_mark_urgent, pre_assessment_save
from intreccio.accounts.models import Membership, Operator
from intreccio.cases import services
from intreccio.cases.models import Case, CaseStatus, ClosureOutcome, Priority, Section, TeamRole
from intreccio.people.models import Person

Step = Callable[[Case], Case]
# The answers of version 1 of the pre-assessment that every demo intake shares; the summary differs.
PRE_ASSESSMENT: dict[str, Any] = {
    "household_size": "3",
    "household_minors": "1",
    "household_type": "couple_children",
    "income_sources": ["family_help"],
    "isee_available": "yes",
    "isee_value": "6840,25",
    "work_status": "unemployed_long",
    "housing_status": "private_rent",
    "eviction": "no",
    "caregiver": "no",
    "urgency_factors": ["none"],
}


def _request(operator: Operator, role: str | None = None) -> HttpRequest:
    """What the services read from a request: the operator and the role they act in."""
    request = RequestFactory(SERVER_NAME="localhost").get("/")
    request.user = operator
    memberships = Membership.objects.current().filter(operator=operator).select_related("structure__organisation")
    if role is not None:
        memberships = memberships.filter(role=role)
    request.membership = memberships.order_by("pk").first()  # type: ignore[attr-defined]
    request.request_id = "demo"  # type: ignore[attr-defined]
    return request


@dataclass(frozen=True)
class NoteSpec:
    author: str
    section: str
    text: str


@dataclass(frozen=True)
class CaseSpec:
    first_name: str
    last_name: str
    need: str
    received_days_ago: int
    intake_notes: str
    case_manager: str | None = None  # None: the intake stays in the coordination group's queue
    members: tuple[tuple[str, str], ...] = ()  # (username, team role)
    priority: str = Priority.ORDINARY
    urgent: bool = False
    for_household: bool = False
    waited_days: int = 7
    steps: tuple[str, ...] = ()
    notes: tuple[NoteSpec, ...] = field(default_factory=tuple)


SPECS: tuple[CaseSpec, ...] = (
    CaseSpec(
        "Giulia",
        "Ferrari",
        "work",
        received_days_ago=150,
        intake_notes="Madre sola con due figli, contratto a termine scaduto, chiede aiuto per trovare lavoro.",
        case_manager="assistente",
        members=(("cpi", TeamRole.CPI_TUTOR), ("educatore", TeamRole.EDUCATOR)),
        priority=Priority.HIGH,
        steps=("assess", "draft", "validate", "activate", "return", "answer"),
        notes=(
            NoteSpec("assistente", Section.COMMON, "Primo colloquio: rete familiare scarsa, disponibile a formazione."),
            NoteSpec(
                "cpi", Section.WORK, "Profilo di occupabilità medio; proposto tirocinio in cooperativa di tipo B."
            ),
            NoteSpec("educatore", Section.MINORS_COURT, "Luca frequenta con regolarità; serve supporto nei compiti."),
        ),
    ),
    CaseSpec(
        "Marco",
        "Bonetti",
        "work",
        received_days_ago=300,
        intake_notes="Disoccupato da 18 mesi dopo la chiusura dell'azienda, ISEE basso.",
        case_manager="assistente",
        members=(("cpi", TeamRole.CPI_TUTOR),),
        steps=("assess", "draft", "validate", "activate", "close"),
        notes=(NoteSpec("cpi", Section.WORK, "Patto di servizio firmato; corso di saldatura concluso con attestato."),),
    ),
    CaseSpec(
        "Amadou",
        "Diallo",
        "poverty",
        received_days_ago=40,
        intake_notes="Nucleo con una bambina piccola, reddito discontinuo; la moglie non ha ancora il codice fiscale.",
        case_manager="assistente",
        members=(("cpi", TeamRole.CPI_TUTOR), ("erogatore", TeamRole.PROVIDER)),
        for_household=True,
        waited_days=5,
        steps=("assess",),
        notes=(NoteSpec("assistente", Section.COMMON, "Serve un mediatore linguistico (wolof) per i colloqui."),),
    ),
    CaseSpec(
        "Stefano",
        "Galli",
        "addiction_mental_health",
        received_days_ago=60,
        intake_notes="Segnalato dal medico di base; in carico al SerD da due anni.",
        case_manager="assistente",
        members=(("sanitario", TeamRole.SERD_OPERATOR),),
        waited_days=10,
        steps=("assess", "draft"),
        notes=(
            NoteSpec(
                "sanitario", Section.HEALTH, "Programma terapeutico in corso, esami regolari negli ultimi 3 mesi."
            ),
            NoteSpec("assistente", Section.COMMON, "Casa in affitto, arretrati di due mensilità."),
        ),
    ),
    CaseSpec(
        "Ioana",
        "Popescu",
        "elderly_care",
        received_days_ago=12,
        intake_notes="Si occupa della madre non autosufficiente, chiede assistenza domiciliare.",
        case_manager="casemanager",
        priority=Priority.HIGH,
        waited_days=3,
    ),
    CaseSpec(
        "Giuseppe",
        "Senzafissadimora",
        "housing",
        received_days_ago=4,
        intake_notes="Incontrato dall'unità di strada vicino alla stazione.",
        urgent=True,
    ),
    CaseSpec(
        "Mario",
        "Rossi",
        "work",
        received_days_ago=9,
        intake_notes="Chiede orientamento al lavoro dopo un lungo periodo di malattia.",
    ),
)


def _steps(operators: dict[str, Operator]) -> dict[str, Step]:
    def manager(case: Case) -> HttpRequest:
        return _request(case.case_manager)

    coordinator = _request(operators["coordinatore"])
    cpi = _request(operators["cpi"])
    return {
        "assess": lambda c: services.case_start_assessment(request=manager(c), case=c, version=c.version),
        "draft": lambda c: services.case_mark_project_drafted(request=manager(c), case=c, version=c.version),
        "validate": lambda c: services.case_mark_project_validated(request=coordinator, case=c, version=c.version),
        "activate": lambda c: services.case_activate(request=manager(c), case=c, version=c.version),
        "return": lambda c: services.case_return_to_team(
            request=cpi,
            case=c,
            version=c.version,
            reason="Non si è presentata a due colloqui di tirocinio senza avvisare (art. 20 D.lgs 150/2015).",
        ),
        "answer": lambda c: services.case_answer_return(
            request=manager(c),
            case=c,
            version=c.version,
            answer="Colloquio con la signora: problemi con l'asilo della figlia, risolti; il patto riprende.",
            replan=False,
        ),
        "close": lambda c: services.case_close(
            request=manager(c),
            case=c,
            version=c.version,
            outcome=ClosureOutcome.GOALS_MET,
            reason="Assunto a tempo indeterminato come saldatore; obiettivi del patto raggiunti.",
        ),
    }


def _person(spec: CaseSpec) -> Person | None:
    return Person.objects.filter(first_name=spec.first_name, last_name=spec.last_name).order_by("pk").first()


def _intake(spec: CaseSpec, person: Person, operators: dict[str, Operator], created: Counter[str]) -> Intake:
    # Notes are encrypted in the database (SECURITY.md R12): compared here, not in a query.
    existing = next((i for i in Intake.objects.filter(person=person) if i.notes == spec.intake_notes), None)
    if existing is not None:
        return existing
    actor = operators["segretariato"]
    request = _request(actor)
    today = timezone.localdate()
    received = today - datetime.timedelta(days=spec.received_days_ago)
    intake = intake_create(
        actor=actor,
        membership=request.membership,  # type: ignore[attr-defined]
        values={
            "received_on": received,
            "channel": "in_person",
            "source": "self",
            "prevalent_need": spec.need,
            "urgency": "urgent" if spec.urgent else "ordinary",
            "notes": spec.intake_notes,
        },
        person=person,
        request=request,
    )
    form = published_form()
    if form is not None:
        # The coordination group receives every intake with its pre-assessment (001:56).
        pre_assessment_save(
            actor=actor,
            intake=intake,
            form=form,
            answers={**PRE_ASSESSMENT, "request_summary": spec.intake_notes},
            request=request,
        )
        intake.refresh_from_db()
    forwarded_on = received + datetime.timedelta(days=1)
    forward = intake_mark_urgent if spec.urgent else intake_forward
    forward(
        actor=actor,
        intake=intake,
        version=intake.version,
        outcome_note="Pre-assessment svolto, si inoltra al gruppo di coordinamento.",
        outcome_on=min(forwarded_on, today),
        request=request,
    )
    created["intakes"] += 1
    intake.refresh_from_db()
    return intake


def _membership(operator: Operator) -> Membership:
    membership = Membership.objects.current().filter(operator=operator).select_related("structure").order_by("pk")
    return membership.first()  # type: ignore[return-value]


@transaction.atomic
def demo_cases_load(*, operators: dict[str, Operator]) -> Counter[str]:
    """Create the demo intakes and cases once; later runs find them and change nothing."""
    created: Counter[str] = Counter()
    coordinator = _request(operators["coordinatore"])
    steps = _steps(operators)
    for spec in SPECS:
        person = _person(spec)
        if person is None:
            continue
        intake = _intake(spec, person, operators, created)
        if spec.case_manager is None or intake.status not in FORWARDED_STATES:
            continue
        if Case.objects.filter(intake=intake).exists():
            continue
        manager = _membership(operators[spec.case_manager])
        members = []
        for username, team_role in spec.members:
            membership = _membership(operators[username])
            members.append((membership.operator, membership.structure, team_role))
        case = services.case_open(
            request=coordinator,
            intake=intake,
            case_manager=manager.operator,
            case_manager_structure=manager.structure,
            members=members,
            priority=spec.priority,
            for_household=spec.for_household and intake.household_id is not None,
            taken_in_charge_on=min(
                intake.received_on + datetime.timedelta(days=spec.waited_days), timezone.localdate()
            ),
        )
        created["cases"] += 1
        for note in spec.notes:
            services.case_note_add(
                request=_request(operators[note.author]), case=case, section=note.section, text=note.text
            )
            created["case_notes"] += 1
        for step in spec.steps:
            case = steps[step](case)
        if case.status == CaseStatus.CLOSED:
            created["closed_cases"] += 1
    return created
