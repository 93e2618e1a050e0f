"""What a person's (or a case's) data consists of, and how it is deleted or blanked.

Nothing here lists the fields of other apps by hand. The rows that belong to a person are found
by walking Django's reverse relations from the person (and from the households only they belong
to): their intakes, cases, consents, legal representatives…, and from there every row that hangs
off those (a case's notes, plans, goals, meetings, assessments…, and whatever later apps attach to
a case). A row that names another person is never taken. What to blank in a row is read from the
model's ``privacy`` classification: every free-text or JSON field whose category is personal
(anything but ``none`` and ``technical``); codes (choices), dates, numbers and links are kept, so
that statistics (how many cases, which need, how long) survive the person's identity.

A blanked text becomes ``ERASED`` (an em dash) rather than an empty string, so that the models'
"not blank when…" constraints hold; a field that takes part in a uniqueness rule becomes empty or
NULL instead, and a field whose format a constraint checks (a language code) is kept or nulled.
Deleting respects PROTECT: a row another row protects is blanked instead of deleted. A row that
names the item it is about by its label and key rather than by a foreign key (a blackout names
the note it hides) declares it with ``follows_item = (label field, key field)`` and goes with the
item when the item is deleted: nothing is left pointing to an item that is gone.
"""

from __future__ import annotations

import datetime
from collections import Counter, defaultdict, deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from django.core.exceptions import FieldDoesNotExist
from django.db import models, router
from django.db.models import F, Q
from django.db.models.deletion import Collector, ProtectedError, RestrictedError

from intreccio.cases.models import SECTION_CATEGORY, Case, Section
from intreccio.core.privacy import Category, P, intreccio_models
from intreccio.history.models import Operation, RowChange
from intreccio.history.services import PURGE_BATCH, history_purge
from intreccio.history.triggers import tracked_tables
from intreccio.people.models import Household, HouseholdMember, NoFiscalCodeReason, Person

ERASED = "—"
# Categories that are not about the person: kept as they are.
KEPT_CATEGORIES = frozenset({Category.NONE, Category.TECHNICAL})
# Apps whose rows are never walked: the append-only audit trail, the change history (purged on its
# own terms) and this app's bookkeeping.
SKIPPED_APPS = frozenset({"audit", "history"})
SKIPPED_MODELS = frozenset({"retention.PersonAnonymisation", "retention.CategoryPurge"})

Key = tuple[type[models.Model], int]


class _Keep:
    """Marker: leave the field as it is."""


KEEP = _Keep()


# --- reading the models ----------------------------------------------------------------------


def classification(model: type[models.Model]) -> dict[str, P]:
    declared: dict[str, P] = getattr(model, "privacy", {})
    return declared


def is_personal(model: type[models.Model], name: str) -> bool:
    """Unclassified fields count as personal: blanking too much is the safe mistake."""
    declared = classification(model).get(name)
    return declared is None or declared.category not in KEPT_CATEGORIES


def category_of(model: type[models.Model], name: str) -> str | None:
    declared = classification(model).get(name)
    return None if declared is None else str(declared.category)


def _lookups(condition: Q) -> Iterable[str]:
    for child in condition.children:
        if isinstance(child, Q):
            yield from _lookups(child)
        elif isinstance(child, tuple):
            yield str(child[0])


@cache
def coded_fields(model: type[models.Model]) -> frozenset[str]:
    """Text fields whose format a check constraint enforces (a code, not prose)."""
    names: set[str] = set()
    for constraint in model._meta.constraints:
        condition = getattr(constraint, "condition", None)
        if isinstance(condition, Q):
            for lookup in _lookups(condition):
                parts = lookup.split("__")
                if len(parts) > 1 and parts[-1] in {"regex", "iregex"}:
                    names.add(parts[0])
    return frozenset(names)


@cache
def unique_fields(model: type[models.Model]) -> frozenset[str]:
    names = {f.name for f in model._meta.concrete_fields if f.unique and not f.primary_key}
    for constraint in model._meta.constraints:
        names.update(getattr(constraint, "fields", ()) or ())
    for together in model._meta.unique_together:
        names.update(together)
    return frozenset(names)


def is_free_content(model_field: models.Field[Any, Any]) -> bool:
    """Prose or structured answers: what a person's story is written in."""
    if isinstance(model_field, models.JSONField):
        return True
    return isinstance(model_field, models.CharField | models.TextField) and not model_field.choices


def erased_value(model: type[models.Model], model_field: models.Field[Any, Any], value: Any) -> Any:
    """What ``value`` becomes once blanked, or ``KEEP``."""
    if value is None or value == "" or value == {} or value == []:
        return KEEP
    # Structured answers (a JSON column, or an encrypted text holding JSON) stay of their shape.
    if isinstance(value, list):
        return []
    if isinstance(value, dict) or isinstance(model_field, models.JSONField):
        return {}
    if not is_free_content(model_field):
        return KEEP
    if model_field.name in coded_fields(model):
        return None if model_field.null else KEEP
    if model_field.name in unique_fields(model):
        if model_field.null:
            return None
        return "" if model_field.blank else KEEP
    return KEEP if value == ERASED else ERASED


