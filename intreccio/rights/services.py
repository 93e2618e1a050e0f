"""Writes to rights requests: record, start, extend, close, and the erasure's decision and execution.

Each service checks the actor's permission, locks the request row, moves the status only from
an open request, refuses bad input with messages keyed by field, and writes a DomainEvent named
``rights.request.<verb>`` in the same transaction. Payloads carry codes, dates and ids, never
the person's name or what they asked to correct. The coordination group is told of a new request
by e-mail after the commit, without the person's name.
"""

from __future__ import annotations

import datetime
from functools import partial
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from intreccio.accounts.models import Membership, Operator, TeamKind, TeamMember
from intreccio.audit.models import DomainEvent
from intreccio.audit.services import record_event
from intreccio.people.models import LegalRepresentative, Person
from intreccio.people.selectors_measures import legal_representatives_current
from intreccio.people.services.common import Errors, clean_text
from intreccio.rights import permissions
from intreccio.rights.models import (
    MAX_EXTENSION_MONTHS,
    REFUSALS_BY_KIND,
    DataSubjectRequest,
    ErasureDecision,
    RefusalReason,
    RequestChannel,
    Requester,
    RequestKind,
    RequestStatus,
    due_date,
)

REASON_MIN_LENGTH = 10
TEXT_MAX_LENGTH = 4000
# A request is recorded when it arrives: a date more than a year back is a typing slip.
OLDEST_RECEIPT_DAYS = 366

RECORDED = "rights.request.recorded"
STARTED = "rights.request.started"
EXTENDED = "rights.request.extended"
CLOSED = "rights.request.closed"
ERASURE_DECIDED = "rights.request.erasure_decided"
ERASED = "rights.request.erasure_executed"
REPORT_GENERATED = "rights.request.report_generated"
EXPORTED = "rights.request.exported"


def _actor(request: HttpRequest) -> Operator:
    return request.user  # type: ignore[return-value]


def _membership(request: HttpRequest) -> Membership:
    membership: Membership | None = getattr(request, "membership", None)
    if membership is None:
        raise PermissionDenied
    return membership


def _date(value: datetime.date) -> str:
    return value.strftime("%d/%m/%Y")


def _text(errors: Errors, field: str, value: str, *, required: str = "", min_length: int = 0) -> str:
    text = (value or "").strip()
    if "\x00" in text:
        errors.add(field, _("The text contains a character that cannot be stored (NUL): remove it."))
        return ""
    if not text:
        if required:
            errors.add(field, required)
        return ""
    if len(clean_text(text)) < min_length:
        errors.add(field, _("Write the reason in at least %(count)d characters.") % {"count": min_length})
    if len(text) > TEXT_MAX_LENGTH:
        errors.add(field, _("Keep it within %(count)d characters.") % {"count": TEXT_MAX_LENGTH})
    return text


def _handlers(dsr: DataSubjectRequest) -> list[Operator]:
    members = TeamMember.objects.filter(
        team__ambito_id=dsr.ambito_id, team__kind=TeamKind.COORDINATION_GROUP, team__is_active=True
    ).select_related("operator")
    return [m.operator for m in members]


def _notify_group(dsr: DataSubjectRequest) -> None:
    recipients = sorted({o.email for o in _handlers(dsr) if o.email and o.is_active})
    if not recipients:
        return
    subject = _("New data subject request: answer due by %(date)s") % {"date": _date(dsr.due_on)}
    body = _(
        "A request “%(kind)s” was recorded by %(organisation)s on %(received)s.\n"
        "The answer is due by %(date)s.\n\nOpen it in Intreccio: %(path)s"
    ) % {
        "kind": RequestKind(dsr.kind).label,
        "organisation": dsr.organisation,
        "received": _date(dsr.received_on),
        "date": _date(dsr.due_on),
        "path": reverse("rights:request_detail", args=[dsr.pk]),
    }
    # After the commit: an e-mail about a request that was rolled back would be a lie.
    transaction.on_commit(lambda: send_mail(subject, body, None, recipients, fail_silently=True))


