"""Demo plans on top of the whole demo network: once, and never again."""

from __future__ import annotations

import pytest
from django.core import mail
from django.utils import timezone

from intreccio.accounts.models import Operator
from intreccio.cases.models import Case, CaseStatus
from intreccio.demo.plans import demo_plans_load
from intreccio.demo.services import demo_load
from intreccio.plans.models import CheckIn, Deviation, PactType, Plan, PlanStatus
from intreccio.plans.selectors import due_for_reminders

pytestmark = pytest.mark.django_db


def test_no_cases_no_plans() -> None:
    assert demo_plans_load(operators={}) == {}


def test_demo_plans_once() -> None:
    # demo_load loads the plans too; a second call finds everything there.
    created = demo_load().created
    mail.outbox.clear()
    operators = {o.username: o for o in Operator.objects.all()}
    assert created["plans"] == 3 and created["checkins"] == 1
    ferrari = Plan.objects.get(case__person__last_name="Ferrari")
    assert ferrari.status == PlanStatus.VALIDATED and ferrari.pact.pact_type == PactType.GENERATIVE
    assert ferrari.case.status == CaseStatus.ACTIVE and ferrari.case.first_intervention_on is not None
    checkin = CheckIn.objects.get(plan=ferrari)
    assert checkin.realised_percent == 60 and checkin.below_target
    # Her next check-in is overdue, so the reminder command has something to say.
    due = [d for rows in due_for_reminders(today=timezone.localdate()).values() for d in rows]
    assert any(d.case == ferrari.case and d.days_overdue > 0 for d in due)
    galli = Plan.objects.get(case__person__last_name="Galli")
    assert galli.status == PlanStatus.SUBMITTED
    assert Deviation.objects.filter(plan=galli).exclude(reason="").exists()
    assert not Deviation.objects.filter(reason="").exclude(plan__status=PlanStatus.DRAFT).exists()
    assert Plan.objects.filter(status=PlanStatus.DRAFT).count() == 1
    assert demo_plans_load(operators=operators) == {}
    assert Plan.objects.count() == 3
    assert Case.objects.filter(plans__isnull=False, status=CaseStatus.CLOSED).count() == 0
