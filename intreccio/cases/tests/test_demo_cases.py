"""The demo cases: every state the tour needs, through the services, and idempotent."""

from __future__ import annotations

import pytest

from intreccio.accounts.models import Operator
from intreccio.audit.models import DomainEvent
from intreccio.cases.models import Case, CaseNote, CaseStatus, Section
from intreccio.demo.cases import demo_cases_load
from intreccio.demo.services import demo_load

pytestmark = pytest.mark.django_db


def test_demo_cases_cover_the_path_and_load_once() -> None:
    demo_load()
    operators = {o.username: o for o in Operator.objects.filter(is_demo=True)}
    # demo_load may already make the cases itself; either way they exist once after this.
    demo_cases_load(operators=operators)
    assert Case.objects.count() == 5
    by_name = {str(c.person and c.person.last_name): c for c in Case.objects.select_related("person")}
    assert by_name["Ferrari"].status == CaseStatus.ACTIVE
    ferrari_events = DomainEvent.objects.filter(target_type="cases.case", target_id=str(by_name["Ferrari"].pk))
    assert ferrari_events.filter(action="cases.case.returned_to_team").exists()
    assert ferrari_events.filter(action="cases.case.return_answered").exists()
    assert (by_name["Bonetti"].status, by_name["Bonetti"].closure_outcome) == (CaseStatus.CLOSED, "goals_met")
    assert by_name["Diallo"].household is not None
    assert {by_name["Galli"].status, by_name["Popescu"].status} == {CaseStatus.PROJECT_DRAFTED, CaseStatus.ALLOCATED}
    assert CaseNote.objects.filter(section=Section.HEALTH, author__username="sanitario").exists()
    events = DomainEvent.objects.count()
    assert sum(demo_cases_load(operators=operators).values()) == 0
    assert Case.objects.count() == 5
    assert DomainEvent.objects.count() == events
