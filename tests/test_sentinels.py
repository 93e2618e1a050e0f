"""Planted sentinels never reach who may not read them (SECURITY.md R3, issue 11 "Proof").

The demo network is loaded once for the module; then unique sentinel strings are planted,
through the services, everywhere health and SerD-only content lives on the demo case of
Stefano Galli (followed by the SerD), after the CPI operator and the educator join its team:

- a health note by the SerD operator (kept within the SerD) and one by a health specialist of
  the mental-health centre (CPS), plus a disability note by the same CPS specialist;
- the free-text health notes of an in-depth assessment, completed, and of a second one left in
  draft (the health dimension lives in the health section);
- a goal and a commitment of the plan in the health section, and the reason given for a
  deviation about a therapeutic intervention (a mental-health/addiction service is in the
  health section);
- the notes of an intake about him, recorded at the front door and forwarded to the
  coordination group (notes classified special category).

The case manager then refers him to the coordinator's own service sharing the common and work
sections only (so the coordinator reads the referral's minimum dataset as its recipient), his
request for a copy of his data is recorded and a legal hold is placed on his case, so that the
pages of referrals, data-subject requests and retention, and the blackout and break-the-glass
pages of the demo world, are crawled with their arguments filled in.

Team meeting minutes are not a section of the case: every invitee reads them, so nothing is
planted there. Then every named URL of the project that can be filled from the demo world is
fetched as the CPI operator, the coordinator and the educator (htmx fragments with
``HX-Request``, the pact PDF through ``pdftotext``, the .ics invitations, the registry search
for the persons concerned), and no body may carry a sentinel. Positive controls prove the crawl
looks where the sentinels would show: common-section and work-section sentinels planted the
same way are found by it, the SerD operator finds its own note, the case manager their plan.
"""

from __future__ import annotations

import datetime
import re
import secrets
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import partial
from typing import Any

import pytest
from django.db import transaction
from django.db.models import Q
from django.http import HttpRequest
from django.test import Client, RequestFactory, override_settings
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext
from pytest_django import DjangoDbBlocker

from intreccio.access.models import Intake
from intreccio.access.selectors import published_form
from intreccio.access.services import intake_create, intake_forward, pre_assessment_save
from intreccio.accounts.models import (
    Membership,
    Operator,
    Organisation,
    Role,
    Structure,
    Team,
    TeamMember,
)
from intreccio.assessments.models import Assessment, AssessmentKind, AssessmentStatus, AssessmentTool
from intreccio.assessments.services import assessment_complete, assessment_save, assessment_start
from intreccio.blackout.models import Blackout
from intreccio.breakglass.models import BreakGlassGrant
from intreccio.cases import services as case_services
from intreccio.cases.models import Case, CaseNote, Section, TeamRole
from intreccio.cases.views import ACTIONS
from intreccio.catalogue.models import AssistancePackage, PackageItem, Service
from intreccio.demo.cases import PRE_ASSESSMENT
from intreccio.demo.services import demo_load
from intreccio.meetings.models import Mediator, MediatorBooking, Meeting
from intreccio.people.models import (
    Consent,
    Household,
    HouseholdMember,
    IncomeSupport,
    LegalRepresentative,
    Person,
)
from intreccio.plans import services as plan_services
from intreccio.plans.models import AREA_SECTIONS, Commitment, Deviation, Goal, Owner, Plan, PlannedIntervention
from intreccio.referrals.models import OverrideBasis, Referral
from intreccio.referrals.services import referral_send
from intreccio.retention.models import LegalHold
from intreccio.retention.services import legal_hold_place
from intreccio.rights.models import DataSubjectRequest, RequestChannel, Requester, RequestKind
from intreccio.rights.services import request_record
from intreccio.territory.models import Ambito
from tests.matrix import iter_url_patterns

pytestmark = pytest.mark.django_db

CRAWLED = ("cpi", "coordinatore", "educatore")
PDFTOTEXT = shutil.which("pdftotext")
# The timeline's sentence for a note, as cases/views.py words it.
NOTE_SENTENCE = partial(gettext, "%(actor)s wrote a note in the section “%(section)s”.")
PARAM = re.compile(r"<(?:\w+:)?(\w+)>")
# URLs not worth a GET: logging out ends the crawl's session; the rest need a secret from an e-mail.
SKIPPED = frozenset({"account_logout"})
# Where the page has a fragment of its own that htmx asks for.
HTMX_NAMES = frozenset(
    {
        "cases:case_detail",
        "cases:case_section",
        "cases:case_timeline",
        "plans:case_panel",
        "assessments:case_panel",
        "meetings:case_panel",
        "people:person_search_results",
        "access:person_search",
    }
)


