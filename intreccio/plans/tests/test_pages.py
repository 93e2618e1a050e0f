"""Plan pages per role and relation, the printed pact, similar cases, routing, reminders, audit rows."""

from __future__ import annotations

import datetime
import subprocess
import tempfile
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core import mail
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from intreccio.access.models import Channel, Intake, IntakeStatus, Need, Source
from intreccio.accounts.models import Operator
from intreccio.audit.models import AccessEvent
from intreccio.cases import services as case_services
from intreccio.cases.models import Case, Section
from intreccio.cases.tests.conftest import TODAY, Net
from intreccio.people.models import NoFiscalCodeReason
from intreccio.people.tests.factories import PersonFactory
from intreccio.plans import services
from intreccio.plans.models import CheckIn, CheckInReminder, Goal, PactSubtype, PactType, Plan, PlanStatus
from intreccio.plans.routing import Route, RoutingProfile, suggest_paths
from intreccio.plans.tests.conftest import (
    HEALTH_SENTINEL,
    Catalogue,
    draft_plan,
    fill_plan,
    give_profile,
    open_case,
    validated_plan,
)

pytestmark = pytest.mark.django_db


def client_for(operator: Operator) -> Client:
    """A signed-in client reading the pages in English, the language of the msgids."""
    client = Client()
    client.force_login(operator)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def health_goal(net: Net, plan: Plan) -> None:
    plan.refresh_from_db()
    services.goal_add(
        request=net.request(net.alice),
        plan=plan,
        version=plan.version,
        data=services.GoalData(
            text=f"Seguire il programma terapeutico {HEALTH_SENTINEL}",
            indicator="Presenze",
            due_on=TODAY,
            section=Section.HEALTH,
        ),
    )


def pdf_text(content: bytes) -> str:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "pact.pdf"
        path.write_bytes(content)
        # A fixed argument list with a path we made: no shell, no outside input.
        return subprocess.run(  # noqa: S603
            ["pdftotext", "-layout", str(path), "-"],  # noqa: S607
            capture_output=True,
            text=True,
            check=True,
        ).stdout


def second_case(net: Net, first_name: str = "Marco") -> Case:
    person = PersonFactory.create(registered_by=net.social.organisation, first_name=first_name, last_name="Bianchi")
    received = TODAY - datetime.timedelta(days=30)
    intake = Intake.objects.create(
        ambito=net.ambito,
        structure=net.social,
        recorded_by=net.alice,
        person=person,
        received_on=received,
        channel=Channel.IN_PERSON,
        source=Source.SELF,
        prevalent_need=Need.WORK,
        status=IntakeStatus.FORWARDED,
        outcome_on=received,
        forwarded_to=net.group,
    )
    return open_case(net, intake=intake)


