"""The permission matrix for the case URLs alone (the project-wide matrix covers every app together)."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from tests.matrix import ALL_ROLES, World, build_world, collect_rules, iter_url_patterns

RULES = {name: rule for name, rule in collect_rules().items() if name.startswith("cases:")}
URL_NAMES = sorted({name for name, _route in iter_url_patterns() if name.startswith("cases:")})


@pytest.fixture
def world(db: None) -> World:
    return build_world()


def test_every_case_url_has_a_rule() -> None:
    assert sorted(RULES) == URL_NAMES


@pytest.mark.parametrize("role", sorted(ALL_ROLES))
def test_case_urls_per_role(role: str, world: World) -> None:
    client = Client()
    client.force_login(world.operators[role])
    failures = []
    for name in URL_NAMES:
        rule = RULES[name]
        url = reverse(name, kwargs=rule.kwargs(world) if rule.kwargs else {})
        status = client.get(url).status_code
        expected = {405} if not rule.get else (set(rule.ok_status) if role in rule.roles else {403, 404})
        if status not in expected:
            failures.append(f"{name} ({url}): got {status}, expected one of {sorted(expected)}")
    assert not failures, "\n".join(failures)


def test_anonymous_users_are_sent_to_sign_in(world: World, client: Client) -> None:
    for name in URL_NAMES:
        rule = RULES[name]
        response = client.get(reverse(name, kwargs=rule.kwargs(world) if rule.kwargs else {}))
        assert response.status_code in ({302} if rule.get else {302, 405}), name
        if response.status_code == 302:
            assert response["Location"].startswith(reverse("account_login")), name
