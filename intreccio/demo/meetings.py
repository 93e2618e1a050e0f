"""Demo meetings: the on-call roster of linguistic-cultural mediators of the Ambito Cremonese
(004:1027-1032) and, for demo cases if any exist, one held team meeting with minutes and
decisions and one to come with a mediator booked.

The mediators are invented (names, addresses and phone numbers are not real). Rows are found by
natural keys (the mediator's e-mail, the meeting's case and title), so running the loader again
changes nothing.
"""

from __future__ import annotations

import datetime
from collections import Counter
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from intreccio.accounts.models import Operator, Organisation
from intreccio.cases.models import OPEN_STATES, Case
from intreccio.meetings.models import (
    Attendance,
    BookingStatus,
    Decision,
    Mediator,
    MediatorBooking,
    Meeting,
    MeetingInvitee,
    MeetingStatus,
)
from intreccio.territory.data import ambito_cremonese
from intreccio.territory.models import Ambito, Comune

COOPERATIVE_NAME = "Cooperativa sociale La Trama"
MEETING_PLACE = "Azienda Sociale del Cremonese, via Brescia 1, Cremona – sala riunioni"
HELD_TITLE = "Valutazione multidimensionale"
UPCOMING_TITLE = "Verifica del progetto personalizzato"


@dataclass(frozen=True)
class MediatorSpec:
    name: str
    email: str
    phone: str
    languages: str  # ISO 639-1 codes, space-separated
    comuni: tuple[str, ...]  # empty: the whole ambito


MEDIATORS: tuple[MediatorSpec, ...] = (
    MediatorSpec("Samira El Idrissi", "s.elidrissi@latrama.example.org", "+39 0372 000101", "ar fr", ()),
    MediatorSpec("Chen Xiaoling", "x.chen@latrama.example.org", "+39 0372 000102", "zh", ("Cremona",)),
    MediatorSpec("Ana Moldovan", "a.moldovan@latrama.example.org", "+39 0372 000103", "ro", ("Cremona", "Castelverde")),
    MediatorSpec("Elira Hoxha", "e.hoxha@latrama.example.org", "+39 0372 000104", "sq", ()),
    MediatorSpec(
        "Imran Ahmed",
        "i.ahmed@latrama.example.org",
        "+39 0372 000105",
        "pa ur",
        ("Casalbuttano ed Uniti", "Soresina", "Sesto ed Uniti"),
    ),
    MediatorSpec("Moussa Ndiaye", "m.ndiaye@latrama.example.org", "+39 0372 000106", "fr wo", ()),
    MediatorSpec(
        "Oksana Melnyk",
        "o.melnyk@latrama.example.org",
        "+39 0372 000107",
        "ru uk",
        ("Cremona", "Pescarolo ed Uniti", "Vescovato"),
    ),
)


def _roster_ensure(ambito: Ambito, created: Counter[str]) -> list[Mediator]:
    cooperative = Organisation.objects.filter(ambito=ambito, name=COOPERATIVE_NAME).first()
    comuni = {c.name: c for c in Comune.objects.filter(ambito=ambito)}
    mediators = []
    for spec in MEDIATORS:
        mediator, was_created = Mediator.objects.update_or_create(
            ambito=ambito,
            email=spec.email,
            defaults={
                "name": spec.name,
                "phone": spec.phone,
                "languages": spec.languages,
                "organisation": cooperative,
                "is_active": True,
            },
        )
        created["mediators"] += was_created
        # Comuni not loaded (a partial ISTAT list) are skipped: the mediator then covers the ambito.
        mediator.comuni.set([comuni[name] for name in spec.comuni if name in comuni])
        mediators.append(mediator)
    return mediators


def _moment(day: datetime.date, hour: int) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, 0)))


def _meetings_for(case: Case, mediator: Mediator, created: Counter[str]) -> None:
    team = [m.operator for m in case.members.filter(left_on__isnull=True).select_related("operator")]
    if len(team) < 2:
        return
    today = timezone.localdate()
    manager = case.case_manager
    # Two weeks ago, or yesterday for a case taken in charge since: a held meeting is in the past.
    held_day = min(
        max(case.taken_in_charge_on, today - datetime.timedelta(days=14)), today - datetime.timedelta(days=1)
    )
    held, was_created = Meeting.objects.get_or_create(
        case=case,
        title=HELD_TITLE,
        defaults={
            "starts_at": _moment(held_day, 10),
            "ends_at": _moment(held_day, 12),
            "place": MEETING_PLACE,
            "agenda": (
                "1. Esito del colloquio al Centro per l'Impiego\n2. Bisogni del nucleo\n3. Proposte per il progetto"
            ),
            "status": MeetingStatus.HELD,
            "convened_by": manager,
            "minutes": (
                "Presenti i componenti dell'équipe. Il CPI riferisce l'esito del colloquio di orientamento; "
                "l'assistente sociale illustra la situazione del nucleo. Si concorda di proporre un tirocinio "
                "e di verificare l'accesso ai contributi per l'affitto."
            ),
            "minutes_by": manager,
        },
    )
    created["meetings"] += was_created
    if was_created:
        MeetingInvitee.objects.bulk_create(
            MeetingInvitee(meeting=held, operator=operator, attendance=Attendance.PRESENT) for operator in team
        )
        owner = next((o for o in team if o.pk != manager.pk), manager)
        Decision.objects.create(
            meeting=held,
            case=case,
            text="Proporre un tirocinio di inclusione presso una cooperativa di tipo B",
            owner=owner,
            due_on=held_day + datetime.timedelta(days=30),
            recorded_by=manager,
        )
        Decision.objects.create(
            meeting=held,
            case=case,
            text="Verificare i requisiti per il contributo affitto",
            owner=manager,
            due_on=held_day + datetime.timedelta(days=21),
            recorded_by=manager,
        )
        created["decisions"] += 2
    next_day = today + datetime.timedelta(days=10)
    upcoming, was_created = Meeting.objects.get_or_create(
        case=case,
        title=UPCOMING_TITLE,
        defaults={
            "starts_at": _moment(next_day, 9),
            "ends_at": _moment(next_day, 10),
            "place": MEETING_PLACE,
            "agenda": "1. Avvio del tirocinio\n2. Firma del patto",
            "convened_by": manager,
        },
    )
    created["meetings"] += was_created
    if was_created:
        MeetingInvitee.objects.bulk_create(MeetingInvitee(meeting=upcoming, operator=operator) for operator in team)
        MediatorBooking.objects.create(
            meeting=upcoming,
            mediator=mediator,
            language=mediator.language_codes[0],
            status=BookingStatus.CONFIRMED,
            requested_by=manager,
        )
        created["mediator_bookings"] += 1


@transaction.atomic
def demo_meetings_load(*, operators: dict[str, Operator]) -> Counter[str]:
    """The mediators' roster, and meetings for up to three open demo cases if there are any.

    ``operators`` are the demo accounts by username, as ``demo_load`` builds them; the meetings
    are convened by each case's own manager, so they are not needed yet beyond finding the ambito.
    """
    created: Counter[str] = Counter()
    ambito = Ambito.objects.filter(code=ambito_cremonese.AMBITO_CODE).first()
    if ambito is None:
        return created
    mediators = _roster_ensure(ambito, created)
    cases = Case.objects.filter(ambito=ambito, status__in=OPEN_STATES).select_related("case_manager").order_by("pk")
    for index, case in enumerate(cases[:3]):
        _meetings_for(case, mediators[index % len(mediators)], created)
    return created
