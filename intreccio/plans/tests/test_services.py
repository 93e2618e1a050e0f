"""Every plan service: success, the issue's bad inputs, wrong role, wrong state, stale version."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from intreccio.audit.models import DomainEvent
from intreccio.cases import services as case_services
from intreccio.cases.models import Case, CaseStatus, ClosureOutcome
from intreccio.cases.tests.conftest import TODAY, Net
from intreccio.catalogue.models import QuantityBasis, Service, ServiceArea, ServiceUnit
from intreccio.plans import services
from intreccio.plans.models import (
    CheckIn,
    Commitment,
    Deviation,
    Goal,
    GoalStatus,
    Owner,
    PactSubtype,
    PactType,
    Plan,
    PlannedIntervention,
    PlanStatus,
    Signatory,
    Validation,
    realised_percent,
)
from intreccio.plans.tests.conftest import Catalogue, draft_plan, fill_plan, validated_plan

pytestmark = pytest.mark.django_db


def messages(exc: pytest.ExceptionInfo[ValidationError]) -> str:
    return " ".join(exc.value.messages)


def fresh(plan: Plan) -> Plan:
    return Plan.objects.select_related("case").get(pk=plan.pk)


class TestPlanCreate:
    def test_the_case_manager_drafts_a_plan_with_the_package_of_the_profile(
        self, net: Net, case: Case, cat: Catalogue
    ) -> None:
        plan = draft_plan(net, case)
        assert plan.status == PlanStatus.DRAFT
        assert plan.number == 1
        assert plan.package == cat.low
        assert plan.pact.pact_type == PactType.INCLUSION
        event = DomainEvent.objects.get(action="plans.plan.created")
        assert event.target_id == str(case.pk) and event.target_type == "cases.case"
        # No text of the path in the audit payload.
        assert "lavoro" not in str(event.payload)

    @pytest.mark.parametrize("who", ["bob", "carla", "dario", "olga"])
    def test_only_the_case_manager_drafts(self, net: Net, case: Case, who: str) -> None:
        with pytest.raises(PermissionDenied):
            services.plan_create(
                request=net.request(getattr(net, who)), case=case, pact=services.PactData(PactType.INCLUSION)
            )
        assert not Plan.objects.exists()

    def test_refused_before_the_assessment(self, net: Net, cat: Catalogue) -> None:
        case = case_services.case_open(
            request=net.request(net.carla),
            intake=net.intake,
            case_manager=net.alice,
            case_manager_structure=net.social,
            members=[],
        )
        with pytest.raises(ValidationError) as exc:
            draft_plan(net, case)
        assert "cannot be drafted for a case that is “Allocated to a case manager”" in messages(exc)

    def test_a_patto_gener_attivo_needs_its_kind(self, net: Net, case: Case) -> None:
        with pytest.raises(ValidationError) as exc:
            draft_plan(net, case, pact_type=PactType.GENERATIVE)
        assert "subtype" in exc.value.message_dict
        plan = draft_plan(net, case, pact_type=PactType.GENERATIVE, subtype=PactSubtype.AUTONOMY)
        assert plan.pact.subtype == PactSubtype.AUTONOMY

    def test_a_legal_representative_signs_with_a_name(self, net: Net, case: Case) -> None:
        with pytest.raises(ValidationError) as exc:
            services.plan_create(
                request=net.request(net.alice),
                case=case,
                pact=services.PactData(PactType.INCLUSION, signatory=Signatory.LEGAL_REPRESENTATIVE),
            )
        assert "representative_name" in exc.value.message_dict

    def test_one_draft_at_a_time(self, net: Net, case: Case) -> None:
        draft_plan(net, case)
        with pytest.raises(ValidationError) as exc:
            draft_plan(net, case)
        assert "already has a project being drafted" in messages(exc)

    def test_a_re_plan_supersedes_the_validated_plan(self, net: Net, case: Case, cat: Catalogue) -> None:
        first = validated_plan(net, case, cat)
        case.refresh_from_db()
        case_services.case_activate(request=net.request(net.alice), case=case, version=case.version)
        case.refresh_from_db()
        second = draft_plan(net, case)
        assert second.number == 2
        assert fresh(first).status == PlanStatus.SUPERSEDED
        second = fill_plan(net, second, cat)
        services.plan_submit(request=net.request(net.alice), plan=second, version=second.version)
        case.refresh_from_db()
        assert case.status == CaseStatus.PROJECT_DRAFTED


class TestContent:
    def test_goals_need_text_indicator_and_date(self, net: Net, case: Case) -> None:
        plan = draft_plan(net, case)
        with pytest.raises(ValidationError) as exc:
            services.goal_add(
                request=net.request(net.alice),
                plan=plan,
                version=plan.version,
                data=services.GoalData(text=" ", indicator="", due_on=None),
            )
        assert set(exc.value.message_dict) == {"text", "indicator", "due_on"}
        assert not Goal.objects.exists()

    def test_a_commitment_without_an_owner_is_refused(self, net: Net, case: Case) -> None:
        plan = draft_plan(net, case)
        for data, field in (
            (services.CommitmentData(owner="", text="Fare qualcosa"), "owner"),
            (services.CommitmentData(owner=Owner.SERVICE, text="Fare qualcosa"), "structure"),
        ):
            with pytest.raises(ValidationError) as exc:
                services.commitment_add(request=net.request(net.alice), plan=plan, version=plan.version, data=data)
            assert field in exc.value.message_dict
            assert "owner" in messages(exc) or "service" in messages(exc)
        assert not Commitment.objects.exists()

    def test_a_service_off_the_team_cannot_commit(self, net: Net, case: Case) -> None:
        plan = draft_plan(net, case)
        with pytest.raises(ValidationError) as exc:
            services.commitment_add(
                request=net.request(net.alice),
                plan=plan,
                version=plan.version,
                data=services.CommitmentData(owner=Owner.SERVICE, structure=net.cps, text="Visite mensili"),
            )
        assert "represented in the team" in messages(exc)

    def test_a_stale_version_is_refused_with_the_current_plan(self, net: Net, case: Case) -> None:
        plan = draft_plan(net, case)
        seen = plan.version
        services.goal_add(
            request=net.request(net.alice),
            plan=plan,
            version=seen,
            data=services.GoalData(text="Obiettivo", indicator="Indicatore", due_on=TODAY),
        )
        with pytest.raises(services.StalePlan) as exc:
            services.goal_add(
                request=net.request(net.alice),
                plan=plan,
                version=seen,
                data=services.GoalData(text="Altro", indicator="Indicatore", due_on=TODAY),
            )
        assert exc.value.current.version == seen + 1
        assert Goal.objects.count() == 1

    def test_update_and_remove(self, net: Net, case: Case, cat: Catalogue) -> None:
        plan = fill_plan(net, draft_plan(net, case), cat)
        alice = net.request(net.alice)
        goal = plan.goals.get()
        services.goal_update(
            request=alice,
            plan=plan,
            version=plan.version,
            goal=goal,
            data=services.GoalData(text="Nuovo testo", indicator="Contratto", due_on=TODAY),
        )
        plan = fresh(plan)
        commitment = plan.commitments.first()
        assert commitment is not None
        services.commitment_remove(request=alice, plan=plan, version=plan.version, commitment=commitment)
        plan = fresh(plan)
        services.goal_remove(request=alice, plan=plan, version=plan.version, goal=goal)
        assert not Goal.objects.exists()
        assert Commitment.objects.count() == 1

    def test_an_intervention_snapshots_the_unit_cost_and_computes_the_amount(
        self, net: Net, case: Case, cat: Catalogue
    ) -> None:
        plan = draft_plan(net, case)
        intervention = services.intervention_add(
            request=net.request(net.alice),
            plan=plan,
            version=plan.version,
            data=services.InterventionData(
                service=cat.tir, provider=cat.coop, quantity=Decimal("1"), basis=QuantityBasis.PER_MONTH, months=6
            ),
        )
        assert intervention.unit_cost == Decimal("500")
        assert intervention.amount == Decimal("3000.00")
        cat.tir.unit_cost = Decimal("600")
        cat.tir.save()
        intervention.refresh_from_db()
        assert intervention.amount == Decimal("3000.00")

    def test_an_intervention_from_a_provider_that_does_not_offer_it_is_refused(
        self, net: Net, case: Case, cat: Catalogue
    ) -> None:
        plan = draft_plan(net, case)
        with pytest.raises(ValidationError) as exc:
            services.intervention_add(
                request=net.request(net.alice),
                plan=plan,
                version=plan.version,
                data=services.InterventionData(service=cat.tir, provider=cat.asst, quantity=Decimal("0")),
            )
        assert set(exc.value.message_dict) == {"provider", "quantity"}

    def test_economic_assistance_is_refused_to_a_household_on_a_national_measure(
        self, net: Net, case: Case, cat: Catalogue
    ) -> None:
        """Seed 001:139: the comune's economic assistance is not for households already on SIA (now ADI)."""
        from intreccio.people.models import IncomeMeasure, IncomeSupport, IncomeSupportStatus
        from intreccio.people.tests.factories import HouseholdMemberFactory

        aec = Service.objects.create(
            ambito=net.ambito,
            code="AEC",
            name="Assistenza economica",
            area=ServiceArea.POVERTY,
            unit=ServiceUnit.MONTH,
            unit_cost=Decimal("300"),
            is_economic_assistance=True,
        )
        aec.providers.set([cat.coop])
        member = HouseholdMemberFactory.create(person=case.person)
        plan = draft_plan(net, case)
        data = services.InterventionData(service=aec, provider=cat.coop, quantity=Decimal("3"))
        # Not on a measure: allowed.
        services.intervention_add(request=net.request(net.alice), plan=plan, version=plan.version, data=data)
        plan.refresh_from_db()
        IncomeSupport.objects.create(
            household=member.household,
            measure=IncomeMeasure.ADI,
            status=IncomeSupportStatus.GRANTED,
            date_from=TODAY - datetime.timedelta(days=60),
            monthly_amount=Decimal("487.50"),
            recorded_by=net.alice,
        )
        with pytest.raises(ValidationError) as exc:
            services.intervention_add(request=net.request(net.alice), plan=plan, version=plan.version, data=data)
        assert "national income measure" in exc.value.message_dict["service"][0]

    def test_a_health_intervention_lands_in_the_health_section(self, net: Net, case: Case, cat: Catalogue) -> None:
        plan = draft_plan(net, case)
        intervention = services.intervention_add(
            request=net.request(net.alice),
            plan=plan,
            version=plan.version,
            data=services.InterventionData(service=cat.serd, provider=cat.asst, quantity=Decimal("4")),
        )
        assert intervention.section == "health"

    def test_submitted_plans_are_not_edited(self, net: Net, case: Case, cat: Catalogue) -> None:
        plan = fill_plan(net, draft_plan(net, case), cat)
        plan = services.plan_submit(request=net.request(net.alice), plan=plan, version=plan.version)
        with pytest.raises(ValidationError) as exc:
            services.goal_add(
                request=net.request(net.alice),
                plan=plan,
                version=plan.version,
                data=services.GoalData(text="Altro", indicator="Indicatore", due_on=TODAY),
            )
        assert "only a draft or a plan sent back can" in messages(exc)


