"""Referral pages: the case's referrals with the new-referral form, the receiving service's inbox,
the referral page (the recipients' minimum dataset, or the sender's view) and the answers.

Each view parses, authorises (missing and forbidden are both 404, so existence never leaks),
makes one domain call and renders.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from intreccio.accounts.forms import add_service_errors
from intreccio.referrals import permissions, selectors, services
from intreccio.referrals.forms import AcceptForm, CompleteForm, ReferralForm, RejectForm, VersionForm, WithdrawForm
from intreccio.referrals.models import Referral
from intreccio.referrals.selectors import ReferralPage


def _detail_url(pk: int) -> str:
    return reverse("referrals:referral_detail", args=[pk])


@login_required
@require_GET
def inbox(request: HttpRequest) -> HttpResponse:
    box = selectors.inbox(request=request)
    return render(request, "referrals/inbox.html", {"inbox": box})


@login_required
def case_referrals(request: HttpRequest, case_pk: int) -> HttpResponse:
    page = selectors.case_referrals(request=request, case_pk=case_pk)
    form = ReferralForm(
        request.POST or None,
        structures=page.structures,
        sections=page.sections,
        consents=page.consents,
        can_override=page.can_override,
    )
    if request.method == "POST" and form.is_valid():
        try:
            referral = services.referral_send(request=request, case=page.case, **form.service_kwargs())
        except PermissionDenied as exc:
            raise Http404 from exc
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Referral sent: the receiving service has been told by e-mail."))
            return HttpResponseRedirect(_detail_url(referral.pk))
    return render(request, "referrals/case_referrals.html", {"page": page, "case": page.case, "form": form})


def _detail_context(page: ReferralPage, bound: tuple[str, VersionForm] | None = None) -> dict[str, Any]:
    referral = page.referral
    initial = {"version": referral.version}
    forms: dict[str, VersionForm] = {}
    if page.can_accept:
        forms["accept"] = AcceptForm(initial=initial, prefix="accept")
        forms["reject"] = RejectForm(initial=initial, prefix="reject")
    if page.can_complete:
        forms["complete"] = CompleteForm(initial=initial, prefix="complete")
    if page.can_withdraw:
        forms["withdraw"] = WithdrawForm(initial=initial, prefix="withdraw")
    if bound is not None:
        forms[bound[0]] = bound[1]
    return {"page": page, "referral": referral, "case": referral.case, "forms": forms}


@login_required
@require_GET
def referral_detail(request: HttpRequest, pk: int) -> HttpResponse:
    page = selectors.referral_page(request=request, pk=pk)
    return render(request, "referrals/referral_detail.html", _detail_context(page))


Run = Callable[[HttpRequest, Referral, Any], Referral]


def _answer(
    request: HttpRequest, pk: int, key: str, form_class: type[VersionForm], run: Run, done: str, after: str
) -> HttpResponse:
    """One answer from the referral page; ``after`` is where to go once done (the page may be gone)."""
    referral = selectors.referral_for_action(request=request, pk=pk)
    form = form_class(request.POST, prefix=key)
    if form.is_valid():
        try:
            run(request, referral, form)
        except services.StaleReferral:
            messages.warning(request, _("Someone changed this referral meanwhile: here it is as it is now."))
            return HttpResponseRedirect(_detail_url(pk))
        except PermissionDenied as exc:
            raise Http404 from exc
        except ValidationError as exc:
            if getattr(exc, "code", None) == "wrong_state":
                messages.error(request, " ".join(exc.messages))
                return HttpResponseRedirect(_detail_url(pk))
            add_service_errors(form, exc)
        else:
            messages.success(request, done)
            return HttpResponseRedirect(after)
    page = selectors.referral_page(request=request, pk=pk)
    return render(request, "referrals/referral_detail.html", _detail_context(page, (key, form)))


@login_required
@require_POST
def referral_accept(request: HttpRequest, pk: int) -> HttpResponse:
    return _answer(
        request,
        pk,
        "accept",
        AcceptForm,
        lambda r, ref, f: services.referral_accept(
            request=r, referral=ref, version=f.cleaned_data["version"], note=f.cleaned_data["note"]
        ),
        _("Referral accepted: the sending service has been told."),
        _detail_url(pk),
    )


@login_required
@require_POST
def referral_reject(request: HttpRequest, pk: int) -> HttpResponse:
    return _answer(
        request,
        pk,
        "reject",
        RejectForm,
        lambda r, ref, f: services.referral_reject(
            request=r, referral=ref, version=f.cleaned_data["version"], reason=f.cleaned_data["reason"]
        ),
        _("Referral declined: the sending service has been told."),
        reverse("referrals:inbox"),
    )


@login_required
@require_POST
def referral_complete(request: HttpRequest, pk: int) -> HttpResponse:
    return _answer(
        request,
        pk,
        "complete",
        CompleteForm,
        lambda r, ref, f: services.referral_complete(
            request=r, referral=ref, version=f.cleaned_data["version"], outcome=f.cleaned_data["outcome"]
        ),
        _("Referral completed: the sending service has been told; the person's data are no longer shown to you."),
        reverse("referrals:inbox"),
    )


@login_required
@require_POST
def referral_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    referral = selectors.referral_for_action(request=request, pk=pk)
    if not permissions.can_refer(request, referral.case):
        raise Http404
    return _answer(
        request,
        pk,
        "withdraw",
        WithdrawForm,
        lambda r, ref, f: services.referral_withdraw(
            request=r, referral=ref, version=f.cleaned_data["version"], reason=f.cleaned_data["reason"]
        ),
        _("Referral withdrawn: the receiving service no longer sees it."),
        reverse("referrals:case_referrals", args=[referral.case_id]),
    )
