"""Amounts in euro as each interface language writes them: "€ 1.234,56" in Italian, "€1,234.56" in English."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django import template
from django.utils.formats import number_format
from django.utils.translation import get_language

register = template.Library()

# A no-break space keeps the sign and the amount on one line in narrow table cells.
NBSP = "\u00a0"


@register.filter
def euro(value: Decimal | int | float | str | None) -> str:
    """``{{ amount|euro }}``: two decimals, thousands grouped, the euro sign placed per language."""
    if value is None or value == "":
        return ""
    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        return ""
    number = number_format(abs(amount), decimal_pos=2, use_l10n=True, force_grouping=True)
    sign = "-" if amount < 0 else ""
    if (get_language() or "it").startswith("it"):
        return f"{sign}€{NBSP}{number}"
    return f"{sign}€{number}"
