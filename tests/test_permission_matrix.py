"""Every URL × anonymous and every role, against the rules each app declares (SECURITY.md R2)."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from tests.matrix import ALL_ROLES, Rule, World, build_world, collect_rules, iter_url_patterns

RULES = collect_rules()
URL_NAMES = sorted({name for name, _route in iter_url_patterns()})
DENIED = {403, 404}


def _url(name: str, rule: Rule, world: World) -> str:
    kwargs = rule.kwargs(world) if rule.kwargs else {}
    return reverse(name, kwargs=kwargs)


@pytest.fixture
def world(db: None) -> World:
    return build_world()


def test_every_url_has_a_rule() -> None:
    unclassified = [name for name in URL_NAMES if name not in RULES]
    assert not unclassified, f"URLs without a permission-matrix rule: {unclassified}"
    stale = [name for name in RULES if name not in URL_NAMES]
    assert not stale, f"Rules for URLs that no longer exist: {stale}"


def test_only_public_urls_are_reachable_anonymously() -> None:
    public = sorted(name for name, rule in RULES.items() if rule.anonymous)
    assert all(name.startswith(("account_", "mfa_", "set_language", "healthz", "home")) for name in public), public


def test_anonymous_home_is_a_welcome_without_data(world: World, client: Client) -> None:
    html = client.get(reverse("home")).content.decode()
    assert reverse("account_login") in html
    assert world.operators["administrator"].username not in html
    assert world.organisation.name not in html


@pytest.mark.parametrize("name", URL_NAMES)
def test_anonymous(name: str, world: World, client: Client) -> None:
    rule = RULES[name]
    url = _url(name, rule, world)
    response = client.get(url)
    if rule.anonymous:
        assert response.status_code < 400, (name, response.status_code)
        return
    login = reverse(settings.LOGIN_URL)
    if rule.get:
        assert response.status_code == 302, (name, response.status_code)
        assert response["Location"].startswith(login), (name, response["Location"])
    else:
        assert response.status_code in {302, 405}, (name, response.status_code)
        if response.status_code == 302:
            assert response["Location"].startswith(login)


@pytest.mark.parametrize("role", sorted(ALL_ROLES))
def test_roles(role: str, world: World) -> None:
    """One request per URL as an operator acting in ``role``; allowed or refused as the rule says."""
    client = Client()
    client.force_login(world.operators[role])
    failures = []
    for name in URL_NAMES:
        rule = RULES[name]
        url = _url(name, rule, world)
        status = client.get(url).status_code
        if not rule.get:
            expected = {405}
        elif role in rule.roles:
            expected = set(rule.ok_status)
        else:
            expected = DENIED
        if status not in expected:
            failures.append(f"{name} ({url}): got {status}, expected one of {sorted(expected)}")
    assert not failures, "\n".join(failures)
