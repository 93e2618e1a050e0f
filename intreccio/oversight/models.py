"""Who answers for the processing: the controller of an ambito's register (GDPR art. 30(1)(a)).

The ambito's services are run jointly by its comuni through a lead organisation (the ente capofila
of the Piano di Zona), which the administrator designates here together with the contact of the
data protection officer (RPD); the register of processing names them.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from intreccio.accounts.models import Organisation
from intreccio.core.models import TimeStampedModel
from intreccio.core.privacy import Category, P, Purpose
from intreccio.territory.models import Ambito

NONE = P(Category.NONE, Purpose.OPERATIONS)
TECH = P(Category.TECHNICAL, Purpose.OPERATIONS)
# The DPO's name and office contact identify an employee acting in that capacity.
CONTACT = P(Category.IDENTIFYING, Purpose.OPERATIONS)


class ControllerDesignation(TimeStampedModel):
    ambito = models.OneToOneField(Ambito, on_delete=models.PROTECT, related_name="+", verbose_name=_("ambito"))
    lead_organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="+", verbose_name=_("lead organisation (controller)")
    )
    dpo_name = models.CharField(_("data protection officer"), max_length=200, blank=True)
    dpo_email = models.EmailField(_("data protection officer's e-mail"), blank=True)

    privacy = {
        "id": TECH,
        "created_at": TECH,
        "updated_at": TECH,
        "ambito": NONE,
        "lead_organisation": NONE,
        "dpo_name": CONTACT,
        "dpo_email": CONTACT,
    }

    class Meta:
        verbose_name = _("controller designation")
        verbose_name_plural = _("controller designations")

    def __str__(self) -> str:
        return f"{self.ambito} – {self.lead_organisation}"
