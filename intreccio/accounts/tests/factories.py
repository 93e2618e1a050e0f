"""factory_boy factories for the account models; tests across apps build their world with these."""

from __future__ import annotations

from typing import Any

import factory
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

from intreccio.accounts.models import (
    Membership,
    Operator,
    Organisation,
    OrganisationKind,
    Role,
    Structure,
    Team,
    TeamKind,
    TeamMember,
)
from intreccio.territory.models import Ambito

TEST_PASSWORD = "correct-horse-battery-42"


class AmbitoFactory(factory.django.DjangoModelFactory[Ambito]):
    class Meta:
        model = Ambito
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"TEST{n:03d}")
    name = factory.Sequence(lambda n: f"Ambito di prova {n}")
    region = "Lombardia"


class OrganisationFactory(factory.django.DjangoModelFactory[Organisation]):
    class Meta:
        model = Organisation

    name = factory.Sequence(lambda n: f"Ente di prova {n}")
    kind = OrganisationKind.COMUNE
    ambito = factory.SubFactory(AmbitoFactory)


class StructureFactory(factory.django.DjangoModelFactory[Structure]):
    class Meta:
        model = Structure

    organisation = factory.SubFactory(OrganisationFactory)
    name = factory.Sequence(lambda n: f"Servizio {n}")


class OperatorFactory(factory.django.DjangoModelFactory[Operator]):
    class Meta:
        model = Operator
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"operator{n}")
    first_name = "Anna"
    last_name = factory.Sequence(lambda n: f"Rossi{n}")
    email = factory.LazyAttribute(lambda o: f"{o.username}@example.org")

    @factory.post_generation
    def password(self, create, extracted, **kwargs):  # untyped: factory_boy passes the Operator as self
        self.set_password(extracted or TEST_PASSWORD)  # type: ignore[attr-defined]
        if create:
            self.save(update_fields=["password"])  # type: ignore[attr-defined]

    @factory.post_generation
    def totp(self, create, extracted, **kwargs):
        """Operators get a TOTP authenticator unless ``totp=False``: MFA is mandatory."""
        if create and extracted is not False:
            TOTP.activate(self, generate_totp_secret())


class MembershipFactory(factory.django.DjangoModelFactory[Membership]):
    class Meta:
        model = Membership

    operator = factory.SubFactory(OperatorFactory)
    structure = factory.SubFactory(StructureFactory)
    role = Role.SOCIAL_WORKER


class TeamFactory(factory.django.DjangoModelFactory[Team]):
    class Meta:
        model = Team

    name = factory.Sequence(lambda n: f"Gruppo {n}")
    kind = TeamKind.SERVICE_TEAM
    ambito = factory.SubFactory(AmbitoFactory)


class TeamMemberFactory(factory.django.DjangoModelFactory[TeamMember]):
    class Meta:
        model = TeamMember

    team = factory.SubFactory(TeamFactory)
    operator = factory.SubFactory(OperatorFactory)


def operator_with_role(role: str, *, structure: Structure | None = None, **kwargs: Any) -> Operator:
    """An operator with one current membership in ``role`` (and a TOTP device)."""
    operator = OperatorFactory.create(**kwargs)
    MembershipFactory.create(operator=operator, role=role, structure=structure or StructureFactory.create())
    return operator
