"""Writes to referrals: send, accept, reject, complete, withdraw.

Each service checks the actor's side (sender or recipient, referrals/permissions.py), refuses
bad input with messages keyed by field, locks the referral and compares the version the actor
saw (``StaleReferral``), moves only along ``TRANSITIONS``, writes a DomainEvent
``referrals.referral.<verb>`` targeted at the case (ids and codes only: never the reason, the
answer or a name) in the same transaction, and e-mails after the commit with no personal data
beyond the case number.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from intreccio.accounts.models import Membership, Operator, Structure
from intreccio.audit.services import record_event
from intreccio.cases.models import Case, Section
from intreccio.cases.permissions import CASE_ROLES, sections_for
from intreccio.people.models import Consent, ConsentScope
from intreccio.people.services.common import Errors
from intreccio.referrals import permissions
from intreccio.referrals.disclosure import OVERRIDE, DisclosureDecision, referral_disclosure_allowed
from intreccio.referrals.models import TRANSITIONS, Referral, ReferralStatus
from intreccio.referrals.selectors import receiving_structures

REASON_MIN_LENGTH = 10


class StaleReferral(Exception):
    """The referral changed since the actor loaded it; the view shows it as it is now."""

    def __init__(self, current: Referral) -> None:
        super().__init__("stale referral version")
        self.current = current


def _actor(request: HttpRequest) -> Operator:
    return request.user  # type: ignore[return-value]


def _membership(request: HttpRequest) -> Membership:
    membership: Membership = request.membership  # type: ignore[attr-defined]
    return membership


def _text(value: str) -> str:
    """Free text with its line breaks, without trailing blanks."""
    return "\n".join(line.rstrip() for line in (value or "").strip().splitlines())


def _require(errors: Errors, field: str, value: str, minimum: int = REASON_MIN_LENGTH) -> str:
    text = _text(value)
    if len(" ".join(text.split())) < minimum:
        errors.add(field, _("Write at least %(count)d characters.") % {"count": minimum})
    return text


def recipients_of(structure: Structure) -> list[Operator]:
    """The operators who read a referral to ``structure``: current members in a role that works on cases."""
    operator_ids = Membership.objects.current().filter(structure=structure, role__in=list(CASE_ROLES))
    return list(Operator.objects.filter(pk__in=operator_ids.values("operator_id"), is_active=True).order_by("pk"))


def _mail(operators: Iterable[Operator], subject: str, body: str) -> None:
    addresses = sorted({o.email for o in operators if o.email and o.is_active})
    if not addresses:
        return
    # After the commit: an e-mail about a referral that was rolled back would be a lie.
    transaction.on_commit(lambda: send_mail(subject, body, None, addresses, fail_silently=True))


def _link(request: HttpRequest, url_name: str, **kwargs: int) -> str:
    path = reverse(url_name, kwargs=kwargs or None)
    try:
        return request.build_absolute_uri(path)
    except (KeyError, AttributeError):
        return path


def _event(request: HttpRequest, verb: str, referral: Referral, **payload: object) -> None:
    # No "section" key: the case timeline shows the event to whoever reads the case's common part.
    record_event(
        action=f"referrals.referral.{verb}",
        actor=_actor(request),
        target=referral.case,
        payload={
            "referral": referral.pk,
            "from_structure": referral.from_structure_id,
            "to_structure": referral.to_structure_id,
            "status": referral.status,
            **payload,
        },
        request=request,
    )


def _check_sections(errors: Errors, request: HttpRequest, case: Case, sections: Iterable[str]) -> list[str]:
    chosen = set(sections)
    unknown = chosen - set(Section.values)
    if unknown:
        errors.add("shared_sections", _("Choose the sections to share from the list."))
    readable = sections_for(request, case)
    for section in sorted((chosen - unknown) - readable, key=Section.values.index):
        errors.add(
            "shared_sections",
            _("You do not read the section “%(section)s”: you cannot share it.") % {"section": Section(section).label},
        )
    return [s for s in Section.values if s in chosen]


@transaction.atomic
def referral_send(
    *,
    request: HttpRequest,
    case: Case,
    to_structure: Structure | None,
    reason: str,
    shared_sections: Iterable[str] = (),
    consents: Sequence[Consent] = (),
    override_basis: str = "",
    override_reason: str = "",
) -> Referral:
    """A team member refers the person of ``case`` to another service of the ambito's network.

    Refused, with nothing written, unless ``referral_disclosure_allowed`` finds the consents
    that cover the disclosure or a complete override (R9).
    """
    if not permissions.can_refer(request, case):
        raise PermissionDenied
    case = Case.objects.select_for_update(of=("self",)).select_related("person").get(pk=case.pk)
    membership = _membership(request)
    errors = Errors()
    if not case.is_open:
        errors.add("__all__", _("The case is closed: re-open it before referring the person."))
    text = _require(errors, "reason", reason)
    allowed_structures = receiving_structures(case=case, exclude_structure_id=membership.structure_id)
    if to_structure is None or not allowed_structures.filter(pk=to_structure.pk).exists():
        errors.add(
            "to_structure",
            _("Choose the receiving service from the list: another service of the ambito's network."),
        )
        to_structure = None
    sections = _check_sections(errors, request, case, shared_sections)
    if override_basis and not permissions.can_override(request):
        errors.add(
            "override_basis",
            _("Only a case manager, a social worker or a health specialist may decide an override: ask them."),
        )
    # Read the consents again inside the transaction: a withdrawal a moment ago counts.
    fresh = list(Consent.objects.filter(pk__in=[c.pk for c in consents]).select_related("recipient"))
    decision: DisclosureDecision | None = None
    if to_structure is not None:
        decision = referral_disclosure_allowed(
            person=case.person,
            to_structure=to_structure,
            sections=sections,
            consents=fresh,
            override_basis=override_basis,
            override_reason=override_reason,
            on=timezone.localdate(),
        )
        for field, messages in decision.problems.items():
            for message in messages:
                errors.add(field, message)
    errors.raise_any()
    assert to_structure is not None and decision is not None and decision.allowed  # refused above otherwise

    now = timezone.now()
    by_scope = decision.consents
    on_override = decision.basis == OVERRIDE
    referral = Referral.objects.create(
        case=case,
        from_structure=membership.structure,
        sent_by=_actor(request),
        sent_at=now,
        to_structure=to_structure,
        reason=text,
        shared_sections=sections,
        consent=by_scope.get(ConsentScope.NETWORK_SHARING),
        health_consent=by_scope.get(ConsentScope.HEALTH_SHARING),
        third_sector_consent=by_scope.get(ConsentScope.THIRD_SECTOR),
        override_basis=override_basis if on_override else "",
        override_reason=_text(override_reason) if on_override else "",
        override_by=_actor(request) if on_override else None,
        override_at=now if on_override else None,
    )
    _event(
        request,
        "sent",
        referral,
        sections=sections,
        basis=decision.basis,
        override_basis=referral.override_basis,
        consents=[c.pk for c in referral.consents()],
    )
    _mail(
        recipients_of(to_structure),
        _("Intreccio: a referral for %(service)s") % {"service": to_structure.name},
        _(
            "A service of the network sent %(service)s a referral about case %(number)s. "
            "Sign in to Intreccio and open “Referrals” to read it and answer: %(link)s"
        )
        % {"service": to_structure.name, "number": case.number, "link": _link(request, "referrals:inbox")},
    )
    return referral


def _lock(referral: Referral, version: int) -> Referral:
    locked = (
        Referral.objects.select_for_update(of=("self",))
        .select_related("case", "to_structure", "from_structure", "sent_by")
        .get(pk=referral.pk)
    )
    if locked.version != version:
        raise StaleReferral(locked)
    return locked


def _move(referral: Referral, target: str) -> None:
    if target not in TRANSITIONS[referral.status]:
        raise ValidationError(
            _("A referral that is “%(current)s” cannot become “%(target)s”.")
            % {"current": ReferralStatus(referral.status).label, "target": ReferralStatus(target).label},
            code="wrong_state",
        )
    referral.status = target


def _save(referral: Referral, *fields: str) -> None:
    referral.version += 1
    referral.save(update_fields=[*fields, "status", "version", "updated_at"])


def _require_recipient(request: HttpRequest, referral: Referral) -> None:
    if not permissions.is_recipient(request, referral):
        raise PermissionDenied


def _tell_sender(request: HttpRequest, referral: Referral) -> None:
    case = referral.case
    status = ReferralStatus(referral.status).label
    _mail(
        {referral.sent_by, case.case_manager},
        _("Intreccio: answer to the referral of case %(number)s") % {"number": case.number},
        _(
            "%(service)s answered the referral of case %(number)s: %(status)s. "
            "Sign in to Intreccio to read the answer: %(link)s"
        )
        % {
            "service": referral.to_structure.name,
            "number": case.number,
            "status": status,
            "link": _link(request, "referrals:referral_detail", pk=referral.pk),
        },
    )


@transaction.atomic
def referral_accept(*, request: HttpRequest, referral: Referral, version: int, note: str = "") -> Referral:
    """The receiving service takes the person on."""
    _require_recipient(request, referral)
    referral = _lock(referral, version)
    _move(referral, ReferralStatus.ACCEPTED)
    referral.answered_by = _actor(request)
    referral.answered_at = timezone.now()
    referral.answer_note = _text(note)
    _save(referral, "answered_by", "answered_at", "answer_note")
    _event(request, "accepted", referral)
    _tell_sender(request, referral)
    return referral


@transaction.atomic
def referral_reject(*, request: HttpRequest, referral: Referral, version: int, reason: str) -> Referral:
    """The receiving service declines, saying why; it no longer sees the referral."""
    _require_recipient(request, referral)
    errors = Errors()
    text = _require(errors, "reason", reason)
    errors.raise_any()
    referral = _lock(referral, version)
    _move(referral, ReferralStatus.REJECTED)
    referral.answered_by = _actor(request)
    referral.answered_at = timezone.now()
    referral.answer_note = text
    _save(referral, "answered_by", "answered_at", "answer_note")
    _event(request, "rejected", referral)
    _tell_sender(request, referral)
    return referral


@transaction.atomic
def referral_complete(*, request: HttpRequest, referral: Referral, version: int, outcome: str) -> Referral:
    """The receiving service has done what was asked; its access to the data ends."""
    _require_recipient(request, referral)
    errors = Errors()
    text = _require(errors, "outcome", outcome)
    errors.raise_any()
    referral = _lock(referral, version)
    _move(referral, ReferralStatus.COMPLETED)
    referral.closed_by = _actor(request)
    referral.closed_at = timezone.now()
    referral.closing_note = text
    _save(referral, "closed_by", "closed_at", "closing_note")
    _event(request, "completed", referral)
    _tell_sender(request, referral)
    return referral


@transaction.atomic
def referral_withdraw(*, request: HttpRequest, referral: Referral, version: int, reason: str) -> Referral:
    """The sender (or the case manager) takes the referral back; the recipients lose access."""
    if not permissions.can_withdraw(request, referral):
        raise PermissionDenied
    errors = Errors()
    text = _require(errors, "reason", reason)
    errors.raise_any()
    referral = _lock(referral, version)
    _move(referral, ReferralStatus.WITHDRAWN)
    referral.closed_by = _actor(request)
    referral.closed_at = timezone.now()
    referral.closing_note = text
    _save(referral, "closed_by", "closed_at", "closing_note")
    _event(request, "withdrawn", referral)
    _mail(
        recipients_of(referral.to_structure),
        _("Intreccio: referral of case %(number)s withdrawn") % {"number": referral.case.number},
        _("The sending service withdrew the referral of case %(number)s to %(service)s: it is no longer shown.")
        % {"number": referral.case.number, "service": referral.to_structure.name},
    )
    return referral
