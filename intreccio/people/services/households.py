"""Writes to households and their members, ISEE declarations and consents."""

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
    name = clean_text(name)
    if not name:
        errors.add("name", _("Enter a name for the household (usually the reference person's surname)."))
    errors.raise_any()
    household = Household.objects.create(
        name=name, address=clean_text(address), comune=comune, registered_by=organisation
    )
    record_event(action="people.household.created", actor=actor, target=household, request=request)
    return household


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
    errors = Errors()
    if relationship not in Relationship.values:
        errors.add("relationship", _("Choose the relationship from the list."))
    if person.birth_date and date_in < person.birth_date:
        errors.add("date_in", _("The person cannot join the household before being born: check the date."))
    current = HouseholdMember.objects.filter(person=person, date_out__isnull=True).select_related("household").first()
    if current is not None:
        if current.household_id == household.pk:
            errors.add("person", _("This person is already a member of this household."))
        else:
            errors.add(
                "person",
                _("This person is still a member of the household %(name)s: record the date they left it first.")
                % {"name": current.household.name},
            )
    errors.raise_any()
    member = HouseholdMember.objects.create(
        household=household, person=person, relationship=relationship, date_in=date_in
    )
    record_event(
        action="people.household.member_added",
        actor=actor,
        target=household,
        payload={"person": person.pk, "relationship": relationship},
        request=request,
    )
    return member


@transaction.atomic
def household_member_leave(
    *, actor: Operator, member: HouseholdMember, date_out: datetime.date, request: HttpRequest | None = None
) -> HouseholdMember:
    errors = Errors()
    if member.date_out is not None:
        errors.add("date_out", _("This person has already left the household."))
    elif date_out < member.date_in:
        errors.add("date_out", _("The date of leaving is before the date of joining: check the dates."))
    errors.raise_any()
    member.date_out = date_out
    member.save(update_fields=["date_out", "updated_at"])
    record_event(
        action="people.household.member_left",
        actor=actor,
        target=member.household,
        payload={"person": member.person_id},
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
    errors = Errors()
    if kind not in IseeKind.values:
        errors.add("kind", _("Choose the type of ISEE from the list."))
    if value is None or value < 0:
        errors.add("value", _("The ISEE value cannot be negative."))
    elif value >= Decimal("100000000"):
        errors.add("value", _("This ISEE value is too large: check the amount."))
    if valid_to < valid_from:
        errors.add("valid_to", _("The end of validity is before its start: check the dates."))
    else:
        overlapping = IseeDeclaration.objects.filter(
            household=household, kind=kind, valid_from__lte=valid_to, valid_to__gte=valid_from
        ).first()
        if overlapping is not None:
            errors.add(
                "valid_from",
                _("Another ISEE of this type is valid from %(start)s to %(end)s: the periods may not overlap.")
                % {
                    "start": overlapping.valid_from.strftime("%d/%m/%Y"),
                    "end": overlapping.valid_to.strftime("%d/%m/%Y"),
                },
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
    record_event(action="people.isee.recorded", actor=actor, target=household, payload={"kind": kind}, request=request)
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
    record_event(action="people.consent.given", actor=actor, target=person, payload={"scope": scope}, request=request)
    return consent


@transaction.atomic
def consent_withdraw(
    *, actor: Operator, consent: Consent, withdrawn_on: datetime.date, request: HttpRequest | None = None
) -> Consent:
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
        payload={"scope": consent.scope},
        request=request,
    )
    return consent