class TestDeviations:
    def test_deviations_follow_the_interventions_and_keep_their_reasons(
        self, net: Net, case: Case, cat: Catalogue
    ) -> None:
        plan = draft_plan(net, case)
        alice = net.request(net.alice)
        # Nothing planned: both mandatory services missing, and the budget below the range.
        services.refresh_deviations(plan=plan)
        assert sorted(plan.deviations.values_list("kind", flat=True)) == ["budget_below", "missing", "missing"]
        plan = fill_plan(net, plan, cat)
        assert not plan.deviations.exists()
        services.intervention_add(
            request=alice,
            plan=plan,
            version=plan.version,
            data=services.InterventionData(service=cat.puc, provider=cat.coop, quantity=Decimal("2")),
        )
        plan = fresh(plan)
        deviation = plan.deviations.get()
        assert deviation.kind == "extra" and deviation.service == cat.puc
        services.deviation_explain(
            request=alice, plan=plan, version=plan.version, deviation=deviation, reason="Serve un'attività sociale"
        )
        plan = fresh(plan)
        services.intervention_add(
            request=alice,
            plan=plan,
            version=plan.version,
            data=services.InterventionData(service=cat.gen, provider=cat.asst, quantity=Decimal("2")),
        )
        kept = Deviation.objects.get(plan=plan, service=cat.puc)
        assert kept.reason == "Serve un'attività sociale"

    def test_a_deviation_without_a_reason_stops_the_submission(self, net: Net, case: Case, cat: Catalogue) -> None:
        plan = fill_plan(net, draft_plan(net, case), cat)
        services.intervention_add(
            request=net.request(net.alice),
            plan=plan,
            version=plan.version,
            data=services.InterventionData(service=cat.puc, provider=cat.coop, quantity=Decimal("2")),
        )
        plan = fresh(plan)
        with pytest.raises(ValidationError) as exc:
            services.plan_submit(request=net.request(net.alice), plan=plan, version=plan.version)
        assert "1 deviations from the package have no reason" in messages(exc)
        with pytest.raises(ValidationError) as short:
            services.deviation_explain(
                request=net.request(net.alice),
                plan=plan,
                version=plan.version,
                deviation=plan.deviations.get(),
                reason="no",
            )
        assert "at least 10 characters" in messages(short)
        assert fresh(plan).status == PlanStatus.DRAFT


