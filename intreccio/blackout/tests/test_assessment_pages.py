"""Blacking out an assessment from its pages: the link for who may record it, the badge for its service."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from intreccio.accounts.models import Operator
from intreccio.assessments import services as assessment_services
from intreccio.assessments.models import Assessment, AssessmentKind, AssessmentTool
from intreccio.assessments.tests.test_services import CPI_ANSWERS
from intreccio.blackout.models import Blackout, TargetType
from intreccio.blackout.tests.conftest import Team
from intreccio.cases.tests.pages import client_for

pytestmark = pytest.mark.django_db

BADGE = "blacked out at the person's request"
LINK_TEXT = "Black out…"


def cpi_interview(team: Team) -> Assessment:
    """A skills interview the CPI operator on the team started and completed: the CPI wrote it."""
    net = team.net
    tool = AssessmentTool.objects.get(kind=AssessmentKind.CPI_INTERVIEW, is_published=True)
    bob = net.request(net.bob)
    interview = assessment_services.assessment_start(request=bob, case=team.case, tool=tool)
    interview = assessment_services.assessment_save(
        request=bob, assessment=interview, version=interview.version, answers=CPI_ANSWERS
    )
    return assessment_services.assessment_complete(request=bob, assessment=interview, version=interview.version)


def _detail(client: Client, assessment: Assessment) -> tuple[int, str]:
    response = client.get(reverse("assessments:assessment_detail", args=[assessment.pk]))
    return response.status_code, response.content.decode()


def _panel(operator: Operator, team: Team) -> str:
    url = reverse("assessments:case_panel", kwargs={"case_pk": team.case.pk})
    return client_for(operator).get(url, headers={"HX-Request": "true"}).content.decode()


def test_the_detail_page_offers_the_link_to_team_members_only(team: Team) -> None:
    net = team.net
    interview = cpi_interview(team)
    link = reverse("blackout:record_assessment", args=[interview.pk])
    for who in (net.bob, net.alice, team.elena):
        status, html = _detail(client_for(who), interview)
        assert status == 200, who
        assert link in html and LINK_TEXT in html, who
        assert BADGE not in html, who
    # The coordinator reads the interview from the coordination group, off the team: no link.
    status, html = _detail(client_for(net.carla), interview)
    assert status == 200
    assert link not in html and LINK_TEXT not in html
    # The link leads to the form that records the request.
    page = client_for(net.alice).get(link)
    assert page.status_code == 200 and 'name="request_reference"' in page.content.decode()


def test_once_blacked_out_the_writing_service_sees_a_badge_and_no_link(team: Team) -> None:
    net = team.net
    interview = cpi_interview(team)
    link = reverse("blackout:record_assessment", args=[interview.pk])
    done = client_for(net.alice).post(
        link, {"requested_on": timezone.localdate().strftime("%d/%m/%Y"), "request_reference": "Prot. 2025/0413"}
    )
    assert done.status_code == 302
    blackout = Blackout.objects.get()
    assert (blackout.target_type, blackout.target_id, blackout.owner_structure) == (
        TargetType.ASSESSMENT,
        interview.pk,
        net.cpi,
    )
    # The CPI, which wrote it, still opens it: with the badge, linking to its list, and no link to black it out again.
    status, html = _detail(client_for(net.bob), interview)
    assert status == 200
    assert BADGE in html and reverse("blackout:blackout_list") in html
    assert link not in html and LINK_TEXT not in html
    panel = _panel(net.bob, team)
    assert reverse("assessments:assessment_detail", args=[interview.pk]) in panel and BADGE in panel
    # Everyone else: not on the panel, no badge; the detail answers as if it did not exist.
    for who in (net.alice, net.carla, team.elena):
        panel = _panel(who, team)
        assert reverse("assessments:assessment_detail", args=[interview.pk]) not in panel, who
        assert BADGE not in panel, who
        assert _detail(client_for(who), interview)[0] == 404, who
