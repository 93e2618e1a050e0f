"""Values every page of the interface shell needs."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest

from intreccio.core.navigation import NavGroup, links_for, menu_of


def shell(request: HttpRequest) -> dict[str, Any]:
    memberships = getattr(request, "memberships", None) or []
    links = links_for(request)
    return {
        "active_membership": getattr(request, "membership", None),
        "available_memberships": memberships,
        "demo_mfa_exempt": settings.INTRECCIO_DEMO_MFA_EXEMPT,
        "nav_links": links,
        "nav_menu": [(isinstance(item, NavGroup), item) for item in menu_of(links)],
    }
