"""Person pages: search, registration, detail, edit.

Each view parses, authorizes (the selectors answer 404 to roles outside the registry and for
persons the operator may not see), calls one service or selector and renders.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import URLPattern, path, reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django_htmx.http import push_url

from intreccio.accounts.forms import add_service_errors
from intreccio.accounts.models import Membership, Operator
from intreccio.people import selectors
from intreccio.people.forms_persons import (
    PersonCreateForm,
    PersonSearchForm,
    PersonUpdateForm,
    comune_choices,
)
from intreccio.people.models import Person
from intreccio.people.permissions import can_register_person, can_use_registry
from intreccio.people.services import persons as services
from intreccio.people.services.persons import PERSON_FIELDS
from intreccio.people.views.measures import legal_rep_panel_context

RESULTS_TEMPLATE = "people/_person_search_results.html"


def _actor(request: HttpRequest) -> Operator:
    user: Operator = request.user  # type: ignore[assignment]
    return user


def _membership(request: HttpRequest) -> Membership:
    membership: Membership | None = getattr(request, "membership", None)
    if membership is None:
        raise Http404
    return membership


def _search_context(request: HttpRequest) -> dict[str, Any]:
    form = PersonSearchForm(request.GET)
    text = form.cleaned_data["q"].strip() if form.is_valid() else ""
    hits = selectors.person_search(request=request, text=text) if text else []
    return {
        "form": form,
        "query": text,
        "hits": hits,
        "limit_reached": len(hits) >= selectors.SEARCH_LIMIT,
        "can_register": can_register_person(request),
    }


@login_required
def person_search(request: HttpRequest) -> HttpResponse:
    if not can_use_registry(request):
        raise Http404
    return render(request, "people/person_search.html", _search_context(request))


@login_required
def person_search_results(request: HttpRequest) -> HttpResponse:
    """The results alone, for htmx; the address bar shows the full page's URL so reload and back work."""
    if not can_use_registry(request):
        raise Http404
    context = _search_context(request)
    response = render(request, RESULTS_TEMPLATE, context)
    if request.htmx:  # type: ignore[attr-defined]
        query = urlencode({"q": context["query"]}) if context["query"] else ""
        return push_url(response, reverse("people:person_search") + (f"?{query}" if query else ""))
    return response


def _comuni_for(request: HttpRequest, person: Person | None = None) -> Any:
    organisation = _membership(request).structure.organisation
    return comune_choices(organisation_ambito_id=organisation.ambito_id, person=person)


def _prefill_from_search(request: HttpRequest) -> dict[str, str]:
    """The words typed in the search box that found nobody become the new person's names."""
    initial: dict[str, str] = {}
    for name in ("last_name", "first_name", "fiscal_code"):
        value = request.GET.get(name, "").strip()
        if value:
            initial[name] = value[:100]
    return initial


@login_required
def person_create(request: HttpRequest) -> HttpResponse:
    if not can_register_person(request):
        raise Http404
    comuni = _comuni_for(request)
    form = PersonCreateForm(request.POST or None, comuni=comuni, initial=_prefill_from_search(request))
    candidates: list[selectors.SearchHit] = []
    if request.method == "POST" and form.is_valid():
        try:
            person = services.person_create(
                actor=_actor(request),
                organisation=_membership(request).structure.organisation,
                values=form.service_values(),
                target_groups=form.cleaned_data["target_groups"],
                confirm_not_duplicate=form.cleaned_data["confirm_not_duplicate"],
                request=request,
            )
        except ValidationError as exc:
            if getattr(exc, "code", None) == "possible_duplicate":
                params: dict[str, Any] = getattr(exc, "params", None) or {}
                candidates = selectors.person_hits_for_user(
                    request=request, pks=list(params.get("candidates", [])), purpose="duplicate_check"
                )
            else:
                add_service_errors(form, exc)
        else:
            messages.success(request, _("Person registered."))
            return HttpResponseRedirect(reverse("people:person_detail", args=[person.pk]))
    return render(request, "people/person_form.html", {"form": form, "candidates": candidates})


@login_required
def person_detail(request: HttpRequest, pk: int) -> HttpResponse:
    page = selectors.person_page_for_user(request=request, pk=pk)
    context = {"page": page, "person": page.person, **legal_rep_panel_context(request=request, person=page.person)}
    return render(request, "people/person_detail.html", context)


def _initial(person: Person) -> dict[str, Any]:
    initial: dict[str, Any] = {name: getattr(person, name) for name in PERSON_FIELDS}
    initial["fiscal_code"] = person.fiscal_code or ""
    initial["target_groups"] = [group.group for group in person.target_groups.all()]
    initial["version"] = person.version
    return initial


def _shown(value: Any) -> str:
    if value in (None, ""):
        return "—"
    if hasattr(value, "strftime"):
        return str(value.strftime("%d/%m/%Y"))
    return str(value)


def _differences(person: Person, form: PersonUpdateForm) -> list[tuple[str, str, str]]:
    """(field label, value saved now, value the operator typed) where the two differ."""
    rows = []
    for name in PERSON_FIELDS:
        saved = getattr(person, name)
        typed = form.cleaned_data.get(name)
        if name == "fiscal_code":
            typed = (typed or "").replace(" ", "").upper() or None
        if name in {"sex", "no_fiscal_code_reason"}:
            saved_shown = getattr(person, f"get_{name}_display")() if saved else ""
            typed_shown = dict(form.fields[name].choices).get(typed, "") if typed else ""  # type: ignore[attr-defined]
        else:
            saved_shown, typed_shown = _shown(saved), _shown(typed)
        if (saved or None) != (typed or None):
            rows.append((str(form.fields[name].label), saved_shown or "—", typed_shown or "—"))
    return rows


@login_required
def person_update(request: HttpRequest, pk: int) -> HttpResponse:
    person = selectors.person_get_for_update(request=request, pk=pk)
    form = PersonUpdateForm(request.POST or None, comuni=_comuni_for(request, person), initial=_initial(person))
    conflict: list[tuple[str, str, str]] | None = None
    if request.method == "POST" and form.is_valid():
        try:
            services.person_update(
                actor=_actor(request),
                person=person,
                version=form.cleaned_data["version"],
                values=form.service_values(),
                target_groups=form.cleaned_data["target_groups"],
                request=request,
            )
        except ValidationError as exc:
            if getattr(exc, "code", None) == "stale_version":
                # Keep what the operator typed; show what is saved now; saving again is a deliberate overwrite.
                conflict = _differences(person, form)
                data = request.POST.copy()
                data["version"] = str(person.version)
                form = PersonUpdateForm(data, comuni=_comuni_for(request, person), initial=_initial(person))
                form.is_valid()
                form.add_error(None, exc)
            else:
                add_service_errors(form, exc)
        else:
            messages.success(request, _("Changes saved."))
            return HttpResponseRedirect(reverse("people:person_detail", args=[person.pk]))
    return render(request, "people/person_form.html", {"form": form, "person": person, "conflict": conflict})


urlpatterns: list[URLPattern] = [
    path("", person_search, name="person_search"),
    path("risultati/", person_search_results, name="person_search_results"),
    path("nuova/", person_create, name="person_create"),
    path("<int:pk>/", person_detail, name="person_detail"),
    path("<int:pk>/modifica/", person_update, name="person_update"),
]
