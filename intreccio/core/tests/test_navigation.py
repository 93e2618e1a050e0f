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


def test_less_used_pages_wait_in_drop_downs_so_the_bar_fits() -> None:
    # The auditor's privacy pages sit in the "Privacy" drop-down, the logs stay on the bar.
    client = Client()
    client.force_login(operator_with_role(Role.AUDITOR))
    response = client.get(reverse("home"))
    menu = response.context["nav_menu"]
    bar = [item.url for is_group, item in menu if not is_group]
    groups = {item.key: [link.url for link in item.links] for is_group, item in menu if is_group}
    assert reverse("audit:access_log") in bar
    assert reverse("oversight:register") in groups["privacy"]
    assert reverse("oversight:register") not in bar
    html = response.content.decode()
    dropdown = html[html.index('id="nav-group-privacy"') :]
    assert reverse("oversight:register") in dropdown[: dropdown.index("</ul>")]
    # No role's bar holds more than eight entries besides Home and the account's security.
    for role in Role.values:
        client = Client()
        client.force_login(operator_with_role(role))
        assert len(client.get(reverse("home")).context["nav_menu"]) <= 8, role
