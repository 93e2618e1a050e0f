"""Seed 001's whole path in a real browser, with the demo network and four demo operators.

The segretariato registers a new person with a work need, fills in the pre-assessment and
forwards the intake; the coordinator takes it in charge (case manager, a team with the CPI and
the SerD operator, priority); the case manager starts the assessment and the preliminary
analysis, the CPI operator does the skills interview and records the employability profile;
the case manager drafts the project (patto di servizio) with a goal, a commitment of the CPI, an
intervention from the catalogue and the reason for the one deviation from the package, and
sends it; the coordinator validates it against the package; the case manager activates the case,
records the first intervention and a check-in; the CPI operator returns the case to the team
(the pact is not respected), the case manager finds it in the caseload inbox and resumes the
pact; at last the case manager closes the case with its outcome.

On the way the CPI operator's pages never carry a health note (a SerD note and a health note
planted in the database), and no page breaks the Content Security Policy. Texts are looked up
in the Italian catalogue, so the test reads what an Italian operator reads.
"""

from __future__ import annotations

import datetime
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import Browser, Page, expect

from intreccio.access.models import Intake, IntakeStatus
from intreccio.accounts.models import Membership, Operator, Role
from intreccio.assessments.models import (
    Assessment,
    AssessmentKind,
    AssessmentStatus,
    EmployabilityProfile,
)
from intreccio.audit.models import DomainEvent
from intreccio.cases.models import Case, CaseMember, CaseNote, CaseStatus, ClosureOutcome, Section, TeamRole
from intreccio.demo.services import demo_load
from intreccio.people.models import Person
from intreccio.plans.models import CheckIn, Deviation, Plan, PlanStatus
from tests.browser_support import Operators, it, shipped_data

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SCREENSHOTS = Path(tempfile.gettempdir()) / "case_path"
# Davide Pagani, born in Cremona on 10/03/1984: aged 30-54, so the CPI's "adult_ready" rule can apply.
NEW_CF = "PGNDVD84C10D150G"
# What must never reach the CPI operator's pages.
SERD_SENTINEL = "SENTINELLA-SERD-7f3a9c"
HEALTH_SENTINEL = "SENTINELLA-SALUTE-2b8e41"
DEVIATION_REASON = "Il patto di servizio è già stato firmato al CPI con la profilazione: non va ripetuto."
RETURN_REASON = "Non si è presentato a due colloqui di orientamento senza giustificato motivo."
RESUME_ANSWER = "Colloquio con la persona: impegni chiariti, riprende il percorso concordato."
CLOSE_REASON = "Assunto a tempo determinato da un'azienda di logistica; il percorso si conclude."


@pytest.fixture
def browser_context_args(browser_context_args: dict[str, Any]) -> dict[str, Any]:
    # An operator's browser in Italy asks for Italian; Chromium's default would ask for English.
    return {**browser_context_args, "locale": "it-IT"}


# --- the world --------------------------------------------------------------------------------------


def _membership(username: str, role: str) -> Membership:
    return Membership.objects.select_related("structure").get(operator__username=username, role=role)


# --- the browser ------------------------------------------------------------------------------------


@pytest.fixture
def operators(browser: Browser, browser_context_args: dict[str, Any], live_server: Any) -> Iterator[Operators]:
    crowd = Operators(browser, browser_context_args, live_server.url)
    try:
        yield crowd
    finally:
        crowd.close()


def _url(base: str, name: str, *args: Any) -> str:
    return base + reverse(name, args=args)


def _success(page: Page, msgid: str) -> None:
    try:
        expect(page.locator(".alert-success", has_text=it(msgid))).to_be_visible()
    except AssertionError:
        _shot(page, "failure")  # what the operator saw instead
        (SCREENSHOTS / "failure.html").write_text(page.content())
        raise


def _shot(page: Page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOTS / f"{name}.png", full_page=True)


def _settled(page: Page) -> None:
    """The case page loads its assessments, plan, meetings and history panels with htmx: wait for
    them before the test reads the database the live server shares with it."""
    page.wait_for_load_state("networkidle")
    expect(page.locator("#assessments-title")).to_be_visible()
    expect(page.locator("#plans-title")).to_be_visible()


