"""Demo national income measures and a legal representative (issue 11, registry additions).

The Diallo household is on ADI; the Ferrari household had RdC until it ended in 2023, then
ADI; Mario Rossi of the Rossi household has an amministratore di sostegno appointed by the
Tribunale di Cremona. Loaded through the services, so the events are the real ones; a second
run finds the rows (by INPS protocol, by person and kind) and creates nothing.
"""

from __future__ import annotations

import datetime
from collections import Counter
from dataclasses import dataclass
from decimal import Decimal

from codicefiscale import codicefiscale

from intreccio.accounts.models import Operator
from intreccio.people.models import (
    Household,
    HouseholdMember,
    IncomeSupport,
    IncomeSupportStatus,
    LegalRepresentative,
    LegalRepresentativeKind,
)
from intreccio.people.services.measures import income_support_record, legal_representative_record

D = datetime.date


@dataclass(frozen=True)
class MeasureSpec:
    household: str
    measure: str
    status: str
    date_from: datetime.date
    date_to: datetime.date | None
    amount: str
    protocol: str


MEASURES = (
    MeasureSpec("Diallo", "adi", IncomeSupportStatus.GRANTED, D(2024, 3, 1), None, "487.50", "INPS-ADI-2024-0031877"),
    MeasureSpec(
        "Ferrari", "rdc", IncomeSupportStatus.ENDED, D(2019, 6, 1), D(2023, 12, 31), "780.00", "INPS-RDC-2019-0045120"
    ),
    MeasureSpec("Ferrari", "adi", IncomeSupportStatus.GRANTED, D(2024, 1, 1), None, "623.40", "INPS-ADI-2024-0012093"),
)


def _actor(operators: dict[str, Operator]) -> Operator:
    # The front desk records what INPS decided; any demo operator would do if it is missing.
    return operators.get("segretariato") or next(iter(operators.values()))


def demo_measures_load(*, operators: dict[str, Operator]) -> Counter[str]:
    created: Counter[str] = Counter()
    actor = _actor(operators)
    for spec in MEASURES:
        household = Household.objects.filter(name=spec.household).order_by("pk").first()
        if household is None:
            continue
        if IncomeSupport.objects.filter(
            household=household, measure=spec.measure, inps_protocol=spec.protocol
        ).exists():
            continue
        income_support_record(
            actor=actor,
            household=household,
            measure=spec.measure,
            status=spec.status,
            date_from=spec.date_from,
            date_to=spec.date_to,
            monthly_amount=Decimal(spec.amount),
            inps_protocol=spec.protocol,
        )
        created["income_supports"] += 1
    member = (
        HouseholdMember.objects.filter(
            household__name="Rossi", person__first_name="Mario", person__last_name="Rossi", date_out__isnull=True
        )
        .select_related("person")
        .order_by("pk")
        .first()
    )
    kind = LegalRepresentativeKind.SUPPORT_ADMINISTRATOR
    if member is not None and not LegalRepresentative.objects.filter(person=member.person, kind=kind).exists():
        legal_representative_record(
            actor=actor,
            person=member.person,
            kind=kind,
            full_name="Elena Sartori",
            fiscal_code_value=codicefiscale.encode(
                lastname="Sartori", firstname="Elena", gender="F", birthdate="21/07/1976", birthplace="Cremona"
            ),
            contact="0372 401234 · avv.sartori@example.org",
            court="Tribunale di Cremona",
            decree_number="V.G. 1543/2024",
            decree_date=D(2024, 5, 14),
            date_from=D(2024, 5, 28),
        )
        created["legal_representatives"] += 1
    return created