class TestPanelAndEditor:
    def test_the_panel_shows_status_goals_and_next_check_in(self, net: Net, case: Case, cat: Catalogue) -> None:
        plan = validated_plan(net, case, cat)
        services.checkin_record(
            request=net.request(net.alice),
            plan=plan,
            version=plan.version,
            data=services.CheckInData(held_on=TODAY, outcome="Bene."),
        )
        html = client_for(net.alice).get(reverse("plans:case_panel", args=[case.pk])).content.decode()
        assert "Trovare un lavoro stabile" in html
        assert (TODAY + datetime.timedelta(days=90)).strftime("%d/%m/%Y") in html
        assert reverse("plans:pact_pdf", args=[plan.pk]) in html

    @pytest.mark.parametrize("who", ["dario", "olga"])
    def test_off_the_case_is_404_and_nothing_recorded(self, net: Net, case: Case, cat: Catalogue, who: str) -> None:
        plan = fill_plan(net, draft_plan(net, case), cat)
        before = AccessEvent.objects.count()
        client = client_for(getattr(net, who))
        for url in (
            reverse("plans:case_panel", args=[case.pk]),
            reverse("plans:plan_edit", args=[plan.pk]),
            reverse("plans:pact_pdf", args=[plan.pk]),
            reverse("plans:validation", args=[plan.pk]),
        ):
            assert client.get(url).status_code == 404, url
        assert AccessEvent.objects.count() == before

    def test_the_cpi_operator_reads_the_plan_without_its_health_part(
        self, net: Net, case: Case, cat: Catalogue
    ) -> None:
        plan = fill_plan(net, draft_plan(net, case), cat)
        health_goal(net, plan)
        own = client_for(net.alice).get(reverse("plans:plan_edit", args=[plan.pk])).content.decode()
        assert HEALTH_SENTINEL in own
        cpi = client_for(net.bob).get(reverse("plans:plan_edit", args=[plan.pk]))
        assert cpi.status_code == 200
        html = cpi.content.decode()
        assert HEALTH_SENTINEL not in html
        assert "Trovare un lavoro stabile" in html
        assert "Add a goal" not in html  # reads, does not write
        panel = client_for(net.bob).get(reverse("plans:case_panel", args=[case.pk])).content.decode()
        assert HEALTH_SENTINEL not in panel

    def test_reads_are_recorded_with_the_sections_shown(self, net: Net, case: Case, cat: Catalogue) -> None:
        plan = fill_plan(net, draft_plan(net, case), cat)
        health_goal(net, plan)
        client_for(net.alice).get(reverse("plans:plan_edit", args=[plan.pk]))
        rows = AccessEvent.objects.filter(actor=net.alice, object_id=str(case.pk)).values_list("section", "purpose")
        assert ("common", "plan_edit") in rows and ("health", "plan_edit") in rows

    def test_adding_a_goal_through_the_page(self, net: Net, case: Case) -> None:
        plan = draft_plan(net, case)
        client = client_for(net.alice)
        response = client.post(
            reverse("plans:item_add", args=[plan.pk, "goal"]),
            {
                "goal-version": plan.version,
                "goal-text": "Completare il corso",
                "goal-indicator": "Attestato",
                "goal-due_on": TODAY.strftime("%d/%m/%Y"),
                "goal-section": "common",
            },
        )
        assert response.status_code == 302
        assert Goal.objects.get().text == "Completare il corso"

    def test_a_commitment_without_an_owner_is_shown_on_its_field(self, net: Net, case: Case) -> None:
        plan = draft_plan(net, case)
        response = client_for(net.alice).post(
            reverse("plans:item_add", args=[plan.pk, "commitment"]),
            {"commitment-version": plan.version, "commitment-text": "Fare", "commitment-section": "common"},
        )
        assert response.status_code == 400
        assert "Every commitment has an owner" in response.content.decode()

    def test_a_stale_save_shows_the_conflict_and_keeps_the_text(self, net: Net, case: Case) -> None:
        plan = draft_plan(net, case)
        data = {
            "goal-version": plan.version,
            "goal-text": "Testo che non va perso",
            "goal-indicator": "X",
            "goal-due_on": TODAY.strftime("%d/%m/%Y"),
            "goal-section": "common",
        }
        client = client_for(net.alice)
        client.post(reverse("plans:item_add", args=[plan.pk, "goal"]), data)
        response = client.post(reverse("plans:item_add", args=[plan.pk, "goal"]), data)
        assert response.status_code == 409
        assert "Testo che non va perso" in response.content.decode()
        assert Goal.objects.count() == 1

    def test_the_live_comparison_previews_without_saving(self, net: Net, case: Case, cat: Catalogue) -> None:
        plan = fill_plan(net, draft_plan(net, case), cat)
        response = client_for(net.alice).get(
            reverse("plans:comparison_preview", args=[plan.pk]),
            {"intervention-service": str(cat.puc.pk), "intervention-quantity": "2", "intervention-basis": "total",
             "intervention-months": "12"},
        )  # fmt: skip
        html = response.content.decode()
        assert "is not in the package" in html and "not saved yet" in html
        assert plan.interventions.count() == 2

    def test_the_editor_query_count_stays_flat(self, net: Net, case: Case, cat: Catalogue) -> None:
        plan = fill_plan(net, draft_plan(net, case), cat)
        client = client_for(net.alice)
        url = reverse("plans:plan_edit", args=[plan.pk])
        client.get(url)
        with CaptureQueriesContext(connection) as few:
            client.get(url)
        for n in range(6):
            plan.refresh_from_db()
            services.goal_add(
                request=net.request(net.alice),
                plan=plan,
                version=plan.version,
                data=services.GoalData(text=f"Obiettivo {n}", indicator="I", due_on=TODAY),
            )
            plan.refresh_from_db()
            services.intervention_add(
                request=net.request(net.alice),
                plan=plan,
                version=plan.version,
                data=services.InterventionData(service=cat.gen, provider=cat.asst, quantity=Decimal(n + 1)),
            )
        with CaptureQueriesContext(connection) as many:
            client.get(url)
        assert len(many) == len(few)


