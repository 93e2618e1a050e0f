"""Household, ISEE and consent services: each success and each refusal; the database constraints behind them.

Alice is a social worker of the Comune di Cremona; the Rossi household is hers.
"""

from __future__ import annotations

import datetime
import json
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from intreccio.accounts.models import Operator, Organisation, Role
from intreccio.accounts.tests.factories import OrganisationFactory, StructureFactory, operator_with_role
from intreccio.audit.models import DomainEvent
from intreccio.people.models import (
    Consent,
    ConsentScope,
    Household,
    HouseholdMember,
    IseeDeclaration,
    IseeKind,
    Person,
    Relationship,
)
from intreccio.people.services import households as services
from intreccio.people.tests.factories import (
    HouseholdFactory,
    HouseholdMemberFactory,
    IseeDeclarationFactory,
    PersonFactory,
)

TODAY = timezone.localdate()
D = datetime.date


@pytest.fixture
def organisation(db: None) -> Organisation:
    return OrganisationFactory.create(name="Comune di Cremona")


@pytest.fixture
def alice(organisation: Organisation) -> Operator:
    structure = StructureFactory.create(organisation=organisation)
    return operator_with_role(Role.SOCIAL_WORKER, structure=structure, username="alice")


@pytest.fixture
def household(organisation: Organisation) -> Household:
    return HouseholdFactory.create(registered_by=organisation, name="Famiglia Rossi")


@pytest.fixture
def mario(organisation: Organisation) -> Person:
    return PersonFactory.create(
        registered_by=organisation, first_name="Mario", last_name="Rossi", birth_date=D(1975, 3, 2)
    )


def _errors(exc: pytest.ExceptionInfo[ValidationError]) -> dict[str, list[str]]:
    return exc.value.message_dict


def _events(action: str) -> list[DomainEvent]:
    return list(DomainEvent.objects.filter(action=action))


def _assert_no_personal_values(event: DomainEvent, *values: Any) -> None:
    """The payload names references and fields; none of the values written may appear in it."""
    text = json.dumps(event.payload)
    for value in values:
        assert str(value) not in text, (event.action, value, text)


class TestHouseholdCreate:
    def test_creates_and_records_the_event(self, alice: Operator, organisation: Organisation) -> None:
        household = services.household_create(
            actor=alice, organisation=organisation, name="  Famiglia   Bianchi ", address="Via Roma 1"
        )
        assert household.name == "Famiglia Bianchi"
        assert household.registered_by == organisation
        (event,) = _events("people.household.created")
        assert event.target_id == str(household.pk)
        assert event.payload == {"fields": ["address", "name"]}
        _assert_no_personal_values(event, "Bianchi", "Via Roma")

    def test_refuses_a_blank_name(self, alice: Operator, organisation: Organisation) -> None:
        with pytest.raises(ValidationError) as exc:
            services.household_create(actor=alice, organisation=organisation, name="   ")
        assert "name" in _errors(exc)
        assert Household.objects.count() == 0
        assert DomainEvent.objects.count() == 0

    def test_with_reference_creates_both(self, alice: Operator, organisation: Organisation, mario: Person) -> None:
        household = services.household_create_with_reference(
            actor=alice, organisation=organisation, person=mario, date_in=D(2024, 1, 10), name="Famiglia Rossi"
        )
        member = household.members.get()
        assert (member.person, member.relationship, member.date_in) == (mario, Relationship.REFERENCE, D(2024, 1, 10))
        assert [e.action for e in DomainEvent.objects.order_by("seq")] == [
            "people.household.created",
            "people.household.member_added",
        ]

    def test_with_reference_saves_nothing_when_the_person_is_in_another_household(
        self, alice: Operator, organisation: Organisation, mario: Person, household: Household
    ) -> None:
        HouseholdMemberFactory.create(household=household, person=mario)
        before = (Household.objects.count(), HouseholdMember.objects.count(), DomainEvent.objects.count())
        with pytest.raises(ValidationError) as exc:
            services.household_create_with_reference(
                actor=alice, organisation=organisation, person=mario, date_in=TODAY, name=""
            )
        errors = _errors(exc)
        assert "Famiglia Rossi" in errors["person"][0]
        assert "name" in errors  # every refusal at once
        assert (Household.objects.count(), HouseholdMember.objects.count(), DomainEvent.objects.count()) == before


