"""Template tags for the case page: which of the reader's own service's notes are blacked out.

Only the service that wrote a blacked-out item still sees it; this tells its operators which of
the notes they see carry a blackout, for a discreet badge. For any other reader the answer is
empty, and the item is not on their page at all.
"""

from __future__ import annotations

from typing import Any

from django import template

from intreccio.blackout.models import Blackout, TargetType
from intreccio.cases.models import Case

register = template.Library()


@register.simple_tag(takes_context=True)
def blacked_out_notes(context: dict[str, Any], case: Case) -> set[int]:
    """The pks of the case's notes under an active blackout that the reader's service wrote."""
    request = context.get("request")
    membership = getattr(request, "membership", None)
    if membership is None:
        return set()
    return set(
        Blackout.objects.active()
        .filter(case=case, target_type=TargetType.CASE_NOTE, owner_structure_id=membership.structure_id)
        .values_list("target_id", flat=True)
    )
