"""Start, save, complete, profile, publish: permissions, refusals with their messages, versions, events."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from intreccio.assessments import services
from intreccio.assessments.models import AssessmentKind, AssessmentStatus, AssessmentTool
from intreccio.assessments.questionnaire import answered_questions
from intreccio.audit.models import DomainEvent
from intreccio.cases.models import Case, CaseStatus
from intreccio.cases.tests.conftest import TODAY, Net

pytestmark = pytest.mark.django_db

PRELIMINARY_ANSWERS = {
    "occupation": "unemployed_long",
    "registered_cpi": "no",
    "income_adequacy": "short",
    "arrears": "yes",
    "housing": "stable",
    "network": "weak",
    "minors": "no",
    "care_load": "none",
    "specialist_needs": "no",
}
CPI_ANSWERS = {
    "last_worked": "within_12",
    "education": "upper_secondary",
    "italian": "native",
    "digital": "basic",
    "driving_licence": "yes",
    "availability": "full_time",
    "training": "yes",
}
IN_DEPTH_SOCIAL = {
    "occupation": "unemployed_short",
    "months_without_work": "8",
    "job_search": "yes",
    "housing": "at_risk",
    "housing_cost_share": "45",
    "overcrowded": "no",
    "education": "lower_secondary",
    "italian": "native",
    "digital": "basic",
    "network": "weak",
    "conflicts": "no",
    "single_parent": "yes",
    "minors": "2",
    "monthly_income": "650",
    "arrears": "yes",
    "dependants": "0",
    "care_hours": "0",
    "care_help": "yes",
}
HEALTH = {"health_condition": "chronic", "daily_limits": "yes", "specialist_service": "yes", "health_notes": "x"}


def start(net: Net, case: Case, tool: AssessmentTool, who: Any = None) -> Any:
    return services.assessment_start(request=net.request(who or net.alice), case=case, tool=tool)


def save(net: Net, assessment: Any, answers: dict[str, Any], who: Any = None) -> Any:
    return services.assessment_save(
        request=net.request(who or net.alice), assessment=assessment, version=assessment.version, answers=answers
    )


def complete(net: Net, assessment: Any, who: Any = None) -> Any:
    return services.assessment_complete(
        request=net.request(who or net.alice), assessment=assessment, version=assessment.version
    )


def test_first_preliminary_analysis_moves_the_case_to_assessing(net: Net, case: Case, tools: dict) -> None:
    assessment = start(net, case, tools[AssessmentKind.PRELIMINARY])
    assessment = save(net, assessment, PRELIMINARY_ANSWERS)
    assessment = complete(net, assessment)
    assert assessment.status == AssessmentStatus.COMPLETED
    assert assessment.scores["work"] == {"points": 3, "level": 3, "answered": 2}
    # Need mostly about work (housing 0, family 1, no care load): the work path to the CPI.
    assert (assessment.profile, assessment.profile_trace[-1]["rule"]) == ("work", "work_only")
    case.refresh_from_db()
    assert case.status == CaseStatus.ASSESSING
    actions = list(
        DomainEvent.objects.filter(target_type="cases.case", target_id=str(case.pk)).values_list("action", flat=True)
    )
    assert "assessments.assessment.completed" in actions
    assert "cases.case.assessment_started" in actions
    # A second one changes nothing on the case.
    again = complete(net, save(net, start(net, case, tools[AssessmentKind.PRELIMINARY]), PRELIMINARY_ANSWERS))
    assert again.is_completed
    case.refresh_from_db()
    assert case.status == CaseStatus.ASSESSING


def test_events_carry_no_answers_or_scores(net: Net, case: Case, tools: dict) -> None:
    assessment = start(net, case, tools[AssessmentKind.IN_DEPTH])
    save(net, assessment, {**HEALTH, "health_notes": "SENTINEL-EVENT"}, who=net.sara)
    for event in DomainEvent.objects.filter(action__startswith="assessments."):
        text = str(event.payload)
        assert "SENTINEL" not in text and "chronic" not in text and "level" not in text


def test_only_the_case_manager_completes_and_only_team_members_save(net: Net, case: Case, tools: dict) -> None:
    assessment = start(net, case, tools[AssessmentKind.PRELIMINARY])
    assessment = save(net, assessment, PRELIMINARY_ANSWERS)
    for who in (net.bob, net.sara, net.carla, net.dario, net.olga):
        with pytest.raises(PermissionDenied):
            complete(net, assessment, who=who)
    for who in (net.carla, net.dario, net.olga, net.hugo):
        with pytest.raises(PermissionDenied):
            save(net, assessment, PRELIMINARY_ANSWERS, who=who)
    for who in (net.bob, net.sara, net.carla, net.dario):
        with pytest.raises(PermissionDenied):
            start(net, case, tools[AssessmentKind.IN_DEPTH], who=who)


def test_each_member_writes_only_their_sections(net: Net, case: Case, tools: dict) -> None:
    assessment = start(net, case, tools[AssessmentKind.IN_DEPTH])
    assessment = save(net, assessment, {**IN_DEPTH_SOCIAL, **HEALTH})
    assert "health_condition" not in assessment.answers  # alice may not write the health section
    assessment = save(net, assessment, HEALTH, who=net.sara)
    assert assessment.answers["health_condition"] == "chronic"
    assert assessment.answers["monthly_income"] == 650  # sara's save kept alice's answers
    # Bob (CPI) writes only the work dimension.
    assessment = save(
        net, assessment, {"occupation": "employed", "months_without_work": "0", "job_search": "no"}, who=net.bob
    )
    assert assessment.answers["occupation"] == "employed"
    assert assessment.answers["health_condition"] == "chronic"
    done = complete(net, assessment)
    assert done.scores["health"]["level"] == 3  # 3 + 2 + 1 = 6 points
    assert done.total == sum(s["level"] for s in done.scores.values())


def test_refusals_name_the_question(net: Net, case: Case, tools: dict) -> None:
    assessment = start(net, case, tools[AssessmentKind.IN_DEPTH])
    bad = {**IN_DEPTH_SOCIAL, "housing": "castle", "housing_cost_share": "140", "minors": "1,5", "occupation": ""}
    with pytest.raises(ValidationError) as exc:
        save(net, assessment, bad)
    errors = exc.value.message_dict
    assert errors["housing"] == ["Choose one of the answers listed."]
    assert errors["housing_cost_share"] == ["Enter a number of at most 100."]
    assert errors["minors"] == ["Enter a whole number."]
    assert errors["occupation"] == ["Answer this question."]
    assessment.refresh_from_db()
    assert assessment.answers == {}  # nothing half-saved


def test_completing_with_a_dimension_missing_says_which(net: Net, case: Case, tools: dict) -> None:
    assessment = start(net, case, tools[AssessmentKind.IN_DEPTH])
    assessment = save(net, assessment, IN_DEPTH_SOCIAL)
    with pytest.raises(ValidationError) as exc:
        complete(net, assessment)
    assert list(exc.value.message_dict) == ["health"]
    assert "“Health” still has unanswered questions: Health condition" in exc.value.message_dict["health"][0]


def test_stale_version_is_refused(net: Net, case: Case, tools: dict) -> None:
    assessment = start(net, case, tools[AssessmentKind.PRELIMINARY])
    stale = assessment.version
    save(net, assessment, PRELIMINARY_ANSWERS)
    with pytest.raises(services.StaleAssessment) as exc:
        services.assessment_save(
            request=net.request(net.alice), assessment=assessment, version=stale, answers=PRELIMINARY_ANSWERS
        )
    assert exc.value.current.version == stale + 1


def test_completed_assessment_cannot_be_changed(net: Net, case: Case, tools: dict) -> None:
    assessment = complete(net, save(net, start(net, case, tools[AssessmentKind.PRELIMINARY]), PRELIMINARY_ANSWERS))
    with pytest.raises(PermissionDenied):
        save(net, assessment, PRELIMINARY_ANSWERS)
    with pytest.raises(PermissionDenied):
        complete(net, assessment)


def test_cpi_interview_class_and_profile(net: Net, case: Case, tools: dict) -> None:
    interview = start(net, case, tools[AssessmentKind.CPI_INTERVIEW], who=net.bob)
    interview = save(net, interview, CPI_ANSWERS, who=net.bob)
    interview = complete(net, interview, who=net.bob)
    assert interview.facts == {"age": 27}
    assert (interview.profile, interview.profile_trace[-1]["rule"]) == ("A", "young_ready")
    with pytest.raises(PermissionDenied):
        services.employability_profile_record(request=net.request(net.alice), assessment=interview)
    with pytest.raises(ValidationError) as exc:
        services.employability_profile_record(
            request=net.request(net.bob), assessment=interview, pact_signed_on=TODAY + datetime.timedelta(days=1)
        )
    assert exc.value.message_dict["pact_signed_on"] == ["The pact cannot be signed in the future."]
    assert exc.value.message_dict["pact_cpi"] == ["Name the employment centre the pact was signed with."]
    with pytest.raises(ValidationError) as exc:
        services.employability_profile_record(
            request=net.request(net.bob), assessment=interview, pact_signed_on=TODAY, pact_cpi=net.social
        )
    assert exc.value.message_dict["pact_cpi"] == ["Choose an employment centre of the case's ambito."]
    profile = services.employability_profile_record(
        request=net.request(net.bob),
        assessment=interview,
        pact_signed_on=TODAY,
        pact_cpi=net.cpi,
        pact_reference="PS-1",
    )
    assert profile.employability_class == "A"
    assert profile.rule_trace == interview.profile_trace
    with pytest.raises(ValidationError) as exc:
        services.employability_profile_record(request=net.request(net.bob), assessment=interview)
    assert exc.value.messages == ["This interview already has its profile."]


def test_profile_needs_a_completed_interview(net: Net, case: Case, tools: dict) -> None:
    preliminary = complete(net, save(net, start(net, case, tools[AssessmentKind.PRELIMINARY]), PRELIMINARY_ANSWERS))
    with pytest.raises(ValidationError) as exc:
        services.employability_profile_record(request=net.request(net.bob), assessment=preliminary)
    assert exc.value.messages == ["The profile is recorded on a completed CPI skills interview."]


def test_publishing_a_new_version_keeps_old_answers_readable(net: Net, case: Case, tools: dict) -> None:
    v1 = tools[AssessmentKind.PRELIMINARY]
    old = complete(net, save(net, start(net, case, v1), PRELIMINARY_ANSWERS))
    schema = {**v1.schema, "dimensions": [d for d in v1.schema["dimensions"] if d["key"] != "family"]}
    schema["profiling"] = {
        **schema["profiling"],
        "rules": [r for r in schema["profiling"]["rules"] if r["key"] != "work_only"],
    }
    with pytest.raises(PermissionDenied):
        services.tool_publish(request=net.request(net.alice), key=v1.key, kind=v1.kind, title=v1.title, schema=schema)
    v2 = services.tool_publish(request=net.request(net.carla), key=v1.key, kind=v1.kind, title=v1.title, schema=schema)
    assert v2.version == 2 and v2.is_published
    v1.refresh_from_db()
    assert not v1.is_published
    with pytest.raises(ValidationError):
        start(net, case, v1)
    old.refresh_from_db()
    family = next(d for d in old.tool.schema["dimensions"] if d["key"] == "family")
    assert next(q.answer for q in answered_questions(family, old.answers)) == "Weak or occasional network"
    with pytest.raises(ValidationError) as exc:
        services.tool_publish(request=net.request(net.carla), key=v1.key, kind="in_depth", title={"it": ""}, schema={})
    assert set(exc.value.message_dict) == {"kind", "title", "schema"}


def test_closed_case_takes_no_new_assessment(net: Net, case: Case, tools: dict) -> None:
    from intreccio.cases.services import case_close

    case = case_close(
        request=net.request(net.alice),
        case=case,
        version=case.version,
        outcome="withdrawn",
        reason="La persona ha rinunciato.",
    )
    with pytest.raises(PermissionDenied):
        start(net, case, tools[AssessmentKind.PRELIMINARY])
