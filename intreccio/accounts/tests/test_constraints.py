"""Every database constraint of accounts/models.py refuses bad rows, on SQLite and PostgreSQL alike."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any

import pytest
from django.db import IntegrityError, transaction

from intreccio.accounts.models import (
    Membership,
    Organisation,
    OrganisationKind,
    Team,
    TeamKind,
    TeamMember,
)
from intreccio.accounts.tests.factories import (
    AmbitoFactory,
    MembershipFactory,
    OperatorFactory,
    OrganisationFactory,
    StructureFactory,
    TeamFactory,
    TeamMemberFactory,
)

pytestmark = pytest.mark.django_db

DAY = datetime.date(2025, 3, 10)


def _blank_organisation_name() -> None:
    Organisation.objects.create(name="", kind=OrganisationKind.COMUNE, ambito=AmbitoFactory.create())


def _bad_tax_code() -> None:
    OrganisationFactory.create(tax_code="1234")


def _lowercase_tax_code() -> None:
    OrganisationFactory.create(tax_code="rssmra80a01h501u")


def _blank_structure_name() -> None:
    StructureFactory.create(name="")


def _duplicate_structure_name() -> None:
    structure = StructureFactory.create(name="Segretariato")
    StructureFactory.create(organisation=structure.organisation, name="Segretariato")


def _bad_fiscal_code() -> None:
    OperatorFactory.create(fiscal_code="RSSMRA80A01H501")


def _lowercase_fiscal_code() -> None:
    OperatorFactory.create(fiscal_code="rssmra80a01h501u")


def _membership_ends_before_start() -> None:
    MembershipFactory.create(valid_from=DAY, valid_to=DAY - datetime.timedelta(days=1))


def _membership_same_start() -> None:
    membership = MembershipFactory.create(valid_from=DAY)
    Membership.objects.create(
        operator=membership.operator, structure=membership.structure, role=membership.role, valid_from=DAY
    )


def _membership_unknown_role() -> None:
    MembershipFactory.create(role="wizard")


def _blank_team_name() -> None:
    TeamFactory.create(name="")


def _duplicate_team_name() -> None:
    team = TeamFactory.create(name="Equipe")
    TeamFactory.create(name="Equipe", ambito=team.ambito)


def _two_active_coordination_groups() -> None:
    team = TeamFactory.create(kind=TeamKind.COORDINATION_GROUP)
    TeamFactory.create(kind=TeamKind.COORDINATION_GROUP, ambito=team.ambito)


def _two_chairs() -> None:
    member = TeamMemberFactory.create(is_chair=True)
    TeamMemberFactory.create(team=member.team, is_chair=True)


def _duplicate_organisation_name_in_ambito() -> None:
    organisation = OrganisationFactory.create(name="Comune di Cremona")
    OrganisationFactory.create(name="Comune di Cremona", ambito=organisation.ambito)


def _duplicate_team_member() -> None:
    member = TeamMemberFactory.create()
    TeamMember.objects.create(team=member.team, operator=member.operator)


@pytest.mark.parametrize(
    "make",
    [
        _blank_organisation_name,
        _duplicate_organisation_name_in_ambito,
        _bad_tax_code,
        _lowercase_tax_code,
        _blank_structure_name,
        _duplicate_structure_name,
        _bad_fiscal_code,
        _lowercase_fiscal_code,
        _membership_ends_before_start,
        _membership_same_start,
        _membership_unknown_role,
        _blank_team_name,
        _duplicate_team_name,
        _two_active_coordination_groups,
        _two_chairs,
        _duplicate_team_member,
    ],
)
def test_database_refuses(make: Callable[[], None]) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        make()


def test_database_accepts_the_good_shapes() -> None:
    organisation = OrganisationFactory.create(tax_code="00297960197")
    OrganisationFactory.create(tax_code="RSSMRA80A01H501U", ambito=organisation.ambito)
    OperatorFactory.create(fiscal_code="RSSMRA80A01H501U")
    MembershipFactory.create(valid_from=DAY, valid_to=DAY)
    # An inactive coordination group may sit beside the active one (a replaced group stays in history).
    team = TeamFactory.create(kind=TeamKind.COORDINATION_GROUP)
    TeamFactory.create(kind=TeamKind.COORDINATION_GROUP, ambito=team.ambito, is_active=False)
    # The same organisation name is fine in two ambiti, the same structure name in two organisations.
    OrganisationFactory.create(name="Comune di Cremona")
    OrganisationFactory.create(name="Comune di Cremona")
    StructureFactory.create(name="Segretariato")
    StructureFactory.create(name="Segretariato")
    assert Team.objects.count() == 2


class TestCurrentMemberships:
    @pytest.fixture
    def membership(self) -> Membership:
        return MembershipFactory.create(valid_from=DAY, valid_to=DAY + datetime.timedelta(days=10))

    @pytest.mark.parametrize(
        ("offset", "current"),
        [(-1, False), (0, True), (5, True), (10, True), (11, False)],
    )
    def test_boundaries(self, membership: Membership, offset: int, current: bool) -> None:
        day = DAY + datetime.timedelta(days=offset)
        assert membership.is_current(day) is current
        assert (membership in Membership.objects.current(day)) is current

    def test_open_ended(self) -> None:
        membership = MembershipFactory.create(valid_from=DAY)
        assert membership.is_current(DAY + datetime.timedelta(days=3650))
        assert not membership.is_current(DAY - datetime.timedelta(days=1))

    def test_today_by_default(self) -> None:
        membership = MembershipFactory.create()
        assert membership.is_current()
        assert list(Membership.objects.current()) == [membership]

    @pytest.mark.parametrize("inactive", ["operator", "structure", "organisation"])
    def test_inactive_things_end_current_memberships(self, membership: Membership, inactive: str) -> None:
        target: Any = {
            "operator": membership.operator,
            "structure": membership.structure,
            "organisation": membership.structure.organisation,
        }[inactive]
        target.is_active = False
        target.save()
        assert not Membership.objects.current(DAY).exists()
        assert membership.is_current(DAY)  # the predicate speaks of dates only
