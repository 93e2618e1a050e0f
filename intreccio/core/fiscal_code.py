"""The codice fiscale: normalising what was typed, validating it, reading the data it encodes.

Validation and decoding come from python-codicefiscale (check character, omocodia, Belfiore
codes of comuni and foreign countries). This module adds what operators type in practice:
spaces, lowercase, a zero-width space pasted from a PDF, and refuses look-alike letters and
full-width digits with a message that says what to fix. The 11-digit temporary codice fiscale
given to people awaiting the definitive one is accepted (its check digit is verified).
"""

from __future__ import annotations

import datetime
import functools
import re
from dataclasses import dataclass
from typing import Any

from codicefiscale import codicefiscale
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from intreccio.core.codes import eleven_digit_check_ok

# Invisible characters that copy and paste brings along.
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"), None)
_SHAPE_16 = re.compile(r"^[A-Z]{6}[0-9LMNPQRSTUV]{2}[A-EHLMPRST][0-9LMNPQRSTUV]{2}[A-Z][0-9LMNPQRSTUV]{3}[A-Z]$")
_ASCII_CODE = re.compile(r"^[A-Za-z0-9]*$")


@dataclass(frozen=True)
class FiscalCodeData:
    code: str
    is_temporary: bool
    is_omocode: bool = False
    sex: str = ""
    birth_date: datetime.date | None = None
    birthplace_code: str = ""
    birthplace_name: str = ""
    born_abroad: bool = False


def normalise(raw: str) -> str:
    """Uppercase, without spaces or invisible characters. Other characters are kept (and refused later)."""
    cleaned = raw.translate(_INVISIBLE)
    return "".join(cleaned.split()).upper()


@functools.lru_cache(maxsize=8192)
def _decode(code: str) -> dict[str, Any]:
    # python-codicefiscale works out all 128 omocodia variants on every decode (about 3 ms): an
    # import or a duplicate check asks for the same code several times. Refusals (ValueError)
    # are not cached.
    return dict(codicefiscale.decode(code))


def omocodes(code: str) -> list[str]:
    """Every omocodia variant of a valid 16-character code (the code itself included)."""
    return list(_decode(code)["omocodes"])


def parse(raw: str) -> FiscalCodeData:
    """Validate and decode a codice fiscale; raise ValidationError with a message that says what to fix."""
    # Characters are checked before uppercasing: "ſ".upper() is "S" and "ı".upper() is "I", and a
    # look-alike must be refused, not silently turned into a different code.
    cleaned = "".join(raw.translate(_INVISIBLE).split())
    if not cleaned:
        raise ValidationError(_("Enter the codice fiscale."), code="required")
    if not _ASCII_CODE.match(cleaned):
        raise ValidationError(
            _(
                "The codice fiscale may contain only the letters A-Z and the digits 0-9: "
                "check for accented letters or characters copied from another alphabet."
            ),
            code="characters",
        )
    code = cleaned.upper()
    if len(code) == 11 and code.isdigit():
        if not eleven_digit_check_ok(code):
            raise ValidationError(
                _("This 11-digit temporary codice fiscale has a wrong check digit: check the digits."),
                code="check_digit",
            )
        return FiscalCodeData(code=code, is_temporary=True)
    if len(code) != 16:
        raise ValidationError(
            _("A codice fiscale has 16 characters (or 11 digits if temporary); this one has %(count)d.")
            % {"count": len(code)},
            code="length",
        )
    if not _SHAPE_16.match(code):
        raise ValidationError(
            _("This is not the shape of a codice fiscale (6 letters, 2 digits, a month letter, …): check it."),
            code="shape",
        )
    try:
        decoded = _decode(code)
    except ValueError as exc:
        message = str(exc)
        if "CIN" in message:
            raise ValidationError(
                _("The last character (the check letter) does not match: a character was probably mistyped."),
                code="check_character",
            ) from exc
        # The library's birthplace message also names the birthdate: test for it first.
        if "birthplace" in message:
            raise ValidationError(
                _("The place-of-birth code (%(code)s) is not a known comune or country.") % {"code": code[11:15]},
                code="birthplace",
            ) from exc
        if "date" in message:
            raise ValidationError(
                _(
                    "The date of birth encoded in this codice fiscale does not exist: "
                    "check the digits and the month letter."
                ),
                code="birth_date",
            ) from exc
        raise ValidationError(_("This codice fiscale is not valid: check it."), code="invalid") from exc
    birthplace = decoded.get("birthplace") or {}
    return FiscalCodeData(
        code=code,
        is_temporary=False,
        # decode() lists the omocodia variants with the original first.
        is_omocode=code != decoded["omocodes"][0],
        sex=decoded["gender"],
        birth_date=decoded["birthdate"].date(),
        birthplace_code=str(birthplace.get("code", "")),
        birthplace_name=str(birthplace.get("name", "")),
        born_abroad=str(birthplace.get("province", "")) == "EE",
    )


def mismatches(
    data: FiscalCodeData,
    *,
    sex: str = "",
    birth_date: datetime.date | None = None,
    birthplace_code: str = "",
) -> dict[str, str]:
    """Fields typed by the operator that disagree with the codice fiscale, with a message each."""
    if data.is_temporary:
        return {}
    problems: dict[str, str] = {}
    if sex and data.sex and sex != data.sex:
        problems["sex"] = _("The codice fiscale encodes a different sex: check the sex or the codice fiscale.")
    if birth_date and data.birth_date:
        # The code keeps only two digits of the year: compare day, month and the last two digits.
        same = (birth_date.day, birth_date.month, birth_date.year % 100) == (
            data.birth_date.day,
            data.birth_date.month,
            data.birth_date.year % 100,
        )
        if not same:
            problems["birth_date"] = _(
                "The codice fiscale encodes the date of birth %(date)s: check the date or the codice fiscale."
            ) % {"date": data.birth_date.strftime("%d/%m/") + "…" + data.birth_date.strftime("%y")}
    if birthplace_code and data.birthplace_code and birthplace_code != data.birthplace_code:
        problems["birth_comune"] = _(
            "The codice fiscale encodes the place of birth %(place)s: check the place or the codice fiscale."
        ) % {"place": data.birthplace_name or data.birthplace_code}
    return problems


def infer_birth_date(data: FiscalCodeData, *, today: datetime.date) -> datetime.date | None:
    """The date of birth with its century: the latest one that is not in the future."""
    if data.birth_date is None:
        return None
    candidate = data.birth_date.replace(year=today.year // 100 * 100 + data.birth_date.year % 100)
    if candidate > today:
        candidate = candidate.replace(year=candidate.year - 100)
    return candidate
