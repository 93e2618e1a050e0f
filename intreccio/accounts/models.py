"""Organisations (enti), their structures, the operators who work in them and their roles."""

from __future__ import annotations

import datetime

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from intreccio.core.models import TimeStampedModel
from intreccio.core.privacy import Category, P, Purpose
from intreccio.territory.models import Ambito, Comune


class OrganisationKind(models.TextChoices):
    COMUNE = "comune", _("Municipality (comune)")
    SOCIAL_AGENCY = "social_agency", _("Social services agency (azienda sociale)")
    HEALTH_TRUST = "health_trust", _("Health trust (ASST/ASL)")
    EMPLOYMENT_CENTRE = "employment_centre", _("Employment centre (CPI)")
    PROVINCE = "province", _("Province")
    THIRD_SECTOR = "third_sector", _("Cooperative, association or third-sector body (ETS)")
    UNION = "union", _("Trade union")
    SCHOOL = "school", _("School or training body")
    OTHER = "other", _("Other")


class Role(models.TextChoices):
    """What an operator does in a structure; the permission policy reads it."""

    SEGRETARIATO = "segretariato", _("Social secretariat (segretariato sociale)")
    SOCIAL_WORKER = "social_worker", _("Social worker")
    CASE_MANAGER = "case_manager", _("Case manager")
    CPI_OPERATOR = "cpi_operator", _("Employment-centre (CPI) operator")
    EDUCATOR = "educator", _("Educator")
    HEALTH_SPECIALIST = "health_specialist", _("Health specialist")
    PROVIDER_OPERATOR = "provider_operator", _("Provider operator")
    COORDINATOR = "coordinator", _("Coordinator")
    PROGRAMME_OFFICER = "programme_officer", _("Programme officer")
    AUDITOR = "auditor", _("Auditor")
    ADMINISTRATOR = "administrator", _("Administrator")


class Organisation(TimeStampedModel):
    """An ente of the network: a comune, the health trust, the CPI, a cooperative…"""

    name = models.CharField(_("name"), max_length=200)
    short_name = models.CharField(_("short name"), max_length=60, blank=True)
    kind = models.CharField(_("type"), max_length=32, choices=OrganisationKind.choices)
    tax_code = models.CharField(
        _("tax code or VAT number"),
        max_length=16,
        blank=True,
        help_text=_("Codice fiscale (11 digits) or partita IVA of the organisation."),
    )
    ambito = models.ForeignKey(
        Ambito,
        on_delete=models.PROTECT,
        related_name="organisations",
        verbose_name=_("ambito"),
        help_text=_("The ambito whose network this organisation belongs to."),
    )
    email = models.EmailField(_("e-mail"), blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    privacy = {
        name: P(Category.NONE, Purpose.OPERATIONS)
        for name in (
            "id",
            "created_at",
            "updated_at",
            "name",
            "short_name",
            "kind",
            "tax_code",
            "ambito",
            "email",
            "phone",
            "is_active",
        )
    }

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["ambito", "name"], name="organisation_unique_name_per_ambito"),
            models.CheckConstraint(condition=~Q(name=""), name="organisation_name_not_blank"),
            models.CheckConstraint(
                condition=Q(tax_code="") | Q(tax_code__regex=r"^([0-9]{11}|[A-Z0-9]{16})$"),
                name="organisation_tax_code_format",
            ),
        ]

    def __str__(self) -> str:
        return self.short_name or self.name


