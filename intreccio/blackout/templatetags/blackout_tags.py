"""Template tags for the case and assessment pages: the discreet badge and the "Black out…" link.

Only the service that wrote a blacked-out item still sees it; ``blacked_out_notes`` and
``blacked_out_assessments`` tell its operators which of the items they see carry a blackout, for
a discreet badge. For any other reader the answer is empty, and the item is not on their page at
all. ``assessment_blackout_url`` gives the link to record the person's request only to who may
record it (on the case's team, able to read the assessment now).
"""

from __future__ import annotations

from typing import Any

from django import template
from django.urls import reverse

from intreccio.assessments.models import Assessment
from intreccio.blackout import permissions
from intreccio.blackout.models import Blackout, TargetType
from intreccio.cases.models import Case

register = template.Library()


def _own_blacked_out(context: dict[str, Any], case: Case, target_type: str) -> set[int]:
    """The pks of the case's items of ``target_type`` under an active blackout the reader's service wrote."""
    request = context.get("request")
    membership = getattr(request, "membership", None)
    if membership is None:
        return set()
    return set(
        Blackout.objects.active()
        .filter(case=case, target_type=target_type, owner_structure_id=membership.structure_id)
        .values_list("target_id", flat=True)
    )


@register.simple_tag(takes_context=True)
def blacked_out_notes(context: dict[str, Any], case: Case) -> set[int]:
    """The pks of the case's notes under an active blackout that the reader's service wrote."""
    return _own_blacked_out(context, case, TargetType.CASE_NOTE)


@register.simple_tag(takes_context=True)
def blacked_out_assessments(context: dict[str, Any], case: Case) -> set[int]:
    """The pks of the case's assessments under an active blackout that the reader's service wrote."""
    return _own_blacked_out(context, case, TargetType.ASSESSMENT)


@register.simple_tag(takes_context=True)
def assessment_blackout_url(context: dict[str, Any], assessment: Assessment) -> str:
    """Where to record the person's request to black out ``assessment``; "" unless the reader may."""
    request = context.get("request")
    if request is None or getattr(request, "membership", None) is None:
        return ""
    item = permissions.item_get(TargetType.ASSESSMENT, assessment.pk)
    if item is None or not permissions.can_record(request, item):
        return ""
    return reverse("blackout:record_assessment", kwargs={"assessment_pk": assessment.pk})