class TestValidationPage:
    def test_deviations_are_highlighted_with_their_reasons(self, net: Net, case: Case, cat: Catalogue) -> None:
        plan = fill_plan(net, draft_plan(net, case), cat)
        services.intervention_add(
            request=net.request(net.alice),
            plan=plan,
            version=plan.version,
            data=services.InterventionData(service=cat.puc, provider=cat.coop, quantity=Decimal("2")),
        )
        plan.refresh_from_db()
        services.deviation_explain(
            request=net.request(net.alice),
            plan=plan,
            version=plan.version,
            deviation=plan.deviations.get(),
            reason="Attività sociale per la rete",
        )
        plan.refresh_from_db()
        services.plan_submit(request=net.request(net.alice), plan=plan, version=plan.version)
        html = client_for(net.carla).get(reverse("plans:validation", args=[plan.pk])).content.decode()
        assert "is not in the package" in html and "Attività sociale per la rete" in html
        assert "No similar validated case yet" in html

    def test_the_most_similar_validated_cases_by_profile(self, net: Net, case: Case, cat: Catalogue) -> None:
        # Two validated cases of class C; the one with the closer care level comes first. A class-A case is left out.
        near = second_case(net, "Nicola")
        give_profile(near, "C", care_level=1)
        validated_plan(net, near, cat)
        far = second_case(net, "Fabio")
        give_profile(far, "C", care_level=4)
        validated_plan(net, far, cat)
        other = second_case(net, "Otto")
        give_profile(other, "A", care_level=1)
        validated_plan(net, other, cat)
        plan = fill_plan(net, draft_plan(net, case), cat)
        plan = services.plan_submit(request=net.request(net.alice), plan=plan, version=plan.version)
        response = client_for(net.carla).get(reverse("plans:validation", args=[plan.pk]))
        html = response.content.decode()
        assert html.index(near.number or "") < html.index(far.number or "")
        assert (other.number or "") not in html
        assert "Bianchi" not in html  # case numbers only
        assert "No similar validated case yet" not in html
        assert AccessEvent.objects.filter(purpose="similar_cases", object_id=str(near.pk)).exists()

    def test_only_the_coordination_group_validates(self, net: Net, case: Case, cat: Catalogue) -> None:
        plan = fill_plan(net, draft_plan(net, case), cat)
        plan = services.plan_submit(request=net.request(net.alice), plan=plan, version=plan.version)
        assert client_for(net.alice).get(reverse("plans:validation", args=[plan.pk])).status_code == 404
        response = client_for(net.alice).post(reverse("plans:plan_validate", args=[plan.pk]), {"version": plan.version})
        assert response.status_code == 404
        response = client_for(net.carla).post(
            reverse("plans:plan_validate", args=[plan.pk]), {"version": plan.version, "note": ""}
        )
        assert response.status_code == 302
        plan.refresh_from_db()
        assert plan.status == PlanStatus.VALIDATED


