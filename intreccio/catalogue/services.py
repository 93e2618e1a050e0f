"""Writes to the catalogue and the assistance packages.

Each service checks everything first and raises one ``ValidationError`` keyed by field (state
refusals under ``__all__``), so a form shows every problem at once and nothing is half-saved;
then it writes and records its DomainEvent in the same transaction. Packages move draft →
approved → retired; an approved version is never edited: ``package_new_version`` drafts the
next one, and approving that retires the previous one on the same day.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import transaction
from django.db.models import Max
from django.http import HttpRequest
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from intreccio.accounts.models import Operator, Organisation
from intreccio.audit.services import record_event
from intreccio.catalogue.models import (
    AssistancePackage,
    CareLoad,
    Employability,
    Intensity,
    PackageItem,
    PackageStatus,
    QuantityBasis,
    Service,
    ServiceArea,
    ServiceUnit,
)
from intreccio.core.templatetags.money import euro as _euro
from intreccio.people.services.common import Errors, clean_text
from intreccio.territory.models import Ambito

CODE_RE = re.compile(r"^[A-Z0-9][A-Z0-9._-]{0,19}$")
NAME_MAX = 200
APPROVED_BY_MAX = 200
# The largest amounts the columns hold (10 and 8 digits, 2 decimals).
AMOUNT_MAX = Decimal("99999999.99")
QUANTITY_MAX = Decimal("999999.99")


@dataclass(frozen=True)
class ServiceData:
    code: str
    name: str
    area: str
    unit: str
    unit_cost: Decimal | None
    description: str = ""
    is_work_path: bool = False
    is_economic_assistance: bool = False
    providers: list[Organisation] = field(default_factory=list)


@dataclass(frozen=True)
class PackageData:
    name: str
    employability: str
    care_load: str
    intensity: str
    budget_min: Decimal | None
    budget_max: Decimal | None
    notes: str = ""


def _day(value: datetime.date | None) -> str:
    return formats.date_format(value, "SHORT_DATE_FORMAT") if value else ""


def _refuse(message: str, code: str) -> ValidationError:
    """A refusal about the object's state rather than one field."""
    return ValidationError({NON_FIELD_ERRORS: [ValidationError(message, code=code)]})


def _clean_code(raw: str, errors: Errors) -> str:
    code = clean_text(raw).upper()
    if not code:
        errors.add("code", _("Enter a short code, e.g. SAD or PUC-01."))
    elif not CODE_RE.match(code):
        errors.add(
            "code", _("Use up to 20 letters, digits, dots, dashes or underscores, starting with a letter or digit.")
        )
    return code


def _clean_name(raw: str, errors: Errors) -> str:
    name = clean_text(raw)
    if not name:
        errors.add("name", _("Enter the name."))
    elif len(name) > NAME_MAX:
        errors.add("name", _("Write at most %(n)s characters.") % {"n": NAME_MAX})
    return name


def _check_amount(value: Decimal | None, field_name: str, errors: Errors, *, what: str) -> None:
    if value is None:
        errors.add(field_name, _("Enter the %(what)s in euro, e.g. 1.250,00.") % {"what": what})
    elif value < 0:
        errors.add(field_name, _("The %(what)s cannot be negative.") % {"what": what})
    elif value > AMOUNT_MAX:
        errors.add(field_name, _("The %(what)s is too large: check the figure.") % {"what": what})
    elif value != value.quantize(Decimal("0.01")):
        errors.add(field_name, _("Use at most two decimals (cents)."))


def _approved_packages_using(service: Service) -> list[AssistancePackage]:
    return list(
        AssistancePackage.objects.filter(status=PackageStatus.APPROVED, items__service=service).order_by("code")
    )


def _package_names(packages: list[AssistancePackage]) -> str:
    return ", ".join(f"{p.code} v{p.version}" for p in packages)


