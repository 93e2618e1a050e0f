"""The retention page (schedule, what a run today would do, legal holds, last runs) and the
pages that place and lift a legal hold.

Who may not see a page, or a hold, gets 404. Showing a hold shows the person or the case it
keeps: each such read is recorded; reading the job's runs is a read of the audit trail, recorded too.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from intreccio.accounts.models import Operator
from intreccio.audit.services import record_access, record_access_many
from intreccio.cases.models import Case
from intreccio.cases.permissions import coordination_ambito_ids
from intreccio.core import fiscal_code
from intreccio.core.privacy import AUDIT_MINIMUM_MONTHS, NO_CASE_RETENTION_MONTHS
from intreccio.people.models import Person
from intreccio.retention import permissions, selectors, services
from intreccio.retention.forms import HoldLiftForm, HoldPlaceForm
from intreccio.retention.models import LegalHold

PURPOSE = "retention: legal holds"


def _operator(request: HttpRequest) -> Operator:
    if not isinstance(request.user, Operator):
        raise Http404
    return request.user


def _record_holds(request: HttpRequest, holds: list[LegalHold]) -> None:
    shown: list[models.Model] = [hold.person for hold in holds if hold.person is not None]
    shown += [hold.case for hold in holds if hold.case is not None]
    if shown:
        record_access_many(actor=_operator(request), objs=shown, request=request, purpose=PURPOSE)


@login_required
@require_GET
@transaction.atomic
def overview(request: HttpRequest) -> HttpResponse:
    if not permissions.can_view(request):
        raise Http404
    active, lifted = selectors.visible_holds(request)
    _record_holds(request, active + lifted)
    runs = list(selectors.last_runs())
    record_access(
        actor=_operator(request),
        object_type="audit.domainevent",
        object_id=selectors.RUN_ACTION,
        purpose="retention: last runs",
        request=request,
    )
    context = {
        "schedule": selectors.schedule(),
        "forecast": selectors.forecast(request, timezone.localdate()),
        "active_holds": active,
        "lifted_holds": lifted,
        "runs": runs,
        "can_place": permissions.can_place_holds(request),
        "liftable": {hold.pk for hold in active if permissions.can_lift(request, hold)},
        "audit_minimum_months": AUDIT_MINIMUM_MONTHS,
        "no_case_months": NO_CASE_RETENTION_MONTHS,
    }
    return render(request, "retention/overview.html", context)


def _find_target(request: HttpRequest, kind: str, reference: str) -> Person | Case | None:
    """The case or person of the reader's ambiti the reference names; None when there is none
    (whether it exists elsewhere is not said)."""
    ambiti = coordination_ambito_ids(request)
    if kind == "case":
        return Case.objects.filter(number=reference.strip().upper(), ambito_id__in=ambiti).first()
    code = fiscal_code.normalise(reference)
    if not code:
        return None
    return Person.objects.filter(permissions.persons_of_ambiti_q(ambiti), fiscal_code=code).first()


@login_required
@require_http_methods(["GET", "POST"])
def hold_place(request: HttpRequest) -> HttpResponse:
    if not permissions.can_place_holds(request):
        raise Http404
    form = HoldPlaceForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        target = _find_target(request, data["target"], data["reference"])
        if target is None:
            form.add_error(
                "reference",
                _("No case with this number in your ambito.")
                if data["target"] == "case"
                else _("No person with this codice fiscale is known in your ambito."),
            )
        else:
            try:
                services.legal_hold_place(
                    actor=_operator(request),
                    reason=data["reason"],
                    person=target if isinstance(target, Person) else None,
                    case=target if isinstance(target, Case) else None,
                    request=request,
                )
            except ValidationError as exc:
                for field, errors in exc.message_dict.items():
                    for error in errors:
                        form.add_error("reason" if field == "reason" else "reference", error)
            else:
                messages.success(request, _("The legal hold is in place: nothing it covers will be erased or purged."))
                return HttpResponseRedirect(reverse("retention:overview"))
    return render(request, "retention/hold_place.html", {"form": form})


@login_required
@require_http_methods(["GET", "POST"])
def hold_lift(request: HttpRequest, pk: int) -> HttpResponse:
    hold = get_object_or_404(LegalHold.objects.select_related("person", "case"), pk=pk)
    if not permissions.can_lift(request, hold):
        raise Http404
    with transaction.atomic():
        _record_holds(request, [hold])
    form = HoldLiftForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.legal_hold_lift(
                hold=hold, actor=_operator(request), reason=form.cleaned_data["reason"], request=request
            )
        except ValidationError as exc:
            for error in exc.messages:
                form.add_error("reason", error)
        else:
            messages.success(request, _("The legal hold is lifted: from the next run the schedule applies again."))
            return HttpResponseRedirect(reverse("retention:overview"))
    return render(request, "retention/hold_lift.html", {"form": form, "hold": hold})
