"""The header shows the pages the acting role may open, and only those."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from intreccio.accounts.models import Role
from intreccio.accounts.tests.factories import operator_with_role

pytestmark = pytest.mark.django_db

EXPECTED: dict[str, set[str]] = {
    Role.ADMINISTRATOR: {
        "accounts:organisation_list",
        "accounts:operator_list",
        "accounts:team_list",
        "territory:ambito_list",
    },
    Role.AUDITOR: {"audit:access_log", "audit:domain_log"},
    Role.SEGRETARIATO: {"people:person_search", "access:intake_list"},
}


@pytest.mark.parametrize("role", sorted(EXPECTED))
def test_the_navigation_follows_the_role(role: str) -> None:
    client = Client()
    client.force_login(operator_with_role(role))
    links = client.get(reverse("home")).context["nav_links"]
    urls = {link.url for link in links}
    assert {reverse(name) for name in EXPECTED[role]} <= urls
    others = set().union(*EXPECTED.values()) - EXPECTED[role]
    assert not urls & {reverse(name) for name in others}


def test_every_linked_page_opens_for_the_role() -> None:
    for role in Role.values:
        client = Client()
        client.force_login(operator_with_role(role))
        for link in client.get(reverse("home")).context["nav_links"]:
            assert client.get(link.url).status_code == 200, (role, link.url)
