"""The languages a linguistic-cultural mediator can work in, by ISO 639-1 code.

The list covers the languages most spoken by the foreign residents of Lombard ambiti (ISTAT)
plus the vehicular languages mediators use; a roster stores codes, the interface shows names.
"""

from __future__ import annotations

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

LANGUAGES: dict[str, Promise] = {
    "am": _("Amharic"),
    "ar": _("Arabic"),
    "bm": _("Bambara"),
    "bn": _("Bengali"),
    "de": _("German"),
    "en": _("English"),
    "es": _("Spanish"),
    "fa": _("Persian (Farsi)"),
    "ff": _("Fula (Pulaar)"),
    "fr": _("French"),
    "ha": _("Hausa"),
    "hi": _("Hindi"),
    "ig": _("Igbo"),
    "ku": _("Kurdish"),
    "mk": _("Macedonian"),
    "pa": _("Punjabi"),
    "ps": _("Pashto"),
    "pt": _("Portuguese"),
    "ro": _("Romanian"),
    "ru": _("Russian"),
    "so": _("Somali"),
    "sq": _("Albanian"),
    "sr": _("Serbian"),
    "ta": _("Tamil"),
    "ti": _("Tigrinya"),
    "tl": _("Tagalog"),
    "tr": _("Turkish"),
    "tw": _("Twi"),
    "uk": _("Ukrainian"),
    "ur": _("Urdu"),
    "wo": _("Wolof"),
    "yo": _("Yoruba"),
    "zh": _("Chinese"),
}

# Names people type for a language, in Italian and English, mapped to its code.
_ALIASES: dict[str, str] = {
    "arabo": "ar", "cinese": "zh", "mandarino": "zh", "rumeno": "ro", "romeno": "ro", "albanese": "sq",
    "urdu": "ur", "punjabi": "pa", "panjabi": "pa", "wolof": "wo", "francese": "fr", "ucraino": "uk",
    "russo": "ru", "inglese": "en", "spagnolo": "es", "portoghese": "pt", "bengalese": "bn", "hindi": "hi",
    "tigrino": "ti", "amarico": "am", "somalo": "so", "persiano": "fa", "farsi": "fa", "pashto": "ps",
    "turco": "tr", "curdo": "ku", "tedesco": "de", "serbo": "sr", "macedone": "mk", "tamil": "ta",
    "tagalog": "tl", "filippino": "tl", "bambara": "bm", "fula": "ff", "pulaar": "ff", "peul": "ff",
    "hausa": "ha", "yoruba": "yo", "igbo": "ig", "twi": "tw",
}  # fmt: skip


def language_code(value: str) -> str | None:
    """The ISO 639-1 code for a code or a name (Italian or English, any case); None if unknown."""
    key = " ".join(value.split()).lower()
    if key in LANGUAGES:
        return key
    if key in _ALIASES:
        return _ALIASES[key]
    for code, name in LANGUAGES.items():
        if str(name).lower() == key or str(name).lower().split(" (")[0] == key:
            return code
    return None


def language_name(code: str) -> str:
    return str(LANGUAGES.get(code, code))


def language_choices() -> list[tuple[str, str]]:
    return sorted(((code, str(name)) for code, name in LANGUAGES.items()), key=lambda choice: choice[1])
