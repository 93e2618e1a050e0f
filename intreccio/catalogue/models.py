"""The services catalogue of an ambito and the assistance packages (pacchetti assistenziali).

The catalogue lists what the network can deliver, with a unit and a standard unit cost. An
assistance package is the Cabina di regia's standard answer to one type and intensity of need
(seed 001:79): which services, how much of each, and the yearly budget range. The coordination
group validates each personalised project against its package, so that equal need gets an
equal offer (001:107).

The type of need has two axes, as the employability profile and the assessment give them:
employability (high, medium, low, or no work path at all, 002:14) and care load (low, high, or
any when the package does not depend on it). One profile has at most one approved package per
ambito, so "which package fits this person" always has one answer. Approved versions are never
edited: a change is a new draft version, and approving it retires the previous one.
"""

from __future__ import annotations

from decimal import Decimal

from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from intreccio.accounts.models import Organisation
from intreccio.core.models import TimeStampedModel
from intreccio.core.privacy import Category, P, Purpose
from intreccio.territory.models import Ambito

# The catalogue holds no personal data: it is how the service runs.
OPS = P(Category.NONE, Purpose.OPERATIONS)
TECH = P(Category.TECHNICAL, Purpose.SECURITY)
MONTHS_PER_YEAR = 12


class ServiceArea(models.TextChoices):
    POVERTY = "poverty", _("Poverty and social inclusion")
    WORK = "work", _("Work")
    HOUSING = "housing", _("Housing")
    DISABILITY = "disability", _("Disability")
    ELDERLY = "elderly", _("Elderly people")
    MINORS_FAMILY = "minors_family", _("Minors and family")
    YOUNG = "young", _("Young people")
    VIOLENCE = "violence", _("Gender-based violence")
    MIGRANTS = "migrants", _("Migrants")
    MENTAL_HEALTH_ADDICTION = "mental_health_addiction", _("Mental health and addiction")


class ServiceUnit(models.TextChoices):
    HOUR = "hour", _("hour")
    DAY = "day", _("day")
    MONTH = "month", _("month")
    VOUCHER = "voucher", _("voucher")
    LUMP_SUM = "lump_sum", _("lump sum")


class Employability(models.TextChoices):
    """The employability axis of a need; "none" is the absence of a work path (002:14)."""

    HIGH = "high", _("High employability")
    MEDIUM = "medium", _("Medium employability")
    LOW = "low", _("Low employability")
    NONE = "none", _("No work path")


class CareLoad(models.TextChoices):
    LOW = "low", _("Low care load")
    HIGH = "high", _("High care load")
    # For packages that do not depend on the care load, e.g. a therapeutic path.
    ANY = "any", _("Any care load")


class Intensity(models.TextChoices):
    LOW = "low", _("Low intensity")
    MEDIUM = "medium", _("Medium intensity")
    HIGH = "high", _("High intensity")


class PackageStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    APPROVED = "approved", _("Approved")
    RETIRED = "retired", _("Retired")


class QuantityBasis(models.TextChoices):
    PER_MONTH = "per_month", _("per month")
    TOTAL = "total", _("in total")


