"""A sentinel in a blacked-out note never reaches another service (SECURITY.md R21).

The mental-health centre (CPS) writes two notes in the common section, each carrying a unique
sentinel; the person asks to black out one of them. Then every reader of the case crawls it:
starting from the home page, the caseload, the case page, the blackout pages and the audit
pages, every same-site link and htmx fragment is followed (htmx fragments fetched as htmx),
plus the addresses that name the note itself (its blackout form, its blackout's lift page).
The blacked-out sentinel must appear in no response for the CPI operator, the educator of
another service, the coordinator, the case manager who recorded the request, the SerD, a
social worker off the team and the auditor. Controls: the same crawl finds the other note's
sentinel for every reader of the common section, and the CPS finds its own blacked-out note.
"""

from __future__ import annotations

import html
import re
import secrets
from collections import deque

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from intreccio.accounts.models import Membership, Operator, Role
from intreccio.accounts.tests.factories import OperatorFactory
from intreccio.blackout.models import Blackout, TargetType
from intreccio.blackout.services import blackout_record
from intreccio.blackout.tests.conftest import Team
from intreccio.cases.tests.conftest import TODAY
from intreccio.cases.tests.pages import client_for

pytestmark = pytest.mark.django_db

LINK = re.compile(r'(href|hx-get)="(/[^"#]*)')
# Not pages of the case: static files, the sign-in and second-factor screens, the language switch.
SKIPPED = ("/static/", "/account/", "/i18n/", "/media/")
MAX_PAGES = 250


def _crawl(client: Client, starts: list[str]) -> dict[str, str]:
    """Every page reachable from ``starts`` by GET, as url → body (htmx fragments under 'hx:')."""
    seen: dict[str, str] = {}
    queue = deque((url, False) for url in starts)
    while queue and len(seen) < MAX_PAGES:
        url, htmx = queue.popleft()
        key = f"hx:{url}" if htmx else url
        if key in seen or url.startswith(SKIPPED):
            continue
        response = client.get(url, headers={"HX-Request": "true"} if htmx else None)
        body = response.content.decode(errors="replace") if response.status_code == 200 else ""
        seen[key] = body
        for attribute, found in LINK.findall(body):
            queue.append((html.unescape(found), attribute == "hx-get"))
    return seen


def _sentinel(kind: str) -> str:
    return f"QZ{kind}{secrets.token_hex(4).upper()}"


def test_the_blacked_out_sentinel_never_reaches_another_service(team: Team) -> None:
    net = team.net
    hidden_sentinel, control_sentinel = _sentinel("BLACKOUT"), _sentinel("CONTROL")
    hidden = team.note(net.hugo, f"{hidden_sentinel} ricovero in comunità terapeutica {hidden_sentinel}")
    team.note(net.hugo, f"{control_sentinel} colloquio di verifica {control_sentinel}")
    blackout = blackout_record(
        request=net.request(net.alice),
        target_type=TargetType.CASE_NOTE,
        target_id=hidden.pk,
        requested_on=timezone.localdate(),
        request_reference="Prot. 2025/0412",
    )
    auditor = OperatorFactory.create(username="franca")
    Membership.objects.create(operator=auditor, structure=net.social, role=Role.AUDITOR, valid_from=TODAY)
    case = reverse("cases:case_detail", args=[team.case.pk])
    starts = [
        reverse("home"),
        reverse("cases:caseload"),
        case,
        f"{case}?section=common",
        reverse("blackout:blackout_list"),
        reverse("blackout:register"),
        reverse("blackout:record_note", args=[hidden.pk]),
        reverse("blackout:lift", args=[blackout.pk]),
        reverse("audit:domain_log"),
        reverse("audit:access_log"),
    ]
    readers: dict[str, Operator] = {
        "cpi": net.bob,
        "educator": team.elena,
        "coordinator": net.carla,
        "case manager (recorded it)": net.alice,
        "serd": net.sara,
        "social worker off the team": net.dario,
        "auditor": auditor,
    }
    readers_of_common = {"cpi", "educator", "coordinator", "case manager (recorded it)", "serd"}
    for name, operator in readers.items():
        pages = _crawl(client_for(operator), starts)
        leaks = [url for url, body in pages.items() if hidden_sentinel in body]
        assert not leaks, (name, leaks)
        if name in readers_of_common:
            # The crawl did reach the notes: it finds the other note of the same service.
            assert any(control_sentinel in body for body in pages.values()), name
            assert len(pages) > 10, (name, sorted(pages))
    cps = _crawl(client_for(net.hugo), starts)
    assert any(hidden_sentinel in body for body in cps.values())
    assert Blackout.objects.get().is_active