class TestSubmitValidate:
    def test_a_pact_without_goals_is_refused(self, net: Net, case: Case) -> None:
        plan = draft_plan(net, case)
        with pytest.raises(ValidationError) as exc:
            services.plan_submit(request=net.request(net.alice), plan=plan, version=plan.version)
        assert "A pact without goals cannot be submitted" in messages(exc)
        case.refresh_from_db()
        assert case.status == CaseStatus.ASSESSING

    def test_a_commitment_whose_service_left_the_team_has_no_owner(self, net: Net, case: Case, cat: Catalogue) -> None:
        plan = fill_plan(net, draft_plan(net, case), cat)
        case.refresh_from_db()
        member = case.members.get(operator=net.bob)
        case_services.case_member_remove(request=net.request(net.alice), case=case, version=case.version, member=member)
        with pytest.raises(ValidationError) as exc:
            services.plan_submit(request=net.request(net.alice), plan=plan, version=plan.version)
        assert "has no owner in the team" in messages(exc)

    def test_submit_validate_and_the_case_moves(self, net: Net, case: Case, cat: Catalogue) -> None:
        plan = fill_plan(net, draft_plan(net, case), cat)
        plan = services.plan_submit(request=net.request(net.alice), plan=plan, version=plan.version)
        case.refresh_from_db()
        assert plan.status == PlanStatus.SUBMITTED and case.status == CaseStatus.PROJECT_DRAFTED
        with pytest.raises(PermissionDenied):
            services.plan_validate(request=net.request(net.alice), plan=plan, version=plan.version)
        plan = services.plan_validate(request=net.request(net.carla), plan=plan, version=plan.version, note="Ok")
        case.refresh_from_db()
        assert plan.status == PlanStatus.VALIDATED and plan.validated_on == TODAY
        assert case.status == CaseStatus.PROJECT_VALIDATED
        decision = Validation.objects.get()
        assert decision.decided_by == net.carla and decision.outcome == "validated"
        assert DomainEvent.objects.filter(action="plans.plan.validated", target_id=str(case.pk)).exists()

    def test_validation_from_the_wrong_state(self, net: Net, case: Case) -> None:
        plan = draft_plan(net, case)
        with pytest.raises(ValidationError) as exc:
            services.plan_validate(request=net.request(net.carla), plan=plan, version=plan.version)
        assert "Only a submitted project can be validated; this one is “Draft”" in messages(exc)

    def test_send_back_with_a_reason_then_submit_again(self, net: Net, case: Case, cat: Catalogue) -> None:
        plan = fill_plan(net, draft_plan(net, case), cat)
        plan = services.plan_submit(request=net.request(net.alice), plan=plan, version=plan.version)
        with pytest.raises(ValidationError) as exc:
            services.plan_send_back(request=net.request(net.carla), plan=plan, version=plan.version, reason="")
        assert "reason" in exc.value.message_dict
        plan = services.plan_send_back(
            request=net.request(net.carla), plan=plan, version=plan.version, reason="Manca il sostegno alla famiglia."
        )
        case.refresh_from_db()
        assert plan.status == PlanStatus.SENT_BACK and case.status == CaseStatus.PROJECT_DRAFTED
        assert Validation.objects.get().note == "Manca il sostegno alla famiglia."
        # Sent back: editable again, and the case stays drafted when it is submitted again.
        plan = fresh(plan)
        services.goal_add(
            request=net.request(net.alice),
            plan=plan,
            version=plan.version,
            data=services.GoalData(text="Sostegno alla famiglia", indicator="Incontri", due_on=TODAY),
        )
        plan = fresh(plan)
        plan = services.plan_submit(request=net.request(net.alice), plan=plan, version=plan.version)
        assert plan.status == PlanStatus.SUBMITTED

    def test_stale_validation(self, net: Net, case: Case, cat: Catalogue) -> None:
        plan = fill_plan(net, draft_plan(net, case), cat)
        plan = services.plan_submit(request=net.request(net.alice), plan=plan, version=plan.version)
        with pytest.raises(services.StalePlan):
            services.plan_validate(request=net.request(net.carla), plan=plan, version=plan.version - 1)
        assert not Validation.objects.exists()


