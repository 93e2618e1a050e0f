"""Rights pages: the group's list, a person's requests, recording, handling, the access report,
the subject-access export and the erasure.

Each view parses, authorises (missing and forbidden are both 404, so existence never leaks),
makes one domain call and renders.
"""

from __future__ import annotations

import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from intreccio.accounts.forms import add_service_errors
from intreccio.rights import erasure, pdf, permissions, selectors, services
from intreccio.rights.forms import (
    CloseForm,
    ErasureDecisionForm,
    ErasureExecuteForm,
    ExportForm,
    ExtendForm,
    RequestForm,
)
from intreccio.rights.holdings import as_json
from intreccio.rights.models import DataSubjectRequest, ErasureDecision, RequestKind


def _detail_url(dsr: DataSubjectRequest) -> str:
    return reverse("rights:request_detail", args=[dsr.pk])


def _handled_open(request: HttpRequest, pk: int, purpose: str) -> DataSubjectRequest:
    """A request of the operator's group, still open; 404 otherwise (closed: back to the page)."""
    dsr = selectors.request_get_for_handler(request=request, pk=pk, purpose=purpose)
    if not dsr.is_open:
        raise Http404
    return dsr


@login_required
@require_GET
def request_list(request: HttpRequest) -> HttpResponse:
    rows = selectors.request_list(request=request)
    return render(request, "rights/request_list.html", {"rows": rows, "today": timezone.localdate()})


@login_required
@require_GET
def person_requests(request: HttpRequest, person_pk: int) -> HttpResponse:
    page = selectors.person_requests(request=request, person_pk=person_pk)
    return render(request, "rights/person_requests.html", {"page": page, "person": page.person})