class Service(TimeStampedModel):
    """An entry of the ambito's services catalogue."""

    ambito = models.ForeignKey(
        Ambito, on_delete=models.PROTECT, related_name="catalogue_services", verbose_name=_("ambito")
    )
    code = models.CharField(_("code"), max_length=20)
    name = models.CharField(_("name"), max_length=200)
    area = models.CharField(_("area"), max_length=32, choices=ServiceArea.choices)
    description = models.TextField(_("description"), blank=True)
    unit = models.CharField(_("unit"), max_length=16, choices=ServiceUnit.choices)
    unit_cost = models.DecimalField(_("standard unit cost"), max_digits=10, decimal_places=2)
    providers = models.ManyToManyField(
        Organisation, related_name="catalogue_services", blank=True, verbose_name=_("provider organisations")
    )
    is_work_path = models.BooleanField(
        _("part of a work path"),
        default=False,
        help_text=_("Training, internships, job search: what a person without a work path is not offered."),
    )
    is_economic_assistance = models.BooleanField(
        _("municipal economic assistance"),
        default=False,
        help_text=_("Not offered to households already receiving a national income measure (SIA, ReI, RdC, ADI…)."),
    )
    is_active = models.BooleanField(_("active"), default=True)

    privacy = {
        "id": OPS,
        "is_economic_assistance": OPS,
        "created_at": OPS,
        "updated_at": OPS,
        "ambito": OPS,
        "code": OPS,
        "name": OPS,
        "area": OPS,
        "description": OPS,
        "unit": OPS,
        "unit_cost": OPS,
        "providers": OPS,
        "is_work_path": OPS,
        "is_active": OPS,
    }

    class Meta:
        verbose_name = _("service")
        verbose_name_plural = _("services")
        ordering = ["area", "name", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["ambito", "code"], name="service_unique_code_per_ambito"),
            models.CheckConstraint(condition=~Q(code=""), name="service_code_not_blank"),
            models.CheckConstraint(condition=~Q(name=""), name="service_name_not_blank"),
            models.CheckConstraint(condition=Q(area__in=ServiceArea.values), name="service_area_known"),
            models.CheckConstraint(condition=Q(unit__in=ServiceUnit.values), name="service_unit_known"),
            models.CheckConstraint(condition=Q(unit_cost__gte=0), name="service_unit_cost_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.code} – {self.name}"


class AssistancePackage(TimeStampedModel):
    """One version of a pacchetto assistenziale: the standard offer for a type and intensity of need."""

    ambito = models.ForeignKey(
        Ambito, on_delete=models.PROTECT, related_name="assistance_packages", verbose_name=_("ambito")
    )
    code = models.CharField(_("code"), max_length=20)
    version = models.PositiveSmallIntegerField(_("version"), default=1)
    name = models.CharField(_("name"), max_length=200)
    employability = models.CharField(_("employability"), max_length=16, choices=Employability.choices)
    care_load = models.CharField(_("care load"), max_length=16, choices=CareLoad.choices)
    intensity = models.CharField(_("intensity"), max_length=16, choices=Intensity.choices)
    status = models.CharField(_("status"), max_length=16, choices=PackageStatus.choices, default=PackageStatus.DRAFT)
    # The body and its act, as written in the minutes, e.g. "Cabina di regia — verbale n. 3".
    approved_by = models.CharField(_("approved by"), max_length=200, blank=True)
    approved_on = models.DateField(_("approved on"), null=True, blank=True)
    retired_on = models.DateField(_("retired on"), null=True, blank=True)
    budget_min = models.DecimalField(_("minimum yearly budget"), max_digits=10, decimal_places=2)
    budget_max = models.DecimalField(_("maximum yearly budget"), max_digits=10, decimal_places=2)
    notes = models.TextField(_("notes"), blank=True)

    privacy = {
        "id": OPS,
        "created_at": OPS,
        "updated_at": OPS,
        "ambito": OPS,
        "code": OPS,
        "version": OPS,
        "name": OPS,
        "employability": OPS,
        "care_load": OPS,
        "intensity": OPS,
        "status": OPS,
        "approved_by": OPS,
        "approved_on": OPS,
        "retired_on": OPS,
        "budget_min": OPS,
        "budget_max": OPS,
        "notes": OPS,
    }

    class Meta:
        verbose_name = _("assistance package")
        verbose_name_plural = _("assistance packages")
        ordering = ["code", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["ambito", "code", "version"], name="package_unique_code_version"),
            models.UniqueConstraint(
                fields=["ambito", "code"], condition=Q(status="approved"), name="package_one_approved_per_code"
            ),
            # One answer to "which package fits this profile" (equal need, equal offer).
            models.UniqueConstraint(
                fields=["ambito", "employability", "care_load"],
                condition=Q(status="approved"),
                name="package_one_approved_per_profile",
            ),
            # A package is drafted once per code; new versions are drafted from the last one.
            models.UniqueConstraint(
                fields=["ambito", "code"], condition=Q(status="draft"), name="package_one_draft_per_code"
            ),
            models.CheckConstraint(condition=~Q(code=""), name="package_code_not_blank"),
            models.CheckConstraint(condition=~Q(name=""), name="package_name_not_blank"),
            models.CheckConstraint(condition=Q(version__gte=1), name="package_version_positive"),
            models.CheckConstraint(
                condition=Q(employability__in=Employability.values), name="package_employability_known"
            ),
            models.CheckConstraint(condition=Q(care_load__in=CareLoad.values), name="package_care_load_known"),
            models.CheckConstraint(condition=Q(intensity__in=Intensity.values), name="package_intensity_known"),
            models.CheckConstraint(condition=Q(status__in=PackageStatus.values), name="package_status_known"),
            models.CheckConstraint(condition=Q(budget_min__gte=0), name="package_budget_min_not_negative"),
            models.CheckConstraint(condition=Q(budget_max__gte=F("budget_min")), name="package_budget_min_le_max"),
            # Approved and retired versions carry their approval; drafts carry none.
            models.CheckConstraint(
                condition=(Q(status="draft") & Q(approved_on__isnull=True) & Q(approved_by=""))
                | (~Q(status="draft") & Q(approved_on__isnull=False) & ~Q(approved_by="")),
                name="package_approval_recorded",
            ),
            models.CheckConstraint(
                condition=(Q(status="retired") & Q(retired_on__isnull=False) & Q(retired_on__gte=F("approved_on")))
                | (~Q(status="retired") & Q(retired_on__isnull=True)),
                name="package_retirement_recorded",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} v{self.version} – {self.name}"

    @property
    def is_draft(self) -> bool:
        return self.status == PackageStatus.DRAFT

    @property
    def is_approved(self) -> bool:
        return self.status == PackageStatus.APPROVED

    def profile_label(self) -> str:
        return f"{self.get_employability_display()}, {self.get_care_load_display()}"


class PackageItem(TimeStampedModel):
    """A service in a package, with its standard quantity."""

    package = models.ForeignKey(
        AssistancePackage, on_delete=models.CASCADE, related_name="items", verbose_name=_("package")
    )
    service = models.ForeignKey(
        Service, on_delete=models.PROTECT, related_name="package_items", verbose_name=_("service")
    )
    quantity = models.DecimalField(_("standard quantity"), max_digits=8, decimal_places=2)
    basis = models.CharField(_("quantity is"), max_length=16, choices=QuantityBasis.choices)
    is_mandatory = models.BooleanField(_("mandatory"), default=True)

    privacy = {
        "id": OPS,
        "created_at": OPS,
        "updated_at": OPS,
        "package": OPS,
        "service": OPS,
        "quantity": OPS,
        "basis": OPS,
        "is_mandatory": OPS,
    }

    class Meta:
        verbose_name = _("package item")
        verbose_name_plural = _("package items")
        ordering = ["package", "-is_mandatory", "service__area", "service__name", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["package", "service"], name="packageitem_one_per_service"),
            models.CheckConstraint(condition=Q(quantity__gt=0), name="packageitem_quantity_positive"),
            models.CheckConstraint(condition=Q(basis__in=QuantityBasis.values), name="packageitem_basis_known"),
        ]

    def __str__(self) -> str:
        return f"{self.package.code} – {self.service.name}"

    def quantity_shown(self) -> Decimal:
        """The quantity without trailing zeros ("4,5", "6"), still a Decimal so templates localise it."""
        whole = self.quantity.to_integral_value()
        return whole if self.quantity == whole else self.quantity.normalize()

    def yearly_quantity(self) -> Decimal:
        return self.quantity * MONTHS_PER_YEAR if self.basis == QuantityBasis.PER_MONTH else self.quantity

    def yearly_cost(self) -> Decimal:
        """The standard cost in a year at the catalogue's unit cost."""
        return self.yearly_quantity() * self.service.unit_cost
