"""Issue #12's proof in a real browser, on the demo network, with five demo operators in Italian.

1. The CPI operator asks by address for the health section of a case they are on the team of,
   and for a SerD health note: both answer 404, and nothing of the notes reaches the page.
2. The CPI operator opens emergency access (break-the-glass) on a case they are not on, Ioana
   Popescu's (elderly care, no violence), named by her codice fiscale: a reason under 20
   characters is refused with its message; with a reason code, a real reason and the password
   typed again the case opens under the emergency banner, and still not its health section.
3. The auditor finds the grant in the review queue and among the unusual accesses; a member of
   the coordination group reviews it.
4. Ioana's case manager records her request for the access report; the coordination group opens
   the report: it lists the CPI operator's reads, each one flagged as emergency access.
5. On Giulia Ferrari's case the case manager's service writes a common note, which the CPI
   operator reads; at Giulia's request the service blacks it out; on reload the CPI operator's
   notes and history are exactly what they were before the note was written (no count, badge or
   gap), while the case manager still reads it, with its badge.

No page breaks the Content Security Policy. Texts are looked up in the Italian catalogue with
``it()``, so the test reads what an Italian operator reads.

Screenshots (1280 px wide) are always written to ``$TMPDIR/privacy``; with ``INTRECCIO_SCREENSHOTS=1``
they are copied to ``docs/screenshots/privacy/<name>-it-1280.png`` for the guides.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone, translation
from playwright.sync_api import Browser, Page, expect

from intreccio.audit.models import AccessEvent
from intreccio.blackout.models import Blackout, TargetType
from intreccio.breakglass.models import REASON_TEXT_MIN_LENGTH, BreakGlassGrant, ReasonCode, ReviewOutcome
from intreccio.cases.models import Case, CaseNote, Section
from intreccio.demo.blackout import NOTE_TEXT as SERD_NOTE_TEXT
from intreccio.demo.data import DEMO_PASSWORD
from intreccio.demo.services import demo_load
from intreccio.rights.models import DataSubjectRequest, RequestChannel, RequestKind
from tests.browser_support import Operators, it, shipped_data

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path(tempfile.gettempdir()) / "privacy"
DOCS_SHOTS = Path(__file__).resolve().parents[1] / "docs" / "screenshots" / "privacy"
WIDTH = 1280
MAX_HEIGHT = 2400

SHORT_REASON = "Urgenza lavoro"  # 14 characters: refused
EMERGENCY_REASON = (
    "La signora Popescu è allo sportello del CPI in forte agitazione: la madre è rimasta sola in casa "
    "e il case manager dell'Azienda Sociale non risponde al telefono."
)
BLACKOUT_NOTE = (
    "Colloquio: la signora riferisce un periodo di depressione dopo la separazione, seguito dal medico "
    "di base; chiede che resti al servizio sociale."
)
REQUEST_REFERENCE = "Prot. 2026/0815"


@pytest.fixture
def browser_context_args(browser_context_args: dict[str, Any]) -> dict[str, Any]:
    # An operator's browser in Italy asks for Italian; the screenshots are 1280 px wide.
    return {**browser_context_args, "locale": "it-IT", "viewport": {"width": WIDTH, "height": 900}}


@pytest.fixture
def operators(browser: Browser, browser_context_args: dict[str, Any], live_server: Any) -> Iterator[Operators]:
    crowd = Operators(browser, browser_context_args, live_server.url)
    try:
        yield crowd
    finally:
        crowd.close()


def _url(base: str, name: str, *args: Any) -> str:
    return base + reverse(name, args=args)


def _shot(page: Page, name: str, *, docs: bool = True, down_to: str = "") -> None:
    """A PNG 1280 px wide of the page from its top, in the temporary directory; copied to the docs
    with INTRECCIO_SCREENSHOTS=1. Long pages stop at ``MAX_HEIGHT`` or below the ``down_to`` element."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    path = SHOTS / f"{name}-it-1280.png"
    height = int(page.evaluate("document.documentElement.scrollHeight"))
    if down_to:
        box = page.locator(down_to).bounding_box()
        assert box is not None, down_to
        scrolled = int(page.evaluate("window.scrollY"))
        height = int(box["y"] + box["height"]) + scrolled + 24
    clip = {"x": 0, "y": 0, "width": WIDTH, "height": min(height, MAX_HEIGHT)}
    page.screenshot(path=path, full_page=True, clip=clip)  # type: ignore[arg-type]
    if docs and os.environ.get("INTRECCIO_SCREENSHOTS") == "1":
        DOCS_SHOTS.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, DOCS_SHOTS / path.name)


