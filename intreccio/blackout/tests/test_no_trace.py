"""A blacked-out item leaves no trace for the other services (SECURITY.md R21, Garante §5.1).

The case page, every section (page and htmx fragment), the timeline, the assessments panel and
comparison, the plan and meeting panels, the caseload and the blackout list are rendered as the
CPI operator, the educator of another service, the coordinator and the case manager BEFORE the
health service writes its note; then the note is written and blacked out and every page is
rendered again. Once CSRF tokens, nonces, request ids and timestamps are normalised the HTML must
be byte-for-byte the same: no count, badge, gap, timeline entry, changed ordering or "1 item
hidden" hint. Controls: the writing service sees the note, with its badge; lifting the blackout
makes the pages differ again (so the comparison can see a note), and the lifting is logged.
"""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from intreccio.accounts.models import Operator
from intreccio.assessments import services as assessment_services
from intreccio.assessments.models import Assessment, AssessmentKind, AssessmentTool
from intreccio.assessments.tests.test_services import CPI_ANSWERS
from intreccio.audit.models import DomainEvent
from intreccio.blackout.models import Blackout, TargetType
from intreccio.blackout.services import blackout_lift, blackout_record
from intreccio.blackout.tests.conftest import Team
from intreccio.cases.models import Section
from intreccio.cases.tests.pages import client_for

pytestmark = pytest.mark.django_db

NOTE = "Ricovero in comunità terapeutica nel 2019 (nota del CPS)."
HTMX = {"HX-Request": "true"}
# What differs between two renders of the same page: the masked CSRF token, CSP nonces, request
# ids, and any date-time (an access, the clock).
VOLATILE = [
    (re.compile(r'(name="csrfmiddlewaretoken" value=")[^"]+"'), r'\1CSRF"'),
    (re.compile(r'("X-CSRFToken"\s*:\s*")[^"]+"'), r'\1CSRF"'),
    (re.compile(r'(csrf[-_]token"? content=")[^"]+"'), r'\1CSRF"'),
    (re.compile(r'nonce="[^"]*"'), 'nonce="N"'),
    (re.compile(r"[0-9a-f]{32}|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"), "REQUEST-ID"),
    (re.compile(r"\d{2}/\d{2}/\d{4} \d{2}:\d{2}(:\d{2})?"), "DD/MM/YYYY HH:MM"),
    (re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}[^\"<]*"), "ISO-TIME"),
]


def _normalise(html: str) -> str:
    for pattern, replacement in VOLATILE:
        html = pattern.sub(replacement, html)
    return html


def _urls(team: Team) -> list[tuple[str, bool]]:
    """Every page and fragment that shows something of the case, as (url, htmx)."""
    case = team.case
    detail = reverse("cases:case_detail", args=[case.pk])
    urls = [(detail, False), (reverse("cases:caseload"), False), (reverse("blackout:blackout_list"), False)]
    for section in Section.values:
        urls.append((f"{detail}?section={section}", False))
        urls.append((reverse("cases:case_section", args=[case.pk, section]), True))
    timeline = reverse("cases:case_timeline", args=[case.pk])
    urls += [(timeline, True), (timeline, False)]
    for name in ("assessments:case_panel", "assessments:compare", "plans:case_panel", "meetings:case_panel"):
        try:
            url = reverse(name, kwargs={"case_pk": case.pk})
        except NoReverseMatch:
            continue
        urls += [(url, True), (url, False)]
    assert team.net.person.pk
    for name in ("people:person_detail",):
        try:
            urls.append((reverse(name, args=[team.net.person.pk]), False))
        except NoReverseMatch:
            continue
    return urls


def _render(client: Client, urls: list[tuple[str, bool]]) -> dict[tuple[str, bool], tuple[int, str]]:
    pages = {}
    for url, htmx in urls:
        response = client.get(url, headers=HTMX if htmx else None)
        pages[(url, htmx)] = (response.status_code, _normalise(response.content.decode()))
    return pages


def _differences(before: dict, after: dict) -> list[str]:
    return [f"{url} (htmx={htmx})" for (url, htmx), page in before.items() if after[(url, htmx)] != page]