def _payload(dsr: DataSubjectRequest, **extra: Any) -> dict[str, Any]:
    return {"kind": dsr.kind, "person": dsr.person_id, "status": dsr.status, "due_on": dsr.due_on.isoformat(), **extra}


@transaction.atomic
def request_record(
    *,
    request: HttpRequest,
    person: Person,
    kind: str,
    received_on: datetime.date | None,
    channel: str,
    requested_by: str,
    representative: LegalRepresentative | None = None,
    rectification_requested: str = "",
) -> DataSubjectRequest:
    """Record a request received from the person or their legal representative."""
    if not permissions.can_record_for(request, person):
        raise PermissionDenied
    membership = _membership(request)
    errors = Errors()
    today = timezone.localdate()
    if kind not in RequestKind.values:
        errors.add("kind", _("Choose what the person asks for from the list."))
    if channel not in RequestChannel.values:
        errors.add("channel", _("Choose how the request arrived from the list."))
    if received_on is None:
        errors.add("received_on", _("Enter the date the request was received."))
    elif received_on > today:
        errors.add("received_on", _("The date of receipt cannot be in the future: the deadline runs from it."))
    elif received_on < today - datetime.timedelta(days=OLDEST_RECEIPT_DAYS):
        errors.add(
            "received_on",
            _("%(date)s is more than a year ago: check the year. Record a request the day it arrives.")
            % {"date": _date(received_on)},
        )
    if requested_by not in Requester.values:
        errors.add("requested_by", _("Say whether the person or their legal representative made the request."))
    elif requested_by == Requester.REPRESENTATIVE:
        current = legal_representatives_current(person, on=received_on) if received_on else []
        if representative is None:
            errors.add("representative", _("Choose the legal representative who made the request."))
        elif representative.person_id != person.pk:
            errors.add("representative", _("This legal representative is not the person's."))
        elif received_on is not None and representative not in current:
            errors.add(
                "representative",
                _("%(name)s was not in office on %(date)s: only a representative in office may act for the person.")
                % {"name": representative.full_name, "date": _date(received_on)},
            )
    elif representative is not None:
        errors.add("representative", _("A request made by the person names no representative."))
    requested_text = ""
    if kind == RequestKind.RECTIFICATION:
        requested_text = _text(
            errors,
            "rectification_requested",
            rectification_requested,
            required=_("Write what the person asks to correct, and how it should read."),
        )
    elif (rectification_requested or "").strip():
        errors.add("rectification_requested", _("Only a rectification request says what to correct."))
    if kind in RequestKind.values:
        already = (
            DataSubjectRequest.objects.filter(
                person=person, kind=kind, status__in=[RequestStatus.RECEIVED, RequestStatus.IN_PROGRESS]
            )
            .order_by("received_on")
            .first()
        )
        if already is not None:
            errors.add(
                "kind",
                _(
                    "A request of this kind received on %(date)s is still open for this person: "
                    "answer it, or note the new one in its outcome."
                )
                % {"date": _date(already.received_on)},
            )
    errors.raise_any()
    assert received_on is not None
    organisation = membership.structure.organisation
    dsr = DataSubjectRequest.objects.create(
        person=person,
        kind=kind,
        received_on=received_on,
        channel=channel,
        requested_by=requested_by,
        representative=representative if requested_by == Requester.REPRESENTATIVE else None,
        recorded_by=_actor(request),
        organisation=organisation,
        ambito_id=organisation.ambito_id,
        due_on=due_date(kind, received_on),
        rectification_requested=requested_text,
    )
    record_event(
        action=RECORDED,
        actor=_actor(request),
        target=dsr,
        payload=_payload(dsr, received_on=received_on.isoformat(), requested_by=requested_by, channel=channel),
        request=request,
    )
    _notify_group(dsr)
    return dsr