# Pages with URL arguments added for issue #12: each must be crawled.
NEW_PAGES = (
    "referrals:case_referrals",
    "referrals:referral_detail",
    "referrals:referral_accept",
    "breakglass:grant_end",
    "breakglass:grant_review",
    "blackout:record_note",
    "blackout:record_assessment",
    "blackout:lift",
    "rights:person_requests",
    "rights:request_new",
    "rights:request_detail",
    "rights:access_report",
    "rights:access_report_pdf",
    "rights:subject_export",
    "retention:hold_lift",
    "history:row_changes",
    "oversight:register",
)
# Where each role crawled gets the page itself (the team's side, the recipient's side, the handlers).
NEW_PAGES_READ = {
    "cpi": {
        "referrals:case_referrals",
        "referrals:referral_detail",
        "blackout:record_note",
        "blackout:record_assessment",
    },
    "educatore": {"referrals:case_referrals", "referrals:referral_detail", "blackout:record_note"},
    "coordinatore": {
        "referrals:referral_detail",
        "breakglass:grant_review",
        "rights:person_requests",
        "rights:request_detail",
        "rights:access_report",
        "rights:access_report_pdf",
        "retention:hold_lift",
    },
}


def _sentinel(kind: str) -> str:
    """Letters and digits only: nothing to escape in HTML, nothing to hyphenate in a PDF."""
    return f"QZ{kind}{secrets.token_hex(4).upper()}"


def _text(sentinel: str, words: str) -> str:
    # First and last: a page that shortens the text still shows its beginning.
    return f"{sentinel} {words} {sentinel}"


@dataclass
class World:
    ambito: Ambito
    operators: dict[str, Operator]
    galli: Case
    cps: Operator
    forbidden: dict[str, str] = field(default_factory=dict)  # sentinel → where it was planted
    visible: dict[str, str] = field(default_factory=dict)  # controls the CPI operator must see
    intake_sentinel: str = ""
    intake: Intake | None = None
    serd_note: str = ""
    cps_note: str = ""
    health_goal: str = ""
    common_goal: str = ""
    common_note: str = ""
    referral: Referral | None = None


def _request(operator: Operator, role: str | None = None, structure: Structure | None = None) -> HttpRequest:
    """What the services read from a request, as ``cases/tests/conftest.py`` builds it."""
    request = RequestFactory().get("/")
    request.user = operator
    memberships = Membership.objects.current().filter(operator=operator).select_related("structure__organisation")
    if role is not None:
        memberships = memberships.filter(role=role)
    if structure is not None:
        memberships = memberships.filter(structure=structure)
    request.membership = memberships.order_by("pk").first()  # type: ignore[attr-defined]
    request.request_id = "sentinels"  # type: ignore[attr-defined]
    return request


def _membership(operator: Operator) -> Membership:
    membership = Membership.objects.current().filter(operator=operator).select_related("structure").order_by("pk")
    found = membership.first()
    assert found is not None, operator
    return found


def _join(case: Case, manager: HttpRequest, operator: Operator, team_role: str) -> Case:
    membership = _membership(operator)
    return case_services.case_member_add(
        request=manager,
        case=case,
        version=case.version,
        operator=operator,
        structure=membership.structure,
        team_role=team_role,
    )


def _cps_specialist(ambito: Ambito) -> Operator:
    """A health specialist of the mental-health centre: the demo has only the SerD's."""
    structure = Structure.objects.get(organisation__ambito=ambito, name="Centro psico-sociale (CPS)")
    operator = Operator.objects.create(
        username="sentinel_cps", first_name="Ivo", last_name="Psichiatri", email="cps@example.org", is_demo=True
    )
    Membership.objects.create(
        operator=operator, structure=structure, role=Role.HEALTH_SPECIALIST, valid_from=datetime.date(2025, 1, 1)
    )
    return operator


def _plant_notes(w: World, manager: HttpRequest) -> None:
    galli = w.galli
    serd = _request(w.operators["sanitario"])
    w.serd_note = _sentinel("SERDNOTE")
    case_services.case_note_add(
        request=serd, case=galli, section=Section.HEALTH, text=_text(w.serd_note, "ricaduta, metadone 60 mg")
    )
    w.forbidden[w.serd_note] = "SerD-private health note (cases.case_note_add by sanitario)"
    cps = _request(w.cps)
    w.cps_note = _sentinel("CPSNOTE")
    case_services.case_note_add(
        request=cps, case=galli, section=Section.HEALTH, text=_text(w.cps_note, "diagnosi di disturbo depressivo")
    )
    w.forbidden[w.cps_note] = "health note of the CPS (not SerD-private)"
    disability = _sentinel("DISNOTE")
    case_services.case_note_add(
        request=cps, case=galli, section=Section.DISABILITY, text=_text(disability, "invalidità civile 67%")
    )
    w.forbidden[disability] = "disability note of the CPS"
    # Controls: the CPI operator, the coordinator and the educator read the common section.
    common = _sentinel("COMMONNOTE")
    case_services.case_note_add(request=manager, case=galli, section=Section.COMMON, text=_text(common, "affitto"))
    w.visible[common] = "common-section note (control)"
    w.common_note = common
    work = _sentinel("WORKNOTE")
    cpi = _request(w.operators["cpi"])
    case_services.case_note_add(request=cpi, case=galli, section=Section.WORK, text=_text(work, "curriculum"))
    w.visible[work] = "work-section note by the CPI (control)"


