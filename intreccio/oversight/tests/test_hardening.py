"""Hardening proofs the other suites left implicit, over every URL of the project.

R14: an operator who signed in with the password but has no second factor reaches no page but the
enrolment (and sign-out): not a case, not a person, not an export.
R17: every URL refuses an unsafe method without the CSRF token, so no view is ``csrf_exempt``.
"""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from intreccio.accounts.models import Role
from intreccio.accounts.tests.factories import MembershipFactory, OperatorFactory
from tests.matrix import World, build_world, collect_rules, iter_url_patterns

RULES = collect_rules()
URL_NAMES = sorted({name for name, _route in iter_url_patterns()})
# What an operator without a second factor may still open: the enrolment itself and the way out.
ENROLMENT = {"mfa_activate_totp", "account_logout", "account_reauthenticate", "set_language"}


@pytest.fixture
def world(db: None) -> World:
    return build_world()


def _url(name: str, world: World) -> str:
    rule = RULES[name]
    return reverse(name, kwargs=rule.kwargs(world) if rule.kwargs else {})


def test_without_a_second_factor_every_page_leads_to_enrolment(world: World) -> None:
    # The refusal does not depend on the role: a case manager (who reaches the most) stands for all.
    operator = OperatorFactory.create(username="nofactor", totp=False)
    MembershipFactory.create(operator=operator, structure=world.structure, role=Role.CASE_MANAGER)
    client = Client()
    client.force_login(operator)  # the password step done, no authenticator yet
    enrol = reverse("mfa_activate_totp")
    failures = []
    for name in URL_NAMES:
        if name in ENROLMENT:
            continue
        url = _url(name, world)
        for method in (client.get, client.post):
            response = method(url)
            if response.status_code != 302 or response["Location"] != enrol:
                failures.append(f"{method.__name__.upper()} {name} ({url}): {response.status_code}")
    assert not failures, "\n".join(failures)


def test_every_url_refuses_a_post_without_the_csrf_token(world: World) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.operators[Role.CASE_MANAGER])
    accepted = []
    for name in URL_NAMES:
        url = _url(name, world)
        response = client.post(url, {"anything": "x"})
        # Refused by the CSRF check itself, not by a view's own 403.
        if response.status_code != 403 or b"CSRF" not in response.content:
            accepted.append(f"{name} ({url}): {response.status_code}")
    assert not accepted, "\n".join(accepted)
