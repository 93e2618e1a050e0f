"""Pages of break-the-glass: the request, the operator's own accesses, the review queue."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from intreccio.accounts.forms import add_service_errors
from intreccio.breakglass import permissions, selectors, services
from intreccio.breakglass.forms import GrantRequestForm, ReviewForm, identifier_from_search
from intreccio.breakglass.permissions import BREAK_GLASS_ROLES, SEALED_SECTIONS
from intreccio.cases.models import Section


@login_required
@require_http_methods(["GET", "POST"])
def grant_request(request: HttpRequest) -> HttpResponse:
    if not permissions.can_request(request):
        context = {"roles": sorted(str(role.label) for role in BREAK_GLASS_ROLES)}
        return render(request, "breakglass/not_available.html", context, status=403)
    if request.method == "POST":
        form = GrantRequestForm(request.POST, request=request)
        if form.is_valid():
            data = form.cleaned_data
            try:
                grant = services.breakglass_grant_request(
                    request=request,
                    identifier=data["identifier"],
                    reason_code=data["reason_code"],
                    reason_text=data["reason_text"],
                    hours=data["hours"],
                    password=data["password"],
                    code=data.get("code", ""),
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                # The case page says it in its emergency banner, for as long as the grant lasts.
                return HttpResponseRedirect(reverse("cases:case_detail", args=[grant.case_id]))
    else:
        form = GrantRequestForm(
            request=request, initial={"identifier": identifier_from_search(request.GET.get("q", ""))}
        )
    sealed = [Section(section).label for section in sorted(SEALED_SECTIONS)]
    return render(request, "breakglass/grant_request.html", {"form": form, "sealed": sealed})


@login_required
@require_GET
def my_grants(request: HttpRequest) -> HttpResponse:
    if not permissions.can_request(request):
        raise Http404
    grants = selectors.my_grants(request=request)
    return render(request, "breakglass/my_grants.html", {"grants": grants})


@login_required
@require_POST
def grant_end(request: HttpRequest, pk: int) -> HttpResponse:
    grant = selectors.my_grant(request=request, pk=pk)
    try:
        services.breakglass_grant_end(request=request, grant=grant)
    except PermissionDenied as error:
        raise Http404 from error
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("Emergency access to case %(number)s ended.") % {"number": grant.case})
    return HttpResponseRedirect(reverse("breakglass:my_grants"))


@login_required
@require_GET
def review_queue(request: HttpRequest) -> HttpResponse:
    if not permissions.can_see_review_queue(request):
        raise Http404
    grants = selectors.review_queue(request=request)
    pending = sum(1 for grant in grants if not grant.is_reviewed)
    return render(request, "breakglass/review_queue.html", {"grants": grants, "pending": pending})


@login_required
@require_http_methods(["GET", "POST"])
def grant_review(request: HttpRequest, pk: int) -> HttpResponse:
    grant = selectors.grant_for_review(request=request, pk=pk)
    may_review = permissions.can_review(request, grant) and not grant.is_reviewed
    form = ReviewForm()
    if request.method == "POST":
        if not may_review:
            raise PermissionDenied
        form = ReviewForm(request.POST)
        if form.is_valid():
            try:
                services.breakglass_grant_review(
                    request=request, grant=grant, outcome=form.cleaned_data["outcome"], note=form.cleaned_data["note"]
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, _("Review saved."))
                return HttpResponseRedirect(reverse("breakglass:review_queue"))
    context = {"grant": grant, "form": form, "may_review": may_review, "own": grant.operator_id == request.user.pk}
    return render(request, "breakglass/grant_review.html", context)
