"""The territory: ambiti (social districts), their areas and the comuni (ISTAT list)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from intreccio.core.models import TimeStampedModel
from intreccio.core.privacy import Category, P, Purpose


class Ambito(TimeStampedModel):
    """An Ambito territoriale sociale: the district that plans and runs social services."""

    code = models.CharField(_("code"), max_length=20, unique=True)
    name = models.CharField(_("name"), max_length=200, unique=True)
    region = models.CharField(_("region"), max_length=100)

    privacy = {
        name: P(Category.NONE, Purpose.OPERATIONS)
        for name in ("id", "created_at", "updated_at", "code", "name", "region")
    }

    class Meta:
        verbose_name = _("ambito")
        verbose_name_plural = _("ambiti")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(condition=~models.Q(code=""), name="ambito_code_not_blank"),
            models.CheckConstraint(condition=~models.Q(name=""), name="ambito_name_not_blank"),
        ]

    def __str__(self) -> str:
        return self.name


class SubAmbito(TimeStampedModel):
    """An area inside an ambito (sub-ambito, zona), used to route intakes and read indicators."""

    ambito = models.ForeignKey(Ambito, on_delete=models.PROTECT, related_name="sub_ambiti", verbose_name=_("ambito"))
    name = models.CharField(_("name"), max_length=200)

    privacy = {
        name: P(Category.NONE, Purpose.OPERATIONS) for name in ("id", "created_at", "updated_at", "ambito", "name")
    }

    class Meta:
        verbose_name = _("sub-ambito")
        verbose_name_plural = _("sub-ambiti")
        ordering = ["ambito__name", "name"]
        constraints = [
            models.UniqueConstraint(fields=["ambito", "name"], name="subambito_unique_name_per_ambito"),
            models.CheckConstraint(condition=~models.Q(name=""), name="subambito_name_not_blank"),
        ]

    def __str__(self) -> str:
        return self.name


class Comune(models.Model):
    """An Italian municipality as published by ISTAT."""

    istat_code = models.CharField(_("ISTAT code"), max_length=6, unique=True)
    belfiore_code = models.CharField(_("cadastral (Belfiore) code"), max_length=4, unique=True)
    name = models.CharField(_("name"), max_length=200, db_index=True)
    province_code = models.CharField(_("province"), max_length=2)
    province_name = models.CharField(_("province name"), max_length=100)
    region_name = models.CharField(_("region"), max_length=100)
    ambito = models.ForeignKey(
        Ambito,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="comuni",
        verbose_name=_("ambito"),
    )
    sub_ambito = models.ForeignKey(
        SubAmbito,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="comuni",
        verbose_name=_("sub-ambito"),
    )

    privacy = {
        name: P(Category.NONE, Purpose.OPERATIONS)
        for name in (
            "id",
            "istat_code",
            "belfiore_code",
            "name",
            "province_code",
            "province_name",
            "region_name",
            "ambito",
            "sub_ambito",
        )
    }

    class Meta:
        verbose_name = _("comune")
        verbose_name_plural = _("comuni")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(istat_code__regex=r"^[0-9]{6}$"), name="comune_istat_code_6_digits"
            ),
            models.CheckConstraint(
                condition=models.Q(belfiore_code__regex=r"^[A-Z][0-9]{3}$"), name="comune_belfiore_code_format"
            ),
            # A comune in a sub-ambito is in an ambito too (the service keeps the two consistent).
            models.CheckConstraint(
                condition=models.Q(sub_ambito__isnull=True) | models.Q(ambito__isnull=False),
                name="comune_subambito_needs_ambito",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.province_code})"
