"""Writes to persons: registration (with the duplicate check) and changes (with a version)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from intreccio.accounts.models import Operator, Organisation
from intreccio.audit.services import record_event
from intreccio.core import fiscal_code
from intreccio.people.models import NoFiscalCodeReason, Person, PersonTargetGroup, Sex, TargetGroup
from intreccio.people.search import normalise_name
from intreccio.people.services.common import Errors, clean_text
from intreccio.territory.models import Comune

PERSON_FIELDS = (
    "first_name",
    "last_name",
    "fiscal_code",
    "no_fiscal_code_reason",
    "sex",
    "birth_date",
    "birth_comune",
    "birth_country",
    "citizenship",
    "languages",
    "residence_address",
    "residence_comune",
    "domicile_address",
    "domicile_comune",
    "phone",
    "email",
)
OLDEST_BIRTH_YEAR = 1900
SAME_DAY_LIMIT = 500


def _one_edit_apart(a: str, b: str) -> bool:
    """True when one letter differs, is missing or extra, or two adjacent letters are swapped."""
    if a == b:
        return True
    if abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        diffs = [i for i in range(len(a)) if a[i] != b[i]]
        if len(diffs) == 1:
            return True
        i = diffs[0]
        return len(diffs) == 2 and diffs[1] == i + 1 and a[i] == b[i + 1] and a[i + 1] == b[i]
    short, long = (a, b) if len(a) < len(b) else (b, a)
    return any(long[:i] + long[i + 1 :] == short for i in range(len(long)))


def _close(typed: str, stored: str, *, prefix_ok: bool) -> bool:
    if not typed or not stored:
        return False
    if typed == stored:
        return True
    if min(len(typed), len(stored)) >= 4 and _one_edit_apart(typed, stored):
        return True
    # "Maria" and "Maria Grazia": a second first name is often dropped.
    return prefix_ok and min(len(typed), len(stored)) >= 3 and (typed.startswith(stored) or stored.startswith(typed))


def _similar_names(surname: str, name: str, stored_surname: str, stored_name: str) -> bool:
    as_typed = _close(surname, stored_surname, prefix_ok=False) and _close(name, stored_name, prefix_ok=True)
    # Surname and first name swapped, as happens with foreign names.
    swapped = _close(surname, stored_name, prefix_ok=False) and _close(name, stored_surname, prefix_ok=False)
    return as_typed or swapped


@dataclass(frozen=True)
class DuplicateCandidate:
    person: Person
    reason: str


def _check_birth_date(errors: Errors, birth_date: datetime.date | None) -> None:
    if birth_date is None:
        return
    if birth_date > timezone.localdate():
        errors.add("birth_date", _("The date of birth is in the future: check the year."))
    elif birth_date.year < OLDEST_BIRTH_YEAR:
        errors.add("birth_date", _("The date of birth is before 1900: check the year."))


def person_find_duplicates(
    *,
    fiscal_code_value: str | None,
    first_name: str,
    last_name: str,
    birth_date: datetime.date | None,
    exclude: Person | None = None,
) -> list[DuplicateCandidate]:
    """Persons who are probably the one being registered: same codice fiscale (or an omocodia
    variant of it), or a similar name with the same date of birth."""
    found: dict[int, DuplicateCandidate] = {}
    if fiscal_code_value:
        try:
            data = fiscal_code.parse(fiscal_code_value)
        except ValidationError:
            data = None
        codes = {fiscal_code.normalise(fiscal_code_value)}
        if data is not None and not data.is_temporary:
            codes.update(fiscal_code.omocodes(data.code))
        for person in Person.objects.filter(fiscal_code__in=codes):
            found[person.pk] = DuplicateCandidate(person, _("same codice fiscale"))
    if birth_date is not None and last_name:
        surname = normalise_name(last_name)
        name = normalise_name(first_name)
        # Few persons share a date of birth (about three per day in an ambito of 50,000), so the
        # names are compared here, where typos and swapped fields are easy to recognise.
        same_day = Person.objects.filter(birth_date=birth_date).only(
            "pk", "search_last_name", "search_first_name", "birth_date"
        )[:SAME_DAY_LIMIT]
        for person in same_day:
            if _similar_names(surname, name, person.search_last_name, person.search_first_name):
                found.setdefault(person.pk, DuplicateCandidate(person, _("similar name and same date of birth")))
    if exclude is not None:
        found.pop(exclude.pk, None)
    return list(found.values())


def _clean_person(values: dict[str, Any], *, existing: Person | None, check_clash: bool = True) -> dict[str, Any]:
    errors = Errors()
    clean: dict[str, Any] = {}
    for name in ("first_name", "last_name", "birth_country", "citizenship", "languages", "residence_address"):
        clean[name] = clean_text(values.get(name))
    clean["domicile_address"] = clean_text(values.get("domicile_address"))
    clean["phone"] = clean_text(values.get("phone"))
    clean["email"] = clean_text(values.get("email")).lower()
    if not clean["last_name"]:
        errors.add("last_name", _("Enter the surname (or the pseudonym, for a protected person)."))
    if not clean["first_name"]:
        errors.add("first_name", _("Enter the first name (or the pseudonym, for a protected person)."))
    if clean["email"]:
        try:
            validate_email(clean["email"])
        except ValidationError:
            errors.add("email", _("This e-mail address is not valid: check it."))
    sex = values.get("sex") or ""
    if sex and sex not in Sex.values:
        errors.add("sex", _("Choose the sex from the list."))
    clean["sex"] = sex
    birth_date = values.get("birth_date")
    _check_birth_date(errors, birth_date)
    clean["birth_date"] = birth_date
    for name in ("birth_comune", "residence_comune", "domicile_comune"):
        comune = values.get(name)
        if comune is not None and not isinstance(comune, Comune):
            errors.add(name, _("Choose the comune from the list."))
        clean[name] = comune

    raw_code = values.get("fiscal_code") or ""
    reason = values.get("no_fiscal_code_reason") or ""
    clean["fiscal_code"] = None
    clean["no_fiscal_code_reason"] = ""
    if fiscal_code.normalise(raw_code) and reason:
        errors.add(
            "no_fiscal_code_reason",
            _("A codice fiscale was entered: leave the reason for having none empty, or remove the code."),
        )
    if fiscal_code.normalise(raw_code):
        try:
            data = fiscal_code.parse(raw_code)
        except ValidationError as exc:
            errors.add("fiscal_code", exc.messages[0])
        else:
            clean["fiscal_code"] = data.code
            birthplace = clean["birth_comune"].belfiore_code if clean["birth_comune"] else ""
            for field, message in fiscal_code.mismatches(
                data, sex=sex, birth_date=birth_date, birthplace_code=birthplace
            ).items():
                errors.add(field, message)
            # What the operator left empty, the code tells.
            if not data.is_temporary:
                clean["sex"] = clean["sex"] or data.sex
                if clean["birth_date"] is None:
                    clean["birth_date"] = fiscal_code.infer_birth_date(data, today=timezone.localdate())
                if clean["birth_comune"] is None and not data.born_abroad:
                    clean["birth_comune"] = Comune.objects.filter(belfiore_code=data.birthplace_code).first()
                if data.born_abroad and not clean["birth_country"]:
                    clean["birth_country"] = data.birthplace_name
            clash = Person.objects.filter(fiscal_code=data.code)
            if existing is not None:
                clash = clash.exclude(pk=existing.pk)
            if check_clash and clash.exists():
                errors.add("fiscal_code", _("A person with this codice fiscale is already registered."))
    elif reason in NoFiscalCodeReason.values:
        clean["no_fiscal_code_reason"] = reason
    else:
        errors.add(
            "fiscal_code",
            _("Enter the codice fiscale, or choose why the person has none (e.g. not assigned yet, anonymous)."),
        )
    errors.raise_any()
    clean["search_last_name"] = normalise_name(clean["last_name"])
    clean["search_first_name"] = normalise_name(clean["first_name"])
    return clean


def _set_target_groups(person: Person, groups: list[str] | None) -> list[str]:
    if groups is None:
        return []
    wanted = {g for g in groups if g in TargetGroup.values}
    current = set(person.target_groups.values_list("group", flat=True))
    PersonTargetGroup.objects.filter(person=person, group__in=current - wanted).delete()
    PersonTargetGroup.objects.bulk_create([PersonTargetGroup(person=person, group=g) for g in sorted(wanted - current)])
    return sorted(wanted ^ current)


@transaction.atomic
def person_create(
    *,
    actor: Operator,
    organisation: Organisation,
    values: dict[str, Any],
    target_groups: list[str] | None = None,
    confirm_not_duplicate: bool = False,
    request: HttpRequest | None = None,
) -> Person:
    """Register a person. Probable duplicates refuse the creation until the operator confirms."""
    # Unconfirmed, a person with the same codice fiscale is shown as a candidate to pick (the
    # duplicate warning below) rather than as a bare field error; confirmed, the code is unique.
    clean = _clean_person(values, existing=None, check_clash=confirm_not_duplicate)
    if not confirm_not_duplicate:
        candidates = person_find_duplicates(
            fiscal_code_value=clean["fiscal_code"],
            first_name=clean["first_name"],
            last_name=clean["last_name"],
            birth_date=clean["birth_date"],
        )
        if candidates:
            raise ValidationError(
                _("This person may already be registered: check the persons listed before creating a new one."),
                code="possible_duplicate",
                params={"candidates": [c.person.pk for c in candidates]},
            )
    try:
        with transaction.atomic():
            person = Person.objects.create(registered_by=organisation, created_by=actor, **clean)
    except IntegrityError as exc:
        # Another operator registered the same codice fiscale a moment ago.
        raise ValidationError({"fiscal_code": [_("A person with this codice fiscale is already registered.")]}) from exc
    _set_target_groups(person, target_groups)
    record_event(
        action="people.person.created",
        actor=actor,
        target=person,
        payload={
            "fields": sorted(k for k, v in clean.items() if v not in ("", None)),
            "target_groups": len(target_groups or []),
        },
        request=request,
    )
    return person


@transaction.atomic
def person_update(
    *,
    actor: Operator,
    person: Person,
    version: int,
    values: dict[str, Any],
    target_groups: list[str] | None = None,
    request: HttpRequest | None = None,
) -> Person:
    """Change the registry data; ``version`` is the one the operator saw (no lost updates)."""
    locked = Person.objects.select_for_update().get(pk=person.pk)
    if locked.version != version:
        raise ValidationError(
            _("Someone else changed this person while you were editing: reload the page to see their changes."),
            code="stale_version",
        )
    clean = _clean_person(values, existing=locked)
    changed = [name for name, value in clean.items() if getattr(locked, name) != value]
    for name, value in clean.items():
        setattr(locked, name, value)
    locked.version += 1
    locked.save()
    changed_groups = _set_target_groups(locked, target_groups)
    record_event(
        action="people.person.updated",
        actor=actor,
        target=locked,
        payload={
            "fields": sorted(set(changed) - {"search_last_name", "search_first_name"}),
            "target_groups": len(changed_groups),
        },
        request=request,
    )
    return locked
