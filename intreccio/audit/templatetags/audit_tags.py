"""Display helpers for audit rows, which store raw codes so that they never change meaning."""

from __future__ import annotations

import json
from typing import Any

from django import template
from django.utils.translation import gettext_lazy as _

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


# Purposes and sections are stored as stable English codes; these are the ones the code writes
# today, listed so that the catalogues translate them. Unknown codes are shown as stored.
CODE_LABELS = {
    "audit review": _("audit review"),
    "search": _("search"),
    "registry": _("registry data"),
    "search_result": _("search result"),
}


@register.filter
def code_label(value: str) -> str:
    label = CODE_LABELS.get(value)
    return str(label) if label is not None else value