def _plant_assessments(w: World, manager: HttpRequest) -> None:
    galli = w.galli
    tool = AssessmentTool.objects.get(kind=AssessmentKind.IN_DEPTH, is_published=True)
    done = Assessment.objects.filter(case=galli, kind=AssessmentKind.IN_DEPTH, status=AssessmentStatus.COMPLETED)
    previous = done.order_by("-pk").first()
    assert previous is not None, "the demo gives the SerD case an in-depth assessment"
    health_keys = {q["key"] for d in tool.schema["dimensions"] if d["key"] == "health" for q in d["questions"]}
    assert "health_notes" in health_keys, "the health dimension has a free-text question"
    social = {k: v for k, v in previous.answers.items() if k not in health_keys}
    serd = _request(w.operators["sanitario"])
    for kind, complete in (("ASSESSDONE", True), ("ASSESSDRAFT", False)):
        sentinel = _sentinel(kind)
        assessment = assessment_start(request=manager, case=galli, tool=tool)
        assessment = assessment_save(request=manager, assessment=assessment, version=assessment.version, answers=social)
        health = {
            "health_condition": "chronic",
            "daily_limits": "yes",
            "specialist_service": "yes",
            "health_notes": _text(sentinel, "dipendenza da oppiacei in trattamento"),
        }
        assessment = assessment_save(request=serd, assessment=assessment, version=assessment.version, answers=health)
        if complete:
            assessment_complete(request=manager, assessment=assessment, version=assessment.version)
        w.forbidden[sentinel] = f"health notes of an in-depth assessment ({'completed' if complete else 'draft'})"


def _plant_plan(w: World, manager: HttpRequest) -> None:
    galli = w.galli
    plan = Plan.objects.filter(case=galli).order_by("-pk").first()
    assert plan is not None, "the demo drafts a plan for the SerD case"
    coordinator = _request(w.operators["coordinatore"])
    plan = plan_services.plan_send_back(
        request=coordinator, plan=plan, version=plan.version, reason="Aggiungere il percorso sanitario al progetto."
    )
    due = timezone.localdate() + datetime.timedelta(days=90)
    w.health_goal = _sentinel("GOALHEALTH")
    plan_services.goal_add(
        request=manager,
        plan=plan,
        version=plan.version,
        data=plan_services.GoalData(
            text=_text(w.health_goal, "astinenza documentata"),
            indicator="Esami tossicologici negativi",
            due_on=due,
            section=Section.HEALTH,
        ),
    )
    w.forbidden[w.health_goal] = "plan goal in the health section"
    plan.refresh_from_db()
    commitment = _sentinel("COMMITHEALTH")
    plan_services.commitment_add(
        request=manager,
        plan=plan,
        version=plan.version,
        data=plan_services.CommitmentData(
            owner=Owner.PERSON,
            text=_text(commitment, "presentarsi al SerD per la terapia"),
            due_on=due,
            section=Section.HEALTH,
        ),
    )
    w.forbidden[commitment] = "plan commitment in the health section"
    plan.refresh_from_db()
    w.common_goal = _sentinel("GOALCOMMON")
    plan_services.goal_add(
        request=manager,
        plan=plan,
        version=plan.version,
        data=plan_services.GoalData(
            text=_text(w.common_goal, "mantenere la casa"), indicator="Affitto pagato", due_on=due
        ),
    )
    w.visible[w.common_goal] = "plan goal in the common section (control, pact PDF included)"
    plan.refresh_from_db()
    health_areas = [area for area, section in AREA_SECTIONS.items() if section == Section.HEALTH]
    # More psychological support than the package foresees: a deviation about a health service.
    therapy = plan.interventions.filter(service__area__in=health_areas).select_related("service", "provider")
    intervention = therapy.order_by("pk").first()
    assert intervention is not None, "the demo plans a therapeutic path for the SerD case"
    plan_services.intervention_update(
        request=manager,
        plan=plan,
        version=plan.version,
        intervention=intervention,
        data=plan_services.InterventionData(
            service=intervention.service,
            provider=intervention.provider,
            quantity=intervention.quantity * 3,
            basis=intervention.basis,
            months=intervention.months,
        ),
    )
    plan.refresh_from_db()
    for deviation in plan.deviations.filter(reason="").select_related("service").order_by("pk"):
        if deviation.service is not None and deviation.service.area in health_areas:
            sentinel = _sentinel("DEVHEALTH")
            reason = _text(sentinel, "sei colloqui al mese con lo psicologo del SerD")
            w.forbidden[sentinel] = f"reason of a deviation about {deviation.service}"
        else:
            reason = "Spesa complessiva concordata con la famiglia."
        plan_services.deviation_explain(
            request=manager, plan=plan, version=plan.version, deviation=deviation, reason=reason
        )
        plan.refresh_from_db()
    plan_services.plan_submit(request=manager, plan=plan, version=plan.version)


