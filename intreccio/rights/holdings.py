"""Everything held on one person, found generically through Django's relations.

The walk starts from the person and the households they belong or belonged to, and follows every
relation that points *at* what it has reached (a case's notes, a plan's goals, a meeting's
decisions…), in any Intreccio app, including apps written after this one. It never follows a
relation outwards (to an operator, a service of the catalogue, an organisation): those are named,
not walked. So it finds the person's registry data, households and memberships, ISEE
declarations and income measures, consents, legal representatives, intakes and pre-assessments,
cases with their team and notes of every section, assessments, plans, pacts, goals, commitments,
interventions, check-ins, meetings and decisions, referrals, requests… without a list to keep up.

Other people are not walked: a row that names another person (another household member, the
case or intake of another member) is left out, except that the other members of a household are
listed by name only, as the household is the person's too.

Each field is shown as its classification allows (``intreccio.core.privacy``): technical fields
(ids, timestamps, audit links) and fields that hold no personal data are left out, as are fields
the application derives and never shows (``editable=False``, e.g. the normalised search names).
"""

from __future__ import annotations

import datetime
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import models
from django.db.models import ForeignObjectRel
from django.utils import timezone, translation
from django.utils.functional import Promise
from django.utils.text import capfirst

from intreccio.core.privacy import LEGAL_BASIS, Category, P
from intreccio.people.models import Household, HouseholdMember, Person

# Apps whose rows are not data held *about* the person but the accountability trail of who did
# what; the access report covers reads, the auditor the rest.
NOT_WALKED_APPS = frozenset({"audit", "history"})
HIDDEN_CATEGORIES = frozenset({Category.TECHNICAL, Category.NONE})
# Rows of other people that are nevertheless the person's too: the other members of a household,
# by name only.
NAME_ONLY_MODELS = frozenset({HouseholdMember})


@dataclass(frozen=True)
class FieldValue:
    """One field of one row. Labels and choice names stay lazy: the document is rendered in Italian."""

    name: str
    label: str | Promise
    category: str
    value: Any  # JSON-serialisable once labels are made text
    text: str | Promise  # as printed


@dataclass
class HeldRow:
    key: tuple[str, int]  # ("app.model", pk)
    values: list[FieldValue]


@dataclass(frozen=True)
class GroupBasis:
    category: str
    category_label: str
    art6: str
    special: str


@dataclass
class HeldGroup:
    model: str  # "app.model"
    title: str | Promise
    fields: list[tuple[str, str | Promise, str]] = field(default_factory=list)  # name, label, category
    rows: list[HeldRow] = field(default_factory=list)

    @property
    def bases(self) -> list[GroupBasis]:
        categories = []
        for _name, _label, category in self.fields:
            if category not in categories:
                categories.append(category)
        return [
            GroupBasis(
                category=c,
                category_label=str(Category(c).label),
                art6=str(LEGAL_BASIS[c].art6),
                special=str(LEGAL_BASIS[c].special),
            )
            for c in categories
        ]


@dataclass
class Holdings:
    """What the walk found: groups of rows by model, and the other household members by name."""

    person: Person
    groups: list[HeldGroup]
    other_members: list[str]

    @property
    def row_count(self) -> int:
        return sum(len(g.rows) for g in self.groups)

    @property
    def field_list(self) -> list[str]:
        """``app.model.field`` of every field exported, for the audit trail."""
        return sorted({f"{g.model}.{name}" for g in self.groups for name, _l, _c in g.fields})


def _label(model: type[models.Model]) -> str:
    return model._meta.label_lower


def _walkable(model: type[models.Model]) -> bool:
    return (
        model.__module__.startswith("intreccio.")
        and not model._meta.auto_created
        and model._meta.app_label not in NOT_WALKED_APPS
    )


def _relations_into(model: type[models.Model]) -> list[ForeignObjectRel]:
    """The relations of other Intreccio models that point at ``model`` (hidden "+" ones included)."""
    found = [
        rel
        for rel in model._meta.get_fields(include_hidden=True)
        if isinstance(rel, ForeignObjectRel) and rel.related_model is not None and _walkable(rel.related_model)
    ]
    return sorted(found, key=lambda rel: (_label(rel.related_model), rel.field.name))


def _person_fields(model: type[models.Model]) -> list[str]:
    return [
        f.attname for f in model._meta.concrete_fields if isinstance(f, models.ForeignKey) and f.related_model is Person
    ]


def _belongs_to_someone_else(obj: models.Model, person: Person) -> bool:
    """The row names another person: their membership, their case, their intake."""
    ids = {getattr(obj, attname) for attname in _person_fields(type(obj))} - {None}
    return bool(ids) and person.pk not in ids


