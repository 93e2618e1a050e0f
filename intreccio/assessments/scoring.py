"""Scores and profiles from answers, by rules written in the tool's schema (pure functions).

Two kinds of rule, both shown to the operator as they are written:

* **need level per dimension**: each answer is worth points (``points`` on a choice, on yes/no,
  ``bands`` on a number); a dimension's points go through its ``levels`` thresholds to a level
  from 0 (no need) to ``max_level`` (4, very high need). A dimension with no answer has no level:
  "not assessed" is not "no need".
* **profile** (the employability class of the CPI interview, the path after a preliminary
  analysis): an ordered list of rules, each a set of conditions that must all hold; the first rule
  whose conditions hold gives the result, otherwise the default does. The trace keeps every rule
  looked at, each condition with the value it read, so the page can show why.

A derived value can tell something about every answer it read, including that an earlier rule
did *not* fire; ``derivation_sections`` names the sections it read so that a reader who may not
read one of them is not shown it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from intreccio.assessments.questionnaire import (
    Answers,
    dimension_sections,
    dimensions,
    max_level,
    question_sections,
)
from intreccio.cases.models import Section

Facts = dict[str, Any]


# --- need level per dimension -------------------------------------------------------------------


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def answer_points(question: dict[str, Any], value: Any) -> int:
    """The points one answer is worth under its question's rule (0 when the rule gives none)."""
    kind = question["type"]
    if kind == "choice":
        for choice in question.get("choices", []):
            if choice["value"] == value:
                return int(choice.get("points", 0))
        return 0
    if kind == "multi_choice":
        chosen = set(value) if isinstance(value, list) else {value}
        total = sum(int(c.get("points", 0)) for c in question.get("choices", []) if c["value"] in chosen)
        cap = question.get("max_points")
        return min(total, int(cap)) if cap is not None else total
    if kind == "yes_no":
        rule = question.get("points") or {}
        return int(rule.get("yes" if value is True else "no", 0)) if isinstance(value, bool) else 0
    if kind == "number" and _is_number(value):
        for band in question.get("bands", []):
            low, high = band.get("min"), band.get("max")
            if (low is None or value >= low) and (high is None or value <= high):
                return int(band.get("points", 0))
    return 0


def level_for(levels: list[dict[str, Any]], points: int, top: int) -> int:
    """The level of the highest threshold reached, kept within 0..top."""
    level = 0
    for step in levels:
        if points >= int(step["from"]):
            level = int(step["level"])
    return max(0, min(top, level))


@dataclass(frozen=True)
class DimensionScore:
    key: str
    section: str
    points: int
    level: int | None  # None: no question of the dimension was answered
    answered: int
    questions: int

    def to_json(self) -> dict[str, Any]:
        return {"points": self.points, "level": self.level, "answered": self.answered}


def dimension_scores(schema: dict[str, Any], answers: Answers) -> dict[str, DimensionScore]:
    top = max_level(schema)
    sections = dimension_sections(schema)
    scores: dict[str, DimensionScore] = {}
    for dimension in dimensions(schema):
        asked = dimension.get("questions", [])
        given = [q for q in asked if q["key"] in answers]
        points = sum(answer_points(q, answers[q["key"]]) for q in given)
        scores[dimension["key"]] = DimensionScore(
            key=dimension["key"],
            section=sections[dimension["key"]],
            points=points,
            level=level_for(dimension.get("levels", []), points, top) if given else None,
            answered=len(given),
            questions=len(asked),
        )
    return scores


def total_level(scores: dict[str, DimensionScore]) -> int | None:
    """The sum of the levels of the assessed dimensions (None when none was assessed)."""
    levels = [s.level for s in scores.values() if s.level is not None]
    return sum(levels) if levels else None


# --- profile rules ------------------------------------------------------------------------------


@dataclass(frozen=True)
class ConditionCheck:
    subject: str  # "question", "dimension" or "fact"
    key: str
    op: str
    expected: Any
    actual: Any
    met: bool

    def to_json(self) -> dict[str, Any]:
        return {
            "subject": self.subject,
            "key": self.key,
            "op": self.op,
            "expected": self.expected,
            "actual": self.actual,
            "met": self.met,
        }