def _lock_for_handler(request: HttpRequest, dsr: DataSubjectRequest) -> DataSubjectRequest:
    if not permissions.can_handle(request, dsr):
        raise PermissionDenied
    locked = DataSubjectRequest.objects.select_for_update().get(pk=dsr.pk)
    if not locked.is_open:
        raise ValidationError(
            _("This request was closed on %(date)s: nothing more can be done on it.")
            % {"date": _date(locked.closed_on) if locked.closed_on else "—"},
            code="closed",
        )
    return locked


@transaction.atomic
def request_start(*, request: HttpRequest, dsr: DataSubjectRequest) -> DataSubjectRequest:
    """The group takes the request up: received → in progress."""
    dsr = _lock_for_handler(request, dsr)
    if dsr.status != RequestStatus.RECEIVED:
        raise ValidationError(_("This request is already in progress."), code="wrong_state")
    dsr.status = RequestStatus.IN_PROGRESS
    dsr.save(update_fields=["status", "updated_at"])
    record_event(action=STARTED, actor=_actor(request), target=dsr, payload=_payload(dsr), request=request)
    return dsr


@transaction.atomic
def request_extend(*, request: HttpRequest, dsr: DataSubjectRequest, months: int, reason: str) -> DataSubjectRequest:
    """Extend the deadline by up to two further months with a reason (art. 12(3)).

    The person must be told of the extension within the first month, so it is refused after the
    original deadline; the access report has its own 15 days and no extension.
    """
    dsr = _lock_for_handler(request, dsr)
    today = timezone.localdate()
    errors = Errors()
    if dsr.kind == RequestKind.ACCESS_REPORT:
        raise ValidationError(
            _("The access report is due within 15 days and cannot be extended."), code="not_extendable"
        )
    if today > dsr.original_due_on:
        raise ValidationError(
            _(
                "The extension had to be decided and told to the person by %(date)s, within one month of "
                "receipt (art. 12(3)): it is too late to extend."
            )
            % {"date": _date(dsr.original_due_on)},
            code="too_late",
        )
    if months not in range(1, MAX_EXTENSION_MONTHS + 1):
        errors.add("months", _("The deadline may be extended by one or two months."))
    elif months <= dsr.extension_months:
        errors.add(
            "months",
            _("The deadline is already extended by %(count)d month(s): choose a longer extension.")
            % {"count": dsr.extension_months},
        )
    text = _text(
        errors,
        "reason",
        reason,
        required=_("Write why more time is needed (complexity or number of requests)."),
        min_length=REASON_MIN_LENGTH,
    )
    errors.raise_any()
    dsr.extension_reason = f"{dsr.extension_reason}\n{text}".strip() if dsr.extension_reason else text
    dsr.extension_months = months
    dsr.extended_on = today
    dsr.due_on = due_date(dsr.kind, dsr.received_on, months)
    dsr.save(update_fields=["extension_reason", "extension_months", "extended_on", "due_on", "updated_at"])
    record_event(
        action=EXTENDED, actor=_actor(request), target=dsr, payload=_payload(dsr, months=months), request=request
    )
    return dsr


def document_produced(dsr: DataSubjectRequest, action: str) -> bool:
    """Whether the access report or the export of this request was produced at least once."""
    return DomainEvent.objects.filter(action=action, target_type=dsr._meta.label_lower, target_id=str(dsr.pk)).exists()


def _refusal(errors: Errors, dsr: DataSubjectRequest, reason: str) -> None:
    allowed = REFUSALS_BY_KIND[dsr.kind]
    if not reason:
        errors.add(
            "refusal_reason", _("Choose the legal reason for refusing: the person must be told it (art. 12(4)).")
        )
    elif reason not in allowed:
        errors.add(
            "refusal_reason",
            _("“%(reason)s” is not a reason to refuse a request of this kind; choose one of: %(allowed)s.")
            % {
                "reason": RefusalReason(reason).label if reason in RefusalReason.values else reason,
                "allowed": "; ".join(str(RefusalReason(r).label) for r in allowed),
            },
        )


