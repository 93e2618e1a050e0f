"""The search box's parsing: names as operators type them, years, dates, codice fiscale prefixes."""

from __future__ import annotations

import datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from intreccio.people.search import NameSplit, name_variants, normalise_name, parse_query, transpositions


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("D'Angelo", "dangelo"),
        ("D’Angelo", "dangelo"),
        ("Nicolò", "nicolo"),
        ("DE SANTIS", "desantis"),
        ("Dell'Acqua-Rossi", "dellacquarossi"),
        ("Müller", "muller"),
        ("Strauß", "strauss"),
        ("Ørsted", "orsted"),
        ("Łukasz", "lukasz"),
        ("Ｒｏｓｓｉ", "rossi"),  # full-width letters typed on a phone keyboard
    ],
)
def test_names_are_normalised_to_plain_letters(typed: str, stored: str) -> None:
    assert normalise_name(typed) == stored


def test_transpositions_swap_each_adjacent_pair_once() -> None:
    assert transpositions("rosi") == ["orsi", "rsoi", "rois"]
    assert transpositions("ross") == ["orss", "rsos"]  # "ss" swapped is the same word
    assert name_variants("ros") == ["ros"]  # too short to bear typos
    assert name_variants("rosi")[0] == "rosi"


def test_the_words_are_read_as_surname_and_name_in_either_order() -> None:
    parsed = parse_query("Mario Rossi")
    assert parsed.names == ["mario", "rossi"]
    splits = parsed.name_splits()
    assert NameSplit("rossi", "mario") in splits
    assert NameSplit("mario", "rossi") in splits
    assert NameSplit("mariorossi", "") in splits


def test_a_compound_surname_with_a_name() -> None:
    splits = parse_query("De Luca Anna").name_splits()
    assert NameSplit("deluca", "anna") in splits
    assert NameSplit("anna", "deluca") in splits


def test_a_single_word_may_be_a_surname_or_a_name() -> None:
    assert parse_query("rossi").name_splits() == [NameSplit("rossi", ""), NameSplit("", "rossi")]


def test_year_date_and_codice_fiscale_are_recognised() -> None:
    parsed = parse_query("Rossi 1980")
    assert parsed.names == ["rossi"] and parsed.birth_year == 1980
    parsed = parse_query("rossi 17/05/1980")
    assert parsed.birth_date == datetime.date(1980, 5, 17)
    parsed = parse_query("rssmra80")
    assert parsed.fiscal_code_prefix == "RSSMRA80" and not parsed.names
    parsed = parse_query("RSSMRA80A01D150J")
    assert parsed.fiscal_code_prefix == "RSSMRA80A01D150J"
    parsed = parse_query("12345678903")
    assert parsed.fiscal_code_prefix == "12345678903"


def test_an_impossible_date_keeps_its_year() -> None:
    parsed = parse_query("Rossi 31/04/1980")
    assert parsed.birth_date is None and parsed.birth_year == 1980


def test_an_empty_query() -> None:
    assert parse_query("  , ; ").is_empty
    assert parse_query("'").is_empty


@given(st.text(max_size=200))
def test_any_text_parses_without_error(text: str) -> None:
    parsed = parse_query(text)
    for name in parsed.names:
        assert name and name.isascii() and name.isalpha() and name == name.lower()
    assert len(parsed.name_splits()) <= 7
    if parsed.fiscal_code_prefix:
        assert parsed.fiscal_code_prefix.isascii() and parsed.fiscal_code_prefix.isalnum()
