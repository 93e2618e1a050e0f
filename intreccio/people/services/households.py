"""Writes to households and their members, ISEE declarations and consents.

Every service checks everything first and raises one ``ValidationError`` keyed by field, then
writes and records its DomainEvent in the same transaction. Payloads carry references (primary
keys) and the names of the fields written, never their values: a relationship, an ISEE type or
a consent scope is personal data, and the audit trail must not become a second copy of it.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from intreccio.accounts.models import Operator, Organisation
from intreccio.audit.services import record_event
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
from intreccio.people.services.common import Errors, clean_text
from intreccio.territory.models import Comune

# One cent: ISEE values are attested in euro and cents.
CENT = Decimal("0.01")
ISEE_VALUE_LIMIT = Decimal("100000000")


def _date(value: datetime.date) -> str:
    # Messages quote dates the way operators type them, whatever the interface language.
    return value.strftime("%d/%m/%Y")


def _check_household_fields(errors: Errors, *, name: str, comune: Comune | None) -> None:
    if not name:
        errors.add("name", _("Enter a name for the household (usually the reference person's surname)."))
    if comune is not None and not isinstance(comune, Comune):
        errors.add("comune", _("Choose the comune from the list."))


@transaction.atomic
def household_create(
    *,
    actor: Operator,
    organisation: Organisation,
    name: str,
    address: str = "",
    comune: Comune | None = None,
    request: HttpRequest | None = None,
) -> Household:
    errors = Errors()
    name, address = clean_text(name), clean_text(address)
    _check_household_fields(errors, name=name, comune=comune)
    errors.raise_any()
    household = Household.objects.create(name=name, address=address, comune=comune, registered_by=organisation)
    record_event(
        action="people.household.created",
        actor=actor,
        target=household,
        payload={"fields": sorted(f for f, v in (("name", name), ("address", address), ("comune", comune)) if v)},
        request=request,
    )
    return household


def _check_membership(
    errors: Errors, *, household: Household | None, person: Person, relationship: str, date_in: datetime.date
) -> None:
    """The refusals of a new membership; ``household`` is None while the household is being created."""
    if relationship not in Relationship.values:
        errors.add("relationship", _("Choose the relationship from the list."))
    if date_in > timezone.localdate():
        errors.add("date_in", _("The date of joining cannot be in the future."))
    elif person.birth_date and date_in < person.birth_date:
        errors.add("date_in", _("The person cannot join the household before being born: check the date."))
    current = HouseholdMember.objects.filter(person=person, date_out__isnull=True).select_related("household").first()
    if current is not None:
        if household is not None and current.household_id == household.pk:
            errors.add("person", _("This person is already a member of this household."))
        else:
            errors.add(
                "person",
                _("This person is still a member of the household %(name)s: record the date they left it first.")
                % {"name": current.household.name},
            )
        return
    # One household at a time holds for the past too: a new membership starts after the last one ended.
    previous = (
        HouseholdMember.objects.filter(person=person, date_out__gt=date_in)
        .select_related("household")
        .order_by("-date_out")
        .first()
    )
    if previous is not None and previous.date_out is not None:
        errors.add(
            "date_in",
            _(
                "This person was a member of the household %(name)s until %(end)s: "
                "the new membership cannot start before that date."
            )
            % {"name": previous.household.name, "end": _date(previous.date_out)},
        )


def _lock_person(person: Person) -> None:
    # Two operators adding the same person at once: the second waits and then sees the first membership.
    Person.objects.select_for_update().filter(pk=person.pk).first()


def _member_added_event(*, actor: Operator, member: HouseholdMember, request: HttpRequest | None) -> None:
    record_event(
        action="people.household.member_added",
        actor=actor,
        target=member.household,
        payload={"person": member.person_id, "member": member.pk, "fields": ["date_in", "relationship"]},
        request=request,
    )


@transaction.atomic
def household_member_add(
    *,
    actor: Operator,
    household: Household,
    person: Person,
    relationship: str,
    date_in: datetime.date,
    request: HttpRequest | None = None,
) -> HouseholdMember:
    """Add a person to a household. A person is in one household at a time."""
    _lock_person(person)
    errors = Errors()
    _check_membership(errors, household=household, person=person, relationship=relationship, date_in=date_in)
    errors.raise_any()
    member = HouseholdMember.objects.create(
        household=household, person=person, relationship=relationship, date_in=date_in
    )
    _member_added_event(actor=actor, member=member, request=request)
    return member


@transaction.atomic
def household_create_with_reference(
    *,
    actor: Operator,
    organisation: Organisation,
    person: Person,
    date_in: datetime.date,
    name: str,
    address: str = "",
    comune: Comune | None = None,
    request: HttpRequest | None = None,
) -> Household:
    """Create a household around its reference person: both or neither are saved."""
    _lock_person(person)
    errors = Errors()
    name = clean_text(name)
    _check_household_fields(errors, name=name, comune=comune)
    _check_membership(errors, household=None, person=person, relationship=Relationship.REFERENCE, date_in=date_in)
    errors.raise_any()
    household = household_create(
        actor=actor, organisation=organisation, name=name, address=address, comune=comune, request=request
    )
    member = HouseholdMember.objects.create(
        household=household, person=person, relationship=Relationship.REFERENCE, date_in=date_in
    )
    _member_added_event(actor=actor, member=member, request=request)
    return household


@transaction.atomic
def household_member_leave(
    *, actor: Operator, member: HouseholdMember, date_out: datetime.date, request: HttpRequest | None = None
) -> HouseholdMember:
    member = HouseholdMember.objects.select_for_update().select_related("household").get(pk=member.pk)
    errors = Errors()
    if member.date_out is not None:
        errors.add("date_out", _("This person has already left the household."))
    elif date_out < member.date_in:
        errors.add("date_out", _("The date of leaving is before the date of joining: check the dates."))
    elif date_out > timezone.localdate():
        # An open membership is what makes the household the person's current one: it ends when it ends.
        errors.add("date_out", _("The date of leaving cannot be in the future: record it once it has happened."))
    errors.raise_any()
    member.date_out = date_out
    member.save(update_fields=["date_out", "updated_at"])
    record_event(
        action="people.household.member_left",
        actor=actor,
        target=member.household,
        payload={"person": member.person_id, "member": member.pk, "fields": ["date_out"]},
        request=request,
    )
    return member


@transaction.atomic
def isee_record(
    *,
    actor: Operator,
    household: Household,
    kind: str,
    value: Decimal,
    valid_from: datetime.date,
    valid_to: datetime.date,
    dsu_protocol: str = "",
    request: HttpRequest | None = None,
) -> IseeDeclaration:
    """Record an ISEE attestation. Two attestations of the same type may not overlap in time."""
    # Serialise the declarations of one household, so two overlapping ones cannot both pass the check.
    Household.objects.select_for_update().filter(pk=household.pk).first()
    errors = Errors()
    if kind not in IseeKind.values:
        errors.add("kind", _("Choose the type of ISEE from the list."))
    if not isinstance(value, Decimal) or not value.is_finite():
        errors.add("value", _("Enter the ISEE value in euro, e.g. 9.360,50."))
    elif value < 0:
        errors.add("value", _("The ISEE value cannot be negative."))
    elif value >= ISEE_VALUE_LIMIT:
        errors.add("value", _("This ISEE value is too large: check the amount."))
    elif value != value.quantize(CENT):
        errors.add("value", _("Enter the ISEE value with at most two decimals (cents)."))
    if valid_to < valid_from:
        errors.add("valid_to", _("The end of validity is before its start: check the dates."))
    elif kind in IseeKind.values:
        overlapping = IseeDeclaration.objects.filter(
            household=household, kind=kind, valid_from__lte=valid_to, valid_to__gte=valid_from
        ).first()
        if overlapping is not None:
            errors.add(
                "valid_from",
                _("Another ISEE of this type is valid from %(start)s to %(end)s: the periods may not overlap.")
                % {"start": _date(overlapping.valid_from), "end": _date(overlapping.valid_to)},
            )
    errors.raise_any()
    declaration = IseeDeclaration.objects.create(
        household=household,
        kind=kind,
        value=value,
        valid_from=valid_from,
        valid_to=valid_to,
        dsu_protocol=clean_text(dsu_protocol),
        recorded_by=actor,
    )
    fields = ["kind", "valid_from", "valid_to", "value"] + (["dsu_protocol"] if declaration.dsu_protocol else [])
    record_event(
        action="people.isee.recorded",
        actor=actor,
        target=household,
        payload={"isee": declaration.pk, "fields": sorted(fields)},
        request=request,
    )
    return declaration


@transaction.atomic
def consent_record(
    *,
    actor: Operator,
    person: Person,
    scope: str,
    given_on: datetime.date,
    given_by: str,
    recipient: Organisation | None = None,
    document_reference: str = "",
    request: HttpRequest | None = None,
) -> Consent:
    errors = Errors()
    if scope not in ConsentScope.values:
        errors.add("scope", _("Choose what the consent covers from the list."))
    if given_on > timezone.localdate():
        errors.add("given_on", _("A consent cannot be dated in the future."))
    elif person.birth_date and given_on < person.birth_date:
        errors.add("given_on", _("The consent is dated before the person was born: check the date."))
    if not clean_text(given_by):
        errors.add("given_by", _("Enter who signed the consent: the person or their legal representative."))
    errors.raise_any()
    consent = Consent.objects.create(
        person=person,
        scope=scope,
        recipient=recipient,
        given_on=given_on,
        given_by=clean_text(given_by),
        document_reference=clean_text(document_reference),
        recorded_by=actor,
    )
    fields = ["given_by", "given_on", "scope"]
    fields += [name for name, value in (("recipient", recipient), ("document_reference", document_reference)) if value]
    record_event(
        action="people.consent.given",
        actor=actor,
        target=person,
        payload={"consent": consent.pk, "fields": sorted(fields)},
        request=request,
    )
    return consent


@transaction.atomic
def consent_withdraw(
    *, actor: Operator, consent: Consent, withdrawn_on: datetime.date, request: HttpRequest | None = None
) -> Consent:
    consent = Consent.objects.select_for_update().select_related("person").get(pk=consent.pk)
    errors = Errors()
    if consent.withdrawn_on is not None:
        errors.add("withdrawn_on", _("This consent has already been withdrawn."))
    elif withdrawn_on < consent.given_on:
        errors.add("withdrawn_on", _("A consent cannot be withdrawn before it was given: check the date."))
    elif withdrawn_on > timezone.localdate():
        errors.add("withdrawn_on", _("The withdrawal cannot be dated in the future."))
    errors.raise_any()
    consent.withdrawn_on = withdrawn_on
    consent.save(update_fields=["withdrawn_on", "updated_at"])
    record_event(
        action="people.consent.withdrawn",
        actor=actor,
        target=consent.person,
        payload={"consent": consent.pk, "fields": ["withdrawn_on"]},
        request=request,
    )
    return consent
