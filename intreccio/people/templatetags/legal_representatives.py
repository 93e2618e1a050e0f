"""``{% signs_for person %}``: "signs: <representative> (amministratore di sostegno)" where a
document (the person page, a pact, a consent) needs who signs in the person's place."""

from __future__ import annotations

from typing import Any

from django import template

from intreccio.people.models import Person
from intreccio.people.selectors_measures import current_legal_representative

register = template.Library()


@register.inclusion_tag("people/_legal_rep_signs.html")
def signs_for(person: Person) -> dict[str, Any]:
    """Empty when the person signs for themself."""
    return {"representative": current_legal_representative(person)}
