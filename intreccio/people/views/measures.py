"""Pages of a household's national income measures and of a person's legal representative.

Each view parses, authorises (the recording rule first, then a selector that answers 404 for
what the operator may not see), calls one service and renders. The two ``*_panel_context``
functions give the household and person pages what their panels need.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from intreccio.accounts.forms import add_service_errors
from intreccio.accounts.models import Operator
from intreccio.people.forms_measures import (
    IncomeSupportEndForm,
    IncomeSupportForm,
    LegalRepresentativeEndForm,
    LegalRepresentativeForm,
)
from intreccio.people.models import Household, IncomeSupport, IncomeSupportStatus, LegalRepresentative, Person
from intreccio.people.permissions_households import can_record_consent, can_record_household_data
from intreccio.people.selectors import household_get_for_user, person_get_for_user
from intreccio.people.selectors_measures import (
    economic_assistance_eligibility,
    household_on_income_measure,
    income_support_history,
    legal_representative_history,
    legal_representatives_current,
)
from intreccio.people.services import measures as services


def _actor(request: HttpRequest) -> Operator:
    user: Operator = request.user  # type: ignore[assignment]
    return user


def _household_url(pk: int) -> str:
    return reverse("people:household_detail", args=[pk])


def _person_url(pk: int) -> str:
    return reverse("people:person_detail", args=[pk])


# --- panels of the household and person pages --------------------------------------------------


def measures_panel_context(*, request: HttpRequest, household: Household) -> dict[str, Any]:
    """What ``people/_measures_panel.html`` needs, for a household the caller already fetched."""
    today = timezone.localdate()
    current = household_on_income_measure(household, on=today)
    return {
        "income_supports": income_support_history(household),
        "current_income_support_id": current.pk if current else None,
        "economic_assistance": economic_assistance_eligibility(household, on=today),
        "may_record_measures": can_record_household_data(request),
    }


def legal_rep_panel_context(*, request: HttpRequest, person: Person) -> dict[str, Any]:
    """What ``people/_legal_rep_panel.html`` needs, for a person the caller already fetched."""
    current = legal_representatives_current(person)
    return {
        "legal_representatives": legal_representative_history(person),
        "current_legal_representative_ids": frozenset(r.pk for r in current),
        "signing_representative": current[0] if current else None,
        "may_record_legal_rep": can_record_consent(request),
    }


# --- income measures ---------------------------------------------------------------------------


def _require_recording(request: HttpRequest) -> None:
    # Refused like a missing page: which households exist is itself personal data.
    if not can_record_household_data(request):
        raise Http404


def _support_for(request: HttpRequest, household_pk: int, pk: int) -> IncomeSupport:
    household = household_get_for_user(request=request, pk=household_pk, purpose="income_support_end")
    support = IncomeSupport.objects.filter(household=household, pk=pk).first()
    if support is None:
        raise Http404
    support.household = household
    return support


@login_required
def income_support_create(request: HttpRequest, pk: int) -> HttpResponse:
    _require_recording(request)
    household = household_get_for_user(request=request, pk=pk, purpose="income_support_record")
    form = IncomeSupportForm(
        request.POST or None, initial={"status": IncomeSupportStatus.GRANTED, "date_from": timezone.localdate()}
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.income_support_record(
                actor=_actor(request), household=household, request=request, **form.cleaned_data
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("National income measure recorded."))
            return HttpResponseRedirect(_household_url(household.pk))
    return render(request, "people/measure_form.html", {"household": household, "form": form})


@login_required
def income_support_end(request: HttpRequest, pk: int, support_pk: int) -> HttpResponse:
    _require_recording(request)
    support = _support_for(request, pk, support_pk)
    form = IncomeSupportEndForm(request.POST or None, initial={"date_to": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        try:
            services.income_support_end(actor=_actor(request), support=support, request=request, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("The end of the measure was recorded."))
            return HttpResponseRedirect(_household_url(support.household_id))
    context = {"household": support.household, "support": support, "form": form}
    return render(request, "people/measure_end.html", context)


# --- legal representatives ---------------------------------------------------------------------


def _require_rep_recording(request: HttpRequest) -> None:
    # The representative signs consents in the person's place: recorded by those who record consents.
    if not can_record_consent(request):
        raise Http404


@login_required
def legal_representative_create(request: HttpRequest, person_pk: int) -> HttpResponse:
    _require_rep_recording(request)
    person = person_get_for_user(
        request=request, pk=person_pk, section="legal_representative", purpose="legal_representative_record"
    )
    form = LegalRepresentativeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.legal_representative_record(
                actor=_actor(request), person=person, request=request, **form.cleaned_data
            )
        except ValidationError as exc:
            if hasattr(exc, "error_dict") and "fiscal_code" in exc.error_dict:
                # The service names the model field; the form calls it differently.
                exc.error_dict["fiscal_code_value"] = exc.error_dict.pop("fiscal_code")
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Legal representative recorded."))
            return HttpResponseRedirect(_person_url(person.pk))
    return render(request, "people/legal_rep_form.html", {"person": person, "form": form})


@login_required
def legal_representative_end(request: HttpRequest, person_pk: int, pk: int) -> HttpResponse:
    _require_rep_recording(request)
    person = person_get_for_user(
        request=request, pk=person_pk, section="legal_representative", purpose="legal_representative_end"
    )
    representative = LegalRepresentative.objects.filter(person=person, pk=pk).first()
    if representative is None:
        raise Http404
    form = LegalRepresentativeEndForm(request.POST or None, initial={"date_to": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        try:
            services.legal_representative_end(
                actor=_actor(request), representative=representative, request=request, **form.cleaned_data
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("The end of the appointment was recorded."))
            return HttpResponseRedirect(_person_url(person.pk))
    context = {"person": person, "representative": representative, "form": form}
    return render(request, "people/legal_rep_end.html", context)


urlpatterns: list[URLPattern] = [
    path("nuclei/<int:pk>/misure/nuova/", income_support_create, name="income_support_create"),
    path("nuclei/<int:pk>/misure/<int:support_pk>/fine/", income_support_end, name="income_support_end"),
    path("<int:person_pk>/rappresentante/nuovo/", legal_representative_create, name="legal_representative_create"),
    path("<int:person_pk>/rappresentante/<int:pk>/fine/", legal_representative_end, name="legal_representative_end"),
]
