"""The questionnaire helpers and the day-first date field, including hypothesis over dates."""

from __future__ import annotations

import datetime

import pytest
from django import forms
from hypothesis import given
from hypothesis import strategies as st

from intreccio.access.forms import DayMonthYearField, questionnaire_form
from intreccio.access.questionnaire import answered_sections, clean_answers, label

SCHEMA = {
    "sections": [
        {
            "key": "s",
            "title": {"it": "Sezione", "en": "Section"},
            "questions": [
                {"key": "n", "type": "number", "min": 0, "max": 10, "label": {"it": "Numero", "en": "Number"}},
                {
                    "key": "m",
                    "type": "multi_choice",
                    "label": {"it": "Più", "en": "Many"},
                    "choices": [
                        {"value": "a", "label": {"it": "A it", "en": "A en"}},
                        {"value": "b", "label": {"it": "B it", "en": "B en"}},
                    ],
                },
                {"key": "t", "type": "text", "max_length": 5, "label": {"it": "Testo", "en": "Text"}},
            ],
        }
    ]
}


def test_labels_fall_back_to_italian() -> None:
    assert label({"it": "Sì", "en": "Yes"}, "en") == "Yes"
    assert label({"it": "Sì"}, "en") == "Sì"
    assert label("plain", "en") == "plain"


def test_clean_answers_normalises_and_drops_unknown_keys() -> None:
    clean, errors = clean_answers(SCHEMA, {"n": "2,5", "m": ["b", "a"], "t": " ok ", "forged": "x"})
    assert errors == {}
    assert clean == {"n": 2.5, "m": ["a", "b"], "t": "ok"}
    _clean, errors = clean_answers(SCHEMA, {"n": "11", "t": "toolong"})
    assert errors == {"n": "Enter a number of at most 10.", "t": "Write at most 5 characters."}
    _clean, errors = clean_answers(SCHEMA, {"n": "nan"})
    assert errors == {"n": "Enter a number, e.g. 3 or 2,5."}


def test_answers_render_with_their_own_schema() -> None:
    sections = answered_sections(SCHEMA, {"m": ["a", "b"]}, "en")
    assert sections[0].title == "Section"
    assert [(q.label, q.answer, q.answered) for q in sections[0].questions] == [
        ("Number", "—", False),
        ("Many", "A en, B en", True),
        ("Text", "—", False),
    ]


def test_the_generated_form_has_one_field_per_question() -> None:
    form = questionnaire_form(SCHEMA, data={"m": ["a"], "n": "3"})
    assert list(form.fields) == ["n", "m", "t"]
    assert form.is_valid() and form.cleaned_data["m"] == ["a"]


FIELD = DayMonthYearField(required=False)


@given(st.dates(min_value=datetime.date(1000, 1, 1), max_value=datetime.date(9999, 12, 31)))
def test_every_real_date_round_trips(day: datetime.date) -> None:
    assert FIELD.clean(day.strftime("%d/%m/%Y")) == day


@given(st.integers(1, 31), st.integers(1, 12), st.integers(1000, 9999))
def test_impossible_days_get_a_specific_message(day: int, month: int, year: int) -> None:
    try:
        datetime.date(year, month, day)
    except ValueError:
        with pytest.raises(forms.ValidationError) as exc:
            FIELD.clean(f"{day:02d}/{month:02d}/{year}")
        assert "does not exist" in exc.value.messages[0]


@pytest.mark.parametrize("text", ["00/00/0000", "31-04-2025", "1/13/2025", "45000", "2025/01/31", "01/01/0"])
def test_garbage_dates_are_refused(text: str) -> None:
    with pytest.raises(forms.ValidationError):
        FIELD.clean(text)
