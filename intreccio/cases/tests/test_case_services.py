"""Every transition of the case, its refusals (wrong state, wrong role, stale version), the team, notes."""

from __future__ import annotations

import datetime
import json
from typing import Any

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404

from intreccio.accounts.models import Role
from intreccio.audit.models import AccessEvent, DomainEvent
from intreccio.cases import selectors, services
from intreccio.cases.models import Case, CaseEventText, CaseMember, CaseStatus, ClosureOutcome, Section, TeamRole
from intreccio.cases.tests.conftest import TODAY, Net

pytestmark = pytest.mark.django_db


def open_case(net: Net, **kwargs: Any) -> Case:
    params: dict[str, Any] = {
        "request": net.request(net.carla),
        "intake": net.intake,
        "case_manager": net.alice,
        "case_manager_structure": net.social,
        "members": [(net.bob, net.cpi, TeamRole.CPI_TUTOR), (net.sara, net.serd, TeamRole.SERD_OPERATOR)],
    }
    params.update(kwargs)
    return services.case_open(**params)


def messages(exc: pytest.ExceptionInfo[ValidationError]) -> str:
    return " ".join(exc.value.messages)


def to_active(net: Net, case: Case) -> Case:
    alice = net.request(net.alice)
    case = services.case_start_assessment(request=alice, case=case, version=case.version)
    case = services.case_mark_project_drafted(request=alice, case=case, version=case.version)
    case = services.case_mark_project_validated(request=net.request(net.carla), case=case, version=case.version)
    return services.case_activate(request=alice, case=case, version=case.version)


class TestOpening:
    def test_the_coordination_group_opens_a_case_with_its_team(
        self, net: Net, django_capture_on_commit_callbacks: Any
    ) -> None:
        with django_capture_on_commit_callbacks(execute=True):
            case = open_case(net)
        assert case.status == CaseStatus.ALLOCATED
        assert case.number == f"CRE-{TODAY.year}-{case.pk:06d}"
        assert case.person == net.person
        assert case.accessed_on == net.intake.received_on
        assert case.days_to_take_in_charge() == 12
        assert set(case.members.values_list("operator__username", "team_role")) == {
            ("alice", TeamRole.CASE_MANAGER),
            ("bob", TeamRole.CPI_TUTOR),
            ("sara", TeamRole.SERD_OPERATOR),
        }
        event = DomainEvent.objects.get(action="cases.case.opened")
        assert event.payload["waiting_days"] == 12
        # Every member is told, after the commit.
        assert sorted(mail.outbox[0].to) == ["alice@example.org", "bob@example.org", "sara@example.org"]

    def test_only_the_coordination_group_opens_cases(self, net: Net) -> None:
        with pytest.raises(PermissionDenied):
            open_case(net, request=net.request(net.dario))
        assert not Case.objects.exists()

    def test_refusals_name_what_to_fix_and_save_nothing(self, net: Net) -> None:
        events = DomainEvent.objects.count()
        with pytest.raises(ValidationError) as exc:
            open_case(
                net,
                case_manager=net.bob,
                case_manager_structure=net.cpi,
                members=[(net.olga, net.olga.memberships.get().structure, TeamRole.SOCIAL_WORKER)],
                taken_in_charge_on=net.intake.received_on - datetime.timedelta(days=1),
            )
        text = messages(exc)
        assert "cannot be the Case manager" in text
        assert "works in another ambito" in text
        assert "before the intake was received" in text
        assert not Case.objects.exists()
        assert DomainEvent.objects.count() == events

    def test_a_team_member_twice_or_a_second_case_manager_is_refused(self, net: Net) -> None:
        with pytest.raises(ValidationError) as exc:
            open_case(net, members=[(net.bob, net.cpi, TeamRole.CPI_TUTOR), (net.bob, net.cpi, TeamRole.CPI_TUTOR)])
        assert "in the team twice" in messages(exc)
        with pytest.raises(ValidationError) as exc:
            open_case(net, members=[(net.dario, net.social, TeamRole.CASE_MANAGER)])
        assert "one case manager" in messages(exc)

    def test_an_intake_is_taken_in_charge_once(self, net: Net) -> None:
        open_case(net)
        with pytest.raises(ValidationError) as exc:
            open_case(net)
        assert "already been taken in charge" in messages(exc)


