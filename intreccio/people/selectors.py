"""Reads of the registry, scoped by people/permissions.py, each sensitive read audited."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Q, QuerySet
from django.http import Http404, HttpRequest

from intreccio.accounts.models import Operator
from intreccio.audit.services import record_access
from intreccio.people.models import Household, Person
from intreccio.people.permissions import can_use_registry, visible_households_q, visible_persons_q
from intreccio.people.search import ParsedQuery, parse_query, transpositions

SEARCH_LIMIT = 25


@dataclass(frozen=True)
class SearchHit:
    """One search result. Without ``visible`` only the contact may be shown, never the data."""

    person: Person
    visible: bool

    @property
    def contact(self) -> str:
        return str(self.person.registered_by)


def _name_condition(word: str, field: str) -> Q:
    condition = Q(**{f"{field}__startswith": word})
    # Swapped letters only from the fourth letter on: short prefixes would match too much.
    if len(word) >= 4:
        for variant in transpositions(word):
            condition |= Q(**{f"{field}__startswith": variant})
    return condition


def _query_condition(parsed: ParsedQuery) -> Q:
    condition = Q()
    if parsed.fiscal_code_prefix:
        condition &= Q(fiscal_code__startswith=parsed.fiscal_code_prefix)
    if parsed.birth_year:
        condition &= Q(birth_date__year=parsed.birth_year)
    names = parsed.names
    if names:
        surname_first = _name_condition(names[0], "search_last_name")
        if len(names) > 1:
            rest = "".join(names[1:])
            surname_first &= _name_condition(rest, "search_first_name")
            # "Mario Rossi" as well as "Rossi Mario"; and two-word surnames ("De Luca Anna").
            name_first = _name_condition(names[0], "search_first_name") & _name_condition(rest, "search_last_name")
            compound = _name_condition("".join(names[:2]), "search_last_name")
            if len(names) > 2:
                compound &= _name_condition("".join(names[2:]), "search_first_name")
            condition &= surname_first | name_first | compound
        else:
            single = surname_first
            if len(names[0]) >= 6 and not parsed.fiscal_code_prefix:
                # Six letters alone may be the start of a codice fiscale (RSSMRA).
                single |= Q(fiscal_code__startswith=names[0].upper())
            condition &= single
    return condition


def person_search(*, request: HttpRequest, text: str, limit: int = SEARCH_LIMIT) -> list[SearchHit]:
    """The search box: every match, marked visible or only "known to the network"."""
    if not can_use_registry(request):
        raise Http404
    parsed = parse_query(text)
    if parsed.is_empty:
        return []
    matches = list(
        Person.objects.filter(_query_condition(parsed))
        .select_related("registered_by", "birth_comune", "residence_comune")
        .order_by("search_last_name", "search_first_name", "pk")[:limit]
    )
    visible_ids = set(
        Person.objects.filter(visible_persons_q(request), pk__in=[p.pk for p in matches]).values_list("pk", flat=True)
    )
    # A name in a result list is a read of that person: it belongs in their access report (R7).
    actor: Operator = request.user  # type: ignore[assignment]
    for person in matches:
        record_access(actor=actor, obj=person, request=request, section="search_result", purpose="search")
    return [SearchHit(person=p, visible=p.pk in visible_ids) for p in matches]


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
