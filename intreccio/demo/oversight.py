"""Demo controller of the register of processing: the Comune di Cremona, lead organisation (ente
capofila) of the Piano di Zona of the Ambito Cremonese (004:108, 3657), with an invented DPO contact.

Idempotent: the designation is found by its ambito, so running the loader again changes nothing.
"""

from __future__ import annotations

from collections import Counter

from django.db import transaction

from intreccio.accounts.models import Organisation
from intreccio.demo import data
from intreccio.oversight.models import ControllerDesignation
from intreccio.territory.data import ambito_cremonese
from intreccio.territory.models import Ambito

LEAD_NAME = next(spec.name for spec in data.ORGANISATIONS if spec.key == data.COMUNE)
DPO_NAME = "Responsabile della protezione dei dati del Comune di Cremona"
DPO_EMAIL = f"rpd@{data.DEMO_EMAIL_DOMAIN}"


@transaction.atomic
def demo_oversight_load(created: Counter[str]) -> None:
    ambito = Ambito.objects.filter(code=ambito_cremonese.AMBITO_CODE).first()
    lead = Organisation.objects.filter(ambito=ambito, name=LEAD_NAME).first() if ambito else None
    if ambito is None or lead is None:
        return
    _designation, was_created = ControllerDesignation.objects.get_or_create(
        ambito=ambito, defaults={"lead_organisation": lead, "dpo_name": DPO_NAME, "dpo_email": DPO_EMAIL}
    )
    created["controller_designations"] += was_created
