"""The demo loader of meetings: the roster of the Ambito Cremonese, meetings for demo cases, idempotent."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from intreccio.accounts.models import Operator
from intreccio.cases.models import OPEN_STATES, Case, CaseMember, TeamRole
from intreccio.demo.meetings import MEDIATORS, demo_meetings_load
from intreccio.demo.services import demo_load
from intreccio.meetings.models import Decision, Mediator, Meeting
from intreccio.meetings.selectors import mediator_find
from intreccio.people.tests.factories import PersonFactory
from intreccio.territory.models import Ambito

pytestmark = pytest.mark.django_db


def test_the_roster_and_meetings_load_once() -> None:
    summary = demo_load()
    operators = {o.username: o for o in Operator.objects.filter(is_demo=True)}
    first = demo_meetings_load(operators=operators)
    assert first["mediators"] == len(MEDIATORS) == Mediator.objects.count()
    languages = {code for m in Mediator.objects.all() for code in m.language_codes}
    assert {"ar", "zh", "ro", "sq", "ur", "pa", "wo", "fr", "uk", "ru"} <= languages
    assert all(m.organisation is not None for m in Mediator.objects.all())
    counts = (Mediator.objects.count(), Meeting.objects.count(), Decision.objects.count())
    assert not any(demo_meetings_load(operators={}).values())  # nothing new the second time
    assert counts == (Mediator.objects.count(), Meeting.objects.count(), Decision.objects.count())
    ambito = summary.ambito
    assert [m.name for m in mediator_find(ambito_id=ambito.pk, language="wo")] == ["Moussa Ndiaye"]
    cremona = ambito.comuni.get(name="Cremona")
    assert "Chen Xiaoling" in [m.name for m in mediator_find(ambito_id=ambito.pk, language="zh", comune=cremona)]


def test_meetings_for_open_demo_cases() -> None:
    summary = demo_load()
    case = Case.objects.filter(ambito=summary.ambito, status__in=OPEN_STATES).order_by("pk").first()
    if case is None:  # demo_load does not make cases yet: one like those it will make
        case = _demo_case(summary.ambito)
    created = demo_meetings_load(operators={})
    assert created["meetings"] >= 2 and created["mediator_bookings"] >= 1
    assert not any(demo_meetings_load(operators={}).values())
    held = Meeting.objects.get(case=case, status="held")
    assert held.ends_at < timezone.now() and held.minutes and held.decisions.count() == 2
    assert set(held.invitees.values_list("attendance", flat=True)) == {"present"}
    upcoming = Meeting.objects.get(case=case, status="planned")
    assert upcoming.starts_at > timezone.now() and upcoming.bookings.get().status == "confirmed"


def _demo_case(ambito: Ambito) -> Case:
    manager = Operator.objects.get(username="casemanager")
    cpi = Operator.objects.get(username="cpi")
    structure = manager.current_memberships().first().structure  # type: ignore[union-attr]
    today = timezone.localdate()
    case = Case.objects.create(
        ambito=ambito,
        number="DEMO-1",
        person=PersonFactory.create(registered_by=structure.organisation),
        prevalent_need="work",
        case_manager=manager,
        case_manager_structure=structure,
        accessed_on=today - datetime.timedelta(days=40),
        taken_in_charge_on=today - datetime.timedelta(days=30),
    )
    for operator, role in ((manager, TeamRole.CASE_MANAGER), (cpi, TeamRole.CPI_TUTOR)):
        CaseMember.objects.create(case=case, operator=operator, structure=structure, team_role=role, joined_on=today)
    return case