def _success(page: Page, msgid: str, level: str = "success", **values: Any) -> None:
    text = it(msgid) % values if values else it(msgid)
    try:
        expect(page.locator(f".alert-{level}", has_text=text)).to_be_visible()
    except AssertionError:
        _shot(page, "failure", docs=False)  # what the operator saw instead
        (SHOTS / "failure.html").write_text(page.content())
        raise


def _case_settled(page: Page) -> None:
    """The case page loads its panels and history with htmx: wait for them before reading it."""
    page.wait_for_load_state("networkidle")
    expect(page.locator("#case-timeline")).to_be_attached()


def _notes(page: Page) -> tuple[int, str]:
    """The notes of the section shown: how many items the list has, and its text as read."""
    items = page.locator("#case-sections ol.case-notes > li")
    return items.count(), page.locator("#case-sections ol.case-notes").inner_text()


def label_it(choice: Any) -> str:
    """The Italian label of a choice (``Section.WORK``, ``ReasonCode.X``)."""
    with translation.override("it"):
        return str(choice.label)


def _today() -> str:
    return timezone.localdate().strftime("%d/%m/%Y")


def test_cpi_404_break_the_glass_review_access_report_and_blackout(
    live_server: Any, settings: Any, operators: Operators
) -> None:
    settings.INTRECCIO_DEMO_MFA_EXEMPT = True  # demo accounts confirm with their password alone
    shipped_data()
    demo_load()
    base = live_server.url
    ferrari = Case.objects.select_related("person").get(person__last_name="Ferrari", person__first_name="Giulia")
    popescu = Case.objects.select_related("person").get(person__last_name="Popescu", person__first_name="Ioana")
    assert popescu.person is not None and popescu.person.fiscal_code
    assert not popescu.members.filter(operator__username="cpi").exists(), "the CPI operator must not be on it"
    assert ferrari.members.filter(operator__username="cpi", left_on__isnull=True).exists()
    serd_note = next(n for n in CaseNote.objects.filter(section=Section.HEALTH) if n.text == SERD_NOTE_TEXT)

    # 1. The CPI operator asks for health notes by their address: 404, and nothing of them. ----------------
    cpi = operators.sign_in("cpi")
    for address in (
        _url(base, "cases:case_section", ferrari.pk, Section.HEALTH),
        _url(base, "blackout:record_note", serd_note.pk),
    ):
        response = cpi.goto(address)
        assert response is not None and response.status == 404, address
        expect(cpi.get_by_role("heading", level=1)).to_have_text(it("Page not found"))
        assert SERD_NOTE_TEXT not in cpi.content()

    # 2. Emergency access on a case the CPI operator is not on. -------------------------------------------
    cpi.goto(_url(base, "breakglass:grant_request"))
    expect(cpi.get_by_role("heading", level=1)).to_have_text(it("Request emergency access"))
    cpi.locator("#id_identifier").fill(popescu.person.fiscal_code)
    cpi.locator("#id_reason_code").select_option(ReasonCode.CONTINUITY_OF_CARE)
    cpi.locator("#id_reason_text").fill(EMERGENCY_REASON)
    cpi.locator("#id_password").fill(DEMO_PASSWORD)
    _shot(cpi, "breakglass-request")
    # Too short a reason first: refused with its message, nothing granted.
    cpi.locator("#id_reason_text").fill(SHORT_REASON)
    cpi.get_by_role("button", name=it("Open the case with emergency access")).click()
    too_short = it(
        "Describe the emergency in at least %(min)s characters (you wrote %(count)s): "
        "the coordination group reads it when reviewing the access."
    ) % {"min": REASON_TEXT_MIN_LENGTH, "count": len(SHORT_REASON)}
    expect(cpi.locator(".invalid-feedback", has_text=too_short)).to_be_visible()
    expect(cpi.get_by_text(it("Nothing was saved. Please correct what is marked below."))).to_be_visible()
    _shot(cpi, "breakglass-request-refused")
    assert not BreakGlassGrant.objects.filter(operator__username="cpi").exists()

    cpi.locator("#id_reason_text").fill(EMERGENCY_REASON)
    cpi.locator("#id_password").fill(DEMO_PASSWORD)  # a password field is never sent back filled in
    expect(cpi.locator("#id_identifier")).to_have_value(popescu.person.fiscal_code)
    cpi.get_by_role("button", name=it("Open the case with emergency access")).click()
    expect(cpi).to_have_url(re.compile(re.escape(_url(base, "cases:case_detail", popescu.pk)) + "$"))
    grant = BreakGlassGrant.objects.get(operator__username="cpi")
    assert (grant.case_id, grant.reason_code, grant.reason_text) == (
        popescu.pk,
        ReasonCode.CONTINUITY_OF_CARE,
        EMERGENCY_REASON,
    )
    until = timezone.localtime(grant.expires_at).strftime("%H:%M")
    # One banner says it, not a flash message repeating it.
    expect(cpi.locator(".alert-warning")).to_have_count(1)
    banner = cpi.locator("#breakglass-banner")
    expect(banner).to_contain_text(it("Emergency access until %(until)s; every read is recorded.") % {"until": until})
    expect(cpi.get_by_role("heading", level=1)).to_contain_text("Popescu Ioana")
    _case_settled(cpi)
    _shot(cpi, "breakglass-case-banner")
    # The work section too, through its tab; the health section stays closed even now.
    cpi.locator("#case-sections .nav-link", has_text=label_it(Section.WORK)).click()
    expect(cpi.locator("#case-sections .nav-link.active")).to_have_text(label_it(Section.WORK))
    cpi.wait_for_load_state("networkidle")
    assert cpi.request.get(_url(base, "cases:case_section", popescu.pk, Section.HEALTH)).status == 404
    emergency_reads = AccessEvent.objects.filter(
        actor__username="cpi", object_type="cases.case", object_id=str(popescu.pk)
    )
    assert emergency_reads.count() >= 2
    assert all(purpose.startswith("break_the_glass") for purpose in emergency_reads.values_list("purpose", flat=True))

    # 3. The auditor sees the grant in the review queue and among the unusual accesses. ---------------------
    auditor = operators.sign_in("auditor")
    auditor.goto(_url(base, "breakglass:review_queue"))
    expect(auditor.get_by_role("heading", level=1)).to_have_text(it("Emergency access review"))
    row = auditor.locator("tbody tr", has_text=str(popescu.number))
    expect(row).to_have_count(1)
    expect(row).to_contain_text("Paolo Rossi")
    expect(row).to_contain_text(label_it(ReasonCode.CONTINUITY_OF_CARE))
    expect(row).to_contain_text(it("to be reviewed"))
    _shot(auditor, "breakglass-review-queue")
    auditor.goto(_url(base, "oversight:review"))
    expect(auditor.get_by_role("heading", level=1)).to_have_text(it("Unusual access"))
    expect(auditor.locator("section[aria-labelledby=glass-title] tbody")).to_contain_text("cpi")
    _shot(auditor, "audit-unusual-access")
    auditor.goto(_url(base, "oversight:register"))
    expect(auditor.get_by_role("heading", level=1)).to_be_visible()
    _shot(auditor, "register-of-processing")

    # The coordinator, in the coordination group of the ambito, reviews it.
    coordinator = operators.sign_in("coordinatore")
    coordinator.goto(_url(base, "breakglass:grant_review", grant.pk))
    expect(coordinator.locator("main")).to_contain_text(EMERGENCY_REASON)
    coordinator.locator("#id_outcome").select_option(ReviewOutcome.JUSTIFIED)
    coordinator.locator("#id_note").fill("Urgenza reale; accesso breve e limitato al lavoro.")
    coordinator.get_by_role("button", name=it("Save the review")).click()
    _success(coordinator, "Review saved.")
    grant.refresh_from_db()
    assert grant.outcome == ReviewOutcome.JUSTIFIED and grant.reviewed_by is not None
    assert grant.reviewed_by.username == "coordinatore"

    # 4. Ioana asks who accessed her record: her case manager records the request. --------------------------
    manager = operators.sign_in("casemanager")
    manager.goto(_url(base, "people:person_detail", popescu.person.pk))
    manager.get_by_role("link", name=it("Privacy requests of this person")).click()
    manager.get_by_role("link", name=it("Record a request")).click()
    manager.locator("#id_kind").select_option(RequestKind.ACCESS_REPORT)
    manager.locator("#id_received_on").fill(_today())
    manager.locator("#id_channel").select_option(RequestChannel.IN_PERSON)
    manager.get_by_role("button", name=it("Record the request")).click()
    expect(manager.locator(".alert-success")).to_be_visible()  # the request is saved: read it back
    dsr = DataSubjectRequest.objects.get(person=popescu.person, kind=RequestKind.ACCESS_REPORT)
    _success(
        manager,
        "Request recorded: the coordination group was told. The answer is due by %(date)s.",
        date=dsr.due_on.strftime("%d/%m/%Y"),
    )

    # The coordination group opens the access report: the CPI operator's reads, flagged.
    coordinator.goto(_url(base, "rights:request_detail", dsr.pk))
    handling = coordinator.locator("section[aria-labelledby=handle-title]")
    handling.get_by_role("link", name=it("Access report"), exact=True).click()
    expect(coordinator.get_by_role("heading", level=1)).to_have_text(it("Access report"))
    cpi_rows = coordinator.locator("tbody tr", has_text="Paolo Rossi")
    expect(cpi_rows).to_have_count(emergency_reads.count())
    expect(cpi_rows.locator(".emergency-flag", has_text=it("Emergency access"))).to_have_count(emergency_reads.count())
    for index in range(cpi_rows.count()):
        expect(cpi_rows.nth(index)).to_have_class(re.compile(r"\btable-danger\b"))
        expect(cpi_rows.nth(index)).to_contain_text("Centro per l'Impiego di Cremona")
    _shot(coordinator, "access-report")
    coordinator.goto(_url(base, "retention:overview"))
    expect(coordinator.get_by_role("heading", level=1)).to_be_visible()
    _shot(coordinator, "retention")

    # 5. A note blacked out at the person's request vanishes for the CPI operator without a trace. ----------
    ferrari_url = _url(base, "cases:case_detail", ferrari.pk) + "?section=common"
    cpi.goto(ferrari_url)
    _case_settled(cpi)
    before_count, before_notes = _notes(cpi)
    before_history = cpi.locator("#case-timeline").inner_text()

    social_worker = operators.sign_in("assistente")
    social_worker.goto(ferrari_url)
    _case_settled(social_worker)
    social_worker.locator("#case-sections textarea").fill(BLACKOUT_NOTE)
    social_worker.get_by_role("button", name=it("Add the note")).click()
    written = social_worker.locator("#case-sections ol.case-notes > li", has_text=BLACKOUT_NOTE)
    expect(written).to_have_count(1)
    note = next(n for n in CaseNote.objects.filter(case=ferrari, section=Section.COMMON) if n.text == BLACKOUT_NOTE)

    cpi.reload()
    _case_settled(cpi)
    expect(cpi.locator("#case-sections")).to_contain_text(BLACKOUT_NOTE)
    assert _notes(cpi)[0] == before_count + 1

    written = social_worker.locator("#case-sections ol.case-notes > li", has_text=BLACKOUT_NOTE)
    written.get_by_role("link", name=it("Black out…")).click()
    expect(social_worker.get_by_role("heading", level=1)).to_have_text(it("Black out at the person's request"))
    social_worker.locator("#id_requested_on").fill(_today())
    social_worker.locator("#id_request_reference").fill(REQUEST_REFERENCE)
    social_worker.get_by_role("button", name=it("Record the blackout")).click()
    _success(
        social_worker,
        "Request recorded: from now on only %(service)s sees this item.",
        service=note.author_structure.name,
    )
    assert Blackout.objects.active().filter(target_type=TargetType.CASE_NOTE, target_id=note.pk).exists()
    _case_settled(social_worker)
    # The writing service still reads the note, with its badge.
    written = social_worker.locator("#case-sections ol.case-notes > li", has_text=BLACKOUT_NOTE)
    expect(written).to_have_count(1)
    expect(written).to_contain_text(it("blacked out at the person's request"))
    _shot(social_worker, "blackout-badge-author", down_to="#case-sections")

    cpi.reload()
    _case_settled(cpi)
    after_count, after_notes = _notes(cpi)
    assert (after_count, after_notes) == (before_count, before_notes), "the CPI operator's notes changed"
    assert cpi.locator("#case-timeline").inner_text() == before_history, "the CPI operator's history changed"
    _shot(cpi, "blackout-cpi-after", docs=False, down_to="#case-sections")
    content = cpi.content()
    assert BLACKOUT_NOTE not in content
    assert "oscurat" not in content.lower()
    assert it("blacked out at the person's request") not in content

    # The referrals inbox of the social service (the demo's referral waiting for its answer).
    social_worker.goto(_url(base, "referrals:inbox"))
    expect(social_worker.get_by_role("heading", level=1)).to_be_visible()
    _shot(social_worker, "referrals-inbox")

    assert not operators.violations, "\n".join(operators.violations)
