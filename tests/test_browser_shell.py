"""The interface shell in a real browser: sign in, Italian home, English, sign out; no CSP violations."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import ConsoleMessage, Page, expect

from intreccio.accounts.models import Role
from intreccio.accounts.tests.factories import TEST_PASSWORD, operator_with_role

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def browser_context_args(browser_context_args: dict[str, Any]) -> dict[str, Any]:
    # An operator's browser in Italy asks for Italian; Chromium's default would ask for English.
    return {**browser_context_args, "locale": "it-IT"}


def test_sign_in_switch_language_sign_out(page: Page, live_server: Any, settings: Any) -> None:
    settings.INTRECCIO_DEMO_MFA_EXEMPT = True
    operator_with_role(
        Role.SOCIAL_WORKER, username="alice", first_name="Alice", totp=False, is_demo=True, password=TEST_PASSWORD
    )
    csp_violations: list[str] = []

    def on_console(message: ConsoleMessage) -> None:
        if "Content Security Policy" in message.text or "Content-Security-Policy" in message.text:
            csp_violations.append(message.text[:300])

    page.on("console", on_console)

    page.goto(f"{live_server.url}/account/login/")
    expect(page.locator("html")).to_have_attribute("lang", "it")
    expect(page.get_by_text("Installazione dimostrativa", exact=True)).to_be_visible()
    expect(page.get_by_text("non hanno bisogno del secondo fattore", exact=False)).to_be_visible()
    page.get_by_label("Nome utente").fill("alice")
    page.get_by_label("Password").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Accedi").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Buongiorno, Alice")
    expect(page.get_by_text("Non hai attività assegnate.")).to_be_visible()

    page.get_by_role("button", name="English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("heading", level=1)).to_have_text("Hello, Alice")
    expect(page.get_by_text("You have no assigned tasks.")).to_be_visible()

    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(f"{live_server.url}/account/login/")
    expect(page.get_by_role("button", name="Sign in")).to_be_visible()

    assert not csp_violations, "\n".join(csp_violations)
