"""Display helpers for audit rows, which store raw codes so that they never change meaning."""

from __future__ import annotations

import json
from typing import Any

from django import template

from intreccio.accounts.models import Role

register = template.Library()


@register.filter
def role_label(value: str) -> str:
    """The role's name in the interface language; an unknown (retired) code is shown as stored."""
    try:
        return str(Role(value).label)
    except ValueError:
        return value


@register.filter
def payload_text(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True) if value else ""
