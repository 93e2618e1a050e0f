"""Front-door pages: the intake list, the intake form, the detail with its triage actions,
the pre-assessment questionnaire, the coordination group's queue and the person's intakes.

Each view parses, authorises (missing and forbidden are both 404), makes one domain call and
renders.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from intreccio.access import selectors, services
from intreccio.access.forms import (
    WHO_NEW,
    WHO_UNIDENTIFIED,
    IntakeFilterForm,
    IntakeForm,
    NewPersonForm,
    OutcomeForm,
    questionnaire_form,
)
from intreccio.access.models import Intake, IntakeStatus, PreAssessmentForm
from intreccio.access.permissions import can_create_intake, can_handle_intake, can_list_intakes
from intreccio.access.questionnaire import label
from intreccio.access.services import PERSON_ERROR_PREFIX
from intreccio.accounts.models import Membership, Operator
from intreccio.people.selectors import SearchHit, person_search

PAGE_SIZE = 25
ACTIONS = ("close", "forward", "urgent")
TIMELINE_LABELS = {
    "access.intake.created": gettext_lazy("Intake recorded"),
    "access.intake.updated": gettext_lazy("Intake data corrected"),
    "access.intake.person_linked": gettext_lazy("Person identified and linked"),
    "access.intake.pre_assessment_saved": gettext_lazy("Pre-assessment completed"),
    "access.intake.closed_information": gettext_lazy("Closed: information and orientation only"),
    "access.intake.forwarded": gettext_lazy("Forwarded to the coordination group"),
    "access.intake.marked_urgent": gettext_lazy("Forwarded as urgent"),
}


def _actor(request: HttpRequest) -> Operator:
    user: Operator = request.user  # type: ignore[assignment]
    return user


def _membership(request: HttpRequest) -> Membership:
    membership: Membership = request.membership  # type: ignore[attr-defined]
    return membership


# --- the list ------------------------------------------------------------------------------------


def _status_tabs(request: HttpRequest, counts: dict[str, int], active: str) -> list[dict[str, Any]]:
    """One tab per status (and "all"), each keeping the other filters of the page."""
    kept: dict[str, str] = {k: str(v) for k, v in request.GET.items() if k not in ("status", "page")}
    statuses: list[tuple[str, str]] = [("", _("All")), *((v, str(t)) for v, t in IntakeStatus.choices)]
    tabs = []
    for value, text in statuses:
        query = {**kept, "status": value} if value else kept
        tabs.append(
            {
                "value": value,
                "label": text,
                "count": counts.get(value, 0) if value else sum(counts.values()),
                "url": "?" + urlencode(query),
                "active": value == active,
            }
        )
    return tabs


@login_required
@require_GET
def intake_list(request: HttpRequest) -> HttpResponse:
    if not can_list_intakes(request):
        raise Http404
    form = IntakeFilterForm(request.GET or None, structures=selectors.structure_choices(request=request))
    filters = form.filters()
    listing = selectors.intake_list(request=request, filters=filters)
    page = Paginator(listing.intakes, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "form": form,
        "page": page,
        "tabs": _status_tabs(request, listing.counts, filters.status),
        "can_create": can_create_intake(request),
        "today": timezone.localdate(),
    }
    return render(request, "access/intake_list.html", context)


# --- the intake form ----------------------------------------------------------------------------


def _apply_errors(
    error: ValidationError, form: IntakeForm, person_form: NewPersonForm, request: HttpRequest
) -> list[SearchHit]:
    """Put a service's refusals on the fields they name; return the duplicate candidates, if any."""
    duplicates: list[SearchHit] = []
    for field, errors in error.error_dict.items():
        for item in errors:
            if item.code == "possible_duplicate":
                pks = list((item.params or {}).get("candidates", []))
                duplicates = selectors.person_hits_by_id(request=request, pks=pks)
                form.add_error(None, item.messages[0])
            elif field.startswith(PERSON_ERROR_PREFIX) and field[len(PERSON_ERROR_PREFIX) :] in person_form.fields:
                person_form.add_error(field[len(PERSON_ERROR_PREFIX) :], item.messages[0])
            else:
                form.add_error(field if field in form.fields else None, item.messages[0])
    return duplicates