class TestMembers:
    def test_add(self, alice: Operator, household: Household, mario: Person) -> None:
        member = services.household_member_add(
            actor=alice, household=household, person=mario, relationship=Relationship.SPOUSE, date_in=D(2020, 5, 1)
        )
        assert member.date_out is None
        (event,) = _events("people.household.member_added")
        assert event.payload == {"person": mario.pk, "member": member.pk, "fields": ["date_in", "relationship"]}
        _assert_no_personal_values(event, Relationship.SPOUSE, "2020-05-01", "Rossi")

    def test_refuses_the_same_person_twice(self, alice: Operator, household: Household, mario: Person) -> None:
        HouseholdMemberFactory.create(household=household, person=mario)
        with pytest.raises(ValidationError) as exc:
            services.household_member_add(
                actor=alice, household=household, person=mario, relationship="child", date_in=TODAY
            )
        assert _errors(exc)["person"] == ["This person is already a member of this household."]
        assert HouseholdMember.objects.count() == 1

    def test_refuses_a_person_still_in_another_household(
        self, alice: Operator, household: Household, mario: Person, organisation: Organisation
    ) -> None:
        HouseholdMemberFactory.create(household=household, person=mario)
        other = HouseholdFactory.create(registered_by=organisation, name="Famiglia Verdi")
        with pytest.raises(ValidationError) as exc:
            services.household_member_add(
                actor=alice, household=other, person=mario, relationship="child", date_in=TODAY
            )
        assert "Famiglia Rossi" in _errors(exc)["person"][0]
        assert not other.members.exists()

    def test_refuses_a_start_inside_a_past_membership(
        self, alice: Operator, household: Household, mario: Person, organisation: Organisation
    ) -> None:
        HouseholdMemberFactory.create(household=household, person=mario, date_in=D(2020, 1, 1), date_out=D(2023, 6, 30))
        other = HouseholdFactory.create(registered_by=organisation)
        with pytest.raises(ValidationError) as exc:
            services.household_member_add(
                actor=alice, household=other, person=mario, relationship="child", date_in=D(2023, 1, 1)
            )
        assert "30/06/2023" in _errors(exc)["date_in"][0]
        # From the day they left, they may join.
        services.household_member_add(
            actor=alice, household=other, person=mario, relationship="child", date_in=D(2023, 6, 30)
        )

    @pytest.mark.parametrize(
        ("field", "kwargs"),
        [
            ("relationship", {"relationship": "butler"}),
            ("date_in", {"date_in": D(1970, 1, 1)}),  # before birth
            ("date_in", {"date_in": TODAY + datetime.timedelta(days=1)}),
        ],
    )
    def test_refusals(
        self, alice: Operator, household: Household, mario: Person, field: str, kwargs: dict[str, Any]
    ) -> None:
        values: dict[str, Any] = {"relationship": "child", "date_in": D(2020, 1, 1), **kwargs}
        with pytest.raises(ValidationError) as exc:
            services.household_member_add(actor=alice, household=household, person=mario, **values)
        assert field in _errors(exc)
        assert not HouseholdMember.objects.exists()
        assert not DomainEvent.objects.exists()

    def test_leave(self, alice: Operator, household: Household, mario: Person) -> None:
        member = HouseholdMemberFactory.create(household=household, person=mario, date_in=D(2020, 1, 1))
        services.household_member_leave(actor=alice, member=member, date_out=D(2024, 2, 29))
        member.refresh_from_db()
        assert member.date_out == D(2024, 2, 29)
        (event,) = _events("people.household.member_left")
        assert event.payload == {"person": mario.pk, "member": member.pk, "fields": ["date_out"]}

    @pytest.mark.parametrize(
        ("date_out", "already_left", "message"),
        [
            (D(2019, 12, 31), False, "before the date of joining"),
            (TODAY + datetime.timedelta(days=1), False, "cannot be in the future"),
            (D(2022, 1, 1), True, "already left"),
        ],
    )
    def test_leave_refusals(
        self,
        alice: Operator,
        household: Household,
        mario: Person,
        date_out: datetime.date,
        already_left: bool,
        message: str,
    ) -> None:
        member = HouseholdMemberFactory.create(
            household=household, person=mario, date_in=D(2020, 1, 1), date_out=D(2021, 1, 1) if already_left else None
        )
        with pytest.raises(ValidationError) as exc:
            services.household_member_leave(actor=alice, member=member, date_out=date_out)
        assert message in _errors(exc)["date_out"][0]
        member.refresh_from_db()
        assert member.date_out == (D(2021, 1, 1) if already_left else None)
        assert not DomainEvent.objects.exists()