def _walk(person: Person) -> Iterator[models.Model | tuple[str, Person]]:
    """Every row held on ``person``, level by level; ("member", p) for another household member.

    Each level is read with one query per relation (``field__in`` the level's rows), so the cost
    grows with the number of relations, not with the number of rows.
    """
    households = list(Household.objects.filter(members__person=person).distinct().order_by("pk"))
    level: list[models.Model] = [person, *households]
    seen: set[tuple[str, int]] = {(_label(type(o)), o.pk) for o in level}
    named: set[int] = set()
    while level:
        yield from level
        by_model: dict[type[models.Model], list[int]] = {}
        for obj in level:
            by_model.setdefault(type(obj), []).append(obj.pk)
        following: list[models.Model] = []
        for model, pks in by_model.items():
            for rel in _relations_into(model):
                related: type[models.Model] = rel.related_model
                rows = related._base_manager.filter(**{f"{rel.field.name}__in": pks}).distinct().order_by("pk")
                for row in rows:
                    key = (_label(related), row.pk)
                    if key in seen:
                        continue
                    seen.add(key)
                    if _belongs_to_someone_else(row, person):
                        if (
                            isinstance(row, HouseholdMember)
                            and related in NAME_ONLY_MODELS
                            and row.person_id not in named
                        ):
                            named.add(row.person_id)
                            yield ("member", row.person)
                        continue
                    following.append(row)
        level = following


def held_keys(person: Person) -> set[tuple[str, str]]:
    """("app.model", "pk") of every row held on the person: what their access report looks for."""
    return {(_label(type(obj)), str(obj.pk)) for obj in _walk(person) if isinstance(obj, models.Model)}


def _shown_fields(model: type[models.Model]) -> list[tuple[models.Field[Any, Any], P]]:
    declared: dict[str, P] = getattr(model, "privacy", {})
    shown = []
    for f in [*model._meta.concrete_fields, *model._meta.local_many_to_many]:
        classification = declared.get(f.name)
        # An unclassified field is never shown: the classification test fails on it anyway.
        if classification is None or classification.category in HIDDEN_CATEGORIES:
            continue
        if not f.editable:
            continue
        shown.append((f, classification))
    return shown


def _text(value: Any) -> str:
    if value is None or value == "":
        return ""
    if isinstance(value, bool):
        return "sì" if value else "no"
    if isinstance(value, datetime.datetime):
        return timezone.localtime(value).strftime("%d/%m/%Y %H:%M")
    if isinstance(value, datetime.date):
        return value.strftime("%d/%m/%Y")
    if isinstance(value, Decimal):
        whole, _dot, cents = f"{value:,.2f}".partition(".")
        return f"{whole.replace(',', '.')},{cents}"
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False, indent=1, sort_keys=True)
    return str(value)


def _json(value: Any) -> Any:
    if isinstance(value, datetime.datetime):
        return timezone.localtime(value).isoformat()
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, Promise):
        return str(value)
    return value


def _field_value(obj: models.Model, f: models.Field[Any, Any], classification: P) -> FieldValue:
    label = f.verbose_name
    if f.many_to_many:
        items = [str(item) for item in getattr(obj, f.name).all()]
        return FieldValue(f.name, label, classification.category, items, ", ".join(items))
    if f.is_relation:
        related = getattr(obj, f.name)
        shown = str(related) if related is not None else None
        return FieldValue(f.name, label, classification.category, shown, shown or "")
    raw = f.value_from_object(obj)
    if f.choices and raw not in (None, ""):
        display = dict(f.flatchoices).get(raw, raw)
        return FieldValue(f.name, label, classification.category, display, display)
    return FieldValue(f.name, label, classification.category, _json(raw), _text(raw))


def holdings(person: Person) -> Holdings:
    """Everything held on ``person``, grouped by model in the order the walk reached them."""
    groups: dict[str, HeldGroup] = {}
    others: list[str] = []
    for obj in _walk(person):
        if isinstance(obj, tuple):
            others.append(str(obj[1]))
            continue
        model = type(obj)
        label = _label(model)
        shown = _shown_fields(model)
        if not shown:
            continue
        group = groups.get(label)
        if group is None:
            group = groups[label] = HeldGroup(
                model=label,
                title=capfirst(model._meta.verbose_name_plural) or label,
                fields=[(f.name, f.verbose_name, c.category) for f, c in shown],
            )
        group.rows.append(HeldRow(key=(label, obj.pk), values=[_field_value(obj, f, c) for f, c in shown]))
    return Holdings(person=person, groups=list(groups.values()), other_members=sorted(others))


def as_json(found: Holdings, *, generated_at: datetime.datetime, controller: str) -> dict[str, Any]:
    """The machine-readable copy (art. 15(3), in a commonly used electronic form), labelled in Italian."""
    with translation.override("it"):
        return _as_json(found, generated_at=generated_at, controller=controller)


def _as_json(found: Holdings, *, generated_at: datetime.datetime, controller: str) -> dict[str, Any]:
    return {
        "format": "intreccio-subject-access/1",
        "generated_at": timezone.localtime(generated_at).isoformat(),
        "controller": controller,
        "groups": [
            {
                "model": group.model,
                "title": str(group.title),
                "legal_basis": [
                    {"category": b.category, "category_label": b.category_label, "art6": b.art6, "special": b.special}
                    for b in group.bases
                ],
                "fields": [{"name": n, "label": str(lbl), "category": c} for n, lbl, c in group.fields],
                "rows": [{v.name: _json(v.value) for v in row.values} for row in group.rows],
            }
            for group in found.groups
        ],
        "other_household_members": found.other_members,
        "row_count": found.row_count,
    }
