"""Plan pages: the panel on the case page (htmx), drafting and editing the project and its pact,
the live comparison with the package, submission, the coordination group's validation page,
check-ins, the case manager's due check-ins, the printable pact.

Each view parses, authorises (missing and forbidden are both 404, through the selectors), makes
one domain call and renders. A change made on a version the plan no longer has shows the
conflict page with what the operator typed, so nothing is lost.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from intreccio.catalogue.compare import compare_items
from intreccio.people.selectors_measures import current_legal_representative
from intreccio.plans import budget as budget_selectors
from intreccio.plans import pdf, permissions, selectors, services
from intreccio.plans.forms import (
    CheckInForm,
    CommitmentForm,
    GoalForm,
    InterventionForm,
    NewPlanForm,
    NoteForm,
    PlanForm,
    ReasonForm,
    StartForm,
    VersionForm,
)
from intreccio.plans.models import Commitment, Deviation, Goal, Plan, PlannedIntervention, intervention_amount

KINDS = ("goal", "commitment", "intervention")


def _editor_url(plan: Plan, anchor: str = "") -> str:
    return reverse("plans:plan_edit", args=[plan.pk]) + (f"#{anchor}" if anchor else "")


def _add_errors(form: forms.Form, error: ValidationError) -> None:
    for key, errors in error.message_dict.items():
        form.add_error(key if key in form.fields else None, errors)


def _conflict(request: HttpRequest, exc: services.StalePlan, had: int | None, form: forms.Form | None) -> HttpResponse:
    typed = []
    if form is not None:
        for name, field in form.fields.items():
            value = form.data.get(form.add_prefix(name), "") if form.is_bound else ""
            if name != "version" and value and isinstance(field.widget, forms.Textarea | forms.TextInput):
                typed.append({"label": field.label, "value": value})
    context = {"plan": exc.current, "case": exc.current.case, "had_version": had, "typed": typed}
    return render(request, "plans/conflict.html", context, status=409)


def _version(request: HttpRequest) -> int | None:
    form = VersionForm(request.POST)
    return form.cleaned_data["version"] if form.is_valid() else None


# --- the case panel and a new plan --------------------------------------------------------------------


@login_required
@require_GET
def case_panel(request: HttpRequest, case_pk: int) -> HttpResponse:
    panel = selectors.case_panel(request=request, case_pk=case_pk)
    return render(request, "plans/_case_panel.html", {"panel": panel})


@login_required
def plan_new(request: HttpRequest, case_pk: int) -> HttpResponse:
    case, routing, packages = selectors.case_for_new_plan(request=request, case_pk=case_pk)
    default = selectors.default_package_for(request=request, case=case)
    initial: dict[str, Any] = {"package": default}
    # A person with an amministratore di sostegno (or tutore, curatore) signs through them.
    representative = current_legal_representative(case.person) if case.person is not None else None
    if representative is not None:
        initial.update(
            signatory="legal_representative",
            representative_name=representative.full_name,
            representative_capacity=representative.get_kind_display(),
        )
    form = NewPlanForm(request.POST or None, packages=packages, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            plan = services.plan_create(
                request=request,
                case=case,
                pact=_pact_data(data),
                summary=data["summary"],
                package=data["package"] or default,
            )
        except PermissionDenied as exc:
            raise Http404 from exc
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("Project drafted: now add its goals, commitments and interventions."))
            return HttpResponseRedirect(_editor_url(plan))
    return render(request, "plans/plan_new.html", {"case": case, "routing": routing, "form": form, "default": default})


def _pact_data(data: dict[str, Any]) -> services.PactData:
    return services.PactData(
        pact_type=data["pact_type"],
        subtype=data.get("subtype") or "",
        duration_months=data["duration_months"],
        signatory=data["signatory"],
        representative_name=data.get("representative_name") or "",
        representative_capacity=data.get("representative_capacity") or "",
        signed_on=data.get("signed_on"),
    )


# --- the editor --------------------------------------------------------------------------------------


def _plan_initial(editor: selectors.PlanEditor) -> dict[str, Any]:
    pact = editor.pact
    return {
        "version": editor.plan.version,
        "pact_type": pact.pact_type,
        "subtype": pact.subtype,
        "duration_months": pact.duration_months,
        "package": editor.plan.package_id,
        "summary": editor.plan.summary,
        "signatory": pact.signatory,
        "representative_name": pact.representative_name,
        "representative_capacity": pact.representative_capacity,
        "signed_on": pact.signed_on,
    }


def _editor_context(editor: selectors.PlanEditor, **forms_given: Any) -> dict[str, Any]:
    version = {"version": editor.plan.version}
    services_list = [c.service for c in editor.services]
    return {
        "ed": editor,
        "plan": editor.plan,
        "case": editor.plan.case,
        "plan_form": forms_given.get("plan_form")
        or PlanForm(initial=_plan_initial(editor), packages=editor.packages, prefix="plan"),
        "goal_form": forms_given.get("goal_form")
        or GoalForm(initial=version, sections=editor.allowed_sections, prefix="goal"),
        "commitment_form": forms_given.get("commitment_form")
        or CommitmentForm(
            initial=version, sections=editor.allowed_sections, structures=editor.team_structures, prefix="commitment"
        ),
        "intervention_form": forms_given.get("intervention_form")
        or InterventionForm(initial=version, services=services_list, prefix="intervention"),
        "version_form": VersionForm(initial=version),
    }


@login_required
def plan_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """The editor; a POST saves the plan and pact details."""
    editor = selectors.plan_editor(request=request, pk=pk)
    if request.method != "POST":
        return render(request, "plans/plan_edit.html", _editor_context(editor))
    if not editor.can_edit:
        raise Http404
    form = PlanForm(request.POST, packages=editor.packages, prefix="plan")
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.plan_update(
                request=request,
                plan=editor.plan,
                version=data["version"],
                pact=_pact_data(data),
                summary=data["summary"],
                package=data["package"],
            )
        except services.StalePlan as exc:
            return _conflict(request, exc, data["version"], form)
        except PermissionDenied as exc:
            raise Http404 from exc
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("Project saved."))
            return HttpResponseRedirect(_editor_url(editor.plan))
    return render(request, "plans/plan_edit.html", _editor_context(editor, plan_form=form), status=400)


def _goal_data(data: dict[str, Any]) -> services.GoalData:
    return services.GoalData(
        text=data["text"],
        indicator=data["indicator"],
        target=data["target"],
        due_on=data["due_on"],
        section=data["section"],
    )


def _commitment_data(data: dict[str, Any]) -> services.CommitmentData:
    return services.CommitmentData(
        owner=data["owner"],
        structure=data["structure"],
        text=data["text"],
        due_on=data["due_on"],
        section=data["section"],
    )


def _intervention_data(data: dict[str, Any]) -> services.InterventionData:
    return services.InterventionData(
        service=data["service"],
        provider=data["provider"],
        quantity=data["quantity"],
        basis=data["basis"],
        months=data["months"] or 12,
        starts_on=data["starts_on"],
        ends_on=data["ends_on"],
    )


def _item_form(kind: str, editor: selectors.PlanEditor, data: Any = None, initial: Any = None) -> forms.Form:
    if kind == "goal":
        return GoalForm(data, initial=initial, sections=editor.allowed_sections, prefix="goal")
    if kind == "commitment":
        return CommitmentForm(
            data,
            initial=initial,
            sections=editor.allowed_sections,
            structures=editor.team_structures,
            prefix="commitment",
        )
    return InterventionForm(data, initial=initial, services=[c.service for c in editor.services], prefix="intervention")


def _kind(kind: str) -> str:
    if kind not in KINDS:
        raise Http404
    return kind


@login_required
@require_POST
def item_add(request: HttpRequest, pk: int, kind: str) -> HttpResponse:
    kind = _kind(kind)
    editor = selectors.plan_editor(request=request, pk=pk)
    if not editor.can_edit:
        raise Http404
    form = _item_form(kind, editor, request.POST)
    if form.is_valid():
        data = form.cleaned_data
        add: dict[str, Callable[..., Any]] = {
            "goal": lambda: services.goal_add(
                request=request, plan=editor.plan, version=data["version"], data=_goal_data(data)
            ),
            "commitment": lambda: services.commitment_add(
                request=request, plan=editor.plan, version=data["version"], data=_commitment_data(data)
            ),
            "intervention": lambda: services.intervention_add(
                request=request, plan=editor.plan, version=data["version"], data=_intervention_data(data)
            ),
        }
        try:
            add[kind]()
        except services.StalePlan as exc:
            return _conflict(request, exc, data["version"], form)
        except PermissionDenied as exc:
            raise Http404 from exc
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("Added to the project."))
            return HttpResponseRedirect(_editor_url(editor.plan, f"{kind}s"))
    context = _editor_context(editor, **{f"{kind}_form": form})
    return render(request, "plans/plan_edit.html", context, status=400)


def _item(plan: Plan, kind: str, pk: int) -> Goal | Commitment | PlannedIntervention:
    if kind == "goal":
        return selectors.plan_item(plan, Goal, pk)
    if kind == "commitment":
        return selectors.plan_item(plan, Commitment, pk)
    return selectors.plan_item(plan, PlannedIntervention, pk)


def _initial(kind: str, item: Any, version: int) -> dict[str, Any]:
    if kind == "goal":
        return GoalForm.initial_for(item, version)
    if kind == "commitment":
        return CommitmentForm.initial_for(item, version)
    return {
        "version": version,
        "service": item.service_id,
        "provider": item.provider_id,
        "quantity": item.quantity,
        "basis": item.basis,
        "months": item.months,
        "starts_on": item.starts_on,
        "ends_on": item.ends_on,
    }


@login_required
def item_edit(request: HttpRequest, pk: int, kind: str, item_pk: int) -> HttpResponse:
    kind = _kind(kind)
    editor = selectors.plan_editor(request=request, pk=pk)
    if not editor.can_edit:
        raise Http404
    item = _item(editor.plan, kind, item_pk)
    if item.section not in editor.allowed_sections:
        raise Http404
    form = _item_form(kind, editor, request.POST or None, initial=_initial(kind, item, editor.plan.version))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        plan, version = editor.plan, data["version"]
        try:
            if isinstance(item, Goal):
                services.goal_update(request=request, plan=plan, version=version, goal=item, data=_goal_data(data))
            elif isinstance(item, Commitment):
                services.commitment_update(
                    request=request, plan=plan, version=version, commitment=item, data=_commitment_data(data)
                )
            else:
                services.intervention_update(
                    request=request, plan=plan, version=version, intervention=item, data=_intervention_data(data)
                )
        except services.StalePlan as exc:
            return _conflict(request, exc, version, form)
        except PermissionDenied as exc:
            raise Http404 from exc
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("Saved."))
            return HttpResponseRedirect(_editor_url(plan, f"{kind}s"))
    return render(
        request, "plans/item_edit.html", {"plan": editor.plan, "case": editor.plan.case, "form": form, "kind": kind}
    )


@login_required
@require_POST
def item_remove(request: HttpRequest, pk: int, kind: str, item_pk: int) -> HttpResponse:
    kind = _kind(kind)
    plan = selectors.plan_for_edit(request=request, pk=pk)
    item = _item(plan, kind, item_pk)
    if item.section not in permissions.readable_sections(request, plan.case):
        raise Http404
    version = _version(request)
    if version is None:
        messages.error(request, _("The page was out of date: nothing was removed."))
        return HttpResponseRedirect(_editor_url(plan))
    try:
        if isinstance(item, Goal):
            services.goal_remove(request=request, plan=plan, version=version, goal=item)
        elif isinstance(item, Commitment):
            services.commitment_remove(request=request, plan=plan, version=version, commitment=item)
        else:
            services.intervention_remove(request=request, plan=plan, version=version, intervention=item)
    except services.StalePlan as exc:
        return _conflict(request, exc, version, None)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("Removed from the project."))
    return HttpResponseRedirect(_editor_url(plan, f"{kind}s"))


@login_required
@require_POST
def deviation_explain(request: HttpRequest, pk: int, item_pk: int) -> HttpResponse:
    plan = selectors.plan_for_edit(request=request, pk=pk)
    deviation = selectors.plan_item(plan, Deviation, item_pk)
    form = ReasonForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("The page was out of date: nothing was saved."))
        return HttpResponseRedirect(_editor_url(plan, "deviations"))
    try:
        services.deviation_explain(
            request=request,
            plan=plan,
            version=form.cleaned_data["version"],
            deviation=deviation,
            reason=form.cleaned_data["reason"],
        )
    except services.StalePlan as exc:
        return _conflict(request, exc, form.cleaned_data["version"], form)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("Reason saved."))
    return HttpResponseRedirect(_editor_url(plan, "deviations"))


@login_required
@require_GET
def comparison_preview(request: HttpRequest, pk: int) -> HttpResponse:
    """htmx: the package comparison as it would be with the intervention being typed (nothing saved)."""
    editor = selectors.plan_editor(request=request, pk=pk)
    if not editor.can_edit:
        raise Http404
    form = InterventionForm(request.GET, services=[c.service for c in editor.services], prefix="intervention")
    form.fields["version"].required = False  # a preview saves nothing, so no version to check
    comparison = editor.comparison
    proposed = None
    package = editor.plan.package
    if form.is_valid() and package is not None:
        data = form.cleaned_data
        service, quantity = data["service"], data["quantity"]
        if service is not None and quantity is not None and quantity > 0:
            months = data["months"] or 12
            amount = intervention_amount(
                quantity=quantity, basis=data["basis"], months=months, unit_cost=service.unit_cost
            )
            line = PlannedIntervention(
                service=service, quantity=quantity, basis=data["basis"], months=months, amount=amount
            )
            everything = [*editor.content.interventions, line]
            items = list(package.items.select_related("service"))
            bases = {i.service_id: i.basis for i in items}
            comparison = compare_items(
                items=items,
                budget_min=package.budget_min,
                budget_max=package.budget_max,
                planned=[
                    (i.service, services.quantity_on_basis(i, bases.get(i.service_id, i.basis)), i.amount)
                    for i in everything
                ],
            )
            proposed = {"service": service, "amount": amount}
    context = {"comparison": comparison, "package": package, "proposed": proposed, "preview": True}
    return render(request, "plans/_comparison.html", context)


@login_required
@require_POST
def plan_submit(request: HttpRequest, pk: int) -> HttpResponse:
    plan = selectors.plan_for_edit(request=request, pk=pk)
    version = _version(request)
    if version is None:
        messages.error(request, _("The page was out of date: nothing was sent."))
        return HttpResponseRedirect(_editor_url(plan))
    try:
        services.plan_submit(request=request, plan=plan, version=version)
    except services.StalePlan as exc:
        return _conflict(request, exc, version, None)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
        return HttpResponseRedirect(_editor_url(plan))
    messages.success(request, _("The project went to the coordination group for validation."))
    return HttpResponseRedirect(_editor_url(plan))


# --- validation --------------------------------------------------------------------------------------


@login_required
@require_GET
def validation(request: HttpRequest, pk: int) -> HttpResponse:
    page = selectors.validation_page(request=request, pk=pk)
    context = {
        "page": page,
        "plan": page.plan,
        "case": page.plan.case,
        "validate_form": NoteForm(initial={"version": page.plan.version}),
        "send_back_form": ReasonForm(initial={"version": page.plan.version}),
    }
    return render(request, "plans/validation.html", context)


@login_required
@require_POST
def plan_validate(request: HttpRequest, pk: int) -> HttpResponse:
    plan = selectors.plan_for_decision(request=request, pk=pk)
    form = NoteForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("The page was out of date: nothing was decided."))
        return HttpResponseRedirect(reverse("plans:validation", args=[plan.pk]))
    try:
        services.plan_validate(
            request=request, plan=plan, version=form.cleaned_data["version"], note=form.cleaned_data["note"]
        )
    except services.StalePlan as exc:
        return _conflict(request, exc, form.cleaned_data["version"], form)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("Project validated."))
    return HttpResponseRedirect(reverse("plans:validation", args=[plan.pk]))


@login_required
@require_POST
def plan_send_back(request: HttpRequest, pk: int) -> HttpResponse:
    plan = selectors.plan_for_decision(request=request, pk=pk)
    form = ReasonForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("The page was out of date: nothing was decided."))
        return HttpResponseRedirect(reverse("plans:validation", args=[plan.pk]))
    try:
        services.plan_send_back(
            request=request, plan=plan, version=form.cleaned_data["version"], reason=form.cleaned_data["reason"]
        )
    except services.StalePlan as exc:
        return _conflict(request, exc, form.cleaned_data["version"], form)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("Project sent back to the case manager."))
    return HttpResponseRedirect(reverse("plans:validation", args=[plan.pk]))


# --- delivery and monitoring --------------------------------------------------------------------------


@login_required
@require_POST
def intervention_start(request: HttpRequest, pk: int, item_pk: int) -> HttpResponse:
    plan = selectors.plan_for_edit(request=request, pk=pk)
    intervention = selectors.plan_item(plan, PlannedIntervention, item_pk)
    form = StartForm(request.POST)
    if not form.is_valid():
        for message in form.errors.get("started_on", []) or [_("Give the start date as dd/mm/yyyy.")]:
            messages.error(request, str(message))
        return HttpResponseRedirect(_editor_url(plan, "interventions"))
    try:
        services.intervention_start(
            request=request,
            plan=plan,
            version=form.cleaned_data["version"],
            intervention=intervention,
            started_on=form.cleaned_data["started_on"],
        )
    except services.StalePlan as exc:
        return _conflict(request, exc, form.cleaned_data["version"], form)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("Start recorded."))
    return HttpResponseRedirect(_editor_url(plan, "interventions"))


@login_required
def checkin_new(request: HttpRequest, pk: int) -> HttpResponse:
    ctx = selectors.checkin_context(request=request, pk=pk)
    form = CheckInForm(
        request.POST or None,
        initial={"version": ctx.plan.version},
        goals=ctx.content.goals,
        commitments=ctx.content.commitments,
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.checkin_record(
                request=request,
                plan=ctx.plan,
                version=data["version"],
                data=services.CheckInData(
                    held_on=data["held_on"],
                    outcome=data["outcome"],
                    realised_percent=data["realised_percent"],
                    percent_reason=data["percent_reason"],
                    goal_statuses={g.pk: data[f"goal_{g.pk}"] for g in ctx.content.goals},
                    commitments_done={c.pk: data[f"commitment_{c.pk}"] for c in ctx.content.commitments},
                ),
            )
        except services.StalePlan as exc:
            return _conflict(request, exc, data["version"], form)
        except PermissionDenied as exc:
            raise Http404 from exc
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("Check-in recorded."))
            return HttpResponseRedirect(_editor_url(ctx.plan, "checkins"))
    return render(
        request, "plans/checkin_new.html", {"ctx": ctx, "form": form, "plan": ctx.plan, "case": ctx.plan.case}
    )


@login_required
@require_GET
def due_checkins(request: HttpRequest) -> HttpResponse:
    rows = selectors.due_checkins(request=request)
    return render(request, "plans/due_checkins.html", {"rows": rows})


@login_required
@require_GET
def pact_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    document = selectors.pact_document(request=request, pk=pk)
    content = pdf.render_pact(document)
    response = HttpResponse(content, content_type="application/pdf")
    number = (document.case.number or str(document.case.pk)).replace("/", "-")
    response["Content-Disposition"] = f'inline; filename="patto-{number}-{document.plan.number}.pdf"'
    return response


@login_required
@require_GET
def budget(request: HttpRequest) -> HttpResponse:
    overview = budget_selectors.budget_overview(request=request)
    return render(request, "plans/budget.html", {"overview": overview})