def _plant_intake(w: World) -> None:
    """A new intake about Stefano Galli at the front door, forwarded to the coordination group."""
    segretariato = w.operators["segretariato"]
    request = _request(segretariato)
    person = w.galli.person
    assert person is not None
    w.intake_sentinel = _sentinel("INTAKE")
    today = timezone.localdate()
    intake = intake_create(
        actor=segretariato,
        membership=request.membership,  # type: ignore[attr-defined]
        values={
            "received_on": today,
            "channel": "phone",
            "source": "self",
            "prevalent_need": "addiction_mental_health",
            "urgency": "ordinary",
            "notes": _text(w.intake_sentinel, "riferisce una ricaduta nell'uso di eroina"),
        },
        person=person,
        request=request,
    )
    form = published_form()
    assert form is not None
    pre = {**PRE_ASSESSMENT, "request_summary": "Chiede sostegno per l'affitto."}
    pre_assessment_save(actor=segretariato, intake=intake, form=form, answers=pre, request=request)
    intake.refresh_from_db()
    intake_forward(
        actor=segretariato,
        intake=intake,
        version=intake.version,
        outcome_note="Si inoltra al gruppo di coordinamento.",
        outcome_on=today,
        request=request,
    )
    w.intake = intake


def _plant_referral_rights_and_hold(w: World, manager: HttpRequest) -> None:
    """A referral that does not share the health section, a data-subject request, a legal hold."""
    coordinator = w.operators["coordinatore"]
    receiving = _membership(coordinator).structure
    w.referral = referral_send(
        request=manager,
        case=w.galli,
        to_structure=receiving,
        reason="Valutare l'accesso a un sostegno per l'affitto.",
        shared_sections=[Section.COMMON, Section.WORK],
        override_basis=OverrideBasis.LEGAL_OBLIGATION,
        override_reason="Segnalazione dovuta per legge al servizio comunale competente.",
    )
    person = w.galli.person
    assert person is not None
    request_record(
        request=manager,
        person=person,
        kind=RequestKind.ACCESS,
        received_on=timezone.localdate(),
        channel=RequestChannel.IN_PERSON,
        requested_by=Requester.PERSON,
    )
    legal_hold_place(
        actor=coordinator,
        reason="Procedimento civile n. 123/2025 presso il Tribunale di Cremona.",
        case=w.galli,
        request=_request(coordinator),
    )


def _build() -> World:
    summary = demo_load()
    operators = {o.username: o for o in Operator.objects.filter(is_demo=True)}
    galli = Case.objects.select_related("person").get(person__first_name="Stefano", person__last_name="Galli")
    w = World(ambito=summary.ambito, operators=operators, galli=galli, cps=_cps_specialist(summary.ambito))
    manager = _request(galli.case_manager)
    # The SerD case gets the CPI tutor, the educator and the mental-health centre on its team.
    case = _join(galli, manager, operators["cpi"], TeamRole.CPI_TUTOR)
    case = _join(case, manager, operators["educatore"], TeamRole.EDUCATOR)
    case = _join(case, manager, w.cps, TeamRole.MENTAL_HEALTH)
    w.galli = Case.objects.select_related("person").get(pk=galli.pk)
    _plant_notes(w, manager)
    _plant_assessments(w, manager)
    _plant_plan(w, manager)
    _plant_intake(w)
    w.galli = Case.objects.select_related("person").get(pk=galli.pk)
    _plant_referral_rights_and_hold(w, manager)
    w.galli = Case.objects.select_related("person").get(pk=galli.pk)
    return w


@pytest.fixture(scope="module")
def world(django_db_setup: None, django_db_blocker: DjangoDbBlocker) -> Iterator[World]:
    """The demo world with its sentinels, built once and rolled back after the module."""
    with django_db_blocker.unblock(), translation.override("en"), transaction.atomic():
        yield _build()
        transaction.set_rollback(True)


@pytest.fixture(autouse=True)
def demo_mfa_exempt(settings: Any) -> None:
    """The demo operators have no TOTP device: as demo accounts they may be waived."""
    settings.INTRECCIO_DEMO_MFA_EXEMPT = True


# --- the crawl ------------------------------------------------------------------------------------


def _first(queryset: Any, n: int = 2) -> list[Any]:
    return list(queryset.order_by("pk")[:n])


def _pairs(parent: str, child: str, rows: list[Any], attr: str) -> list[dict[str, int]]:
    return [{parent: getattr(row, attr), child: row.pk} for row in rows]


