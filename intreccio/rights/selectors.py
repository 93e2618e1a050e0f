"""Reads of rights requests, the person's access report (R7) and the subject-access export (art. 15).

Every read that shows a person's data writes an access record in the same request; objects the
operator may not see answer 404. The access report and the export are produced for a request
the operator handles, never on their own: the request is the need-to-know basis.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass

from django.apps import apps
from django.db.models import Case, IntegerField, Q, Value, When
from django.http import Http404, HttpRequest
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from intreccio.accounts.models import Operator, Role
from intreccio.audit.models import AccessEvent
from intreccio.audit.services import record_access, record_event
from intreccio.cases.models import Section
from intreccio.people.models import LegalRepresentative, Person
from intreccio.people.permissions import visible_persons_q
from intreccio.people.selectors import person_get_for_user
from intreccio.people.selectors_measures import legal_representatives_current
from intreccio.rights import permissions
from intreccio.rights.holdings import Holdings, held_keys, holdings
from intreccio.rights.models import OPEN_STATUSES, DataSubjectRequest, RequestKind
from intreccio.rights.services import EXPORTED, REPORT_GENERATED

REQUEST_TYPE = "rights.datasubjectrequest"
EMERGENCY_PREFIX = "break_the_glass"
# Closed requests stay on the group's list this long after closing.
CLOSED_SHOWN_DAYS = 90

# Parts of a record an access can be about: the case sections and the registry's own parts.
SECTION_LABELS: dict[str, str | Promise] = {
    **{s.value: s.label for s in Section},
    "registry": _("Registry data"),
    "search_result": _("Name in a search result"),
    "duplicate_check": _("Name in a duplicate check"),
    "intake": _("Intake"),
    "intakes": _("Intakes"),
    "consents": _("Consents"),
    "legal_representative": _("Legal representative"),
    "household": _("Household"),
    "rights": _("Privacy request"),
    "access_report": _("Access report"),
    "subject_access": _("Copy of the data"),
}
# What the operator was doing, for the reads the application records most often.
PURPOSE_LABELS: dict[str, str | Promise] = {
    "person_page": _("opened the person's page"),
    "person_edit": _("edited the registry data"),
    "search": _("searched the registry"),
    "intake_create": _("recorded an intake"),
    "duplicate_check": _("checked for duplicates"),
    "household_page": _("opened the household's page"),
    "intake_detail": _("opened the intake"),
    "intake_page": _("opened the intake"),
    "person_intakes": _("listed the intakes"),
    "case_open": _("opened the case from the intake"),
    "case_detail": _("opened the case"),
    "case_timeline": _("read the case's history"),
    "case_section": _("read a section of the case"),
    "case work": _("worked on the case"),
    "note_add": _("wrote a note"),
    "print": _("printed the pact"),
    "plans": _("read the projects"),
    "plan_edit": _("worked on the project"),
    "plan_validation": _("validated the project"),
    "assessments": _("read the assessments"),
    "assessment_detail": _("read an assessment"),
    "assessment_edit": _("worked on an assessment"),
    "rights_request": _("handled a privacy request"),
    "access report": _("produced the access report"),
    "subject access request": _("produced the copy of the data"),
    "break_the_glass review": _("reviewed an emergency access"),
    "referral": _("read a referral"),
    "referral inbox": _("listed the referrals received"),
    "blackout_record": _("recorded a blackout"),
    "blackout_lift": _("lifted a blackout"),
    "blackout_list": _("listed the blackouts"),
    "caseload": _("listed the cases"),
    "case_conflict": _("compared a change with the current case"),
    "allocation_queue": _("allocated the cases waiting"),
    "coordination_queue": _("looked at the intakes forwarded to the group"),
    "consent": _("read the consents"),
    "consent_record": _("recorded a consent"),
    "household_create": _("registered a household"),
    "household_member": _("read a household member"),
    "household_member_add": _("added a household member"),
    "isee_record": _("recorded an ISEE declaration"),
    "income_support_record": _("recorded an income measure"),
    "income_support_end": _("ended an income measure"),
    "legal_representative_record": _("recorded a legal representative"),
    "legal_representative_end": _("ended a legal representative"),
    "pre_assessment": _("filled in the pre-assessment"),
    "plan_create": _("started a project"),
    "similar_cases": _("compared similar cases"),
    "employability_profile": _("recorded the employability profile"),
    "assessment_new": _("started an assessment"),
    "assessment_complete": _("completed an assessment"),
    "assessment_compare": _("compared assessments"),
    "due_checkins": _("listed the check-ins due"),
    "convene a team meeting": _("convened a team meeting"),
    "write the minutes": _("wrote the minutes of a meeting"),
    "team meetings of the case": _("read the team meetings of the case"),
    "download the calendar invitation": _("downloaded a calendar invitation"),
    "import review": _("reviewed a list import"),
}


def _actor(request: HttpRequest) -> Operator:
    return request.user  # type: ignore[return-value]


# --- the lists ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class RequestRow:
    dsr: DataSubjectRequest
    overdue: bool
    days_left: int

    @property
    def days_overdue(self) -> int:
        return -self.days_left if self.overdue else 0


def _rows(requests: Sequence[DataSubjectRequest], today: datetime.date) -> list[RequestRow]:
    return [RequestRow(dsr=r, overdue=r.is_overdue(today), days_left=r.days_left(today)) for r in requests]


def request_list(*, request: HttpRequest, today: datetime.date | None = None) -> list[RequestRow]:
    """The group's requests: open ones first, overdue first, then by deadline; recently closed after."""
    ambiti = permissions.handled_ambito_ids(request)
    if not ambiti:
        raise Http404
    today = today or timezone.localdate()
    since = today - datetime.timedelta(days=CLOSED_SHOWN_DAYS)
    open_rank = Case(When(status__in=OPEN_STATUSES, then=Value(0)), default=Value(1), output_field=IntegerField())
    requests = list(
        DataSubjectRequest.objects.filter(ambito_id__in=ambiti)
        .filter(Q(status__in=OPEN_STATUSES) | Q(closed_on__gte=since))
        .select_related("person", "organisation")
        .annotate(open_rank=open_rank)
        .order_by("open_rank", "due_on", "pk")
    )
    record_access(
        actor=_actor(request), request=request, object_type=REQUEST_TYPE, object_id="list", section="list",
        purpose="rights_requests",
    )  # fmt: skip
    return _rows(requests, today)


