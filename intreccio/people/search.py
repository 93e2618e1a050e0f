"""Name normalisation and query parsing for the one search box.

Operators type names as they hear them: "D'Angelo" or "Dangelo", "Nicolò" or "Nicolo",
"De Santis" or "Desantis", and swap two letters when in a hurry. Names are stored a second
time in a normalised form (lowercase ASCII letters only) so that a prefix match on an index
finds them all; a query word also matches with two adjacent letters swapped.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

_YEAR = re.compile(r"^(19|20)[0-9]{2}$")
# A codice fiscale or its beginning: at least 6 characters mixing what a CF contains, or 11 digits.
_CF_PREFIX = re.compile(r"^[A-Z]{6}[0-9A-Z]{0,10}$|^[0-9]{11}$")


def normalise_name(value: str) -> str:
    """Lowercase ASCII letters only: accents, apostrophes, spaces and hyphens removed."""
    decomposed = unicodedata.normalize("NFKD", value)
    letters = [c for c in decomposed if not unicodedata.combining(c)]
    return "".join(c for c in "".join(letters).lower() if "a" <= c <= "z")


def transpositions(word: str) -> list[str]:
    """The word with each pair of adjacent letters swapped (the typo operators make most)."""
    variants = []
    for i in range(len(word) - 1):
        if word[i] != word[i + 1]:
            variants.append(word[:i] + word[i + 1] + word[i] + word[i + 2 :])
    return variants


@dataclass
class ParsedQuery:
    names: list[str] = field(default_factory=list)
    birth_year: int | None = None
    fiscal_code_prefix: str = ""

    @property
    def is_empty(self) -> bool:
        return not (self.names or self.birth_year or self.fiscal_code_prefix)


def parse_query(text: str) -> ParsedQuery:
    """Split the search box into name words, a birth year and a codice fiscale (prefix)."""
    parsed = ParsedQuery()
    for raw in text.split():
        token = raw.strip(",;.")
        if _YEAR.match(token):
            parsed.birth_year = int(token)
            continue
        upper = "".join(token.split()).upper()
        if len(upper) >= 6 and _CF_PREFIX.match(upper) and any(ch.isdigit() for ch in upper):
            parsed.fiscal_code_prefix = upper
            continue
        name = normalise_name(token)
        if name:
            parsed.names.append(name)
    return parsed
