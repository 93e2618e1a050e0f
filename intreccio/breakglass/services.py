"""Writes of break-the-glass: ask for an emergency access, end it early, review it (SECURITY.md R8).

``breakglass_grant_request`` checks everything that does not depend on the operator's identity
first (role, case, reason, duration), then re-authenticates them (R14) outside any transaction, so
that a failed attempt stays counted and audited, and only then writes the grant, its DomainEvent
and the e-mail to the coordination group in one transaction.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Case as DbCase
from django.db.models import IntegerField, Q, Value, When
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from intreccio.accounts.models import Membership, Operator, Role, TeamKind, TeamMember
from intreccio.accounts.reauth import reauthenticate
from intreccio.audit.services import record_event
from intreccio.breakglass import permissions
from intreccio.breakglass.models import REASON_TEXT_MIN_LENGTH, BreakGlassGrant, ReasonCode, ReviewOutcome
from intreccio.cases.models import OPEN_STATES, Case
from intreccio.cases.permissions import access_basis
from intreccio.people.models import Person

FISCAL_CODE_RE = re.compile(r"^([A-Z0-9]{16}|[0-9]{11})$")
REVIEW_NOTE_MAX_LENGTH = 2000


def not_found_message() -> str:
    """The one answer for a case that does not exist, is elsewhere, or is a violence record."""
    return _(
        "No record you may open with emergency access matches what you typed. Check the case number or "
        "the codice fiscale; otherwise contact the case manager or the coordination group of the ambito."
    )


def local_time(moment: datetime.datetime) -> str:
    return timezone.localtime(moment).strftime("%H:%M")


def local_datetime(moment: datetime.datetime) -> str:
    return timezone.localtime(moment).strftime("%d/%m/%Y %H:%M")


def _actor(request: HttpRequest) -> Operator:
    return request.user  # type: ignore[return-value]


def _membership(request: HttpRequest) -> Membership:
    membership: Membership | None = getattr(request, "membership", None)
    if membership is None or membership.role not in permissions.BREAK_GLASS_ROLES:
        role = Role(membership.role).label if membership is not None else "—"
        raise ValidationError(
            _("Emergency access is not available in the role you are acting in (%(role)s).") % {"role": role},
            code="role",
        )
    return membership


def normalise_identifier(text: str) -> str:
    return "".join((text or "").split()).upper()


def case_for_identifier(*, ambito_id: int, identifier: str) -> Case | None:
    """The case a case number or a codice fiscale names in the ambito: an open one before a closed one."""
    key = normalise_identifier(identifier)
    if not key:
        return None
    in_ambito = Case.objects.filter(ambito_id=ambito_id)
    by_number = in_ambito.filter(number__iexact=key).first()
    if by_number is not None or not FISCAL_CODE_RE.match(key):
        return by_number
    person = Person.objects.filter(fiscal_code=key).first()
    if person is None:
        return None
    open_first = DbCase(When(status__in=OPEN_STATES, then=Value(0)), default=Value(1), output_field=IntegerField())
    return (
        in_ambito.filter(Q(person=person) | Q(household__members__person=person))
        .annotate(open_rank=open_first)
        .order_by("open_rank", "-taken_in_charge_on", "-pk")
        .first()
    )


@dataclass(frozen=True)
class GrantRequest:
    case: Case
    reason_code: str
    reason_text: str
    hours: int


def breakglass_grant_check(
    *, request: HttpRequest, identifier: str, reason_code: str, reason_text: str, hours: int
) -> GrantRequest:
    """Everything a request must satisfy before the operator re-authenticates; writes nothing."""
    membership = _membership(request)
    errors: dict[str, list[str]] = {}
    case = case_for_identifier(ambito_id=membership.structure.organisation.ambito_id, identifier=identifier)
    if case is None or permissions.is_sealed(case):
        # Never say that a violence record exists: the same words as for nothing at all.
        errors["identifier"] = [not_found_message()]
    else:
        current = BreakGlassGrant.objects.filter(permissions.active_grants(membership), case=case).first()
        if current is not None:
            errors["identifier"] = [
                _("You already have emergency access to case %(number)s until %(time)s.")
                % {"number": case, "time": local_time(current.expires_at)}
            ]
        elif access_basis(request, case) not in ("", permissions.BASIS):
            errors["identifier"] = [
                _("You can already open case %(number)s in your role: there is nothing to break.") % {"number": case}
            ]
    if reason_code not in ReasonCode.values:
        errors["reason_code"] = [_("Choose the reason for the emergency access.")]
    text = (reason_text or "").strip()
    if len(text) < REASON_TEXT_MIN_LENGTH:
        errors["reason_text"] = [
            _(
                "Describe the emergency in at least %(min)s characters (you wrote %(count)s): "
                "the coordination group reads it when reviewing the access."
            )
            % {"min": REASON_TEXT_MIN_LENGTH, "count": len(text)}
        ]
    if hours not in permissions.duration_choices():
        errors["hours"] = [_("Choose a duration of at most %(max)s hours.") % {"max": permissions.max_hours()}]
    if errors:
        raise ValidationError(errors)
    assert case is not None
    return GrantRequest(case=case, reason_code=reason_code, reason_text=text, hours=hours)


def breakglass_grant_request(
    *,
    request: HttpRequest,
    identifier: str,
    reason_code: str,
    reason_text: str,
    hours: int,
    password: str,
    code: str,
) -> BreakGlassGrant:
    """Check the request, re-authenticate the operator, then grant the emergency access."""
    checked = breakglass_grant_check(
        request=request, identifier=identifier, reason_code=reason_code, reason_text=reason_text, hours=hours
    )
    # Outside the transaction: a failed re-authentication stays counted and audited.
    reauthenticate(request=request, password=password, code=code)
    return _grant_create(request=request, checked=checked, identifier=identifier)


@transaction.atomic
def _grant_create(*, request: HttpRequest, checked: GrantRequest, identifier: str) -> BreakGlassGrant:
    # Checked again inside the transaction: the case may have changed while the operator typed.
    again = breakglass_grant_check(
        request=request,
        identifier=identifier,
        reason_code=checked.reason_code,
        reason_text=checked.reason_text,
        hours=checked.hours,
    )
    membership = _membership(request)
    now = timezone.now()
    grant = BreakGlassGrant.objects.create(
        operator=_actor(request),
        role=membership.role,
        structure=membership.structure,
        case=again.case,
        reason_code=again.reason_code,
        reason_text=again.reason_text,
        granted_at=now,
        expires_at=now + datetime.timedelta(hours=again.hours),
    )
    record_event(
        action="breakglass.grant.created",
        actor=_actor(request),
        target=grant,
        payload={
            "case": again.case.pk,
            "reason_code": again.reason_code,
            "hours": again.hours,
            "expires_at": grant.expires_at.isoformat(),
        },
        request=request,
    )
    _notify_coordination_group(request=request, grant=grant)
    return grant


def _coordination_recipients(grant: BreakGlassGrant) -> list[str]:
    members = TeamMember.objects.filter(
        team__ambito_id=grant.case.ambito_id,
        team__kind=TeamKind.COORDINATION_GROUP,
        team__is_active=True,
        operator__is_active=True,
    ).exclude(operator_id=grant.operator_id)
    return sorted({email for email in members.values_list("operator__email", flat=True) if email})


def _notify_coordination_group(*, request: HttpRequest, grant: BreakGlassGrant) -> None:
    """Tell the coordination group at once: who, which case, why (the code only), until when, where to review."""
    recipients = _coordination_recipients(grant)
    if not recipients:
        return
    operator = grant.operator
    values = {
        "operator": operator.get_full_name() or operator.get_username(),
        "role": Role(grant.role).label,
        "organisation": grant.structure.organisation.name,
        "number": grant.case,
        "reason": ReasonCode(grant.reason_code).label,
        "until": local_datetime(grant.expires_at),
        "url": request.build_absolute_uri(reverse("breakglass:grant_review", args=[grant.pk])),
    }
    subject = _("Emergency access to case %(number)s") % values
    body = (
        _(
            "%(operator)s (%(role)s, %(organisation)s) used emergency access (break-the-glass) on case %(number)s.\n"
            "\n"
            "Reason: %(reason)s\n"
            "Access until: %(until)s\n"
            "\n"
            "The coordination group reviews every emergency access. Review this one here:\n"
            "%(url)s\n"
            "\n"
            "This message carries no details of the person: the reason written by the operator is on the review page."
        )
        % values
    )
    # After the commit: an e-mail about a grant that was rolled back would be a lie.
    transaction.on_commit(lambda: send_mail(subject, body, None, recipients, fail_silently=True))


def expired_message(grant: BreakGlassGrant) -> str:
    return _(
        "This emergency access expired at %(time)s and cannot be used or extended. "
        "If the emergency goes on, make a new request."
    ) % {"time": local_time(grant.expires_at)}


@transaction.atomic
def breakglass_grant_end(*, request: HttpRequest, grant: BreakGlassGrant) -> BreakGlassGrant:
    """End one's own emergency access before it expires."""
    locked = BreakGlassGrant.objects.select_for_update().select_related("case").get(pk=grant.pk)
    if locked.operator_id != request.user.pk:
        raise PermissionDenied
    if locked.ended_at is not None:
        raise ValidationError(
            _("This emergency access was already ended at %(time)s.") % {"time": local_time(locked.ended_at)},
            code="ended",
        )
    now = timezone.now()
    if locked.expires_at <= now:
        raise ValidationError(expired_message(locked), code="expired")
    locked.ended_at = now
    locked.save(update_fields=["ended_at", "updated_at"])
    record_event(
        action="breakglass.grant.ended",
        actor=_actor(request),
        target=locked,
        payload={"case": locked.case_id, "minutes_early": int((locked.expires_at - now).total_seconds() // 60)},
        request=request,
    )
    return locked


@transaction.atomic
def breakglass_grant_review(
    *, request: HttpRequest, grant: BreakGlassGrant, outcome: str, note: str
) -> BreakGlassGrant:
    """The coordination group's verdict on an emergency access: justified or not, with a note."""
    locked = BreakGlassGrant.objects.select_for_update().select_related("case").get(pk=grant.pk)
    if not permissions.can_review(request, locked):
        raise PermissionDenied
    if locked.is_reviewed:
        assert locked.reviewed_at is not None
        raise ValidationError(
            _("This emergency access was already reviewed on %(when)s.") % {"when": local_datetime(locked.reviewed_at)},
            code="reviewed",
        )
    errors: dict[str, list[str]] = {}
    if outcome not in ReviewOutcome.values:
        errors["outcome"] = [_("Say whether the emergency access was justified.")]
    text = (note or "").strip()
    if outcome == ReviewOutcome.NOT_JUSTIFIED and not text:
        errors["note"] = [_("Say why the emergency access was not justified: the note is kept with the access.")]
    if len(text) > REVIEW_NOTE_MAX_LENGTH:
        errors["note"] = [_("Keep the note within %(max)s characters.") % {"max": REVIEW_NOTE_MAX_LENGTH}]
    if errors:
        raise ValidationError(errors)
    locked.outcome = outcome
    locked.review_note = text
    locked.reviewed_by = _actor(request)
    locked.reviewed_at = timezone.now()
    locked.save(update_fields=["outcome", "review_note", "reviewed_by", "reviewed_at", "updated_at"])
    record_event(
        action="breakglass.grant.reviewed",
        actor=_actor(request),
        target=locked,
        payload={"case": locked.case_id, "outcome": outcome},
        request=request,
    )
    return locked
