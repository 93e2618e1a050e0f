"""Household pages: members, ISEE declarations; the person's consents.

Each view parses, authorises (the recording rule of ``permissions_households`` first, then a
selector that answers 404 for what the operator may not see), calls one service and renders.
Refused input is shown on its field and nothing is saved: the services check everything before
writing, inside one transaction.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import NoReverseMatch, URLPattern, path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from intreccio.accounts.forms import add_service_errors
from intreccio.accounts.models import Operator, Organisation
from intreccio.people.forms_households import (
    ConsentForm,
    ConsentWithdrawForm,
    HouseholdForm,
    IseeForm,
    MemberAddForm,
    MemberLeaveForm,
)
from intreccio.people.models import Person
from intreccio.people.permissions_households import can_record_consent, can_record_household_data
from intreccio.people.selectors import household_get_for_user, person_get_for_user
from intreccio.people.selectors_households import (
    PersonChoice,
    consent_get_for_user,
    consent_list_for_person,
    consent_recipient_choices,
    household_comune_choices,
    household_member_get_for_user,
    household_page_for_user,
    household_person_choices,
    household_person_get_for_user,
)
from intreccio.people.services import households as services
from intreccio.people.views import measures


def _actor(request: HttpRequest) -> Operator:
    user: Operator = request.user  # type: ignore[assignment]
    return user


def _organisation(request: HttpRequest) -> Organisation:
    organisation: Organisation = request.membership.structure.organisation  # type: ignore[attr-defined]
    return organisation


def _int_param(value: str | None) -> int | None:
    try:
        return int(value) if value else None
    except ValueError:
        return None


def _require_recording(request: HttpRequest) -> None:
    # Refused like a missing page: which households exist is itself personal data.
    if not can_record_household_data(request):
        raise Http404


def _person_page_url(person_pk: int) -> str:
    """The person page, once the persons' pages exist; "" until then."""
    try:
        return reverse("people:person_detail", args=[person_pk])
    except NoReverseMatch:
        return ""


def _household_url(pk: int) -> str:
    return reverse("people:household_detail", args=[pk])


# --- households -------------------------------------------------------------------------------


@login_required
def household_detail(request: HttpRequest, pk: int) -> HttpResponse:
    page = household_page_for_user(request=request, pk=pk)
    context = {"page": page, "household": page.household, "may_record": can_record_household_data(request)}
    context.update(measures.measures_panel_context(request=request, household=page.household))
    return render(request, "people/household_detail.html", context)


@login_required
def household_create(request: HttpRequest) -> HttpResponse:
    """A new household; from a person's page (``?person=<pk>``) that person becomes its reference person."""
    _require_recording(request)
    person_pk = _int_param(request.GET.get("person"))
    person = person_get_for_user(request=request, pk=person_pk, purpose="household_create") if person_pk else None
    organisation = _organisation(request)
    initial: dict[str, Any] = {}
    if person is not None:
        initial = {"name": person.last_name, "date_in": timezone.localdate()}
        if person.residence_comune_id and person.residence_comune is not None:
            initial.update(address=person.residence_address, comune=person.residence_comune_id)
    form = HouseholdForm(
        request.POST or None,
        initial=initial,
        comuni=household_comune_choices(organisation=organisation),
        with_reference=person is not None,
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        common = {"name": data["name"], "address": data["address"], "comune": data["comune"]}
        try:
            if person is not None:
                household = services.household_create_with_reference(
                    actor=_actor(request),
                    organisation=organisation,
                    person=person,
                    date_in=data["date_in"],
                    request=request,
                    **common,
                )
            else:
                household = services.household_create(
                    actor=_actor(request), organisation=organisation, request=request, **common
                )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Household created."))
            return HttpResponseRedirect(_household_url(household.pk))
    context = {"form": form, "person": person, "person_url": _person_page_url(person.pk) if person else ""}
    return render(request, "people/household_form.html", context)


@login_required
def household_member_add(request: HttpRequest, pk: int) -> HttpResponse:
    """Add a member: the person is found with the search box (htmx fragment) or arrives as ``?person=<pk>``."""
    _require_recording(request)
    household = household_get_for_user(request=request, pk=pk, purpose="household_member_add")
    query = request.GET.get("q", "").strip()[:100]
    choices: list[PersonChoice] = household_person_choices(request=request, text=query) if query else []
    if request.method == "GET" and getattr(request, "htmx", False):
        context = {"household": household, "choices": choices, "query": query, "chosen": None}
        return render(request, "people/_household_person_choices.html", context)
    chosen_pk = _int_param(request.POST.get("person") if request.method == "POST" else request.GET.get("person"))
    chosen = household_person_get_for_user(request=request, pk=chosen_pk)
    form = MemberAddForm(
        request.POST or None, initial={"person": chosen.pk if chosen else None, "date_in": timezone.localdate()}
    )
    if request.method == "POST" and form.is_valid():
        if chosen is None:
            form.add_error("person", _("Search for the person and choose them from the results."))
        else:
            try:
                services.household_member_add(
                    actor=_actor(request),
                    household=household,
                    person=chosen,
                    relationship=form.cleaned_data["relationship"],
                    date_in=form.cleaned_data["date_in"],
                    request=request,
                )
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, _("%(name)s added to the household.") % {"name": chosen})
                return HttpResponseRedirect(_household_url(household.pk))
    context = {"household": household, "form": form, "choices": choices, "query": query, "chosen": chosen}
    return render(request, "people/household_member_form.html", context)


