"""The assessment pages as each member of the network sees them.

Sara (SerD health specialist on the team) writes a sentinel in the health notes; it must never
reach Bob (CPI), Alice (case manager, who may not read health), Carla (coordination group) on
any page or fragment, nor any score computed from the health answers alone.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from intreccio.accounts.models import Operator
from intreccio.assessments import services
from intreccio.assessments.models import Assessment, AssessmentKind, AssessmentStatus, EmployabilityProfile
from intreccio.assessments.tests.test_services import CPI_ANSWERS, HEALTH, IN_DEPTH_SOCIAL, PRELIMINARY_ANSWERS
from intreccio.audit.models import AccessEvent
from intreccio.cases.models import Case
from intreccio.cases.tests.conftest import TODAY, Net

pytestmark = pytest.mark.django_db
SENTINEL = "SENTINEL-HEALTH-4711"


def client_for(operator: Operator) -> Client:
    client = Client()
    client.force_login(operator)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def _run(net: Net, case: Case, tool: Any, steps: list[tuple[Operator, dict[str, Any]]], closer: Operator) -> Assessment:
    assessment = services.assessment_start(request=net.request(closer), case=case, tool=tool)
    for who, answers in steps:
        assessment = services.assessment_save(
            request=net.request(who), assessment=assessment, version=assessment.version, answers=answers
        )
    return services.assessment_complete(request=net.request(closer), assessment=assessment, version=assessment.version)


@pytest.fixture
def assessed(net: Net, case: Case, tools: dict) -> dict[str, Assessment]:
    """A preliminary analysis, an in-depth assessment with the sentinel, a profiled CPI interview."""
    preliminary = _run(net, case, tools[AssessmentKind.PRELIMINARY], [(net.alice, PRELIMINARY_ANSWERS)], net.alice)
    in_depth = _run(
        net,
        case,
        tools[AssessmentKind.IN_DEPTH],
        [(net.alice, IN_DEPTH_SOCIAL), (net.sara, {**HEALTH, "health_notes": SENTINEL})],
        net.alice,
    )
    interview = _run(net, case, tools[AssessmentKind.CPI_INTERVIEW], [(net.bob, CPI_ANSWERS)], net.bob)
    services.employability_profile_record(
        request=net.request(net.bob), assessment=interview, pact_signed_on=TODAY, pact_cpi=net.cpi
    )
    return {"preliminary": preliminary, "in_depth": in_depth, "interview": interview}


def _read_urls(case: Case, assessed: dict[str, Assessment]) -> list[str]:
    return [
        reverse("assessments:case_panel", args=[case.pk]),
        reverse("assessments:compare", args=[case.pk]),
        reverse("assessments:compare", args=[case.pk]) + "?kind=in_depth",
        *(reverse("assessments:assessment_detail", args=[a.pk]) for a in assessed.values()),
    ]


def test_health_sentinel_only_reaches_the_health_specialist(net: Net, case: Case, assessed: dict) -> None:
    for operator in (net.alice, net.bob, net.carla):
        client = client_for(operator)
        for url in _read_urls(case, assessed):
            response = client.get(url)
            assert response.status_code == 200, (operator, url)
            html = response.content.decode()
            assert SENTINEL not in html, (operator, url)
            assert "Health notes" not in html and "Health condition" not in html, (operator, url)
    sara = client_for(net.sara).get(reverse("assessments:assessment_detail", args=[assessed["in_depth"].pk]))
    assert SENTINEL in sara.content.decode()


def test_scores_from_health_alone_and_totals_are_hidden(net: Net, case: Case, assessed: dict) -> None:
    url = reverse("assessments:assessment_detail", args=[assessed["in_depth"].pk])
    html = client_for(net.bob).get(url).content.decode()
    assert "Total over the dimensions you may read" in html
    assert "Total need" not in html
    assert "1 dimension belongs to a section you may not read." in html
    compare = client_for(net.bob).get(reverse("assessments:compare", args=[case.pk]) + "?kind=in_depth")
    assert "Total need" not in compare.content.decode()
    html = client_for(net.sara).get(url).content.decode()
    assert "Total need" not in html  # Sara may not read the work section the total also comes from


def test_cpi_operator_sees_the_class_and_its_rules(net: Net, case: Case, assessed: dict) -> None:
    client = client_for(net.bob)
    html = client.get(reverse("assessments:assessment_detail", args=[assessed["interview"].pk])).content.decode()
    assert "A – high employability" in html
    assert "Aged 18-29, secondary or tertiary education, worked in the last 12 months" in html
    assert "Not available for work now" in html  # the rule looked at first, which did not fire
    assert "between 18 and 29" in html and "Upper secondary or vocational diploma" in html
    panel = client.get(reverse("assessments:case_panel", args=[case.pk])).content.decode()
    assert "A – high employability" in panel
    # The educator's kind of reader (common only) would not: Sara sees no class.
    panel = client_for(net.sara).get(reverse("assessments:case_panel", args=[case.pk])).content.decode()
    assert "high employability" not in panel


def test_strangers_get_404_everywhere(net: Net, case: Case, assessed: dict) -> None:
    urls = [
        *_read_urls(case, assessed),
        reverse("assessments:assessment_new", args=[case.pk]),
        reverse("assessments:profile_new", args=[assessed["interview"].pk]),
    ]
    for operator in (net.dario, net.hugo, net.olga):
        client = client_for(operator)
        for url in urls:
            assert client.get(url).status_code == 404, (operator, url)
        assert (
            client.post(reverse("assessments:assessment_complete", args=[assessed["in_depth"].pk])).status_code == 404
        )


def test_every_read_writes_its_access_records(net: Net, case: Case, assessed: dict) -> None:
    url = reverse("assessments:assessment_detail", args=[assessed["in_depth"].pk])
    for operator, sections in ((net.sara, {"common", "health"}), (net.alice, {"common", "work"})):
        before = AccessEvent.objects.count()
        assert client_for(operator).get(url).status_code == 200
        rows = AccessEvent.objects.order_by("seq")[before:]
        assert {r.section for r in rows} == sections
        assert all(r.object_id == str(case.pk) and r.actor_id == operator.pk for r in rows)
    before = AccessEvent.objects.count()
    client_for(net.bob).get(reverse("assessments:case_panel", args=[case.pk]))
    assert {r.section for r in AccessEvent.objects.order_by("seq")[before:]} == {"common", "work"}
    before = AccessEvent.objects.count()
    client_for(net.olga).get(url)
    assert AccessEvent.objects.count() == before


def _queries(client: Client, url: str) -> int:
    client.get(url)
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def test_panel_and_compare_query_counts_are_flat(net: Net, case: Case, tools: dict) -> None:
    client = client_for(net.alice)
    urls = [reverse("assessments:case_panel", args=[case.pk]), reverse("assessments:compare", args=[case.pk])]
    for _ in range(2):
        _run(net, case, tools[AssessmentKind.PRELIMINARY], [(net.alice, PRELIMINARY_ANSWERS)], net.alice)
    few = [_queries(client, url) for url in urls]
    for _ in range(6):
        _run(net, case, tools[AssessmentKind.PRELIMINARY], [(net.alice, PRELIMINARY_ANSWERS)], net.alice)
    assert [_queries(client, url) for url in urls] == few


def test_compare_shows_changes_side_by_side(net: Net, case: Case, tools: dict) -> None:
    tool = tools[AssessmentKind.PRELIMINARY]
    _run(net, case, tool, [(net.alice, PRELIMINARY_ANSWERS)], net.alice)
    _run(
        net,
        case,
        tool,
        [(net.alice, {**PRELIMINARY_ANSWERS, "housing": "homeless", "registered_cpi": "yes"})],
        net.alice,
    )
    html = client_for(net.alice).get(reverse("assessments:compare", args=[case.pk])).content.decode()
    assert '↑<span class="visually-hidden"> more need than before</span> +4' in html  # housing 0 → 4
    assert '↓<span class="visually-hidden"> less need than before</span> -1' in html  # work 3 → 2
    assert html.count("Preliminary analysis v1") == 2


def test_filling_in_through_the_pages(net: Net, case: Case, tools: dict) -> None:
    alice = client_for(net.alice)
    new_url = reverse("assessments:assessment_new", args=[case.pk])
    html = alice.get(new_url).content.decode()
    assert "In-depth multidimensional assessment" in html
    response = alice.post(new_url, {"tool": tools[AssessmentKind.IN_DEPTH].pk})
    assessment = Assessment.objects.get(case=case, kind=AssessmentKind.IN_DEPTH)
    edit_url = reverse("assessments:assessment_edit", args=[assessment.pk])
    assert response["Location"] == edit_url
    html = alice.get(edit_url).content.decode()
    assert "Health condition" not in html and "Housing situation" in html
    assert "1 dimension is filled in by another member of the team." in html
    form = {"version": assessment.version, **IN_DEPTH_SOCIAL, "housing": "castle", "housing_cost_share": "140"}
    html = alice.post(edit_url, form).content.decode()
    assert "Enter a number of at most 100." in html and "Choose one of the answers listed." in html
    assessment.refresh_from_db()
    assert assessment.answers == {}
    response = alice.post(edit_url, {"version": assessment.version, **IN_DEPTH_SOCIAL})
    assert response.status_code == 302
    sara = client_for(net.sara)
    assert "Health condition" in sara.get(edit_url).content.decode()
    assessment.refresh_from_db()
    # Her form shows Alice's answers in the common dimensions she may also write: they go back as they were.
    assert sara.post(edit_url, {"version": assessment.version, **IN_DEPTH_SOCIAL, **HEALTH}).status_code == 302
    assessment.refresh_from_db()
    assert assessment.answers["monthly_income"] == 650 and assessment.answers["health_condition"] == "chronic"
    # A stale form is not saved over the newer answers.
    html = alice.post(edit_url, {"version": 1, **IN_DEPTH_SOCIAL, "monthly_income": "1"}).content.decode()
    assert "Someone saved answers to this assessment in the meantime." in html
    complete_url = reverse("assessments:assessment_complete", args=[assessment.pk])
    assert client_for(net.bob).post(complete_url, {"version": assessment.version}).status_code == 404
    alice.post(complete_url, {"version": assessment.version})
    assessment.refresh_from_db()
    assert assessment.status == AssessmentStatus.COMPLETED
    # Completed: nobody edits it any more.
    assert alice.get(edit_url).status_code == 404


def test_profile_page_records_the_pact(net: Net, case: Case, tools: dict) -> None:
    interview = _run(net, case, tools[AssessmentKind.CPI_INTERVIEW], [(net.bob, CPI_ANSWERS)], net.bob)
    bob = client_for(net.bob)
    url = reverse("assessments:profile_new", args=[interview.pk])
    html = bob.get(url).content.decode()
    assert "A – high employability" in html and "CPI Cremona" in html
    html = bob.post(url, {"pact_signed_on": "2000-01-01", "pact_cpi": net.cpi.pk}).content.decode()
    assert "The pact cannot be signed before the person first came to the services." in html
    response = bob.post(url, {"pact_signed_on": TODAY.isoformat(), "pact_cpi": net.cpi.pk, "pact_reference": "PS/7"})
    assert response.status_code == 302
    profile = EmployabilityProfile.objects.get(assessment=interview)
    assert (profile.employability_class, profile.pact_reference) == ("A", "PS/7")
    assert bob.get(url).status_code == 404  # recorded once
    assert client_for(net.alice).get(url).status_code == 404


def test_answers_to_v1_still_render_after_v2(net: Net, case: Case, tools: dict) -> None:
    v1 = tools[AssessmentKind.PRELIMINARY]
    old = _run(net, case, v1, [(net.alice, PRELIMINARY_ANSWERS)], net.alice)
    schema = {**v1.schema, "dimensions": [d for d in v1.schema["dimensions"] if d["key"] != "family"]}
    schema["profiling"] = {**schema["profiling"], "rules": schema["profiling"]["rules"][:3]}
    services.tool_publish(request=net.request(net.carla), key=v1.key, kind=v1.kind, title=v1.title, schema=schema)
    html = client_for(net.alice).get(reverse("assessments:assessment_detail", args=[old.pk])).content.decode()
    assert "Weak or occasional network" in html and "Version 1" in html
    assert "The need is mainly about work" in html
