"""Matrix rules for the rights pages (SECURITY.md R2).

In the matrix world every role works in the organisation that registered the person, so every
role of the registry sees her, follows her requests and records new ones; the coordinator sits
in the ambito's coordination group and alone handles them: the list, the steps, the access
report and the copy of the data. The auditor, the programme officer and the administrator get 404.
"""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from intreccio.access.tests.matrix_rules import _coordination_group
from intreccio.accounts.models import Role
from intreccio.people.permissions import REGISTRY_ROLES
from intreccio.people.tests.factories import PersonFactory
from intreccio.rights.models import DataSubjectRequest, ErasureDecision, RequestKind, RequestStatus, due_date
from tests.matrix import Rule, World

READERS = frozenset(r.value for r in REGISTRY_ROLES)
COORDINATION = frozenset({Role.COORDINATOR.value})


def _request(w: World, kind: str, **extra: Any) -> DataSubjectRequest:
    key = f"rights_{kind}_{'_'.join(sorted(extra))}"
    if key not in w.objects:
        _coordination_group(w)
        if "rights_person" not in w.objects:
            w.objects["rights_person"] = PersonFactory.create(registered_by=w.organisation, last_name="Diritti")
        today = timezone.localdate()
        w.objects[key] = DataSubjectRequest.objects.create(
            person=w.objects["rights_person"],
            kind=kind,
            received_on=today,
            channel="in_person",
            requested_by="person",
            recorded_by=w.operators[Role.SEGRETARIATO],
            organisation=w.organisation,
            ambito=w.ambito,
            due_on=due_date(kind, today),
            **extra,
        )
    dsr: DataSubjectRequest = w.objects[key]
    return dsr


def _person(w: World) -> dict[str, Any]:
    return {"person_pk": _request(w, RequestKind.ACCESS_REPORT).person_id}


def _pk(kind: str, **extra: Any) -> Any:
    return lambda w: {"pk": _request(w, kind, **extra).pk}


def _granted(w: World) -> dict[str, Any]:
    granted = {
        "erasure_decision": ErasureDecision.GRANTED,
        "erasure_decided_on": timezone.localdate(),
        "status": RequestStatus.IN_PROGRESS,
    }
    return {"pk": _request(w, RequestKind.ERASURE, **granted).pk}


RULES: dict[str, Rule] = {
    "rights:request_list": Rule(roles=COORDINATION, kwargs=lambda w: _coordination_group(w)),
    "rights:person_requests": Rule(roles=READERS, kwargs=_person),
    "rights:request_new": Rule(roles=READERS, kwargs=_person),
    "rights:request_detail": Rule(roles=READERS | COORDINATION, kwargs=_pk(RequestKind.ACCESS_REPORT)),
    "rights:request_start": Rule(roles=COORDINATION, kwargs=_pk(RequestKind.ACCESS_REPORT), get=False),
    "rights:request_extend": Rule(roles=COORDINATION, kwargs=_pk(RequestKind.ACCESS)),
    "rights:request_close": Rule(roles=COORDINATION, kwargs=_pk(RequestKind.ACCESS_REPORT)),
    "rights:erasure_decide": Rule(roles=COORDINATION, kwargs=_pk(RequestKind.ERASURE)),
    "rights:erasure_execute": Rule(roles=COORDINATION, kwargs=_granted, note="the confirmation page"),
    "rights:access_report": Rule(roles=COORDINATION, kwargs=_pk(RequestKind.ACCESS_REPORT)),
    "rights:access_report_pdf": Rule(roles=COORDINATION, kwargs=_pk(RequestKind.ACCESS_REPORT)),
    "rights:subject_export": Rule(
        roles=COORDINATION, kwargs=_pk(RequestKind.ACCESS), note="the re-authentication page; the file answers its POST"
    ),
}
