"""Assessment pages: the case panel (htmx), choosing a tool, filling in, the detail, comparing,
the CPI profile.

Each view parses, authorises (missing and forbidden are both 404, through the selectors), makes
one domain call and renders.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from intreccio.assessments import selectors, services
from intreccio.assessments.forms import ProfileForm, VersionForm, answers_form
from intreccio.assessments.questionnaire import label


def _refusal(request: HttpRequest, error: ValidationError) -> None:
    for message in error.messages:
        messages.error(request, message)


@login_required
@require_GET
def case_panel(request: HttpRequest, case_pk: int) -> HttpResponse:
    panel = selectors.case_panel(request=request, case_pk=case_pk)
    return render(request, "assessments/_case_panel.html", {"panel": panel})


@login_required
def assessment_new(request: HttpRequest, case_pk: int) -> HttpResponse:
    case, choices = selectors.tools_for_new(request=request, case_pk=case_pk)
    error = ""
    if request.method == "POST":
        chosen = next((c.tool for c in choices if str(c.tool.pk) == request.POST.get("tool", "")), None)
        if chosen is None:
            error = _("Choose one of the tools listed.")
        else:
            try:
                assessment = services.assessment_start(request=request, case=case, tool=chosen)
            except PermissionDenied as exc:
                raise Http404 from exc
            except ValidationError as exc:
                error = " ".join(exc.messages)
            else:
                return HttpResponseRedirect(reverse("assessments:assessment_edit", args=[assessment.pk]))
    return render(request, "assessments/assessment_new.html", {"case": case, "choices": choices, "error": error})


def _edit_sections(dimensions: list[dict[str, Any]], form: Any) -> list[dict[str, Any]]:
    return [
        {
            "title": label(d["title"]),
            "rows": [{"field": form[q["key"]], "required": bool(q.get("required"))} for q in d["questions"]],
        }
        for d in dimensions
    ]


@login_required
def assessment_edit(request: HttpRequest, pk: int) -> HttpResponse:
    edit = selectors.assessment_for_edit(request=request, pk=pk)
    assessment = edit.assessment
    form = answers_form(edit.dimensions, data=request.POST or None, answers=assessment.answers)
    version_form = VersionForm(request.POST or None, initial={"version": assessment.version})
    conflict = False
    if request.method == "POST" and form.is_valid() and version_form.is_valid():
        raw = dict(form.cleaned_data)
        try:
            services.assessment_save(
                request=request, assessment=assessment, version=version_form.cleaned_data["version"], answers=raw
            )
        except services.StaleAssessment as exc:
            conflict = True
            version_form = VersionForm(initial={"version": exc.current.version})
        except PermissionDenied as exc:
            raise Http404 from exc
        except ValidationError as exc:
            for key, errors in exc.message_dict.items():
                form.add_error(key if key in form.fields else None, errors)
        else:
            messages.success(request, _("Answers saved."))
            return HttpResponseRedirect(reverse("assessments:assessment_detail", args=[assessment.pk]))
    context = {
        "edit": edit,
        "form": form,
        "version_form": version_form,
        "sections": _edit_sections(edit.dimensions, form),
        "conflict": conflict,
    }
    return render(request, "assessments/assessment_edit.html", context)


@login_required
@require_GET
def assessment_detail(request: HttpRequest, pk: int) -> HttpResponse:
    view = selectors.assessment_detail(request=request, pk=pk)
    return render(request, "assessments/assessment_detail.html", {"view": view})


@login_required
@require_POST
def assessment_complete(request: HttpRequest, pk: int) -> HttpResponse:
    assessment = selectors.assessment_get_for_user(request=request, pk=pk, purpose="assessment_complete")
    form = VersionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("The page was out of date: check the answers and complete again."))
    else:
        try:
            services.assessment_complete(request=request, assessment=assessment, version=form.cleaned_data["version"])
        except services.StaleAssessment:
            messages.error(request, _("Someone saved answers in the meantime: check them and complete again."))
        except PermissionDenied as exc:
            raise Http404 from exc
        except ValidationError as exc:
            _refusal(request, exc)
        else:
            messages.success(request, _("Assessment completed."))
    return HttpResponseRedirect(reverse("assessments:assessment_detail", args=[assessment.pk]))


@login_required
@require_GET
def compare(request: HttpRequest, case_pk: int) -> HttpResponse:
    comparison = selectors.case_compare(request=request, case_pk=case_pk, kind=request.GET.get("kind", ""))
    return render(request, "assessments/compare.html", {"cmp": comparison})


@login_required
def profile_new(request: HttpRequest, pk: int) -> HttpResponse:
    context = selectors.profile_new_context(request=request, pk=pk)
    initial = {"pact_cpi": context.default_centre.pk if context.default_centre else None}
    form = ProfileForm(request.POST or None, centres=context.employment_centres, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.employability_profile_record(
                request=request,
                assessment=context.assessment,
                pact_signed_on=form.cleaned_data["pact_signed_on"],
                pact_cpi=form.cleaned_data["pact_cpi"],
                pact_reference=form.cleaned_data["pact_reference"],
            )
        except PermissionDenied as exc:
            raise Http404 from exc
        except ValidationError as exc:
            for key, errors in exc.message_dict.items():
                form.add_error(key if key in form.fields else None, errors)
        else:
            messages.success(request, _("Employability profile recorded."))
            return HttpResponseRedirect(reverse("assessments:assessment_detail", args=[context.assessment.pk]))
    return render(request, "assessments/profile_new.html", {"ctx": context, "form": form})
