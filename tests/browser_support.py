"""What the browser tests share: the Italian texts, the shipped questionnaires, signed-in operators."""

from __future__ import annotations

import importlib
from typing import Any

from django.apps import apps as django_apps
from django.utils import translation
from django.utils.translation import gettext
from playwright.sync_api import Browser, BrowserContext, ConsoleMessage, Page, expect

from intreccio.access.models import PreAssessmentForm
from intreccio.access.services import questionnaire_publish
from intreccio.assessments.models import AssessmentKind, AssessmentTool
from intreccio.demo.data import DEMO_PASSWORD


def it(msgid: str) -> str:
    """What the Italian interface shows for ``msgid``."""
    with translation.override("it"):
        return gettext(msgid)


def shipped_data() -> None:
    """The questionnaires the migrations ship; a flush by an earlier transactional test removes them."""
    if not PreAssessmentForm.objects.filter(key="pre_assessment", is_published=True).exists():
        shipped = importlib.import_module("intreccio.access.migrations.0002_pre_assessment_form_v1")
        questionnaire_publish(actor=None, key="pre_assessment", title="Scheda di pre-assessment", schema=shipped.SCHEMA)
    if AssessmentTool.objects.filter(is_published=True).count() < len(AssessmentKind.values):
        tools = importlib.import_module("intreccio.assessments.migrations.0002_tools_v1")
        tools.ship(django_apps, None)


class Operators:
    """One browser context per operator, each signed in through the real login page."""

    def __init__(self, browser: Browser, context_args: dict[str, Any], base: str) -> None:
        self.browser = browser
        self.context_args = context_args
        self.base = base
        self.contexts: list[BrowserContext] = []
        self.violations: list[str] = []

    def sign_in(self, username: str) -> Page:
        context = self.browser.new_context(**self.context_args)
        self.contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(10_000)
        page.on("console", self._on_console)
        page.goto(f"{self.base}/account/login/")
        page.get_by_label(it("Username")).fill(username)
        password = page.get_by_label("Password")
        password.fill(DEMO_PASSWORD)
        # The language buttons are submit buttons too: Enter submits with the sign-in button.
        password.press("Enter")
        expect(page).not_to_have_url(f"{self.base}/account/login/")
        expect(page.locator("html")).to_have_attribute("lang", "it")
        return page

    def _on_console(self, message: ConsoleMessage) -> None:
        if "Content Security Policy" in message.text or "Content-Security-Policy" in message.text:
            self.violations.append(message.text[:300])

    def close(self) -> None:
        for context in self.contexts:
            context.close()
