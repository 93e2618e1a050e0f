"""Demo persons and households of the Cremonese: invented people, shaped like real caseloads.

Codici fiscali are computed from the invented data (so they are valid and match the dates and
places typed), one person carries an omocodia variant, two foreigners have no codice fiscale
yet, one homeless man is registered without one, and one woman is protected by a pseudonym.
Everything goes through the registry services, so the demo obeys the same rules as users.
"""

from __future__ import annotations

import datetime
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Literal

from codicefiscale import codicefiscale
from django.core.exceptions import ValidationError

from intreccio.accounts.models import Operator, Organisation
from intreccio.people.models import (
    ConsentScope,
    Household,
    HouseholdMember,
    IseeKind,
    NoFiscalCodeReason,
    Person,
    Relationship,
    TargetGroup,
)
from intreccio.people.services import (
    consent_record,
    household_create,
    household_member_add,
    isee_record,
    person_create,
)
from intreccio.territory.models import Comune


@dataclass(frozen=True)
class PersonSpec:
    first_name: str
    last_name: str
    sex: Literal["M", "F"]
    birth_date: datetime.date
    birthplace: str  # a comune's name (CR province when ambiguous) or a country, for the codice fiscale
    relationship: str = Relationship.REFERENCE
    no_fiscal_code_reason: str = ""
    omocode: bool = False
    citizenship: str = "Italiana"
    languages: str = "italiano"
    phone: str = ""
    target_groups: tuple[str, ...] = ()


@dataclass(frozen=True)
class HouseholdSpec:
    name: str
    address: str
    comune_istat: str
    registered_by: str  # organisation name
    members: tuple[PersonSpec, ...]
    isee: tuple[tuple[str, str, datetime.date, datetime.date], ...] = ()  # kind, value, from, to
    consent_scopes: tuple[str, ...] = (ConsentScope.NETWORK_SHARING,)


COMUNE_CREMONA = "Comune di Cremona"
AZIENDA = "Azienda Sociale del Cremonese"
ASST = "ASST di Cremona"

