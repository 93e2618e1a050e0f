"""Assessment tools as data: the schema of dimensions, questions and rules, and the answers to it.

A tool's schema is::

    {"max_level": 4,
     "dimensions": [{"key", "section", "title", "questions": [...], "levels": [{"from", "level"}]}],
     "profiling": {"title", "results": {value: label}, "rules": [...], "default": {"result", "label"}}}

Questions follow the pre-assessment engine of the access app (``choice``, ``multi_choice``,
``yes_no``, ``text``, ``number``; labels ``{"it", "en"}``) and add the points each answer is
worth: ``points`` on a choice, ``{"yes": n, "no": m}`` on a yes/no question, ``bands``
(``[{"min", "max", "points"}]``) on a number. ``levels`` turn a dimension's points into a need
level from 0 to ``max_level``. Profiling rules are in ``scoring.py``.

The answer checks are the access app's, applied to the dimensions as sections, so that a
question refuses the same input in a pre-assessment and in an assessment.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _

from intreccio.access import questionnaire as engine
from intreccio.cases.models import Section

label = engine.label
Answers = dict[str, Any]
DEFAULT_MAX_LEVEL = 4
CONDITION_OPS = frozenset({"eq", "ne", "in", "not_in", "gte", "lte", "between", "includes", "answered"})
FACTS = frozenset({"age"})


def dimensions(schema: dict[str, Any]) -> list[dict[str, Any]]:
    return list(schema.get("dimensions", []))


def dimension_keys(schema: dict[str, Any]) -> list[str]:
    return [d["key"] for d in dimensions(schema)]


def max_level(schema: dict[str, Any]) -> int:
    return int(schema.get("max_level", DEFAULT_MAX_LEVEL))


def questions(schema: dict[str, Any]) -> Iterator[dict[str, Any]]:
    for dimension in dimensions(schema):
        yield from dimension.get("questions", [])


def question_dimension(schema: dict[str, Any]) -> dict[str, str]:
    """Question key → the key of its dimension."""
    return {q["key"]: d["key"] for d in dimensions(schema) for q in d.get("questions", [])}


def dimension_sections(schema: dict[str, Any]) -> dict[str, str]:
    """Dimension key → the section of the case its answers belong to."""
    return {d["key"]: str(d.get("section", Section.COMMON)) for d in dimensions(schema)}


def question_sections(schema: dict[str, Any]) -> dict[str, str]:
    sections = dimension_sections(schema)
    return {key: sections[dim] for key, dim in question_dimension(schema).items()}


def _as_sections(schema: dict[str, Any], only: Iterable[str] | None = None) -> dict[str, Any]:
    """The dimensions shaped as the access engine's sections."""
    wanted = None if only is None else set(only)
    return {
        "sections": [
            {"key": d["key"], "title": d.get("title"), "questions": d.get("questions", [])}
            for d in dimensions(schema)
            if wanted is None or d["key"] in wanted
        ]
    }


# --- the schema ---------------------------------------------------------------------------------


def _rule_problems(schema: dict[str, Any], problems: list[str]) -> None:
    profiling = schema.get("profiling")
    if profiling is None:
        return
    known_questions = set(question_dimension(schema))
    known_dimensions = set(dimension_keys(schema))
    results = profiling.get("results") if isinstance(profiling, dict) else None
    if not isinstance(results, dict) or not results:
        problems.append(_("The profiling needs the list of its possible results."))
        return
    default = profiling.get("default")
    if not isinstance(default, dict) or default.get("result") not in results:
        problems.append(_("The profiling needs a default result among its results."))
    rules = profiling.get("rules")
    if not isinstance(rules, list) or not rules:
        problems.append(_("The profiling needs at least one rule."))
        return
    for index, rule in enumerate(rules, start=1):
        where = _("Rule %(n)s") % {"n": index}
        if not isinstance(rule, dict) or rule.get("result") not in results:
            problems.append(_("%(where)s gives a result that is not in the list.") % {"where": where})
            continue
        conditions = rule.get("when")
        if not isinstance(conditions, list) or not conditions:
            problems.append(_("%(where)s has no condition.") % {"where": where})
            continue
        for condition in conditions:
            if not isinstance(condition, dict) or condition.get("op") not in CONDITION_OPS:
                problems.append(_("%(where)s has a condition with an unknown operator.") % {"where": where})
            elif "question" in condition and condition["question"] not in known_questions:
                problems.append(_("%(where)s names a question that does not exist.") % {"where": where})
            elif "dimension" in condition and condition["dimension"] not in known_dimensions:
                problems.append(_("%(where)s names a dimension that does not exist.") % {"where": where})
            elif "fact" in condition and condition["fact"] not in FACTS:
                problems.append(_("%(where)s names an unknown fact.") % {"where": where})
            elif not ({"question", "dimension", "fact"} & set(condition)):
                problems.append(_("%(where)s has a condition about nothing.") % {"where": where})