def _clean_service(
    data: ServiceData, *, ambito: Ambito, errors: Errors, existing: Service | None = None
) -> dict[str, Any]:
    code = _clean_code(data.code, errors)
    if code and CODE_RE.match(code):
        others = Service.objects.filter(ambito=ambito, code=code)
        if existing is not None:
            others = others.exclude(pk=existing.pk)
        clash = others.first()
        if clash is not None:
            errors.add(
                "code", _("The code %(code)s is already used by “%(name)s”.") % {"code": code, "name": clash.name}
            )
    name = _clean_name(data.name, errors)
    if data.area not in ServiceArea.values:
        errors.add("area", _("Choose the area from the list."))
    if data.unit not in ServiceUnit.values:
        errors.add("unit", _("Choose the unit from the list."))
    elif existing is not None and data.unit != existing.unit:
        # Package quantities are counted in the old unit: "10 hours a month" must not become 10 days.
        in_use = _approved_packages_using(existing)
        if in_use:
            errors.add(
                "unit",
                _(
                    "The unit cannot change while approved packages count this service in it (%(packages)s): "
                    "create a new service, or new versions of those packages."
                )
                % {"packages": _package_names(in_use)},
            )
    _check_amount(data.unit_cost, "unit_cost", errors, what=_("unit cost"))
    foreign = [org for org in data.providers if org.ambito_id != ambito.pk or not org.is_active]
    if foreign:
        errors.add("providers", _("Choose providers among the active organisations of the ambito."))
    return {
        "code": code,
        "name": name,
        "area": data.area,
        "unit": data.unit,
        "unit_cost": data.unit_cost,
        "description": (data.description or "").strip(),
        "is_work_path": data.is_work_path,
        "is_economic_assistance": data.is_economic_assistance,
    }


@transaction.atomic
def service_create(
    *, actor: Operator, ambito: Ambito, data: ServiceData, request: HttpRequest | None = None
) -> Service:
    """Add a service to the ambito's catalogue."""
    errors = Errors()
    clean = _clean_service(data, ambito=ambito, errors=errors)
    errors.raise_any()
    service = Service.objects.create(ambito=ambito, **clean)
    service.providers.set(data.providers)
    record_event(
        action="catalogue.service.created",
        actor=actor,
        target=service,
        payload={"code": service.code, "area": service.area, "unit": service.unit, "unit_cost": str(service.unit_cost)},
        request=request,
    )
    return service


@transaction.atomic
def service_update(
    *, actor: Operator, service: Service, data: ServiceData, request: HttpRequest | None = None
) -> Service:
    """Correct a catalogue entry. Packages keep their quantities; their cost estimates follow the new unit cost."""
    locked = Service.objects.select_for_update().get(pk=service.pk)
    errors = Errors()
    clean = _clean_service(data, ambito=locked.ambito, errors=errors, existing=locked)
    errors.raise_any()
    changed = sorted(name for name, value in clean.items() if getattr(locked, name) != value)
    old_providers = set(locked.providers.values_list("pk", flat=True))
    if old_providers != {org.pk for org in data.providers}:
        changed.append("providers")
    for name, value in clean.items():
        setattr(locked, name, value)
    locked.save()
    locked.providers.set(data.providers)
    record_event(
        action="catalogue.service.updated",
        actor=actor,
        target=locked,
        payload={"code": locked.code, "fields": changed},
        request=request,
    )
    return locked


@transaction.atomic
def service_deactivate(*, actor: Operator, service: Service, request: HttpRequest | None = None) -> Service:
    """Take a service out of the offer; it stays in the history of the projects that used it."""
    locked = Service.objects.select_for_update().get(pk=service.pk)
    if not locked.is_active:
        raise _refuse(_("This service is already inactive."), "already_inactive")
    in_use = _approved_packages_using(locked)
    if in_use:
        raise _refuse(
            _(
                "This service is in approved packages (%(packages)s): retire them or approve new versions "
                "without it first."
            )
            % {"packages": _package_names(in_use)},
            "in_approved_package",
        )
    locked.is_active = False
    locked.save(update_fields=["is_active", "updated_at"])
    record_event(
        action="catalogue.service.deactivated",
        actor=actor,
        target=locked,
        payload={"code": locked.code},
        request=request,
    )
    return locked


@transaction.atomic
def service_reactivate(*, actor: Operator, service: Service, request: HttpRequest | None = None) -> Service:
    locked = Service.objects.select_for_update().get(pk=service.pk)
    if locked.is_active:
        raise _refuse(_("This service is already active."), "already_active")
    locked.is_active = True
    locked.save(update_fields=["is_active", "updated_at"])
    record_event(
        action="catalogue.service.reactivated",
        actor=actor,
        target=locked,
        payload={"code": locked.code},
        request=request,
    )
    return locked


# --- packages ---------------------------------------------------------------------------------


def _lock_package(package: AssistancePackage) -> AssistancePackage:
    """The package as it is now, locked: two officers approving at once must not both succeed."""
    return AssistancePackage.objects.select_for_update().get(pk=package.pk)