HOUSEHOLDS: tuple[HouseholdSpec, ...] = (
    HouseholdSpec(
        name="Ferrari",
        address="Via Bissolati 41",
        comune_istat="019036",
        registered_by=COMUNE_CREMONA,
        members=(
            PersonSpec(
                "Giulia",
                "Ferrari",
                "F",
                datetime.date(1986, 3, 14),
                "Cremona",
                phone="333 100 2001",
                target_groups=(TargetGroup.POVERTY, TargetGroup.MINORS_FAMILIES),
            ),
            PersonSpec("Luca", "Ferrari", "M", datetime.date(2012, 9, 2), "Cremona", Relationship.CHILD),
            PersonSpec("Sofia", "Ferrari", "F", datetime.date(2016, 1, 23), "Cremona", Relationship.CHILD),
        ),
        isee=((IseeKind.ORDINARY, "6840.25", datetime.date(2026, 1, 20), datetime.date(2026, 12, 31)),),
    ),
    HouseholdSpec(
        name="Bonetti",
        address="Via Dante 12",
        comune_istat="019036",
        registered_by=COMUNE_CREMONA,
        members=(
            PersonSpec(
                "Marco",
                "Bonetti",
                "M",
                datetime.date(1979, 11, 5),
                "Cremona",
                phone="338 220 1144",
                target_groups=(TargetGroup.POVERTY,),
            ),
            PersonSpec("Elena", "Bonetti", "F", datetime.date(1982, 6, 30), "Crema", Relationship.SPOUSE),
            PersonSpec(
                "Matteo",
                "Bonetti",
                "M",
                datetime.date(2004, 4, 11),
                "Cremona",
                Relationship.CHILD,
                target_groups=(TargetGroup.YOUNG_NEET,),
            ),
        ),
        isee=((IseeKind.ORDINARY, "9360.00", datetime.date(2026, 2, 3), datetime.date(2026, 12, 31)),),
    ),
    HouseholdSpec(
        name="Rossi",
        address="Via Mantova 88",
        comune_istat="019036",
        registered_by=AZIENDA,
        members=(
            # Same name, date and place as another Mario Rossi: the omocodia variant tells them apart.
            PersonSpec(
                "Mario",
                "Rossi",
                "M",
                datetime.date(1985, 12, 10),
                "Cremona",
                omocode=True,
                target_groups=(TargetGroup.DISABILITY,),
            ),
        ),
        isee=((IseeKind.SOCIAL_HEALTH, "12450.80", datetime.date(2026, 1, 10), datetime.date(2026, 12, 31)),),
    ),
    HouseholdSpec(
        name="Diallo",
        address="Via Giordano 7",
        comune_istat="019036",
        registered_by=COMUNE_CREMONA,
        members=(
            PersonSpec(
                "Amadou",
                "Diallo",
                "M",
                datetime.date(1990, 5, 3),
                "Senegal",
                citizenship="Senegalese",
                languages="wolof, francese, italiano",
                target_groups=(TargetGroup.MIGRANTS, TargetGroup.POVERTY),
            ),
            PersonSpec(
                "Awa",
                "Diallo",
                "F",
                datetime.date(1994, 8, 19),
                "Senegal",
                Relationship.SPOUSE,
                no_fiscal_code_reason=NoFiscalCodeReason.NOT_YET_ASSIGNED,
                citizenship="Senegalese",
                languages="wolof, francese",
            ),
            PersonSpec(
                "Fatou",
                "Diallo",
                "F",
                datetime.date(2021, 2, 9),
                "Cremona",
                Relationship.CHILD,
                citizenship="Senegalese",
            ),
        ),
        isee=((IseeKind.ORDINARY, "3120.00", datetime.date(2026, 3, 1), datetime.date(2026, 12, 31)),),
    ),
    HouseholdSpec(
        name="Popescu",
        address="Via Brescia 150",
        comune_istat="019036",
        registered_by=AZIENDA,
        members=(
            PersonSpec(
                "Ioana",
                "Popescu",
                "F",
                datetime.date(1975, 10, 27),
                "Romania",
                citizenship="Romena",
                languages="romeno, italiano",
                target_groups=(TargetGroup.ELDERLY,),
            ),
            PersonSpec(
                "Elena",
                "Popescu",
                "F",
                datetime.date(1948, 1, 2),
                "Romania",
                Relationship.PARENT,
                no_fiscal_code_reason=NoFiscalCodeReason.NOT_YET_ASSIGNED,
                citizenship="Romena",
                languages="romeno",
                target_groups=(TargetGroup.ELDERLY,),
            ),
        ),
    ),
    HouseholdSpec(
        name="Galli",
        address="Piazza Roma 3",
        comune_istat="019036",
        registered_by=ASST,
        members=(
            PersonSpec(
                "Stefano",
                "Galli",
                "M",
                datetime.date(1969, 7, 16),
                "Cremona",
                target_groups=(TargetGroup.MENTAL_HEALTH_ADDICTION,),
            ),
        ),
        consent_scopes=(ConsentScope.NETWORK_SHARING, ConsentScope.HEALTH_SHARING),
    ),
)

# Registered without a household: a homeless man met by the street unit, and a woman protected by a pseudonym.
SINGLE_PERSONS: tuple[tuple[PersonSpec, str], ...] = (
    # The first Mario Rossi born in Cremona on 10/12/1985: the one in the Rossi household has the omocodia code.
    (PersonSpec("Mario", "Rossi", "M", datetime.date(1985, 12, 10), "Cremona"), COMUNE_CREMONA),
    (
        PersonSpec(
            "Giuseppe",
            "Senzafissadimora",
            "M",
            datetime.date(1961, 4, 1),
            "",
            no_fiscal_code_reason=NoFiscalCodeReason.HOMELESS_UNKNOWN,
            target_groups=(TargetGroup.SEVERE_MARGINALITY,),
        ),
        COMUNE_CREMONA,
    ),
    (
        PersonSpec(
            "Stella",
            "Cometa",
            "F",
            datetime.date(1991, 9, 9),
            "",
            no_fiscal_code_reason=NoFiscalCodeReason.PROTECTED_PSEUDONYM,
            languages="italiano",
            target_groups=(TargetGroup.VIOLENCE,),
        ),
        COMUNE_CREMONA,
    ),
)