def _level_problems(dimension: dict[str, Any], top: int, problems: list[str]) -> None:
    where = _("Dimension “%(key)s”") % {"key": dimension.get("key")}
    levels = dimension.get("levels")
    if not isinstance(levels, list) or not levels:
        problems.append(_("%(where)s needs its need levels.") % {"where": where})
        return
    try:
        starts = [int(step["from"]) for step in levels]
        values = [int(step["level"]) for step in levels]
    except (KeyError, TypeError, ValueError):
        problems.append(_("%(where)s has a need level without “from” or “level”.") % {"where": where})
        return
    if starts[0] != 0 or values[0] != 0:
        problems.append(_("%(where)s must start at level 0 from 0 points.") % {"where": where})
    if starts != sorted(set(starts)) or values != sorted(values) or any(not 0 <= v <= top for v in values):
        problems.append(
            _("%(where)s needs increasing thresholds and levels between 0 and %(top)s.") % {"where": where, "top": top}
        )


def schema_problems(schema: Any) -> list[str]:
    """Everything wrong with a tool's schema; empty when it can be published."""
    if not isinstance(schema, dict) or not isinstance(schema.get("dimensions"), list) or not schema["dimensions"]:
        return [_("The tool needs a list of dimensions.")]
    problems = engine.schema_problems(_as_sections(schema))
    top = max_level(schema)
    seen: set[str] = set()
    for dimension in schema["dimensions"]:
        if not isinstance(dimension, dict):
            continue
        key = dimension.get("key")
        if not isinstance(key, str) or not engine.KEY_RE.match(key) or key in seen:
            problems.append(_("Every dimension needs its own key."))
        seen.add(str(key))
        if dimension.get("section") not in Section.values:
            problems.append(_("Dimension “%(key)s” belongs to no known section.") % {"key": key})
        _level_problems(dimension, top, problems)
    if not problems:
        _rule_problems(schema, problems)
    return problems


# --- the answers --------------------------------------------------------------------------------


def clean_answers(schema: dict[str, Any], raw: Answers, only: Iterable[str]) -> tuple[Answers, dict[str, str]]:
    """Check the answers to the dimensions ``only``: ``(clean answers, refusal per question key)``."""
    return engine.clean_answers(_as_sections(schema, only), raw)


def missing_required(schema: dict[str, Any], answers: Answers) -> dict[str, list[str]]:
    """Dimension key → the labels of its required questions still unanswered."""
    missing: dict[str, list[str]] = {}
    for dimension in dimensions(schema):
        labels = [
            label(q["label"]) for q in dimension.get("questions", []) if q.get("required") and q["key"] not in answers
        ]
        if labels:
            missing[dimension["key"]] = labels
    return missing


# --- showing answers ----------------------------------------------------------------------------


@dataclass(frozen=True)
class AnsweredQuestion:
    key: str
    label: str
    answer: str
    answered: bool


def display_value(question: dict[str, Any], value: Any) -> str:
    """An answer as the operator reads it, in the active language."""
    kind = question["type"]
    if kind in ("choice", "multi_choice"):
        labels = {c["value"]: label(c["label"]) for c in question.get("choices", [])}
        values = value if isinstance(value, list) else [value]
        return ", ".join(labels.get(v, str(v)) for v in values)
    if kind == "yes_no":
        return _("Yes") if value else _("No")
    return str(value)


def answered_questions(dimension: dict[str, Any], answers: Answers) -> list[AnsweredQuestion]:
    rows = []
    for question in dimension.get("questions", []):
        key = question["key"]
        answered = key in answers
        rows.append(
            AnsweredQuestion(
                key=key,
                label=label(question["label"]),
                answer=display_value(question, answers[key]) if answered else "—",
                answered=answered,
            )
        )
    return rows
