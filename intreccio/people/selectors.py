"""Reads of the registry, scoped by people/permissions.py, each sensitive read audited."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import Case, IntegerField, Q, QuerySet, Value, When
from django.http import Http404, HttpRequest
from django.utils import timezone

from intreccio.accounts.models import Operator
from intreccio.audit.services import record_access, record_access_many
from intreccio.people.models import Consent, Household, HouseholdMember, IseeDeclaration, Person
from intreccio.people.permissions import (
    can_register_person,
    can_use_registry,
    visible_households_q,
    visible_persons_q,
)
from intreccio.people.search import ParsedQuery, name_variants, parse_query

SEARCH_LIMIT = 25


@dataclass(frozen=True)
class SearchHit:
    """One search result. Without ``visible`` only the contact may be shown, never the data."""

    person: Person
    visible: bool

    @property
    def contact(self) -> str:
        return str(self.person.registered_by)


def _prefix(field: str, word: str, *, fuzzy: bool) -> Q:
    condition = Q()
    for variant in name_variants(word) if fuzzy else [word]:
        condition |= Q(**{f"{field}__startswith": variant})
    return condition


def _names_condition(parsed: ParsedQuery, *, fuzzy: bool, surname_only: bool = False) -> Q:
    condition = Q()
    for split in parsed.name_splits():
        if surname_only and not split.last_name:
            continue
        reading = Q()
        if split.last_name:
            reading &= _prefix("search_last_name", split.last_name, fuzzy=fuzzy)
        if split.first_name:
            reading &= _prefix("search_first_name", split.first_name, fuzzy=fuzzy)
        condition |= reading
    return condition


def _query_condition(parsed: ParsedQuery) -> Q:
    condition = Q()
    if parsed.fiscal_code_prefix:
        condition &= Q(fiscal_code__startswith=parsed.fiscal_code_prefix)
    if parsed.birth_date:
        condition &= Q(birth_date=parsed.birth_date)
    elif parsed.birth_year:
        condition &= Q(birth_date__year=parsed.birth_year)
    if parsed.names:
        names = _names_condition(parsed, fuzzy=True)
        word = parsed.names[0]
        if len(parsed.names) == 1 and len(word) >= 6 and not parsed.fiscal_code_prefix:
            # Six letters alone may be the start of a codice fiscale (RSSMRA).
            names |= Q(fiscal_code__startswith=word.upper())
        condition &= names
    return condition


def person_search_queryset(parsed: ParsedQuery) -> QuerySet[Person]:
    """Every person matching the query, best first, unscoped: callers decide what may be shown."""
    rank: Value | Case = Value(0)
    if parsed.names:
        rank = Case(
            When(_names_condition(parsed, fuzzy=False, surname_only=True), then=Value(0)),
            When(_names_condition(parsed, fuzzy=False), then=Value(1)),
            default=Value(2),
            output_field=IntegerField(),
        )
    return (
        Person.objects.filter(_query_condition(parsed))
        .annotate(rank=rank)
        .select_related("registered_by")
        .order_by("rank", "search_last_name", "search_first_name", "pk")
    )


def person_search(*, request: HttpRequest, text: str, limit: int = SEARCH_LIMIT) -> list[SearchHit]:
    """The search box: every match, marked visible or only "known to the network".

    Exact readings of the words as a surname come first, then a single word found as a first
    name, then the matches found only through a swapped pair of letters.
    """
    if not can_use_registry(request):
        raise Http404
    parsed = parse_query(text)
    if parsed.is_empty:
        return []
    matches = list(person_search_queryset(parsed)[:limit])
    if not matches:
        return []
    visible_ids = set(
        Person.objects.filter(visible_persons_q(request), pk__in=[p.pk for p in matches]).values_list("pk", flat=True)
    )
    # A name in a result list is a read of that person: it belongs in their access report (R7).
    actor: Operator = request.user  # type: ignore[assignment]
    record_access_many(actor=actor, objs=list(matches), request=request, section="search_result", purpose="search")
    return [SearchHit(person=p, visible=p.pk in visible_ids) for p in matches]


def person_hits_for_user(*, request: HttpRequest, pks: list[int], purpose: str) -> list[SearchHit]:
    """Given persons (the duplicate candidates of a registration) as the operator may see them.

    Showing a candidate's name is a read of that person, so each is recorded like a search result.
    """
    if not can_use_registry(request):
        raise Http404
    persons = list(
        Person.objects.filter(pk__in=pks)
        .select_related("registered_by", "birth_comune")
        .order_by("search_last_name", "search_first_name", "pk")
    )
    visible_ids = set(
        Person.objects.filter(visible_persons_q(request), pk__in=[p.pk for p in persons]).values_list("pk", flat=True)
    )
    actor: Operator = request.user  # type: ignore[assignment]
    for person in persons:
        section = "registry" if person.pk in visible_ids else "search_result"
        record_access(actor=actor, obj=person, request=request, section=section, purpose=purpose)
    return [SearchHit(person=p, visible=p.pk in visible_ids) for p in persons]


@dataclass(frozen=True)
class PersonPage:
    """What the person page shows besides the registry data, read in a fixed number of queries."""

    person: Person
    current_membership: HouseholdMember | None
    current_isee: IseeDeclaration | None
    consents: list[Consent]
    can_edit: bool


def person_page_for_user(*, request: HttpRequest, pk: int, today: datetime.date | None = None) -> PersonPage:
    person = person_get_for_user(request=request, pk=pk, purpose="person_page")
    today = today or timezone.localdate()
    membership = (
        HouseholdMember.objects.filter(person=person, date_out__isnull=True).select_related("household").first()
    )
    isee = None
    if membership is not None:
        isee = (
            IseeDeclaration.objects.filter(household_id=membership.household_id, valid_from__lte=today)
            .filter(valid_to__gte=today)
            .order_by("-valid_from")
            .first()
        )
    consents = list(Consent.objects.filter(person=person).select_related("recipient").order_by("-given_on", "-pk"))
    return PersonPage(
        person=person,
        current_membership=membership,
        current_isee=isee,
        consents=consents,
        can_edit=can_register_person(request),
    )


def person_get_for_update(*, request: HttpRequest, pk: int) -> Person:
    """The person to edit: a registering role and a visible person, otherwise 404."""
    if not can_register_person(request):
        raise Http404
    return person_get_for_user(request=request, pk=pk, purpose="person_edit")


def person_list_visible(*, request: HttpRequest) -> QuerySet[Person]:
    return Person.objects.filter(visible_persons_q(request)).distinct()


def person_get_for_user(*, request: HttpRequest, pk: int, section: str = "registry", purpose: str = "") -> Person:
    """The person if the operator may read them, with the read recorded; otherwise 404."""
    if not can_use_registry(request):
        raise Http404
    person = (
        Person.objects.filter(visible_persons_q(request), pk=pk)
        .select_related("registered_by", "birth_comune", "residence_comune", "domicile_comune", "created_by")
        .prefetch_related("target_groups")
        .distinct()
        .first()
    )
    if person is None:
        raise Http404
    actor: Operator = request.user  # type: ignore[assignment]
    record_access(actor=actor, obj=person, request=request, section=section, purpose=purpose)
    return person


def household_get_for_user(*, request: HttpRequest, pk: int, purpose: str = "") -> Household:
    if not can_use_registry(request):
        raise Http404
    household = (
        Household.objects.filter(visible_households_q(request), pk=pk).select_related("comune").distinct().first()
    )
    if household is None:
        raise Http404
    actor: Operator = request.user  # type: ignore[assignment]
    record_access(actor=actor, obj=household, request=request, section="registry", purpose=purpose)
    return household