def person_fk_names(model: type[models.Model]) -> list[str]:
    return [
        f.name for f in model._meta.concrete_fields if isinstance(f, models.ForeignKey) and f.related_model is Person
    ]


@cache
def is_sectioned(model: type[models.Model]) -> bool:
    """Rows that live in one section of a case (a note, a goal): the section gives their category."""
    try:
        section_field = model._meta.get_field("section")
    except FieldDoesNotExist:
        return False
    choices = getattr(section_field, "choices", None) or []
    return isinstance(section_field, models.CharField) and {value for value, _label in choices} == set(Section.values)


def category_of_section(section: object) -> str | None:
    for value, category in SECTION_CATEGORY.items():
        if section == value:
            return str(category)
    return None


def section_category(model: type[models.Model], obj: models.Model) -> str | None:
    """The category of a row that lives in one section of a case, else None."""
    if not is_sectioned(model):
        return None
    return category_of_section(getattr(obj, "section", None))


def _walked(model: type[models.Model]) -> bool:
    return (
        model in set(intreccio_models())
        and model._meta.app_label not in SKIPPED_APPS
        and model._meta.label not in SKIPPED_MODELS
    )


# --- collecting the rows ---------------------------------------------------------------------


@dataclass
class Rows:
    """The rows of one subject, in the order they were found (parents before children)."""

    person_id: int | None
    objects: dict[Key, models.Model] = field(default_factory=dict)

    def add(self, obj: models.Model) -> bool:
        key = (type(obj), obj.pk)
        if key in self.objects:
            return False
        self.objects[key] = obj
        return True

    def of(self, model: type[models.Model]) -> list[models.Model]:
        return [obj for (m, _pk), obj in self.objects.items() if m is model]


def _concerns_only(obj: models.Model, person_id: int | None) -> bool:
    """A row that names another person belongs to them too: never taken."""
    for name in person_fk_names(type(obj)):
        other = getattr(obj, f"{name}_id")
        if other is not None and other != person_id:
            return False
    return True


def walk(rows: Rows, roots: Iterable[models.Model], *, stop: Iterable[type[models.Model]] = ()) -> Rows:
    """Add ``roots`` and every row that hangs off them through reverse relations."""
    stopped = set(stop)
    queue: deque[models.Model] = deque()
    for root in roots:
        if rows.add(root):
            queue.append(root)
    while queue:
        obj = queue.popleft()
        for rel in obj._meta.related_objects:
            related = rel.related_model
            if rel.many_to_many or not isinstance(related, type) or related in stopped or not _walked(related):
                continue
            remote = rel.remote_field  # the ForeignKey on the related model
            for child in related._base_manager.filter(**{remote.name: obj.pk}).order_by("pk"):
                if _concerns_only(child, rows.person_id) and rows.add(child):
                    queue.append(child)
    return rows


def exclusive_households(person: Person) -> list[Household]:
    """The households the person belongs or belonged to where nobody else ever did."""
    mine = set(HouseholdMember.objects.filter(person=person).values_list("household_id", flat=True))
    shared = set(
        HouseholdMember.objects.filter(household_id__in=mine)
        .exclude(person=person)
        .values_list("household_id", flat=True)
    )
    return list(Household.objects.filter(pk__in=mine - shared).order_by("pk"))


def person_rows(person: Person) -> Rows:
    """Everything held about ``person``: their record and what hangs off it, and off the
    households only they belong to."""
    rows = Rows(person_id=person.pk)
    walk(rows, [person])
    walk(rows, exclusive_households(person))
    return rows


def case_rows(case: Case) -> Rows:
    """A case and what hangs off it, with the intake it came from."""
    rows = Rows(person_id=case.person_id)
    roots: list[models.Model] = [case]
    if case.intake_id is not None and case.intake is not None and _concerns_only(case.intake, case.person_id):
        roots.append(case.intake)
    # Cases of the same person or household are reached only as roots of their own.
    return walk(rows, roots, stop=[Case])


# --- changing them ---------------------------------------------------------------------------


@dataclass
class Outcome:
    """What a scrub did: rows deleted and rows blanked per model, every row touched (for the
    change history), and the categories of data removed."""

    deleted: Counter[str] = field(default_factory=Counter)
    anonymised: Counter[str] = field(default_factory=Counter)
    touched: dict[type[models.Model], set[int]] = field(default_factory=lambda: defaultdict(set))
    categories: set[str] = field(default_factory=set)

    def merge(self, other: Outcome) -> None:
        self.deleted.update(other.deleted)
        self.anonymised.update(other.anonymised)
        for model, pks in other.touched.items():
            self.touched[model] |= pks
        self.categories |= other.categories

    @property
    def changed(self) -> bool:
        return bool(self.deleted or self.anonymised)