def _values(name: str, params: list[str], w: World) -> list[dict[str, Any]]:
    """Every way of filling the URL's arguments from the demo world (empty: none we can fill)."""
    app = name.split(":")[0] if ":" in name else ""
    cases = list(Case.objects.filter(ambito=w.ambito).order_by("pk"))
    case_pks = [c.pk for c in cases]
    persons: set[int] = {c.person_id for c in cases if c.person_id is not None}
    persons |= set(HouseholdMember.objects.filter(household__cases__in=cases).values_list("person_id", flat=True))
    persons |= {p.pk for p in _first(Person.objects.exclude(pk__in=persons), 3)}
    households = list(Household.objects.filter(members__person_id__in=persons).distinct().order_by("pk"))
    intakes = list(Intake.objects.filter(ambito=w.ambito).order_by("pk").values_list("pk", flat=True))
    plans = list(Plan.objects.filter(case__in=cases).order_by("pk"))
    by_name: dict[str, list[dict[str, Any]]] = {}
    if app == "cases":
        by_name = {
            "cases:case_open": [{"intake_pk": pk} for pk in intakes],
            "cases:intake_case_link": [{"intake_pk": pk} for pk in intakes],
            "cases:case_section": [{"pk": pk, "section": s} for pk in case_pks for s in Section.values],
            "cases:case_action": [{"pk": w.galli.pk, "action": a} for a in ACTIONS],
        }
        return by_name.get(name, [{"pk": pk} for pk in case_pks])
    if app in {"plans", "assessments", "meetings", "referrals"} and params == ["case_pk"]:
        return [{"case_pk": pk} for pk in case_pks]
    if app == "referrals":
        return [
            {"pk": pk} for pk in Referral.objects.filter(case__in=cases).order_by("pk").values_list("pk", flat=True)
        ]
    if app == "blackout":
        # The Galli case's notes and assessments, where the sentinels are (and the demo's blacked-out note).
        if name == "blackout:record_note":
            notes = CaseNote.objects.filter(case=w.galli).order_by("pk").values_list("pk", flat=True)
            return [{"note_pk": pk} for pk in notes]
        if name == "blackout:record_assessment":
            assessments = Assessment.objects.filter(case=w.galli).order_by("pk").values_list("pk", flat=True)
            return [{"assessment_pk": pk} for pk in assessments]
        return [
            {"pk": pk} for pk in Blackout.objects.filter(case__in=cases).order_by("pk").values_list("pk", flat=True)
        ]
    if app == "breakglass":
        grants = BreakGlassGrant.objects.filter(case__in=cases).order_by("pk").values_list("pk", flat=True)
        return [{"pk": pk} for pk in grants]
    if app == "rights":
        # Mr Galli's request, and one of the demo's (each request has a PDF: a few are enough).
        in_ambito = DataSubjectRequest.objects.filter(ambito=w.ambito)
        galli = Q(person__cases=w.galli)
        requests = list(in_ambito.filter(galli).order_by("pk"))
        requests += _first(in_ambito.exclude(galli), 1)
        if params == ["person_pk"]:
            # The person of the sentinels, and whoever has a request: not every person of the ambito.
            concerned = {w.galli.person_id} | {r.person_id for r in requests}
            return [{"person_pk": pk} for pk in sorted(pk for pk in concerned if pk is not None)]
        return [{"pk": r.pk} for r in requests]
    if app == "retention":
        holds = LegalHold.objects.filter(Q(case__in=cases) | Q(person_id__in=persons)).order_by("pk")
        return [{"pk": pk} for pk in holds.values_list("pk", flat=True)]
    if app == "plans":
        items: list[dict[str, Any]] = []
        for kind, model in (("goal", Goal), ("commitment", Commitment), ("intervention", PlannedIntervention)):
            items += [{"pk": i.plan_id, "kind": kind, "item_pk": i.pk} for i in model.objects.filter(plan__in=plans)]
        by_name = {
            "plans:item_add": [{"pk": p.pk, "kind": k} for p in plans for k in ("goal", "commitment", "intervention")],
            "plans:item_edit": items,
            "plans:item_remove": items,
            "plans:deviation_explain": _pairs(
                "pk", "item_pk", list(Deviation.objects.filter(plan__in=plans)), "plan_id"
            ),
            "plans:intervention_start": [
                {"pk": i["pk"], "item_pk": i["item_pk"]} for i in items if i["kind"] == "intervention"
            ],
        }
        return by_name.get(name, [{"pk": p.pk} for p in plans])
    if app == "assessments":
        return [{"pk": a.pk} for a in Assessment.objects.filter(case__in=cases).order_by("pk")]
    if app == "meetings":
        meetings = list(Meeting.objects.filter(case__in=cases).order_by("pk"))
        by_name = {
            "meetings:booking_status": _pairs(
                "pk", "booking_pk", list(MediatorBooking.objects.filter(meeting__in=meetings)), "meeting_id"
            ),
            "meetings:mediator_update": [{"pk": m.pk} for m in _first(Mediator.objects.filter(ambito=w.ambito))],
        }
        return by_name.get(name, [{"pk": m.pk} for m in meetings])
    if app == "people":
        reps = list(LegalRepresentative.objects.filter(person_id__in=persons))
        members = list(HouseholdMember.objects.filter(household__in=households))
        supports = list(IncomeSupport.objects.filter(household__in=households))
        by_name = {
            "people:consent_withdraw": _pairs(
                "person_pk", "pk", list(Consent.objects.filter(person_id__in=persons)), "person_id"
            ),
            "people:legal_representative_end": _pairs("person_pk", "pk", reps, "person_id"),
            "people:household_member_leave": _pairs("pk", "member_pk", members, "household_id"),
            "people:income_support_end": _pairs("pk", "support_pk", supports, "household_id"),
        }
        if name in by_name:
            return by_name[name]
        if params == ["person_pk"]:
            return [{"person_pk": pk} for pk in sorted(persons)]
        if name.startswith("people:person_"):
            return [{"pk": pk} for pk in sorted(persons)]
        return [{"pk": h.pk} for h in households]
    if app == "access":
        if params == ["person_pk"]:
            return [{"person_pk": pk} for pk in sorted(persons)]
        if params == ["pk"]:
            return [{"pk": pk} for pk in intakes]
        return []  # the import's token comes from an upload
    if app == "catalogue":
        packages = _first(AssistancePackage.objects.filter(ambito=w.ambito))
        if name == "catalogue:package_item_remove":
            return _pairs("pk", "item_pk", _first(PackageItem.objects.filter(package__in=packages)), "package_id")
        if name.startswith("catalogue:service"):
            return [{"pk": s.pk} for s in _first(Service.objects.filter(ambito=w.ambito))]
        return [{"pk": p.pk} for p in packages]
    if app == "accounts":
        organisation = Organisation.objects.filter(ambito=w.ambito).order_by("pk").first()
        assert organisation is not None
        by_name = {
            "accounts:structure_create": [{"organisation_pk": organisation.pk}],
            "accounts:membership_add": [{"operator_pk": w.operators["cpi"].pk}],
            "accounts:membership_end": [{"pk": _membership(w.operators["cpi"]).pk}],
            "accounts:team_member_remove": _pairs(
                "pk", "member_pk", _first(TeamMember.objects.filter(team__ambito=w.ambito)), "team_id"
            ),
        }
        if name in by_name:
            return by_name[name]
        if name.startswith("accounts:organisation"):
            return [{"pk": organisation.pk}]
        if name.startswith("accounts:structure"):
            return [{"pk": s.pk} for s in _first(Structure.objects.filter(organisation=organisation))]
        if name.startswith("accounts:team"):
            return [{"pk": t.pk} for t in _first(Team.objects.filter(ambito=w.ambito))]
        return [{"pk": w.operators[u].pk} for u in ("cpi", "sanitario")]
    if app == "territory":
        return [{"pk": w.ambito.pk}]
    return []


