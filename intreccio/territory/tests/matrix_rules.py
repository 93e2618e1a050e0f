"""Matrix rules for the territory pages: the ambito's own administrator only."""

from __future__ import annotations

from intreccio.accounts.models import Role
from tests.matrix import Rule

ADMINISTRATOR = frozenset({Role.ADMINISTRATOR.value})

RULES: dict[str, Rule] = {
    "territory:ambito_list": Rule(roles=ADMINISTRATOR),
    "territory:ambito_detail": Rule(roles=ADMINISTRATOR, kwargs=lambda w: {"pk": w.ambito.pk}),
}