@login_required
def request_new(request: HttpRequest, person_pk: int) -> HttpResponse:
    person = selectors.person_for_new_request(request=request, person_pk=person_pk)
    representatives = selectors.representatives_in_office(person)
    form = RequestForm(request.POST or None, representatives=representatives)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            dsr = services.request_record(
                request=request,
                person=person,
                kind=data["kind"],
                received_on=data["received_on"],
                channel=data["channel"],
                requested_by=data["requested_by"],
                representative=data.get("representative"),
                rectification_requested=data["rectification_requested"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(
                request,
                _("Request recorded: the coordination group was told. The answer is due by %(date)s.")
                % {"date": dsr.due_on.strftime("%d/%m/%Y")},
            )
            return HttpResponseRedirect(_detail_url(dsr))
    return render(request, "rights/request_form.html", {"form": form, "person": person})


@login_required
@require_GET
def request_detail(request: HttpRequest, pk: int) -> HttpResponse:
    dsr = selectors.request_get_for_user(request=request, pk=pk)
    handler = permissions.can_handle(request, dsr)
    context = {
        "dsr": dsr,
        "handler": handler,
        "today": timezone.localdate(),
        "overdue": dsr.is_overdue(),
        "report_printed": services.document_produced(dsr, services.REPORT_GENERATED),
        "exported": services.document_produced(dsr, services.EXPORTED),
        "kinds": RequestKind,
        "granted": dsr.erasure_decision == ErasureDecision.GRANTED,
    }
    return render(request, "rights/request_detail.html", context)


@login_required
@require_POST
def request_start(request: HttpRequest, pk: int) -> HttpResponse:
    dsr = _handled_open(request, pk, "rights_request")
    try:
        services.request_start(request=request, dsr=dsr)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("The request is in progress."))
    return HttpResponseRedirect(_detail_url(dsr))


@login_required
def request_extend(request: HttpRequest, pk: int) -> HttpResponse:
    dsr = _handled_open(request, pk, "rights_request")
    if not dsr.can_be_extended:
        raise Http404
    form = ExtendForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            dsr = services.request_extend(
                request=request, dsr=dsr, months=form.cleaned_data["months"], reason=form.cleaned_data["reason"]
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(
                request,
                _("Deadline extended to %(date)s. Tell the person, with the reason.")
                % {"date": dsr.due_on.strftime("%d/%m/%Y")},
            )
            return HttpResponseRedirect(_detail_url(dsr))
    return render(request, "rights/request_extend.html", {"form": form, "dsr": dsr})


@login_required
def request_close(request: HttpRequest, pk: int) -> HttpResponse:
    dsr = _handled_open(request, pk, "rights_request")
    if dsr.kind == RequestKind.ERASURE:
        raise Http404
    form = CloseForm(request.POST or None, dsr=dsr)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.request_close(
                request=request,
                dsr=dsr,
                outcome=data["outcome"],
                refusal_reason=data["refusal_reason"],
                note=data["note"],
                rectification_done=data.get("rectification_done", ""),
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Request closed."))
            return HttpResponseRedirect(_detail_url(dsr))
    return render(request, "rights/request_close.html", {"form": form, "dsr": dsr})


@login_required
def erasure_decide(request: HttpRequest, pk: int) -> HttpResponse:
    dsr = _handled_open(request, pk, "rights_request")
    if dsr.kind != RequestKind.ERASURE or dsr.erasure_decision:
        raise Http404
    form = ErasureDecisionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            dsr = services.erasure_decide(
                request=request,
                dsr=dsr,
                decision=data["decision"],
                refusal_reason=data["refusal_reason"],
                note=data["note"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            if dsr.erasure_decision == ErasureDecision.GRANTED:
                messages.success(request, _("Erasure granted: carry it out from this page."))
            else:
                messages.success(request, _("Erasure refused: tell the person the reason and their right to complain."))
            return HttpResponseRedirect(_detail_url(dsr))
    return render(request, "rights/erasure_decide.html", {"form": form, "dsr": dsr})


@login_required
def erasure_execute(request: HttpRequest, pk: int) -> HttpResponse:
    dsr = _handled_open(request, pk, "rights_request")
    if dsr.kind != RequestKind.ERASURE or dsr.erasure_decision != ErasureDecision.GRANTED or dsr.person is None:
        raise Http404
    form = ErasureExecuteForm(request.POST or None, request=request)
    if request.method == "POST" and form.is_valid():
        try:
            erasure.request_erase(request=request, dsr=dsr)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("The person's data was erased; this request is kept as its record."))
            return HttpResponseRedirect(_detail_url(dsr))
    return render(request, "rights/erasure_execute.html", {"form": form, "dsr": dsr})


# --- the access report (R7) ----------------------------------------------------------------------


@login_required
@require_GET
def access_report(request: HttpRequest, pk: int) -> HttpResponse:
    report = selectors.access_report(request=request, pk=pk)
    return render(request, "rights/access_report.html", {"report": report, "dsr": report.dsr})


@login_required
@require_GET
def access_report_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    report = selectors.access_report(request=request, pk=pk, printed=True)
    response = HttpResponse(pdf.render_access_report(report), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="registro-accessi-{report.dsr.pk}.pdf"'
    response["Cache-Control"] = "no-store"
    return response


# --- the subject-access export (art. 15) --------------------------------------------------------


@login_required
def subject_export(request: HttpRequest, pk: int) -> HttpResponse:
    """The confirmation page (re-authentication), then the file itself in answer to the POST."""
    dsr = selectors.export_request(request=request, pk=pk)
    form = ExportForm(request.POST or None, request=request)
    if request.method == "POST" and form.is_valid():
        file_format = form.cleaned_data["file_format"]
        try:
            export = selectors.subject_export(request=request, dsr=dsr, file_format=file_format)
        except PermissionDenied as exc:  # pragma: no cover - the selector above already said 404
            raise Http404 from exc
        if file_format == "json":
            organisation = dsr.organisation.name
            content = json.dumps(
                as_json(export.found, generated_at=export.generated_at, controller=organisation),
                ensure_ascii=False,
                indent=2,
            )
            response = HttpResponse(content, content_type="application/json; charset=utf-8")
            response["Content-Disposition"] = f'attachment; filename="dati-personali-{dsr.pk}.json"'
        else:
            response = HttpResponse(pdf.render_export(export), content_type="application/pdf")
            response["Content-Disposition"] = f'attachment; filename="dati-personali-{dsr.pk}.pdf"'
        response["Cache-Control"] = "no-store"
        return response
    return render(request, "rights/export.html", {"form": form, "dsr": dsr})