def crawl_urls(w: World) -> list[tuple[str, str, bool]]:
    """(URL name, URL, htmx) for every named URL we can fill, plus searches and list filters."""
    urls: list[tuple[str, str, bool]] = []
    for name, route in sorted(set(iter_url_patterns())):
        if name in SKIPPED or "(?P<" in route or "^" in route:
            continue
        params = PARAM.findall(route)
        fillings = _values(name, params, w) if params else [{}]
        for kwargs in fillings:
            url = reverse(name, kwargs=kwargs)
            urls.append((name, url, False))
            if name in HTMX_NAMES:
                urls.append((name, url, True))
    person = w.galli.person
    assert person is not None
    searches = {person.last_name, f"{person.first_name} {person.last_name}", person.fiscal_code or person.last_name}
    for query in sorted(searches):
        for name in ("people:person_search", "people:person_search_results", "access:person_search"):
            url = f"{reverse(name)}?q={query.replace(' ', '+')}"
            urls += [(name, url, False), (name, url, True)]
    caseload = reverse("cases:caseload")
    for query in ("status=", "scope=ambito&status=", "prevalent_need=addiction_mental_health&status="):
        urls.append(("cases:caseload", f"{caseload}?{query}", False))
    for pk in Case.objects.filter(ambito=w.ambito).values_list("pk", flat=True):
        detail = reverse("cases:case_detail", args=[pk])
        urls += [("cases:case_detail", f"{detail}?section={s}", False) for s in (Section.HEALTH, Section.WORK)]
    intakes = reverse("access:intake_list")
    urls += [("access:intake_list", f"{intakes}?status={s}", False) for s in ("", "forwarded", "taken_in_charge")]
    # The change history of the case notes, as a whole table and for the SerD's note.
    history = reverse("history:row_changes")
    urls.append(("history:row_changes", f"{history}?table=cases_casenote", False))
    serd_note = CaseNote.objects.filter(case=w.galli, author=w.operators["sanitario"]).order_by("-pk").first()
    if serd_note is not None:
        urls.append(("history:row_changes", f"{history}?table=cases_casenote&row={serd_note.pk}", False))
    return urls


def _pdf_text(content: bytes) -> str:
    assert PDFTOTEXT is not None, "poppler-utils (pdftotext) is needed to read the pact"
    done = subprocess.run([PDFTOTEXT, "-q", "-", "-"], input=content, capture_output=True, check=True)  # noqa: S603
    return done.stdout.decode("utf-8", "replace")


def body_text(response: Any) -> str:
    content = b"".join(response.streaming_content) if response.streaming else response.content
    if response.get("Content-Type", "").startswith("application/pdf"):
        text = _pdf_text(content)
        # A long word may be broken across lines in a PDF: read it without whitespace as well.
        return text + "\n" + re.sub(r"\s+", "", text)
    return str(content.decode("utf-8", "replace"))


@dataclass
class Fetched:
    name: str
    url: str
    htmx: bool
    status: int
    content_type: str
    text: str


