"""Recording and lifting a blackout (SECURITY.md R21).

Both are atomic and write their DomainEvent in the same transaction, with ids and codes only.
The event targets the ``Blackout`` row, never the case: the case's timeline is built from the
events that target the case, and a blackout must not show up there for the other services.
"""

from __future__ import annotations

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from intreccio.accounts.models import Operator
from intreccio.audit.services import record_event
from intreccio.blackout import permissions
from intreccio.blackout.models import REFERENCE_MAX, Blackout
from intreccio.people.models import Person
from intreccio.people.services.common import Errors, clean_text

LIFT_REASON_MAX = 2000


def _actor(request: HttpRequest) -> Operator:
    return request.user  # type: ignore[return-value]


def _requester(item: permissions.Item, person: Person | None, errors: Errors) -> Person | None:
    """The person who asked: the case's person, or the member of the case's household named."""
    case = item.case
    allowed = permissions.requesters(case)
    if case.household_id is None and person is None:
        return case.person
    if person is None:
        errors.add("person", _("Choose the member of the household who asked."))
        return None
    if all(p.pk != person.pk for p in allowed):
        if case.household_id is None:
            errors.add("person", _("Only the person the case is about can ask for this blackout."))
        else:
            errors.add("person", _("Choose a current member of the household."))
        return None
    return person


def _check_date(requested_on: datetime.date | None, item: permissions.Item, errors: Errors) -> None:
    if requested_on is None:
        errors.add("requested_on", _("Enter the date the person asked, as dd/mm/yyyy."))
        return
    today = timezone.localdate()
    if requested_on > today:
        errors.add("requested_on", _("The date of the request cannot be in the future: check it."))
    elif requested_on < item.written_on:
        errors.add(
            "requested_on",
            _("The person cannot have asked before the item was written (%(day)s): check the date.")
            % {"day": item.written_on.strftime("%d/%m/%Y")},
        )


def _check_reference(reference: str, errors: Errors) -> str:
    text = clean_text(reference)
    if not text:
        errors.add("request_reference", _("Write the reference of the signed request, e.g. its protocol number."))
    elif len(text) > REFERENCE_MAX:
        errors.add(
            "request_reference",
            _("The reference is too long: at most %(max)s characters.") % {"max": REFERENCE_MAX},
        )
    return text


@transaction.atomic
def blackout_record(
    *,
    request: HttpRequest,
    target_type: str,
    target_id: int,
    requested_on: datetime.date | None,
    request_reference: str,
    person: Person | None = None,
) -> Blackout:
    """Record the person's request: from now on only the service that wrote the item sees it.

    An item the operator cannot read now (not on the team, a section or a service's private note
    they may not read, already hidden from them, or no such item) is refused with
    ``PermissionDenied``, which the pages answer with 404: nothing tells it exists.
    """
    item = permissions.item_get(target_type, target_id)
    if item is None or not permissions.can_record(request, item):
        raise PermissionDenied
    errors = Errors()
    existing = Blackout.objects.active().filter(target_type=item.target_type, target_id=item.target_id).first()
    if existing is not None:
        errors.add(
            "__all__",
            _("This item is already blacked out, at the request of %(day)s (reference %(reference)s).")
            % {"day": existing.requested_on.strftime("%d/%m/%Y"), "reference": existing.request_reference},
        )
        errors.raise_any()
    requester = _requester(item, person, errors)
    _check_date(requested_on, item, errors)
    reference = _check_reference(request_reference, errors)
    errors.raise_any()
    assert requester is not None and requested_on is not None
    try:
        with transaction.atomic():
            blackout = Blackout.objects.create(
                person=requester,
                case=item.case,
                target_type=item.target_type,
                target_id=item.target_id,
                owner_structure=item.owner_structure,
                requested_on=requested_on,
                request_reference=reference,
                recorded_by=_actor(request),
            )
    except IntegrityError as exc:
        # Someone recorded the same request a moment ago (one active blackout per item).
        raise ValidationError(_("This item has just been blacked out by someone else.")) from exc
    record_event(
        action="blackout.item.blacked_out",
        actor=_actor(request),
        target=blackout,
        payload={
            "target_type": item.target_type,
            "target_id": item.target_id,
            "case": item.case.pk,
            "person": requester.pk,
            "owner_structure": item.owner_structure.pk,
        },
        request=request,
    )
    return blackout


@transaction.atomic
def blackout_lift(*, request: HttpRequest, blackout: Blackout, reason: str) -> Blackout:
    """Lift a blackout: the item is visible again to whoever may read it; who, when and why are kept."""
    locked = Blackout.objects.select_for_update(of=("self",)).select_related("case").filter(pk=blackout.pk).first()
    if locked is None:
        raise PermissionDenied
    if not locked.is_active:
        assert locked.lifted_at is not None
        raise ValidationError(
            _("This blackout was already lifted on %(day)s.")
            % {"day": timezone.localtime(locked.lifted_at).strftime("%d/%m/%Y")}
        )
    if not permissions.can_lift(request, locked):
        raise PermissionDenied
    text = (reason or "").strip()
    errors = Errors()
    if not text:
        errors.add("reason", _("Write why the blackout is lifted, e.g. the person's request and its reference."))
    elif len(text) > LIFT_REASON_MAX:
        errors.add("reason", _("The reason is too long: at most %(max)s characters.") % {"max": LIFT_REASON_MAX})
    errors.raise_any()
    locked.lifted_at = timezone.now()
    locked.lifted_by = _actor(request)
    locked.lift_reason = text
    locked.save(update_fields=["lifted_at", "lifted_by", "lift_reason", "updated_at"])
    record_event(
        action="blackout.item.lifted",
        actor=_actor(request),
        target=locked,
        payload={
            "target_type": locked.target_type,
            "target_id": locked.target_id,
            "case": locked.case_id,
            "owner_structure": locked.owner_structure_id,
        },
        request=request,
    )
    return locked
