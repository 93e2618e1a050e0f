"""Reads of national income measures and legal representatives, and the eligibility rules they gate.

The rules take a household or person the caller has already fetched through a scoped selector
(``household_get_for_user``, ``person_get_for_user``): they answer about that object only and
never widen what the operator sees.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from intreccio.people.models import (
    INCOME_SUPPORT_IN_EFFECT,
    Household,
    IncomeMeasure,
    IncomeSupport,
    LegalRepresentative,
    LegalRepresentativeKind,
    Person,
)

NATIONAL_INCOME_MEASURES: tuple[str, ...] = tuple(m for m in IncomeMeasure.values if m != IncomeMeasure.NONE)

# The one place that says which measures exclude municipal economic assistance. Seed 001:139
# names SIA ("esclusi utenti già beneficiari SIA"); its successors replaced it with the same
# purpose, so they exclude it too. An ambito with another rule sets
# INTRECCIO_ECONOMIC_ASSISTANCE_EXCLUDED_MEASURES in its settings.
ECONOMIC_ASSISTANCE_EXCLUDED_MEASURES: tuple[str, ...] = NATIONAL_INCOME_MEASURES

# Who signs first when a person has several representatives: a tutore replaces the person
# entirely, an amministratore di sostegno acts within the decree, a curatore only assists.
SIGNING_ORDER = (
    LegalRepresentativeKind.GUARDIAN,
    LegalRepresentativeKind.SUPPORT_ADMINISTRATOR,
    LegalRepresentativeKind.CURATOR,
)


def economic_assistance_excluded_measures() -> tuple[str, ...]:
    configured = getattr(settings, "INTRECCIO_ECONOMIC_ASSISTANCE_EXCLUDED_MEASURES", None)
    if configured is None:
        return ECONOMIC_ASSISTANCE_EXCLUDED_MEASURES
    return tuple(m for m in configured if m in NATIONAL_INCOME_MEASURES)


def _in_effect_on(on: datetime.date) -> Q:
    return Q(status__in=INCOME_SUPPORT_IN_EFFECT, date_from__lte=on) & (Q(date_to__isnull=True) | Q(date_to__gte=on))


def household_on_income_measure(
    household: Household, *, on: datetime.date | None = None, measures: Iterable[str] | None = None
) -> IncomeSupport | None:
    """The national income measure the household had on ``on`` (today by default), if any.

    Granted, suspended (payments paused, still a beneficiary) and ended-later periods count;
    applications and revoked grants do not. ``measures`` narrows the search (default: all).
    """
    day = on or timezone.localdate()
    wanted = tuple(measures) if measures is not None else NATIONAL_INCOME_MEASURES
    return (
        IncomeSupport.objects.filter(_in_effect_on(day), household=household, measure__in=wanted)
        .order_by("-date_from", "-pk")
        .first()
    )


def income_support_history(household: Household) -> list[IncomeSupport]:
    """Every measure of the household, latest first."""
    return list(IncomeSupport.objects.filter(household=household).order_by("-date_from", "-pk"))


@dataclass(frozen=True)
class Eligibility:
    ok: bool
    reason: str = ""


def economic_assistance_eligibility(household: Household, *, on: datetime.date | None = None) -> Eligibility:
    """Municipal economic assistance is refused to households already on a national income
    measure (seed 001:139, generalised from SIA to its successors)."""
    day = on or timezone.localdate()
    support = household_on_income_measure(household, on=day, measures=economic_assistance_excluded_measures())
    if support is None:
        return Eligibility(ok=True)
    return Eligibility(
        ok=False,
        reason=_(
            "Economic assistance is not available to households already receiving a national income "
            "measure: on %(date)s this household has %(measure)s (since %(start)s)."
        )
        % {
            "date": day.strftime("%d/%m/%Y"),
            "measure": support.get_measure_display(),
            "start": support.date_from.strftime("%d/%m/%Y"),
        },
    )


def legal_representatives_current(person: Person, *, on: datetime.date | None = None) -> list[LegalRepresentative]:
    """The person's representatives in office on ``on`` (today by default), the one who signs first."""
    day = on or timezone.localdate()
    current = LegalRepresentative.objects.filter(person=person, date_from__lte=day).filter(
        Q(date_to__isnull=True) | Q(date_to__gte=day)
    )
    return sorted(
        current, key=lambda r: (SIGNING_ORDER.index(LegalRepresentativeKind(r.kind)), -r.date_from.toordinal())
    )


def current_legal_representative(person: Person, *, on: datetime.date | None = None) -> LegalRepresentative | None:
    """Who signs consents and pacts in the person's place today, or None when the person signs."""
    current = legal_representatives_current(person, on=on)
    return current[0] if current else None


def legal_representative_history(person: Person) -> list[LegalRepresentative]:
    return list(LegalRepresentative.objects.filter(person=person).order_by("-date_from", "-pk"))
