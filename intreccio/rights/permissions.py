"""Who may record, see and handle a person's rights requests (deny by default).

An operator who may see the person (``people.permissions.visible_persons_q``) records a request
and follows it from the person's page. The coordination group of the ambito of the organisation
that received it handles it: it starts it, extends the deadline, produces the access report and
the subject-access export, decides and closes it. That handling is the need-to-know basis for
reading the person's access log and everything held on them; nobody else gets it.
"""

from __future__ import annotations

from django.http import HttpRequest

from intreccio.cases.permissions import can_allocate, coordination_ambito_ids
from intreccio.people.models import Person
from intreccio.people.permissions import visible_persons_q
from intreccio.rights.models import DataSubjectRequest


def handled_ambito_ids(request: HttpRequest) -> set[int]:
    """The ambiti whose requests the operator handles: those of their coordination group."""
    return coordination_ambito_ids(request)


def handles_requests(request: HttpRequest) -> bool:
    """The navigation entry: the operator sits in a coordination group and acts in a role of it."""
    return bool(handled_ambito_ids(request))


def can_record_for(request: HttpRequest, person: Person) -> bool:
    return Person.objects.filter(visible_persons_q(request), pk=person.pk).exists()


def can_handle(request: HttpRequest, dsr: DataSubjectRequest) -> bool:
    return can_allocate(request, dsr.ambito_id)


def can_see(request: HttpRequest, dsr: DataSubjectRequest) -> bool:
    """The handlers, and whoever may see the person the request is about."""
    if can_handle(request, dsr):
        return True
    return dsr.person is not None and can_record_for(request, dsr.person)