def _close(dsr: DataSubjectRequest, *, status: str, actor: Operator, today: datetime.date) -> None:
    dsr.status = status
    dsr.closed_on = today
    dsr.closed_by = actor


@transaction.atomic
def request_close(
    *,
    request: HttpRequest,
    dsr: DataSubjectRequest,
    outcome: str,
    refusal_reason: str = "",
    note: str = "",
    rectification_done: str = "",
) -> DataSubjectRequest:
    """Deliver or refuse an access report, an access or a rectification request.

    An erasure is closed by its decision (refused) or by its execution (granted).
    """
    dsr = _lock_for_handler(request, dsr)
    today = timezone.localdate()
    errors = Errors()
    if dsr.kind == RequestKind.ERASURE:
        raise ValidationError(
            _("An erasure request is closed by its decision, and once granted by carrying the erasure out."),
            code="erasure",
        )
    if outcome not in (RequestStatus.FULFILLED, RequestStatus.REFUSED):
        errors.add("outcome", _("Say whether the request was fulfilled or refused."))
    note_text = _text(errors, "note", note)
    done_text = ""
    if outcome == RequestStatus.REFUSED:
        _refusal(errors, dsr, refusal_reason)
        if (rectification_done or "").strip():
            errors.add("rectification_done", _("A refused rectification corrected nothing: leave this empty."))
    elif outcome == RequestStatus.FULFILLED:
        if refusal_reason:
            errors.add("refusal_reason", _("A fulfilled request has no reason for refusing: leave it empty."))
        if dsr.kind == RequestKind.ACCESS_REPORT and not document_produced(dsr, REPORT_GENERATED):
            errors.add("outcome", _("Print the access report (PDF) before marking it delivered."))
        if dsr.kind == RequestKind.ACCESS and not document_produced(dsr, EXPORTED):
            errors.add("outcome", _("Produce the copy of the data (PDF or JSON) before marking it delivered."))
        if dsr.kind == RequestKind.RECTIFICATION:
            done_text = _text(
                errors,
                "rectification_done",
                rectification_done,
                required=_("Write what was corrected (correct it first on the person's page)."),
            )
        elif (rectification_done or "").strip():
            errors.add("rectification_done", _("Only a rectification request says what was corrected."))
    errors.raise_any()
    _close(dsr, status=outcome, actor=_actor(request), today=today)
    dsr.refusal_reason = refusal_reason if outcome == RequestStatus.REFUSED else ""
    dsr.outcome_note = note_text
    dsr.rectification_done = done_text
    dsr.save(
        update_fields=[
            "status",
            "closed_on",
            "closed_by",
            "refusal_reason",
            "outcome_note",
            "rectification_done",
            "updated_at",
        ]
    )
    record_event(
        action=CLOSED,
        actor=_actor(request),
        target=dsr,
        payload=_payload(dsr, refusal_reason=dsr.refusal_reason, late=today > dsr.due_on),
        request=request,
    )
    return dsr