class TestInterventionStart:
    def test_the_first_start_is_the_case_first_intervention(self, net: Net, case: Case, cat: Catalogue) -> None:
        plan = validated_plan(net, case, cat)
        intervention = plan.interventions.first()
        assert intervention is not None
        day = TODAY - datetime.timedelta(days=1)
        services.intervention_start(
            request=net.request(net.alice), plan=plan, version=plan.version, intervention=intervention, started_on=day
        )
        case.refresh_from_db()
        assert case.first_intervention_on == day
        intervention.refresh_from_db()
        assert intervention.started_on == day

    def test_not_before_validation_nor_in_the_future(self, net: Net, case: Case, cat: Catalogue) -> None:
        plan = fill_plan(net, draft_plan(net, case), cat)
        intervention = plan.interventions.first()
        assert intervention is not None
        with pytest.raises(ValidationError) as exc:
            services.intervention_start(
                request=net.request(net.alice),
                plan=plan,
                version=plan.version,
                intervention=intervention,
                started_on=TODAY + datetime.timedelta(days=1),
            )
        assert "validated the project" in messages(exc) and "future" in messages(exc)
        assert not PlannedIntervention.objects.filter(started_on__isnull=False).exists()


class TestCheckIns:
    def test_a_check_in_computes_the_share_realised_and_the_next_date(
        self, net: Net, case: Case, cat: Catalogue
    ) -> None:
        plan = validated_plan(net, case, cat)
        goal = plan.goals.get()
        first, second = plan.commitments.order_by("pk")
        checkin = services.checkin_record(
            request=net.request(net.alice),
            plan=plan,
            version=plan.version,
            data=services.CheckInData(
                held_on=TODAY,
                outcome="Tirocinio avviato.",
                goal_statuses={goal.pk: GoalStatus.PARTLY},
                commitments_done={first.pk: TODAY},
            ),
        )
        # Half a goal and one of two commitments: 1.5 of 3.
        assert checkin.computed_percent == checkin.realised_percent == 50
        assert checkin.next_due_on == TODAY + datetime.timedelta(days=90)
        assert not checkin.below_target  # not a patto gener-attivo
        second.refresh_from_db()
        assert second.done_on is None

    def test_patti_gener_attivi_below_70_are_flagged(self, net: Net, case: Case, cat: Catalogue) -> None:
        plan = validated_plan(net, case, cat, pact_type=PactType.GENERATIVE, subtype=PactSubtype.SOCIAL_INCLUSION)
        checkin = services.checkin_record(
            request=net.request(net.alice),
            plan=plan,
            version=plan.version,
            data=services.CheckInData(
                held_on=TODAY,
                outcome="Metà del patto.",
                realised_percent=60,
                percent_reason="Il tirocinio è a metà strada",
            ),
        )
        assert checkin.below_target and checkin.computed_percent == 0
        plan = fresh(plan)
        ok = services.checkin_record(
            request=net.request(net.alice),
            plan=plan,
            version=plan.version,
            data=services.CheckInData(
                held_on=TODAY, outcome="Quasi.", realised_percent=72, percent_reason="Tirocinio quasi concluso"
            ),
        )
        assert not ok.below_target

    def test_refusals(self, net: Net, case: Case, cat: Catalogue) -> None:
        plan = validated_plan(net, case, cat)
        before = case.taken_in_charge_on - datetime.timedelta(days=1)
        with pytest.raises(ValidationError) as exc:
            services.checkin_record(
                request=net.request(net.alice),
                plan=plan,
                version=plan.version,
                data=services.CheckInData(held_on=before, outcome="", realised_percent=80),
            )
        errors = exc.value.message_dict
        assert "cannot be dated before the case was taken in charge" in errors["held_on"][0]
        assert "outcome" in errors and "percent_reason" in errors
        with pytest.raises(ValidationError) as future:
            services.checkin_record(
                request=net.request(net.alice),
                plan=plan,
                version=plan.version,
                data=services.CheckInData(held_on=TODAY + datetime.timedelta(days=1), outcome="x"),
            )
        assert "future" in messages(future)
        with pytest.raises(PermissionDenied):
            services.checkin_record(
                request=net.request(net.bob),
                plan=plan,
                version=plan.version,
                data=services.CheckInData(held_on=TODAY, outcome="x"),
            )
        assert not CheckIn.objects.exists()

    def test_a_draft_plan_has_no_check_ins(self, net: Net, case: Case) -> None:
        plan = draft_plan(net, case)
        with pytest.raises(ValidationError) as exc:
            services.checkin_record(
                request=net.request(net.alice),
                plan=plan,
                version=plan.version,
                data=services.CheckInData(held_on=TODAY, outcome="x"),
            )
        assert "follow a validated project" in messages(exc)

    def test_a_closed_case_is_not_planned(self, net: Net, case: Case, cat: Catalogue) -> None:
        plan = validated_plan(net, case, cat)
        case.refresh_from_db()
        case_services.case_close(
            request=net.request(net.alice),
            case=case,
            version=case.version,
            outcome=ClosureOutcome.GOALS_MET,
            reason="Obiettivi raggiunti tutti.",
        )
        with pytest.raises(PermissionDenied):
            services.checkin_record(
                request=net.request(net.alice),
                plan=plan,
                version=plan.version,
                data=services.CheckInData(held_on=TODAY, outcome="x"),
            )


def test_realised_percent_counts_goals_and_commitments() -> None:
    goals = [Goal(status=GoalStatus.ACHIEVED), Goal(status=GoalStatus.PARTLY), Goal(status=GoalStatus.NOT_ACHIEVED)]
    commitments = [Commitment(done_on=TODAY), Commitment()]
    assert realised_percent(goals, commitments) == 50
    assert realised_percent([], []) == 0