class TestTransitions:
    def test_the_whole_path(self, net: Net) -> None:
        case = to_active(net, open_case(net))
        assert case.status == CaseStatus.ACTIVE
        bob = net.request(net.bob)
        case = services.case_return_to_team(
            request=bob, case=case, version=case.version, reason="Non si è presentata a due colloqui"
        )
        assert case.status == CaseStatus.RETURNED_TO_TEAM
        alice = net.request(net.alice)
        case = services.case_answer_return(
            request=alice, case=case, version=case.version, answer="Colloquio fissato, riprende il patto", replan=False
        )
        assert case.status == CaseStatus.ACTIVE
        case = services.case_suspend(request=alice, case=case, version=case.version, reason="Ricovero ospedaliero")
        case = services.case_resume(request=alice, case=case, version=case.version)
        case = services.case_close(
            request=alice, case=case, version=case.version, outcome=ClosureOutcome.GOALS_MET, reason="Assunta a tempo"
        )
        assert (case.status, case.closed_on, case.closure_outcome) == (CaseStatus.CLOSED, TODAY, "goals_met")
        case = services.case_reopen(request=alice, case=case, version=case.version, reason="Contratto non rinnovato")
        assert (case.status, case.closed_on, case.closure_outcome) == (CaseStatus.ASSESSING, None, "")
        actions = list(
            DomainEvent.objects.filter(target_type="cases.case").order_by("seq").values_list("action", flat=True)
        )
        assert actions == [
            "cases.case.opened",
            "cases.case.assessment_started",
            "cases.case.project_drafted",
            "cases.case.project_validated",
            "cases.case.activated",
            "cases.case.returned_to_team",
            "cases.case.return_answered",
            "cases.case.suspended",
            "cases.case.resumed",
            "cases.case.closed",
            "cases.case.reopened",
        ]

    def test_what_operators_write_stays_out_of_the_append_only_log(self, net: Net) -> None:
        # The words may carry anything about the person (here a hospital stay): they go to an
        # encrypted, erasable row; the event only names it, and the timeline reads them back.
        case = to_active(net, open_case(net))
        alice = net.request(net.alice)
        case = services.case_suspend(
            request=alice, case=case, version=case.version, reason="Ricovero al CPS di Cremona"
        )
        event = DomainEvent.objects.get(action="cases.case.suspended")
        assert "Ricovero" not in json.dumps(event.payload)
        assert CaseEventText.objects.get(pk=event.payload["text_id"]).text == "Ricovero al CPS di Cremona"
        timeline = selectors.case_timeline_for_user(request=alice, pk=case.pk)
        assert timeline.texts[event.seq] == "Ricovero al CPS di Cremona"
        # Erasing the words leaves the event whole and the timeline without them.
        CaseEventText.objects.filter(pk=event.payload["text_id"]).delete()
        assert event.seq not in selectors.case_timeline_for_user(request=alice, pk=case.pk).texts

    def test_a_move_from_the_wrong_state_is_refused(self, net: Net) -> None:
        case = open_case(net)
        with pytest.raises(ValidationError) as exc:
            services.case_activate(request=net.request(net.alice), case=case, version=case.version)
        assert "“Allocated to a case manager” cannot become “Active”" in messages(exc)
        case.refresh_from_db()
        assert case.status == CaseStatus.ALLOCATED

    def test_a_stale_version_is_refused_with_the_current_case(self, net: Net) -> None:
        case = open_case(net)
        stale = case.version
        services.case_start_assessment(request=net.request(net.alice), case=case, version=stale)
        with pytest.raises(services.StaleVersion) as exc:
            services.case_start_assessment(request=net.request(net.alice), case=case, version=stale)
        assert exc.value.current.status == CaseStatus.ASSESSING
        assert exc.value.current.version == stale + 1

    def test_wrong_roles_are_refused(self, net: Net) -> None:
        case = to_active(net, open_case(net))
        with pytest.raises(PermissionDenied):
            services.case_close(
                request=net.request(net.bob), case=case, version=case.version, outcome="goals_met", reason="x" * 20
            )
        with pytest.raises(PermissionDenied):
            services.case_return_to_team(
                request=net.request(net.alice), case=case, version=case.version, reason="Pact not respected at all"
            )
        with pytest.raises(PermissionDenied):
            services.case_mark_project_validated(request=net.request(net.alice), case=case, version=case.version)

    def test_closing_needs_an_outcome_a_reason_and_a_sensible_date(self, net: Net) -> None:
        case = to_active(net, open_case(net))
        with pytest.raises(ValidationError) as exc:
            services.case_close(
                request=net.request(net.alice),
                case=case,
                version=case.version,
                outcome="",
                reason="short",
                closed_on=case.taken_in_charge_on - datetime.timedelta(days=1),
            )
        text = messages(exc)
        assert "outcome" in text
        assert "at least 10 characters" in text
        assert "before it was taken in charge" in text
        case.refresh_from_db()
        assert case.status == CaseStatus.ACTIVE