def fetch_all(operator: Operator, urls: list[tuple[str, str, bool]]) -> list[Fetched]:
    client = Client(raise_request_exception=False)
    client.force_login(operator)
    fetched = []
    for name, url, htmx in urls:
        headers = {"HX-Request": "true"} if htmx else {}
        response = client.get(url, headers=headers)
        text = body_text(response) if response.status_code == 200 else ""
        fetched.append(Fetched(name, url, htmx, response.status_code, response.get("Content-Type", ""), text))
    return fetched


def _found(fetched: list[Fetched], sentinels: dict[str, str]) -> list[tuple[Fetched, str]]:
    return [(page, s) for page in fetched for s in sentinels if s in page.text]


@pytest.fixture(scope="module")
def crawled(world: World, django_db_blocker: DjangoDbBlocker) -> dict[str, list[Fetched]]:
    """Every crawlable URL fetched once per role, inside the module's rolled-back transaction."""
    with django_db_blocker.unblock(), override_settings(INTRECCIO_DEMO_MFA_EXEMPT=True), transaction.atomic():
        urls = crawl_urls(world)
        result = {username: fetch_all(world.operators[username], urls) for username in CRAWLED}
        transaction.set_rollback(True)
    return result


# --- the proof ------------------------------------------------------------------------------------


def test_no_health_or_serd_sentinel_reaches_cpi_coordinator_or_educator(
    world: World, crawled: dict[str, list[Fetched]]
) -> None:
    leaks = [
        f"{username} GET {page.url}{' (htmx)' if page.htmx else ''} [{page.name}]: {s} – {world.forbidden[s]}"
        for username, pages in crawled.items()
        for page, s in _found(pages, world.forbidden)
    ]
    assert not leaks, "Sentinels leaked:\n" + "\n".join(leaks)


def test_the_crawl_is_broad_and_reads_every_kind_of_body(world: World, crawled: dict[str, list[Fetched]]) -> None:
    print("planted:", *(f"{s} – {where}" for s, where in world.forbidden.items()), sep="\n  ")
    planted = {re.sub(r"^QZ|[0-9A-F]{8}$", "", s) for s in world.forbidden}
    assert planted == {
        "SERDNOTE",
        "CPSNOTE",
        "DISNOTE",
        "ASSESSDONE",
        "ASSESSDRAFT",
        "GOALHEALTH",
        "COMMITHEALTH",
        "DEVHEALTH",
    }, planted
    errors = [f"{u} {p.url}: {p.status}" for u, pages in crawled.items() for p in pages if p.status >= 500]
    assert not errors, "Server errors during the crawl:\n" + "\n".join(errors)
    for username, pages in crawled.items():
        ok = [p for p in pages if p.status == 200]
        names = {p.name for p in ok}
        print(f"{username}: {len(pages)} URLs fetched, {len(ok)} with 200, {len(names)} distinct URL names")
        assert len(ok) >= 60, (username, len(ok))
    cpi_ok = {p.name for p in crawled["cpi"] if p.status == 200}
    # The pages where health content would show if a filter failed are among those read.
    for name in (
        "cases:case_detail",
        "cases:case_section",
        "cases:case_timeline",
        "plans:plan_edit",
        "plans:pact_pdf",
        "assessments:assessment_detail",
        "assessments:compare",
        "people:person_detail",
        "people:person_search_results",
        "meetings:ics",
    ):
        assert name in cpi_ok, f"the CPI operator never got a 200 from {name}"
    pdfs = [p for p in crawled["cpi"] if p.name == "plans:pact_pdf" and p.status == 200]
    assert pdfs and all(p.content_type.startswith("application/pdf") and p.text.strip() for p in pdfs)
    # The pages of referrals, emergency access, blackout, rights, retention, history and oversight
    # are fetched with their arguments filled in…
    fetched = {p.name for pages in crawled.values() for p in pages}
    for name in NEW_PAGES:
        assert name in fetched, f"{name} is not crawled: its arguments are not filled in"
    # …and read where the roles crawled may read them.
    for username, expected in NEW_PAGES_READ.items():
        read = {p.name for p in crawled[username] if p.status == 200}
        assert not expected - read, (username, sorted(expected - read))


def test_positive_controls_are_found_by_the_crawl(world: World, crawled: dict[str, list[Fetched]]) -> None:
    """Sentinels planted where the CPI operator may read are found: the crawl looks where leaks would be."""
    found = _found(crawled["cpi"], world.visible)
    for sentinel, where in world.visible.items():
        assert any(s == sentinel for _page, s in found), f"control not found by the crawl: {where}"
    pdf_hits = [p for p, s in found if s == world.common_goal and p.name == "plans:pact_pdf"]
    assert pdf_hits, "the common-section goal is not in the CPI operator's pact PDF: the PDF check reads nothing"
    section = [p for p, _s in found if p.name == "cases:case_section" and p.htmx]
    assert section, "the common-section note is not in the htmx section fragment"


