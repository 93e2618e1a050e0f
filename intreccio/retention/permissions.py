"""Who sees the retention page and who places or lifts legal holds (deny by default).

Members of a coordination group, acting in a coordination role, see the schedule, what a run
would do and the holds of their ambiti, and place and lift holds there; the auditor reads the
page for every ambito and changes nothing. Everyone else gets 404.
"""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Q
from django.http import HttpRequest

from intreccio.access.models import Intake
from intreccio.accounts.permissions import can_read_audit
from intreccio.cases.models import Case
from intreccio.cases.permissions import coordination_ambito_ids
from intreccio.people.models import Person
from intreccio.retention.models import LegalHold


def can_view(request: HttpRequest) -> bool:
    return can_read_audit(request) or bool(coordination_ambito_ids(request))


def can_place_holds(request: HttpRequest) -> bool:
    return bool(coordination_ambito_ids(request))


def persons_of_ambiti_q(ambito_ids: set[int]) -> Q:
    """Persons the network of these ambiti knows: a case or an intake there, or registered there."""
    return (
        Q(Exists(Case.objects.filter(person=OuterRef("pk"), ambito_id__in=ambito_ids)))
        | Q(Exists(Intake.objects.filter(person=OuterRef("pk"), ambito_id__in=ambito_ids)))
        | Q(registered_by__ambito_id__in=ambito_ids)
    )


def holds_q(request: HttpRequest) -> Q:
    """The holds the reader may see: every one for the auditor, their ambiti's for a coordinator."""
    if can_read_audit(request):
        return Q()
    ambiti = coordination_ambito_ids(request)
    if not ambiti:
        return Q(pk__in=[])
    persons = Person.objects.filter(persons_of_ambiti_q(ambiti)).values("pk")
    return Q(case__ambito_id__in=ambiti) | Q(person__in=persons)


def can_lift(request: HttpRequest, hold: LegalHold) -> bool:
    ambiti = coordination_ambito_ids(request)
    if not ambiti or not hold.is_active:
        return False
    if hold.case_id is not None:
        return hold.case is not None and hold.case.ambito_id in ambiti
    return hold.person_id is not None and Person.objects.filter(persons_of_ambiti_q(ambiti), pk=hold.person_id).exists()
