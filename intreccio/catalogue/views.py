"""Pages of the services catalogue and the assistance packages.

Each view parses, authorises (missing, forbidden and other ambiti's objects are all 404), makes
one domain call and renders. Reading the catalogue writes no AccessEvent: it holds no personal
data.
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
from django.views.decorators.http import require_GET, require_POST

from intreccio.accounts.forms import add_service_errors
from intreccio.accounts.models import Operator
from intreccio.catalogue import selectors, services
from intreccio.catalogue.forms import ApproveForm, PackageForm, PackageItemForm, ServiceFilterForm, ServiceForm
from intreccio.catalogue.models import AssistancePackage, PackageStatus, Service
from intreccio.catalogue.permissions import can_manage_catalogue, catalogue_ambito_id

PAGE_SIZE = 50


def _actor(request: HttpRequest) -> Operator:
    user: Operator = request.user  # type: ignore[assignment]
    return user


def _reader_ambito(request: HttpRequest) -> int:
    ambito_id = catalogue_ambito_id(request)
    if ambito_id is None:
        raise Http404
    return ambito_id


def _manager_ambito(request: HttpRequest) -> int:
    ambito_id = _reader_ambito(request)
    if not can_manage_catalogue(request):
        raise Http404
    return ambito_id


def _ambito(request: HttpRequest) -> Any:
    return request.membership.structure.organisation.ambito  # type: ignore[attr-defined]


def _flash_refusal(request: HttpRequest, error: ValidationError) -> None:
    for message in error.messages:
        messages.error(request, message)


def _detail_url(package: AssistancePackage) -> str:
    return reverse("catalogue:package_detail", args=[package.pk])


# --- services -------------------------------------------------------------------------------


@login_required
@require_GET
def service_list(request: HttpRequest) -> HttpResponse:
    ambito_id = _reader_ambito(request)
    form = ServiceFilterForm(request.GET or None)
    filters = selectors.ServiceFilters()
    if form.is_valid():
        status = form.cleaned_data["status"] or "active"
        filters = selectors.ServiceFilters(
            q=form.cleaned_data["q"].strip(), area=form.cleaned_data["area"], status="" if status == "all" else status
        )
    page = Paginator(selectors.service_list(ambito_id=ambito_id, filters=filters), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    context = {"form": form, "page": page, "can_manage": can_manage_catalogue(request), "section": "services"}
    return render(request, "catalogue/service_list.html", context)


@login_required
def service_create(request: HttpRequest) -> HttpResponse:
    ambito_id = _manager_ambito(request)
    form = ServiceForm(request.POST or None, providers=selectors.provider_choices(ambito_id=ambito_id))
    if request.method == "POST" and form.is_valid():
        try:
            service = services.service_create(
                actor=_actor(request), ambito=_ambito(request), data=form.data_for_service(), request=request
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Service “%(name)s” added to the catalogue.") % {"name": service.name})
            return HttpResponseRedirect(reverse("catalogue:service_list"))
    return render(request, "catalogue/service_form.html", {"form": form, "service": None, "section": "services"})


@login_required
def service_update(request: HttpRequest, pk: int) -> HttpResponse:
    """Edit a catalogue entry; the same page deactivates or reactivates it."""
    ambito_id = _manager_ambito(request)
    service: Service = selectors.service_get(ambito_id=ambito_id, pk=pk)
    providers = selectors.provider_choices(ambito_id=ambito_id)
    if request.method == "POST" and ("deactivate" in request.POST or "reactivate" in request.POST):
        change = services.service_deactivate if "deactivate" in request.POST else services.service_reactivate
        try:
            change(actor=_actor(request), service=service, request=request)
        except ValidationError as exc:
            _flash_refusal(request, exc)
        else:
            done = _("Service deactivated.") if "deactivate" in request.POST else _("Service active again.")
            messages.success(request, done)
        return HttpResponseRedirect(reverse("catalogue:service_update", args=[service.pk]))
    form = ServiceForm(request.POST or None, providers=providers, initial=ServiceForm.initial_for(service))
    if request.method == "POST" and form.is_valid():
        try:
            services.service_update(
                actor=_actor(request), service=service, data=form.data_for_service(), request=request
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Service saved."))
            return HttpResponseRedirect(reverse("catalogue:service_list"))
    return render(request, "catalogue/service_form.html", {"form": form, "service": service, "section": "services"})


# --- packages -------------------------------------------------------------------------------


@login_required
@require_GET
def package_list(request: HttpRequest) -> HttpResponse:
    ambito_id = _reader_ambito(request)
    status = request.GET.get("status", "")
    if status not in PackageStatus.values:
        status = ""
    counts = selectors.package_status_counts(ambito_id=ambito_id)
    tabs = [
        {
            "label": label,
            "count": counts.get(value, 0) if value else sum(counts.values()),
            "url": "?" + urlencode({"status": value}) if value else "?",
            "active": value == status,
        }
        for value, label in [("", _("All")), *PackageStatus.choices]
    ]
    context = {
        "packages": selectors.package_list(ambito_id=ambito_id, status=status),
        "grid": selectors.package_profile_grid(ambito_id=ambito_id),
        "tabs": tabs,
        "can_manage": can_manage_catalogue(request),
        "section": "packages",
    }
    return render(request, "catalogue/package_list.html", context)


def _detail_context(
    request: HttpRequest, package: AssistancePackage, item_form: PackageItemForm | None = None
) -> dict[str, Any]:
    manage = can_manage_catalogue(request)
    if manage and package.is_draft and item_form is None:
        item_form = PackageItemForm(
            services=selectors.service_choices(ambito_id=package.ambito_id, exclude_package=package)
        )
    return {
        "package": package,
        "items": list(package.items.all()),
        "cost": selectors.package_standard_cost(package=package),
        "versions": selectors.package_versions(package=package),
        "can_manage": manage,
        "item_form": item_form,
        "section": "packages",
    }


@login_required
@require_GET
def package_detail(request: HttpRequest, pk: int) -> HttpResponse:
    package = selectors.package_get(ambito_id=_reader_ambito(request), pk=pk)
    return render(request, "catalogue/package_detail.html", _detail_context(request, package))


@login_required
def package_create(request: HttpRequest) -> HttpResponse:
    _manager_ambito(request)
    form = PackageForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            package = services.package_create(
                actor=_actor(request),
                ambito=_ambito(request),
                code=form.cleaned_data["code"],
                data=form.data_for_package(),
                request=request,
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Draft package created: now add its services."))
            return HttpResponseRedirect(_detail_url(package))
    return render(request, "catalogue/package_form.html", {"form": form, "package": None, "section": "packages"})


@login_required
def package_update(request: HttpRequest, pk: int) -> HttpResponse:
    package = selectors.package_get(ambito_id=_manager_ambito(request), pk=pk)
    if not package.is_draft:
        messages.info(request, _("Approved and retired versions are not edited: create a new version to change them."))
        return HttpResponseRedirect(_detail_url(package))
    initial = {
        name: getattr(package, name)
        for name in ("name", "employability", "care_load", "intensity", "budget_min", "budget_max", "notes")
    }
    form = PackageForm(request.POST or None, initial=initial, with_code=False)
    if request.method == "POST" and form.is_valid():
        try:
            services.package_update(
                actor=_actor(request), package=package, data=form.data_for_package(), request=request
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Package saved."))
            return HttpResponseRedirect(_detail_url(package))
    return render(request, "catalogue/package_form.html", {"form": form, "package": package, "section": "packages"})


@login_required
def package_item_add(request: HttpRequest, pk: int) -> HttpResponse:
    package = selectors.package_get(ambito_id=_manager_ambito(request), pk=pk)
    if not package.is_draft:
        messages.info(request, _("Approved and retired versions are not edited: create a new version to change them."))
        return HttpResponseRedirect(_detail_url(package))
    choices = selectors.service_choices(ambito_id=package.ambito_id, exclude_package=package)
    form = PackageItemForm(request.POST or None, services=choices)
    if request.method == "POST" and form.is_valid():
        try:
            item = services.package_item_add(
                actor=_actor(request),
                package=package,
                service=form.cleaned_data["service"],
                quantity=form.cleaned_data["quantity"],
                basis=form.cleaned_data["basis"],
                is_mandatory=form.cleaned_data["is_mandatory"],
                request=request,
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("“%(name)s” added to the package.") % {"name": item.service.name})
            return HttpResponseRedirect(_detail_url(package) + "#items")
    return render(
        request, "catalogue/package_item_form.html", {"form": form, "package": package, "section": "packages"}
    )


@login_required
@require_POST
def package_item_remove(request: HttpRequest, pk: int, item_pk: int) -> HttpResponse:
    package = selectors.package_get(ambito_id=_manager_ambito(request), pk=pk)
    item = selectors.package_item_get(package=package, pk=item_pk)
    try:
        services.package_item_remove(actor=_actor(request), item=item, request=request)
    except ValidationError as exc:
        _flash_refusal(request, exc)
    else:
        messages.success(request, _("“%(name)s” removed from the package.") % {"name": item.service.name})
    return HttpResponseRedirect(_detail_url(package) + "#items")


@login_required
def package_approve(request: HttpRequest, pk: int) -> HttpResponse:
    package = selectors.package_get(ambito_id=_manager_ambito(request), pk=pk)
    if not package.is_draft:
        messages.info(request, _("Only a draft can be approved."))
        return HttpResponseRedirect(_detail_url(package))
    form = ApproveForm(request.POST or None, initial={"approved_on": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        try:
            services.package_approve(
                actor=_actor(request),
                package=package,
                approved_by=form.cleaned_data["approved_by"],
                approved_on=form.cleaned_data["approved_on"],
                request=request,
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Package approved: projects for this need are now validated against it."))
            return HttpResponseRedirect(_detail_url(package))
    context = {
        "form": form,
        "package": package,
        "items": list(package.items.all()),
        "cost": selectors.package_standard_cost(package=package),
        "section": "packages",
    }
    return render(request, "catalogue/package_approve.html", context)


@login_required
@require_POST
def package_retire(request: HttpRequest, pk: int) -> HttpResponse:
    package = selectors.package_get(ambito_id=_manager_ambito(request), pk=pk)
    try:
        services.package_retire(actor=_actor(request), package=package, request=request)
    except ValidationError as exc:
        _flash_refusal(request, exc)
    else:
        messages.success(request, _("Package retired: it is kept in the history of the projects validated against it."))
    return HttpResponseRedirect(_detail_url(package))


@login_required
@require_POST
def package_new_version(request: HttpRequest, pk: int) -> HttpResponse:
    package = selectors.package_get(ambito_id=_manager_ambito(request), pk=pk)
    try:
        draft = services.package_new_version(actor=_actor(request), package=package, request=request)
    except ValidationError as exc:
        _flash_refusal(request, exc)
        return HttpResponseRedirect(_detail_url(package))
    messages.success(
        request,
        _("Version %(version)s drafted from version %(from)s: change it, then have it approved.")
        % {"version": draft.version, "from": package.version},
    )
    return HttpResponseRedirect(_detail_url(draft))