@dataclass(frozen=True)
class PersonRequests:
    person: Person
    rows: list[RequestRow]
    can_record: bool


def person_requests(*, request: HttpRequest, person_pk: int) -> PersonRequests:
    """The requests about a person the operator may see (404 otherwise); the read is recorded."""
    person = person_get_for_user(request=request, pk=person_pk, section="rights", purpose="rights_request")
    requests = list(
        DataSubjectRequest.objects.filter(person=person).select_related("organisation").order_by("-received_on", "-pk")
    )
    return PersonRequests(person=person, rows=_rows(requests, timezone.localdate()), can_record=True)


def person_for_new_request(*, request: HttpRequest, person_pk: int) -> Person:
    return person_get_for_user(request=request, pk=person_pk, section="rights", purpose="rights_request")


def representatives_in_office(person: Person) -> list[LegalRepresentative]:
    return legal_representatives_current(person)


def request_get_for_user(*, request: HttpRequest, pk: int, purpose: str = "rights_request") -> DataSubjectRequest:
    """A request the operator handles or whose person they may see; 404 otherwise. The read is recorded."""
    dsr = (
        DataSubjectRequest.objects.filter(pk=pk)
        .select_related("person", "organisation", "ambito", "recorded_by", "closed_by", "representative")
        .first()
    )
    if dsr is None:
        raise Http404
    handles = permissions.handled_ambito_ids(request)
    visible = dsr.person_id is not None and Person.objects.filter(visible_persons_q(request), pk=dsr.person_id).exists()
    if dsr.ambito_id not in handles and not visible:
        raise Http404
    record_access(actor=_actor(request), obj=dsr, request=request, section="rights", purpose=purpose)
    return dsr


def _handled(request: HttpRequest, pk: int) -> DataSubjectRequest:
    dsr = (
        DataSubjectRequest.objects.filter(pk=pk, ambito_id__in=permissions.handled_ambito_ids(request))
        .select_related("person", "organisation", "ambito", "recorded_by", "closed_by", "representative")
        .first()
    )
    if dsr is None:
        raise Http404
    return dsr


def request_get_for_handler(*, request: HttpRequest, pk: int, purpose: str = "rights_request") -> DataSubjectRequest:
    """A request of the operator's coordination group; 404 for anyone else (existence never leaks)."""
    dsr = _handled(request, pk)
    record_access(actor=_actor(request), obj=dsr, request=request, section="rights", purpose=purpose)
    return dsr


# --- the access report (R7) ----------------------------------------------------------------------


@dataclass(frozen=True)
class AccessRow:
    """One read; the labels stay lazy so that the printed report is in Italian whatever the screen's language."""

    event: AccessEvent
    what: str | Promise
    role: str | Promise
    section: str | Promise
    purpose: str | Promise
    emergency: bool