@transaction.atomic
def erasure_decide(
    *, request: HttpRequest, dsr: DataSubjectRequest, decision: str, refusal_reason: str = "", note: str = ""
) -> DataSubjectRequest:
    """Grant or refuse an erasure request; a refusal closes it with its legal reason (art. 17(3))."""
    dsr = _lock_for_handler(request, dsr)
    today = timezone.localdate()
    errors = Errors()
    if dsr.kind != RequestKind.ERASURE:
        raise ValidationError(_("Only an erasure request has an erasure decision."), code="not_erasure")
    if dsr.erasure_decision:
        raise ValidationError(_("The erasure was already decided."), code="decided")
    if decision not in ErasureDecision.values:
        errors.add("decision", _("Say whether the erasure is granted or refused."))
    note_text = _text(errors, "note", note)
    if decision == ErasureDecision.REFUSED:
        _refusal(errors, dsr, refusal_reason)
    elif decision == ErasureDecision.GRANTED and refusal_reason:
        errors.add("refusal_reason", _("A granted erasure has no reason for refusing: leave it empty."))
    errors.raise_any()
    actor = _actor(request)
    dsr.erasure_decision = decision
    dsr.erasure_decided_on = today
    dsr.erasure_decided_by = actor
    dsr.outcome_note = note_text
    if decision == ErasureDecision.REFUSED:
        _close(dsr, status=RequestStatus.REFUSED, actor=actor, today=today)
        dsr.refusal_reason = refusal_reason
    else:
        dsr.status = RequestStatus.IN_PROGRESS
    dsr.save(
        update_fields=[
            "erasure_decision",
            "erasure_decided_on",
            "erasure_decided_by",
            "outcome_note",
            "status",
            "closed_on",
            "closed_by",
            "refusal_reason",
            "updated_at",
        ]
    )
    record_event(
        action=ERASURE_DECIDED,
        actor=actor,
        target=dsr,
        payload=_payload(dsr, decision=decision, refusal_reason=dsr.refusal_reason),
        request=request,
    )
    return dsr


# --- the daily reminder ---------------------------------------------------------------------------

REMINDED = "rights.reminders.sent"
REMIND_WITHIN_DAYS = 3


@transaction.atomic
def request_reminders_send(*, today: datetime.date) -> int:
    """E-mail each coordination group its open requests overdue or due within three days.

    Once a day per ambito: the sending is recorded, and a second run on the same day sends
    nothing. The e-mail names request numbers and deadlines, never the persons.
    """
    horizon = today + datetime.timedelta(days=REMIND_WITHIN_DAYS)
    due = (
        DataSubjectRequest.objects.filter(status__in=[RequestStatus.RECEIVED, RequestStatus.IN_PROGRESS])
        .filter(due_on__lte=horizon)
        .select_related("ambito")
        .order_by("ambito_id", "due_on", "pk")
    )
    by_ambito: dict[int, list[DataSubjectRequest]] = {}
    for dsr in due:
        by_ambito.setdefault(dsr.ambito_id, []).append(dsr)
    emails = 0
    for requests in by_ambito.values():
        ambito = requests[0].ambito
        already = DomainEvent.objects.filter(
            action=REMINDED,
            target_type=ambito._meta.label_lower,
            target_id=str(ambito.pk),
            payload__day=today.isoformat(),
        )
        if already.exists():
            continue
        recipients = sorted({o.email for o in _handlers(requests[0]) if o.email and o.is_active})
        overdue = [r for r in requests if r.due_on < today]
        lines = [
            _("no. %(number)s – %(kind)s – due by %(date)s%(late)s")
            % {
                "number": r.pk,
                "kind": RequestKind(r.kind).label,
                "date": _date(r.due_on),
                "late": _(" (OVERDUE)") if r.due_on < today else "",
            }
            for r in requests
        ]
        subject = _("Data subject requests: %(overdue)d overdue, %(soon)d due within %(days)d days") % {
            "overdue": len(overdue),
            "soon": len(requests) - len(overdue),
            "days": REMIND_WITHIN_DAYS,
        }
        body = "\n".join(
            [
                _("These requests of %(ambito)s need an answer:") % {"ambito": ambito.name},
                "",
                *lines,
                "",
                reverse("rights:request_list"),
            ]
        )
        record_event(
            action=REMINDED,
            actor=None,
            target=ambito,
            payload={"day": today.isoformat(), "requests": [r.pk for r in requests], "overdue": len(overdue)},
        )
        if recipients:
            transaction.on_commit(partial(send_mail, subject, body, None, recipients, fail_silently=True))
            emails += 1
    return emails