@dataclass(frozen=True)
class RuleCheck:
    key: str
    result: str
    fired: bool
    conditions: tuple[ConditionCheck, ...]

    def to_json(self) -> dict[str, Any]:
        return {
            "rule": self.key,
            "result": self.result,
            "fired": self.fired,
            "conditions": [c.to_json() for c in self.conditions],
        }


@dataclass(frozen=True)
class Derivation:
    result: str
    rule: str  # the key of the rule that fired, "" when the default applied
    checks: tuple[RuleCheck, ...]

    @property
    def by_default(self) -> bool:
        return not self.rule

    def to_json(self) -> list[dict[str, Any]]:
        return [check.to_json() for check in self.checks]


def _met(op: str, expected: Any, actual: Any) -> bool:
    if op == "answered":
        return (actual is not None) == bool(expected)
    if actual is None:
        return False
    if op == "eq":
        return bool(actual == expected)
    if op == "ne":
        return bool(actual != expected)
    if op == "in":
        return isinstance(expected, list) and actual in expected
    if op == "not_in":
        return isinstance(expected, list) and actual not in expected
    if op == "includes":
        wanted = expected if isinstance(expected, list) else [expected]
        return isinstance(actual, list) and any(v in actual for v in wanted)
    if not _is_number(actual):
        return False
    if op == "gte":
        return _is_number(expected) and actual >= expected
    if op == "lte":
        return _is_number(expected) and actual <= expected
    if op == "between":
        return (
            isinstance(expected, list)
            and len(expected) == 2
            and all(_is_number(v) for v in expected)
            and expected[0] <= actual <= expected[1]
        )
    return False


def _check(
    condition: dict[str, Any], answers: Answers, facts: Facts, scores: dict[str, DimensionScore]
) -> ConditionCheck:
    if "question" in condition:
        subject, key = "question", str(condition["question"])
        actual = answers.get(key)
    elif "dimension" in condition:
        subject, key = "dimension", str(condition["dimension"])
        score = scores.get(key)
        actual = score.level if score is not None else None
    else:
        subject, key = "fact", str(condition.get("fact", ""))
        actual = facts.get(key)
    op = str(condition["op"])
    expected = condition.get("value", True if op == "answered" else None)
    return ConditionCheck(
        subject=subject, key=key, op=op, expected=expected, actual=actual, met=_met(op, expected, actual)
    )


def derive_profile(schema: dict[str, Any], answers: Answers, facts: Facts | None = None) -> Derivation | None:
    """The profile of the answers by the schema's rules, or None for a tool without profiling."""
    profiling = schema.get("profiling")
    if not profiling:
        return None
    facts = facts or {}
    scores = dimension_scores(schema, answers)
    checks: list[RuleCheck] = []
    for rule in profiling["rules"]:
        conditions = tuple(_check(c, answers, facts, scores) for c in rule["when"])
        fired = all(c.met for c in conditions)
        checks.append(RuleCheck(key=str(rule["key"]), result=str(rule["result"]), fired=fired, conditions=conditions))
        if fired:
            return Derivation(result=str(rule["result"]), rule=str(rule["key"]), checks=tuple(checks))
    return Derivation(result=str(profiling["default"]["result"]), rule="", checks=tuple(checks))


def derivation_sections(schema: dict[str, Any], trace: list[dict[str, Any]]) -> frozenset[str]:
    """The sections whose answers a stored trace read (facts about the person are common)."""
    by_question = question_sections(schema)
    by_dimension = dimension_sections(schema)
    sections: set[str] = set()
    for check in trace:
        for condition in check.get("conditions", []):
            if condition["subject"] == "question":
                sections.add(by_question.get(condition["key"], Section.COMMON))
            elif condition["subject"] == "dimension":
                sections.add(by_dimension.get(condition["key"], Section.COMMON))
            else:
                sections.add(Section.COMMON)
    return frozenset(sections)


@dataclass(frozen=True)
class Outcome:
    scores: dict[str, DimensionScore]
    total: int | None
    derivation: Derivation | None


def assess(schema: dict[str, Any], answers: Answers, facts: Facts | None = None) -> Outcome:
    """Everything computed when an assessment is completed."""
    scores = dimension_scores(schema, answers)
    return Outcome(scores=scores, total=total_level(scores), derivation=derive_profile(schema, answers, facts))
