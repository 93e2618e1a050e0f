"""The catalogue in a real browser: the programme officer drafts, fills and approves a package, in Italian.

Set CATALOGUE_SCREENSHOTS to a directory to keep a PNG of every page visited.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import ConsoleMessage, Page, expect

from intreccio.accounts.models import Role
from intreccio.accounts.tests.factories import (
    TEST_PASSWORD,
    OrganisationFactory,
    StructureFactory,
    operator_with_role,
)
from intreccio.catalogue.models import AssistancePackage, PackageStatus, Service
from intreccio.demo.catalogue import demo_catalogue_load
from intreccio.territory.models import Ambito

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def browser_context_args(browser_context_args: dict[str, Any]) -> dict[str, Any]:
    return {**browser_context_args, "locale": "it-IT", "viewport": {"width": 1280, "height": 900}}


def _shot(page: Page, name: str) -> None:
    directory = os.environ.get("CATALOGUE_SCREENSHOTS")
    if directory:
        page.screenshot(path=str(Path(directory) / f"{name}.png"), full_page=True)


def test_programme_officer_drafts_and_approves_a_package(
    page: Page, live_server: Any, settings: Any, ambito: Ambito
) -> None:
    settings.INTRECCIO_DEMO_MFA_EXEMPT = True
    for name in (
        "Comune di Cremona",
        "ASST di Cremona",
        "Centro per l'Impiego di Cremona",
        "Cooperativa sociale La Trama",
    ):
        OrganisationFactory.create(ambito=ambito, name=name)
    azienda = OrganisationFactory.create(ambito=ambito, name="Azienda Sociale del Cremonese")
    davide = operator_with_role(
        Role.PROGRAMME_OFFICER,
        structure=StructureFactory.create(organisation=azienda, name="Ufficio di Piano"),
        username="programmazione",
        first_name="Davide",
        totp=False,
        is_demo=True,
        password=TEST_PASSWORD,
    )
    demo_catalogue_load(ambito=ambito, operators={"programmazione": davide})
    csp_violations: list[str] = []

    def on_console(message: ConsoleMessage) -> None:
        if "Content Security Policy" in message.text or "Content-Security-Policy" in message.text:
            csp_violations.append(message.text[:300])

    page.on("console", on_console)
    page.goto(f"{live_server.url}/account/login/")
    page.get_by_label("Nome utente").fill("programmazione")
    page.get_by_label("Password").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Accedi").click()

    page.goto(f"{live_server.url}/catalogo/servizi/")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    expect(page.get_by_text("€\u00a022,50")).to_be_visible()
    _shot(page, "01_service_list")

    page.goto(f"{live_server.url}/catalogo/servizi/nuovo/")
    page.locator("#id_code").fill("SAD")
    page.locator("#id_unit_cost").fill("-5")
    page.locator("#main form[method=post] button[type=submit]").first.click()
    _shot(page, "02_service_form_errors")

    page.goto(f"{live_server.url}/catalogo/pacchetti/")
    _shot(page, "03_package_list")
    page.get_by_role("link", name="Bassa occupabilità, alto carico di cura").first.click()
    expect(page.get_by_text("Cabina di regia della Rete per l'inclusione attiva", exact=False)).to_be_visible()
    _shot(page, "04_package_detail_approved")

    page.goto(f"{live_server.url}/catalogo/pacchetti/nuovo/")
    page.locator("#id_code").fill("PA-07")
    page.locator("#id_name").fill("Media occupabilità, alto carico di cura")
    page.locator("#id_employability").select_option("medium")
    page.locator("#id_care_load").select_option("high")
    page.locator("#id_intensity").select_option("medium")
    page.locator("#id_budget_min").fill("3.000")
    page.locator("#id_budget_max").fill("7.500,00")
    _shot(page, "05_package_form")
    page.locator("#main form[method=post] button[type=submit]").first.click()
    expect(page.locator("#id_service")).to_be_visible()
    # Locators that do not depend on the language: the Italian catalogue is translated later.
    page.locator("#id_service").select_option(str(Service.objects.get(code="SAD").pk))
    page.locator("#id_quantity").fill("4,5")
    page.locator("#id_basis").select_option("per_month")
    page.locator("#add-item-title ~ form button[type=submit]").click()
    page.locator("#id_service").select_option(str(Service.objects.get(code="TIR").pk))
    page.locator("#id_quantity").fill("6")
    page.locator("#id_basis").select_option("total")
    page.locator("#add-item-title ~ form button[type=submit]").click()
    _shot(page, "06_package_detail_draft")

    page.locator("a[href$='/approva/']").click()
    page.locator("#id_approved_by").fill("Cabina di regia – verbale n. 4")
    _shot(page, "07_package_approve")
    page.locator("#main form[method=post] button[type=submit]").first.click()
    package = AssistancePackage.objects.get(code="PA-07")
    assert package.status == PackageStatus.APPROVED and package.items.count() == 2
    page.locator("form[action$='/nuova-versione/'] button").click()
    _shot(page, "08_package_new_version")
    assert AssistancePackage.objects.filter(code="PA-07", version=2, status=PackageStatus.DRAFT).exists()
    assert not csp_violations, "\n".join(csp_violations)
