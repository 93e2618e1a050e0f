"""Reads of households (members, ISEE over time) and of a person's consents, scoped and audited.

The household itself is fetched through ``people.selectors.household_get_for_user`` (404 unless
visible, AccessEvent written); what hangs off it is read here in a fixed number of queries, so
a household of twenty members costs what one of three does.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.db.models import F, QuerySet
from django.http import Http404, HttpRequest
from django.utils import timezone

from intreccio.accounts.models import Organisation
from intreccio.people.models import Consent, Household, HouseholdMember, IseeDeclaration, Person, Relationship
from intreccio.people.permissions import visible_persons_q
from intreccio.people.selectors import household_get_for_user, person_get_for_user, person_search
from intreccio.territory.models import Comune


@dataclass(frozen=True)
class HouseholdPage:
    household: Household
    current_members: list[HouseholdMember]
    past_members: list[HouseholdMember]
    isee_declarations: list[IseeDeclaration]
    # Declarations valid today (one per type at most): the page highlights them.
    valid_isee_ids: frozenset[int]
    # Members whose registry data the operator may read: only these are linked, with their birth date.
    visible_person_ids: frozenset[int] = field(default_factory=frozenset)


def household_page_for_user(*, request: HttpRequest, pk: int, today: datetime.date | None = None) -> HouseholdPage:
    household = household_get_for_user(request=request, pk=pk, purpose="household_page")
    today = today or timezone.localdate()
    members = list(
        HouseholdMember.objects.filter(household=household)
        .select_related("person", "person__registered_by")
        .order_by("date_in", "person__last_name", "person__first_name", "pk")
    )
    declarations = list(IseeDeclaration.objects.filter(household=household).order_by("-valid_from", "kind", "pk"))
    person_ids = [m.person_id for m in members]
    visible = (
        frozenset(Person.objects.filter(visible_persons_q(request), pk__in=person_ids).values_list("pk", flat=True))
        if person_ids
        else frozenset()
    )
    return HouseholdPage(
        household=household,
        # The reference person heads the list; then by date of joining.
        current_members=sorted(
            (m for m in members if m.date_out is None), key=lambda m: m.relationship != Relationship.REFERENCE
        ),
        past_members=sorted(
            (m for m in members if m.date_out is not None), key=lambda m: m.date_out or today, reverse=True
        ),
        isee_declarations=declarations,
        valid_isee_ids=frozenset(d.pk for d in declarations if d.valid_from <= today <= d.valid_to),
        visible_person_ids=visible,
    )


def household_member_get_for_user(*, request: HttpRequest, household_pk: int, pk: int) -> HouseholdMember:
    """A member of a household the operator may see (the household read is recorded); otherwise 404."""
    household = household_get_for_user(request=request, pk=household_pk, purpose="household_member")
    member = HouseholdMember.objects.filter(household=household, pk=pk).select_related("person").first()
    if member is None:
        raise Http404
    member.household = household
    return member


def household_person_get_for_user(*, request: HttpRequest, pk: int | None) -> Person | None:
    """A person the operator may see, to add to a household; None when absent or not visible."""
    if pk is None:
        return None
    try:
        return person_get_for_user(request=request, pk=pk, purpose="household_member")
    except Http404:
        return None


@dataclass(frozen=True)
class PersonChoice:
    person: Person
    # The household the person is in now: they must leave it before joining another.
    current_household: Household | None


def household_person_choices(*, request: HttpRequest, text: str) -> list[PersonChoice]:
    """Search hits the operator may see: only these can be added to a household from the form."""
    persons = [hit.person for hit in person_search(request=request, text=text) if hit.visible]
    current = {
        m.person_id: m.household
        for m in HouseholdMember.objects.filter(person__in=persons, date_out__isnull=True).select_related("household")
    }
    return [PersonChoice(person=p, current_household=current.get(p.pk)) for p in persons]


def household_current_for_person(*, person: Person) -> Household | None:
    """The household the person belongs to now, if any (at most one, by constraint)."""
    member = HouseholdMember.objects.filter(person=person, date_out__isnull=True).select_related("household").first()
    return member.household if member is not None else None


def household_comune_choices(*, organisation: Organisation) -> QuerySet[Comune]:
    return Comune.objects.filter(ambito_id=organisation.ambito_id).order_by("name")


def consent_recipient_choices(*, organisation: Organisation) -> QuerySet[Organisation]:
    """The organisations of the operator's network (their ambito) a consent may name."""
    return Organisation.objects.filter(ambito_id=organisation.ambito_id, is_active=True).order_by("name")


def consent_list_for_person(person: Person) -> QuerySet[Consent]:
    """The person's consents, current first, then withdrawn; newest first within each."""
    return (
        Consent.objects.filter(person=person)
        .select_related("recipient")
        .order_by(F("withdrawn_on").asc(nulls_first=True), "-given_on", "-pk")
    )


def consent_get_for_user(*, request: HttpRequest, person_pk: int, pk: int) -> Consent:
    """A consent of a person the operator may see (the person read is recorded); otherwise 404."""
    person = person_get_for_user(request=request, pk=person_pk, section="consents", purpose="consent")
    consent = Consent.objects.filter(person=person, pk=pk).select_related("recipient").first()
    if consent is None:
        raise Http404
    consent.person = person
    return consent