@dataclass
class PeopleSummary:
    created: Counter[str] = field(default_factory=Counter)


def _fiscal_code(spec: PersonSpec) -> str | None:
    if spec.no_fiscal_code_reason:
        return None
    code = codicefiscale.encode(
        lastname=spec.last_name,
        firstname=spec.first_name,
        gender=spec.sex,
        birthdate=spec.birth_date.strftime("%d/%m/%Y"),
        birthplace=spec.birthplace,
    )
    if spec.omocode:
        # The first omocodia variant: what the Agenzia delle Entrate assigns to the second person.
        code = codicefiscale.decode(code)["omocodes"][1]
    return str(code)


def _person_ensure(spec: PersonSpec, *, actor: Operator, organisation: Organisation, created: Counter[str]) -> Person:
    code = _fiscal_code(spec)
    existing = (
        Person.objects.filter(fiscal_code=code).first()
        if code
        else Person.objects.filter(
            first_name=spec.first_name, last_name=spec.last_name, birth_date=spec.birth_date, fiscal_code__isnull=True
        ).first()
    )
    if existing is not None:
        return existing
    values = {
        "first_name": spec.first_name,
        "last_name": spec.last_name,
        "fiscal_code": code or "",
        "no_fiscal_code_reason": spec.no_fiscal_code_reason,
        "sex": spec.sex,
        "birth_date": spec.birth_date,
        "citizenship": spec.citizenship,
        "languages": spec.languages,
        "phone": spec.phone,
    }
    if not code and spec.birthplace and spec.birthplace != "Cremona":
        values["birth_country"] = spec.birthplace
    person = person_create(
        actor=actor,
        organisation=organisation,
        values=values,
        target_groups=list(spec.target_groups),
        confirm_not_duplicate=True,
    )
    created["persons"] += 1
    return person


def demo_people_load(*, operators: dict[str, Operator]) -> PeopleSummary:
    """Create the demo persons and households once; later runs find them and change nothing."""
    summary = PeopleSummary()
    actor = operators["segretariato"]
    organisations = {o.name: o for o in Organisation.objects.filter(name__in=[COMUNE_CREMONA, AZIENDA, ASST])}
    comuni = Comune.objects.in_bulk([h.comune_istat for h in HOUSEHOLDS], field_name="istat_code")
    for spec in HOUSEHOLDS:
        organisation = organisations[spec.registered_by]
        persons = [
            _person_ensure(member, actor=actor, organisation=organisation, created=summary.created)
            for member in spec.members
        ]
        household = Household.objects.filter(name=spec.name, members__person=persons[0]).first()
        if household is not None:
            continue
        household = household_create(
            actor=actor,
            organisation=organisation,
            name=spec.name,
            address=spec.address,
            comune=comuni[spec.comune_istat],
        )
        summary.created["households"] += 1
        for member_spec, person in zip(spec.members, persons, strict=True):
            start = max(person.birth_date or datetime.date(2020, 1, 1), datetime.date(2020, 1, 1))
            if HouseholdMember.objects.filter(person=person, date_out__isnull=True).exists():
                continue
            household_member_add(
                actor=actor, household=household, person=person, relationship=member_spec.relationship, date_in=start
            )
        for kind, value, valid_from, valid_to in spec.isee:
            try:
                isee_record(
                    actor=actor,
                    household=household,
                    kind=kind,
                    value=Decimal(value),
                    valid_from=valid_from,
                    valid_to=valid_to,
                    dsu_protocol=f"INPS-ISEE-2026-{household.pk:06d}-00",
                )
            except ValidationError:
                continue
        for scope in spec.consent_scopes:
            consent_record(
                actor=actor,
                person=persons[0],
                scope=scope,
                given_on=datetime.date(2026, 3, 2),
                given_by=f"{persons[0].first_name} {persons[0].last_name}",
                document_reference="Modulo consenso informato v.2026",
            )
    for person_spec, organisation_name in SINGLE_PERSONS:
        _person_ensure(person_spec, actor=actor, organisation=organisations[organisation_name], created=summary.created)
    return summary
