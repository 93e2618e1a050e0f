"""Check digits of Italian codes shared by several apps."""

from __future__ import annotations


def eleven_digit_check_ok(digits: str) -> bool:
    """The check digit of an 11-digit code: partita IVA, a legal entity's or a temporary codice fiscale."""
    if len(digits) != 11 or not digits.isdigit():
        return False
    total = 0
    for index, char in enumerate(digits[:10]):
        value = int(char)
        if index % 2 == 1:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return (10 - total % 10) % 10 == int(digits[10])
