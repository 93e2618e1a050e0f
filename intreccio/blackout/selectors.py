"""Reads for the blackout pages, scoped by blackout/permissions.py; every read is recorded.

Missing and forbidden are both 404: an operator outside the service that wrote an item learns
nothing of its blackout (not even that there is one) unless they recorded it themselves.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Q
from django.http import Http404, HttpRequest

from intreccio.accounts.models import Operator
from intreccio.accounts.permissions import can_read_audit
from intreccio.audit.services import record_access
from intreccio.blackout import permissions
from intreccio.blackout.models import Blackout
from intreccio.cases import permissions as case_permissions
from intreccio.cases.models import Case, Section
from intreccio.people.models import Person

BLACKOUT_TYPE = "blackout.blackout"


def _actor(request: HttpRequest) -> Operator:
    return request.user  # type: ignore[return-value]


# --- recording a request --------------------------------------------------------------------------


@dataclass(frozen=True)
class RecordPage:
    item: permissions.Item
    active: Blackout | None  # the writing service sees its own item's blackout instead of a form
    household_members: list[Person]


def record_page(*, request: HttpRequest, target_type: str, target_id: int) -> RecordPage:
    """The item an operator asks to black out, if they may (404 otherwise); the read is recorded."""
    item = permissions.item_get(target_type, target_id)
    if item is None or not permissions.can_record(request, item):
        raise Http404
    case = item.case
    purpose = case_permissions.access_purpose(request, case, "blackout_record")
    record_access(actor=_actor(request), obj=case, request=request, section=Section.COMMON, purpose=purpose)
    if item.section and item.section != Section.COMMON:
        record_access(actor=_actor(request), obj=case, request=request, section=item.section, purpose=purpose)
    active = Blackout.objects.active().filter(target_type=item.target_type, target_id=item.target_id).first()
    members = permissions.requesters(case) if case.household_id is not None else []
    return RecordPage(item=item, active=active, household_members=members)


# --- the writing service's list ---------------------------------------------------------------------


@dataclass(frozen=True)
class BlackoutRow:
    blackout: Blackout
    item: permissions.Item | None  # None when the item no longer exists (erased)
    can_lift: bool
    own_service: bool


def _shown_q(request: HttpRequest) -> Q:
    membership = getattr(request, "membership", None)
    mine = Q(recorded_by_id=request.user.pk)
    if membership is not None:
        mine |= Q(owner_structure_id=membership.structure_id)
    return mine & Q(case_id__in=Case.objects.filter(case_permissions.visible_cases_q(request)).values("pk"))


def service_list(*, request: HttpRequest) -> list[BlackoutRow]:
    """Active and lifted blackouts of the operator's service on cases they may see, and the ones they recorded."""
    membership = getattr(request, "membership", None)
    if membership is None or membership.role not in case_permissions.CASE_ROLES:
        raise Http404
    blackouts = list(
        Blackout.objects.filter(_shown_q(request))
        .select_related("case", "person", "owner_structure__organisation", "recorded_by", "lifted_by")
        .order_by("lifted_at", "-recorded_at", "-pk")
    )
    rows = []
    for blackout in blackouts:
        rows.append(
            BlackoutRow(
                blackout=blackout,
                item=permissions.item_get(blackout.target_type, blackout.target_id),
                can_lift=permissions.can_lift(request, blackout),
                own_service=permissions.is_owner_service(request, blackout),
            )
        )
    record_access(
        actor=_actor(request),
        request=request,
        object_type=BLACKOUT_TYPE,
        object_id="list",
        section="list",
        purpose="blackout_list",
    )
    return rows


def blackout_get_for_user(*, request: HttpRequest, pk: int, purpose: str) -> BlackoutRow:
    """One blackout the operator may see (404 otherwise), its read recorded."""
    blackout = (
        Blackout.objects.filter(pk=pk)
        .select_related("case", "person", "owner_structure__organisation", "recorded_by", "lifted_by")
        .first()
    )
    if blackout is None or not permissions.can_see(request, blackout):
        raise Http404
    record_access(actor=_actor(request), obj=blackout, request=request, purpose=purpose)
    return BlackoutRow(
        blackout=blackout,
        item=permissions.item_get(blackout.target_type, blackout.target_id),
        can_lift=permissions.can_lift(request, blackout),
        own_service=permissions.is_owner_service(request, blackout),
    )


# --- the auditor's register -------------------------------------------------------------------------


def audit_register(*, request: HttpRequest) -> list[Blackout]:
    """Every blackout of the auditor's ambito: who recorded it, when, for whom, which service; no content."""
    if not can_read_audit(request):
        raise Http404
    membership = request.membership  # type: ignore[attr-defined]
    ambito_id = membership.structure.organisation.ambito_id
    blackouts = list(
        Blackout.objects.filter(owner_structure__organisation__ambito_id=ambito_id)
        .select_related("owner_structure__organisation", "recorded_by", "lifted_by")
        .order_by("-recorded_at", "-pk")
    )
    record_access(
        actor=_actor(request),
        request=request,
        object_type=BLACKOUT_TYPE,
        object_id="register",
        section="list",
        purpose="audit review",
    )
    return blackouts
