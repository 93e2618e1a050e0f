"""Scoring and profiling rules: worked examples from the shipped tools, and properties over any answers."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from intreccio.assessments.questionnaire import dimension_keys, questions, schema_problems
from intreccio.assessments.scoring import (
    answer_points,
    assess,
    derivation_sections,
    derive_profile,
    dimension_scores,
    level_for,
)
from intreccio.assessments.tests.conftest import SHIPPED, shipped_schema

CPI = shipped_schema("cpi_interview")
PRELIMINARY = shipped_schema("preliminary")
IN_DEPTH = shipped_schema("in_depth")
ALL = [PRELIMINARY, IN_DEPTH, CPI]

READY_GRADUATE = {
    "last_worked": "within_12",
    "education": "tertiary",
    "italian": "native",
    "digital": "advanced",
    "driving_licence": True,
    "availability": "full_time",
}


def test_shipped_schemas_are_valid() -> None:
    for _key, _kind, _title, schema in SHIPPED.TOOLS:
        assert schema_problems(schema) == []


def test_in_depth_has_the_seven_dimensions_and_health_in_its_section() -> None:
    assert dimension_keys(IN_DEPTH) == ["work", "health", "housing", "education", "family", "income", "care_load"]
    sections = {d["key"]: d["section"] for d in IN_DEPTH["dimensions"]}
    assert sections["health"] == "health"
    assert sections["work"] == "work"
    assert "health" not in {d["section"] for d in PRELIMINARY["dimensions"] + CPI["dimensions"]}


def test_points_per_answer_kind() -> None:
    choice = {"type": "choice", "choices": [{"value": "a", "points": 0}, {"value": "b", "points": 3}]}
    assert answer_points(choice, "b") == 3
    assert answer_points(choice, "zzz") == 0
    multi = {"type": "multi_choice", "max_points": 2, "choices": [{"value": v, "points": 1} for v in "abc"]}
    assert answer_points(multi, ["a", "b", "c"]) == 2
    yes_no = {"type": "yes_no", "points": {"yes": 2, "no": 0}}
    assert answer_points(yes_no, True) == 2
    assert answer_points(yes_no, "yes") == 0  # only clean answers (booleans) score
    number = {"type": "number", "bands": [{"min": 0, "max": 6, "points": 0}, {"min": 7, "max": None, "points": 3}]}
    assert answer_points(number, 6) == 0
    assert answer_points(number, 7) == 3
    assert answer_points(number, True) == 0
    assert answer_points({"type": "text"}, "anything") == 0


def test_levels_from_thresholds() -> None:
    levels = [{"from": 0, "level": 0}, {"from": 1, "level": 1}, {"from": 3, "level": 2}, {"from": 5, "level": 3}]
    assert [level_for(levels, p, 4) for p in (0, 1, 2, 3, 4, 5, 50)] == [0, 1, 1, 2, 2, 3, 3]
    assert level_for([{"from": 0, "level": 9}], 0, 4) == 4


def test_dimension_without_answers_is_not_assessed() -> None:
    scores = dimension_scores(IN_DEPTH, {"housing": "homeless"})
    assert scores["housing"].level == 2  # 4 points
    assert scores["work"].level is None
    assert scores["work"].answered == 0


def test_young_graduate_recently_employed_is_class_a() -> None:
    derivation = derive_profile(CPI, READY_GRADUATE, {"age": 24})
    assert derivation is not None
    assert (derivation.result, derivation.rule) == ("A", "young_ready")
    fired = derivation.checks[-1]
    assert fired.fired and all(c.met for c in fired.conditions)
    assert [c.key for c in fired.conditions] == ["age", "education", "last_worked"]
    assert not derivation.checks[0].fired  # "not available" was looked at first


def test_not_available_now_is_class_d_whatever_else() -> None:
    derivation = derive_profile(CPI, {**READY_GRADUATE, "availability": "not_now"}, {"age": 24})
    assert derivation is not None
    assert (derivation.result, derivation.rule) == ("D", "not_available")
    assert len(derivation.checks) == 1


def test_adult_needs_italian_for_a() -> None:
    derivation = derive_profile(CPI, {**READY_GRADUATE, "italian": "basic"}, {"age": 40})
    assert derivation is not None
    assert (derivation.result, derivation.rule) == ("B", "recent_experience")


def test_unknown_age_never_satisfies_an_age_rule() -> None:
    derivation = derive_profile(CPI, READY_GRADUATE, {})
    assert derivation is not None
    assert derivation.result == "B"
    age_checks = [c for r in derivation.checks for c in r.conditions if c.key == "age"]
    assert age_checks and all(c.actual is None and not c.met for c in age_checks)


def test_far_from_work_is_c_by_default_with_every_rule_in_the_trace() -> None:
    answers = {**READY_GRADUATE, "last_worked": "never", "education": "none", "digital": "none"}
    derivation = derive_profile(CPI, answers, {"age": 50})
    assert derivation is not None
    assert derivation.result == "C" and derivation.by_default
    assert len(derivation.checks) == len(CPI["profiling"]["rules"])


def test_preliminary_paths() -> None:
    base = {
        "occupation": "unemployed_long",
        "registered_cpi": True,
        "income_adequacy": "short",
        "arrears": False,
        "housing": "stable",
        "network": "good",
        "minors": False,
        "care_load": "none",
        "specialist_needs": False,
    }
    assert derive_profile(PRELIMINARY, base).result == "work"  # type: ignore[union-attr]
    assert derive_profile(PRELIMINARY, {**base, "housing": "homeless"}).result == "in_depth"  # type: ignore[union-attr]
    assert derive_profile(PRELIMINARY, {**base, "specialist_needs": True}).rule == "specialists_needed"  # type: ignore[union-attr]
    social = {**base, "occupation": "employed", "registered_cpi": True, "network": "none"}
    assert derive_profile(PRELIMINARY, social).result == "social"  # type: ignore[union-attr]


def test_in_depth_has_no_profile_and_a_total() -> None:
    outcome = assess(IN_DEPTH, {"housing": "homeless", "overcrowded": True}, {})
    assert outcome.derivation is None
    assert outcome.total == 3  # 4 + 1 points: level 3, the only dimension assessed


def test_trace_sections_name_what_the_rules_read() -> None:
    derivation = derive_profile(CPI, READY_GRADUATE, {"age": 24})
    assert derivation is not None
    assert derivation_sections(CPI, derivation.to_json()) == {"work", "common"}
    schema = {
        **IN_DEPTH,
        "profiling": {
            "results": {"x": "x", "y": "y"},
            "default": {"result": "y"},
            "rules": [{"key": "sick", "result": "x", "when": [{"dimension": "health", "op": "gte", "value": 3}]}],
        },
    }
    trace = derive_profile(schema, {}).to_json()  # type: ignore[union-attr]
    # The default says the health rule did not fire: it was read from the health section too.
    assert derivation_sections(schema, trace) == {"health"}


def test_schema_problems_are_specific() -> None:
    broken = {
        "dimensions": [
            {
                "key": "work",
                "section": "nowhere",
                "title": {"it": "Lavoro", "en": "Work"},
                "levels": [{"from": 2, "level": 1}],
                "questions": [{"key": "q", "type": "text", "label": {"it": "Q", "en": "Q"}}],
            }
        ]
    }
    problems = " ".join(schema_problems(broken))
    assert "belongs to no known section" in problems
    assert "must start at level 0" in problems
    assert schema_problems({"dimensions": []}) == ["The tool needs a list of dimensions."]
    bad_rule = {**CPI, "profiling": {**CPI["profiling"], "rules": [{"key": "r", "result": "Z", "when": []}]}}
    assert "gives a result that is not in the list" in " ".join(schema_problems(bad_rule))
    ghost = {
        **CPI,
        "profiling": {
            **CPI["profiling"],
            "rules": [{"key": "r", "result": "A", "when": [{"question": "ghost", "op": "eq", "value": 1}]}],
        },
    }
    assert "names a question that does not exist" in " ".join(schema_problems(ghost))


# --- properties over any answers ---------------------------------------------------------------------


def _valid_value(question: dict[str, Any]) -> st.SearchStrategy[Any]:
    kind = question["type"]
    if kind == "choice":
        return st.sampled_from([c["value"] for c in question["choices"]])
    if kind == "multi_choice":
        values = [c["value"] for c in question["choices"]]
        return st.lists(st.sampled_from(values), unique=True, min_size=1)
    if kind == "yes_no":
        return st.booleans()
    if kind == "number":
        return st.integers(min_value=question.get("min", 0), max_value=question.get("max", 1000))
    return st.text(max_size=30)


JUNK = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=True),
    st.text(max_size=5),
    st.lists(st.text(max_size=3)),
)


@st.composite
def answers_for(draw: st.DrawFn, schema: dict[str, Any], junk: bool = False) -> dict[str, Any]:
    answers: dict[str, Any] = {}
    for question in questions(schema):
        if draw(st.booleans()) or question.get("required"):
            if junk and draw(st.integers(0, 4)) == 0:
                answers[question["key"]] = draw(JUNK)
            elif draw(st.integers(0, 9)) > 0:
                answers[question["key"]] = draw(_valid_value(question))
    return answers


AGES = st.one_of(st.none(), st.integers(min_value=0, max_value=110))


@pytest.mark.parametrize("schema", ALL, ids=["preliminary", "in_depth", "cpi_interview"])
@settings(max_examples=150, deadline=None)
@given(data=st.data())
def test_scores_stay_within_bounds(schema: dict[str, Any], data: st.DataObject) -> None:
    answers = data.draw(answers_for(schema, junk=True))
    outcome = assess(schema, answers, {})
    top = schema["max_level"]
    for score in outcome.scores.values():
        assert score.level is None or 0 <= score.level <= top
        assert score.points >= 0
    assert outcome.total is None or 0 <= outcome.total <= top * len(schema["dimensions"])


@settings(max_examples=200, deadline=None)
@given(answers=answers_for(CPI, junk=True), age=AGES)
def test_class_is_a_deterministic_function_with_an_explanation(answers: dict[str, Any], age: int | None) -> None:
    facts = {} if age is None else {"age": age}
    first = derive_profile(CPI, answers, facts)
    second = derive_profile(CPI, dict(reversed(list(answers.items()))), dict(facts))
    assert first is not None and second is not None
    assert first == second
    assert first.result in {"A", "B", "C", "D"}
    # Every class is explained: the rule that fired with all its conditions met, or every rule
    # looked at and none holding before the default.
    assert first.checks
    if first.by_default:
        assert len(first.checks) == len(CPI["profiling"]["rules"])
        assert not any(r.fired for r in first.checks)
    else:
        assert first.checks[-1].fired and first.checks[-1].key == first.rule
        assert all(c.met for c in first.checks[-1].conditions)
        assert not any(r.fired for r in first.checks[:-1])


@settings(max_examples=100, deadline=None)
@given(answers=answers_for(CPI))
def test_not_available_always_gives_d(answers: dict[str, Any]) -> None:
    answers["availability"] = "not_now"
    assert derive_profile(CPI, answers, {"age": 30}).result == "D"  # type: ignore[union-attr]