@login_required
def household_member_leave(request: HttpRequest, pk: int, member_pk: int) -> HttpResponse:
    _require_recording(request)
    member = household_member_get_for_user(request=request, household_pk=pk, pk=member_pk)
    form = MemberLeaveForm(request.POST or None, initial={"date_out": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        try:
            services.household_member_leave(
                actor=_actor(request), member=member, date_out=form.cleaned_data["date_out"], request=request
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("The date of leaving was recorded."))
            return HttpResponseRedirect(_household_url(member.household_id))
    return render(
        request, "people/household_member_leave.html", {"member": member, "household": member.household, "form": form}
    )


@login_required
def isee_create(request: HttpRequest, pk: int) -> HttpResponse:
    _require_recording(request)
    household = household_get_for_user(request=request, pk=pk, purpose="isee_record")
    today = timezone.localdate()
    # An ordinary ISEE is valid until 31 December of the year it was issued.
    form = IseeForm(request.POST or None, initial={"valid_to": today.replace(month=12, day=31)})
    if request.method == "POST" and form.is_valid():
        try:
            services.isee_record(actor=_actor(request), household=household, request=request, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("ISEE declaration recorded."))
            return HttpResponseRedirect(_household_url(household.pk))
    return render(request, "people/isee_form.html", {"household": household, "form": form})


# --- consents ---------------------------------------------------------------------------------


def consents_panel_context(*, request: HttpRequest, person: Person, **extra: Any) -> dict[str, Any]:
    """What ``people/_consents_panel.html`` needs; the person page includes the panel with it."""
    return {
        "person": person,
        "consents": list(consent_list_for_person(person)),
        "may_record_consents": can_record_consent(request),
        "today": timezone.localdate(),
        **extra,
    }


@login_required
def consent_create(request: HttpRequest, person_pk: int) -> HttpResponse:
    if not can_record_consent(request):
        raise Http404
    person = person_get_for_user(request=request, pk=person_pk, section="consents", purpose="consent_record")
    form = ConsentForm(
        request.POST or None,
        initial={"given_on": timezone.localdate(), "given_by": str(person)},
        recipients=consent_recipient_choices(organisation=_organisation(request)),
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.consent_record(actor=_actor(request), person=person, request=request, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Consent recorded."))
            return HttpResponseRedirect(
                _person_page_url(person.pk) or reverse("people:consent_create", args=[person.pk])
            )
    context = consents_panel_context(request=request, person=person, form=form, person_url=_person_page_url(person.pk))
    return render(request, "people/consent_form.html", context)


@login_required
@require_POST
def consent_withdraw(request: HttpRequest, person_pk: int, pk: int) -> HttpResponse:
    """Withdraw a consent; htmx requests get the consents panel back in place, with any refusal in it."""
    if not can_record_consent(request):
        raise Http404
    consent = consent_get_for_user(request=request, person_pk=person_pk, pk=pk)
    form = ConsentWithdrawForm(request.POST)
    error = ""
    if form.is_valid():
        try:
            services.consent_withdraw(
                actor=_actor(request), consent=consent, withdrawn_on=form.cleaned_data["withdrawn_on"], request=request
            )
        except ValidationError as exc:
            error = " ".join(exc.messages)
    else:
        error = " ".join(str(message) for message in form.errors.get("withdrawn_on", []))
    if getattr(request, "htmx", False):
        context = consents_panel_context(
            request=request,
            person=consent.person,
            failed_pk=consent.pk if error else None,
            withdraw_error=error,
            withdraw_value=request.POST.get("withdrawn_on", ""),
            # Swapped into the consent form page, whose own form already records consents.
            hide_record_link=request.htmx.current_url_abs_path  # type: ignore[attr-defined]
            == reverse("people:consent_create", args=[consent.person_id]),
        )
        return render(request, "people/_consents_panel.html", context)
    if error:
        messages.error(request, error)
    else:
        messages.success(request, _("Consent withdrawn."))
    return HttpResponseRedirect(
        _person_page_url(consent.person_id) or reverse("people:consent_create", args=[consent.person_id])
    )


urlpatterns: list[URLPattern] = [
    path("nuclei/nuovo/", household_create, name="household_create"),
    path("nuclei/<int:pk>/", household_detail, name="household_detail"),
    path("nuclei/<int:pk>/membri/aggiungi/", household_member_add, name="household_member_add"),
    path("nuclei/<int:pk>/membri/<int:member_pk>/uscita/", household_member_leave, name="household_member_leave"),
    path("nuclei/<int:pk>/isee/nuovo/", isee_create, name="isee_create"),
    path("<int:person_pk>/consensi/nuovo/", consent_create, name="consent_create"),
    path("<int:person_pk>/consensi/<int:pk>/revoca/", consent_withdraw, name="consent_withdraw"),
]
