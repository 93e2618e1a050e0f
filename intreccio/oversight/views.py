"""The auditor's oversight pages: the register of processing, the DPIA inventory, unusual access.

Each page and each download is itself a read of personal data about the organisation's processing
and operators, so it writes its access record before the answer is built (R4); a download's record
names its columns and row count (R10). Missing and forbidden look the same (404).
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from intreccio.accounts.forms import add_service_errors
from intreccio.accounts.models import Membership, Operator, Organisation
from intreccio.accounts.permissions import can_manage_accounts, can_read_audit
from intreccio.audit.services import record_access
from intreccio.oversight import exports, review
from intreccio.oversight.forms import ControllerForm, PeriodForm
from intreccio.oversight.register import build_register, controller_for, dpia_rows, section_access
from intreccio.oversight.services import controller_designate
from intreccio.territory.models import Ambito

REGISTER = "oversight.register"
DPIA = "oversight.dpia"
REVIEW = "oversight.review"
DATE = "%d/%m/%Y"


def _auditor(request: HttpRequest) -> Operator:
    if not isinstance(request.user, Operator) or not can_read_audit(request):
        raise Http404
    return request.user


def _ambito(request: HttpRequest) -> Ambito | None:
    membership: Membership | None = getattr(request, "membership", None)
    return membership.structure.organisation.ambito if membership is not None else None


def _object_id(ambito: Ambito | None) -> str:
    return str(ambito.pk) if ambito is not None else "none"


def _csv_response(content: str, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


# --- the register of processing (art. 30) ----------------------------------------------------------


@login_required
@require_GET
def register_page(request: HttpRequest) -> HttpResponse:
    auditor = _auditor(request)
    ambito = _ambito(request)
    record_access(
        actor=auditor, object_type=REGISTER, object_id=_object_id(ambito), purpose="register of processing",
        request=request,
    )  # fmt: skip
    return render(request, "oversight/register.html", {"register": build_register(ambito)})


@login_required
@require_GET
def register_pdf(request: HttpRequest) -> HttpResponse:
    auditor = _auditor(request)
    ambito = _ambito(request)
    # Italian by default (the language of the acts); ?lang=en for an English copy.
    language = "en" if request.GET.get("lang") == "en" else exports.PDF_LANGUAGE
    register = build_register(ambito)
    fields = sum(1 for _entry in register.entries())
    record_access(
        actor=auditor,
        object_type=REGISTER,
        object_id=_object_id(ambito),
        purpose=f"export pdf ({language}): register of processing, every classified field; {fields} fields",
        request=request,
    )
    content, _register = exports.render_register_pdf(ambito, language=language)
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = 'attachment; filename="registro-trattamenti.pdf"'
    return response


@login_required
@require_GET
def register_csv(request: HttpRequest) -> HttpResponse:
    auditor = _auditor(request)
    ambito = _ambito(request)
    rows = exports.register_rows(build_register(ambito))
    record_access(
        actor=auditor,
        object_type=REGISTER,
        object_id=_object_id(ambito),
        purpose=f"export: {','.join(exports.REGISTER_COLUMNS)}; {len(rows)} rows",
        request=request,
    )
    return _csv_response(exports.csv_text(exports.register_header(), rows), "registro-trattamenti.csv")


# --- the DPIA inventory (art. 35) ------------------------------------------------------------------


@login_required
@require_GET
def dpia_page(request: HttpRequest) -> HttpResponse:
    auditor = _auditor(request)
    ambito = _ambito(request)
    record_access(
        actor=auditor, object_type=DPIA, object_id=_object_id(ambito), purpose="dpia inventory", request=request
    )
    rows = dpia_rows()
    context = {
        "rows": rows,
        "sections": section_access(),
        "undescribed": [r for r in rows if not r.described],
        "encrypted": sum(1 for r in rows if r.entry.encrypted),
    }
    return render(request, "oversight/dpia.html", context)


@login_required
@require_GET
def dpia_csv(request: HttpRequest) -> HttpResponse:
    auditor = _auditor(request)
    ambito = _ambito(request)
    rows = exports.dpia_rows_csv(dpia_rows())
    record_access(
        actor=auditor,
        object_type=DPIA,
        object_id=_object_id(ambito),
        purpose=f"export: {','.join(exports.DPIA_COLUMNS)}; {len(rows)} rows",
        request=request,
    )
    return _csv_response(exports.csv_text(exports.dpia_header(), rows), "inventario-dpia.csv")


# --- unusual access --------------------------------------------------------------------------------


def _log_link(username: str, date_from: object, date_to: object) -> str:
    query = {"username": username, "date_from": f"{date_from:{DATE}}", "date_to": f"{date_to:{DATE}}"}
    return f"{reverse('audit:access_log')}?{urlencode(query)}"


@login_required
@require_GET
def review_page(request: HttpRequest) -> HttpResponse:
    auditor = _auditor(request)
    data = request.GET.copy()
    default_from, default_to = review.default_period()
    data.setdefault("date_from", f"{default_from:{DATE}}")
    data.setdefault("date_to", f"{default_to:{DATE}}")
    form = PeriodForm(data)
    result = None
    if form.is_valid():
        date_from, date_to = form.period()
        result = review.review(date_from, date_to)
        record_access(
            actor=auditor,
            object_type=REVIEW,
            object_id="unusual_access",
            purpose=f"audit review {date_from:%Y-%m-%d}/{date_to:%Y-%m-%d}",
            request=request,
        )
    context: dict[str, object] = {"form": form, "review": result}
    if result is not None:
        first, last = result.date_from, result.date_to
        context |= {
            "many": [(r, _log_link(r.username, r.day, r.day)) for r in result.many_records.rows],
            "off": [(r, _log_link(r.username, r.day, r.day)) for r in result.off_hours.rows],
            "outside": [(r, _log_link(r.username, first, last)) for r in result.outside_ambito.rows],
            "glass": [(r, _log_link(r.username, first, last)) for r in result.break_the_glass.rows],
        }
    return render(request, "oversight/review.html", context)


# --- the controller, designated by the administrator ------------------------------------------------


@login_required
def controller_edit(request: HttpRequest) -> HttpResponse:
    if not isinstance(request.user, Operator) or not can_manage_accounts(request):
        raise Http404
    ambito = _ambito(request)
    if ambito is None:
        raise Http404
    designation = controller_for(ambito)
    organisations = Organisation.objects.filter(ambito=ambito, is_active=True).order_by("name")
    initial = {}
    if designation is not None:
        initial = {
            "lead_organisation": designation.lead_organisation_id,
            "dpo_name": designation.dpo_name,
            "dpo_email": designation.dpo_email,
        }
    form = ControllerForm(request.POST or None, initial=initial, organisations=organisations)
    if request.method == "POST" and form.is_valid():
        try:
            controller_designate(
                actor=request.user,
                ambito=ambito,
                lead_organisation=form.cleaned_data["lead_organisation"],
                dpo_name=form.cleaned_data["dpo_name"],
                dpo_email=form.cleaned_data["dpo_email"],
                request=request,
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The controller of the register is recorded."))
            return HttpResponseRedirect(reverse("oversight:controller"))
    return render(request, "oversight/controller.html", {"form": form, "ambito": ambito, "designation": designation})