def _require_draft(package: AssistancePackage, doing: str) -> None:
    if package.status == PackageStatus.APPROVED:
        raise _refuse(
            _(
                "Version %(version)s of %(code)s was approved on %(date)s and cannot be %(doing)s: "
                "create a new version to change it."
            )
            % {"version": package.version, "code": package.code, "date": _day(package.approved_on), "doing": doing},
            "approved",
        )
    if package.status == PackageStatus.RETIRED:
        raise _refuse(
            _("Version %(version)s of %(code)s was retired on %(date)s and cannot be %(doing)s.")
            % {"version": package.version, "code": package.code, "date": _day(package.retired_on), "doing": doing},
            "retired",
        )


def _work_path_items(package: AssistancePackage) -> list[PackageItem]:
    return list(package.items.filter(service__is_work_path=True).select_related("service"))


def _clean_package(data: PackageData, errors: Errors, *, package: AssistancePackage | None = None) -> dict[str, Any]:
    name = _clean_name(data.name, errors)
    if data.employability not in Employability.values:
        errors.add("employability", _("Choose the employability the package is for."))
    if data.care_load not in CareLoad.values:
        errors.add("care_load", _("Choose the care load the package is for."))
    if data.intensity not in Intensity.values:
        errors.add("intensity", _("Choose the intensity of the package."))
    _check_amount(data.budget_min, "budget_min", errors, what=_("minimum budget"))
    _check_amount(data.budget_max, "budget_max", errors, what=_("maximum budget"))
    if (
        data.budget_min is not None
        and data.budget_max is not None
        and data.budget_min >= 0
        and data.budget_max < data.budget_min
    ):
        errors.add("budget_max", _("The maximum budget is lower than the minimum: check the two figures."))
    if package is not None and data.employability == Employability.NONE:
        work_items = _work_path_items(package)
        if work_items:
            errors.add(
                "employability",
                _("Without a work path the package cannot keep work-path services: remove %(services)s first.")
                % {"services": ", ".join(item.service.name for item in work_items)},
            )
    return {
        "name": name,
        "employability": data.employability,
        "care_load": data.care_load,
        "intensity": data.intensity,
        "budget_min": data.budget_min,
        "budget_max": data.budget_max,
        "notes": (data.notes or "").strip(),
    }


@transaction.atomic
def package_create(
    *, actor: Operator, ambito: Ambito, code: str, data: PackageData, request: HttpRequest | None = None
) -> AssistancePackage:
    """Draft version 1 of a new package."""
    errors = Errors()
    clean_code = _clean_code(code, errors)
    if clean_code and AssistancePackage.objects.filter(ambito=ambito, code=clean_code).exists():
        errors.add(
            "code",
            _("A package with code %(code)s exists already: open it and create a new version instead.")
            % {"code": clean_code},
        )
    clean = _clean_package(data, errors)
    errors.raise_any()
    package = AssistancePackage.objects.create(ambito=ambito, code=clean_code, version=1, **clean)
    record_event(
        action="catalogue.package.created",
        actor=actor,
        target=package,
        payload={"code": package.code, "version": package.version},
        request=request,
    )
    return package


@transaction.atomic
def package_update(
    *, actor: Operator, package: AssistancePackage, data: PackageData, request: HttpRequest | None = None
) -> AssistancePackage:
    """Change a draft; approved and retired versions are refused."""
    locked = _lock_package(package)
    _require_draft(locked, _("edited"))
    errors = Errors()
    clean = _clean_package(data, errors, package=locked)
    errors.raise_any()
    changed = sorted(name for name, value in clean.items() if getattr(locked, name) != value)
    for name, value in clean.items():
        setattr(locked, name, value)
    locked.save()
    record_event(
        action="catalogue.package.updated",
        actor=actor,
        target=locked,
        payload={"code": locked.code, "version": locked.version, "fields": changed},
        request=request,
    )
    return locked


