"""The demo loader of assessments: nothing without demo cases, every path once with them, idempotent."""

from __future__ import annotations

import pytest

from intreccio.assessments.models import Assessment, AssessmentKind, EmployabilityProfile
from intreccio.cases import services as case_services
from intreccio.cases.models import Case
from intreccio.cases.tests.conftest import Net
from intreccio.demo.assessments import demo_assessments_load

pytestmark = pytest.mark.django_db


def test_no_cases_no_assessments(net: Net, tools: dict) -> None:
    assert demo_assessments_load(operators={"alice": net.alice}) == {}
    assert not Assessment.objects.exists()


def test_allocated_cases_are_left_as_they_are(net: Net, case: Case, tools: dict) -> None:
    assert demo_assessments_load(operators={"alice": net.alice, "bob": net.bob}) == {}


def test_a_case_further_along_gets_every_assessment_once(net: Net, case: Case, tools: dict) -> None:
    alice = net.request(net.alice)
    case = case_services.case_start_assessment(request=alice, case=case, version=case.version)
    case = case_services.case_mark_project_drafted(request=alice, case=case, version=case.version)
    operators = {"alice": net.alice, "bob": net.bob, "sara": net.sara}
    created = demo_assessments_load(operators=operators)
    assert created == {"assessments": 3, "employability_profiles": 1}
    kinds = set(Assessment.objects.filter(case=case, status="completed").values_list("kind", flat=True))
    assert kinds == set(AssessmentKind.values)
    assert EmployabilityProfile.objects.get(case=case).employability_class == "B"
    assert demo_assessments_load(operators=operators) == {}
