"""Blackout pages: record the person's request from a note or an assessment, the writing service's
list with the lift form, and the auditor's register.

Each view parses, authorises (missing and forbidden are both 404), makes one domain call and
renders. No page shows the content of a blacked-out item.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from intreccio.accounts.forms import add_service_errors
from intreccio.blackout import permissions, selectors, services
from intreccio.blackout.forms import LiftForm, RecordForm
from intreccio.blackout.models import TargetType


def _case_url(item: permissions.Item) -> str:
    url = reverse("cases:case_detail", args=[item.case.pk])
    if item.section:
        return url + "?" + urlencode({"section": item.section}) + "#case-sections"
    return url


def _record(request: HttpRequest, target_type: str, target_id: int) -> HttpResponse:
    page = selectors.record_page(request=request, target_type=target_type, target_id=target_id)
    form = RecordForm(request.POST or None, members=page.household_members)
    if request.method == "POST" and page.active is None and form.is_valid():
        try:
            blackout = services.blackout_record(
                request=request,
                target_type=target_type,
                target_id=target_id,
                requested_on=form.cleaned_data["requested_on"],
                request_reference=form.cleaned_data["request_reference"],
                person=form.cleaned_data.get("person"),
            )
        except PermissionDenied as exc:
            raise Http404 from exc
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(
                request,
                _("Request recorded: from now on only %(service)s sees this item.")
                % {"service": blackout.owner_structure.name},
            )
            return HttpResponseRedirect(_case_url(page.item))
    context: dict[str, Any] = {"page": page, "item": page.item, "case": page.item.case, "form": form}
    return render(request, "blackout/record.html", context)


@login_required
def record_note(request: HttpRequest, note_pk: int) -> HttpResponse:
    return _record(request, TargetType.CASE_NOTE, note_pk)


@login_required
def record_assessment(request: HttpRequest, assessment_pk: int) -> HttpResponse:
    return _record(request, TargetType.ASSESSMENT, assessment_pk)


@login_required
@require_GET
def blackout_list(request: HttpRequest) -> HttpResponse:
    rows = selectors.service_list(request=request)
    context = {
        "active": [r for r in rows if r.blackout.is_active],
        "lifted": [r for r in rows if not r.blackout.is_active],
    }
    return render(request, "blackout/list.html", context)


@login_required
def lift(request: HttpRequest, pk: int) -> HttpResponse:
    row = selectors.blackout_get_for_user(request=request, pk=pk, purpose="blackout_lift")
    form = LiftForm(request.POST or None)
    if request.method == "POST":
        if not row.can_lift and row.blackout.is_active:
            raise Http404
        if form.is_valid():
            try:
                services.blackout_lift(request=request, blackout=row.blackout, reason=form.cleaned_data["reason"])
            except PermissionDenied as exc:
                raise Http404 from exc
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, _("Blackout lifted: the item is visible again to whoever may read it."))
                return HttpResponseRedirect(reverse("blackout:blackout_list"))
    context = {"row": row, "blackout": row.blackout, "item": row.item, "form": form}
    return render(request, "blackout/lift.html", context)


@login_required
@require_GET
def register(request: HttpRequest) -> HttpResponse:
    blackouts = selectors.audit_register(request=request)
    return render(request, "blackout/register.html", {"blackouts": blackouts})
