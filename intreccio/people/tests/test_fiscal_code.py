"""The codice fiscale parser: real codes, the bad inputs of SECURITY.md, and properties over any string."""

from __future__ import annotations

import datetime
import string
from typing import Literal, cast

import pytest
from codicefiscale import codicefiscale
from django.core.exceptions import ValidationError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from intreccio.core.fiscal_code import infer_birth_date, mismatches, normalise, parse


def _with_cin(body: str) -> str:
    return body + codicefiscale.encode_cin(body)


MARIO = "RSSMRA80A01D150J"  # Mario Rossi, born in Cremona on 01/01/1980


def test_a_valid_code_is_decoded() -> None:
    data = parse(MARIO)
    assert data.code == MARIO
    assert (data.sex, data.birth_date, data.birthplace_code) == ("M", datetime.date(1980, 1, 1), "D150")
    assert data.birthplace_name == "Cremona"
    assert not data.is_temporary and not data.is_omocode and not data.born_abroad


def test_a_woman_has_forty_added_to_the_day() -> None:
    data = parse(_with_cin("BNCLRA85T48D150"))
    assert data.sex == "F"
    assert data.birth_date == datetime.date(1985, 12, 8)


def test_an_omocodia_code_is_valid_and_decodes_to_the_same_person() -> None:
    variant = codicefiscale.decode(MARIO)["omocodes"][1]
    data = parse(variant)
    assert data.is_omocode
    assert data.code == variant
    assert (data.sex, data.birth_date, data.birthplace_code) == ("M", datetime.date(1980, 1, 1), "D150")


def test_a_person_born_abroad() -> None:
    data = parse(_with_cin("KMRAMD90M10Z330"))  # Z330: Morocco
    assert data.born_abroad
    assert data.birthplace_code == "Z330"


def test_a_temporary_eleven_digit_code_is_accepted_with_its_check_digit() -> None:
    data = parse("12345678903")
    assert data.is_temporary and data.code == "12345678903"
    with pytest.raises(ValidationError) as exc:
        parse("12345678904")
    assert exc.value.code == "check_digit"


@pytest.mark.parametrize(
    "typed",
    [
        "rssmra80a01d150j",
        " RSS MRA 80A01 D150J ",
        "RSSMRA80A01\u200bD150J",
        "\ufeffRSSMRA80A01D150J",
        "RSSMRA80A01D150J\n",
    ],
)
def test_what_operators_paste_is_cleaned(typed: str) -> None:
    assert parse(typed).code == MARIO


@pytest.mark.parametrize(
    ("typed", "code"),
    [
        ("", "required"),
        ("   ", "required"),
        ("RSSMRA80A01D150K", "check_character"),
        ("RSSMRA80A01D150", "length"),
        ("RSSMRA80A01D150JX", "length"),
        (_with_cin("RSSMRA80A72D150"), "birth_date"),  # day 72: neither a man's nor a woman's day
        (_with_cin("RSSMRA80B30D150"), "birth_date"),  # 30 February
        (_with_cin("RSSMRA80A01Z999"), "birthplace"),  # no such comune or country
        ("RSSMRА80A01D150J", "characters"),  # Cyrillic А
        ("RSSMRA８0A01D150J", "characters"),  # full-width digit
        ("ſSSMRA80A01D150J", "characters"),  # long s: its uppercase is an ASCII S
        ("ıSSMRA80A01D150J", "characters"),  # dotless i
        ("RSSMRA80A01D150J\x00", "characters"),
        ("RSSMRA80X01D150J", "shape"),  # X is not a month letter
        ("123456789012345A", "shape"),
    ],
)
def test_bad_inputs_are_refused_with_a_specific_message(typed: str, code: str) -> None:
    with pytest.raises(ValidationError) as exc:
        parse(typed)
    assert exc.value.code == code
    assert exc.value.messages[0]


def test_mismatches_name_each_field() -> None:
    data = parse(MARIO)
    problems = mismatches(data, sex="F", birth_date=datetime.date(1980, 1, 2), birthplace_code="B110")
    assert set(problems) == {"sex", "birth_date", "birth_comune"}
    assert mismatches(data, sex="M", birth_date=datetime.date(1980, 1, 1), birthplace_code="D150") == {}


def test_the_century_is_the_latest_not_in_the_future() -> None:
    today = datetime.date(2026, 6, 1)
    assert infer_birth_date(parse(MARIO), today=today) == datetime.date(1980, 1, 1)
    young = parse(_with_cin("RSSMRA15A01D150"))
    assert infer_birth_date(young, today=today) == datetime.date(2015, 1, 1)
    old = parse(_with_cin("RSSMRA30A01D150"))
    assert infer_birth_date(old, today=today) == datetime.date(1930, 1, 1)


# --- properties -------------------------------------------------------------------------------

CF_ALPHABET = string.ascii_uppercase + string.digits


@settings(max_examples=400, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(st.text(), st.text(alphabet=CF_ALPHABET + " abc\u200b\x00А８", min_size=10, max_size=20)))
def test_any_string_is_a_clean_code_or_a_validation_error(raw: str) -> None:
    try:
        data = parse(raw)
    except ValidationError as exc:
        assert exc.messages
        return
    assert data.code.isascii()
    assert (len(data.code) == 16 and data.code.isalnum() and data.code == data.code.upper()) or (
        len(data.code) == 11 and data.code.isdigit()
    )


@st.composite
def fiscal_code_of_a_random_person(draw: st.DrawFn) -> tuple[str, str, datetime.date]:
    names = st.text(alphabet=string.ascii_letters + "àèéìòù' ", min_size=1, max_size=20).filter(
        lambda s: any(c.isalpha() for c in s)
    )
    sex = draw(st.sampled_from(["M", "F"]))
    birth_date = draw(st.dates(min_value=datetime.date(1901, 1, 1), max_value=datetime.date(2025, 12, 31)))
    birthplace = draw(st.sampled_from(["Cremona", "Milano", "Crema", "Casalmaggiore", "Roma", "Napoli", "Bari"]))
    code = codicefiscale.encode(
        lastname=draw(names),
        firstname=draw(names),
        gender=cast(Literal["M", "F"], sex),
        birthdate=birth_date.strftime("%d/%m/%Y"),
        birthplace=birthplace,
    )
    return code, sex, birth_date


@settings(max_examples=200, suppress_health_check=[HealthCheck.too_slow])
@given(fiscal_code_of_a_random_person(), st.integers(min_value=0, max_value=7))
def test_encode_then_parse_returns_the_same_sex_and_date(person: tuple[str, str, datetime.date], omocode: int) -> None:
    code, sex, birth_date = person
    variants = codicefiscale.decode(code)["omocodes"]
    code = variants[omocode % len(variants)]
    data = parse(code)
    assert data.sex == sex
    assert (data.birth_date.day, data.birth_date.month, data.birth_date.year % 100) == (  # type: ignore[union-attr]
        birth_date.day,
        birth_date.month,
        birth_date.year % 100,
    )
    # Two digits of year: the century is right for anyone younger than a hundred.
    if birth_date > datetime.date(1925, 12, 31):
        assert infer_birth_date(data, today=datetime.date(2025, 12, 31)) == birth_date
    assert normalise(code.lower()) == code