@transaction.atomic
def package_item_add(
    *,
    actor: Operator,
    package: AssistancePackage,
    service: Service | None,
    quantity: Decimal | None,
    basis: str,
    is_mandatory: bool,
    request: HttpRequest | None = None,
) -> PackageItem:
    """Put a catalogue service in a draft package with its standard quantity."""
    locked = _lock_package(package)
    _require_draft(locked, _("changed"))
    errors = Errors()
    if service is None:
        errors.add("service", _("Choose a service from the catalogue."))
    elif service.ambito_id != locked.ambito_id:
        errors.add("service", _("Choose a service from this ambito's catalogue."))
    elif not service.is_active:
        errors.add("service", _("“%(name)s” is no longer active: choose an active service.") % {"name": service.name})
    elif locked.items.filter(service=service).exists():
        errors.add(
            "service",
            _("“%(name)s” is already in the package: remove it first to change its quantity.") % {"name": service.name},
        )
    elif service.is_work_path and locked.employability == Employability.NONE:
        errors.add(
            "service",
            _("“%(name)s” is part of a work path; this package is for people without one.") % {"name": service.name},
        )
    if quantity is None:
        errors.add("quantity", _("Enter the standard quantity, e.g. 4 or 2,5."))
    elif quantity <= 0:
        errors.add("quantity", _("The quantity must be more than zero."))
    elif quantity > QUANTITY_MAX:
        errors.add("quantity", _("The quantity is too large: check the figure."))
    elif quantity != quantity.quantize(Decimal("0.01")):
        errors.add("quantity", _("Use at most two decimals."))
    if basis not in QuantityBasis.values:
        errors.add("basis", _("Say whether the quantity is per month or in total."))
    errors.raise_any()
    assert service is not None and quantity is not None  # the refusals above cover None
    item = PackageItem.objects.create(
        package=locked, service=service, quantity=quantity, basis=basis, is_mandatory=is_mandatory
    )
    record_event(
        action="catalogue.package.item_added",
        actor=actor,
        target=locked,
        payload={
            "code": locked.code,
            "version": locked.version,
            "service": service.code,
            "quantity": str(quantity),
            "basis": basis,
            "mandatory": is_mandatory,
        },
        request=request,
    )
    return item


@transaction.atomic
def package_item_remove(*, actor: Operator, item: PackageItem, request: HttpRequest | None = None) -> None:
    """Take a service out of a draft package."""
    locked = _lock_package(item.package)
    _require_draft(locked, _("changed"))
    service_code = item.service.code
    PackageItem.objects.filter(pk=item.pk, package=locked).delete()
    record_event(
        action="catalogue.package.item_removed",
        actor=actor,
        target=locked,
        payload={"code": locked.code, "version": locked.version, "service": service_code},
        request=request,
    )


@transaction.atomic
def package_approve(
    *,
    actor: Operator,
    package: AssistancePackage,
    approved_by: str,
    approved_on: datetime.date | None,
    request: HttpRequest | None = None,
) -> AssistancePackage:
    """Record the Cabina di regia's approval of a draft; the version approved before it is retired."""
    locked = _lock_package(package)
    _require_draft(locked, _("approved again"))
    errors = Errors()
    body = clean_text(approved_by)
    if not body:
        errors.add("approved_by", _("Name the body and its act, e.g. “Cabina di regia – verbale n. 3”."))
    elif len(body) > APPROVED_BY_MAX:
        errors.add("approved_by", _("Write at most %(n)s characters.") % {"n": APPROVED_BY_MAX})
    previous = (
        AssistancePackage.objects.select_for_update()
        .filter(ambito_id=locked.ambito_id, code=locked.code, status=PackageStatus.APPROVED)
        .first()
    )
    if approved_on is None:
        errors.add("approved_on", _("Enter the date of the approval, as dd/mm/yyyy."))
    elif approved_on > timezone.localdate():
        errors.add("approved_on", _("The approval date is in the future: record the approval once it is given."))
    elif previous is not None and previous.approved_on is not None and approved_on < previous.approved_on:
        errors.add(
            "approved_on",
            _("Version %(version)s was approved on %(date)s: the new version cannot be approved before it.")
            % {"version": previous.version, "date": _day(previous.approved_on)},
        )
    items = list(locked.items.select_related("service"))
    if not items:
        errors.add(NON_FIELD_ERRORS, _("Add the package's services before approving it."))
    elif not any(item.is_mandatory for item in items):
        errors.add(NON_FIELD_ERRORS, _("At least one service of the package must be mandatory."))
    inactive = [item.service.name for item in items if not item.service.is_active]
    if inactive:
        errors.add(
            NON_FIELD_ERRORS,
            _("These services are no longer active: %(services)s. Remove them first.")
            % {"services": ", ".join(inactive)},
        )
    if locked.employability == Employability.NONE:
        work = [item.service.name for item in items if item.service.is_work_path]
        if work:
            errors.add(
                NON_FIELD_ERRORS,
                _("A package without a work path cannot include work-path services: %(services)s.")
                % {"services": ", ".join(work)},
            )
    mandatory_cost = sum((item.yearly_cost() for item in items if item.is_mandatory), Decimal("0"))
    if mandatory_cost > locked.budget_max:
        errors.add(
            NON_FIELD_ERRORS,
            _(
                "The mandatory services alone cost %(cost)s a year at catalogue prices, more than the maximum "
                "budget of %(max)s: raise the budget or reduce the quantities."
            )
            % {"cost": _euro(mandatory_cost), "max": _euro(locked.budget_max)},
        )
    holder = (
        AssistancePackage.objects.filter(
            ambito_id=locked.ambito_id,
            employability=locked.employability,
            care_load=locked.care_load,
            status=PackageStatus.APPROVED,
        )
        .exclude(code=locked.code)
        .first()
    )
    if holder is not None:
        errors.add(
            NON_FIELD_ERRORS,
            _(
                "The approved package %(code)s v%(version)s (“%(name)s”) is already the one for %(profile)s: "
                "retire it first, so that equal needs get one offer."
            )
            % {"code": holder.code, "version": holder.version, "name": holder.name, "profile": locked.profile_label()},
        )
    errors.raise_any()
    assert approved_on is not None  # refused above otherwise
    if previous is not None:
        # Retired first: the database allows one approved version per code at any moment.
        previous.status = PackageStatus.RETIRED
        previous.retired_on = approved_on
        previous.save(update_fields=["status", "retired_on", "updated_at"])
        record_event(
            action="catalogue.package.retired",
            actor=actor,
            target=previous,
            payload={"code": previous.code, "version": previous.version, "replaced_by": locked.version},
            request=request,
        )
    locked.status = PackageStatus.APPROVED
    locked.approved_by = body
    locked.approved_on = approved_on
    locked.save(update_fields=["status", "approved_by", "approved_on", "updated_at"])
    record_event(
        action="catalogue.package.approved",
        actor=actor,
        target=locked,
        payload={
            "code": locked.code,
            "version": locked.version,
            "approved_by": body,
            "approved_on": approved_on.isoformat(),
            "items": len(items),
        },
        request=request,
    )
    return locked