class TestRouting:
    def test_no_work_path(self) -> None:
        routing = suggest_paths(RoutingProfile("D", ""))
        assert routing.route == Route.NO_WORK_PATH
        assert [s.key for s in routing.suggestions] == ["therapeutic", "parenting", "work_life", "puc"]
        assert suggest_paths(RoutingProfile("", "social")).route == Route.NO_WORK_PATH

    def test_low_and_higher_employability(self) -> None:
        assert [s.key for s in suggest_paths(RoutingProfile("C")).suggestions] == [
            "training",
            "job_search",
            "internship",
        ]
        assert [s.key for s in suggest_paths(RoutingProfile("B")).suggestions] == ["job_search", "internship", "cpi"]
        assert suggest_paths(None).route == Route.UNKNOWN

    def test_suggestions_match_catalogue_services(self, cat: Catalogue) -> None:
        no_work = suggest_paths(RoutingProfile("D"))
        assert no_work.suggested(cat.puc) and no_work.suggested(cat.serd) and no_work.suggested(cat.gen)
        assert not no_work.suggested(cat.tir)
        assert suggest_paths(RoutingProfile("C")).suggested(cat.tir)

    def test_the_new_plan_page_shows_the_routing(self, net: Net, case: Case) -> None:
        html = client_for(net.alice).get(reverse("plans:plan_new", args=[case.pk])).content.decode()
        assert "Low employability (class C)" in html and "Internships towards work" in html


class TestMonitoring:
    def test_due_and_overdue_check_ins_for_the_case_manager(self, net: Net, case: Case, cat: Catalogue) -> None:
        plan = validated_plan(net, case, cat)
        held = case.taken_in_charge_on
        services.checkin_record(
            request=net.request(net.alice),
            plan=plan,
            version=plan.version,
            data=services.CheckInData(held_on=held, outcome="Primo incontro."),
        )
        Case.objects.filter(pk=case.pk).update(review_every_days=7)
        CheckIn.objects.update(next_due_on=held + datetime.timedelta(days=7))
        response = client_for(net.alice).get(reverse("plans:due_checkins"))
        html = response.content.decode()
        assert str(case.number) in html and "days overdue" in html
        assert str(case.number) not in client_for(net.dario).get(reverse("plans:due_checkins")).content.decode()

    def test_reminders_are_sent_once_a_day(
        self, net: Net, case: Case, cat: Catalogue, django_capture_on_commit_callbacks: Any
    ) -> None:
        plan = validated_plan(net, case, cat)
        Plan.objects.filter(pk=plan.pk).update(validated_on=TODAY - datetime.timedelta(days=95))
        mail.outbox.clear()
        with django_capture_on_commit_callbacks(execute=True):
            call_command("send_checkin_reminders", stdout=open("/dev/null", "w"))  # noqa: SIM115
        assert len(mail.outbox) == 1
        assert mail.outbox[0].to == ["alice@example.org"]
        assert str(case.number) in str(mail.outbox[0].body) and "overdue by 5 days" in mail.outbox[0].body
        assert "Ferrari" not in mail.outbox[0].body
        with django_capture_on_commit_callbacks(execute=True):
            call_command("send_checkin_reminders", stdout=open("/dev/null", "w"))  # noqa: SIM115
        assert len(mail.outbox) == 1
        assert CheckInReminder.objects.count() == 1

    def test_the_check_in_page_records_goal_statuses(self, net: Net, case: Case, cat: Catalogue) -> None:
        plan = validated_plan(net, case, cat)
        goal = plan.goals.get()
        data = {
            "version": plan.version,
            "held_on": TODAY.strftime("%d/%m/%Y"),
            "outcome": "Bene",
            f"goal_{goal.pk}": "achieved",
        }
        for c in plan.commitments.all():
            data[f"commitment_{c.pk}"] = ""
        response = client_for(net.alice).post(reverse("plans:checkin_new", args=[plan.pk]), data)
        assert response.status_code == 302
        checkin = CheckIn.objects.get()
        assert checkin.realised_percent == 33
        goal.refresh_from_db()
        assert goal.status == "achieved"

    def test_a_check_in_before_the_case_opened_is_refused_on_its_field(
        self, net: Net, case: Case, cat: Catalogue
    ) -> None:
        plan = validated_plan(net, case, cat)
        goal = plan.goals.get()
        before = (case.taken_in_charge_on - datetime.timedelta(days=3)).strftime("%d/%m/%Y")
        data = {"version": plan.version, "held_on": before, "outcome": "x", f"goal_{goal.pk}": "open"}
        response = client_for(net.alice).post(reverse("plans:checkin_new", args=[plan.pk]), data)
        assert response.status_code == 200
        assert "cannot be dated before the case was taken in charge" in response.content.decode()
        assert not CheckIn.objects.exists()


