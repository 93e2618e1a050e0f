"""Demo intakes at the front door that do not become cases: open ones and information-only ones.

The forwarded and urgent intakes come with the demo cases (demo/cases.py); here are the others,
so that the intake list shows every state: an intake just recorded and still open, one about a
person not identified yet (a school's signal), and two closed with information and orientation.
"""

from __future__ import annotations

import datetime
from collections import Counter
from dataclasses import dataclass

from django.test import RequestFactory
from django.utils import timezone

from intreccio.access.models import Intake
from intreccio.access.services import intake_close_information, intake_create
from intreccio.accounts.models import Membership, Operator
from intreccio.people.models import Person


@dataclass(frozen=True)
class IntakeSpec:
    notes: str
    days_ago: int
    channel: str
    source: str
    need: str
    person: tuple[str, str] | None = None  # first name, surname of a demo person
    unidentified: str = ""
    source_detail: str = ""
    information_note: str = ""  # closed as information only, with this note


SPECS: tuple[IntakeSpec, ...] = (
    IntakeSpec(
        notes="Chiede informazioni sul contributo affitti e sull'ISEE corrente dopo la perdita del lavoro.",
        days_ago=2,
        channel="in_person",
        source="self",
        need="housing",
        person=("Marco", "Bonetti"),
    ),
    IntakeSpec(
        notes="La scuola segnala assenze ripetute di un alunno di prima media e difficoltà della madre.",
        days_ago=1,
        channel="email",
        source="school",
        source_detail="Istituto comprensivo Cremona Due",
        need="minors_family",
        unidentified="Madre di un alunno di prima media, nome comunicato solo verbalmente dalla scuola",
    ),
    IntakeSpec(
        notes="Chiede come iscriversi al corso di italiano per adulti.",
        days_ago=20,
        channel="phone",
        source="self",
        need="migration",
        person=("Amadou", "Diallo"),
        information_note="Indirizzato al CPIA di Cremona per il corso di italiano L2; nessuna presa in carico.",
    ),
    IntakeSpec(
        notes="Chiede i requisiti per i voucher dei centri estivi per la figlia.",
        days_ago=35,
        channel="in_person",
        source="self",
        need="minors_family",
        person=("Giulia", "Ferrari"),
        information_note="Consegnato il bando voucher centri estivi (ISEE fino a 16.000 €) e il modulo di domanda.",
    ),
)


def _request(operator: Operator) -> object:
    request = RequestFactory(SERVER_NAME="localhost").get("/")
    request.user = operator
    request.membership = (  # type: ignore[attr-defined]
        Membership.objects.current().filter(operator=operator).select_related("structure__organisation").first()
    )
    request.request_id = "demo"  # type: ignore[attr-defined]
    return request


def demo_intakes_load(*, operators: dict[str, Operator]) -> Counter[str]:
    """Create the front-door-only intakes once; later runs find them by their notes."""
    created: Counter[str] = Counter()
    actor = operators["segretariato"]
    request = _request(actor)
    today = timezone.localdate()
    # Notes are encrypted in the database (SECURITY.md R12): compared here, not in a query.
    known_notes = {intake.notes for intake in Intake.objects.exclude(notes="").only("notes")}
    for spec in SPECS:
        if spec.notes in known_notes:
            continue
        person = None
        if spec.person is not None:
            person = Person.objects.filter(first_name=spec.person[0], last_name=spec.person[1]).order_by("pk").first()
            if person is None:
                continue
        received = today - datetime.timedelta(days=spec.days_ago)
        intake = intake_create(
            actor=actor,
            membership=request.membership,  # type: ignore[attr-defined]
            values={
                "received_on": received,
                "channel": spec.channel,
                "source": spec.source,
                "source_detail": spec.source_detail,
                "prevalent_need": spec.need,
                "urgency": "ordinary",
                "notes": spec.notes,
                "unidentified_description": spec.unidentified,
            },
            person=person,
            request=request,  # type: ignore[arg-type]
        )
        created["intakes"] += 1
        if spec.information_note:
            intake_close_information(
                actor=actor,
                intake=intake,
                version=intake.version,
                outcome_note=spec.information_note,
                outcome_on=received,
                request=request,  # type: ignore[arg-type]
            )
    return created
