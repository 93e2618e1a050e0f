"""Demo income measures and legal representative: loaded once, on the demo households."""

from __future__ import annotations

import datetime

import pytest

from intreccio.accounts.models import Operator
from intreccio.demo.measures import demo_measures_load
from intreccio.demo.services import demo_load
from intreccio.people.models import Household, IncomeSupport, LegalRepresentative
from intreccio.people.selectors_measures import current_legal_representative, household_on_income_measure

pytestmark = pytest.mark.django_db


def test_demo_measures_are_idempotent_and_tell_the_seed_stories() -> None:
    # demo_load loads the measures; a second call finds them there.
    created = demo_load().created
    operators = {o.username: o for o in Operator.objects.all()}
    assert (created["income_supports"], created["legal_representatives"]) == (3, 1)
    assert sum(demo_measures_load(operators=operators).values()) == 0
    assert IncomeSupport.objects.count() == 3
    diallo = Household.objects.get(name="Diallo")
    ferrari = Household.objects.get(name="Ferrari")
    assert household_on_income_measure(diallo).measure == "adi"  # type: ignore[union-attr]
    assert household_on_income_measure(ferrari, on=datetime.date(2023, 6, 1)).measure == "rdc"  # type: ignore[union-attr]
    assert household_on_income_measure(ferrari).measure == "adi"  # type: ignore[union-attr]
    rep = LegalRepresentative.objects.get()
    assert (rep.person.first_name, rep.person.last_name, rep.court) == ("Mario", "Rossi", "Tribunale di Cremona")
    assert current_legal_representative(rep.person) == rep