@dataclass
class AccessReport:
    dsr: DataSubjectRequest
    person: Person
    rows: list[AccessRow]
    generated_at: datetime.datetime

    @property
    def emergency_count(self) -> int:
        return sum(1 for row in self.rows if row.emergency)

    @property
    def organisations(self) -> list[str]:
        return sorted({row.event.organisation_name for row in self.rows if row.event.organisation_name})


def _object_label(object_type: str) -> str | Promise:
    try:
        model = apps.get_model(object_type)
    except (LookupError, ValueError):
        return object_type
    return capfirst(model._meta.verbose_name) or object_type


def _purpose_label(purpose: str) -> tuple[str | Promise, bool]:
    """The purpose in words, and whether the read was an emergency access (break-the-glass)."""
    emergency = purpose == EMERGENCY_PREFIX or purpose.startswith(EMERGENCY_PREFIX + ":")
    if emergency:
        purpose = purpose.removeprefix(EMERGENCY_PREFIX).lstrip(": ").strip()
    label = PURPOSE_LABELS.get(purpose)
    return (label if label is not None else purpose.replace("_", " ")), emergency


def access_events_of(person: Person) -> list[AccessEvent]:
    """Every recorded read of the person or of anything held on them, oldest first."""
    by_type: dict[str, list[str]] = {}
    for object_type, object_id in held_keys(person):
        by_type.setdefault(object_type, []).append(object_id)
    condition = Q(pk__in=[])
    for object_type, ids in sorted(by_type.items()):
        condition |= Q(object_type=object_type, object_id__in=sorted(ids))
    return list(AccessEvent.objects.filter(condition).select_related("actor").order_by("seq"))


def _report_person(dsr: DataSubjectRequest) -> Person:
    if dsr.person is None:
        # The person was erased: there is nothing left to report on or to copy.
        raise Http404
    if dsr.kind not in (RequestKind.ACCESS_REPORT, RequestKind.ACCESS):
        raise Http404
    return dsr.person


def access_report(*, request: HttpRequest, pk: int, printed: bool = False) -> AccessReport:
    """Who read the person's record, when, in which organisation and role, which part and why.

    The rows are collected first; then the production of the report is itself recorded, so it
    appears in the next report, not in this one.
    """
    dsr = _handled(request, pk)
    person = _report_person(dsr)
    events = access_events_of(person)
    rows = []
    for event in events:
        purpose, emergency = _purpose_label(event.purpose)
        role = Role(event.role).label if event.role in Role.values else event.role
        rows.append(
            AccessRow(
                event=event,
                what=_object_label(event.object_type),
                role=role,
                section=SECTION_LABELS.get(event.section, event.section),
                purpose=purpose,
                emergency=emergency,
            )
        )
    generated_at = timezone.now()
    record_access(actor=_actor(request), obj=person, request=request, section="access_report", purpose="access report")
    if printed:
        record_event(
            action=REPORT_GENERATED,
            actor=_actor(request),
            target=dsr,
            payload={"person": person.pk, "rows": len(rows), "emergency": sum(r.emergency for r in rows)},
            request=request,
        )
    return AccessReport(dsr=dsr, person=person, rows=rows, generated_at=generated_at)


# --- the subject-access export (art. 15) --------------------------------------------------------


@dataclass
class SubjectExport:
    dsr: DataSubjectRequest
    person: Person
    found: Holdings
    generated_at: datetime.datetime


def export_request(*, request: HttpRequest, pk: int) -> DataSubjectRequest:
    """The access request whose copy the operator may produce (the confirmation page); 404 otherwise."""
    dsr = request_get_for_handler(request=request, pk=pk, purpose="subject access request")
    if dsr.kind != RequestKind.ACCESS or dsr.person is None:
        raise Http404
    return dsr


def subject_export(*, request: HttpRequest, dsr: DataSubjectRequest, file_format: str) -> SubjectExport:
    """Everything held on the person of an access request; the export is recorded with its fields and rows.

    The caller has re-authenticated the operator.
    """
    if not permissions.can_handle(request, dsr) or dsr.kind != RequestKind.ACCESS or dsr.person is None:
        raise Http404
    person = dsr.person
    found = holdings(person)
    record_access(
        actor=_actor(request), obj=person, request=request, section="subject_access", purpose="subject access request"
    )
    record_event(
        action=EXPORTED,
        actor=_actor(request),
        target=dsr,
        payload={"person": person.pk, "format": file_format, "rows": found.row_count, "fields": found.field_list},
        request=request,
    )
    return SubjectExport(dsr=dsr, person=person, found=found, generated_at=timezone.now())
