"""The ambito administrator's pages: organisations, structures, operators, memberships, teams.

Each view parses, authorizes (the selectors answer 404 to anyone but an administrator and for
objects outside their ambito), calls one service or selector and renders.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from intreccio.accounts import selectors, services
from intreccio.accounts.forms import (
    MembershipEndForm,
    MembershipForm,
    OperatorCreateForm,
    OperatorFilterForm,
    OperatorForm,
    OrganisationFilterForm,
    OrganisationForm,
    StructureForm,
    TeamForm,
    TeamMemberForm,
    add_service_errors,
)
from intreccio.accounts.models import Operator, Team

PAGE_SIZE = 50


def _actor(request: HttpRequest) -> Operator:
    user: Operator = request.user  # type: ignore[assignment]
    return user


def _page(request: HttpRequest, queryset: QuerySet[Any]) -> Page:
    return Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))


def _refused(request: HttpRequest, error: ValidationError) -> None:
    for message in error.messages:
        messages.error(request, message)


# --- organisations ----------------------------------------------------------------------------


@login_required
def organisation_list(request: HttpRequest) -> HttpResponse:
    ambito = selectors.admin_ambito(request)
    form = OrganisationFilterForm(request.GET)
    page = _page(request, selectors.organisation_list(ambito=ambito, filters=form.filters()))
    return render(request, "accounts/organisation_list.html", {"form": form, "page": page, "ambito": ambito})


@login_required
def organisation_create(request: HttpRequest) -> HttpResponse:
    ambito = selectors.admin_ambito(request)
    form = OrganisationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            organisation = services.organisation_create(
                actor=_actor(request), ambito=ambito, request=request, **form.cleaned_data
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Organisation created."))
            return HttpResponseRedirect(reverse("accounts:organisation_detail", args=[organisation.pk]))
    return render(request, "accounts/organisation_form.html", {"form": form})


@login_required
def organisation_detail(request: HttpRequest, pk: int) -> HttpResponse:
    organisation = selectors.get_organisation_for_admin(request, pk)
    structures = selectors.structure_list(organisation=organisation)
    return render(
        request, "accounts/organisation_detail.html", {"organisation": organisation, "structures": structures}
    )


@login_required
def organisation_update(request: HttpRequest, pk: int) -> HttpResponse:
    organisation = selectors.get_organisation_for_admin(request, pk)
    initial = {name: getattr(organisation, name) for name in services.ORGANISATION_FIELDS}
    form = OrganisationForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.organisation_update(
                actor=_actor(request), organisation=organisation, request=request, **form.cleaned_data
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Organisation saved."))
            return HttpResponseRedirect(reverse("accounts:organisation_detail", args=[organisation.pk]))
    return render(request, "accounts/organisation_form.html", {"form": form, "organisation": organisation})


@login_required
@require_POST
def organisation_deactivate(request: HttpRequest, pk: int) -> HttpResponse:
    organisation = selectors.get_organisation_for_admin(request, pk)
    try:
        services.organisation_deactivate(actor=_actor(request), organisation=organisation, request=request)
    except ValidationError as exc:
        _refused(request, exc)
    else:
        messages.success(request, _("Organisation deactivated: its operators can no longer act for it."))
    return HttpResponseRedirect(reverse("accounts:organisation_detail", args=[organisation.pk]))


# --- structures -------------------------------------------------------------------------------


@login_required
def structure_create(request: HttpRequest, organisation_pk: int) -> HttpResponse:
    organisation = selectors.get_organisation_for_admin(request, organisation_pk)
    form = StructureForm(request.POST or None, ambito=organisation.ambito)
    if request.method == "POST" and form.is_valid():
        try:
            services.structure_create(
                actor=_actor(request), organisation=organisation, request=request, **form.cleaned_data
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Structure created."))
            return HttpResponseRedirect(reverse("accounts:organisation_detail", args=[organisation.pk]))
    return render(request, "accounts/structure_form.html", {"form": form, "organisation": organisation})


@login_required
def structure_update(request: HttpRequest, pk: int) -> HttpResponse:
    structure = selectors.get_structure_for_admin(request, pk)
    organisation = structure.organisation
    initial = {name: getattr(structure, name) for name in services.STRUCTURE_FIELDS}
    form = StructureForm(request.POST or None, initial=initial, ambito=organisation.ambito)
    if request.method == "POST" and form.is_valid():
        try:
            services.structure_update(actor=_actor(request), structure=structure, request=request, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Structure saved."))
            return HttpResponseRedirect(reverse("accounts:organisation_detail", args=[organisation.pk]))
    context = {"form": form, "organisation": organisation, "structure": structure}
    return render(request, "accounts/structure_form.html", context)


@login_required
@require_POST
def structure_deactivate(request: HttpRequest, pk: int) -> HttpResponse:
    structure = selectors.get_structure_for_admin(request, pk)
    try:
        services.structure_deactivate(actor=_actor(request), structure=structure, request=request)
    except ValidationError as exc:
        _refused(request, exc)
    else:
        messages.success(request, _("Structure deactivated."))
    return HttpResponseRedirect(reverse("accounts:organisation_detail", args=[structure.organisation_id]))


# --- operators --------------------------------------------------------------------------------


@login_required
def operator_list(request: HttpRequest) -> HttpResponse:
    ambito = selectors.admin_ambito(request)
    form = OperatorFilterForm(request.GET, ambito=ambito)
    page = _page(request, selectors.operator_list(ambito=ambito, filters=form.filters()))
    return render(request, "accounts/operator_list.html", {"form": form, "page": page})


@login_required
def operator_create(request: HttpRequest) -> HttpResponse:
    ambito = selectors.admin_ambito(request)
    form = OperatorCreateForm(request.POST or None, ambito=ambito)
    if request.method == "POST" and form.is_valid():
        try:
            operator = services.operator_create(actor=_actor(request), request=request, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Operator created. An e-mail with a link to choose a password is on its way."))
            return HttpResponseRedirect(reverse("accounts:operator_detail", args=[operator.pk]))
    return render(request, "accounts/operator_form.html", {"form": form})


def _operator_context(request: HttpRequest, operator: Operator, **extra: Any) -> dict[str, Any]:
    ambito = selectors.admin_ambito(request)
    return {
        "operator": operator,
        "memberships": selectors.operator_memberships(operator=operator, ambito=ambito),
        "team_memberships": selectors.operator_teams(operator=operator, ambito=ambito),
        "end_form": MembershipEndForm(),
        **extra,
    }


@login_required
def operator_detail(request: HttpRequest, pk: int) -> HttpResponse:
    operator = selectors.get_operator_for_admin(request, pk)
    return render(request, "accounts/operator_detail.html", _operator_context(request, operator))


@login_required
def operator_update(request: HttpRequest, pk: int) -> HttpResponse:
    operator = selectors.get_operator_for_admin(request, pk)
    initial = {name: getattr(operator, name) for name in services.OPERATOR_FIELDS}
    form = OperatorForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.operator_update(actor=_actor(request), operator=operator, request=request, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Operator saved."))
            return HttpResponseRedirect(reverse("accounts:operator_detail", args=[operator.pk]))
    return render(request, "accounts/operator_form.html", {"form": form, "operator": operator})


@login_required
@require_POST
def operator_deactivate(request: HttpRequest, pk: int) -> HttpResponse:
    operator = selectors.get_operator_for_admin(request, pk)
    try:
        services.operator_deactivate(actor=_actor(request), operator=operator, request=request)
    except ValidationError as exc:
        _refused(request, exc)
    else:
        messages.success(request, _("Operator deactivated: they can no longer sign in."))
    return HttpResponseRedirect(reverse("accounts:operator_detail", args=[operator.pk]))


@login_required
@require_POST
def operator_reset_mfa(request: HttpRequest, pk: int) -> HttpResponse:
    operator = selectors.get_operator_for_admin(request, pk)
    try:
        services.operator_reset_mfa(actor=_actor(request), operator=operator, request=request)
    except ValidationError as exc:
        _refused(request, exc)
    else:
        messages.success(request, _("Second factor reset: the operator must set up a new one at next sign-in."))
    return HttpResponseRedirect(reverse("accounts:operator_detail", args=[operator.pk]))


# --- memberships ------------------------------------------------------------------------------


@login_required
def membership_add(request: HttpRequest, operator_pk: int) -> HttpResponse:
    operator = selectors.get_operator_for_admin(request, operator_pk)
    form = MembershipForm(request.POST or None, ambito=selectors.admin_ambito(request))
    if request.method == "POST" and form.is_valid():
        try:
            services.membership_add(actor=_actor(request), operator=operator, request=request, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Membership added."))
            return HttpResponseRedirect(reverse("accounts:operator_detail", args=[operator.pk]))
    return render(request, "accounts/membership_form.html", {"form": form, "operator": operator})


@login_required
@require_POST
def membership_end(request: HttpRequest, pk: int) -> HttpResponse:
    """End a membership; htmx requests get the operator's membership list back in place."""
    membership = selectors.get_membership_for_admin(request, pk)
    operator = membership.operator
    form = MembershipEndForm(request.POST)
    failed: ValidationError | None = None
    if form.is_valid():
        try:
            services.membership_end(actor=_actor(request), membership=membership, request=request, **form.cleaned_data)
        except ValidationError as exc:
            failed = exc
    else:
        failed = ValidationError([e for errors in form.errors.values() for e in errors])
    if request.htmx:  # type: ignore[attr-defined]
        context = _operator_context(request, operator, failed_pk=membership.pk if failed else None)
        context["end_errors"] = failed.messages if failed else []
        context["end_value"] = request.POST.get("valid_to", "")
        return render(request, "accounts/_membership_list.html", context)
    if failed:
        _refused(request, failed)
    else:
        messages.success(request, _("Membership ended."))
    return HttpResponseRedirect(reverse("accounts:operator_detail", args=[operator.pk]))


