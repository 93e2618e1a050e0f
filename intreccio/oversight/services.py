"""Writes of the oversight app: the designation of the controller of an ambito's register."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils.translation import gettext as _

from intreccio.accounts.models import Operator, Organisation
from intreccio.audit.services import record_event
from intreccio.oversight.models import ControllerDesignation
from intreccio.territory.models import Ambito


@transaction.atomic
def controller_designate(
    *,
    actor: Operator,
    ambito: Ambito,
    lead_organisation: Organisation,
    dpo_name: str,
    dpo_email: str,
    request: HttpRequest | None = None,
) -> ControllerDesignation:
    """Name the ambito's lead organisation as controller, with the DPO's contact (art. 30(1)(a))."""
    if lead_organisation.ambito_id != ambito.pk:
        raise ValidationError(
            {"lead_organisation": _("Choose an organisation of this ambito: the register is the ambito's.")}
        )
    if not lead_organisation.is_active:
        raise ValidationError({"lead_organisation": _("This organisation is no longer active: choose an active one.")})
    designation, created = ControllerDesignation.objects.select_for_update().get_or_create(
        ambito=ambito,
        defaults={"lead_organisation": lead_organisation, "dpo_name": dpo_name.strip(), "dpo_email": dpo_email},
    )
    if not created:
        designation.lead_organisation = lead_organisation
        designation.dpo_name = dpo_name.strip()
        designation.dpo_email = dpo_email
        designation.save(update_fields=["lead_organisation", "dpo_name", "dpo_email", "updated_at"])
    record_event(
        action="oversight.controller.designated",
        actor=actor,
        target=designation,
        payload={"ambito": ambito.pk, "lead_organisation": lead_organisation.pk, "created": created},
        request=request,
    )
    return designation
