"""Reads of emergency accesses, scoped and audited: every list and every grant read leaves an access record."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Case as DbCase
from django.db.models import IntegerField, QuerySet, Value, When
from django.http import Http404, HttpRequest
from django.utils import timezone

from intreccio.accounts.models import Membership, Operator
from intreccio.accounts.permissions import can_read_audit
from intreccio.audit.services import record_access
from intreccio.breakglass import permissions
from intreccio.breakglass.models import BreakGlassGrant
from intreccio.cases.models import Case
from intreccio.cases.permissions import access_basis

GRANT_LABEL = "breakglass.breakglassgrant"


def _actor(request: HttpRequest) -> Operator:
    return request.user  # type: ignore[return-value]


def _with_related(grants: QuerySet[BreakGlassGrant]) -> QuerySet[BreakGlassGrant]:
    return grants.select_related("operator", "structure__organisation", "case__ambito", "reviewed_by")


@dataclass(frozen=True)
class MyGrants:
    active: list[BreakGlassGrant]
    past: list[BreakGlassGrant]


def my_grants(*, request: HttpRequest) -> MyGrants:
    """The operator's own emergency accesses, in any role: those in force, then the past ones."""
    now = timezone.now()
    grants = list(_with_related(BreakGlassGrant.objects.filter(operator=_actor(request))))
    record_access(actor=_actor(request), request=request, object_type=GRANT_LABEL, object_id="mine", purpose="list")
    return MyGrants(
        active=[g for g in grants if g.is_active(now)],
        past=[g for g in grants if not g.is_active(now)],
    )


def my_grant(*, request: HttpRequest, pk: int) -> BreakGlassGrant:
    """One of the operator's own grants (404 for anyone else's)."""
    grant = _with_related(BreakGlassGrant.objects.filter(pk=pk, operator=_actor(request))).first()
    if grant is None:
        raise Http404
    return grant


def _queue(request: HttpRequest) -> QuerySet[BreakGlassGrant]:
    if can_read_audit(request):
        # The auditor sees every emergency access of the installation.
        grants = BreakGlassGrant.objects.all()
    else:
        ambiti = permissions.review_ambito_ids(request)
        if not ambiti:
            raise Http404
        grants = BreakGlassGrant.objects.filter(case__ambito_id__in=ambiti)
    return _with_related(grants)


def review_queue(*, request: HttpRequest) -> list[BreakGlassGrant]:
    """Emergency accesses to review: pending first, newest first within each group."""
    pending_first = DbCase(When(outcome="", then=Value(0)), default=Value(1), output_field=IntegerField())
    grants: list[BreakGlassGrant] = list(
        _queue(request).annotate(pending_rank=pending_first).order_by("pending_rank", "-granted_at", "-pk")
    )
    record_access(
        actor=_actor(request), request=request, object_type=GRANT_LABEL, object_id="review_queue", purpose="list"
    )
    return grants


def grant_for_review(*, request: HttpRequest, pk: int) -> BreakGlassGrant:
    """One grant as the reviewers (or the auditor) see it, with its written reason; the read is recorded."""
    grant = _queue(request).filter(pk=pk).first()
    if grant is None:
        raise Http404
    record_access(actor=_actor(request), obj=grant, request=request, purpose="break_the_glass review")
    return grant


def banner_grant(*, request: HttpRequest, case: Case) -> BreakGlassGrant | None:
    """The grant through which the operator reads ``case`` now, if that is why they may read it."""
    membership: Membership | None = getattr(request, "membership", None)
    if membership is None or not permissions.sections(request, case):
        return None
    if access_basis(request, case) != permissions.BASIS:
        return None
    return (
        BreakGlassGrant.objects.filter(permissions.active_grants(membership), case=case).order_by("-expires_at").first()
    )
