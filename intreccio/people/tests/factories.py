"""factory_boy factories for the registry. Use ``XFactory.create(...)`` so mypy sees the model."""

from __future__ import annotations

import datetime

import factory

from intreccio.accounts.tests.factories import OperatorFactory, OrganisationFactory
from intreccio.people.models import (
    Household,
    HouseholdMember,
    IseeDeclaration,
    IseeKind,
    NoFiscalCodeReason,
    Person,
    Relationship,
)
from intreccio.people.search import normalise_name


class PersonFactory(factory.django.DjangoModelFactory[Person]):
    """A person without a codice fiscale by default (reason: not known yet); pass ``fiscal_code=`` for one."""

    class Meta:
        model = Person

    first_name = "Maria"
    last_name = factory.Sequence(lambda n: f"Bianchi{'abcdefghij'[n % 10]}{n}")
    fiscal_code = None
    no_fiscal_code_reason = factory.LazyAttribute(lambda o: "" if o.fiscal_code else NoFiscalCodeReason.UNKNOWN.value)
    birth_date = datetime.date(1980, 5, 17)
    sex = "F"
    registered_by = factory.SubFactory(OrganisationFactory)
    created_by = factory.SubFactory(OperatorFactory)
    search_last_name = factory.LazyAttribute(lambda o: normalise_name(o.last_name))
    search_first_name = factory.LazyAttribute(lambda o: normalise_name(o.first_name))


class HouseholdFactory(factory.django.DjangoModelFactory[Household]):
    class Meta:
        model = Household

    name = factory.Sequence(lambda n: f"Nucleo {n}")
    registered_by = factory.SubFactory(OrganisationFactory)


class HouseholdMemberFactory(factory.django.DjangoModelFactory[HouseholdMember]):
    class Meta:
        model = HouseholdMember

    household = factory.SubFactory(HouseholdFactory)
    person = factory.SubFactory(PersonFactory)
    relationship = Relationship.REFERENCE
    date_in = datetime.date(2020, 1, 1)


class IseeDeclarationFactory(factory.django.DjangoModelFactory[IseeDeclaration]):
    class Meta:
        model = IseeDeclaration

    household = factory.SubFactory(HouseholdFactory)
    kind = IseeKind.ORDINARY
    value = "9360.00"
    valid_from = datetime.date(2026, 1, 15)
    valid_to = datetime.date(2026, 12, 31)
    recorded_by = factory.SubFactory(OperatorFactory)