class TestPrintedPact:
    def test_the_pdf_is_italian_with_amounts_signatures_and_no_health(
        self, net: Net, case: Case, cat: Catalogue
    ) -> None:
        plan = validated_plan(net, case, cat, pact_type=PactType.GENERATIVE, subtype=PactSubtype.AUTONOMY)
        Plan.objects.filter(pk=plan.pk).update(status=PlanStatus.SENT_BACK)
        plan.refresh_from_db()
        health_goal(net, plan)
        Plan.objects.filter(pk=plan.pk).update(status=PlanStatus.VALIDATED)
        net.person.fiscal_code, net.person.no_fiscal_code_reason = "FRRGLI90A41D150X", ""
        net.person.save(update_fields=["fiscal_code", "no_fiscal_code_reason"])
        response = client_for(net.bob).get(reverse("plans:pact_pdf", args=[plan.pk]))
        assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
        text = pdf_text(response.content)
        expected: str
        for expected in (
            "Patto gener-attivo – per l'autonomia",
            "Ambito Cremonese",
            str(case.number),
            "Ferrari Giulia",
            "FRRGLI90A41D150X",
            "Obiettivi",
            "Trovare un lavoro stabile",
            "Impegni della persona",
            "Partecipare ai colloqui di orientamento",
            "CPI Cremona",
            "Tirocinio di inclusione",
            "€ 2.000,00",  # 4 months of internship at € 500
            "€ 2.350,00",
            "Validato dal gruppo di coordinamento operativo",
            "La persona: Ferrari Giulia",
            "Per il servizio: SerD",
            "Pagina 1 di",
        ):
            assert expected in text, expected
        assert HEALTH_SENTINEL not in text
        assert AccessEvent.objects.filter(actor=net.bob, purpose="print", object_id=str(case.pk)).exists()

    def test_a_protected_person_is_printed_by_pseudonym(self, net: Net, case: Case, cat: Catalogue) -> None:
        plan = validated_plan(net, case, cat)
        person = net.person
        person.fiscal_code = None
        person.no_fiscal_code_reason = NoFiscalCodeReason.PROTECTED_PSEUDONYM
        person.first_name, person.last_name = "Rosa", "Pseudonimo"
        person.save()
        text = pdf_text(client_for(net.alice).get(reverse("plans:pact_pdf", args=[plan.pk])).content)
        assert "Pseudonimo Rosa" in text and "persona protetta" in text

    def test_a_legal_representative_signs(self, net: Net, case: Case, cat: Catalogue) -> None:
        plan = draft_plan(net, case)
        services.plan_update(
            request=net.request(net.alice),
            plan=plan,
            version=plan.version,
            summary="",
            package=cat.low,
            pact=services.PactData(
                PactType.INCLUSION,
                signatory="legal_representative",
                representative_name="Avv. Paolo Neri",
                representative_capacity="amministratore di sostegno",
            ),
        )
        text = pdf_text(client_for(net.alice).get(reverse("plans:pact_pdf", args=[plan.pk])).content)
        assert "Il rappresentante legale: Avv. Paolo Neri" in text and "(amministratore di sostegno)" in text
        assert "Non ancora validato" in text

    def test_only_team_members_print(self, net: Net, case: Case, cat: Catalogue) -> None:
        plan = validated_plan(net, case, cat)
        # The coordination group reads the case but is not on its team.
        assert client_for(net.carla).get(reverse("plans:pact_pdf", args=[plan.pk])).status_code == 404


def test_case_manager_changes_leave_the_old_manager_out(net: Net, case: Case) -> None:
    plan = draft_plan(net, case)
    case.refresh_from_db()
    case_services.case_manager_change(
        request=net.request(net.carla),
        case=case,
        version=case.version,
        operator=net.dario,
        structure=net.social,
        reason="Cambio di area per carico di lavoro",
    )
    assert client_for(net.alice).get(reverse("plans:item_edit", args=[plan.pk, "goal", 1])).status_code == 404
