"""Matrix rules for the national income measures and legal representatives pages.

Recording a measure follows the household-recording roles; recording a legal representative
the consent-recording roles (the same set today). The world's household and person are
registered by the world's organisation, so every registry role could see them.
"""

from __future__ import annotations

import datetime
from typing import Any

from intreccio.people.models import IncomeSupport, IncomeSupportStatus, LegalRepresentative
from intreccio.people.permissions_households import HOUSEHOLD_RECORDING_ROLES
from intreccio.people.tests.matrix_rules_households import _household, _person
from tests.matrix import Rule, World

RECORD = frozenset(str(role) for role in HOUSEHOLD_RECORDING_ROLES)


def _support(w: World) -> dict[str, Any]:
    if "income_support" not in w.objects:
        w.objects["income_support"] = IncomeSupport.objects.create(
            household=_household(w),
            measure="adi",
            status=IncomeSupportStatus.GRANTED,
            date_from=datetime.date(2024, 1, 1),
            recorded_by=next(iter(w.operators.values())),
        )
    support: IncomeSupport = w.objects["income_support"]
    return {"pk": support.household_id, "support_pk": support.pk}


def _representative(w: World) -> dict[str, Any]:
    if "legal_rep" not in w.objects:
        w.objects["legal_rep"] = LegalRepresentative.objects.create(
            person=_person(w),
            kind="support_administrator",
            full_name="Avv. Matrice",
            court="Tribunale di Cremona",
            decree_date=datetime.date(2024, 2, 1),
            date_from=datetime.date(2024, 2, 10),
            recorded_by=next(iter(w.operators.values())),
        )
    representative: LegalRepresentative = w.objects["legal_rep"]
    return {"person_pk": representative.person_id, "pk": representative.pk}


RULES: dict[str, Rule] = {
    "people:income_support_create": Rule(roles=RECORD, kwargs=lambda w: {"pk": _household(w).pk}),
    "people:income_support_end": Rule(roles=RECORD, kwargs=_support),
    "people:legal_representative_create": Rule(roles=RECORD, kwargs=lambda w: {"person_pk": _person(w).pk}),
    "people:legal_representative_end": Rule(roles=RECORD, kwargs=_representative),
}