def test_timeline_does_not_reveal_the_serd_note(world: World, crawled: dict[str, list[Fetched]]) -> None:
    """Not even the sentence "… wrote a note in the section Health" reaches the CPI operator."""
    serd = world.operators["sanitario"]
    name = serd.get_full_name()
    labels, sentences = [], []
    for language in ("en", "it"):
        with translation.override(language):
            label = str(Section.HEALTH.label)
            labels.append(label)
            sentences.append(NOTE_SENTENCE() % {"actor": name, "section": label})
    timelines = [
        p
        for p in crawled["cpi"]
        if p.name == "cases:case_timeline" and p.url == reverse("cases:case_timeline", args=[world.galli.pk])
    ]
    assert timelines and all(p.status == 200 for p in timelines)
    for page in timelines:
        for sentence in sentences:
            assert sentence not in page.text, (page.url, sentence)
        for label in labels:
            assert f"“{label}”" not in page.text, (page.url, label)
    # Control: the SerD operator's own timeline tells of the note.
    client = Client()
    client.force_login(serd)
    with translation.override("en"):
        own = client.get(reverse("cases:case_timeline", args=[world.galli.pk]), headers={"HX-Request": "true"})
    assert own.status_code == 200
    assert any(sentence in own.content.decode() for sentence in sentences)


def _get(operator: Operator, url: str, htmx: bool = False) -> tuple[int, str]:
    client = Client()
    client.force_login(operator)
    response = client.get(url, headers={"HX-Request": "true"} if htmx else {})
    return response.status_code, body_text(response)


def test_serd_operator_reads_its_own_note_and_cps_does_not(world: World) -> None:
    url = reverse("cases:case_section", args=[world.galli.pk, Section.HEALTH])
    status, text = _get(world.operators["sanitario"], url, htmx=True)
    assert status == 200
    assert world.serd_note in text
    assert world.cps_note in text
    # The other health service of the same trust reads its own health note, never the SerD's.
    status, text = _get(world.cps, url, htmx=True)
    assert status == 200
    assert world.cps_note in text
    assert world.serd_note not in text


def test_case_manager_sees_the_case_and_the_whole_plan(world: World) -> None:
    manager = world.galli.case_manager
    status, text = _get(manager, reverse("cases:case_detail", args=[world.galli.pk]))
    assert status == 200
    assert world.galli.number and world.galli.number in text
    # The case manager plans every part of the project, the therapeutic path included.
    plan = Plan.objects.filter(case=world.galli).order_by("-pk").first()
    assert plan is not None
    status, text = _get(manager, reverse("plans:plan_edit", args=[plan.pk]))
    assert status == 200
    assert world.health_goal in text
    assert world.common_goal in text
    # …but not the SerD's notes: the case's notes keep their own rules.
    status, text = _get(manager, reverse("cases:case_detail", args=[world.galli.pk]) + "?section=health")
    assert status == 200
    assert world.serd_note not in text


def test_a_sentinel_planted_in_the_common_section_is_caught_for_the_cpi_operator(world: World) -> None:
    """The leak detector itself: a sentinel the CPI operator may read is reported as found."""
    probe = _sentinel("PROBE")
    with transaction.atomic():
        case_services.case_note_add(
            request=_request(world.galli.case_manager),
            case=world.galli,
            section=Section.COMMON,
            text=_text(probe, "prova"),
        )
        urls = [u for u in crawl_urls(world) if u[0] in {"cases:case_detail", "cases:case_section"}]
        pages = fetch_all(world.operators["cpi"], urls)
        transaction.set_rollback(True)
    hits = _found(pages, {probe: "probe"})
    assert hits, "a sentinel in the common section went unnoticed"


def test_intake_notes_about_health_stay_out_of_the_cpi_operators_pages(
    world: World, crawled: dict[str, list[Fetched]]
) -> None:
    """Intake notes are special category (a health need, here an addiction relapse). The CPI
    operator sits in the demo's coordination group, but coordination is not a CPI operator's job
    (cases/permissions.py grants it to coordinators, social workers and case managers only): acting
    as CPI operator they must see neither the forwarded intake nor its notes.
    """
    assert world.intake is not None
    leaks = [
        f"GET {page.url}{' (htmx)' if page.htmx else ''} [{page.name}]"
        for page, _s in _found(crawled["cpi"], {world.intake_sentinel: "intake notes"})
    ]
    assert not leaks, "Health intake notes reach the CPI operator:\n" + "\n".join(leaks)
    # Control: the coordination group's chair reads them, so the crawl would see them.
    coordinator_hits = _found(crawled["coordinatore"], {world.intake_sentinel: "intake notes"})
    assert coordinator_hits, "the coordinator never reads the intake notes: the check would prove nothing"


def test_the_referral_recipient_reads_the_shared_sections_without_health(
    world: World, crawled: dict[str, list[Fetched]]
) -> None:
    """The referral shares the common and work sections: its recipient reads them, never the health notes."""
    assert world.referral is not None
    url = reverse("referrals:referral_detail", args=[world.referral.pk])
    pages = [p for p in crawled["coordinatore"] if p.url == url]
    assert pages and all(p.status == 200 for p in pages)
    for page in pages:
        # Control: the minimum dataset is on the page the crawl read.
        assert world.common_note in page.text
        assert not [s for s in world.forbidden if s in page.text], page.url