def _personal_categories(model: type[models.Model]) -> set[str]:
    return {str(p.category) for p in classification(model).values() if p.category not in KEPT_CATEGORIES}


@cache
def item_followers() -> tuple[tuple[type[models.Model], str, str], ...]:
    """Models whose rows name another row by ``(label_lower, pk)`` (``follows_item``), with those fields."""
    found = []
    for model in intreccio_models():
        spec = getattr(model, "follows_item", None)
        if spec is not None:
            label_field, key_field = spec
            found.append((model, label_field, key_field))
    return tuple(found)


def _delete_followers(doomed: dict[type[models.Model], set[int]], outcome: Outcome) -> None:
    """The rows that name a deleted row by label and key go with it (blanked if something protects them)."""
    for follower, label_field, key_field in item_followers():
        for doomed_model, pks in doomed.items():
            if not pks or doomed_model is follower:
                continue
            rows = follower._base_manager.filter(
                **{label_field: doomed_model._meta.label_lower, f"{key_field}__in": sorted(pks)}
            )
            for row in rows.order_by("pk"):
                if not delete_row(row, outcome):
                    blank_row(row, outcome)


def delete_row(obj: models.Model, outcome: Outcome) -> bool:
    """Delete ``obj`` with its cascade, and the rows that name what went by label and key
    (``follows_item``); False (nothing written) when a PROTECT relation keeps it."""
    model = type(obj)
    queryset = model._base_manager.filter(pk=obj.pk)
    collector = Collector(using=router.db_for_write(model), origin=queryset)
    try:
        collector.collect(queryset)
    except (ProtectedError, RestrictedError):
        return False
    doomed: dict[type[models.Model], set[int]] = defaultdict(set)
    for doomed_model, instances in collector.data.items():
        doomed[doomed_model] |= {instance.pk for instance in instances}
    for fast in collector.fast_deletes:
        doomed[fast.model] |= set(fast.values_list("pk", flat=True))
    collector.delete()
    for doomed_model, pks in doomed.items():
        if not pks:
            continue
        outcome.touched[doomed_model] |= pks
        outcome.deleted[doomed_model._meta.label] += len(pks)
        outcome.categories |= _personal_categories(doomed_model)
    _delete_followers(doomed, outcome)
    return True


def blank_row(obj: models.Model, outcome: Outcome, *, categories: set[str] | None = None) -> bool:
    """Blank the personal free content of ``obj`` (only ``categories`` when given)."""
    model = type(obj)
    fresh = model._base_manager.filter(pk=obj.pk).first()
    if fresh is None:  # went with a cascade
        return False
    changes: dict[str, Any] = {}
    for model_field in model._meta.concrete_fields:
        if model_field.primary_key or not is_personal(model, model_field.name):
            continue
        category = category_of(model, model_field.name)
        if categories is not None and category not in categories:
            continue
        value = erased_value(model, model_field, getattr(fresh, model_field.attname))
        if value is KEEP:
            continue
        changes[model_field.attname] = value
        outcome.categories.add(category or "unclassified")
    if not changes:
        return False
    _bump_version(model, changes)
    model._base_manager.filter(pk=obj.pk).update(**changes)
    outcome.touched[model].add(obj.pk)
    outcome.anonymised[model._meta.label] += 1
    return True


def _bump_version(model: type[models.Model], changes: dict[str, Any]) -> None:
    """Rows with an optimistic-locking version: a form opened before the scrub must not save."""
    declared = classification(model).get("version")
    if declared is not None and declared.category == Category.TECHNICAL:
        changes["version"] = F("version") + 1


def wipe_identity(person: Person, outcome: Outcome) -> None:
    """The person row stays (cases point to it) without anything that identifies them: names become
    ``ERASED``, the codice fiscale NULL, contacts, addresses and the search columns empty, the comuni
    unset, the date of birth reduced to its year (for age statistics); sex is kept."""
    changes: dict[str, Any] = {}
    for model_field in Person._meta.concrete_fields:
        name = model_field.name
        if model_field.primary_key or not is_personal(Person, name):
            continue
        current = getattr(person, model_field.attname)
        if isinstance(model_field, models.ForeignKey):
            if current is not None and model_field.null:
                changes[model_field.attname] = None
        elif isinstance(model_field, models.DateField):
            if isinstance(current, datetime.date) and (current.month, current.day) != (1, 1):
                changes[name] = current.replace(month=1, day=1)
        elif is_free_content(model_field):
            if model_field.name in unique_fields(Person) or model_field.name in coded_fields(Person):
                blank: Any = None if model_field.null else ""
            else:
                blank = "" if model_field.blank or not model_field.editable else ERASED
            if current not in (blank, None):
                changes[name] = blank
    # Without a codice fiscale a reason is required; the old one (a protected pseudonym) told too much.
    if person.no_fiscal_code_reason != NoFiscalCodeReason.ANONYMOUS:
        changes["no_fiscal_code_reason"] = NoFiscalCodeReason.ANONYMOUS.value
    if not changes:
        return
    for name in changes:
        outcome.categories.add(category_of(Person, name) or "unclassified")
    _bump_version(Person, changes)
    Person._base_manager.filter(pk=person.pk).update(**changes)
    outcome.touched[Person].add(person.pk)
    outcome.anonymised[Person._meta.label] += 1


