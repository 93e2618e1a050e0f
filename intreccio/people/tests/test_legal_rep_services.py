"""Legal representatives: the database's rules, the services, who signs in the person's place.

Mario Rossi has an amministratore di sostegno appointed by the Tribunale di Cremona.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.template import Context, Template
from django.utils import timezone, translation

from intreccio.accounts.models import Operator, Role
from intreccio.accounts.tests.factories import operator_with_role
from intreccio.audit.models import DomainEvent
from intreccio.people.models import LegalRepresentative, Person
from intreccio.people.selectors_measures import current_legal_representative, legal_representatives_current
from intreccio.people.services.measures import legal_representative_end, legal_representative_record
from intreccio.people.tests.factories import PersonFactory

D = datetime.date
REP_CODE = "BNCNNA70C52D150O"


@pytest.fixture(autouse=True)
def english() -> Iterator[None]:
    with translation.override("en"):
        yield


@pytest.fixture
def alice(db: None) -> Operator:
    return operator_with_role(Role.SOCIAL_WORKER, username="alice")


@pytest.fixture
def mario(db: None) -> Person:
    return PersonFactory.create(first_name="Mario", last_name="Rossi", birth_date=D(1950, 1, 1))


def _record(person: Person, actor: Operator, **values: object) -> LegalRepresentative:
    kwargs: dict[str, object] = {
        "kind": "support_administrator",
        "full_name": "Anna Bianchi",
        "court": "Tribunale di Cremona",
        "decree_date": D(2024, 3, 1),
        "date_from": D(2024, 3, 15),
        "fiscal_code_value": REP_CODE.lower(),
        "decree_number": "123/2024",
    }
    kwargs.update(values)
    return legal_representative_record(actor=actor, person=person, **kwargs)  # type: ignore[arg-type]


@pytest.mark.django_db
@pytest.mark.parametrize(
    "values",
    [
        {"kind": "friend"},
        {"full_name": ""},
        {"court": ""},
        {"fiscal_code": "abc"},
        {"date_to": D(2024, 1, 1)},
        {"date_from": D(2024, 2, 1)},  # before the decree
    ],
)
def test_database_refuses_inconsistent_rows(mario: Person, alice: Operator, values: dict[str, object]) -> None:
    fields: dict[str, object] = {
        "kind": "guardian",
        "full_name": "X",
        "court": "Tribunale di Cremona",
        "decree_date": D(2024, 3, 1),
        "date_from": D(2024, 3, 1),
    }
    fields.update(values)
    with pytest.raises(IntegrityError), transaction.atomic():
        LegalRepresentative.objects.create(person=mario, recorded_by=alice, **fields)


@pytest.mark.django_db
def test_database_allows_one_current_representative_per_kind(mario: Person, alice: Operator) -> None:
    fields = {"full_name": "X", "court": "T", "decree_date": D(2024, 3, 1), "date_from": D(2024, 3, 1)}
    LegalRepresentative.objects.create(person=mario, recorded_by=alice, kind="guardian", **fields)
    LegalRepresentative.objects.create(person=mario, recorded_by=alice, kind="curator", **fields)
    with pytest.raises(IntegrityError), transaction.atomic():
        LegalRepresentative.objects.create(person=mario, recorded_by=alice, kind="guardian", **fields)


@pytest.mark.django_db
def test_record_end_and_who_signs(mario: Person, alice: Operator) -> None:
    rep = _record(mario, alice)
    assert rep.fiscal_code == REP_CODE
    assert current_legal_representative(mario) == rep
    html = Template("{% load legal_representatives %}{% signs_for person %}").render(Context({"person": mario}))
    assert "signs: Anna Bianchi (amministratore di sostegno)" in html
    legal_representative_end(actor=alice, representative=rep, date_to=timezone.localdate())
    assert current_legal_representative(mario, on=timezone.localdate() + datetime.timedelta(days=1)) is None
    assert (
        Template("{% load legal_representatives %}{% signs_for person %}")
        .render(Context({"person": PersonFactory.create()}))
        .strip()
        == ""
    )
    events = DomainEvent.objects.filter(action__startswith="people.legal_representative")
    assert events.count() == 2
    for event in events:
        assert "Bianchi" not in str(event.payload) and "Cremona" not in str(event.payload)
        assert REP_CODE not in str(event.payload)


@pytest.mark.django_db
def test_a_guardian_signs_before_a_curator(mario: Person, alice: Operator) -> None:
    curator = _record(mario, alice, kind="curator", full_name="Carla Curatrice", fiscal_code_value="")
    guardian = _record(mario, alice, kind="guardian", full_name="Giorgio Tutore", fiscal_code_value="")
    assert legal_representatives_current(mario) == [guardian, curator]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("values", "field", "text"),
    [
        ({"fiscal_code_value": "RSSMRA50A01D150X"}, "fiscal_code", "check letter"),
        ({"fiscal_code_value": "RSSMRA50A01D150"}, "fiscal_code", "16 characters"),
        ({"full_name": "  "}, "full_name", "name of the representative"),
        ({"court": ""}, "court", "Tribunale di Cremona"),
        ({"kind": "friend"}, "kind", "from the list"),
        ({"decree_date": D(2100, 1, 1), "date_from": D(2100, 1, 2)}, "decree_date", "future"),
        ({"decree_date": D(1940, 1, 1)}, "decree_date", "before the person was born"),
        ({"date_from": D(2024, 2, 1)}, "date_from", "before the decree"),
        ({"contact": "x" * 201}, "contact", "at most 200"),
    ],
)
def test_record_refusals(mario: Person, alice: Operator, values: dict[str, object], field: str, text: str) -> None:
    with pytest.raises(ValidationError) as exc:
        _record(mario, alice, **values)
    assert text in " ".join(exc.value.message_dict.get(field, [])), exc.value.message_dict
    assert not LegalRepresentative.objects.exists()


@pytest.mark.django_db
def test_the_persons_own_code_and_a_second_current_of_a_kind_are_refused(alice: Operator) -> None:
    person = PersonFactory.create(
        fiscal_code=REP_CODE, first_name="Anna", last_name="Bianchi", birth_date=D(1970, 3, 12)
    )
    with pytest.raises(ValidationError) as exc:
        _record(person, alice)
    assert "own codice fiscale" in str(exc.value)
    mario = PersonFactory.create(birth_date=D(1950, 1, 1))
    _record(mario, alice)
    with pytest.raises(ValidationError) as exc:
        _record(mario, alice, full_name="Altro Nome", fiscal_code_value="")
    assert "Anna Bianchi is the current amministratore di sostegno" in str(exc.value)


@pytest.mark.django_db
def test_end_refusals(mario: Person, alice: Operator) -> None:
    rep = _record(mario, alice)
    with pytest.raises(ValidationError, match="before the start"):
        legal_representative_end(actor=alice, representative=rep, date_to=D(2024, 3, 1))
    with pytest.raises(ValidationError, match="future"):
        legal_representative_end(actor=alice, representative=rep, date_to=D(2100, 1, 1))
    legal_representative_end(actor=alice, representative=rep, date_to=D(2024, 6, 1))
    with pytest.raises(ValidationError, match="already ended on 01/06/2024"):
        legal_representative_end(actor=alice, representative=rep, date_to=D(2024, 7, 1))
