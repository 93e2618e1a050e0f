"""Name normalisation and query parsing for the one search box.

Operators type names as they hear them: "D'Angelo" or "Dangelo", "Nicolò" or "Nicolo",
"De Santis" or "Desantis", "Mario Rossi" or "Rossi Mario", and swap two letters when in a
hurry. Names are stored a second time in a normalised form (lowercase ASCII letters only) so
that a prefix match on an index finds them all; a query word also matches with two adjacent
letters swapped.
"""

from __future__ import annotations

import datetime
import re
import unicodedata
from dataclasses import dataclass, field

_YEAR = re.compile(r"^(19|20)[0-9]{2}$")
_DATE = re.compile(r"^([0-9]{1,2})[/.-]([0-9]{1,2})[/.-]((?:19|20)[0-9]{2})$")
# A codice fiscale or its beginning: six letters then what a CF contains, or an 11-digit temporary code.
_CF_PREFIX = re.compile(r"^[A-Z]{6}[0-9A-Z]{0,10}$|^[0-9]{11}$")
# Letters that NFKD does not decompose but that Italian and foreign names carry.
_EXTRA_LETTERS = str.maketrans({"ß": "ss", "æ": "ae", "œ": "oe", "ø": "o", "ł": "l", "đ": "d", "ð": "d", "þ": "th"})
# More words than this are not a name: the extra ones are ignored so the query stays small.
MAX_NAME_WORDS = 4
# Swapped letters are tried only on words this long: short prefixes would match too much.
MIN_TRANSPOSITION_LENGTH = 4


def normalise_name(value: str) -> str:
    """Lowercase ASCII letters only: accents, apostrophes, spaces and hyphens removed."""
    decomposed = unicodedata.normalize("NFKD", value.lower().translate(_EXTRA_LETTERS))
    return "".join(c for c in decomposed if "a" <= c <= "z")


def transpositions(word: str) -> list[str]:
    """The word with each pair of adjacent letters swapped (the typo operators make most)."""
    variants = []
    for i in range(len(word) - 1):
        if word[i] != word[i + 1]:
            variants.append(word[:i] + word[i + 1] + word[i] + word[i + 2 :])
    return variants


def name_variants(word: str) -> list[str]:
    """The word itself first, then its transpositions when it is long enough to bear them."""
    if len(word) < MIN_TRANSPOSITION_LENGTH:
        return [word]
    return [word, *transpositions(word)]


@dataclass(frozen=True)
class NameSplit:
    """One reading of the name words: this surname prefix with this first-name prefix ("" = any)."""

    last_name: str
    first_name: str


@dataclass
class ParsedQuery:
    names: list[str] = field(default_factory=list)
    birth_year: int | None = None
    birth_date: datetime.date | None = None
    fiscal_code_prefix: str = ""

    @property
    def is_empty(self) -> bool:
        return not (self.names or self.birth_year or self.birth_date or self.fiscal_code_prefix)

    def name_splits(self) -> list[NameSplit]:
        """Every way to read the words as surname + first name, in either order.

        "de luca anna" is read as surname "deluca" + first name "anna", as first name "anna" +
        surname "deluca", as surname "de" + first name "lucaanna" and so on: each reading is a
        pair of prefixes, so a wrong reading simply finds nobody. All the words together may be
        one surname ("De Santis"); a single word may also be a first name.
        """
        words = self.names[:MAX_NAME_WORDS]
        if not words:
            return []
        splits = [NameSplit(last_name="".join(words), first_name="")]
        if len(words) == 1:
            splits.append(NameSplit(last_name="", first_name=words[0]))
        for k in range(1, len(words)):
            head, tail = "".join(words[:k]), "".join(words[k:])
            splits.append(NameSplit(last_name=head, first_name=tail))
            splits.append(NameSplit(last_name=tail, first_name=head))
        return splits


def parse_date(day: int, month: int, year: int) -> datetime.date | None:
    try:
        return datetime.date(year, month, day)
    except ValueError:
        return None


def parse_query(text: str) -> ParsedQuery:
    """Split the search box into name words, a birth year or date and a codice fiscale (prefix)."""
    parsed = ParsedQuery()
    for raw in text.split():
        token = raw.strip(",;.()")
        if _YEAR.match(token):
            parsed.birth_year = int(token)
            continue
        date_match = _DATE.match(token)
        if date_match:
            day, month, year = (int(part) for part in date_match.groups())
            parsed.birth_date = parse_date(day, month, year)
            if parsed.birth_date is None:
                # An impossible date (31/04) still says the year: better than finding nobody.
                parsed.birth_year = year
            continue
        upper = token.upper()
        if len(upper) >= 6 and upper.isascii() and _CF_PREFIX.match(upper) and any(ch.isdigit() for ch in upper):
            parsed.fiscal_code_prefix = upper
            continue
        name = normalise_name(token)
        if name:
            parsed.names.append(name)
    return parsed