class TestTeam:
    def test_the_case_manager_cannot_be_removed_and_is_changed_by_the_group(self, net: Net) -> None:
        case = open_case(net)
        manager = case.members.get(team_role=TeamRole.CASE_MANAGER)
        with pytest.raises(ValidationError) as exc:
            services.case_member_remove(request=net.request(net.alice), case=case, version=case.version, member=manager)
        assert "without a case manager" in messages(exc)
        case = services.case_manager_change(
            request=net.request(net.carla),
            case=case,
            version=case.version,
            operator=net.dario,
            structure=net.social,
            reason="Alice va in maternità",
        )
        assert case.case_manager == net.dario
        assert (
            CaseMember.objects.filter(case=case, left_on__isnull=True, team_role=TeamRole.CASE_MANAGER).get().operator
            == net.dario
        )

    def test_members_join_and_leave(self, net: Net) -> None:
        case = open_case(net, members=[(net.bob, net.cpi, TeamRole.CPI_TUTOR)])
        case = services.case_member_add(
            request=net.request(net.alice),
            case=case,
            version=case.version,
            operator=net.hugo,
            structure=net.cps,
            team_role=TeamRole.MENTAL_HEALTH,
        )
        member = case.members.get(operator=net.hugo)
        case = services.case_member_remove(
            request=net.request(net.alice), case=case, version=case.version, member=member
        )
        member.refresh_from_db()
        assert member.left_on == TODAY


class TestSectionsAndNotes:
    def test_each_role_reads_its_sections_only(self, net: Net) -> None:
        case = open_case(net)
        services.case_note_add(request=net.request(net.alice), case=case, section=Section.WORK, text="Cerca lavoro")
        services.case_note_add(request=net.request(net.sara), case=case, section=Section.HEALTH, text="SENTINEL-SERD")
        bob = net.request(net.bob)
        assert [n.text for n in selectors.case_notes(request=bob, case=case, section=Section.WORK)] == ["Cerca lavoro"]
        with pytest.raises(Http404):
            selectors.case_notes(request=bob, case=case, section=Section.HEALTH)
        with pytest.raises(PermissionDenied):
            services.case_note_add(request=bob, case=case, section=Section.HEALTH, text="x")
        # The SerD's notes stay in the SerD, even for another health specialist on the team.
        hugo_case = services.case_member_add(
            request=net.request(net.alice),
            case=case,
            version=case.version,
            operator=net.hugo,
            structure=net.cps,
            team_role=TeamRole.MENTAL_HEALTH,
        )
        assert selectors.case_notes(request=net.request(net.hugo), case=hugo_case, section=Section.HEALTH) == []
        assert [
            n.text for n in selectors.case_notes(request=net.request(net.sara), case=case, section=Section.HEALTH)
        ] == ["SENTINEL-SERD"]
        timeline = selectors.case_timeline(request=net.request(net.hugo), case=case)
        assert all(entry.payload.get("section") != Section.HEALTH for entry in timeline)
        assert not any("SENTINEL" in str(e.payload) for e in DomainEvent.objects.all())

    def test_visibility_of_the_case(self, net: Net) -> None:
        case = open_case(net)
        for operator in (net.alice, net.bob, net.sara, net.carla):
            assert selectors.case_get_for_user(request=net.request(operator), pk=case.pk) == case
        for operator in (net.dario, net.olga, net.hugo):
            with pytest.raises(Http404):
                selectors.case_get_for_user(request=net.request(operator), pk=case.pk)
        assert AccessEvent.objects.filter(object_type="cases.case", object_id=str(case.pk)).count() == 4

    def test_the_coordination_group_sees_common_and_work_only(self, net: Net) -> None:
        case = open_case(net)
        carla = net.request(net.carla)
        assert selectors.case_notes(request=carla, case=case, section=Section.WORK) == []
        with pytest.raises(Http404):
            selectors.case_notes(request=carla, case=case, section=Section.HEALTH)

    def test_team_members_see_the_person(self, net: Net) -> None:
        from intreccio.people.selectors import person_get_for_user

        open_case(net)
        assert person_get_for_user(request=net.request(net.bob), pk=net.person.pk) == net.person
        with pytest.raises(Http404):
            person_get_for_user(request=net.request(net.olga), pk=net.person.pk)

    def test_first_intervention_keeps_the_earliest_date(self, net: Net) -> None:
        case = open_case(net)
        services.case_record_first_intervention(case=case, on=TODAY)
        services.case_record_first_intervention(case=case, on=TODAY - datetime.timedelta(days=3))
        case.refresh_from_db()
        assert case.first_intervention_on == TODAY - datetime.timedelta(days=3)
        assert case.days_to_first_intervention() == 9


def test_roles_without_case_work_see_no_case(net: Net) -> None:
    from intreccio.accounts.models import Membership

    case = open_case(net)
    Membership.objects.create(operator=net.alice, structure=net.social, role=Role.ADMINISTRATOR, valid_from=TODAY)
    with pytest.raises(Http404):
        selectors.case_get_for_user(request=net.request(net.alice, role=Role.ADMINISTRATOR), pk=case.pk)