@transaction.atomic
def package_retire(
    *,
    actor: Operator,
    package: AssistancePackage,
    retired_on: datetime.date | None = None,
    request: HttpRequest | None = None,
) -> AssistancePackage:
    """Withdraw an approved package: projects can no longer be validated against it."""
    locked = _lock_package(package)
    if locked.status != PackageStatus.APPROVED:
        if locked.status == PackageStatus.RETIRED:
            raise _refuse(
                _("This version was already retired on %(date)s.") % {"date": _day(locked.retired_on)}, "retired"
            )
        raise _refuse(_("A draft is not in use, so it cannot be retired."), "draft")
    day = retired_on or timezone.localdate()
    assert locked.approved_on is not None  # approved versions carry their date (a database constraint)
    if day < locked.approved_on:
        raise ValidationError(
            {
                "retired_on": _("The package was approved on %(date)s: it cannot be retired before.")
                % {"date": _day(locked.approved_on)}
            }
        )
    locked.status = PackageStatus.RETIRED
    locked.retired_on = day
    locked.save(update_fields=["status", "retired_on", "updated_at"])
    record_event(
        action="catalogue.package.retired",
        actor=actor,
        target=locked,
        payload={"code": locked.code, "version": locked.version},
        request=request,
    )
    return locked


@transaction.atomic
def package_new_version(
    *, actor: Operator, package: AssistancePackage, request: HttpRequest | None = None
) -> AssistancePackage:
    """Draft the next version of a package from this one, items included; the original stays as it is."""
    locked = _lock_package(package)
    if locked.is_draft:
        raise _refuse(_("This version is still a draft: change it directly."), "draft")
    siblings = AssistancePackage.objects.select_for_update().filter(ambito_id=locked.ambito_id, code=locked.code)
    draft = siblings.filter(status=PackageStatus.DRAFT).first()
    if draft is not None:
        raise _refuse(
            _("Version %(version)s of %(code)s is already being drafted: continue with that one.")
            % {"version": draft.version, "code": draft.code},
            "draft_exists",
        )
    latest = siblings.aggregate(latest=Max("version"))["latest"] or locked.version
    new = AssistancePackage.objects.create(
        ambito_id=locked.ambito_id,
        code=locked.code,
        version=latest + 1,
        name=locked.name,
        employability=locked.employability,
        care_load=locked.care_load,
        intensity=locked.intensity,
        budget_min=locked.budget_min,
        budget_max=locked.budget_max,
        notes=locked.notes,
    )
    PackageItem.objects.bulk_create(
        PackageItem(
            package=new,
            service_id=item.service_id,
            quantity=item.quantity,
            basis=item.basis,
            is_mandatory=item.is_mandatory,
        )
        for item in locked.items.all()
    )
    record_event(
        action="catalogue.package.version_created",
        actor=actor,
        target=new,
        payload={"code": new.code, "version": new.version, "from_version": locked.version},
        request=request,
    )
    return new
