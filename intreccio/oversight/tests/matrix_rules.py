"""Matrix rules for the oversight pages: the auditor reads them, the administrator names the controller."""

from __future__ import annotations

from intreccio.accounts.models import Role
from tests.matrix import Rule

AUDITOR_ONLY = frozenset({Role.AUDITOR.value})
ADMINISTRATOR_ONLY = frozenset({Role.ADMINISTRATOR.value})

RULES: dict[str, Rule] = {
    "oversight:register": Rule(roles=AUDITOR_ONLY, note="reading it is recorded"),
    "oversight:register_pdf": Rule(roles=AUDITOR_ONLY, note="a download: recorded with its field count"),
    "oversight:register_csv": Rule(roles=AUDITOR_ONLY, note="a download: recorded with columns and rows"),
    "oversight:dpia": Rule(roles=AUDITOR_ONLY, note="reading it is recorded"),
    "oversight:dpia_csv": Rule(roles=AUDITOR_ONLY, note="a download: recorded with columns and rows"),
    "oversight:review": Rule(roles=AUDITOR_ONLY, note="unusual access over the last 30 days by default"),
    "oversight:controller": Rule(roles=ADMINISTRATOR_ONLY, note="designation of the register's controller"),
}