def _readers(team: Team) -> dict[str, Operator]:
    net = team.net
    return {"cpi": net.bob, "educator": team.elena, "coordinator": net.carla, "case manager": net.alice}


def test_a_blacked_out_note_leaves_the_other_services_pages_exactly_as_they_were(team: Team) -> None:
    net = team.net
    urls = _urls(team)
    clients = {name: client_for(operator) for name, operator in _readers(team).items()}
    before = {name: _render(client, urls) for name, client in clients.items()}
    # The pages show what they should: the case page is there for each reader.
    assert all(pages[(urls[0][0], False)][0] == 200 for pages in before.values())

    note = team.note(net.hugo, NOTE)
    # The case manager records the person's request: from now on she does not see it either.
    blackout_record(
        request=net.request(net.alice),
        target_type=TargetType.CASE_NOTE,
        target_id=note.pk,
        requested_on=timezone.localdate(note.created_at),
        request_reference="Prot. 2025/0412",
    )
    after = {name: _render(client, urls) for name, client in clients.items()}
    own_list = (reverse("blackout:blackout_list"), False)
    for name in clients:
        differences = _differences(before[name], after[name])
        if name == "case manager":
            # She recorded the request, so her own list of recorded requests has it; nothing else changed.
            assert differences == [f"{own_list[0]} (htmx=False)"]
            assert "Prot. 2025/0412" in after[name][own_list][1] and NOTE not in after[name][own_list][1]
        else:
            assert not differences, (name, differences)

    # The writing service still reads the note, with the discreet badge.
    hugo = client_for(net.hugo).get(reverse("cases:case_detail", args=[team.case.pk]) + "?section=common")
    html = hugo.content.decode()
    assert NOTE in html and "blacked out at the person's request" in html

    # Control: lifted, the note shows again for the others, so the comparison above could see it.
    blackout_lift(request=net.request(net.hugo), blackout=Blackout.objects.get(), reason="La persona revoca.")
    lifted = {name: _render(client, urls) for name, client in clients.items()}
    for name in clients:
        assert _differences(before[name], lifted[name]), name
        assert NOTE in lifted[name][(f"{urls[0][0]}?section=common", False)][1], name
    assert DomainEvent.objects.filter(action="blackout.item.lifted", actor=net.hugo).count() == 1


def test_a_blacked_out_assessment_leaves_the_other_services_pages_exactly_as_they_were(team: Team) -> None:
    """A skills interview the CPI wrote, blacked out: the case manager's pages do not change."""
    net = team.net
    urls = _urls(team)
    readers = {"case manager": net.alice, "health": net.hugo, "coordinator": net.carla}
    clients = {name: client_for(operator) for name, operator in readers.items()}
    before = {name: _render(client, urls) for name, client in clients.items()}

    tool = AssessmentTool.objects.get(kind=AssessmentKind.CPI_INTERVIEW, is_published=True)
    bob = net.request(net.bob)
    interview = assessment_services.assessment_start(request=bob, case=team.case, tool=tool)
    interview = assessment_services.assessment_save(
        request=bob, assessment=interview, version=interview.version, answers=CPI_ANSWERS
    )
    interview = assessment_services.assessment_complete(request=bob, assessment=interview, version=interview.version)
    blackout = blackout_record(
        request=bob,
        target_type=TargetType.ASSESSMENT,
        target_id=interview.pk,
        requested_on=timezone.localdate(interview.created_at),
        request_reference="Prot. 2025/0413",
    )
    assert blackout.owner_structure == net.cpi
    after = {name: _render(client, urls) for name, client in clients.items()}
    for name in clients:
        assert not _differences(before[name], after[name]), (name, _differences(before[name], after[name]))
    # Opening it by its address answers as if it did not exist; the CPI still opens it.
    detail = reverse("assessments:assessment_detail", args=[interview.pk])
    for name, client in clients.items():
        assert client.get(detail).status_code == 404, name
    assert client_for(net.bob).get(detail).status_code == 200

    blackout_lift(request=net.request(net.bob), blackout=blackout, reason="La persona revoca la richiesta.")
    assert client_for(net.alice).get(detail).status_code == 200
    lifted = _render(clients["case manager"], urls)
    assert _differences(before["case manager"], lifted)
    assert Assessment.objects.filter(pk=interview.pk).exists()
