"""Versioned questionnaires as data: checking a schema, checking answers, showing them.

A schema is ``{"sections": [{"key", "title", "questions": [...]}]}``; each question has a
``key``, a ``type`` (choice, multi_choice, yes_no, text, number), a ``label``, optionally
``required``, ``help``, ``choices`` (``[{"value", "label"}]``), ``min``/``max``/``integer`` for
numbers and ``max_length`` for text. Labels are ``{"it": ..., "en": ...}`` so the English
interface can show a form whose content was written in Italian.

Pure functions, no database: the services call them, the pages render with them.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils.translation import get_language
from django.utils.translation import gettext as _

from intreccio.access.models import QuestionType

LANGUAGES = ("it", "en")
KEY_RE = re.compile(r"^[a-z][a-z0-9_]{0,49}$")
DEFAULT_TEXT_LENGTH = 2000
YES_VALUES = {"yes", "true", "1", "si", "sì"}
NO_VALUES = {"no", "false", "0"}

Answers = dict[str, Any]


def label(text: Any, language: str | None = None) -> str:
    """The text in the active language, falling back to Italian (the form's own language)."""
    if isinstance(text, str):
        return text
    if not isinstance(text, dict):
        return ""
    lang = (language or get_language() or "it")[:2]
    return str(text.get(lang) or text.get("it") or next(iter(text.values()), ""))


def questions(schema: dict[str, Any]) -> Iterator[dict[str, Any]]:
    for section in schema.get("sections", []):
        yield from section.get("questions", [])


# --- the schema ---------------------------------------------------------------------------------


def _check_label(problems: list[str], where: str, text: Any) -> None:
    if not isinstance(text, dict) or any(not str(text.get(lang, "")).strip() for lang in LANGUAGES):
        problems.append(_("%(where)s needs a label in Italian and in English.") % {"where": where})


def schema_problems(schema: Any) -> list[str]:
    """Everything wrong with a questionnaire schema; empty when it can be published."""
    problems: list[str] = []
    if not isinstance(schema, dict) or not isinstance(schema.get("sections"), list) or not schema["sections"]:
        return [_("The questionnaire needs a list of sections.")]
    seen: set[str] = set()
    for s_index, section in enumerate(schema["sections"], start=1):
        where = _("Section %(n)s") % {"n": s_index}
        if not isinstance(section, dict):
            problems.append(_("%(where)s is not a section.") % {"where": where})
            continue
        _check_label(problems, where, section.get("title"))
        section_questions = section.get("questions")
        if not isinstance(section_questions, list) or not section_questions:
            problems.append(_("%(where)s has no questions.") % {"where": where})
            continue
        for question in section_questions:
            key = question.get("key") if isinstance(question, dict) else None
            if not isinstance(key, str) or not KEY_RE.match(key):
                problems.append(_("%(where)s has a question without a valid key.") % {"where": where})
                continue
            qwhere = _("Question “%(key)s”") % {"key": key}
            if key in seen:
                problems.append(_("%(where)s appears twice.") % {"where": qwhere})
            seen.add(key)
            _check_label(problems, qwhere, question.get("label"))
            kind = question.get("type")
            if kind not in QuestionType.values:
                problems.append(_("%(where)s has an unknown type.") % {"where": qwhere})
            elif kind in (QuestionType.CHOICE, QuestionType.MULTI_CHOICE):
                choices = question.get("choices")
                if not isinstance(choices, list) or len(choices) < 2:
                    problems.append(_("%(where)s needs at least two choices.") % {"where": qwhere})
                    continue
                values = [c.get("value") for c in choices if isinstance(c, dict)]
                if len(values) != len(choices) or len(set(values)) != len(values) or not all(values):
                    problems.append(_("%(where)s has missing or repeated choice values.") % {"where": qwhere})
                for choice in choices:
                    if isinstance(choice, dict):
                        _check_label(problems, qwhere, choice.get("label"))
            elif kind == QuestionType.NUMBER:
                low, high = question.get("min"), question.get("max")
                if low is not None and high is not None and low > high:
                    problems.append(_("%(where)s has a minimum above its maximum.") % {"where": qwhere})
    return problems


# --- the answers --------------------------------------------------------------------------------


def _empty(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip()) or value == []


def _number(question: dict[str, Any], raw: Any) -> tuple[int | float | None, str]:
    """The number typed (a comma is a decimal separator), or the reason it is refused."""
    if isinstance(raw, bool):
        return None, _("Enter a number.")
    try:
        value = Decimal(str(raw).strip().replace(" ", "").replace(",", "."))
    except InvalidOperation:
        return None, _("Enter a number, e.g. 3 or 2,5.")
    if not value.is_finite():
        return None, _("Enter a number, e.g. 3 or 2,5.")
    if question.get("integer") and value != value.to_integral_value():
        return None, _("Enter a whole number.")
    low, high = question.get("min"), question.get("max")
    if low is not None and value < Decimal(str(low)):
        return None, _("Enter a number of at least %(min)s.") % {"min": low}
    if high is not None and value > Decimal(str(high)):
        return None, _("Enter a number of at most %(max)s.") % {"max": high}
    if value == value.to_integral_value():
        return int(value), ""
    return float(value), ""


def clean_answers(schema: dict[str, Any], raw: Answers) -> tuple[Answers, dict[str, str]]:
    """Check answers against the schema: ``(clean answers, refusal per question key)``.

    Unanswered optional questions are left out; unknown keys are dropped, since they can only
    come from a tampered form.
    """
    clean: Answers = {}
    errors: dict[str, str] = {}
    for question in questions(schema):
        key = question["key"]
        value = raw.get(key)
        if _empty(value):
            if question.get("required"):
                errors[key] = _("Answer this question.")
            continue
        kind = question["type"]
        allowed = {c["value"] for c in question.get("choices", [])}
        if kind == QuestionType.CHOICE:
            if isinstance(value, list) or value not in allowed:
                errors[key] = _("Choose one of the answers listed.")
            else:
                clean[key] = value
        elif kind == QuestionType.MULTI_CHOICE:
            values = value if isinstance(value, list) else [value]
            unknown = [v for v in values if v not in allowed]
            if unknown:
                errors[key] = _("Choose only among the answers listed.")
            else:
                # The schema's order, so that the same answers always read the same.
                clean[key] = [c["value"] for c in question["choices"] if c["value"] in values]
        elif kind == QuestionType.YES_NO:
            text = str(value).strip().lower()
            if value is True or text in YES_VALUES:
                clean[key] = True
            elif value is False or text in NO_VALUES:
                clean[key] = False
            else:
                errors[key] = _("Answer yes or no.")
        elif kind == QuestionType.NUMBER:
            number, problem = _number(question, value)
            if problem:
                errors[key] = problem
            else:
                clean[key] = number
        else:
            text = str(value).strip()
            limit = int(question.get("max_length") or DEFAULT_TEXT_LENGTH)
            if len(text) > limit:
                errors[key] = _("Write at most %(n)s characters.") % {"n": limit}
            else:
                clean[key] = text
    return clean, errors


# --- showing answers ----------------------------------------------------------------------------


@dataclass(frozen=True)
class AnsweredQuestion:
    label: str
    answer: str
    answered: bool


@dataclass(frozen=True)
class AnsweredSection:
    title: str
    questions: list[AnsweredQuestion]


def _display(question: dict[str, Any], value: Any, language: str | None) -> str:
    kind = question["type"]
    if kind in (QuestionType.CHOICE, QuestionType.MULTI_CHOICE):
        labels = {c["value"]: label(c["label"], language) for c in question.get("choices", [])}
        values = value if isinstance(value, list) else [value]
        return ", ".join(labels.get(v, str(v)) for v in values)
    if kind == QuestionType.YES_NO:
        return _("Yes") if value else _("No")
    if kind == QuestionType.NUMBER and isinstance(value, float):
        return f"{value:g}".replace(".", ",") if (language or get_language() or "it")[:2] == "it" else f"{value:g}"
    return str(value)


def answered_sections(schema: dict[str, Any], answers: Answers, language: str | None = None) -> list[AnsweredSection]:
    """The answers laid out with the questions of the version they were given to."""
    sections = []
    for section in schema.get("sections", []):
        rows = []
        for question in section.get("questions", []):
            key = question["key"]
            answered = key in answers
            rows.append(
                AnsweredQuestion(
                    label=label(question["label"], language),
                    answer=_display(question, answers[key], language) if answered else "—",
                    answered=answered,
                )
            )
        sections.append(AnsweredSection(title=label(section.get("title"), language), questions=rows))
    return sections
