"""The banner on the case page while the operator reads it with an emergency access."""

from __future__ import annotations

from typing import Any

from django import template

from intreccio.breakglass.selectors import banner_grant
from intreccio.breakglass.services import local_time
from intreccio.cases.models import Case

register = template.Library()


@register.inclusion_tag("breakglass/_banner.html", takes_context=True)
def breakglass_banner(context: template.Context, case: Case) -> dict[str, Any]:
    request = context.get("request")
    grant = banner_grant(request=request, case=case) if request is not None else None
    return {"grant": grant, "until": local_time(grant.expires_at) if grant is not None else ""}
