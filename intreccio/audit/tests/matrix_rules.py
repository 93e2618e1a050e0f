"""Matrix rules for the audit pages: only an operator acting as auditor reads the trail."""

from __future__ import annotations

from intreccio.accounts.models import Role
from tests.matrix import Rule

AUDITOR_ONLY = frozenset({Role.AUDITOR.value})

RULES: dict[str, Rule] = {
    "audit:access_log": Rule(roles=AUDITOR_ONLY, note="reading it is itself recorded"),
    "audit:domain_log": Rule(roles=AUDITOR_ONLY, note="reading it is itself recorded"),
}