@login_required
def intake_create(request: HttpRequest) -> HttpResponse:
    if not can_create_intake(request):
        raise Http404
    initial = {"received_on": timezone.localdate(), "urgency": "ordinary"}
    form = IntakeForm(request.POST or None, initial=initial)
    person_form = NewPersonForm(request.POST or None)
    query = request.POST.get("q", "") if request.method == "POST" else request.GET.get("q", "")
    hits: list[SearchHit] = []
    duplicates: list[SearchHit] = []
    chosen = None
    if request.method == "POST":
        if form.who_choice not in ("", WHO_NEW, WHO_UNIDENTIFIED):
            chosen = selectors.visible_person(request=request, pk=form.who_choice)
        if "search" in request.POST:
            # Without JavaScript the search button posts the whole form: search, keep what was typed.
            hits = [hit for hit in person_search(request=request, text=query) if hit.person != chosen]
        else:
            forms_valid = form.is_valid() & (form.who_choice != WHO_NEW or person_form.is_valid())
            if form.who_choice not in ("", WHO_NEW, WHO_UNIDENTIFIED) and chosen is None:
                form.add_error(None, _("Choose the person again from the search results."))
            elif forms_valid:
                try:
                    intake = services.intake_create(
                        actor=_actor(request),
                        membership=_membership(request),
                        values=form.intake_values(),
                        person=chosen,
                        new_person=person_form.person_values() if form.who_choice == WHO_NEW else None,
                        confirm_not_duplicate=form.cleaned_data["confirm_not_duplicate"],
                        request=request,
                    )
                except ValidationError as exc:
                    duplicates = _apply_errors(exc, form, person_form, request)
                else:
                    messages.success(request, _("Intake recorded."))
                    return HttpResponseRedirect(reverse("access:intake_detail", args=[intake.pk]))
    elif query:
        hits = person_search(request=request, text=query)
    context = {
        "form": form,
        "person_form": person_form,
        "query": query,
        "hits": hits,
        "chosen": chosen,
        "duplicates": duplicates,
        "who": form.who_choice,
    }
    return render(request, "access/intake_form.html", context)


@login_required
@require_GET
def person_search_fragment(request: HttpRequest) -> HttpResponse:
    """The htmx search under the intake form's search box."""
    if not can_create_intake(request):
        raise Http404
    query = request.GET.get("q", "")
    hits = person_search(request=request, text=query) if query.strip() else []
    return render(request, "access/_person_results.html", {"hits": hits, "query": query, "who": ""})


# --- the detail and its actions ------------------------------------------------------------------


def _detail_context(request: HttpRequest, intake: Intake, **forms: OutcomeForm) -> dict[str, Any]:
    handle = can_handle_intake(request, intake)
    outcome_forms = {
        action: forms.get(action) or OutcomeForm(initial={"version": intake.version}, prefix=action)
        for action in ACTIONS
    }
    return {
        "intake": intake,
        "can_handle": handle,
        "pre_assessment": selectors.intake_pre_assessment(intake=intake),
        "timeline": [
            {"event": event, "label": TIMELINE_LABELS.get(event.action, event.action)}
            for event in selectors.intake_timeline(intake=intake)
        ],
        "outcome_forms": outcome_forms,
        "open_action": next(iter(forms), ""),
        "can_close": handle and intake.is_open,
        "can_forward": handle and intake.is_open,
        "can_mark_urgent": handle and intake.status in (IntakeStatus.OPEN, IntakeStatus.FORWARDED),
        "today": timezone.localdate(),
    }


@login_required
@require_GET
def intake_detail(request: HttpRequest, pk: int) -> HttpResponse:
    intake = selectors.intake_get_for_user(request=request, pk=pk, purpose="intake_detail")
    return render(request, "access/intake_detail.html", _detail_context(request, intake))