class TestIsee:
    def _record(self, alice: Operator, household: Household, **kwargs: Any) -> IseeDeclaration:
        values: dict[str, Any] = {
            "kind": IseeKind.ORDINARY,
            "value": Decimal("9360.50"),
            "valid_from": D(2025, 1, 15),
            "valid_to": D(2025, 12, 31),
            "dsu_protocol": "INPS-ISEE-2025-00012345A-00",
            **kwargs,
        }
        return services.isee_record(actor=alice, household=household, **values)

    def test_record(self, alice: Operator, household: Household) -> None:
        isee = self._record(alice, household)
        assert isee.value == Decimal("9360.50")
        (event,) = _events("people.isee.recorded")
        assert event.payload == {"isee": isee.pk, "fields": ["dsu_protocol", "kind", "valid_from", "valid_to", "value"]}
        _assert_no_personal_values(event, "9360", IseeKind.ORDINARY.value, "INPS", "2025-01-15")

    def test_zero_is_a_value(self, alice: Operator, household: Household) -> None:
        assert self._record(alice, household, value=Decimal("0")).value == 0

    def test_other_kinds_may_overlap(self, alice: Operator, household: Household) -> None:
        self._record(alice, household)
        self._record(alice, household, kind=IseeKind.CURRENT, valid_from=D(2025, 6, 1), valid_to=D(2025, 11, 30))
        assert household.isee_declarations.count() == 2

    def test_consecutive_periods_are_fine(self, alice: Operator, household: Household) -> None:
        self._record(alice, household)
        self._record(alice, household, valid_from=D(2026, 1, 1), valid_to=D(2026, 12, 31))

    @pytest.mark.parametrize(
        ("field", "kwargs", "message"),
        [
            ("value", {"value": Decimal("-0.01")}, "The ISEE value cannot be negative."),
            ("value", {"value": Decimal("100000000")}, "This ISEE value is too large: check the amount."),
            ("value", {"value": Decimal("10.001")}, "Enter the ISEE value with at most two decimals (cents)."),
            ("value", {"value": Decimal("NaN")}, "Enter the ISEE value in euro, e.g. 9.360,50."),
            ("kind", {"kind": "lottery"}, "Choose the type of ISEE from the list."),
            (
                "valid_to",
                {"valid_from": D(2025, 6, 1), "valid_to": D(2025, 5, 31)},
                "The end of validity is before its start: check the dates.",
            ),
        ],
    )
    def test_refusals(
        self, alice: Operator, household: Household, field: str, kwargs: dict[str, Any], message: str
    ) -> None:
        with pytest.raises(ValidationError) as exc:
            self._record(alice, household, **kwargs)
        assert _errors(exc)[field] == [message]
        assert not IseeDeclaration.objects.exists()
        assert not DomainEvent.objects.exists()

    @pytest.mark.parametrize(
        ("start", "end"),
        [
            (D(2025, 12, 31), D(2026, 6, 30)),  # touches the last day
            (D(2024, 6, 1), D(2025, 1, 15)),  # touches the first day
            (D(2025, 3, 1), D(2025, 4, 1)),  # inside
            (D(2024, 1, 1), D(2026, 12, 31)),  # around
        ],
    )
    def test_refuses_overlapping_validity(
        self, alice: Operator, household: Household, start: datetime.date, end: datetime.date
    ) -> None:
        self._record(alice, household)
        with pytest.raises(ValidationError) as exc:
            self._record(alice, household, valid_from=start, valid_to=end)
        assert "15/01/2025" in _errors(exc)["valid_from"][0]
        assert "31/12/2025" in _errors(exc)["valid_from"][0]
        assert household.isee_declarations.count() == 1
        assert len(_events("people.isee.recorded")) == 1

    def test_another_household_does_not_overlap(
        self, alice: Operator, household: Household, organisation: Organisation
    ) -> None:
        self._record(alice, household)
        self._record(alice, HouseholdFactory.create(registered_by=organisation))


