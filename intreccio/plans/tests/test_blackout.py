"""A blacked-out assessment does not shape the plans other services read (SECURITY.md R21).

A CPI skills interview the person asked to black out is hidden from every service but the CPI:
nor may its employability class steer the routing suggestions, the default package, the
validation page's profile or the similar validated cases. The plan pages are rendered as the
case manager, the SerD and the coordinator before the interview exists and after it is written,
profiled and blacked out: once CSRF tokens, nonces, request ids and times are normalised they are
the same. Controls: lifting the blackout changes them (the class shows), so the comparison sees it.
"""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from intreccio.accounts.models import Operator
from intreccio.assessments import services as assessment_services
from intreccio.assessments.models import Assessment, AssessmentKind, AssessmentTool, EmployabilityProfile
from intreccio.assessments.tests.test_services import CPI_ANSWERS
from intreccio.blackout.models import Blackout, TargetType
from intreccio.blackout.services import blackout_lift, blackout_record
from intreccio.blackout.tests.test_no_trace import _normalise
from intreccio.cases.models import Case
from intreccio.cases.tests.conftest import Net
from intreccio.cases.tests.pages import client_for
from intreccio.plans import services
from intreccio.plans.models import Plan
from intreccio.plans.tests.conftest import Catalogue, draft_plan, fill_plan, give_profile, validated_plan
from intreccio.plans.tests.test_pages import second_case

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}
# "Not available for work now": class D, no work path (the tool's first rule).
NOT_NOW = {**CPI_ANSWERS, "availability": "not_now"}
# Never worked, a few hours a week: no rule for A or B holds, class C (the default).
FAR_FROM_WORK = {**CPI_ANSWERS, "last_worked": "never", "availability": "limited"}

Pages = dict[tuple[str, bool], tuple[int, str]]


def _render(client: Client, urls: list[tuple[str, bool]]) -> Pages:
    pages = {}
    for url, htmx in urls:
        response = client.get(url, headers=HTMX if htmx else None)
        pages[(url, htmx)] = (response.status_code, _normalise(response.content.decode()))
    return pages


def _differences(before: Pages, after: Pages) -> list[str]:
    return [f"{url} (htmx={htmx})" for (url, htmx), page in before.items() if after[(url, htmx)] != page]


def _blacked_out_interview(net: Net, case: Case, answers: dict[str, str], expected_class: str) -> Blackout:
    """The CPI operator interviews the person, records the employability class; the person asks to black it out."""
    bob = net.request(net.bob)
    tool = AssessmentTool.objects.get(kind=AssessmentKind.CPI_INTERVIEW, is_published=True)
    interview = assessment_services.assessment_start(request=bob, case=case, tool=tool)
    interview = assessment_services.assessment_save(
        request=bob, assessment=interview, version=interview.version, answers=answers
    )
    interview = assessment_services.assessment_complete(request=bob, assessment=interview, version=interview.version)
    assert interview.profile == expected_class
    profile = assessment_services.employability_profile_record(request=bob, assessment=interview)
    assert profile.employability_class == expected_class
    blackout = blackout_record(
        request=bob,
        target_type=TargetType.ASSESSMENT,
        target_id=interview.pk,
        requested_on=timezone.localdate(interview.created_at),
        request_reference="Prot. 2025/0500",
    )
    assert blackout.owner_structure == net.cpi
    return blackout


def _submitted(net: Net, case: Case, cat: Catalogue) -> Plan:
    plan = fill_plan(net, draft_plan(net, case), cat)
    return services.plan_submit(request=net.request(net.alice), plan=plan, version=plan.version)


def test_routing_package_and_profile_ignore_a_blacked_out_interview(net: Net, case: Case, cat: Catalogue) -> None:
    """The case was profiled C by the social service; the CPI's newer interview says D, then is blacked out."""
    plan = _submitted(net, case, cat)
    urls = [
        (reverse("plans:case_panel", kwargs={"case_pk": case.pk}), True),
        (reverse("plans:case_panel", kwargs={"case_pk": case.pk}), False),
        (reverse("plans:plan_new", kwargs={"case_pk": case.pk}), False),
        (reverse("plans:plan_edit", args=[plan.pk]), False),
        (reverse("plans:validation", args=[plan.pk]), False),
        (reverse("assessments:case_panel", kwargs={"case_pk": case.pk}), True),
        (reverse("cases:case_timeline", args=[case.pk]), True),
    ]
    readers: dict[str, Operator] = {"case manager": net.alice, "serd": net.sara, "coordinator": net.carla}
    clients = {name: client_for(operator) for name, operator in readers.items()}
    before = {name: _render(client, urls) for name, client in clients.items()}
    new_plan, validation = (urls[2][0], False), (urls[4][0], False)
    assert before["case manager"][new_plan][0] == 200 and before["coordinator"][validation][0] == 200
    assert "Low employability (class C)" in before["case manager"][new_plan][1]
    assert "employability class C" in before["coordinator"][validation][1]

    blackout = _blacked_out_interview(net, case, NOT_NOW, "D")
    after = {name: _render(client, urls) for name, client in clients.items()}
    for name in clients:
        assert not _differences(before[name], after[name]), (name, _differences(before[name], after[name]))
    assert EmployabilityProfile.objects.filter(case=case).count() == 2

    # Control: lifted, the CPI's class D steers the pages again, so the comparison above could see it.
    blackout_lift(request=net.request(net.bob), blackout=blackout, reason="La persona revoca la richiesta.")
    lifted = {name: _render(client, urls) for name, client in clients.items()}
    assert "The employability profile is D" in lifted["case manager"][new_plan][1]
    assert "employability class D" in lifted["coordinator"][validation][1]
    for name in clients:
        assert _differences(before[name], lifted[name]), name


def test_a_blacked_out_interview_does_not_make_a_case_similar(net: Net, case: Case, cat: Catalogue) -> None:
    """A validated case without a profile for the others, whose only class comes from a blacked-out interview."""
    near = second_case(net, "Nicola")
    give_profile(near, "C", care_level=1)
    validated_plan(net, near, cat)
    masked = second_case(net, "Mauro")
    validated_plan(net, masked, cat)
    plan = _submitted(net, case, cat)
    url = reverse("plans:validation", args=[plan.pk])
    carla = client_for(net.carla)
    before = _render(carla, [(url, False)])
    html = before[(url, False)][1]
    assert (near.number or "-") in html and (masked.number or "-") not in html

    blackout = _blacked_out_interview(net, masked, FAR_FROM_WORK, "C")
    assert _render(carla, [(url, False)]) == before

    blackout_lift(request=net.request(net.bob), blackout=blackout, reason="La persona revoca la richiesta.")
    lifted = _render(carla, [(url, False)])[(url, False)][1]
    assert (masked.number or "-") in lifted
    assert Assessment.objects.filter(case=masked, kind=AssessmentKind.CPI_INTERVIEW).count() == 1


def test_a_plan_drafted_without_a_package_takes_the_one_the_reader_knows_fits(
    net: Net, case: Case, cat: Catalogue
) -> None:
    """Class C with a low care load fits PA-02; the blacked-out class D would fit none."""
    _blacked_out_interview(net, case, NOT_NOW, "D")
    plan = draft_plan(net, case)
    assert plan.package == cat.low
