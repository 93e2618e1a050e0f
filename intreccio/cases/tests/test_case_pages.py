"""The case pages as the coordination group, the case manager, the CPI operator, the SerD and outsiders use them."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from intreccio.access.models import Need
from intreccio.audit.models import AccessEvent, DomainEvent
from intreccio.cases import services
from intreccio.cases.models import Case, CaseMember, CaseStatus, Section, TeamRole
from intreccio.cases.tests.conftest import Net
from intreccio.cases.tests.pages import bulk_cases, client_for, forwarded_intake, open_case, to_validated

pytestmark = pytest.mark.django_db

SENTINEL = "SENTINEL-HEALTH-7f3a"


def _text(response: Any) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


def _detail(case: Case) -> str:
    return reverse("cases:case_detail", args=[case.pk])


def _action(case: Case, action: str) -> str:
    return reverse("cases:case_action", args=[case.pk, action])


def _post(client: Client, case: Case, action: str, **fields: Any) -> Any:
    data = {f"{action}-version": fields.pop("version", case.version)}
    data.update({f"{action}-{k}": v for k, v in fields.items()})
    return client.post(_action(case, action), data)


def _accesses(case: Case) -> list[tuple[str, str]]:
    return list(
        AccessEvent.objects.filter(object_type="cases.case", object_id=str(case.pk))
        .order_by("seq")
        .values_list("section", "purpose")
    )


# --- allocation ---------------------------------------------------------------------------------------


class TestAllocation:
    def test_the_queue_lists_intakes_not_yet_taken_in_charge_urgent_first(self, net: Net) -> None:
        urgent = forwarded_intake(net, need=Need.HEALTH, status="urgent", urgency="urgent")
        taken = forwarded_intake(net)
        open_case(net, intake=taken, members=[(net.bob, net.cpi, TeamRole.CPI_TUTOR)])
        response = client_for(net.carla).get(reverse("cases:allocation_queue"))
        assert response.status_code == 200
        waiting = [row.intake for row in response.context["overview"].waiting]
        assert waiting == [urgent, net.intake]
        html = _text(response)
        assert reverse("cases:case_open", args=[net.intake.pk]) in html
        assert reverse("cases:case_open", args=[taken.pk]) not in html
        # What the group needs to set priorities: demand by need and priority, workload per case manager.
        assert response.context["overview"].demand[0]["total"] == 1
        assert response.context["overview"].workload[0]["n"] == 1
        assert AccessEvent.objects.filter(object_id="allocation_queue").count() == 1

    @pytest.mark.parametrize("who", ["alice", "bob", "dario", "sara", "olga"])
    def test_only_the_coordination_group_sees_the_queue(self, net: Net, who: str) -> None:
        client = client_for(getattr(net, who))
        assert client.get(reverse("cases:allocation_queue")).status_code == 404
        assert client.get(reverse("cases:case_open", args=[net.intake.pk])).status_code == 404
        link = client.get(reverse("cases:intake_case_link", args=[net.intake.pk]))
        assert (link.status_code, link.content) == (204, b"")

    def test_the_page_suggests_a_social_worker_and_a_cpi_operator_for_a_work_need(self, net: Net) -> None:
        response = client_for(net.carla).get(reverse("cases:case_open", args=[net.intake.pk]))
        assert response.status_code == 200
        allocation = response.context["allocation"]
        assert "work or poverty" in allocation.suggestion.reason
        suggested = [c.membership.operator for c in allocation.suggestion.candidates]
        assert set(suggested) == {net.alice, net.dario}
        form = response.context["form"]
        bob_key = next(c.key for c in allocation.candidates if c.membership.operator == net.bob)
        assert form.initial["member_" + bob_key] == TeamRole.CPI_TUTOR
        assert AccessEvent.objects.filter(object_type="access.intake", object_id=str(net.intake.pk)).count() == 1

    def test_a_health_need_suggests_a_health_specialist(self, net: Net) -> None:
        intake = forwarded_intake(net, need=Need.ADDICTION_MENTAL_HEALTH)
        response = client_for(net.carla).get(reverse("cases:case_open", args=[intake.pk]))
        suggested = {c.membership.operator for c in response.context["allocation"].suggestion.candidates}
        assert suggested == {net.sara, net.hugo}
        assert "health" in response.context["allocation"].suggestion.reason

    def _post_open(self, net: Net, intake: Any = None, **extra: str) -> Any:
        intake = intake or net.intake
        client = client_for(net.carla)
        allocation = client.get(reverse("cases:case_open", args=[intake.pk])).context["allocation"]
        keys = {c.membership.operator.username: c.key for c in allocation.candidates}
        data = {"case_manager": keys["alice"], "priority": "high", "taken_in_charge_on": ""}
        data.update(
            {f"member_{keys[k[len('member_') :]]}" if k.startswith("member_") else k: v for k, v in extra.items()}
        )
        return client.post(reverse("cases:case_open", args=[intake.pk]), data)

    def test_opening_a_case_with_its_team(self, net: Net) -> None:
        response = self._post_open(net, member_bob=TeamRole.CPI_TUTOR, member_hugo=TeamRole.MENTAL_HEALTH)
        case = Case.objects.get()
        assert response.status_code == 302
        assert response["Location"] == _detail(case)
        assert case.priority == "high"
        assert set(case.members.values_list("operator__username", "team_role")) == {
            ("alice", TeamRole.CASE_MANAGER),
            ("bob", TeamRole.CPI_TUTOR),
            ("hugo", TeamRole.MENTAL_HEALTH),
        }
        # Once opened, the intake's link leads to the case and the page redirects there.
        link = client_for(net.carla).get(reverse("cases:intake_case_link", args=[net.intake.pk]))
        assert _detail(case) in link.content.decode()
        again = client_for(net.carla).get(reverse("cases:case_open", args=[net.intake.pk]))
        assert again.status_code == 302

    def test_a_work_need_without_a_cpi_operator_asks_for_confirmation(self, net: Net) -> None:
        response = self._post_open(net)
        assert response.status_code == 200
        assert "base team has a CPI operator" in _text(response)
        assert not Case.objects.exists()
        response = self._post_open(net, confirm_incomplete_team="on")
        assert response.status_code == 302
        assert Case.objects.get().members.count() == 1

    def test_service_refusals_land_on_the_form_and_save_nothing(self, net: Net) -> None:
        events = DomainEvent.objects.count()
        response = self._post_open(net, member_bob=TeamRole.CPI_TUTOR, taken_in_charge_on="01/01/2020")
        assert response.status_code == 200
        assert "before the intake was received" in _text(response)
        assert not Case.objects.exists()
        assert DomainEvent.objects.count() == events

    def test_the_case_manager_cannot_also_be_a_member(self, net: Net) -> None:
        response = self._post_open(net, member_alice=TeamRole.SOCIAL_WORKER, member_bob=TeamRole.CPI_TUTOR)
        assert "already in the team" in _text(response)
        assert not Case.objects.exists()

    def test_an_intake_of_another_ambito_is_not_found(self, net: Net) -> None:
        other = forwarded_intake(net, ambito=net.other_ambito)
        assert client_for(net.carla).get(reverse("cases:case_open", args=[other.pk])).status_code == 404

    def test_the_intake_link_fragment(self, net: Net) -> None:
        response = client_for(net.carla).get(reverse("cases:intake_case_link", args=[net.intake.pk]))
        assert reverse("cases:case_open", args=[net.intake.pk]) in response.content.decode()


# --- caseload ----------------------------------------------------------------------------------------


class TestCaseload:
    def test_my_cases_and_the_ambito_for_the_group(self, net: Net) -> None:
        case = open_case(net)
        for who in (net.alice, net.bob, net.sara):
            response = client_for(who).get(reverse("cases:caseload"))
            assert list(response.context["page"].object_list) == [case]
        for who in (net.dario, net.hugo, net.olga):
            response = client_for(who).get(reverse("cases:caseload"))
            assert response.status_code == 200
            assert list(response.context["page"].object_list) == []
        carla = client_for(net.carla)
        assert list(carla.get(reverse("cases:caseload")).context["page"].object_list) == []
        response = carla.get(reverse("cases:caseload"), {"scope": "ambito"})
        assert list(response.context["page"].object_list) == [case]
        assert AccessEvent.objects.filter(object_id="caseload").count() == 8

    def test_filters(self, net: Net) -> None:
        cases = bulk_cases(net, 3)
        Case.objects.filter(pk=cases[0].pk).update(priority="urgent")
        Case.objects.filter(pk=cases[1].pk).update(
            status=CaseStatus.CLOSED, closed_on=cases[1].taken_in_charge_on, closure_outcome="goals_met"
        )
        Case.objects.filter(pk=cases[2].pk).update(prevalent_need=Need.HOUSING)
        client = client_for(net.alice)

        def listed(**params: Any) -> list[int]:
            return [c.pk for c in client.get(reverse("cases:caseload"), params).context["page"].object_list]

        # Urgent first, closed cases only when asked; the status filter says so.
        assert listed() == [cases[0].pk, cases[2].pk]
        assert client.get(reverse("cases:caseload")).context["form"]["status"].value() == "open"
        assert listed(status="") == [cases[0].pk, cases[1].pk, cases[2].pk]
        assert listed(status="closed") == [cases[1].pk]
        assert listed(priority="urgent") == [cases[0].pk]
        assert listed(prevalent_need="housing") == [cases[2].pk]
        assert listed(case_manager=str(net.alice.pk)) == [cases[0].pk, cases[2].pk]
        assert listed(case_manager=str(net.dario.pk)) == []

    def test_the_returned_to_the_team_inbox(self, net: Net) -> None:
        case = to_validated(net, open_case(net))
        case = services.case_activate(request=net.request(net.alice), case=case, version=case.version)
        services.case_return_to_team(
            request=net.request(net.bob), case=case, version=case.version, reason="Non si presenta ai colloqui"
        )
        response = client_for(net.alice).get(reverse("cases:caseload"))
        assert [item.case for item in response.context["inbox"]] == [case]
        assert "Non si presenta ai colloqui" in _text(response)
        assert client_for(net.bob).get(reverse("cases:caseload")).context["inbox"] == []

    def test_the_query_count_is_flat(self, net: Net) -> None:
        client = client_for(net.alice)
        client.get(reverse("cases:caseload"))  # warm the session

        def count() -> int:
            with CaptureQueriesContext(connection) as ctx:
                assert client.get(reverse("cases:caseload"), {"status": ""}).status_code == 200
            return len(ctx.captured_queries)

        bulk_cases(net, 3)
        few = count()
        bulk_cases(net, 27)
        assert count() == few

    def test_the_query_count_stays_under_a_ceiling(self, net: Net, django_assert_max_num_queries: Any) -> None:
        bulk_cases(net, 30)
        client = client_for(net.carla)
        with django_assert_max_num_queries(25):
            client.get(reverse("cases:caseload"), {"scope": "ambito"})


# --- the case page -------------------------------------------------------------------------------------


@pytest.fixture
def case(net: Net) -> Case:
    case = open_case(net)
    services.case_note_add(request=net.request(net.sara), case=case, section=Section.HEALTH, text=SENTINEL)
    services.case_note_add(request=net.request(net.alice), case=case, section=Section.WORK, text="Cerca lavoro")
    return case


class TestCasePage:
    @pytest.mark.parametrize(
        ("who", "sections"),
        [
            ("alice", ["common", "work", "disability", "violence", "minors_court", "judicial"]),
            ("bob", ["common", "work"]),
            ("sara", ["common", "health", "disability"]),
            ("carla", ["common", "work"]),
        ],
    )
    def test_tabs_are_the_sections_the_operator_may_read(
        self, net: Net, case: Case, who: str, sections: list[str]
    ) -> None:
        response = client_for(getattr(net, who)).get(_detail(case))
        assert response.status_code == 200
        assert response.context["page"].sections == sections
        html = response.content.decode()
        for section in Section.values:
            tab = reverse("cases:case_section", args=[case.pk, section])
            assert (tab in html) == (section in sections), (who, section)

    @pytest.mark.parametrize("who", ["dario", "hugo", "olga"])
    def test_outsiders_get_404_everywhere(self, net: Net, case: Case, who: str) -> None:
        client = client_for(getattr(net, who))
        for url in (
            _detail(case),
            reverse("cases:case_section", args=[case.pk, "common"]),
            reverse("cases:case_timeline", args=[case.pk]),
        ):
            assert client.get(url).status_code == 404
        assert (
            client.post(reverse("cases:note_add", args=[case.pk]), {"section": "common", "text": "x"}).status_code
            == 404
        )
        assert _post(client, case, "close", outcome="goals_met", reason="x" * 20).status_code == 404
        assert _accesses(case) == []

    def test_the_health_sentinel_never_reaches_the_cpi_operator(self, net: Net, case: Case) -> None:
        bob = client_for(net.bob)
        pages = [
            bob.get(_detail(case)),
            bob.get(_detail(case), {"section": "health"}),
            bob.get(reverse("cases:case_section", args=[case.pk, "common"])),
            bob.get(reverse("cases:case_section", args=[case.pk, "work"])),
            bob.get(reverse("cases:case_timeline", args=[case.pk])),
            bob.get(reverse("cases:caseload")),
        ]
        for response in pages:
            assert response.status_code == 200
            assert SENTINEL not in response.content.decode()
            assert "/sezioni/health/" not in response.content.decode()
        assert bob.get(reverse("cases:case_section", args=[case.pk, "health"])).status_code == 404
        # Not even that a health note exists: no timeline sentence about it.
        assert "Health" not in _text(bob.get(reverse("cases:case_timeline", args=[case.pk])))
        # The SerD reads its own note.
        sara = client_for(net.sara).get(reverse("cases:case_section", args=[case.pk, "health"]))
        assert SENTINEL in sara.content.decode()

    def test_serd_notes_stay_in_the_serd(self, net: Net, case: Case) -> None:
        services.case_member_add(
            request=net.request(net.alice),
            case=case,
            version=case.version,
            operator=net.hugo,
            structure=net.cps,
            team_role=TeamRole.MENTAL_HEALTH,
        )
        hugo = client_for(net.hugo)
        assert SENTINEL not in hugo.get(reverse("cases:case_section", args=[case.pk, "health"])).content.decode()
        assert "Health" not in _text(hugo.get(reverse("cases:case_timeline", args=[case.pk])))

    def test_header_and_team(self, net: Net, case: Case) -> None:
        html = _text(client_for(net.alice).get(_detail(case)))
        assert str(case.number) in html
        assert "Access → taken in charge" in html and "12 days" in html
        assert "no intervention yet" in html
        assert "CPI tutor" in html and "Centro per l&#x27;Impiego" in html
        assert reverse("people:person_detail", args=[net.person.pk]) in html

    def test_every_read_writes_an_access_row(self, net: Net, case: Case) -> None:
        alice = client_for(net.alice)
        alice.get(_detail(case))
        assert _accesses(case) == [("common", "case_detail"), ("common", "case work")]
        alice.get(reverse("cases:case_section", args=[case.pk, "work"]))
        alice.get(reverse("cases:case_timeline", args=[case.pk]))
        assert _accesses(case)[2:] == [("common", "case_section"), ("work", "case work"), ("common", "case_timeline")]

    @pytest.mark.parametrize(
        ("who", "present", "absent"),
        [
            (
                "alice",
                {"start_assessment", "close", "member_add", "member_remove"},
                {"manager_change", "return_to_team"},
            ),
            ("carla", {"member_add", "member_remove", "manager_change"}, {"start_assessment", "close"}),
            ("bob", set(), {"start_assessment", "close", "member_add", "manager_change", "return_to_team"}),
            ("sara", set(), {"start_assessment", "close", "member_add", "manager_change"}),
        ],
    )
    def test_actions_shown_only_to_who_may_do_them(
        self, net: Net, case: Case, who: str, present: set[str], absent: set[str]
    ) -> None:
        html = client_for(getattr(net, who)).get(_detail(case)).content.decode()
        for action in present:
            assert _action(case, action) in html, action
        for action in absent:
            assert _action(case, action) not in html, action

    def test_the_cpi_operator_returns_an_active_case(self, net: Net, case: Case) -> None:
        case = to_validated(net, case)
        case = services.case_activate(request=net.request(net.alice), case=case, version=case.version)
        bob = client_for(net.bob)
        assert _action(case, "return_to_team") in bob.get(_detail(case)).content.decode()
        assert _action(case, "return_to_team") not in client_for(net.alice).get(_detail(case)).content.decode()


# --- transitions through the page ----------------------------------------------------------------------


class TestTransitions:
    def _status(self, case: Case) -> str:
        case.refresh_from_db()
        return case.status

    def test_the_whole_path_through_the_page(self, net: Net, case: Case) -> None:
        alice, bob, carla = client_for(net.alice), client_for(net.bob), client_for(net.carla)
        assert _post(alice, case, "start_assessment").status_code == 302
        assert self._status(case) == CaseStatus.ASSESSING
        case = services.case_mark_project_drafted(request=net.request(net.alice), case=case, version=case.version)
        case = services.case_mark_project_validated(request=net.request(net.carla), case=case, version=case.version)
        assert _post(alice, case, "activate").status_code == 302
        assert self._status(case) == CaseStatus.ACTIVE
        assert _post(bob, case, "return_to_team", reason="Due colloqui saltati").status_code == 302
        assert self._status(case) == CaseStatus.RETURNED_TO_TEAM
        response = _post(alice, case, "answer_return", answer="Colloquio chiarito, riprende", next_step="resume")
        assert response.status_code == 302
        assert self._status(case) == CaseStatus.ACTIVE
        assert _post(alice, case, "suspend", reason="Ricovero di due settimane").status_code == 302
        assert self._status(case) == CaseStatus.SUSPENDED
        assert _post(alice, case, "resume").status_code == 302
        assert self._status(case) == CaseStatus.ACTIVE
        response = _post(alice, case, "close", outcome="goals_met", reason="Assunta a tempo indeterminato")
        assert response.status_code == 302
        assert self._status(case) == CaseStatus.CLOSED
        assert _post(carla, case, "reopen", reason="Il contratto non è stato rinnovato").status_code == 302
        assert self._status(case) == CaseStatus.ASSESSING
        # The timeline tells the story in sentences.
        html = _text(alice.get(reverse("cases:case_timeline", args=[case.pk])))
        for sentence in (
            "took the case in charge",
            "started the assessment",
            "returned the case to the team: the pact is not respected",
            "answered the return: the pact resumes",
            "suspended the case",
            "closed the case: Goals met",
            "re-opened the case",
            "Due colloqui saltati",
        ):
            assert sentence in html, sentence

    def test_answering_with_a_new_project(self, net: Net, case: Case) -> None:
        case = to_validated(net, case)
        case = services.case_activate(request=net.request(net.alice), case=case, version=case.version)
        case = services.case_return_to_team(
            request=net.request(net.bob), case=case, version=case.version, reason="Patto non rispettato"
        )
        _post(client_for(net.alice), case, "answer_return", answer="Serve un nuovo progetto", next_step="replan")
        assert self._status(case) == CaseStatus.PROJECT_DRAFTED

    def test_a_move_from_the_wrong_state_is_refused_with_its_message(self, net: Net, case: Case) -> None:
        response = _post(client_for(net.alice), case, "activate")
        assert response.status_code == 200
        assert "cannot become “Active”" in _text(response)
        assert self._status(case) == CaseStatus.ALLOCATED

    def test_a_short_reason_is_refused_on_its_field(self, net: Net, case: Case) -> None:
        response = _post(client_for(net.alice), case, "close", outcome="goals_met", reason="breve")
        assert "at least 10 characters" in _text(response)
        assert response.context["state_actions"][-1]["open"] or any(
            a["open"] for a in response.context["state_actions"]
        )
        assert self._status(case) == CaseStatus.ALLOCATED

    @pytest.mark.parametrize(
        ("who", "action", "fields"),
        [
            ("bob", "start_assessment", {}),
            ("bob", "close", {"outcome": "goals_met", "reason": "Non spetta al CPI"}),
            ("carla", "start_assessment", {}),
            ("sara", "member_add", {}),
            ("alice", "manager_change", {"reason": "Non spetta a lei"}),
            ("alice", "return_to_team", {"reason": "Non spetta a lei"}),
            ("alice", "no_such_action", {}),
        ],
    )
    def test_the_wrong_role_gets_404(self, net: Net, case: Case, who: str, action: str, fields: dict[str, Any]) -> None:
        version = case.version
        assert _post(client_for(getattr(net, who)), case, action, **fields).status_code == 404
        case.refresh_from_db()
        assert case.version == version

    def test_a_stale_version_shows_the_conflict_page_and_keeps_the_text(self, net: Net, case: Case) -> None:
        case = to_validated(net, case)
        case = services.case_activate(request=net.request(net.alice), case=case, version=case.version)
        stale = case.version
        # Bob returns the case while Alice is writing her suspension.
        services.case_return_to_team(request=net.request(net.bob), case=case, version=stale, reason="Patto saltato")
        alice = client_for(net.alice)
        response = _post(alice, case, "suspend", version=stale, reason="Ricovero di due settimane")
        assert response.status_code == 409
        html = _text(response)
        assert "Someone changed this case while you were working" in html
        assert f"you had version {stale}, the case is now at version {stale + 1}" in html
        assert "returned the case to the team" in html and "Patto saltato" in html
        assert "activated the case" not in html  # that was before Alice's version
        assert "Ricovero di due settimane" in html  # what she typed is still there
        assert "Returned to the team" in html
        # Suspending a returned case makes no sense any more: no retry, only the way back.
        assert response.context["can_retry"] is False
        assert _detail(case) in html
        case.refresh_from_db()
        assert case.status == CaseStatus.RETURNED_TO_TEAM

    def test_the_conflict_page_offers_the_retry_when_it_still_applies(self, net: Net, case: Case) -> None:
        stale = case.version
        services.case_member_add(
            request=net.request(net.carla),
            case=case,
            version=stale,
            operator=net.hugo,
            structure=net.cps,
            team_role=TeamRole.MENTAL_HEALTH,
        )
        alice = client_for(net.alice)
        response = _post(alice, case, "close", version=stale, outcome="withdrawn", reason="La persona rinuncia")
        assert response.status_code == 409
        assert response.context["can_retry"]
        assert "added" in _text(response) and "Mental-health service operator" in _text(response)
        hidden = dict(response.context["hidden"])
        assert hidden["close-reason"] == "La persona rinuncia"
        data = {**hidden, "close-version": stale + 1}
        assert alice.post(_action(case, "close"), data).status_code == 302
        case.refresh_from_db()
        assert case.status == CaseStatus.CLOSED


class TestTeamAndNotes:
    def test_team_changes_through_the_page(self, net: Net, case: Case) -> None:
        alice, carla = client_for(net.alice), client_for(net.carla)
        form = alice.get(_detail(case)).context["team_actions"][0]["form"]
        hugo_key = next(k for k, c in form.candidates.items() if c.membership.operator == net.hugo)
        response = _post(alice, case, "member_add", membership=hugo_key, team_role=TeamRole.MENTAL_HEALTH)
        assert response.status_code == 302
        member = CaseMember.objects.get(case=case, operator=net.hugo)
        case.refresh_from_db()
        assert _post(alice, case, "member_remove", member=member.pk).status_code == 302
        member.refresh_from_db()
        assert member.left_on is not None
        case.refresh_from_db()
        form = next(
            a["form"] for a in carla.get(_detail(case)).context["team_actions"] if a["action"].slug == "manager_change"
        )
        dario_key = next(k for k, c in form.candidates.items() if c.membership.operator == net.dario)
        response = _post(carla, case, "manager_change", membership=dario_key, reason="Alice va in maternità")
        assert response.status_code == 302
        case.refresh_from_db()
        assert case.case_manager == net.dario

    def test_a_member_the_form_does_not_offer_is_refused(self, net: Net, case: Case) -> None:
        response = _post(client_for(net.alice), case, "member_add", membership="999999", team_role="educator")
        assert response.status_code == 200
        assert "Select a valid choice" in _text(response)

    def test_notes_with_and_without_htmx(self, net: Net, case: Case) -> None:
        alice = client_for(net.alice)
        url = reverse("cases:note_add", args=[case.pk])
        response = alice.post(url, {"section": "work", "text": "Iscritta al corso"})
        assert response.status_code == 302
        response = alice.post(url, {"section": "work", "text": "Secondo colloquio"}, HTTP_HX_REQUEST="true")
        assert response.status_code == 200
        assert "Secondo colloquio" in response.content.decode() and "<html" not in response.content.decode()
        response = alice.post(url, {"section": "work", "text": "  "}, HTTP_HX_REQUEST="true")
        assert "This field is required" in _text(response) or "Write the note" in _text(response)
        # A section the operator may not read is not there to write in.
        assert alice.post(url, {"section": "health", "text": "x"}).status_code == 404
        assert client_for(net.carla).post(url, {"section": "work", "text": "x"}).status_code == 404
        assert list(case.notes.filter(section="work").values_list("text", flat=True)) == [
            "Secondo colloquio",
            "Iscritta al corso",
            "Cerca lavoro",
        ]


class TestQueryCounts:
    def _count(self, client: Client, url: str) -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        return len(ctx.captured_queries)

    def test_the_case_page_is_flat_in_notes_and_members(self, net: Net) -> None:
        few = bulk_cases(net, 3, members=3)
        many = bulk_cases(net, 1, members=3)[0]
        request = net.request(net.alice)
        for case, count in ((few[0], 3), (many, 30)):
            for index in range(count):
                services.case_note_add(request=request, case=case, section=Section.COMMON, text=f"Nota {index}")
        extra = [(net.hugo, net.cps, TeamRole.MENTAL_HEALTH), (net.dario, net.social, TeamRole.SOCIAL_WORKER)]
        CaseMember.objects.bulk_create(
            [
                CaseMember(case=many, operator=o, structure=s, team_role=r, joined_on=many.taken_in_charge_on)
                for o, s, r in extra
            ]
        )
        client = client_for(net.alice)
        client.get(_detail(few[0]))
        for view in ("cases:case_detail", "cases:case_timeline"):
            assert self._count(client, reverse(view, args=[few[0].pk])) == self._count(
                client, reverse(view, args=[many.pk])
            ), view
        section = "cases:case_section"
        assert self._count(client, reverse(section, args=[few[0].pk, "common"])) == self._count(
            client, reverse(section, args=[many.pk, "common"])
        )


def test_url_if_exists_accepts_kwargs() -> None:
    from intreccio.core.templatetags.intreccio import url_if_exists

    assert url_if_exists("cases:case_section", pk=4, section="work") == "/casi/4/sezioni/work/"
    assert url_if_exists("nowhere:case_panel", case_pk=4) == ""