def _case_action(page: Page, slug: str) -> None:
    """Open the disclosure of a case action (its summary) so that its fields show."""
    page.locator(f"#action-{slug} > summary").click()


def _case_events(case: Case) -> list[str]:
    return list(
        DomainEvent.objects.filter(target_type="cases.case", target_id=str(case.pk))
        .order_by("seq")
        .values_list("action", flat=True)
    )


def _radio(page: Page, name: str, value: str) -> None:
    """Tick an option through its label: the styled radio itself is not what the operator clicks."""
    option = page.locator(f"input[type=radio][name='{name}'][value='{value}']")
    page.locator(f"label[for='{option.get_attribute('id')}']").click()
    expect(option).to_be_checked()


def _today() -> str:
    return timezone.localdate().strftime("%d/%m/%Y")


# --- the path -------------------------------------------------------------------------------------------


def test_seed_001_path_from_the_front_desk_to_closure(live_server: Any, settings: Any, operators: Operators) -> None:
    settings.INTRECCIO_DEMO_MFA_EXEMPT = True
    shipped_data()
    demo_load()
    base = live_server.url
    persons_before = Person.objects.count()

    # 1. Segretariato: a new person with a work need, the pre-assessment, the forward. --------------
    desk = operators.sign_in("segretariato")
    desk.goto(_url(base, "access:intake_create"))
    expect(desk.get_by_role("heading", level=1)).to_have_text(it("New intake"))
    desk.locator("label[for=who-new]").click()
    desk.get_by_label(it("Surname"), exact=False).fill("Pagani")
    desk.get_by_label(it("First name"), exact=True).fill("Davide")
    desk.get_by_label(it("Codice fiscale"), exact=True).fill(NEW_CF)
    desk.get_by_label(it("Date of birth"), exact=False).fill("10/03/1984")
    desk.get_by_label(it("Sex"), exact=False).select_option("M")
    desk.get_by_label(it("Channel"), exact=False).select_option("in_person")
    desk.get_by_label(it("Who made the request or signal"), exact=False).select_option("self")
    desk.get_by_label(it("Prevalent need"), exact=False).select_option("work")
    desk.get_by_label(it("Notes"), exact=False).fill("Ha perso il lavoro in magazzino; cerca un nuovo impiego.")
    desk.get_by_role("button", name=it("Record the intake")).click()
    _success(desk, "Intake recorded.")
    expect(desk.get_by_role("heading", level=1)).to_contain_text("Pagani Davide")
    assert Person.objects.count() == persons_before + 1
    intake = Intake.objects.get(person__fiscal_code=NEW_CF)
    assert intake.status == IntakeStatus.OPEN and intake.prevalent_need == "work"

    desk.get_by_role("link", name=it("Complete the pre-assessment")).click()

    def answer(question: str, option: str) -> None:
        group = desk.locator("fieldset.question").filter(has=desk.locator("legend", has_text=question))
        group.locator("label").filter(has_text=option).first.click()

    desk.get_by_label("Quante persone compongono il nucleo", exact=False).fill("1")
    desk.get_by_label("Di cui minori", exact=False).fill("0")
    answer("Tipo di nucleo", "Persona sola")
    answer("Fonti di reddito del nucleo", "NASpI")
    answer("Il nucleo ha un'attestazione ISEE valida?", "Non so / da verificare")
    answer("Condizione lavorativa della persona", "Disoccupata da meno di 12 mesi")
    answer("Situazione abitativa", "Affitto sul mercato privato")
    answer("C'è uno sfratto in corso", "No")
    answer("La persona assiste un familiare", "No")
    answer("Sono presenti fattori di urgenza?", "Nessuno")
    desk.get_by_label("Sintesi della domanda", exact=False).fill(
        "Disoccupato da pochi mesi, chiede un percorso verso il lavoro."
    )
    desk.get_by_role("button", name=it("Save the pre-assessment")).click()
    _success(desk, "Pre-assessment saved.")
    desk.locator("summary", has_text=it("Forward to the coordination group…")).click()
    desk.get_by_role("button", name=it("Forward the intake")).click()
    _success(desk, "Intake forwarded to the coordination group.")
    intake.refresh_from_db()
    assert intake.status == IntakeStatus.FORWARDED
    desk_events = DomainEvent.objects.filter(
        actor__username="segretariato", target_type="access.intake", target_id=str(intake.pk)
    )
    assert {"access.intake.created", "access.intake.forwarded"} <= set(desk_events.values_list("action", flat=True))

    # 2. The coordinator: the allocation queue, taking in charge with a team. -------------------------
    coordinator = operators.sign_in("coordinatore")
    coordinator.goto(_url(base, "cases:allocation_queue"))
    expect(coordinator.get_by_role("heading", level=1)).to_have_text(it("Allocation queue"))
    row = coordinator.locator("table.queue-table tbody tr", has_text="Pagani Davide")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("Segretariato sociale")
    row.get_by_role("link", name=it("Take in charge")).click()
    expect(coordinator.get_by_role("heading", level=1)).to_contain_text("Pagani Davide")
    manager = _membership("assistente", Role.CASE_MANAGER)
    cpi_membership = _membership("cpi", Role.CPI_OPERATOR)
    serd_membership = _membership("sanitario", Role.HEALTH_SPECIALIST)
    coordinator.locator("#id_case_manager").select_option(str(manager.pk))
    member_selects = coordinator.locator("select[name^=member_]")
    for index in range(member_selects.count()):
        member_selects.nth(index).select_option("")  # nobody is proposed by default but those chosen below
    coordinator.locator(f"select[name=member_{cpi_membership.pk}]").select_option(TeamRole.CPI_TUTOR)
    coordinator.locator(f"select[name=member_{serd_membership.pk}]").select_option(TeamRole.SERD_OPERATOR)
    coordinator.locator("#id_priority").select_option("high")
    coordinator.get_by_role("button", name=it("Open the case")).click()
    expect(coordinator.locator(".alert-success")).to_be_visible()
    _settled(coordinator)
    case = Case.objects.get(intake=intake)
    expect(coordinator.locator(".alert-success")).to_contain_text(str(case.number))
    team = coordinator.locator("section[aria-labelledby=team-title] table")
    expect(team).to_contain_text("Marta Bianchi")
    expect(team).to_contain_text(it("Case manager"))
    expect(team).to_contain_text("Paolo Rossi")
    expect(team).to_contain_text(it("CPI tutor"))
    expect(team).to_contain_text("Andrea Conti")
    assert case.status == CaseStatus.ALLOCATED and case.priority == "high" and case.prevalent_need == "work"
    assert case.case_manager.username == "assistente"
    members = dict(CaseMember.objects.filter(case=case).values_list("operator__username", "team_role"))
    assert members == {
        "assistente": TeamRole.CASE_MANAGER,
        "cpi": TeamRole.CPI_TUTOR,
        "sanitario": TeamRole.SERD_OPERATOR,
    }
    assert "cases.case.opened" in _case_events(case)

    # The SerD and health notes the CPI operator must never read (planted as the SerD would write them).
    serd_structure = serd_membership.structure
    sanitario = Operator.objects.get(username="sanitario")
    CaseNote.objects.create(
        case=case,
        section=Section.HEALTH,
        text=f"{SERD_SENTINEL}: in carico al SerD, terapia in corso.",
        author=sanitario,
        author_structure=serd_structure,
        restricted_to_structure=True,
    )
    CaseNote.objects.create(
        case=case,
        section=Section.HEALTH,
        text=f"{HEALTH_SENTINEL}: visita specialistica prenotata.",
        author=sanitario,
        author_structure=serd_structure,
    )

    # 3. The case manager starts the assessment and the preliminary analysis. -------------------------
    cm = operators.sign_in("assistente")
    case_url = _url(base, "cases:case_detail", case.pk)
    cm.goto(case_url)
    _case_action(cm, "start_assessment")
    cm.get_by_role("button", name=it("Start the assessment"), exact=True).click()
    _success(cm, "Assessment started.")
    _settled(cm)
    case.refresh_from_db()
    assert case.status == CaseStatus.ASSESSING

    cm.goto(_url(base, "assessments:assessment_new", case.pk))
    cm.get_by_label("Analisi preliminare", exact=False).check()
    cm.get_by_role("button", name=it("Start the assessment")).click()
    for key, value in {
        "occupation": "unemployed_short",
        "registered_cpi": "yes",
        "income_adequacy": "short",
        "arrears": "no",
        "housing": "stable",
        "network": "good",
        "minors": "no",
        "care_load": "none",
        "specialist_needs": "no",
    }.items():
        _radio(cm, key, value)
    cm.get_by_role("button", name=it("Save the answers")).click()
    _success(cm, "Answers saved.")
    cm.get_by_role("button", name=it("Complete the assessment")).click()
    _success(cm, "Assessment completed.")
    preliminary = Assessment.objects.get(case=case, kind=AssessmentKind.PRELIMINARY)
    assert preliminary.status == AssessmentStatus.COMPLETED and preliminary.profile == "work"

    # The CPI operator: the skills interview and the employability profile. ---------------------------
    cpi = operators.sign_in("cpi")
    cpi.goto(_url(base, "assessments:assessment_new", case.pk))
    cpi.get_by_label("Colloquio di analisi delle competenze (CPI)", exact=False).check()
    cpi.get_by_role("button", name=it("Start the assessment")).click()
    for key, value in {
        "last_worked": "within_12",
        "education": "upper_secondary",
        "italian": "native",
        "digital": "advanced",
        "driving_licence": "yes",
        "availability": "full_time",
        "training": "yes",
    }.items():
        _radio(cpi, key, value)
    cpi.get_by_label("Settori e mansioni", exact=False).fill("Magazzino e logistica, carrellista")
    cpi.get_by_role("button", name=it("Save the answers")).click()
    _success(cpi, "Answers saved.")
    cpi.get_by_role("button", name=it("Complete the assessment")).click()
    _success(cpi, "Assessment completed.")
    cpi.get_by_role("link", name=it("Record the employability profile")).click()
    expect(cpi.get_by_text("A – occupabilità alta").first).to_be_visible()
    cpi.get_by_label(it("Patto di servizio signed on")).fill(timezone.localdate().isoformat())  # a date input
    cpi.get_by_label(it("Pact reference (protocol)")).fill("PS-CR-2026-0412")
    cpi.get_by_role("button", name=it("Record the profile")).click()
    _success(cpi, "Employability profile recorded.")
    profile = EmployabilityProfile.objects.get(case=case)
    assert profile.employability_class == "A"

    # The case manager drafts the project: the package that fits class A is proposed. ------------------
    cm.goto(_url(base, "plans:plan_new", case.pk))
    expect(cm.get_by_role("heading", level=1)).to_have_text(it("New personalised project"))
    expect(cm.locator("#id_package option:checked")).to_contain_text("PA-04")
    cm.locator("#id_pact_type").select_option("service")
    cm.locator("#id_summary").fill("Ricerca attiva del lavoro con l'orientamento del CPI.")
    cm.get_by_role("button", name=it("Draft the project")).click()
    _success(cm, "Project drafted: now add its goals, commitments and interventions.")
    plan = Plan.objects.get(case=case)
    assert plan.status == PlanStatus.DRAFT and plan.package is not None and plan.package.code == "PA-04"

    due = (timezone.localdate() + datetime.timedelta(days=180)).strftime("%d/%m/%Y")
    cm.locator("#goals summary").click()
    cm.locator("#id_goal-text").fill("Trovare un lavoro stabile nella logistica")
    cm.locator("#id_goal-indicator").fill("Contratto di almeno 6 mesi")
    cm.locator("#id_goal-target").fill("Entro 6 mesi")
    cm.locator("#id_goal-due_on").fill(due)
    cm.get_by_role("button", name=it("Add the goal")).click()
    _success(cm, "Added to the project.")
    expect(cm.locator("#goals table")).to_contain_text("Trovare un lavoro stabile nella logistica")

    cm.locator("#commitments summary").click()
    cm.locator("#id_commitment-owner").select_option("service")
    cm.locator("#id_commitment-structure").select_option(str(cpi_membership.structure.pk))
    cm.locator("#id_commitment-text").fill("Proporre almeno tre offerte di lavoro coerenti con il profilo")
    cm.locator("#id_commitment-due_on").fill(due)
    cm.get_by_role("button", name=it("Add the commitment")).click()
    _success(cm, "Added to the project.")
    expect(cm.locator("#commitments table")).to_contain_text("Proporre almeno tre offerte di lavoro")

    cm.locator("#interventions summary").click()
    cm.locator("#id_intervention-service").select_option(label="ORI – Orientamento alla ricerca attiva del lavoro")
    cm.locator("#id_intervention-provider").select_option(label="CPI Cremona")
    cm.locator("#id_intervention-quantity").fill("12")
    cm.locator("#id_intervention-basis").select_option("total")
    cm.get_by_role("button", name=it("Add the intervention")).click()
    _success(cm, "Added to the project.")
    expect(cm.locator("#interventions table")).to_contain_text("Orientamento alla ricerca attiva del lavoro")

    # The patto di servizio of the package is not planned: a deviation that needs its reason.
    deviations = cm.locator("#deviations")
    expect(deviations).to_contain_text("Patto di servizio e profilazione di occupabilità")
    deviation = Deviation.objects.get(plan=plan)
    assert deviation.kind == "missing" and not deviation.is_explained
    cm.locator(f"#reason-{deviation.pk}").fill(DEVIATION_REASON)
    cm.get_by_role("button", name=it("Save the reason")).click()
    _success(cm, "Reason saved.")
    expect(deviations).to_contain_text(DEVIATION_REASON)
    cm.get_by_role("button", name=it("Send to the coordination group")).click()
    _success(cm, "The project went to the coordination group for validation.")
    plan.refresh_from_db()
    case.refresh_from_db()
    assert plan.status == PlanStatus.SUBMITTED and case.status == CaseStatus.PROJECT_DRAFTED

    # 4. The coordinator validates against the package. ---------------------------------------------------
    coordinator.goto(_url(base, "plans:validation", plan.pk))
    expect(coordinator.get_by_role("heading", level=1)).to_contain_text(it("Validation of the project"))
    against = coordinator.locator("section[aria-labelledby=package-title]")
    expect(against).to_contain_text("PA-04")
    expect(against).to_contain_text("Patto di servizio e profilazione di occupabilità")
    expect(against).to_contain_text(DEVIATION_REASON)
    expect(coordinator.get_by_text(it("employability class %(c)s") % {"c": "A"})).to_be_visible()
    _shot(coordinator, "validation")
    coordinator.locator("form[action$='/approva/'] textarea").fill("Coerente con il pacchetto PA-04.")
    coordinator.get_by_role("button", name=it("Validate the project")).click()
    _success(coordinator, "Project validated.")
    plan.refresh_from_db()
    case.refresh_from_db()
    assert plan.status == PlanStatus.VALIDATED and case.status == CaseStatus.PROJECT_VALIDATED

    # 5. The case manager activates the case, records the first intervention and a check-in. --------------
    cm.goto(case_url)
    _case_action(cm, "activate")
    cm.get_by_role("button", name=it("Activate"), exact=True).click()
    _success(cm, "Case activated.")
    _settled(cm)
    case.refresh_from_db()
    assert case.status == CaseStatus.ACTIVE

    cm.goto(_url(base, "plans:plan_edit", plan.pk))
    cm.locator("#interventions input[name=started_on]").fill(_today())
    cm.get_by_role("button", name=it("Record the start")).click()
    _success(cm, "Start recorded.")
    case.refresh_from_db()
    assert case.first_intervention_on == timezone.localdate()

    cm.goto(_url(base, "plans:checkin_new", plan.pk))
    expect(cm.get_by_role("heading", level=1)).to_have_text(it("Check-in of the pact"))
    goal = plan.goals.get()
    commitment = plan.commitments.get()
    cm.locator(f"#id_goal_{goal.pk}").select_option("partly")
    cm.locator(f"#id_commitment_{commitment.pk}").fill(_today())
    cm.locator("#id_held_on").fill(_today())
    cm.locator("#id_outcome").fill("Due colloqui di selezione fatti; il CPI ha proposto tre offerte.")
    cm.get_by_role("button", name=it("Record the check-in")).click()
    _success(cm, "Check-in recorded.")
    checkin = CheckIn.objects.get(case=case)
    assert checkin.realised_percent == checkin.computed_percent == 75
    expect(cm.locator("#checkins")).to_contain_text("75%")

    # 6. The CPI operator returns the case to the team; never a health note on their pages. ---------------
    cpi.goto(case_url)
    _settled(cpi)
    for sentinel in (SERD_SENTINEL, HEALTH_SENTINEL):
        assert sentinel not in cpi.content(), f"the CPI operator's case page shows {sentinel}"
    _case_action(cpi, "return_to_team")
    cpi.locator("#id_return_to_team-reason").fill(RETURN_REASON)
    cpi.get_by_role("button", name=it("Return the case to the team")).click()
    _success(cpi, "The case was returned to the team; the case manager has been told.")
    _settled(cpi)
    case.refresh_from_db()
    assert case.status == CaseStatus.RETURNED_TO_TEAM
    _settled(cpi)
    for sentinel in (SERD_SENTINEL, HEALTH_SENTINEL):
        assert sentinel not in cpi.content(), f"the CPI operator's case page shows {sentinel}"
    # Asking for the health section by its address gives the CPI operator nothing of it either.
    cpi.goto(case_url + "?section=health")
    _settled(cpi)
    for sentinel in (SERD_SENTINEL, HEALTH_SENTINEL):
        assert sentinel not in cpi.content(), f"the CPI operator's health tab shows {sentinel}"
    fragment = cpi.request.get(_url(base, "cases:case_section", case.pk, Section.HEALTH))
    assert fragment.status == 404
    for name in ("plans:plan_edit", "plans:validation"):
        cpi.goto(_url(base, name, plan.pk))
        for sentinel in (SERD_SENTINEL, HEALTH_SENTINEL):
            assert sentinel not in cpi.content(), f"the CPI operator's {name} page shows {sentinel}"
    # The SerD operator does read both notes: the sentinels are there to be found.
    serd = operators.sign_in("sanitario")
    serd.goto(case_url + "?section=health")
    notes = serd.locator("#case-sections")
    expect(notes).to_contain_text(SERD_SENTINEL)
    expect(notes).to_contain_text(HEALTH_SENTINEL)

    # The case manager finds it in the caseload inbox and resumes the pact.
    cm.goto(_url(base, "cases:caseload"))
    inbox = cm.locator("section.inbox-returned")
    expect(inbox).to_contain_text(str(case.number))
    expect(inbox).to_contain_text(RETURN_REASON)
    inbox.get_by_role("link", name=str(case.number), exact=False).click()
    expect(
        cm.get_by_text(
            it("The CPI returned this case to the team: the pact is not respected. Answer below, in “What you can do”.")
        )
    ).to_be_visible()
    _case_action(cm, "answer_return")
    cm.locator("#id_answer_return-answer").fill(RESUME_ANSWER)
    _radio(cm, "answer_return-next_step", "resume")
    cm.get_by_role("button", name=it("Send the answer")).click()
    _success(cm, "Answer recorded.")
    _settled(cm)
    case.refresh_from_db()
    assert case.status == CaseStatus.ACTIVE

    # 7. The case manager closes the case with its outcome. -------------------------------------------------
    _case_action(cm, "close")
    cm.locator("#id_close-outcome").select_option(ClosureOutcome.GOALS_MET)
    cm.locator("#id_close-reason").fill(CLOSE_REASON)
    cm.get_by_role("button", name=it("Close the case"), exact=True).click()
    _success(cm, "Case closed.")
    _settled(cm)
    expect(cm.locator("dl.case-data")).to_contain_text(CLOSE_REASON)
    case.refresh_from_db()
    assert case.status == CaseStatus.CLOSED and case.closure_outcome == ClosureOutcome.GOALS_MET
    assert case.closed_on == timezone.localdate()
    _shot(cm, "closed")

    events = _case_events(case)
    for action in (
        "cases.case.opened",
        "cases.case.assessment_started",
        "assessments.assessment.started",
        "plans.plan.created",
        "plans.deviation.explained",
        "plans.plan.submitted",
        "cases.case.project_drafted",
        "cases.case.project_validated",
        "plans.plan.validated",
        "cases.case.activated",
        "plans.intervention.started",
        "plans.checkin.recorded",
        "cases.case.returned_to_team",
        "cases.case.return_answered",
        "cases.case.closed",
    ):
        assert action in events, f"{action} missing from {events}"
    order = [events.index(a) for a in ("cases.case.opened", "cases.case.activated", "cases.case.closed")]
    assert order == sorted(order)
    returned = DomainEvent.objects.get(target_id=str(case.pk), action="cases.case.returned_to_team")
    assert returned.actor is not None and returned.actor.username == "cpi"

    assert not operators.violations, "\n".join(operators.violations)
