"""The front door in a real browser: a segretariato operator registers an intake for a new person,
is warned that the next one probably exists already and picks her, completes the pre-assessment
and forwards the first intake; the coordinator of the ambito finds it in the group's queue.

Texts are looked up in the Italian catalogue, so the test reads what an Italian operator reads
(and keeps passing when a string gains its translation).
"""

from __future__ import annotations

import datetime
import importlib
import tempfile
from pathlib import Path
from typing import Any

import pytest
from django.utils import translation
from django.utils.translation import gettext
from playwright.sync_api import Browser, ConsoleMessage, Locator, Page, expect

from intreccio.access.models import Intake, IntakeStatus, PreAssessment, PreAssessmentForm
from intreccio.access.services import questionnaire_publish
from intreccio.accounts.models import Operator, Role, Structure, TeamKind
from intreccio.accounts.tests.factories import (
    TEST_PASSWORD,
    AmbitoFactory,
    MembershipFactory,
    OperatorFactory,
    OrganisationFactory,
    StructureFactory,
    TeamFactory,
    TeamMemberFactory,
)
from intreccio.audit.models import DomainEvent
from intreccio.people.models import Person
from intreccio.people.tests.factories import PersonFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Kept for a person to look at: the warning as the operator sees it.
SCREENSHOT = Path(tempfile.gettempdir()) / "front_door_duplicate_warning.png"
NEW_CF = "FRRLCU85L54D150V"  # Lucia Ferrari, born in Cremona on 14/07/1985
EXISTING_CF = "SPSGPP68C52F839T"  # Giuseppina Esposito, born in Napoli on 12/03/1968


def it(msgid: str) -> str:
    """What the Italian interface shows for ``msgid``."""
    with translation.override("it"):
        return gettext(msgid)


@pytest.fixture
def browser_context_args(browser_context_args: dict[str, Any]) -> dict[str, Any]:
    # An operator's browser in Italy asks for Italian; Chromium's default would ask for English.
    return {**browser_context_args, "locale": "it-IT"}


def _operator(username: str, first_name: str, role: str, structure: Structure) -> Operator:
    operator = OperatorFactory.create(
        username=username, first_name=first_name, password=TEST_PASSWORD, totp=False, is_demo=True
    )
    MembershipFactory.create(operator=operator, role=role, structure=structure)
    return operator


def _published_pre_assessment() -> None:
    """Version 1 comes with a data migration; a flush by an earlier transactional test removes it."""
    if PreAssessmentForm.objects.filter(key="pre_assessment", is_published=True).exists():
        return
    shipped = importlib.import_module("intreccio.access.migrations.0002_pre_assessment_form_v1")
    questionnaire_publish(actor=None, key="pre_assessment", title="Scheda di pre-assessment", schema=shipped.SCHEMA)


def _watch_csp(page: Page, violations: list[str]) -> None:
    def on_console(message: ConsoleMessage) -> None:
        if "Content Security Policy" in message.text or "Content-Security-Policy" in message.text:
            violations.append(message.text[:300])

    page.on("console", on_console)


def _sign_in(page: Page, base: str, username: str) -> None:
    page.goto(f"{base}/account/login/")
    page.get_by_label(it("Username")).fill(username)
    password = page.get_by_label("Password")
    password.fill(TEST_PASSWORD)
    # The language buttons are submit buttons too: Enter submits with the sign-in button.
    password.press("Enter")
    expect(page).not_to_have_url(f"{base}/account/login/")


def _field(page: Page, label: str) -> Locator:
    return page.get_by_label(label, exact=False)


def _answer(page: Page, question: str, option: str) -> None:
    """Tick ``option`` of the radio or checkbox question whose legend starts with ``question``."""
    group = page.locator("fieldset.question").filter(has=page.locator("legend", has_text=question))
    group.locator("label").filter(has_text=option).first.click()


