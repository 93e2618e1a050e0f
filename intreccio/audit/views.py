"""The auditor's read-only pages over the audit trail.

Reading the trail is itself a read of personal data (who looked at whom), so each page view
is recorded like any other sensitive read before the page is rendered (SECURITY.md R4).
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from intreccio.accounts.models import Operator
from intreccio.accounts.permissions import can_read_audit
from intreccio.audit.forms import AccessLogFilterForm, DomainLogFilterForm
from intreccio.audit.selectors import access_event_page, domain_event_page
from intreccio.audit.services import record_access

AUDIT_REVIEW = "audit review"


def _auditor(request: HttpRequest) -> Operator:
    # Missing and forbidden look the same: nobody learns that the page exists.
    if not isinstance(request.user, Operator) or not can_read_audit(request):
        raise Http404
    return request.user


@login_required
@require_GET
def access_log(request: HttpRequest) -> HttpResponse:
    form = AccessLogFilterForm(request.GET)
    auditor = _auditor(request)
    page = None
    filters = None
    if form.is_valid():
        filters = form.filters()
        page = access_event_page(filters=filters, page=request.GET.get("page"))
        record_access(
            actor=auditor,
            object_type="audit.accessevent",
            object_id="list",
            purpose=AUDIT_REVIEW,
            request=request,
        )
    return render(request, "audit/access_log.html", {"form": form, "page": page, "filters": filters})


@login_required
@require_GET
def domain_log(request: HttpRequest) -> HttpResponse:
    form = DomainLogFilterForm(request.GET)
    auditor = _auditor(request)
    page = None
    filters = None
    if form.is_valid():
        filters = form.filters()
        page = domain_event_page(filters=filters, page=request.GET.get("page"))
        record_access(
            actor=auditor,
            object_type="audit.domainevent",
            object_id="list",
            purpose=AUDIT_REVIEW,
            request=request,
        )
    return render(request, "audit/domain_log.html", {"form": form, "page": page, "filters": filters})
