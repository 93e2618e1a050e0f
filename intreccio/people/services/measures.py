"""Writes to a household's national income measures and a person's legal representatives.

As in the other registry services, everything is checked first and refused at once with one
``ValidationError`` keyed by field; then the row and its DomainEvent are written in the same
transaction. Payloads carry references and field names only: no amount, protocol or court.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from intreccio.accounts.models import Operator
from intreccio.audit.services import record_event
from intreccio.core import fiscal_code
from intreccio.people.models import (
    INCOME_SUPPORT_CLOSED,
    INCOME_SUPPORT_IN_EFFECT,
    Household,
    IncomeMeasure,
    IncomeSupport,
    IncomeSupportStatus,
    LegalRepresentative,
    LegalRepresentativeKind,
    Person,
)
from intreccio.people.services.common import Errors, clean_text

CENT = Decimal("0.01")
# Well above any monthly payment of a national measure: a larger figure is a typing error.
MONTHLY_AMOUNT_LIMIT = Decimal("100000")
PROTOCOL_MAX = 40
# INPS measures started in 2016 (SIA): an earlier date is a typing error.
OLDEST_MEASURE_YEAR = 2016
# A measure's end or an application may be recorded ahead; a start years ahead is a typo.
FUTURE_DAYS = 366
TEXT_MAX = {"full_name": 200, "contact": 200, "court": 200, "decree_number": 60}


def _date(value: datetime.date) -> str:
    return value.strftime("%d/%m/%Y")


def _lock_household(household: Household) -> None:
    # Serialise the measures of one household so two overlapping ones cannot both pass the check.
    Household.objects.select_for_update().filter(pk=household.pk).first()


def _check_amount(errors: Errors, amount: Decimal | None, *, measure: str) -> None:
    if amount is None:
        return
    if measure == IncomeMeasure.NONE:
        errors.add("monthly_amount", _("Without a measure there is no amount: leave it empty."))
    elif not isinstance(amount, Decimal) or not amount.is_finite():
        errors.add("monthly_amount", _("Enter the monthly amount in euro, e.g. 500,00."))
    elif amount < 0:
        errors.add("monthly_amount", _("The monthly amount cannot be negative."))
    elif amount >= MONTHLY_AMOUNT_LIMIT:
        errors.add("monthly_amount", _("This monthly amount is too large: check it."))
    elif amount != amount.quantize(CENT):
        errors.add("monthly_amount", _("Enter the amount with at most two decimals (cents)."))


def _overlapping(
    household: Household, date_from: datetime.date, date_to: datetime.date | None, *, exclude: int | None = None
) -> IncomeSupport | None:
    rows = IncomeSupport.objects.filter(household=household, status__in=INCOME_SUPPORT_IN_EFFECT)
    if date_to is not None:
        rows = rows.filter(date_from__lte=date_to)
    rows = rows.exclude(date_to__lt=date_from)
    if exclude is not None:
        rows = rows.exclude(pk=exclude)
    return rows.order_by("date_from").first()


def _overlap_message(other: IncomeSupport) -> str:
    if other.date_to is None:
        return _("The household has %(measure)s from %(start)s with no end: end it first, or check the dates.") % {
            "measure": other.get_measure_display(),
            "start": _date(other.date_from),
        }
    return _("The household had %(measure)s from %(start)s to %(end)s: periods of a measure may not overlap.") % {
        "measure": other.get_measure_display(),
        "start": _date(other.date_from),
        "end": _date(other.date_to),
    }


@transaction.atomic
def income_support_record(
    *,
    actor: Operator,
    household: Household,
    measure: str,
    status: str,
    date_from: datetime.date,
    date_to: datetime.date | None = None,
    monthly_amount: Decimal | None = None,
    inps_protocol: str = "",
    request: HttpRequest | None = None,
) -> IncomeSupport:
    """Record a period of a national income measure. Periods in effect may not overlap."""
    _lock_household(household)
    errors = Errors()
    protocol = clean_text(inps_protocol)
    if measure not in IncomeMeasure.values:
        errors.add("measure", _("Choose the measure from the list."))
    if status not in IncomeSupportStatus.values:
        errors.add("status", _("Choose the status from the list."))
    _check_amount(errors, monthly_amount, measure=measure)
    if measure == IncomeMeasure.NONE and protocol:
        errors.add("inps_protocol", _("Without a measure there is no INPS protocol: leave it empty."))
    if len(protocol) > PROTOCOL_MAX:
        errors.add("inps_protocol", _("Write at most %(n)s characters.") % {"n": PROTOCOL_MAX})
    today = timezone.localdate()
    if date_from.year < OLDEST_MEASURE_YEAR:
        errors.add(
            "date_from",
            _("National income measures started in %(year)s: check the year.") % {"year": OLDEST_MEASURE_YEAR},
        )
    elif (date_from - today).days > FUTURE_DAYS:
        errors.add("date_from", _("The start is more than a year ahead: check the year."))
    if date_to is not None and date_to < date_from:
        errors.add("date_to", _("The end is before the start: check the dates."))
    elif status in INCOME_SUPPORT_CLOSED and date_to is None:
        errors.add("date_to", _("An ended or revoked measure needs the date it stopped."))
    if not errors.by_field and status in INCOME_SUPPORT_IN_EFFECT:
        other = _overlapping(household, date_from, date_to)
        if other is not None:
            errors.add("date_from", _overlap_message(other))
    same_protocol = IncomeSupport.objects.filter(household=household, measure=measure, inps_protocol=protocol)
    if not errors.by_field and protocol and same_protocol.exists():
        errors.add("inps_protocol", _("This INPS protocol is already recorded for this household and measure."))
    errors.raise_any()
    try:
        with transaction.atomic():
            support = IncomeSupport.objects.create(
                household=household,
                measure=measure,
                status=status,
                date_from=date_from,
                date_to=date_to,
                monthly_amount=monthly_amount,
                inps_protocol=protocol,
                recorded_by=actor,
            )
    except IntegrityError as exc:
        # The database's own overlap and uniqueness rules: reached only by a concurrent write.
        raise ValidationError(
            {"date_from": [_("Another measure was recorded for this household meanwhile: reload and check.")]}
        ) from exc
    fields = ["date_from", "measure", "status"]
    fields += [
        n for n, v in (("date_to", date_to), ("monthly_amount", monthly_amount), ("inps_protocol", protocol)) if v
    ]
    record_event(
        action="people.income_support.recorded",
        actor=actor,
        target=household,
        payload={"income_support": support.pk, "fields": sorted(fields)},
        request=request,
    )
    return support


@transaction.atomic
def income_support_end(
    *,
    actor: Operator,
    support: IncomeSupport,
    date_to: datetime.date,
    status: str = IncomeSupportStatus.ENDED,
    request: HttpRequest | None = None,
) -> IncomeSupport:
    """End (or revoke) a measure on ``date_to``."""
    _lock_household(support.household)
    locked = IncomeSupport.objects.select_related("household").get(pk=support.pk)
    errors = Errors()
    if locked.status in INCOME_SUPPORT_CLOSED and locked.date_to is not None:
        errors.add("date_to", _("This measure has already ended on %(date)s.") % {"date": _date(locked.date_to)})
    elif status not in INCOME_SUPPORT_CLOSED:
        errors.add("status", _("Choose whether the measure ended or was revoked."))
    elif date_to < locked.date_from:
        errors.add(
            "date_to", _("The end is before the start (%(date)s): check the date.") % {"date": _date(locked.date_from)}
        )
    elif (date_to - timezone.localdate()).days > FUTURE_DAYS:
        errors.add("date_to", _("The end is more than a year ahead: check the year."))
    elif status in INCOME_SUPPORT_IN_EFFECT:
        # Ending an applied-for measure brings its period into effect: it must fit with the others.
        other = _overlapping(locked.household, locked.date_from, date_to, exclude=locked.pk)
        if other is not None and locked.status not in INCOME_SUPPORT_IN_EFFECT:
            errors.add("date_to", _overlap_message(other))
    errors.raise_any()
    locked.date_to = date_to
    locked.status = status
    locked.save(update_fields=["date_to", "status", "updated_at"])
    record_event(
        action="people.income_support.ended",
        actor=actor,
        target=locked.household,
        payload={"income_support": locked.pk, "status": status, "fields": ["date_to", "status"]},
        request=request,
    )
    return locked


def _check_representative_fields(errors: Errors, values: dict[str, str]) -> None:
    if not values["full_name"]:
        errors.add("full_name", _("Enter the name of the representative as written in the decree."))
    if not values["court"]:
        errors.add("court", _("Enter the court that issued the decree, e.g. Tribunale di Cremona."))
    for name, limit in TEXT_MAX.items():
        if len(values[name]) > limit:
            errors.add(name, _("Write at most %(n)s characters.") % {"n": limit})


@transaction.atomic
def legal_representative_record(
    *,
    actor: Operator,
    person: Person,
    kind: str,
    full_name: str,
    court: str,
    decree_date: datetime.date,
    date_from: datetime.date,
    fiscal_code_value: str = "",
    contact: str = "",
    decree_number: str = "",
    request: HttpRequest | None = None,
) -> LegalRepresentative:
    """Record the representative a court appointed for the person: one current per kind."""
    # Two operators recording the same appointment at once: the second sees the first.
    Person.objects.select_for_update().filter(pk=person.pk).first()
    errors = Errors()
    values = {
        "full_name": clean_text(full_name),
        "court": clean_text(court),
        "contact": clean_text(contact),
        "decree_number": clean_text(decree_number),
    }
    _check_representative_fields(errors, values)
    if kind not in LegalRepresentativeKind.values:
        errors.add("kind", _("Choose the kind of representative from the list."))
    code = ""
    if fiscal_code.normalise(fiscal_code_value):
        try:
            code = fiscal_code.parse(fiscal_code_value).code
        except ValidationError as exc:
            errors.add("fiscal_code", exc.messages[0])
        else:
            if person.fiscal_code and code == person.fiscal_code:
                errors.add("fiscal_code", _("This is the person's own codice fiscale: enter the representative's."))
    today = timezone.localdate()
    if decree_date > today:
        errors.add("decree_date", _("The decree date is in the future: record the decree once issued."))
    elif person.birth_date and decree_date < person.birth_date:
        errors.add("decree_date", _("The decree is dated before the person was born: check the date."))
    if date_from < decree_date:
        errors.add("date_from", _("The appointment cannot start before the decree: check the dates."))
    elif date_from > today:
        errors.add("date_from", _("The appointment starts in the future: record it once it takes effect."))
    if kind in LegalRepresentativeKind.values:
        current = LegalRepresentative.objects.filter(person=person, kind=kind, date_to__isnull=True).first()
        if current is not None:
            errors.add(
                "kind",
                _("%(name)s is the current %(kind)s of this person: record the end of that appointment first.")
                % {"name": current.full_name, "kind": current.get_kind_display()},
            )
    errors.raise_any()
    representative = LegalRepresentative.objects.create(
        person=person,
        kind=kind,
        fiscal_code=code,
        decree_date=decree_date,
        date_from=date_from,
        recorded_by=actor,
        **values,
    )
    fields = ["court", "date_from", "decree_date", "full_name", "kind"]
    fields += [n for n, v in (("fiscal_code", code), *values.items()) if v and n not in fields]
    record_event(
        action="people.legal_representative.recorded",
        actor=actor,
        target=person,
        payload={"legal_representative": representative.pk, "fields": sorted(fields)},
        request=request,
    )
    return representative


@transaction.atomic
def legal_representative_end(
    *, actor: Operator, representative: LegalRepresentative, date_to: datetime.date, request: HttpRequest | None = None
) -> LegalRepresentative:
    """The appointment ended (revoked, replaced, the person regained capacity or died)."""
    locked = LegalRepresentative.objects.select_for_update().select_related("person").get(pk=representative.pk)
    errors = Errors()
    if locked.date_to is not None:
        errors.add("date_to", _("This appointment has already ended on %(date)s.") % {"date": _date(locked.date_to)})
    elif date_to < locked.date_from:
        errors.add(
            "date_to", _("The end is before the start (%(date)s): check the date.") % {"date": _date(locked.date_from)}
        )
    elif date_to > timezone.localdate():
        errors.add("date_to", _("The end cannot be in the future: record it once it has happened."))
    errors.raise_any()
    locked.date_to = date_to
    locked.save(update_fields=["date_to", "updated_at"])
    record_event(
        action="people.legal_representative.ended",
        actor=actor,
        target=locked.person,
        payload={"legal_representative": locked.pk, "fields": ["date_to"]},
        request=request,
    )
    return locked