def test_intake_duplicate_warning_and_forward(
    page: Page, browser: Browser, browser_context_args: dict[str, Any], live_server: Any, settings: Any
) -> None:
    settings.INTRECCIO_DEMO_MFA_EXEMPT = True
    _published_pre_assessment()
    ambito = AmbitoFactory.create(code="CR", name="Ambito di Cremona")
    cremona = OrganisationFactory.create(name="Comune di Cremona", ambito=ambito)
    front_desk = StructureFactory.create(organisation=cremona, name="Segretariato sociale")
    agency = OrganisationFactory.create(name="Azienda sociale cremonese", ambito=ambito)
    direction = StructureFactory.create(organisation=agency, name="Direzione servizi sociali")
    alice = _operator("alice", "Alice", Role.SEGRETARIATO, front_desk)
    dora = _operator("dora", "Dora", Role.COORDINATOR, direction)
    group = TeamFactory.create(ambito=ambito, kind=TeamKind.COORDINATION_GROUP, name="Gruppo di coordinamento")
    TeamMemberFactory.create(team=group, operator=dora, is_chair=True)
    existing = PersonFactory.create(
        last_name="Esposito",
        first_name="Giuseppina",
        fiscal_code=EXISTING_CF,
        birth_date=datetime.date(1968, 3, 12),
        registered_by=cremona,
        created_by=alice,
    )
    persons_before = Person.objects.count()
    base = live_server.url
    violations: list[str] = []
    _watch_csp(page, violations)

    _sign_in(page, base, "alice")
    expect(page.locator("html")).to_have_attribute("lang", "it")

    # 1. A new person, registered inside the intake form.
    page.goto(f"{base}/accessi/nuovo/")
    expect(page.get_by_role("heading", level=1)).to_have_text(it("New intake"))
    page.locator("label[for=who-new]").click()
    _field(page, it("Surname")).fill("Ferrari")
    page.get_by_label(it("First name"), exact=True).fill("Lucia")
    page.get_by_label(it("Codice fiscale"), exact=True).fill(NEW_CF.lower())
    _field(page, it("Date of birth")).fill("14/07/1985")
    _field(page, it("Sex")).select_option("F")
    _field(page, it("Channel")).select_option("in_person")
    _field(page, it("Who made the request or signal")).select_option("self")
    _field(page, it("Prevalent need")).select_option("housing")
    _field(page, it("Notes")).fill("Sfratto per morosità; chiede aiuto per l'affitto.")
    page.get_by_role("button", name=it("Record the intake")).click()

    expect(page.get_by_text(it("Intake recorded."))).to_be_visible()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Ferrari Lucia")
    expect(page.get_by_text(NEW_CF)).to_be_visible()
    first = Intake.objects.get(person__fiscal_code=NEW_CF)
    assert first.status == IntakeStatus.OPEN and first.structure == front_desk and first.prevalent_need == "housing"
    assert Person.objects.count() == persons_before + 1
    lucia = Person.objects.get(fiscal_code=NEW_CF)
    assert (lucia.birth_date, lucia.sex, lucia.registered_by) == (datetime.date(1985, 7, 14), "F", cremona)

    # 2. Someone who is probably registered already: a typo in the name, the same date of birth.
    page.goto(f"{base}/accessi/nuovo/")
    page.locator("label[for=who-new]").click()
    _field(page, it("Surname")).fill("Esposito")
    page.get_by_label(it("First name"), exact=True).fill("Giusepina")
    _field(page, it("If there is no codice fiscale, why")).select_option("unknown")
    _field(page, it("Date of birth")).fill("12/03/1968")
    _field(page, it("Sex")).select_option("F")
    _field(page, it("Channel")).select_option("phone")
    _field(page, it("Who made the request or signal")).select_option("family")
    _field(page, it("Prevalent need")).select_option("elderly_care")
    page.get_by_role("button", name=it("Record the intake")).click()

    warning = page.locator(".alert-warning")
    expect(warning).to_contain_text(it("This person may already be registered."))
    expect(warning).to_contain_text("Esposito Giuseppina")
    expect(warning).to_contain_text(EXISTING_CF)
    expect(warning.get_by_text(it("It is a different person: register them anyway"))).to_be_visible()
    expect(page.get_by_text(it("Nothing was saved. Please correct what is marked below."))).to_be_visible()
    warning.scroll_into_view_if_needed()
    page.screenshot(path=SCREENSHOT, full_page=True)
    assert Person.objects.count() == persons_before + 1
    assert Intake.objects.count() == 1

    # She is the one already registered: pick her and record the intake about her.
    warning.locator(f"label[for=who-p{existing.pk}]").click()
    page.get_by_role("button", name=it("Record the intake")).click()
    expect(page.get_by_text(it("Intake recorded."))).to_be_visible()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Esposito Giuseppina")
    second = Intake.objects.exclude(pk=first.pk).get()
    assert second.person == existing and second.prevalent_need == "elderly_care"
    assert Person.objects.count() == persons_before + 1, "the duplicate was registered"

    # 3. The pre-assessment of the first intake, then the forward to the coordination group.
    page.goto(f"{base}/accessi/{first.pk}/")
    page.get_by_role("link", name=it("Complete the pre-assessment")).click()
    _field(page, "Quante persone compongono il nucleo").fill("3")
    _field(page, "Di cui minori").fill("1")
    _answer(page, "Tipo di nucleo", "Genitore solo con figli")
    _answer(page, "Fonti di reddito del nucleo", "Aiuto di familiari")
    _answer(page, "Il nucleo ha un'attestazione ISEE valida?", "Non so / da verificare")
    _answer(page, "Condizione lavorativa della persona", "Disoccupata da più di 12 mesi")
    _answer(page, "Situazione abitativa", "Affitto sul mercato privato")
    _answer(page, "C'è uno sfratto in corso", "Sì")
    _answer(page, "La persona assiste un familiare", "No")
    _answer(page, "Sono presenti fattori di urgenza?", "Sfratto con data di esecuzione fissata")
    _field(page, "Sintesi della domanda").fill("Sfratto fissato a maggio; chiede aiuto per l'affitto.")
    page.get_by_role("button", name=it("Save the pre-assessment")).click()
    expect(page.get_by_text(it("Pre-assessment saved."))).to_be_visible()
    assert PreAssessment.objects.filter(intake=first).count() == 1

    page.locator("summary", has_text=it("Forward to the coordination group…")).click()
    page.get_by_role("button", name=it("Forward the intake")).click()
    expect(page.get_by_text(it("Intake forwarded to the coordination group."))).to_be_visible()
    expect(page.locator(".badge", has_text=it("Forwarded to the coordination group"))).to_be_visible()
    expect(page.locator("main")).to_contain_text("Gruppo di coordinamento")
    first.refresh_from_db()
    assert first.status == IntakeStatus.FORWARDED and first.forwarded_to == group and first.outcome_by == alice
    assert second.status == IntakeStatus.OPEN

    events = DomainEvent.objects.filter(actor=alice).exclude(action__startswith="accounts.").order_by("seq")
    actions = list(events.values_list("action", flat=True))
    assert actions == [
        "people.person.created",
        "access.intake.created",
        "access.intake.created",
        "access.intake.pre_assessment_saved",
        "access.intake.forwarded",
    ]

    # The coordinator, in a browser of her own, finds the intake in the group's queue.
    context = browser.new_context(**browser_context_args)
    try:
        coordinator = context.new_page()
        _watch_csp(coordinator, violations)
        _sign_in(coordinator, base, "dora")
        coordinator.goto(f"{base}/accessi/coordinamento/")
        expect(coordinator.get_by_role("heading", level=1)).to_have_text(it("Coordination group queue"))
        rows = coordinator.locator("table.queue-table tbody tr")
        expect(rows).to_have_count(1)
        expect(rows.first).to_contain_text("Ferrari Lucia")
        expect(rows.first).to_contain_text("Segretariato sociale")
        rows.first.get_by_role("link").click()
        expect(coordinator.get_by_role("heading", level=1)).to_contain_text("Ferrari Lucia")
    finally:
        context.close()

    assert not violations, "\n".join(violations)