class Structure(TimeStampedModel):
    """A service or office of an organisation, where operators work (e.g. CPI di Cremona)."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="structures", verbose_name=_("organisation")
    )
    name = models.CharField(_("name"), max_length=200)
    comune = models.ForeignKey(
        Comune,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="structures",
        verbose_name=_("comune"),
    )
    address = models.CharField(_("address"), max_length=200, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    keeps_notes_private = models.BooleanField(
        _("case notes stay within this service"),
        default=False,
        help_text=_(
            "For services whose notes must not reach the rest of the team, such as an addiction service (SerD)."
        ),
    )

    privacy = {
        name: P(Category.NONE, Purpose.OPERATIONS)
        for name in (
            "id",
            "created_at",
            "updated_at",
            "keeps_notes_private",
            "organisation",
            "name",
            "comune",
            "address",
            "email",
            "phone",
            "is_active",
        )
    }

    class Meta:
        verbose_name = _("structure")
        verbose_name_plural = _("structures")
        ordering = ["organisation__name", "name"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "name"], name="structure_unique_name_per_organisation"),
            models.CheckConstraint(condition=~Q(name=""), name="structure_name_not_blank"),
        ]

    def __str__(self) -> str:
        return f"{self.name} – {self.organisation}"


class Operator(AbstractUser):
    """A person who works in the network and logs in to Intreccio."""

    fiscal_code = models.CharField(_("codice fiscale"), max_length=16, blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    is_demo = models.BooleanField(
        _("demo account"),
        default=False,
        help_text=_("Demo accounts may be exempted from the second factor in demo installations only."),
    )

    # Operators' own data: processed to run the service and to keep accountability.
    privacy = {
        **{
            name: P(Category.IDENTIFYING, Purpose.OPERATIONS)
            for name in ("username", "first_name", "last_name", "email", "fiscal_code", "phone")
        },
        **{
            name: P(Category.TECHNICAL, Purpose.SECURITY)
            for name in (
                "id",
                "password",
                "last_login",
                "is_superuser",
                "is_staff",
                "is_active",
                "date_joined",
                "is_demo",
                "groups",
                "user_permissions",
            )
        },
    }

    class Meta:
        verbose_name = _("operator")
        verbose_name_plural = _("operators")
        ordering = ["last_name", "first_name", "username"]
        constraints = [
            models.CheckConstraint(
                condition=Q(fiscal_code="") | Q(fiscal_code__regex=r"^[A-Z0-9]{16}$"),
                name="operator_fiscal_code_format",
            ),
        ]

    def __str__(self) -> str:
        full = self.get_full_name()
        return full or self.username

    def current_memberships(self, on: datetime.date | None = None) -> models.QuerySet[Membership]:
        return Membership.objects.current(on).filter(operator=self)


class MembershipQuerySet(models.QuerySet["Membership"]):
    def current(self, on: datetime.date | None = None) -> MembershipQuerySet:
        day = on or timezone.localdate()
        return self.filter(
            Q(valid_from__lte=day),
            Q(valid_to__isnull=True) | Q(valid_to__gte=day),
            structure__is_active=True,
            structure__organisation__is_active=True,
            operator__is_active=True,
        )


class Membership(TimeStampedModel):
    """An operator works in a structure with a role, for a period."""

    operator = models.ForeignKey(
        Operator, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("operator")
    )
    structure = models.ForeignKey(
        Structure, on_delete=models.PROTECT, related_name="memberships", verbose_name=_("structure")
    )
    role = models.CharField(_("role"), max_length=32, choices=Role.choices)
    valid_from = models.DateField(_("valid from"), default=timezone.localdate)
    valid_to = models.DateField(_("valid to"), null=True, blank=True)

    objects = MembershipQuerySet.as_manager()

    privacy = {
        name: P(Category.TECHNICAL, Purpose.OPERATIONS)
        for name in ("id", "created_at", "updated_at", "operator", "structure", "role", "valid_from", "valid_to")
    }

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        ordering = ["operator", "structure", "role", "-valid_from"]
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_to__gte=models.F("valid_from")),
                name="membership_valid_to_after_valid_from",
            ),
            models.UniqueConstraint(
                fields=["operator", "structure", "role", "valid_from"], name="membership_unique_start"
            ),
            models.CheckConstraint(condition=Q(role__in=Role.values), name="membership_role_known"),
        ]

    def __str__(self) -> str:
        return f"{self.operator} – {self.get_role_display()} – {self.structure}"

    @property
    def organisation(self) -> Organisation:
        return self.structure.organisation

    def is_current(self, on: datetime.date | None = None) -> bool:
        day = on or timezone.localdate()
        return self.valid_from <= day and (self.valid_to is None or self.valid_to >= day)


class TeamKind(models.TextChoices):
    COORDINATION_GROUP = "coordination_group", _("Coordination group (gruppo di coordinamento operativo)")
    SYSTEM_TEAM = "system_team", _("System team (équipe di sistema)")
    SERVICE_TEAM = "service_team", _("Service team")


class Team(TimeStampedModel):
    """A standing group of operators of one ambito (coordination group, équipe di sistema…)."""

    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("type"), max_length=32, choices=TeamKind.choices)
    ambito = models.ForeignKey(Ambito, on_delete=models.PROTECT, related_name="teams", verbose_name=_("ambito"))
    members = models.ManyToManyField(Operator, through="TeamMember", related_name="teams", verbose_name=_("members"))
    is_active = models.BooleanField(_("active"), default=True)

    privacy = {
        name: P(Category.TECHNICAL, Purpose.OPERATIONS)
        for name in ("id", "created_at", "updated_at", "name", "kind", "ambito", "is_active", "members")
    }

    class Meta:
        verbose_name = _("team")
        verbose_name_plural = _("teams")
        ordering = ["ambito__name", "name"]
        constraints = [
            models.UniqueConstraint(fields=["ambito", "name"], name="team_unique_name_per_ambito"),
            models.CheckConstraint(condition=~Q(name=""), name="team_name_not_blank"),
            # One coordination group per ambito: it is the body that allocates and validates cases.
            models.UniqueConstraint(
                fields=["ambito"],
                condition=Q(kind="coordination_group", is_active=True),
                name="team_one_active_coordination_group_per_ambito",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class TeamMember(TimeStampedModel):
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("team"))
    operator = models.ForeignKey(
        Operator, on_delete=models.CASCADE, related_name="team_memberships", verbose_name=_("operator")
    )
    is_chair = models.BooleanField(_("chair"), default=False)

    privacy = {
        name: P(Category.TECHNICAL, Purpose.OPERATIONS)
        for name in ("id", "created_at", "updated_at", "team", "operator", "is_chair")
    }

    class Meta:
        verbose_name = _("team member")
        verbose_name_plural = _("team members")
        constraints = [
            models.UniqueConstraint(fields=["team", "operator"], name="teammember_unique"),
            models.UniqueConstraint(fields=["team"], condition=Q(is_chair=True), name="teammember_one_chair"),
        ]

    def __str__(self) -> str:
        return f"{self.operator} – {self.team}"
