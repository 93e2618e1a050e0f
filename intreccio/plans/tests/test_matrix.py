"""The plan URLs × every role, as ``matrix_rules`` declares (the project matrix runs them too)."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from intreccio.plans.tests.matrix_rules import RULES
from tests.matrix import ALL_ROLES, World, build_world, iter_url_patterns

pytestmark = pytest.mark.django_db


def test_every_plans_url_has_a_rule() -> None:
    names = {name for name, _route in iter_url_patterns() if name.startswith("plans:")}
    assert names == set(RULES)


@pytest.mark.parametrize("role", sorted(ALL_ROLES))
def test_plans_urls_per_role(role: str) -> None:
    world: World = build_world()
    client = Client()
    client.force_login(world.operators[role])
    failures = []
    for name, rule in sorted(RULES.items()):
        url = reverse(name, kwargs=rule.kwargs(world) if rule.kwargs else {})
        status = client.get(url).status_code
        expected = {405} if not rule.get else (set(rule.ok_status) if role in rule.roles else {403, 404})
        if status not in expected:
            failures.append(f"{name} ({url}): got {status}, expected {sorted(expected)}")
    assert not failures, "\n".join(failures)


def test_anonymous_is_sent_to_log_in(client: Client) -> None:
    world = build_world()
    for name, rule in RULES.items():
        response = client.get(reverse(name, kwargs=rule.kwargs(world) if rule.kwargs else {}))
        assert response.status_code in ({302} if rule.get else {302, 405}), name