class TestConsents:
    def test_record_and_withdraw(self, alice: Operator, mario: Person, organisation: Organisation) -> None:
        consent = services.consent_record(
            actor=alice,
            person=mario,
            scope=ConsentScope.HEALTH_SHARING,
            given_on=D(2025, 2, 1),
            given_by=" Mario  Rossi ",
            recipient=organisation,
            document_reference="Prot. 123/2025",
        )
        assert consent.given_by == "Mario Rossi"
        (given,) = _events("people.consent.given")
        assert given.payload == {
            "consent": consent.pk,
            "fields": ["document_reference", "given_by", "given_on", "recipient", "scope"],
        }
        _assert_no_personal_values(given, ConsentScope.HEALTH_SHARING.value, "Mario", "123/2025")
        services.consent_withdraw(actor=alice, consent=consent, withdrawn_on=TODAY)
        consent.refresh_from_db()
        assert consent.withdrawn_on == TODAY
        (withdrawn,) = _events("people.consent.withdrawn")
        assert withdrawn.payload == {"consent": consent.pk, "fields": ["withdrawn_on"]}

    @pytest.mark.parametrize(
        ("field", "kwargs"),
        [
            ("scope", {"scope": "everything"}),
            ("given_on", {"given_on": TODAY + datetime.timedelta(days=1)}),
            ("given_on", {"given_on": D(1970, 1, 1)}),  # before birth
            ("given_by", {"given_by": "  "}),
        ],
    )
    def test_record_refusals(self, alice: Operator, mario: Person, field: str, kwargs: dict[str, Any]) -> None:
        values: dict[str, Any] = {
            "scope": ConsentScope.NETWORK_SHARING,
            "given_on": D(2025, 2, 1),
            "given_by": "Mario Rossi",
            **kwargs,
        }
        with pytest.raises(ValidationError) as exc:
            services.consent_record(actor=alice, person=mario, **values)
        assert field in _errors(exc)
        assert not Consent.objects.exists()
        assert not DomainEvent.objects.exists()

    @pytest.mark.parametrize(
        ("withdrawn_on", "already", "message"),
        [
            (D(2025, 1, 31), False, "before it was given"),
            (TODAY + datetime.timedelta(days=1), False, "in the future"),
            (TODAY, True, "already been withdrawn"),
        ],
    )
    def test_withdraw_refusals(
        self, alice: Operator, mario: Person, withdrawn_on: datetime.date, already: bool, message: str
    ) -> None:
        consent = Consent.objects.create(
            person=mario,
            scope=ConsentScope.CONTACT,
            given_on=D(2025, 2, 1),
            given_by="Mario Rossi",
            recorded_by=alice,
            withdrawn_on=D(2025, 3, 1) if already else None,
        )
        with pytest.raises(ValidationError) as exc:
            services.consent_withdraw(actor=alice, consent=consent, withdrawn_on=withdrawn_on)
        assert message in _errors(exc)["withdrawn_on"][0]
        consent.refresh_from_db()
        assert consent.withdrawn_on == (D(2025, 3, 1) if already else None)
        assert not DomainEvent.objects.exists()


class TestConstraints:
    """The database refuses what the services refuse, for writes that bypass them."""

    def _refused(self, **create: Any) -> None:
        model = create.pop("model")
        with pytest.raises(IntegrityError), transaction.atomic():
            model.objects.create(**create)

    def test_household_name_not_blank(self, organisation: Organisation) -> None:
        self._refused(model=Household, name="", registered_by=organisation)

    def test_one_current_household(self, household: Household, mario: Person, organisation: Organisation) -> None:
        HouseholdMemberFactory.create(household=household, person=mario)
        other = HouseholdFactory.create(registered_by=organisation)
        self._refused(model=HouseholdMember, household=other, person=mario, relationship="child", date_in=TODAY)

    def test_member_dates_ordered(self, household: Household, mario: Person) -> None:
        self._refused(
            model=HouseholdMember,
            household=household,
            person=mario,
            relationship="child",
            date_in=D(2024, 1, 2),
            date_out=D(2024, 1, 1),
        )

    def test_member_unique_start(self, household: Household, mario: Person) -> None:
        HouseholdMemberFactory.create(household=household, person=mario, date_in=D(2020, 1, 1), date_out=D(2021, 1, 1))
        self._refused(
            model=HouseholdMember,
            household=household,
            person=mario,
            relationship="child",
            date_in=D(2020, 1, 1),
            date_out=D(2020, 6, 1),
        )

    def test_member_relationship_known(self, household: Household, mario: Person) -> None:
        self._refused(model=HouseholdMember, household=household, person=mario, relationship="butler", date_in=TODAY)

    def test_isee_not_negative(self, household: Household, alice: Operator) -> None:
        self._refused(
            model=IseeDeclaration,
            household=household,
            value=Decimal("-1"),
            valid_from=D(2025, 1, 1),
            valid_to=D(2025, 12, 31),
            recorded_by=alice,
        )

    def test_isee_dates_ordered(self, household: Household, alice: Operator) -> None:
        self._refused(
            model=IseeDeclaration,
            household=household,
            value=Decimal("1"),
            valid_from=D(2025, 2, 1),
            valid_to=D(2025, 1, 31),
            recorded_by=alice,
        )

    def test_isee_unique_start(self, household: Household, alice: Operator) -> None:
        IseeDeclarationFactory.create(household=household, valid_from=D(2025, 1, 1), valid_to=D(2025, 1, 31))
        self._refused(
            model=IseeDeclaration,
            household=household,
            value=Decimal("1"),
            valid_from=D(2025, 1, 1),
            valid_to=D(2025, 12, 31),
            recorded_by=alice,
        )

    def test_consent_withdrawn_after_given(self, mario: Person, alice: Operator) -> None:
        self._refused(
            model=Consent,
            person=mario,
            scope=ConsentScope.CONTACT,
            given_on=D(2025, 2, 1),
            withdrawn_on=D(2025, 1, 31),
            given_by="Mario Rossi",
            recorded_by=alice,
        )

    def test_consent_scope_known(self, mario: Person, alice: Operator) -> None:
        self._refused(
            model=Consent, person=mario, scope="everything", given_on=D(2025, 2, 1), given_by="x", recorded_by=alice
        )
