"""Carrying out a granted erasure request (art. 17) through the retention app's erasure.

What is erased and what stays is the retention app's rule (``person_erase``): this service only
checks that the request was granted and is still open, asks for the erasure in the same
transaction, and closes the request as its accountability record. If the erasure is refused (a
legal hold, an open case), nothing is written and the request stays open.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from intreccio.accounts.models import Operator
from intreccio.audit.services import record_event
from intreccio.retention.services import person_erase
from intreccio.rights import permissions
from intreccio.rights.models import DataSubjectRequest, ErasureDecision, RequestKind, RequestStatus
from intreccio.rights.services import ERASED


@transaction.atomic
def request_erase(*, request: HttpRequest, dsr: DataSubjectRequest) -> DataSubjectRequest:
    """Erase the person's data for a granted erasure request and close the request as fulfilled."""
    if not permissions.can_handle(request, dsr):
        raise PermissionDenied
    dsr = DataSubjectRequest.objects.select_for_update().get(pk=dsr.pk)
    if dsr.kind != RequestKind.ERASURE or dsr.erasure_decision != ErasureDecision.GRANTED:
        raise ValidationError(_("Only a granted erasure request can be carried out."), code="not_granted")
    if not dsr.is_open or dsr.person is None:
        raise ValidationError(_("This erasure was already carried out."), code="closed")
    actor: Operator = request.user  # type: ignore[assignment]
    # The reason stays in the retention app's record: the request number, never a name.
    reason = _("Erasure request no. %(number)s (GDPR art. 17), granted on %(date)s") % {
        "number": dsr.pk,
        "date": dsr.erasure_decided_on.strftime("%d/%m/%Y") if dsr.erasure_decided_on else "",
    }
    report = person_erase(person=dsr.person, actor=actor, request=request, reason=reason)
    today = timezone.localdate()
    dsr.status = RequestStatus.FULFILLED
    dsr.erased_on = today
    dsr.closed_on = today
    dsr.closed_by = actor
    # Only the columns this step sets: the erasure may just have blanked the request's own texts.
    dsr.save(update_fields=["status", "erased_on", "closed_on", "closed_by", "updated_at"])
    record_event(
        action=ERASED,
        actor=actor,
        target=dsr,
        payload={
            "kind": dsr.kind,
            "person": report.person_id,
            "cases": list(report.case_ids),
            "deleted": report.deleted,
            "anonymised": report.anonymised,
            "late": today > dsr.due_on,
        },
        request=request,
    )
    return dsr