# --- the change history ------------------------------------------------------------------------

HistoryFilter = Callable[[type[models.Model], dict[str, Any]], bool]


def holds_category(category: str) -> HistoryFilter:
    """A previous row that carried content of ``category``: by its section, or in a free-content
    field of that category that was not empty."""

    def check(model: type[models.Model], old_row: dict[str, Any]) -> bool:
        if is_sectioned(model):
            return category_of_section(old_row.get("section")) == category
        for model_field in model._meta.concrete_fields:
            if category_of(model, model_field.name) != category or not is_free_content(model_field):
                continue
            if old_row.get(model_field.column or model_field.name) not in (None, "", {}, [], "{}", "[]"):
                return True
        return False

    return check


def _vanished_rows(
    keys: dict[type[models.Model], set[int]], person_id: int | None
) -> dict[type[models.Model], set[int]]:
    """Rows deleted before (a goal removed, a consent withdrawn and deleted…) that hung off
    ``keys``: known only from their history copies, found through the parent's id in the copy."""
    found: dict[type[models.Model], set[int]] = defaultdict(set)
    frontier = {model: set(pks) for model, pks in keys.items() if pks}
    seen = {model: set(pks) for model, pks in keys.items()}
    walked = [model for model in intreccio_models() if _walked(model)]
    while frontier:
        discovered: dict[type[models.Model], set[int]] = defaultdict(set)
        for model in walked:
            for fk in model._meta.concrete_fields:
                if not isinstance(fk, models.ForeignKey) or fk.related_model not in frontier:
                    continue
                parents = sorted(frontier[fk.related_model])
                copies = RowChange.objects.filter(
                    table_name=model._meta.db_table,
                    operation=Operation.DELETE,
                    **{f"old_row__{fk.column}__in": parents},
                ).values_list("row_pk", "old_row")
                for row_pk, old_row in copies:
                    others = [old_row.get(f"{name}_id") for name in person_fk_names(model)]
                    if any(other is not None and other != person_id for other in others):
                        continue
                    pk = int(row_pk)
                    if pk not in seen.setdefault(model, set()):
                        seen[model].add(pk)
                        discovered[model].add(pk)
                        found[model].add(pk)
        frontier = dict(discovered)
    return found


def purge_history(
    keys: dict[type[models.Model], set[int]], *, person_id: int | None, only: HistoryFilter | None = None
) -> int:
    """Delete the change-history copies of the rows in ``keys`` and of the rows that once hung off
    them: every copy (``history_purge``, for an erasure or an anonymisation), or only the copies
    ``only`` accepts (a category purge keeps the copies that hold nothing of that category).
    Run it last: the erasing UPDATE or DELETE itself writes a copy. Returns how many went."""
    every = defaultdict(set, {model: set(pks) for model, pks in keys.items()})
    for model, pks in _vanished_rows(keys, person_id).items():
        every[model] |= pks
    tracked = {table.table for table in tracked_tables()}
    purged = 0
    for model, pks in every.items():
        table = model._meta.db_table
        if not pks or (table not in tracked and not RowChange.objects.filter(table_name=table).exists()):
            continue
        if only is None:
            purged += history_purge(table_name=table, row_pks=pks)
            continue
        keys_text = sorted(str(pk) for pk in pks)
        for start in range(0, len(keys_text), PURGE_BATCH):
            copies = RowChange.objects.filter(table_name=table, row_pk__in=keys_text[start : start + PURGE_BATCH])
            doomed = [pk for pk, old_row in copies.values_list("pk", "old_row") if only(model, old_row)]
            if doomed:
                purged += RowChange.objects.filter(pk__in=doomed).delete()[0]
    return purged


def row_keys(rows: Rows, outcome: Outcome) -> dict[type[models.Model], set[int]]:
    """Every row walked or touched (a cascade reaches rows the walk did not list)."""
    keys: dict[type[models.Model], set[int]] = defaultdict(set)
    for model, pk in rows.objects:
        keys[model].add(pk)
    for model, pks in outcome.touched.items():
        keys[model] |= pks
    return keys