def _outcome_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    intake = selectors.intake_get_for_user(request=request, pk=pk, purpose=f"intake_{action}")
    if not can_handle_intake(request, intake):
        raise Http404
    form = OutcomeForm(request.POST, prefix=action)
    if form.is_valid():
        call = {
            "close": services.intake_close_information,
            "forward": services.intake_forward,
            "urgent": services.intake_mark_urgent,
        }[action]
        try:
            call(
                actor=_actor(request),
                intake=intake,
                version=form.cleaned_data["version"],
                outcome_note=form.cleaned_data["outcome_note"],
                outcome_on=form.cleaned_data["outcome_on"],
                request=request,
            )
        except ValidationError as exc:
            if not hasattr(exc, "error_dict"):
                # Wrong state, stale version, no coordination group: nothing in the form to correct.
                for message in exc.messages:
                    messages.error(request, message)
                return HttpResponseRedirect(reverse("access:intake_detail", args=[intake.pk]))
            for field, errors in exc.error_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            done = {
                "close": _("Intake closed as information and orientation only."),
                "forward": _("Intake forwarded to the coordination group."),
                "urgent": _("Intake forwarded to the coordination group as urgent."),
            }[action]
            messages.success(request, done)
            return HttpResponseRedirect(reverse("access:intake_detail", args=[intake.pk]))
    context = _detail_context(request, intake, **{action: form})
    return render(request, "access/intake_detail.html", context)


@login_required
@require_POST
def intake_close(request: HttpRequest, pk: int) -> HttpResponse:
    return _outcome_action(request, pk, "close")


@login_required
@require_POST
def intake_forward(request: HttpRequest, pk: int) -> HttpResponse:
    return _outcome_action(request, pk, "forward")


@login_required
@require_POST
def intake_urgent(request: HttpRequest, pk: int) -> HttpResponse:
    return _outcome_action(request, pk, "urgent")


# --- the pre-assessment ------------------------------------------------------------------------


@login_required
def pre_assessment(request: HttpRequest, pk: int) -> HttpResponse:
    intake = selectors.intake_get_for_user(request=request, pk=pk, purpose="pre_assessment")
    if not can_handle_intake(request, intake):
        raise Http404
    published = selectors.published_form()
    if published is None:
        raise Http404
    version: PreAssessmentForm = published
    if request.method == "POST":
        # The version the operator filled in: if a newer one was published meanwhile, the service says so.
        posted = request.POST.get("form_version", "")
        if posted.isdigit():
            version = PreAssessmentForm.objects.filter(pk=int(posted)).first() or published
    current = selectors.intake_pre_assessment(intake=intake)
    previous = current.pre_assessment.answers if current else {}
    form = questionnaire_form(version.schema, data=request.POST or None, initial=previous)
    if request.method == "POST" and form.is_valid():
        try:
            services.pre_assessment_save(
                actor=_actor(request), intake=intake, form=version, answers=form.cleaned_data, request=request
            )
        except ValidationError as exc:
            if hasattr(exc, "error_dict"):
                for field, errors in exc.error_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            else:
                form.add_error(None, exc)
        else:
            messages.success(request, _("Pre-assessment saved."))
            return HttpResponseRedirect(reverse("access:intake_detail", args=[intake.pk]))
    sections = [
        {
            "title": label(section.get("title")),
            "rows": [{"field": form[q["key"]], "required": bool(q.get("required"))} for q in section["questions"]],
        }
        for section in version.schema.get("sections", [])
    ]
    context = {"intake": intake, "form": form, "version": version, "sections": sections}
    return render(request, "access/pre_assessment.html", context)


# --- the coordination group and the person page ------------------------------------------------


@login_required
@require_GET
def coordination_queue(request: HttpRequest) -> HttpResponse:
    intakes = selectors.coordination_queue(request=request)
    today = timezone.localdate()
    rows = [{"intake": intake, "waiting": intake.waiting_days(today)} for intake in intakes]
    return render(request, "access/coordination_queue.html", {"rows": rows, "today": today})


@login_required
@require_GET
def person_intakes(request: HttpRequest, person_pk: int) -> HttpResponse:
    """An htmx fragment for the person page: the person's intakes this operator may see."""
    intakes = selectors.person_intakes(request=request, person_pk=person_pk)
    context = {"intakes": intakes, "person_pk": person_pk, "can_create": can_create_intake(request)}
    return render(request, "access/_person_intakes.html", context)
