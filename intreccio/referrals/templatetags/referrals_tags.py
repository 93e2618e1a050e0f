"""Small display helpers for the referral pages."""

from __future__ import annotations

from django import template

from intreccio.cases.models import Section

register = template.Library()


@register.filter
def section_label(code: str) -> str:
    """The translated name of a case section code."""
    return str(Section(code).label) if code in Section.values else code