# --- teams ------------------------------------------------------------------------------------


@login_required
def team_list(request: HttpRequest) -> HttpResponse:
    ambito = selectors.admin_ambito(request)
    return render(request, "accounts/team_list.html", {"teams": selectors.team_list(ambito=ambito)})


@login_required
def team_create(request: HttpRequest) -> HttpResponse:
    ambito = selectors.admin_ambito(request)
    form = TeamForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            team = services.team_create(actor=_actor(request), ambito=ambito, request=request, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Team created."))
            return HttpResponseRedirect(reverse("accounts:team_detail", args=[team.pk]))
    return render(request, "accounts/team_form.html", {"form": form})


def _render_team(request: HttpRequest, team: Team, form: TeamMemberForm | None = None) -> HttpResponse:
    form = form or TeamMemberForm(operators=selectors.team_member_choices(team=team))
    context = {"team": team, "members": selectors.team_members(team=team), "form": form}
    return render(request, "accounts/team_detail.html", context)


@login_required
def team_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _render_team(request, selectors.get_team_for_admin(request, pk))


@login_required
@require_POST
def team_member_add(request: HttpRequest, pk: int) -> HttpResponse:
    team = selectors.get_team_for_admin(request, pk)
    form = TeamMemberForm(request.POST, operators=selectors.team_member_choices(team=team))
    if form.is_valid():
        try:
            services.team_member_add(actor=_actor(request), team=team, request=request, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Member added."))
            return HttpResponseRedirect(reverse("accounts:team_detail", args=[team.pk]))
    return _render_team(request, team, form)


@login_required
@require_POST
def team_member_remove(request: HttpRequest, pk: int, member_pk: int) -> HttpResponse:
    member = selectors.get_team_member_for_admin(request, team_pk=pk, pk=member_pk)
    services.team_member_remove(actor=_actor(request), member=member, request=request)
    messages.success(request, _("Member removed."))
    return HttpResponseRedirect(reverse("accounts:team_detail", args=[pk]))
